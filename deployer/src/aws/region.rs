//! What a region name looks like: one check for `--region`, `AWS_REGION` and the profile's
//! `region`, so a typo fails before any call instead of as an unreadable answer.

/// Whether `region` looks like an AWS region name: `us-east-1`, `us-gov-west-1`, `eu-isoe-west-1`.
pub fn is_region_name(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    words.len() >= 2
        && words[0].len() == 2
        && words
            .iter()
            .all(|word| !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase()))
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

/// The `--region` value parser.
pub fn parse_region(value: &str) -> Result<String, String> {
    if is_region_name(value) {
        Ok(value.to_owned())
    } else {
        Err("not an AWS region name (like us-east-1 or eu-west-3)".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for good in [
            "us-east-1",
            "eu-west-3",
            "us-gov-west-1",
            "ap-southeast-5",
            "eu-isoe-west-1",
            "cn-north-1",
        ] {
            assert!(is_region_name(good), "{good}");
            assert_eq!(parse_region(good).as_deref(), Ok(good));
        }
        for bad in [
            "",
            "us",
            "us-east",
            "US-EAST-1",
            "not_a_region",
            "useast1",
            "us-east-1a",
            "east-1",
            "Not A Region",
        ] {
            assert!(!is_region_name(bad), "{bad}");
            assert!(parse_region(bad).is_err(), "{bad}");
        }
    }
}

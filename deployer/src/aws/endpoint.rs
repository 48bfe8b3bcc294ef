//! Endpoint URLs: what a well-formed one is (`--endpoint-url`, `AWS_ENDPOINT_URL*`), and how
//! S3 must address buckets on it.

/// Why `url` cannot be an endpoint URL, or `Ok` when it can: an absolute `http` or `https`
/// URL with a host.
pub fn check_endpoint_url(url: &str) -> Result<(), &'static str> {
    let uri: http::Uri = url.parse().map_err(
        |_| "not a URL (like https://kinesis.eu-west-1.amazonaws.com or http://127.0.0.1:5000)",
    )?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(_) => return Err("the scheme is neither http nor https"),
        None => return Err("no scheme: start it with http:// or https://"),
    }
    match uri.host() {
        Some(host) if !host.is_empty() => Ok(()),
        _ => Err("no host"),
    }
}

/// The `--endpoint-url` value parser.
pub fn parse_endpoint_url(value: &str) -> Result<String, String> {
    check_endpoint_url(value)
        .map(|()| value.to_owned())
        .map_err(str::to_owned)
}

/// Whether S3 must be addressed by path (`http://host/bucket/key`) rather than by virtual host:
/// an endpoint given as an IP address or `localhost` has no per-bucket DNS names, as botocore
/// also decides.
pub fn needs_path_style(endpoint_url: Option<&str>) -> bool {
    let Some(host) = endpoint_url
        .and_then(|url| url.parse::<http::Uri>().ok())
        .and_then(|uri| uri.host().map(str::to_owned))
    else {
        return false;
    };
    host == "localhost"
        || host.parse::<std::net::Ipv4Addr>().is_ok()
        || (host.starts_with('[') && host.ends_with(']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls() {
        for good in [
            "http://127.0.0.1:5000",
            "https://kinesis.eu-west-1.amazonaws.com",
            "http://localhost:4566/",
            "http://[::1]:5000",
        ] {
            assert_eq!(check_endpoint_url(good), Ok(()), "{good}");
        }
        for (bad, reason) in [
            ("127.0.0.1:5000", "scheme"),
            ("localhost", "no scheme"),
            ("ftp://example.com", "neither http nor https"),
            ("http://", "not a URL"),
            ("not a url", "not a URL"),
            ("", "not a URL"),
        ] {
            let error = check_endpoint_url(bad).unwrap_err();
            assert!(error.contains(reason), "{bad}: {error}");
        }
    }

    #[test]
    fn path_style_only_for_hosts_without_bucket_dns() {
        assert!(needs_path_style(Some("http://127.0.0.1:5000")));
        assert!(needs_path_style(Some("http://localhost:4566/")));
        assert!(needs_path_style(Some("http://[::1]:5000")));
        assert!(!needs_path_style(Some(
            "https://s3.eu-west-3.amazonaws.com"
        )));
        assert!(!needs_path_style(None));
    }
}

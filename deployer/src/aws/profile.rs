//! The selected AWS profile must exist: the SDK would otherwise skip a misspelt profile
//! whenever another source (variables, a role) has credentials, and fail later without
//! naming it when none has.

use std::borrow::Cow;
use std::fmt;

use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env, Fs};

use super::error::ConnectError;

/// Where the selected profile's name came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileSource {
    /// `--profile`.
    Option,
    /// `AWS_PROFILE`.
    Variable,
}

impl fmt::Display for ProfileSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Option => "--profile",
            Self::Variable => "AWS_PROFILE",
        })
    }
}

/// The variable that names the profile when `--profile` does not.
pub const PROFILE_VARIABLE: &str = "AWS_PROFILE";

/// The profile named explicitly, by `--profile` or else a non-empty `AWS_PROFILE`; `None`
/// when the SDK's implicit `default` applies.
pub fn selected_profile(
    option: Option<&str>,
    lookup: impl Fn(&str) -> Option<String>,
) -> Option<(String, ProfileSource)> {
    match option {
        Some(profile) => Some((profile.to_owned(), ProfileSource::Option)),
        None => lookup(PROFILE_VARIABLE)
            .filter(|profile| !profile.is_empty())
            .map(|profile| (profile, ProfileSource::Variable)),
    }
}

/// Checks that `profile` is defined in the config or the credentials file that `fs` and
/// `env` locate.
pub async fn check_profile(
    fs: &Fs,
    env: &Env,
    profile: &str,
    from: ProfileSource,
) -> Result<(), ConnectError> {
    let profiles = aws_config::profile::load(
        fs,
        env,
        &EnvConfigFiles::default(),
        Some(Cow::Owned(profile.to_owned())),
    )
    .await
    .map_err(|error| ConnectError::ProfileFiles(error.to_string()))?;
    if profiles.get_profile(profile).is_some() {
        Ok(())
    } else {
        Err(ConnectError::NoSuchProfile {
            profile: profile.to_owned(),
            from,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> (Fs, Env) {
        let fs = Fs::from_slice(&[
            ("/home/u/.aws/config", "[profile dev]\nregion = eu-west-1\n"),
            ("/home/u/.aws/credentials", "[ci]\naws_access_key_id = a\n"),
        ]);
        let env = Env::from_slice(&[("HOME", "/home/u")]);
        (fs, env)
    }

    #[test]
    fn the_option_wins_over_the_variable() {
        let lookup = |name: &str| (name == PROFILE_VARIABLE).then(|| "from-env".to_owned());
        assert_eq!(
            selected_profile(Some("cli"), lookup),
            Some(("cli".to_owned(), ProfileSource::Option))
        );
        assert_eq!(
            selected_profile(None, lookup),
            Some(("from-env".to_owned(), ProfileSource::Variable))
        );
        assert_eq!(selected_profile(None, |_| Some(String::new())), None);
        assert_eq!(selected_profile(None, |_| None), None);
    }

    #[tokio::test]
    async fn profiles_of_either_file_exist_and_others_are_named() {
        let (fs, env) = files();
        for profile in ["dev", "ci"] {
            check_profile(&fs, &env, profile, ProfileSource::Option)
                .await
                .unwrap();
        }
        let error = check_profile(&fs, &env, "nosuch", ProfileSource::Variable)
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "AWS profile `nosuch` (from AWS_PROFILE) is not defined in the AWS config files"
        );
    }
}

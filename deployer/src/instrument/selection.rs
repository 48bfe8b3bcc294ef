//! Which functions a run is about: named (`--function NAME|ARN`, repeatable), or found among
//! the region's functions by name (`--functions-regex`) and tags (`--tag KEY=VALUE`,
//! repeatable, all must match).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use regex_lite::Regex;

use super::arn::FunctionRef;
use super::lambda::Lambda;
use super::parallel::in_parallel;
use super::progress::Progress;
use crate::aws::CallFailure;
use crate::exit::InvalidOption;

/// A `--tag` filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFilter {
    /// The key.
    pub key: String,
    /// The value it must have.
    pub value: String,
}

impl FromStr for TagFilter {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.split_once('=') {
            Some((key, value)) if !key.is_empty() => Ok(Self {
                key: key.to_owned(),
                value: value.to_owned(),
            }),
            _ => Err("not KEY=VALUE".to_owned()),
        }
    }
}

impl fmt::Display for TagFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}

fn parse_regex(text: &str) -> Result<Regex, String> {
    Regex::new(text).map_err(|error| error.to_string())
}

/// The selection options, shared by `instrument`, `uninstrument` and `status`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SelectionArgs {
    /// A function, by name or ARN (repeatable)
    #[arg(long = "function", value_name = "NAME|ARN")]
    pub functions: Vec<FunctionRef>,
    /// Every function whose name matches REGEX (anywhere in the name: anchor it with ^ and $)
    #[arg(long, value_name = "REGEX", value_parser = parse_regex, conflicts_with = "functions")]
    pub functions_regex: Option<Regex>,
    /// Every function with this tag (repeatable: all must match; with --functions-regex, both)
    #[arg(long = "tag", value_name = "KEY=VALUE", conflicts_with = "functions")]
    pub tags: Vec<TagFilter>,
}

impl SelectionArgs {
    /// Whether no function is named nor filtered for.
    pub fn is_empty(&self) -> bool {
        self.functions.is_empty() && self.functions_regex.is_none() && self.tags.is_empty()
    }

    /// Checks what needs the region: named ARNs must be in it.
    pub fn check(&self, region: &str) -> Result<(), InvalidOption> {
        for function in &self.functions {
            if let Some(other) = function.region().filter(|other| *other != region) {
                return Err(InvalidOption(format!(
                    "--function {function} is in region {other}, not {region}: pass --region {other}"
                )));
            }
        }
        Ok(())
    }

    /// Requires a selection, for commands that change functions.
    pub fn required(&self, command: &str) -> Result<(), InvalidOption> {
        if self.is_empty() {
            return Err(InvalidOption(format!(
                "{command} needs the functions: --function NAME, --functions-regex REGEX or \
                 --tag KEY=VALUE"
            )));
        }
        Ok(())
    }

    /// The functions selected, by name or ARN: the named ones as given, else every function
    /// of the region whose name and tags match (all of them when nothing filters). Says so
    /// when none matches.
    pub async fn resolve(
        &self,
        lambda: &Lambda,
        concurrency: usize,
    ) -> Result<Vec<String>, CallFailure> {
        let selected = self.select(lambda, concurrency).await?;
        if selected.is_empty() && !self.is_empty() {
            tracing::warn!("no function matches the selection");
        }
        Ok(selected)
    }

    async fn select(
        &self,
        lambda: &Lambda,
        concurrency: usize,
    ) -> Result<Vec<String>, CallFailure> {
        if !self.functions.is_empty() {
            let mut named: Vec<String> = Vec::new();
            for function in &self.functions {
                if !named.iter().any(|seen| seen == function.as_str()) {
                    named.push(function.as_str().to_owned());
                }
            }
            return Ok(named);
        }
        let listed: Vec<_> = lambda
            .list()
            .await?
            .into_iter()
            .filter(|function| {
                self.functions_regex
                    .as_ref()
                    .is_none_or(|regex| regex.is_match(&function.name))
            })
            .collect();
        if self.tags.is_empty() {
            return Ok(listed.into_iter().map(|function| function.arn).collect());
        }
        let mut progress = Progress::stderr("reading tags", listed.len());
        let tagged = in_parallel(
            listed,
            concurrency,
            |function| {
                let lambda = lambda.clone();
                async move {
                    let tags = lambda.tags(&function.arn).await;
                    (function.arn, tags)
                }
            },
            |_| None,
            &mut progress,
        )
        .await;
        let mut selected = Vec::new();
        for (arn, tags) in tagged {
            if matches_tags(&tags?, &self.tags) {
                selected.push(arn);
            }
        }
        Ok(selected)
    }
}

/// Whether `tags` has every one of `filters`.
pub fn matches_tags(tags: &BTreeMap<String, String>, filters: &[TagFilter]) -> bool {
    filters
        .iter()
        .all(|filter| tags.get(&filter.key) == Some(&filter.value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_filters() {
        let filter: TagFilter = "team=a=b".parse().unwrap();
        assert_eq!(
            (filter.key.as_str(), filter.value.as_str()),
            ("team", "a=b")
        );
        assert!("=x".parse::<TagFilter>().is_err());
        assert!("team".parse::<TagFilter>().is_err());
        let empty: TagFilter = "team=".parse().unwrap();
        let tags = BTreeMap::from([("team".to_owned(), "a=b".to_owned())]);
        assert!(matches_tags(&tags, std::slice::from_ref(&filter)));
        assert!(!matches_tags(&tags, &[filter, empty]));
        assert!(matches_tags(&tags, &[]));
    }

    #[test]
    fn named_arns_must_be_in_the_region() {
        let selection = SelectionArgs {
            functions: vec![
                "f".parse().unwrap(),
                "arn:aws:lambda:eu-west-1:1:function:g".parse().unwrap(),
            ],
            ..SelectionArgs::default()
        };
        assert!(selection.check("eu-west-1").is_ok());
        let error = selection.check("us-east-1").unwrap_err();
        assert!(error.0.contains("pass --region eu-west-1"), "{error}");
        assert!(SelectionArgs::default().required("instrument").is_err());
        assert!(selection.required("instrument").is_ok());
    }
}

//! A role can serve several functions. When `instrument` attached the write policy to a
//! shared role, uninstrumenting one of them must not take the policy from the others:
//! before detaching, the region's functions on that role are looked through, and one still
//! instrumented by the same stack inherits the policy in its record (so uninstrumenting the
//! last of them detaches it).

use std::collections::{BTreeMap, BTreeSet};

use super::lambda::Lambda;
use super::parallel::in_parallel;
use super::progress::Progress;
use super::record::Record;
use crate::aws::CallFailure;

/// A function that keeps a role's policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heir {
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// Its record.
    pub record: Record,
}

/// For each of `roles`, a function on it that `stack` instrumented, other than those
/// `leaving` (ARNs being uninstrumented now); roles without one are absent.
pub async fn heirs(
    lambda: &Lambda,
    stack: &str,
    roles: &BTreeSet<String>,
    leaving: &BTreeSet<String>,
    concurrency: usize,
) -> Result<BTreeMap<String, Heir>, CallFailure> {
    let mut candidates: Vec<_> = lambda
        .list()
        .await?
        .into_iter()
        .filter(|function| roles.contains(&function.role) && !leaving.contains(&function.arn))
        .collect();
    candidates.sort_by(|a, b| a.name.cmp(&b.name));
    let mut progress =
        Progress::stderr("looking for other functions on the roles", candidates.len());
    let tagged = in_parallel(
        candidates,
        concurrency,
        |function| {
            let lambda = lambda.clone();
            async move {
                let tags = lambda.tags(&function.arn).await;
                (function, tags)
            }
        },
        |_| None,
        &mut progress,
    )
    .await;
    let mut heirs = BTreeMap::new();
    for (function, tags) in tagged {
        let record = Record::from_tags(&tags?).ok().flatten();
        if let Some(record) = record.filter(|record| record.stack == stack) {
            heirs.entry(function.role.clone()).or_insert(Heir {
                name: function.name,
                arn: function.arn,
                record,
            });
        }
    }
    Ok(heirs)
}

impl Heir {
    /// The heir's record tags once it owns `policy`.
    pub fn tags_owning(&self, policy: &str) -> BTreeMap<String, String> {
        let mut record = self.record.clone();
        record.policy = Some(policy.to_owned());
        record.to_tags()
    }
}

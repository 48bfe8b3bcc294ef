//! The IAM and STS calls of instrumenting: whether a role has the write policy, attaching and
//! detaching it, and the caller's account.

use aws_sdk_iam::Client;

use super::arn::role_name;
use super::retry::{Patience, retrying};
use crate::aws::CallFailure;

const SERVICE: &str = "IAM";
/// IAM's answer when the role does not have the policy (or either does not exist).
const NO_SUCH_ENTITY: &str = "NoSuchEntity";

/// IAM, with the run's patience.
#[derive(Debug, Clone)]
pub struct Iam {
    client: Client,
    patience: Patience,
}

impl Iam {
    /// Calls through `client`, retrying as `patience` says.
    pub fn new(client: Client, patience: Patience) -> Self {
        Self { client, patience }
    }

    /// Whether `role` (its ARN) has `policy` (its ARN) attached.
    pub async fn is_attached(&self, role: &str, policy: &str) -> Result<bool, CallFailure> {
        let name = role_name(role);
        let mut marker: Option<String> = None;
        loop {
            let output = retrying(&self.patience, SERVICE, "ListAttachedRolePolicies", || {
                self.client
                    .list_attached_role_policies()
                    .role_name(name)
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
            if output
                .attached_policies()
                .iter()
                .any(|attached| attached.policy_arn() == Some(policy))
            {
                return Ok(true);
            }
            marker = output.marker().map(str::to_owned);
            if !output.is_truncated() || marker.is_none() {
                return Ok(false);
            }
        }
    }

    /// Attaches `policy` to `role` (both ARNs); attaching it again changes nothing.
    pub async fn attach(&self, role: &str, policy: &str) -> Result<(), CallFailure> {
        retrying(&self.patience, SERVICE, "AttachRolePolicy", || {
            self.client
                .attach_role_policy()
                .role_name(role_name(role))
                .policy_arn(policy)
                .send()
        })
        .await
        .map(|_| ())
    }

    /// Detaches `policy` from `role`; a policy already gone is not an error.
    pub async fn detach(&self, role: &str, policy: &str) -> Result<(), CallFailure> {
        let result = retrying(&self.patience, SERVICE, "DetachRolePolicy", || {
            self.client
                .detach_role_policy()
                .role_name(role_name(role))
                .policy_arn(policy)
                .send()
        })
        .await;
        match result {
            Err(failure) if failure.error_code() == Some(NO_SUCH_ENTITY) => Ok(()),
            other => other.map(|_| ()),
        }
    }
}

/// The caller's account, from STS.
pub async fn caller_account(
    sts: &aws_sdk_sts::Client,
    patience: &Patience,
) -> Result<String, CallFailure> {
    let output = retrying(patience, "STS", "GetCallerIdentity", || {
        sts.get_caller_identity().send()
    })
    .await?;
    Ok(output.account().unwrap_or_default().to_owned())
}

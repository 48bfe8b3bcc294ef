//! The processes' environment variables, built from nothing but the simulator's Lambda
//! variables, the caller's variables, the execution model's variables and the sandbox's API
//! address: nothing is inherited from this process, so a developer's AWS profile never leaks
//! into a run. The sandbox sets nothing specific to an extension: callers pass their
//! extension's settings. Pure code.

use crate::config::Function;
use crate::model::ExecutionModel;
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// The Runtime and Extensions API address, as Lambda sets it (`host:port`, no scheme).
pub(crate) const RUNTIME_API: &str = "AWS_LAMBDA_RUNTIME_API";
/// The function's code directory (`/var/task` in Lambda).
const TASK_ROOT: &str = "LAMBDA_TASK_ROOT";
/// The function's handler setting.
const HANDLER: &str = "_HANDLER";
/// Python writes its output lines as they come, so each becomes an event at once.
const PYTHON_UNBUFFERED: &str = "PYTHONUNBUFFERED";

/// Variables every process sees: the simulator's Lambda variables, then the caller's
/// (later ones win), then the execution model's (`AWS_LAMBDA_INITIALIZATION_TYPE`, which
/// the simulator always sets to `on-demand`, and `AWS_LAMBDA_MAX_CONCURRENCY`) and the API
/// address of the sandbox's proxy, which nothing overrides: Lambda reserves them.
pub(crate) fn process_env(
    lambda: impl IntoIterator<Item = (String, String)>,
    caller: &[(String, String)],
    model: ExecutionModel,
    api: SocketAddr,
) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = lambda.into_iter().collect();
    for name in model.removed_variables() {
        env.remove(*name);
    }
    env.extend(caller.iter().cloned());
    for (name, value) in model.variables() {
        env.insert(name.to_owned(), value);
    }
    env.insert(RUNTIME_API.to_owned(), api.to_string());
    env
}

/// The runtime's variables: the processes' variables and what its runtime needs.
pub(crate) fn runtime_env(
    env: &BTreeMap<String, String>,
    function: &Function,
) -> Vec<(String, String)> {
    let mut env = env.clone();
    if let Function::Python {
        code_dir, handler, ..
    } = function
    {
        env.insert(TASK_ROOT.to_owned(), code_dir.display().to_string());
        env.insert(HANDLER.to_owned(), handler.clone());
        env.insert(PYTHON_UNBUFFERED.to_owned(), "1".to_owned());
    }
    env.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scripted::Script;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn caller_variables_override_lambdas_and_the_api_address_overrides_both() {
        let api: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        let env = process_env(
            pairs(&[
                ("AWS_LAMBDA_FUNCTION_NAME", "simulated"),
                (RUNTIME_API, "127.0.0.1:1"),
            ]),
            &pairs(&[
                ("AWS_LAMBDA_FUNCTION_NAME", "first"),
                ("AWS_LAMBDA_FUNCTION_NAME", "second"),
                (RUNTIME_API, "127.0.0.1:2"),
                ("AWS_LAMBDA_INITIALIZATION_TYPE", "mine"),
                ("AWS_REGION", "eu-west-1"),
            ]),
            ExecutionModel::OnDemand,
            api,
        );
        assert_eq!(
            env.into_iter().collect::<Vec<_>>(),
            pairs(&[
                ("AWS_LAMBDA_FUNCTION_NAME", "second"),
                ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
                (RUNTIME_API, "127.0.0.1:4000"),
                ("AWS_REGION", "eu-west-1"),
            ])
        );
    }

    #[test]
    fn the_model_sets_its_variables_and_removes_those_lambda_does_not_set() {
        let lambda = pairs(&[
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/f"),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "stream"),
        ]);
        let api = "127.0.0.1:9".parse().unwrap();
        let managed = ExecutionModel::ManagedInstances {
            max_concurrency: std::num::NonZeroU32::new(3).unwrap(),
        };
        let env = process_env(lambda.clone(), &[], managed, api);
        assert_eq!(
            env["AWS_LAMBDA_INITIALIZATION_TYPE"],
            "lambda-managed-instances"
        );
        assert_eq!(env["AWS_LAMBDA_MAX_CONCURRENCY"], "3");
        assert!(env.contains_key("AWS_LAMBDA_LOG_GROUP_NAME"));
        let env = process_env(lambda, &[], ExecutionModel::SnapStart, api);
        assert_eq!(env["AWS_LAMBDA_INITIALIZATION_TYPE"], "snap-start");
        assert!(!env.contains_key("AWS_LAMBDA_LOG_GROUP_NAME"));
        assert!(!env.contains_key("AWS_LAMBDA_LOG_STREAM_NAME"));
        assert!(!env.contains_key("AWS_LAMBDA_MAX_CONCURRENCY"));
    }

    #[test]
    fn only_the_python_runtime_gets_its_handler_and_code_directory() {
        let base = process_env(
            Vec::new(),
            &pairs(&[("A", "1")]),
            ExecutionModel::OnDemand,
            "127.0.0.1:9".parse().unwrap(),
        );
        let python = Function::Python {
            python: "python3".into(),
            code_dir: "/code".into(),
            handler: "index.handler".to_owned(),
        };
        let env = runtime_env(&base, &python);
        assert!(env.contains(&("A".to_owned(), "1".to_owned())));
        assert!(env.contains(&(TASK_ROOT.to_owned(), "/code".to_owned())));
        assert!(env.contains(&(HANDLER.to_owned(), "index.handler".to_owned())));
        assert!(env.contains(&(PYTHON_UNBUFFERED.to_owned(), "1".to_owned())));
        let scripted = runtime_env(&base, &Function::Scripted(Script::default()));
        assert_eq!(scripted, base.into_iter().collect::<Vec<_>>());
    }
}

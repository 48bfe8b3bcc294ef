//! Extensions that never register, crash or report errors: clear errors, never hangs.

use crate::support::{EXTENSION, extension_layer, scripted};
use sandbox::{Sandbox, SandboxConfig, SandboxError, Script};
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

fn config(dir: &Path, mode: &str) -> SandboxConfig {
    SandboxConfig::new(
        extension_layer(dir, &[EXTENSION]),
        scripted(Script::default()),
    )
    .env("TEST_EXTENSION_MODE", mode)
}

#[tokio::test]
async fn an_extension_that_never_registers_fails_init_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path(), "never-register");
    config.init_timeout = Duration::from_secs(1);
    let started = Instant::now();
    let error = Sandbox::start(config).await.err().unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        matches!(&error, SandboxError::ExtensionInitTimeout { name, registered: false, .. } if name == EXTENSION),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_extension_that_crashes_in_init_fails_with_its_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let error = Sandbox::start(config(dir.path(), "crash"))
        .await
        .err()
        .unwrap();
    let SandboxError::ProcessExited {
        name,
        phase,
        status,
        stderr_tail,
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!((name.as_str(), *phase), (EXTENSION, "INIT"));
    assert!(status.contains('3'), "{status}");
    assert!(stderr_tail.contains("crashing on purpose"), "{stderr_tail}");
}

#[tokio::test]
async fn an_extension_init_error_fails_init() {
    let dir = tempfile::tempdir().unwrap();
    let error = Sandbox::start(config(dir.path(), "init-error"))
        .await
        .err()
        .unwrap();
    assert!(
        matches!(&error, SandboxError::ExtensionReportedError { name, kind, error_type }
            if name == EXTENSION && kind == "init/error" && error_type == "Extension.ConfigInvalid"),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_extension_that_crashes_during_an_invocation_fails_it_and_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let mut sandbox = Sandbox::start(config(dir.path(), "crash-on-invoke"))
        .await
        .unwrap();
    let error = sandbox.invoke(json!({})).await.err().unwrap();
    assert!(
        matches!(&error, SandboxError::ProcessExited { name, phase: "INVOKE", stderr_tail, .. }
            if name == EXTENSION && stderr_tail.contains("crashing on invoke")),
        "{error:?}"
    );
    let again = sandbox.invoke(json!({})).await.err().unwrap();
    assert!(matches!(again, SandboxError::Failed(_)), "{again:?}");
    let report = sandbox.shutdown().await.unwrap();
    assert_eq!(
        report
            .process(EXTENSION)
            .unwrap()
            .exit
            .as_ref()
            .unwrap()
            .code,
        Some(4)
    );
}

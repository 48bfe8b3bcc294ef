//! Helpers for the tests that need the extension (`package`, `invoke --local`, `verify`):
//! the debug extension binary and the project's Python.

use std::path::{Path, PathBuf};

/// The debug extension binary, built once per test process (a no-op when up to date).
pub fn built_extension() -> PathBuf {
    test_support::built_binary(
        "telemetry-kinesis-extension",
        telemetry_kinesis_contract::names::EXTENSION_NAME,
    )
}

/// A private copy of the extension binary: other builds may replace the original meanwhile.
pub fn extension_copy(directory: &Path) -> PathBuf {
    let copy = directory.join("telemetry-kinesis-extension");
    std::fs::copy(built_extension(), &copy).unwrap();
    copy
}

/// The local-run arguments: `--local --stream STREAM --binary COPY --python VENV`.
pub fn local_args(stream: &str, binary: &Path) -> Vec<String> {
    [
        "--local",
        "--stream",
        stream,
        "--binary",
        binary.to_str().unwrap(),
        "--python",
        test_support::python().to_str().unwrap(),
    ]
    .map(ToOwned::to_owned)
    .to_vec()
}

/// A free loopback port for the local extension's listener: tests run sandboxes side by
/// side, and each extension would otherwise bind the default port.
pub fn listener_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port().to_string()
}

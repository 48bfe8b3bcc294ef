//! Helpers: a layer holding the Python test extension, the Python function, event files.

use sandbox::{Function, Layer, Script};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub const EXTENSION: &str = "test-extension";

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures")
}

/// The wrapper script Lambda would run as `/opt/extensions/<name>`: execs the test
/// extension with the project's Python (`exec`, so the pid is the extension's).
pub fn wrapper(name: &str) -> String {
    format!(
        "#!/bin/sh\nexec '{}' '{}' '{name}'\n",
        test_support::python().display(),
        fixtures().join("test_extension.py").display()
    )
}

/// A layer directory in `root` with the test extension under `extensions/<name>`.
pub fn extension_layer(root: &Path, names: &[&str]) -> Layer {
    let extensions = root.join("extensions");
    std::fs::create_dir_all(&extensions).unwrap();
    for name in names {
        let path = extensions.join(name);
        std::fs::write(&path, wrapper(name)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    Layer::Directory(root.to_path_buf())
}

pub fn python_function() -> Function {
    Function::Python {
        python: test_support::python(),
        code_dir: fixtures().join("python"),
        handler: "handler.handler".to_owned(),
    }
}

pub fn scripted(script: Script) -> Function {
    Function::Scripted(script)
}

/// The events the test extension wrote so far.
pub fn read_events(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

pub fn of_type<'a>(events: &'a [Value], event_type: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|event| event["type"] == event_type)
        .collect()
}

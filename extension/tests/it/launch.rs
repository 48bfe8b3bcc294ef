//! Starting the extension as Lambda would, against the scripted control plane and a Kinesis
//! stand-in, and waiting until it is in `next`.

use std::time::Duration;

use test_support::fake_kinesis::FakeKinesis;

use crate::control_plane::{ControlPlane, Model, TelemetryAnswer};
use crate::process::{Extension, free_port, lambda_env};

const WAIT: Duration = Duration::from_secs(30);

/// How to start it.
#[derive(Debug, Clone, Copy)]
pub struct Launch<'a> {
    /// The Lambda the control plane behaves like.
    pub model: Model,
    /// Variables over Lambda's.
    pub env: &'a [(&'a str, &'a str)],
    /// A file-descriptor limit for the process (Lambda's is 1,024).
    pub fd_limit: Option<u32>,
}

impl Default for Launch<'_> {
    fn default() -> Self {
        Self {
            model: Model::Default,
            env: &[],
            fd_limit: None,
        }
    }
}

impl<'a> Launch<'a> {
    /// Default Lambda with these variables.
    pub fn with_env(env: &'a [(&'a str, &'a str)]) -> Self {
        Self {
            env,
            ..Self::default()
        }
    }
}

/// Starts the extension writing to `kinesis`; returns once it registered, subscribed and
/// called `next`: the control plane, the process and its listener port.
pub async fn launch(kinesis: &FakeKinesis, launch: Launch<'_>) -> (ControlPlane, Extension, u16) {
    let control = ControlPlane::start_as(TelemetryAnswer::Ok, launch.model).await;
    let port = free_port();
    let mut env = lambda_env(&control, port);
    env.extend(kinesis.env());
    env.extend(
        launch
            .env
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned())),
    );
    let extension = match launch.fd_limit {
        Some(limit) => Extension::spawn_with_fd_limit(env, limit),
        None => Extension::spawn(env),
    };
    control.wait_subscribed(WAIT).await;
    control.wait_next_polls(1, WAIT).await;
    (control, extension, port)
}

//! `deployer up --verify --verify-local` against moto: deploy the stack, then run the sample
//! function here with the same layer, and see its telemetry arrive on the deployed stream.

use crate::invoke_support::{extension_copy, listener_port};
use crate::up_support::{World, deployer};

#[tokio::test]
async fn up_verify_local_proves_the_deployed_stream_receives_telemetry() {
    let world = World::new("up-verify");
    // The real extension instead of the stand-in: this run executes it.
    std::fs::create_dir_all(world.path("real")).unwrap();
    let real = extension_copy(&world.path("real"));
    std::fs::copy(real, world.path("extension")).unwrap();
    let mut env = world.env();
    env.push((
        "TELEMETRY_KINESIS_LISTENER_PORT".to_owned(),
        listener_port(),
    ));

    let run = deployer(&world.up_args(&["--verify", "--verify-local"]), &env).await;
    assert_eq!(run.code, Some(0), "{run}");
    // stdout stays the report alone; the invocation and the verdict are on stderr.
    let report = run.json();
    assert_eq!(report["stack_name"], world.stack.as_str());
    assert!(run.stderr.contains("invoked "), "{run}");
    assert!(
        run.stderr.contains(&format!(
            "verified: the telemetry of 1 invocation(s) arrived on {}",
            world.stream
        )),
        "{run}"
    );
}

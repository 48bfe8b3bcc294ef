//! `deployer instrument` and `uninstrument` against moto, on functions made directly: the
//! layer, variables and policy go on the functions that can take them, the others are
//! refused and left as they were, a second run changes nothing, `--dry-run` changes
//! nothing, and `uninstrument` puts back exactly what was there.

use aws_sdk_lambda::types::Architecture;
use telemetry_kinesis_contract::settings::{FLUSH, RECORD_FORMAT, STREAM_NAME};

use crate::instrument_support::*;
use crate::up_support::deployer;

#[tokio::test]
async fn functions_that_can_take_the_layer_get_it_and_uninstrument_restores_them() {
    let fixture = Fixture::new("instr").await;
    let other_layers: Vec<String> = {
        let mut layers = Vec::new();
        for n in 0..5 {
            let name = format!("{}-other{n}", fixture.prefix);
            layers.push(publish_layer(&name, &[Architecture::X8664]).await);
        }
        layers
    };
    let first_layers = [other_layers[0].clone()];
    let x86 = fixture
        .function(
            "x86",
            Spec {
                layers: &first_layers,
                variables: &[("APP", "1"), (FLUSH, "background")],
                tags: &[("team", "a")],
                ..Spec::default()
            },
        )
        .await;
    let arm = fixture
        .function(
            "arm",
            Spec {
                architecture: Architecture::Arm64,
                ..Spec::default()
            },
        )
        .await;
    let full = fixture
        .function(
            "full",
            Spec {
                layers: &other_layers,
                ..Spec::default()
            },
        )
        .await;
    let before = [
        snapshot(&x86).await,
        snapshot(&arm).await,
        snapshot(&full).await,
    ];

    let all = [
        "--function",
        x86.as_str(),
        "--function",
        arm.as_str(),
        "--function",
        full.as_str(),
    ];
    let mut args = all.to_vec();
    args.extend(["--flush", "end", "--yes", "--json"]);
    let run = fixture.run("instrument", &args).await;
    assert_eq!(run.code, Some(1), "{run}");
    let report = run.json();
    assert_eq!(entry(&report, &x86)["outcome"], "instrumented", "{run}");
    assert_eq!(entry(&report, &arm)["outcome"], "refused", "{run}");
    assert!(
        entry(&report, &arm)["reason"]
            .as_str()
            .unwrap()
            .contains("runs on arm64, the layer is built for x86_64"),
        "{run}"
    );
    assert_eq!(entry(&report, &full)["outcome"], "refused", "{run}");
    assert!(
        entry(&report, &full)["reason"]
            .as_str()
            .unwrap()
            .contains("already has 5 layers"),
        "{run}"
    );
    assert!(run.stderr.contains("2 refused, 0 failed"), "{run}");

    let after = snapshot(&x86).await;
    assert_eq!(
        after.layers,
        [other_layers[0].clone(), fixture.layer.clone()]
    );
    assert_eq!(after.variables[STREAM_NAME], fixture.stream);
    assert_eq!(after.variables[FLUSH], "end");
    assert_eq!(after.variables["APP"], "1");
    assert!(after.tags.contains_key("telemetry-kinesis:instrumented"));
    assert_eq!(
        attached(&fixture.role_name).await,
        [fixture.policy.as_str()]
    );
    assert_eq!(
        snapshot(&arm).await,
        before[1],
        "refused functions stay unchanged"
    );
    assert_eq!(
        snapshot(&full).await,
        before[2],
        "refused functions stay unchanged"
    );

    // Again: nothing to do.
    let run = fixture
        .run(
            "instrument",
            &["--function", &x86, "--flush", "end", "--yes"],
        )
        .await;
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stdout.contains(&format!("{x86}  already instrumented")),
        "{run}"
    );
    assert_eq!(snapshot(&x86).await, after);

    // A dry run prints the change and makes none.
    let mut args = all.to_vec();
    args.extend(["--dry-run", "--record-format", "kpl"]);
    let run = fixture.run("instrument", &args).await;
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stdout
            .contains(&format!("{x86}  would be instrumented")),
        "{run}"
    );
    assert!(
        run.stdout.contains(&format!("+ {RECORD_FORMAT}=\"kpl\"")),
        "{run}"
    );
    assert_eq!(snapshot(&x86).await, after);

    // Undo: exactly what was there, and the policy instrument attached goes.
    let run = fixture
        .run("uninstrument", &["--function", &x86, "--yes", "--json"])
        .await;
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(
        entry(&run.json(), &x86)["outcome"],
        "uninstrumented",
        "{run}"
    );
    assert_eq!(snapshot(&x86).await, before[0]);
    assert!(attached(&fixture.role_name).await.is_empty());

    let run = fixture
        .run("uninstrument", &["--function", &x86, "--yes"])
        .await;
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stdout.contains(&format!("{x86}  not instrumented")),
        "{run}"
    );
}

#[tokio::test]
async fn a_cloudformation_function_gets_template_lines_unless_forced() {
    let fixture = Fixture::new("instr-cfn").await;
    let managed = fixture
        .function(
            "managed",
            Spec {
                tags: &[("aws:cloudformation:stack-name", "app-stack")],
                ..Spec::default()
            },
        )
        .await;
    let before = snapshot(&managed).await;
    let run = fixture
        .run("instrument", &["--function", &managed, "--yes"])
        .await;
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stdout
            .contains("CloudFormation stack app-stack manages it"),
        "{run}"
    );
    for line in [
        format!("Layers:\n      - \"{}\"", fixture.layer),
        format!("{STREAM_NAME}: \"{}\"", fixture.stream),
        format!("ManagedPolicyArns:\n      - \"{}\"", fixture.policy),
        format!("Policies:\n      - \"{}\"", fixture.policy),
        format!(
            "fn.addLayers(lambda.LayerVersion.fromLayerVersionArn(this, \"TelemetryKinesisLayer\", \"{}\"));",
            fixture.layer
        ),
        format!(
            "fn.addEnvironment(\"{STREAM_NAME}\", \"{}\");",
            fixture.stream
        ),
        "fn.role?.addManagedPolicy(".to_owned(),
    ] {
        assert!(run.stdout.contains(&line), "{line:?} missing: {run}");
    }
    assert_eq!(snapshot(&managed).await, before);

    let run = fixture
        .run("instrument", &["--function", &managed, "--yes", "--force"])
        .await;
    assert_eq!(run.code, Some(0), "{run}");
    let instrumented = snapshot(&managed).await;
    assert!(instrumented.layers.contains(&fixture.layer));

    // Another stack's uninstrument leaves it alone, and says whose it is.
    let args: Vec<String> = [
        "--stack-name",
        "another-stack",
        "uninstrument",
        "--function",
        &managed,
        "--yes",
    ]
    .map(str::to_owned)
    .to_vec();
    let run = deployer(&args, &fixture.world.env()).await;
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stdout.contains(&format!(
            "refused: stack {} instrumented it",
            fixture.world.stack
        )),
        "{run}"
    );
    assert_eq!(snapshot(&managed).await, instrumented);
}

#[tokio::test]
async fn a_shared_role_keeps_the_policy_until_its_last_function_is_uninstrumented() {
    let fixture = Fixture::new("instr-shared").await;
    let first = fixture.function("one", Spec::default()).await;
    let second = fixture.function("two", Spec::default()).await;
    let tagged = fixture
        .function(
            "tagged",
            Spec {
                tags: &[("team", "x")],
                ..Spec::default()
            },
        )
        .await;
    // By name and tag: only the tagged one; by name: all three.
    let regex = format!("^{}-", fixture.prefix);
    let run = fixture
        .run(
            "instrument",
            &[
                "--functions-regex",
                &regex,
                "--tag",
                "team=x",
                "--dry-run",
                "--json",
            ],
        )
        .await;
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(names(&run.json()), [tagged.as_str()], "{run}");

    let run = fixture
        .run("instrument", &["--functions-regex", &regex, "--yes"])
        .await;
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("3 functions: 3 instrumented"), "{run}");
    assert_eq!(
        attached(&fixture.role_name).await,
        [fixture.policy.as_str()]
    );

    let run = fixture
        .run(
            "uninstrument",
            &["--function", &first, "--function", &tagged, "--yes"],
        )
        .await;
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stdout
            .contains(&format!("policy kept: the role also serves {second}")),
        "{run}"
    );
    assert_eq!(
        attached(&fixture.role_name).await,
        [fixture.policy.as_str()]
    );

    let run = fixture
        .run("uninstrument", &["--function", &second, "--yes"])
        .await;
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stdout.contains(&format!("- detach {}", fixture.policy)),
        "{run}"
    );
    assert!(attached(&fixture.role_name).await.is_empty());
}

//! The container engine against a real Podman: image load and digests, the sandbox of §3.4
//! (read-only input, no network, no capabilities, limits), exit codes, logs, kill on timeout,
//! removal by label.

use crate::common::{demo_image, engine};
use poco_worker::{DockerExecutor, Executor, RunSpec};
use std::{collections::BTreeMap, path::Path, time::Duration};

fn spec(image_id: &str, work: &Path, cmd: &[&str], label: &str) -> RunSpec {
    RunSpec {
        image_id: image_id.to_owned(),
        cmd: cmd.iter().map(|s| s.to_string()).collect(),
        env: vec![
            ("IEXEC_IN".into(), "/iexec_in".into()),
            ("IEXEC_OUT".into(), "/iexec_out".into()),
            ("IEXEC_TASK_INDEX".into(), "0".into()),
        ],
        in_dir: work.join("in"),
        out_dir: work.join("out"),
        max_run_time: Duration::from_secs(20),
        nano_cpus: 500_000_000,
        memory: 64 * 1024 * 1024,
        labels: BTreeMap::from([
            ("poco.task".to_owned(), label.to_owned()),
            (
                "poco.worker".to_owned(),
                "0x00000000000000000000000000000000000000aa".to_owned(),
            ),
        ]),
    }
}

/// A task id per test: container names use its first 12 hex digits, so they differ there.
fn label(n: u8) -> String {
    format!("0x{n:02x}{}", "ee".repeat(31))
}

#[tokio::test]
async fn demo_image_loads_with_its_stable_id() {
    let Some(engine) = engine().await else { return };
    let id = demo_image(&engine).await;
    assert_eq!(id, poco_demo_app::image_id());
    // Loading again is harmless and gives the same Id.
    assert_eq!(demo_image(&engine).await, id);
    let digests = engine
        .image_digests(poco_demo_app::REFERENCE)
        .await
        .expect("inspect")
        .expect("the reference is tagged");
    assert_eq!(digests.id, id);
    assert!(digests.matches(&format!("0x{id}")));
    assert!(
        engine
            .image_digests("localhost/poco-nothing:0")
            .await
            .expect("inspect")
            .is_none()
    );
    println!("engine: {}", engine.describe());
}

#[tokio::test]
async fn hello_runs_with_inputs_env_and_logs() {
    let Some(engine) = engine().await else { return };
    let id = demo_image(&engine).await;
    let work = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(work.path().join("in")).expect("mkdir");
    std::fs::write(work.path().join("in/data"), "abc").expect("write");
    let executor = DockerExecutor::new(engine.clone());
    let outcome = executor
        .run(&spec(&id, work.path(), &["hello", "poco"], &label(1)))
        .await
        .expect("the container runs");
    println!(
        "hello container run time (create → exit): {:?}",
        outcome.run_time
    );
    assert!(outcome.succeeded(), "{outcome:?}");
    assert_eq!(outcome.exit_code, Some(0));
    assert!(outcome.stdout.contains("done: Hello"), "{outcome:?}");
    assert_eq!(
        std::fs::read_to_string(work.path().join("out/result.txt")).expect("result"),
        "Hello, hello poco!\n\
         data ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
    );
    let outcome = executor
        .run(&spec(&id, work.path(), &["env"], &label(1)))
        .await
        .expect("the container runs");
    assert!(outcome.succeeded(), "{outcome:?}");
    assert_eq!(
        std::fs::read_to_string(work.path().join("out/result.txt")).expect("result"),
        "IEXEC_IN=/iexec_in\nIEXEC_OUT=/iexec_out\nIEXEC_TASK_INDEX=0\n"
    );
    assert_eq!(
        engine
            .remove_labelled("poco.task", &label(1))
            .await
            .expect("list"),
        0
    );
}

#[tokio::test]
async fn sandbox_is_read_only_offline_and_limited() {
    let Some(engine) = engine().await else { return };
    let id = demo_image(&engine).await;
    let work = tempfile::tempdir().expect("temp dir");
    let executor = DockerExecutor::new(engine.clone());
    let outcome = executor
        .run(&spec(&id, work.path(), &["probe"], &label(2)))
        .await
        .expect("the container runs");
    assert!(outcome.succeeded(), "{outcome:?}");
    let probe = std::fs::read_to_string(work.path().join("out/result.txt")).expect("result");
    println!("{probe}");
    assert!(probe.contains("in-writable: false\n"), "{probe}");
    assert!(probe.contains("network: lo\n"), "{probe}");
    assert!(
        probe.contains("capabilities: 0000000000000000\n"),
        "{probe}"
    );
    assert!(probe.contains("no-new-privileges: 1\n"), "{probe}");
    assert!(probe.contains("memory: 67108864\n"), "{probe}");
    assert!(probe.contains("cpu: 50000 100000\n"), "{probe}");
    assert!(!work.path().join("in/probe").exists());
}

#[tokio::test]
async fn crash_gives_its_exit_code_and_stderr() {
    let Some(engine) = engine().await else { return };
    let id = demo_image(&engine).await;
    let work = tempfile::tempdir().expect("temp dir");
    let outcome = DockerExecutor::new(engine.clone())
        .run(&spec(&id, work.path(), &["crash", "3"], &label(3)))
        .await
        .expect("the container runs");
    assert_eq!(outcome.exit_code, Some(3));
    assert!(!outcome.succeeded() && !outcome.timed_out && !outcome.oom_killed);
    assert!(outcome.stderr.contains("exit code 3"), "{outcome:?}");
    assert!(!work.path().join("out/computed.json").exists());
}

#[tokio::test]
async fn slow_app_is_killed_at_its_time_limit() {
    let Some(engine) = engine().await else { return };
    let id = demo_image(&engine).await;
    let work = tempfile::tempdir().expect("temp dir");
    let mut run = spec(&id, work.path(), &["sleep", "60"], &label(4));
    run.max_run_time = Duration::from_secs(2);
    let started = std::time::Instant::now();
    let outcome = DockerExecutor::new(engine.clone())
        .run(&run)
        .await
        .expect("runs");
    assert!(outcome.timed_out, "{outcome:?}");
    assert!(!outcome.succeeded());
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        engine
            .remove_labelled("poco.task", &label(4))
            .await
            .expect("list"),
        0
    );
}

#[tokio::test]
async fn leftover_containers_are_removed_by_label() {
    let Some(engine) = engine().await else { return };
    let id = demo_image(&engine).await;
    let work = tempfile::tempdir().expect("temp dir");
    let executor = DockerExecutor::new(engine.clone());
    let run = spec(&id, work.path(), &["sleep", "60"], &label(5));
    // A run whose driver dies (its future dropped) leaves its container running.
    let running = tokio::spawn(async move { executor.run(&run).await });
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while engine
        .containers_labelled("poco.task", &label(5))
        .await
        .expect("list")
        .is_empty()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the container never appeared"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    running.abort();
    let _ = running.await;
    assert_eq!(
        engine
            .remove_labelled("poco.task", &label(5))
            .await
            .expect("remove"),
        1
    );
    assert_eq!(
        engine
            .remove_labelled("poco.task", &label(5))
            .await
            .expect("remove"),
        0
    );
}

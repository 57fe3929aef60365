//! An app that fails still completes its task, with an error.txt that says why: a crash, or a
//! run past the category's maximum time (the container is killed).

use crate::harness::Env;
use poco_stack::Role;
use poco_types::TaskStatus;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashing_app_gives_error_txt() {
    let Some(env) = Env::start(1).await else {
        return;
    };
    let (_deal, tasks) = env.run(1, "crash 3", 1, 0).await;
    let view = env.wait_final(tasks[0], Duration::from_secs(90)).await;
    assert_eq!(view.status, TaskStatus::Completed);
    let error = env.result_file(&view, "error.txt").await;
    assert_eq!(error, "APP_COMPUTE_FAILED: the app exited with code 3\n");
    let computed = env.result_file(&view, "computed.json").await;
    let computed: serde_json::Value = serde_json::from_str(&computed).expect("JSON");
    assert_eq!(
        computed["deterministic-output-path"],
        "/iexec_out/error.txt"
    );
    assert_eq!(view.task.resultDigest, poco_types::sha256(error.as_bytes()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_app_is_killed() {
    let Some(env) = Env::start(1).await else {
        return;
    };
    let category = crate::deadlines::short_category(&env, 5).await;
    let started = Instant::now();
    let (_deal, tasks) = env.run(1, "sleep 60", 1, category).await;
    let view = env.wait_final(tasks[0], Duration::from_secs(40)).await;
    assert_eq!(view.status, TaskStatus::Completed);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "killed after 5 s, not after 60"
    );
    let error = env.result_file(&view, "error.txt").await;
    assert!(error.starts_with("APP_COMPUTE_TIMEOUT: "), "{error}");
    assert!(error.contains("5 s"), "{error}");
    let worker = env.stack.account(Role::Worker(0)).address();
    let left = env
        .stack
        .containers_of(worker)
        .await
        .expect("engine answers");
    assert!(left.is_empty(), "no container left: {left:?}");
}

//! The replicate driver end to end, against a dev chain, Podman, the demo image and the stub
//! scheduler and result storage: trust 1 and trust 3 paths, app failures contributed as
//! error.txt, image checks, aborts, an unreachable scheduler, and restarts.

use crate::env::{Env, zip_entry};
use poco_types::{
    ReplicateStatus as R, TaskStatus,
    core::{ReplicateStatusCause, TaskAbortCause},
    sha256,
};
use poco_worker::{Executor, RunOutcome, RunSpec, WorkerError};
use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust1_task_completes_with_its_result() {
    let Some((env, _serial)) = Env::start().await else {
        return;
    };
    let app = env.create_app(None).await;
    let task = env.task(app, 1, "hello poco").await;
    env.stub.supply(task);
    let config = env.worker_config(0);
    let work_dir = config.task_dir(task);
    let worker = env.start_worker(config).await;
    let me = worker.address();
    env.stub.wait_for(task, me, R::Completed).await;
    assert_eq!(
        env.stub.statuses(task, me),
        [
            R::Starting,
            R::Started,
            R::AppDownloading,
            R::AppDownloaded,
            R::Computing,
            R::Computed,
            R::ContributeAndFinalizeOngoing,
            R::ContributeAndFinalizeDone,
            R::Completing,
            R::Completed
        ]
    );
    let view = env.view_task(task).await;
    assert_eq!(view.status, TaskStatus::Completed as u8);
    let result = "Hello, hello poco!\n";
    assert_eq!(view.resultDigest, sha256(result.as_bytes()));
    let zip = env.result_zip(task).await;
    assert_eq!(zip_entry(&zip, "result.txt").as_deref(), Some(result));
    let computed = env
        .stub
        .update(task, me, R::Computed)
        .expect("COMPUTED")
        .details
        .expect("details");
    assert_eq!(computed.exit_code, Some(0));
    assert!(computed.compute_logs.expect("logs").stdout.contains("done"));
    let done = env
        .stub
        .update(task, me, R::ContributeAndFinalizeDone)
        .expect("DONE");
    let details = done.details.expect("details");
    assert_eq!(
        details.result_link.expect("a link").as_bytes(),
        &view.results[..]
    );
    assert!(details.chain_receipt.expect("a receipt").tx_hash.is_some());
    assert!(
        !work_dir.exists(),
        "the work folder is removed at completion"
    );
    worker.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust3_workers_agree_reveal_and_upload() {
    let Some((env, _serial)) = Env::start().await else {
        return;
    };
    let app = env.create_app(None).await;
    let task = env.task(app, 3, "consensus").await;
    env.stub.supply(task);
    env.stub.supply(task);
    let first = env.start_worker(env.worker_config(0)).await;
    let second = env.start_worker(env.worker_config(1)).await;
    for worker in [&first, &second] {
        env.stub
            .wait_for(task, worker.address(), R::Completed)
            .await;
        let statuses = env.stub.statuses(task, worker.address());
        for status in [
            R::Computed,
            R::Contributing,
            R::Contributed,
            R::Revealing,
            R::Revealed,
        ] {
            assert!(
                statuses.contains(&status),
                "{status} missing from {statuses:?}"
            );
        }
    }
    let uploads = [&first, &second]
        .iter()
        .filter(|w| {
            env.stub
                .statuses(task, w.address())
                .contains(&R::ResultUploaded)
        })
        .count();
    assert_eq!(uploads, 1, "one winner uploads");
    let view = env.view_task(task).await;
    assert_eq!(view.status, TaskStatus::Completed as u8);
    assert_eq!(view.resultDigest, sha256(b"Hello, consensus!\n"));
    assert_eq!(view.contributors.len(), 2);
    first.stop().await.expect("stops");
    second.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashing_app_contributes_its_error_txt() {
    let Some((env, _serial)) = Env::start().await else {
        return;
    };
    let app = env.create_app(None).await;
    let task = env.task(app, 1, "crash 3").await;
    env.stub.supply(task);
    let worker = env.start_worker(env.worker_config(0)).await;
    env.stub
        .wait_for(task, worker.address(), R::Completed)
        .await;
    let error = "APP_COMPUTE_FAILED: the app exited with code 3\n";
    let view = env.view_task(task).await;
    assert_eq!(view.resultDigest, sha256(error.as_bytes()));
    let zip = env.result_zip(task).await;
    assert_eq!(zip_entry(&zip, "error.txt").as_deref(), Some(error));
    assert_eq!(
        zip_entry(&zip, "computed.json").as_deref(),
        Some(r#"{"deterministic-output-path":"/iexec_out/error.txt"}"#)
    );
    let computed = env
        .stub
        .update(task, worker.address(), R::Computed)
        .expect("COMPUTED");
    let details = computed.details.expect("details");
    assert_eq!(details.exit_code, Some(3));
    assert_eq!(details.cause, Some(ReplicateStatusCause::AppComputeFailed));
    assert!(
        details
            .compute_logs
            .expect("logs")
            .stderr
            .contains("exit code 3")
    );
    worker.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_must_match_their_checksum() {
    let Some((env, _serial)) = Env::start().await else {
        return;
    };
    let unchecked = env.create_app(Some(Default::default())).await;
    let wrong = env.create_app(Some(sha256(b"another image"))).await;
    let (zero_task, wrong_task) = (
        env.task(unchecked, 1, "a").await,
        env.task(wrong, 1, "b").await,
    );
    env.stub.supply(zero_task);
    env.stub.supply(wrong_task);
    let worker = env.start_worker(env.worker_config(0)).await;
    let me = worker.address();
    for task in [zero_task, wrong_task] {
        env.stub.wait_for(task, me, R::Failed).await;
        let failed = env
            .stub
            .update(task, me, R::AppDownloadFailed)
            .expect("APP_DOWNLOAD_FAILED");
        assert_eq!(
            failed.details.expect("details").cause,
            Some(ReplicateStatusCause::AppImageBadChecksum)
        );
        assert!(!env.stub.statuses(task, me).contains(&R::Computing));
        assert_eq!(env.view_task(task).await.status, TaskStatus::Active as u8);
    }
    worker.stop().await.expect("stops");

    // A worker that allows unchecked images runs the zero-checksum app.
    let task = env.task(unchecked, 1, "unchecked").await;
    env.stub.supply(task);
    let worker = env
        .start_worker(env.worker_config(1).with_allow_unchecked_images(true))
        .await;
    env.stub
        .wait_for(task, worker.address(), R::Completed)
        .await;
    assert_eq!(
        env.view_task(task).await.resultDigest,
        sha256(b"Hello, unchecked!\n")
    );
    worker.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_during_compute_kills_the_container() {
    let Some((env, _serial)) = Env::start().await else {
        return;
    };
    let app = env.create_app(None).await;
    let task = env.task(app, 1, "sleep 60").await;
    env.stub.supply(task);
    let worker = env.start_worker(env.worker_config(0)).await;
    let me = worker.address();
    env.stub.wait_for(task, me, R::Computing).await;
    let label = format!("{task:#x}");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while env
        .engine
        .containers_labelled("poco.task", &label)
        .await
        .expect("list")
        .is_empty()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the container never started"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    env.stub
        .script
        .lock()
        .expect("not poisoned")
        .abort
        .insert(task, TaskAbortCause::TaskFailed);
    env.stub.wait_for(task, me, R::Aborted).await;
    assert!(
        env.engine
            .containers_labelled("poco.task", &label)
            .await
            .expect("list")
            .is_empty()
    );
    let aborted = env.stub.update(task, me, R::Aborted).expect("ABORTED");
    assert_eq!(
        aborted.details.expect("details").cause,
        Some(ReplicateStatusCause::TaskNotActive)
    );
    worker.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_wait_for_an_unreachable_scheduler_in_order() {
    let Some((env, _serial)) = Env::start().await else {
        return;
    };
    let app = env.create_app(None).await;
    let task = env.task(app, 1, "sleep 1 offline").await;
    env.stub.supply(task);
    let worker = env.start_worker(env.worker_config(0)).await;
    let me = worker.address();
    env.stub.wait_for(task, me, R::Starting).await;
    env.stub.script.lock().expect("not poisoned").offline = true;
    tokio::time::sleep(Duration::from_secs(4)).await;
    env.stub.script.lock().expect("not poisoned").offline = false;
    env.stub.wait_for(task, me, R::Completed).await;
    let statuses = env.stub.statuses(task, me);
    assert_eq!(
        statuses.iter().filter(|s| **s == R::Computed).count(),
        1,
        "{statuses:?}"
    );
    let position = |s: R| statuses.iter().position(|x| *x == s).expect("reported");
    assert!(position(R::Starting) < position(R::Computing));
    assert!(position(R::Computing) < position(R::Computed));
    assert_eq!(
        env.view_task(task).await.resultDigest,
        sha256(b"Hello, offline!\n")
    );
    worker.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_after_computed_asks_again_and_completes() {
    let Some((env, _serial)) = Env::start().await else {
        return;
    };
    let app = env.create_app(None).await;
    let task = env.task(app, 1, "restart").await;
    env.stub.script.lock().expect("not poisoned").hold_computed = true;
    env.stub.supply(task);
    let config = env.worker_config(0);
    let worker = env.start_worker(config.clone()).await;
    let me = worker.address();
    env.stub.wait_for(task, me, R::Computed).await;
    worker.abort();
    env.stub.script.lock().expect("not poisoned").hold_computed = false;
    let worker = env.start_worker(config).await;
    env.stub.wait_for(task, me, R::Completed).await;
    let statuses = env.stub.statuses(task, me);
    let recovering = statuses
        .iter()
        .position(|s| *s == R::Recovering)
        .expect("RECOVERING");
    assert_eq!(statuses[recovering + 1], R::Computed, "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == R::Computing).count(),
        1,
        "not recomputed"
    );
    assert_eq!(
        env.view_task(task).await.resultDigest,
        sha256(b"Hello, restart!\n")
    );
    worker.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_compute_removes_the_leftover_and_recomputes() {
    let Some((env, _serial)) = Env::start().await else {
        return;
    };
    let app = env.create_app(None).await;
    let task = env.task(app, 1, "sleep 30 again").await;
    env.stub.supply(task);
    let config = env.worker_config(0);
    let worker = env.start_worker(config.clone()).await;
    let me = worker.address();
    let label = format!("{task:#x}");
    env.stub.wait_for(task, me, R::Computing).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while env
        .engine
        .containers_labelled("poco.task", &label)
        .await
        .expect("list")
        .is_empty()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the container never started"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    worker.abort();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let leftover = env
        .engine
        .containers_labelled("poco.task", &label)
        .await
        .expect("list");
    assert_eq!(leftover.len(), 1, "a crash leaves the container running");
    let worker = env.start_worker(config).await;
    env.stub.wait_for(task, me, R::Recovering).await;
    env.stub.wait_for(task, me, R::Computing).await;
    let now = env
        .engine
        .containers_labelled("poco.task", &label)
        .await
        .expect("list");
    assert!(
        !now.contains(&leftover[0]),
        "the leftover container was removed"
    );
    worker.stop().await.expect("stops");
    assert!(
        env.engine
            .containers_labelled("poco.task", &label)
            .await
            .expect("list")
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_files_are_downloaded_or_their_failure_contributed() {
    let Some((env, _serial)) = Env::start().await else {
        return;
    };
    let app = env.create_app(None).await;
    let url = format!("{}/files/data.txt", env.stub.results_url);
    let params = serde_json::json!({ "iexec_args": "inputs", "iexec_input_files": [url] });
    let task = env.task_with_params(app, 1, &params.to_string()).await;
    let missing = format!("{}/files/missing", env.stub.results_url);
    let params = serde_json::json!({ "iexec_args": "never", "iexec_input_files": [missing] });
    let failing = env.task_with_params(app, 1, &params.to_string()).await;
    env.stub.supply(task);
    env.stub.supply(failing);
    let worker = env.start_worker(env.worker_config(0).with_slots(2)).await;
    let me = worker.address();
    env.stub.wait_for(task, me, R::Completed).await;
    let name = format!("{:#x}", sha256(url.as_bytes()));
    let expected = format!(
        "Hello, inputs!\n{name} {:x}\n",
        sha256(b"content of data.txt")
    );
    assert_eq!(
        env.view_task(task).await.resultDigest,
        sha256(expected.as_bytes())
    );
    assert!(env.stub.statuses(task, me).contains(&R::DataDownloaded));

    env.stub.wait_for(failing, me, R::Completed).await;
    let statuses = env.stub.statuses(failing, me);
    assert!(statuses.contains(&R::DataDownloadFailed), "{statuses:?}");
    assert!(
        !statuses.contains(&R::Computing),
        "the app does not run: {statuses:?}"
    );
    let error = format!("INPUT_FILES_DOWNLOAD_FAILED: {missing}: HTTP 404\n");
    let zip = env.result_zip(failing).await;
    assert_eq!(zip_entry(&zip, "error.txt"), Some(error.clone()));
    assert_eq!(
        env.view_task(failing).await.resultDigest,
        sha256(error.as_bytes())
    );
    worker.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_replicate_is_given_back_after_a_restart() {
    let Some((env, _serial)) = Env::start().await else {
        return;
    };
    let app = env.create_app(None).await;
    let task = env.task(app, 1, "sleep 30 lost").await;
    env.stub.supply(task);
    let config = env.worker_config(0);
    let worker = env.start_worker(config.clone()).await;
    let me = worker.address();
    env.stub.wait_for(task, me, R::Computing).await;
    worker.abort();
    // Meanwhile the scheduler gave the task to others.
    let cause = TaskAbortCause::WorkerLost;
    env.stub
        .script
        .lock()
        .expect("not poisoned")
        .abort
        .insert(task, cause);
    let worker = env.start_worker(config).await;
    env.stub.wait_for(task, me, R::Aborted).await;
    let label = format!("{task:#x}");
    assert!(
        env.engine
            .containers_labelled("poco.task", &label)
            .await
            .expect("list")
            .is_empty()
    );
    worker.stop().await.expect("stops");
}

/// An executor that cannot run anything (the engine is "down").
struct BrokenExecutor;

impl Executor for BrokenExecutor {
    fn run<'a>(
        &'a self,
        _spec: &'a RunSpec,
    ) -> Pin<Box<dyn Future<Output = poco_worker::Result<RunOutcome>> + Send + 'a>> {
        Box::pin(async {
            Err(WorkerError::Engine {
                what: "run".into(),
                cause: "the engine is down".into(),
            })
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_side_failure_is_not_contributed() {
    let Some((env, _serial)) = Env::start().await else {
        return;
    };
    let app = env.create_app(None).await;
    let task = env.task(app, 1, "never").await;
    env.stub.supply(task);
    let worker = env
        .start_worker(env.worker_config(0).with_executor(Arc::new(BrokenExecutor)))
        .await;
    let me = worker.address();
    env.stub.wait_for(task, me, R::Failed).await;
    let statuses = env.stub.statuses(task, me);
    assert!(statuses.contains(&R::ComputeFailed), "{statuses:?}");
    assert!(!statuses.contains(&R::Computed), "{statuses:?}");
    assert!(env.view_task(task).await.contributors.is_empty());
    worker.stop().await.expect("stops");
}

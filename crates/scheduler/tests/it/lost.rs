//! A worker that stops pinging is lost: its replicate becomes WORKER_LOST, another worker gets
//! the task, and the lost one is told to abort when it comes back.

use crate::{
    common::{Env, WORKER},
    worker::FakeWorker,
};
use poco_types::{
    ReplicateStatus,
    core::{TaskAbortCause, TaskNotificationType as N},
};
use std::time::Duration;

#[tokio::test]
async fn lost_worker_is_replaced() {
    let env = Env::start().await;
    let lost = FakeWorker::start(&env, WORKER).await;
    let deal = env.deal(1, 1).await;
    let task = Env::task_id(deal, 0);
    let auth = lost.available(20_000).await.expect("a replicate");
    assert_eq!(auth.chain_task_id, task);
    lost.update(task, ReplicateStatus::Starting, None).await;

    // The other worker keeps pinging; the first one stays silent past 3 s.
    let other = FakeWorker::start(&env, WORKER + 1).await;
    assert!(other.available(200).await.is_none(), "the task is taken");
    let mut handed = None;
    for _ in 0..40 {
        other.ping().await;
        if let Some(auth) = other.available(250).await {
            handed = Some(auth);
            break;
        }
    }
    let handed = handed.expect("the task is handed to the other worker");
    assert_eq!(handed.chain_task_id, task);
    let view = env.get(&format!("/tasks/{task}")).await.1;
    let first = view["replicates"]
        .as_array()
        .expect("replicates")
        .iter()
        .find(|r| r["walletAddress"] == lost.address().to_checksum(None))
        .expect("the lost worker's replicate")
        .clone();
    assert_eq!(first["currentStatus"], "WORKER_LOST");
    assert_eq!(
        first["statusUpdateList"]
            .as_array()
            .expect("list")
            .last()
            .expect("an update")["modifier"],
        "POOL_MANAGER"
    );

    // It comes back: told to abort (it had not contributed), and its update is refused.
    let (status, _) = lost.ping().await;
    assert_eq!(status, 200);
    let notice = lost.wait_for(task, N::PleaseAbort).await;
    assert_eq!(
        notice.task_notification_extra.task_abort_cause,
        Some(TaskAbortCause::WorkerLost)
    );
    assert_eq!(
        lost.update(task, ReplicateStatus::Started, None).await,
        (202, N::PleaseAbort)
    );
    let (code, _) = lost.update(task, ReplicateStatus::Aborted, None).await;
    assert_eq!(code, 200);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (_, computing) = lost.get("/workers/computing").await;
    assert_eq!(computing, serde_json::json!([]));
}

//! A scheduler stopped (or crashed) mid-deal resumes from its database and the chain: tokens
//! stay valid, replicates keep their history, what happened meanwhile on-chain is read.

use crate::{
    common::{Env, WORKER},
    worker::{FakeWorker, link_for},
};
use alloy_primitives::B256;
use poco_types::{
    ReplicateStatus, TaskStatus,
    core::{ReplicateStatusDetails, TaskNotificationType as N},
};

async fn trust1_task(w: &FakeWorker, env: &Env, task: B256, digest: B256) {
    let auth = w.available(20_000).await.expect("a replicate");
    assert_eq!(auth.chain_task_id, task);
    assert_eq!(w.compute(task).await, N::PleaseContributeAndFinalize);
    w.update(task, ReplicateStatus::ContributeAndFinalizeOngoing, None)
        .await;
    let receipt = w.contribute_and_finalize(&auth, digest).await;
    let details = ReplicateStatusDetails {
        result_link: Some(link_for(digest)),
        ..FakeWorker::receipt(&receipt)
    };
    let (_, next) = w
        .update(
            task,
            ReplicateStatus::ContributeAndFinalizeDone,
            Some(details),
        )
        .await;
    assert_eq!(next, N::PleaseComplete);
    w.complete_flow(task).await;
    env.wait_status(task, "COMPLETED").await;
}

#[tokio::test]
async fn restart_mid_deal() {
    let mut env = Env::start().await;
    let mut w = FakeWorker::start(&env, WORKER).await;
    let deal = env.deal(1, 3).await;
    let tasks: Vec<B256> = (0..3).map(|i| Env::task_id(deal, i)).collect();
    trust1_task(&w, &env, tasks[0], B256::repeat_byte(1)).await;

    // Clean stop, restart on the same database: the token is still valid.
    env.stop_scheduler().await;
    env.start_scheduler().await;
    w.at(&env);
    let (status, _) = w.ping().await;
    assert_eq!(status, 200, "the token survives a restart");
    let view = env.wait_status(tasks[0], "COMPLETED").await;
    assert_eq!(view["replicates"][0]["currentStatus"], "COMPLETED");
    trust1_task(&w, &env, tasks[1], B256::repeat_byte(2)).await;

    // A crash while the worker finalizes: the chain moves on meanwhile.
    let auth = w.available(20_000).await.expect("a replicate");
    let task = tasks[2];
    assert_eq!(auth.chain_task_id, task);
    assert_eq!(w.compute(task).await, N::PleaseContributeAndFinalize);
    w.update(task, ReplicateStatus::ContributeAndFinalizeOngoing, None)
        .await;
    env.scheduler.take().expect("running").abort();
    let digest = B256::repeat_byte(3);
    let receipt = w.contribute_and_finalize(&auth, digest).await;
    env.wait_chain_status(task, TaskStatus::Completed).await;
    env.start_scheduler().await;
    w.at(&env);
    let details = ReplicateStatusDetails {
        result_link: Some(link_for(digest)),
        ..FakeWorker::receipt(&receipt)
    };
    let (code, next) = w
        .update(
            task,
            ReplicateStatus::ContributeAndFinalizeDone,
            Some(details),
        )
        .await;
    assert_eq!((code, next), (200, N::PleaseComplete));
    w.complete_flow(task).await;
    env.wait_status(task, "COMPLETED").await;
    let (_, metrics) = env.get("/metrics").await;
    assert_eq!(metrics["tasks"]["COMPLETED"], 3, "{metrics}");
}

//! Deadlines: winners that never reveal get the task reopened (and are told to abort), and a
//! task nobody completes is claimed past its final deadline (the requester refunded).

use crate::{
    common::{Env, POOL_PRICE, REQUESTER, TIMEREF, WORKER},
    worker::FakeWorker,
};
use alloy_primitives::{B256, U256};
use poco_types::{
    TaskStatus,
    core::{TaskAbortCause, TaskNotificationType as N},
};

#[tokio::test]
async fn reopen_when_winners_never_reveal() {
    let env = Env::start().await;
    let a = FakeWorker::start(&env, WORKER).await;
    let b = FakeWorker::start(&env, WORKER + 1).await;
    let c = FakeWorker::start(&env, WORKER + 2).await;
    let deal = env.deal(3, 1).await;
    let task = Env::task_id(deal, 0);
    let digest = B256::repeat_byte(0x77);

    let auth_a = a.available(20_000).await.expect("replicate A");
    let auth_b = b.available(2_000).await.expect("replicate B");
    a.compute(task).await;
    b.compute(task).await;
    a.contribute_flow(&auth_a, digest).await;
    assert_eq!(b.contribute_flow(&auth_b, digest).await, N::PleaseReveal);
    env.wait_status(task, "CONSENSUS_REACHED").await;

    // Nobody reveals: past the reveal deadline (2 × timeref), the scheduler reopens.
    env.increase_time(2 * TIMEREF + 1).await;
    env.wait_chain_status(task, TaskStatus::Active).await;
    env.wait_status(task, "RUNNING").await;
    for w in [&a, &b] {
        let notice = w.wait_for(task, N::PleaseAbort).await;
        assert_eq!(
            notice.task_notification_extra.task_abort_cause,
            Some(TaskAbortCause::RevealTimeout)
        );
    }
    let view = env.get(&format!("/tasks/{task}")).await.1;
    let history: Vec<&str> = view["dateStatusList"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["status"].as_str().expect("a status"))
        .collect();
    assert!(
        history.contains(&"REOPENING") && history.contains(&"REOPENED"),
        "{history:?}"
    );
    // The rejected contributions no longer count: a new worker gets the task.
    let auth_c = c
        .available(5_000)
        .await
        .expect("a replicate after the reopen");
    assert_eq!(auth_c.chain_task_id, task);
}

#[tokio::test]
async fn expired_task_is_claimed_and_refunded() {
    let env = Env::start().await;
    let requester = env.address(REQUESTER);
    let before = env.account(requester).await;
    let deal = env.deal(1, 2).await;
    let first = Env::task_id(deal, 0);
    let second = Env::task_id(deal, 1);
    env.wait_chain_status(first, TaskStatus::Active).await;
    env.wait_chain_status(second, TaskStatus::Active).await;
    let (_, locked) = env.account(requester).await;
    assert_eq!(locked, U256::from(2 * (POOL_PRICE + 3)));

    env.increase_time(10 * TIMEREF + 1).await;
    env.wait_chain_status(first, TaskStatus::Failed).await;
    env.wait_chain_status(second, TaskStatus::Failed).await;
    env.wait_status(first, "FAILED").await;
    let view = env.wait_status(second, "FAILED").await;
    let history: Vec<&str> = view["dateStatusList"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["status"].as_str().expect("a status"))
        .collect();
    assert!(history.contains(&"FINAL_DEADLINE_REACHED"), "{history:?}");
    assert_eq!(env.account(requester).await, before, "fully refunded");
}

#[tokio::test]
async fn never_initialized_task_is_claimed() {
    // Past its contribution deadline before the scheduler saw it: never initialized, then
    // initialized and claimed at once past the final deadline.
    let mut env = Env::start().await;
    env.stop_scheduler().await;
    let deal = env.deal(1, 1).await;
    let task = Env::task_id(deal, 0);
    env.increase_time(10 * TIMEREF + 1).await;
    env.start_scheduler().await;
    env.wait_chain_status(task, TaskStatus::Failed).await;
    env.wait_status(task, "FAILED").await;
}

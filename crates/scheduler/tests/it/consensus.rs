//! Trust 3: two agreeing workers reach the consensus, reveal, the first contributor is asked to
//! upload, the scheduler checks the link and finalizes; everyone is told to complete.

use crate::{
    common::{Env, POOL_OWNER, WORKER},
    worker::{FakeWorker, link_for},
};
use alloy_primitives::{B256, Bytes, U256};
use poco_types::{
    ReplicateStatus, TaskStatus,
    core::{TaskAbortCause, TaskNotificationType as N},
};

#[tokio::test]
async fn trust3_consensus_reveal_upload_finalize() {
    let env = Env::start().await;
    let a = FakeWorker::start(&env, WORKER).await;
    let b = FakeWorker::start(&env, WORKER + 1).await;
    let c = FakeWorker::start(&env, WORKER + 2).await;
    let deal = env.deal(3, 1).await;
    let task = Env::task_id(deal, 0);

    // New workers weigh 2: two agreeing contributions reach trust 3, so two replicates only.
    let auth_a = a.available(20_000).await.expect("a replicate for A");
    let auth_b = b.available(2_000).await.expect("a replicate for B");
    assert_eq!((auth_a.chain_task_id, auth_b.chain_task_id), (task, task));
    assert!(
        c.available(300).await.is_none(),
        "the consensus needs no third replicate"
    );
    assert!(
        a.available(300).await.is_none(),
        "a worker gets a task once"
    );

    let digest = B256::repeat_byte(0x33);
    assert_eq!(a.compute(task).await, N::PleaseContribute);
    assert_eq!(b.compute(task).await, N::PleaseContribute);
    assert_eq!(a.contribute_flow(&auth_a, digest).await, N::PleaseWait);
    assert_eq!(b.contribute_flow(&auth_b, digest).await, N::PleaseReveal);
    env.wait_chain_status(task, TaskStatus::Revealing).await;
    let notice = a.wait_for(task, N::PleaseReveal).await;
    assert!(
        notice
            .task_notification_extra
            .workerpool_authorization
            .is_some()
    );

    assert_eq!(a.reveal_flow(task, digest).await, N::PleaseWait);
    // A contributed first: it is asked to upload, B waits.
    a.wait_for(task, N::PleaseUpload).await;
    assert_eq!(b.reveal_flow(task, digest).await, N::PleaseWait);
    let view = env.wait_status(task, "RESULT_UPLOAD_REQUESTED").await;
    assert_eq!(
        view["uploadingWorkerWalletAddress"],
        a.address().to_checksum(None)
    );
    assert_eq!(a.upload_flow(task, digest).await, N::PleaseWait);

    env.wait_chain_status(task, TaskStatus::Completed).await;
    let on_chain = env.view_task(task).await;
    assert_eq!(on_chain.results, Bytes::from(link_for(digest).into_bytes()));
    assert_eq!(on_chain.resultDigest, digest);
    assert_eq!(
        env.checks.seen.lock().expect("not poisoned").as_slice(),
        &[(task, link_for(digest))]
    );
    a.wait_for(task, N::PleaseComplete).await;
    b.wait_for(task, N::PleaseComplete).await;
    a.complete_flow(task).await;
    b.complete_flow(task).await;
    let view = env.wait_status(task, "COMPLETED").await;
    let history: Vec<&str> = view["dateStatusList"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["status"].as_str().expect("a status"))
        .collect();
    for status in [
        "CONSENSUS_REACHED",
        "RESULT_UPLOAD_REQUESTED",
        "FINALIZING",
        "COMPLETED",
    ] {
        assert!(history.contains(&status), "{status} in {history:?}");
    }
    assert_eq!(
        view["consensus"],
        poco_types::result_hash(task, digest).to_string()
    );
    // The winners were paid: each got half of the workers' share, their stakes are free.
    for w in [&a, &b] {
        let (stake, locked) = env.account(w.address()).await;
        assert_eq!(locked, U256::ZERO);
        assert!(
            stake > U256::from(1_000u64),
            "{} was paid: {stake}",
            w.address()
        );
    }
    let (_, pool_locked) = env.account(env.address(POOL_OWNER)).await;
    assert_eq!(pool_locked, U256::ZERO);
}

#[tokio::test]
async fn divergent_contribution_needs_more_replicates() {
    let env = Env::start().await;
    let workers: Vec<FakeWorker> = {
        let mut list = Vec::new();
        for i in 0..4 {
            list.push(FakeWorker::start(&env, WORKER + i).await);
        }
        list
    };
    let deal = env.deal(3, 1).await;
    let task = Env::task_id(deal, 0);
    let good = B256::repeat_byte(0x11);
    let bad = B256::repeat_byte(0x66);

    let auth0 = workers[0].available(20_000).await.expect("replicate 0");
    let auth1 = workers[1].available(2_000).await.expect("replicate 1");
    assert!(workers[2].available(300).await.is_none());
    workers[0].compute(task).await;
    workers[1].compute(task).await;
    assert_eq!(workers[0].contribute_flow(&auth0, bad).await, N::PleaseWait);
    assert_eq!(
        workers[1].contribute_flow(&auth1, good).await,
        N::PleaseWait
    );
    // 2 and 2 of 5: two more agreeing replicates are needed (8 > 11·2/3).
    let auth2 = workers[2].available(5_000).await.expect("replicate 2");
    let auth3 = workers[3].available(2_000).await.expect("replicate 3");
    workers[2].compute(task).await;
    workers[3].compute(task).await;
    assert_eq!(
        workers[2].contribute_flow(&auth2, good).await,
        N::PleaseWait
    );
    assert_eq!(
        workers[3].contribute_flow(&auth3, good).await,
        N::PleaseReveal
    );
    let notice = workers[0].wait_for(task, N::PleaseAbort).await;
    assert_eq!(
        notice.task_notification_extra.task_abort_cause,
        Some(TaskAbortCause::NotInConsensus)
    );
    let (code, _) = workers[0]
        .update(task, ReplicateStatus::Aborted, None)
        .await;
    assert_eq!(code, 200);
}

#[tokio::test]
async fn uploader_that_fails_is_replaced_and_recovery_resumes_from_the_chain() {
    let env = Env::start_with(|c| c.with_upload_timeout(std::time::Duration::from_secs(5))).await;
    let a = FakeWorker::start(&env, WORKER).await;
    let b = FakeWorker::start(&env, WORKER + 1).await;
    let deal = env.deal(3, 2).await;
    let task = Env::task_id(deal, 0);
    let digest = B256::repeat_byte(0x55);

    let auth_a = a.available(20_000).await.expect("replicate A");
    let auth_b = b.available(2_000).await.expect("replicate B");
    assert_eq!((auth_a.chain_task_id, auth_b.chain_task_id), (task, task));
    a.compute(task).await;
    b.compute(task).await;
    a.contribute_flow(&auth_a, digest).await;
    // B "crashes" after its transaction, before reporting: it restarts, reports RECOVERING,
    // and the scheduler answers from the chain.
    b.update(task, ReplicateStatus::Contributing, None).await;
    b.contribute(&auth_b, digest).await;
    let (code, next) = b.update(task, ReplicateStatus::Recovering, None).await;
    assert_eq!((code, next), (200, N::PleaseReveal));
    a.wait_for(task, N::PleaseReveal).await;
    a.reveal_flow(task, digest).await;

    // A revealed first and is asked first; it never uploads: after the timeout, B is.
    a.wait_for(task, N::PleaseUpload).await;
    assert_eq!(b.reveal_flow(task, digest).await, N::PleaseWait);
    b.wait_for(task, N::PleaseUpload).await;
    // B's first upload is refused by the storage: it is told to wait, nobody is left.
    env.checks
        .refuse
        .store(1, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(b.upload_flow(task, digest).await, N::PleaseWait);
    env.wait_status(task, "RESULT_UPLOAD_TIMEOUT").await;
    assert_eq!(
        env.view_task(task).await.status,
        TaskStatus::Revealing as u8
    );

    // The second task of the deal still runs (the first one's winners can take it).
    let next_task = Env::task_id(deal, 1);
    let auth = a.available(2_000).await.expect("the deal's other task");
    assert_eq!(auth.chain_task_id, next_task);

    // Nothing can finalize the first task: past the final deadline it is claimed.
    env.increase_time(10 * crate::common::TIMEREF + 1).await;
    env.wait_chain_status(task, TaskStatus::Failed).await;
    let notice = b.wait_for(task, N::PleaseAbort).await;
    assert_eq!(
        notice.task_notification_extra.task_abort_cause,
        Some(TaskAbortCause::TaskFailed)
    );
}

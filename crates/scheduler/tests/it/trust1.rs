//! Trust 1: one replicate, PLEASE_CONTRIBUTE_AND_FINALIZE, the worker's one transaction, and
//! the requester reads the logs.

use crate::{
    common::{Env, REQUESTER, WORKER},
    worker::{FakeWorker, link_for},
};
use alloy_primitives::B256;
use poco_types::{
    ReplicateStatus, TaskStatus,
    challenge::LogsChallenge,
    core::{ReplicateStatusDetails, TaskModel, TaskNotificationType as N},
};

#[tokio::test]
async fn trust1_fast_path() {
    let env = Env::start().await;
    let w1 = FakeWorker::start(&env, WORKER).await;
    let w2 = FakeWorker::start(&env, WORKER + 1).await;
    let deal = env.deal(1, 1).await;
    let task = Env::task_id(deal, 0);

    // The long poll returns once the task is initialized; one replicate only.
    let auth = w1
        .available(20_000)
        .await
        .expect("a replicate for the first worker");
    assert_eq!(auth.chain_task_id, task);
    assert_eq!(auth.worker_wallet, w1.address());
    assert!(auth.is_signed_by(env.address(crate::common::POOL_OWNER)));
    assert!(
        w2.available(300).await.is_none(),
        "trust 1 needs one replicate"
    );
    env.wait_chain_status(task, TaskStatus::Active).await;

    assert_eq!(w1.compute(task).await, N::PleaseContributeAndFinalize);
    // The same status again: 208 PLEASE_WAIT; a status out of order: 202 PLEASE_ABORT.
    assert_eq!(
        w1.update(task, ReplicateStatus::Computed, None).await,
        (208, N::PleaseWait)
    );
    assert_eq!(
        w2.update(task, ReplicateStatus::Starting, None).await,
        (202, N::PleaseAbort)
    );

    let digest = B256::repeat_byte(0x42);
    let (code, _) = w1
        .update(task, ReplicateStatus::ContributeAndFinalizeOngoing, None)
        .await;
    assert_eq!(code, 200);
    let receipt = w1.contribute_and_finalize(&auth, digest).await;
    let details = ReplicateStatusDetails {
        result_link: Some(link_for(digest)),
        ..FakeWorker::receipt(&receipt)
    };
    let (code, next) = w1
        .update(
            task,
            ReplicateStatus::ContributeAndFinalizeDone,
            Some(details),
        )
        .await;
    assert_eq!((code, next), (200, N::PleaseComplete));
    w1.complete_flow(task).await;

    let view = env.wait_status(task, "COMPLETED").await;
    let view: TaskModel = serde_json::from_value(view).expect("a TaskModel");
    assert_eq!(view.trust, 1);
    assert_eq!(view.result_link.as_deref(), Some(link_for(digest).as_str()));
    assert!(view.final_deadline.is_some() && view.contribution_deadline.is_some());
    assert_eq!(view.replicates.len(), 1);
    let replicate = &view.replicates[0];
    assert_eq!(replicate.wallet_address, w1.address());
    assert_eq!(replicate.current_status, ReplicateStatus::Completed);
    assert_eq!(replicate.app_exit_code, Some(0));
    let statuses: Vec<_> = replicate
        .status_update_list
        .iter()
        .map(|u| u.status)
        .collect();
    assert_eq!(statuses.first(), Some(&ReplicateStatus::Created));
    assert!(statuses.contains(&ReplicateStatus::ContributeAndFinalizeDone));
    let history: Vec<_> = view
        .date_status_list
        .iter()
        .map(|s| s.status.as_str())
        .collect();
    assert_eq!(history.first(), Some(&"RECEIVED"));
    assert!(
        history.contains(&"INITIALIZED") && history.contains(&"RUNNING"),
        "{history:?}"
    );
    // The public view has no logs.
    let public = serde_json::to_string(&view).expect("json");
    assert!(!public.contains("hello from"), "{public}");

    // The logs, for the requester only.
    let logs = |who: usize| {
        let env = &env;
        async move {
            let (status, typed) = env
                .get(&format!(
                    "/tasks/logs/challenge?chainId=31337&address={}",
                    env.address(who)
                ))
                .await;
            assert_eq!(status, 200, "{typed}");
            let challenge = LogsChallenge::from_typed_data(&typed).expect("iExec core's challenge");
            let header = challenge
                .authorize(&env.signers()[who])
                .expect("signs")
                .to_header();
            env.http
                .get(format!("{}/tasks/{task}/logs", env.url()))
                .header("authorization", header)
                .send()
                .await
                .expect("sent")
        }
    };
    let reply = logs(REQUESTER).await;
    assert_eq!(reply.status(), 200);
    let body: serde_json::Value = reply.json().await.expect("JSON");
    let list = body["computeLogsList"].as_array().expect("a list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["walletAddress"], w1.address().to_checksum(None));
    assert_eq!(list[0]["stdout"], format!("hello from {}", w1.address()));
    assert_eq!(logs(WORKER).await.status(), 403);
}

//! What the scheduler hands to a worker: a replicate ([`supply`], design §2.4) and the
//! notifications of its live replicates ([`notifications`]), both long-polled by the API.

use super::{
    Shared,
    notify::{self, Notice, ReplicateFacts, TaskFacts, is_computing, is_pending},
    now_ms,
    supply::{needs_replicate, weight},
};
use crate::{
    chain::reconcile,
    error::Result,
    store::{DealRow, ReplicateRow, TaskRow, WorkerRow},
};
use alloy_primitives::{Address, B256};
use poco_types::{
    ContributionStatus, Tag, WorkerpoolAuthorization,
    core::{CoreTaskStatus, TaskNotification, TaskNotificationExtra, TaskNotificationType},
};
use std::collections::HashMap;

/// The facts [`notify::next_action`] needs of a task.
pub fn task_facts(task: &TaskRow, deal: &DealRow) -> TaskFacts {
    TaskFacts {
        trust: deal.trust,
        chain_status: task.chain.status,
        given_up: matches!(
            task.status,
            CoreTaskStatus::FinalDeadlineReached | CoreTaskStatus::Failed
        ),
        contribution_deadline: deal.contribution_deadline,
        reveal_deadline: task.chain.reveal_deadline,
        consensus: task.chain.consensus,
        contributors: task.chain.contributions.len(),
        uploader: task.uploader,
        result_uploaded: !task.result_link.is_empty(),
    }
}

/// The facts [`notify::next_action`] needs of a replicate (its contribution from the chain's
/// view of the task).
pub fn replicate_facts(task: &TaskRow, rep: &ReplicateRow) -> ReplicateFacts {
    let (contribution, hash) = task
        .contribution_of(rep.worker)
        .map_or((ContributionStatus::Unset, B256::ZERO), |c| {
            (c.status, c.hash)
        });
    ReplicateFacts {
        worker: rep.worker,
        status: rep.status,
        before_lost: rep.before_lost,
        contribution,
        hash,
        upload_failures: rep.upload_failures,
    }
}

/// The next action of `rep`, read from the database.
pub async fn next_action(shared: &Shared, rep: &ReplicateRow) -> Result<Notice> {
    let Some(task) = shared.store.task(rep.task_id).await? else {
        return Ok(Notice {
            kind: TaskNotificationType::PleaseAbort,
            cause: None,
        });
    };
    let Some(deal) = shared.deal(task.deal_id).await? else {
        return Ok(Notice {
            kind: TaskNotificationType::PleaseAbort,
            cause: None,
        });
    };
    Ok(notify::next_action(
        &task_facts(&task, &deal),
        &replicate_facts(&task, rep),
        shared.clock.now(),
    ))
}

/// The pool owner's authorization for `worker` on `task`.
pub fn authorization(
    shared: &Shared,
    worker: Address,
    task: B256,
) -> Result<WorkerpoolAuthorization> {
    Ok(WorkerpoolAuthorization::sign(
        &shared.config.wallet,
        worker,
        task,
        Address::ZERO,
    )?)
}

/// The notifications of `worker`'s live replicates whose next action is not CONTINUE or WAIT.
pub async fn notifications(shared: &Shared, worker: Address) -> Result<Vec<TaskNotification>> {
    let mut list = Vec::new();
    for rep in shared.store.live_replicates_of_worker(worker).await? {
        let notice = next_action(shared, &rep).await?;
        if !notice.is_interruption() {
            continue;
        }
        let with_authorization = !matches!(notice.kind, TaskNotificationType::PleaseAbort);
        list.push(TaskNotification {
            chain_task_id: rep.task_id,
            workers_address: vec![worker],
            task_notification_type: notice.kind,
            task_notification_extra: TaskNotificationExtra {
                workerpool_authorization: if with_authorization {
                    Some(authorization(shared, worker, rep.task_id)?)
                } else {
                    None
                },
                sms_url: None,
                block_number: 0,
                task_abort_cause: notice.cause,
            },
        });
    }
    Ok(list)
}

/// Hands `worker` a replicate, if a task needs one it can take (design §2.4); `stake` is the
/// worker's free stake on the hub.
pub async fn supply(
    shared: &Shared,
    worker: &WorkerRow,
    stake: u64,
) -> Result<Option<WorkerpoolAuthorization>> {
    if worker.lost {
        return Ok(None);
    }
    let now = shared.clock.now();
    let _guard = shared.lock.lock().await;
    let mine = shared.store.replicates_of_worker(worker.wallet).await?;
    let computing = mine.iter().filter(|r| is_computing(r.status)).count() as u64;
    if computing >= worker.max_tasks {
        return Ok(None);
    }
    let candidates = shared
        .store
        .tasks_in(&[
            CoreTaskStatus::Initialized,
            CoreTaskStatus::Running,
            CoreTaskStatus::Reopened,
        ])
        .await?;
    if candidates.is_empty() {
        return Ok(None);
    }
    let scores: HashMap<Address, u64> = shared
        .store
        .workers()
        .await?
        .into_iter()
        .map(|w| (w.wallet, w.score))
        .collect();
    let score = |w: &Address| weight(scores.get(w).copied().unwrap_or(0));
    let mut live: HashMap<B256, Vec<ReplicateRow>> = HashMap::new();
    for rep in shared.store.live_replicates().await? {
        live.entry(rep.task_id).or_default().push(rep);
    }
    for task in candidates {
        if mine.iter().any(|r| r.task_id == task.task_id) {
            continue;
        }
        let Some(deal) = shared.deal(task.deal_id).await? else {
            continue;
        };
        if !deal.skipped.is_empty()
            || task.chain.status != poco_types::TaskStatus::Active
            || now.saturating_add(deal.timeref) > deal.contribution_deadline
            || (deal.trust > 1 && stake < deal.worker_stake)
        {
            continue;
        }
        let tag = Tag::from(deal.tag);
        if (tag.has_bit(Tag::GPU_BIT) && !worker.gpu) || tag.is_tee() {
            continue;
        }
        let contributions: Vec<(B256, u64)> = task
            .chain
            .contributions
            .iter()
            .filter(|c| c.status != ContributionStatus::Rejected)
            .map(|c| (c.hash, score(&c.worker)))
            .collect();
        let pending: Vec<u64> = live
            .get(&task.task_id)
            .map(|reps| {
                reps.iter()
                    .filter(|r| is_pending(r.status) && task.contribution_of(r.worker).is_none())
                    .map(|r| score(&r.worker))
                    .collect()
            })
            .unwrap_or_default();
        if !needs_replicate(deal.trust, &contributions, &pending) {
            continue;
        }
        let authorization = authorization(shared, worker.wallet, task.task_id)?;
        let now_ms = now_ms();
        shared
            .store
            .insert_replicate(task.task_id, worker.wallet, now_ms)
            .await?;
        shared
            .store
            .set_task_status(task.task_id, CoreTaskStatus::Running, now_ms)
            .await?;
        tracing::info!(
            "scheduler: task {} (deal {}, #{}) handed to {}",
            task.task_id,
            task.deal_id,
            task.idx,
            worker.wallet
        );
        shared.bump();
        return Ok(Some(authorization));
    }
    Ok(None)
}

/// A worker's free stake, or 0 when it cannot be read (the supply then skips staked deals).
pub async fn stake_of(shared: &Shared, worker: Address) -> u64 {
    reconcile::stake(shared, worker).await.unwrap_or_else(|e| {
        tracing::warn!("scheduler: cannot read the stake of {worker}: {e}");
        0
    })
}

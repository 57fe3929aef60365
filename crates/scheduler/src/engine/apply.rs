//! One tick of the engine: read the woken tasks from the chain, declare silent workers lost,
//! decide every live task and carry the decisions out.

use super::{
    Shared, now_ms,
    task::{self, Action, Policy, ReplicateState, TaskState},
};
use crate::{
    chain::{
        actions::{self, Call},
        reconcile,
    },
    error::Result,
    results::CheckOutcome,
    store::{ReplicateRow, TaskRow},
};
use alloy_primitives::{Address, B256, Bytes, keccak256};
use poco_types::{ReplicateStatus, core::CoreTaskStatus, core::ReplicateStatusModifier};
use std::{collections::HashMap, sync::Arc};

/// How many tasks are read from the chain at once.
const PARALLEL_READS: usize = 16;

/// One tick.
pub(crate) async fn tick(shared: &Arc<Shared>) -> Result<()> {
    read_woken(shared).await;
    crate::workers::lose_silent(shared).await?;
    decide_all(shared).await
}

/// Reads the woken tasks from the chain (a few at a time); a failed read is retried next tick.
async fn read_woken(shared: &Arc<Shared>) {
    let woken = shared.take_woken();
    for chunk in woken.chunks(PARALLEL_READS) {
        let mut reads = tokio::task::JoinSet::new();
        for &task in chunk {
            let shared = shared.clone();
            reads.spawn(async move { (task, reconcile::reconcile(&shared, task).await) });
        }
        while let Some(joined) = reads.join_next().await {
            if let Ok((task, Err(e))) = joined {
                tracing::warn!("scheduler: cannot read task {task}: {e}");
                shared.wake([task]);
            }
        }
    }
}

/// What [`task::decide`] needs of a task row and its replicates.
pub(crate) fn task_state(
    task: &TaskRow,
    trust: u64,
    deadlines: (u64, u64),
    reps: &[ReplicateRow],
) -> TaskState {
    TaskState {
        status: task.status,
        chain_status: task.chain.status,
        trust,
        contribution_deadline: deadlines.0,
        reveal_deadline: task.chain.reveal_deadline,
        final_deadline: deadlines.1,
        reveal_counter: task.chain.reveal_counter,
        winner_counter: task.chain.winner_counter,
        uploader: task.uploader.map(|w| (w, task.uploader_since_ms)),
        result_checked: !task.result_link.is_empty(),
        has_replicates: !reps.is_empty(),
    }
}

/// The replicates of a task as [`task::decide`] sees them, in contribution order (the first
/// contributor is asked to upload first).
pub(crate) fn replicate_states(task: &TaskRow, reps: &[ReplicateRow]) -> Vec<ReplicateState> {
    let mut states: Vec<(usize, ReplicateState)> = reps
        .iter()
        .map(|r| {
            let position = task
                .chain
                .contributions
                .iter()
                .position(|c| c.worker == r.worker)
                .unwrap_or(usize::MAX);
            let contribution = task
                .contribution_of(r.worker)
                .map_or(poco_types::ContributionStatus::Unset, |c| c.status);
            let state = ReplicateState {
                worker: r.worker,
                status: r.status,
                contribution,
                upload_failures: r.upload_failures,
                link_to_check: r.status == ReplicateStatus::ResultUploaded
                    && !r.result_link.is_empty()
                    && task.result_link.is_empty(),
            };
            (position, state)
        })
        .collect();
    states.sort_by_key(|(position, _)| *position);
    states.into_iter().map(|(_, state)| state).collect()
}

/// Decides every live task and carries the decisions out.
async fn decide_all(shared: &Arc<Shared>) -> Result<()> {
    let policy = Policy {
        claim_expired: shared.config.claim_expired,
        upload_timeout_ms: u64::try_from(shared.config.upload_timeout.as_millis())
            .unwrap_or(u64::MAX),
    };
    let now = shared.clock.now();
    let mut initialize = Vec::new();
    let mut claim = Vec::new();
    let mut initialize_and_claim = Vec::new();
    let mut calls = Vec::new();
    let mut checks = Vec::new();
    {
        let _guard = shared.lock.lock().await;
        let tasks = shared.store.live_tasks().await?;
        let mut replicates: HashMap<B256, Vec<ReplicateRow>> = HashMap::new();
        for r in shared.store.replicates_of_live_tasks().await? {
            replicates.entry(r.task_id).or_default().push(r);
        }
        let mut changed = false;
        for row in &tasks {
            let Some(deal) = shared.deal(row.deal_id).await? else {
                continue;
            };
            let reps = replicates.get(&row.task_id).map_or(&[][..], Vec::as_slice);
            let state = task_state(
                row,
                deal.trust,
                (deal.contribution_deadline, deal.final_deadline),
                reps,
            );
            let step = task::decide(&state, &replicate_states(row, reps), now, now_ms(), policy);
            let sends_tx = matches!(
                step.action,
                Some(
                    Action::Initialize
                        | Action::Reopen
                        | Action::Finalize
                        | Action::Claim
                        | Action::InitializeAndClaim
                )
            );
            if sends_tx && shared.is_pending(row.task_id) {
                continue;
            }
            let now_ms = now_ms();
            if task::in_reveal_phase(step.status)
                && !task::in_reveal_phase(row.status)
                && step.status != CoreTaskStatus::ConsensusReached
            {
                // The reveals came between two ticks: the history still shows the consensus.
                shared
                    .store
                    .set_task_status(row.task_id, CoreTaskStatus::ConsensusReached, now_ms)
                    .await?;
            }
            if step.status != row.status {
                changed |= shared
                    .store
                    .set_task_status(row.task_id, step.status, now_ms)
                    .await?;
            }
            let Some(action) = step.action else {
                continue;
            };
            match action {
                Action::Initialize => {
                    initialize.push((row.task_id, row.deal_id, row.idx));
                }
                Action::Claim => claim.push(row.task_id),
                Action::InitializeAndClaim => {
                    initialize_and_claim.push((row.task_id, row.deal_id, row.idx));
                }
                Action::Reopen => calls.push(Call::Reopen(row.task_id)),
                Action::Finalize => match finalize_call(row, deal.has_callback()) {
                    Some(call) => calls.push(call),
                    None => {
                        // The stored result cannot go on-chain: look for another one.
                        shared.store.set_result(row.task_id, "", "").await?;
                        changed = true;
                    }
                },
                Action::RequestUpload(worker) => {
                    request_upload(shared, row.task_id, worker, reps, now_ms).await?;
                    changed = true;
                }
                Action::UploadTimedOut(worker) => {
                    tracing::info!(
                        "scheduler: {worker} did not upload task {}'s result in time",
                        row.task_id
                    );
                    shared
                        .store
                        .set_upload_failures(row.task_id, worker, 2)
                        .await?;
                    changed = true;
                }
                Action::CheckUpload(worker) => {
                    if let Some(rep) = reps.iter().find(|r| r.worker == worker) {
                        checks.push((row.clone(), deal.has_callback(), rep.clone()));
                    }
                }
            }
        }
        if changed {
            shared.bump();
        }
    }
    let batch = shared.config.init_batch.max(1);
    for chunk in initialize.chunks(batch) {
        mark(
            shared,
            chunk.iter().map(|(t, _, _)| *t),
            CoreTaskStatus::Initializing,
        )
        .await?;
        actions::send(shared, Call::Initialize(chunk.to_vec()));
    }
    for chunk in claim.chunks(batch) {
        actions::send(shared, Call::Claim(chunk.to_vec()));
    }
    for chunk in initialize_and_claim.chunks(batch) {
        actions::send(shared, Call::InitializeAndClaim(chunk.to_vec()));
    }
    for call in calls {
        actions::send(shared, call);
    }
    for (task, has_callback, rep) in checks {
        check_upload(shared, task, has_callback, rep);
    }
    Ok(())
}

/// Sets `status` on `tasks`.
async fn mark(
    shared: &Shared,
    tasks: impl Iterator<Item = B256>,
    status: CoreTaskStatus,
) -> Result<()> {
    let _guard = shared.lock.lock().await;
    for task in tasks {
        shared.store.set_task_status(task, status, now_ms()).await?;
    }
    Ok(())
}

/// The `finalize` call with the checked result, or `None` when the stored link or callback
/// data cannot be decoded.
fn finalize_call(task: &TaskRow, has_callback: bool) -> Option<Call> {
    let callback: Bytes = if has_callback {
        parse_bytes(&task.callback_data)?
    } else {
        Bytes::new()
    };
    Some(Call::Finalize {
        task: task.task_id,
        results: Bytes::copy_from_slice(task.result_link.as_bytes()),
        callback,
    })
}

/// Asks `worker` to upload task `task_id`'s result.
async fn request_upload(
    shared: &Shared,
    task_id: B256,
    worker: Address,
    reps: &[ReplicateRow],
    now_ms: u64,
) -> Result<()> {
    tracing::info!("scheduler: asking {worker} to upload task {task_id}'s result");
    shared.store.set_uploader(task_id, worker, now_ms).await?;
    if let Some(rep) = reps.iter().find(|r| r.worker == worker)
        && rep.status == ReplicateStatus::Revealed
    {
        let mut rep = rep.clone();
        rep.status = ReplicateStatus::ResultUploadRequested;
        shared
            .store
            .save_replicate(&rep, ReplicateStatusModifier::PoolManager, None, now_ms)
            .await?;
    }
    Ok(())
}

/// Checks the uploader's result link on its own task; a good one (with callback data that
/// hashes to the revealed digest when the deal has a callback) becomes the task's result, a
/// bad one counts as a failed upload.
fn check_upload(shared: &Arc<Shared>, task: TaskRow, has_callback: bool, rep: ReplicateRow) {
    {
        let mut checking = shared.checking.lock().expect("never poisoned");
        if !checking.insert(task.task_id) {
            return;
        }
    }
    let shared = shared.clone();
    tokio::spawn(async move {
        let outcome = match callback_problem(&task, has_callback, &rep) {
            Some(problem) => CheckOutcome::Refused(problem),
            None => {
                shared
                    .result_check
                    .check(task.task_id, &rep.result_link)
                    .await
            }
        };
        let result = async {
            let _guard = shared.lock.lock().await;
            match &outcome {
                CheckOutcome::Stored => {
                    tracing::info!(
                        "scheduler: task {}'s result is {}",
                        task.task_id,
                        rep.result_link
                    );
                    let callback = if has_callback {
                        rep.callback_data.as_str()
                    } else {
                        ""
                    };
                    shared
                        .store
                        .set_result(task.task_id, &rep.result_link, callback)
                        .await?;
                }
                CheckOutcome::Refused(why) => {
                    tracing::warn!(
                        "scheduler: {}'s result for task {} is refused: {why}",
                        rep.worker,
                        task.task_id
                    );
                    shared
                        .store
                        .set_upload_failures(task.task_id, rep.worker, 2)
                        .await?;
                }
                CheckOutcome::Unavailable(why) => {
                    tracing::warn!(
                        "scheduler: cannot check task {}'s result yet: {why}",
                        task.task_id
                    );
                }
            }
            Result::<()>::Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(
                "scheduler: cannot record task {}'s result check: {e}",
                task.task_id
            );
        }
        if matches!(outcome, CheckOutcome::Unavailable(_)) {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
        shared
            .checking
            .lock()
            .expect("never poisoned")
            .remove(&task.task_id);
        shared.bump();
    });
}

/// Why the uploader's callback data cannot finalize the task, if it cannot.
fn callback_problem(task: &TaskRow, has_callback: bool, rep: &ReplicateRow) -> Option<String> {
    if !has_callback {
        return None;
    }
    let Some(data) = parse_bytes(&rep.callback_data) else {
        return Some(format!("callback data {:?} is not hex", rep.callback_data));
    };
    let digest = keccak256(&data);
    (digest != task.chain.result_digest).then(|| {
        format!(
            "keccak256 of the callback data is {digest}, the revealed digest is {}",
            task.chain.result_digest
        )
    })
}

/// `0x` hex bytes ('' is empty).
fn parse_bytes(text: &str) -> Option<Bytes> {
    if text.is_empty() || text == "0x" {
        return Some(Bytes::new());
    }
    text.parse().ok()
}

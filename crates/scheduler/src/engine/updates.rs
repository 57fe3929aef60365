//! A worker's status update (`POST /replicates/{taskId}/updateStatus`, design §2.1–2.2): checked
//! against the transitions, stored with its details (logs apart, capped), and answered with the
//! replicate's next action. Statuses that depend on the chain (contributed, revealed, ...) make
//! the scheduler read the task from the chain first, so the answer is not stale.

use super::{Shared, dispatch, notify::Notice, now_ms, transitions::accepted};
use crate::{chain::reconcile, error::Result};
use alloy_primitives::{Address, B256};
use poco_types::{
    ReplicateStatus,
    core::{ComputeLogs, ReplicateStatusModifier, ReplicateStatusUpdate, TaskNotificationType},
};

use ReplicateStatus as R;

/// The most of each log stream kept (64 KiB).
pub const MAX_LOG: usize = 64 * 1024;

/// How an update was received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// Stored (200) with the next action.
    Stored(Notice),
    /// Already the current status (208): PLEASE_WAIT.
    AlreadyKnown,
    /// Unknown replicate or a transition not allowed (202): PLEASE_ABORT.
    Refused,
}

/// Statuses after which the chain's view matters for the answer.
fn needs_chain(status: ReplicateStatus) -> bool {
    matches!(
        status,
        R::Computed
            | R::Contributed
            | R::ContributeFailed
            | R::Revealed
            | R::RevealFailed
            | R::ResultUploaded
            | R::ContributeAndFinalizeDone
            | R::ContributeAndFinalizeFailed
            | R::Recovering
    )
}

/// Cuts `text` to at most `max` bytes, on a character boundary.
fn cap(text: &mut String, max: usize) {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
}

/// Receives `update` from `worker` for `task_id`.
pub async fn receive(
    shared: &Shared,
    worker: Address,
    task_id: B256,
    mut update: ReplicateStatusUpdate,
) -> Result<Received> {
    if needs_chain(update.status)
        && shared.store.task(task_id).await?.is_some()
        && let Err(e) = reconcile::reconcile(shared, task_id).await
    {
        tracing::warn!("scheduler: cannot read task {task_id}: {e}");
        shared.wake([task_id]);
    }
    let now = now_ms();
    let guard = shared.lock.lock().await;
    let Some(mut rep) = shared.store.replicate(task_id, worker).await? else {
        return Ok(Received::Refused);
    };
    if rep.status == update.status {
        return Ok(Received::AlreadyKnown);
    }
    if !accepted(rep.status, update.status) {
        let history = shared.store.replicate_history(task_id, worker).await?;
        if history.iter().any(|h| h.status == update.status) {
            // A resent older update.
            return Ok(Received::AlreadyKnown);
        }
        tracing::info!(
            "scheduler: {worker} reported {} on task {task_id} after {}: refused",
            update.status,
            rep.status
        );
        return Ok(Received::Refused);
    }
    let mut logs = None;
    if let Some(details) = update.details.as_mut() {
        if let Some(mut compute_logs) = details.compute_logs.take() {
            compute_logs.wallet_address = Some(worker);
            cap(&mut compute_logs.stdout, MAX_LOG);
            cap(&mut compute_logs.stderr, MAX_LOG);
            logs = Some(compute_logs);
        }
        if let Some(code) = details.exit_code {
            rep.exit_code = Some(code);
        }
        if let Some(message) = details.error_message.as_mut() {
            cap(message, 4096);
        }
        if matches!(
            update.status,
            R::ResultUploaded | R::ContributeAndFinalizeDone
        ) {
            if let Some(link) = &details.result_link {
                rep.result_link = link.clone();
            }
            rep.callback_data = details
                .chain_callback_data
                .as_ref()
                .map(|data| data.to_string())
                .unwrap_or_default();
        }
    }
    if update.status == R::ResultUploadFailed {
        rep.upload_failures = rep.upload_failures.saturating_add(1);
    }
    if update.status != R::Recovering {
        rep.before_lost = None;
    }
    rep.status = update.status;
    shared
        .store
        .save_replicate(
            &rep,
            ReplicateStatusModifier::Worker,
            update.details.as_ref(),
            now,
        )
        .await?;
    if let Some(logs) = logs.filter(|l: &ComputeLogs| !l.stdout.is_empty() || !l.stderr.is_empty())
    {
        shared
            .store
            .set_compute_logs(task_id, worker, &logs)
            .await?;
    }
    let notice = dispatch::next_action(shared, &rep).await?;
    drop(guard);
    shared.bump();
    Ok(Received::Stored(notice))
}

impl Received {
    /// The answer's notification type.
    pub fn kind(&self) -> TaskNotificationType {
        match self {
            Received::Stored(notice) => notice.kind,
            Received::AlreadyKnown => TaskNotificationType::PleaseWait,
            Received::Refused => TaskNotificationType::PleaseAbort,
        }
    }
}

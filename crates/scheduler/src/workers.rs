//! Workers' liveness (design §2.6): a worker without a ping for `worker_lost_after` is lost,
//! and its live replicates become WORKER_LOST (they stop counting as pending, so the supply
//! hands their tasks to others). When it comes back (a ping, a registration), the replicates
//! that had contributed on-chain resume where they were; the others stay WORKER_LOST, and the
//! worker is told to abort them. After a scheduler restart every worker gets a grace period
//! (**⚑A21**).

use crate::{
    engine::{Shared, notify::is_terminal, now_ms},
    error::Result,
};
use alloy_primitives::Address;
use poco_types::{ContributionStatus, ReplicateStatus, core::ReplicateStatusModifier};

/// Declares the workers silent for too long lost, and their live replicates WORKER_LOST.
pub(crate) async fn lose_silent(shared: &Shared) -> Result<()> {
    let now = now_ms();
    let after = u64::try_from(shared.config.worker_lost_after.as_millis()).unwrap_or(u64::MAX);
    let _guard = shared.lock.lock().await;
    let lost = shared.store.lose_workers(now.saturating_sub(after)).await?;
    for worker in &lost {
        tracing::warn!("scheduler: worker {worker} is lost (no ping for {after} ms)");
        for mut rep in shared.store.live_replicates_of_worker(*worker).await? {
            if rep.status == ReplicateStatus::WorkerLost || is_terminal(rep.status) {
                continue;
            }
            rep.before_lost = Some(rep.status);
            rep.status = ReplicateStatus::WorkerLost;
            shared
                .store
                .save_replicate(&rep, ReplicateStatusModifier::PoolManager, None, now)
                .await?;
            shared.wake([rep.task_id]);
        }
    }
    if !lost.is_empty() {
        shared.bump();
    }
    Ok(())
}

/// Records that `worker` is alive. If it was lost, its WORKER_LOST replicates that contributed
/// on-chain go back to where they were. Returns whether it is registered.
pub(crate) async fn alive(shared: &Shared, worker: Address) -> Result<bool> {
    let now = now_ms();
    let _guard = shared.lock.lock().await;
    let Some(was_lost) = shared.store.touch_worker(worker, now).await? else {
        return Ok(false);
    };
    if was_lost {
        tracing::info!("scheduler: worker {worker} is back");
        revive(shared, worker, now).await?;
        shared.bump();
    }
    Ok(true)
}

/// Puts back `worker`'s WORKER_LOST replicates that contributed on-chain (call under the lock).
pub(crate) async fn revive(shared: &Shared, worker: Address, now: u64) -> Result<()> {
    for mut rep in shared.store.live_replicates_of_worker(worker).await? {
        if rep.status != ReplicateStatus::WorkerLost {
            continue;
        }
        let contributed = shared
            .store
            .task(rep.task_id)
            .await?
            .and_then(|task| task.contribution_of(worker).map(|c| c.status))
            .is_some_and(|status| status != ContributionStatus::Rejected);
        if let (true, Some(before)) = (contributed, rep.before_lost) {
            rep.status = before;
            rep.before_lost = None;
            shared
                .store
                .save_replicate(&rep, ReplicateStatusModifier::PoolManager, None, now)
                .await?;
        }
    }
    Ok(())
}

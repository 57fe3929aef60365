//! Restart behaviour (design §3.7): "finishes or gives back what it had". For each replicate
//! the database holds unfinished, the worker reports RECOVERING and resumes from the chain's
//! truth: before COMPUTED it recomputes when there is still time, else gives the task back
//! (ABORTED); computed but not contributed, it asks again (COMPUTED); contributed, it waits for
//! the reveal order or reports REVEALED when the chain has it; uploads and trust-1 finalizations
//! are done again (the same zip gives the same CID; a second finalize is refused in
//! simulation). Replicates the scheduler attributes to this worker but the database does not
//! know are reported ABORTED. (Leftover containers were removed before.)

use crate::{
    chain,
    core::{report, send_only, unknown_task},
    description,
    error::Result,
    replicate::{Entry, Replicate},
    store::ReplicateRow,
    worker::Shared,
};
use poco_types::{
    ContributionStatus, ReplicateStatus as R, TaskStatus,
    core::{ReplicateStatusCause, ReplicateStatusDetails},
};
use std::sync::Arc;

/// What to do with a stored replicate at a restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Run the local steps again (RECOVERING, then STARTING...).
    Recompute,
    /// Give the task back: ABORTED.
    GiveBack,
    /// A step had failed: report FAILED (no RECOVERING).
    Failed,
    /// RECOVERING, then report this status (the chain shows it) and follow the notifications.
    ResumeAs(R),
    /// RECOVERING and follow the notifications from this local status.
    Follow(R),
    /// RECOVERING, then upload again.
    Upload,
    /// RECOVERING, then contribute-and-finalize again (it reports DONE if the chain has it).
    ContributeAndFinalize,
}

/// What the chain says, for [`decide`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainFacts {
    /// The worker's contribution status.
    pub contribution: ContributionStatus,
    /// The task's status.
    pub task: TaskStatus,
    /// Whether `now + timeref ≤ contributionDeadline`: a recomputation can still contribute.
    pub time_to_recompute: bool,
}

/// The recovery table of §3.7, a pure function of the stored status and the chain.
pub fn decide(status: R, has_result: bool, chain: ChainFacts) -> Decision {
    if status.is_failure() && !matches!(status, R::ResultUploadFailed | R::DataDownloadFailed) {
        return Decision::Failed;
    }
    let contributed = chain.contribution != ContributionStatus::Unset;
    match status {
        R::Created
        | R::Starting
        | R::Started
        | R::AppDownloading
        | R::AppDownloaded
        | R::DataDownloading
        | R::DataDownloaded
        | R::DataDownloadFailed
        | R::Computing
        | R::Recovering
        | R::WorkerLost => {
            if chain.time_to_recompute && chain.task == TaskStatus::Active {
                Decision::Recompute
            } else {
                Decision::GiveBack
            }
        }
        R::Computed | R::Contributing if !has_result => Decision::GiveBack,
        R::Computed | R::Contributing => match chain.contribution {
            ContributionStatus::Proved => Decision::ResumeAs(R::Revealed),
            _ if contributed => Decision::ResumeAs(R::Contributed),
            _ => Decision::ResumeAs(R::Computed),
        },
        R::Contributed | R::Revealing => match chain.contribution {
            ContributionStatus::Proved => Decision::ResumeAs(R::Revealed),
            _ => Decision::Follow(R::Contributed),
        },
        R::ResultUploading => Decision::Upload,
        R::ContributeAndFinalizeOngoing => Decision::ContributeAndFinalize,
        other => Decision::Follow(other),
    }
}

/// Recovers every unfinished replicate of the database, then tells the scheduler about the
/// ones it attributes to this worker but the database does not know.
pub(crate) async fn recover(shared: &Arc<Shared>) -> Result<()> {
    let rows = shared.store.live().await?;
    for row in rows {
        let task = row.task_id;
        let facts = chain_facts(shared, &row).await;
        let decision = decide(row.status, row.result.is_some(), facts);
        tracing::info!(
            "worker {:#x}: recovering task {task} from {}: {decision:?}",
            shared.address,
            row.status
        );
        start(shared, row, decision).await?;
    }
    match shared.core.computing().await {
        Ok(tasks) => {
            for task in tasks {
                if shared.store.get(task).await?.is_none() {
                    unknown_task(shared, task).await;
                }
            }
        }
        Err(e) => tracing::debug!("worker {:#x}: /workers/computing: {e}", shared.address),
    }
    Ok(())
}

/// Reads what [`decide`] needs; a chain that does not answer counts as "no time, nothing on
/// chain" (the replicate is given back or re-asked).
async fn chain_facts(shared: &Shared, row: &ReplicateRow) -> ChainFacts {
    let client = shared.client();
    let state = chain::task_state(client, row.task_id, shared.address)
        .await
        .ok();
    let timeref = match &row.description {
        Some(description) => Some(description.timeref),
        None => description::read(client, row.task_id)
            .await
            .ok()
            .map(|d| d.timeref),
    };
    match state {
        Some(state) => ChainFacts {
            contribution: state.contribution,
            task: state.status,
            time_to_recompute: timeref
                .is_some_and(|t| state.now.saturating_add(t) <= state.contribution_deadline),
        },
        None => ChainFacts {
            contribution: ContributionStatus::Unset,
            task: TaskStatus::Unset,
            time_to_recompute: false,
        },
    }
}

/// Carries out `decision` for `row`.
async fn start(shared: &Arc<Shared>, row: ReplicateRow, decision: Decision) -> Result<()> {
    let task = row.task_id;
    let none = ReplicateStatusDetails::default;
    let (status, entry) = match decision {
        Decision::Failed => return report(shared, task, R::Failed, none()).await,
        Decision::GiveBack => {
            let _ = tokio::fs::remove_dir_all(shared.config.task_dir(task)).await;
            let details = ReplicateStatusDetails::cause(ReplicateStatusCause::AbortedByWorker);
            return report(shared, task, R::Aborted, details).await;
        }
        Decision::Recompute => (row.status, Entry::Compute),
        Decision::ResumeAs(status) | Decision::Follow(status) => (status, Entry::Notifications),
        Decision::Upload => (R::Revealed, Entry::Upload),
        Decision::ContributeAndFinalize => (R::Computed, Entry::ContributeAndFinalize),
    };
    // The mailbox opens before RECOVERING is sent: its answer must find it.
    let mailbox = shared.open_mailbox(task);
    send_only(shared, task, R::Recovering, none()).await?;
    match decision {
        Decision::ResumeAs(status) => report(shared, task, status, none()).await?,
        Decision::Recompute => {
            let now = poco_service::time::now_ms();
            shared.store.clear_result(task, now).await?;
        }
        _ => {}
    }
    let live = shared.live.clone().try_acquire_owned().ok();
    let replicate = Replicate::resumed(shared.clone(), row, status);
    shared.spawn_replicate(async move {
        replicate.run(entry, mailbox).await;
        drop(live);
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContributionStatus as C;

    fn facts(contribution: C, task: TaskStatus, time: bool) -> ChainFacts {
        ChainFacts {
            contribution,
            task,
            time_to_recompute: time,
        }
    }

    #[test]
    fn the_recovery_table() {
        let active = facts(C::Unset, TaskStatus::Active, true);
        let late = facts(C::Unset, TaskStatus::Active, false);
        let contributed = facts(C::Contributed, TaskStatus::Active, false);
        let proved = facts(C::Proved, TaskStatus::Revealing, false);
        let cases = [
            (R::Created, false, active, Decision::Recompute),
            (R::Computing, false, active, Decision::Recompute),
            (R::Computing, false, late, Decision::GiveBack),
            (
                R::Starting,
                false,
                facts(C::Unset, TaskStatus::Revealing, true),
                Decision::GiveBack,
            ),
            (R::StartFailed, false, active, Decision::Failed),
            (R::ComputeFailed, false, active, Decision::Failed),
            (R::DataDownloadFailed, false, active, Decision::Recompute),
            (R::Computed, true, active, Decision::ResumeAs(R::Computed)),
            (R::Computed, false, active, Decision::GiveBack),
            (
                R::Contributing,
                true,
                active,
                Decision::ResumeAs(R::Computed),
            ),
            (
                R::Contributing,
                true,
                contributed,
                Decision::ResumeAs(R::Contributed),
            ),
            (
                R::Contributed,
                true,
                contributed,
                Decision::Follow(R::Contributed),
            ),
            (
                R::Revealing,
                true,
                contributed,
                Decision::Follow(R::Contributed),
            ),
            (R::Revealing, true, proved, Decision::ResumeAs(R::Revealed)),
            (R::Revealed, true, proved, Decision::Follow(R::Revealed)),
            (R::ResultUploading, true, proved, Decision::Upload),
            (
                R::ResultUploadFailed,
                true,
                proved,
                Decision::Follow(R::ResultUploadFailed),
            ),
            (
                R::ResultUploaded,
                true,
                proved,
                Decision::Follow(R::ResultUploaded),
            ),
            (
                R::ContributeAndFinalizeOngoing,
                true,
                active,
                Decision::ContributeAndFinalize,
            ),
            (
                R::ContributeAndFinalizeDone,
                true,
                active,
                Decision::Follow(R::ContributeAndFinalizeDone),
            ),
            (R::Completing, true, proved, Decision::Follow(R::Completing)),
        ];
        for (status, has_result, chain, expected) in cases {
            assert_eq!(
                decide(status, has_result, chain),
                expected,
                "{status} {chain:?}"
            );
        }
    }
}

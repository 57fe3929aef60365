//! The next action of a replicate (design §2.2): a pure function of the task as the scheduler
//! and the chain see it, the replicate, and the chain's time. It is the answer to every status
//! update and the content of `/replicates/interrupted`.

use alloy_primitives::{Address, B256};
use poco_types::{
    ContributionStatus, ReplicateStatus, TaskStatus,
    core::{TaskAbortCause, TaskNotificationType},
};

use ReplicateStatus as R;
use TaskNotificationType as N;

/// What [`next_action`] needs of a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskFacts {
    /// The deal's trust.
    pub trust: u64,
    /// The task's on-chain status (as last read).
    pub chain_status: TaskStatus,
    /// The scheduler gave the task up: final deadline reached, or failed.
    pub given_up: bool,
    /// Contributions are accepted until then (chain seconds).
    pub contribution_deadline: u64,
    /// Reveals are accepted until then (chain seconds; 0 before the consensus).
    pub reveal_deadline: u64,
    /// The consensus hash (zero before the consensus).
    pub consensus: B256,
    /// How many workers contributed on-chain.
    pub contributors: usize,
    /// The worker chosen to upload the result, if any.
    pub uploader: Option<Address>,
    /// Whether the result is uploaded and checked.
    pub result_uploaded: bool,
}

/// What [`next_action`] needs of a replicate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicateFacts {
    /// The worker.
    pub worker: Address,
    /// Its current status.
    pub status: ReplicateStatus,
    /// The status it had when its worker was declared lost (WORKER_LOST, and RECOVERING after
    /// it), if it was.
    pub before_lost: Option<ReplicateStatus>,
    /// Its on-chain contribution status.
    pub contribution: ContributionStatus,
    /// Its on-chain contribution hash (zero when none is known).
    pub hash: B256,
    /// How many times its upload failed.
    pub upload_failures: u32,
}

/// The answer: what to do, and why when it is to abort.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Notice {
    /// What to do.
    pub kind: TaskNotificationType,
    /// Why, with PLEASE_ABORT (`None`: a failure the worker reported itself).
    pub cause: Option<TaskAbortCause>,
}

impl Notice {
    const fn of(kind: TaskNotificationType) -> Self {
        Self { kind, cause: None }
    }

    const fn abort(cause: TaskAbortCause) -> Self {
        Self {
            kind: N::PleaseAbort,
            cause: Some(cause),
        }
    }

    /// Whether the worker must be told (anything but CONTINUE and WAIT): what
    /// `/replicates/interrupted` lists.
    pub fn is_interruption(&self) -> bool {
        !matches!(self.kind, N::PleaseContinue | N::PleaseWait)
    }
}

/// The statuses after which the scheduler has nothing more to say: COMPLETED, FAILED, ABORTED.
pub fn is_terminal(status: ReplicateStatus) -> bool {
    matches!(status, R::Completed | R::Failed | R::Aborted)
}

/// Before COMPUTED: the worker runs its local steps unasked. Counted against `maxNbTasks`.
pub fn is_computing(status: ReplicateStatus) -> bool {
    matches!(
        status,
        R::Created
            | R::Starting
            | R::Started
            | R::AppDownloading
            | R::AppDownloaded
            | R::DataDownloading
            | R::DataDownloaded
            | R::Computing
    )
}

/// Live and not contributed yet as far as the worker said: counted in the supply prediction
/// (unless the chain shows a contribution).
pub fn is_pending(status: ReplicateStatus) -> bool {
    is_computing(status)
        || matches!(
            status,
            R::DataDownloadFailed
                | R::Computed
                | R::Contributing
                | R::ContributeAndFinalizeOngoing
                | R::Recovering
        )
}

/// The replicate's next action at chain time `now`.
pub fn next_action(task: &TaskFacts, rep: &ReplicateFacts, now: u64) -> Notice {
    if is_terminal(rep.status) {
        return Notice::of(N::PleaseContinue);
    }
    let contributed = rep.contribution != ContributionStatus::Unset
        || rep.status.has_contributed()
        || rep.status == R::ContributeAndFinalizeDone;
    if task.chain_status == TaskStatus::Failed || task.given_up {
        return Notice::abort(TaskAbortCause::TaskFailed);
    }
    if task.chain_status == TaskStatus::Completed {
        return completed(rep);
    }
    if !contributed && now >= task.contribution_deadline {
        return Notice::abort(TaskAbortCause::ContributionTimeout);
    }
    // A recovering or lost replicate is judged by where it was, from the chain's truth.
    let status = match rep.status {
        R::Recovering | R::WorkerLost => match rep.contribution {
            ContributionStatus::Proved => R::Revealed,
            ContributionStatus::Contributed => R::Contributed,
            ContributionStatus::Rejected => return Notice::abort(TaskAbortCause::RevealTimeout),
            ContributionStatus::Unset if rep.before_lost.is_some() => {
                return Notice::abort(TaskAbortCause::WorkerLost);
            }
            // Restarted without being lost: it recomputes or asks again (COMPUTED).
            ContributionStatus::Unset => return Notice::of(N::PleaseContinue),
        },
        status => status,
    };
    if rep.contribution == ContributionStatus::Rejected {
        return Notice::abort(TaskAbortCause::RevealTimeout);
    }
    match status {
        s if is_computing(s) || s == R::DataDownloadFailed => Notice::of(N::PleaseContinue),
        R::Computed => computed(task),
        // The worker is acting (a transaction, an upload, its cleanup).
        R::Contributing | R::ContributeAndFinalizeOngoing | R::Revealing | R::ResultUploading => {
            Notice::of(N::PleaseContinue)
        }
        R::Contributed => contributed_action(task, rep, now),
        R::Revealed | R::ResultUploadRequested | R::ResultUploaded => {
            upload_action(task, rep, false)
        }
        R::ResultUploadFailed => upload_action(task, rep, true),
        R::ContributeAndFinalizeDone => Notice::of(N::PleaseWait),
        R::Completing => Notice::of(N::PleaseContinue),
        // Every other failure: START_FAILED, APP_DOWNLOAD_FAILED, COMPUTE_FAILED,
        // CONTRIBUTE_FAILED, REVEAL_FAILED, CONTRIBUTE_AND_FINALIZE_FAILED, ...
        _ => Notice::of(N::PleaseAbort),
    }
}

/// The task is COMPLETED on-chain.
fn completed(rep: &ReplicateFacts) -> Notice {
    if rep.contribution == ContributionStatus::Proved || rep.status == R::ContributeAndFinalizeDone
    {
        return match rep.status {
            R::Completing => Notice::of(N::PleaseContinue),
            _ => Notice::of(N::PleaseComplete),
        };
    }
    match rep.contribution {
        ContributionStatus::Contributed => {
            if rep.status == R::Contributed || rep.status == R::Revealing {
                // Its hash was outvoted, or it never revealed: its stake was seized.
                Notice::abort(TaskAbortCause::NotInConsensus)
            } else {
                Notice::abort(TaskAbortCause::RevealTimeout)
            }
        }
        ContributionStatus::Rejected => Notice::abort(TaskAbortCause::RevealTimeout),
        _ => Notice::abort(TaskAbortCause::ConsensusReached),
    }
}

/// COMPUTED: contribute while the task is ACTIVE.
fn computed(task: &TaskFacts) -> Notice {
    match task.chain_status {
        TaskStatus::Active if task.trust <= 1 => {
            if task.contributors == 0 {
                Notice::of(N::PleaseContributeAndFinalize)
            } else {
                Notice::abort(TaskAbortCause::ConsensusReached)
            }
        }
        TaskStatus::Active => Notice::of(N::PleaseContribute),
        TaskStatus::Revealing => Notice::abort(TaskAbortCause::ConsensusReached),
        // Not initialized as far as we know: ask again later.
        _ => Notice::of(N::PleaseWait),
    }
}

/// CONTRIBUTED: wait for the consensus, then reveal if the hash is the consensus.
fn contributed_action(task: &TaskFacts, rep: &ReplicateFacts, now: u64) -> Notice {
    match task.chain_status {
        TaskStatus::Revealing if rep.hash == B256::ZERO => Notice::of(N::PleaseWait),
        TaskStatus::Revealing if rep.hash == task.consensus => {
            if now < task.reveal_deadline {
                Notice::of(N::PleaseReveal)
            } else {
                Notice::abort(TaskAbortCause::RevealTimeout)
            }
        }
        TaskStatus::Revealing => Notice::abort(TaskAbortCause::NotInConsensus),
        _ => Notice::of(N::PleaseWait),
    }
}

/// REVEALED and after: upload when chosen, else wait for the finalization.
fn upload_action(task: &TaskFacts, rep: &ReplicateFacts, failed: bool) -> Notice {
    let chosen = task.uploader == Some(rep.worker) && !task.result_uploaded;
    if chosen && (!failed || rep.upload_failures < 2) && rep.status != R::ResultUploaded {
        Notice::of(N::PleaseUpload)
    } else {
        Notice::of(N::PleaseWait)
    }
}

#[cfg(test)]
#[path = "notify_tests.rs"]
mod tests;

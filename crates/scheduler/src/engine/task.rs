//! The task state machine (design §2.3): a pure function from what the scheduler knows of a
//! task (its own status, the chain's view as last read, its replicates, the chain's time) to
//! the status it is in now and the one thing to do about it, if any. The engine applies the
//! status and carries the action out; the chain decides the rest (a reverted simulation only
//! means the view was stale: the task is read again and decided again).

use alloy_primitives::Address;
use poco_types::{ContributionStatus, ReplicateStatus, TaskStatus, core::CoreTaskStatus};

use CoreTaskStatus as S;

/// What [`decide`] needs of a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskState {
    /// The scheduler's status.
    pub status: CoreTaskStatus,
    /// The on-chain status, as last read.
    pub chain_status: TaskStatus,
    /// The deal's trust.
    pub trust: u64,
    /// Contributions are accepted until then (chain seconds).
    pub contribution_deadline: u64,
    /// Reveals are accepted until then (0 before the consensus).
    pub reveal_deadline: u64,
    /// The task can be claimed from then on.
    pub final_deadline: u64,
    /// How many winners revealed.
    pub reveal_counter: u64,
    /// How many contributions are on the consensus.
    pub winner_counter: u64,
    /// The worker asked to upload the result, and since when (ms).
    pub uploader: Option<(Address, u64)>,
    /// Whether the result link is uploaded and checked.
    pub result_checked: bool,
    /// Whether a replicate was ever handed out.
    pub has_replicates: bool,
}

/// What [`decide`] needs of a replicate, for the upload phase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicateState {
    /// The worker.
    pub worker: Address,
    /// Its status.
    pub status: ReplicateStatus,
    /// Its on-chain contribution.
    pub contribution: ContributionStatus,
    /// How many times its upload failed (2: it is not asked again).
    pub upload_failures: u32,
    /// Whether it reported a result link not checked yet.
    pub link_to_check: bool,
}

/// An on-chain call, or an off-chain step, the task needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `initialize` (batched by the engine).
    Initialize,
    /// `reopen`: nobody revealed in time.
    Reopen,
    /// `finalize` with the checked result link.
    Finalize,
    /// `claim` (past the final deadline).
    Claim,
    /// `initializeAndClaimArray` for a task never initialized, past its final deadline.
    InitializeAndClaim,
    /// Ask this revealed winner to upload the result.
    RequestUpload(Address),
    /// The uploader's result link needs checking against the result storage.
    CheckUpload(Address),
    /// The uploader did not upload in time: it will not be asked again.
    UploadTimedOut(Address),
}

/// The decision: the status now, and what to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// The task's status now.
    pub status: CoreTaskStatus,
    /// The action to take, if any.
    pub action: Option<Action>,
}

impl Step {
    fn to(status: CoreTaskStatus) -> Self {
        Self {
            status,
            action: None,
        }
    }

    fn with(status: CoreTaskStatus, action: Action) -> Self {
        Self {
            status,
            action: Some(action),
        }
    }
}

/// Settings the decision depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Claim expired tasks (**⚑A14**).
    pub claim_expired: bool,
    /// How long an uploader may take, in ms.
    pub upload_timeout_ms: u64,
}

/// The statuses of the reveal phase (before a reopen, the task goes back to RUNNING from them).
pub fn in_reveal_phase(status: CoreTaskStatus) -> bool {
    matches!(
        status,
        S::ConsensusReached
            | S::Reopening
            | S::ReopenFailed
            | S::AtLeastOneRevealed
            | S::ResultUploadRequested
            | S::ResultUploadRequestTimeout
            | S::ResultUploading
            | S::ResultUploaded
            | S::ResultUploadTimeout
            | S::Finalizing
            | S::FinalizeFailed
    )
}

/// Decides a task at chain time `now` (seconds) and wall time `now_ms`. `replicates` are in the
/// order winners are asked to upload (first revealer first).
pub fn decide(
    task: &TaskState,
    replicates: &[ReplicateState],
    now: u64,
    now_ms: u64,
    policy: Policy,
) -> Step {
    match task.chain_status {
        TaskStatus::Completed => return Step::to(S::Completed),
        TaskStatus::Failed => return Step::to(S::Failed),
        _ => {}
    }
    if now >= task.final_deadline {
        let action = match task.chain_status {
            _ if !policy.claim_expired => None,
            TaskStatus::Unset => Some(Action::InitializeAndClaim),
            _ => Some(Action::Claim),
        };
        return Step {
            status: S::FinalDeadlineReached,
            action,
        };
    }
    match task.chain_status {
        TaskStatus::Unset if now < task.contribution_deadline => match task.status {
            S::Initializing => Step::with(S::Initializing, Action::Initialize),
            _ => Step::with(S::Received, Action::Initialize),
        },
        // Too late to start: wait for the final deadline, then claim.
        TaskStatus::Unset => Step::to(task.status),
        TaskStatus::Active if now >= task.contribution_deadline => Step::to(S::ContributionTimeout),
        TaskStatus::Active => Step::to(match task.status {
            S::Received | S::Initializing | S::InitializeFailed if task.has_replicates => {
                S::Running
            }
            S::Received | S::Initializing | S::InitializeFailed => S::Initialized,
            S::Initialized if task.has_replicates => S::Running,
            status if in_reveal_phase(status) => S::Reopened,
            S::Reopened => S::Running,
            status => status,
        }),
        _ => revealing(task, replicates, now, now_ms, policy),
    }
}

/// REVEALING on-chain: reopen, or get the result uploaded, then finalize.
fn revealing(
    task: &TaskState,
    replicates: &[ReplicateState],
    now: u64,
    now_ms: u64,
    policy: Policy,
) -> Step {
    if task.reveal_counter == 0 {
        return if now >= task.reveal_deadline {
            Step::with(S::Reopening, Action::Reopen)
        } else {
            Step::to(S::ConsensusReached)
        };
    }
    let all_revealed = task.reveal_counter >= task.winner_counter;
    if task.result_checked {
        return if all_revealed || now >= task.reveal_deadline {
            Step::with(S::Finalizing, Action::Finalize)
        } else {
            Step::to(S::ResultUploaded)
        };
    }
    if let Some((uploader, since_ms)) = task.uploader
        && let Some(rep) = replicates.iter().find(|r| r.worker == uploader)
        && can_upload(rep)
    {
        if rep.link_to_check {
            return Step::with(S::ResultUploaded, Action::CheckUpload(uploader));
        }
        if now_ms.saturating_sub(since_ms) >= policy.upload_timeout_ms {
            return Step::with(
                S::ResultUploadRequestTimeout,
                Action::UploadTimedOut(uploader),
            );
        }
        let status = match rep.status {
            ReplicateStatus::ResultUploading => S::ResultUploading,
            _ => S::ResultUploadRequested,
        };
        return Step::to(status);
    }
    match replicates
        .iter()
        .find(|r| Some(r.worker) != task.uploader.map(|(w, _)| w) && can_upload(r))
    {
        Some(next) => Step::with(S::ResultUploadRequested, Action::RequestUpload(next.worker)),
        // More winners may still reveal.
        None if !all_revealed && now < task.reveal_deadline => Step::to(S::AtLeastOneRevealed),
        None => Step::to(S::ResultUploadTimeout),
    }
}

/// A revealed winner, alive, that has not failed its upload twice.
fn can_upload(rep: &ReplicateState) -> bool {
    rep.contribution == ContributionStatus::Proved
        && rep.upload_failures < 2
        && !matches!(
            rep.status,
            ReplicateStatus::WorkerLost
                | ReplicateStatus::Aborted
                | ReplicateStatus::Failed
                | ReplicateStatus::Completed
        )
}

#[cfg(test)]
#[path = "task_tests.rs"]
mod tests;

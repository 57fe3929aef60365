//! The task transitions of design §2.3, as a table.

use super::*;

const W1: Address = Address::repeat_byte(1);
const W2: Address = Address::repeat_byte(2);
const NOW: u64 = 10_000;
const NOW_MS: u64 = 5_000_000;
const POLICY: Policy = Policy {
    claim_expired: true,
    upload_timeout_ms: 120_000,
};

fn task(status: CoreTaskStatus, chain_status: TaskStatus) -> TaskState {
    TaskState {
        status,
        chain_status,
        trust: 3,
        contribution_deadline: NOW + 700,
        reveal_deadline: 0,
        final_deadline: NOW + 1000,
        reveal_counter: 0,
        winner_counter: 0,
        uploader: None,
        result_checked: false,
        has_replicates: false,
    }
}

fn revealing(reveal_counter: u64, winner_counter: u64) -> TaskState {
    TaskState {
        reveal_deadline: NOW + 200,
        reveal_counter,
        winner_counter,
        ..task(S::ConsensusReached, TaskStatus::Revealing)
    }
}

fn winner(worker: Address, status: ReplicateStatus) -> ReplicateState {
    ReplicateState {
        worker,
        status,
        contribution: ContributionStatus::Proved,
        upload_failures: 0,
        link_to_check: false,
    }
}

fn step(status: CoreTaskStatus, action: Option<Action>) -> Step {
    Step { status, action }
}

#[track_caller]
fn check(rows: Vec<(&str, TaskState, Vec<ReplicateState>, Step)>) {
    for (name, task, replicates, expected) in rows {
        assert_eq!(
            decide(&task, &replicates, NOW, NOW_MS, POLICY),
            expected,
            "{name}"
        );
    }
}

#[test]
fn initialization() {
    let late = TaskState {
        contribution_deadline: NOW,
        ..task(S::Received, TaskStatus::Unset)
    };
    check(vec![
        (
            "received",
            task(S::Received, TaskStatus::Unset),
            vec![],
            step(S::Received, Some(Action::Initialize)),
        ),
        (
            "initializing",
            task(S::Initializing, TaskStatus::Unset),
            vec![],
            step(S::Initializing, Some(Action::Initialize)),
        ),
        ("too late to start", late, vec![], step(S::Received, None)),
        (
            "initialized",
            task(S::Initializing, TaskStatus::Active),
            vec![],
            step(S::Initialized, None),
        ),
        (
            "by someone else",
            task(S::Received, TaskStatus::Active),
            vec![],
            step(S::Initialized, None),
        ),
        (
            "stays",
            task(S::Initialized, TaskStatus::Active),
            vec![],
            step(S::Initialized, None),
        ),
        (
            "running",
            TaskState {
                has_replicates: true,
                ..task(S::Initialized, TaskStatus::Active)
            },
            vec![],
            step(S::Running, None),
        ),
    ]);
}

#[test]
fn contribution_timeout_and_final_deadline() {
    let timed_out = TaskState {
        contribution_deadline: NOW,
        ..task(S::Running, TaskStatus::Active)
    };
    let expired = |status, chain| TaskState {
        final_deadline: NOW,
        ..task(status, chain)
    };
    check(vec![
        (
            "contribution timeout",
            timed_out,
            vec![],
            step(S::ContributionTimeout, None),
        ),
        (
            "claim",
            expired(S::ContributionTimeout, TaskStatus::Active),
            vec![],
            step(S::FinalDeadlineReached, Some(Action::Claim)),
        ),
        (
            "claim revealing",
            expired(S::ConsensusReached, TaskStatus::Revealing),
            vec![],
            step(S::FinalDeadlineReached, Some(Action::Claim)),
        ),
        (
            "never initialized",
            expired(S::Received, TaskStatus::Unset),
            vec![],
            step(S::FinalDeadlineReached, Some(Action::InitializeAndClaim)),
        ),
        (
            "claimed",
            expired(S::FinalDeadlineReached, TaskStatus::Failed),
            vec![],
            step(S::Failed, None),
        ),
        (
            "completed",
            task(S::Finalizing, TaskStatus::Completed),
            vec![],
            step(S::Completed, None),
        ),
    ]);
    let task = TaskState {
        final_deadline: NOW,
        ..task(S::Running, TaskStatus::Active)
    };
    let policy = Policy {
        claim_expired: false,
        ..POLICY
    };
    assert_eq!(
        decide(&task, &[], NOW, NOW_MS, policy),
        step(S::FinalDeadlineReached, None)
    );
}

#[test]
fn consensus_reopen_and_back_to_running() {
    let late = TaskState {
        reveal_deadline: NOW,
        ..revealing(0, 2)
    };
    check(vec![
        (
            "consensus",
            TaskState {
                status: S::Running,
                ..revealing(0, 2)
            },
            vec![],
            step(S::ConsensusReached, None),
        ),
        (
            "nobody revealed in time",
            late.clone(),
            vec![],
            step(S::Reopening, Some(Action::Reopen)),
        ),
        (
            "reopened",
            task(S::Reopening, TaskStatus::Active),
            vec![],
            step(S::Reopened, None),
        ),
        (
            "running again",
            task(S::Reopened, TaskStatus::Active),
            vec![],
            step(S::Running, None),
        ),
    ]);
}

#[test]
fn upload_then_finalize() {
    let asked = |since| TaskState {
        uploader: Some((W1, since)),
        ..revealing(1, 2)
    };
    let checked = |reveals, deadline| TaskState {
        result_checked: true,
        reveal_deadline: deadline,
        ..revealing(reveals, 2)
    };
    let uploaded = ReplicateState {
        link_to_check: true,
        ..winner(W1, ReplicateStatus::ResultUploaded)
    };
    let failed = ReplicateState {
        upload_failures: 2,
        ..winner(W1, ReplicateStatus::ResultUploadFailed)
    };
    let lost = winner(W1, ReplicateStatus::WorkerLost);
    let unrevealed = ReplicateState {
        contribution: ContributionStatus::Contributed,
        ..winner(W2, ReplicateStatus::Contributed)
    };
    check(vec![
        (
            "first revealer asked",
            revealing(1, 2),
            vec![winner(W1, ReplicateStatus::Revealed)],
            step(S::ResultUploadRequested, Some(Action::RequestUpload(W1))),
        ),
        (
            "waiting",
            asked(NOW_MS - 1000),
            vec![winner(W1, ReplicateStatus::ResultUploadRequested)],
            step(S::ResultUploadRequested, None),
        ),
        (
            "uploading",
            asked(NOW_MS - 1000),
            vec![winner(W1, ReplicateStatus::ResultUploading)],
            step(S::ResultUploading, None),
        ),
        (
            "to check",
            asked(NOW_MS - 1000),
            vec![uploaded],
            step(S::ResultUploaded, Some(Action::CheckUpload(W1))),
        ),
        (
            "too slow",
            asked(NOW_MS - 120_000),
            vec![winner(W1, ReplicateStatus::ResultUploadRequested)],
            step(
                S::ResultUploadRequestTimeout,
                Some(Action::UploadTimedOut(W1)),
            ),
        ),
        (
            "failed: next",
            asked(NOW_MS),
            vec![failed.clone(), winner(W2, ReplicateStatus::Revealed)],
            step(S::ResultUploadRequested, Some(Action::RequestUpload(W2))),
        ),
        (
            "lost: next",
            asked(NOW_MS),
            vec![lost, winner(W2, ReplicateStatus::Revealed)],
            step(S::ResultUploadRequested, Some(Action::RequestUpload(W2))),
        ),
        (
            "failed, another may reveal",
            asked(NOW_MS),
            vec![failed.clone(), unrevealed.clone()],
            step(S::AtLeastOneRevealed, None),
        ),
        (
            "nobody left",
            TaskState {
                reveal_counter: 2,
                ..asked(NOW_MS)
            },
            vec![failed, unrevealed],
            step(S::ResultUploadTimeout, None),
        ),
        (
            "all revealed: finalize",
            checked(2, NOW + 100),
            vec![],
            step(S::Finalizing, Some(Action::Finalize)),
        ),
        (
            "one of two: wait",
            checked(1, NOW + 100),
            vec![],
            step(S::ResultUploaded, None),
        ),
        (
            "one of two, deadline passed: finalize",
            checked(1, NOW),
            vec![],
            step(S::Finalizing, Some(Action::Finalize)),
        ),
    ]);
}

//! The next-action table of design §2.2, row by row.

use super::*;
use ContributionStatus as C;
use TaskAbortCause as Why;

const ME: Address = Address::repeat_byte(0x11);
const OTHER: Address = Address::repeat_byte(0x22);
const CONSENSUS: B256 = B256::repeat_byte(0xcc);
const WRONG: B256 = B256::repeat_byte(0xdd);
const NOW: u64 = 1_000;

fn task(trust: u64, chain_status: TaskStatus) -> TaskFacts {
    TaskFacts {
        trust,
        chain_status,
        given_up: false,
        contribution_deadline: NOW + 100,
        reveal_deadline: 0,
        consensus: B256::ZERO,
        contributors: 0,
        uploader: None,
        result_uploaded: false,
    }
}

fn revealing() -> TaskFacts {
    TaskFacts {
        consensus: CONSENSUS,
        reveal_deadline: NOW + 50,
        contributors: 2,
        ..task(3, TaskStatus::Revealing)
    }
}

fn rep(status: ReplicateStatus) -> ReplicateFacts {
    ReplicateFacts {
        worker: ME,
        status,
        before_lost: None,
        contribution: C::Unset,
        hash: B256::ZERO,
        upload_failures: 0,
    }
}

fn contributed(status: ReplicateStatus, contribution: C, hash: B256) -> ReplicateFacts {
    ReplicateFacts {
        contribution,
        hash,
        ..rep(status)
    }
}

fn go(kind: TaskNotificationType) -> Notice {
    Notice { kind, cause: None }
}

fn abort(cause: TaskAbortCause) -> Notice {
    Notice {
        kind: N::PleaseAbort,
        cause: Some(cause),
    }
}

#[track_caller]
fn check(rows: &[(&str, TaskFacts, ReplicateFacts, Notice)]) {
    for (name, task, rep, expected) in rows {
        assert_eq!(next_action(task, rep, NOW), *expected, "{name}");
    }
}

#[test]
fn task_failure_and_contribution_timeout_abort_every_live_replicate() {
    let failed = task(3, TaskStatus::Failed);
    let given_up = TaskFacts {
        given_up: true,
        ..task(3, TaskStatus::Active)
    };
    let late = TaskFacts {
        contribution_deadline: NOW,
        ..task(3, TaskStatus::Active)
    };
    check(&[
        (
            "claimed, computing",
            failed.clone(),
            rep(R::Computing),
            abort(Why::TaskFailed),
        ),
        (
            "claimed, contributed",
            failed,
            contributed(R::Contributed, C::Contributed, CONSENSUS),
            abort(Why::TaskFailed),
        ),
        (
            "final deadline, created",
            given_up,
            rep(R::Created),
            abort(Why::TaskFailed),
        ),
        (
            "deadline, computing",
            late.clone(),
            rep(R::Computing),
            abort(Why::ContributionTimeout),
        ),
        (
            "deadline, computed",
            late.clone(),
            rep(R::Computed),
            abort(Why::ContributionTimeout),
        ),
        (
            "deadline, contributed waits",
            late,
            contributed(R::Contributed, C::Contributed, CONSENSUS),
            go(N::PleaseWait),
        ),
    ]);
}

#[test]
fn local_steps_continue() {
    let active = task(3, TaskStatus::Active);
    for status in [
        R::Created,
        R::Starting,
        R::Started,
        R::AppDownloading,
        R::AppDownloaded,
        R::DataDownloading,
        R::DataDownloaded,
        R::DataDownloadFailed,
        R::Computing,
        R::Contributing,
        R::ContributeAndFinalizeOngoing,
        R::Revealing,
        R::ResultUploading,
    ] {
        assert_eq!(
            next_action(&active, &rep(status), NOW),
            go(N::PleaseContinue),
            "{status}"
        );
    }
}

#[test]
fn computed_contributes_by_trust_and_status() {
    let trust1_taken = TaskFacts {
        contributors: 1,
        ..task(1, TaskStatus::Active)
    };
    check(&[
        (
            "trust 1",
            task(1, TaskStatus::Active),
            rep(R::Computed),
            go(N::PleaseContributeAndFinalize),
        ),
        (
            "trust 1, taken",
            trust1_taken,
            rep(R::Computed),
            abort(Why::ConsensusReached),
        ),
        (
            "trust 3",
            task(3, TaskStatus::Active),
            rep(R::Computed),
            go(N::PleaseContribute),
        ),
        (
            "trust 3 revealing",
            revealing(),
            rep(R::Computed),
            abort(Why::ConsensusReached),
        ),
        (
            "not initialized",
            task(3, TaskStatus::Unset),
            rep(R::Computed),
            go(N::PleaseWait),
        ),
    ]);
}

#[test]
fn contributed_waits_then_reveals_or_aborts() {
    let late = TaskFacts {
        reveal_deadline: NOW,
        ..revealing()
    };
    check(&[
        (
            "active",
            task(3, TaskStatus::Active),
            contributed(R::Contributed, C::Contributed, CONSENSUS),
            go(N::PleaseWait),
        ),
        (
            "consensus",
            revealing(),
            contributed(R::Contributed, C::Contributed, CONSENSUS),
            go(N::PleaseReveal),
        ),
        (
            "hash not read yet",
            revealing(),
            rep(R::Contributed),
            go(N::PleaseWait),
        ),
        (
            "other hash",
            revealing(),
            contributed(R::Contributed, C::Contributed, WRONG),
            abort(Why::NotInConsensus),
        ),
        (
            "reveal deadline",
            late,
            contributed(R::Contributed, C::Contributed, CONSENSUS),
            abort(Why::RevealTimeout),
        ),
        (
            "reopened",
            task(3, TaskStatus::Active),
            contributed(R::Contributed, C::Rejected, CONSENSUS),
            abort(Why::RevealTimeout),
        ),
        (
            "reopened, revealed?",
            task(3, TaskStatus::Active),
            contributed(R::Revealed, C::Rejected, CONSENSUS),
            abort(Why::RevealTimeout),
        ),
    ]);
}

#[test]
fn revealed_uploads_when_chosen() {
    let chosen = TaskFacts {
        uploader: Some(ME),
        ..revealing()
    };
    let other = TaskFacts {
        uploader: Some(OTHER),
        ..revealing()
    };
    let uploaded = TaskFacts {
        result_uploaded: true,
        ..chosen.clone()
    };
    let proved = |status| ReplicateFacts {
        upload_failures: 0,
        ..contributed(status, C::Proved, CONSENSUS)
    };
    let failed = |failures| ReplicateFacts {
        upload_failures: failures,
        ..contributed(R::ResultUploadFailed, C::Proved, CONSENSUS)
    };
    check(&[
        (
            "revealed, nobody chosen",
            revealing(),
            proved(R::Revealed),
            go(N::PleaseWait),
        ),
        (
            "revealed, chosen",
            chosen.clone(),
            proved(R::Revealed),
            go(N::PleaseUpload),
        ),
        (
            "requested",
            chosen.clone(),
            proved(R::ResultUploadRequested),
            go(N::PleaseUpload),
        ),
        (
            "another one chosen",
            other,
            proved(R::Revealed),
            go(N::PleaseWait),
        ),
        (
            "uploaded",
            uploaded,
            proved(R::ResultUploaded),
            go(N::PleaseWait),
        ),
        (
            "failed once: retry",
            chosen.clone(),
            failed(1),
            go(N::PleaseUpload),
        ),
        (
            "failed twice: another",
            chosen,
            failed(2),
            go(N::PleaseWait),
        ),
    ]);
}

#[test]
fn completed_task_completes_winners_and_aborts_the_rest() {
    let done = task(3, TaskStatus::Completed);
    check(&[
        (
            "revealed",
            done.clone(),
            contributed(R::Revealed, C::Proved, CONSENSUS),
            go(N::PleaseComplete),
        ),
        (
            "uploaded",
            done.clone(),
            contributed(R::ResultUploaded, C::Proved, CONSENSUS),
            go(N::PleaseComplete),
        ),
        (
            "upload failed",
            done.clone(),
            contributed(R::ResultUploadFailed, C::Proved, CONSENSUS),
            go(N::PleaseComplete),
        ),
        (
            "trust 1 done",
            task(1, TaskStatus::Completed),
            rep(R::ContributeAndFinalizeDone),
            go(N::PleaseComplete),
        ),
        (
            "completing",
            done.clone(),
            contributed(R::Completing, C::Proved, CONSENSUS),
            go(N::PleaseContinue),
        ),
        (
            "outvoted",
            done.clone(),
            contributed(R::Contributed, C::Contributed, WRONG),
            abort(Why::NotInConsensus),
        ),
        (
            "too slow",
            done.clone(),
            rep(R::Computing),
            abort(Why::ConsensusReached),
        ),
        (
            "rejected",
            done.clone(),
            contributed(R::Contributed, C::Rejected, CONSENSUS),
            abort(Why::RevealTimeout),
        ),
        ("terminal", done, rep(R::Completed), go(N::PleaseContinue)),
    ]);
}

#[test]
fn failures_abort_without_a_cause() {
    let active = task(3, TaskStatus::Active);
    for status in [
        R::StartFailed,
        R::AppDownloadFailed,
        R::ComputeFailed,
        R::ContributeFailed,
        R::ContributeAndFinalizeFailed,
        R::CompleteFailed,
    ] {
        assert_eq!(
            next_action(&active, &rep(status), NOW),
            go(N::PleaseAbort),
            "{status}"
        );
    }
    assert_eq!(
        next_action(
            &revealing(),
            &contributed(R::RevealFailed, C::Contributed, CONSENSUS),
            NOW
        ),
        go(N::PleaseAbort)
    );
}

#[test]
fn recovering_and_lost_follow_the_chain() {
    let lost = |contribution, hash| ReplicateFacts {
        before_lost: Some(R::Computing),
        ..contributed(R::WorkerLost, contribution, hash)
    };
    let back = |contribution, hash| ReplicateFacts {
        status: R::Recovering,
        ..lost(contribution, hash)
    };
    let chosen = TaskFacts {
        uploader: Some(ME),
        ..revealing()
    };
    check(&[
        (
            "lost before contributing",
            task(3, TaskStatus::Active),
            lost(C::Unset, B256::ZERO),
            abort(Why::WorkerLost),
        ),
        (
            "back before contributing",
            task(3, TaskStatus::Active),
            back(C::Unset, B256::ZERO),
            abort(Why::WorkerLost),
        ),
        (
            "restarted before contributing",
            task(3, TaskStatus::Active),
            rep(R::Recovering),
            go(N::PleaseContinue),
        ),
        (
            "back, contributed, consensus",
            revealing(),
            back(C::Contributed, CONSENSUS),
            go(N::PleaseReveal),
        ),
        (
            "back, contributed, other hash",
            revealing(),
            back(C::Contributed, WRONG),
            abort(Why::NotInConsensus),
        ),
        (
            "back, revealed, chosen",
            chosen,
            back(C::Proved, CONSENSUS),
            go(N::PleaseUpload),
        ),
        (
            "back, rejected",
            task(3, TaskStatus::Active),
            back(C::Rejected, CONSENSUS),
            abort(Why::RevealTimeout),
        ),
        (
            "back, completed",
            task(3, TaskStatus::Completed),
            back(C::Proved, CONSENSUS),
            go(N::PleaseComplete),
        ),
        (
            "lost, contributed, waits",
            task(3, TaskStatus::Active),
            lost(C::Contributed, CONSENSUS),
            go(N::PleaseWait),
        ),
    ]);
}

#[test]
fn interruptions_are_what_the_worker_must_be_told() {
    assert!(!go(N::PleaseContinue).is_interruption());
    assert!(!go(N::PleaseWait).is_interruption());
    assert!(go(N::PleaseReveal).is_interruption());
    assert!(abort(Why::WorkerLost).is_interruption());
}

#[test]
fn classification() {
    assert!(is_computing(R::Created) && is_computing(R::Computing) && !is_computing(R::Computed));
    assert!(is_pending(R::Computed) && is_pending(R::Contributing) && !is_pending(R::Contributed));
    assert!(!is_pending(R::WorkerLost) && !is_pending(R::Aborted));
    assert!(is_terminal(R::Aborted) && !is_terminal(R::WorkerLost));
}

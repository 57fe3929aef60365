//! Which status a worker may report after which (design §2.2, "accepted after"). A status the
//! scheduler sets (CREATED, RESULT_UPLOAD_REQUESTED, WORKER_LOST) is never accepted from a
//! worker. Skipping the in-between "-ING" report of a step (COMPUTED → CONTRIBUTED) is
//! accepted: the chain, not the report, is the truth of a contribution. After RECOVERING,
//! any worker status is accepted (the worker resumes from where it was).

use super::notify::is_terminal;
use poco_types::ReplicateStatus;

use ReplicateStatus as R;

/// Whether a worker may report `to` when the replicate is in `from`.
pub fn accepted(from: ReplicateStatus, to: ReplicateStatus) -> bool {
    if is_terminal(from) || matches!(to, R::Created | R::ResultUploadRequested | R::WorkerLost) {
        return false;
    }
    if from == R::Recovering {
        return true;
    }
    match to {
        R::Starting => matches!(from, R::Created),
        R::Started | R::StartFailed => from == R::Starting,
        R::AppDownloading => from == R::Started,
        R::AppDownloaded | R::AppDownloadFailed => from == R::AppDownloading,
        R::DataDownloading => from == R::AppDownloaded,
        R::DataDownloaded | R::DataDownloadFailed => from == R::DataDownloading,
        R::Computing => matches!(from, R::AppDownloaded | R::DataDownloaded),
        R::Computed => matches!(from, R::Computing | R::DataDownloadFailed),
        R::ComputeFailed => from == R::Computing,
        R::Contributing | R::ContributeAndFinalizeOngoing => from == R::Computed,
        R::Contributed | R::ContributeFailed => matches!(from, R::Contributing | R::Computed),
        R::ContributeAndFinalizeDone | R::ContributeAndFinalizeFailed => {
            matches!(from, R::ContributeAndFinalizeOngoing | R::Computed)
        }
        R::Revealing => from == R::Contributed,
        R::Revealed | R::RevealFailed => matches!(from, R::Revealing | R::Contributed),
        R::ResultUploading => matches!(
            from,
            R::ResultUploadRequested | R::ResultUploadFailed | R::Revealed
        ),
        R::ResultUploaded | R::ResultUploadFailed => {
            matches!(from, R::ResultUploading | R::ResultUploadRequested)
        }
        R::ResultUploadRequestFailed => from == R::ResultUploadRequested,
        R::Completing => matches!(
            from,
            R::Revealed
                | R::ResultUploadRequested
                | R::ResultUploading
                | R::ResultUploaded
                | R::ResultUploadFailed
                | R::ContributeAndFinalizeDone
        ),
        R::Completed | R::CompleteFailed => from == R::Completing,
        R::Aborted => true,
        R::Failed => from.is_failure() || from == R::WorkerLost,
        R::Recovering => true,
        R::Created | R::ResultUploadRequested | R::WorkerLost => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_paths_are_accepted() {
        let consensus = [
            R::Created,
            R::Starting,
            R::Started,
            R::AppDownloading,
            R::AppDownloaded,
            R::DataDownloading,
            R::DataDownloaded,
            R::Computing,
            R::Computed,
            R::Contributing,
            R::Contributed,
            R::Revealing,
            R::Revealed,
        ];
        for pair in consensus.windows(2) {
            assert!(accepted(pair[0], pair[1]), "{} → {}", pair[0], pair[1]);
        }
        for (from, to) in [
            (R::AppDownloaded, R::Computing),
            (R::Computed, R::ContributeAndFinalizeOngoing),
            (
                R::ContributeAndFinalizeOngoing,
                R::ContributeAndFinalizeDone,
            ),
            (R::ContributeAndFinalizeDone, R::Completing),
            (R::ResultUploadRequested, R::ResultUploading),
            (R::ResultUploading, R::ResultUploaded),
            (R::ResultUploaded, R::Completing),
            (R::Revealed, R::Completing),
            (R::Completing, R::Completed),
            (R::DataDownloadFailed, R::Computed),
            (R::ResultUploadFailed, R::ResultUploading),
        ] {
            assert!(accepted(from, to), "{from} → {to}");
        }
    }

    #[test]
    fn aborts_failures_and_recovery() {
        for from in [
            R::Created,
            R::Computing,
            R::Contributed,
            R::WorkerLost,
            R::Revealed,
        ] {
            assert!(accepted(from, R::Aborted), "{from}");
            assert!(accepted(from, R::Recovering), "{from}");
        }
        assert!(accepted(R::StartFailed, R::Failed));
        assert!(!accepted(R::Computing, R::Failed));
        for to in [
            R::Computed,
            R::Contributed,
            R::Revealed,
            R::Starting,
            R::Completing,
        ] {
            assert!(accepted(R::Recovering, to), "{to}");
        }
    }

    #[test]
    fn the_rest_is_refused() {
        for (from, to) in [
            (R::Created, R::Computing),
            (R::Created, R::Computed),
            (R::Computing, R::Contributed),
            (R::Contributed, R::Completing),
            (R::WorkerLost, R::Computed),
            (R::Computed, R::Revealed),
            (R::Completed, R::Aborted),
            (R::Aborted, R::Recovering),
            (R::Revealed, R::ResultUploadRequested),
            (R::Computing, R::WorkerLost),
            (R::Recovering, R::Created),
        ] {
            assert!(!accepted(from, to), "{from} → {to}");
        }
    }
}

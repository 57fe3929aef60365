//! Replicate statuses: the steps a worker reports to the scheduler while it runs its copy of a
//! task, named as in iExec core so status updates read the same on both sides.

use serde::{Deserialize, Serialize};
use std::fmt;

/// iExec's `ReplicateStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)] // The names are the documentation: one per reported step.
pub enum ReplicateStatus {
    Created,
    Starting,
    StartFailed,
    Started,
    AppDownloading,
    AppDownloadFailed,
    AppDownloaded,
    DataDownloading,
    DataDownloadFailed,
    DataDownloaded,
    Computing,
    ComputeFailed,
    Computed,
    Contributing,
    ContributeFailed,
    Contributed,
    Revealing,
    RevealFailed,
    Revealed,
    ResultUploadRequested,
    ResultUploadRequestFailed,
    ResultUploading,
    ResultUploadFailed,
    ResultUploaded,
    ContributeAndFinalizeOngoing,
    ContributeAndFinalizeFailed,
    ContributeAndFinalizeDone,
    Completing,
    CompleteFailed,
    Completed,
    Failed,
    Aborted,
    Recovering,
    WorkerLost,
}

use ReplicateStatus::*;

impl ReplicateStatus {
    /// Every status, in iExec's declaration order.
    pub const ALL: [ReplicateStatus; 34] = [
        Created,
        Starting,
        StartFailed,
        Started,
        AppDownloading,
        AppDownloadFailed,
        AppDownloaded,
        DataDownloading,
        DataDownloadFailed,
        DataDownloaded,
        Computing,
        ComputeFailed,
        Computed,
        Contributing,
        ContributeFailed,
        Contributed,
        Revealing,
        RevealFailed,
        Revealed,
        ResultUploadRequested,
        ResultUploadRequestFailed,
        ResultUploading,
        ResultUploadFailed,
        ResultUploaded,
        ContributeAndFinalizeOngoing,
        ContributeAndFinalizeFailed,
        ContributeAndFinalizeDone,
        Completing,
        CompleteFailed,
        Completed,
        Failed,
        Aborted,
        Recovering,
        WorkerLost,
    ];

    /// The SCREAMING_SNAKE name (`APP_DOWNLOADING`).
    pub fn as_str(self) -> &'static str {
        match self {
            Created => "CREATED",
            Starting => "STARTING",
            StartFailed => "START_FAILED",
            Started => "STARTED",
            AppDownloading => "APP_DOWNLOADING",
            AppDownloadFailed => "APP_DOWNLOAD_FAILED",
            AppDownloaded => "APP_DOWNLOADED",
            DataDownloading => "DATA_DOWNLOADING",
            DataDownloadFailed => "DATA_DOWNLOAD_FAILED",
            DataDownloaded => "DATA_DOWNLOADED",
            Computing => "COMPUTING",
            ComputeFailed => "COMPUTE_FAILED",
            Computed => "COMPUTED",
            Contributing => "CONTRIBUTING",
            ContributeFailed => "CONTRIBUTE_FAILED",
            Contributed => "CONTRIBUTED",
            Revealing => "REVEALING",
            RevealFailed => "REVEAL_FAILED",
            Revealed => "REVEALED",
            ResultUploadRequested => "RESULT_UPLOAD_REQUESTED",
            ResultUploadRequestFailed => "RESULT_UPLOAD_REQUEST_FAILED",
            ResultUploading => "RESULT_UPLOADING",
            ResultUploadFailed => "RESULT_UPLOAD_FAILED",
            ResultUploaded => "RESULT_UPLOADED",
            ContributeAndFinalizeOngoing => "CONTRIBUTE_AND_FINALIZE_ONGOING",
            ContributeAndFinalizeFailed => "CONTRIBUTE_AND_FINALIZE_FAILED",
            ContributeAndFinalizeDone => "CONTRIBUTE_AND_FINALIZE_DONE",
            Completing => "COMPLETING",
            CompleteFailed => "COMPLETE_FAILED",
            Completed => "COMPLETED",
            Failed => "FAILED",
            Aborted => "ABORTED",
            Recovering => "RECOVERING",
            WorkerLost => "WORKER_LOST",
        }
    }

    /// A step that failed (iExec's failure statuses).
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            StartFailed
                | AppDownloadFailed
                | DataDownloadFailed
                | ComputeFailed
                | ContributeFailed
                | RevealFailed
                | ResultUploadRequestFailed
                | ResultUploadFailed
                | ContributeAndFinalizeFailed
                | CompleteFailed
                | Failed
        )
    }

    /// The replicate is over: COMPLETED or FAILED.
    pub fn is_final(self) -> bool {
        matches!(self, Completed | Failed)
    }

    /// The worker has already contributed (or contributed and finalized) on-chain, so the
    /// scheduler must not hand the task's authorization to someone else in its place.
    pub fn has_contributed(self) -> bool {
        matches!(
            self,
            Contributed
                | Revealing
                | RevealFailed
                | Revealed
                | ResultUploadRequested
                | ResultUploadRequestFailed
                | ResultUploading
                | ResultUploadFailed
                | ResultUploaded
                | ContributeAndFinalizeDone
                | Completing
                | CompleteFailed
                | Completed
        )
    }
}

impl fmt::Display for ReplicateStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_are_screaming_snake_and_match_as_str() {
        for status in ReplicateStatus::ALL {
            let json = serde_json::to_string(&status).expect("serializable");
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert_eq!(
                serde_json::from_str::<ReplicateStatus>(&json).expect("round trip"),
                status
            );
        }
        assert_eq!(
            ContributeAndFinalizeOngoing.to_string(),
            "CONTRIBUTE_AND_FINALIZE_ONGOING"
        );
        assert!(serde_json::from_str::<ReplicateStatus>("\"RUNNING\"").is_err());
    }

    #[test]
    fn all_lists_each_status_once() {
        let mut names: Vec<&str> = ReplicateStatus::ALL.iter().map(|s| s.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ReplicateStatus::ALL.len());
    }

    #[test]
    fn classification() {
        assert!(AppDownloadFailed.is_failure() && !AppDownloaded.is_failure());
        assert!(Completed.is_final() && Failed.is_final() && !WorkerLost.is_final());
        assert!(Revealed.has_contributed() && !Computed.has_contributed());
        assert!(!(Aborted.is_failure() || Aborted.is_final()));
    }
}

//! The named values of the scheduler API (notification types, abort causes, status causes,
//! modifiers, iExec core's task statuses): each written on the wire as its SCREAMING_SNAKE
//! name, parsed back with [`std::str::FromStr`] (for database columns) or serde.

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;

/// A name that is not one of an enum's values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownName {
    /// Which enum was parsed (`TaskNotificationType`, ...).
    pub kind: &'static str,
    /// The text given.
    pub value: String,
}

/// Declares an enum whose variants are written as the given names. With `fallback`, names not
/// in the list read as that variant (iExec adds causes over time; an old reader must not
/// reject a newer writer's status update).
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident $(fallback $fallback:ident)? {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// The value read for a name that is not in the list, if any.
            const FALLBACK: Option<$name> = {
                let all = [None $(, Some($name::$fallback))?];
                all[all.len() - 1]
            };
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownName;

            /// Exact names only (no fallback): for values this program wrote itself.
            fn from_str(s: &str) -> Result<Self, UnknownName> {
                match s {
                    $($text => Ok($name::$variant),)*
                    _ => Err(UnknownName { kind: stringify!($name), value: s.to_string() }),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
                match text.parse::<$name>() {
                    Ok(value) => Ok(value),
                    Err(e) => $name::FALLBACK.ok_or_else(|| de::Error::custom(e)),
                }
            }
        }
    };
}

named_enum! {
    /// What the scheduler tells a worker to do next about one replicate: the answer to a status
    /// update and the content of `/replicates/interrupted` (iExec's `TaskNotificationType`).
    pub enum TaskNotificationType {
        /// Go on with the local steps (start, download, compute) unasked.
        PleaseContinue = "PLEASE_CONTINUE",
        /// Nothing to do now; ask again later.
        PleaseWait = "PLEASE_WAIT",
        /// Start the replicate (recovery).
        PleaseStart = "PLEASE_START",
        /// Download the app image (recovery).
        PleaseDownloadApp = "PLEASE_DOWNLOAD_APP",
        /// Download the dataset and input files (recovery).
        PleaseDownloadData = "PLEASE_DOWNLOAD_DATA",
        /// Run the app (recovery).
        PleaseCompute = "PLEASE_COMPUTE",
        /// Send `contribute` (trust > 1).
        PleaseContribute = "PLEASE_CONTRIBUTE",
        /// Send `reveal`: the worker's hash is the consensus.
        PleaseReveal = "PLEASE_REVEAL",
        /// Upload the result: this worker was chosen.
        PleaseUpload = "PLEASE_UPLOAD",
        /// Trust 1: upload, then send `contributeAndFinalize`.
        PleaseContributeAndFinalize = "PLEASE_CONTRIBUTE_AND_FINALIZE",
        /// The task is completed: clean up and report COMPLETED.
        PleaseComplete = "PLEASE_COMPLETE",
        /// Stop working on the replicate (see the abort cause), clean up, report ABORTED.
        PleaseAbort = "PLEASE_ABORT",
    }
}

named_enum! {
    /// Why the scheduler asks a worker to abort (iExec's `TaskAbortCause`).
    pub enum TaskAbortCause fallback Unknown {
        /// Consensus was reached without this worker: contributing would revert.
        ConsensusReached = "CONSENSUS_REACHED",
        /// The contribution deadline passed before the worker contributed.
        ContributionTimeout = "CONTRIBUTION_TIMEOUT",
        /// Nobody revealed in time and the task was reopened: this contribution was rejected.
        RevealTimeout = "REVEAL_TIMEOUT",
        /// The worker's hash is not the consensus: its stake is seized at finalize.
        NotInConsensus = "NOT_IN_CONSENSUS",
        /// The worker was declared lost before it contributed; others took the task.
        WorkerLost = "WORKER_LOST",
        /// The task failed or was claimed.
        TaskFailed = "TASK_FAILED",
        /// Any other reason (also every name this version does not know).
        Unknown = "UNKNOWN",
    }
}

named_enum! {
    /// Why a replicate step failed or ended, reported by the worker in
    /// `details.cause` (iExec's `ReplicateStatusCause` names, plus Poco's own where iExec has
    /// none). Also the `CAUSE` word of an `error.txt` line.
    pub enum ReplicateStatusCause fallback Unknown {
        /// An input file could not be downloaded.
        InputFilesDownloadFailed = "INPUT_FILES_DOWNLOAD_FAILED",
        /// The dataset could not be downloaded.
        DatasetFileDownloadFailed = "DATASET_FILE_DOWNLOAD_FAILED",
        /// The dataset's sha256 differs from its on-chain checksum.
        DatasetFileBadChecksum = "DATASET_FILE_BAD_CHECKSUM",
        /// The app image could not be found or pulled.
        AppImageDownloadFailed = "APP_IMAGE_DOWNLOAD_FAILED",
        /// The app image's digest differs from its on-chain checksum (Poco).
        AppImageBadChecksum = "APP_IMAGE_BAD_CHECKSUM",
        /// The app exited with a non-zero code.
        AppComputeFailed = "APP_COMPUTE_FAILED",
        /// The app ran longer than the category's maximum time and was stopped.
        AppComputeTimeout = "APP_COMPUTE_TIMEOUT",
        /// The app wrote no valid `/iexec_out/computed.json` (Poco).
        ComputedFileNotFound = "COMPUTED_FILE_NOT_FOUND",
        /// The task is not ACTIVE on-chain.
        TaskNotActive = "TASK_NOT_ACTIVE",
        /// The contribution deadline passed.
        ContributionTimeout = "CONTRIBUTION_TIMEOUT",
        /// Consensus was reached without this worker.
        ConsensusReached = "CONSENSUS_REACHED",
        /// Nobody revealed in time: the task was reopened.
        RevealTimeout = "REVEAL_TIMEOUT",
        /// The worker's stake is below the deal's worker stake.
        StakeTooLow = "STAKE_TOO_LOW",
        /// The deal's tag asks for something this worker cannot do (TEE, GPU) (Poco).
        UnsupportedTag = "UNSUPPORTED_TAG",
        /// The deal's params ask for something not supported (another result storage, result
        /// encryption) (Poco).
        UnsupportedParams = "UNSUPPORTED_PARAMS",
        /// A transaction's receipt is missing or shows a failure.
        ChainReceiptNotValid = "CHAIN_RECEIPT_NOT_VALID",
        /// The result could not be uploaded to the result storage (Poco).
        ResultUploadFailed = "RESULT_UPLOAD_FAILED",
        /// The worker gave the replicate up by itself (stop, restart).
        AbortedByWorker = "ABORTED_BY_WORKER",
        /// Any other reason (also every name this version does not know).
        Unknown = "UNKNOWN",
    }
}

impl From<TaskAbortCause> for ReplicateStatusCause {
    /// The cause a worker reports when it aborts on the scheduler's order.
    fn from(cause: TaskAbortCause) -> Self {
        match cause {
            TaskAbortCause::ConsensusReached => ReplicateStatusCause::ConsensusReached,
            TaskAbortCause::ContributionTimeout => ReplicateStatusCause::ContributionTimeout,
            TaskAbortCause::RevealTimeout => ReplicateStatusCause::RevealTimeout,
            TaskAbortCause::TaskFailed => ReplicateStatusCause::TaskNotActive,
            TaskAbortCause::NotInConsensus
            | TaskAbortCause::WorkerLost
            | TaskAbortCause::Unknown => ReplicateStatusCause::Unknown,
        }
    }
}

named_enum! {
    /// Who set a replicate status (iExec's `ReplicateStatusModifier`).
    pub enum ReplicateStatusModifier {
        /// The worker reported it.
        Worker = "WORKER",
        /// The scheduler set it (CREATED, RESULT_UPLOAD_REQUESTED, WORKER_LOST).
        PoolManager = "POOL_MANAGER",
    }
}

impl Default for ReplicateStatusModifier {
    /// Workers send their updates without a modifier in older iExec versions.
    fn default() -> Self {
        ReplicateStatusModifier::Worker
    }
}

named_enum! {
    /// The scheduler's off-chain task status (iExec core's `TaskStatus` names, design §2.3).
    pub enum CoreTaskStatus {
        /// The deal was seen; the task is not initialized yet.
        Received = "RECEIVED",
        /// `initialize` was sent.
        Initializing = "INITIALIZING",
        /// The task is ACTIVE on-chain; no replicate yet.
        Initialized = "INITIALIZED",
        /// `initialize` failed.
        InitializeFailed = "INITIALIZE_FAILED",
        /// Replicates are running.
        Running = "RUNNING",
        /// The contribution deadline passed without consensus.
        ContributionTimeout = "CONTRIBUTION_TIMEOUT",
        /// Consensus reached: the task is REVEALING on-chain.
        ConsensusReached = "CONSENSUS_REACHED",
        /// `reopen` was sent.
        Reopening = "REOPENING",
        /// The task was reopened.
        Reopened = "REOPENED",
        /// `reopen` failed.
        ReopenFailed = "REOPEN_FAILED",
        /// At least one winner revealed.
        AtLeastOneRevealed = "AT_LEAST_ONE_REVEALED",
        /// A revealed winner was asked to upload the result.
        ResultUploadRequested = "RESULT_UPLOAD_REQUESTED",
        /// The upload request timed out.
        ResultUploadRequestTimeout = "RESULT_UPLOAD_REQUEST_TIMEOUT",
        /// The uploader is uploading.
        ResultUploading = "RESULT_UPLOADING",
        /// The result is stored.
        ResultUploaded = "RESULT_UPLOADED",
        /// No revealed winner could upload.
        ResultUploadTimeout = "RESULT_UPLOAD_TIMEOUT",
        /// `finalize` was sent.
        Finalizing = "FINALIZING",
        /// `finalize` was mined.
        Finalized = "FINALIZED",
        /// `finalize` failed.
        FinalizeFailed = "FINALIZE_FAILED",
        /// The final deadline passed: the task will be claimed.
        FinalDeadlineReached = "FINAL_DEADLINE_REACHED",
        /// The task is COMPLETED on-chain.
        Completed = "COMPLETED",
        /// The task failed (claimed, or never completed).
        Failed = "FAILED",
    }
}

impl CoreTaskStatus {
    /// COMPLETED or FAILED: nothing more happens to the task.
    pub fn is_final(self) -> bool {
        matches!(self, CoreTaskStatus::Completed | CoreTaskStatus::Failed)
    }
}

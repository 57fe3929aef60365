//! The JSON the scheduler and its workers (and the CLI's `task debug`) exchange: iExec core's
//! shapes (design §2.1), camelCase, dates in epoch milliseconds, addresses EIP-55 out and any
//! case in, task and deal ids `0x` + 64 lowercase hex.
//!
//! Reading is lenient where iExec's Java services are (unknown fields ignored, absent optional
//! fields, unknown causes read as `UNKNOWN`); writing is exact.
//!
//! ```
//! use poco_types::core::{ReplicateStatusUpdate, ReplicateStatusDetails, ReplicateStatusCause};
//! use poco_types::ReplicateStatus;
//!
//! let update = ReplicateStatusUpdate::worker(ReplicateStatus::Computed, 1_700_000_000_000)
//!     .with_details(ReplicateStatusDetails {
//!         exit_code: Some(3),
//!         cause: Some(ReplicateStatusCause::AppComputeFailed),
//!         ..Default::default()
//!     });
//! let json = serde_json::to_string(&update).unwrap();
//! assert_eq!(
//!     json,
//!     r#"{"status":"COMPUTED","modifier":"WORKER","date":1700000000000,"details":{"cause":"APP_COMPUTE_FAILED","exitCode":3}}"#
//! );
//! ```

mod names;
mod task;
#[cfg(test)]
mod tests;
mod update;
pub mod wire;

pub use names::{
    CoreTaskStatus, ReplicateStatusCause, ReplicateStatusModifier, TaskAbortCause,
    TaskNotificationType, UnknownName,
};
pub use task::{ReplicateModel, TaskModel, TaskStatusChange};
pub use update::{
    ChainReceipt, ComputeLogs, ReplicateStatusDetails, ReplicateStatusUpdate, TaskLogsModel,
};

use crate::{WorkerpoolAuthorization, serde_helpers};
use alloy_primitives::{Address, B256, Bytes, keccak256};
use serde::{Deserialize, Serialize};

/// `GET /workers/config`: what a worker needs to know about the pool (durations in ms).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicConfiguration {
    /// The chain the pool works on; a worker refuses a scheduler of another chain.
    pub chain_id: u64,
    /// The hub (diamond proxy) address; a worker refuses a scheduler of another hub.
    #[serde(with = "serde_helpers::address")]
    pub hub: Address,
    /// The workerpool the scheduler manages.
    #[serde(with = "serde_helpers::address")]
    pub worker_pool_address: Address,
    /// The pool owner's wallet, which signs the workerpool authorizations.
    #[serde(with = "serde_helpers::address")]
    pub scheduler_public_address: Address,
    /// Where workers upload results (`poco results`).
    #[serde(rename = "resultRepositoryURL")]
    pub result_repository_url: String,
    /// The IPFS gateway workers download `/ipfs/...` datasets from.
    #[serde(rename = "ipfsGatewayURL", default)]
    pub ipfs_gateway_url: String,
    /// How often an idle worker asks for a replicate.
    pub ask_for_replicate_period: u64,
    /// How often a worker pings.
    #[serde(default)]
    pub ping_period: u64,
    /// After how long without a ping a worker is declared lost.
    #[serde(default)]
    pub worker_lost_after: u64,
    /// The worker version the scheduler requires; empty: any.
    #[serde(default, deserialize_with = "wire::null_as_empty")]
    pub required_worker_version: String,
}

impl PublicConfiguration {
    /// The text `POST /workers/ping` answers: `0x` + keccak256 of this configuration's
    /// compact JSON. When it changes, the worker reloads the configuration.
    pub fn hash(&self) -> String {
        let json = serde_json::to_vec(self).expect("plain struct serializes");
        keccak256(json).to_string()
    }
}

/// `POST /workers/register`: a worker's description, as iExec core's `WorkerModel`. The
/// scheduler answers the stored worker with `lastAliveDate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerModel {
    /// A name for people (logs, `task debug`).
    pub name: String,
    /// The worker's wallet (the scheduler overwrites it with the token's wallet).
    #[serde(with = "serde_helpers::address")]
    pub wallet_address: Address,
    /// Operating system, e.g. `linux`.
    #[serde(default)]
    pub os: String,
    /// CPU model or architecture, e.g. `x86_64`.
    #[serde(default)]
    pub cpu: String,
    /// Number of CPUs.
    pub cpu_nb: u32,
    /// How many replicates it computes at once (Poco; iExec: `cpuNb`). Absent: `cpuNb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_nb_tasks: Option<u32>,
    /// Memory in MiB.
    pub memory_size: u64,
    /// Whether it can run GPU apps.
    #[serde(default)]
    pub gpu_enabled: bool,
    /// Whether it can run TEE apps.
    #[serde(default)]
    pub tee_enabled: bool,
    /// When the scheduler last heard from it (ms); only in the scheduler's answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_alive_date: Option<u64>,
}

impl WorkerModel {
    /// `maxNbTasks`, or `cpuNb` when absent (at least 1).
    pub fn max_tasks(&self) -> u32 {
        self.max_nb_tasks.unwrap_or(self.cpu_nb).max(1)
    }
}

/// `POST /workers/login` body: iExec's `Signature` object `{"value": "0x<65 bytes>"}`, the
/// EIP-191 signature of keccak256 of the challenge's 32 bytes (see
/// [`crate::challenge::login_message`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginSignature {
    /// r ‖ s ‖ v.
    pub value: Bytes,
}

/// `GET /replicates/available` (200): a replicate for the worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicateTaskSummary {
    /// The pool owner's permission to contribute to the task.
    pub workerpool_authorization: WorkerpoolAuthorization,
    /// The SMS for TEE tasks; always null in Poco (no TEE yet).
    #[serde(default)]
    pub sms_url: Option<String>,
}

/// What comes with a notification (iExec's `TaskNotificationExtra`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskNotificationExtra {
    /// The authorization again (PLEASE_CONTRIBUTE, PLEASE_CONTRIBUTE_AND_FINALIZE, recovery).
    #[serde(default)]
    pub workerpool_authorization: Option<WorkerpoolAuthorization>,
    /// The SMS for TEE tasks; null in Poco.
    #[serde(default)]
    pub sms_url: Option<String>,
    /// The block from which the notification holds (0: any).
    #[serde(default)]
    pub block_number: u64,
    /// Why to abort, with PLEASE_ABORT.
    #[serde(default)]
    pub task_abort_cause: Option<TaskAbortCause>,
}

/// One entry of `GET /replicates/interrupted` (iExec's `TaskNotification`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskNotification {
    /// The task.
    pub chain_task_id: B256,
    /// The workers it is meant for.
    #[serde(with = "wire::address_list", default)]
    pub workers_address: Vec<Address>,
    /// What to do.
    pub task_notification_type: TaskNotificationType,
    /// Authorization, block and abort cause.
    #[serde(default)]
    pub task_notification_extra: TaskNotificationExtra,
}

impl TaskNotification {
    /// The abort cause, `UNKNOWN` when the sender gave none (as iExec).
    pub fn abort_cause(&self) -> TaskAbortCause {
        self.task_notification_extra
            .task_abort_cause
            .unwrap_or(TaskAbortCause::Unknown)
    }
}

/// `GET /{chainId}/workerpools/{address}`: iExec Compass's answer, where a pool's API is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerpoolApi {
    /// The scheduler's public URL.
    pub api_url: String,
}

//! `GET /tasks/{taskId}`: the scheduler's public view of a task and its replicates, read by
//! `poco task debug`, `poco app run --watch` and the iExec SDK's `task debug`.

use super::names::CoreTaskStatus;
use super::update::ReplicateStatusUpdate;
use super::wire;
use crate::{replicate::ReplicateStatus, serde_helpers};
use alloy_primitives::{Address, B256};
use serde::{Deserialize, Serialize};

/// One step of a task's history (iExec's `TaskStatusChange`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskStatusChange {
    /// The status entered.
    pub status: CoreTaskStatus,
    /// When, in epoch ms.
    pub date: u64,
}

/// One worker's copy of the task, as the scheduler shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicateModel {
    /// The worker.
    #[serde(with = "serde_helpers::address")]
    pub wallet_address: Address,
    /// Its latest status.
    pub current_status: ReplicateStatus,
    /// Every status it went through, oldest first.
    #[serde(default)]
    pub status_update_list: Vec<ReplicateStatusUpdate>,
    /// Its on-chain contribution hash, once contributed.
    #[serde(default)]
    pub contribution_hash: Option<B256>,
    /// The result link it uploaded, if any.
    #[serde(default)]
    pub result_link: Option<String>,
    /// The app's exit code on this worker, once computed.
    #[serde(default)]
    pub app_exit_code: Option<i64>,
}

/// A task as the scheduler sees it (iExec core's `TaskModel`, with Poco's `dealId` and
/// `taskIndex`). Deadlines are epoch ms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskModel {
    /// The task id.
    pub chain_task_id: B256,
    /// Its deal.
    pub deal_id: B256,
    /// Its index in the deal.
    pub task_index: u64,
    /// The deal's trust.
    pub trust: u64,
    /// The scheduler's status.
    pub current_status: CoreTaskStatus,
    /// Every status it went through, oldest first.
    #[serde(default)]
    pub date_status_list: Vec<TaskStatusChange>,
    /// The consensus hash, once reached.
    #[serde(default)]
    pub consensus: Option<B256>,
    /// The worker chosen to upload the result.
    #[serde(with = "wire::option_address", default)]
    pub uploading_worker_wallet_address: Option<Address>,
    /// The result link, once uploaded.
    #[serde(default)]
    pub result_link: Option<String>,
    /// Contribution deadline (ms), once initialized.
    #[serde(default)]
    pub contribution_deadline: Option<u64>,
    /// Reveal deadline (ms), once consensus is reached.
    #[serde(default)]
    pub reveal_deadline: Option<u64>,
    /// Final deadline (ms), once initialized.
    #[serde(default)]
    pub final_deadline: Option<u64>,
    /// Its replicates.
    #[serde(default)]
    pub replicates: Vec<ReplicateModel>,
}

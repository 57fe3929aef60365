//! Status updates a worker sends (`POST /replicates/{taskId}/updateStatus`) and the compute
//! logs they carry.

use super::names::{ReplicateStatusCause, ReplicateStatusModifier};
use super::wire;
use crate::replicate::ReplicateStatus;
use alloy_primitives::{Address, B256, Bytes};
use serde::{Deserialize, Serialize};

/// A mined transaction a status refers to (iExec's `ChainReceipt`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainReceipt {
    /// The block it was mined in.
    #[serde(default)]
    pub block_number: u64,
    /// The transaction hash.
    #[serde(default)]
    pub tx_hash: Option<B256>,
}

/// An app's output streams (iExec's `ComputeLogs`), capped by the scheduler at 64 KiB each.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComputeLogs {
    /// The worker that ran the app (the scheduler sets it from the token).
    #[serde(with = "wire::option_address", default)]
    pub wallet_address: Option<Address>,
    /// Standard output.
    #[serde(default)]
    pub stdout: String,
    /// Standard error.
    #[serde(default)]
    pub stderr: String,
}

/// `GET /tasks/{taskId}/logs`: every replicate's logs (iExec's `TaskLogsModel`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskLogsModel {
    /// One entry per worker that sent logs.
    #[serde(default)]
    pub compute_logs_list: Vec<ComputeLogs>,
}

/// What a status update carries besides the status (iExec's `ReplicateStatusDetails`). Absent
/// fields are not written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicateStatusDetails {
    /// The transaction of CONTRIBUTED, REVEALED, CONTRIBUTE_AND_FINALIZE_DONE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_receipt: Option<ChainReceipt>,
    /// The result link (`{"storage":"ipfs","location":"/ipfs/<cid>"}`) of RESULT_UPLOADED and
    /// CONTRIBUTE_AND_FINALIZE_DONE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_link: Option<String>,
    /// The callback data (`0x` hex) of a callback deal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_callback_data: Option<Bytes>,
    /// A message for people about a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// Why the step failed or ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<ReplicateStatusCause>,
    /// The app's logs, with COMPUTED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_logs: Option<ComputeLogs>,
    /// The app's exit code, with COMPUTED (absent when it never ran or was killed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
}

impl ReplicateStatusDetails {
    /// Details with only a cause.
    pub fn cause(cause: ReplicateStatusCause) -> Self {
        ReplicateStatusDetails {
            cause: Some(cause),
            ..Default::default()
        }
    }

    /// Details with only a receipt.
    pub fn receipt(block_number: u64, tx_hash: B256) -> Self {
        ReplicateStatusDetails {
            chain_receipt: Some(ChainReceipt {
                block_number,
                tx_hash: Some(tx_hash),
            }),
            ..Default::default()
        }
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == ReplicateStatusDetails::default()
    }
}

/// One status step of a replicate (iExec's `ReplicateStatusUpdate`): the body of
/// `updateStatus` and an entry of a replicate's `statusUpdateList`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicateStatusUpdate {
    /// The new status.
    pub status: ReplicateStatus,
    /// Who set it (workers always send WORKER).
    #[serde(default)]
    pub modifier: ReplicateStatusModifier,
    /// When, in epoch ms (the scheduler stores its own reception time).
    #[serde(default)]
    pub date: u64,
    /// What comes with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<ReplicateStatusDetails>,
}

impl ReplicateStatusUpdate {
    /// A worker's update, without details.
    pub fn worker(status: ReplicateStatus, date_ms: u64) -> Self {
        ReplicateStatusUpdate {
            status,
            modifier: ReplicateStatusModifier::Worker,
            date: date_ms,
            details: None,
        }
    }

    /// A status set by the scheduler.
    pub fn pool_manager(status: ReplicateStatus, date_ms: u64) -> Self {
        ReplicateStatusUpdate {
            modifier: ReplicateStatusModifier::PoolManager,
            ..ReplicateStatusUpdate::worker(status, date_ms)
        }
    }

    /// The same update with these details (empty details are dropped).
    pub fn with_details(mut self, details: ReplicateStatusDetails) -> Self {
        self.details = (!details.is_empty()).then_some(details);
        self
    }

    /// The update's cause, if any.
    pub fn cause(&self) -> Option<ReplicateStatusCause> {
        self.details.as_ref().and_then(|d| d.cause)
    }
}

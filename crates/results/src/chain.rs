//! What the upload rules read from the hub: the task (`viewTask`), its deal (`viewDeal`: the
//! snapshotted pool owner, trust, tag, callback) and the uploader's contribution
//! (`viewContribution`), all at one block.

use crate::error::Result;
use alloy_primitives::{Address, B256, Bytes};
use poco_client::{Client, ClientError};
use poco_contracts::alloy::{eips::BlockId, providers::Provider};
use poco_types::{ContributionStatus, Tag, TaskStatus};

/// A task as the rules need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskFacts {
    /// The task.
    pub task_id: B256,
    /// Its status (UNSET for no task at all).
    pub status: TaskStatus,
    /// Its deal (zero when UNSET).
    pub deal_id: B256,
    /// The deal's trust (0 reads as 1, as the hub treats it).
    pub trust: u64,
    /// The deal's pool owner, snapshotted at the match.
    pub pool_owner: Address,
    /// The deal's tag.
    pub tag: Tag,
    /// The deal's callback contract (zero: none).
    pub callback: Address,
    /// The workers who contributed.
    pub contributors: Vec<Address>,
    /// The consensus hash (REVEALING and after).
    pub consensus: B256,
    /// The revealed digest (after the first reveal, or the trust-1 finalize).
    pub result_digest: B256,
    /// The `results` bytes of a completed task.
    pub results: Bytes,
    /// The final deadline (chain seconds).
    pub final_deadline: u64,
    /// The asking worker's contribution: its status and hash.
    pub contribution: Option<(ContributionStatus, B256)>,
}

/// A node error as a [`ClientError::Rpc`].
fn rpc(what: &str, error: impl std::fmt::Display) -> ClientError {
    ClientError::Rpc {
        what: what.to_owned(),
        cause: error.to_string(),
    }
}

/// A chain number as u64 (saturating).
fn to_u64(value: alloy_primitives::U256) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

/// Reads task `task_id` with its deal and, when `worker` is given, that worker's contribution.
pub async fn read(client: &Client, task_id: B256, worker: Option<Address>) -> Result<TaskFacts> {
    let block = client
        .provider()
        .get_block_number()
        .await
        .map_err(|e| rpc("read the newest block number", e))?;
    let at = BlockId::number(block);
    let hub = client.hub();
    let task = hub
        .viewTask(task_id)
        .block(at)
        .call()
        .await
        .map_err(|e| rpc("read the task", e))?;
    let status = TaskStatus::try_from(task.status).map_err(ClientError::from)?;
    let mut facts = TaskFacts {
        task_id,
        status,
        deal_id: task.dealid,
        trust: 1,
        pool_owner: Address::ZERO,
        tag: Tag::NONE,
        callback: Address::ZERO,
        contributors: task.contributors.clone(),
        consensus: task.consensusValue,
        result_digest: task.resultDigest,
        results: task.results.clone(),
        final_deadline: to_u64(task.finalDeadline),
        contribution: None,
    };
    if task.dealid == B256::ZERO {
        return Ok(facts);
    }
    let deal = hub
        .viewDeal(task.dealid)
        .block(at)
        .call()
        .await
        .map_err(|e| rpc("read the task's deal", e))?;
    facts.trust = to_u64(deal.trust).max(1);
    facts.pool_owner = deal.workerpool.owner;
    facts.tag = Tag(deal.tag);
    facts.callback = deal.callback;
    if let Some(worker) = worker {
        let c = hub
            .viewContribution(task_id, worker)
            .block(at)
            .call()
            .await
            .map_err(|e| rpc("read the worker's contribution", e))?;
        let status = ContributionStatus::try_from(c.status).map_err(ClientError::from)?;
        facts.contribution = Some((status, c.resultHash));
    }
    Ok(facts)
}

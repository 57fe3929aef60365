//! The worker's on-chain side (design §3.6): `contribute`, `reveal` and `contributeAndFinalize`
//! through the worker's one [`TxQueue`] (simulated first: a revert costs nothing and comes back
//! explained), and the reads that decide whether to send them.

use crate::error::{Result, WorkerError};
use alloy_primitives::{Address, B256, Bytes, U256};
use poco_client::{Client, Tx};
use poco_service::TxQueue;
use poco_types::{ContributionStatus, TaskStatus};

/// A mined transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// Its block.
    pub block_number: u64,
    /// Its hash.
    pub tx_hash: B256,
}

/// What the chain says about a task and this worker's contribution to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskState {
    /// The task's status.
    pub status: TaskStatus,
    /// The consensus hash (zero before the consensus).
    pub consensus: B256,
    /// Contributions are accepted until then.
    pub contribution_deadline: u64,
    /// Reveals are accepted until then.
    pub reveal_deadline: u64,
    /// How many workers contributed.
    pub contributors: usize,
    /// This worker's contribution status.
    pub contribution: ContributionStatus,
    /// This worker's contribution hash.
    pub contribution_hash: B256,
    /// The worker's free stake.
    pub stake: U256,
    /// The chain's now.
    pub now: u64,
}

/// Reads `task` and `worker`'s contribution to it.
pub async fn task_state(client: &Client, task: B256, worker: Address) -> Result<TaskState> {
    let hub = client.hub();
    let view = hub
        .viewTask(task)
        .call()
        .await
        .map_err(|e| WorkerError::chain("the task", e))?;
    let contribution = hub
        .viewContribution(task, worker)
        .call()
        .await
        .map_err(|e| WorkerError::chain("the contribution", e))?;
    let account = hub
        .viewAccount(worker)
        .call()
        .await
        .map_err(|e| WorkerError::chain("the stake", e))?;
    let now = poco_client::deals::chain_now(client).await?;
    let number = |value: U256| u64::try_from(value).unwrap_or(u64::MAX);
    Ok(TaskState {
        status: TaskStatus::try_from(view.status).unwrap_or(TaskStatus::Unset),
        consensus: view.consensusValue,
        contribution_deadline: number(view.contributionDeadline),
        reveal_deadline: number(view.revealDeadline),
        contributors: view.contributors.len(),
        contribution: ContributionStatus::try_from(contribution.status)
            .unwrap_or(ContributionStatus::Unset),
        contribution_hash: contribution.resultHash,
        stake: account.stake,
        now,
    })
}

/// `contribute(task, hash, seal, 0x0, 0x, authorization)`.
pub async fn contribute(
    queue: &TxQueue,
    task: B256,
    hash: B256,
    seal: B256,
    authorization: Bytes,
) -> Result<Receipt> {
    let hub = queue.client().hub();
    let request = hub
        .contribute(task, hash, seal, Address::ZERO, Bytes::new(), authorization)
        .into_transaction_request();
    send(
        queue,
        Tx::new(format!("contribute to task {task}"), request),
    )
    .await
}

/// `reveal(task, digest)`.
pub async fn reveal(queue: &TxQueue, task: B256, digest: B256) -> Result<Receipt> {
    let hub = queue.client().hub();
    let request = hub.reveal(task, digest).into_transaction_request();
    send(queue, Tx::new(format!("reveal task {task}"), request)).await
}

/// `contributeAndFinalize(task, digest, link, callback, 0x0, 0x, authorization)` (trust 1).
pub async fn contribute_and_finalize(
    queue: &TxQueue,
    task: B256,
    digest: B256,
    link: Bytes,
    callback: Bytes,
    authorization: Bytes,
) -> Result<Receipt> {
    let hub = queue.client().hub();
    let request = hub
        .contributeAndFinalize(
            task,
            digest,
            link,
            callback,
            Address::ZERO,
            Bytes::new(),
            authorization,
        )
        .into_transaction_request();
    send(
        queue,
        Tx::new(format!("contribute and finalize task {task}"), request),
    )
    .await
}

async fn send(queue: &TxQueue, tx: Tx<'static>) -> Result<Receipt> {
    let what = tx.what().to_owned();
    let receipt = queue.send(tx).await.map_err(|e| WorkerError::Transaction {
        what: what.clone(),
        revert: e.is_revert(),
        cause: e.to_string(),
    })?;
    if !receipt.status() {
        return Err(WorkerError::Transaction {
            what,
            revert: true,
            cause: "it was mined but failed".into(),
        });
    }
    Ok(Receipt {
        block_number: receipt.block_number.unwrap_or_default(),
        tx_hash: receipt.transaction_hash,
    })
}

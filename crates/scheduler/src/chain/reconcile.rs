//! Reading a task from the chain into the database: `viewTask` and each contributor's
//! `viewContribution`, all at one block, written only if no newer read is stored. Events only
//! wake tasks up; this is how the scheduler learns what happened. After a finalize, the
//! contributors' scores are read again (they weigh their next contributions).

use crate::{
    engine::Shared,
    error::Result,
    store::{ChainMirror, ContributionEntry},
};
use alloy_primitives::{Address, B256, Bytes};
use poco_client::ClientError;
use poco_contracts::alloy::{eips::BlockId, providers::Provider};
use poco_types::{ContributionStatus, TaskStatus};

/// What one read found.
#[derive(Clone, Debug)]
pub struct TaskRead {
    /// The block read at.
    pub block: u64,
    /// The task's view.
    pub mirror: ChainMirror,
    /// The results finalize stored (the result link), once COMPLETED.
    pub results: Bytes,
    /// The callback data finalize stored, once COMPLETED.
    pub results_callback: Bytes,
}

fn rpc(what: &str, e: impl std::fmt::Display) -> ClientError {
    ClientError::Rpc {
        what: what.to_owned(),
        cause: e.to_string(),
    }
}

/// A `U256` chain number as seconds (or a counter).
fn small(value: alloy_primitives::U256) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

/// Reads task `task_id` (and its contributions) at the newest block.
pub async fn read_task(shared: &Shared, task_id: B256) -> Result<TaskRead> {
    let client = shared.client();
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
        .map_err(|e| rpc("read a task", e))?;
    let status = TaskStatus::try_from(task.status).map_err(ClientError::from)?;
    let mut contributions = Vec::with_capacity(task.contributors.len());
    for worker in &task.contributors {
        let c = hub
            .viewContribution(task_id, *worker)
            .block(at)
            .call()
            .await
            .map_err(|e| rpc("read a contribution", e))?;
        contributions.push(ContributionEntry {
            worker: *worker,
            hash: c.resultHash,
            status: ContributionStatus::try_from(c.status).map_err(ClientError::from)?,
        });
    }
    Ok(TaskRead {
        block,
        mirror: ChainMirror {
            status,
            consensus: task.consensusValue,
            reveal_deadline: small(task.revealDeadline),
            reveal_counter: small(task.revealCounter),
            winner_counter: small(task.winnerCounter),
            result_digest: task.resultDigest,
            contributions,
        },
        results: task.results,
        results_callback: task.resultsCallback,
    })
}

/// Reads task `task_id` from the chain and stores what it says (unless a newer read is
/// stored); returns whether anything was written. Its replicates' contribution columns follow.
pub async fn reconcile(shared: &Shared, task_id: B256) -> Result<bool> {
    let Some(before) = shared.store.task(task_id).await? else {
        return Ok(false);
    };
    let read = read_task(shared, task_id).await?;
    if !shared
        .store
        .set_task_chain(task_id, &read.mirror, read.block)
        .await?
    {
        return Ok(false);
    }
    for replicate in shared.store.replicates_of_task(task_id).await? {
        let (status, hash) = read
            .mirror
            .contributions
            .iter()
            .find(|c| c.worker == replicate.worker)
            .map_or((ContributionStatus::Unset, B256::ZERO), |c| {
                (c.status, c.hash)
            });
        if status != replicate.chain_contribution || hash != replicate.contribution_hash {
            shared
                .store
                .set_contribution(task_id, replicate.worker, status, hash)
                .await?;
        }
    }
    if read.mirror.status == TaskStatus::Completed && before.result_link.is_empty() {
        // The trust-1 path finalizes without the scheduler: show its result too.
        let link = String::from_utf8_lossy(&read.results).into_owned();
        let callback = if read.results_callback.is_empty() {
            String::new()
        } else {
            read.results_callback.to_string()
        };
        shared.store.set_result(task_id, &link, &callback).await?;
    }
    let finished = read.mirror.status.is_final() && !before.chain.status.is_final();
    if finished {
        let workers: Vec<Address> = read.mirror.contributions.iter().map(|c| c.worker).collect();
        refresh_scores(shared, &workers).await;
    }
    if before.chain != read.mirror {
        shared.bump();
    }
    Ok(true)
}

/// Reads the scores of `workers` that are registered, and stores them.
pub async fn refresh_scores(shared: &Shared, workers: &[Address]) {
    for &worker in workers {
        match score(shared, worker).await {
            Ok(score) => {
                if let Err(e) = shared.store.set_worker_score(worker, score).await {
                    tracing::warn!("scheduler: cannot store the score of {worker}: {e}");
                }
            }
            Err(e) => tracing::warn!("scheduler: cannot read the score of {worker}: {e}"),
        }
    }
}

/// A worker's score on the hub.
pub async fn score(shared: &Shared, worker: Address) -> Result<u64> {
    let score = shared
        .client()
        .hub()
        .viewScore(worker)
        .call()
        .await
        .map_err(|e| rpc("read a worker's score", e))?;
    Ok(small(score))
}

/// A worker's free stake on the hub (nRLC).
pub async fn stake(shared: &Shared, worker: Address) -> Result<u64> {
    let account = shared
        .client()
        .hub()
        .viewAccount(worker)
        .call()
        .await
        .map_err(|e| rpc("read a worker's stake", e))?;
    Ok(small(account.stake))
}

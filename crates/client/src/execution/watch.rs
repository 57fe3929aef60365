//! Following a run (`app run --watch`): the deal's tasks as the chain has them, and each
//! task's replicates as the workerpool's scheduler shows them (`GET /tasks/{id}`), read again
//! every interval until every task is completed, claimed, or claimable. The chain decides when
//! the watch ends; the scheduler only adds detail, so a scheduler that cannot be reached (not
//! found, restarting) leaves the watch going with the chain's view and the reason kept.

use super::error::Result;
use crate::{
    client::Client,
    deals::{self, DealView, TaskSummary},
    error::ClientError,
};
use alloy_primitives::B256;
use poco_types::core::TaskModel;
use std::time::Duration;

/// Failed chain reads in a row a watch tolerates before giving up.
const MAX_FAILED_READS: u32 = 5;

/// One task of the run.
#[derive(Clone, Debug)]
pub struct TaskProgress {
    /// Its index, id and on-chain status.
    pub summary: TaskSummary,
    /// The scheduler's view of it, once the scheduler knows it.
    pub model: Option<TaskModel>,
}

/// The run at one read.
#[derive(Clone, Debug)]
pub struct RunProgress {
    /// The deal and its tasks' statuses, on-chain.
    pub deal: DealView,
    /// Each task, with the scheduler's view.
    pub tasks: Vec<TaskProgress>,
    /// Why the scheduler's view is missing or stale, when it is.
    pub offchain_error: Option<String>,
}

impl RunProgress {
    /// Whether the watch ends here: every task completed, claimed, or claimable.
    pub fn is_settled(&self) -> bool {
        self.deal.is_settled()
    }
}

/// Reads deal `deal_id` every `interval` and, for each task not yet final on-chain, its
/// scheduler's view through `offchain` (`Ok(None)`: the scheduler does not know it yet;
/// `Err(reason)`: it could not be read), calling `on_update` with each read, until every task
/// is settled. Returns the last read.
pub async fn watch_run<F>(
    client: &Client,
    deal_id: B256,
    interval: Duration,
    offchain: Option<F>,
    mut on_update: impl FnMut(&RunProgress),
) -> Result<RunProgress>
where
    F: AsyncFn(B256) -> std::result::Result<Option<TaskModel>, String>,
{
    let mut models: Vec<Option<TaskModel>> = Vec::new();
    let mut failed = 0;
    loop {
        let deal = match deals::deal(client, deal_id).await {
            Ok(deal) => {
                failed = 0;
                deal
            }
            Err(error) if transient(&error) && failed < MAX_FAILED_READS => {
                failed += 1;
                tracing::warn!("watch: reading the deal failed ({error}), retrying");
                tokio::time::sleep(interval).await;
                continue;
            }
            Err(error) => return Err(error.into()),
        };
        models.resize(deal.tasks.len(), None);
        let mut offchain_error = None;
        if let Some(fetch) = &offchain {
            for (task, model) in deal.tasks.iter().zip(models.iter_mut()) {
                // A task whose end the scheduler has seen keeps its last view.
                if model.as_ref().is_some_and(|m| m.current_status.is_final()) {
                    continue;
                }
                match fetch(task.id).await {
                    Ok(Some(read)) => *model = Some(read),
                    Ok(None) => {}
                    Err(reason) => {
                        offchain_error = Some(reason);
                        break;
                    }
                }
            }
        }
        let progress = RunProgress {
            tasks: deal
                .tasks
                .iter()
                .zip(&models)
                .map(|(summary, model)| TaskProgress {
                    summary: summary.clone(),
                    model: model.clone(),
                })
                .collect(),
            deal,
            offchain_error,
        };
        on_update(&progress);
        if progress.is_settled() {
            return Ok(progress);
        }
        tokio::time::sleep(interval).await;
    }
}

/// Errors of the node or the network, which may pass.
fn transient(error: &ClientError) -> bool {
    matches!(
        error,
        ClientError::ChainUnreachable { .. } | ClientError::Rpc { .. }
    )
}

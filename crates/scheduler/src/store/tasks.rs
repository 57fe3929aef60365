//! Tasks: the scheduler's status (with its history), the mirror of `viewTask` (written only by
//! a read at a block no older than the last one), the uploader and the checked result.

use super::{Store, addr, big, id, parse_addr, parse_id, parse_name, text, uint};
use crate::error::{Result, SchedulerError};
use alloy_primitives::{Address, B256};
use poco_types::{ContributionStatus, TaskStatus, core::CoreTaskStatus};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

/// One on-chain contribution, in the order of `viewTask.contributors`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionEntry {
    /// The contributor.
    pub worker: Address,
    /// Its result hash.
    pub hash: B256,
    /// Its status.
    pub status: ContributionStatus,
}

/// What `viewTask` (and `viewContribution` of each contributor) said.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChainMirror {
    /// The status.
    pub status: TaskStatus,
    /// The consensus hash (zero before).
    pub consensus: B256,
    /// The reveal deadline (0 before the consensus).
    pub reveal_deadline: u64,
    /// How many winners revealed.
    pub reveal_counter: u64,
    /// How many contributions are on the consensus.
    pub winner_counter: u64,
    /// The revealed digest (zero before a reveal).
    pub result_digest: B256,
    /// The contributions, in order.
    pub contributions: Vec<ContributionEntry>,
}

/// A task as the scheduler keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRow {
    /// The task id.
    pub task_id: B256,
    /// Its deal.
    pub deal_id: B256,
    /// Its index in the deal.
    pub idx: u64,
    /// The scheduler's status.
    pub status: CoreTaskStatus,
    /// The chain's view, as last read.
    pub chain: ChainMirror,
    /// The block it was read at.
    pub chain_block: u64,
    /// The worker asked to upload, if any.
    pub uploader: Option<Address>,
    /// Since when (ms).
    pub uploader_since_ms: u64,
    /// The checked result link ('' before).
    pub result_link: String,
    /// The callback data that goes with it (`0x` hex, '' when none).
    pub callback_data: String,
    /// Since when the task has its status (ms).
    pub status_since_ms: u64,
}

impl TaskRow {
    fn from_row(row: &AnyRow) -> Result<Self> {
        let contributions: Vec<ContributionEntry> =
            serde_json::from_str(&text(row, "contributions_json")?)
                .map_err(|e| SchedulerError::Corrupt(format!("contributions_json: {e}")))?;
        let chain_status = u8::try_from(uint(row, "chain_status")?).unwrap_or(u8::MAX);
        Ok(Self {
            task_id: parse_id(&text(row, "task_id")?)?,
            deal_id: parse_id(&text(row, "deal_id")?)?,
            idx: uint(row, "idx")?,
            status: parse_name(&text(row, "status")?)?,
            chain: ChainMirror {
                status: TaskStatus::try_from(chain_status)
                    .map_err(|e| SchedulerError::Corrupt(e.to_string()))?,
                consensus: parse_id(&text(row, "consensus")?)?,
                reveal_deadline: uint(row, "reveal_deadline")?,
                reveal_counter: uint(row, "reveal_counter")?,
                winner_counter: uint(row, "winner_counter")?,
                result_digest: parse_id(&text(row, "result_digest")?)?,
                contributions,
            },
            chain_block: uint(row, "chain_block")?,
            uploader: parse_addr(&text(row, "uploader")?)?,
            uploader_since_ms: uint(row, "uploader_since_ms")?,
            result_link: text(row, "result_link")?,
            callback_data: text(row, "callback_data")?,
            status_since_ms: uint(row, "status_since_ms")?,
        })
    }

    /// The on-chain contribution of `worker`, if any.
    pub fn contribution_of(&self, worker: Address) -> Option<&ContributionEntry> {
        self.chain.contributions.iter().find(|c| c.worker == worker)
    }
}

impl Store {
    /// A task, if known.
    pub async fn task(&self, task_id: B256) -> Result<Option<TaskRow>> {
        let row = sqlx::query("SELECT * FROM tasks WHERE task_id = $1")
            .bind(id(task_id))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(TaskRow::from_row).transpose()
    }

    /// The tasks not COMPLETED nor FAILED, oldest deal first, in index order.
    pub async fn live_tasks(&self) -> Result<Vec<TaskRow>> {
        let rows = sqlx::query(
            "SELECT t.* FROM tasks t JOIN deals d ON d.deal_id = t.deal_id \
             WHERE t.status <> 'COMPLETED' AND t.status <> 'FAILED' \
             ORDER BY d.start_time, d.block_number, t.deal_id, t.idx",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(TaskRow::from_row).collect()
    }

    /// The tasks in `status`es, oldest deal first, in index order.
    pub async fn tasks_in(&self, statuses: &[CoreTaskStatus]) -> Result<Vec<TaskRow>> {
        let list = statuses
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT t.* FROM tasks t JOIN deals d ON d.deal_id = t.deal_id \
             WHERE t.status IN ({list}) ORDER BY d.start_time, d.block_number, t.deal_id, t.idx"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(TaskRow::from_row).collect()
    }

    /// How many tasks are in each status.
    pub async fn task_counts(&self) -> Result<Vec<(String, u64)>> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM tasks GROUP BY status")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((text(row, "status")?, uint(row, "n")?)))
            .collect()
    }

    /// Moves a task to `status` (appended to its history when it changes).
    pub async fn set_task_status(
        &self,
        task_id: B256,
        status: CoreTaskStatus,
        now_ms: u64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE tasks SET status = $2, status_since_ms = $3, updated_ms = $3 \
             WHERE task_id = $1 AND status <> $2",
        )
        .bind(id(task_id))
        .bind(status.as_str().to_owned())
        .bind(big(now_ms))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if changed {
            sqlx::query(
                "INSERT INTO task_history (task_id, seq, status, at_ms) \
                 SELECT $1, COALESCE(MAX(seq), -1) + 1, $2, $3 FROM task_history WHERE task_id = $1",
            )
            .bind(id(task_id))
            .bind(status.as_str().to_owned())
            .bind(big(now_ms))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Writes what the chain said of a task at `block`, unless a newer read is stored.
    pub async fn set_task_chain(
        &self,
        task_id: B256,
        chain: &ChainMirror,
        block: u64,
    ) -> Result<bool> {
        let contributions =
            serde_json::to_string(&chain.contributions).expect("plain struct serializes");
        let consensus = if chain.consensus == B256::ZERO {
            String::new()
        } else {
            id(chain.consensus)
        };
        let digest = if chain.result_digest == B256::ZERO {
            String::new()
        } else {
            id(chain.result_digest)
        };
        let done = sqlx::query(
            "UPDATE tasks SET chain_status = $2, chain_block = $3, consensus = $4, \
             reveal_deadline = $5, reveal_counter = $6, winner_counter = $7, result_digest = $8, \
             contributions_json = $9 WHERE task_id = $1 AND chain_block <= $3",
        )
        .bind(id(task_id))
        .bind(i64::from(chain.status as u8))
        .bind(big(block))
        .bind(consensus)
        .bind(big(chain.reveal_deadline))
        .bind(big(chain.reveal_counter))
        .bind(big(chain.winner_counter))
        .bind(digest)
        .bind(contributions)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done > 0)
    }

    /// Records the worker asked to upload the task's result.
    pub async fn set_uploader(&self, task_id: B256, worker: Address, now_ms: u64) -> Result<()> {
        sqlx::query("UPDATE tasks SET uploader = $2, uploader_since_ms = $3 WHERE task_id = $1")
            .bind(id(task_id))
            .bind(addr(worker))
            .bind(big(now_ms))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records the checked result link and its callback data.
    pub async fn set_result(&self, task_id: B256, link: &str, callback_data: &str) -> Result<()> {
        sqlx::query("UPDATE tasks SET result_link = $2, callback_data = $3 WHERE task_id = $1")
            .bind(id(task_id))
            .bind(link.to_owned())
            .bind(callback_data.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A task's statuses, oldest first: (status, ms).
    pub async fn task_history(&self, task_id: B256) -> Result<Vec<(CoreTaskStatus, u64)>> {
        let rows =
            sqlx::query("SELECT status, at_ms FROM task_history WHERE task_id = $1 ORDER BY seq")
                .bind(id(task_id))
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| Ok((parse_name(&text(row, "status")?)?, uint(row, "at_ms")?)))
            .collect()
    }
}

//! Replicates: one per (task, worker), ever, with the history of its statuses (who set each,
//! when, with what details) and the app's logs.

use super::{Store, addr, big, id, int, parse_addr, parse_id, parse_name, text, uint};
use crate::error::Result;
use alloy_primitives::{Address, B256};
use poco_types::{
    ContributionStatus, ReplicateStatus,
    core::{ComputeLogs, ReplicateStatusDetails, ReplicateStatusModifier},
};
use sqlx::{Row, any::AnyRow};

/// A replicate as the scheduler keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicateRow {
    /// The task.
    pub task_id: B256,
    /// The worker.
    pub worker: Address,
    /// Its status.
    pub status: ReplicateStatus,
    /// The status it had when its worker was declared lost.
    pub before_lost: Option<ReplicateStatus>,
    /// The worker's on-chain contribution status, as last read.
    pub chain_contribution: ContributionStatus,
    /// Its on-chain contribution hash (zero: none known).
    pub contribution_hash: B256,
    /// The result link it reported ('' when none).
    pub result_link: String,
    /// The callback data it reported (`0x` hex, '' when none).
    pub callback_data: String,
    /// The app's exit code, once computed.
    pub exit_code: Option<i64>,
    /// Failed uploads (2: not asked again).
    pub upload_failures: u32,
    /// When it was handed out (ms).
    pub created_ms: u64,
    /// Its last change (ms).
    pub updated_ms: u64,
}

impl ReplicateRow {
    fn from_row(row: &AnyRow) -> Result<Self> {
        let before_lost = text(row, "before_lost")?;
        let chain = u8::try_from(uint(row, "chain_contribution")?).unwrap_or(u8::MAX);
        Ok(Self {
            task_id: parse_id(&text(row, "task_id")?)?,
            worker: parse_addr(&text(row, "worker")?)?.unwrap_or_default(),
            status: parse_status(&text(row, "status")?)?,
            before_lost: if before_lost.is_empty() {
                None
            } else {
                Some(parse_status(&before_lost)?)
            },
            chain_contribution: ContributionStatus::try_from(chain)
                .map_err(|e| crate::error::SchedulerError::Corrupt(e.to_string()))?,
            contribution_hash: parse_id(&text(row, "contribution_hash")?)?,
            result_link: text(row, "result_link")?,
            callback_data: text(row, "callback_data")?,
            exit_code: row.try_get::<Option<i64>, _>("exit_code")?,
            upload_failures: u32::try_from(uint(row, "upload_failures")?).unwrap_or(u32::MAX),
            created_ms: uint(row, "created_ms")?,
            updated_ms: uint(row, "updated_ms")?,
        })
    }
}

/// A status as stored (its SCREAMING_SNAKE name).
fn parse_status(text: &str) -> Result<ReplicateStatus> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|e| crate::error::SchedulerError::Corrupt(format!("replicate status: {e}")))
}

/// One step of a replicate's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The status entered.
    pub status: ReplicateStatus,
    /// Who set it.
    pub modifier: ReplicateStatusModifier,
    /// When (ms, the scheduler's clock).
    pub at_ms: u64,
    /// What came with it.
    pub details: Option<ReplicateStatusDetails>,
}

const LIVE: &str = "status NOT IN ('COMPLETED', 'FAILED', 'ABORTED')";

impl Store {
    /// A replicate, if handed out.
    pub async fn replicate(&self, task_id: B256, worker: Address) -> Result<Option<ReplicateRow>> {
        let row = sqlx::query("SELECT * FROM replicates WHERE task_id = $1 AND worker = $2")
            .bind(id(task_id))
            .bind(addr(worker))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(ReplicateRow::from_row).transpose()
    }

    /// A task's replicates, in the order they were handed out.
    pub async fn replicates_of_task(&self, task_id: B256) -> Result<Vec<ReplicateRow>> {
        let rows =
            sqlx::query("SELECT * FROM replicates WHERE task_id = $1 ORDER BY created_ms, worker")
                .bind(id(task_id))
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(ReplicateRow::from_row).collect()
    }

    /// Every replicate not COMPLETED, FAILED nor ABORTED.
    pub async fn live_replicates(&self) -> Result<Vec<ReplicateRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT * FROM replicates WHERE {LIVE} ORDER BY created_ms, worker"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ReplicateRow::from_row).collect()
    }

    /// The replicates of the tasks not COMPLETED nor FAILED.
    pub async fn replicates_of_live_tasks(&self) -> Result<Vec<ReplicateRow>> {
        let rows = sqlx::query(
            "SELECT r.* FROM replicates r JOIN tasks t ON t.task_id = r.task_id \
             WHERE t.status <> 'COMPLETED' AND t.status <> 'FAILED' ORDER BY r.created_ms, r.worker",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ReplicateRow::from_row).collect()
    }

    /// Every replicate of a worker (live or not).
    pub async fn replicates_of_worker(&self, worker: Address) -> Result<Vec<ReplicateRow>> {
        let rows = sqlx::query("SELECT * FROM replicates WHERE worker = $1 ORDER BY created_ms")
            .bind(addr(worker))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(ReplicateRow::from_row).collect()
    }

    /// A worker's replicates not COMPLETED, FAILED nor ABORTED.
    pub async fn live_replicates_of_worker(&self, worker: Address) -> Result<Vec<ReplicateRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT * FROM replicates WHERE worker = $1 AND {LIVE} ORDER BY created_ms, task_id"
        )))
        .bind(addr(worker))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ReplicateRow::from_row).collect()
    }

    /// Hands task `task_id` to `worker`: a CREATED replicate, set by the pool manager.
    pub async fn insert_replicate(
        &self,
        task_id: B256,
        worker: Address,
        now_ms: u64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO replicates (task_id, worker, status, before_lost, chain_contribution, \
             contribution_hash, result_link, callback_data, exit_code, upload_failures, \
             created_ms, updated_ms) VALUES ($1, $2, 'CREATED', '', 0, '', '', '', NULL, 0, $3, $3)",
        )
        .bind(id(task_id))
        .bind(addr(worker))
        .bind(big(now_ms))
        .execute(&mut *tx)
        .await?;
        insert_history(
            &mut tx,
            task_id,
            worker,
            ReplicateStatus::Created,
            ReplicateStatusModifier::PoolManager,
            now_ms,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes `replicate` (its status and the other columns a status change sets: before_lost,
    /// result link, callback data, exit code, failed uploads) with a history entry for its
    /// status, set by `modifier` with `details`.
    pub async fn save_replicate(
        &self,
        replicate: &ReplicateRow,
        modifier: ReplicateStatusModifier,
        details: Option<&ReplicateStatusDetails>,
        now_ms: u64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE replicates SET status = $3, before_lost = $4, result_link = $5, \
             callback_data = $6, exit_code = $7, upload_failures = $8, updated_ms = $9 \
             WHERE task_id = $1 AND worker = $2",
        )
        .bind(id(replicate.task_id))
        .bind(addr(replicate.worker))
        .bind(replicate.status.as_str().to_owned())
        .bind(
            replicate
                .before_lost
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
        )
        .bind(replicate.result_link.clone())
        .bind(replicate.callback_data.clone())
        .bind(replicate.exit_code)
        .bind(i64::from(replicate.upload_failures))
        .bind(big(now_ms))
        .execute(&mut *tx)
        .await?;
        insert_history(
            &mut tx,
            replicate.task_id,
            replicate.worker,
            replicate.status,
            modifier,
            now_ms,
            details,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes what the chain says of a replicate's contribution.
    pub async fn set_contribution(
        &self,
        task_id: B256,
        worker: Address,
        status: ContributionStatus,
        hash: B256,
    ) -> Result<()> {
        let hash = if hash == B256::ZERO {
            String::new()
        } else {
            id(hash)
        };
        sqlx::query(
            "UPDATE replicates SET chain_contribution = $3, contribution_hash = $4 \
             WHERE task_id = $1 AND worker = $2",
        )
        .bind(id(task_id))
        .bind(addr(worker))
        .bind(i64::from(status as u8))
        .bind(hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Sets a replicate's failed uploads count.
    pub async fn set_upload_failures(&self, task_id: B256, worker: Address, n: u32) -> Result<()> {
        sqlx::query(
            "UPDATE replicates SET upload_failures = $3 WHERE task_id = $1 AND worker = $2",
        )
        .bind(id(task_id))
        .bind(addr(worker))
        .bind(i64::from(n))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A replicate's history, oldest first.
    pub async fn replicate_history(
        &self,
        task_id: B256,
        worker: Address,
    ) -> Result<Vec<HistoryEntry>> {
        let rows = sqlx::query(
            "SELECT status, modifier, at_ms, details_json FROM replicate_history \
             WHERE task_id = $1 AND worker = $2 ORDER BY seq",
        )
        .bind(id(task_id))
        .bind(addr(worker))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let details = text(row, "details_json")?;
                Ok(HistoryEntry {
                    status: parse_status(&text(row, "status")?)?,
                    modifier: parse_name(&text(row, "modifier")?)?,
                    at_ms: uint(row, "at_ms")?,
                    details: if details.is_empty() {
                        None
                    } else {
                        Some(serde_json::from_str(&details).map_err(|e| {
                            crate::error::SchedulerError::Corrupt(format!("details_json: {e}"))
                        })?)
                    },
                })
            })
            .collect()
    }

    /// Stores (replaces) a replicate's app logs.
    pub async fn set_compute_logs(
        &self,
        task_id: B256,
        worker: Address,
        logs: &ComputeLogs,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO compute_logs (task_id, worker, stdout, stderr) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (task_id, worker) DO UPDATE SET stdout = excluded.stdout, \
             stderr = excluded.stderr",
        )
        .bind(id(task_id))
        .bind(addr(worker))
        .bind(logs.stdout.clone())
        .bind(logs.stderr.clone())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every replicate's app logs of a task.
    pub async fn compute_logs(&self, task_id: B256) -> Result<Vec<ComputeLogs>> {
        let rows = sqlx::query(
            "SELECT worker, stdout, stderr FROM compute_logs WHERE task_id = $1 ORDER BY worker",
        )
        .bind(id(task_id))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ComputeLogs {
                    wallet_address: parse_addr(&text(row, "worker")?)?,
                    stdout: text(row, "stdout")?,
                    stderr: text(row, "stderr")?,
                })
            })
            .collect()
    }

    /// How many live replicates there are per status.
    pub async fn replicate_counts(&self) -> Result<Vec<(String, u64)>> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM replicates GROUP BY status")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    text(row, "status")?,
                    u64::try_from(int(row, "n")?).unwrap_or(0),
                ))
            })
            .collect()
    }
}

/// Appends a history entry.
async fn insert_history(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    task_id: B256,
    worker: Address,
    status: ReplicateStatus,
    modifier: ReplicateStatusModifier,
    now_ms: u64,
    details: Option<&ReplicateStatusDetails>,
) -> Result<()> {
    let details = details
        .filter(|d| !d.is_empty())
        .map(|d| serde_json::to_string(d).expect("plain struct serializes"))
        .unwrap_or_default();
    sqlx::query(
        "INSERT INTO replicate_history (task_id, worker, seq, status, modifier, at_ms, details_json) \
         SELECT $1, $2, COALESCE(MAX(seq), -1) + 1, $3, $4, $5, $6 FROM replicate_history \
         WHERE task_id = $1 AND worker = $2",
    )
    .bind(id(task_id))
    .bind(addr(worker))
    .bind(status.as_str().to_owned())
    .bind(modifier.as_str().to_owned())
    .bind(big(now_ms))
    .bind(details)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

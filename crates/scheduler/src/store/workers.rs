//! Workers: what they registered, when they were last heard of, whether they are lost, and
//! their score (which weighs their contributions).

use super::{Store, addr, big, parse_addr, text, uint};
use crate::error::{Result, SchedulerError};
use alloy_primitives::Address;
use poco_types::core::WorkerModel;
use sqlx::any::AnyRow;

/// A registered worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerRow {
    /// Its wallet.
    pub wallet: Address,
    /// What it registered.
    pub model: WorkerModel,
    /// How many replicates it computes at once.
    pub max_tasks: u64,
    /// Whether it runs GPU apps.
    pub gpu: bool,
    /// Whether it runs TEE apps.
    pub tee: bool,
    /// When it was last heard of (ms).
    pub last_alive_ms: u64,
    /// Whether it was declared lost.
    pub lost: bool,
    /// Its score on the hub, as last read.
    pub score: u64,
}

impl WorkerRow {
    fn from_row(row: &AnyRow) -> Result<Self> {
        let model: WorkerModel = serde_json::from_str(&text(row, "model_json")?)
            .map_err(|e| SchedulerError::Corrupt(format!("model_json: {e}")))?;
        Ok(Self {
            wallet: parse_addr(&text(row, "wallet")?)?.unwrap_or_default(),
            model,
            max_tasks: uint(row, "max_tasks")?,
            gpu: uint(row, "gpu")? != 0,
            tee: uint(row, "tee")? != 0,
            last_alive_ms: uint(row, "last_alive_ms")?,
            lost: uint(row, "lost")? != 0,
            score: uint(row, "score")?,
        })
    }
}

impl Store {
    /// Registers (or updates) a worker, alive now and not lost.
    pub async fn register_worker(
        &self,
        model: &WorkerModel,
        score: u64,
        now_ms: u64,
    ) -> Result<()> {
        let json = serde_json::to_string(model).expect("plain struct serializes");
        sqlx::query(
            "INSERT INTO workers (wallet, name, model_json, max_tasks, gpu, tee, last_alive_ms, \
             lost, score) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) ON CONFLICT (wallet) DO UPDATE \
             SET name = excluded.name, model_json = excluded.model_json, \
             max_tasks = excluded.max_tasks, gpu = excluded.gpu, tee = excluded.tee, \
             last_alive_ms = excluded.last_alive_ms, lost = 0, score = excluded.score",
        )
        .bind(addr(model.wallet_address))
        .bind(model.name.clone())
        .bind(json)
        .bind(i64::from(model.max_tasks()))
        .bind(i64::from(model.gpu_enabled))
        .bind(i64::from(model.tee_enabled))
        .bind(big(now_ms))
        .bind(big(score))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A registered worker.
    pub async fn worker(&self, wallet: Address) -> Result<Option<WorkerRow>> {
        let row = sqlx::query("SELECT * FROM workers WHERE wallet = $1")
            .bind(addr(wallet))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(WorkerRow::from_row).transpose()
    }

    /// Every registered worker.
    pub async fn workers(&self) -> Result<Vec<WorkerRow>> {
        let rows = sqlx::query("SELECT * FROM workers ORDER BY wallet")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(WorkerRow::from_row).collect()
    }

    /// Records that a worker is alive now (and no longer lost). Returns whether it is
    /// registered and whether it was lost.
    pub async fn touch_worker(&self, wallet: Address, now_ms: u64) -> Result<Option<bool>> {
        let Some(worker) = self.worker(wallet).await? else {
            return Ok(None);
        };
        sqlx::query("UPDATE workers SET last_alive_ms = $2, lost = 0 WHERE wallet = $1")
            .bind(addr(wallet))
            .bind(big(now_ms))
            .execute(&self.pool)
            .await?;
        Ok(Some(worker.lost))
    }

    /// Declares the workers not heard of since `before_ms` lost; returns them.
    pub async fn lose_workers(&self, before_ms: u64) -> Result<Vec<Address>> {
        let rows = sqlx::query("SELECT wallet FROM workers WHERE lost = 0 AND last_alive_ms < $1")
            .bind(big(before_ms))
            .fetch_all(&self.pool)
            .await?;
        let mut lost = Vec::with_capacity(rows.len());
        for row in rows {
            let wallet = text(&row, "wallet")?;
            sqlx::query("UPDATE workers SET lost = 1 WHERE wallet = $1 AND last_alive_ms < $2")
                .bind(wallet.clone())
                .bind(big(before_ms))
                .execute(&self.pool)
                .await?;
            lost.extend(parse_addr(&wallet)?);
        }
        Ok(lost)
    }

    /// After a restart: every worker alive now (a grace period, **⚑A21**).
    pub async fn reset_workers_alive(&self, now_ms: u64) -> Result<()> {
        sqlx::query("UPDATE workers SET last_alive_ms = $1 WHERE lost = 0")
            .bind(big(now_ms))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores a worker's score.
    pub async fn set_worker_score(&self, wallet: Address, score: u64) -> Result<()> {
        sqlx::query("UPDATE workers SET score = $2 WHERE wallet = $1")
            .bind(addr(wallet))
            .bind(big(score))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

//! The scheduler's database (migrations in `migrations/`): deals, tasks with their history and
//! chain mirror, workers, replicates with their history and logs, challenges, settings.
//! Portable SQL for SQLite and PostgreSQL: BIGINT and TEXT only, `$n` placeholders; addresses
//! and ids are stored as lowercase `0x` hex.

mod challenges;
mod deals;
mod replicates;
mod tasks;
mod workers;

pub use challenges::Challenge;
pub use deals::DealRow;
pub use deals::insert_deal_in;
pub use poco_service::db::Transaction;
pub use replicates::{HistoryEntry, ReplicateRow};
pub use tasks::{ChainMirror, ContributionEntry, TaskRow};
pub use workers::WorkerRow;

use crate::error::{Result, SchedulerError};
use alloy_primitives::{Address, B256};
use sqlx::{AnyPool, Row, any::AnyRow};

/// The embedded migrations, in order (version, description, SQL).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "scheduler",
    include_str!("../../migrations/0001_scheduler.sql"),
)];

/// The database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
}

impl Store {
    /// A store over a connected and migrated `pool`.
    pub fn new(pool: AnyPool) -> Self {
        Self { pool }
    }

    /// The pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// An address as stored: lowercase `0x` hex.
pub fn addr(address: Address) -> String {
    format!("{address:#x}")
}

/// An id as stored: lowercase `0x` hex.
pub fn id(value: B256) -> String {
    format!("{value:#x}")
}

/// Reads a stored address ('' is none).
pub(crate) fn parse_addr(text: &str) -> Result<Option<Address>> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| SchedulerError::Corrupt(format!("`{text}` is not an address")))
}

/// Reads a stored id ('' is zero).
pub(crate) fn parse_id(text: &str) -> Result<B256> {
    if text.is_empty() {
        return Ok(B256::ZERO);
    }
    text.parse()
        .map_err(|_| SchedulerError::Corrupt(format!("`{text}` is not a 32-byte id")))
}

/// Reads a stored name (a status, a modifier).
pub(crate) fn parse_name<T: std::str::FromStr>(text: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|e: T::Err| SchedulerError::Corrupt(e.to_string()))
}

/// A TEXT column.
pub(crate) fn text(row: &AnyRow, column: &str) -> Result<String> {
    Ok(row.try_get(column)?)
}

/// A BIGINT column.
pub(crate) fn int(row: &AnyRow, column: &str) -> Result<i64> {
    Ok(row.try_get(column)?)
}

/// A BIGINT column that is never negative.
pub(crate) fn uint(row: &AnyRow, column: &str) -> Result<u64> {
    Ok(u64::try_from(int(row, column)?).unwrap_or_default())
}

/// A `u64` as a BIGINT (saturating).
pub(crate) fn big(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

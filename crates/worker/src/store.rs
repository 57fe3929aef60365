//! The worker's database (design §5): its replicates, with what a restart needs to finish or
//! give them back, and the outbox of status updates not yet acknowledged by the scheduler.
//! Everything is written before it is acted upon.

use crate::{
    description::Description,
    error::{Result, WorkerError},
};
use alloy_primitives::{Address, B256, Bytes};
use poco_service::{
    db::{self, Pool, Sql},
    settings,
};
use poco_types::{ReplicateStatus, WorkerpoolAuthorization, core::ReplicateStatusUpdate};
use sqlx::Row as _;
use std::{
    path::Path,
    sync::atomic::{AtomicI64, Ordering},
};

/// The embedded migrations.
pub const MIGRATIONS: &[(i64, &str, &str)] =
    &[(1, "worker", include_str!("../migrations/0001_worker.sql"))];

/// What the worker computed, kept before contributing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResultRecord {
    /// The result digest.
    pub digest: B256,
    /// `result_hash(task, digest)`.
    pub hash: B256,
    /// `result_seal(worker, task, digest)`.
    pub seal: B256,
    /// Callback data of a callback deal (`None`: no callback).
    pub callback_data: Option<Bytes>,
    /// The app's exit code.
    pub exit_code: Option<i64>,
    /// The failure cause written to error.txt, if any (its name).
    pub cause: String,
}

/// One replicate as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicateRow {
    /// The task.
    pub task_id: B256,
    /// Its status as the worker last reported it (or is about to).
    pub status: ReplicateStatus,
    /// The pool owner's authorization.
    pub authorization: WorkerpoolAuthorization,
    /// The task's description, once read.
    pub description: Option<Description>,
    /// The result, once computed.
    pub result: Option<ResultRecord>,
    /// The result link, once uploaded.
    pub result_link: String,
    /// The last transaction sent for it.
    pub tx_hash: String,
}

/// The worker's database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    next_seq: std::sync::Arc<AtomicI64>,
}

/// Statuses after which a replicate needs nothing more.
pub fn is_terminal(status: ReplicateStatus) -> bool {
    matches!(
        status,
        ReplicateStatus::Completed | ReplicateStatus::Failed | ReplicateStatus::Aborted
    )
}

fn hex_b256(text: &str) -> Option<B256> {
    text.parse().ok()
}

impl Store {
    /// Opens (creating) the database at `path` and checks it belongs to this chain, hub and
    /// wallet.
    pub async fn open(path: &Path, chain_id: u64, hub: Address, wallet: Address) -> Result<Self> {
        let migrator = db::migrator(MIGRATIONS);
        let pool = db::connect(&db::sqlite_url(path), &migrator)
            .await
            .map_err(service)?;
        for (key, value) in [
            ("chain_id", chain_id.to_string()),
            ("hub", db::lower(hub)),
            ("wallet", db::lower(wallet)),
        ] {
            settings::check_or_set(&pool, key, &value)
                .await
                .map_err(service)?;
        }
        let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS seq FROM outbox")
            .fetch_one(&pool)
            .await?;
        let last: i64 = row.try_get("seq")?;
        Ok(Self {
            pool,
            next_seq: std::sync::Arc::new(AtomicI64::new(last + 1)),
        })
    }

    /// Records a new replicate (CREATED); false if the task was already known (a worker
    /// takes part in a task at most once).
    pub async fn insert(
        &self,
        authorization: &WorkerpoolAuthorization,
        now_ms: u64,
    ) -> Result<bool> {
        let json = serde_json::to_string(authorization).expect("plain struct serializes");
        let now = i64::try_from(now_ms).unwrap_or(i64::MAX);
        let mut sql = Sql::new(
            "INSERT INTO replicates (task_id, deal_id, idx, status, authorization_json, \
             description_json, container_id, result_digest, result_hash, result_seal, \
             callback_data, exit_code, cause, result_link, tx_hash, created_ms, updated_ms) VALUES (",
        );
        sql.text(format!("{:#x}", authorization.chain_task_id))
            .push(", '', 0, ")
            .text(ReplicateStatus::Created.as_str())
            .push(", ")
            .text(json)
            .push(", '', '', '', '', '', '', NULL, '', '', '', ")
            .int(now)
            .push(", ")
            .int(now)
            .push(") ON CONFLICT (task_id) DO NOTHING");
        let done = sql.query().execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }

    /// The replicate of `task`, if known.
    pub async fn get(&self, task: B256) -> Result<Option<ReplicateRow>> {
        let mut sql = Sql::new("SELECT * FROM replicates WHERE task_id = ");
        sql.text(format!("{task:#x}"));
        let row = sql.query().fetch_optional(&self.pool).await?;
        row.map(|row| read_row(&row)).transpose()
    }

    /// The replicates that are not over, oldest first.
    pub async fn live(&self) -> Result<Vec<ReplicateRow>> {
        let rows = sqlx::query(
            "SELECT * FROM replicates WHERE status NOT IN ('COMPLETED', 'FAILED', 'ABORTED') \
             ORDER BY created_ms, task_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(read_row).collect()
    }

    /// Sets the status.
    pub async fn set_status(&self, task: B256, status: ReplicateStatus, now_ms: u64) -> Result<()> {
        self.update(task, now_ms, |sql| {
            sql.push("status = ").text(status.as_str());
        })
        .await
    }

    /// Stores the description.
    pub async fn set_description(&self, description: &Description, now_ms: u64) -> Result<()> {
        let json = serde_json::to_string(description).expect("plain struct serializes");
        self.update(description.task_id, now_ms, |sql| {
            sql.push("deal_id = ")
                .text(format!("{:#x}", description.deal_id))
                .push(", idx = ")
                .int(i64::try_from(description.idx).unwrap_or(i64::MAX))
                .push(", description_json = ")
                .text(json);
        })
        .await
    }

    /// Stores the result (before any contribution).
    pub async fn set_result(&self, task: B256, result: &ResultRecord, now_ms: u64) -> Result<()> {
        let callback = result
            .callback_data
            .as_ref()
            .map(|d| d.to_string())
            .unwrap_or_default();
        self.update(task, now_ms, |sql| {
            sql.push("result_digest = ")
                .text(format!("{:#x}", result.digest))
                .push(", result_hash = ")
                .text(format!("{:#x}", result.hash))
                .push(", result_seal = ")
                .text(format!("{:#x}", result.seal))
                .push(", callback_data = ")
                .text(callback)
                .push(", exit_code = ")
                .opt_int(result.exit_code)
                .push(", cause = ")
                .text(result.cause.clone());
        })
        .await
    }

    /// Forgets the result (a recomputation after a restart).
    pub async fn clear_result(&self, task: B256, now_ms: u64) -> Result<()> {
        self.update(task, now_ms, |sql| {
            sql.push(
                "result_digest = '', result_hash = '', result_seal = '', callback_data = '', \
                 exit_code = NULL, cause = '', result_link = ''",
            );
        })
        .await
    }

    /// Stores the result link.
    pub async fn set_link(&self, task: B256, link: &str, now_ms: u64) -> Result<()> {
        self.update(task, now_ms, |sql| {
            sql.push("result_link = ").text(link);
        })
        .await
    }

    /// Stores the hash of the last transaction sent.
    pub async fn set_tx(&self, task: B256, tx: B256, now_ms: u64) -> Result<()> {
        self.update(task, now_ms, |sql| {
            sql.push("tx_hash = ").text(format!("{tx:#x}"));
        })
        .await
    }

    async fn update(&self, task: B256, now_ms: u64, set: impl FnOnce(&mut Sql)) -> Result<()> {
        let mut sql = Sql::new("UPDATE replicates SET ");
        set(&mut sql);
        sql.push(", updated_ms = ")
            .int(i64::try_from(now_ms).unwrap_or(i64::MAX))
            .push(" WHERE task_id = ")
            .text(format!("{task:#x}"));
        sql.query().execute(&self.pool).await?;
        Ok(())
    }

    /// Appends a status update to the outbox; returns its sequence number (global order).
    pub async fn push_update(&self, task: B256, update: &ReplicateStatusUpdate) -> Result<i64> {
        let seq = self.next_seq.fetch_add(1, Ordering::SeqCst);
        let json = serde_json::to_string(update).expect("plain struct serializes");
        let mut sql = Sql::new("INSERT INTO outbox (task_id, seq, update_json) VALUES (");
        sql.text(format!("{task:#x}"))
            .push(", ")
            .int(seq)
            .push(", ")
            .text(json)
            .push(")");
        sql.query().execute(&self.pool).await?;
        Ok(seq)
    }

    /// The oldest update not yet acknowledged.
    pub async fn next_update(&self) -> Result<Option<(B256, i64, ReplicateStatusUpdate)>> {
        let row = sqlx::query("SELECT task_id, seq, update_json FROM outbox ORDER BY seq LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let task: String = row.try_get("task_id")?;
        let json: String = row.try_get("update_json")?;
        let task = hex_b256(&task).ok_or_else(|| corrupt("outbox task_id", &task))?;
        let update = serde_json::from_str(&json).map_err(|_| corrupt("outbox update", &json))?;
        Ok(Some((task, row.try_get("seq")?, update)))
    }

    /// Removes an acknowledged update.
    pub async fn remove_update(&self, seq: i64) -> Result<()> {
        let mut sql = Sql::new("DELETE FROM outbox WHERE seq = ");
        sql.int(seq);
        sql.query().execute(&self.pool).await?;
        Ok(())
    }

    /// How many updates wait in the outbox.
    pub async fn outbox_len(&self) -> Result<u64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM outbox")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0))
    }

    /// Closes the database.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A row back into a [`ReplicateRow`].
fn read_row(row: &sqlx::any::AnyRow) -> Result<ReplicateRow> {
    let text = |column: &str| row.try_get::<String, _>(column);
    let task_text = text("task_id")?;
    let task_id = hex_b256(&task_text).ok_or_else(|| corrupt("task_id", &task_text))?;
    let status_text = text("status")?;
    let status: ReplicateStatus =
        serde_json::from_value(serde_json::Value::String(status_text.clone()))
            .map_err(|_| corrupt("status", &status_text))?;
    let authorization_json = text("authorization_json")?;
    let authorization = serde_json::from_str(&authorization_json)
        .map_err(|_| corrupt("authorization_json", &authorization_json))?;
    let description_json = text("description_json")?;
    let description = if description_json.is_empty() {
        None
    } else {
        Some(
            serde_json::from_str(&description_json)
                .map_err(|_| corrupt("description_json", &description_json))?,
        )
    };
    let digest_text = text("result_digest")?;
    let result = match hex_b256(&digest_text) {
        None => None,
        Some(digest) => {
            let b256 = |column: &str| -> Result<B256> {
                let value = text(column)?;
                hex_b256(&value).ok_or_else(|| corrupt(column, &value))
            };
            let callback = text("callback_data")?;
            let callback_data = if callback.is_empty() {
                None
            } else {
                Some(
                    callback
                        .parse::<Bytes>()
                        .map_err(|_| corrupt("callback_data", &callback))?,
                )
            };
            Some(ResultRecord {
                digest,
                hash: b256("result_hash")?,
                seal: b256("result_seal")?,
                callback_data,
                exit_code: row.try_get("exit_code")?,
                cause: text("cause")?,
            })
        }
    };
    Ok(ReplicateRow {
        task_id,
        status,
        authorization,
        description,
        result,
        result_link: text("result_link")?,
        tx_hash: text("tx_hash")?,
    })
}

fn corrupt(what: &str, value: &str) -> WorkerError {
    WorkerError::Database(format!(
        "unexpected {what} {value:?}: was the database edited?"
    ))
}

fn service(error: poco_service::ServiceError) -> WorkerError {
    WorkerError::Database(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_signer_local::PrivateKeySigner;

    async fn store(dir: &Path) -> Store {
        Store::open(
            &dir.join("worker.sqlite"),
            31337,
            Address::repeat_byte(1),
            Address::repeat_byte(2),
        )
        .await
        .expect("opens")
    }

    fn authorization(task: B256) -> WorkerpoolAuthorization {
        let owner = PrivateKeySigner::random();
        WorkerpoolAuthorization::sign(&owner, Address::repeat_byte(2), task, Address::ZERO)
            .expect("signs")
    }

    #[tokio::test]
    async fn replicates_round_trip_and_survive_reopening() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = store(dir.path()).await;
        let task = B256::repeat_byte(0xaa);
        assert!(store.insert(&authorization(task), 1).await.expect("insert"));
        assert!(
            !store.insert(&authorization(task), 2).await.expect("insert"),
            "once only"
        );
        let record = ResultRecord {
            digest: B256::repeat_byte(1),
            hash: B256::repeat_byte(2),
            seal: B256::repeat_byte(3),
            callback_data: Some(Bytes::new()),
            exit_code: Some(3),
            cause: "APP_COMPUTE_FAILED".into(),
        };
        store.set_result(task, &record, 3).await.expect("result");
        store
            .set_status(task, ReplicateStatus::Computed, 3)
            .await
            .expect("status");
        store
            .set_link(task, "{\"storage\":\"ipfs\"}", 4)
            .await
            .expect("link");
        store.close().await;

        let store = self::store(dir.path()).await;
        let row = store.get(task).await.expect("get").expect("known");
        assert_eq!(row.status, ReplicateStatus::Computed);
        assert_eq!(row.result, Some(record));
        assert_eq!(row.result_link, "{\"storage\":\"ipfs\"}");
        assert_eq!(store.live().await.expect("live").len(), 1);
        store
            .set_status(task, ReplicateStatus::Completed, 5)
            .await
            .expect("status");
        assert!(store.live().await.expect("live").is_empty());
        store.clear_result(task, 6).await.expect("clear");
        assert_eq!(
            store.get(task).await.expect("get").expect("known").result,
            None
        );
    }

    #[tokio::test]
    async fn outbox_keeps_order_across_reopening() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = store(dir.path()).await;
        let (a, b) = (B256::repeat_byte(0xaa), B256::repeat_byte(0xbb));
        let update = |status| ReplicateStatusUpdate::worker(status, 1);
        store
            .push_update(a, &update(ReplicateStatus::Starting))
            .await
            .expect("push");
        store
            .push_update(b, &update(ReplicateStatus::Starting))
            .await
            .expect("push");
        store.close().await;
        let store = self::store(dir.path()).await;
        store
            .push_update(a, &update(ReplicateStatus::Started))
            .await
            .expect("push");
        let mut seen = Vec::new();
        while let Some((task, seq, update)) = store.next_update().await.expect("next") {
            seen.push((task, update.status));
            store.remove_update(seq).await.expect("remove");
        }
        assert_eq!(
            seen,
            [
                (a, ReplicateStatus::Starting),
                (b, ReplicateStatus::Starting),
                (a, ReplicateStatus::Started)
            ]
        );
    }

    #[tokio::test]
    async fn a_database_of_another_wallet_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        store(dir.path()).await.close().await;
        let other = Store::open(
            &dir.path().join("worker.sqlite"),
            31337,
            Address::repeat_byte(1),
            Address::ZERO,
        )
        .await;
        assert!(other.is_err());
    }
}

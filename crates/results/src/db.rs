//! The records of stored results (`results` table, migrations/0001_results.sql): one row per
//! task, written after its blob (design §5: a crash leaves at worst an orphan blob, which a
//! retry of the same upload adopts).

use crate::error::{Result, ResultsError};
use alloy_primitives::{Address, B256};
use poco_service::db::{self, Pool, Sql, big, lower, small};
use poco_types::results::ResultCid;
use sqlx::{Row, any::AnyRow};

/// The embedded migrations.
const MIGRATIONS: &[(i64, &str, &str)] =
    &[(1, "results", include_str!("../migrations/0001_results.sql"))];

/// Opens (creating, migrating) the database at `url`.
pub async fn connect(url: &str) -> Result<Pool> {
    Ok(db::connect(url, &db::migrator(MIGRATIONS)).await?)
}

/// A stored result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultRow {
    /// The task.
    pub task_id: B256,
    /// The zip's CID.
    pub cid: ResultCid,
    /// The worker who uploaded it.
    pub uploader: Address,
    /// The zip's size, in bytes.
    pub size: u64,
    /// The on-chain digest the zip was checked against; `None` when it could not be yet.
    pub result_digest: Option<B256>,
    /// The deal's trust.
    pub trust: u64,
    /// The task's final deadline (chain seconds).
    pub final_deadline: u64,
    /// When it was stored (epoch ms).
    pub uploaded_ms: u64,
    /// Whether it is known to be the task's result (else the sweeper looks again after the
    /// final deadline).
    pub confirmed: bool,
}

const COLUMNS: &str =
    "task_id, cid, uploader, size, result_digest, trust, final_deadline, uploaded_ms, confirmed";

fn read(row: &AnyRow) -> Result<ResultRow> {
    let text = |column: &str| -> Result<String> { Ok(row.try_get::<String, _>(column)?) };
    let int = |column: &'static str| -> Result<u64> {
        Ok(small(column, row.try_get::<i64, _>(column)?)?)
    };
    let corrupt = |what: &str, value: String| {
        ResultsError::Service(poco_service::ServiceError::corrupt(what, value))
    };
    let task = text("task_id")?;
    let cid = text("cid")?;
    let uploader = text("uploader")?;
    let digest = text("result_digest")?;
    Ok(ResultRow {
        task_id: task.parse().map_err(|_| corrupt("results.task_id", task))?,
        cid: cid.parse().map_err(|_| corrupt("results.cid", cid))?,
        uploader: uploader
            .parse()
            .map_err(|_| corrupt("results.uploader", uploader))?,
        size: int("size")?,
        result_digest: if digest.is_empty() {
            None
        } else {
            Some(
                digest
                    .parse()
                    .map_err(|_| corrupt("results.result_digest", digest))?,
            )
        },
        trust: int("trust")?,
        final_deadline: int("final_deadline")?,
        uploaded_ms: int("uploaded_ms")?,
        confirmed: int("confirmed")? != 0,
    })
}

/// The result stored for `task`.
pub async fn find(pool: &Pool, task: B256) -> Result<Option<ResultRow>> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM results WHERE task_id = "));
    sql.text(task.to_string());
    sql.query()
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(read)
        .transpose()
}

/// Records `row` unless the task has a result already; whether it was inserted.
pub async fn insert(pool: &Pool, row: &ResultRow) -> Result<bool> {
    let mut sql = Sql::new(&format!("INSERT INTO results ({COLUMNS}) VALUES ("));
    sql.text(row.task_id.to_string())
        .push(", ")
        .text(row.cid.to_string())
        .push(", ")
        .text(lower(row.uploader))
        .push(", ")
        .int(big("size", row.size)?)
        .push(", ")
        .text(row.result_digest.map(|d| d.to_string()).unwrap_or_default())
        .push(", ")
        .int(big("trust", row.trust)?)
        .push(", ")
        .int(big("final_deadline", row.final_deadline)?)
        .push(", ")
        .int(big("uploaded_ms", row.uploaded_ms)?)
        .push(", ")
        .int(i64::from(row.confirmed))
        .push(") ON CONFLICT (task_id) DO NOTHING");
    Ok(sql.query().execute(pool).await?.rows_affected() == 1)
}

/// Whether some task's result has this CID.
pub async fn cid_in_use(pool: &Pool, cid: &ResultCid) -> Result<bool> {
    let mut sql = Sql::new("SELECT task_id FROM results WHERE cid = ");
    sql.text(cid.to_string()).push(" LIMIT 1");
    Ok(sql.query().fetch_optional(pool).await?.is_some())
}

/// Unconfirmed results whose final deadline is at or before `now` (chain seconds), oldest
/// deadline first, at most `limit`.
pub async fn due_unconfirmed(pool: &Pool, now: u64, limit: u64) -> Result<Vec<ResultRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM results WHERE confirmed = 0 AND final_deadline <= "
    ));
    sql.int(big("now", now)?)
        .push(" ORDER BY final_deadline, task_id LIMIT ")
        .int(big("limit", limit)?);
    sql.query()
        .fetch_all(pool)
        .await?
        .iter()
        .map(read)
        .collect()
}

/// Marks `task`'s result confirmed.
pub async fn confirm(pool: &Pool, task: B256) -> Result<()> {
    let mut sql = Sql::new("UPDATE results SET confirmed = 1 WHERE task_id = ");
    sql.text(task.to_string());
    sql.query().execute(pool).await?;
    Ok(())
}

/// Deletes `task`'s record if it still has `cid`.
pub async fn delete(pool: &Pool, task: B256, cid: &ResultCid) -> Result<()> {
    let mut sql = Sql::new("DELETE FROM results WHERE task_id = ");
    sql.text(task.to_string())
        .push(" AND cid = ")
        .text(cid.to_string());
    sql.query().execute(pool).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use poco_types::results::cid_of;

    fn row(task: u8, bytes: &[u8], deadline: u64, confirmed: bool) -> ResultRow {
        ResultRow {
            task_id: B256::repeat_byte(task),
            cid: cid_of(bytes),
            uploader: Address::repeat_byte(0xAB),
            size: bytes.len() as u64,
            result_digest: confirmed.then(|| B256::repeat_byte(7)),
            trust: 1,
            final_deadline: deadline,
            uploaded_ms: 1_000,
            confirmed,
        }
    }

    #[tokio::test]
    async fn rows_round_trip_and_are_one_per_task() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pool = connect(&db::sqlite_url(&dir.path().join("r.sqlite")))
            .await
            .expect("connects");
        let a = row(1, b"a", 100, false);
        assert!(insert(&pool, &a).await.expect("insert"));
        assert!(
            !insert(&pool, &row(1, b"other", 100, true))
                .await
                .expect("conflict")
        );
        assert_eq!(find(&pool, a.task_id).await.expect("find"), Some(a.clone()));
        assert_eq!(find(&pool, B256::ZERO).await.expect("find"), None);
        assert!(cid_in_use(&pool, &a.cid).await.expect("in use"));
        assert!(
            !cid_in_use(&pool, &cid_of(b"other"))
                .await
                .expect("not in use")
        );

        let b = row(2, b"b", 200, false);
        let c = row(3, b"c", 50, true);
        insert(&pool, &b).await.expect("insert");
        insert(&pool, &c).await.expect("insert");
        let due = due_unconfirmed(&pool, 150, 10).await.expect("due");
        assert_eq!(due, vec![a.clone()]);
        confirm(&pool, a.task_id).await.expect("confirm");
        assert!(
            due_unconfirmed(&pool, 150, 10)
                .await
                .expect("due")
                .is_empty()
        );
        delete(&pool, b.task_id, &cid_of(b"not its cid"))
            .await
            .expect("no-op");
        assert!(find(&pool, b.task_id).await.expect("find").is_some());
        delete(&pool, b.task_id, &b.cid).await.expect("delete");
        assert!(find(&pool, b.task_id).await.expect("find").is_none());
    }
}

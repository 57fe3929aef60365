//! The watcher's side of the database: where it stands (`watcher` table, one row per chain),
//! the book's orders a range touches, and the one transaction that writes a range's effects
//! together with the new position. That transaction first moves the position, and only from
//! the position the range started at: a range is applied once even if two watchers share the
//! database, and a range that failed half-way left nothing behind, so it is simply processed
//! again (on SQLite, the first write also takes the write lock at once, so the transaction
//! never has to upgrade a read snapshot).

use super::{
    apply::{Effects, Update},
    logs::Changes,
};
use crate::{
    auth::{chain_int, lower},
    db::{Param, Pool, Sql},
    deals::DealRecord,
    error::Result,
    orders::OPEN,
};
use alloy_primitives::Address;
use poco_client::orders::order_name;
use poco_types::OrderKind;
use sqlx::{Row, any::AnyRow};

/// The statuses the watcher may change (FILLED and CANCELED are final).
pub(crate) const DEAD: &str = "DEAD";

/// How many values one `IN (...)` list binds.
const CHUNK: usize = 400;

/// The last block processed on `chain_id`, if any.
pub(crate) async fn position(pool: &Pool, chain_id: u64) -> Result<Option<u64>> {
    let mut sql = Sql::new("SELECT last_block FROM watcher WHERE chain_id = ");
    sql.int(chain_int(chain_id)?);
    let row = sql.query().fetch_optional(pool).await?;
    row.map(|row| row.try_get::<i64, _>("last_block"))
        .transpose()
        .map(|last| last.map(|n| u64::try_from(n).unwrap_or_default()))
        .map_err(Into::into)
}

/// The position, set to `last` first when the database has none.
pub(crate) async fn start(pool: &Pool, chain_id: u64, last: u64) -> Result<u64> {
    let mut sql = Sql::new("INSERT INTO watcher (chain_id, last_block) VALUES (");
    sql.int(chain_int(chain_id)?)
        .push(", ")
        .int(big(last))
        .push(") ON CONFLICT (chain_id) DO NOTHING");
    sql.query().execute(pool).await?;
    Ok(position(pool, chain_id).await?.unwrap_or(last))
}

fn big(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The columns a touched order is read with (those of `orders::published`, and its kind).
const TOUCHED: &str = "SELECT order_hash, kind, order_json, signer, status, remaining, \
                       published_at, tag, chain_id FROM orders";

/// Appends `column IN (values)` to `sql`.
fn within(sql: &mut Sql, column: &str, values: &[String]) {
    sql.push(&format!(" AND {column} IN ("));
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(Param::Text(value.clone()));
    }
    sql.push(")");
}

/// The OPEN and DEAD orders `changes` may change: matched or closed ones, those signed by a
/// wallet whose stake moved (workerpool and request orders), those of a resource that changed
/// owner. Each once.
pub(crate) async fn touched(pool: &Pool, chain_id: u64, changes: &Changes) -> Result<Vec<AnyRow>> {
    let chain = chain_int(chain_id)?;
    let base = |kinds: &[OrderKind]| {
        let mut sql = Sql::new(TOUCHED);
        sql.push(" WHERE chain_id = ")
            .int(chain)
            .push(" AND status IN (")
            .text(OPEN)
            .push(", ")
            .text(DEAD)
            .push(")");
        if !kinds.is_empty() {
            let names: Vec<String> = kinds.iter().map(|k| order_name(*k).to_owned()).collect();
            within(&mut sql, "kind", &names);
        }
        sql
    };
    let mut queries = Vec::new();
    let hashes: Vec<String> = changes
        .matched_hashes()
        .into_iter()
        .chain(changes.closed.iter().copied())
        .map(|h| h.to_string())
        .collect();
    for chunk in hashes.chunks(CHUNK) {
        let mut sql = base(&[]);
        within(&mut sql, "order_hash", chunk);
        queries.push(sql);
    }
    let wallets: Vec<String> = changes.wallets.iter().map(|w| lower(*w)).collect();
    for chunk in wallets.chunks(CHUNK) {
        let mut sql = base(&[OrderKind::Workerpool, OrderKind::Request]);
        within(&mut sql, "signer", chunk);
        queries.push(sql);
    }
    for kind in [OrderKind::App, OrderKind::Dataset, OrderKind::Workerpool] {
        let resources: Vec<String> = changes
            .transferred
            .iter()
            .filter(|(_, k)| **k == kind)
            .map(|(address, _)| lower(*address))
            .collect();
        for chunk in resources.chunks(CHUNK) {
            let mut sql = base(&[kind]);
            // The order's own resource is in the column named after its kind.
            within(&mut sql, crate::orders::resource_field(kind), chunk);
            queries.push(sql);
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut rows = Vec::new();
    for sql in &queries {
        for row in sql.query().fetch_all(pool).await? {
            let hash: String = row.try_get("order_hash")?;
            if seen.insert(hash) {
                rows.push(row);
            }
        }
    }
    Ok(rows)
}

/// What a committed range changed (the stream announces it).
#[derive(Debug, Default)]
pub(crate) struct Committed<'a> {
    /// The orders whose status or remaining volume changed.
    pub(crate) updated: Vec<&'a Update>,
    /// The deals recorded for the first time.
    pub(crate) created: Vec<&'a DealRecord>,
}

/// Writes `effects` and moves the position from `from` to `to`, in one transaction; `None`
/// when the position was no longer `from` (another watcher applied the range).
pub(crate) async fn commit<'a>(
    pool: &Pool,
    chain_id: u64,
    from: u64,
    to: u64,
    effects: &'a Effects,
) -> Result<Option<Committed<'a>>> {
    let chain = chain_int(chain_id)?;
    let mut tx = pool.begin().await?;
    let mut moved = Sql::new("UPDATE watcher SET last_block = ");
    moved
        .int(big(to))
        .push(" WHERE chain_id = ")
        .int(chain)
        .push(" AND last_block = ")
        .int(big(from));
    if moved.query().execute(&mut *tx).await?.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(None);
    }
    let mut committed = Committed::default();
    for update in &effects.updates {
        let mut sql = Sql::new("UPDATE orders SET status = ");
        sql.text(update.status)
            .push(", remaining = ")
            .int(update.remaining)
            .push(" WHERE chain_id = ")
            .int(chain)
            .push(" AND order_hash = ")
            .text(update.hash.clone())
            .push(" AND status IN (")
            .text(OPEN)
            .push(", ")
            .text(DEAD)
            .push(")");
        if sql.query().execute(&mut *tx).await?.rows_affected() == 1 {
            committed.updated.push(update);
        }
    }
    for deal in &effects.deals {
        if deal
            .insert(chain_id)?
            .query()
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1
        {
            committed.created.push(deal);
        }
    }
    for category in &effects.categories {
        category.insert(chain_id)?.query().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(Some(committed))
}

/// A stored signer as an address (the zero address if it is not one, which never happens).
pub(crate) fn signer(row: &AnyRow) -> Result<Address> {
    let text: String = row.try_get("signer")?;
    Ok(text.parse().unwrap_or(Address::ZERO))
}

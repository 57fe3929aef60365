//! Storing an order that passed every check of [`super::publish`]: one row of the `orders`
//! table, OPEN, with the indexed columns of [`super::columns`]. Publishing is the only caller
//! in the service; the benchmark seeds its book through the same function so that the rows
//! are exactly what publishing stores.

use super::{OPEN, columns::Columns};
use crate::{
    auth::{chain_int, lower},
    db::{Pool, Sql},
    error::{MarketError, Result},
};
use alloy_primitives::{Address, B256, U256};
use poco_client::orders::{AnySigned, order_name};

/// An order as the book stores it.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    /// The signed order.
    pub order: &'a AnySigned,
    /// Its EIP-712 hash on the market's hub.
    pub hash: B256,
    /// Its owner (the signer the hub accepted).
    pub owner: Address,
    /// The volume left on-chain (`volume - viewConsumed`).
    pub remaining: U256,
    /// When it was published, in ms since the epoch.
    pub published_at: i64,
}

/// Stores `entry` as OPEN on `chain_id`; a conflict when its hash is already in the book.
pub async fn insert(pool: &Pool, chain_id: u64, entry: &Entry<'_>) -> Result<()> {
    let order = entry.order;
    let c = Columns::of(order)?;
    let mut sql = Sql::new(
        "INSERT INTO orders (chain_id, order_hash, kind, order_json, signer, status, volume, \
         remaining, published_at, price, tag, category, trust, app, dataset, workerpool, \
         requester, beneficiary) VALUES (",
    );
    sql.int(chain_int(chain_id)?)
        .push(", ")
        .text(entry.hash.to_string())
        .push(", ")
        .text(order_name(order.kind()))
        .push(", ")
        .text(order.to_json().to_string())
        .push(", ")
        .text(lower(entry.owner))
        .push(", ")
        .text(OPEN)
        .push(", ")
        .int(c.volume)
        .push(", ")
        .int(super::columns::small(entry.remaining, "remaining volume")?)
        .push(", ")
        .int(entry.published_at)
        .push(", ")
        .int(c.price)
        .push(", ")
        .int(c.tag)
        .push(", ")
        .int(c.category)
        .push(", ")
        .int(c.trust);
    for address in [c.app, c.dataset, c.workerpool, c.requester, c.beneficiary] {
        sql.push(", ").text(lower(address));
    }
    sql.push(")");
    sql.query().execute(pool).await.map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => MarketError::Conflict(format!(
            "the {} {} is already published",
            order_name(order.kind()),
            entry.hash
        )),
        _ => MarketError::Database(e),
    })?;
    Ok(())
}

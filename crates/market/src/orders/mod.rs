//! The order book: the four kinds in one table ([`columns`] says what each kind puts in the
//! indexed columns), publishing with every check of the spec ([`publish`]), unpublishing
//! ([`unpublish`]) and the queries with iExec's filters, sort and pagination ([`query`]).

pub mod columns;
pub mod publish;
pub mod query;
pub mod unpublish;

use crate::{
    auth::lower,
    error::{MarketError, Result},
    time::iso8601,
};
use alloy_primitives::{Address, B256, U256};
use poco_client::orders::order_name;
use poco_types::{OrderKind, Tag};
use serde_json::{Value, json};
use sqlx::{Row, any::AnyRow};

/// The four kinds, in the order of the API's paths.
pub const KINDS: [OrderKind; 4] = [
    OrderKind::App,
    OrderKind::Dataset,
    OrderKind::Workerpool,
    OrderKind::Request,
];

/// An order's status in the book.
pub const OPEN: &str = "OPEN";

/// The columns a published order is read back with.
pub(crate) const SELECT: &str = "SELECT order_hash, order_json, signer, status, remaining, \
                                 published_at, tag, chain_id FROM orders";

/// The name of the request field that names a kind's resource (`app`, ..., `requester`).
pub fn resource_field(kind: OrderKind) -> &'static str {
    match kind {
        OrderKind::App => "app",
        OrderKind::Dataset => "dataset",
        OrderKind::Workerpool => "workerpool",
        OrderKind::Request => "requester",
    }
}

/// The API path of a kind's orders: `/apporders`, ...
pub fn path(kind: OrderKind) -> String {
    format!("/{}s", order_name(kind))
}

/// A row of [`SELECT`] as the API shows a published order.
pub(crate) fn published(row: &AnyRow) -> Result<Value> {
    let order_json: String = row.try_get("order_json")?;
    let order: Value = serde_json::from_str(&order_json)
        .map_err(|e| MarketError::Server(format!("a stored order is not JSON: {e}")))?;
    let signer: String = row.try_get("signer")?;
    let signer = signer
        .parse::<Address>()
        .map(|a| a.to_checksum(None))
        .unwrap_or(signer);
    let tag: i64 = row.try_get("tag")?;
    let tag = Tag(B256::from(U256::from(tag.max(0))));
    let tag_array = tag.names().unwrap_or_default();
    let chain_id: i64 = row.try_get("chain_id")?;
    Ok(json!({
        "order": order,
        "orderHash": row.try_get::<String, _>("order_hash")?,
        "chainId": chain_id,
        "signer": signer,
        "status": row.try_get::<String, _>("status")?,
        "remaining": row.try_get::<i64, _>("remaining")?,
        "publicationTimestamp": iso8601(row.try_get("published_at")?),
        "tagArray": tag_array,
    }))
}

/// The zero address as stored.
pub(crate) fn zero() -> String {
    lower(Address::ZERO)
}

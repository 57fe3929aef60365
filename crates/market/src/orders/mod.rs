//! The order book: the four kinds in one table ([`columns`] says what each kind puts in the
//! indexed columns), publishing with every check of the spec ([`publish`], which stores through
//! [`store`]), unpublishing ([`unpublish`]) and the queries with iExec's filters, sort and
//! pagination ([`query`], whose counts are remembered between writes by [`counts`]).

pub mod columns;
pub mod counts;
pub mod liveness;
pub mod publish;
pub mod query;
pub mod store;
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
    let mut order: Value = serde_json::from_str(&order_json)
        .map_err(|e| MarketError::Server(format!("a stored order is not JSON: {e}")))?;
    amounts_as_numbers(&mut order);
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

/// The amount fields of an order, which iExec's market API sends as JSON numbers.
const AMOUNTS: [&str; 9] = [
    "appprice",
    "datasetprice",
    "workerpoolprice",
    "appmaxprice",
    "datasetmaxprice",
    "workerpoolmaxprice",
    "volume",
    "category",
    "trust",
];

/// Turns the decimal-string amounts of `order` (the SDK's signing form) into JSON numbers, as
/// iExec's market API sends them; an amount above 2^53 − 1 stays a string, since JavaScript
/// clients would lose its precision as a number.
pub(crate) fn amounts_as_numbers(order: &mut Value) {
    const MAX_SAFE: u64 = (1 << 53) - 1;
    for field in AMOUNTS {
        if let Some(value) = order.get_mut(field)
            && let Some(number) = value.as_str().and_then(|text| text.parse::<u64>().ok())
            && number <= MAX_SAFE
        {
            *value = json!(number);
        }
    }
}

/// The zero address as stored.
pub(crate) fn zero() -> String {
    lower(Address::ZERO)
}

//! The order book queries: `GET /{kind}orders` with iExec's filters, sort and pagination, and
//! `GET /{kind}orders/{orderHash}`. Only OPEN orders are listed. Sell orders (app, dataset,
//! workerpool) come cheapest first, request orders highest `workerpoolmaxprice` first; ties go
//! to the earliest published, then the lowest hash.
//!
//! Party filters follow the SDK: for an order's own resource, a given address selects it and
//! `any` (or nothing) selects all; for a restriction, nothing selects the unrestricted orders,
//! an address selects the orders restricted to it and the unrestricted ones (only the former
//! with the `is*Strict` flag), and `any` selects all.

use super::{OPEN, SELECT, published, zero};
use crate::{
    auth::{chain_int, lower},
    db::{Param, Pool, Sql},
    error::{MarketError, Result},
    params::{AddressFilter, Params},
    server::AppState,
    stream::Topic,
};
use alloy_primitives::B256;
use poco_client::orders::order_name;
use poco_types::OrderKind;
use serde_json::{Value, json};

/// One condition of a query's WHERE clause. Column names are fixed strings, never input.
#[derive(Clone, Debug)]
enum Cond {
    Eq(&'static str, Param),
    EqOrZero(&'static str, String),
    AtLeast(&'static str, i64),
    AtMost(&'static str, i64),
    /// `tag` has all these bits.
    TagHas(i64),
    /// `tag` has only bits of these.
    TagWithin(i64),
}

/// A page of a query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    /// From 0.
    pub index: i64,
    /// Orders per page.
    pub size: i64,
}

impl Page {
    /// Reads `pageIndex` and `pageSize` (default 20, between `min` and `max`).
    pub fn read(params: &Params, min: u32, max: u32) -> Result<Self> {
        let index = params.int("pageIndex")?.unwrap_or(0);
        let size = params
            .int("pageSize")?
            .unwrap_or(i64::from(crate::config::DEFAULT_PAGE_SIZE));
        if size < i64::from(min) || size > i64::from(max) {
            return Err(MarketError::bad(format!(
                "pageSize must be between {min} and {max}, not {size}"
            )));
        }
        if index.checked_mul(size).is_none() {
            return Err(MarketError::bad(format!(
                "pageIndex is too large ({index})"
            )));
        }
        Ok(Self { index, size })
    }
}

/// The conditions of a `kind` query's filters.
fn conditions(kind: OrderKind, params: &Params) -> Result<Vec<Cond>> {
    let mut conds = Vec::new();
    let own = |conds: &mut Vec<Cond>, column: &'static str, name: &str| -> Result<()> {
        if let Some(AddressFilter::Is(address)) = params.address(name)? {
            conds.push(Cond::Eq(column, Param::Text(lower(address))));
        }
        Ok(())
    };
    let restriction =
        |conds: &mut Vec<Cond>, column: &'static str, name: &str, strict: &str| -> Result<()> {
            let strict = params.flag(strict)?;
            match params.address(name)? {
                None => conds.push(Cond::Eq(column, Param::Text(zero()))),
                Some(AddressFilter::Any) => {}
                Some(AddressFilter::Is(address)) if strict => {
                    conds.push(Cond::Eq(column, Param::Text(lower(address))));
                }
                Some(AddressFilter::Is(address)) => {
                    conds.push(Cond::EqOrZero(column, lower(address)));
                }
            }
            Ok(())
        };
    let owner = |conds: &mut Vec<Cond>, name: &str| -> Result<()> { own(conds, "signer", name) };
    match kind {
        OrderKind::App => {
            own(&mut conds, "app", "app")?;
            owner(&mut conds, "appOwner")?;
            restriction(&mut conds, "dataset", "dataset", "isDatasetStrict")?;
            restriction(&mut conds, "workerpool", "workerpool", "isWorkerpoolStrict")?;
            restriction(&mut conds, "requester", "requester", "isRequesterStrict")?;
        }
        OrderKind::Dataset => {
            own(&mut conds, "dataset", "dataset")?;
            owner(&mut conds, "datasetOwner")?;
            restriction(&mut conds, "app", "app", "isAppStrict")?;
            restriction(&mut conds, "workerpool", "workerpool", "isWorkerpoolStrict")?;
            restriction(&mut conds, "requester", "requester", "isRequesterStrict")?;
        }
        OrderKind::Workerpool => {
            own(&mut conds, "workerpool", "workerpool")?;
            owner(&mut conds, "workerpoolOwner")?;
            restriction(&mut conds, "app", "app", "isAppStrict")?;
            restriction(&mut conds, "dataset", "dataset", "isDatasetStrict")?;
            restriction(&mut conds, "requester", "requester", "isRequesterStrict")?;
            if let Some(trust) = params.int("minTrust")? {
                conds.push(Cond::AtLeast("trust", trust));
            }
        }
        OrderKind::Request => {
            own(&mut conds, "requester", "requester")?;
            own(&mut conds, "beneficiary", "beneficiary")?;
            own(&mut conds, "app", "app")?;
            own(&mut conds, "dataset", "dataset")?;
            restriction(&mut conds, "workerpool", "workerpool", "isWorkerpoolStrict")?;
            if let Some(trust) = params.int("maxTrust")? {
                conds.push(Cond::AtMost("trust", trust));
            }
        }
    }
    if matches!(kind, OrderKind::Workerpool | OrderKind::Request)
        && let Some(category) = params.int("category")?
    {
        conds.push(Cond::Eq("category", Param::Int(category)));
    }
    if let Some(tag) = params.tag("minTag")? {
        conds.push(Cond::TagHas(tag));
    }
    if let Some(tag) = params.tag("maxTag")? {
        conds.push(Cond::TagWithin(tag));
    }
    if let Some(volume) = params.int("minVolume")? {
        conds.push(Cond::AtLeast("remaining", volume));
    }
    Ok(conds)
}

/// `prefix` followed by the WHERE clause of a `kind` query on `chain_id` with `conds`.
fn filtered(prefix: &str, chain_id: i64, kind: OrderKind, conds: &[Cond]) -> Sql {
    let mut sql = Sql::new(prefix);
    sql.push(" WHERE chain_id = ")
        .int(chain_id)
        .push(" AND kind = ")
        .text(order_name(kind))
        .push(" AND status = ")
        .text(OPEN);
    for cond in conds {
        match cond {
            Cond::Eq(column, value) => {
                sql.push(&format!(" AND {column} = ")).bind(value.clone());
            }
            Cond::EqOrZero(column, value) => {
                sql.push(&format!(" AND ({column} = "))
                    .text(value.clone())
                    .push(&format!(" OR {column} = "))
                    .text(zero())
                    .push(")");
            }
            Cond::AtLeast(column, value) => {
                sql.push(&format!(" AND {column} >= ")).int(*value);
            }
            Cond::AtMost(column, value) => {
                sql.push(&format!(" AND {column} <= ")).int(*value);
            }
            Cond::TagHas(bits) => {
                sql.push(" AND (tag & ").int(*bits).push(") = ").int(*bits);
            }
            Cond::TagWithin(bits) => {
                sql.push(" AND (tag & ").int(!*bits).push(") = 0");
            }
        }
    }
    sql
}

/// `GET /{kind}orders`: `{ok, orders, count, nextPage?}`. The count may come from
/// [`AppState::counts`] (no write since it was computed); the page is always read.
pub async fn list(
    state: &AppState,
    chain_id: u64,
    kind: OrderKind,
    params: &Params,
    page: Page,
) -> Result<Value> {
    let pool = &state.pool;
    let chain = chain_int(chain_id)?;
    let conds = conditions(kind, params)?;
    let count_sql = filtered("SELECT COUNT(*) AS n FROM orders", chain, kind, &conds);
    // A count within one category changes only with writes to orders of that category (or of
    // an unknown one).
    let category = match kind {
        OrderKind::Workerpool | OrderKind::Request => {
            params.int("category")?.and_then(|c| u64::try_from(c).ok())
        }
        OrderKind::App | OrderKind::Dataset => None,
    };
    let count = state
        .counts
        .get_or_count(
            kind,
            || state.events.newest_of(Topic::Order(kind), category),
            format!("{count_sql:?}"),
            || async {
                let row = count_sql.query().fetch_one(pool).await?;
                Ok::<i64, MarketError>(sqlx::Row::try_get(&row, "n")?)
            },
        )
        .await?;
    let order = if kind == OrderKind::Request {
        "price DESC"
    } else {
        "price ASC"
    };
    let mut select = filtered(SELECT, chain, kind, &conds);
    select
        .push(&format!(
            " ORDER BY {order}, published_at ASC, order_hash ASC LIMIT "
        ))
        .int(page.size)
        .push(" OFFSET ")
        .int(page.index * page.size);
    let rows = select.query().fetch_all(pool).await?;
    let orders = rows.iter().map(published).collect::<Result<Vec<_>>>()?;
    let mut reply = json!({"ok": true, "orders": orders, "count": count});
    if (page.index + 1).saturating_mul(page.size) < count {
        reply["nextPage"] = json!(page.index + 1);
    }
    Ok(reply)
}

/// `GET /{kind}orders/{orderHash}`: `{ok, order, orderHash, ...}`, whatever its status.
pub async fn get(pool: &Pool, chain_id: u64, kind: OrderKind, hash: &str) -> Result<Value> {
    let hash: B256 = hash.parse().map_err(|_| {
        MarketError::bad(format!(
            "the order hash must be 0x and 64 hex digits, not `{}`",
            crate::params::shorten(hash)
        ))
    })?;
    let mut sql = Sql::new(SELECT);
    sql.push(" WHERE chain_id = ")
        .int(chain_int(chain_id)?)
        .push(" AND kind = ")
        .text(order_name(kind))
        .push(" AND order_hash = ")
        .text(hash.to_string());
    let row = sql.query().fetch_optional(pool).await?.ok_or_else(|| {
        MarketError::NotFound(format!(
            "no {} {hash} in this market (chain {chain_id})",
            order_name(kind)
        ))
    })?;
    let mut reply = published(&row)?;
    reply["ok"] = json!(true);
    Ok(reply)
}

//! The hub's categories, kept in the `categories` table so that `GET /categories[/{id}]` never
//! reads the chain: [`sync`] copies the ones missing from the hub on start (`countCategory`,
//! `viewCategory`), and the chain watcher adds each new one from its `CreateCategory` event.
//! Categories never change once created, so a row is written once ([`Category::insert`] does
//! nothing the second time).
//!
//! `GET /categories?chainId[&minWorkClockTimeRef][&maxWorkClockTimeRef][&pageIndex&pageSize]`
//! answers `{ok, categories: [{catid, chainId, name, description, workClockTimeRef}], count,
//! nextPage?}` by id; `GET /categories/{id}` answers `{ok, catid, ...}` or a 404.

use crate::{
    auth::chain_int,
    db::{Pool, Sql},
    error::{MarketError, Result},
    orders::query::Page,
    params::Params,
};
use alloy_primitives::U256;
use poco_client::Client;
use serde_json::{Value, json};
use sqlx::Row;
use std::collections::BTreeSet;

/// One category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    /// Its id (index on the hub).
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its reference duration, in seconds.
    pub work_clock_time_ref: u64,
}

impl Category {
    /// The statement that stores it on `chain_id` once.
    pub fn insert(&self, chain_id: u64) -> Result<Sql> {
        let mut sql = Sql::new(
            "INSERT INTO categories (chain_id, catid, name, description, work_clock_time_ref) \
             VALUES (",
        );
        sql.int(chain_int(chain_id)?)
            .push(", ")
            .int(big(self.id))
            .push(", ")
            .text(self.name.clone())
            .push(", ")
            .text(self.description.clone())
            .push(", ")
            .int(big(self.work_clock_time_ref))
            .push(") ON CONFLICT (chain_id, catid) DO NOTHING");
        Ok(sql)
    }
}

/// A `u64` as a BIGINT (saturating).
fn big(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A `U256` as a `u64` (saturating).
pub(crate) fn small(value: U256) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

/// Copies the hub's categories that the table lacks; returns how many the hub has.
pub async fn sync(pool: &Pool, client: &Client, chain_id: u64) -> Result<u64> {
    let count = small(poco_client::categories::count(client).await?);
    let mut sql = Sql::new("SELECT catid FROM categories WHERE chain_id = ");
    sql.int(chain_int(chain_id)?);
    let known = sql
        .query()
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| row.try_get::<i64, _>("catid"))
        .collect::<Result<BTreeSet<_>, _>>()?;
    for id in 0..count {
        if known.contains(&big(id)) {
            continue;
        }
        let read = client
            .hub()
            .viewCategory(U256::from(id))
            .call()
            .await
            .map_err(|e| MarketError::chain(&format!("read category {id}"), e))?;
        let category = Category {
            id,
            name: read.name,
            description: read.description,
            work_clock_time_ref: small(read.workClockTimeRef),
        };
        category.insert(chain_id)?.query().execute(pool).await?;
    }
    Ok(count)
}

const SELECT: &str =
    "SELECT catid, name, description, work_clock_time_ref, chain_id FROM categories";

fn shown(row: &sqlx::any::AnyRow) -> Result<Value> {
    Ok(json!({
        "catid": row.try_get::<i64, _>("catid")?,
        "chainId": row.try_get::<i64, _>("chain_id")?,
        "name": row.try_get::<String, _>("name")?,
        "description": row.try_get::<String, _>("description")?,
        "workClockTimeRef": row.try_get::<i64, _>("work_clock_time_ref")?,
    }))
}

/// `prefix` with the WHERE clause of the request's filters.
fn filtered(prefix: &str, chain_id: u64, params: &Params) -> Result<Sql> {
    let mut sql = Sql::new(prefix);
    sql.push(" WHERE chain_id = ").int(chain_int(chain_id)?);
    if let Some(min) = params.int("minWorkClockTimeRef")? {
        sql.push(" AND work_clock_time_ref >= ").int(min);
    }
    if let Some(max) = params.int("maxWorkClockTimeRef")? {
        sql.push(" AND work_clock_time_ref <= ").int(max);
    }
    Ok(sql)
}

/// `GET /categories`: `{ok, categories, count, nextPage?}`, by id.
pub async fn list(pool: &Pool, chain_id: u64, params: &Params, page: Page) -> Result<Value> {
    let count: i64 = filtered("SELECT COUNT(*) AS n FROM categories", chain_id, params)?
        .query()
        .fetch_one(pool)
        .await?
        .try_get("n")?;
    let mut select = filtered(SELECT, chain_id, params)?;
    select
        .push(" ORDER BY catid ASC LIMIT ")
        .int(page.size)
        .push(" OFFSET ")
        .int(page.index * page.size);
    let rows = select.query().fetch_all(pool).await?;
    let categories = rows.iter().map(shown).collect::<Result<Vec<_>>>()?;
    let mut reply = json!({"ok": true, "categories": categories, "count": count});
    if (page.index + 1).saturating_mul(page.size) < count {
        reply["nextPage"] = json!(page.index + 1);
    }
    Ok(reply)
}

/// `GET /categories/{id}`: `{ok, catid, chainId, name, description, workClockTimeRef}`.
pub async fn get(pool: &Pool, chain_id: u64, id: &str) -> Result<Value> {
    let id: u64 = id
        .parse()
        .map_err(|_| MarketError::bad("the category id must be a non-negative integer"))?;
    let mut sql = Sql::new(SELECT);
    sql.push(" WHERE chain_id = ")
        .int(chain_int(chain_id)?)
        .push(" AND catid = ")
        .int(big(id));
    let row = sql
        .query()
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| MarketError::NotFound(format!("no category {id} on this chain")))?;
    let mut reply = shown(&row)?;
    reply["ok"] = json!(true);
    Ok(reply)
}

//! Deals: what the chain watcher records for each `OrdersMatched` event ([`DealRecord`], one
//! row of the `deals` table), and `GET /deals` / `GET /deals/{dealid}` over them, with the field
//! names of iExec's market API:
//!
//! ```json
//! {"dealid": "0x…", "chainId": 31337,
//!  "app": {"pointer": "0xApp…", "owner": "0x…", "price": 3},
//!  "dataset": {"pointer": "0x000…", "owner": "0x000…", "price": 0},
//!  "workerpool": {"pointer": "0x…", "owner": "0x…", "price": 7},
//!  "appHash": "0x…", "datasetHash": "0x000…", "workerpoolHash": "0x…", "requestHash": "0x…",
//!  "requester": "0x…", "beneficiary": "0x…", "callback": "0x000…", "params": "{…}",
//!  "volume": 1, "category": 0, "tag": "0x000…", "trust": 0, "startTime": 1718000000,
//!  "botFirst": 0, "botSize": 1, "workerStake": 0, "schedulerRewardRatio": 1,
//!  "sponsor": "0x…", "blockNumber": 42, "blockTimestamp": "2024-06-10T06:13:20.000Z",
//!  "transactionHash": "0x…"}
//! ```
//!
//! Addresses are checksummed, hashes lower case, amounts and counts JSON numbers (a decimal
//! string in the impossible case of a value above 2^64). `GET /deals` filters (all optional,
//! combined with AND): `category`, `requester`, `beneficiary`, `app`, `dataset`, `workerpool`,
//! `appOwner`, `datasetOwner`, `workerpoolOwner` (addresses; `any` is no filter),
//! `apporderHash`, `datasetorderHash`, `workerpoolorderHash`, `requestorderHash` (also read as
//! `requestHash`); `pageIndex`/`pageSize` as for orders; newest first (block, then position in
//! the block); `{ok, deals, count, nextPage?}`.

use crate::{
    auth::{chain_int, lower},
    db::{Pool, Sql},
    error::{MarketError, Result},
    orders::query::Page,
    params::{AddressFilter, Params, shorten},
    time::iso8601,
};
use alloy_primitives::{B256, U256};
use poco_contracts::PocoTypes;
use serde_json::{Value, json};

/// A deal as the watcher records it: the hub's `viewDeal` and where the match happened.
#[derive(Clone)]
pub struct DealRecord {
    /// The deal's id.
    pub deal_id: B256,
    /// The deal, as `viewDeal` returns it.
    pub deal: PocoTypes::Deal,
    /// The app, dataset, workerpool and request order hashes of the match (the dataset's is
    /// zero without a dataset).
    pub hashes: [B256; 4],
    /// The number of tasks matched.
    pub volume: U256,
    /// The block of the `OrdersMatched` log.
    pub block_number: u64,
    /// The log's index in its block.
    pub log_index: u64,
    /// The block's timestamp, in seconds.
    pub block_timestamp: u64,
    /// The `matchOrders` transaction.
    pub transaction_hash: B256,
}

impl std::fmt::Debug for DealRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DealRecord")
            .field("deal_id", &self.deal_id)
            .field("hashes", &self.hashes)
            .field("volume", &self.volume)
            .field("block_number", &self.block_number)
            .field("log_index", &self.log_index)
            .finish_non_exhaustive()
    }
}

/// An amount or count as a JSON number (a decimal string above 2^64).
fn number(value: U256) -> Value {
    u64::try_from(value).map_or_else(|_| Value::String(value.to_string()), Value::from)
}

/// A BIGINT column of a value that fits it in every real deal.
fn int(value: U256) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A `u64` as a BIGINT.
fn int64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn resource(r: &PocoTypes::Resource) -> Value {
    json!({
        "pointer": r.pointer.to_checksum(None),
        "owner": r.owner.to_checksum(None),
        "price": number(r.price),
    })
}

impl DealRecord {
    /// The deal as the API shows it (see the module's example).
    pub fn json(&self, chain_id: u64) -> Value {
        let d = &self.deal;
        let [app, dataset, workerpool, request] = self.hashes;
        let ms = i64::try_from(self.block_timestamp)
            .unwrap_or(i64::MAX / 1000)
            .saturating_mul(1000);
        json!({
            "dealid": self.deal_id.to_string(),
            "chainId": chain_id,
            "app": resource(&d.app),
            "dataset": resource(&d.dataset),
            "workerpool": resource(&d.workerpool),
            "appHash": app.to_string(),
            "datasetHash": dataset.to_string(),
            "workerpoolHash": workerpool.to_string(),
            "requestHash": request.to_string(),
            "requester": d.requester.to_checksum(None),
            "beneficiary": d.beneficiary.to_checksum(None),
            "callback": d.callback.to_checksum(None),
            "params": d.params,
            "volume": number(self.volume),
            "category": number(d.category),
            "tag": d.tag.to_string(),
            "trust": number(d.trust),
            "startTime": number(d.startTime),
            "botFirst": number(d.botFirst),
            "botSize": number(d.botSize),
            "workerStake": number(d.workerStake),
            "schedulerRewardRatio": number(d.schedulerRewardRatio),
            "sponsor": d.sponsor.to_checksum(None),
            "blockNumber": self.block_number,
            "blockTimestamp": iso8601(ms),
            "transactionHash": self.transaction_hash.to_string(),
        })
    }

    /// The statement that stores it on `chain_id` once (a second insert does nothing).
    pub fn insert(&self, chain_id: u64) -> Result<Sql> {
        let d = &self.deal;
        let mut sql = Sql::new(
            "INSERT INTO deals (chain_id, deal_id, app, dataset, workerpool, requester, \
             beneficiary, category, apporder_hash, datasetorder_hash, workerpoolorder_hash, \
             requestorder_hash, volume, block_number, block_timestamp, transaction_hash, \
             deal_json, log_index, app_owner, dataset_owner, workerpool_owner) VALUES (",
        );
        sql.int(chain_int(chain_id)?)
            .push(", ")
            .text(self.deal_id.to_string());
        for address in [
            d.app.pointer,
            d.dataset.pointer,
            d.workerpool.pointer,
            d.requester,
            d.beneficiary,
        ] {
            sql.push(", ").text(lower(address));
        }
        sql.push(", ").int(int(d.category));
        for hash in self.hashes {
            sql.push(", ").text(hash.to_string());
        }
        sql.push(", ")
            .int(int(self.volume))
            .push(", ")
            .int(int64(self.block_number))
            .push(", ")
            .int(int64(self.block_timestamp))
            .push(", ")
            .text(self.transaction_hash.to_string())
            .push(", ")
            .text(self.json(chain_id).to_string())
            .push(", ")
            .int(int64(self.log_index));
        for owner in [d.app.owner, d.dataset.owner, d.workerpool.owner] {
            sql.push(", ").text(lower(owner));
        }
        sql.push(") ON CONFLICT (chain_id, deal_id) DO NOTHING");
        Ok(sql)
    }
}

/// The address filters: query parameter → column.
const ADDRESS_FILTERS: [(&str, &str); 8] = [
    ("requester", "requester"),
    ("beneficiary", "beneficiary"),
    ("app", "app"),
    ("dataset", "dataset"),
    ("workerpool", "workerpool"),
    ("appOwner", "app_owner"),
    ("datasetOwner", "dataset_owner"),
    ("workerpoolOwner", "workerpool_owner"),
];

/// The order hash filters: query parameters → column.
const HASH_FILTERS: [(&[&str], &str); 4] = [
    (&["apporderHash"], "apporder_hash"),
    (&["datasetorderHash"], "datasetorder_hash"),
    (&["workerpoolorderHash"], "workerpoolorder_hash"),
    (&["requestorderHash", "requestHash"], "requestorder_hash"),
];

/// `prefix` with the WHERE clause of the request's filters.
fn filtered(prefix: &str, chain_id: u64, params: &Params) -> Result<Sql> {
    let mut sql = Sql::new(prefix);
    sql.push(" WHERE chain_id = ").int(chain_int(chain_id)?);
    for (name, column) in ADDRESS_FILTERS {
        if let Some(AddressFilter::Is(address)) = params.address(name)? {
            sql.push(&format!(" AND {column} = ")).text(lower(address));
        }
    }
    for (names, column) in HASH_FILTERS {
        for name in names {
            if let Some(hash) = bytes32(params, name)? {
                sql.push(&format!(" AND {column} = "))
                    .text(hash.to_string());
            }
        }
    }
    if let Some(category) = params.int("category")? {
        sql.push(" AND category = ").int(category);
    }
    Ok(sql)
}

/// A bytes32 parameter, or a 400.
fn bytes32(params: &Params, name: &str) -> Result<Option<B256>> {
    params
        .get(name)
        .map(|value| {
            value.parse::<B256>().map_err(|_| {
                MarketError::bad(format!(
                    "{name} must be an order hash (0x and 64 hex digits), not `{}`",
                    shorten(value)
                ))
            })
        })
        .transpose()
}

/// A stored deal's JSON.
fn stored(row: &sqlx::any::AnyRow) -> Result<Value> {
    let text: String = sqlx::Row::try_get(row, "deal_json")?;
    serde_json::from_str(&text)
        .map_err(|e| MarketError::Server(format!("a stored deal is not JSON: {e}")))
}

/// `GET /deals`: `{ok, deals, count, nextPage?}`, newest first.
pub async fn list(pool: &Pool, chain_id: u64, params: &Params, page: Page) -> Result<Value> {
    let count: i64 = sqlx::Row::try_get(
        &filtered("SELECT COUNT(*) AS n FROM deals", chain_id, params)?
            .query()
            .fetch_one(pool)
            .await?,
        "n",
    )?;
    let mut select = filtered("SELECT deal_json FROM deals", chain_id, params)?;
    select
        .push(" ORDER BY block_number DESC, log_index DESC, deal_id ASC LIMIT ")
        .int(page.size)
        .push(" OFFSET ")
        .int(page.index * page.size);
    let rows = select.query().fetch_all(pool).await?;
    let deals = rows.iter().map(stored).collect::<Result<Vec<_>>>()?;
    let mut reply = json!({"ok": true, "deals": deals, "count": count});
    if (page.index + 1).saturating_mul(page.size) < count {
        reply["nextPage"] = json!(page.index + 1);
    }
    Ok(reply)
}

/// `GET /deals/{dealid}`: `{ok, ...deal}`.
pub async fn get(pool: &Pool, chain_id: u64, deal_id: &str) -> Result<Value> {
    let deal_id: B256 = deal_id.parse().map_err(|_| {
        MarketError::bad(format!(
            "the deal id must be 0x and 64 hex digits, not `{}`",
            shorten(deal_id)
        ))
    })?;
    let mut sql = Sql::new("SELECT deal_json FROM deals WHERE chain_id = ");
    sql.int(chain_int(chain_id)?)
        .push(" AND deal_id = ")
        .text(deal_id.to_string());
    let row = sql.query().fetch_optional(pool).await?.ok_or_else(|| {
        MarketError::NotFound(format!(
            "no deal {deal_id} in this market (chain {chain_id}); a deal appears once its \
             block is confirmed"
        ))
    })?;
    let mut reply = stored(&row)?;
    reply["ok"] = json!(true);
    Ok(reply)
}

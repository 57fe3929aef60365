//! What a block range does to the book ([`Effects`]), computed from its [`Changes`], the
//! touched orders' rows and the chain read at the range's last block. Every touched order is
//! re-derived whole, in this order:
//! 1. closed on-chain (`Closed*Order`) → CANCELED, remaining 0;
//! 2. matched → remaining = volume − `viewConsumed`; none left → FILLED;
//! 3. otherwise it is OPEN when its rule of [`crate::orders::liveness`] holds (the signer
//!    still owns the app, dataset or workerpool; the signer's free stake covers what the
//!    remaining tasks lock), DEAD when it does not. A DEAD order whose rule holds again (the
//!    owner deposited, the resource came back) is OPEN again: the order is still valid
//!    on-chain, and the book should offer every order that can match. (Reopening does not
//!    count against `max_open_orders_per_wallet`: the order passed that check when it was
//!    published.)
//!
//! FILLED and CANCELED are final; only OPEN and DEAD orders are touched. Because the result
//! depends only on the chain at the range's end, applying a range again gives the same book.

use super::{
    chain::At,
    logs::{Changes, Registries},
    store::{self, DEAD},
};
use crate::{
    categories::Category,
    deals::DealRecord,
    error::Result,
    orders::{KINDS, OPEN, liveness, published},
    server::AppState,
};
use alloy_primitives::{Address, B256, U256};
use futures::{StreamExt, TryStreamExt, stream};
use poco_client::orders::{AnySigned, order_name};
use poco_types::OrderKind;
use serde_json::{Value, json};
use sqlx::{Row, any::AnyRow};
use std::{
    collections::{BTreeMap, BTreeSet},
    future::Future,
};

/// An order's status when matches consumed all its volume.
pub(crate) const FILLED: &str = "FILLED";
/// An order's status once closed on-chain.
pub(crate) const CANCELED: &str = "CANCELED";

/// How many chain reads run at once.
const PARALLEL: usize = 16;

/// A change of one order.
#[derive(Clone, Debug)]
pub(crate) struct Update {
    /// The order's hash.
    pub(crate) hash: String,
    /// Its kind.
    pub(crate) kind: OrderKind,
    /// Its new status.
    pub(crate) status: &'static str,
    /// Its new remaining volume.
    pub(crate) remaining: i64,
    /// The order as the API shows it after the change.
    pub(crate) shown: Value,
}

/// What one range does.
#[derive(Clone, Debug, Default)]
pub(crate) struct Effects {
    /// The orders that change.
    pub(crate) updates: Vec<Update>,
    /// The deals made.
    pub(crate) deals: Vec<DealRecord>,
    /// The categories created.
    pub(crate) categories: Vec<Category>,
}

/// One touched order, read from its row.
struct Touched {
    row: AnyRow,
    hash: B256,
    kind: OrderKind,
    order: AnySigned,
    signer: Address,
    status: String,
    remaining: i64,
}

impl Touched {
    fn read(row: AnyRow) -> Result<Option<Self>> {
        let kind_name: String = row.try_get("kind")?;
        let hash: String = row.try_get("order_hash")?;
        let json: String = row.try_get("order_json")?;
        let Some(kind) = KINDS.into_iter().find(|k| order_name(*k) == kind_name) else {
            return Ok(None);
        };
        let order = serde_json::from_str::<Value>(&json)
            .ok()
            .and_then(|value| AnySigned::from_json(kind, &value).ok());
        let (Some(order), Ok(hash)) = (order, hash.parse::<B256>()) else {
            tracing::error!("chain watcher: the stored {kind_name} {hash} cannot be read back");
            return Ok(None);
        };
        Ok(Some(Self {
            signer: store::signer(&row)?,
            status: row.try_get("status")?,
            remaining: row.try_get("remaining")?,
            row,
            hash,
            kind,
            order,
        }))
    }
}

/// Runs `read` for each of `keys`, [`PARALLEL`] at a time.
async fn read_all<K, V, F, Fut>(keys: BTreeSet<K>, read: F) -> Result<BTreeMap<K, V>>
where
    K: Ord + Copy,
    F: Fn(K) -> Fut,
    Fut: Future<Output = Result<V>>,
{
    stream::iter(keys)
        .map(|key| {
            let fut = read(key);
            async move { fut.await.map(|value| (key, value)) }
        })
        .buffer_unordered(PARALLEL)
        .try_collect()
        .await
}

/// The effects of `changes`, the range ending at block `to`.
pub(crate) async fn effects(
    state: &AppState,
    registries: Registries,
    changes: &Changes,
    to: u64,
) -> Result<Effects> {
    let at = At::new(&state.client, registries, to);
    let rows = store::touched(&state.pool, state.config.chain_id, changes).await?;
    let mut touched = Vec::new();
    for row in rows {
        touched.extend(Touched::read(row)?);
    }
    let matched = changes.matched_hashes();
    let live = |t: &&Touched| !changes.closed.contains(&t.hash);
    // The chain at `to`: consumed volumes, owners, stakes, the ratio.
    let consumed = read_all(
        touched
            .iter()
            .filter(live)
            .filter(|t| matched.contains(&t.hash))
            .map(|t| t.hash)
            .collect(),
        |hash| at.consumed(hash),
    )
    .await?;
    let owners = read_all(
        touched
            .iter()
            .filter(live)
            .filter_map(|t| liveness::owned_resource(&t.order))
            .map(|(kind, resource)| (kind_index(kind), resource))
            .collect(),
        |(kind, resource)| at.owner(KINDS[kind], resource),
    )
    .await?;
    let stakes = read_all(
        touched
            .iter()
            .filter(live)
            .filter(|t| matches!(t.kind, OrderKind::Workerpool | OrderKind::Request))
            .map(|t| t.signer)
            .collect(),
        |who| at.stake(who),
    )
    .await?;
    let ratio = if touched
        .iter()
        .any(|t| t.kind == OrderKind::Workerpool && live(&t))
    {
        at.ratio().await?
    } else {
        U256::ZERO
    };

    let mut effects = Effects::default();
    for t in &touched {
        let (status, remaining) = if changes.closed.contains(&t.hash) {
            (CANCELED, 0)
        } else {
            let remaining = match consumed.get(&t.hash) {
                Some(consumed) => {
                    let left = t.order.volume().saturating_sub(*consumed);
                    i64::try_from(left).unwrap_or(i64::MAX)
                }
                None => t.remaining,
            };
            let status = if remaining == 0 {
                FILLED
            } else if alive(t, remaining, ratio, &owners, &stakes) {
                OPEN
            } else {
                DEAD
            };
            (status, remaining)
        };
        if status == t.status && remaining == t.remaining {
            continue;
        }
        let mut shown = published(&t.row)?;
        shown["status"] = json!(status);
        shown["remaining"] = json!(remaining);
        effects.updates.push(Update {
            hash: t.hash.to_string(),
            kind: t.kind,
            status,
            remaining,
            shown,
        });
    }
    let mut times = BTreeMap::new();
    for m in &changes.matched {
        let time = match times.get(&m.block) {
            Some(time) => *time,
            None => *times.entry(m.block).or_insert(at.timestamp(m.block).await?),
        };
        effects.deals.push(DealRecord {
            deal_id: m.deal_id,
            deal: at.deal(m.deal_id).await?,
            hashes: m.hashes,
            volume: m.volume,
            block_number: m.block,
            log_index: m.log_index,
            block_timestamp: time,
            transaction_hash: m.tx,
        });
    }
    effects.categories = changes.categories.clone();
    Ok(effects)
}

/// The position of `kind` in [`KINDS`] (a sortable key).
fn kind_index(kind: OrderKind) -> usize {
    KINDS.iter().position(|k| *k == kind).unwrap_or_default()
}

/// Whether `t`'s liveness rule holds with `remaining` tasks left.
fn alive(
    t: &Touched,
    remaining: i64,
    ratio: U256,
    owners: &BTreeMap<(usize, Address), Option<Address>>,
    stakes: &BTreeMap<Address, U256>,
) -> bool {
    if let Some((kind, resource)) = liveness::owned_resource(&t.order)
        && owners.get(&(kind_index(kind), resource)) != Some(&Some(t.signer))
    {
        return false;
    }
    let remaining = U256::from(u64::try_from(remaining).unwrap_or_default());
    match liveness::stake_needed(&t.order, ratio, remaining) {
        Some((needed, _)) => stakes.get(&t.signer).is_some_and(|stake| *stake >= needed),
        None => true,
    }
}

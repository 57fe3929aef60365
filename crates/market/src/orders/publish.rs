//! Publishing an order: `POST /{kind}orders?chainId` with `{order}` by an authenticated wallet.
//! The checks, in order: the JSON is a signed order of the kind; it is not already in the
//! book; its amounts fit; the authenticated wallet is the order's owner (the registered owner
//! of the app, dataset or workerpool; the requester of a request order); the hub accepts the
//! signature for the owner (`verifySignature`: EOAs and ERC-1271 contracts alike); volume is
//! left (`volume - viewConsumed > 0`); a workerpool owner's stake covers the ratio
//! (`workerpool_stake_ratio`, 30%) of price × remaining; a requester's stake covers the
//! request's full cost and an app order it can match is open; the owner is under the cap of
//! open orders.

use super::{OPEN, columns::Columns, published, store, zero};
use crate::{
    auth::{chain_int, lower},
    db::Sql,
    error::{MarketError, Result},
    server::AppState,
    stream::Change,
};
use alloy_primitives::{Address, B256, Bytes, U256};
use poco_client::orders::{AnySigned, order_name, registered_owner};
use poco_types::OrderKind;
use serde_json::{Value, json};

/// Publishes the order in `body` for `me`; returns `{ok, published}`.
pub async fn publish(
    state: &AppState,
    kind: OrderKind,
    me: Address,
    body: &Value,
) -> Result<Value> {
    let name = order_name(kind);
    let json = body.get("order").ok_or_else(|| {
        MarketError::bad(format!("the body must be {{\"order\": <signed {name}>}}"))
    })?;
    let order = AnySigned::from_json(kind, json)
        .map_err(|e| MarketError::bad(format!("{e} (sign it with `poco {kind} sign`)")))?;
    let chain_id = state.config.chain_id;
    let hash = order.hash(&poco_types::domain(chain_id, state.config.hub));
    Columns::of(&order)?; // the amounts fit the book
    if exists(state, hash).await? {
        return Err(MarketError::Conflict(format!(
            "the {name} {hash} is already published"
        )));
    }
    let (owner, sign) = owner_and_sign(state, &order, me).await?;
    let hub = state.client.hub();
    let valid = hub
        .verifySignature(owner, hash, sign)
        .call()
        .await
        .map_err(|e| MarketError::chain("verify the order's signature", e))?;
    if !valid {
        return Err(MarketError::bad(format!(
            "the {name}'s signature is not its owner's ({owner}): sign the order with the \
             owner's wallet (`poco {kind} sign`)"
        )));
    }
    let consumed = hub
        .viewConsumed(hash)
        .call()
        .await
        .map_err(|e| MarketError::chain("read the order's consumed volume", e))?;
    let volume = order.volume();
    let remaining = volume.saturating_sub(consumed);
    if remaining.is_zero() {
        return Err(MarketError::bad(format!(
            "the {name} has no volume left (all {volume} consumed or cancelled on-chain): sign \
             a new one"
        )));
    }
    stake_covers(state, &order, owner, remaining).await?;
    if let AnySigned::Request(request) = &order {
        app_order_open(state, &request.order).await?;
    }
    under_cap(state, owner).await?;
    let entry = store::Entry {
        order: &order,
        hash,
        owner,
        remaining,
        published_at: state.clock.next(),
    };
    store::insert(&state.pool, chain_id, &entry).await?;
    let mut sql = Sql::new(super::SELECT);
    sql.push(" WHERE chain_id = ")
        .int(chain_int(chain_id)?)
        .push(" AND order_hash = ")
        .text(hash.to_string());
    let row = sql.query().fetch_one(&state.pool).await?;
    let shown = published(&row)?;
    state.events.order(kind, Change::Published, shown.clone());
    Ok(json!({"ok": true, "published": shown}))
}

/// Whether `hash` is in the book, whatever its status.
async fn exists(state: &AppState, hash: B256) -> Result<bool> {
    let mut sql = Sql::new("SELECT order_hash FROM orders WHERE chain_id = ");
    sql.int(chain_int(state.config.chain_id)?)
        .push(" AND order_hash = ")
        .text(hash.to_string());
    Ok(sql.query().fetch_optional(&state.pool).await?.is_some())
}

/// The order's owner (checked to be `me`) and its signature.
async fn owner_and_sign(
    state: &AppState,
    order: &AnySigned,
    me: Address,
) -> Result<(Address, Bytes)> {
    let kind = order.kind();
    let (resource, sign) = match order {
        AnySigned::App(s) => (s.order.app, s.sign.clone()),
        AnySigned::Dataset(s) => (s.order.dataset, s.sign.clone()),
        AnySigned::Workerpool(s) => (s.order.workerpool, s.sign.clone()),
        AnySigned::Request(s) => {
            if s.order.requester != me {
                return Err(MarketError::Forbidden(format!(
                    "only the requester ({}) may publish this requestorder, not {me}",
                    s.order.requester
                )));
            }
            return Ok((me, s.sign.clone()));
        }
    };
    let owner = registered_owner(&state.client, kind, resource)
        .await?
        .ok_or_else(|| {
            MarketError::bad(format!(
                "the {kind} {resource} is not registered on chain {}: deploy it first (`poco \
                 {kind} deploy`)",
                state.config.chain_id
            ))
        })?;
    if owner != me {
        return Err(MarketError::Forbidden(format!(
            "only the {kind}'s owner ({owner}) may publish its orders, not {me}"
        )));
    }
    Ok((owner, sign))
}

/// A workerpool owner's or a requester's stake must cover what matching `remaining` locks.
async fn stake_covers(
    state: &AppState,
    order: &AnySigned,
    owner: Address,
    remaining: U256,
) -> Result<()> {
    let hub = state.client.hub();
    let ratio = if let AnySigned::Workerpool(_) = order {
        hub.workerpool_stake_ratio()
            .call()
            .await
            .map_err(|e| MarketError::chain("read the workerpool stake ratio", e))?
    } else {
        U256::ZERO
    };
    let Some((needed, what)) = super::liveness::stake_needed(order, ratio, remaining) else {
        return Ok(());
    };
    let stake = hub
        .viewAccount(owner)
        .call()
        .await
        .map_err(|e| MarketError::chain("read the owner's account", e))?
        .stake;
    if stake < needed {
        return Err(MarketError::bad(format!(
            "{owner}'s stake ({stake} nRLC) does not cover {what} ({needed} nRLC): deposit \
             the difference with `poco account deposit`"
        )));
    }
    Ok(())
}

/// A request order needs an open app order it can match: same app, price within
/// `appmaxprice`, not restricted to another requester.
async fn app_order_open(state: &AppState, request: &poco_types::RequestOrder) -> Result<()> {
    let max = super::columns::small(request.appmaxprice, "appmaxprice")?;
    let mut sql = Sql::new("SELECT order_hash FROM orders WHERE chain_id = ");
    sql.int(chain_int(state.config.chain_id)?)
        .push(" AND kind = ")
        .text(order_name(OrderKind::App))
        .push(" AND status = ")
        .text(OPEN)
        .push(" AND app = ")
        .text(lower(request.app))
        .push(" AND price <= ")
        .int(max)
        .push(" AND (requester = ")
        .text(lower(request.requester))
        .push(" OR requester = ")
        .text(zero())
        .push(") LIMIT 1");
    if sql.query().fetch_optional(&state.pool).await?.is_none() {
        return Err(MarketError::bad(format!(
            "no open apporder of app {} at {} nRLC or less is in the book: the app's owner must \
             publish one first (`poco app publish`)",
            request.app, request.appmaxprice
        )));
    }
    Ok(())
}

/// The owner must have fewer open orders than the cap.
async fn under_cap(state: &AppState, owner: Address) -> Result<()> {
    let mut sql = Sql::new("SELECT COUNT(*) AS n FROM orders WHERE chain_id = ");
    sql.int(chain_int(state.config.chain_id)?)
        .push(" AND signer = ")
        .text(lower(owner))
        .push(" AND status = ")
        .text(OPEN);
    let open: i64 = sqlx::Row::try_get(&sql.query().fetch_one(&state.pool).await?, "n")?;
    let cap = i64::from(state.config.max_open_orders_per_wallet);
    if open >= cap {
        return Err(MarketError::Conflict(format!(
            "{owner} already has {open} open orders, the most this market keeps for one wallet: \
             unpublish some first"
        )));
    }
    Ok(())
}

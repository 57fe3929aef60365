//! An order's on-chain status: how much of its volume is consumed (`viewConsumed`), whether it
//! is presigned (`viewPresigned`), and what closed it. A cancel sets the consumed volume to the
//! whole volume, exactly as filling it does, so the two are told apart by the hub's
//! `Closed*Order` event; when the node cannot search logs, the status says so honestly:
//! closed, by a fill or a cancel.

use super::HubOrder;
use crate::{
    client::{Client, rpc},
    error::Result,
};
use poco_contracts::alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::Filter,
};
use serde::Serialize;
use std::fmt;

/// Where an order stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderState {
    /// Volume is left: it can be matched (again).
    Open,
    /// All its volume went into deals.
    Filled,
    /// Its signer cancelled it.
    Cancelled,
    /// No volume left, by fills or a cancel (the node could not say which).
    Closed,
}

impl fmt::Display for OrderState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OrderState::Open => "open",
            OrderState::Filled => "filled",
            OrderState::Cancelled => "cancelled",
            OrderState::Closed => "closed (filled or cancelled)",
        })
    }
}

/// An order's status on the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderStatus {
    /// The order hash.
    pub hash: B256,
    /// The order's volume.
    pub volume: U256,
    /// How much of it is used (or all of it, once cancelled).
    pub consumed: U256,
    /// What is left to match.
    pub remaining: U256,
    /// Open, filled, cancelled or closed.
    pub state: OrderState,
    /// Who presigned it on-chain, if anyone.
    pub presigned: Option<Address>,
}

/// The status of `order` (its hash under the client's domain).
pub async fn status<O: HubOrder>(client: &Client, order: &O) -> Result<OrderStatus> {
    let hash = order.hash(&client.domain());
    let hub = client.hub();
    let consumed = hub
        .viewConsumed(hash)
        .call()
        .await
        .map_err(|e| rpc("read the order's consumed volume", e))?;
    let presigned = hub
        .viewPresigned(hash)
        .call()
        .await
        .map_err(|e| rpc("read the order's presignature", e))?;
    let volume = order.volume();
    let remaining = volume.saturating_sub(consumed);
    let state = if remaining > U256::ZERO {
        OrderState::Open
    } else {
        match was_closed::<O>(client, hash).await {
            Some(true) => OrderState::Cancelled,
            Some(false) => OrderState::Filled,
            None => OrderState::Closed,
        }
    };
    Ok(OrderStatus {
        hash,
        volume,
        consumed,
        remaining,
        state,
        presigned: (presigned != Address::ZERO).then_some(presigned),
    })
}

/// Whether the hub emitted `Closed*Order(hash)`; `None` when the node refuses the log search
/// (some limit the block range).
async fn was_closed<O: HubOrder>(client: &Client, hash: B256) -> Option<bool> {
    let filter = Filter::new()
        .address(client.hub_address())
        .event_signature(O::closed_topic())
        .from_block(0u64);
    let logs = client.provider().get_logs(&filter).await.ok()?;
    // The hash is the event's only (non-indexed) field: the log data is exactly it.
    Some(
        logs.iter()
            .any(|log| log.data().data.as_ref() == hash.as_slice()),
    )
}

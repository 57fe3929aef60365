//! `poco order show`: an order of orders.json (or the one with the hash given), its hash, and
//! its status on-chain: consumed and remaining volume, open / filled / cancelled, presigned.

use super::{Kinds, files, pretty};
use crate::{context::Ctx, ui::output::Fields};
use anyhow::{Result, bail};
use clap::Args;
use poco_client::{
    Client,
    orders::{AnySigned, OrderState, OrderStatus, order_name, status::status},
};
use poco_contracts::alloy::primitives::B256;
use serde_json::{Map, Value, json};
use std::fmt::Write as _;

/// `poco order show`.
#[derive(Debug, Args)]
#[command(
    long_about = "Show an order: its fields, its hash, and what the hub says about it: how much \
of its volume deals consumed and how much remains, whether it is open, filled or cancelled (a \
cancel consumes the whole volume, so the hub's ClosedAppOrder... event tells the two apart), \
and whether it is presigned on-chain. The order is the signed one of orders.json for the chain, \
or the one with the hash given (looked up in orders.json; the market comes later). Needs no \
wallet.\n\nRaw output: `{ok, <kind>order: {orderHash, chainId, order, status, volume, \
consumed, remaining, presigned}}`, status being open, filled, canceled or closed (filled or \
canceled, when the node cannot search logs).",
    after_help = "Examples:\n  poco order show --app\n  poco order show --request 0x3f1c…9a2e\n  \
poco order show --app --workerpool --raw"
)]
pub(super) struct ShowArgs {
    #[command(flatten)]
    kinds: Kinds,
    /// The order's hash (default: the signed order of orders.json); only with one kind.
    #[arg(value_name = "ORDER_HASH")]
    hash: Option<B256>,
}

pub(super) async fn run(ctx: &Ctx, args: ShowArgs) -> Result<()> {
    let client = ctx.reader().await?;
    let kinds = match (args.hash, args.kinds.picked(false)) {
        (None, Ok(kinds)) => kinds,
        (Some(_), Ok(kinds)) if kinds.len() == 1 => kinds,
        (Some(_), Ok(_)) => bail!(
            "an order hash goes with one kind: pick one of --app, --dataset, --workerpool, \
             --request"
        ),
        // A hash without a kind: the order of orders.json that has it.
        (Some(hash), Err(_)) => vec![files::kind_of(ctx, &client, hash)?],
        (None, Err(e)) => return Err(e),
    };
    let mut human = String::new();
    let mut raw = Map::new();
    for kind in kinds {
        let order = match args.hash {
            Some(hash) => files::by_hash(ctx, &client, kind, hash)?,
            None => files::required(ctx, &client, kind)?,
        };
        let status = order_status(&client, &order).await?;
        let name = order_name(kind);
        let presigned = status
            .presigned
            .map_or_else(|| "no".to_owned(), |by| format!("yes, by {by}"));
        let fields = Fields::new()
            .row("status", status.state)
            .row("volume", status.volume)
            .row("consumed", status.consumed)
            .row("remaining", status.remaining)
            .row("presigned", presigned);
        let _ = write!(
            human,
            "{name} {}:\n{fields}order:\n{}\n",
            status.hash,
            pretty(&order)
        );
        raw.insert(name.to_owned(), raw_status(&client, &order, &status));
    }
    ctx.out.success(human, Value::Object(raw));
    Ok(())
}

/// The status of any order.
pub(super) async fn order_status(client: &Client, order: &AnySigned) -> Result<OrderStatus> {
    Ok(match order {
        AnySigned::App(signed) => status(client, &signed.order).await?,
        AnySigned::Dataset(signed) => status(client, &signed.order).await?,
        AnySigned::Workerpool(signed) => status(client, &signed.order).await?,
        AnySigned::Request(signed) => status(client, &signed.order).await?,
    })
}

/// `{orderHash, chainId, order, status, volume, consumed, remaining, presigned}`, the market's
/// names where it has them.
fn raw_status(client: &Client, order: &AnySigned, status: &OrderStatus) -> Value {
    let state = match status.state {
        OrderState::Open => "open",
        OrderState::Filled => "filled",
        OrderState::Cancelled => "canceled",
        OrderState::Closed => "closed",
    };
    json!({
        "orderHash": status.hash,
        "chainId": client.chain_id().to_string(),
        "order": order.to_json(),
        "status": state,
        "volume": status.volume.to_string(),
        "consumed": status.consumed.to_string(),
        "remaining": status.remaining.to_string(),
        "presigned": status.presigned,
    })
}

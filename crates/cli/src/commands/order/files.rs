//! What the order commands read from the project and the wallet: the signed orders of
//! orders.json (all of a chain, or one kind by its hash) and the wallet's address when there is
//! a wallet, without asking for its password.

use crate::context::Ctx;
use anyhow::{Result, bail};
use poco_client::{
    Client,
    orders::{AnySigned, HubOrder, order_name},
    project::orders_file::OrdersFile,
};
use poco_contracts::alloy::primitives::{Address, B256};
use poco_types::{AppOrder, DatasetOrder, OrderKind, RequestOrder, WorkerpoolOrder};

/// The wallet's address, if a wallet is configured (read from its keystore, no password).
pub(super) fn wallet_address(ctx: &Ctx) -> Option<Address> {
    ctx.wallet_address().ok()
}

/// The signed `kind` order of orders.json for the client's chain, if any.
pub(super) fn signed(ctx: &Ctx, chain_id: u64, kind: OrderKind) -> Result<Option<AnySigned>> {
    let file = OrdersFile::load(ctx.project())?;
    fn get<O: HubOrder>(file: &OrdersFile, chain_id: u64) -> Result<Option<AnySigned>> {
        Ok(file.get::<O>(chain_id)?.map(O::wrap))
    }
    match kind {
        OrderKind::App => get::<AppOrder>(&file, chain_id),
        OrderKind::Dataset => get::<DatasetOrder>(&file, chain_id),
        OrderKind::Workerpool => get::<WorkerpoolOrder>(&file, chain_id),
        OrderKind::Request => get::<RequestOrder>(&file, chain_id),
    }
}

/// The signed `kind` order of orders.json for the client's chain: an error saying how to make
/// one when there is none.
pub(super) fn required(ctx: &Ctx, client: &Client, kind: OrderKind) -> Result<AnySigned> {
    match signed(ctx, client.chain_id(), kind)? {
        Some(order) => Ok(order),
        None => bail!(
            "no signed {} for chain {} in orders.json: sign one with `poco order sign --{kind}`",
            order_name(kind),
            client.chain_id()
        ),
    }
}

/// The `kind` order whose hash is `hash`. Only orders.json is searched for now; the market
/// lookup (`--market`) will plug in here.
pub(super) fn by_hash(
    ctx: &Ctx,
    client: &Client,
    kind: OrderKind,
    hash: B256,
) -> Result<AnySigned> {
    let chain_id = client.chain_id();
    match signed(ctx, chain_id, kind)? {
        Some(order) if order.hash(&client.domain()) == hash => Ok(order),
        Some(order) => bail!(
            "no {} with hash {hash} in orders.json for chain {chain_id} (the one there has hash \
             {}); orders signed elsewhere can be looked up on the market in a later version",
            order_name(kind),
            order.hash(&client.domain())
        ),
        None => bail!(
            "no {} with hash {hash} in orders.json for chain {chain_id} (there is none): sign one \
             with `poco order sign --{kind}`",
            order_name(kind)
        ),
    }
}

/// The kind of the order of orders.json whose hash is `hash`.
pub(super) fn kind_of(ctx: &Ctx, client: &Client, hash: B256) -> Result<OrderKind> {
    let kinds = [
        OrderKind::App,
        OrderKind::Dataset,
        OrderKind::Workerpool,
        OrderKind::Request,
    ];
    for kind in kinds {
        if signed(ctx, client.chain_id(), kind)?.is_some_and(|o| o.hash(&client.domain()) == hash) {
            return Ok(kind);
        }
    }
    bail!(
        "no order with hash {hash} in orders.json for chain {}: give its kind (--app, --dataset, \
         --workerpool or --request)",
        client.chain_id()
    )
}

//! `poco order sign`: the templates of iexec.json, checked against the chain and signed into
//! orders.json under the chain id.

use super::{Kinds, pretty};
use crate::context::Ctx;
use anyhow::{Context as _, Result};
use clap::Args;
use poco_client::{
    Client,
    orders::{HubOrder, manage},
    project::{iexec_conf::IExecConf, orders_file},
};
use poco_contracts::alloy::primitives::B256;
use poco_types::OrderKind;
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// `poco order sign`.
#[derive(Debug, Args)]
#[command(
    long_about = "Sign the order templates of iexec.json (written by `poco order init`) with \
your wallet and save them in orders.json under the chain id, as the iExec SDK does. Prices \
accept units (\"1.5 RLC\", \"300 nRLC\", bare numbers are nRLC) and tags names (`[\"tee\", \
\"scone\"]`); each order gets a random salt, so signing again makes a new order.\n\nBefore \
signing, what the chain can tell is checked: the app, dataset or workerpool is registered and \
your wallet owns it; a request order's requester is your wallet, its app is registered and its \
category exists. For a workerpool order, a warning says when your hub account cannot cover the \
stake a match locks (a share of the price per task). Without a kind, all four templates are \
signed. Prints each order's hash.",
    after_help = "Examples:\n  poco order sign --app\n  poco order sign --request\n  poco order \
sign --app --workerpool --raw"
)]
pub(super) struct SignArgs {
    #[command(flatten)]
    kinds: Kinds,
}

pub(super) async fn run(ctx: &Ctx, args: SignArgs) -> Result<()> {
    let kinds = args.kinds.picked(true)?;
    let client = ctx.client().await?;
    let conf = IExecConf::load(ctx.project())?;
    let mut human = String::new();
    let mut raw = Map::new();
    for kind in kinds {
        let name = poco_client::orders::order_name(kind);
        let (signed, text, hash, warnings) = match kind {
            OrderKind::App => sign(ctx, &client, conf.app_order()?).await,
            OrderKind::Dataset => sign(ctx, &client, conf.dataset_order()?).await,
            OrderKind::Workerpool => sign(ctx, &client, conf.workerpool_order()?).await,
            OrderKind::Request => {
                let order = conf.request_order(client.address()?)?;
                sign(ctx, &client, order).await
            }
        }
        .with_context(|| format!("cannot sign the {name}"))?;
        for warning in warnings {
            eprintln!("warning: {name}: {warning}");
        }
        let _ = writeln!(
            human,
            "Signed the {name} {hash}, saved in orders.json:\n{text}"
        );
        raw.insert(name.to_owned(), signed);
    }
    human.push_str("Successfully signed and stored in \"orders.json\"");
    ctx.out.success(human, Value::Object(raw));
    Ok(())
}

/// Checks and signs one order, and saves it: its JSON (raw, and for people), hash and
/// warnings.
async fn sign<O: HubOrder>(
    ctx: &Ctx,
    client: &Client,
    order: O,
) -> Result<(Value, String, B256, Vec<String>)> {
    let outcome = manage::sign(client, order).await?;
    orders_file::save_signed(ctx.project(), client.chain_id(), &outcome.signed)?;
    let any = O::wrap(outcome.signed);
    Ok((any.to_json(), pretty(&any), outcome.hash, outcome.warnings))
}

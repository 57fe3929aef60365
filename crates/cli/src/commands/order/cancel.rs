//! `poco order cancel`: closes signed orders of orders.json on the hub (`manage*Order` with
//! CLOSE), after a confirmation; then shows that they are cancelled.

use super::{Kinds, files, pretty};
use crate::context::Ctx;
use anyhow::{Context as _, Result};
use clap::Args;
use poco_client::orders::{AnySigned, manage, order_name};
use serde_json::{Map, Value, json};
use std::fmt::Write as _;

/// `poco order cancel`.
#[derive(Debug, Args)]
#[command(
    long_about = "Cancel your signed orders of orders.json on-chain: the hub closes them \
(`manageAppOrder` ... with the CLOSE operation), so that no deal can use them any more; their \
whole volume counts as consumed. Only the order's signer can cancel it: the owner of the app, \
dataset or workerpool, or the requester. Asks for confirmation first (--force skips it). Costs \
gas only.",
    after_help = "Examples:\n  poco order cancel --app\n  poco order cancel --workerpool --force \
--raw"
)]
pub(super) struct CancelArgs {
    #[command(flatten)]
    kinds: Kinds,
}

pub(super) async fn run(ctx: &Ctx, args: CancelArgs) -> Result<()> {
    let kinds = args.kinds.picked(false)?;
    let client = ctx.client().await?;
    let domain = client.domain();
    let mut human = String::new();
    let mut raw = Map::new();
    for kind in kinds {
        let name = order_name(kind);
        let order = files::required(ctx, &client, kind)?;
        let hash = order.hash(&domain);
        ctx.confirm(&format!(
            "Cancel the {name} {hash}? No deal can use it afterwards.\n{}\n",
            pretty(&order)
        ))?;
        let progress = ctx.progress();
        let cancelled = match order {
            AnySigned::App(signed) => manage::cancel(&client, signed, &progress).await,
            AnySigned::Dataset(signed) => manage::cancel(&client, signed, &progress).await,
            AnySigned::Workerpool(signed) => manage::cancel(&client, signed, &progress).await,
            AnySigned::Request(signed) => manage::cancel(&client, signed, &progress).await,
        }
        .with_context(|| format!("cannot cancel the {name}"))?;
        progress.finish();
        let status = &cancelled.status;
        let _ = writeln!(
            human,
            "Cancelled the {name} {hash} (tx {}): {} of {} consumed, {}",
            cancelled.tx_hash, status.consumed, status.volume, status.state
        );
        raw.insert(name.to_owned(), json!({ "txHash": cancelled.tx_hash }));
    }
    human.push_str("Successfully canceled");
    ctx.out.success(human, Value::Object(raw));
    Ok(())
}

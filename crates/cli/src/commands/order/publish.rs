//! `poco order publish|unpublish`: the signed orders of orders.json on the chain's market, as
//! the iExec SDK's commands. `publish` sends each order picked (after a confirmation showing
//! it); `unpublish` removes an order by its hash, by default the hash of the orders.json one,
//! or with `--all` every order of yours of the kind. Kinds are handled one after the other; when
//! one fails the others still go, and the command fails listing what did not go through.

use super::{Kinds, files, pretty};
use crate::{commands::orderbook::market_for, context::Ctx};
use anyhow::{Result, bail};
use clap::Args;
use poco_client::{
    market::{MarketApi, Unpublish},
    orders::order_name,
    project::Deployed,
};
use poco_contracts::alloy::{
    primitives::{Address, B256},
    signers::local::PrivateKeySigner,
};
use poco_types::OrderKind;
use serde_json::{Map, Value, json};
use std::fmt::Write as _;

/// `poco order publish`.
#[derive(Debug, Args)]
#[command(
    long_about = "Publish your signed orders of orders.json (written by `poco order sign`) on \
the chain's market (`iexecGateway`; start one with `poco market`), where buyers and sellers \
find them (`poco orderbook`). The market checks each order against the chain first: your \
wallet must be its signer (the owner of the app, dataset or workerpool; a request's \
requester), volume must be left, and the stake must cover it (a pool owner's share of the \
price, a requester's whole cost). Asks for confirmation for each order (--force skips it). \
Nothing is sent on-chain. Prints each order's hash.",
    after_help = "Examples:\n  poco order publish --app\n  poco order publish --workerpool \
--force\n  poco order publish --app --dataset --raw"
)]
pub(super) struct PublishArgs {
    #[command(flatten)]
    kinds: Kinds,
    /// Accepted for the iExec SDK's scripts: the market checks the orders against the chain,
    /// and the SDK's TEE and SMS preflight comes with TEE support.
    #[arg(long)]
    skip_preflight_check: bool,
}

/// `poco order unpublish`.
#[derive(Debug, Args)]
#[command(
    long_about = "Remove your orders from the chain's market. `--app HASH` (likewise \
--dataset, --workerpool, --request) removes the app order with that hash; `--app` alone the \
one of orders.json (after a confirmation). With --all, every one of your orders of the kind: \
for --app, --dataset and --workerpool those of the address given after the option (default: \
deployed.json's for the chain), for --request all your request orders. The orders stay valid \
on-chain (whoever holds one could still match it): `poco order cancel` closes them for good.",
    after_help = "Examples:\n  poco order unpublish --app\n  poco order unpublish --workerpool \
0x5f8f1e5c6e7b9a1d2c3b4a5968778695a4b3c2d1e0f9e8d7c6b5a4938271605f\n  poco order unpublish \
--app --all --force\n  poco order unpublish --request --all --raw"
)]
pub(super) struct UnpublishArgs {
    /// The app order with this hash (default: orders.json's); with --all, the app's orders
    /// (an app address, default deployed.json's).
    #[arg(long, value_name = "HASH", num_args = 0..=1, default_missing_value = "")]
    app: Option<String>,
    /// The dataset order with this hash (default: orders.json's); with --all, the dataset's.
    #[arg(long, value_name = "HASH", num_args = 0..=1, default_missing_value = "")]
    dataset: Option<String>,
    /// The workerpool order with this hash (default: orders.json's); with --all, the
    /// workerpool's.
    #[arg(long, value_name = "HASH", num_args = 0..=1, default_missing_value = "")]
    workerpool: Option<String>,
    /// The request order with this hash (default: orders.json's); with --all, all yours.
    #[arg(long, value_name = "HASH", num_args = 0..=1, default_missing_value = "", visible_alias = "buy")]
    request: Option<String>,
    /// Unpublish all your orders of the kinds given, not one.
    #[arg(long)]
    all: bool,
}

pub(super) async fn publish(ctx: &Ctx, args: PublishArgs) -> Result<()> {
    let kinds = args.kinds.picked(false)?;
    let reader = ctx.reader().await?;
    let market = market_for(&reader)?;
    let mut signer: Option<PrivateKeySigner> = None;
    let mut human = String::new();
    let mut raw = Map::new();
    let mut failed: Vec<(&str, String)> = Vec::new();
    for kind in kinds {
        let name = order_name(kind);
        let outcome = async {
            let order = files::required(ctx, &reader, kind)?;
            ctx.confirm(&format!(
                "Publish this {name} on the market {}?\n{}\n",
                market.url(),
                pretty(&order)
            ))?;
            let signer = match &signer {
                Some(signer) => signer.clone(),
                None => signer.insert(ctx.signer()?).clone(),
            };
            Ok::<_, anyhow::Error>(market.publish(&signer, &order).await?)
        }
        .await;
        match outcome {
            Ok(published) => {
                let hash = published.order_hash;
                let _ = writeln!(human, "{name} successfully published with orderHash {hash}");
                raw.insert(name.to_owned(), json!({ "orderHash": hash.to_string() }));
            }
            Err(error) => failed.push((name, format!("{error:#}"))),
        }
    }
    finish(ctx, "publish", human, raw, &failed)
}

pub(super) async fn unpublish(ctx: &Ctx, args: UnpublishArgs) -> Result<()> {
    let picked: Vec<(OrderKind, String)> = [
        (OrderKind::App, args.app),
        (OrderKind::Dataset, args.dataset),
        (OrderKind::Workerpool, args.workerpool),
        (OrderKind::Request, args.request),
    ]
    .into_iter()
    .filter_map(|(kind, value)| value.map(|v| (kind, v)))
    .collect();
    if picked.is_empty() {
        bail!("no order picked: choose one or more of --app, --dataset, --workerpool, --request");
    }
    let reader = ctx.reader().await?;
    let market = market_for(&reader)?;
    let mut signer: Option<PrivateKeySigner> = None;
    let mut human = String::new();
    let mut raw = Map::new();
    let mut failed: Vec<(&str, String)> = Vec::new();
    for (kind, value) in picked {
        let name = order_name(kind);
        let outcome = async {
            let target = target(ctx, &reader, &market, kind, value.trim(), args.all)?;
            let signer = match &signer {
                Some(signer) => signer.clone(),
                None => signer.insert(ctx.signer()?).clone(),
            };
            Ok::<_, anyhow::Error>(market.unpublish(&signer, kind, target).await?)
        }
        .await;
        match outcome {
            Ok(hashes) => {
                let list: Vec<String> = hashes.iter().map(ToString::to_string).collect();
                for hash in &list {
                    let _ = writeln!(
                        human,
                        "{name} with orderHash {hash} successfully unpublished"
                    );
                }
                let value = if args.all {
                    json!({ "unpublished": list })
                } else {
                    json!({ "orderHash": list.first() })
                };
                raw.insert(name.to_owned(), value);
            }
            Err(error) => failed.push((name, format!("{error:#}"))),
        }
    }
    finish(ctx, "unpublish", human, raw, &failed)
}

/// What to unpublish for `kind` given the option's `value`: a hash, orders.json's order (asked
/// first), or with `all` every order of the resource (or requester).
fn target(
    ctx: &Ctx,
    reader: &poco_client::Client,
    market: &MarketApi,
    kind: OrderKind,
    value: &str,
    all: bool,
) -> Result<Unpublish> {
    let name = order_name(kind);
    if all {
        let owner = match kind {
            OrderKind::Request if value.is_empty() => ctx.wallet_address()?,
            _ if !value.is_empty() => value.parse::<Address>().map_err(|_| {
                anyhow::anyhow!("with --all, --{kind} takes an address, not `{value}`")
            })?,
            _ => {
                let resource = crate::commands::asset::publish::resource_of(kind)
                    .expect("a request order took the first arm");
                Deployed::load(ctx.project())?.require(resource, reader.chain_id())?
            }
        };
        ctx.confirm(&format!(
            "Unpublish all your {name}s for {owner} from the market {}?",
            market.url()
        ))?;
        return Ok(Unpublish::All(owner));
    }
    if !value.is_empty() {
        let hash = value.parse::<B256>().map_err(|_| {
            anyhow::anyhow!("--{kind} {value:?} is not an order hash (0x and 64 hex digits)")
        })?;
        return Ok(Unpublish::Hash(hash));
    }
    let order = files::required(ctx, reader, kind)?;
    let hash = order.hash(&reader.domain());
    ctx.confirm(&format!(
        "Unpublish this {name} ({hash}) of orders.json from the market {}?\n{}\n",
        market.url(),
        pretty(&order)
    ))?;
    Ok(Unpublish::Hash(hash))
}

/// Prints what went through, or fails saying what did not (and what did).
fn finish(
    ctx: &Ctx,
    verb: &str,
    human: String,
    raw: Map<String, Value>,
    failed: &[(&str, String)],
) -> Result<()> {
    if failed.is_empty() {
        ctx.out
            .success(format!("{human}Successfully {verb}ed"), Value::Object(raw));
        return Ok(());
    }
    let reasons: Vec<String> = failed
        .iter()
        .map(|(name, reason)| format!("the {name}: {reason}"))
        .collect();
    let mut message = format!("could not {verb} {}", reasons.join("; nor "));
    if !raw.is_empty() {
        let done: Vec<&str> = human.lines().collect();
        message = format!("{} (done: {})", message, done.join("; "));
    }
    bail!(message)
}

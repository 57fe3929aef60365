//! `poco app|dataset|workerpool show|count`: reading the registries. `show` takes an address,
//! an index among an owner's entries, or nothing (deployed.json's entry for the chain); its
//! `--raw` form is the SDK's (`{address, app: {appName, appMultiaddr, ...}}`).

use super::address_json;
use crate::{
    commands::wallet::{address_arg, wallet_address},
    context::Ctx,
    ui::output::Fields,
};
use anyhow::{Context as _, Result};
use clap::Args;
use poco_client::{
    Client,
    assets::{self, AssetView, Kind},
    project::Deployed,
};
use poco_contracts::alloy::primitives::{Address, U256};
use serde_json::{Value, json};

/// `show`'s arguments.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The address, or the index among the owner's (from 0); default: the one deployed.json
    /// records for the chain.
    #[arg(value_name = "ADDRESS_OR_INDEX")]
    address_or_index: Option<String>,
    /// Whose entries an index counts in (default: your wallet's).
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg)]
    user: Option<Address>,
}

/// `count`'s arguments.
#[derive(Debug, Args)]
pub(crate) struct CountArgs {
    /// Whose entries to count (default: your wallet's).
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg)]
    user: Option<Address>,
}

/// What `show` was asked for.
enum Target {
    Address(Address),
    Index(U256),
}

fn target(text: &str) -> Result<Target> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let index =
            U256::from_str_radix(text, 10).with_context(|| format!("index {text} is too large"))?;
        return Ok(Target::Index(index));
    }
    if text.starts_with("0x") || text.starts_with("0X") {
        return Ok(Target::Address(poco_client::wallet::parse_address(text)?));
    }
    anyhow::bail!(
        "`{text}` is neither an address (0x followed by 40 hex digits) nor an index (0, 1, ...)"
    )
}

/// --user, else the wallet's address (no password needed).
fn user(ctx: &Ctx, kind: Kind, user: Option<Address>) -> Result<Address> {
    match user {
        Some(user) => Ok(user),
        None => wallet_address(ctx)
            .with_context(|| format!("whose {kind}s? Pass --user <address>, or have a wallet")),
    }
}

pub(super) async fn show(ctx: &Ctx, kind: Kind, args: ShowArgs) -> Result<()> {
    let client = ctx.reader().await?;
    let address = match args.address_or_index.as_deref().map(target).transpose()? {
        Some(Target::Address(address)) => address,
        Some(Target::Index(index)) => {
            let owner = user(ctx, kind, args.user)?;
            assets::by_index(&client, kind, owner, index).await?
        }
        None => Deployed::load(ctx.project())?.require(kind, client.chain_id())?,
    };
    let view = assets::show(&client, kind, address).await?;
    let (human, raw) = present(&client, kind, address, &view);
    ctx.out.success(human, raw);
    Ok(())
}

pub(super) async fn count(ctx: &Ctx, kind: Kind, args: CountArgs) -> Result<()> {
    let owner = user(ctx, kind, args.user)?;
    let client = ctx.reader().await?;
    let total = assets::count(&client, kind, owner).await?;
    ctx.out.success(
        format!(
            "{owner} has {total} {kind}{} on chain {}",
            if total == U256::from(1) { "" } else { "s" },
            client.chain().name
        ),
        json!({ "count": total.to_string() }),
    );
    Ok(())
}

/// The human lines and the SDK's raw object (`{address, app: {...}}`; the fields are the
/// entry contract's views without their `m_` prefix).
fn present(client: &Client, kind: Kind, address: Address, view: &AssetView) -> (String, Value) {
    let mut fields = Fields::new().row("owner", view.owner());
    let mut entry = match view {
        AssetView::App(app) => {
            fields.push("name", &app.name);
            fields.push("type", &app.app_type);
            fields.push("multiaddr", app.multiaddr_text());
            fields.push("checksum", app.checksum);
            fields.push("mrenclave", or_none(&app.mrenclave_text()));
            json!({
                "appChecksum": app.checksum,
                "appMREnclave": app.mrenclave_text(),
                "appMultiaddr": app.multiaddr_text(),
                "appName": app.name,
                "appType": app.app_type,
            })
        }
        AssetView::Dataset(dataset) => {
            fields.push("name", &dataset.name);
            fields.push("multiaddr", dataset.multiaddr_text());
            fields.push("checksum", dataset.checksum);
            json!({
                "datasetChecksum": dataset.checksum,
                "datasetMultiaddr": dataset.multiaddr_text(),
                "datasetName": dataset.name,
            })
        }
        AssetView::Workerpool(pool) => {
            fields.push("description", &pool.description);
            let percent = |ratio| format!("{ratio}% of the pool price");
            fields.push("worker stake", percent(pool.worker_stake_ratio));
            fields.push("scheduler reward", percent(pool.scheduler_reward_ratio));
            json!({
                "schedulerRewardRatioPolicy": pool.scheduler_reward_ratio.to_string(),
                "workerStakeRatioPolicy": pool.worker_stake_ratio.to_string(),
                "workerpoolDescription": pool.description,
            })
        }
    };
    fields.push("registry", view.registry());
    entry["owner"] = address_json(view.owner());
    entry["registry"] = address_json(view.registry());
    let mut raw = json!({ "address": address_json(address) });
    raw[kind.as_str()] = entry;
    let mut title = kind.to_string();
    title[..1].make_ascii_uppercase();
    let human = format!(
        "{title} {address} on chain {}:\n{fields}",
        client.chain().name
    );
    (human, raw)
}

fn or_none(text: &str) -> &str {
    if text.is_empty() {
        "(none: not a TEE app)"
    } else {
        text
    }
}

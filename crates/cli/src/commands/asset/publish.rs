//! `poco app|dataset|workerpool publish|unpublish`: the iExec SDK's one-step selling. `publish`
//! makes an order for the app, dataset or workerpool (the given address, or deployed.json's)
//! from the options, checks it, asks, signs it and publishes it on the chain's market;
//! `unpublish` removes the last order published for it (or all, `--all`). Each kind has its
//! own options (an app order restricts datasets, a workerpool order has a category...):
//! [`PublishOptions`].

use super::KindSpec;
use crate::{
    commands::{orderbook::market_for, wallet::address_arg},
    context::Ctx,
};
use anyhow::{Context as _, Result};
use clap::Args;
use poco_client::{
    Client,
    assets::Kind,
    market::Unpublish,
    orders::{HubOrder, manage, order_name, registered_owner},
    project::{
        Deployed,
        fields::parse_tag,
        json::{JsonObject, JsonValue},
        order_templates,
    },
};
use poco_contracts::alloy::primitives::Address;
use poco_types::{OrderKind, format_rlc};
use serde_json::json;
use std::path::Path;

/// What every kind's `publish` takes (the SDK's options).
#[derive(Debug, Args)]
pub(crate) struct PublishCommon {
    /// The address (default: the one deployed.json records for the chain).
    #[arg(value_name = "ADDRESS", value_parser = address_arg)]
    address: Option<Address>,
    /// The price per task: nRLC, or with a unit ("1.5 RLC", `1.5 RLC`). Default 0.
    #[arg(long, value_name = "AMOUNT [UNIT]", num_args = 1..=2)]
    price: Vec<String>,
    /// How many tasks the order sells (default: 1000000 for apps and datasets, 1 for
    /// workerpools, as the SDK).
    #[arg(long, value_name = "N")]
    volume: Option<String>,
    /// The tags: names separated by commas (`tee,scone`) or bytes32 hex.
    #[arg(long, value_name = "TAGS")]
    tag: Option<String>,
    /// Sell only to this requester.
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg)]
    requester_restrict: Option<Address>,
    /// Accepted for the iExec SDK's scripts: the market checks the order against the chain,
    /// and the SDK's TEE and SMS preflight comes with TEE support.
    #[arg(long)]
    skip_preflight_check: bool,
}

/// A kind's `publish` options.
pub(crate) trait PublishOptions {
    /// The options every kind has.
    fn common(&self) -> &PublishCommon;
    /// The kind's own fields of the order template (restrictions, category, trust).
    fn own_fields(&self, template: &mut JsonObject) -> Result<()>;
    /// The volume when none is given (the SDK's: 1000000 for apps and datasets, 1 for pools).
    fn default_volume(&self) -> &'static str {
        "1000000"
    }
}

/// `poco app publish`'s own options.
#[derive(Debug, Args)]
pub(crate) struct AppPublishArgs {
    #[command(flatten)]
    common: PublishCommon,
    /// Sell only for tasks using this dataset.
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg)]
    dataset_restrict: Option<Address>,
    /// Sell only for tasks run by this workerpool.
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg)]
    workerpool_restrict: Option<Address>,
}

/// `poco dataset publish`'s own options.
#[derive(Debug, Args)]
pub(crate) struct DatasetPublishArgs {
    #[command(flatten)]
    common: PublishCommon,
    /// Sell only to tasks of this app.
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg)]
    app_restrict: Option<Address>,
    /// Sell only for tasks run by this workerpool.
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg)]
    workerpool_restrict: Option<Address>,
}

/// `poco workerpool publish`'s own options.
#[derive(Debug, Args)]
pub(crate) struct WorkerpoolPublishArgs {
    #[command(flatten)]
    common: PublishCommon,
    /// The category (maximum run time) the pool sells; `poco category show N` describes it.
    #[arg(long, value_name = "ID", default_value = "0")]
    category: String,
    /// The trust level (replication of tasks).
    #[arg(long, value_name = "N")]
    trust: Option<String>,
    /// Sell only for tasks of this app.
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg)]
    app_restrict: Option<Address>,
    /// Sell only for tasks using this dataset.
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg)]
    dataset_restrict: Option<Address>,
}

fn put_address(template: &mut JsonObject, key: &str, address: Option<Address>) {
    if let Some(address) = address {
        template.insert(key, JsonValue::from(address.to_checksum(None).as_str()));
    }
}

/// A whole number option, checked.
fn whole(option: &str, text: &str) -> Result<JsonValue> {
    let value: u64 = text
        .trim()
        .parse()
        .with_context(|| format!("{option} {text:?} is not a whole number"))?;
    Ok(JsonValue::from(value.to_string().as_str()))
}

impl PublishOptions for AppPublishArgs {
    fn common(&self) -> &PublishCommon {
        &self.common
    }

    fn own_fields(&self, template: &mut JsonObject) -> Result<()> {
        put_address(template, "datasetrestrict", self.dataset_restrict);
        put_address(template, "workerpoolrestrict", self.workerpool_restrict);
        Ok(())
    }
}

impl PublishOptions for DatasetPublishArgs {
    fn common(&self) -> &PublishCommon {
        &self.common
    }

    fn own_fields(&self, template: &mut JsonObject) -> Result<()> {
        put_address(template, "apprestrict", self.app_restrict);
        put_address(template, "workerpoolrestrict", self.workerpool_restrict);
        Ok(())
    }
}

impl PublishOptions for WorkerpoolPublishArgs {
    fn common(&self) -> &PublishCommon {
        &self.common
    }

    fn own_fields(&self, template: &mut JsonObject) -> Result<()> {
        template.insert("category", whole("--category", &self.category)?);
        if let Some(trust) = &self.trust {
            template.insert("trust", whole("--trust", trust)?);
        }
        put_address(template, "apprestrict", self.app_restrict);
        put_address(template, "datasetrestrict", self.dataset_restrict);
        Ok(())
    }

    fn default_volume(&self) -> &'static str {
        "1"
    }
}

/// `unpublish`'s arguments.
#[derive(Debug, Args)]
pub(crate) struct UnpublishArgs {
    /// The address (default: the one deployed.json records for the chain).
    #[arg(value_name = "ADDRESS", value_parser = address_arg)]
    address: Option<Address>,
    /// Unpublish all your orders for it, not only the last one published.
    #[arg(long)]
    all: bool,
}

/// The order kind of a registry kind.
pub(crate) fn order_kind(kind: Kind) -> OrderKind {
    match kind {
        Kind::App => OrderKind::App,
        Kind::Dataset => OrderKind::Dataset,
        Kind::Workerpool => OrderKind::Workerpool,
    }
}

/// The registry kind of an order kind (none for a request order).
pub(crate) fn resource_of(kind: OrderKind) -> Option<Kind> {
    match kind {
        OrderKind::App => Some(Kind::App),
        OrderKind::Dataset => Some(Kind::Dataset),
        OrderKind::Workerpool => Some(Kind::Workerpool),
        OrderKind::Request => None,
    }
}

/// The address given, else deployed.json's for the chain.
fn resolve(ctx: &Ctx, kind: Kind, given: Option<Address>, chain_id: u64) -> Result<Address> {
    match given {
        Some(address) => Ok(address),
        None => {
            let address = Deployed::load(ctx.project())?.require(kind, chain_id)?;
            if !ctx.common.raw {
                eprintln!("No {kind} given: using {address}, deployed.json's for chain {chain_id}");
            }
            Ok(address)
        }
    }
}

/// The order template the options describe, for the resource at `address`.
fn template<K: KindSpec>(args: &K::PublishArgs, address: Address) -> Result<JsonObject> {
    let kind = K::KIND;
    let common = args.common();
    let mut template = JsonObject::new();
    template.insert(
        kind.as_str(),
        JsonValue::from(address.to_checksum(None).as_str()),
    );
    if !common.price.is_empty() {
        let text = common.price.join(" ");
        let price = poco_types::parse_nrlc(&text).map_err(|e| {
            anyhow::anyhow!("--price {text:?} is not an amount (\"1.5 RLC\", \"300\" nRLC): {e}")
        })?;
        template.insert(format!("{kind}price"), JsonValue::from(price.to_string()));
    }
    let volume = common.volume.as_deref().unwrap_or(args.default_volume());
    template.insert("volume", whole("--volume", volume)?);
    if let Some(tag) = &common.tag {
        let value = JsonValue::from(tag.as_str());
        parse_tag(&value, kind == Kind::Dataset)
            .map_err(|reason| anyhow::anyhow!("--tag {tag:?} {reason}"))?;
        template.insert("tag", value);
    }
    put_address(
        &mut template,
        "requesterrestrict",
        common.requester_restrict,
    );
    args.own_fields(&mut template)?;
    Ok(template)
}

/// `publish`: make, check, confirm, sign, publish.
pub(super) async fn publish<K: KindSpec>(ctx: &Ctx, args: K::PublishArgs) -> Result<()> {
    let kind = K::KIND;
    let reader = ctx.reader().await?;
    let market = market_for(&reader)?;
    let address = resolve(ctx, kind, args.common().address, reader.chain_id())?;
    let template = template::<K>(&args, address)?;
    let from = Path::new("the command line");
    match kind {
        Kind::App => {
            let order = order_templates::app_order_from_template(&template, from, "options")?;
            sign_and_publish(ctx, &reader, &market, kind, address, order).await
        }
        Kind::Dataset => {
            let order = order_templates::dataset_order_from_template(&template, from, "options")?;
            sign_and_publish(ctx, &reader, &market, kind, address, order).await
        }
        Kind::Workerpool => {
            let order =
                order_templates::workerpool_order_from_template(&template, from, "options")?;
            sign_and_publish(ctx, &reader, &market, kind, address, order).await
        }
    }
}

async fn sign_and_publish<O: HubOrder>(
    ctx: &Ctx,
    reader: &Client,
    market: &poco_client::market::MarketApi,
    kind: Kind,
    address: Address,
    order: O,
) -> Result<()> {
    let order_kind = order_kind(kind);
    let name = order_name(order_kind);
    // What needs no password first: the resource is registered and the wallet owns it.
    match registered_owner(reader, order_kind, address).await? {
        None => anyhow::bail!(
            "no {kind} is registered at {address} on chain `{}`: deploy one with `poco {kind} \
             deploy`, or give the address of a registered {kind}",
            reader.chain().name
        ),
        Some(owner) => {
            if let Ok(me) = ctx.wallet_address()
                && me != owner
            {
                anyhow::bail!(
                    "{kind} {address} belongs to {owner}, not to your wallet {me}: only its \
                     owner can sell it (pick that wallet with --wallet-address {owner})"
                );
            }
        }
    }
    let text = JsonValue::from_serializable(&order)
        .map(|v| v.stringify_pretty())
        .unwrap_or_default();
    ctx.confirm(&format!(
        "Sign and publish this {name} on the market {}?\n{text}\n",
        market.url()
    ))?;
    let client = ctx.client().await?;
    let signed = manage::sign(&client, order)
        .await
        .with_context(|| format!("cannot sign the {name}"))?;
    for warning in &signed.warnings {
        eprintln!("warning: {name}: {warning}");
    }
    let any = O::wrap(signed.signed);
    let published = market
        .publish(client.signer()?, &any)
        .await
        .with_context(|| format!("cannot publish the {name}"))?;
    ctx.out.success(
        format!(
            "Published the {name} {} for {kind} {address} (price {}, volume {}) on {}\nRun \
             \"poco orderbook {kind} {address}\" to show the published {name}s",
            published.order_hash,
            format_rlc(published.price()),
            any.volume(),
            market.url()
        ),
        json!({ "orderHash": published.order_hash.to_string() }),
    );
    Ok(())
}

/// `unpublish`: the last order published for the resource, or all (`--all`).
pub(super) async fn unpublish(ctx: &Ctx, kind: Kind, args: UnpublishArgs) -> Result<()> {
    let reader = ctx.reader().await?;
    let market = market_for(&reader)?;
    let address = resolve(ctx, kind, args.address, reader.chain_id())?;
    let name = order_name(order_kind(kind));
    let which = if args.all {
        format!("all your {name}s")
    } else {
        format!("your last {name}")
    };
    ctx.confirm(&format!(
        "Unpublish {which} for {kind} {address} from the market {}?",
        market.url()
    ))?;
    let signer = ctx.signer()?;
    let target = if args.all {
        Unpublish::All(address)
    } else {
        Unpublish::Last(address)
    };
    let hashes = market
        .unpublish(&signer, order_kind(kind), target)
        .await
        .with_context(|| format!("cannot unpublish {which}"))?;
    let list: Vec<String> = hashes.iter().map(ToString::to_string).collect();
    let human = format!(
        "Unpublished {which} for {kind} {address}:\n{}",
        list.join("\n")
    );
    let raw = if args.all {
        json!({ "unpublished": list })
    } else {
        json!({ "unpublished": list.first() })
    };
    ctx.out.success(human, raw);
    Ok(())
}

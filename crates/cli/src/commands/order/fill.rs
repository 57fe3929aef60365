//! `poco order fill`: matches an app, (dataset,) workerpool and request order into a deal.
//! Without a request order one is built and signed on the fly, as the SDK does. Everything
//! `matchOrders` checks is checked first (`poco_client::orders::preflight`), so a refusal
//! costs nothing and reads in the orders' words; then the total is confirmed and the match
//! sent.

use super::files;
use crate::context::Ctx;
use anyhow::{Context as _, Result};
use clap::Args;
use poco_client::{
    Client,
    explain::amount,
    orders::{
        AnySigned, OrderSet,
        fill::{available_volume, fill, request_for, sign_request},
        preflight::preflight,
    },
    project::{iexec_conf::IExecConf, json::JsonValue, params::sdk_request_params},
};
use poco_contracts::alloy::primitives::{Address, B256, U256};
use poco_types::{OrderKind, SignedRequestOrder, Tag};
use serde_json::json;

/// `poco order fill`.
#[derive(Debug, Args)]
#[command(
    long_about = "Match orders into a deal: an app order, a workerpool order, a dataset order \
when the deal uses a dataset, and a request order. Each is the signed one of orders.json for \
the chain, or the one with the hash given (looked up in orders.json; the market comes later). \
Without a request order (or with --params), one is built for you and signed with your wallet, \
as the iExec SDK does: for the app (and dataset) and the workerpool of these orders at their \
prices, in the workerpool order's category and trust, for as many tasks as they all have left, \
with the params of --params or of iexec.json's buyConf.\n\nBefore sending, everything the hub \
checks is checked (categories, trust, prices, tags, restrictions, owners and signatures, volume \
left, and the hub stakes of the requester and the workerpool owner), and a problem is reported \
in plain words with nothing sent. The deal's price (price per task × volume) is locked from the \
requester's hub account, not taken from the wallet: deposit first with `poco account deposit`. \
Asks for confirmation, showing the total (--force skips it).\n\nRaw output: `{ok, dealid, \
volume, txHash}`, as the iExec SDK.",
    after_help = "Examples:\n  poco order fill\n  poco order fill --params \"--size 3\"\n  poco \
order fill --app 0x5b0e…8c1a --workerpool 0x9a2e…3f1c --force --raw"
)]
pub(super) struct FillArgs {
    /// The app order's hash (default: the signed app order of orders.json).
    #[arg(long, value_name = "ORDER_HASH")]
    app: Option<B256>,
    /// The dataset order's hash (default: orders.json's, when the deal uses a dataset).
    #[arg(long, value_name = "ORDER_HASH")]
    dataset: Option<B256>,
    /// The workerpool order's hash (default: orders.json's).
    #[arg(long, value_name = "ORDER_HASH")]
    workerpool: Option<B256>,
    /// The request order's hash (default: orders.json's, or one built on the fly).
    #[arg(long, value_name = "ORDER_HASH", conflicts_with = "params")]
    request: Option<B256>,
    /// Params of a request order built on the fly: JSON (`{"iexec_args": "--size 3"}`) or
    /// the app's arguments as text.
    #[arg(long, value_name = "PARAMS", allow_hyphen_values = true)]
    params: Option<String>,
}

pub(super) async fn run(ctx: &Ctx, args: FillArgs) -> Result<()> {
    let client = ctx.client().await?;
    let pick = |kind: OrderKind, hash: Option<B256>| match hash {
        Some(hash) => files::by_hash(ctx, &client, kind, hash).map(Some),
        None => files::signed(ctx, client.chain_id(), kind),
    };
    let app = match pick(OrderKind::App, args.app)? {
        Some(AnySigned::App(signed)) => signed,
        _ => anyhow::bail!(
            "no app order to fill: sign one with `poco order sign --app` (as the app's owner), or \
             give its hash with --app"
        ),
    };
    let workerpool = match pick(OrderKind::Workerpool, args.workerpool)? {
        Some(AnySigned::Workerpool(signed)) => signed,
        _ => anyhow::bail!(
            "no workerpool order to fill: sign one with `poco order sign --workerpool` (as the \
             workerpool's owner), or give its hash with --workerpool"
        ),
    };
    let request = match (&args.params, pick(OrderKind::Request, args.request)?) {
        (None, Some(AnySigned::Request(signed))) => Some(signed),
        _ => None,
    };
    // The SDK's rule: with a request order, a dataset iff it names one; without, iff there is
    // a dataset order.
    let wants_dataset = request.as_ref().map(|r| r.order.dataset != Address::ZERO);
    let dataset = match (wants_dataset, pick(OrderKind::Dataset, args.dataset)?) {
        (Some(false), _) => None,
        (_, Some(AnySigned::Dataset(signed))) => Some(signed),
        (Some(true), _) => anyhow::bail!(
            "the request order is for a dataset, and there is no dataset order: sign one with \
             `poco order sign --dataset` (as the dataset's owner), or give its hash with --dataset"
        ),
        (None, _) => None,
    };
    let progress = ctx.progress();
    let built = request.is_none();
    let request = match request {
        Some(request) => request,
        None => {
            progress.step("building a request order for these orders");
            on_the_fly(
                ctx,
                &client,
                &args,
                &app.order,
                dataset.as_ref().map(|d| &d.order),
                &workerpool.order,
            )
            .await?
        }
    };
    let orders = OrderSet {
        app,
        dataset,
        workerpool,
        request,
    };
    progress.step("checking the orders against the chain");
    let (plan, facts) = preflight(&client, &orders).await?;
    progress.finish();
    let mut question = format!(
        "Fill these orders? The deal of {} task(s) costs {} ({} per task), locked from the hub \
         account of {}.",
        plan.volume,
        amount(plan.total),
        amount(plan.price_per_task),
        orders.request.order.requester
    );
    if built {
        question.push_str(&format!(
            " The request order was made for you: app {}, workerpool {}, category {}, trust {}, \
             params {}.",
            orders.request.order.app,
            orders.request.order.workerpool,
            orders.request.order.category,
            orders.request.order.trust,
            orders.request.order.params
        ));
    }
    ctx.confirm(&question)?;
    let progress = ctx.progress();
    let filled = fill(&client, &orders, Some(&facts), &progress)
        .await
        .context("cannot fill the orders")?;
    progress.finish();
    ctx.out.success(
        format!(
            "{} task(s) successfully purchased with deal id {} for {} (tx {})\nFollow it with \
             `poco deal show {}`",
            filled.volume,
            filled.deal_id,
            amount(filled.total),
            filled.tx_hash,
            filled.deal_id
        ),
        json!({
            "dealid": filled.deal_id,
            "volume": filled.volume.to_string(),
            "txHash": filled.tx_hash,
        }),
    );
    Ok(())
}

/// The request order the SDK builds when filling without one, signed with the wallet.
async fn on_the_fly(
    ctx: &Ctx,
    client: &Client,
    args: &FillArgs,
    app: &poco_types::AppOrder,
    dataset: Option<&poco_types::DatasetOrder>,
    workerpool: &poco_types::WorkerpoolOrder,
) -> Result<SignedRequestOrder> {
    let params = match &args.params {
        Some(text) => Some(JsonValue::String(text.clone())),
        None => buy_conf_params(ctx)?,
    };
    let params = sdk_request_params(params.as_ref(), Tag::NONE, Address::ZERO)
        .map_err(|e| anyhow::anyhow!("the request params {}: {}", e.key, e.reason))?;
    // An exhausted order leaves no volume: ask for one task anyway, so the preflight names
    // the order that has none left.
    let volume = available_volume(client, app, dataset, workerpool)
        .await?
        .max(U256::from(1));
    let order = request_for(app, dataset, workerpool, client.address()?, volume, params);
    Ok(sign_request(client, order)?)
}

/// `buyConf.params` of iexec.json, when there is an iexec.json with one.
fn buy_conf_params(ctx: &Ctx) -> Result<Option<JsonValue>> {
    if !ctx.project().join("iexec.json").exists() {
        return Ok(None);
    }
    let conf = IExecConf::load(ctx.project())?;
    Ok(conf
        .root()
        .get("buyConf")
        .and_then(JsonValue::as_object)
        .and_then(|buy| buy.get("params"))
        .cloned())
}

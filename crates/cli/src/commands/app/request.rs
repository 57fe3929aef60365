//! `poco app request-execution [APP]`: the iExec SDK's way of asking for executions without
//! buying at once: a request order with the most you pay per task, signed and published on the
//! market, where a workerpool's scheduler (or anyone) fills it. The logic is
//! `poco_client::execution::request`; this module reads the options, asks and prints.

use super::terms::{Terms, amount as amount_option};
use crate::{
    commands::{address_arg, deal::amount, orderbook::market_for},
    context::Ctx,
};
use anyhow::{Context as _, Result};
use clap::Args;
use poco_client::{
    execution::{self, PreparedRequest, RequestSpec},
    project::{Deployed, deployed::Resource},
};
use poco_contracts::alloy::primitives::{Address, U256};
use serde_json::json;

/// `poco app request-execution`.
#[derive(Debug, Args)]
#[command(
    long_about = "Ask for executions of an app without buying them at once, as the iExec SDK's \
`app request-execution`: make a request order with the most you pay per task for the app, the \
dataset and the workerpool, sign it and publish it on the chain's market. A workerpool whose \
scheduler matches requests (`poco up` runs one), or anyone holding fitting orders, fills it \
later; `poco orderbook requester <your address>` shows it, `poco order unpublish --request` \
takes it back.\n\nNothing is spent until the request is filled; the total (prices × volume) must \
be free in your hub account then, and the market drops the request when it is not (`poco \
account deposit` moves RLC in; the command checks it first). Asks for confirmation (--force skips \
it).\n\nRaw output: `{ok, orderHash}`, as the iExec SDK.",
    after_help = "Examples:\n  poco app request-execution 0x5b0e…8c1a --workerpool-price 1 RLC \
--args \"hello poco\"\n  poco app request-execution 0x5b0e…8c1a --app-price 1000 \
--workerpool-price 1000000 --volume 3 --trust 3 --force --raw"
)]
pub(crate) struct RequestArgs {
    /// The app (default: the one deployed.json records for the chain).
    #[arg(value_name = "APP", value_parser = address_arg)]
    app: Option<Address>,
    /// A dataset for the app.
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg)]
    dataset: Option<Address>,
    /// Only this workerpool may fill the request (default: any).
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg)]
    workerpool: Option<Address>,
    /// The most you pay for the app per task: nRLC, or with a unit ("1.5 RLC"). Default 0.
    #[arg(long, value_name = "AMOUNT [UNIT]", num_args = 1..=2)]
    app_price: Vec<String>,
    /// The most you pay for the dataset per task. Default 0.
    #[arg(long, value_name = "AMOUNT [UNIT]", num_args = 1..=2)]
    dataset_price: Vec<String>,
    /// The most you pay for the workerpool per task. Default 0.
    #[arg(long, value_name = "AMOUNT [UNIT]", num_args = 1..=2)]
    workerpool_price: Vec<String>,
    /// How many tasks.
    #[arg(long, value_name = "N", default_value_t = 1)]
    volume: u64,
    /// The category (maximum run time; `poco category show N` describes it).
    #[arg(long, value_name = "ID", default_value_t = 0)]
    category: u64,
    #[command(flatten)]
    terms: Terms,
}

pub(super) async fn run(ctx: &Ctx, args: RequestArgs) -> Result<()> {
    let client = ctx.client().await?;
    let app = match args.app {
        Some(app) => app,
        None => {
            let app = Deployed::load(ctx.project())?.require(Resource::App, client.chain_id())?;
            if !ctx.common.raw {
                eprintln!("No app specified, using last app deployed from deployed.json: {app}");
            }
            app
        }
    };
    let spec = RequestSpec {
        app,
        dataset: args.dataset,
        workerpool: args.workerpool,
        app_price: amount_option("--app-price", &args.app_price)?,
        dataset_price: amount_option("--dataset-price", &args.dataset_price)?,
        workerpool_price: amount_option("--workerpool-price", &args.workerpool_price)?,
        volume: U256::from(args.volume),
        category: args.category,
        tag: args.terms.tag()?,
        trust: args.terms.trust,
        callback: args.terms.callback(),
        beneficiary: args.terms.beneficiary,
        params: args.terms.params(),
        skip_preflight_check: args.terms.skip_preflight_check,
    };
    let market = market_for(&client)?;
    let progress = ctx.progress();
    progress.step("Creating requestorder");
    let prepared = execution::request::prepare(&client, &spec).await?;
    progress.finish();
    ctx.confirm(&question(&prepared))?;
    let progress = ctx.progress();
    progress.step(format!(
        "Publishing requestorder on the market {}",
        market.url()
    ));
    let published = execution::request::publish(&client, &market, &prepared)
        .await
        .context("cannot publish the requestorder")?;
    progress.finish();
    let requester = prepared.order.order.requester;
    ctx.out.success(
        format!(
            "Successfully published requestorder with orderHash {}\nRun \"poco orderbook \
             requester {requester}\" to show published requestorders",
            published.order_hash
        ),
        json!({ "orderHash": published.order_hash.to_string() }),
    );
    Ok(())
}

/// The SDK's question, with the request's terms.
fn question(prepared: &PreparedRequest) -> String {
    let request = &prepared.order.order;
    let total = amount(prepared.total);
    let mut lines = vec![format!(
        "  app: {} ({})",
        request.app,
        amount(request.appmaxprice)
    )];
    if request.dataset != Address::ZERO {
        lines.push(format!(
            "  dataset: {} ({})",
            request.dataset,
            amount(request.datasetmaxprice)
        ));
    }
    let workerpool = if request.workerpool == Address::ZERO {
        "any".to_owned()
    } else {
        request.workerpool.to_string()
    };
    lines.push(format!(
        "  workerpool: {workerpool} ({})",
        amount(request.workerpoolmaxprice)
    ));
    lines.push(format!("  volume: {}", request.volume));
    lines.push(format!("  params: {}", request.params));
    lines.push(format!("  category: {}", request.category));
    lines.push(format!("  trust: {}", request.trust));
    if !request.tag.is_zero() {
        lines.push(format!("  tag: {}", request.tag));
    }
    if request.callback != Address::ZERO {
        lines.push(format!("  callback: {}", request.callback));
    }
    if request.beneficiary != request.requester {
        lines.push(format!("  beneficiary: {}", request.beneficiary));
    }
    format!(
        "Do you want to place the following execution request for {total}?\n - The amount will \
         be taken from your account only if your request is filled.\n - Your request will be \
         disabled if your stake drops under {total}.\n{}\n",
        lines.join("\n")
    )
}

//! `poco app run [APP]`: the iExec SDK's one-command execution. Picks the cheapest fitting
//! orders on the market (or makes free ones for what the wallet owns), builds and signs the
//! request, checks that the hub account pays for it, asks, matches, and prints the deal and its
//! tasks; with `--watch` follows each task and its replicates until the deal settles, with
//! `--download` also saves each completed task's result. The logic is
//! `poco_client::execution`; this module reads the options, asks and prints.

use super::{follow, terms::Terms};
use crate::{
    commands::{address_arg, deal::amount, orderbook::market_for},
    context::Ctx,
};
use anyhow::{Context as _, Result};
use clap::Args;
use poco_client::{
    execution::{self, PreparedRun, RunSpec, Source, Submitted},
    project::{Deployed, deployed::Resource},
};
use poco_contracts::alloy::primitives::Address;
use serde_json::{Value, json};
use std::{path::PathBuf, time::Duration};

/// `poco app run`.
#[derive(Debug, Args)]
#[command(
    long_about = "Run an app once, as the iExec SDK's `app run`: pick the orders on the \
chain's market (`iexecGateway`), build your request order, sign it, check it, ask, and match the \
orders into a deal of one task.\n\nThe orders: the cheapest open apporder you may use for the app \
(a free one is made for you when you own the app), with --dataset the cheapest datasetorder for \
it, and the cheapest workerpoolorder that offers the tags, trust and category asked, usable by \
this app, dataset and requester: in --category, or else in category 0, then 1, ... until one has \
an offer (with --workerpool, that workerpool's; a free one when you own it).\n\nThe price (app + \
dataset + workerpool) is locked from your hub account, not taken from the wallet: when the \
account does not hold it, the command says how much to move in with `poco account deposit`. \
Everything `matchOrders` checks is checked before anything is sent.\n\nWith --watch, follow each \
task and its replicates (from the workerpool's scheduler, found through chain.json's `compass` \
or --workerpool-api) until the deal settles; with --download [DIR], also save each completed \
task's result as DIR/<taskid>.zip (default: the current folder), its content checked against the \
address on-chain. Put --download after APP: a word right after it is taken as DIR.\n\nRaw \
output: `{ok, deals: [{dealid, volume, txHash}], tasks: [{idx, taskid}]}` as the iExec SDK (with \
--watch or --download each task is `task show`'s `task` with its `idx`, the scheduler's \
`offchainData` and, downloaded, its `resultPath`), and `failedTasks` when some did not complete.",
    after_help = "Examples:\n  poco app run --args \"hello poco\"\n  poco app run 0x5b0e…8c1a \
--trust 3 --watch\n  poco app run --workerpool 0x9a2e…3f1c --category 0 --download results/\n  \
poco app run 0x5b0e…8c1a --params '{\"iexec_args\":\"hello\"}' --force --raw"
)]
pub(crate) struct RunArgs {
    /// The app (default: the one deployed.json records for the chain).
    #[arg(value_name = "APP", value_parser = address_arg)]
    app: Option<Address>,
    /// A dataset for the app: its address, or `deployed` for deployed.json's.
    #[arg(long, value_name = "ADDRESS|deployed")]
    dataset: Option<String>,
    /// Run on this workerpool only: its address, or `deployed` for deployed.json's.
    #[arg(long, value_name = "ADDRESS|deployed")]
    workerpool: Option<String>,
    /// The category (maximum run time) to buy in (default: the first with an offer, from 0).
    #[arg(long, value_name = "ID")]
    category: Option<u64>,
    #[command(flatten)]
    terms: Terms,
    /// Follow each task and its replicates until the deal settles.
    #[arg(long)]
    watch: bool,
    /// Follow the deal, then save each completed task's result in DIR (default: here), as
    /// <taskid>.zip.
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = ".")]
    download: Option<PathBuf>,
    /// The workerpool's API (its scheduler) to show replicates from, instead of finding it
    /// through chain.json's `compass`.
    #[arg(long, value_name = "URL")]
    workerpool_api: Option<String>,
    /// How often --watch reads ("1s", "250ms").
    #[arg(long, hide = true, default_value = "250ms", value_parser = follow::parse_interval)]
    interval: Duration,
}

/// An address option that may say `deployed`.
fn resource(
    ctx: &Ctx,
    option: &str,
    value: Option<&str>,
    kind: Resource,
    chain_id: u64,
) -> Result<Option<Address>> {
    match value {
        None => Ok(None),
        Some(text) if text.trim().eq_ignore_ascii_case("deployed") => {
            let address = Deployed::load(ctx.project())?.require(kind, chain_id)?;
            note(
                ctx,
                &format!("Using last {kind} deployed from deployed.json: {address}"),
            );
            Ok(Some(address))
        }
        Some(text) => address_arg(text)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("{option} {text:?}: {e} (or write `deployed`)")),
    }
}

/// A note on stderr (not with --raw, whose stderr is for the error object).
fn note(ctx: &Ctx, text: &str) {
    if !ctx.common.raw {
        eprintln!("{text}");
    }
}

pub(super) async fn run(ctx: &Ctx, args: RunArgs) -> Result<()> {
    let client = ctx.client().await?;
    let chain_id = client.chain_id();
    let app = match args.app {
        Some(app) => app,
        None => {
            let app = Deployed::load(ctx.project())?.require(Resource::App, chain_id)?;
            note(
                ctx,
                &format!("No app specified, using last app deployed from deployed.json: {app}"),
            );
            app
        }
    };
    let spec = RunSpec {
        app,
        dataset: resource(
            ctx,
            "--dataset",
            args.dataset.as_deref(),
            Resource::Dataset,
            chain_id,
        )?,
        workerpool: resource(
            ctx,
            "--workerpool",
            args.workerpool.as_deref(),
            Resource::Workerpool,
            chain_id,
        )?,
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
    progress.step("Preparing deal");
    let prepared = execution::run::prepare(&client, &market, &spec, &mut |text| {
        // The SDK's lines of what is being done; with --raw only the spinner shows them.
        if ctx.common.raw {
            progress.step(text);
        } else {
            progress.note(&text);
        }
    })
    .await?;
    progress.finish();
    ctx.confirm(&question(&prepared))?;
    let progress = ctx.progress();
    let submitted = execution::run::submit(&client, &prepared, &progress)
        .await
        .context("cannot match the orders")?;
    progress.finish();
    let deal = &submitted.filled;
    let mut raw = json!({
        "deals": [{
            "dealid": deal.deal_id,
            "volume": deal.volume.to_string(),
            "txHash": deal.tx_hash,
        }],
        "tasks": submitted.tasks.iter().map(|(idx, taskid)| json!({
            "idx": idx.to_string(),
            "taskid": taskid,
        })).collect::<Vec<_>>(),
    });
    if !(args.watch || args.download.is_some()) {
        ctx.out.success(submitted_text(&submitted), raw);
        return Ok(());
    }
    note(ctx, &format!("Deal submitted with dealid {}", deal.deal_id));
    let options = follow::Options {
        workerpool_api: args.workerpool_api,
        interval: args.interval,
        download: args.download,
    };
    let outcome = follow::follow(ctx, &client, &submitted, &options).await?;
    raw["tasks"] = Value::Array(outcome.tasks_json());
    if outcome.failed().is_empty() {
        ctx.out.success(outcome.human(), raw);
        return Ok(());
    }
    let message = format!(
        "app run failed: {} of {} task(s) did not complete",
        outcome.failed().len(),
        submitted.tasks.len()
    );
    if ctx.common.raw {
        // The SDK's failed run: `{ok: false, deals, tasks, failedTasks}` on stderr, with the
        // error as every failure has it; stdout stays empty.
        raw["ok"] = json!(false);
        raw["command"] = json!("poco app run");
        raw["error"] = json!({"name": "AppRunFailed", "message": message});
        raw["failedTasks"] = Value::Array(outcome.failed());
        eprintln!("{raw}");
        std::process::exit(1);
    }
    ctx.out.success(outcome.human(), raw);
    anyhow::bail!(message)
}

/// "Do you want to spend ... to execute the following request: ...".
fn question(prepared: &PreparedRun) -> String {
    let request = &prepared.orders.request.order;
    let free = |source: Source| match source {
        Source::Own => ", your own order",
        Source::Market => "",
    };
    let mut lines = vec![format!(
        "  app: {} ({}{})",
        request.app,
        amount(request.appmaxprice),
        free(prepared.app_source)
    )];
    if let Some(source) = prepared.dataset_source {
        lines.push(format!(
            "  dataset: {} ({}{})",
            request.dataset,
            amount(request.datasetmaxprice),
            free(source)
        ));
    }
    lines.push(format!(
        "  workerpool: {} ({}{})",
        request.workerpool,
        amount(request.workerpoolmaxprice),
        free(prepared.workerpool_source)
    ));
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
        "Do you want to spend {} (locked from the hub account of {}) to execute the following \
         request:\n{}\n",
        amount(prepared.total()),
        request.requester,
        lines.join("\n")
    )
}

/// The human result without --watch.
fn submitted_text(submitted: &Submitted) -> String {
    let deal = &submitted.filled;
    let mut text = format!(
        "Deal submitted with dealid {} for {} (tx {})\n",
        deal.deal_id,
        amount(deal.total),
        deal.tx_hash
    );
    for (idx, taskid) in &submitted.tasks {
        text.push_str(&format!("task {idx}: {taskid}\n"));
    }
    let first = submitted
        .tasks
        .first()
        .map_or_else(|| "<taskid>".to_owned(), |(_, id)| id.to_string());
    text.push_str(&format!(
        "Follow it with `poco deal show {} --watch` or `poco task debug {first}`; once completed, \
         `poco task show {first} --download` saves the result",
        deal.deal_id
    ));
    text
}

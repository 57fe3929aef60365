//! `poco task show [--watch] [--download]|debug|claim` (and the workshop's `poco work show`):
//! one task's status, deadlines, consensus and results, watched until it can no longer
//! progress, its result downloaded once completed; the workerpool scheduler's view of it and
//! the app's logs ([`debug`]); and claiming it once it missed its final deadline, which refunds
//! the requester. The views and claims are `poco_client::deals`, downloads and the scheduler
//! `poco_client::execution`; this module reads the arguments and prints.

mod debug;
pub(crate) mod render;

use super::deal::{WatchInterval, amount, watched};
use crate::context::{Common, Ctx};
use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use poco_client::{
    deals::{self, TaskView},
    execution::download,
    results::ResultsApi,
};
use poco_contracts::alloy::primitives::B256;
use poco_types::TaskStatus;
use serde_json::json;

/// `poco task`.
#[derive(Debug, Args)]
pub(crate) struct TaskCommand {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    action: TaskAction,
}

#[derive(Debug, Subcommand)]
enum TaskAction {
    #[command(about = "Show a task: status, deadlines, consensus and results; download its result")]
    Show(ShowArgs),
    #[command(
        about = "Show the workerpool scheduler's view of a task, its replicates and app logs"
    )]
    Debug(debug::DebugArgs),
    #[command(about = "Claim a task that missed its final deadline (refunds the requester)")]
    Claim(ClaimArgs),
}

/// `poco task show`.
#[derive(Debug, Args)]
#[command(
    long_about = "Show a task as the hub stores it: its status (UNSET, ACTIVE, REVEALING, \
COMPLETED, FAILED once claimed), its deal and index, the category's reference time, the \
contribution, reveal and final deadlines, the consensus with its reveal and winner counters, \
the contributors, the result digest and the results (where the result is stored).\n\nA task \
the workerpool has not initialized yet is unknown to the hub (an error, as with the iExec SDK): \
give its deal with --deal to see it UNSET with its deadlines (`poco deal show` lists a deal's task ids).\n\nWith --watch, \
read it again every 2 seconds until it is completed, claimed, or claimable (past its final \
deadline); a task not initialized yet is watched only with its deal (--deal), whose final \
deadline ends the watch.\n\nWith --download [FILE], a COMPLETED task's result (the zip its \
worker uploaded) is fetched from the chain's IPFS gateway (`ipfsGateway` in chain.json) at the \
location its results name, checked against the content address (CID) in that location, and \
saved as FILE (`.zip` added when missing; default <taskid>.zip in the current folder). A task \
not completed is shown and the download skipped, as the iExec SDK does.\n\nRaw output: `{ok, \
task, claimable, initialized}` as the iExec SDK, with `resultPath` when downloaded.",
    after_help = "Examples:\n  poco task show 0x9f2c…41d7\n  poco task show 0x9f2c…41d7 --watch\n  \
poco task show 0x9f2c…41d7 --deal 0x5b0e…8c1a --raw\n  poco task show 0x9f2c…41d7 --download\n  \
poco task show 0x9f2c…41d7 --watch --download result.zip\n  poco work show 0x9f2c…41d7 --download"
)]
struct ShowArgs {
    /// The task id (`poco deal show` lists a deal's tasks).
    #[arg(value_name = "TASKID")]
    taskid: String,
    /// The task's deal, to show a task that is not initialized yet.
    #[arg(long, value_name = "DEALID")]
    deal: Option<String>,
    /// Watch the task until it is completed, claimed or claimable.
    #[arg(long)]
    watch: bool,
    #[command(flatten)]
    every: WatchInterval,
    /// Save a completed task's result as FILE (default: <taskid>.zip), its content checked.
    #[arg(long, value_name = "FILE", num_args = 0..=1)]
    download: Option<Option<String>>,
}

/// `poco task claim`.
#[derive(Debug, Args)]
#[command(
    long_about = "Claim a task that did not complete by its final deadline: it becomes FAILED, \
the requester (the deal's sponsor) gets the task's price back in its hub account, and the \
workerpool's stake is seized. A task never initialized is initialized and claimed at once; \
give its deal with --deal (a task id alone does not say which deal it is from). Anyone may \
claim; it costs the sender gas only. Before the final deadline nothing is sent.",
    after_help = "Examples:\n  poco task claim 0x9f2c…41d7\n  \
poco task claim 0x9f2c…41d7 --deal 0x5b0e…8c1a --force"
)]
struct ClaimArgs {
    /// The task id.
    #[arg(value_name = "TASKID")]
    taskid: String,
    /// The task's deal, to claim a task that was never initialized.
    #[arg(long, value_name = "DEALID")]
    deal: Option<String>,
}

impl TaskCommand {
    pub(crate) async fn run(self) -> Result<()> {
        let ctx = Ctx::new(self.common);
        match self.action {
            TaskAction::Show(args) => show(&ctx, args).await,
            TaskAction::Debug(args) => debug::run(&ctx, args).await,
            TaskAction::Claim(args) => claim(&ctx, args).await,
        }
    }
}

/// The task id and the optional deal id, read.
fn ids(taskid: &str, deal: Option<&str>) -> Result<(B256, Option<B256>)> {
    let task = deals::parse_task_id(taskid)?;
    let deal = deal.map(deals::parse_deal_id).transpose()?;
    Ok((task, deal))
}

async fn show(ctx: &Ctx, args: ShowArgs) -> Result<()> {
    let (id, deal) = ids(&args.taskid, args.deal.as_deref())?;
    let client = ctx.reader().await?;
    let view = if args.watch {
        watched(ctx, watch_line, async |on_update| {
            deals::watch_task(&client, id, deal, args.every.interval, on_update).await
        })
        .await?
    } else {
        let view = deals::task(&client, id, deal).await?;
        // As the iExec SDK: a task the hub does not know is an error, unless its deal says
        // what it will be.
        if !view.initialized && !view.deal_known() {
            return Err(poco_client::ClientError::TaskNotInitialized(id).into());
        }
        view
    };
    let mut human = render::human(&view);
    let mut raw = render::raw(&view);
    if let Some(name) = &args.download {
        if view.status == TaskStatus::Completed {
            // As the SDK: relative to the current folder, written out in full.
            let path = std::env::current_dir()
                .context("cannot read the current folder")?
                .join(download::result_file_name(id, name.as_deref()));
            let gateway = ResultsApi::gateway_for_chain(client.chain())?;
            let progress = ctx.progress();
            progress.step(format!("Downloading result from {}", gateway.url()));
            let saved = download::save(&gateway, &view, &path).await?;
            progress.finish();
            raw["resultPath"] = json!(saved.path.display().to_string());
            human.push_str(&format!("\n{}", downloaded_line(&saved)));
        } else if !ctx.common.raw {
            eprintln!(
                "Task status is {}, not COMPLETED: option --download is ignored",
                view.status_name()
            );
        }
    }
    ctx.out.success(human, raw);
    Ok(())
}

/// "Downloaded task result to file x.zip (1234 bytes, CID bafkrei… checked)".
pub(crate) fn downloaded_line(saved: &download::SavedResult) -> String {
    let check = match &saved.verified {
        Some(cid) => format!("content checked against CID {cid}"),
        None => format!(
            "{}: not a Poco CID, the content could not be checked",
            saved.location
        ),
    };
    format!(
        "Downloaded task result to file {} ({} bytes, {check})",
        saved.path.display(),
        saved.size
    )
}

/// "task 0x…: ACTIVE (final deadline in 3 min)".
fn watch_line(view: &TaskView) -> String {
    format!(
        "task {}: {} (final deadline {})",
        view.id,
        deals::status_name(view.status),
        deals::time::relative(view.final_deadline(), view.now)
    )
}

async fn claim(ctx: &Ctx, args: ClaimArgs) -> Result<()> {
    let (id, deal) = ids(&args.taskid, args.deal.as_deref())?;
    let client = ctx.client().await?;
    let view = deals::task(&client, id, deal).await?;
    let plan = view.claim_plan()?;
    ctx.confirm(&format!(
        "Claim task {id}? It refunds {} to {}.",
        amount(plan.refund),
        plan.sponsor
    ))?;
    let progress = ctx.progress();
    let claimed = deals::claim(&client, &plan, &progress).await?;
    progress.finish();
    let tx_hash = claimed
        .transactions
        .first()
        .map(|tx| tx.tx_hash)
        .unwrap_or_default();
    ctx.out.success(
        format!(
            "Claimed task {id}: {} refunded to {}\ntx {tx_hash}",
            amount(claimed.refunded),
            claimed.sponsor
        ),
        json!({
            "txHash": tx_hash,
            "refunded": claimed.refunded.to_string(),
            "sponsor": claimed.sponsor.to_checksum(None),
        }),
    );
    Ok(())
}

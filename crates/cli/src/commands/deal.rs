//! `poco deal show [--watch]|claim`: a deal's resources, deadlines and the status of each of
//! its tasks, watched until they can no longer progress; and claiming the tasks that missed
//! the final deadline, which refunds the requester. The views, deadlines and claims are
//! `poco_client::deals`; this module reads the arguments and prints.

mod render;
mod watch;

pub(crate) use render::{amount, id_list, when};
pub(crate) use watch::{WatchInterval, watched};

use crate::context::{Common, Ctx};
use anyhow::Result;
use clap::{Args, Subcommand};
use poco_client::deals::{self, DealView};
use serde_json::{Map, Value, json};

/// `poco deal`.
#[derive(Debug, Args)]
pub(crate) struct DealCommand {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    action: DealAction,
}

#[derive(Debug, Subcommand)]
enum DealAction {
    #[command(about = "Show a deal: its resources, deadlines and each task's status")]
    Show(ShowArgs),
    #[command(
        about = "Claim a deal's tasks that missed the final deadline (refunds the requester)"
    )]
    Claim(ClaimArgs),
}

/// `poco deal show`.
#[derive(Debug, Args)]
#[command(
    long_about = "Show a deal as the hub stores it: the app, dataset and workerpool with their \
owners and prices, the requester, beneficiary, trust, category, tag and params; its start time \
and the deadlines its tasks share (contribution and final, from the category's reference time); \
and each task with its status (UNSET until the workerpool initializes it, ACTIVE, REVEALING, \
COMPLETED, FAILED once claimed) and whether it can be claimed (past the final deadline and not \
completed).\n\nWith --watch, read it again every 2 seconds and show the progress until every \
task is completed, claimed, or claimable; then print the deal. A deal whose tasks never start \
is watched until its final deadline.",
    after_help = "Examples:\n  poco deal show 0x5b0e…8c1a\n  poco deal show 0x5b0e…8c1a --watch\n  \
poco deal show 0x5b0e…8c1a --raw"
)]
struct ShowArgs {
    /// The deal id (`poco order fill` prints it).
    #[arg(value_name = "DEALID")]
    dealid: String,
    /// Watch the deal until every task is completed, claimed or claimable.
    #[arg(long)]
    watch: bool,
    #[command(flatten)]
    every: WatchInterval,
}

/// `poco deal claim`.
#[derive(Debug, Args)]
#[command(
    long_about = "Claim every task of a deal that did not complete by the deal's final \
deadline: each becomes FAILED, the requester (the deal's sponsor) gets the task's price back in \
its hub account, and the workerpool's stake is seized. Tasks that were never initialized are \
initialized and claimed at once (`initializeAndClaimArray`), the others claimed together \
(`claimArray`). Anyone may claim; it costs the sender gas only. Before the final deadline \
nothing is sent.",
    after_help = "Examples:\n  poco deal claim 0x5b0e…8c1a\n  poco deal claim 0x5b0e…8c1a --force --raw"
)]
struct ClaimArgs {
    /// The deal id.
    #[arg(value_name = "DEALID")]
    dealid: String,
}

impl DealCommand {
    pub(crate) async fn run(self) -> Result<()> {
        let ctx = Ctx::new(self.common);
        match self.action {
            DealAction::Show(args) => show(&ctx, args).await,
            DealAction::Claim(args) => claim(&ctx, args).await,
        }
    }
}

async fn show(ctx: &Ctx, args: ShowArgs) -> Result<()> {
    let id = deals::parse_deal_id(&args.dealid)?;
    let client = ctx.reader().await?;
    let view = if args.watch {
        watched(ctx, watch_line, async |on_update| {
            deals::watch_deal(&client, id, args.every.interval, on_update).await
        })
        .await?
    } else {
        deals::deal(&client, id).await?
    };
    ctx.out.success(render::human(&view), render::raw(&view));
    Ok(())
}

/// "deal 0x…: 2/3 tasks completed, 1 active (final deadline in 3 min)".
fn watch_line(view: &DealView) -> String {
    format!(
        "deal {}: {} (final deadline {})",
        view.id,
        view.counts(),
        deals::time::relative(view.deadlines.final_deadline, view.now)
    )
}

async fn claim(ctx: &Ctx, args: ClaimArgs) -> Result<()> {
    let id = deals::parse_deal_id(&args.dealid)?;
    let client = ctx.client().await?;
    let view = deals::deal(&client, id).await?;
    let plan = view.claim_plan()?;
    ctx.confirm(&format!(
        "Claim {} of deal {id}? It refunds {} to {}.",
        tasks(plan.len()),
        amount(plan.refund),
        plan.sponsor
    ))?;
    let progress = ctx.progress();
    let claimed = deals::claim(&client, &plan, &progress).await?;
    progress.finish();
    let count = claimed.tasks().count();
    let mut human = format!(
        "Claimed {} of deal {id}: {} refunded to {}",
        tasks(count),
        amount(claimed.refunded),
        claimed.sponsor
    );
    for tx in &claimed.transactions {
        human.push_str(&format!("\ntx {} ({})", tx.tx_hash, tx.kind.name()));
    }
    let claimed_map: Map<String, Value> = claimed
        .tasks()
        .map(|(index, task)| (index.to_string(), json!(task)))
        .collect();
    let transactions: Vec<Value> = claimed
        .transactions
        .iter()
        .map(|tx| json!({ "txHash": tx.tx_hash, "type": tx.kind.name() }))
        .collect();
    ctx.out.success(
        human,
        json!({
            "claimed": claimed_map,
            "transactions": transactions,
            "refunded": claimed.refunded.to_string(),
            "sponsor": claimed.sponsor.to_checksum(None),
        }),
    );
    Ok(())
}

/// "1 task", "3 tasks".
pub(crate) fn tasks(count: usize) -> String {
    if count == 1 {
        "1 task".to_owned()
    } else {
        format!("{count} tasks")
    }
}

//! `poco category init|create|show|count`: the hub's categories, which set how long a task
//! may run (its deadlines derive from the category's `workClockTimeRef`). Anyone reads them;
//! only the hub's owner creates them, from iexec.json's `category` section. The logic is
//! `poco_client::categories`; this module reads the arguments, asks and prints.

use crate::{
    context::{Common, Ctx},
    ui::output::Fields,
};
use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use poco_client::{
    categories::{self, Category, TaskTimes},
    deals::time::format_duration,
    project::{self, IExecConf, Section, json::JsonObject},
};
use poco_contracts::alloy::primitives::U256;
use serde_json::json;

/// `poco category`.
#[derive(Debug, Args)]
pub(crate) struct CategoryCommand {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    action: CategoryAction,
}

#[derive(Debug, Subcommand)]
enum CategoryAction {
    #[command(about = "Write the default category into iexec.json, to edit before creating it")]
    Init(InitArgs),
    #[command(about = "Create the category of iexec.json (the hub's owner only)")]
    Create(CreateArgs),
    #[command(about = "Show a category and how long its tasks may run")]
    Show(ShowArgs),
    #[command(about = "Count the hub's categories")]
    Count(CountArgs),
}

/// `poco category init`.
#[derive(Debug, Args)]
#[command(
    long_about = "Write the iExec SDK's default `category` section into iexec.json (replacing \
any): a name, a description and `workClockTimeRef`, the reference duration of a task in seconds. \
Edit it, then create the category with `poco category create`. iexec.json must exist: `poco \
init` creates it.",
    after_help = "Examples:\n  poco category init\n  poco category init --raw"
)]
struct InitArgs {}

/// `poco category create`.
#[derive(Debug, Args)]
#[command(
    long_about = "Create the category of iexec.json's `category` section in the hub. Only the \
hub's owner may (on a dev chain, dev account 0). The new category's index is printed. Asks for \
confirmation first (--force skips it). Costs gas only.",
    after_help = "Examples:\n  poco category create\n  poco category create --force --raw"
)]
struct CreateArgs {}

/// `poco category show`.
#[derive(Debug, Args)]
#[command(
    long_about = "Show a category: its name, its description and its `workClockTimeRef`, with \
the time its tasks have from their deal's start: until the contribution deadline (the hub's \
contribution ratio times workClockTimeRef, 7× on Poco and iExec) workers run the task and \
contribute; after the final deadline (10×) a task not completed can be claimed back.",
    after_help = "Examples:\n  poco category show 0\n  poco category show 4 --raw"
)]
struct ShowArgs {
    /// The category's index (from 0).
    #[arg(value_name = "INDEX")]
    index: String,
}

/// `poco category count`.
#[derive(Debug, Args)]
#[command(
    long_about = "Count the hub's categories; their indexes go from 0 to the count minus 1.",
    after_help = "Examples:\n  poco category count\n  poco category count --raw"
)]
struct CountArgs {}

impl CategoryCommand {
    pub(crate) async fn run(self) -> Result<()> {
        let ctx = Ctx::new(self.common);
        match self.action {
            CategoryAction::Init(InitArgs {}) => init(&ctx),
            CategoryAction::Create(CreateArgs {}) => create(&ctx).await,
            CategoryAction::Show(args) => show(&ctx, args).await,
            CategoryAction::Count(CountArgs {}) => count(&ctx).await,
        }
    }
}

fn init(ctx: &Ctx) -> Result<()> {
    let saved = project::json::JsonValue::Object(project::init_section(
        ctx.project(),
        Section::Category,
        &JsonObject::new(),
    )?);
    ctx.out.success(
        format!(
            "Saved the default category in iexec.json; edit it, then create it with `poco \
             category create` (the hub's owner only):\n{}",
            saved.stringify_pretty()
        ),
        json!({ "category": saved.to_serde() }),
    );
    Ok(())
}

async fn create(ctx: &Ctx) -> Result<()> {
    let conf = IExecConf::load(ctx.project())?.category()?;
    let client = ctx.client().await?;
    let plan = categories::plan_create(&client, &conf).await?;
    let category = &plan.category;
    ctx.confirm(&format!(
        "Create category {} \"{}\" ({}, workClockTimeRef {} s) on chain {} (id {})?",
        plan.index,
        category.name,
        category.description,
        category.work_clock_time_ref,
        client.chain().name,
        client.chain_id()
    ))?;
    let progress = ctx.progress();
    let (index, tx_hash) = plan.send(&client, &progress).await?;
    progress.finish();
    ctx.out.success(
        format!("New category created with catid {index} (tx {tx_hash})"),
        json!({ "catid": index.to_string(), "txHash": tx_hash }),
    );
    Ok(())
}

async fn show(ctx: &Ctx, args: ShowArgs) -> Result<()> {
    let text = args.index.trim();
    let index = U256::from_str_radix(text, 10)
        .ok()
        .filter(|_| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .with_context(|| {
            format!(
                "`{}` is not a category index: give a whole number, like 0",
                args.index
            )
        })?;
    let client = ctx.reader().await?;
    let category = categories::show(&client, index).await?;
    let times = categories::task_times(&client, &category).await?;
    ctx.out.success(
        format!(
            "Category {index} on chain {}:\n{}",
            client.chain().name,
            fields(&category, &times)
        ),
        json!({
            "index": text,
            "category": {
                "name": category.name,
                "description": category.description,
                "workClockTimeRef": category.work_clock_time_ref.to_string(),
            },
        }),
    );
    Ok(())
}

fn fields(category: &Category, times: &TaskTimes) -> Fields {
    Fields::new()
        .row("name", &category.name)
        .row("description", &category.description)
        .row(
            "workClockTimeRef",
            format!(
                "{} s ({})",
                category.work_clock_time_ref,
                duration(category.work_clock_time_ref)
            ),
        )
        .row(
            "contribution",
            format!(
                "within {} of the deal's start",
                duration(times.contribution)
            ),
        )
        .row(
            "final deadline",
            format!(
                "{} after the deal's start (a task not completed by then can be claimed)",
                duration(times.final_deadline)
            ),
        )
}

fn duration(seconds: U256) -> String {
    u64::try_from(seconds).map_or_else(|_| format!("{seconds} s"), format_duration)
}

async fn count(ctx: &Ctx) -> Result<()> {
    let client = ctx.reader().await?;
    let total = categories::count(&client).await?;
    ctx.out.success(
        format!(
            "The hub on chain {} has {total} categories",
            client.chain().name
        ),
        json!({ "count": total.to_string() }),
    );
    Ok(())
}

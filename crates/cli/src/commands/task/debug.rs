//! `poco task debug TASKID [--logs]`: the iExec SDK's `task debug`. The task on-chain, the
//! workerpool scheduler's view of it (its status history and each replicate's worker, status
//! history and exit code, from `GET /tasks/{id}`), and with `--logs` the app's output on each
//! worker, which the scheduler gives the deal's requester only (an EIP-712 challenge signed
//! with the wallet). The scheduler is found through chain.json's `compass`, or given with
//! `--workerpool-api`. As in the SDK, what the scheduler cannot give is a warning, not a
//! failure: the on-chain view is always shown.

use super::render;
use crate::{context::Ctx, ui::output::Fields};
use anyhow::Result;
use clap::Args;
use poco_client::{
    ClientError,
    core::CoreApi,
    deals,
    execution::{
        ExecutionError,
        debug::{app_logs, offchain_data, scheduler},
    },
};
use poco_types::core::{ComputeLogs, TaskModel};
use serde_json::json;
use std::fmt::Write as _;

/// `poco task debug`.
#[derive(Debug, Args)]
#[command(
    long_about = "Show what the workerpool's scheduler knows of a task, as the iExec SDK's `task \
debug`: the task on-chain, then its off-chain status with its history, and each replicate (one \
worker's copy of the task) with its worker, status history and the app's exit code. The \
scheduler is found through chain.json's `compass` (`GET {compass}/{chainId}/workerpools/{pool}`, \
which a Poco scheduler answers for its own pool), or given with --workerpool-api.\n\nWith \
--logs, also the app's stdout and stderr on each worker: the scheduler shows them to the deal's \
requester only, so your wallet signs its challenge (EIP-712) to prove it is the requester.\n\n\
Raw output: `{ok, onchainData, offchainData, appLogs}`, as the iExec SDK.",
    after_help = "Examples:\n  poco task debug 0x9f2c…41d7\n  poco task debug 0x9f2c…41d7 --logs\n  \
poco task debug 0x9f2c…41d7 --workerpool-api http://127.0.0.1:13000 --raw"
)]
pub(super) struct DebugArgs {
    /// The task id.
    #[arg(value_name = "TASKID")]
    taskid: String,
    /// Also show the app's logs on each worker (for the deal's requester only).
    #[arg(long)]
    logs: bool,
    /// The workerpool's API (its scheduler), instead of finding it through chain.json's
    /// `compass`.
    #[arg(long, value_name = "URL")]
    workerpool_api: Option<String>,
}

pub(super) async fn run(ctx: &Ctx, args: DebugArgs) -> Result<()> {
    let id = deals::parse_task_id(&args.taskid)?;
    // The logs need the requester's signature: the wallet is loaded (and its password asked)
    // first, as the SDK does.
    let client = if args.logs {
        ctx.client().await?
    } else {
        ctx.reader().await?
    };
    let progress = ctx.progress();
    progress.step("Fetching debug information");
    let view = deals::task(&client, id, None).await?;
    let Some(deal) = view.deal.clone() else {
        return Err(ClientError::TaskNotInitialized(id).into());
    };
    let mut warnings = Vec::new();
    let scheduler = scheduler(
        &client,
        deal.workerpool.pointer,
        args.workerpool_api.as_deref(),
    )
    .await
    .map_err(|e| e.to_string());
    let model = match &scheduler {
        Ok(api) => match api.task(id).await {
            Ok(Some(model)) => Some(model),
            Ok(None) => {
                warnings.push(format!(
                    "Failed to fetch off-chain data: the scheduler at {} does not know task {id} \
                     (not yet seen, or another workerpool's)",
                    api.url()
                ));
                None
            }
            Err(e) => {
                warnings.push(format!("Failed to fetch off-chain data: {e}"));
                None
            }
        },
        Err(e) => {
            warnings.push(format!("Failed to fetch off-chain data: {e}"));
            None
        }
    };
    let logs = if args.logs {
        match logs(&client, &scheduler, id, deal.requester).await {
            Ok(logs) => Some(logs),
            Err(e) => {
                warnings.push(format!("Failed to fetch app logs: {e}"));
                None
            }
        }
    } else {
        None
    };
    progress.finish();
    if !ctx.common.raw {
        for warning in &warnings {
            eprintln!("warning: {warning}");
        }
    }
    let onchain = render::raw(&view)["task"].clone();
    let mut raw = json!({ "onchainData": onchain });
    if let Some(model) = &model {
        raw["offchainData"] = offchain_data(model);
    }
    if let Some(logs) = &logs {
        raw["appLogs"] = app_logs(logs);
    }
    ctx.out
        .success(human(&view, model.as_ref(), logs.as_deref()), raw);
    Ok(())
}

/// The app logs, after checking the wallet is the requester.
async fn logs(
    client: &poco_client::Client,
    scheduler: &std::result::Result<CoreApi, String>,
    id: poco_contracts::alloy::primitives::B256,
    requester: poco_contracts::alloy::primitives::Address,
) -> Result<Vec<ComputeLogs>> {
    let me = client.address()?;
    if me != requester {
        return Err(ExecutionError::NotRequester { requester, you: me }.into());
    }
    let api = scheduler.as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
    let logs = api.logs(id, client.chain_id(), client.signer()?).await?;
    Ok(logs.compute_logs_list)
}

/// The human view: the on-chain fields, the scheduler's view, the logs.
fn human(
    view: &deals::TaskView,
    model: Option<&TaskModel>,
    logs: Option<&[ComputeLogs]>,
) -> String {
    let mut text = format!("Task {}:\nOn-chain data:\n{}", view.id, render::human(view));
    if let Some(model) = model {
        let _ = write!(text, "\nOff-chain data (the workerpool's scheduler):\n");
        let mut fields = Fields::new().row("status", model.current_status);
        let history: Vec<String> = model
            .date_status_list
            .iter()
            .map(|change| format!("{} at {}", change.status, time(change.date)))
            .collect();
        fields.push("history", history.join(", "));
        fields.push("replicates", model.replicates.len());
        text.push_str(&fields.to_string());
        for replicate in &model.replicates {
            let _ = write!(
                text,
                "  worker {}: {}",
                replicate.wallet_address.to_checksum(None),
                replicate.current_status
            );
            if let Some(code) = replicate.app_exit_code {
                let _ = write!(text, ", app exit code {code}");
            }
            let steps: Vec<String> = replicate
                .status_update_list
                .iter()
                .map(|update| update.status.to_string())
                .collect();
            let _ = writeln!(text, "\n    {}", steps.join(" → "));
        }
    }
    if let Some(logs) = logs {
        let _ = write!(text, "\nApp logs:");
        if logs.is_empty() {
            text.push_str(" none yet");
        }
        for log in logs {
            let worker = log
                .wallet_address
                .map_or_else(|| "unknown worker".to_owned(), |a| a.to_checksum(None));
            let _ = write!(
                text,
                "\n  worker {worker}:\n    stdout: {}\n    stderr: {}",
                block(&log.stdout),
                block(&log.stderr)
            );
        }
    }
    text
}

/// A log, indented under its label; "(empty)" when empty.
fn block(text: &str) -> String {
    let text = text.trim_end();
    if text.is_empty() {
        return "(empty)".to_owned();
    }
    if !text.contains('\n') {
        return text.to_owned();
    }
    let mut out = String::new();
    for line in text.lines() {
        let _ = write!(out, "\n      {line}");
    }
    out
}

/// An epoch-ms date in UTC.
fn time(ms: u64) -> String {
    deals::time::format_utc(ms / 1000)
}

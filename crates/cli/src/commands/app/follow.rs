//! `app run --watch` and `--download`: follow the deal until every task settles, showing each
//! task's on-chain status and its replicates as the workerpool's scheduler reports them (a
//! spinner redrawn in place on a terminal, one block per change elsewhere), then save the
//! completed tasks' results. The reads are `poco_client::execution::{watch, download}`.

use crate::{commands::task::downloaded_line, commands::task::render, context::Ctx};
use anyhow::Result;
use poco_client::{
    Client,
    deals::{self, TaskView},
    execution::{
        Submitted,
        debug::{offchain_data, scheduler},
        download::{self, SavedResult},
        watch::{RunProgress, watch_run},
    },
    results::ResultsApi,
};
use poco_contracts::alloy::primitives::{Address, B256};
use poco_types::{TaskStatus, core::TaskModel};
use serde_json::{Value, json};
use std::{fmt::Write as _, path::PathBuf, time::Duration};

/// Tasks shown one by one while watching; beyond, a count.
const TASKS_SHOWN: usize = 8;

/// What `app run` asked of the follow.
#[derive(Debug)]
pub(super) struct Options {
    /// `--workerpool-api`.
    pub(super) workerpool_api: Option<String>,
    /// How often to read.
    pub(super) interval: Duration,
    /// `--download`: the folder to save results in.
    pub(super) download: Option<PathBuf>,
}

/// One task at the end of the run.
struct Finished {
    view: TaskView,
    model: Option<TaskModel>,
    saved: Option<SavedResult>,
    download_error: Option<String>,
}

/// The run at its end.
pub(super) struct Outcome {
    tasks: Vec<Finished>,
}

/// Follows the deal of `submitted` until it settles, then downloads what `options` asks.
pub(super) async fn follow(
    ctx: &Ctx,
    client: &Client,
    submitted: &Submitted,
    options: &Options,
) -> Result<Outcome> {
    let deal_id = submitted.filled.deal_id;
    let workerpool = submitted_pool(client, deal_id).await?;
    let scheduler = match scheduler(client, workerpool, options.workerpool_api.as_deref()).await {
        Ok(api) => Some(api),
        Err(e) => {
            note(ctx, &format!("replicates will not be shown: {e}"));
            None
        }
    };
    let fetch = scheduler.as_ref().map(|api| {
        async move |id: B256| -> std::result::Result<Option<TaskModel>, String> {
            api.task(id).await.map_err(|e| e.to_string())
        }
    });
    let progress = ctx.progress();
    let mut last = String::new();
    let end = watch_run(client, deal_id, options.interval, fetch, |run| {
        let text = watching(run);
        if text != last {
            progress.step(&text);
            last = text;
        }
    })
    .await?;
    progress.finish();
    let mut tasks = Vec::with_capacity(end.tasks.len());
    for task in &end.tasks {
        let view = deals::task(client, task.summary.id, Some(deal_id)).await?;
        tasks.push(Finished {
            view,
            model: task.model.clone(),
            saved: None,
            download_error: None,
        });
    }
    if let Some(dir) = &options.download {
        let completed = tasks.iter().any(|t| t.view.status == TaskStatus::Completed);
        if completed {
            let gateway = ResultsApi::gateway_for_chain(client.chain())?;
            let progress = ctx.progress();
            for task in tasks
                .iter_mut()
                .filter(|t| t.view.status == TaskStatus::Completed)
            {
                progress.step(format!(
                    "Downloading the result of task {} from {}",
                    task.view.id,
                    gateway.url()
                ));
                let path = absolute(dir)?.join(download::result_file_name(task.view.id, None));
                match download::save(&gateway, &task.view, &path).await {
                    Ok(saved) => task.saved = Some(saved),
                    Err(e) => task.download_error = Some(e.to_string()),
                }
            }
            progress.finish();
        }
    }
    Ok(Outcome { tasks })
}

/// The deal's workerpool.
async fn submitted_pool(client: &Client, deal_id: B256) -> Result<Address> {
    Ok(deals::deal(client, deal_id).await?.deal.workerpool.pointer)
}

/// `dir` made absolute against the current folder.
fn absolute(dir: &std::path::Path) -> Result<PathBuf> {
    Ok(if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()?.join(dir)
    })
}

fn note(ctx: &Ctx, text: &str) {
    if !ctx.common.raw {
        eprintln!("{text}");
    }
}

/// "0x1234…cdef".
fn short(text: &str) -> String {
    if text.len() > 14 {
        format!("{}…{}", &text[..6], &text[text.len() - 4..])
    } else {
        text.to_owned()
    }
}

/// The watch's block of text: a summary, then each task and its replicates.
fn watching(run: &RunProgress) -> String {
    let counts = run.deal.counts();
    let mut text = format!(
        "Watching execution... {}/{} task(s) completed",
        counts.completed, counts.total
    );
    if counts.failed + counts.claimable > 0 {
        let _ = write!(text, ", {} failed", counts.failed + counts.claimable);
    }
    if let Some(reason) = &run.offchain_error {
        let _ = write!(text, " (scheduler: {reason})");
    }
    for task in run.tasks.iter().take(TASKS_SHOWN) {
        let summary = &task.summary;
        let _ = write!(
            text,
            "\n  task {} ({}): {}",
            summary.index,
            short(&summary.id.to_string()),
            summary.status_name()
        );
        if let Some(model) = &task.model {
            let _ = write!(text, ", scheduler {}", model.current_status);
            for replicate in &model.replicates {
                let _ = write!(
                    text,
                    "\n    worker {}: {}",
                    short(&replicate.wallet_address.to_checksum(None)),
                    replicate.current_status
                );
                if let Some(code) = replicate.app_exit_code {
                    let _ = write!(text, " (exit code {code})");
                }
            }
        }
    }
    if run.tasks.len() > TASKS_SHOWN {
        let _ = write!(text, "\n  … and {} more", run.tasks.len() - TASKS_SHOWN);
    }
    text
}

impl Outcome {
    /// The tasks that did not complete (the SDK's `failedTasks`).
    pub(super) fn failed(&self) -> Vec<Value> {
        self.tasks
            .iter()
            .filter(|t| t.view.status != TaskStatus::Completed)
            .map(task_json)
            .collect()
    }

    /// Every task, as the SDK's `tasks`.
    pub(super) fn tasks_json(&self) -> Vec<Value> {
        self.tasks.iter().map(task_json).collect()
    }

    /// The human summary.
    pub(super) fn human(&self) -> String {
        let total = self.tasks.len();
        let completed = self
            .tasks
            .iter()
            .filter(|t| t.view.status == TaskStatus::Completed)
            .count();
        let mut text = if completed == total {
            format!("App run successful: {completed}/{total} task(s) completed")
        } else {
            format!("App run failed: {completed}/{total} task(s) completed")
        };
        for task in &self.tasks {
            let _ = write!(
                text,
                "\n  task {} ({}): {}",
                task.view.index(),
                task.view.id,
                task.view.status_name()
            );
            if let Some(saved) = &task.saved {
                let _ = write!(text, "\n    {}", downloaded_line(saved));
            }
            if let Some(error) = &task.download_error {
                let _ = write!(text, "\n    download failed: {error}");
            }
            if task.view.claimable() {
                let _ = write!(
                    text,
                    "\n    it missed its final deadline: `poco task claim {}` refunds you",
                    task.view.id
                );
            }
        }
        text
    }
}

/// A task as the SDK's `app run --watch --raw` lists it: the `task show` object with its
/// index, plus the scheduler's view and where its result was saved.
fn task_json(task: &Finished) -> Value {
    let mut value = render::raw(&task.view)["task"].clone();
    value["idx"] = json!(task.view.index().to_string());
    if let Some(model) = &task.model {
        value["offchainData"] = offchain_data(model);
    }
    if let Some(saved) = &task.saved {
        value["resultPath"] = json!(saved.path.display().to_string());
    }
    if let Some(error) = &task.download_error {
        value["downloadError"] = json!(error);
    }
    value
}

/// A polling interval: "250ms", "1s", "1.5" (seconds).
pub(super) fn parse_interval(text: &str) -> std::result::Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: write it like 1s or 250ms"))?;
    if !(value.is_finite() && value > 0.0) {
        return Err(format!("`{text}`: the interval must be positive"));
    }
    Ok(Duration::from_secs_f64(value * scale))
}

//! How a task is printed: aligned fields for people; for `--raw`, the iExec SDK's `task`
//! object (numbers as decimal strings, the status as a number, the results decoded) with
//! `claimable`.

use super::super::deal::{id_list, when};
use crate::ui::output::Fields;
use poco_client::deals::{self, TaskView};
use poco_contracts::alloy::primitives::{B256, U256};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// A deadline the hub has not set yet (zero) reads "not set".
fn deadline(value: U256, now: u64, unset: &str) -> String {
    match u64::try_from(value) {
        Ok(0) => unset.to_owned(),
        Ok(timestamp) => when(timestamp, now),
        Err(_) => "never".to_owned(),
    }
}

/// A hash, or `none` when zero.
fn hash(value: B256, none: &str) -> String {
    if value == B256::ZERO {
        none.to_owned()
    } else {
        value.to_string()
    }
}

/// The human view.
pub(crate) fn human(view: &TaskView) -> String {
    let task = &view.task;
    let now = view.now;
    let mut status = deals::status_name(view.status).to_owned();
    if !view.initialized {
        status.push_str(" (not initialized yet: its workerpool has not started it)");
    }
    if view.claimable() {
        status.push_str(", claimable (the final deadline passed)");
    }
    if !view.deal_known() {
        // Zeros on chain: nothing more to show without the deal.
        return Fields::new()
            .row("task", view.id)
            .row(
                "status",
                "UNSET (not initialized yet: its workerpool has not started it, or the id is wrong)",
            )
            .row(
                "deal",
                "unknown until it starts: give it with --deal <dealid> to see the task's index \
                 and deadlines",
            )
            .to_string();
    }
    let timeref = u64::try_from(task.timeref).unwrap_or(u64::MAX);
    let fields = Fields::new()
        .row("task", view.id)
        .row("status", status)
        .row("deal", task.dealid)
        .row("index", task.idx)
        .row("category time", deals::time::format_duration(timeref))
        .row(
            "contribution deadline",
            deadline(task.contributionDeadline, now, "not set"),
        )
        .row(
            "reveal deadline",
            deadline(task.revealDeadline, now, "none yet (set at consensus)"),
        )
        .row(
            "final deadline",
            deadline(task.finalDeadline, now, "not set"),
        )
        .row("consensus", hash(task.consensusValue, "none yet"))
        .row(
            "revealed",
            format!(
                "{} of {} winning contributions",
                task.revealCounter, task.winnerCounter
            ),
        )
        .row("contributors", id_list(&task.contributors))
        .row("result digest", hash(task.resultDigest, "none yet"))
        .row("results", deals::describe_results(&task.results))
        .row(
            "results time",
            deadline(task.resultsTimestamp, now, "none yet"),
        );
    let mut text = fields.to_string();
    if view.claimable() {
        let deal = if view.initialized {
            String::new()
        } else {
            format!(" --deal {}", view.deal_id())
        };
        let _ = write!(
            text,
            "\nThe final deadline passed before the task completed: `poco task claim {}{deal}` \
             refunds the requester.",
            view.id
        );
    }
    text
}

/// The `--raw` object: the SDK's `task`, with `claimable` and `initialized`.
pub(crate) fn raw(view: &TaskView) -> Value {
    let task = &view.task;
    let contributors: Vec<String> = task
        .contributors
        .iter()
        .map(|address| address.to_checksum(None))
        .collect();
    json!({
        "task": {
            "taskid": view.id,
            "status": view.status as u8,
            "dealid": task.dealid,
            "idx": task.idx.to_string(),
            "timeref": task.timeref.to_string(),
            "contributionDeadline": task.contributionDeadline.to_string(),
            "revealDeadline": task.revealDeadline.to_string(),
            "finalDeadline": task.finalDeadline.to_string(),
            "consensusValue": task.consensusValue,
            "revealCounter": task.revealCounter.to_string(),
            "winnerCounter": task.winnerCounter.to_string(),
            "contributors": contributors,
            "resultDigest": task.resultDigest,
            "results": deals::decode_results(&task.results),
            "resultsTimestamp": task.resultsTimestamp.to_string(),
            "resultsCallback": task.resultsCallback,
            "statusName": view.status_name(),
            "taskTimedOut": view.timed_out(),
        },
        "claimable": view.claimable(),
        "initialized": view.initialized,
    })
}

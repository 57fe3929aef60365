//! How a deal is printed: aligned fields and a task list for people; for `--raw`, the iExec
//! SDK's `deal` object (numbers as decimal strings, checksummed addresses) with a summary of
//! each task.

use crate::ui::output::Fields;
use poco_client::deals::{self, DealView, TaskSummary};
use poco_contracts::{
    PocoTypes,
    alloy::primitives::{Address, U256},
};
use poco_types::{Tag, TaskStatus};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// A timestamp in UTC with the time relative to `now`.
pub(crate) fn when(timestamp: u64, now: u64) -> String {
    deals::time::format_when(timestamp, now)
}

/// An amount of nRLC ("30 nRLC", "1500000000 nRLC (1.5 RLC)").
pub(crate) fn amount(nrlc: U256) -> String {
    poco_client::explain::amount(nrlc)
}

/// Addresses separated by commas, or "none".
pub(crate) fn id_list(addresses: &[Address]) -> String {
    if addresses.is_empty() {
        "none".to_owned()
    } else {
        addresses
            .iter()
            .map(Address::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// An address, or "none" for zero.
fn optional(address: Address) -> String {
    if address == Address::ZERO {
        "none".to_owned()
    } else {
        address.to_string()
    }
}

/// "0x… (owner 0x…, 3 nRLC per task)", or "none".
fn resource(resource: &PocoTypes::Resource) -> String {
    if resource.pointer == Address::ZERO {
        "none".to_owned()
    } else {
        format!(
            "{} (owner {}, {} per task)",
            resource.pointer,
            resource.owner,
            amount(resource.price)
        )
    }
}

/// The tag's names ("tee,scone"), "none", or its hex when a bit has no name.
pub(crate) fn tag(tag: Tag) -> String {
    match tag.names() {
        Ok(names) if names.is_empty() => "none".to_owned(),
        Ok(names) => names.join(","),
        Err(_) => tag.to_string(),
    }
}

/// The human view.
pub(crate) fn human(view: &DealView) -> String {
    let deal = &view.deal;
    let now = view.now;
    let mut fields = Fields::new()
        .row("deal", view.id)
        .row("app", resource(&deal.app))
        .row("dataset", resource(&deal.dataset))
        .row("workerpool", resource(&deal.workerpool))
        .row("requester", deal.requester)
        .row("beneficiary", optional(deal.beneficiary));
    if deal.sponsor != deal.requester {
        fields.push("sponsor", deal.sponsor);
    }
    fields.push("callback", optional(deal.callback));
    fields.push(
        "params",
        if deal.params.is_empty() {
            "none"
        } else {
            &deal.params
        },
    );
    fields.push("tag", tag(Tag::from(deal.tag)));
    fields.push("trust", deal.trust);
    fields.push(
        "category",
        format!(
            "{} ({}, {} per task)",
            deal.category,
            view.category.name,
            deals::time::format_duration(view.deadlines.timeref)
        ),
    );
    let last = deal
        .botFirst
        .saturating_add(deal.botSize)
        .saturating_sub(U256::from(1));
    fields.push(
        "tasks",
        format!(
            "{} (indices {} to {last}), {} each",
            deal.botSize,
            deal.botFirst,
            amount(view.task_price())
        ),
    );
    fields.push("worker stake", amount(deal.workerStake));
    fields.push(
        "scheduler reward",
        format!("{} %", deal.schedulerRewardRatio),
    );
    fields.push("start time", when(view.deadlines.start_time, now));
    fields.push(
        "contribution deadline",
        when(view.deadlines.contribution, now),
    );
    fields.push("final deadline", when(view.deadlines.final_deadline, now));
    fields.push("status", view.counts());
    let mut text = fields.to_string();
    text.push_str("\nTasks:\n");
    for task in &view.tasks {
        let _ = writeln!(text, "  #{} {} {}", task.index, task.id, task_state(task));
    }
    let claimable = view.counts().claimable;
    if claimable > 0 {
        let _ = write!(
            text,
            "\n{} missed the final deadline: `poco deal claim {}` refunds the requester.",
            super::tasks(claimable),
            view.id
        );
    }
    text
}

/// "ACTIVE", "UNSET, claimable".
fn task_state(task: &TaskSummary) -> String {
    let name = deals::status_name(task.status);
    if task.claimable {
        format!("{name}, claimable")
    } else {
        name.to_owned()
    }
}

/// The SDK's `{pointer, owner, price}`.
fn resource_json(resource: &PocoTypes::Resource) -> Value {
    json!({
        "pointer": resource.pointer.to_checksum(None),
        "owner": resource.owner.to_checksum(None),
        "price": resource.price.to_string(),
    })
}

/// The `--raw` object: the SDK's `deal` (with `finalTime`, `deadlineReached` and the task
/// ids), and each task's status.
pub(crate) fn raw(view: &DealView) -> Value {
    let deal = &view.deal;
    let task_ids: Vec<Value> = view.tasks.iter().map(|task| json!(task.id)).collect();
    let tasks: Vec<Value> = view
        .tasks
        .iter()
        .map(|task| {
            json!({
                "idx": task.index.to_string(),
                "taskid": task.id,
                "status": task.status as u8,
                "statusName": task.status_name(),
                "taskTimedOut": task.status != TaskStatus::Completed && view.deadline_reached(),
                "claimable": task.claimable,
            })
        })
        .collect();
    let failed: Vec<Value> = tasks
        .iter()
        .filter(|task| task["taskTimedOut"] == json!(true))
        .cloned()
        .collect();
    let counts = view.counts();
    json!({
        "deal": {
            "dealid": view.id,
            "app": resource_json(&deal.app),
            "dataset": resource_json(&deal.dataset),
            "workerpool": resource_json(&deal.workerpool),
            "trust": deal.trust.to_string(),
            "category": deal.category.to_string(),
            "tag": deal.tag,
            "requester": deal.requester.to_checksum(None),
            "beneficiary": deal.beneficiary.to_checksum(None),
            "callback": deal.callback.to_checksum(None),
            "params": deal.params,
            "startTime": deal.startTime.to_string(),
            "botFirst": deal.botFirst.to_string(),
            "botSize": deal.botSize.to_string(),
            "workerStake": deal.workerStake.to_string(),
            "schedulerRewardRatio": deal.schedulerRewardRatio.to_string(),
            "sponsor": deal.sponsor.to_checksum(None),
            "finalTime": view.deadlines.final_deadline.to_string(),
            "deadlineReached": view.deadline_reached(),
            "tasks": task_ids,
        },
        "tasksCount": counts.total,
        "completedTasksCount": counts.completed,
        "failedTasksCount": failed.len(),
        "claimableTasksCount": counts.claimable,
        "tasks": tasks,
        "failedTasks": failed,
    })
}

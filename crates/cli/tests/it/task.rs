//! `poco task show [--watch]`, `poco work show` and `poco task claim` against a dev chain,
//! with tasks initialized and completed through the bindings.

use crate::{
    common::Stack,
    deal::{FINAL_DELAY, complete, finish, initialize, let_it_read, nonce, spawn, task_of},
    fixture::REQUESTER,
};
use poco_contracts::alloy::primitives::{B256, U256};
use serde_json::{Value, json};

/// The redactions of a `task show --raw` snapshot: ids and times vary from run to run.
macro_rules! assert_task_snapshot {
    ($name:expr, $value:expr) => {
        insta::assert_json_snapshot!($name, $value, {
            ".task.taskid" => "[taskid]",
            ".task.dealid" => "[dealid]",
            ".task.contributionDeadline" => "[time]",
            ".task.finalDeadline" => "[time]",
            ".task.revealDeadline" => insta::dynamic_redaction(time_unless_zero),
            ".task.consensusValue" => insta::dynamic_redaction(hash_unless_zero),
            ".task.resultsTimestamp" => insta::dynamic_redaction(time_unless_zero),
        })
    };
}

/// Times vary; a time not set yet (zero) is worth seeing.
fn time_unless_zero(
    value: insta::internals::Content,
    _: insta::internals::ContentPath<'_>,
) -> String {
    match value.as_str() {
        Some("0") => "0".to_owned(),
        _ => "[time]".to_owned(),
    }
}

/// The consensus hash depends on the task id.
fn hash_unless_zero(
    value: insta::internals::Content,
    _: insta::internals::ContentPath<'_>,
) -> String {
    match value.as_str() {
        Some(hash) if hash == B256::ZERO.to_string() => hash.to_owned(),
        _ => "[hash]".to_owned(),
    }
}

fn number(value: &Value) -> u64 {
    value.as_str().expect("a string").parse().expect("a number")
}

#[test]
fn show_of_a_task_not_initialized_is_unset() {
    let stack = Stack::start();
    let deal = stack.deal(1, 2);
    let project = stack.project();
    let task = task_of(&deal, 1).to_string();
    // Without its deal the hub knows nothing of it: an error, as with the iExec SDK.
    let error = project.fails(&["work", "show", &task]);
    assert!(
        error.contains(&format!("task {task} is not initialized")),
        "{error}"
    );
    assert!(error.contains("`--deal <dealid>`"), "{error}");
    // Watching it needs the deal: without one, a task that never starts would be watched forever.
    let error = project.fails(&["task", "show", &task, "--watch"]);
    assert!(
        error.contains(&format!("task {task} is not initialized")),
        "{error}"
    );
    assert!(error.contains("`--deal <dealid>`"), "{error}");

    // With its deal: its index and deadlines.
    let raw = project.raw(&["task", "show", &task, "--deal", &deal.id.to_string()]);
    assert_eq!(raw["initialized"], json!(false));
    assert_eq!(raw["task"]["idx"], json!("1"));
    assert_eq!(raw["task"]["dealid"], json!(deal.id));
    let shown = project.raw(&["deal", "show", &deal.id.to_string()]);
    assert_eq!(raw["task"]["finalDeadline"], shown["deal"]["finalTime"]);
    assert_task_snapshot!("task_show_unset", raw);

    let human = project.run(&["task", "show", &task, "--deal", &deal.id.to_string()]);
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(human.contains("UNSET (not initialized yet"), "{human}");
    assert!(human.contains("none yet (set at consensus)"), "{human}");

    // A task of another deal, and an id that is no task of the deal.
    let other = stack.deal(1, 1);
    let error = project.fails(&["task", "show", &task, "--deal", &other.id.to_string()]);
    assert!(error.contains("is not a task of deal"), "{error}");
    initialize(&stack, &deal, 1);
    let error = project.fails(&["task", "show", &task, "--deal", &other.id.to_string()]);
    assert!(
        error.contains(&format!("belongs to deal {}, not {}", deal.id, other.id)),
        "{error}"
    );
}

#[test]
fn show_of_an_initialized_then_completed_task() {
    let stack = Stack::start();
    let deal = stack.deal(1, 1);
    let project = stack.project();
    let task = initialize(&stack, &deal, 0);
    let id = task.to_string();
    let raw = project.raw(&["task", "show", &id]);
    assert_eq!(raw["task"]["statusName"], json!("ACTIVE"));
    assert_eq!(
        number(&raw["task"]["finalDeadline"]) - number(&raw["task"]["contributionDeadline"]),
        FINAL_DELAY / 10 * 3
    );
    assert_task_snapshot!("task_show_active", raw);

    complete(&stack, task);
    let raw = project.raw(&["work", "show", &id]);
    assert_eq!(raw["task"]["status"], json!(3));
    assert_eq!(
        raw["task"]["results"]["location"],
        json!("/ipfs/QmResultOfTheTest")
    );
    assert_eq!(raw["claimable"], json!(false));
    assert_task_snapshot!("task_show_completed", raw);
    let human = project.run(&["task", "show", &id]);
    let human = String::from_utf8_lossy(&human.stdout);
    let row = |key: &str| {
        human
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{key}:")))
            .map(str::trim)
            .unwrap_or_else(|| panic!("no {key} in:\n{human}"))
            .to_owned()
    };
    assert_eq!(row("status"), "COMPLETED");
    assert_eq!(row("results"), "/ipfs/QmResultOfTheTest (ipfs)");
    assert_eq!(row("revealed"), "1 of 1 winning contributions");
    assert_eq!(
        row("contributors"),
        stack.address(crate::deal::WORKER).to_string()
    );
}

#[test]
fn show_refuses_a_malformed_id() {
    let stack = Stack::start();
    let project = stack.project();
    let error = project.fails(&["task", "show", "0xzz"]);
    assert!(error.contains("`0xzz` is not a task id"), "{error}");
    let error = project.fails(&["task", "show", &B256::ZERO.to_string(), "--deal", "12"]);
    assert!(error.contains("`12` is not a deal id"), "{error}");
}

#[test]
fn watch_ends_when_the_task_completes() {
    let stack = Stack::start();
    let deal = stack.deal(1, 1);
    let project = stack.project();
    let task = task_of(&deal, 0);
    let watch = spawn(
        &project,
        &[
            "task",
            "show",
            &task.to_string(),
            "--deal",
            &deal.id.to_string(),
            "--watch",
            "--interval",
            "100ms",
        ],
    );
    let_it_read();
    initialize(&stack, &deal, 0);
    complete(&stack, task);
    let raw = finish(watch);
    assert_eq!(raw["task"]["statusName"], json!("COMPLETED"));
    assert_eq!(raw["initialized"], json!(true));
}

#[test]
fn claim_waits_for_the_final_deadline_then_refunds() {
    let stack = Stack::start();
    let requester = stack.address(REQUESTER);
    let deal = stack.deal(1, 2);
    let project = stack.project();
    project.add_wallet(stack.signer(REQUESTER));
    let started = initialize(&stack, &deal, 0).to_string();
    let never = task_of(&deal, 1).to_string();
    let dealid = deal.id.to_string();

    let before = nonce(&stack, REQUESTER);
    let error = project.fails(&["task", "claim", &started, "--force"]);
    assert!(error.contains("the task's final deadline is"), "{error}");
    assert!(
        error.contains("it can still complete; claim after it"),
        "{error}"
    );
    assert_eq!(nonce(&stack, REQUESTER), before);

    stack.increase_time(FINAL_DELAY + 1);
    let shown = project.raw(&["task", "show", &started]);
    assert_eq!(shown["claimable"], json!(true));
    assert_eq!(shown["task"]["statusName"], json!("TIMEOUT"));

    let raw = project.raw(&["task", "claim", &started, "--force"]);
    assert_eq!(raw["refunded"], json!("10"));
    assert_eq!(stack.account(requester).1, U256::from(10));

    // A task never initialized needs its deal.
    let error = project.fails(&["task", "claim", &never, "--force"]);
    assert!(error.contains("is not initialized"), "{error}");
    let raw = project.raw(&["task", "claim", &never, "--deal", &dealid, "--force"]);
    assert_eq!(raw["refunded"], json!("10"));
    assert_eq!(stack.account(requester).1, U256::ZERO);

    let error = project.fails(&["task", "claim", &started, "--force"]);
    assert!(error.contains("cannot be claimed: it is FAILED"), "{error}");
}

#[test]
fn a_completed_task_cannot_be_claimed() {
    let stack = Stack::start();
    let deal = stack.deal(1, 1);
    let task = initialize(&stack, &deal, 0);
    complete(&stack, task);
    stack.increase_time(FINAL_DELAY + 1);
    let project = stack.project();
    project.add_wallet(stack.signer(REQUESTER));
    let error = project.fails(&["task", "claim", &task.to_string(), "--force"]);
    assert!(
        error.contains("cannot be claimed: it is COMPLETED"),
        "{error}"
    );
}

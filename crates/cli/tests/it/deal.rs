//! `poco deal show [--watch]` and `poco deal claim` against a dev chain, with deals made and
//! tasks run through the bindings (as a workerpool would). The task helpers here are shared
//! with `task.rs`.

use crate::{
    common::{Project, Stack},
    fixture::{Deal, POOL_OWNER, REQUESTER, block_on},
};
use poco_contracts::{
    PocoHub,
    alloy::primitives::{Address, B256, Bytes, U256},
    dev,
};
use poco_types::{WorkerpoolAuthorization, task_id};
use serde_json::{Value, json};
use std::{
    process::{Child, Stdio},
    time::{Duration, Instant},
};

/// The dev account that plays the worker.
pub const WORKER: usize = 5;
/// What a completed task's `results` hold.
pub const RESULTS: &str = r#"{"storage":"ipfs","location":"/ipfs/QmResultOfTheTest"}"#;
/// Category 0's reference time (XS) times the final deadline ratio, in seconds.
pub const FINAL_DELAY: u64 = 300 * 10;

/// The id of task `index` of `deal`.
pub fn task_of(deal: &Deal, index: u64) -> B256 {
    task_id(deal.id, U256::from(index))
}

/// The pool owner initializes task `index` of `deal`; returns its id.
pub fn initialize(stack: &Stack, deal: &Deal, index: u64) -> B256 {
    let provider = stack.provider();
    block_on(async {
        PocoHub::new(dev::HUB, &provider)
            .initialize(deal.id, U256::from(index))
            .from(stack.address(POOL_OWNER))
            .send()
            .await
            .expect("initialize")
            .get_receipt()
            .await
            .expect("mined");
    });
    task_of(deal, index)
}

/// The worker computes and finalizes an initialized task of a trust-1 deal in one transaction,
/// authorized by the pool owner; its results are [`RESULTS`].
pub fn complete(stack: &Stack, task: B256) {
    let worker = stack.address(WORKER);
    let authorization =
        WorkerpoolAuthorization::sign(stack.signer(POOL_OWNER), worker, task, Address::ZERO)
            .expect("signed")
            .signature;
    let provider = stack.provider();
    block_on(async {
        let receipt = PocoHub::new(dev::HUB, &provider)
            .contributeAndFinalize(
                task,
                B256::repeat_byte(0x42),
                Bytes::from(RESULTS.as_bytes().to_vec()),
                Bytes::new(),
                Address::ZERO,
                Bytes::new(),
                authorization,
            )
            .from(worker)
            .send()
            .await
            .expect("contributeAndFinalize")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "contributeAndFinalize succeeded");
    });
}

/// How many transactions `who` has sent.
pub fn nonce(stack: &Stack, who: usize) -> Value {
    stack.rpc(
        "eth_getTransactionCount",
        json!([stack.address(who), "latest"]),
    )
}

/// Starts `poco args... --raw` in the background.
pub fn spawn(project: &Project, args: &[&str]) -> Child {
    let mut all = args.to_vec();
    all.push("--raw");
    project
        .command(&all)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("poco starts")
}

/// Waits for a background `poco` to succeed (at most 60 s); returns its JSON.
pub fn finish(mut child: Child) -> Value {
    let start = Instant::now();
    while child.try_wait().expect("waits").is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("poco did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).expect("JSON")
}

/// Lets a watch read the starting state at least once.
pub fn let_it_read() {
    std::thread::sleep(Duration::from_millis(600));
}

fn statuses(raw: &Value) -> Vec<String> {
    raw["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|task| task["statusName"].as_str().expect("name").to_owned())
        .collect()
}

#[test]
fn show_lists_a_fresh_deals_tasks_as_unset() {
    let stack = Stack::start();
    let deal = stack.deal(1, 3);
    let project = stack.project();
    let id = deal.id.to_string();
    let raw = project.raw(&["deal", "show", &id]);
    let start: u64 = raw["deal"]["startTime"]
        .as_str()
        .expect("a string")
        .parse()
        .expect("a number");
    assert_eq!(
        raw["deal"]["finalTime"],
        json!((start + FINAL_DELAY).to_string())
    );
    assert_eq!(raw["deal"]["tasks"][2], json!(task_of(&deal, 2)));
    assert_eq!(statuses(&raw), ["UNSET", "UNSET", "UNSET"]);
    insta::assert_json_snapshot!("deal_show_fresh", raw, {
        ".deal.dealid" => "[dealid]",
        ".deal.app.pointer" => "[app]",
        ".deal.workerpool.pointer" => "[workerpool]",
        ".deal.startTime" => "[time]",
        ".deal.finalTime" => "[time]",
        ".deal.tasks[]" => "[taskid]",
        ".tasks[].taskid" => "[taskid]",
    });

    let human = project.run(&["deal", "show", &id]);
    assert!(human.status.success());
    let human = String::from_utf8_lossy(&human.stdout);
    for expected in [
        "final deadline:",
        " UTC (in ",
        "0/3 tasks completed, 3 not started",
        "3 nRLC per task",
        "(indices 0 to 2), 10 nRLC each",
        "XS, 5 min per task",
        &format!("#2 {} UNSET", task_of(&deal, 2)),
    ] {
        assert!(human.contains(expected), "{expected:?} in:\n{human}");
    }
}

#[test]
fn show_refuses_unknown_and_malformed_ids() {
    let stack = Stack::start();
    let project = stack.project();
    let unknown = B256::repeat_byte(7).to_string();
    let error = project.fails(&["deal", "show", &unknown]);
    assert!(
        error.contains(&format!(
            "no deal {unknown} on chain dev: check the id (`poco order fill` prints it)"
        )),
        "{error}"
    );
    let error = project.fails(&["deal", "show", "0x1234"]);
    assert!(
        error.contains("`0x1234` is not a deal id: a deal id is 0x followed by 64 hex digits"),
        "{error}"
    );
    // --raw failures are JSON with the error's name.
    let output = project.run(&["deal", "show", &unknown, "--raw"]);
    assert_eq!(output.status.code(), Some(1));
    // As the iExec SDK: stdout stays empty, the JSON error is on stderr.
    assert!(output.stdout.is_empty());
    let raw: Value = serde_json::from_slice(&output.stderr).expect("JSON");
    assert_eq!(raw["ok"], json!(false));
    assert_eq!(raw["error"]["name"], json!("NoDeal"));
    assert_eq!(raw["command"], json!("poco deal show"));
}

#[test]
fn watch_ends_when_every_task_completes() {
    let stack = Stack::start();
    let deal = stack.deal(1, 2);
    let project = stack.project();
    let id = deal.id.to_string();
    let watch = spawn(
        &project,
        &["deal", "show", &id, "--watch", "--interval", "100ms"],
    );
    let_it_read();
    for index in 0..2 {
        let task = initialize(&stack, &deal, index);
        complete(&stack, task);
    }
    let raw = finish(watch);
    assert_eq!(raw["completedTasksCount"], json!(2));
    assert_eq!(raw["failedTasksCount"], json!(0));
    assert_eq!(statuses(&raw), ["COMPLETED", "COMPLETED"]);
}

#[test]
fn watch_ends_at_the_final_deadline_when_tasks_never_start() {
    let stack = Stack::start();
    let deal = stack.deal(1, 2);
    let project = stack.project();
    let id = deal.id.to_string();
    let task = initialize(&stack, &deal, 0);
    complete(&stack, task);
    let watch = spawn(
        &project,
        &["deal", "show", &id, "--watch", "--interval", "100ms"],
    );
    let_it_read();
    stack.increase_time(FINAL_DELAY + 1);
    let raw = finish(watch);
    assert_eq!(statuses(&raw), ["COMPLETED", "TIMEOUT"]);
    assert_eq!(raw["claimableTasksCount"], json!(1));
    assert_eq!(raw["failedTasksCount"], json!(1));
    assert_eq!(raw["failedTasks"][0]["taskid"], json!(task_of(&deal, 1)));
    assert_eq!(raw["deal"]["deadlineReached"], json!(true));
}

#[test]
fn claim_before_the_final_deadline_is_refused_and_sends_nothing() {
    let stack = Stack::start();
    let deal = stack.deal(1, 2);
    let project = stack.project();
    project.add_wallet(stack.signer(REQUESTER));
    let before = nonce(&stack, REQUESTER);
    let error = project.fails(&["deal", "claim", &deal.id.to_string(), "--force"]);
    assert!(error.contains("the deal's final deadline is 20"), "{error}");
    assert!(
        error.contains(" UTC, in 49 min") || error.contains(" UTC, in 50 min"),
        "{error}"
    );
    assert!(
        error.contains("tasks can still complete; claim after it"),
        "{error}"
    );
    assert_eq!(nonce(&stack, REQUESTER), before);
}

#[test]
fn claim_after_the_final_deadline_refunds_every_task() {
    let stack = Stack::start();
    let requester = stack.address(REQUESTER);
    let (stake_before, locked_before) = stack.account(requester);
    let deal = stack.deal(1, 3);
    // What `stack.deal` deposited is locked by the deal.
    let price = U256::from(10 * 3);
    assert_eq!(
        stack.account(requester),
        (stake_before, locked_before + price)
    );
    // Two tasks started (claimArray), one never did (initializeAndClaimArray).
    initialize(&stack, &deal, 0);
    initialize(&stack, &deal, 1);
    stack.increase_time(FINAL_DELAY + 1);

    let project = stack.project();
    project.add_wallet(stack.signer(REQUESTER));
    let id = deal.id.to_string();
    let raw = project.raw(&["deal", "claim", &id, "--force"]);
    assert_eq!(raw["refunded"], json!("30"));
    assert_eq!(raw["sponsor"], json!(requester.to_checksum(None)));
    assert_eq!(raw["claimed"].as_object().expect("claimed").len(), 3);
    assert_eq!(raw["claimed"]["2"], json!(task_of(&deal, 2)));
    let kinds: Vec<&str> = raw["transactions"]
        .as_array()
        .expect("transactions")
        .iter()
        .map(|tx| tx["type"].as_str().expect("type"))
        .collect();
    assert_eq!(kinds, ["claimArray", "initializeAndClaimArray"]);
    assert_eq!(
        stack.account(requester),
        (stake_before + price, locked_before)
    );

    let shown = project.raw(&["deal", "show", &id]);
    assert_eq!(statuses(&shown), ["FAILED", "FAILED", "FAILED"]);
    let error = project.fails(&["deal", "claim", &id, "--force"]);
    assert!(error.contains("nothing to claim in deal"), "{error}");
    assert!(
        error.contains("0/3 tasks completed, 3 claimed (failed)"),
        "{error}"
    );
}

#[test]
fn claim_of_a_deal_whose_tasks_never_started_is_one_transaction() {
    let stack = Stack::start();
    let requester = stack.address(REQUESTER);
    let deal = stack.deal(1, 3);
    stack.increase_time(FINAL_DELAY + 1);
    let project = stack.project();
    project.add_wallet(stack.signer(REQUESTER));
    let output = project.run(&["deal", "claim", &deal.id.to_string(), "--force"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "Claimed 3 tasks of deal {}: 30 nRLC refunded to {requester}",
            deal.id
        )),
        "{stdout}"
    );
    assert_eq!(
        stdout.matches("(initializeAndClaimArray)").count(),
        1,
        "{stdout}"
    );
    assert_eq!(stack.account(requester).1, U256::ZERO);
}

#[test]
fn claim_refuses_a_malformed_id() {
    let stack = Stack::start();
    let project = stack.project();
    let error = project.fails(&["deal", "claim", "nonsense", "--force"]);
    assert!(error.contains("`nonsense` is not a deal id"), "{error}");
}

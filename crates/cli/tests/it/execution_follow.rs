//! Following runs from the command line: `poco task show --download`, `poco task debug` and
//! `poco app run --watch [--download]` against a real in-process chain and market, with the
//! workerpool's scheduler and the IPFS gateway played by HTTP stubs (the real services have
//! their own tests; the end-to-end tests of `poco-stack` run them together).

use crate::{
    common::Stack,
    deal::{WORKER, finish, initialize, spawn},
    execution::deal_id,
    fixture::{APP_OWNER, Deal, POOL_OWNER, REQUESTER, block_on},
    http_stub::{HttpStub, Request, Response},
    market::Book,
    order::{read_json, write_json},
};
use poco_contracts::{
    PocoHub,
    alloy::{
        primitives::{Address, B256, Bytes, U256},
        providers::Provider,
        rpc::types::Filter,
        sol_types::SolEvent,
    },
    dev,
};
use poco_types::{
    ReplicateStatus, WorkerpoolAuthorization,
    challenge::{LogsAuthorization, LogsChallenge},
    core::{
        ComputeLogs, CoreTaskStatus, ReplicateModel, ReplicateStatusUpdate, TaskLogsModel,
        TaskModel, TaskStatusChange,
    },
    results::ResultCid,
};
use serde_json::{Value, json};
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// The pool owner's workerpool order and the requester's run: a trust-1 deal of one task
/// through the market; returns the deal.
fn run_one(b: &Book, extra: &[&str]) -> (Value, Deal) {
    let (app, pool) = (b.app.to_string(), b.pool.to_string());
    b.raw_as(
        APP_OWNER,
        &["app", "publish", &app, "--price", "3", "--volume", "10"],
    );
    b.raw_as(
        POOL_OWNER,
        &[
            "workerpool",
            "publish",
            &pool,
            "--price",
            "7",
            "--volume",
            "10",
        ],
    );
    let mut args = vec!["app", "run", app.as_str()];
    args.extend(extra);
    let run = b.raw_as(REQUESTER, &args);
    let deal = Deal {
        id: deal_id(&run),
        app: b.app,
        workerpool: b.pool,
        app_price: U256::from(3),
        pool_price: U256::from(7),
    };
    (run, deal)
}

/// The worker finalizes the initialized `task` of a trust-1 deal with `location` as its
/// result's place.
fn complete_at(stack: &Stack, task: B256, location: &str) {
    let worker = stack.address(WORKER);
    let authorization =
        WorkerpoolAuthorization::sign(stack.signer(POOL_OWNER), worker, task, Address::ZERO)
            .expect("signed")
            .signature;
    let link = format!(r#"{{"storage":"ipfs","location":"{location}"}}"#);
    let provider = stack.provider();
    block_on(async {
        let receipt = PocoHub::new(dev::HUB, &provider)
            .contributeAndFinalize(
                task,
                B256::repeat_byte(0x42),
                Bytes::from(link.into_bytes()),
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

/// An IPFS gateway serving `zip` at its CID (and `lie` at the CID of `wrong`).
fn gateway(zip: Vec<u8>, wrong: Vec<u8>) -> HttpStub {
    let good = ResultCid::of(&zip).location();
    let bad = ResultCid::of(&wrong).location();
    HttpStub::start(move |request: &Request| {
        if request.path() == good {
            Response::bytes(200, "application/zip", zip.clone())
        } else if request.path() == bad {
            // A lying gateway: other bytes than the CID names.
            Response::bytes(200, "application/zip", b"not the result".to_vec())
        } else {
            Response::not_found()
        }
    })
}

/// Points the project's `dev` chain at these services.
fn set_chain(b: &Book, key: &str, url: &str) {
    let mut chains = read_json(&b.project, "chain.json");
    chains["chains"]["dev"][key] = json!(url);
    write_json(&b.project, "chain.json", &chains);
}

#[test]
fn task_show_downloads_and_checks_the_result() {
    let b = Book::new();
    let (_, deal) = run_one(&b, &[]);
    let zip = b"PK\x05\x06 a zip of the test".to_vec();
    let wrong = b"another result".to_vec();
    let stub = gateway(zip.clone(), wrong.clone());
    set_chain(&b, "ipfsGateway", &stub.url);
    let task = initialize(&b.stack, &deal, 0);
    let id = task.to_string();

    // Not completed yet: shown, download skipped as the SDK does.
    let shown = b.project.raw(&["task", "show", &id, "--download"]);
    assert_eq!(shown["task"]["statusName"], "ACTIVE");
    assert!(shown.get("resultPath").is_none(), "{shown}");

    complete_at(&b.stack, task, &ResultCid::of(&zip).location());
    let shown = b.project.raw(&["task", "show", &id, "--download"]);
    let path = shown["resultPath"].as_str().expect("a result path");
    assert!(path.ends_with(&format!("{id}.zip")), "{path}");
    assert_eq!(std::fs::read(path).expect("the zip"), zip);
    // A name of one's own, `.zip` added.
    let shown = b
        .project
        .raw(&["task", "show", &id, "--download", "results/mine"]);
    let path = shown["resultPath"].as_str().expect("a result path");
    assert!(path.ends_with("results/mine.zip"), "{path}");
    assert_eq!(std::fs::read(path).expect("the zip"), zip);
    let human = b
        .project
        .run(&["task", "show", &id, "--download", "again.zip"]);
    let stdout = String::from_utf8_lossy(&human.stdout);
    assert!(
        stdout.contains("Downloaded task result to file"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&ResultCid::of(&zip).to_string()),
        "{stdout}"
    );

    // Another task whose gateway serves other bytes than its CID names: refused.
    let (_, deal) = run_one(&b, &[]);
    let task = initialize(&b.stack, &deal, 0);
    complete_at(&b.stack, task, &ResultCid::of(&wrong).location());
    let error = b
        .project
        .fails(&["task", "show", &task.to_string(), "--download"]);
    assert!(error.contains("are not the result"), "{error}");
    assert!(!b.project.path().join(format!("{task}.zip")).exists());
}

/// A task model as a scheduler shows it.
fn model(task: B256, deal: B256, worker: Address) -> TaskModel {
    TaskModel {
        chain_task_id: task,
        deal_id: deal,
        task_index: 0,
        trust: 1,
        current_status: CoreTaskStatus::Running,
        date_status_list: vec![
            TaskStatusChange {
                status: CoreTaskStatus::Received,
                date: 1_700_000_000_000,
            },
            TaskStatusChange {
                status: CoreTaskStatus::Running,
                date: 1_700_000_001_000,
            },
        ],
        consensus: None,
        uploading_worker_wallet_address: None,
        result_link: None,
        contribution_deadline: None,
        reveal_deadline: None,
        final_deadline: None,
        replicates: vec![ReplicateModel {
            wallet_address: worker,
            current_status: ReplicateStatus::Computed,
            status_update_list: vec![
                ReplicateStatusUpdate::pool_manager(ReplicateStatus::Created, 1_700_000_001_000),
                ReplicateStatusUpdate::worker(ReplicateStatus::Computing, 1_700_000_002_000),
                ReplicateStatusUpdate::worker(ReplicateStatus::Computed, 1_700_000_003_000),
            ],
            contribution_hash: None,
            result_link: None,
            app_exit_code: Some(0),
        }],
    }
}

/// A workerpool's scheduler: Compass's route for `pool`, `GET /tasks/{id}` from `models`,
/// and the requester-only logs behind an EIP-712 challenge.
fn scheduler(pool: Address, requester: Address, models: Arc<Mutex<Vec<TaskModel>>>) -> HttpStub {
    let challenges = Arc::new(Mutex::new(Vec::<LogsChallenge>::new()));
    let url = Arc::new(Mutex::new(String::new()));
    let own_url = url.clone();
    let stub = HttpStub::start(move |request: &Request| {
        let path = request.path().to_owned();
        if path.eq_ignore_ascii_case(&format!("/31337/workerpools/{pool}")) {
            let api = own_url.lock().expect("not poisoned").clone();
            return Response::json(200, &json!({ "apiUrl": api }));
        }
        if path == "/tasks/logs/challenge" {
            let chain_id = request
                .query("chainId")
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let challenge = LogsChallenge::from_bytes(chain_id, [7; 32]);
            let typed = challenge.typed_data();
            challenges.lock().expect("not poisoned").push(challenge);
            return Response::json(200, &typed);
        }
        let Some(rest) = path.strip_prefix("/tasks/") else {
            return Response::not_found();
        };
        let (id, logs) = match rest.strip_suffix("/logs") {
            Some(id) => (id, true),
            None => (rest, false),
        };
        let Some(found) = models
            .lock()
            .expect("not poisoned")
            .iter()
            .find(|m| m.chain_task_id.to_string() == id)
            .cloned()
        else {
            return Response::not_found();
        };
        if !logs {
            return Response::json(200, &serde_json::to_value(&found).expect("JSON"));
        }
        let header = request
            .headers
            .get("authorization")
            .cloned()
            .unwrap_or_default();
        let signer = LogsAuthorization::parse(&header).ok().and_then(|auth| {
            let challenges = challenges.lock().expect("not poisoned");
            challenges.iter().find_map(|c| auth.verify(c).ok())
        });
        if signer != Some(requester) {
            return Response::json(403, &json!({"ok": false, "error": "requester only"}));
        }
        let logs = TaskLogsModel {
            compute_logs_list: vec![ComputeLogs {
                wallet_address: found.replicates.first().map(|r| r.wallet_address),
                stdout: "Hello, poco!\n".to_owned(),
                stderr: String::new(),
            }],
        };
        Response::json(200, &serde_json::to_value(&logs).expect("JSON"))
    });
    *url.lock().expect("not poisoned") = stub.url.clone();
    stub
}

#[test]
fn task_debug_shows_the_schedulers_view_and_the_requesters_logs() {
    let b = Book::new();
    let (_, deal) = run_one(&b, &[]);
    let task = initialize(&b.stack, &deal, 0);
    let id = task.to_string();
    let worker = b.stack.address(WORKER);
    let models = Arc::new(Mutex::new(vec![model(task, deal.id, worker)]));
    let stub = scheduler(b.pool, b.stack.address(REQUESTER), models);

    // Found through chain.json's compass, as the SDK does.
    set_chain(&b, "compass", &stub.url);
    let debug = b.project.raw(&["task", "debug", &id]);
    assert_eq!(debug["onchainData"]["taskid"], id);
    assert_eq!(debug["onchainData"]["statusName"], "ACTIVE");
    assert_eq!(debug["offchainData"]["task"]["status"], "RUNNING");
    assert_eq!(
        debug["offchainData"]["task"]["statusHistory"][0],
        json!({"status": "RECEIVED", "date": 1_700_000_000_000u64})
    );
    let replicate = &debug["offchainData"]["replicates"][0];
    assert_eq!(replicate["worker"], worker.to_checksum(None));
    assert_eq!(replicate["status"], "COMPUTED");
    assert_eq!(replicate["exitCode"], 0);
    assert_eq!(replicate["statusHistory"][1]["status"], "COMPUTING");
    assert!(debug.get("appLogs").is_none(), "{debug}");

    // The logs, for the requester, who signs the challenge.
    let debug = b.raw_as(REQUESTER, &["task", "debug", &id, "--logs"]);
    assert_eq!(
        debug["appLogs"],
        json!([{"worker": worker.to_checksum(None), "stdout": "Hello, poco!\n", "stderr": ""}])
    );
    let human = b.project.run(&[
        "task",
        "debug",
        &id,
        "--logs",
        "--wallet-address",
        &b.stack.address(REQUESTER).to_string(),
    ]);
    let stdout = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.status.success(),
        "{}",
        String::from_utf8_lossy(&human.stderr)
    );
    assert!(stdout.contains("Off-chain data"), "{stdout}");
    assert!(stdout.contains("COMPUTING → COMPUTED"), "{stdout}");
    assert!(stdout.contains("Hello, poco!"), "{stdout}");

    // Anyone else: the on-chain view, and a warning instead of the logs.
    let output = b.project.run(&[
        "task",
        "debug",
        &id,
        "--logs",
        "--wallet-address",
        &b.stack.address(POOL_OWNER).to_string(),
    ]);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Failed to fetch app logs"), "{stderr}");
    assert!(stderr.contains("only the task's requester"), "{stderr}");

    // Without a compass, --workerpool-api; with neither, a warning.
    set_chain(&b, "compass", "http://127.0.0.1:9");
    let output = b.project.run(&["task", "debug", &id]);
    assert!(output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--workerpool-api"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let debug = b
        .project
        .raw(&["task", "debug", &id, "--workerpool-api", &stub.url]);
    assert_eq!(debug["offchainData"]["task"]["status"], "RUNNING");
}

/// The ids of the deals matched so far.
fn deals_matched(stack: &Stack) -> Vec<B256> {
    let provider = stack.provider();
    block_on(async {
        let filter = Filter::new()
            .address(dev::HUB)
            .event_signature(PocoHub::OrdersMatched::SIGNATURE_HASH)
            .from_block(0);
        provider
            .get_logs(&filter)
            .await
            .expect("logs")
            .iter()
            .filter_map(|log| log.log_decode::<PocoHub::OrdersMatched>().ok())
            .map(|log| log.inner.data.dealid)
            .collect()
    })
}

#[test]
fn app_run_watch_follows_the_replicates_and_downloads() {
    let b = Book::new();
    let (app, pool) = (b.app.to_string(), b.pool.to_string());
    b.raw_as(APP_OWNER, &["app", "publish", &app, "--price", "3"]);
    b.raw_as(
        POOL_OWNER,
        &["workerpool", "publish", &pool, "--price", "7"],
    );
    let zip = b"PK\x05\x06 the watched result".to_vec();
    let gateway = gateway(zip.clone(), Vec::new());
    set_chain(&b, "ipfsGateway", &gateway.url);
    let models = Arc::new(Mutex::new(Vec::new()));
    let stub = scheduler(b.pool, b.stack.address(REQUESTER), models.clone());
    set_chain(&b, "compass", &stub.url);

    let who = b.stack.address(REQUESTER).to_string();
    let child = spawn(
        &b.project,
        &[
            "app",
            "run",
            &app,
            "--watch",
            "--download",
            "out",
            "--wallet-address",
            &who,
            "--force",
        ],
    );
    // The deal appears; the scheduler starts the task; the worker finalizes it.
    let start = Instant::now();
    let deal = loop {
        if let Some(deal) = deals_matched(&b.stack).first() {
            break *deal;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no deal matched");
        std::thread::sleep(Duration::from_millis(100));
    };
    let deal = Deal {
        id: deal,
        app: b.app,
        workerpool: b.pool,
        app_price: U256::from(3),
        pool_price: U256::from(7),
    };
    let task = initialize(&b.stack, &deal, 0);
    models
        .lock()
        .expect("not poisoned")
        .push(model(task, deal.id, b.stack.address(WORKER)));
    // Let the watch read the scheduler's view once it has the task.
    let asked = stub.seen().len();
    let start = Instant::now();
    while !stub.seen()[asked..]
        .iter()
        .any(|r| r.path() == format!("/tasks/{task}"))
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the watch never asked"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    complete_at(&b.stack, task, &ResultCid::of(&zip).location());

    let run = finish(child);
    assert_eq!(run["deals"][0]["dealid"], deal.id.to_string());
    let done = &run["tasks"][0];
    assert_eq!(done["taskid"], task.to_string());
    assert_eq!(done["idx"], "0");
    assert_eq!(done["status"], 3);
    assert_eq!(done["statusName"], "COMPLETED");
    assert_eq!(done["offchainData"]["replicates"][0]["status"], "COMPUTED");
    let path = done["resultPath"].as_str().expect("downloaded");
    assert!(path.ends_with(&format!("out/{task}.zip")), "{path}");
    assert_eq!(std::fs::read(path).expect("the zip"), zip);
    assert!(run.get("failedTasks").is_none(), "{run}");
}

#[test]
fn app_run_watch_reports_tasks_that_missed_their_deadline() {
    let b = Book::new();
    let (app, pool) = (b.app.to_string(), b.pool.to_string());
    b.raw_as(APP_OWNER, &["app", "publish", &app, "--price", "3"]);
    b.raw_as(
        POOL_OWNER,
        &["workerpool", "publish", &pool, "--price", "7"],
    );
    let who = b.stack.address(REQUESTER).to_string();
    // No scheduler at all: the watch shows the chain's view only.
    let child = b
        .project
        .command(&[
            "app",
            "run",
            &app,
            "--watch",
            "--workerpool-api",
            "http://127.0.0.1:9",
            "--wallet-address",
            &who,
            "--force",
            "--raw",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("poco starts");
    let start = Instant::now();
    while deals_matched(&b.stack).is_empty() {
        assert!(start.elapsed() < Duration::from_secs(60), "no deal matched");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Nobody runs the task: its final deadline passes.
    b.stack.increase_time(crate::deal::FINAL_DELAY + 1);
    let output = child.wait_with_output().expect("poco ends");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last: Value = serde_json::from_str(stderr.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(last["ok"], false);
    assert_eq!(last["error"]["name"], "AppRunFailed");
    assert_eq!(last["failedTasks"][0]["statusName"], "TIMEOUT");
    assert_eq!(last["failedTasks"][0]["status"], 0);
    assert_eq!(last["tasks"], last["failedTasks"]);
    assert!(last["deals"][0]["dealid"].is_string());
}

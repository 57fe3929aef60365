//! Running apps from the command line: `poco app run` and `poco app request-execution` against
//! a real in-process chain and market (the `market::Book`): the orders picked, the deal made,
//! the stake checked, the request published. What follows a run is `execution_follow.rs`.

use crate::{
    common::Stack,
    fixture::{APP_OWNER, DATASET_OWNER, POOL_OWNER, REQUESTER, block_on},
    market::Book,
};
use poco_contracts::{
    PocoHub,
    alloy::primitives::{Address, B256, U256},
    dev,
};
use poco_types::task_id;
use serde_json::{Value, json};

/// The dev account that has no hub stake.
pub const PENNILESS: usize = 6;

/// `poco args... --wallet-address <party> --force`, expected to fail; its stderr.
fn fails_as(b: &Book, party: usize, args: &[&str]) -> String {
    let who = b.stack.address(party).to_string();
    let mut all = args.to_vec();
    all.extend(["--wallet-address", &who, "--force"]);
    b.project.fails(&all)
}

/// `(app price, dataset price, workerpool price, category, requester, params)` of a deal.
fn deal_terms(stack: &Stack, deal: B256) -> (U256, U256, U256, U256, Address, String) {
    let provider = stack.provider();
    block_on(async {
        let d = PocoHub::new(dev::HUB, &provider)
            .viewDeal(deal)
            .call()
            .await
            .expect("viewDeal");
        (
            d.app.price,
            d.dataset.price,
            d.workerpool.price,
            d.category,
            d.requester,
            d.params,
        )
    })
}

pub fn deal_id(run: &Value) -> B256 {
    run["deals"][0]["dealid"]
        .as_str()
        .expect("a deal id")
        .parse()
        .expect("32 bytes")
}

#[test]
fn app_run_buys_the_cheapest_fitting_orders() {
    let b = Book::new();
    let (app, dataset, pool) = (b.app.to_string(), b.dataset.to_string(), b.pool.to_string());
    let someone_else = b.stack.address(7).to_string();
    for price in ["5", "3"] {
        b.raw_as(
            APP_OWNER,
            &["app", "publish", &app, "--price", price, "--volume", "10"],
        );
    }
    // Cheaper app offers the requester cannot take: restricted to someone else, or to a tag
    // the request does not ask for.
    b.raw_as(
        APP_OWNER,
        &[
            "app",
            "publish",
            &app,
            "--price",
            "1",
            "--requester-restrict",
            &someone_else,
        ],
    );
    b.raw_as(
        APP_OWNER,
        &["app", "publish", &app, "--price", "2", "--tag", "gpu"],
    );
    for price in ["9", "7"] {
        b.raw_as(
            POOL_OWNER,
            &[
                "workerpool",
                "publish",
                &pool,
                "--price",
                price,
                "--volume",
                "10",
            ],
        );
    }
    b.raw_as(
        POOL_OWNER,
        &[
            "workerpool",
            "publish",
            &pool,
            "--price",
            "1",
            "--requester-restrict",
            &someone_else,
        ],
    );
    // Cheaper but in category 1: category 0 has offers, so it is not reached.
    b.raw_as(
        POOL_OWNER,
        &[
            "workerpool",
            "publish",
            &pool,
            "--price",
            "2",
            "--category",
            "1",
            "--volume",
            "10",
        ],
    );
    let before = b.stack.account(b.stack.address(REQUESTER));

    let run = b.raw_as(REQUESTER, &["app", "run", &app, "--args", "hello poco"]);
    let deal = deal_id(&run);
    assert_eq!(run["deals"][0]["volume"], "1");
    assert!(run["deals"][0]["txHash"].as_str().is_some(), "{run}");
    assert_eq!(
        run["tasks"],
        json!([{"idx": "0", "taskid": task_id(deal, U256::ZERO)}])
    );
    let (app_price, dataset_price, pool_price, category, requester, params) =
        deal_terms(&b.stack, deal);
    assert_eq!(
        (app_price, dataset_price, pool_price, category, requester),
        (
            U256::from(3),
            U256::ZERO,
            U256::from(7),
            U256::ZERO,
            b.stack.address(REQUESTER)
        )
    );
    assert_eq!(
        params,
        r#"{"iexec_result_storage_provider":"ipfs","iexec_args":"hello poco"}"#
    );
    let after = b.stack.account(b.stack.address(REQUESTER));
    assert_eq!(
        after.0,
        before.0 - U256::from(10),
        "stake pays app + workerpool"
    );
    assert_eq!(
        after.1,
        before.1 + U256::from(10),
        "and is locked in the deal"
    );

    // With a dataset: its cheapest order too, and a category asked for.
    let dataset_order = b.raw_as(
        DATASET_OWNER,
        &[
            "dataset", "publish", &dataset, "--price", "2", "--volume", "10",
        ],
    );
    assert!(dataset_order["orderHash"].is_string());
    let run = b.raw_as(
        REQUESTER,
        &[
            "app",
            "run",
            &app,
            "--dataset",
            &dataset,
            "--category",
            "1",
            "--params",
            r#"{"iexec_args":"x","iexec_input_files":["https://files.example/a"]}"#,
        ],
    );
    let (app_price, dataset_price, pool_price, category, _, params) =
        deal_terms(&b.stack, deal_id(&run));
    assert_eq!(
        (app_price, dataset_price, pool_price, category),
        (U256::from(3), U256::from(2), U256::from(2), U256::from(1))
    );
    assert_eq!(
        params,
        r#"{"iexec_result_storage_provider":"ipfs","iexec_input_files":["https://files.example/a"],"iexec_args":"x"}"#
    );

    // The human output names the deal, its task and what to do next.
    let output = b.project.run(&[
        "app",
        "run",
        &app,
        "--wallet-address",
        &b.stack.address(REQUESTER).to_string(),
        "--force",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.starts_with("Deal submitted with dealid 0x"),
        "{stdout}"
    );
    assert!(stdout.contains("task 0: 0x"), "{stdout}");
    assert!(stdout.contains("poco task show"), "{stdout}");

    // No workerpool order in a category that has none.
    let error = fails_as(&b, REQUESTER, &["app", "run", &app, "--category", "3"]);
    assert!(
        error.contains("no workerpoolorder matching your conditions"),
        "{error}"
    );
    assert!(error.contains("category 3"), "{error}");
    // An address that is no app.
    let error = fails_as(&b, REQUESTER, &["app", "run", &pool]);
    assert!(error.contains("is not a registered app"), "{error}");
}

#[test]
fn app_run_without_stake_says_how_much_to_deposit() {
    let b = Book::new();
    let (app, pool) = (b.app.to_string(), b.pool.to_string());
    b.project.add_wallet(b.stack.signer(PENNILESS));
    b.raw_as(APP_OWNER, &["app", "publish", &app, "--price", "1000"]);
    b.raw_as(
        POOL_OWNER,
        &[
            "workerpool",
            "publish",
            &pool,
            "--price",
            "500",
            "--volume",
            "5",
        ],
    );
    let nonce = crate::deal::nonce(&b.stack, PENNILESS);

    let error = fails_as(&b, PENNILESS, &["app", "run", &app]);
    assert!(error.contains("has 0 nRLC free"), "{error}");
    assert!(error.contains("this run costs 1500 nRLC"), "{error}");
    assert!(error.contains("`poco account deposit 1500`"), "{error}");
    assert_eq!(
        crate::deal::nonce(&b.stack, PENNILESS),
        nonce,
        "nothing was sent"
    );

    // The same for the SDK's scripts: the --raw error object.
    let who = b.stack.address(PENNILESS).to_string();
    let output = b.project.run(&[
        "app",
        "run",
        &app,
        "--wallet-address",
        &who,
        "--force",
        "--raw",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    let error: Value = serde_json::from_str(last).expect("a JSON error object on stderr");
    assert_eq!(error["ok"], false);
    assert!(
        error["error"]["message"]
            .as_str()
            .expect("a message")
            .contains("poco account deposit 1500"),
        "{error}"
    );

    // Once deposited, the same run goes through.
    b.stack.deposit(PENNILESS, 1500);
    let run = b.raw_as(PENNILESS, &["app", "run", &app]);
    assert_eq!(
        b.stack.account(b.stack.address(PENNILESS)).1,
        U256::from(1500)
    );
    assert!(run["deals"][0]["dealid"].is_string());
}

#[test]
fn request_execution_publishes_a_signed_request() {
    let b = Book::new();
    let app = b.app.to_string();
    let requester = b.stack.address(REQUESTER).to_string();
    // The market takes a request only when an app order it can match is open.
    b.raw_as(APP_OWNER, &["app", "publish", &app, "--price", "3"]);
    let published = b.raw_as(
        REQUESTER,
        &[
            "app",
            "request-execution",
            &app,
            "--app-price",
            "3",
            "--workerpool-price",
            "0.000000007",
            "RLC",
            "--volume",
            "2",
            "--trust",
            "1",
            "--args",
            "hello",
        ],
    );
    let hash = published["orderHash"].as_str().expect("an order hash");
    assert_eq!(
        published.as_object().expect("object").len(),
        2,
        "{published}"
    );

    let book = b.project.raw(&["orderbook", "requester", &requester]);
    let listed = book["requestOrders"].as_array().expect("a list of orders");
    assert!(
        listed.iter().any(|o| o["orderHash"] == hash),
        "the request is on the market: {book}"
    );
    let entry: Value = reqwest::blocking::get(format!(
        "{}/requestorders/{hash}?chainId=31337",
        b.market.url
    ))
    .expect("the market answers")
    .json()
    .expect("JSON");
    let order = &entry["order"];
    assert_eq!(
        order["app"].as_str().map(str::to_lowercase),
        Some(app.to_lowercase())
    );
    assert_eq!(order["appmaxprice"].to_string().trim_matches('"'), "3");
    assert_eq!(
        order["workerpoolmaxprice"].to_string().trim_matches('"'),
        "7"
    );
    assert_eq!(order["volume"].to_string().trim_matches('"'), "2");
    assert_eq!(order["trust"].to_string().trim_matches('"'), "1");
    assert_eq!(order["workerpool"], Address::ZERO.to_string());
    assert_eq!(
        order["params"],
        r#"{"iexec_result_storage_provider":"ipfs","iexec_args":"hello"}"#
    );

    // What the request could cost must be in the hub account.
    b.project.add_wallet(b.stack.signer(PENNILESS));
    let error = fails_as(
        &b,
        PENNILESS,
        &[
            "app",
            "request-execution",
            &app,
            "--workerpool-price",
            "7",
            "--volume",
            "3",
        ],
    );
    assert!(error.contains("poco account deposit 21"), "{error}");
    // The workers cannot serve what needs an SMS; the check can be skipped.
    let error = fails_as(
        &b,
        REQUESTER,
        &[
            "app",
            "request-execution",
            &app,
            "--params",
            r#"{"iexec_result_encryption":true}"#,
        ],
    );
    assert!(
        error.contains("request requirements check failed"),
        "{error}"
    );
    assert!(error.contains("--skip-preflight-check"), "{error}");
}

//! The market from the command line: `poco market` serving the API, and `poco
//! app|dataset|workerpool publish|unpublish`, `poco order publish|unpublish` and `poco
//! orderbook` against a real in-process market (poco-market) over a dev chain, with the
//! project's chain.json pointing `iexecGateway` at it. Refusals come with their words and exit
//! code 1.

use crate::{
    common::{Project, Stack},
    fixture::{APP_OWNER, DATASET_OWNER, POOL_OWNER, REQUESTER},
    order::{create_dataset, read_json, write_json},
};
use poco_contracts::{alloy::primitives::Address, dev};
use poco_market::{Market, MarketConfig};
use serde_json::{Value, json};
use std::{
    io::{BufRead, BufReader},
    process::Stdio,
    sync::mpsc,
};

/// A market over `chain_url`, running on its own thread until dropped.
pub struct MarketService {
    pub url: String,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MarketService {
    fn start(chain_url: &str) -> Self {
        let chain_url = chain_url.to_owned();
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let config = MarketConfig::test().with_chain(chain_url, 31337, dev::HUB);
                let market = Market::start(config).await.expect("the market starts");
                ready_tx.send(market.http_url()).expect("the test waits");
                let _ = tokio::task::spawn_blocking(move || stop_rx.recv()).await;
                market.stop().await.expect("the market stops cleanly");
            });
        });
        let url = ready_rx.recv().expect("the market thread reports");
        Self {
            url,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }
}

impl Drop for MarketService {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A dev chain with an app, a dataset and a workerpool registered, a market, and a project
/// holding the four parties' wallets (the requester's the default) whose chain.json sends the
/// `dev` chain's market requests to that market.
pub struct Book {
    // Dropped in this order: the market before the chain it reads.
    pub market: MarketService,
    pub stack: Stack,
    pub project: Project,
    pub app: Address,
    pub dataset: Address,
    pub pool: Address,
}

impl Book {
    pub fn new() -> Self {
        let stack = Stack::start();
        let market = MarketService::start(&stack.url);
        let project = stack.project();
        for party in [APP_OWNER, DATASET_OWNER, POOL_OWNER, REQUESTER] {
            project.add_wallet(stack.signer(party));
        }
        let app = stack.create_app(APP_OWNER, "market-app");
        let dataset = create_dataset(&stack, DATASET_OWNER, "market-data");
        let pool = stack.create_workerpool(POOL_OWNER, "market-pool");
        stack.deposit(POOL_OWNER, 1000);
        stack.deposit(REQUESTER, 1000);
        write_json(
            &project,
            "deployed.json",
            &json!({
                "app": { "31337": app },
                "dataset": { "31337": dataset },
                "workerpool": { "31337": pool },
            }),
        );
        write_json(&project, "iexec.json", &json!({}));
        let book = Self {
            market,
            stack,
            project,
            app,
            dataset,
            pool,
        };
        book.gateway(&book.market.url.clone());
        book
    }

    /// Sets the `dev` chain's `iexecGateway` in chain.json.
    fn gateway(&self, url: &str) {
        let mut chains = read_json(&self.project, "chain.json");
        chains["chains"]["dev"]["iexecGateway"] = json!(url);
        write_json(&self.project, "chain.json", &chains);
    }

    fn who(&self, party: usize) -> String {
        self.stack.address(party).to_string()
    }

    /// `poco args... --wallet-address <party> --force --raw`.
    pub fn raw_as(&self, party: usize, args: &[&str]) -> Value {
        let who = self.who(party);
        let mut all = args.to_vec();
        all.extend(["--wallet-address", &who, "--force"]);
        self.project.raw(&all)
    }

    /// `poco args... --wallet-address <party> --force`, expected to fail; its stderr.
    fn fails_as(&self, party: usize, args: &[&str]) -> String {
        let who = self.who(party);
        let mut all = args.to_vec();
        all.extend(["--wallet-address", &who, "--force"]);
        self.project.fails(&all)
    }

    /// `poco args...`'s stdout, expected to succeed.
    fn human(&self, args: &[&str]) -> String {
        let output = self.project.run(args);
        assert!(
            output.status.success(),
            "poco {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8")
    }

    /// The hashes of an order book's `--raw` listing, in order.
    fn hashes(listing: &Value, key: &str) -> Vec<String> {
        listing[key]
            .as_array()
            .expect("a list of orders")
            .iter()
            .map(|o| o["orderHash"].as_str().expect("a hash").to_owned())
            .collect()
    }
}

fn hash_of(published: &Value) -> String {
    published["orderHash"]
        .as_str()
        .expect("an order hash")
        .to_owned()
}

#[test]
fn publish_list_filter_and_unpublish_the_four_kinds() {
    let b = Book::new();
    let app = b.app.to_string();
    let pool = b.pool.to_string();

    // Sellers publish in one step.
    let app_order = b.raw_as(
        APP_OWNER,
        &["app", "publish", "--price", "3", "--volume", "10"],
    );
    insta::assert_json_snapshot!("app_publish", app_order, { ".orderHash" => "[hash]" });
    let restricted = hash_of(&b.raw_as(
        APP_OWNER,
        &[
            "app",
            "publish",
            &app,
            "--price",
            "1",
            "nRLC",
            "--workerpool-restrict",
            &pool,
        ],
    ));
    let dataset_order = hash_of(&b.raw_as(
        DATASET_OWNER,
        &["dataset", "publish", "--price", "0.000000002", "RLC"],
    ));
    let pool_7 = hash_of(&b.raw_as(POOL_OWNER, &["workerpool", "publish", "--price", "7"]));
    let pool_5 = hash_of(&b.raw_as(
        POOL_OWNER,
        &[
            "workerpool",
            "publish",
            "--price",
            "5",
            "--category",
            "1",
            "--volume",
            "2",
        ],
    ));
    let pool_2 = hash_of(&b.raw_as(
        POOL_OWNER,
        &[
            "workerpool",
            "publish",
            &pool,
            "--price",
            "2",
            "--tag",
            "tee,scone",
        ],
    ));

    // The requester signs a request order and publishes it from orders.json.
    b.raw_as(REQUESTER, &["order", "init", "--request"]);
    let mut conf = read_json(&b.project, "iexec.json");
    let request = &mut conf["order"]["requestorder"];
    request["app"] = json!(app);
    request["appmaxprice"] = json!("3");
    request["workerpoolmaxprice"] = json!("7");
    request["category"] = json!("0");
    write_json(&b.project, "iexec.json", &conf);
    b.raw_as(REQUESTER, &["order", "sign", "--request"]);
    let published = b.raw_as(REQUESTER, &["order", "publish", "--request"]);
    insta::assert_json_snapshot!("order_publish_request", published, {
        ".requestorder.orderHash" => "[hash]",
    });
    let request_hash = published["requestorder"]["orderHash"].clone();

    // The pools' book: cheapest first, every category.
    let pools = b.project.raw(&["orderbook", "workerpool"]);
    assert_eq!(pools["count"], 3);
    assert_eq!(
        Book::hashes(&pools, "workerpoolOrders"),
        [pool_2.as_str(), pool_5.as_str(), pool_7.as_str()]
    );
    insta::assert_json_snapshot!("orderbook_workerpool", pools, {
        ".workerpoolOrders[].orderHash" => "[hash]",
        ".workerpoolOrders[].workerpool" => "[workerpool]",
    });
    // The workshop's `orderbook show --category`: a table, cheapest first, with the count.
    let table = b.human(&["orderbook", "show", "--category", "0"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        "2 open workerpoolorders on chain dev (category 0), cheapest first:"
    );
    assert!(lines[1].starts_with("ORDER HASH "), "{table}");
    for header in [
        "PRICE (RLC)",
        "WORKERPOOL",
        "CATEGORY",
        "REMAINING",
        "PUBLISHED (UTC)",
    ] {
        assert!(lines[1].contains(header), "{header}: {table}");
    }
    assert!(
        lines[2].starts_with(pool_2.as_str()) && lines[2].contains("0.000000002"),
        "{table}"
    );
    assert!(lines[2].contains("tee,scone"), "{table}");
    assert!(
        lines[3].starts_with(pool_7.as_str()) && lines[3].contains("0.000000007"),
        "{table}"
    );
    assert_eq!(lines.len(), 4, "{table}");
    // Columns line up: each price ends where the header's does.
    let end = lines[1].find("PRICE (RLC)").expect("price column") + "PRICE (RLC)".len();
    assert_eq!(&lines[2][end - 11..end], "0.000000002");
    assert_eq!(&lines[3][end - 11..end], "0.000000007");
    // Filters.
    let one = b
        .project
        .raw(&["orderbook", "workerpool", "--category", "1"]);
    assert_eq!(Book::hashes(&one, "workerpoolOrders"), [pool_5.as_str()]);
    assert_eq!(one["workerpoolOrders"][0]["remaining"], 2);
    let tee = b
        .project
        .raw(&["orderbook", "workerpool", "--require-tag", "tee"]);
    assert_eq!(Book::hashes(&tee, "workerpoolOrders"), [pool_2.as_str()]);
    let plain = b.project.raw(&[
        "orderbook",
        "workerpool",
        "--tag",
        "0x0000000000000000000000000000000000000000000000000000000000000000",
    ]);
    assert_eq!(
        Book::hashes(&plain, "workerpoolOrders"),
        [pool_5.as_str(), pool_7.as_str()]
    );
    let big = b
        .project
        .raw(&["orderbook", "workerpool", "--min-volume", "2"]);
    assert_eq!(Book::hashes(&big, "workerpoolOrders"), [pool_5.as_str()]);

    // App orders restricted to a pool show only for that pool.
    let public = b.project.raw(&["orderbook", "app", &app]);
    assert_eq!(Book::hashes(&public, "appOrders"), [hash_of(&app_order)]);
    assert_eq!(public["appOrders"][0]["price"], 3);
    let for_pool = b
        .project
        .raw(&["orderbook", "app", &app, "--workerpool", &pool]);
    assert_eq!(
        Book::hashes(&for_pool, "appOrders"),
        [restricted.as_str(), hash_of(&app_order).as_str()]
    );
    let strict = b.project.raw(&[
        "orderbook",
        "app",
        &app,
        "--workerpool",
        &pool,
        "--workerpool-strict",
    ]);
    assert_eq!(Book::hashes(&strict, "appOrders"), [restricted.as_str()]);
    assert_eq!(strict["appOrders"][0]["workerpoolrestrict"], json!(pool));
    let datasets = b
        .project
        .raw(&["orderbook", "dataset", &b.dataset.to_string()]);
    assert_eq!(
        Book::hashes(&datasets, "datasetOrders"),
        [dataset_order.as_str()]
    );
    let requests = b.project.raw(&["orderbook", "requester"]);
    assert_eq!(requests["count"], 1);
    assert_eq!(requests["requestOrders"][0]["orderHash"], request_hash);
    assert_eq!(requests["requestOrders"][0]["price"], 7);
    let mine = b.project.raw(&[
        "orderbook",
        "requester",
        &b.who(REQUESTER),
        "--category",
        "1",
    ]);
    assert_eq!(mine["count"], 0);

    // Unpublishing: the last one, one by hash, then all; the book follows.
    let last = b.raw_as(POOL_OWNER, &["workerpool", "unpublish"]);
    assert_eq!(last["unpublished"], json!(pool_2));
    insta::assert_json_snapshot!("workerpool_unpublish", last, { ".unpublished" => "[hash]" });
    let by_hash = b.raw_as(
        POOL_OWNER,
        &["order", "unpublish", "--workerpool", pool_7.as_str()],
    );
    assert_eq!(by_hash["workerpoolorder"]["orderHash"], json!(pool_7));
    let rest = b.raw_as(POOL_OWNER, &["workerpool", "unpublish", &pool, "--all"]);
    assert_eq!(rest["unpublished"], json!([pool_5]));
    assert_eq!(b.project.raw(&["orderbook", "show"])["count"], 0);
    let empty = b.human(&["orderbook", "show"]);
    assert!(
        empty.starts_with("Empty orderbook: no open workerpoolorder on chain dev"),
        "{empty}"
    );
    assert!(empty.contains("poco workerpool publish"), "{empty}");
    // The request order of orders.json, unpublished without naming its hash.
    let request = b.raw_as(REQUESTER, &["order", "unpublish", "--request"]);
    assert_eq!(request["requestorder"]["orderHash"], request_hash);
    assert_eq!(b.project.raw(&["orderbook", "requester"])["count"], 0);
    let all = b.raw_as(APP_OWNER, &["order", "unpublish", "--app", "--all"]);
    assert_eq!(
        all["apporder"]["unpublished"].as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn refusals_say_what_to_do() {
    let b = Book::new();
    let app = b.app.to_string();

    // Nothing signed yet.
    let error = b.fails_as(APP_OWNER, &["order", "publish", "--app"]);
    assert!(
        error.contains("no signed apporder for chain 31337"),
        "{error}"
    );
    assert!(error.contains("poco order sign --app"), "{error}");
    // Not the owner: the CLI says so before anything is signed.
    let error = b.fails_as(REQUESTER, &["app", "publish", &app]);
    assert!(
        error.contains(&format!("belongs to {}", b.who(APP_OWNER))),
        "{error}"
    );
    assert!(error.contains("--wallet-address"), "{error}");
    // Not the owner of a signed order: the market refuses it, in its words.
    b.raw_as(APP_OWNER, &["order", "init", "--app"]);
    b.raw_as(APP_OWNER, &["order", "sign", "--app"]);
    let error = b.fails_as(REQUESTER, &["order", "publish", "--app"]);
    assert!(
        error.contains(&format!("the market at {} says:", b.market.url)),
        "{error}"
    );
    assert!(error.contains("could not publish the apporder"), "{error}");
    // Published twice: the market says it already has it.
    let published = b.raw_as(APP_OWNER, &["order", "publish", "--app"]);
    let hash = published["apporder"]["orderHash"]
        .as_str()
        .expect("hash")
        .to_owned();
    let error = b.fails_as(APP_OWNER, &["order", "publish", "--app", "--raw"]);
    let failure: Value = serde_json::from_str(error.trim()).expect("a JSON failure");
    assert_eq!(failure["ok"], false);
    assert!(
        failure["error"]["message"]
            .as_str()
            .expect("a message")
            .contains("is already published"),
        "{failure}"
    );
    // Someone else's order cannot be unpublished.
    let error = b.fails_as(REQUESTER, &["order", "unpublish", "--app", &hash]);
    assert!(error.contains("only the apporder's signer"), "{error}");
    // A confirmation is needed without --force, and nothing happens without one.
    let error = b
        .project
        .fails(&["app", "unpublish", "--wallet-address", &b.who(APP_OWNER)]);
    assert!(error.contains("--force"), "{error}");
    assert_eq!(b.project.raw(&["orderbook", "app", &app])["count"], 1);
    // Bad options are refused before anything is asked.
    let error = b.fails_as(APP_OWNER, &["app", "publish", "--price", "lots"]);
    assert!(
        error.contains("--price \"lots\" is not an amount"),
        "{error}"
    );
    let error = b.fails_as(APP_OWNER, &["app", "publish", "--tag", "fast"]);
    assert!(error.contains("--tag \"fast\""), "{error}");
    let error = b.project.fails(&["orderbook", "app", "0x12"]);
    assert!(error.contains("is not an address"), "{error}");

    // A market of another chain: it says which chain it serves.
    let mut chains = read_json(&b.project, "chain.json");
    chains["chains"]["other"] = json!({
        "host": b.stack.url, "id": "1", "hub": dev::HUB, "iexecGateway": b.market.url,
    });
    // A chain without a market: how to start one.
    chains["chains"]["bare"] = json!({"host": b.stack.url, "id": "31337", "hub": dev::HUB});
    write_json(&b.project, "chain.json", &chains);
    let error = b.project.fails(&["orderbook", "show", "--chain", "other"]);
    assert!(
        error.contains("this market serves chain 31337, not chain 1"),
        "{error}"
    );
    let error = b.project.fails(&["orderbook", "show", "--chain", "bare"]);
    assert!(error.contains("chain `bare` has no market"), "{error}");
    assert!(error.contains("poco market --chain bare"), "{error}");
    let error = b.fails_as(APP_OWNER, &["app", "publish", "--chain", "bare"]);
    assert!(error.contains("chain `bare` has no market"), "{error}");

    // The market is down: say so, and how to start it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let down = format!("http://127.0.0.1:{port}");
    b.gateway(&down);
    for args in [
        &["orderbook", "show"][..],
        &["orderbook", "app", &app, "--raw"][..],
    ] {
        let error = b.project.fails(args);
        assert!(
            error.contains(&format!("cannot reach the market at {down}")),
            "{error}"
        );
        assert!(error.contains("poco market"), "{error}");
    }
    let error = b.fails_as(APP_OWNER, &["app", "publish"]);
    assert!(error.contains("cannot reach the market"), "{error}");
}

/// `poco market` with the project's options, its data folder in the project.
fn market_command(project: &Project, args: &[&str]) -> std::process::Command {
    let mut command = project.command(&[&["market"][..], args].concat());
    command.env("XDG_DATA_HOME", project.path().join("data"));
    command
}

#[test]
fn poco_market_serves_until_terminated() {
    let stack = Stack::start();
    let project = stack.project();
    // chain.json's local iexecGateway says where to listen.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let mut chains = read_json(&project, "chain.json");
    chains["chains"]["dev"]["iexecGateway"] = json!(url);
    write_json(&project, "chain.json", &chains);
    let mut child = market_command(&project, &["--raw"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("poco market starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("a first line");
    let banner: Value = serde_json::from_str(line.trim()).expect("a JSON banner");
    assert_eq!(banner["ok"], true);
    assert_eq!(banner["url"], json!(url));
    assert_eq!(banner["chainId"], "31337");
    assert_eq!(banner["confirmations"], 0, "none on the dev chain");
    let database = banner["database"].as_str().expect("a database");
    assert!(
        database.contains("/data/poco/market/31337.sqlite"),
        "{database}"
    );
    // It answers, and the CLI reads it with nothing else configured.
    let version: Value = reqwest::blocking::get(format!("{url}/version"))
        .expect("the market answers")
        .json()
        .expect("JSON");
    assert_eq!(version["ok"], true);
    assert_eq!(project.raw(&["orderbook", "show"])["count"], 0);
    // SIGTERM stops it cleanly.
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let output = child.wait_with_output().expect("it exits");
    assert!(output.status.success(), "{:?}", output.status);
    assert!(String::from_utf8_lossy(&output.stderr).contains("stopping..."));
    assert!(
        project
            .path()
            .join("data/poco/market/31337.sqlite")
            .exists()
    );

    // Errors: chain down, bad database URL, no hub; each exits 1 and says why.
    let error = project.fails(&["market", "--rpc-url", &format!("http://127.0.0.1:{port}")]);
    assert!(error.contains("cannot reach chain `dev`"), "{error}");
    let output = market_command(&project, &["--database-url", "mysql://u:secret@h/d"])
        .output()
        .expect("runs");
    let error = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        error.contains("is neither sqlite://FILE nor postgres://"),
        "{error}"
    );
    assert!(!error.contains("secret"), "{error}");
    let error = project.fails(&[
        "market",
        "--hub",
        "0x0000000000000000000000000000000000000001",
    ]);
    assert!(
        error.contains("no Poco hub at 0x0000000000000000000000000000000000000001"),
        "{error}"
    );
}

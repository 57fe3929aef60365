//! `poco order init|sign|cancel|show|fill` against a dev chain: templates, signatures the hub
//! accepts, cancels, fills that make the deal the protocol says, and every preflight refusal
//! with its words, exit code 1 and nothing sent.

use crate::{
    common::{Project, Stack},
    fixture::{APP_OWNER, DATASET_OWNER, POOL_OWNER, REQUESTER, block_on},
};
use poco_contracts::{
    AppRegistry, DatasetRegistry, PocoHub,
    alloy::primitives::{Address, B256, Bytes, U256, keccak256},
    dev,
};
use poco_types::{
    OrderKind, SignedAppOrder, SignedDatasetOrder, SignedRequestOrder, SignedWorkerpoolOrder,
    deal_id, domain,
};
use serde_json::{Value, json};

/// A dev chain with an app, a dataset and a workerpool registered, and a project holding the
/// wallets of the four parties (the requester's the default), deployed.json and templates.
struct Market {
    stack: Stack,
    project: Project,
    app: Address,
    dataset: Address,
    pool: Address,
}

impl Market {
    fn new() -> Self {
        let stack = Stack::start();
        let project = stack.project();
        // The newest wallet is the default: the requester's, added last.
        for party in [APP_OWNER, DATASET_OWNER, POOL_OWNER, REQUESTER] {
            project.add_wallet(stack.signer(party));
        }
        let app = stack.create_app(APP_OWNER, "order-app");
        let dataset = create_dataset(&stack, DATASET_OWNER, "order-data");
        let pool = stack.create_workerpool(POOL_OWNER, "order-pool");
        let deployed = json!({
            "app": { "31337": app },
            "dataset": { "31337": dataset },
            "workerpool": { "31337": pool },
        });
        write_json(&project, "deployed.json", &deployed);
        write_json(&project, "iexec.json", &json!({}));
        Self {
            stack,
            project,
            app,
            dataset,
            pool,
        }
    }

    fn address(&self, party: usize) -> Address {
        self.stack.address(party)
    }

    /// `poco order sign --<kind> --raw` with `party`'s wallet; the signed order.
    fn sign(&self, kind: &str, party: usize) -> Value {
        let who = self.address(party).to_string();
        let out = self.project.raw(&[
            "order",
            "sign",
            &format!("--{kind}"),
            "--wallet-address",
            &who,
        ]);
        out[format!("{kind}order")].clone()
    }

    /// Sets `order.<kind>order.<field>` in iexec.json.
    fn set(&self, kind: &str, field: &str, value: Value) {
        let mut conf = read_json(&self.project, "iexec.json");
        conf["order"][format!("{kind}order")][field] = value;
        write_json(&self.project, "iexec.json", &conf);
    }

    /// The signed `kind` order of orders.json.
    fn signed(&self, kind: &str) -> Value {
        read_json(&self.project, "orders.json")["31337"][format!("{kind}order")].clone()
    }

    /// The EIP-712 hash of the signed `kind` order of orders.json.
    fn hash(&self, kind: OrderKind) -> B256 {
        let d = domain(31337, dev::HUB);
        let json = self.signed(kind.as_str());
        match kind {
            OrderKind::App => parse::<SignedAppOrder>(json).hash(&d),
            OrderKind::Dataset => parse::<SignedDatasetOrder>(json).hash(&d),
            OrderKind::Workerpool => parse::<SignedWorkerpoolOrder>(json).hash(&d),
            OrderKind::Request => parse::<SignedRequestOrder>(json).hash(&d),
        }
    }

    fn nonce(&self, party: usize) -> Value {
        self.stack.rpc(
            "eth_getTransactionCount",
            json!([self.address(party), "latest"]),
        )
    }

    /// App 3 nRLC, workerpool 7 nRLC, volume 1 each, no dataset; the three owners sign.
    fn sign_cheap_orders(&self) {
        self.set("app", "appprice", json!("3"));
        self.set("app", "volume", json!("1"));
        self.set("workerpool", "workerpoolprice", json!("7 nRLC"));
        self.set("request", "appmaxprice", json!("3"));
        self.set("request", "workerpoolmaxprice", json!("0.000000007 RLC"));
        self.set("request", "app", json!(self.app));
        self.sign("app", APP_OWNER);
        self.sign("workerpool", POOL_OWNER);
        self.sign("request", REQUESTER);
    }

    /// `poco order fill --force` must fail before sending anything: its stderr.
    fn fill_refused(&self, extra: &[&str]) -> String {
        let before = self.nonce(REQUESTER);
        let mut args = vec!["order", "fill", "--force"];
        args.extend_from_slice(extra);
        let stderr = self.project.fails(&args);
        assert_eq!(self.nonce(REQUESTER), before, "nothing sent: {stderr}");
        stderr
    }
}

/// An address as the SDK writes it: checksummed.
fn cs(address: Address) -> Value {
    json!(address.to_checksum(None))
}

fn parse<T: serde::de::DeserializeOwned>(json: Value) -> T {
    serde_json::from_value(json).expect("a signed order")
}

pub fn read_json(project: &Project, file: &str) -> Value {
    let text = std::fs::read_to_string(project.path().join(file)).expect("file exists");
    serde_json::from_str(&text).expect("JSON")
}

pub fn write_json(project: &Project, file: &str, value: &Value) {
    std::fs::write(
        project.path().join(file),
        serde_json::to_string_pretty(value).expect("JSON"),
    )
    .expect("written");
}

/// Registers a dataset of dev account `owner`.
pub fn create_dataset(stack: &Stack, owner: usize, name: &str) -> Address {
    let owner = stack.address(owner);
    let provider = stack.provider();
    block_on(async {
        let datasets = DatasetRegistry::new(dev::DATASET_REGISTRY, &provider);
        let multiaddr = Bytes::from(format!("https://data.local/{name}.zip").into_bytes());
        let checksum = keccak256(name.as_bytes());
        let address = datasets
            .predictDataset(owner, name.to_owned(), multiaddr.clone(), checksum)
            .call()
            .await
            .expect("predictDataset");
        datasets
            .createDataset(owner, name.to_owned(), multiaddr, checksum)
            .from(owner)
            .send()
            .await
            .expect("createDataset")
            .get_receipt()
            .await
            .expect("mined");
        address
    })
}

/// `hub.verifySignature(signer, hash, sign)`.
fn hub_verifies(stack: &Stack, signer: Address, hash: B256, sign: &str) -> bool {
    let provider = stack.provider();
    let sign: Bytes = sign.parse().expect("hex signature");
    block_on(async {
        PocoHub::new(dev::HUB, &provider)
            .verifySignature(signer, hash, sign)
            .call()
            .await
            .expect("verifySignature")
    })
}

#[test]
fn init_and_sign_the_four_kinds() {
    let m = Market::new();
    let init = m.project.raw(&["order", "init"]);
    assert_eq!(init["apporder"]["app"], cs(m.app));
    assert_eq!(init["datasetorder"]["dataset"], cs(m.dataset));
    assert_eq!(init["workerpoolorder"]["workerpool"], cs(m.pool));
    assert_eq!(init["requestorder"]["requester"], cs(m.address(REQUESTER)));
    assert_eq!(
        init["requestorder"]["beneficiary"],
        cs(m.address(REQUESTER))
    );
    // --buy is the workshop's --request, and writes only that template.
    let buy = m.project.raw(&["order", "init", "--buy"]);
    assert!(
        buy.get("apporder").is_none() && buy.get("requestorder").is_some(),
        "{buy}"
    );

    // Units and tag names convert; the pool owner is warned its stake is short.
    m.set("app", "appprice", json!("0.000000005 RLC"));
    m.set("app", "tag", json!(["tee", "scone"]));
    m.set("dataset", "datasetprice", json!("2 nRLC"));
    m.set("workerpool", "workerpoolprice", json!("1 RLC"));
    m.set("request", "app", json!(m.app));
    m.set("request", "dataset", json!(m.dataset));
    m.set("request", "params", json!({"iexec_args": "--size 3"}));
    let app = m.sign("app", APP_OWNER);
    assert_eq!(app["appprice"], "5");
    assert_eq!(app["tag"], format!("0x{}03", "0".repeat(62)));
    assert_eq!(m.sign("dataset", DATASET_OWNER)["datasetprice"], "2");
    let who = m.address(POOL_OWNER).to_string();
    let output = m
        .project
        .run(&["order", "sign", "--workerpool", "--wallet-address", &who]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: workerpoolorder: your hub account has 0 nRLC available")
            && stderr.contains("30% of its price 1000000000 nRLC (1 RLC)"),
        "{stderr}"
    );
    let request = m.sign("request", REQUESTER);
    assert_eq!(request["requester"], cs(m.address(REQUESTER)));
    assert!(
        request["params"]
            .as_str()
            .expect("a string")
            .contains("--size 3")
    );

    // Each signature is the owner's, for our code and for the hub.
    let d = domain(31337, dev::HUB);
    let checks = [
        (OrderKind::App, APP_OWNER),
        (OrderKind::Dataset, DATASET_OWNER),
        (OrderKind::Workerpool, POOL_OWNER),
        (OrderKind::Request, REQUESTER),
    ];
    for (kind, owner) in checks {
        let signed = m.signed(kind.as_str());
        let hash = m.hash(kind);
        let sign = signed["sign"].as_str().expect("sign");
        assert!(
            hub_verifies(&m.stack, m.address(owner), hash, sign),
            "{kind}"
        );
        let recovered = poco_types::signature::recover(&hash, &sign.parse::<Bytes>().expect("hex"))
            .expect("recovers");
        assert_eq!(recovered, m.address(owner), "{kind}");
    }
    assert!(parse::<SignedAppOrder>(m.signed("app")).is_signed_by(&d, m.address(APP_OWNER)));
    // Signing again draws a new salt: a new order.
    let again = m.sign("app", APP_OWNER);
    assert_ne!(again["salt"], app["salt"]);
}

#[test]
fn sign_refuses_what_could_never_match() {
    let m = Market::new();
    m.project.raw(&["order", "init"]);
    let stderr = m.project.fails(&["order", "sign", "--app"]);
    assert!(
        stderr.contains(&format!(
            "you are not the owner of app {}, its owner is {}",
            m.app,
            m.address(APP_OWNER)
        )),
        "{stderr}"
    );
    m.set("request", "app", json!(m.app));
    m.set("request", "requester", json!(m.address(POOL_OWNER)));
    let stderr = m.project.fails(&["order", "sign", "--request"]);
    assert!(
        stderr.contains(&format!(
            "the request order's requester is {}",
            m.address(POOL_OWNER)
        )),
        "{stderr}"
    );
    m.set("request", "requester", json!(m.address(REQUESTER)));
    m.set("request", "app", json!(Address::repeat_byte(0x42)));
    let stderr = m.project.fails(&["order", "sign", "--request"]);
    assert!(
        stderr.contains("no app is registered at that address"),
        "{stderr}"
    );
    m.set("workerpool", "category", json!("12"));
    let who = m.address(POOL_OWNER).to_string();
    let stderr = m
        .project
        .fails(&["order", "sign", "--workerpool", "--wallet-address", &who]);
    assert!(
        stderr.contains("category 12 does not exist (there are 5"),
        "{stderr}"
    );
    assert!(!m.project.path().join("orders.json").exists());
}

#[test]
fn show_cancel_and_fill_a_cancelled_order() {
    let m = Market::new();
    m.project.raw(&["order", "init"]);
    m.sign_cheap_orders();
    m.stack.deposit(REQUESTER, 100);
    m.stack.deposit(POOL_OWNER, 100);
    let app_hash = m.hash(OrderKind::App);

    let shown = m.project.raw(&["order", "show", "--app"]);
    assert_eq!(shown["apporder"]["orderHash"], json!(app_hash));
    assert_eq!(shown["apporder"]["status"], "open");
    insta::assert_json_snapshot!("order_show_open", shown, {
        ".apporder.orderHash" => "[hash]",
        ".apporder.order.app" => "[app]",
        ".apporder.order.salt" => "[salt]",
        ".apporder.order.sign" => "[sign]",
    });
    // By hash, the same order; an unknown hash says where it looked.
    let by_hash = m
        .project
        .raw(&["order", "show", "--app", &app_hash.to_string()]);
    assert_eq!(by_hash["apporder"]["orderHash"], json!(app_hash));
    let by_hash = m.project.raw(&["order", "show", &app_hash.to_string()]);
    assert_eq!(by_hash["apporder"]["orderHash"], json!(app_hash));
    let stderr = m
        .project
        .fails(&["order", "show", "--app", &B256::repeat_byte(7).to_string()]);
    assert!(stderr.contains("no apporder with hash 0x0707"), "{stderr}");

    // Only the owner cancels, and nothing is sent otherwise.
    let before = m.nonce(REQUESTER);
    let stderr = m.project.fails(&["order", "cancel", "--app", "--force"]);
    assert!(stderr.contains("you are not the owner of app"), "{stderr}");
    assert_eq!(m.nonce(REQUESTER), before);

    let who = m.address(APP_OWNER).to_string();
    let cancelled = m.project.raw(&[
        "order",
        "cancel",
        "--app",
        "--force",
        "--wallet-address",
        &who,
    ]);
    assert!(
        cancelled["apporder"]["txHash"]
            .as_str()
            .is_some_and(|h| h.len() == 66),
        "{cancelled}"
    );
    let shown = m.project.raw(&["order", "show", "--app"]);
    assert_eq!(shown["apporder"]["status"], "canceled");
    assert_eq!(shown["apporder"]["consumed"], shown["apporder"]["volume"]);
    assert_eq!(shown["apporder"]["remaining"], "0");
    let output = m.project.run(&["order", "show", "--app"]);
    let human = String::from_utf8_lossy(&output.stdout);
    assert!(human.contains("status:    cancelled"), "{human}");
    let stderr = m.project.fails(&[
        "order",
        "cancel",
        "--app",
        "--force",
        "--wallet-address",
        &who,
    ]);
    assert!(stderr.contains("already cancelled"), "{stderr}");

    // Filling it fails before sending, naming it.
    let stderr = m.fill_refused(&[]);
    assert!(
        stderr.contains(&format!("the app order {app_hash} was cancelled")),
        "{stderr}"
    );
}

#[test]
fn fill_makes_the_deal_and_locks_the_price() {
    let m = Market::new();
    m.project.raw(&["order", "init"]);
    m.sign_cheap_orders();
    m.stack.deposit(REQUESTER, 100);
    m.stack.deposit(POOL_OWNER, 100);
    let request_hash = m.hash(OrderKind::Request);

    let filled = m.project.raw(&["order", "fill", "--force"]);
    assert_eq!(filled["dealid"], json!(deal_id(request_hash, U256::ZERO)));
    assert_eq!(filled["volume"], "1");
    insta::assert_json_snapshot!("order_fill", filled, {
        ".dealid" => "[dealid]",
        ".txHash" => "[txHash]",
    });
    // The requester's price (3 + 7) is locked; the pool owner's stake is 30% of 7, truncated.
    assert_eq!(
        m.stack.account(m.address(REQUESTER)),
        (U256::from(90), U256::from(10))
    );
    assert_eq!(
        m.stack.account(m.address(POOL_OWNER)),
        (U256::from(98), U256::from(2))
    );
    let shown = m.project.raw(&["order", "show", "--request"]);
    assert_eq!(shown["requestorder"]["status"], "filled");

    // The same orders again: the preflight names the used-up orders.
    let stderr = m.fill_refused(&[]);
    assert!(
        stderr.contains(&format!(
            "the app order {} is fully filled (1 of 1 used)",
            m.hash(OrderKind::App)
        )),
        "{stderr}"
    );

    // Without a request order: one is built on the fly, with --params.
    m.set("app", "volume", json!("5"));
    m.set("workerpool", "volume", json!("2"));
    m.sign("app", APP_OWNER);
    m.sign("workerpool", POOL_OWNER);
    let filled = m
        .project
        .raw(&["order", "fill", "--force", "--params", "--size 3"]);
    assert_eq!(
        filled["volume"], "2",
        "min of what the app and pool orders have left"
    );
    let provider = m.stack.provider();
    let dealid: B256 = serde_json::from_value(filled["dealid"].clone()).expect("an id");
    let deal = block_on(async {
        PocoHub::new(dev::HUB, &provider)
            .viewDeal(dealid)
            .call()
            .await
            .expect("viewDeal")
    });
    assert_eq!(deal.requester, m.address(REQUESTER));
    assert_eq!(deal.botSize, U256::from(2));
    assert!(deal.params.contains("--size 3"), "{}", deal.params);
    assert_eq!(
        m.stack.account(m.address(REQUESTER)),
        (U256::from(70), U256::from(30))
    );
}

#[test]
fn fill_preflight_refusals_send_nothing() {
    let m = Market::new();
    m.project.raw(&["order", "init"]);

    // Price above the maximum.
    m.set("app", "appprice", json!("10"));
    m.set("request", "app", json!(m.app));
    m.set("request", "appmaxprice", json!("5"));
    m.sign("app", APP_OWNER);
    m.sign("workerpool", POOL_OWNER);
    m.sign("request", REQUESTER);
    let stderr = m.fill_refused(&[]);
    assert!(
        stderr.contains(
            "the app costs 10 nRLC, above your maximum of 5 nRLC (appmaxprice in the request order)"
        ),
        "{stderr}"
    );

    // An empty hub account: deposit, and what.
    m.set("request", "appmaxprice", json!("10"));
    m.sign("request", REQUESTER);
    let stderr = m.fill_refused(&[]);
    assert!(
        stderr.contains(
            "your hub account has 0 nRLC available and this deal needs 10 nRLC (price 10 nRLC × \
             volume 1): the RLC in your wallet is not used directly; run `poco account deposit 10`"
        ),
        "{stderr}"
    );

    // The pool owner's stake cannot cover 30% of its price.
    m.stack.deposit(REQUESTER, 1_000);
    m.set("workerpool", "workerpoolprice", json!("100"));
    m.set("request", "workerpoolmaxprice", json!("100"));
    m.sign("workerpool", POOL_OWNER);
    m.sign("request", REQUESTER);
    let stderr = m.fill_refused(&[]);
    assert!(
        stderr.contains(&format!(
            "the workerpool owner {} has 0 nRLC available in its hub account, and this deal locks \
             30 nRLC from it as stake (30% of the workerpool price 100 nRLC per task)",
            m.address(POOL_OWNER)
        )),
        "{stderr}"
    );
    assert!(stderr.contains("`poco account deposit 30`"), "{stderr}");

    // The app changed hands after its order was signed: the order is not the owner's any more.
    m.stack.deposit(POOL_OWNER, 1_000);
    let new_owner = m.address(5);
    let provider = m.stack.provider();
    block_on(async {
        AppRegistry::new(dev::APP_REGISTRY, &provider)
            .transferFrom(
                m.address(APP_OWNER),
                new_owner,
                U256::from_be_bytes(m.app.into_word().0),
            )
            .from(m.address(APP_OWNER))
            .send()
            .await
            .expect("transferFrom")
            .get_receipt()
            .await
            .expect("mined");
    });
    let stderr = m.fill_refused(&[]);
    assert!(
        stderr.contains(&format!(
            "the app order is not signed by the current owner ({new_owner}) of app {}",
            m.app
        )),
        "{stderr}"
    );

    // A request order for a dataset without a dataset order.
    m.set("request", "dataset", json!(m.dataset));
    m.sign("request", REQUESTER);
    let stderr = m.project.fails(&["order", "fill", "--force"]);
    assert!(stderr.contains("there is no dataset order"), "{stderr}");
    // A restriction: the dataset order only for another app.
    m.set("dataset", "apprestrict", json!(Address::repeat_byte(0x42)));
    m.sign("dataset", DATASET_OWNER);
    let stderr = m.fill_refused(&[]);
    assert!(
        stderr.contains(&format!(
            "the dataset order is restricted to app {} (apprestrict in the dataset order)",
            Address::repeat_byte(0x42)
        )),
        "{stderr}"
    );
}

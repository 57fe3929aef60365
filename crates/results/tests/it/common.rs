//! The harness: a dev chain with the protocol deployed, an app and a workerpool, funded
//! accounts, a running result server, and the on-chain steps of a task sent directly (match,
//! initialize, contribute, reveal, finalize, claim), signed with `poco_types`' hashes and a
//! `WorkerpoolAuthorization` of the pool owner.
//! Accounts: 0 admin, 1 requester, 2 app owner, 3 pool owner, 4.. workers.

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_signer_local::PrivateKeySigner;
use poco_chain::{ChainConfig, Node};
use poco_client::{chains::ChainConf, results::ResultsApi};
use poco_contracts::{
    AppRegistry, DeployOptions, PocoHub, PocoTypes, RLC, WorkerpoolRegistry,
    alloy::providers::{DynProvider, Provider, ProviderBuilder},
    convert::no_dataset_order,
    dev,
};
use poco_results::{ResultServer, ResultsConfig};
use poco_types::{
    AppOrder, RequestOrder, SignedAppOrder, SignedRequestOrder, SignedWorkerpoolOrder,
    WorkerpoolAuthorization, WorkerpoolOrder, domain, result_hash, result_seal,
};
use serde_json::Value;
use std::io::Write;

pub(crate) const CHAIN_ID: u64 = 31337;
pub(crate) const REQUESTER: usize = 1;
pub(crate) const APP_OWNER: usize = 2;
pub(crate) const POOL_OWNER: usize = 3;
/// The first worker's account.
pub(crate) const WORKER: usize = 4;
/// The pool's price per task (nRLC).
pub(crate) const POOL_PRICE: u64 = 100;
/// Category 0's reference time (s): the final deadline is 10 of them after the deal starts.
pub(crate) const TIMEREF: u64 = 300;
/// The server's size limit in these tests.
pub(crate) const MAX_RESULT_SIZE: u64 = 64 * 1024;

pub(crate) struct Env {
    pub(crate) node: Node,
    pub(crate) signers: Vec<PrivateKeySigner>,
    pub(crate) app: Address,
    pub(crate) pool: Address,
    pub(crate) config: ResultsConfig,
    pub(crate) server: Option<ResultServer>,
    pub(crate) http: reqwest::Client,
}

impl Env {
    /// A chain, the app, the pool, deposits, and a running result server.
    pub(crate) async fn start() -> Self {
        let node = Node::start(ChainConfig::test())
            .await
            .expect("chain starts");
        let signers = node.signers().to_vec();
        let options = DeployOptions::default().with_mint_each(
            signers.iter().map(|s| s.address()),
            dev::RLC_PER_DEV_ACCOUNT,
        );
        poco_contracts::deploy(&node.http_url(), signers[0].clone(), &options)
            .await
            .expect("protocol deploys");
        let chain = ChainConf {
            name: "test".into(),
            host: node.http_url(),
            id: CHAIN_ID,
            hub: Some(dev::HUB),
            ..ChainConf::dev()
        };
        let mut config = ResultsConfig::test()
            .with_chain(chain)
            .with_max_result_size(MAX_RESULT_SIZE);
        if let Some(url) = postgres_database().await {
            config = config.with_database_url(url);
        }
        let mut env = Self {
            node,
            signers,
            app: Address::ZERO,
            pool: Address::ZERO,
            config,
            server: None,
            http: reqwest::Client::new(),
        };
        env.app = env.create_app().await;
        env.pool = env.create_workerpool().await;
        env.deposit(REQUESTER, 1_000_000).await;
        env.deposit(POOL_OWNER, 1_000_000).await;
        for worker in WORKER..env.signers.len() {
            env.deposit(worker, 1_000).await;
        }
        env.start_server().await;
        env
    }

    /// Starts the server on its store and database.
    pub(crate) async fn start_server(&mut self) {
        assert!(self.server.is_none(), "the server runs already");
        self.server = Some(
            ResultServer::start(self.config.clone())
                .await
                .expect("the result server starts"),
        );
    }

    /// Stops the server cleanly.
    pub(crate) async fn stop_server(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("the server stops cleanly");
        }
    }

    /// The running server.
    pub(crate) fn server(&self) -> &ResultServer {
        self.server.as_ref().expect("the server runs")
    }

    /// The server's URL.
    pub(crate) fn url(&self) -> String {
        self.server().url()
    }

    /// The client library's API over the server.
    pub(crate) fn api(&self) -> ResultsApi {
        ResultsApi::new(&self.url()).expect("a valid URL")
    }

    pub(crate) fn address(&self, i: usize) -> Address {
        self.signers[i].address()
    }

    /// A provider whose transactions the node signs for its dev accounts (`.from(...)`).
    pub(crate) fn provider(&self) -> DynProvider {
        ProviderBuilder::new()
            .connect_http(self.node.http_url().parse().expect("URL"))
            .erased()
    }

    pub(crate) fn hub(&self) -> PocoHub::PocoHubInstance<DynProvider> {
        PocoHub::new(dev::HUB, self.provider())
    }

    async fn create_app(&self) -> Address {
        let owner = self.address(APP_OWNER);
        let apps = AppRegistry::new(dev::APP_REGISTRY, self.provider());
        let name = "results-test-app".to_owned();
        let multiaddr = Bytes::from(b"registry.local/results-test-app:1".to_vec());
        let checksum = alloy_primitives::keccak256(name.as_bytes());
        let address = apps
            .predictApp(
                owner,
                name.clone(),
                "DOCKER".into(),
                multiaddr.clone(),
                checksum,
                Bytes::new(),
            )
            .call()
            .await
            .expect("predictApp");
        apps.createApp(
            owner,
            name,
            "DOCKER".into(),
            multiaddr,
            checksum,
            Bytes::new(),
        )
        .from(owner)
        .send()
        .await
        .expect("createApp")
        .get_receipt()
        .await
        .expect("mined");
        address
    }

    async fn create_workerpool(&self) -> Address {
        let owner = self.address(POOL_OWNER);
        let pools = WorkerpoolRegistry::new(dev::WORKERPOOL_REGISTRY, self.provider());
        let address = pools
            .predictWorkerpool(owner, "results test pool".into())
            .call()
            .await
            .expect("predictWorkerpool");
        pools
            .createWorkerpool(owner, "results test pool".into())
            .from(owner)
            .send()
            .await
            .expect("createWorkerpool")
            .get_receipt()
            .await
            .expect("mined");
        address
    }

    async fn deposit(&self, who: usize, amount: u64) {
        let from = self.address(who);
        let amount = U256::from(amount);
        RLC::new(dev::RLC, self.provider())
            .approve(dev::HUB, amount)
            .from(from)
            .send()
            .await
            .expect("approve")
            .get_receipt()
            .await
            .expect("mined");
        self.hub()
            .deposit(amount)
            .from(from)
            .send()
            .await
            .expect("deposit")
            .get_receipt()
            .await
            .expect("mined");
    }

    /// Matches a deal of `volume` tasks at `trust` on the pool (category 0); its id.
    pub(crate) async fn deal(&self, trust: u64, volume: u64) -> B256 {
        let domain = domain(CHAIN_ID, dev::HUB);
        let v = U256::from(volume);
        let app_order = SignedAppOrder::sign(
            AppOrder {
                app: self.app,
                appprice: U256::from(3),
                volume: v,
                salt: B256::random(),
                ..Default::default()
            },
            &domain,
            &self.signers[APP_OWNER],
        )
        .expect("signs");
        let pool_order = SignedWorkerpoolOrder::sign(
            WorkerpoolOrder {
                workerpool: self.pool,
                workerpoolprice: U256::from(POOL_PRICE),
                volume: v,
                trust: U256::from(trust),
                salt: B256::random(),
                ..Default::default()
            },
            &domain,
            &self.signers[POOL_OWNER],
        )
        .expect("signs");
        let request = SignedRequestOrder::sign(
            RequestOrder {
                app: self.app,
                appmaxprice: U256::from(3),
                workerpool: self.pool,
                workerpoolmaxprice: U256::from(POOL_PRICE),
                requester: self.address(REQUESTER),
                volume: v,
                trust: U256::from(trust),
                beneficiary: self.address(REQUESTER),
                params: "{\"iexec_args\":\"hello\"}".to_owned(),
                salt: B256::random(),
                ..Default::default()
            },
            &domain,
            &self.signers[REQUESTER],
        )
        .expect("signs");
        let receipt = self
            .hub()
            .matchOrders(
                app_order.into(),
                no_dataset_order(),
                pool_order.into(),
                request.into(),
            )
            .from(self.address(REQUESTER))
            .send()
            .await
            .expect("matchOrders")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "matchOrders reverted");
        receipt
            .logs()
            .iter()
            .find_map(|log| log.log_decode::<PocoHub::OrdersMatched>().ok())
            .expect("OrdersMatched")
            .inner
            .data
            .dealid
    }

    /// Initializes task `idx` of `deal` (as the pool owner); its id.
    pub(crate) async fn initialize(&self, deal: B256, idx: u64) -> B256 {
        let receipt = self
            .hub()
            .initialize(deal, U256::from(idx))
            .from(self.address(POOL_OWNER))
            .send()
            .await
            .expect("initialize")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "initialize reverted");
        poco_types::task_id(deal, U256::from(idx))
    }

    /// A task of a fresh deal at `trust`, initialized.
    pub(crate) async fn task(&self, trust: u64) -> B256 {
        let deal = self.deal(trust, 1).await;
        self.initialize(deal, 0).await
    }

    /// The pool owner's authorization of worker `worker` (dev account index) for `task`.
    pub(crate) fn authorization(&self, worker: usize, task: B256) -> WorkerpoolAuthorization {
        WorkerpoolAuthorization::sign(
            &self.signers[POOL_OWNER],
            self.address(worker),
            task,
            Address::ZERO,
        )
        .expect("signs")
    }

    /// A token for `worker` on `task`, through the client library.
    pub(crate) async fn token(&self, worker: usize, task: B256) -> String {
        self.api()
            .token(&self.signers[worker], &self.authorization(worker, task))
            .await
            .expect("a token")
    }

    /// `contribute(task, hash, seal, 0, 0x, authorization)` by `worker`.
    pub(crate) async fn contribute(&self, worker: usize, task: B256, digest: B256) {
        let address = self.address(worker);
        let auth = self.authorization(worker, task);
        let receipt = self
            .hub()
            .contribute(
                task,
                result_hash(task, digest),
                result_seal(address, task, digest),
                Address::ZERO,
                Bytes::new(),
                auth.signature,
            )
            .from(address)
            .send()
            .await
            .expect("contribute")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "contribute reverted");
    }

    /// `reveal(task, digest)` by `worker`.
    pub(crate) async fn reveal(&self, worker: usize, task: B256, digest: B256) {
        let receipt = self
            .hub()
            .reveal(task, digest)
            .from(self.address(worker))
            .send()
            .await
            .expect("reveal")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "reveal reverted");
    }

    /// `contributeAndFinalize(task, digest, results, 0x, 0, 0x, authorization)` by `worker`.
    pub(crate) async fn contribute_and_finalize(
        &self,
        worker: usize,
        task: B256,
        digest: B256,
        results: Vec<u8>,
    ) {
        let auth = self.authorization(worker, task);
        let receipt = self
            .hub()
            .contributeAndFinalize(
                task,
                digest,
                Bytes::from(results),
                Bytes::new(),
                Address::ZERO,
                Bytes::new(),
                auth.signature,
            )
            .from(self.address(worker))
            .send()
            .await
            .expect("contributeAndFinalize")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "contributeAndFinalize reverted");
    }

    /// `claim(task)` (anyone, after the final deadline).
    pub(crate) async fn claim(&self, task: B256) {
        let receipt = self
            .hub()
            .claim(task)
            .from(self.address(REQUESTER))
            .send()
            .await
            .expect("claim")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "claim reverted");
    }

    /// The task on-chain.
    pub(crate) async fn view_task(&self, task: B256) -> PocoTypes::Task {
        self.hub().viewTask(task).call().await.expect("viewTask")
    }

    /// Moves the chain's clock `seconds` ahead and mines a block.
    pub(crate) async fn increase_time(&self, seconds: u64) {
        let provider = self.provider();
        let _: Value = provider
            .raw_request("evm_increaseTime".into(), [seconds])
            .await
            .expect("evm_increaseTime");
        let _: Value = provider
            .raw_request("evm_mine".into(), ())
            .await
            .expect("evm_mine");
    }

    /// A raw request to the server: `(status, headers, body)`.
    pub(crate) async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let reply = request.send().await.expect("sent");
        let status = reply.status().as_u16();
        let headers = reply.headers().clone();
        let body = reply.bytes().await.expect("a body").to_vec();
        (status, headers, body)
    }

    /// `GET path` on the server: `(status, body as text)`.
    pub(crate) async fn get_text(&self, path: &str) -> (u16, String) {
        let (status, _, body) = self
            .send(self.http.get(format!("{}{path}", self.url())))
            .await;
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// `POST /v1/results` with `token` and a raw JSON `body`: `(status, body as text)`.
    pub(crate) async fn post_result(&self, token: &str, body: &Value) -> (u16, String) {
        let (status, _, reply) = self
            .send(
                self.http
                    .post(format!("{}/v1/results", self.url()))
                    .header("Authorization", token)
                    .json(body),
            )
            .await;
        (status, String::from_utf8_lossy(&reply).into_owned())
    }
}

/// With `POCO_RESULTS_TEST_POSTGRES=postgres://user@host:port` set, a fresh database on that
/// server for one test (the server then keeps its records in PostgreSQL instead of SQLite).
async fn postgres_database() -> Option<String> {
    let base = std::env::var("POCO_RESULTS_TEST_POSTGRES").ok()?;
    let base = base.trim_end_matches('/');
    let admin = sqlx::PgPool::connect(&format!("{base}/postgres"))
        .await
        .expect("the test PostgreSQL server answers");
    let name = format!(
        "results_test_{}",
        alloy_primitives::hex::encode(&B256::random()[..8])
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("a test database can be created");
    admin.close().await;
    Some(format!("{base}/{name}"))
}

/// A zip of `files` (name, content): the zipped `/iexec_out` of a worker.
pub(crate) fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in files {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("entry");
        writer.write_all(content).expect("write");
    }
    writer.finish().expect("finish").into_inner()
}

/// A result whose output is `result.txt` = `text`: its zip and digest.
pub(crate) fn result(text: &str) -> (Vec<u8>, B256) {
    let zip = zip_of(&[
        (
            "computed.json",
            br#"{"deterministic-output-path":"/iexec_out/result.txt"}"#,
        ),
        ("result.txt", text.as_bytes()),
    ]);
    (zip, poco_types::sha256(text.as_bytes()))
}

/// The JSON text of an error body's `error`.
pub(crate) fn error_of(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_else(|| body.to_owned())
}

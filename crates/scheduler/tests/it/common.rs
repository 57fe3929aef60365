//! The harness: a dev chain with the protocol deployed, an app and a workerpool, funded
//! accounts, a scheduler for the pool (with the result storage stubbed), and helpers to match a
//! deal, move the chain's clock and read tasks.
//! Accounts: 0 admin, 1 requester, 2 app owner, 3 pool owner, 4.. workers.

use alloy_primitives::{Address, B256, U256};
use alloy_signer_local::PrivateKeySigner;
use poco_chain::{ChainConfig, Node};
use poco_client::chains::ChainConf;
use poco_contracts::{
    AppRegistry, DeployOptions, PocoHub, PocoTypes, RLC, WorkerpoolRegistry,
    alloy::providers::{DynProvider, Provider, ProviderBuilder},
    convert::no_dataset_order,
    dev,
};
use poco_scheduler::{CheckOutcome, ResultCheck, Scheduler, SchedulerConfig, results::CheckFuture};
use poco_types::{
    AppOrder, RequestOrder, SignedAppOrder, SignedRequestOrder, SignedWorkerpoolOrder, TaskStatus,
    WorkerpoolOrder, domain,
};
use serde_json::Value;
use std::{
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

pub(crate) const CHAIN_ID: u64 = 31337;
pub(crate) const REQUESTER: usize = 1;
pub(crate) const APP_OWNER: usize = 2;
pub(crate) const POOL_OWNER: usize = 3;
/// The first worker's account.
pub(crate) const WORKER: usize = 4;
/// The pool's price per task (nRLC); the worker stake is 30% of it.
pub(crate) const POOL_PRICE: u64 = 100;
/// Category 0's reference time (s).
pub(crate) const TIMEREF: u64 = 300;

/// Accepts every well-formed result link (the result storage is another crate's).
#[derive(Debug, Default)]
pub(crate) struct StubCheck {
    /// The links checked, in order.
    pub(crate) seen: Mutex<Vec<(B256, String)>>,
    /// How many checks to refuse first (as if the storage did not hold them).
    pub(crate) refuse: std::sync::atomic::AtomicUsize,
}

impl ResultCheck for StubCheck {
    fn check<'a>(&'a self, task_id: B256, link: &'a str) -> CheckFuture<'a> {
        Box::pin(async move {
            self.seen
                .lock()
                .expect("not poisoned")
                .push((task_id, link.to_owned()));
            let refuse = &self.refuse;
            if refuse
                .fetch_update(
                    std::sync::atomic::Ordering::SeqCst,
                    std::sync::atomic::Ordering::SeqCst,
                    |n| n.checked_sub(1),
                )
                .is_ok()
            {
                return CheckOutcome::Refused("the stub refuses it".into());
            }
            match poco_scheduler::results::parse_link(link) {
                Ok(_) => CheckOutcome::Stored,
                Err(why) => CheckOutcome::Refused(why),
            }
        })
    }
}

pub(crate) struct Env {
    pub(crate) node: Node,
    pub(crate) signers: Vec<PrivateKeySigner>,
    pub(crate) chain: ChainConf,
    pub(crate) app: Address,
    pub(crate) pool: Address,
    pub(crate) config: SchedulerConfig,
    pub(crate) checks: Arc<StubCheck>,
    pub(crate) scheduler: Option<Scheduler>,
    pub(crate) http: reqwest::Client,
}

impl Env {
    /// A chain, the app, the pool, deposits, and a running scheduler.
    pub(crate) async fn start() -> Self {
        Self::start_with(|c| c).await
    }

    /// [`Env::start`] with the scheduler's config tuned.
    pub(crate) async fn start_with(tune: impl FnOnce(SchedulerConfig) -> SchedulerConfig) -> Self {
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
        let mut env = Self {
            node,
            signers,
            chain: chain.clone(),
            app: Address::ZERO,
            pool: Address::ZERO,
            config: SchedulerConfig::test(),
            checks: Arc::new(StubCheck::default()),
            scheduler: None,
            http: reqwest::Client::new(),
        };
        env.app = env.create_app(APP_OWNER, "app").await;
        env.pool = env.create_workerpool(POOL_OWNER, "pool").await;
        env.deposit(REQUESTER, 1_000_000).await;
        env.deposit(POOL_OWNER, 1_000_000).await;
        for worker in WORKER..env.signers.len() {
            env.deposit(worker, 1_000).await;
        }
        let mut config = SchedulerConfig::test();
        if let Some(url) = postgres_database().await {
            config = config.with_database_url(url);
        }
        env.config = tune(
            config
                .with_chain(chain)
                .with_wallet(env.signers[POOL_OWNER].clone())
                .with_workerpool(env.pool)
                .with_result_check(env.checks.clone()),
        );
        env.start_scheduler().await;
        env
    }

    /// Starts the scheduler on its database.
    pub(crate) async fn start_scheduler(&mut self) {
        assert!(self.scheduler.is_none(), "the scheduler runs already");
        self.scheduler = Some(
            Scheduler::start(self.config.clone())
                .await
                .expect("scheduler starts"),
        );
    }

    /// The running scheduler.
    pub(crate) fn scheduler(&self) -> &Scheduler {
        self.scheduler.as_ref().expect("the scheduler runs")
    }

    /// The scheduler's URL.
    pub(crate) fn url(&self) -> String {
        self.scheduler().url()
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

    /// GET `path` on the scheduler: (status, JSON or text as a JSON string).
    pub(crate) async fn get(&self, path: &str) -> (u16, Value) {
        let reply = self
            .http
            .get(format!("{}{path}", self.url()))
            .send()
            .await
            .expect("sent");
        read(reply).await
    }

    /// Registers an app owned by dev account `owner`.
    async fn create_app(&self, owner: usize, name: &str) -> Address {
        let owner = self.address(owner);
        let apps = AppRegistry::new(dev::APP_REGISTRY, self.provider());
        let multiaddr =
            alloy_primitives::Bytes::from(format!("registry.local/{name}:1").into_bytes());
        let checksum = alloy_primitives::keccak256(name.as_bytes());
        let args = (name.to_owned(), "DOCKER".to_owned(), multiaddr, checksum);
        let address = apps
            .predictApp(
                owner,
                args.0.clone(),
                args.1.clone(),
                args.2.clone(),
                checksum,
                Default::default(),
            )
            .call()
            .await
            .expect("predictApp");
        apps.createApp(owner, args.0, args.1, args.2, args.3, Default::default())
            .from(owner)
            .send()
            .await
            .expect("createApp")
            .get_receipt()
            .await
            .expect("mined");
        address
    }

    /// Registers a workerpool owned by dev account `owner`.
    async fn create_workerpool(&self, owner: usize, description: &str) -> Address {
        let owner = self.address(owner);
        let pools = WorkerpoolRegistry::new(dev::WORKERPOOL_REGISTRY, self.provider());
        let address = pools
            .predictWorkerpool(owner, description.to_owned())
            .call()
            .await
            .expect("predictWorkerpool");
        pools
            .createWorkerpool(owner, description.to_owned())
            .from(owner)
            .send()
            .await
            .expect("createWorkerpool")
            .get_receipt()
            .await
            .expect("mined");
        address
    }

    /// Deposits `amount` nRLC of dev account `who` into its hub account.
    pub(crate) async fn deposit(&self, who: usize, amount: u64) {
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

    /// Matches a deal of `volume` tasks at `trust` on the pool (category 0); returns its id.
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
        receipt
            .logs()
            .iter()
            .find_map(|log| log.log_decode::<PocoHub::OrdersMatched>().ok())
            .expect("OrdersMatched")
            .inner
            .data
            .dealid
    }

    /// Task `idx` of `deal`.
    pub(crate) fn task_id(deal: B256, idx: u64) -> B256 {
        poco_types::task_id(deal, U256::from(idx))
    }

    /// The task on-chain.
    pub(crate) async fn view_task(&self, task: B256) -> PocoTypes::Task {
        self.hub().viewTask(task).call().await.expect("viewTask")
    }

    /// Waits until the task's on-chain status is `status`.
    pub(crate) async fn wait_chain_status(&self, task: B256, status: TaskStatus) {
        eventually(&format!("task {task} {status:?} on-chain"), || async {
            self.view_task(task).await.status == status as u8
        })
        .await;
    }

    /// Waits until the scheduler shows the task in `status`.
    pub(crate) async fn wait_status(&self, task: B256, status: &str) -> Value {
        let mut last = Value::Null;
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            let (code, view) = self.get(&format!("/tasks/{task}")).await;
            if code == 200 && view["currentStatus"] == status {
                return view;
            }
            last = view;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("task {task} never became {status}: {last}");
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

    /// The hub account `(stake, locked)` of `who`.
    pub(crate) async fn account(&self, who: Address) -> (U256, U256) {
        let a = self
            .hub()
            .viewAccount(who)
            .call()
            .await
            .expect("viewAccount");
        (a.stake, a.locked)
    }

    /// Stops the scheduler cleanly.
    pub(crate) async fn stop_scheduler(&mut self) {
        if let Some(scheduler) = self.scheduler.take() {
            scheduler.stop().await.expect("the scheduler stops cleanly");
        }
    }
}

/// Reads a reply: its JSON, or its text as a JSON string.
pub(crate) async fn read(reply: reqwest::Response) -> (u16, Value) {
    let status = reply.status().as_u16();
    let text = reply.text().await.expect("a body");
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, json)
}

/// Waits (30 s at most) until `check` holds.
pub(crate) async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// With `POCO_SCHEDULER_TEST_POSTGRES=postgres://user@host:port` set, a fresh database on that
/// server for one test (the tests then run on PostgreSQL instead of SQLite).
async fn postgres_database() -> Option<String> {
    let base = std::env::var("POCO_SCHEDULER_TEST_POSTGRES").ok()?;
    let base = base.trim_end_matches('/');
    let admin = sqlx::PgPool::connect(&format!("{base}/postgres"))
        .await
        .expect("the test PostgreSQL server answers");
    let name = format!(
        "scheduler_test_{}",
        alloy_primitives::hex::encode(&B256::random()[..8])
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("a test database can be created");
    admin.close().await;
    Some(format!("{base}/{name}"))
}

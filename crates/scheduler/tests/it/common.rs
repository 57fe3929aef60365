//! The harness: a dev chain with the protocol deployed, an app and a workerpool, funded
//! accounts, a scheduler for the pool (with the result storage stubbed), and helpers to match a
//! deal, move the chain's clock and read tasks.
//! Accounts: 0 admin, 1 requester, 2 app owner, 3 pool owner, 4.. workers.

use alloy_primitives::{Address, B256, U256};
use poco_client::chains::ChainConf;
use poco_scheduler::{CheckOutcome, ResultCheck, Scheduler, SchedulerConfig, results::CheckFuture};
use poco_testkit::{DealSpec, DevChain, postgres_database};
use poco_types::TaskStatus;
use serde_json::Value;
use std::{
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

pub(crate) use poco_testkit::{APP_OWNER, CHAIN_ID, POOL_OWNER, REQUESTER, TIMEREF, WORKER};
/// The pool's price per task (nRLC); the worker stake is 30% of it.
pub(crate) const POOL_PRICE: u64 = 100;

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
    pub(crate) dev: DevChain,
    pub(crate) chain: ChainConf,
    pub(crate) app: Address,
    pub(crate) pool: Address,
    pub(crate) config: SchedulerConfig,
    pub(crate) checks: Arc<StubCheck>,
    pub(crate) scheduler: Option<Scheduler>,
    pub(crate) http: reqwest::Client,
}

impl std::ops::Deref for Env {
    type Target = DevChain;

    fn deref(&self) -> &DevChain {
        &self.dev
    }
}

impl Env {
    /// A chain, the app, the pool, deposits, and a running scheduler.
    pub(crate) async fn start() -> Self {
        Self::start_with(|c| c).await
    }

    /// [`Env::start`] with the scheduler's config tuned.
    pub(crate) async fn start_with(tune: impl FnOnce(SchedulerConfig) -> SchedulerConfig) -> Self {
        let dev = DevChain::start().await;
        let chain = dev.chain_conf();
        let mut env = Self {
            dev,
            chain: chain.clone(),
            app: Address::ZERO,
            pool: Address::ZERO,
            config: SchedulerConfig::test(),
            checks: Arc::new(StubCheck::default()),
            scheduler: None,
            http: reqwest::Client::new(),
        };
        env.app = env
            .create_app(
                APP_OWNER,
                "app",
                "registry.local/app:1",
                alloy_primitives::keccak256("app"),
            )
            .await;
        env.pool = env.create_workerpool(POOL_OWNER, "pool").await;
        env.deposit(REQUESTER, 1_000_000).await;
        env.deposit(POOL_OWNER, 1_000_000).await;
        for worker in WORKER..env.signers().len() {
            env.deposit(worker, 1_000).await;
        }
        let mut config = SchedulerConfig::test();
        if let Some(url) = postgres_database("POCO_SCHEDULER_TEST_POSTGRES", "scheduler_test").await
        {
            config = config.with_database_url(url);
        }
        env.config = tune(
            config
                .with_chain(chain)
                .with_wallet(env.signers()[POOL_OWNER].clone())
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

    /// Matches a deal of `volume` tasks at `trust` on the pool (category 0); returns its id.
    pub(crate) async fn deal(&self, trust: u64, volume: u64) -> B256 {
        self.match_deal(&DealSpec {
            app: self.app,
            app_price: 3,
            pool: self.pool,
            pool_price: POOL_PRICE,
            trust,
            volume,
            params: "{\"iexec_args\":\"hello\"}".to_owned(),
        })
        .await
    }

    /// Task `idx` of `deal`.
    pub(crate) fn task_id(deal: B256, idx: u64) -> B256 {
        poco_types::task_id(deal, U256::from(idx))
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

//! The driver tests' harness: a dev chain with the protocol deployed, the demo app registered
//! with its image Id as checksum, a workerpool, funded accounts, the stub scheduler and result
//! storage, and helpers to match and initialize a deal and start workers.
//! Accounts: 0 admin, 1 requester, 2 app owner, 3 pool owner, 4.. workers.

use crate::{common, stub::Stub};
use alloy_primitives::{Address, B256};
use poco_client::chains::ChainConf;
use poco_testkit::{DealSpec, DevChain};
use poco_worker::{Engine, EngineChoice, Worker, WorkerConfig};
use std::{sync::Arc, time::Duration};

pub(crate) use poco_testkit::{APP_OWNER, POOL_OWNER, REQUESTER, WORKER};
/// The pool's price per task (nRLC); the worker stake is 30% of it.
pub(crate) const POOL_PRICE: u64 = 100;

/// One driver test's world.
pub(crate) struct Env {
    pub(crate) dev: DevChain,
    pub(crate) chain: ChainConf,
    pub(crate) engine: Arc<Engine>,
    pub(crate) engine_url: String,
    pub(crate) image_id: String,
    pub(crate) pool: Address,
    pub(crate) stub: Stub,
}

/// Driver tests share the machine's two cores and one engine: one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl std::ops::Deref for Env {
    type Target = DevChain;

    fn deref(&self) -> &DevChain {
        &self.dev
    }
}

impl Env {
    /// The world, or None when there is no engine (the test then passes as skipped). The guard
    /// keeps other driver tests waiting.
    pub(crate) async fn start() -> Option<(Self, tokio::sync::MutexGuard<'static, ()>)> {
        let engine = common::engine().await?;
        let guard = SERIAL.lock().await;
        let engine_url = std::env::var("POCO_TEST_DOCKER_HOST").expect("checked by engine()");
        let image_id = common::demo_image(&engine).await;
        let dev = DevChain::start().await;
        let chain = dev.chain_conf();
        let pool = dev.create_workerpool(POOL_OWNER, "pool").await;
        let stub = Stub::start(
            &dev.node().http_url(),
            dev.signers()[POOL_OWNER].clone(),
            pool,
        )
        .await;
        let env = Self {
            dev,
            chain,
            engine,
            engine_url,
            image_id,
            pool,
            stub,
        };
        env.deposit(REQUESTER, 1_000_000).await;
        env.deposit(POOL_OWNER, 1_000_000).await;
        for worker in WORKER..WORKER + 3 {
            env.deposit(worker, 1_000).await;
        }
        Some((env, guard))
    }

    /// The config of worker `i` (dev account `WORKER + i`), on the stub scheduler.
    pub(crate) fn worker_config(&self, i: usize) -> WorkerConfig {
        WorkerConfig::test()
            .with_chain(self.chain.clone())
            .with_wallet(self.signers()[WORKER + i].clone())
            .with_scheduler_url(self.stub.scheduler_url.clone())
            .with_engine(EngineChoice::Url(self.engine_url.clone()))
            .with_cpus_per_task(0.5)
            .with_long_poll(Duration::from_millis(500))
    }

    /// Starts a worker.
    pub(crate) async fn start_worker(&self, config: WorkerConfig) -> Worker {
        Worker::start(config).await.expect("the worker starts")
    }

    /// Registers an app of the demo image with `checksum` (the image Id when None).
    pub(crate) async fn create_app(&self, checksum: Option<B256>) -> Address {
        let name = format!("demo-{}", &B256::random().to_string()[2..10]);
        let checksum = checksum
            .unwrap_or_else(|| format!("0x{}", self.image_id).parse().expect("an image Id"));
        self.dev
            .create_app(APP_OWNER, &name, poco_demo_app::REFERENCE, checksum)
            .await
    }
}

impl Env {
    /// Matches a one-task deal of `app` at `trust` with `args`, initializes its task and
    /// returns the task id.
    pub(crate) async fn task(&self, app: Address, trust: u64, args: &str) -> B256 {
        let params = serde_json::json!({ "iexec_args": args }).to_string();
        self.task_with_params(app, trust, &params).await
    }

    /// [`Env::task`] with the deal's `params` as given.
    pub(crate) async fn task_with_params(&self, app: Address, trust: u64, params: &str) -> B256 {
        let deal = self
            .match_deal(&DealSpec {
                app,
                app_price: 3,
                pool: self.pool,
                pool_price: POOL_PRICE,
                trust,
                volume: 1,
                params: params.to_owned(),
            })
            .await;
        self.initialize(deal, 0).await
    }

    /// The stored zip of the task's result (by the link finalized on-chain).
    pub(crate) async fn result_zip(&self, task: B256) -> Vec<u8> {
        let view = self.view_task(task).await;
        let link = poco_types::results::ResultLink::parse(&view.results).expect("a result link");
        let cid = link.cid().expect("a CID").to_string();
        self.stub
            .blobs
            .lock()
            .expect("not poisoned")
            .get(&cid)
            .cloned()
            .expect("the zip is stored")
    }
}

/// The content of `name` in `zip`.
pub(crate) fn zip_entry(zip: &[u8], name: &str) -> Option<String> {
    use std::io::Read as _;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a zip");
    let mut entry = archive.by_name(name).ok()?;
    let mut text = String::new();
    entry.read_to_string(&mut text).expect("text");
    Some(text)
}

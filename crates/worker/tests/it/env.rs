//! The driver tests' harness: a dev chain with the protocol deployed, the demo app registered
//! with its image Id as checksum, a workerpool, funded accounts, the stub scheduler and result
//! storage, and helpers to match and initialize a deal and start workers.
//! Accounts: 0 admin, 1 requester, 2 app owner, 3 pool owner, 4.. workers.

use crate::{common, stub::Stub};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_signer_local::PrivateKeySigner;
use poco_chain::{ChainConfig, Node};
use poco_client::chains::ChainConf;
use poco_contracts::{
    AppRegistry, DeployOptions, PocoHub, PocoTypes, RLC, WorkerpoolRegistry,
    alloy::providers::{DynProvider, Provider as _, ProviderBuilder},
    convert::no_dataset_order,
    dev,
};
use poco_types::{
    AppOrder, RequestOrder, SignedAppOrder, SignedRequestOrder, SignedWorkerpoolOrder,
    WorkerpoolOrder, domain,
};
use poco_worker::{Engine, EngineChoice, Worker, WorkerConfig};
use std::{sync::Arc, time::Duration};

pub(crate) const REQUESTER: usize = 1;
pub(crate) const APP_OWNER: usize = 2;
pub(crate) const POOL_OWNER: usize = 3;
pub(crate) const WORKER: usize = 4;
/// The pool's price per task (nRLC); the worker stake is 30% of it.
pub(crate) const POOL_PRICE: u64 = 100;

/// One driver test's world.
pub(crate) struct Env {
    pub(crate) node: Node,
    pub(crate) signers: Vec<PrivateKeySigner>,
    pub(crate) chain: ChainConf,
    pub(crate) engine: Arc<Engine>,
    pub(crate) engine_url: String,
    pub(crate) image_id: String,
    pub(crate) pool: Address,
    pub(crate) stub: Stub,
}

/// Driver tests share the machine's two cores and one engine: one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl Env {
    /// The world, or None when there is no engine (the test then passes as skipped). The guard
    /// keeps other driver tests waiting.
    pub(crate) async fn start() -> Option<(Self, tokio::sync::MutexGuard<'static, ()>)> {
        let engine = common::engine().await?;
        let guard = SERIAL.lock().await;
        let engine_url = std::env::var("POCO_TEST_DOCKER_HOST").expect("checked by engine()");
        let image_id = common::demo_image(&engine).await;
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
            id: 31337,
            hub: Some(dev::HUB),
            ..ChainConf::dev()
        };
        let provider = ProviderBuilder::new()
            .connect_http(node.http_url().parse().expect("URL"))
            .erased();
        let pool = create_workerpool(&provider, signers[POOL_OWNER].address()).await;
        let stub = Stub::start(&node.http_url(), signers[POOL_OWNER].clone(), pool).await;
        let env = Self {
            node,
            signers,
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

    /// The config of worker `i` (dev account `WORKER + i`), on the stub scheduler.
    pub(crate) fn worker_config(&self, i: usize) -> WorkerConfig {
        WorkerConfig::test()
            .with_chain(self.chain.clone())
            .with_wallet(self.signers[WORKER + i].clone())
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
        let owner = self.address(APP_OWNER);
        let apps = AppRegistry::new(dev::APP_REGISTRY, self.provider());
        let name = format!("demo-{}", &B256::random().to_string()[2..10]);
        let multiaddr = Bytes::from(poco_demo_app::REFERENCE.as_bytes().to_vec());
        let checksum = checksum
            .unwrap_or_else(|| format!("0x{}", self.image_id).parse().expect("an image Id"));
        let args = (
            name.clone(),
            "DOCKER".to_owned(),
            multiaddr.clone(),
            checksum,
        );
        let address = apps
            .predictApp(
                owner,
                name,
                args.1.clone(),
                multiaddr,
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
}

/// Registers a workerpool of `owner`.
async fn create_workerpool(provider: &DynProvider, owner: Address) -> Address {
    let pools = WorkerpoolRegistry::new(dev::WORKERPOOL_REGISTRY, provider.clone());
    let address = pools
        .predictWorkerpool(owner, "pool".to_owned())
        .call()
        .await
        .expect("predictWorkerpool");
    pools
        .createWorkerpool(owner, "pool".to_owned())
        .from(owner)
        .send()
        .await
        .expect("createWorkerpool")
        .get_receipt()
        .await
        .expect("mined");
    address
}

impl Env {
    /// Deposits `amount` nRLC of dev account `who`.
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

    /// Matches a one-task deal of `app` at `trust` with `args`, initializes its task and
    /// returns the task id.
    pub(crate) async fn task(&self, app: Address, trust: u64, args: &str) -> B256 {
        let params = serde_json::json!({ "iexec_args": args }).to_string();
        self.task_with_params(app, trust, &params).await
    }

    /// [`Env::task`] with the deal's `params` as given.
    pub(crate) async fn task_with_params(&self, app: Address, trust: u64, params: &str) -> B256 {
        let domain = domain(31337, dev::HUB);
        let one = U256::from(1);
        let app_order = SignedAppOrder::sign(
            AppOrder {
                app,
                appprice: U256::from(3),
                volume: one,
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
                volume: one,
                trust: U256::from(trust),
                salt: B256::random(),
                ..Default::default()
            },
            &domain,
            &self.signers[POOL_OWNER],
        )
        .expect("signs");
        let params = params.to_owned();
        let request = SignedRequestOrder::sign(
            RequestOrder {
                app,
                appmaxprice: U256::from(3),
                workerpool: self.pool,
                workerpoolmaxprice: U256::from(POOL_PRICE),
                requester: self.address(REQUESTER),
                volume: one,
                trust: U256::from(trust),
                beneficiary: self.address(REQUESTER),
                params,
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
        let deal = receipt
            .logs()
            .iter()
            .find_map(|log| log.log_decode::<PocoHub::OrdersMatched>().ok())
            .expect("OrdersMatched")
            .inner
            .data
            .dealid;
        self.hub()
            .initialize(deal, U256::ZERO)
            .from(self.address(POOL_OWNER))
            .send()
            .await
            .expect("initialize")
            .get_receipt()
            .await
            .expect("mined");
        poco_types::task_id(deal, U256::ZERO)
    }

    /// The task on-chain.
    pub(crate) async fn view_task(&self, task: B256) -> PocoTypes::Task {
        self.hub().viewTask(task).call().await.expect("viewTask")
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

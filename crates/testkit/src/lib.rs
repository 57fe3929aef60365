//! Test support shared by the services' integration tests: a [`DevChain`] (an in-process
//! `poco chain` with the protocol deployed and RLC minted to every dev account), the protocol
//! steps tests set up with (deposits, registered apps and workerpools, matched deals, time
//! moved), and [`postgres_database`] for the PostgreSQL passes. Everything panics on failure:
//! it is for tests only. Accounts follow one convention: 0 admin, 1 requester, 2 app owner,
//! 3 pool owner, 4.. workers.

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

/// The dev chain's id.
pub const CHAIN_ID: u64 = 31337;
/// The requester's dev account.
pub const REQUESTER: usize = 1;
/// The app owner's dev account.
pub const APP_OWNER: usize = 2;
/// The pool owner's dev account.
pub const POOL_OWNER: usize = 3;
/// The first worker's dev account.
pub const WORKER: usize = 4;
/// Category 0's reference time (s).
pub const TIMEREF: u64 = 300;

/// A running dev chain with the protocol deployed.
#[derive(Debug)]
pub struct DevChain {
    node: Node,
    signers: Vec<PrivateKeySigner>,
}

/// What a matched deal is made of: the app and pool orders of their owners at these prices,
/// and the requester's request for `volume` tasks at `trust` with `params`.
#[derive(Clone, Debug)]
pub struct DealSpec {
    /// The app, owned by [`APP_OWNER`].
    pub app: Address,
    /// The app's price per task.
    pub app_price: u64,
    /// The workerpool, owned by [`POOL_OWNER`].
    pub pool: Address,
    /// The pool's price per task.
    pub pool_price: u64,
    /// The trust level.
    pub trust: u64,
    /// How many tasks.
    pub volume: u64,
    /// The request's params.
    pub params: String,
}

impl DevChain {
    /// Starts a chain on a free port and deploys the protocol.
    pub async fn start() -> Self {
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
        Self { node, signers }
    }

    /// The node.
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// The dev accounts' keys.
    pub fn signers(&self) -> &[PrivateKeySigner] {
        &self.signers
    }

    /// Dev account `i`'s address.
    pub fn address(&self, i: usize) -> Address {
        self.signers[i].address()
    }

    /// The chain as a client sees it: the dev chain's entry at this node's URL.
    pub fn chain_conf(&self) -> ChainConf {
        ChainConf {
            name: "test".into(),
            host: self.node.http_url(),
            id: CHAIN_ID,
            hub: Some(dev::HUB),
            ..ChainConf::dev()
        }
    }

    /// A provider whose transactions the node signs for its dev accounts (`.from(...)`).
    pub fn provider(&self) -> DynProvider {
        ProviderBuilder::new()
            .connect_http(self.node.http_url().parse().expect("URL"))
            .erased()
    }

    /// The hub's bindings on [`DevChain::provider`].
    pub fn hub(&self) -> PocoHub::PocoHubInstance<DynProvider> {
        PocoHub::new(dev::HUB, self.provider())
    }

    /// Approves and deposits `amount` nRLC of dev account `who` into its hub account.
    pub async fn deposit(&self, who: usize, amount: u64) {
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

    /// Registers the DOCKER app `name` of dev account `owner` at `multiaddr` with `checksum`.
    pub async fn create_app(
        &self,
        owner: usize,
        name: &str,
        multiaddr: &str,
        checksum: B256,
    ) -> Address {
        let owner = self.address(owner);
        let apps = AppRegistry::new(dev::APP_REGISTRY, self.provider());
        let multiaddr = Bytes::from(multiaddr.as_bytes().to_vec());
        let address = apps
            .predictApp(
                owner,
                name.to_owned(),
                "DOCKER".to_owned(),
                multiaddr.clone(),
                checksum,
                Bytes::new(),
            )
            .call()
            .await
            .expect("predictApp");
        apps.createApp(
            owner,
            name.to_owned(),
            "DOCKER".to_owned(),
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

    /// Registers the workerpool `description` of dev account `owner`.
    pub async fn create_workerpool(&self, owner: usize, description: &str) -> Address {
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

    /// Signs the three orders of `spec` (category 0, no dataset) and matches them as the
    /// requester; returns the deal id.
    pub async fn match_deal(&self, spec: &DealSpec) -> B256 {
        let domain = domain(CHAIN_ID, dev::HUB);
        let volume = U256::from(spec.volume);
        let trust = U256::from(spec.trust);
        let app_order = SignedAppOrder::sign(
            AppOrder {
                app: spec.app,
                appprice: U256::from(spec.app_price),
                volume,
                salt: B256::random(),
                ..Default::default()
            },
            &domain,
            &self.signers[APP_OWNER],
        )
        .expect("signs");
        let pool_order = SignedWorkerpoolOrder::sign(
            WorkerpoolOrder {
                workerpool: spec.pool,
                workerpoolprice: U256::from(spec.pool_price),
                volume,
                trust,
                salt: B256::random(),
                ..Default::default()
            },
            &domain,
            &self.signers[POOL_OWNER],
        )
        .expect("signs");
        let request = SignedRequestOrder::sign(
            RequestOrder {
                app: spec.app,
                appmaxprice: U256::from(spec.app_price),
                workerpool: spec.pool,
                workerpoolmaxprice: U256::from(spec.pool_price),
                requester: self.address(REQUESTER),
                volume,
                trust,
                beneficiary: self.address(REQUESTER),
                params: spec.params.clone(),
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

    /// `initialize(deal, idx)` as the pool owner; the task id.
    pub async fn initialize(&self, deal: B256, idx: u64) -> B256 {
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

    /// The task on-chain.
    pub async fn view_task(&self, task: B256) -> PocoTypes::Task {
        self.hub().viewTask(task).call().await.expect("viewTask")
    }

    /// Moves the chain's clock `seconds` ahead and mines a block.
    pub async fn increase_time(&self, seconds: u64) {
        let provider = self.provider();
        let _: serde_json::Value = provider
            .raw_request("evm_increaseTime".into(), [seconds])
            .await
            .expect("evm_increaseTime");
        let _: serde_json::Value = provider
            .raw_request("evm_mine".into(), ())
            .await
            .expect("evm_mine");
    }
}

/// With `var` (`postgres://user@host:port`) set, a fresh database named `<prefix>_<random>` on
/// that server for one test; `None` without it (the test then uses SQLite).
pub async fn postgres_database(var: &str, prefix: &str) -> Option<String> {
    let base = std::env::var(var).ok()?;
    let base = base.trim_end_matches('/');
    let admin = sqlx::PgPool::connect(&format!("{base}/postgres"))
        .await
        .expect("the test PostgreSQL server answers");
    let name = format!(
        "{prefix}_{}",
        alloy_primitives::hex::encode(&B256::random()[..8])
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("a test database can be created");
    admin.close().await;
    Some(format!("{base}/{name}"))
}

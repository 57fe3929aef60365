//! Shared fixture for protocol tests: a deployed protocol on an in-process poco chain, funded
//! parties, assets, signed orders, and helpers to drive tasks.
//!
//! ```ignore
//! let p = Protocol::start().await; // deployed; app, dataset, pool created; deposits made
//! let before = p.snapshot().await; // every party's (stake, locked), the kitty's too
//! let (deal, _receipt) = p.match_orders(&p.orders().with_trust(1)).await.expect("matches");
//! let task = p.initialize(deal, 0).await.expect("initialized");
//! p.contribute_and_finalize(p.worker(0), task, p.fresh_b256(), b"ipfs://r", b"")
//!     .await
//!     .expect("finalized");
//! // Exact (stake, locked) deltas in nRLC; every party not listed must not have moved.
//! before
//!     .assert_deltas(&p, &[(p.requester(), -12_000_000_000, 0), /* ... */])
//!     .await;
//! ```
//!
//! Every transaction helper returns [`Tx`]: the receipt, or the revert reason decoded by
//! [`describe_revert`] (`"iExecV5-matchOrders-0x03"`, `"InsufficientStake(...)"`), so rejection
//! tests assert on the reason. Transactions are sent through a provider that holds every dev
//! key; [`Protocol::send`] sends any other hub/registry call the same way.

use crate::common::{dev_addresses, dev_signers};
use poco_chain::{ChainConfig, Node};
use poco_contracts::{
    AppRegistry, DatasetRegistry, DeployOptions, Deployment, PocoHub, PocoTypes, RLC,
    WorkerpoolRegistry,
    alloy::{
        contract::SolCallBuilder,
        network::EthereumWallet,
        primitives::{Address, B256, Bytes, U256, keccak256},
        providers::{DynProvider, Provider, ProviderBuilder},
        rpc::types::TransactionReceipt,
        signers::local::PrivateKeySigner,
        sol_types::{Eip712Domain, SolCall},
    },
    convert::no_dataset_order,
    describe_revert,
};
use poco_types::{
    AppOrder, DatasetOrder, RequestOrder, SignedAppOrder, SignedDatasetOrder, SignedRequestOrder,
    SignedWorkerpoolOrder, WorkerpoolAuthorization, WorkerpoolOrder, constants::KITTY_ADDRESS,
    contribution::sign_enclave, deal_id, result_hash, result_seal, task_id,
};
use std::sync::atomic::{AtomicU64, Ordering};

/// A transaction's outcome: its receipt, or why it reverted (the decoded reason).
pub type Tx = Result<TransactionReceipt, String>;

/// 1 RLC in nRLC.
pub const RLC_UNIT: u64 = 1_000_000_000;
/// Default app price of [`Protocol::orders`]: 2 RLC.
pub const APP_PRICE: u64 = 2 * RLC_UNIT;
/// Default dataset price of [`Protocol::dataset_order`]: 1 RLC.
pub const DATASET_PRICE: u64 = RLC_UNIT;
/// Default workerpool price of [`Protocol::orders`]: 10 RLC.
pub const POOL_PRICE: u64 = 10 * RLC_UNIT;
/// What [`Protocol::start`] deposits for the requester, the pool owner and each worker: 1,000 RLC.
pub const DEPOSIT: u64 = 1_000 * RLC_UNIT;

/// `n` as a `U256`.
pub fn u(n: u64) -> U256 {
    U256::from(n)
}

/// The four orders of a match, unsigned; tests tweak the public fields, then
/// [`Protocol::match_orders`] signs them with the default owners.
#[derive(Clone, Debug)]
pub struct Orders {
    /// The app order (app owner).
    pub app: AppOrder,
    /// The dataset order (dataset owner), `None` for a deal without dataset.
    pub dataset: Option<DatasetOrder>,
    /// The workerpool order (pool owner).
    pub pool: WorkerpoolOrder,
    /// The request order (requester).
    pub request: RequestOrder,
}

impl Orders {
    /// Sets the trust of both the workerpool order and the request.
    pub fn with_trust(mut self, trust: u64) -> Self {
        self.pool.trust = u(trust);
        self.request.trust = u(trust);
        self
    }

    /// Sets the volume of every order.
    pub fn with_volume(mut self, volume: u64) -> Self {
        self.app.volume = u(volume);
        if let Some(dataset) = &mut self.dataset {
            dataset.volume = u(volume);
        }
        self.pool.volume = u(volume);
        self.request.volume = u(volume);
        self
    }

    /// Adds `order` as the dataset order, and asks for it (dataset, max price) in the request.
    pub fn with_dataset(mut self, order: DatasetOrder) -> Self {
        self.request.dataset = order.dataset;
        self.request.datasetmaxprice = order.datasetprice;
        self.dataset = Some(order);
        self
    }
}

/// A deployed protocol on its own in-process chain, with named parties (dev accounts): 0 admin,
/// 1 requester, 2 app owner, 3 dataset owner, 4 pool owner (the scheduler), 5..=9 workers.
pub struct Protocol {
    /// The chain; dropped (stopped) with the fixture.
    pub node: Node,
    /// Signs for every dev account: pick the sender with `.from(address)`.
    pub provider: DynProvider,
    /// The deployed addresses.
    pub deployment: Deployment,
    /// The chain id.
    pub chain_id: u64,
    /// The hub's EIP-712 domain (orders are signed under it).
    pub domain: Eip712Domain,
    /// The hub.
    pub hub: PocoHub::PocoHubInstance<DynProvider>,
    /// The RLC token.
    pub rlc: RLC::RLCInstance<DynProvider>,
    /// The app registry.
    pub apps: AppRegistry::AppRegistryInstance<DynProvider>,
    /// The dataset registry.
    pub datasets: DatasetRegistry::DatasetRegistryInstance<DynProvider>,
    /// The workerpool registry.
    pub pools: WorkerpoolRegistry::WorkerpoolRegistryInstance<DynProvider>,
    /// The ten dev signers, by index.
    pub signers: Vec<PrivateKeySigner>,
    /// The app created by [`Protocol::start`] (owned by the app owner).
    pub app: Address,
    /// The dataset created by [`Protocol::start`] (owned by the dataset owner).
    pub dataset: Address,
    /// The workerpool created by [`Protocol::start`] (owned by the pool owner).
    pub pool: Address,
    /// Makes every salt, asset name and digest of the fixture unique.
    counter: AtomicU64,
}

impl Protocol {
    /// A fresh chain with the protocol deployed by dev account 0 (every dev account gets RLC),
    /// one app, one dataset and one workerpool created by their owners, and [`DEPOSIT`] deposited
    /// for the requester, the pool owner and every worker.
    pub async fn start() -> Self {
        let mut p = Self::deployed().await;
        p.app = p.create_app(p.app_owner()).await;
        p.dataset = p.create_dataset(p.dataset_owner()).await;
        p.pool = p.create_workerpool(p.pool_owner()).await;
        let mut funded = vec![p.requester(), p.pool_owner()];
        funded.extend(p.workers().iter().map(PrivateKeySigner::address));
        for who in funded {
            p.deposit(who, u(DEPOSIT)).await;
        }
        p
    }

    /// A fresh chain with the protocol deployed and RLC minted to the dev accounts, but no
    /// asset and no deposit (`app`, `dataset` and `pool` are zero).
    pub async fn deployed() -> Self {
        let node = Node::start(ChainConfig::test())
            .await
            .expect("poco chain starts");
        let url = node.http_url();
        let signers = dev_signers();
        let deployment = poco_contracts::deploy(
            &url,
            signers[0].clone(),
            &DeployOptions::dev(dev_addresses()),
        )
        .await
        .expect("the protocol deploys");
        let provider = wallet_provider(&url, &signers);
        let chain_id = provider.get_chain_id().await.expect("chain id");
        Self {
            domain: poco_types::domain(chain_id, deployment.hub),
            hub: PocoHub::new(deployment.hub, provider.clone()),
            rlc: RLC::new(deployment.rlc, provider.clone()),
            apps: AppRegistry::new(deployment.app_registry, provider.clone()),
            datasets: DatasetRegistry::new(deployment.dataset_registry, provider.clone()),
            pools: WorkerpoolRegistry::new(deployment.workerpool_registry, provider.clone()),
            node,
            provider,
            deployment,
            chain_id,
            signers,
            app: Address::ZERO,
            dataset: Address::ZERO,
            pool: Address::ZERO,
            counter: AtomicU64::new(1),
        }
    }

    // ---- parties ----

    /// Dev account 0: deployed the protocol, owns the hub.
    pub fn admin(&self) -> Address {
        self.signers[0].address()
    }
    /// Dev account 1: signs request orders.
    pub fn requester(&self) -> Address {
        self.signers[1].address()
    }
    /// Dev account 2: owns [`Protocol::app`], signs app orders.
    pub fn app_owner(&self) -> Address {
        self.signers[2].address()
    }
    /// Dev account 3: owns [`Protocol::dataset`], signs dataset orders.
    pub fn dataset_owner(&self) -> Address {
        self.signers[3].address()
    }
    /// Dev account 4: owns [`Protocol::pool`], signs workerpool orders and authorizations,
    /// finalizes and reopens (the scheduler).
    pub fn pool_owner(&self) -> Address {
        self.signers[4].address()
    }
    /// The workers: dev accounts 5 to 9.
    pub fn workers(&self) -> &[PrivateKeySigner] {
        &self.signers[5..]
    }
    /// Worker `i` (dev account 5 + i).
    pub fn worker(&self, i: usize) -> &PrivateKeySigner {
        &self.workers()[i]
    }
    /// The signer of dev account `who`.
    pub fn signer(&self, who: Address) -> &PrivateKeySigner {
        self.signers
            .iter()
            .find(|s| s.address() == who)
            .expect("a dev account")
    }
    /// Every party with a name, the kitty last: what [`Protocol::snapshot`] records.
    pub fn parties(&self) -> Vec<(String, Address)> {
        let mut parties = vec![
            ("requester".to_owned(), self.requester()),
            ("app owner".to_owned(), self.app_owner()),
            ("dataset owner".to_owned(), self.dataset_owner()),
            ("pool owner".to_owned(), self.pool_owner()),
        ];
        for (i, w) in self.workers().iter().enumerate() {
            parties.push((format!("worker {i}"), w.address()));
        }
        parties.push(("kitty".to_owned(), KITTY_ADDRESS));
        parties
    }

    /// A value never returned before by this fixture (salts, names, digests).
    pub fn fresh(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }
    /// A fresh 32-byte value with every byte random-looking (digests).
    pub fn fresh_b256(&self) -> B256 {
        keccak256(self.fresh().to_be_bytes())
    }
    /// A fresh order salt, random-looking like the salts real clients (the iExec SDK) make:
    /// gas measured with these orders is what users pay (a zero calldata byte costs 4 gas,
    /// others 16, so counter salts would flatter matchOrders by ~1,100 gas).
    pub fn fresh_salt(&self) -> B256 {
        self.fresh_b256()
    }

    // ---- sending ----

    /// Sends `call` (set its sender with `.from(..)`) and waits for the receipt; a revert comes
    /// back as its decoded reason.
    pub async fn send<C: SolCall>(&self, call: SolCallBuilder<&DynProvider, C>) -> Tx {
        let pending = call.send().await.map_err(|e| match e.as_revert_data() {
            Some(data) => describe_revert(&data),
            None => e.to_string(),
        })?;
        let receipt = pending
            .get_receipt()
            .await
            .map_err(|e| format!("no receipt: {e}"))?;
        if receipt.status() {
            Ok(receipt)
        } else {
            Err("reverted on chain".to_owned())
        }
    }

    // ---- money ----

    /// Approves and deposits `amount` nRLC of `who`'s RLC on the hub.
    pub async fn deposit(&self, who: Address, amount: U256) {
        self.send(self.rlc.approve(self.deployment.hub, amount).from(who))
            .await
            .expect("approve");
        self.send(self.hub.deposit(amount).from(who))
            .await
            .expect("deposit");
    }
    /// `(stake, locked)` of `who` on the hub.
    pub async fn account(&self, who: Address) -> (U256, U256) {
        let a = self.hub.viewAccount(who).call().await.expect("viewAccount");
        (a.stake, a.locked)
    }
    /// `who`'s RLC (token) balance.
    pub async fn rlc_balance(&self, who: Address) -> U256 {
        self.rlc.balanceOf(who).call().await.expect("balanceOf")
    }
    /// The kitty: the frozen balance of the kitty address.
    pub async fn kitty(&self) -> U256 {
        self.hub
            .frozenOf(KITTY_ADDRESS)
            .call()
            .await
            .expect("frozenOf")
    }
    /// A worker's score.
    pub async fn score(&self, worker: Address) -> U256 {
        self.hub.viewScore(worker).call().await.expect("viewScore")
    }
    /// Checks the escrow invariant: the hub holds exactly the SRLC in circulation.
    pub async fn assert_escrow_invariant(&self) {
        let supply = self.hub.totalSupply().call().await.expect("totalSupply");
        assert_eq!(self.rlc_balance(self.deployment.hub).await, supply);
    }
    /// Every party's `(stake, locked)` now.
    pub async fn snapshot(&self) -> Snapshot {
        let mut accounts = Vec::new();
        for (name, who) in self.parties() {
            let (stake, locked) = self.account(who).await;
            accounts.push((name, who, stake, locked));
        }
        Snapshot { accounts }
    }

    // ---- assets ----

    /// A new app owned by `owner` (a fresh name, so never a duplicate), at its predicted address.
    pub async fn create_app(&self, owner: Address) -> Address {
        self.create_app_with(owner, Bytes::new()).await
    }
    /// A new app owned by `owner` with this `mrenclave` (TEE fingerprint).
    pub async fn create_app_with(&self, owner: Address, mrenclave: Bytes) -> Address {
        let name = format!("app-{}", self.fresh());
        let image = Bytes::from(format!("registry/{name}:1.0").into_bytes());
        let checksum = keccak256(&image);
        let args = (owner, name, "DOCKER".to_owned(), image, checksum, mrenclave);
        let app = self
            .apps
            .predictApp(
                args.0,
                args.1.clone(),
                args.2.clone(),
                args.3.clone(),
                args.4,
                args.5.clone(),
            )
            .call()
            .await
            .expect("predictApp");
        self.send(
            self.apps
                .createApp(args.0, args.1, args.2, args.3, args.4, args.5)
                .from(owner),
        )
        .await
        .expect("createApp");
        app
    }
    /// A new dataset owned by `owner`.
    pub async fn create_dataset(&self, owner: Address) -> Address {
        let name = format!("dataset-{}", self.fresh());
        let multiaddr = Bytes::from(format!("ipfs://{name}").into_bytes());
        let checksum = keccak256(&multiaddr);
        let dataset = self
            .datasets
            .predictDataset(owner, name.clone(), multiaddr.clone(), checksum)
            .call()
            .await
            .expect("predictDataset");
        self.send(
            self.datasets
                .createDataset(owner, name, multiaddr, checksum)
                .from(owner),
        )
        .await
        .expect("createDataset");
        dataset
    }
    /// A new workerpool owned by `owner` (default policies: worker stake 30%, scheduler 1%).
    pub async fn create_workerpool(&self, owner: Address) -> Address {
        let description = format!("pool-{}", self.fresh());
        let pool = self
            .pools
            .predictWorkerpool(owner, description.clone())
            .call()
            .await
            .expect("predictWorkerpool");
        self.send(self.pools.createWorkerpool(owner, description).from(owner))
            .await
            .expect("createWorkerpool");
        pool
    }

    // ---- orders ----

    /// Default orders for [`Protocol::app`] and [`Protocol::pool`], no dataset: app price
    /// [`APP_PRICE`], pool price [`POOL_PRICE`], volume 1, category 0, trust 1, no tag, no
    /// restriction, the requester as beneficiary, fresh salts.
    pub fn orders(&self) -> Orders {
        Orders {
            app: AppOrder {
                app: self.app,
                appprice: u(APP_PRICE),
                volume: u(1),
                salt: self.fresh_salt(),
                ..Default::default()
            },
            dataset: None,
            pool: WorkerpoolOrder {
                workerpool: self.pool,
                workerpoolprice: u(POOL_PRICE),
                volume: u(1),
                trust: u(1),
                salt: self.fresh_salt(),
                ..Default::default()
            },
            request: RequestOrder {
                app: self.app,
                appmaxprice: u(APP_PRICE),
                workerpoolmaxprice: u(POOL_PRICE),
                requester: self.requester(),
                volume: u(1),
                trust: u(1),
                beneficiary: self.requester(),
                salt: self.fresh_salt(),
                ..Default::default()
            },
        }
    }
    /// A default dataset order for [`Protocol::dataset`]: price [`DATASET_PRICE`], volume 1.
    pub fn dataset_order(&self) -> DatasetOrder {
        DatasetOrder {
            dataset: self.dataset,
            datasetprice: u(DATASET_PRICE),
            volume: u(1),
            salt: self.fresh_salt(),
            ..Default::default()
        }
    }
    /// The hash of a signed or unsigned order under the hub's domain.
    pub fn hash<O: poco_types::Order>(&self, order: &O) -> B256 {
        order.hash(&self.domain)
    }
    /// The four orders signed by their default owners (app owner, dataset owner, pool owner,
    /// requester).
    pub fn sign(
        &self,
        orders: &Orders,
    ) -> (
        SignedAppOrder,
        Option<SignedDatasetOrder>,
        SignedWorkerpoolOrder,
        SignedRequestOrder,
    ) {
        let by = |who: Address| self.signer(who);
        let d = &self.domain;
        (
            SignedAppOrder::sign(orders.app.clone(), d, by(self.app_owner())).expect("signs"),
            orders
                .dataset
                .clone()
                .map(|o| SignedDatasetOrder::sign(o, d, by(self.dataset_owner())).expect("signs")),
            SignedWorkerpoolOrder::sign(orders.pool.clone(), d, by(self.pool_owner()))
                .expect("signs"),
            SignedRequestOrder::sign(orders.request.clone(), d, by(self.requester()))
                .expect("signs"),
        )
    }
    /// Signs `orders` with their default owners and matches them (sent by the requester).
    pub async fn match_orders(
        &self,
        orders: &Orders,
    ) -> Result<(B256, TransactionReceipt), String> {
        let (app, dataset, pool, request) = self.sign(orders);
        self.match_signed(app, dataset, pool, request).await
    }
    /// Matches already signed (or presigned: empty `sign`) orders, sent by the requester; the
    /// deal id is read from `OrdersMatched` and checked against `deal_id(requestHash, consumed)`.
    pub async fn match_signed(
        &self,
        app: SignedAppOrder,
        dataset: Option<SignedDatasetOrder>,
        pool: SignedWorkerpoolOrder,
        request: SignedRequestOrder,
    ) -> Result<(B256, TransactionReceipt), String> {
        let request_hash = request.hash(&self.domain);
        let consumed = self
            .hub
            .viewConsumed(request_hash)
            .call()
            .await
            .expect("viewConsumed");
        let dataset = dataset.map_or_else(no_dataset_order, Into::into);
        let call = self
            .hub
            .matchOrders(app.into(), dataset, pool.into(), request.into())
            .from(self.requester());
        let receipt = self.send(call).await?;
        let matched = receipt
            .logs()
            .iter()
            .find_map(|log| log.log_decode::<PocoHub::OrdersMatched>().ok())
            .expect("OrdersMatched emitted")
            .inner
            .data;
        assert_eq!(matched.dealid, deal_id(request_hash, consumed));
        Ok((matched.dealid, receipt))
    }

    // ---- tasks ----

    /// Initializes task `idx` of `deal` (sent by the pool owner); returns its id.
    pub async fn initialize(&self, deal: B256, idx: u64) -> Result<B256, String> {
        self.send(self.hub.initialize(deal, u(idx)).from(self.pool_owner()))
            .await?;
        Ok(task_id(deal, u(idx)))
    }
    /// The pool owner's authorization for `worker` on `task` (`enclave` zero without TEE).
    pub fn authorize(&self, worker: Address, task: B256, enclave: Address) -> Bytes {
        WorkerpoolAuthorization::sign(self.signer(self.pool_owner()), worker, task, enclave)
            .expect("authorization signed")
            .signature
    }
    /// `worker` contributes `digest` to `task` with the pool owner's authorization, no enclave.
    pub async fn contribute(&self, worker: &PrivateKeySigner, task: B256, digest: B256) -> Tx {
        let w = worker.address();
        let auth = self.authorize(w, task, Address::ZERO);
        let call = self.hub.contribute(
            task,
            result_hash(task, digest),
            result_seal(w, task, digest),
            Address::ZERO,
            Bytes::new(),
            auth,
        );
        self.send(call.from(w)).await
    }
    /// `worker` contributes `digest` to a TEE `task` through `enclave`: the enclave signs the
    /// hash and seal, the pool owner authorizes (worker, task, enclave).
    pub async fn contribute_tee(
        &self,
        worker: &PrivateKeySigner,
        task: B256,
        digest: B256,
        enclave: &PrivateKeySigner,
    ) -> Tx {
        let w = worker.address();
        let (hash, seal) = (result_hash(task, digest), result_seal(w, task, digest));
        let enclave_sign = sign_enclave(enclave, hash, seal).expect("enclave signs");
        let auth = self.authorize(w, task, enclave.address());
        let call = self
            .hub
            .contribute(task, hash, seal, enclave.address(), enclave_sign, auth);
        self.send(call.from(w)).await
    }
    /// `worker` reveals `digest`.
    pub async fn reveal(&self, worker: &PrivateKeySigner, task: B256, digest: B256) -> Tx {
        self.send(self.hub.reveal(task, digest).from(worker.address()))
            .await
    }
    /// The pool owner finalizes `task` with `results` and `callback` data (empty without a
    /// callback).
    pub async fn finalize(&self, task: B256, results: &[u8], callback: &[u8]) -> Tx {
        let call = self.hub.finalize(
            task,
            Bytes::copy_from_slice(results),
            Bytes::copy_from_slice(callback),
        );
        self.send(call.from(self.pool_owner())).await
    }
    /// `worker` runs the trust-1 fast path: contribute, reveal and finalize in one transaction.
    pub async fn contribute_and_finalize(
        &self,
        worker: &PrivateKeySigner,
        task: B256,
        digest: B256,
        results: &[u8],
        callback: &[u8],
    ) -> Tx {
        let w = worker.address();
        let call = self.hub.contributeAndFinalize(
            task,
            digest,
            Bytes::copy_from_slice(results),
            Bytes::copy_from_slice(callback),
            Address::ZERO,
            Bytes::new(),
            self.authorize(w, task, Address::ZERO),
        );
        self.send(call.from(w)).await
    }
    /// The pool owner reopens `task`.
    pub async fn reopen(&self, task: B256) -> Tx {
        self.send(self.hub.reopen(task).from(self.pool_owner()))
            .await
    }
    /// Claims `task` (sent by the requester; anyone may).
    pub async fn claim(&self, task: B256) -> Tx {
        self.send(self.hub.claim(task).from(self.requester())).await
    }

    // ---- time and views ----

    /// Moves the chain's clock `secs` forward and mines a block at the new time.
    pub async fn increase_time(&self, secs: u64) {
        self.provider
            .raw_request::<_, serde_json::Value>("evm_increaseTime".into(), (secs,))
            .await
            .expect("evm_increaseTime");
        self.provider
            .raw_request::<_, serde_json::Value>("evm_mine".into(), ())
            .await
            .expect("evm_mine");
    }
    /// The latest block's timestamp.
    pub async fn now(&self) -> u64 {
        use poco_contracts::alloy::eips::BlockNumberOrTag;
        self.provider
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .expect("latest block")
            .expect("a latest block")
            .header
            .timestamp
    }
    /// `viewTask`.
    pub async fn view_task(&self, task: B256) -> PocoTypes::Task {
        self.hub.viewTask(task).call().await.expect("viewTask")
    }
    /// `viewDeal`.
    pub async fn view_deal(&self, deal: B256) -> PocoTypes::Deal {
        self.hub.viewDeal(deal).call().await.expect("viewDeal")
    }
    /// `viewContribution`.
    pub async fn view_contribution(&self, task: B256, worker: Address) -> PocoTypes::Contribution {
        self.hub
            .viewContribution(task, worker)
            .call()
            .await
            .expect("viewContribution")
    }
}

/// A provider at `url` signing for every one of `signers`. The nonce is read from the node for
/// every transaction: alloy's default cached nonce is taken even when gas estimation then fails
/// (a revert), which would leave a gap and stall the sender's next transaction forever.
fn wallet_provider(url: &str, signers: &[PrivateKeySigner]) -> DynProvider {
    let mut wallet = EthereumWallet::new(signers[0].clone());
    for signer in &signers[1..] {
        wallet.register_signer(signer.clone());
    }
    ProviderBuilder::new()
        .disable_recommended_fillers()
        .with_gas_estimation()
        .with_simple_nonce_management()
        .fetch_chain_id()
        .wallet(wallet)
        .connect_http(url.parse().expect("node URL parses"))
        .erased()
}

/// Every party's `(stake, locked)` at one moment, to assert exact deltas later.
pub struct Snapshot {
    accounts: Vec<(String, Address, U256, U256)>,
}

impl Snapshot {
    /// Asserts each party's `(stake, locked)` moved by exactly the listed deltas, in nRLC, and
    /// that every party not listed did not move at all.
    pub async fn assert_deltas(&self, p: &Protocol, expected: &[(Address, i128, i128)]) {
        for (name, who, stake, locked) in &self.accounts {
            let (d_stake, d_locked) = expected
                .iter()
                .filter(|(a, _, _)| a == who)
                .fold((0, 0), |(s, l), (_, ds, dl)| (s + ds, l + dl));
            let (now_stake, now_locked) = p.account(*who).await;
            assert_eq!(
                (delta(*stake, now_stake), delta(*locked, now_locked)),
                (d_stake, d_locked),
                "{name} {who}: (stake, locked) delta"
            );
        }
    }
}

/// `after - before` as a signed number of nRLC.
fn delta(before: U256, after: U256) -> i128 {
    let magnitude = |x: U256| i128::try_from(x).expect("amounts fit in i128");
    if after >= before {
        magnitude(after - before)
    } else {
        -magnitude(before - after)
    }
}

//! The running stack: one dev chain with the protocol deployed, the market, result storage,
//! the local workerpool's scheduler and its workers, in this process. [`Stack::start`] brings
//! them up in dependency order (and sets the stack up the first time), [`Stack::stop`] takes
//! them down in reverse, saving the chain; tests use the `kill_*`/`start_*` methods to crash
//! and restart single services.

use crate::{
    accounts::Role,
    config::{Engine, StackConfig},
    error::{Result, StackError},
    layout::Layout,
    record::{AccountRecord, StackRecord, Urls},
    setup,
};
use alloy_primitives::Address;
use alloy_signer_local::PrivateKeySigner;
use poco_chain::{ChainConfig, Node};
use poco_client::{Client, chains::ChainConf, market::MarketApi};
use poco_contracts::{DeployOptions, dev};
use poco_market::{Market, MarketConfig};
use poco_results::{ResultServer, ResultsConfig};
use poco_scheduler::{Scheduler, SchedulerConfig};
use poco_worker::{
    DockerExecutor, Engine as ContainerEngine, EngineChoice, Executor, Worker, WorkerConfig,
};
use std::{fs::File, net::SocketAddr, sync::Arc, time::Duration};
use tracing::info;

/// A running local stack.
pub struct Stack {
    config: StackConfig,
    layout: Layout,
    // Dropped last: the services' files live in it.
    _temp: Option<tempfile::TempDir>,
    _lock: File,
    node: Option<Node>,
    market: Option<Market>,
    results: Option<ResultServer>,
    scheduler: Option<Scheduler>,
    workers: Vec<Option<Worker>>,
    // One engine for the whole stack: a Podman service it had to start is started once.
    engine: Option<Arc<ContainerEngine>>,
    chain: ChainConf,
    record: StackRecord,
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack")
            .field("data_dir", &self.layout.root())
            .field("urls", &self.record.urls)
            .finish_non_exhaustive()
    }
}

impl Stack {
    /// Starts everything (see the module doc); on a data directory that has a record, resumes
    /// it without repeating the setup.
    pub async fn start(config: StackConfig) -> Result<Stack> {
        let (temp, root) = match &config.data_dir {
            Some(dir) => (None, dir.clone()),
            None => {
                let temp = tempfile::tempdir()
                    .map_err(StackError::io("creating", std::env::temp_dir()))?;
                let root = temp.path().to_path_buf();
                (Some(temp), root)
            }
        };
        let layout = Layout::new(root);
        let lock = layout.prepare(config.fresh)?;
        let previous = StackRecord::read(&layout.record())?;

        // The engine first: without one, nothing else is worth starting.
        let engine = match (&config.engine, config.workers) {
            (Engine::Auto, 0) => None,
            (choice, _) => {
                let found =
                    poco_worker::engine::discover(engine_choice(choice), layout.root()).await?;
                info!(engine = %found.describe(), "container engine");
                Some(Arc::new(found))
            }
        };

        let node = start_chain(&config, &layout).await?;
        let signers = node.signers().to_vec();
        let mut chain = ChainConf::dev();
        chain.host = node.http_url();
        chain.id = node.config().chain_id;

        let market = Market::start(
            MarketConfig::default()
                .with_listen(SocketAddr::new(config.host, config.ports.market))
                .with_database_url(poco_market::config::sqlite_url(&layout.sqlite("market")))
                .with_chain(node.http_url(), chain.id, dev::HUB)
                .with_confirmations(0)
                .with_poll_interval(Duration::from_millis(200)),
        )
        .await?;
        chain.iexec_gateway = Some(market.http_url());

        let results = ResultServer::start(
            ResultsConfig::default()
                .with_chain(chain.clone())
                .with_listen(SocketAddr::new(config.host, config.ports.results))
                .with_store(layout.blobs().display().to_string())
                .with_database_url(poco_market::config::sqlite_url(&layout.sqlite("results"))),
        )
        .await?;
        chain.result_proxy = Some(results.url());
        chain.ipfs_gateway = Some(results.url());

        let pool_owner = Client::connect(
            chain.clone(),
            Some(signers[Role::PoolOwner.index()].clone()),
        )
        .await?;
        let workerpool = match &previous {
            Some(record) => {
                record
                    .workerpool
                    .parse::<Address>()
                    .map_err(|e| StackError::BadRecord {
                        path: layout.record(),
                        cause: format!("workerpool: {e}"),
                    })?
            }
            None => setup::workerpool(&pool_owner).await?,
        };
        let scheduler_listen = SocketAddr::new(config.host, config.ports.scheduler);
        let mut stack = Stack {
            layout,
            _temp: temp,
            _lock: lock,
            node: Some(node),
            market: Some(market),
            results: Some(results),
            scheduler: None,
            workers: Vec::new(),
            engine,
            record: StackRecord {
                chain_id: chain.id,
                hub: dev::HUB.to_checksum(None),
                rlc: dev::RLC.to_checksum(None),
                urls: Urls {
                    chain: chain.host.clone(),
                    market: chain.iexec_gateway.clone().unwrap_or_default(),
                    results: chain.ipfs_gateway.clone().unwrap_or_default(),
                    scheduler: String::new(),
                },
                workerpool: workerpool.to_checksum(None),
                engine: None,
                demo_app: previous.as_ref().and_then(|r| r.demo_app.clone()),
                accounts: Vec::new(),
            },
            chain,
            config,
        };
        stack.record.engine = stack.engine.as_ref().map(|e| e.url().to_owned());
        stack.start_scheduler_on(scheduler_listen).await?;

        if previous.is_none() {
            stack.set_up(&pool_owner, workerpool).await?;
        }
        stack.record.accounts = stack.account_records();
        stack.record.write(&stack.layout.record())?;
        for i in 0..stack.config.workers {
            stack.start_worker(i, None).await?;
        }
        Ok(stack)
    }

    /// The first start's setup (see [`setup`]).
    async fn set_up(&self, pool_owner: &Client, workerpool: Address) -> Result<()> {
        setup::fund(pool_owner, setup::POOL_OWNER_STAKE).await?;
        let market = MarketApi::new(&self.record.urls.market, self.chain.id)?;
        setup::publish_pool_order(pool_owner, &market, workerpool).await?;
        for i in 0..self.config.workers {
            setup::fund(&self.client(Role::Worker(i)).await?, setup::WORKER_STAKE).await?;
        }
        Ok(())
    }

    fn account_records(&self) -> Vec<AccountRecord> {
        let mut roles = vec![
            Role::Admin,
            Role::Requester,
            Role::Developer,
            Role::PoolOwner,
        ];
        roles.extend((0..self.config.workers).map(Role::Worker));
        roles
            .into_iter()
            .map(|role| {
                let signer = self.account(role);
                AccountRecord {
                    role: role.to_string(),
                    address: signer.address().to_checksum(None),
                    private_key: format!("0x{}", alloy_primitives::hex::encode(signer.to_bytes())),
                }
            })
            .collect()
    }

    /// The record: URLs, workerpool, accounts (also in `stack.json`).
    pub fn record(&self) -> &StackRecord {
        &self.record
    }

    /// The chain as a client sees it: the dev chain's entry with this stack's URLs.
    pub fn chain(&self) -> &ChainConf {
        &self.chain
    }

    /// The data directory's layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The local workerpool.
    pub fn workerpool(&self) -> Address {
        self.record
            .workerpool
            .parse()
            .expect("the record holds a valid address")
    }

    /// The container engine the workers use (none for a stack without workers started with
    /// the automatic choice).
    pub fn engine(&self) -> Option<&Arc<ContainerEngine>> {
        self.engine.as_ref()
    }

    /// An executor on the stack's engine, as workers use (tests wrap it).
    pub fn executor(&self) -> Result<Box<dyn Executor>> {
        let engine = self
            .engine
            .clone()
            .ok_or_else(|| StackError::Setup("this stack has no container engine".to_owned()))?;
        Ok(Box::new(DockerExecutor::new(engine)))
    }

    /// The containers (running or not) a worker left behind, by their `poco.worker` label.
    pub async fn containers_of(&self, worker: Address) -> Result<Vec<String>> {
        let Some(engine) = &self.engine else {
            return Ok(Vec::new());
        };
        Ok(engine
            .containers_labelled("poco.worker", &format!("{worker:#x}"))
            .await?)
    }

    /// `role`'s dev account.
    pub fn account(&self, role: Role) -> PrivateKeySigner {
        self.node().signers()[role.index()].clone()
    }

    /// A client signing as `role`.
    pub async fn client(&self, role: Role) -> Result<Client> {
        Ok(Client::connect(self.chain.clone(), Some(self.account(role))).await?)
    }

    /// The chain.
    pub fn node(&self) -> &Node {
        self.node
            .as_ref()
            .expect("the chain runs until the stack stops")
    }

    /// Starts the scheduler (again, after [`Stack::kill_scheduler`]) on its previous address.
    pub async fn start_scheduler(&mut self) -> Result<()> {
        let listen: SocketAddr = self
            .record
            .urls
            .scheduler
            .trim_start_matches("http://")
            .parse()
            .map_err(|e| StackError::Setup(format!("the scheduler's address: {e}")))?;
        self.start_scheduler_on(listen).await
    }

    async fn start_scheduler_on(&mut self, listen: SocketAddr) -> Result<()> {
        let config = SchedulerConfig::new(
            self.chain.clone(),
            self.account(Role::PoolOwner),
            self.workerpool(),
        )
        .with_listen(listen)
        .with_database_url(poco_market::config::sqlite_url(
            &self.layout.sqlite("scheduler"),
        ))
        .with_result_proxy_url(self.record.urls.results.clone())
        .with_ipfs_gateway_url(self.record.urls.results.clone())
        .with_market_url(self.record.urls.market.clone())
        .with_worker_lost_after(self.config.worker_lost_after)
        .with_ping_period(self.config.ping_period)
        .with_match_requests(true);
        let scheduler = Scheduler::start(config).await?;
        self.record.urls.scheduler = scheduler.url();
        self.chain
            .extra
            .insert("compass".to_owned(), scheduler.url().into());
        self.scheduler = Some(scheduler);
        Ok(())
    }

    /// Crashes the scheduler: stopped at once, nothing cleaned up.
    pub fn kill_scheduler(&mut self) {
        if let Some(scheduler) = self.scheduler.take() {
            scheduler.abort();
        }
    }

    /// Starts worker `index` (again), with `executor` in place of the container engine's
    /// when given (tests inject faults this way).
    pub async fn start_worker(
        &mut self,
        index: usize,
        executor: Option<Arc<dyn Executor>>,
    ) -> Result<()> {
        let dir = self.layout.worker(index);
        std::fs::create_dir_all(&dir).map_err(StackError::io("creating", dir.clone()))?;
        let mut config =
            WorkerConfig::new(self.chain.clone(), self.account(Role::Worker(index)), dir)
                .with_scheduler_url(self.record.urls.scheduler.clone())
                .with_name(format!("local-worker-{index}"))
                .with_slots(self.config.slots_per_worker)
                .with_engine(match &self.engine {
                    Some(engine) => EngineChoice::Url(engine.url().to_owned()),
                    None => engine_choice(&self.config.engine),
                });
        if let Some(executor) = executor {
            config = config.with_executor(executor);
        }
        let worker = Worker::start(config).await?;
        if self.workers.len() <= index {
            self.workers.resize_with(index + 1, || None);
        }
        self.workers[index] = Some(worker);
        Ok(())
    }

    /// Stops worker `index` gracefully (its running containers are killed, its replicates
    /// left for its next start).
    pub async fn stop_worker(&mut self, index: usize) -> Result<()> {
        if let Some(worker) = self.workers.get_mut(index).and_then(Option::take) {
            worker.stop().await?;
        }
        Ok(())
    }

    /// Crashes worker `index`: its runtime stops at once, its containers keep running.
    pub fn kill_worker(&mut self, index: usize) {
        if let Some(worker) = self.workers.get_mut(index).and_then(Option::take) {
            worker.abort();
        }
    }

    /// Moves the chain's clock `seconds` ahead and mines a block (deadlines in tests).
    pub async fn increase_time(&self, seconds: u64) -> Result<()> {
        let provider = poco_contracts::alloy::providers::ProviderBuilder::new()
            .connect_http(self.chain.host.parse().expect("the node's URL parses"));
        use poco_contracts::alloy::providers::Provider as _;
        let call = async {
            provider
                .raw_request::<_, serde_json::Value>("evm_increaseTime".into(), (seconds,))
                .await?;
            provider
                .raw_request::<_, serde_json::Value>("evm_mine".into(), ())
                .await
        };
        call.await
            .map(|_| ())
            .map_err(|e| StackError::Setup(format!("moving the chain's clock: {e}")))
    }

    /// Stops everything in reverse order: workers (their running containers are killed and
    /// their replicates left for their next start), scheduler, result storage, market, chain
    /// (its state saved).
    pub async fn stop(mut self) -> Result<()> {
        for worker in self.workers.drain(..).flatten() {
            worker.stop().await?;
        }
        if let Some(scheduler) = self.scheduler.take() {
            scheduler.stop().await?;
        }
        if let Some(results) = self.results.take() {
            results.stop().await?;
        }
        if let Some(market) = self.market.take() {
            market.stop().await?;
        }
        if let Some(node) = self.node.take() {
            node.stop().await?;
        }
        if let Some(engine) = self.engine.take() {
            engine.shutdown().await;
        }
        Ok(())
    }
}

fn engine_choice(engine: &Engine) -> EngineChoice {
    match engine {
        Engine::Auto => EngineChoice::Auto,
        Engine::Url(url) => EngineChoice::Url(url.clone()),
    }
}

/// Starts the chain (resuming its state file) and deploys the protocol when it is not there.
async fn start_chain(config: &StackConfig, layout: &Layout) -> Result<Node> {
    let node = Node::start(
        ChainConfig::default()
            .with_host(config.host)
            .with_port(config.ports.chain)
            .with_accounts(Role::accounts_needed(config.workers))
            .with_block_time(config.block_time)
            .with_state_path(Some(layout.chain_state()))
            .with_state_interval(Duration::from_secs(5)),
    )
    .await?;
    let backend = node.backend();
    let interval = !backend.automine();
    if interval {
        backend.set_automine(true);
    }
    let accounts = node.signers().iter().map(|s| s.address());
    let options = DeployOptions::default().with_mint_each(accounts, dev::RLC_PER_DEV_ACCOUNT);
    let deployed =
        poco_contracts::deploy(&node.http_url(), node.signers()[0].clone(), &options).await;
    if interval {
        backend.set_automine(false);
    }
    deployed.map_err(|e| StackError::Deploy(e.to_string()))?;
    Ok(node)
}

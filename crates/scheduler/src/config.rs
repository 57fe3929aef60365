//! The scheduler's settings: the chain and the pool owner's wallet, the workerpool it runs,
//! where it listens and stores its state, the services its workers use, and its timings. A
//! plain struct with builder methods; [`SchedulerConfig::test`] gives a scheduler on a free port
//! with its own temporary SQLite file and short timings.

use crate::results::ResultCheck;
use alloy_primitives::Address;
use alloy_signer_local::PrivateKeySigner;
use poco_client::chains::ChainConf;
use std::{fmt, net::SocketAddr, path::Path, sync::Arc, time::Duration};

/// The default port: iExec core's.
pub const DEFAULT_PORT: u16 = 13000;

/// How a [`crate::Scheduler`] runs.
#[derive(Clone)]
pub struct SchedulerConfig {
    /// The chain (RPC URL, id, hub).
    pub chain: ChainConf,
    /// The workerpool owner's wallet: it signs authorizations and sends the pool's
    /// transactions.
    pub wallet: PrivateKeySigner,
    /// The workerpool whose deals it runs.
    pub workerpool: Address,
    /// Where the API listens (port 0: any free port).
    pub listen: SocketAddr,
    /// The URL others reach the API at (Compass's `apiUrl`); `None`: `http://<listen>`.
    pub public_url: Option<String>,
    /// The database: `sqlite://path` (created on first start) or `postgres://...`.
    pub database_url: String,
    /// The result storage workers upload to (`poco results`).
    pub result_proxy_url: String,
    /// The IPFS gateway workers download `/ipfs/...` datasets from.
    pub ipfs_gateway_url: String,
    /// The market, for the request matcher.
    pub market_url: Option<String>,
    /// Blocks to wait before trusting one (the follower reads up to head − confirmations).
    pub confirmations: u64,
    /// How often the follower asks the node for new blocks.
    pub poll_interval: Duration,
    /// How often the tasks are evaluated (deadlines, uploads, transactions).
    pub tick: Duration,
    /// A worker without a ping for this long is lost.
    pub worker_lost_after: Duration,
    /// How often workers ping.
    pub ping_period: Duration,
    /// How long a chosen uploader may take before another winner is asked.
    pub upload_timeout: Duration,
    /// How many tasks one `initializeArray` (or claim) transaction handles.
    pub init_batch: usize,
    /// Claim tasks past their final deadline (**⚑A14**).
    pub claim_expired: bool,
    /// Fill published request orders for the pool (design §2.7).
    pub match_requests: bool,
    /// Where a fresh database starts following the chain (the first block read); `None`: block
    /// 0 on a dev chain (chain id 31337 or 1337), else the head at the first start.
    pub from_block: Option<u64>,
    /// How long a worker's JWT is valid.
    pub jwt_ttl: Duration,
    /// Checks an uploaded result link; `None`: the result proxy at `result_proxy_url`.
    pub result_check: Option<Arc<dyn ResultCheck>>,
    /// Keeps a temporary database folder alive as long as the config (and the scheduler) lives.
    _temp_dir: Option<Arc<tempfile::TempDir>>,
}

impl fmt::Debug for SchedulerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SchedulerConfig")
            .field("chain", &self.chain.name)
            .field("wallet", &self.wallet.address())
            .field("workerpool", &self.workerpool)
            .field("listen", &self.listen)
            .field("database_url", &self.database_url)
            .field("result_proxy_url", &self.result_proxy_url)
            .finish_non_exhaustive()
    }
}

impl SchedulerConfig {
    /// A scheduler of `workerpool` on `chain`, signing with the pool owner's `wallet`, with the
    /// defaults: port 13000, `scheduler.sqlite`, the chain's result proxy and IPFS gateway,
    /// 200 ms polling, 250 ms ticks, workers lost after 60 s, pinging every 10 s.
    pub fn new(chain: ChainConf, wallet: PrivateKeySigner, workerpool: Address) -> Self {
        let result_proxy_url = chain
            .result_proxy
            .clone()
            .unwrap_or_else(|| poco_client::chains::DEV_RESULT_PROXY.to_owned());
        let ipfs_gateway_url = chain
            .ipfs_gateway
            .clone()
            .unwrap_or_else(|| poco_client::chains::DEV_IPFS_GATEWAY.to_owned());
        let market_url = chain.iexec_gateway.clone();
        Self {
            chain,
            wallet,
            workerpool,
            listen: SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
            public_url: None,
            database_url: "sqlite://scheduler.sqlite".to_owned(),
            result_proxy_url,
            ipfs_gateway_url,
            market_url,
            confirmations: 0,
            poll_interval: Duration::from_millis(200),
            tick: Duration::from_millis(250),
            worker_lost_after: Duration::from_secs(60),
            ping_period: Duration::from_secs(10),
            upload_timeout: Duration::from_secs(120),
            init_batch: 50,
            claim_expired: true,
            match_requests: false,
            from_block: None,
            jwt_ttl: Duration::from_secs(24 * 3600),
            result_check: None,
            _temp_dir: None,
        }
    }

    /// For tests: the dev chain, a random wallet and no workerpool (set them with
    /// [`Self::with_chain`], [`Self::with_wallet`], [`Self::with_workerpool`]), any free port
    /// on loopback, a fresh SQLite file in a temporary folder (removed when the last clone of
    /// the config is dropped), 50 ms polling and ticks, workers lost after 3 s, pings every
    /// second.
    pub fn test() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder can be created for the test");
        let database_url = sqlite_url(&dir.path().join("scheduler.sqlite"));
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url,
            poll_interval: Duration::from_millis(50),
            tick: Duration::from_millis(50),
            worker_lost_after: Duration::from_secs(3),
            ping_period: Duration::from_secs(1),
            upload_timeout: Duration::from_secs(10),
            from_block: Some(0),
            _temp_dir: Some(Arc::new(dir)),
            ..Self::new(ChainConf::dev(), PrivateKeySigner::random(), Address::ZERO)
        }
    }

    /// Runs on `chain`.
    pub fn with_chain(mut self, chain: ChainConf) -> Self {
        self.chain = chain;
        self
    }

    /// Signs with the pool owner's `wallet`.
    pub fn with_wallet(mut self, wallet: PrivateKeySigner) -> Self {
        self.wallet = wallet;
        self
    }

    /// Runs `workerpool`'s deals.
    pub fn with_workerpool(mut self, workerpool: Address) -> Self {
        self.workerpool = workerpool;
        self
    }

    /// Listens on `listen`.
    pub fn with_listen(mut self, listen: SocketAddr) -> Self {
        self.listen = listen;
        self
    }

    /// Announces `url` as the API's public URL.
    pub fn with_public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// Stores its state at `url` (`sqlite://...` or `postgres://...`).
    pub fn with_database_url(mut self, url: impl Into<String>) -> Self {
        self.database_url = url.into();
        self
    }

    /// Tells workers to upload results to `url`.
    pub fn with_result_proxy_url(mut self, url: impl Into<String>) -> Self {
        self.result_proxy_url = url.into();
        self
    }

    /// Tells workers to download `/ipfs/...` datasets through `url`.
    pub fn with_ipfs_gateway_url(mut self, url: impl Into<String>) -> Self {
        self.ipfs_gateway_url = url.into();
        self
    }

    /// Reads request orders from the market at `url`.
    pub fn with_market_url(mut self, url: impl Into<String>) -> Self {
        self.market_url = Some(url.into());
        self
    }

    /// Waits `n` blocks before trusting a block.
    pub fn with_confirmations(mut self, n: u64) -> Self {
        self.confirmations = n;
        self
    }

    /// Polls the chain every `interval`.
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Evaluates the tasks every `tick`.
    pub fn with_tick(mut self, tick: Duration) -> Self {
        self.tick = tick;
        self
    }

    /// Declares a worker lost after `after` without a ping.
    pub fn with_worker_lost_after(mut self, after: Duration) -> Self {
        self.worker_lost_after = after;
        self
    }

    /// Asks workers to ping every `period`.
    pub fn with_ping_period(mut self, period: Duration) -> Self {
        self.ping_period = period;
        self
    }

    /// Gives an uploader `timeout` before asking another winner.
    pub fn with_upload_timeout(mut self, timeout: Duration) -> Self {
        self.upload_timeout = timeout;
        self
    }

    /// Initializes (and claims) at most `n` tasks per transaction.
    pub fn with_init_batch(mut self, n: usize) -> Self {
        self.init_batch = n.max(1);
        self
    }

    /// Claims tasks past their final deadline (`true`), or leaves them to others.
    pub fn with_claim_expired(mut self, claim: bool) -> Self {
        self.claim_expired = claim;
        self
    }

    /// Fills published request orders for the pool.
    pub fn with_match_requests(mut self, enabled: bool) -> Self {
        self.match_requests = enabled;
        self
    }

    /// Starts a fresh database's follower at `block`.
    pub fn with_from_block(mut self, block: Option<u64>) -> Self {
        self.from_block = block;
        self
    }

    /// Checks uploaded result links with `check` (tests stub the result storage).
    pub fn with_result_check(mut self, check: Arc<dyn ResultCheck>) -> Self {
        self.result_check = Some(check);
        self
    }

    /// The API's public URL: `public_url`, or `http://` and the address it listens on.
    pub(crate) fn public_url_or(&self, bound: SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
            .trim_end_matches('/')
            .to_owned()
    }
}

/// A `sqlite://` URL for the file at `path` (created when missing).
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

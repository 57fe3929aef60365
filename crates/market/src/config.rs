//! The market's settings: where it listens, where it stores the order book, which chain and hub
//! it serves, and the limits it enforces. A plain struct with builder methods;
//! [`MarketConfig::test`] gives a market on a free port with its own temporary SQLite file.

use alloy_primitives::Address;
use std::{net::SocketAddr, path::Path, sync::Arc, time::Duration};

/// The default page size of the order book queries (iExec's).
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// How a [`crate::Market`] runs.
#[derive(Clone, Debug)]
pub struct MarketConfig {
    /// Where the HTTP API listens (port 0: any free port).
    pub listen: SocketAddr,
    /// The database: `sqlite://path` (created on first start) or `postgres://...`.
    pub database_url: String,
    /// The chain's JSON-RPC URL.
    pub rpc_url: String,
    /// The chain id the market serves (checked against the node on start).
    pub chain_id: u64,
    /// The hub (diamond) address: the EIP-712 domain of the orders and the contract read.
    pub hub: Address,
    /// How many OPEN orders one wallet may have in the book.
    pub max_open_orders_per_wallet: u32,
    /// The smallest `pageSize` a query may ask for.
    pub min_page_size: u32,
    /// The largest `pageSize` a query may ask for.
    pub max_page_size: u32,
    /// How long a challenge may be used, in seconds.
    pub challenge_ttl_secs: u64,
    /// How many blocks the chain watcher waits before it trusts a block (it processes up to
    /// head − `confirmations`); 0 on dev chains, a few on chains that reorganize.
    pub confirmations: u64,
    /// How often the chain watcher asks the node for new blocks.
    pub poll_interval: Duration,
    /// Where a fresh database starts watching (the first block processed); `None`: the head
    /// when the market first starts. Ignored once the database has a position.
    pub from_block: Option<u64>,
    /// How many recent events the live stream keeps for clients that reconnect with
    /// `Last-Event-ID`.
    pub stream_buffer: usize,
    /// Keeps a temporary database folder alive as long as the config (and the market) lives.
    temp_dir: Option<Arc<tempfile::TempDir>>,
}

impl Default for MarketConfig {
    fn default() -> Self {
        let dev = poco_client::chains::ChainConf::dev();
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            database_url: "sqlite://market.sqlite".to_owned(),
            rpc_url: dev.host,
            chain_id: dev.id,
            hub: poco_contracts::dev::HUB,
            max_open_orders_per_wallet: 1000,
            min_page_size: 10,
            max_page_size: 1000,
            challenge_ttl_secs: 300,
            confirmations: 0,
            poll_interval: Duration::from_secs(2),
            from_block: None,
            stream_buffer: 10_000,
            temp_dir: None,
        }
    }
}

impl MarketConfig {
    /// For tests: any free port on loopback and a fresh SQLite file in a temporary folder
    /// (removed when the last clone of the config is dropped); the dev chain and hub; the
    /// watcher polls every 50 ms.
    pub fn test() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder can be created for the test");
        let database_url = sqlite_url(&dir.path().join("market.sqlite"));
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url,
            temp_dir: Some(Arc::new(dir)),
            poll_interval: Duration::from_millis(50),
            ..Self::default()
        }
    }

    /// Listens on `listen`.
    pub fn with_listen(mut self, listen: SocketAddr) -> Self {
        self.listen = listen;
        self
    }

    /// Stores the order book at `url` (`sqlite://...` or `postgres://...`).
    pub fn with_database_url(mut self, url: impl Into<String>) -> Self {
        self.database_url = url.into();
        self
    }

    /// Serves the chain at `rpc_url` with id `chain_id` and hub `hub`.
    pub fn with_chain(mut self, rpc_url: impl Into<String>, chain_id: u64, hub: Address) -> Self {
        self.rpc_url = rpc_url.into();
        self.chain_id = chain_id;
        self.hub = hub;
        self
    }

    /// Caps the OPEN orders of one wallet.
    pub fn with_max_open_orders_per_wallet(mut self, max: u32) -> Self {
        self.max_open_orders_per_wallet = max;
        self
    }

    /// Waits `n` blocks before trusting a block (the watcher processes up to head − `n`).
    pub fn with_confirmations(mut self, n: u64) -> Self {
        self.confirmations = n;
        self
    }

    /// Polls the chain for new blocks every `interval`.
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Starts a fresh database's watching at block `n` (processed included).
    pub fn with_from_block(mut self, n: u64) -> Self {
        self.from_block = Some(n);
        self
    }

    /// Keeps the `n` most recent events of the live stream for reconnecting clients.
    pub fn with_stream_buffer(mut self, n: usize) -> Self {
        self.stream_buffer = n;
        self
    }

    /// The temporary folder of a [`MarketConfig::test`] config.
    pub fn temp_dir(&self) -> Option<&Path> {
        self.temp_dir.as_deref().map(tempfile::TempDir::path)
    }

    /// Bounds the `pageSize` of queries.
    pub fn with_page_sizes(mut self, min: u32, max: u32) -> Self {
        self.min_page_size = min;
        self.max_page_size = max;
        self
    }
}

/// The `sqlite://` URL of a database file, created when missing.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

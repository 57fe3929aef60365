//! What a local stack is made of: where it keeps its data, which ports its services listen on,
//! how many workers it runs and which container engine they use.

use std::{
    net::{IpAddr, Ipv4Addr},
    path::PathBuf,
    time::Duration,
};

/// The ports of the stack's services; 0 picks a free one. The defaults are the CLI's built-in
/// `dev` chain, so every `poco` command works against a running `poco up` with no chain.json.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ports {
    /// The chain's JSON-RPC (HTTP and WebSocket).
    pub chain: u16,
    /// The market API (`iexecGateway`).
    pub market: u16,
    /// Result storage and IPFS gateway (`resultProxy`, `ipfsGateway`).
    pub results: u16,
    /// The workerpool's scheduler (and its Compass route).
    pub scheduler: u16,
}

impl Ports {
    /// The built-in `dev` chain's ports: 8545, 3000, 3001, 13000.
    pub const DEV: Ports = Ports {
        chain: 8545,
        market: 3000,
        results: 3001,
        scheduler: 13000,
    };
    /// Any free port for every service (tests).
    pub const ANY: Ports = Ports {
        chain: 0,
        market: 0,
        results: 0,
        scheduler: 0,
    };
}

/// Which container engine the workers use.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Engine {
    /// Find Docker or Podman, starting Podman's API on a private socket when only the
    /// `podman` command is installed.
    #[default]
    Auto,
    /// This Docker Engine API endpoint (`unix:///path/to/docker.sock`).
    Url(String),
}

/// A local stack's configuration. Build one with [`StackConfig::new`] (a persistent data
/// directory, the dev ports) or [`StackConfig::test`] (a temporary directory, free ports,
/// fast timers), then the `with_*` methods.
#[derive(Clone, Debug)]
pub struct StackConfig {
    /// Where everything is kept; `None`: a temporary directory removed at stop.
    pub data_dir: Option<PathBuf>,
    /// The interface every service listens on.
    pub host: IpAddr,
    /// The services' ports.
    pub ports: Ports,
    /// How many workers to run (each a dev account of its own).
    pub workers: usize,
    /// How many containers each worker runs at once.
    pub slots_per_worker: usize,
    /// The container engine.
    pub engine: Engine,
    /// How long without a ping before the scheduler declares a worker lost.
    pub worker_lost_after: Duration,
    /// How often workers ping.
    pub ping_period: Duration,
    /// `None`: a block per transaction; `Some(d)`: a block every `d`.
    pub block_time: Option<Duration>,
    /// Start from an empty data directory (what was there is removed first).
    pub fresh: bool,
}

impl StackConfig {
    /// A stack kept in `data_dir`, on the dev ports, with 3 workers of 1 slot.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: Some(data_dir.into()),
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            ports: Ports::DEV,
            workers: 3,
            slots_per_worker: 1,
            engine: Engine::Auto,
            worker_lost_after: Duration::from_secs(60),
            ping_period: Duration::from_secs(10),
            block_time: None,
            fresh: false,
        }
    }

    /// A throwaway stack for tests: a temporary directory, free ports, workers declared lost
    /// after 3 s without a ping (they ping every second).
    pub fn test() -> Self {
        Self {
            data_dir: None,
            ports: Ports::ANY,
            worker_lost_after: Duration::from_secs(3),
            ping_period: Duration::from_secs(1),
            ..Self::new("")
        }
    }

    /// Where everything is kept (`None`: a temporary directory).
    pub fn with_data_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.data_dir = dir;
        self
    }

    /// The interface every service listens on.
    pub fn with_host(mut self, host: IpAddr) -> Self {
        self.host = host;
        self
    }

    /// The services' ports.
    pub fn with_ports(mut self, ports: Ports) -> Self {
        self.ports = ports;
        self
    }

    /// How many workers to run.
    pub fn with_workers(mut self, workers: usize) -> Self {
        self.workers = workers;
        self
    }

    /// How many containers each worker runs at once.
    pub fn with_slots_per_worker(mut self, slots: usize) -> Self {
        self.slots_per_worker = slots.max(1);
        self
    }

    /// The container engine.
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    /// How long without a ping before a worker is lost.
    pub fn with_worker_lost_after(mut self, after: Duration) -> Self {
        self.worker_lost_after = after;
        self
    }

    /// A block every `block_time` instead of one per transaction.
    pub fn with_block_time(mut self, block_time: Option<Duration>) -> Self {
        self.block_time = block_time;
        self
    }

    /// Start from an empty data directory.
    pub fn with_fresh(mut self, fresh: bool) -> Self {
        self.fresh = fresh;
        self
    }
}

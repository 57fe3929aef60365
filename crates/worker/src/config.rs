//! The worker's settings (design §1): the chain and its wallet, the scheduler it works for,
//! where it keeps its state, how much it runs at once and with what limits, the container
//! engine. A plain struct with builder methods; [`WorkerConfig::test`] gives short timings and
//! a temporary data folder.

use crate::{engine::EngineChoice, executor::Executor};
use alloy_signer_local::PrivateKeySigner;
use poco_client::chains::ChainConf;
use std::{fmt, path::PathBuf, sync::Arc, time::Duration};

/// The scheduler's default URL (iExec core's port).
pub const DEFAULT_SCHEDULER_URL: &str = "http://127.0.0.1:13000";

/// How a [`crate::Worker`] runs.
#[derive(Clone)]
pub struct WorkerConfig {
    /// The chain (RPC URL, id, hub). The worker reads the chain itself, never through the
    /// scheduler, and refuses a scheduler of another chain or hub.
    pub chain: ChainConf,
    /// The worker's wallet: it logs in, contributes, reveals and is paid.
    pub wallet: PrivateKeySigner,
    /// A name for people (the scheduler's worker list, `task debug`).
    pub name: String,
    /// The scheduler's URL.
    pub scheduler_url: String,
    /// Where the worker keeps `worker.sqlite` and `tasks/<taskid>/{in,out,iexec_out.zip}`.
    pub data_dir: PathBuf,
    /// How many containers run at once (replicates between CREATED and COMPUTED); at most
    /// twice as many replicates are live.
    pub slots: usize,
    /// CPUs per container (0: no limit).
    pub cpus_per_task: f64,
    /// Memory per container in bytes, swap included (0: no limit).
    pub memory_per_task: u64,
    /// The container engine.
    pub engine: EngineChoice,
    /// Run apps whose on-chain checksum is zero (nothing to check the image against, ⚑A8).
    pub allow_unchecked_images: bool,
    /// Runs the containers instead of the engine's [`crate::DockerExecutor`] (tests inject a
    /// faulty one).
    pub executor: Option<Arc<dyn Executor>>,
    /// How long a long-poll (`/replicates/available`, `/replicates/interrupted`) is held.
    pub long_poll: Duration,
    /// The first delay between retries of an unreachable scheduler (doubling up to 10 times it).
    pub retry_delay: Duration,
    /// Keeps a temporary data folder alive as long as the config (and the worker) lives.
    temp_dir: Option<Arc<tempfile::TempDir>>,
}

impl fmt::Debug for WorkerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerConfig")
            .field("chain", &self.chain.name)
            .field("wallet", &self.wallet.address())
            .field("name", &self.name)
            .field("scheduler_url", &self.scheduler_url)
            .field("data_dir", &self.data_dir)
            .field("slots", &self.slots)
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

impl WorkerConfig {
    /// A worker signing with `wallet` on `chain`, with the defaults: the scheduler at
    /// [`DEFAULT_SCHEDULER_URL`], data in `data_dir`, one slot, one CPU and 2 GiB per container,
    /// the engine found automatically, 20 s long-polls.
    pub fn new(chain: ChainConf, wallet: PrivateKeySigner, data_dir: impl Into<PathBuf>) -> Self {
        let name = format!("worker-{:#x}", wallet.address())[..17].to_owned();
        Self {
            chain,
            wallet,
            name,
            scheduler_url: DEFAULT_SCHEDULER_URL.to_owned(),
            data_dir: data_dir.into(),
            slots: 1,
            cpus_per_task: 1.0,
            memory_per_task: 2 << 30,
            engine: EngineChoice::Auto,
            allow_unchecked_images: false,
            executor: None,
            long_poll: Duration::from_secs(20),
            retry_delay: Duration::from_millis(500),
            temp_dir: None,
        }
    }

    /// For tests: the dev chain, a random wallet, a temporary data folder (removed when the last
    /// clone of the config is dropped), 2 s long-polls and 100 ms first retry.
    pub fn test() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder can be created for the test");
        Self {
            long_poll: Duration::from_secs(2),
            retry_delay: Duration::from_millis(100),
            memory_per_task: 256 << 20,
            ..Self::new(ChainConf::dev(), PrivateKeySigner::random(), dir.path())
        }
        .with_temp_dir(dir)
    }

    fn with_temp_dir(mut self, dir: tempfile::TempDir) -> Self {
        self.temp_dir = Some(Arc::new(dir));
        self
    }

    /// Works on `chain`.
    pub fn with_chain(mut self, chain: ChainConf) -> Self {
        self.chain = chain;
        self
    }

    /// Signs with `wallet` (the name follows unless set after).
    pub fn with_wallet(mut self, wallet: PrivateKeySigner) -> Self {
        self.name = format!("worker-{:#x}", wallet.address())[..17].to_owned();
        self.wallet = wallet;
        self
    }

    /// Calls itself `name`.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Works for the scheduler at `url`.
    pub fn with_scheduler_url(mut self, url: impl Into<String>) -> Self {
        self.scheduler_url = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// Keeps its state in `dir`.
    pub fn with_data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = dir.into();
        self
    }

    /// Runs up to `slots` containers at once (at least 1).
    pub fn with_slots(mut self, slots: usize) -> Self {
        self.slots = slots.max(1);
        self
    }

    /// Gives each container `cpus` CPUs (0: no limit).
    pub fn with_cpus_per_task(mut self, cpus: f64) -> Self {
        self.cpus_per_task = cpus.max(0.0);
        self
    }

    /// Gives each container `bytes` of memory (0: no limit).
    pub fn with_memory_per_task(mut self, bytes: u64) -> Self {
        self.memory_per_task = bytes;
        self
    }

    /// Uses this container engine.
    pub fn with_engine(mut self, engine: EngineChoice) -> Self {
        self.engine = engine;
        self
    }

    /// Runs apps with a zero checksum (`true`), or refuses them (the default).
    pub fn with_allow_unchecked_images(mut self, allow: bool) -> Self {
        self.allow_unchecked_images = allow;
        self
    }

    /// Runs containers with `executor`.
    pub fn with_executor(mut self, executor: Arc<dyn Executor>) -> Self {
        self.executor = Some(executor);
        self
    }

    /// Holds long-polls for `wait`.
    pub fn with_long_poll(mut self, wait: Duration) -> Self {
        self.long_poll = wait;
        self
    }

    /// The SQLite file of the worker's state.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("worker.sqlite")
    }

    /// The work folder of `task` (`tasks/<taskid>`).
    pub fn task_dir(&self, task: alloy_primitives::B256) -> PathBuf {
        self.data_dir.join("tasks").join(format!("{task:#x}"))
    }
}

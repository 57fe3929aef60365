//! The running worker (design §1, §3): [`Worker::start`] connects the chain, the database, the
//! container engine and the scheduler (whose chain and hub must be ours), recovers what a
//! previous run left (§3.7), then runs its loops — ping, long-poll for replicates while a slot
//! is free, long-poll for notifications, and the outbox of status updates — and one task per
//! replicate.

use crate::{
    config::WorkerConfig,
    core,
    engine::{self, DockerExecutor, Engine},
    error::{Result, WorkerError},
    executor::Executor,
    recovery,
    store::Store,
};
use alloy_primitives::{Address, B256};
use poco_client::{Client, core::CoreApi};
use poco_service::TxQueue;
use poco_types::core::{PublicConfiguration, TaskNotification};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex as StdMutex},
    time::Duration,
};
use tokio::{
    sync::{Notify, Semaphore, mpsc},
    task::{JoinHandle, JoinSet},
};
use tokio_util::sync::CancellationToken;

/// What the worker's tasks share.
pub(crate) struct Shared {
    pub(crate) config: WorkerConfig,
    pub(crate) address: Address,
    pub(crate) store: Store,
    pub(crate) core: CoreApi,
    pub(crate) queue: TxQueue,
    pub(crate) engine: Arc<Engine>,
    pub(crate) executor: Arc<dyn Executor>,
    /// The scheduler's public configuration (reloaded when its ping hash changes).
    pub(crate) public: StdMutex<PublicConfiguration>,
    /// Each live replicate's mailbox of notifications (update answers, long-poll results).
    pub(crate) mailboxes: StdMutex<HashMap<B256, mpsc::UnboundedSender<TaskNotification>>>,
    /// Wakes the outbox sender.
    pub(crate) outbox: Notify,
    /// Container slots (CREATED to COMPUTED).
    pub(crate) slots: Arc<Semaphore>,
    /// Live replicates (at most twice the slots).
    pub(crate) live: Arc<Semaphore>,
    /// The replicates' tasks.
    pub(crate) replicates: StdMutex<JoinSet<()>>,
    /// Cancelled at stop.
    pub(crate) shutdown: CancellationToken,
}

impl Shared {
    /// The chain client (reads; transactions go through the queue).
    pub(crate) fn client(&self) -> &Client {
        self.queue.client()
    }

    /// The result server's URL, as the scheduler announces it.
    pub(crate) fn results_url(&self) -> String {
        self.public
            .lock()
            .expect("never poisoned")
            .result_repository_url
            .clone()
    }

    /// The IPFS gateway datasets are read through: the scheduler's, else the chain's.
    pub(crate) fn ipfs_gateway(&self) -> String {
        let announced = self
            .public
            .lock()
            .expect("never poisoned")
            .ipfs_gateway_url
            .clone();
        if announced.is_empty() {
            self.config.chain.ipfs_gateway.clone().unwrap_or_default()
        } else {
            announced
        }
    }

    /// Hands `notification` to its replicate's task; false when none runs for it.
    pub(crate) fn deliver(&self, notification: TaskNotification) -> bool {
        let mailboxes = self.mailboxes.lock().expect("never poisoned");
        match mailboxes.get(&notification.chain_task_id) {
            Some(mailbox) => mailbox.send(notification).is_ok(),
            None => false,
        }
    }

    /// Opens the mailbox of `task`'s replicate.
    pub(crate) fn open_mailbox(&self, task: B256) -> mpsc::UnboundedReceiver<TaskNotification> {
        let (sender, receiver) = mpsc::unbounded_channel();
        self.mailboxes
            .lock()
            .expect("never poisoned")
            .insert(task, sender);
        receiver
    }

    /// Closes the mailbox of `task`'s replicate.
    pub(crate) fn close_mailbox(&self, task: B256) {
        self.mailboxes.lock().expect("never poisoned").remove(&task);
    }

    /// Spawns a replicate's task.
    pub(crate) fn spawn_replicate(&self, future: impl Future<Output = ()> + Send + 'static) {
        let mut set = self.replicates.lock().expect("never poisoned");
        while set.try_join_next().is_some() {}
        set.spawn(future);
    }
}

/// A running worker.
pub struct Worker {
    shared: Arc<Shared>,
    loops: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("address", &self.shared.address)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// Starts the worker: chain, database, engine, scheduler (its chain and hub must be the
    /// worker's), leftover containers removed, recovery, then its loops.
    pub async fn start(config: WorkerConfig) -> Result<Worker> {
        let address = config.wallet.address();
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| WorkerError::io("create", &config.data_dir, e))?;
        let client = Client::connect(config.chain.clone(), Some(config.wallet.clone())).await?;
        let core = CoreApi::new(&config.scheduler_url)
            .map_err(|e| WorkerError::Config(e.to_string()))?
            .with_wallet(config.wallet.clone());
        let public = core
            .config()
            .await
            .map_err(|e| WorkerError::Scheduler(e.to_string()))?;
        if public.chain_id != client.chain_id() || public.hub != client.hub_address() {
            return Err(WorkerError::Config(format!(
                "the scheduler at {} works on chain {} with hub {}, but this worker is on chain \
                 {} with hub {}: point the worker at the right chain (--chain) or scheduler",
                config.scheduler_url,
                public.chain_id,
                public.hub,
                client.chain_id(),
                client.hub_address()
            )));
        }
        let store = Store::open(
            &config.database_path(),
            client.chain_id(),
            client.hub_address(),
            address,
        )
        .await?;
        let engine = Arc::new(engine::discover(config.engine.clone(), &config.data_dir).await?);
        tracing::info!(
            "worker {address:#x}: container engine {}",
            engine.describe()
        );
        let executor: Arc<dyn Executor> = match &config.executor {
            Some(executor) => executor.clone(),
            None => Arc::new(DockerExecutor::new(engine.clone())),
        };
        // A crash leaves containers running: they are not ours to wait for anymore.
        let removed = engine
            .remove_labelled("poco.worker", &format!("{address:#x}"))
            .await?;
        if removed > 0 {
            tracing::info!("worker {address:#x}: removed {removed} leftover container(s)");
        }
        let queue = TxQueue::start(client).map_err(|e| WorkerError::Config(e.to_string()))?;
        core.login()
            .await
            .map_err(|e| WorkerError::Scheduler(e.to_string()))?;
        core::register(&core, &config).await?;
        let slots = config.slots.max(1);
        let shared = Arc::new(Shared {
            address,
            store,
            core,
            queue,
            engine,
            executor,
            public: StdMutex::new(public),
            mailboxes: StdMutex::new(HashMap::new()),
            outbox: Notify::new(),
            slots: Arc::new(Semaphore::new(slots)),
            live: Arc::new(Semaphore::new(2 * slots)),
            replicates: StdMutex::new(JoinSet::new()),
            shutdown: CancellationToken::new(),
            config,
        });
        let mut loops = vec![tokio::spawn(core::run_outbox(shared.clone()))];
        recovery::recover(&shared).await?;
        loops.push(tokio::spawn(core::run_ping(shared.clone())));
        loops.push(tokio::spawn(core::run_interrupted(shared.clone())));
        loops.push(tokio::spawn(core::run_supply(shared.clone())));
        tracing::info!(
            "worker {address:#x} started for {}",
            shared.config.scheduler_url
        );
        Ok(Worker { shared, loops })
    }

    /// The worker's wallet address.
    pub fn address(&self) -> Address {
        self.shared.address
    }

    /// The container engine.
    pub fn engine(&self) -> Arc<Engine> {
        self.shared.engine.clone()
    }

    /// Stops gracefully: no new replicate, running containers killed, their replicates left
    /// for the recovery of the next start (§3.7); pending status updates get a few seconds to
    /// be delivered; the transaction being sent finishes.
    pub async fn stop(self) -> Result<()> {
        let shared = self.shared;
        shared.shutdown.cancel();
        let mut replicates =
            std::mem::take(&mut *shared.replicates.lock().expect("never poisoned"));
        replicates.abort_all();
        while replicates.join_next().await.is_some() {}
        let removed = shared
            .engine
            .remove_labelled("poco.worker", &format!("{:#x}", shared.address))
            .await;
        // Give the outbox a moment to deliver what the replicates reported.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
        while shared.store.outbox_len().await.unwrap_or(0) > 0
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for handle in self.loops {
            handle.abort();
            let _ = handle.await;
        }
        shared.queue.stop().await;
        shared.engine.shutdown().await;
        shared.store.close().await;
        removed.map(|_| ())
    }

    /// Stops at once, as a crash would: no cleanup (containers keep running, updates stay in
    /// the outbox). For tests.
    pub fn abort(self) {
        self.shared.shutdown.cancel();
        self.shared
            .replicates
            .lock()
            .expect("never poisoned")
            .abort_all();
        for handle in self.loops {
            handle.abort();
        }
    }
}

//! The engine: the state every part of the scheduler shares ([`Shared`]), and the loop that
//! drives the tasks ([`run`]): every `tick` it reads the chain's time, re-reads the tasks the
//! chain's events woke up, declares silent workers lost, then decides every live task
//! ([`task::decide`]) and carries the decisions out (statuses, upload requests, result checks,
//! transactions through the pool owner's queue).
//!
//! The pure parts are table-tested: [`notify`] (a replicate's next action), [`task`] (a task's
//! next status and action), [`supply`] (the consensus prediction), [`transitions`] (which
//! status updates a worker may send).

mod apply;
pub mod dispatch;
pub mod notify;
pub mod supply;
pub mod task;
pub mod transitions;
pub mod updates;

use crate::{
    config::SchedulerConfig,
    error::Result,
    results::ResultCheck,
    store::{DealRow, Store},
};
use alloy_primitives::{Address, B256};
use poco_client::Client;
use poco_service::{jwt::JwtKey, txq::TxQueue};
use poco_types::core::{PublicConfiguration, TaskNotificationType};
use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::sync::{Mutex, watch};

pub use poco_service::time::now_ms;

/// The chain's time, without asking the node each time: the wall clock plus how far ahead the
/// chain was when last read (a dev chain's clock jumps with `evm_increaseTime`).
#[derive(Debug, Default)]
pub struct ChainClock {
    ahead: AtomicU64,
}

impl ChainClock {
    /// The chain's time now, in seconds.
    pub fn now(&self) -> u64 {
        (now_ms() / 1000).saturating_add(self.ahead.load(Ordering::Relaxed))
    }

    /// Reads the chain's time from `client`.
    pub async fn refresh(&self, client: &Client) -> Result<u64> {
        let chain = poco_client::deals::chain_now(client).await?;
        self.ahead
            .store(chain.saturating_sub(now_ms() / 1000), Ordering::Relaxed);
        Ok(chain)
    }
}

/// A transaction the engine sent and has no outcome for yet, or failed recently.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Pending {
    /// Waiting for its outcome.
    InFlight,
    /// Reverted or failed: not retried before then.
    Backoff(Instant),
}

/// What the API, the engine, the follower and the liveness checks share.
pub struct Shared {
    /// The settings.
    pub config: SchedulerConfig,
    /// The database.
    pub store: Store,
    /// The pool owner's transaction queue (and its client, for reads).
    pub txq: TxQueue,
    /// The chain id.
    pub chain_id: u64,
    /// The hub.
    pub hub: Address,
    /// The workers' JWT key.
    pub jwt: JwtKey,
    /// What `/workers/config` answers.
    pub public_config: PublicConfiguration,
    /// The API's public URL (set once listening).
    pub public_url: std::sync::OnceLock<String>,
    /// The chain's time.
    pub clock: ChainClock,
    /// Checks uploaded result links.
    pub result_check: Arc<dyn ResultCheck>,
    /// Serializes every change of tasks and replicates (status updates, supply, decisions),
    /// so each reads what it changes without races.
    pub(crate) lock: Mutex<()>,
    /// Set when the scheduler stops: long polls end at once.
    pub(crate) stopping: std::sync::atomic::AtomicBool,
    /// Bumped after every change: long polls wait on it.
    changed: watch::Sender<u64>,
    /// Tasks whose chain view must be read again.
    wake: std::sync::Mutex<HashSet<B256>>,
    /// The deals read so far (immutable).
    deals: std::sync::RwLock<HashMap<B256, Arc<DealRow>>>,
    /// Transactions in flight or in backoff, per task.
    pub(crate) pending: std::sync::Mutex<HashMap<B256, Pending>>,
    /// Result checks running.
    pub(crate) checking: std::sync::Mutex<HashSet<B256>>,
    /// The notifications last delivered per (worker, task), for `/replicates/interrupted`.
    pub(crate) delivered: std::sync::Mutex<HashMap<(Address, B256), TaskNotificationType>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("workerpool", &self.config.workerpool)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// The state of a scheduler.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        config: SchedulerConfig,
        store: Store,
        txq: TxQueue,
        jwt: JwtKey,
        public_config: PublicConfiguration,
        result_check: Arc<dyn ResultCheck>,
    ) -> Self {
        let client = txq.client();
        let (chain_id, hub) = (client.chain_id(), client.hub_address());
        Self {
            config,
            store,
            txq,
            chain_id,
            hub,
            jwt,
            public_config,
            public_url: std::sync::OnceLock::new(),
            clock: ChainClock::default(),
            result_check,
            lock: Mutex::new(()),
            stopping: std::sync::atomic::AtomicBool::new(false),
            changed: watch::channel(0).0,
            wake: std::sync::Mutex::new(HashSet::new()),
            deals: std::sync::RwLock::new(HashMap::new()),
            pending: std::sync::Mutex::new(HashMap::new()),
            checking: std::sync::Mutex::new(HashSet::new()),
            delivered: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The pool owner's client.
    pub fn client(&self) -> &Client {
        self.txq.client()
    }

    /// The pool owner.
    pub fn owner(&self) -> Address {
        self.txq.address()
    }

    /// Tells the long polls something changed.
    pub fn bump(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Whether the scheduler is stopping.
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    /// Ends the long polls (the scheduler is stopping).
    pub(crate) fn stopping(&self) {
        self.stopping.store(true, Ordering::Relaxed);
        self.bump();
    }

    /// A receiver that sees the next [`Shared::bump`].
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Asks the engine to read these tasks from the chain again.
    pub fn wake(&self, tasks: impl IntoIterator<Item = B256>) {
        let mut wake = self.wake.lock().expect("the wake set is never poisoned");
        wake.extend(tasks);
    }

    /// The woken tasks, emptied.
    pub(crate) fn take_woken(&self) -> Vec<B256> {
        let mut wake = self.wake.lock().expect("the wake set is never poisoned");
        wake.drain().collect()
    }

    /// A deal, from the cache or the database.
    pub async fn deal(&self, deal_id: B256) -> Result<Option<Arc<DealRow>>> {
        if let Some(deal) = self
            .deals
            .read()
            .expect("the deal cache is never poisoned")
            .get(&deal_id)
        {
            return Ok(Some(deal.clone()));
        }
        let Some(deal) = self.store.deal(deal_id).await? else {
            return Ok(None);
        };
        let deal = Arc::new(deal);
        self.deals
            .write()
            .expect("the deal cache is never poisoned")
            .insert(deal_id, deal.clone());
        Ok(Some(deal))
    }

    /// Whether a transaction for `task` is in flight or in backoff.
    pub(crate) fn is_pending(&self, task: B256) -> bool {
        let mut pending = self.pending.lock().expect("never poisoned");
        match pending.get(&task) {
            Some(Pending::InFlight) => true,
            Some(Pending::Backoff(until)) if Instant::now() < *until => true,
            Some(Pending::Backoff(_)) => {
                pending.remove(&task);
                false
            }
            None => false,
        }
    }

    /// Marks transactions for `tasks` in flight.
    pub(crate) fn set_in_flight(&self, tasks: &[B256]) {
        let mut pending = self.pending.lock().expect("never poisoned");
        for task in tasks {
            pending.insert(*task, Pending::InFlight);
        }
    }

    /// Records the outcome of the transaction for `tasks`: done, or failed (backoff).
    pub(crate) fn settle(&self, tasks: &[B256], failed: bool) {
        let mut pending = self.pending.lock().expect("never poisoned");
        for task in tasks {
            if failed {
                let until = Instant::now() + Duration::from_secs(2);
                pending.insert(*task, Pending::Backoff(until));
            } else {
                pending.remove(task);
            }
        }
    }
}

/// The engine's loop: until `stop` says so, every tick.
pub async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut last_clock = Instant::now() - Duration::from_secs(60);
    loop {
        if *stop.borrow() {
            return;
        }
        if last_clock.elapsed() >= Duration::from_millis(200) {
            match shared.clock.refresh(shared.client()).await {
                Ok(_) => last_clock = Instant::now(),
                Err(e) => tracing::warn!("scheduler: cannot read the chain's time: {e}"),
            }
        }
        if let Err(e) = apply::tick(&shared).await {
            tracing::warn!("scheduler: tick failed, retrying: {e}");
        }
        tokio::select! {
            _ = stop.wait_for(|stop| *stop) => return,
            () = tokio::time::sleep(shared.config.tick) => {}
        }
    }
}

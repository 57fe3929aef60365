//! Poco's scheduler: the pool manager's service that hands a workerpool's tasks to its workers
//! and drives them through Proof of Contribution to finalization (design
//! `docs/design/execution.md` §2).
//!
//! [`Scheduler::start`] checks the chain and the wallet (it must own the workerpool), opens its
//! database (SQLite or PostgreSQL), reads every live task from the chain again, then follows
//! the hub's events, runs its engine and serves iExec core's worker API:
//!
//! - workers log in (challenge, EIP-191 signature, JWT), register, ping, and long-poll
//!   `/replicates/available` and `/replicates/interrupted`; their status updates are answered
//!   with the next action ([`engine::notify`]);
//! - the supply hands a task to one more worker only while the consensus needs it
//!   ([`engine::supply`]);
//! - the engine initializes tasks in batches, asks a revealed winner to upload the result,
//!   checks it, finalizes, reopens tasks nobody revealed, and claims expired ones
//!   ([`engine::task`]); a worker silent for too long is lost and its tasks handed to others
//!   ([`workers`]);
//! - `/tasks/{id}` shows a task and its replicates, `/tasks/{id}/logs` the app's logs to the
//!   requester, and `/{chainId}/workerpools/{address}` answers like iExec Compass.
//!
//! Nothing lives only in memory: a restart resumes from the database and the chain.

pub mod api;
pub mod auth;
pub mod chain;
pub mod config;
pub mod engine;
pub mod error;
pub mod matcher;
pub mod results;
pub mod store;
pub mod workers;

pub use config::SchedulerConfig;
pub use error::{Result, SchedulerError};
pub use results::{CheckOutcome, ResultCheck, ResultProxy};

use crate::{
    chain::{follow::Sink, reconcile},
    engine::Shared,
    store::{MIGRATIONS, Store, addr},
};
use poco_client::Client;
use poco_service::{
    db,
    follow::LogFollower,
    jwt::JwtKey,
    secret::{self, JWT_SECRET},
    settings,
    time::now_ms,
    txq::TxQueue,
};
use poco_types::core::PublicConfiguration;
use std::{net::SocketAddr, sync::Arc};
use tokio::{
    sync::{oneshot, watch},
    task::JoinHandle,
};

/// A running scheduler.
#[derive(Debug)]
pub struct Scheduler {
    addr: SocketAddr,
    shared: Arc<Shared>,
    follower: Option<LogFollower>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

impl Scheduler {
    /// Starts a scheduler per `config` (see the crate's documentation); the API is open when
    /// this returns.
    pub async fn start(config: SchedulerConfig) -> Result<Self> {
        let client = Client::connect(config.chain.clone(), Some(config.wallet.clone())).await?;
        let owner = config.wallet.address();
        let pool_owner = client
            .hub()
            .viewWorkerpool(config.workerpool)
            .call()
            .await
            .map_err(|e| {
                SchedulerError::Config(format!(
                    "cannot read workerpool {} on chain {}: {e}",
                    config.workerpool, config.chain.name
                ))
            })?
            .owner;
        if pool_owner != owner {
            return Err(SchedulerError::Config(format!(
                "workerpool {} is owned by {pool_owner}, not by this scheduler's wallet {owner}: \
                 run the scheduler with the pool owner's wallet",
                config.workerpool
            )));
        }
        let pool = db::connect(&config.database_url, &db::migrator(MIGRATIONS)).await?;
        for (key, value) in [
            ("chain_id", client.chain_id().to_string()),
            ("hub", addr(client.hub_address())),
            ("workerpool", addr(config.workerpool)),
        ] {
            settings::check_or_set(&pool, key, &value).await?;
        }
        let jwt = JwtKey::new(&secret::load_or_create(&pool, JWT_SECRET).await?);
        let store = Store::new(pool.clone());
        store.reset_workers_alive(now_ms()).await?;
        let public_config = PublicConfiguration {
            chain_id: client.chain_id(),
            hub: client.hub_address(),
            worker_pool_address: config.workerpool,
            scheduler_public_address: owner,
            result_repository_url: config.result_proxy_url.clone(),
            ipfs_gateway_url: config.ipfs_gateway_url.clone(),
            ask_for_replicate_period: 5_000,
            ping_period: millis(config.ping_period),
            worker_lost_after: millis(config.worker_lost_after),
            required_worker_version: String::new(),
        };
        let result_check: Arc<dyn ResultCheck> = match &config.result_check {
            Some(check) => check.clone(),
            None => Arc::new(
                ResultProxy::new(&config.result_proxy_url).map_err(SchedulerError::Config)?,
            ),
        };
        let txq = TxQueue::start(client.clone())?;
        let follow = chain::follow::follow_config(&config, client.chain_id(), client.hub_address());
        let listen = config.listen;
        let shared = Arc::new(Shared::new(
            config,
            store.clone(),
            txq,
            jwt,
            public_config,
            result_check,
        ));
        shared.clock.refresh(shared.client()).await?;

        // Before the API opens: everything the chain did while we were away.
        let follower = LogFollower::start(
            client.clone(),
            pool,
            follow,
            Arc::new(Sink::new(shared.clone())),
        )
        .await?;
        follower.catch_up().await?;
        let live: Vec<_> = store
            .live_tasks()
            .await?
            .iter()
            .map(|t| t.task_id)
            .collect();
        for task in &live {
            if let Err(e) = reconcile::reconcile(&shared, *task).await {
                tracing::warn!("scheduler: cannot read task {task} at start: {e}");
                shared.wake([*task]);
            }
        }

        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| SchedulerError::Server(format!("cannot listen on {listen}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| SchedulerError::Server(e.to_string()))?;
        let _ = shared.public_url.set(shared.config.public_url_or(addr));
        let (stop, stopped) = watch::channel(false);
        let mut tasks = vec![tokio::spawn(engine::run(shared.clone(), stopped.clone()))];
        if shared.config.match_requests {
            tasks.push(tokio::spawn(matcher::run(shared.clone(), stopped)));
        }
        let router = api::router(shared.clone());
        let (shutdown, down) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = down.await;
                })
                .await
        });
        tracing::info!(
            "scheduler of workerpool {} listening on http://{addr} ({} live task(s))",
            shared.config.workerpool,
            live.len()
        );
        Ok(Self {
            addr,
            shared,
            follower: Some(follower),
            stop,
            tasks,
            shutdown: Some(shutdown),
            server: Some(server),
        })
    }

    /// The API's base URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The database (for tests and tools).
    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    /// Stops cleanly: the engine and the follower between two steps, the API after the
    /// requests in flight (long polls end at once), the transaction being sent, then the
    /// database.
    pub async fn stop(mut self) -> Result<()> {
        self.stop.send_replace(true);
        self.shared.stopping();
        if let Some(follower) = self.follower.take() {
            follower.stop().await;
        }
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(mut server) = self.server.take()
            && tokio::time::timeout(std::time::Duration::from_secs(5), &mut server)
                .await
                .is_err()
        {
            server.abort();
        }
        self.shared.txq.stop().await;
        self.shared.store.close().await;
        Ok(())
    }

    /// Stops at once, as a crash would: nothing is cleaned up or waited for.
    pub fn abort(mut self) {
        if let Some(follower) = self.follower.take() {
            follower.abort();
        }
        for task in self.tasks.drain(..) {
            task.abort();
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        self.shutdown.take();
        self.shared.stopping();
        let txq = self.shared.txq.clone();
        tokio::spawn(async move { txq.stop().await });
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        self.stop.send_replace(true);
        for task in &self.tasks {
            task.abort();
        }
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

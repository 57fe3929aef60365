//! The running market: [`Market::start`] connects to the chain and the database, migrates it,
//! copies the hub's categories, starts the chain watcher ([`crate::watcher`]) and serves the
//! API on its own task until [`Market::stop`] (or drop), which also ends the live streams and
//! the watcher.

use crate::{
    api,
    config::MarketConfig,
    db::{self, Pool},
    error::{MarketError, Result},
    orders::counts::Counts,
    stream::Events,
    time::MonotonicClock,
    watcher::Watcher,
};
use poco_client::{Client, chains::ChainConf};
use std::{net::SocketAddr, sync::Arc};
use tokio::{sync::oneshot, task::JoinHandle};

/// What the handlers share.
#[derive(Debug)]
pub struct AppState {
    /// The settings.
    pub config: MarketConfig,
    /// The database.
    pub pool: Pool,
    /// A read-only client of the chain.
    pub client: Client,
    /// Publication times, strictly increasing.
    pub clock: MonotonicClock,
    /// The live stream's events (published, unpublished, updated orders; deals).
    pub events: Events,
    /// The book queries' counts, between writes.
    pub counts: Counts,
}

impl AppState {
    /// The state of a market per `config` over `pool` and `client`: a fresh clock, and an
    /// event hub keeping `config.stream_buffer` events.
    pub fn new(config: MarketConfig, pool: Pool, client: Client) -> Self {
        let events = Events::new(config.stream_buffer);
        Self {
            config,
            pool,
            client,
            clock: MonotonicClock::default(),
            events,
            counts: Counts::default(),
        }
    }
}

/// A running market.
#[derive(Debug)]
pub struct Market {
    addr: SocketAddr,
    state: Arc<AppState>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    watcher: Option<Watcher>,
}

impl Market {
    /// Starts a market per `config`: checks the chain (node, chain id, hub), opens and migrates
    /// the database, copies the hub's categories it lacks, starts the chain watcher, and
    /// listens.
    pub async fn start(config: MarketConfig) -> Result<Self> {
        let chain = ChainConf {
            name: format!("chain {}", config.chain_id),
            host: config.rpc_url.clone(),
            id: config.chain_id,
            hub: Some(config.hub),
            ..ChainConf::dev()
        };
        let client = Client::connect(chain, None).await?;
        let pool = db::connect(&config.database_url).await?;
        crate::categories::sync(&pool, &client, config.chain_id).await?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| MarketError::Server(format!("cannot listen on {}: {e}", config.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| MarketError::Server(e.to_string()))?;
        let state = Arc::new(AppState::new(config, pool, client));
        let watcher = Watcher::start(state.clone()).await?;
        let router = api::router(state.clone());
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        tracing::info!("market listening on http://{addr}");
        Ok(Self {
            addr,
            state,
            shutdown: Some(shutdown),
            task: Some(task),
            watcher: Some(watcher),
        })
    }

    /// The API's base URL (`http://127.0.0.1:PORT`).
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The database pool (for the chain watcher and tests).
    pub fn pool(&self) -> &Pool {
        &self.state.pool
    }

    /// The settings it runs with.
    pub fn config(&self) -> &MarketConfig {
        &self.state.config
    }

    /// The last block the chain watcher processed: the book reflects the chain up to it.
    pub fn watched_block(&self) -> u64 {
        self.watcher.as_ref().map_or(0, Watcher::position)
    }

    /// The live stream's event hub.
    pub fn events(&self) -> &Events {
        &self.state.events
    }

    /// Stops serving (in-flight requests finish, live streams end), stops the chain watcher
    /// (between two block ranges) and closes the database.
    pub async fn stop(mut self) -> Result<()> {
        self.state.events.close();
        if let Some(watcher) = self.watcher.take() {
            watcher.stop().await;
        }
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .map_err(|e| MarketError::Server(e.to_string()))?
                .map_err(|e| MarketError::Server(e.to_string()))?;
        }
        self.state.pool.close().await;
        Ok(())
    }
}

impl Drop for Market {
    fn drop(&mut self) {
        self.state.events.close();
        if let Some(watcher) = &self.watcher {
            watcher.signal_stop();
        }
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

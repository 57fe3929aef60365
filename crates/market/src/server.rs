//! The running market: [`Market::start`] connects to the chain and the database, migrates it
//! and serves the API on its own task until [`Market::stop`] (or drop).

use crate::{
    api,
    config::MarketConfig,
    db::{self, Pool},
    error::{MarketError, Result},
    time::MonotonicClock,
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
}

/// A running market.
#[derive(Debug)]
pub struct Market {
    addr: SocketAddr,
    state: Arc<AppState>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Market {
    /// Starts a market per `config`: checks the chain (node, chain id, hub), opens and migrates
    /// the database, and listens.
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
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| MarketError::Server(format!("cannot listen on {}: {e}", config.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| MarketError::Server(e.to_string()))?;
        let state = Arc::new(AppState {
            config,
            pool,
            client,
            clock: MonotonicClock::default(),
        });
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

    /// Stops serving (in-flight requests finish) and closes the database.
    pub async fn stop(mut self) -> Result<()> {
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
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

//! The running result server: [`ResultServer::start`] connects to the chain, opens the store
//! and the database (refusing a database made for another chain or hub), loads its token
//! secret, serves the API and sweeps unconfirmed uploads, until [`ResultServer::stop`].

use crate::{
    api,
    config::ResultsConfig,
    db,
    error::{Result, ResultsError},
    store::BlobStore,
    upload::{self, SweepReport},
};
use poco_client::Client;
use poco_service::{db::Pool, jwt::JwtKey, secret, settings};
use std::{net::SocketAddr, sync::Arc};
use tokio::{sync::watch, task::JoinHandle};

/// What the handlers share.
#[derive(Debug)]
pub(crate) struct State {
    /// The settings.
    pub(crate) config: ResultsConfig,
    /// The records.
    pub(crate) pool: Pool,
    /// A read-only client of the chain.
    pub(crate) client: Client,
    /// The blobs.
    pub(crate) store: BlobStore,
    /// The token key.
    pub(crate) jwt: JwtKey,
}

/// A running result server.
#[derive(Debug)]
pub struct ResultServer {
    addr: SocketAddr,
    state: Arc<State>,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    sweeper: Option<JoinHandle<()>>,
}

impl ResultServer {
    /// Starts a result server per `config`: checks the chain (node, chain id, hub), opens the
    /// store and the database, and listens.
    pub async fn start(config: ResultsConfig) -> Result<Self> {
        let client = Client::connect(config.chain.clone(), None).await?;
        let store = BlobStore::open(&config.store)?;
        let pool = db::connect(&config.database_url).await?;
        settings::check_or_set(&pool, "chain_id", &client.chain_id().to_string()).await?;
        settings::check_or_set(&pool, "hub", &poco_service::db::lower(client.hub_address()))
            .await?;
        let jwt = JwtKey::new(&secret::load_or_create(&pool, secret::JWT_SECRET).await?);
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| ResultsError::Listen {
                addr: config.listen,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| ResultsError::Server(e.to_string()))?;
        let state = Arc::new(State {
            config,
            pool,
            client,
            store,
            jwt,
        });
        let (stop, stopped) = watch::channel(false);
        let router = api::router(state.clone());
        let mut server_stop = stopped.clone();
        let server = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = server_stop.wait_for(|stop| *stop).await;
                })
                .await
        });
        let sweeper = tokio::spawn(sweep_loop(state.clone(), stopped));
        tracing::info!(
            "result server listening on http://{addr}, storing in {}",
            state.store.describe()
        );
        Ok(Self {
            addr,
            state,
            stop,
            server: Some(server),
            sweeper: Some(sweeper),
        })
    }

    /// The base URL (`http://127.0.0.1:PORT`): the chain's `resultProxy` and `ipfsGateway`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where the blobs are, in words.
    pub fn store_description(&self) -> &str {
        self.state.store.describe()
    }

    /// Runs one sweep now (the server also sweeps every `sweep_interval`).
    pub async fn sweep(&self) -> Result<SweepReport> {
        upload::sweep(&self.state).await
    }

    /// Stops serving (in-flight requests finish), stops the sweeper and closes the database.
    pub async fn stop(mut self) -> Result<()> {
        let _ = self.stop.send(true);
        if let Some(sweeper) = self.sweeper.take() {
            let _ = sweeper.await;
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .map_err(|e| ResultsError::Server(e.to_string()))?
                .map_err(|e| ResultsError::Server(e.to_string()))?;
        }
        self.state.pool.close().await;
        Ok(())
    }
}

impl Drop for ResultServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Sweeps every `sweep_interval` until stopped; a failed sweep is logged and retried next time.
async fn sweep_loop(state: Arc<State>, mut stopped: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(state.config.sweep_interval);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => return,
            _ = interval.tick() => {}
        }
        match upload::sweep(&state).await {
            Ok(report) if report != SweepReport::default() => tracing::info!(
                "sweep: {} upload(s) confirmed, {} removed",
                report.confirmed,
                report.deleted
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!("sweep failed (retried later): {e}"),
        }
    }
}

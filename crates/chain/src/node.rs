//! A running node: the backend, its server, interval mining and periodic state saving. Start one
//! with [`Node::start`]; it stops (and saves its state, when it has a state file) when
//! [`Node::stop`] is called or the handle is dropped.

use crate::{Backend, ChainConfig, ChainError, Result, accounts, persist, rpc::Rpc, server};
use alloy_signer_local::PrivateKeySigner;
use std::{net::SocketAddr, sync::Arc, time::Duration};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

/// A running dev chain.
pub struct Node {
    backend: Arc<Backend>,
    signers: Vec<PrivateKeySigner>,
    addr: SocketAddr,
    config: ChainConfig,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    server: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("addr", &self.addr)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Node {
    /// Starts a node: loads its state file if any, binds, and serves.
    pub async fn start(config: ChainConfig) -> Result<Self> {
        if config.accounts == 0 {
            return Err(ChainError::Config(
                "at least one dev account is needed".to_owned(),
            ));
        }
        let signers = accounts::derive(&config.mnemonic, config.accounts)?;
        let saved = match &config.state_path {
            Some(path) => persist::load(path)?,
            None => None,
        };
        let backend = Arc::new(Backend::new(&config, signers.clone(), saved)?);
        let addr = SocketAddr::new(config.host, config.port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ChainError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ChainError::Bind { addr, source })?;

        let (shutdown, shutdown_rx) = watch::channel(false);
        let (interval_tx, interval_rx) = watch::channel(config.block_time);
        let rpc = Arc::new(Rpc::new(backend.clone(), interval_tx, config.max_batch));
        let router = server::router(rpc, config.max_request_body, shutdown_rx.clone());
        let mut server_shutdown = shutdown_rx.clone();
        let server = tokio::spawn(async move {
            let stop = async move {
                let _ = server_shutdown.wait_for(|stop| *stop).await;
            };
            if let Err(e) = axum::serve(listener, router)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::error!(error = %e, "JSON-RPC server failed");
            }
        });

        let mut tasks = vec![tokio::spawn(interval_mining(
            backend.clone(),
            interval_rx,
            shutdown_rx.clone(),
        ))];
        if let Some(path) = config.state_path.clone() {
            tasks.push(tokio::spawn(periodic_save(
                backend.clone(),
                path,
                config.state_interval,
                shutdown_rx,
            )));
        }
        tracing::info!(%addr, chain_id = config.chain_id, "poco chain listening");
        Ok(Self {
            backend,
            signers,
            addr,
            config,
            shutdown,
            tasks,
            server: Some(server),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://host:port`.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://host:port`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// The chain itself, for in-process use.
    pub fn backend(&self) -> &Arc<Backend> {
        &self.backend
    }

    /// The dev accounts' keys.
    pub fn signers(&self) -> &[PrivateKeySigner] {
        &self.signers
    }

    /// The configuration the node runs with.
    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// Saves the state file now (no-op without one).
    pub async fn save_state(&self) -> Result<()> {
        let Some(path) = self.config.state_path.clone() else {
            return Ok(());
        };
        let saved = self.backend.save();
        tokio::task::spawn_blocking(move || persist::save(&path, saved))
            .await
            .map_err(|e| ChainError::Config(format!("state saving task failed: {e}")))?
    }

    /// Stops serving, waits for the server to finish, and saves the state.
    pub async fn stop(mut self) -> Result<()> {
        let _ = self.shutdown.send(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        for task in self.tasks.drain(..) {
            task.abort();
        }
        self.save_state().await
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for task in &self.tasks {
            task.abort();
        }
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}

/// Mines a block every interval while interval mining is on.
async fn interval_mining(
    backend: Arc<Backend>,
    mut interval: watch::Receiver<Option<Duration>>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let current = *interval.borrow_and_update();
        match current {
            Some(period) => tokio::select! {
                _ = tokio::time::sleep(period) => {
                    if let Err(e) = backend.mine(None) {
                        tracing::error!(error = %e, "interval mining failed");
                    }
                }
                changed = interval.changed() => if changed.is_err() { return },
                _ = shutdown.changed() => return,
            },
            None => tokio::select! {
                changed = interval.changed() => if changed.is_err() { return },
                _ = shutdown.changed() => return,
            },
        }
    }
}

/// Saves the state file every `period`.
async fn periodic_save(
    backend: Arc<Backend>,
    path: std::path::PathBuf,
    period: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut saved = None;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = shutdown.changed() => return,
        }
        let revision = backend.revision();
        if saved == Some(revision) {
            continue;
        }
        let chain = backend.save();
        let path = path.clone();
        match tokio::task::spawn_blocking(move || persist::save(&path, chain)).await {
            Ok(Ok(())) => saved = Some(revision),
            Ok(Err(e)) => tracing::error!(error = %e, "saving the chain state failed"),
            Err(e) => tracing::error!(error = %e, "saving task panicked"),
        }
    }
}

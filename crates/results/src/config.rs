//! The result server's settings: where it listens, which chain it checks uploads against,
//! where it keeps the zips (the store) and their records (the database), and its limits. A plain
//! struct with builder methods; [`ResultsConfig::test`] gives a server on a free port with its
//! own temporary folder.

use poco_client::chains::{ChainConf, DEV_RESULT_PROXY};
use std::{net::SocketAddr, path::Path, sync::Arc, time::Duration};

/// The default largest zip accepted: 100 MiB.
pub const DEFAULT_MAX_RESULT_SIZE: u64 = 100 << 20;

/// How a [`crate::ResultServer`] runs.
#[derive(Clone, Debug)]
pub struct ResultsConfig {
    /// Where the HTTP API listens (port 0: any free port).
    pub listen: SocketAddr,
    /// The chain whose tasks results belong to (node, chain id, hub).
    pub chain: ChainConf,
    /// Where the zips go: `file:///absolute/dir` (a plain path works too), `memory://`
    /// (lost at stop), or `s3://bucket/prefix` (credentials and region from the `AWS_*`
    /// environment variables).
    pub store: String,
    /// The database: `sqlite://path?mode=rwc` or `postgres://...`.
    pub database_url: String,
    /// The largest zip accepted, in bytes.
    pub max_result_size: u64,
    /// How long an upload token is valid.
    pub token_ttl: Duration,
    /// How often unconfirmed trust-1 uploads past their final deadline are looked at again
    /// (and deleted when their task did not complete with them).
    pub sweep_interval: Duration,
    /// Keeps a temporary folder alive as long as the config (and the server) lives.
    temp_dir: Option<Arc<tempfile::TempDir>>,
}

impl Default for ResultsConfig {
    /// The dev chain, `127.0.0.1:3001` (the dev chain's `resultProxy` and `ipfsGateway`), the
    /// store `./results/blobs` and the database `./results.sqlite`.
    fn default() -> Self {
        let port = DEV_RESULT_PROXY
            .rsplit(':')
            .next()
            .and_then(|port| port.parse().ok())
            .unwrap_or(3001);
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], port)),
            chain: ChainConf::dev(),
            store: "results/blobs".to_owned(),
            database_url: poco_service::db::sqlite_url(Path::new("results.sqlite")),
            max_result_size: DEFAULT_MAX_RESULT_SIZE,
            token_ttl: Duration::from_secs(3600),
            sweep_interval: Duration::from_secs(60),
            temp_dir: None,
        }
    }
}

impl ResultsConfig {
    /// For tests: any free port on loopback, a store and a SQLite file in a temporary folder
    /// (removed when the last clone of the config is dropped), the dev chain, a sweep every
    /// 200 ms.
    pub fn test() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder can be created for the test");
        let store = format!("file://{}", dir.path().join("blobs").display());
        let database_url = poco_service::db::sqlite_url(&dir.path().join("results.sqlite"));
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            store,
            database_url,
            sweep_interval: Duration::from_millis(200),
            temp_dir: Some(Arc::new(dir)),
            ..Self::default()
        }
    }

    /// The temporary folder of a [`ResultsConfig::test`] config.
    pub fn temp_dir(&self) -> Option<&Path> {
        self.temp_dir.as_deref().map(tempfile::TempDir::path)
    }

    /// Listens on `listen`.
    pub fn with_listen(mut self, listen: SocketAddr) -> Self {
        self.listen = listen;
        self
    }

    /// Checks uploads against `chain`.
    pub fn with_chain(mut self, chain: ChainConf) -> Self {
        self.chain = chain;
        self
    }

    /// Keeps the zips in `store` (see [`ResultsConfig::store`]).
    pub fn with_store(mut self, store: impl Into<String>) -> Self {
        self.store = store.into();
        self
    }

    /// Keeps the records at `url` (`sqlite://...` or `postgres://...`).
    pub fn with_database_url(mut self, url: impl Into<String>) -> Self {
        self.database_url = url.into();
        self
    }

    /// Accepts zips of at most `bytes`.
    pub fn with_max_result_size(mut self, bytes: u64) -> Self {
        self.max_result_size = bytes;
        self
    }

    /// Issues upload tokens valid for `ttl`.
    pub fn with_token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// Sweeps unconfirmed uploads every `interval`.
    pub fn with_sweep_interval(mut self, interval: Duration) -> Self {
        self.sweep_interval = interval;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_dev_chains() {
        let config = ResultsConfig::default();
        assert_eq!(config.listen.to_string(), "127.0.0.1:3001");
        assert_eq!(config.max_result_size, 100 * 1024 * 1024);
        assert_eq!(config.token_ttl, Duration::from_secs(3600));
        let test = ResultsConfig::test().with_max_result_size(10);
        assert_eq!(test.listen.port(), 0);
        assert!(test.store.starts_with("file:///"), "{}", test.store);
        assert!(test.temp_dir().is_some());
        assert_eq!(test.max_result_size, 10);
    }
}

//! The worker's errors: each variant says when it happens; messages give the cause and the fix.

use std::{io, path::PathBuf};

/// The worker's result type.
pub type Result<T, E = WorkerError> = std::result::Result<T, E>;

/// Everything that can go wrong in the worker.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// No container engine answered and none could be started (§6.2).
    #[error(
        "No container engine: install Podman (`bash scripts/podman.sh ensure` in a Poco checkout, \
         or `apt-get install podman runc` and the configuration in docs) or Docker{0}"
    )]
    NoEngine(String),
    /// The engine given by `--engine`/`DOCKER_HOST` is not usable (bad URL, no answer).
    #[error("container engine at {url}: {cause}")]
    EngineUnreachable {
        /// The engine's URL.
        url: String,
        /// Why it is not usable.
        cause: String,
    },
    /// The engine serves a Docker Engine API older than 1.41.
    #[error(
        "container engine at {url} serves Docker Engine API {version}, older than 1.41: upgrade \
         it (Podman ≥ 4, Docker ≥ 20.10)"
    )]
    EngineTooOld {
        /// The engine's URL.
        url: String,
        /// The API version it reported.
        version: String,
    },
    /// A call to the engine failed (create, start, wait, logs, load, inspect...).
    #[error("container engine: {what}: {cause}")]
    Engine {
        /// What was being done.
        what: String,
        /// The engine's answer.
        cause: String,
    },
    /// A file or directory could not be read or written.
    #[error("{what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The system's error.
        source: io::Error,
    },
    /// The worker's database failed (open, migrate, query).
    #[error("worker database: {0}")]
    Database(String),
    /// A chain read or a transaction failed.
    #[error(transparent)]
    Client(Box<poco_client::ClientError>),
    /// A chain read failed (node unreachable, unexpected answer).
    #[error("cannot read {what} from the chain: {cause}")]
    Chain {
        /// What was being read.
        what: String,
        /// The node's or the transport's answer.
        cause: String,
    },
    /// A transaction was refused by the chain (`revert`: the simulation or the mined
    /// transaction reverted, so the chain moved on) or could not be sent.
    #[error("{what}: {cause}")]
    Transaction {
        /// The transaction.
        what: String,
        /// Whether the chain refused it (rather than the node being unreachable).
        revert: bool,
        /// The explanation.
        cause: String,
    },
    /// The scheduler refused or failed a request, or answered something unexpected.
    #[error("scheduler: {0}")]
    Scheduler(String),
    /// The result storage refused or failed an upload.
    #[error("result storage: {0}")]
    Results(String),
    /// The configuration is unusable (wrong chain, bad URL, zero slots...).
    #[error("configuration: {0}")]
    Config(String),
    /// A task cannot be run by this worker (START_FAILED reasons, §3.1).
    #[error("{0}")]
    Refused(String),
}

impl WorkerError {
    /// An [`WorkerError::Engine`] error from a bollard error.
    pub(crate) fn engine(what: impl Into<String>, cause: impl std::fmt::Display) -> Self {
        Self::Engine {
            what: what.into(),
            cause: cause.to_string(),
        }
    }

    /// A [`WorkerError::Chain`] error.
    pub(crate) fn chain(what: impl Into<String>, cause: impl std::fmt::Display) -> Self {
        Self::Chain {
            what: what.into(),
            cause: cause.to_string(),
        }
    }

    /// An [`WorkerError::Io`] error.
    pub(crate) fn io(what: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            what,
            path: path.into(),
            source,
        }
    }
}

impl From<poco_client::ClientError> for WorkerError {
    fn from(error: poco_client::ClientError) -> Self {
        Self::Client(Box::new(error))
    }
}

impl From<sqlx::Error> for WorkerError {
    fn from(error: sqlx::Error) -> Self {
        Self::Database(error.to_string())
    }
}

//! What can go wrong while starting, setting up or running the local stack.

use std::path::PathBuf;

/// The stack's result.
pub type Result<T, E = StackError> = std::result::Result<T, E>;

/// An error of the local stack, in words that say what to do.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// Another `poco up` holds the data directory's lock.
    #[error(
        "another `poco up` is using {0} (its lock file is held): stop it, or pass another --data-dir"
    )]
    Locked(PathBuf),
    /// A file or directory of the data directory could not be read or written.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// `stack.json` exists but cannot be read as a stack record.
    #[error("{path} is not a stack record ({cause}): remove the data directory or pass --fresh")]
    BadRecord {
        /// The file.
        path: PathBuf,
        /// The parse error.
        cause: String,
    },
    /// The embedded chain failed to start or stop.
    #[error("the dev chain: {0}")]
    Chain(#[from] poco_chain::ChainError),
    /// Deploying or finding the protocol failed.
    #[error("deploying the protocol: {0}")]
    Deploy(String),
    /// A call to the chain (setup transactions, reads) failed (boxed: it is large).
    #[error(transparent)]
    Client(Box<poco_client::ClientError>),
    /// The market failed to start or stop.
    #[error("the market: {0}")]
    Market(#[from] poco_market::MarketError),
    /// The result storage failed to start or stop.
    #[error("the result storage: {0}")]
    Results(#[from] poco_results::ResultsError),
    /// The scheduler failed to start or stop.
    #[error("the scheduler: {0}")]
    Scheduler(#[from] poco_scheduler::SchedulerError),
    /// A worker failed to start or stop, or the container engine is missing.
    #[error("{0}")]
    Worker(#[from] poco_worker::WorkerError),
    /// A setup step failed on the chain.
    #[error("setting the stack up: {0}")]
    Setup(String),
    /// The demo failed at one of its steps.
    #[error("the demo, while {step}: {cause}")]
    Demo {
        /// The step.
        step: &'static str,
        /// Why.
        cause: String,
    },
}

impl From<poco_client::ClientError> for StackError {
    fn from(e: poco_client::ClientError) -> Self {
        Self::Client(Box::new(e))
    }
}

impl StackError {
    /// An I/O error on `path` while doing `what`.
    pub(crate) fn io(
        what: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { what, path, source }
    }
}

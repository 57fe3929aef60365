//! Errors of running apps ([`super`]): what the market cannot offer, what the requester's
//! account cannot pay, what the scheduler or the result storage answered. Each message says
//! the cause and the fix; errors of the rest of the client library pass through as
//! [`ExecutionError::Client`].

use crate::error::ClientError;
use crate::explain::amount;
use alloy_primitives::{Address, B256, U256};

/// What went wrong while running an app or following its tasks.
#[derive(Debug, thiserror::Error)]
pub enum ExecutionError {
    /// An error of the rest of the client library (chain, market, wallet, orders).
    #[error(transparent)]
    Client(Box<ClientError>),
    /// The market has no app order this requester can use.
    #[error(
        "no order available for app {app} on the market {market}: no open apporder that you may use (public or restricted to you{with}, with tags within the request's {tag}); ask the app's owner to publish one (`poco app publish {app}`)"
    )]
    NoAppOrder {
        /// The app.
        app: Address,
        /// The market's URL.
        market: String,
        /// ", dataset 0x…, workerpool 0x…" when the run names them.
        with: String,
        /// The request's tag, in words.
        tag: String,
    },
    /// The market has no dataset order this requester can use for this app.
    #[error(
        "no order available for dataset {dataset} on the market {market}: no open datasetorder that app {app} and you may use{with}; ask the dataset's owner to publish one (`poco dataset publish {dataset}`)"
    )]
    NoDatasetOrder {
        /// The dataset.
        dataset: Address,
        /// The app.
        app: Address,
        /// The market's URL.
        market: String,
        /// ", workerpool 0x…" when the run names one.
        with: String,
    },
    /// The market has no workerpool order that fits the request.
    #[error(
        "no workerpoolorder matching your conditions is available on the market {market}: {conditions}; look at what is offered with `poco orderbook workerpool`{fix}"
    )]
    NoWorkerpoolOrder {
        /// The market's URL.
        market: String,
        /// The conditions in words (category, trust, tags, workerpool).
        conditions: String,
        /// More advice (another category, no --workerpool).
        fix: String,
    },
    /// `--params` is not a JSON object, or a param is invalid.
    #[error("{0}")]
    InvalidParams(String),
    /// The request asks for something the workers cannot do (TEE, secrets, encrypted results,
    /// another storage).
    #[error(
        "request requirements check failed: {0} (if you consider this is not an issue, use --skip-preflight-check to skip the preflight requirement check)"
    )]
    Requirements(String),
    /// The requester's free hub stake does not cover the deal.
    #[error(
        "your hub account ({requester}) has {} free and this run costs {}{breakdown}: the RLC in your wallet is not used directly, deposit it first with `poco account deposit {}` (or more), then run again",
        amount(*available),
        amount(*needed),
        needed.saturating_sub(*available)
    )]
    NotEnoughStake {
        /// The requester.
        requester: Address,
        /// Its free stake, in nRLC.
        available: U256,
        /// What the deal locks, in nRLC.
        needed: U256,
        /// " (app 1 nRLC + workerpool 2 nRLC per task × 1)".
        breakdown: String,
    },
    /// The task is not completed: no result to download yet.
    #[error("task {task} is {status}, not COMPLETED: its result is not available{advice}")]
    NotCompleted {
        /// The task.
        task: B256,
        /// Its status name.
        status: String,
        /// What to do (watch it, claim it).
        advice: String,
    },
    /// The task completed but its results cannot be downloaded from an IPFS gateway.
    #[error("task {task}: {reason}")]
    NoResult {
        /// The task.
        task: B256,
        /// Why (no result uploaded, another storage, no location).
        reason: String,
    },
    /// The workerpool's API (its scheduler) cannot be found.
    #[error(
        "cannot find the API of workerpool {workerpool}: {reason}; give its scheduler's URL with --workerpool-api URL"
    )]
    NoWorkerpoolApi {
        /// The workerpool.
        workerpool: Address,
        /// Why.
        reason: String,
    },
    /// The scheduler (workerpool API) failed or refused.
    #[error(transparent)]
    Core(#[from] crate::core::CoreApiError),
    /// The result storage or IPFS gateway failed, or served bytes that are not the result.
    #[error(transparent)]
    Results(#[from] crate::results::ResultsApiError),
    /// Only the deal's requester may read the app's logs.
    #[error(
        "only the task's requester {requester} can read its app logs, and your wallet is {you}: pick the requester's wallet (--wallet-address {requester})"
    )]
    NotRequester {
        /// The deal's requester.
        requester: Address,
        /// The wallet used.
        you: Address,
    },
    /// A file could not be written or read.
    #[error("cannot {action} {}: {cause}", path.display())]
    Io {
        /// "write", "create the folder".
        action: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// The system's reason.
        cause: String,
    },
}

impl From<ClientError> for ExecutionError {
    fn from(error: ClientError) -> Self {
        Self::Client(Box::new(error))
    }
}

impl ExecutionError {
    /// An [`ExecutionError::Io`].
    pub(crate) fn io(action: &'static str, path: &std::path::Path, e: std::io::Error) -> Self {
        Self::Io {
            action,
            path: path.to_path_buf(),
            cause: e.to_string(),
        }
    }
}

/// The result of running apps.
pub type Result<T, E = ExecutionError> = std::result::Result<T, E>;

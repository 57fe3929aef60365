//! What can go wrong talking to a scheduler.

use alloy_primitives::Address;
use poco_types::challenge::ChallengeError;

/// What went wrong talking to a scheduler.
#[derive(Debug, thiserror::Error)]
pub enum CoreApiError {
    /// The URL given is not an http(s) URL.
    #[error("the scheduler URL `{url}` is not an http(s) URL: fix the option or chain.json")]
    Url {
        /// The URL given.
        url: String,
    },
    /// Nothing answered (scheduler down, wrong URL, network): retry later.
    #[error(
        "cannot reach the scheduler at {url} ({cause}). Is it running? Start it with `poco scheduler` (or `poco up`), or fix its URL"
    )]
    Unreachable {
        /// The scheduler's URL.
        url: String,
        /// What the transport said.
        cause: String,
    },
    /// The scheduler refused the wallet's login (bad signature, expired challenge, a wallet
    /// it does not accept).
    #[error("the scheduler at {url} refused to log {wallet} in: {message}")]
    LoginRefused {
        /// The scheduler's URL.
        url: String,
        /// The wallet.
        wallet: Address,
        /// The scheduler's message.
        message: String,
    },
    /// The scheduler refused the request (4xx) and said why.
    #[error("the scheduler at {url} refused {what} (HTTP {status}): {message}")]
    Refused {
        /// The scheduler's URL.
        url: String,
        /// The request.
        what: String,
        /// The HTTP status.
        status: u16,
        /// The scheduler's message.
        message: String,
    },
    /// The scheduler failed (5xx): retry later.
    #[error(
        "the scheduler at {url} failed {what} (HTTP {status}): {message}. Try again; if it persists, look at its log"
    )]
    Failed {
        /// The scheduler's URL.
        url: String,
        /// The request.
        what: String,
        /// The HTTP status.
        status: u16,
        /// The scheduler's message, or the status text.
        message: String,
    },
    /// The answer is not what the API gives.
    #[error(
        "the scheduler at {url} answered {what} with something unexpected ({reason}): check that the URL points at a Poco or iExec scheduler"
    )]
    Response {
        /// The scheduler's URL.
        url: String,
        /// The request.
        what: String,
        /// What is wrong with the answer.
        reason: String,
    },
    /// A worker route was called on a client without a wallet.
    #[error("logging in to the scheduler needs a wallet: give the worker's wallet")]
    NoWallet,
    /// The chain has no Compass, so its workerpools' APIs cannot be looked up.
    #[error(
        "chain `{chain}` has no `compass` in chain.json: give the scheduler's URL (--workerpool-api) or set `compass`"
    )]
    NoCompass {
        /// The chain's name.
        chain: String,
    },
    /// The Compass knows no API for this workerpool.
    #[error(
        "the Compass at {url} knows no API for workerpool {workerpool}: give the scheduler's URL (--workerpool-api)"
    )]
    UnknownWorkerpool {
        /// The Compass's URL.
        url: String,
        /// The workerpool.
        workerpool: Address,
    },
    /// The challenge is malformed, or signing it failed.
    #[error(transparent)]
    Challenge(#[from] ChallengeError),
}

/// The result of this module.
pub type Result<T, E = CoreApiError> = std::result::Result<T, E>;

//! Errors of the result server: setting it up (store, database, chain, listening) and the
//! refusals of its API, each mapped to its HTTP status at the edge ([`ResultsError::status`]).

use axum::http::StatusCode;
use poco_client::ClientError;
use poco_service::ServiceError;

/// Result alias of this crate.
pub type Result<T, E = ResultsError> = std::result::Result<T, E>;

/// What can go wrong in the result server.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// The store URL is not one of the forms accepted.
    #[error(
        "store `{url}` {reason}: use file:///absolute/dir (the default), memory:// or s3://bucket/prefix"
    )]
    StoreUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The object store failed (disk full, permissions, S3 unreachable or refusing).
    #[error("the result store failed to {action}: {source}")]
    Store {
        /// What was being done ("write ipfs/<cid>"...).
        action: String,
        /// The store's error.
        #[source]
        source: object_store::Error,
    },
    /// The database or the chain failed (see [`ServiceError`]).
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// A chain read failed (boxed: the client's error is large).
    #[error(transparent)]
    Client(Box<ClientError>),
    /// The listening address cannot be bound.
    #[error("cannot listen on {addr}: {source}. Pick another address with --listen")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP server stopped with an error.
    #[error("the result server failed: {0}")]
    Server(String),
    /// The request is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// No token, a bad token, or a signature that does not verify (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The caller is known but may not do this now (403): the task's state or the worker's
    /// contribution does not allow the upload.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing is stored under this id (404).
    #[error("{0}")]
    NotFound(String),
    /// Another result is already stored for the task (409).
    #[error("{0}")]
    Conflict(String),
    /// The upload is larger than the server accepts (413).
    #[error(
        "the result is {size} bytes, more than the {limit} bytes this server accepts: make the app's output smaller"
    )]
    TooLarge {
        /// The upload's size, in bytes (at least).
        size: u64,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The zip's content is not the task's result (422): its digest is not the one revealed.
    #[error("{0}")]
    ContentMismatch(String),
}

impl ResultsError {
    /// The HTTP status of this error: 4xx for the caller's mistakes, 503 when the chain is
    /// unreachable, 500 for the server's own failures.
    pub fn status(&self) -> StatusCode {
        match self {
            ResultsError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ResultsError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ResultsError::Forbidden(_) => StatusCode::FORBIDDEN,
            ResultsError::NotFound(_) => StatusCode::NOT_FOUND,
            ResultsError::Conflict(_) => StatusCode::CONFLICT,
            ResultsError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ResultsError::ContentMismatch(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ResultsError::Client(e) if chain_down(e) => StatusCode::SERVICE_UNAVAILABLE,
            ResultsError::Service(e) if e.client().is_some_and(chain_down) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A store failure while doing `action`.
    pub(crate) fn store(action: impl Into<String>, source: object_store::Error) -> Self {
        ResultsError::Store {
            action: action.into(),
            source,
        }
    }
}

/// Whether the chain (not the request) is at fault: unreachable node or failed RPC.
fn chain_down(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::ChainUnreachable { .. } | ClientError::Rpc { .. }
    )
}

impl From<ClientError> for ResultsError {
    fn from(e: ClientError) -> Self {
        ResultsError::Client(Box::new(e))
    }
}

impl From<sqlx::Error> for ResultsError {
    fn from(e: sqlx::Error) -> Self {
        ResultsError::Service(ServiceError::Database(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_map_to_4xx_and_failures_to_5xx() {
        assert_eq!(
            ResultsError::Conflict("x".into()).status(),
            StatusCode::CONFLICT
        );
        assert_eq!(
            ResultsError::TooLarge { size: 2, limit: 1 }.status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(
            ResultsError::ContentMismatch("x".into()).status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let unreachable = ClientError::ChainUnreachable {
            chain: "dev".into(),
            host: "h".into(),
            cause: "c".into(),
        };
        assert_eq!(
            ResultsError::from(unreachable).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            ResultsError::Server("x".into()).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}

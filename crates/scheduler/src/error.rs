//! The scheduler's errors. Those a caller of the API causes become 4xx answers
//! (`{"ok":false,"error":"..."}`); the others are the scheduler's own failures (chain,
//! database), logged and answered 5xx.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

/// The crate's result.
pub type Result<T, E = SchedulerError> = std::result::Result<T, E>;

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    /// The settings cannot work (another pool's database, a wallet that does not own the
    /// pool, a malformed URL).
    #[error("{0}")]
    Config(String),
    /// Reading the chain or sending a transaction failed.
    #[error(transparent)]
    Chain(Box<poco_client::ClientError>),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The shared service plumbing failed (database setup, JWT, transactions, follower).
    #[error(transparent)]
    Service(Box<poco_service::ServiceError>),
    /// Signing an authorization failed.
    #[error(transparent)]
    Types(#[from] poco_types::TypesError),
    /// The API could not listen, or stopped badly.
    #[error("server: {0}")]
    Server(String),
    /// The request is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// No valid token or signature (401: log in again).
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated, but not allowed (403).
    #[error("{0}")]
    Forbidden(String),
    /// No such task, replicate or pool (404).
    #[error("{0}")]
    NotFound(String),
    /// A stored value cannot be read back (the database was edited by hand, or is of a newer
    /// version).
    #[error("corrupt database: {0}")]
    Corrupt(String),
}

impl From<poco_client::ClientError> for SchedulerError {
    fn from(e: poco_client::ClientError) -> Self {
        Self::Chain(Box::new(e))
    }
}

impl From<poco_service::ServiceError> for SchedulerError {
    fn from(e: poco_service::ServiceError) -> Self {
        match e {
            poco_service::ServiceError::Client(e) => Self::Chain(e),
            poco_service::ServiceError::Database(e) => Self::Database(e),
            e => Self::Service(Box::new(e)),
        }
    }
}

impl SchedulerError {
    /// A 400 with `message`.
    pub fn bad(message: impl Into<String>) -> Self {
        Self::BadRequest(message.into())
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Chain(_) => StatusCode::BAD_GATEWAY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for SchedulerError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!("scheduler API: {self}");
        }
        let body = serde_json::json!({ "ok": false, "error": self.to_string() });
        (status, axum::Json(body)).into_response()
    }
}

//! The market's errors. Each says what went wrong in plain words; at the HTTP edge each becomes
//! a status and the iExec API's error body `{"ok": false, "error": "..."}`. Bad input is always
//! a 4xx; only the database or the chain failing gives a 5xx.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

/// What can go wrong in the market.
#[derive(Debug, thiserror::Error)]
pub enum MarketError {
    /// The request is malformed or asks for something impossible (400).
    #[error("{0}")]
    BadRequest(String),
    /// The request needs a valid `Authorization` header (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The authenticated wallet may not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// Nothing at this address (404).
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the book: already published, too many open orders (409).
    #[error("{0}")]
    Conflict(String),
    /// The request body is larger than the market reads (413).
    #[error("{0}")]
    TooLarge(String),
    /// The chain could not be read (502).
    #[error("cannot read the chain: {0}")]
    Chain(String),
    /// The database failed (500).
    #[error("the market's database failed: {0}")]
    Database(#[from] sqlx::Error),
    /// The database could not be migrated (on start).
    #[error("the market's database could not be migrated: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The server could not start or run.
    #[error("the market server failed: {0}")]
    Server(String),
}

/// The market's result type.
pub type Result<T, E = MarketError> = std::result::Result<T, E>;

impl MarketError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            MarketError::BadRequest(_) => StatusCode::BAD_REQUEST,
            MarketError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            MarketError::Forbidden(_) => StatusCode::FORBIDDEN,
            MarketError::NotFound(_) => StatusCode::NOT_FOUND,
            MarketError::Conflict(_) => StatusCode::CONFLICT,
            MarketError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            MarketError::Chain(_) => StatusCode::BAD_GATEWAY,
            MarketError::Database(_) | MarketError::Migrate(_) | MarketError::Server(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// A 400 with `message`.
    pub(crate) fn bad(message: impl Into<String>) -> Self {
        MarketError::BadRequest(message.into())
    }

    /// A chain read failure while doing `what`.
    pub(crate) fn chain(what: &str, error: impl std::fmt::Display) -> Self {
        MarketError::Chain(format!("{what}: {error}"))
    }
}

impl From<poco_client::ClientError> for MarketError {
    fn from(error: poco_client::ClientError) -> Self {
        MarketError::Chain(error.to_string())
    }
}

impl IntoResponse for MarketError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!("{self}");
        }
        (
            status,
            Json(json!({ "ok": false, "error": self.to_string() })),
        )
            .into_response()
    }
}

//! HTTP error answers for the services' axum routers: a status and the JSON body
//! `{"ok": false, "error": "<cause and fix>"}` (4xx for the caller's mistakes, 5xx only for the
//! service's own failures).

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

/// An error answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The message (cause and fix, in plain words).
    pub message: String,
}

impl ApiError {
    /// An answer with `status`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    /// 400: malformed input.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401: no or bad credentials (log in again).
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 403: known caller, not allowed.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 404: unknown resource.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 409: conflicts with the stored state.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    /// 500: the service's own failure (logged).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// 503: a dependency (chain, database) is unavailable; retry later.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!("answering {}: {}", self.status, self.message);
        }
        error_response(self.status, &self.message)
    }
}

/// `status` with `{"ok": false, "error": message}`.
pub fn error_response(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"ok": false, "error": message}))).into_response()
}

impl From<crate::ServiceError> for ApiError {
    /// Chain unreachable → 503; database and other failures → 500; the caller's database URL
    /// mistakes cannot reach a handler.
    fn from(e: crate::ServiceError) -> Self {
        use poco_client::ClientError;
        match e.client() {
            Some(ClientError::ChainUnreachable { .. } | ClientError::Rpc { .. }) => {
                ApiError::unavailable(e.to_string())
            }
            _ => ApiError::internal(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn body_is_ok_false_and_error() {
        let response = ApiError::forbidden("only the requester may read the logs").into_response();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("body");
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&body).expect("JSON"),
            json!({"ok": false, "error": "only the requester may read the logs"})
        );
    }
}

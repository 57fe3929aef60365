//! The HTTP API (design §2.1): iExec core's routes for workers (login, register, ping,
//! replicates, status updates), the public task view and the requester's logs, iExec Compass's
//! route to find the pool's API, `/version` and `/metrics`. JSON in camelCase; errors are
//! `{"ok":false,"error":"..."}` with a 4xx status for the caller's mistakes; 401 means "log in
//! again".

mod compass;
mod replicates;
mod tasks;
mod workers;

use crate::{
    auth,
    engine::Shared,
    error::{Result, SchedulerError},
};
use alloy_primitives::{Address, B256};
use axum::{
    Router,
    extract::{FromRequestParts, Path, Query, rejection::QueryRejection},
    http::{header::AUTHORIZATION, request::Parts},
    routing::{get, post},
};
use std::{sync::Arc, time::Duration};

/// The longest a long poll is held.
pub const MAX_WAIT: Duration = Duration::from_secs(30);

/// The API's router.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/workers/config", get(workers::config))
        .route("/workers/challenge", get(workers::challenge))
        .route("/workers/login", post(workers::login))
        .route("/workers/register", post(workers::register))
        .route("/workers/ping", post(workers::ping))
        .route("/workers/computing", get(workers::computing))
        .route("/replicates/available", get(replicates::available))
        .route("/replicates/interrupted", get(replicates::interrupted))
        .route(
            "/replicates/{task_id}/updateStatus",
            post(replicates::update_status),
        )
        .route("/tasks/logs/challenge", get(tasks::logs_challenge))
        .route("/tasks/{task_id}", get(tasks::task))
        .route("/tasks/{task_id}/logs", get(tasks::logs))
        .route(
            "/{chain_id}/workerpools/{address}",
            get(compass::workerpool),
        )
        .route("/version", get(compass::version))
        .route("/metrics", get(compass::metrics))
        .fallback(|| async {
            SchedulerError::NotFound(
                "no such route: see GET /version and the scheduler's docs".into(),
            )
        })
        .with_state(shared)
}

/// The authenticated worker of a request (`Authorization: Bearer <jwt>`).
#[derive(Clone, Copy, Debug)]
pub struct Worker(pub Address);

impl FromRequestParts<Arc<Shared>> for Worker {
    type Rejection = SchedulerError;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Self> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok());
        Ok(Worker(auth::verify(shared, header)?))
    }
}

/// Reads an address (any case).
pub fn parse_address(text: &str, what: &str) -> Result<Address> {
    poco_types::serde_helpers::parse_address(text.trim()).map_err(|_| {
        SchedulerError::bad(format!(
            "{what} `{text}` is not an address (0x + 40 hex digits)"
        ))
    })
}

/// Reads a task id from a path.
pub fn parse_task_id(Path(text): Path<String>) -> Result<B256> {
    let hex = text.strip_prefix("0x").unwrap_or(&text);
    if hex.len() != 64 {
        return Err(SchedulerError::bad(format!(
            "`{text}` is not a task id: 0x followed by 64 hex digits"
        )));
    }
    text.parse().map_err(|_| {
        SchedulerError::bad(format!(
            "`{text}` is not a task id: 0x followed by 64 hex digits"
        ))
    })
}

/// A query string's parameters, or a 400 that says what is wrong with them.
pub fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T> {
    query
        .map(|Query(value)| value)
        .map_err(|e| SchedulerError::bad(format!("bad query parameters: {}", e.body_text())))
}

/// The long-poll wait a request asks for (`waitMs`, at most [`MAX_WAIT`]).
pub fn wait_of(wait_ms: Option<u64>) -> Duration {
    Duration::from_millis(wait_ms.unwrap_or(0)).min(MAX_WAIT)
}

//! `/replicates/*`: a replicate for a worker (long-polled), the notifications of its live
//! replicates (long-polled, **⚑A3**), and its status updates.

use super::{Worker, parse_task_id, wait_of};
use crate::{
    engine::{
        Shared, dispatch,
        updates::{self, Received},
    },
    error::{Result, SchedulerError},
    workers,
};
use axum::{
    Json,
    extract::{Path, Query, State, rejection::QueryRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use poco_types::core::{ReplicateStatusUpdate, ReplicateTaskSummary, TaskNotification};
use serde::Deserialize;
use std::{sync::Arc, time::Instant};

/// `?blockNumber=N&waitMs=M`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PollQuery {
    /// The worker's newest block (iExec; not used: the scheduler reads the chain itself).
    #[serde(default)]
    #[allow(dead_code)]
    block_number: Option<u64>,
    /// How long to hold the request while there is nothing (ms, at most 30 000).
    #[serde(default)]
    wait_ms: Option<u64>,
}

/// `GET /replicates/available`: 200 with a replicate, or 204.
pub(super) async fn available(
    State(shared): State<Arc<Shared>>,
    Worker(wallet): Worker,
    query: Result<Query<PollQuery>, QueryRejection>,
) -> Result<Response> {
    let query = super::query(query)?;
    let deadline = Instant::now() + wait_of(query.wait_ms);
    workers::alive(&shared, wallet).await?;
    let stake = dispatch::stake_of(&shared, wallet).await;
    let mut changed = shared.subscribe();
    loop {
        changed.borrow_and_update();
        let Some(worker) = shared.store.worker(wallet).await? else {
            return Ok(StatusCode::NO_CONTENT.into_response());
        };
        if let Some(authorization) = dispatch::supply(&shared, &worker, stake).await? {
            let summary = ReplicateTaskSummary {
                workerpool_authorization: authorization,
                sms_url: None,
            };
            return Ok(Json(summary).into_response());
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero()
            || shared.is_stopping()
            || tokio::time::timeout(left, changed.changed()).await.is_err()
        {
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
    }
}

/// `GET /replicates/interrupted`: the worker's notifications. Held (up to `waitMs`) while
/// there is none it was not already told.
pub(super) async fn interrupted(
    State(shared): State<Arc<Shared>>,
    Worker(wallet): Worker,
    query: Result<Query<PollQuery>, QueryRejection>,
) -> Result<Json<Vec<TaskNotification>>> {
    let query = super::query(query)?;
    let deadline = Instant::now() + wait_of(query.wait_ms);
    let mut changed = shared.subscribe();
    loop {
        changed.borrow_and_update();
        let list = dispatch::notifications(&shared, wallet).await?;
        let fresh = {
            let delivered = shared.delivered.lock().expect("never poisoned");
            list.iter().any(|n| {
                delivered.get(&(wallet, n.chain_task_id)) != Some(&n.task_notification_type)
            })
        };
        let left = deadline.saturating_duration_since(Instant::now());
        let expired = left.is_zero()
            || shared.is_stopping()
            || (!fresh && tokio::time::timeout(left, changed.changed()).await.is_err());
        if fresh || expired {
            let mut delivered = shared.delivered.lock().expect("never poisoned");
            delivered.retain(|(worker, _), _| *worker != wallet);
            for n in &list {
                delivered.insert((wallet, n.chain_task_id), n.task_notification_type);
            }
            return Ok(Json(list));
        }
    }
}

/// `POST /replicates/{taskId}/updateStatus`: 200 with the next action, 208 PLEASE_WAIT for the
/// current status again, 202 PLEASE_ABORT for an unknown replicate or a refused transition.
pub(super) async fn update_status(
    State(shared): State<Arc<Shared>>,
    Worker(wallet): Worker,
    path: Path<String>,
    body: axum::body::Bytes,
) -> Result<Response> {
    let task_id = parse_task_id(path)?;
    let update: ReplicateStatusUpdate = serde_json::from_slice(&body).map_err(|e| {
        SchedulerError::bad(format!("the body is not a ReplicateStatusUpdate: {e}"))
    })?;
    workers::alive(&shared, wallet).await?;
    let received = updates::receive(&shared, wallet, task_id, update).await?;
    let status = match received {
        Received::Stored(_) => StatusCode::OK,
        Received::AlreadyKnown => StatusCode::ALREADY_REPORTED,
        Received::Refused => StatusCode::ACCEPTED,
    };
    Ok((status, Json(received.kind())).into_response())
}

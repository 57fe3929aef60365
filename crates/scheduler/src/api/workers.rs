//! `/workers/*`: the pool's public configuration, login, registration, pings, and what a worker
//! is computing as far as the scheduler knows.

use super::{Worker, parse_address};
use crate::{
    auth,
    chain::reconcile,
    engine::{Shared, notify::is_terminal, now_ms},
    error::{Result, SchedulerError},
    workers,
};
use alloy_primitives::B256;
use axum::{
    Json,
    extract::{Query, State, rejection::QueryRejection},
};
use poco_types::core::{LoginSignature, PublicConfiguration, WorkerModel};
use serde::Deserialize;
use std::sync::Arc;

/// `?walletAddress=0x…`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WalletQuery {
    wallet_address: Option<String>,
}

impl WalletQuery {
    fn wallet(&self) -> Result<alloy_primitives::Address> {
        let text = self
            .wallet_address
            .as_deref()
            .ok_or_else(|| SchedulerError::bad("walletAddress is missing: ?walletAddress=0x…"))?;
        parse_address(text, "walletAddress")
    }
}

/// `GET /workers/config`.
pub(super) async fn config(State(shared): State<Arc<Shared>>) -> Json<PublicConfiguration> {
    Json(shared.public_config.clone())
}

/// `GET /workers/challenge?walletAddress`: text.
pub(super) async fn challenge(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<WalletQuery>, QueryRejection>,
) -> Result<String> {
    let query = super::query(query)?;
    auth::challenge(&shared, query.wallet()?).await
}

/// `POST /workers/login?walletAddress` with `{"value": "0x<signature>"}`: the token, as text.
pub(super) async fn login(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<WalletQuery>, QueryRejection>,
    body: axum::body::Bytes,
) -> Result<String> {
    let query = super::query(query)?;
    let wallet = query.wallet()?;
    let signature: LoginSignature = serde_json::from_slice(&body).map_err(|e| {
        SchedulerError::bad(format!(
            "the body must be {{\"value\": \"0x<65-byte signature>\"}}: {e}"
        ))
    })?;
    auth::login(&shared, wallet, &signature.value).await
}

/// `POST /workers/register` with a `WorkerModel`: the stored worker with `lastAliveDate`.
pub(super) async fn register(
    State(shared): State<Arc<Shared>>,
    Worker(wallet): Worker,
    body: axum::body::Bytes,
) -> Result<Json<WorkerModel>> {
    let mut model: WorkerModel = serde_json::from_slice(&body)
        .map_err(|e| SchedulerError::bad(format!("the body is not a WorkerModel: {e}")))?;
    model.wallet_address = wallet;
    if model.max_nb_tasks.is_none() {
        model.max_nb_tasks = Some(model.max_tasks());
    }
    let score = reconcile::score(&shared, wallet).await.unwrap_or_else(|e| {
        tracing::warn!("scheduler: cannot read the score of {wallet}: {e}");
        0
    });
    let now = now_ms();
    {
        let _guard = shared.lock.lock().await;
        let was_lost = shared.store.worker(wallet).await?.is_some_and(|w| w.lost);
        shared.store.register_worker(&model, score, now).await?;
        if was_lost {
            workers::revive(&shared, wallet, now).await?;
        }
    }
    tracing::info!("scheduler: worker {wallet} ({}) registered", model.name);
    shared.bump();
    model.last_alive_date = Some(now);
    Ok(Json(model))
}

/// `POST /workers/ping`: the hash of the public configuration, as text.
pub(super) async fn ping(
    State(shared): State<Arc<Shared>>,
    Worker(wallet): Worker,
) -> Result<String> {
    if !workers::alive(&shared, wallet).await? {
        return Err(SchedulerError::bad(format!(
            "{wallet} is not registered: POST /workers/register first"
        )));
    }
    Ok(shared.public_config.hash())
}

/// `GET /workers/computing`: the tasks of the worker's live replicates.
pub(super) async fn computing(
    State(shared): State<Arc<Shared>>,
    Worker(wallet): Worker,
) -> Result<Json<Vec<B256>>> {
    let tasks = shared
        .store
        .live_replicates_of_worker(wallet)
        .await?
        .into_iter()
        .filter(|r| !is_terminal(r.status))
        .map(|r| r.task_id)
        .collect();
    Ok(Json(tasks))
}

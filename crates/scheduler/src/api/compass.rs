//! iExec Compass's route (`GET /{chainId}/workerpools/{address}` → `{"apiUrl"}`, **⚑A18**), so
//! the SDK's `task debug` finds the pool's API through chain.json's `compass`; `/version` and
//! `/metrics`.

use super::parse_address;
use crate::{
    engine::{Shared, now_ms},
    error::{Result, SchedulerError},
};
use axum::{
    Json,
    extract::{Path, State},
};
use poco_types::core::WorkerpoolApi;
use serde_json::{Value, json};
use std::sync::Arc;

/// `GET /{chainId}/workerpools/{address}`: this pool's API URL; 404 for any other pool.
pub(super) async fn workerpool(
    State(shared): State<Arc<Shared>>,
    Path((chain_id, address)): Path<(String, String)>,
) -> Result<Json<WorkerpoolApi>> {
    let address = parse_address(&address, "workerpool")?;
    let same_chain = chain_id.parse::<u64>().ok() == Some(shared.chain_id);
    if !same_chain || address != shared.config.workerpool {
        return Err(SchedulerError::NotFound(format!(
            "this scheduler runs workerpool {} on chain {}, not {address} on chain {chain_id}",
            shared.config.workerpool, shared.chain_id
        )));
    }
    let api_url = shared.public_url.get().cloned().unwrap_or_default();
    Ok(Json(WorkerpoolApi { api_url }))
}

/// `GET /version`.
pub(super) async fn version() -> Json<Value> {
    Json(json!({ "version": env!("CARGO_PKG_VERSION") }))
}

/// `GET /metrics`: tasks and replicates per status, workers registered and alive.
pub(super) async fn metrics(State(shared): State<Arc<Shared>>) -> Result<Json<Value>> {
    let tasks: serde_json::Map<String, Value> = shared
        .store
        .task_counts()
        .await?
        .into_iter()
        .map(|(status, n)| (status, json!(n)))
        .collect();
    let replicates: serde_json::Map<String, Value> = shared
        .store
        .replicate_counts()
        .await?
        .into_iter()
        .map(|(status, n)| (status, json!(n)))
        .collect();
    let workers = shared.store.workers().await?;
    let alive = workers.iter().filter(|w| !w.lost).count();
    Ok(Json(json!({
        "workerpool": shared.config.workerpool,
        "chainId": shared.chain_id,
        "tasks": tasks,
        "replicates": replicates,
        "workers": {"registered": workers.len(), "alive": alive},
        "now": now_ms(),
    })))
}

//! `/tasks/*`: the public view of a task and its replicates (statuses only, **⚑A17**), and the
//! app's logs for the deal's requester only, after an EIP-712 challenge (iExec core's
//! exchange, which the SDK's `task debug --logs` performs).

use super::{parse_address, parse_task_id};
use crate::{
    auth::{CHALLENGE_TTL_MS, random_bytes},
    engine::{Shared, now_ms},
    error::{Result, SchedulerError},
};
use axum::{
    Json,
    extract::{Path, Query, State, rejection::QueryRejection},
    http::{HeaderMap, header::AUTHORIZATION},
};
use poco_types::{
    challenge::{LogsAuthorization, LogsChallenge},
    core::{ReplicateModel, ReplicateStatusUpdate, TaskLogsModel, TaskModel, TaskStatusChange},
};
use serde::Deserialize;
use std::sync::Arc;

/// `GET /tasks/{taskId}`: the task as the scheduler sees it; 404 when unknown.
pub(super) async fn task(
    State(shared): State<Arc<Shared>>,
    path: Path<String>,
) -> Result<Json<TaskModel>> {
    let task_id = parse_task_id(path)?;
    let Some(task) = shared.store.task(task_id).await? else {
        return Err(SchedulerError::NotFound(format!(
            "task {task_id} is not one of this scheduler's tasks"
        )));
    };
    let deal = shared.deal(task.deal_id).await?.ok_or_else(|| {
        SchedulerError::Corrupt(format!("deal {} of a task is missing", task.deal_id))
    })?;
    let history = shared.store.task_history(task_id).await?;
    let mut replicates = Vec::new();
    for rep in shared.store.replicates_of_task(task_id).await? {
        let statuses = shared
            .store
            .replicate_history(task_id, rep.worker)
            .await?
            .into_iter()
            .map(|h| ReplicateStatusUpdate {
                status: h.status,
                modifier: h.modifier,
                date: h.at_ms,
                details: h.details,
            })
            .collect();
        let contribution = task.contribution_of(rep.worker).map(|c| c.hash);
        replicates.push(ReplicateModel {
            wallet_address: rep.worker,
            current_status: rep.status,
            status_update_list: statuses,
            contribution_hash: contribution,
            result_link: (!rep.result_link.is_empty()).then(|| rep.result_link.clone()),
            app_exit_code: rep.exit_code,
        });
    }
    let ms = |secs: u64| secs.saturating_mul(1000);
    let initialized = task.chain.status != poco_types::TaskStatus::Unset;
    Ok(Json(TaskModel {
        chain_task_id: task_id,
        deal_id: task.deal_id,
        task_index: task.idx,
        trust: deal.trust,
        current_status: task.status,
        date_status_list: history
            .into_iter()
            .map(|(status, date)| TaskStatusChange { status, date })
            .collect(),
        consensus: (task.chain.consensus != alloy_primitives::B256::ZERO)
            .then_some(task.chain.consensus),
        uploading_worker_wallet_address: task.uploader,
        result_link: (!task.result_link.is_empty()).then(|| task.result_link.clone()),
        contribution_deadline: initialized.then(|| ms(deal.contribution_deadline)),
        reveal_deadline: (task.chain.reveal_deadline > 0).then(|| ms(task.chain.reveal_deadline)),
        final_deadline: initialized.then(|| ms(deal.final_deadline)),
        replicates,
    }))
}

/// `?chainId&address`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ChallengeQuery {
    chain_id: Option<u64>,
    address: Option<String>,
}

/// `GET /tasks/logs/challenge?chainId&address`: EIP-712 typed data to sign (single use, 5 min).
pub(super) async fn logs_challenge(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<ChallengeQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>> {
    let query = super::query(query)?;
    let chain_id = query.chain_id.unwrap_or(shared.chain_id);
    if chain_id != shared.chain_id {
        return Err(SchedulerError::bad(format!(
            "chainId {chain_id} is not this scheduler's chain ({})",
            shared.chain_id
        )));
    }
    let address = match query.address.as_deref() {
        Some(text) => parse_address(text, "address")?,
        None => {
            return Err(SchedulerError::bad(
                "address is missing: ?chainId&address=0x…",
            ));
        }
    };
    let challenge = LogsChallenge::from_bytes(chain_id, random_bytes());
    shared
        .store
        .put_challenge(
            "logs",
            &challenge.hash().to_string(),
            &crate::store::addr(address),
            &challenge.challenge,
            now_ms() + CHALLENGE_TTL_MS,
        )
        .await?;
    Ok(Json(challenge.typed_data()))
}

/// `GET /tasks/{taskId}/logs` with `Authorization: <hash>_<signature>_<address>`: every
/// replicate's logs, for the deal's requester only.
pub(super) async fn logs(
    State(shared): State<Arc<Shared>>,
    path: Path<String>,
    headers: HeaderMap,
) -> Result<Json<TaskLogsModel>> {
    let task_id = parse_task_id(path)?;
    let header = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            SchedulerError::Unauthorized(
                "no Authorization header: sign GET /tasks/logs/challenge and send \
                 <hash>_<signature>_<address>"
                    .into(),
            )
        })?;
    let auth = LogsAuthorization::parse(header)
        .map_err(|e| SchedulerError::Unauthorized(e.to_string()))?;
    let Some(stored) = shared
        .store
        .take_challenge("logs", &auth.hash.to_string(), now_ms())
        .await?
    else {
        return Err(SchedulerError::Unauthorized(
            "unknown, used or expired challenge: ask GET /tasks/logs/challenge again".into(),
        ));
    };
    let challenge = LogsChallenge {
        chain_id: shared.chain_id,
        challenge: stored.challenge,
    };
    let signer = auth
        .verify(&challenge)
        .map_err(|e| SchedulerError::Unauthorized(e.to_string()))?;
    if crate::store::addr(signer) != stored.address {
        return Err(SchedulerError::Unauthorized(format!(
            "the challenge was given to {}, not {signer}",
            stored.address
        )));
    }
    let Some(task) = shared.store.task(task_id).await? else {
        return Err(SchedulerError::NotFound(format!(
            "task {task_id} is not one of this scheduler's tasks"
        )));
    };
    let requester = shared.deal(task.deal_id).await?.map(|d| d.requester);
    if requester != Some(signer) {
        return Err(SchedulerError::Forbidden(format!(
            "{signer} is not the requester of task {task_id}: only the requester reads its logs"
        )));
    }
    Ok(Json(TaskLogsModel {
        compute_logs_list: shared.store.compute_logs(task_id).await?,
    }))
}

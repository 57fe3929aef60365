//! `task debug` and the replicates of `app run --watch`: finding a workerpool's API (its
//! scheduler) as the iExec SDK does (`getWorkerpoolApiUrl`: `GET
//! {compass}/{chainId}/workerpools/{address}` → `{apiUrl}`, chain.json's `compass`, **⚑A18**;
//! [`crate::core`] talks to it),
//! and the SDK's shape of the scheduler's view of a task (`fetchTaskOffchainInfo`: the task's
//! status and history, each replicate's worker, exit code, status and history) and of the app
//! logs (`fetchAllReplicatesLogs`: `[{worker, stdout, stderr}]`).

use super::error::{ExecutionError, Result};
use crate::{
    client::Client,
    core::{CoreApi, CoreApiError, workerpool_api},
};
use alloy_primitives::Address;
use poco_types::core::{ComputeLogs, TaskModel};
use serde_json::{Value, json};

/// The scheduler of `workerpool`: at `given` when there is one (`--workerpool-api`), else at
/// the API URL the chain's compass gives for it.
pub async fn scheduler(
    client: &Client,
    workerpool: Address,
    given: Option<&str>,
) -> Result<CoreApi> {
    if let Some(url) = given.map(str::trim).filter(|u| !u.is_empty()) {
        return Ok(CoreApi::new(url)?);
    }
    let no_api = |reason: String| ExecutionError::NoWorkerpoolApi { workerpool, reason };
    let chain = client.chain();
    let compass = chain
        .compass
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            no_api(format!(
                "chain `{}` has no `compass` in chain.json to look it up",
                chain.name
            ))
        })?;
    let url = workerpool_api(compass, client.chain_id(), workerpool)
        .await
        .map_err(|e| match e {
            CoreApiError::UnknownWorkerpool { .. } => no_api(format!(
                "the compass at {compass} (chain.json's `compass`) does not know it (a Poco \
                 scheduler answers only for its own workerpool)"
            )),
            CoreApiError::Unreachable { cause, .. } => no_api(format!(
                "the compass at {compass} (chain.json's `compass`) does not answer ({cause}): \
                 is the workerpool's scheduler running?"
            )),
            other => no_api(format!(
                "the compass at {compass} (chain.json's `compass`): {other}"
            )),
        })?;
    Ok(CoreApi::new(&url)?)
}

/// The SDK's `offchainData`: `{task: {status, statusHistory}, replicates: [{worker, exitCode,
/// status, statusHistory}]}`.
pub fn offchain_data(model: &TaskModel) -> Value {
    let replicates: Vec<Value> = model
        .replicates
        .iter()
        .map(|replicate| {
            json!({
                "worker": replicate.wallet_address.to_checksum(None),
                "exitCode": replicate.app_exit_code,
                "status": replicate.current_status,
                "statusHistory": replicate.status_update_list,
            })
        })
        .collect();
    json!({
        "task": {
            "status": model.current_status,
            "statusHistory": model.date_status_list,
        },
        "replicates": replicates,
    })
}

/// The SDK's `appLogs`: `[{worker, stdout, stderr}]`.
pub fn app_logs(logs: &[ComputeLogs]) -> Value {
    Value::Array(
        logs.iter()
            .map(|log| {
                json!({
                    "worker": log.wallet_address.map(|a| a.to_checksum(None)),
                    "stdout": log.stdout,
                    "stderr": log.stderr,
                })
            })
            .collect(),
    )
}

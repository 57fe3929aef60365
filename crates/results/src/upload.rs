//! The two writes of the API, behind the HTTP layer: issuing a token for an authorization, and
//! storing an uploaded zip under the rules of [`crate::checks`] (one result per task: the same
//! CID again is a success, another one a conflict; blob first, then the row).

use crate::{
    auth, chain, checks,
    checks::Admission,
    content,
    db::{self, ResultRow},
    error::{Result, ResultsError},
    server::State,
};
use alloy_primitives::{Address, B256};
use bytes::Bytes;
use poco_service::time::{chain_now, now_ms, now_secs};
use poco_types::{
    WorkerpoolAuthorization,
    results::{ResultCid, ResultModel},
};

/// `POST /v1/results/token`: checks the worker's signature (`header`) and the authorization
/// against the chain, then issues a token bound to the task.
pub(crate) async fn token(state: &State, header: Option<&str>, body: &[u8]) -> Result<String> {
    let authorization: WorkerpoolAuthorization = serde_json::from_slice(body).map_err(|e| {
        ResultsError::BadRequest(format!(
            "the body is not a WorkerpoolAuthorization {{workerWallet, chainTaskId, enclaveChallenge, signature}}: {e}"
        ))
    })?;
    auth::check_worker_signature(header, &authorization)?;
    let facts = chain::read(&state.client, authorization.chain_task_id, None).await?;
    checks::token_rule(&facts, &authorization)?;
    Ok(auth::issue(
        &state.jwt,
        authorization.worker_wallet,
        authorization.chain_task_id,
        now_secs(),
        state.config.token_ttl,
    ))
}

/// `POST /v1/results`: stores `model`'s zip for `task` (from the token) uploaded by `worker`;
/// its CID.
pub(crate) async fn store(
    state: &State,
    worker: Address,
    task: B256,
    model: ResultModel,
) -> Result<ResultCid> {
    if model.chain_task_id != task {
        return Err(ResultsError::Unauthorized(format!(
            "the token is for task {task}, not for task {}: ask a token for that task",
            model.chain_task_id
        )));
    }
    let limit = state.config.max_result_size;
    if model.zip.len() as u64 > limit {
        return Err(ResultsError::TooLarge {
            size: model.zip.len() as u64,
            limit,
        });
    }
    let zip = Bytes::from(model.zip);
    let cid = ResultCid::of(&zip);
    if let Some(existing) = db::find(&state.pool, task).await? {
        return same_or_conflict(&existing, cid);
    }
    let reading = zip.clone();
    let content =
        tokio::task::spawn_blocking(move || content::read_zip(&reading, content::MAX_UNZIPPED))
            .await
            .map_err(|e| ResultsError::Server(format!("reading the zip stopped: {e}")))??;
    let facts = chain::read(&state.client, task, Some(worker)).await?;
    let (result_digest, confirmed) = match checks::upload_rule(&facts, worker)? {
        Admission::Unchecked => (None, false),
        Admission::Checked { digest } => {
            let got = content::result_digest(&content, facts.callback != Address::ZERO)?;
            if got != digest {
                return Err(ResultsError::ContentMismatch(format!(
                    "the zip's result digest is {got}, but the digest revealed for task {task} is {digest}: upload the outputs that were contributed"
                )));
            }
            (Some(digest), true)
        }
    };
    state.store.put(&cid, zip.clone()).await?;
    let row = ResultRow {
        task_id: task,
        cid,
        uploader: worker,
        size: zip.len() as u64,
        result_digest,
        trust: facts.trust,
        final_deadline: facts.final_deadline,
        uploaded_ms: now_ms(),
        confirmed,
    };
    if db::insert(&state.pool, &row).await? {
        tracing::info!(
            "stored {} bytes for task {task} by {worker} at /ipfs/{cid}{}",
            row.size,
            if confirmed {
                ""
            } else {
                " (unconfirmed until the task completes)"
            }
        );
        return Ok(cid);
    }
    // Another upload for the task won a race.
    let existing = db::find(&state.pool, task).await?.ok_or_else(|| {
        ResultsError::Server(format!(
            "the record of task {task} vanished during the upload"
        ))
    })?;
    let outcome = same_or_conflict(&existing, cid);
    if outcome.is_err() && !db::cid_in_use(&state.pool, &cid).await? {
        state.store.delete(&cid).await?;
    }
    outcome
}

/// The stored CID when it is `cid` (a retry), else a conflict.
fn same_or_conflict(existing: &ResultRow, cid: ResultCid) -> Result<ResultCid> {
    if existing.cid == cid {
        return Ok(cid);
    }
    Err(ResultsError::Conflict(format!(
        "task {} already has a result (/ipfs/{}, uploaded by {}): a task takes one result, and this zip is another one (/ipfs/{cid})",
        existing.task_id, existing.cid, existing.uploader
    )))
}

/// What one sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Uploads found to be their task's result.
    pub confirmed: usize,
    /// Uploads removed: their task did not complete with them.
    pub deleted: usize,
}

/// Looks at the unconfirmed uploads past their final deadline: an upload whose task completed
/// with its location is confirmed, any other is deleted (row, then blob unless another task's
/// result shares it).
pub(crate) async fn sweep(state: &State) -> Result<SweepReport> {
    let now = chain_now(&state.client).await?;
    let mut report = SweepReport::default();
    loop {
        let due = db::due_unconfirmed(&state.pool, now, 100).await?;
        if due.is_empty() {
            return Ok(report);
        }
        for row in due {
            let facts = chain::read(&state.client, row.task_id, None).await?;
            let completed_with_it = facts.status == poco_types::TaskStatus::Completed
                && poco_types::results::ResultLink::parse(&facts.results)
                    .ok()
                    .and_then(|link| link.cid().ok())
                    == Some(row.cid);
            if completed_with_it {
                db::confirm(&state.pool, row.task_id).await?;
                report.confirmed += 1;
                continue;
            }
            db::delete(&state.pool, row.task_id, &row.cid).await?;
            if !db::cid_in_use(&state.pool, &row.cid).await? {
                state.store.delete(&row.cid).await?;
            }
            tracing::info!(
                "removed the upload /ipfs/{} of task {}: the task {} without it",
                row.cid,
                row.task_id,
                if facts.status == poco_types::TaskStatus::Completed {
                    "completed"
                } else {
                    "ended"
                }
            );
            report.deleted += 1;
        }
    }
}

//! The HTTP API (design §4): iExec's result proxy routes (`/v1/results/token`, `/v1/results`,
//! `/v1/results/{taskId}[/ipfshash]`) and an IPFS-style gateway path (`/ipfs/{cid}`). Errors
//! are `{"ok": false, "error": "..."}` with the status [`ResultsError::status`] gives.

use crate::{auth, db, error::ResultsError, server::State, upload};
use alloy_primitives::B256;
use axum::{
    Json, Router,
    body::Bytes,
    extract::{
        DefaultBodyLimit, Extension, Path, Request, State as Shared, rejection::BytesRejection,
    },
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, head, post},
};
use poco_service::{http::error_response, time::now_secs};
use poco_types::results::{ResultCid, ResultFormatError, ResultModel};
use std::sync::Arc;

/// The router over `state`.
pub(crate) fn router(state: Arc<State>) -> Router {
    // The zip travels in base64 (4/3 of its size) inside a small JSON object.
    let body_limit =
        usize::try_from(state.config.max_result_size / 3 * 4 + (1 << 20)).unwrap_or(usize::MAX);
    Router::new()
        .route("/v1/results/token", post(token))
        .route(
            "/v1/results",
            post(upload)
                .layer(DefaultBodyLimit::max(body_limit))
                // The token is checked before the body is read.
                .route_layer(middleware::from_fn_with_state(state.clone(), require_token)),
        )
        .route("/v1/results/{task_id}", head(is_stored))
        .route("/v1/results/{task_id}/ipfshash", get(ipfs_hash))
        .route("/ipfs/{cid}", get(ipfs))
        .route("/version", get(version))
        .fallback(not_found)
        .with_state(state)
}

/// An error answer.
struct Refusal(ResultsError);

impl From<ResultsError> for Refusal {
    fn from(error: ResultsError) -> Self {
        Refusal(error)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = self.0.status();
        if status.is_server_error() {
            tracing::warn!("answering {status}: {}", self.0);
        }
        error_response(status, &self.0.to_string())
    }
}

type Answer = Result<Response, Refusal>;

/// A text/plain answer.
fn text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
}

fn task_id(text: &str) -> Result<B256, Refusal> {
    text.parse().map_err(|_| {
        Refusal(ResultsError::BadRequest(format!(
            "{text:?} is not a task id: 0x followed by 64 hex digits"
        )))
    })
}

/// `POST /v1/results/token`.
async fn token(Shared(state): Shared<Arc<State>>, headers: HeaderMap, body: Bytes) -> Answer {
    let token = upload::token(&state, authorization(&headers), &body).await?;
    Ok(text(token))
}

/// The worker and task of a valid upload token.
#[derive(Clone, Copy, Debug)]
struct Uploader {
    worker: alloy_primitives::Address,
    task: B256,
}

/// Refuses a request without a valid upload token, before its body is read.
async fn require_token(
    Shared(state): Shared<Arc<State>>,
    mut request: Request,
    next: Next,
) -> Answer {
    let (worker, task) = auth::verify(&state.jwt, authorization(request.headers()), now_secs())?;
    request.extensions_mut().insert(Uploader { worker, task });
    Ok(next.run(request).await)
}

/// `POST /v1/results`.
async fn upload(
    Shared(state): Shared<Arc<State>>,
    Extension(Uploader { worker, task }): Extension<Uploader>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ResultsError::TooLarge {
                size: headers
                    .get(header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .map_or(state.config.max_result_size + 1, |len| len / 4 * 3),
                limit: state.config.max_result_size,
            }
        } else {
            ResultsError::BadRequest(format!("the body cannot be read: {rejection}"))
        }
    })?;
    let model = tokio::task::spawn_blocking(move || ResultModel::parse(&body))
        .await
        .map_err(|e| ResultsError::Server(format!("reading the body stopped: {e}")))?
        .map_err(|e| ResultsError::BadRequest(e.to_string()))?;
    let cid = upload::store(&state, worker, task, model).await?;
    Ok(text(cid.location()))
}

/// `HEAD /v1/results/{taskId}`: 204 when stored, 404 otherwise.
async fn is_stored(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    Path(task): Path<String>,
) -> Answer {
    auth::verify(&state.jwt, authorization(&headers), now_secs())?;
    let task = task_id(&task)?;
    match db::find(&state.pool, task).await? {
        Some(_) => Ok(StatusCode::NO_CONTENT.into_response()),
        None => Ok(StatusCode::NOT_FOUND.into_response()),
    }
}

/// `GET /v1/results/{taskId}/ipfshash`: the CID, as text.
async fn ipfs_hash(Shared(state): Shared<Arc<State>>, Path(task): Path<String>) -> Answer {
    let task = task_id(&task)?;
    match db::find(&state.pool, task).await? {
        Some(row) => Ok(text(row.cid.to_string())),
        None => Err(ResultsError::NotFound(format!("no result is stored for task {task}")).into()),
    }
}

/// `GET`/`HEAD /ipfs/{cid}`: the zip.
async fn ipfs(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    Path(text): Path<String>,
) -> Answer {
    let cid = match ResultCid::parse(&text) {
        Ok(cid) => cid,
        Err(e @ (ResultFormatError::CidV0 { .. } | ResultFormatError::CidKind { .. })) => {
            return Err(ResultsError::NotFound(format!("not stored here: {e}")).into());
        }
        Err(e) => return Err(ResultsError::BadRequest(e.to_string()).into()),
    };
    let not_found = || ResultsError::NotFound(format!("nothing is stored at /ipfs/{cid}"));
    if !db::cid_in_use(&state.pool, &cid).await? {
        return Err(not_found().into());
    }
    let etag = format!("\"{cid}\"");
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    let mut response = if cached {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let Some(bytes) = state.store.get(&cid).await? else {
            tracing::warn!("/ipfs/{cid} is recorded but its blob is missing from the store");
            return Err(not_found().into());
        };
        ([(header::CONTENT_TYPE, "application/zip")], bytes).into_response()
    };
    let headers = response.headers_mut();
    let value = |text: String| HeaderValue::from_str(&text).expect("a CID is a valid header value");
    headers.insert(
        header::CONTENT_DISPOSITION,
        value(format!("attachment; filename=\"{cid}.zip\"")),
    );
    headers.insert(header::ETAG, value(etag));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(response)
}

/// `GET /version`.
async fn version() -> Response {
    Json(serde_json::json!({"version": env!("CARGO_PKG_VERSION")})).into_response()
}

/// Any other route.
async fn not_found() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        "no such route: this result server serves POST /v1/results/token, POST /v1/results, HEAD /v1/results/{taskId}, GET /v1/results/{taskId}/ipfshash, GET /ipfs/{cid} and GET /version",
    )
}

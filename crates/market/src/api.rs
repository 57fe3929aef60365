//! The HTTP API (iExec's market API, spec §3): routes, and the edge that reads requests
//! strictly (query, path and body errors become 400s with the iExec error body, unknown routes
//! 404s, wrong methods 405s) so that no bad input can produce a 5xx.

use crate::{
    auth,
    error::{MarketError, Result},
    orders::{self, KINDS, query::Page},
    params::Params,
    server::AppState,
};
use alloy_primitives::Address;
use axum::{
    Json, Router,
    body::Bytes,
    extract::{
        DefaultBodyLimit, Path, Query, State,
        rejection::{BytesRejection, PathRejection, QueryRejection},
    },
    http::{HeaderMap, StatusCode, header::AUTHORIZATION},
    response::IntoResponse,
    routing::get,
};
use poco_types::OrderKind;
use serde_json::{Value, json};
use std::sync::Arc;

/// The largest request body accepted (a signed order is well under 4 KiB).
const BODY_LIMIT: usize = 64 * 1024;

type Shared = State<Arc<AppState>>;
type Reply = Result<Json<Value>>;

/// The API's routes over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    let mut router = Router::new()
        .route("/openapi.json", get(crate::openapi::serve))
        .route("/version", get(version))
        .route("/challenge", get(challenge))
        .route("/categories", get(categories))
        .route("/categories/{id}", get(category))
        .route("/deals", get(deals))
        .route("/deals/{dealid}", get(deal))
        .route("/stream", get(live));
    for kind in KINDS {
        let path = orders::path(kind);
        router = router
            .route(
                &path,
                get(move |s: Shared, q| list(s, q, kind))
                    .post(move |s: Shared, q, h, b| publish(s, q, h, b, kind))
                    .put(move |s: Shared, q, h, b| unpublish(s, q, h, b, kind)),
            )
            .route(
                &format!("{path}/{{hash}}"),
                get(move |s: Shared, q, p| one(s, q, p, kind)),
            );
    }
    router
        .fallback(|| async {
            MarketError::NotFound("no such endpoint: see the market API (GET /version)".into())
        })
        .method_not_allowed_fallback(|| async {
            (
                StatusCode::METHOD_NOT_ALLOWED,
                Json(json!({"ok": false, "error": "this method is not allowed on this endpoint"})),
            )
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// The query parameters, or a 400.
fn params(query: Result<Query<Vec<(String, String)>>, QueryRejection>) -> Result<Params> {
    query
        .map(|Query(pairs)| Params(pairs))
        .map_err(|e| MarketError::bad(format!("the query string is malformed: {e}")))
}

/// The query parameters and their `chainId`, which must be this market's chain: what every
/// route reads first.
fn read(
    state: &AppState,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<(Params, u64)> {
    let params = params(query)?;
    let chain_id = chain(state, &params)?;
    Ok((params, chain_id))
}

/// The `chainId` parameter, which must be this market's chain.
fn chain(state: &AppState, params: &Params) -> Result<u64> {
    let chain_id = params.chain_id()?;
    if chain_id != state.config.chain_id {
        return Err(MarketError::bad(format!(
            "this market serves chain {}, not chain {chain_id}: check chainId",
            state.config.chain_id
        )));
    }
    Ok(chain_id)
}

/// A path parameter, or a 400 (it is not UTF-8 once percent-decoded).
fn segment(path: Result<Path<String>, PathRejection>) -> Result<String> {
    path.map(|Path(segment)| segment)
        .map_err(|e| MarketError::bad(format!("the path is malformed: {e}")))
}

/// A JSON body, or a 400 (a 413 when over [`BODY_LIMIT`]).
fn body(bytes: Result<Bytes, BytesRejection>) -> Result<Value> {
    let bytes = bytes.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            MarketError::TooLarge(format!(
                "the body is larger than {} KiB: an order is well under 4 KiB",
                BODY_LIMIT / 1024
            ))
        } else {
            MarketError::bad(format!("the body could not be read: {e}"))
        }
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| MarketError::bad(format!("the body is not valid JSON: {e}")))
}

/// The authenticated wallet of a write.
async fn me(state: &AppState, chain_id: u64, headers: &HeaderMap) -> Result<Address> {
    let header = match headers.get(AUTHORIZATION) {
        Some(value) => Some(value.to_str().map_err(|_| {
            MarketError::Unauthorized("the Authorization header is not text".into())
        })?),
        None => None,
    };
    auth::authenticate(&state.pool, chain_id, header).await
}

async fn version() -> Json<Value> {
    Json(json!({"ok": true, "version": env!("CARGO_PKG_VERSION")}))
}

async fn challenge(
    State(state): Shared,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Reply {
    let (params, chain_id) = read(&state, query)?;
    let address = match params.address("address")? {
        Some(crate::params::AddressFilter::Is(address)) => address,
        _ => {
            return Err(MarketError::bad(
                "address is required (0x and 40 hex digits)",
            ));
        }
    };
    let data = auth::create(
        &state.pool,
        chain_id,
        address,
        state.config.challenge_ttl_secs,
    )
    .await?;
    Ok(Json(json!({"ok": true, "data": data})))
}

async fn list(
    State(state): Shared,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    kind: OrderKind,
) -> Reply {
    let (params, chain_id) = read(&state, query)?;
    let page = page(&state, &params)?;
    Ok(Json(
        orders::query::list(&state, chain_id, kind, &params, page).await?,
    ))
}

async fn one(
    State(state): Shared,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    hash: Result<Path<String>, PathRejection>,
    kind: OrderKind,
) -> Reply {
    let hash = segment(hash)?;
    let (_, chain_id) = read(&state, query)?;
    Ok(Json(
        orders::query::get(&state.pool, chain_id, kind, &hash).await?,
    ))
}

async fn publish(
    State(state): Shared,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
    kind: OrderKind,
) -> Reply {
    let (me, body) = authenticated(&state, query, &headers, bytes).await?;
    Ok(Json(
        orders::publish::publish(&state, kind, me, &body).await?,
    ))
}

async fn unpublish(
    State(state): Shared,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
    kind: OrderKind,
) -> Reply {
    let (me, body) = authenticated(&state, query, &headers, bytes).await?;
    Ok(Json(
        orders::unpublish::unpublish(&state, kind, me, &body).await?,
    ))
}

/// What every write starts with: the chain id checked, the caller authenticated (its
/// challenge consumed), the JSON body read.
async fn authenticated(
    state: &AppState,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: &HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<(Address, Value)> {
    let (_, chain_id) = read(state, query)?;
    let me = me(state, chain_id, headers).await?;
    Ok((me, body(bytes)?))
}

/// A page of a query, within the market's bounds.
fn page(state: &AppState, params: &Params) -> Result<Page> {
    Page::read(
        params,
        state.config.min_page_size,
        state.config.max_page_size,
    )
}

async fn categories(
    State(state): Shared,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Reply {
    let (params, chain_id) = read(&state, query)?;
    let page = page(&state, &params)?;
    Ok(Json(
        crate::categories::list(&state.pool, chain_id, &params, page).await?,
    ))
}

async fn category(
    State(state): Shared,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    id: Result<Path<String>, PathRejection>,
) -> Reply {
    let id = segment(id)?;
    let (_, chain_id) = read(&state, query)?;
    Ok(Json(
        crate::categories::get(&state.pool, chain_id, &id).await?,
    ))
}

async fn deals(
    State(state): Shared,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Reply {
    let (params, chain_id) = read(&state, query)?;
    let page = page(&state, &params)?;
    Ok(Json(
        crate::deals::list(&state.pool, chain_id, &params, page).await?,
    ))
}

async fn deal(
    State(state): Shared,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    id: Result<Path<String>, PathRejection>,
) -> Reply {
    let id = segment(id)?;
    let (_, chain_id) = read(&state, query)?;
    Ok(Json(crate::deals::get(&state.pool, chain_id, &id).await?))
}

/// `GET /stream`: the live server-sent events ([`crate::stream`]).
async fn live(
    State(state): Shared,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<impl IntoResponse> {
    let (params, _) = read(&state, query)?;
    crate::stream::open(&state.events, &params, &headers)
}

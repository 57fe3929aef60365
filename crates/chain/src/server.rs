//! The JSON-RPC server: HTTP POST (single and batch) and WebSocket on the same port, with
//! `eth_subscribe` (newHeads, logs, newPendingTransactions) over WebSocket.

use crate::rpc::{Reply, Response, Rpc, RpcError};
use alloy_rpc_types_eth::Filter;
use axum::{
    Router,
    body::Bytes,
    extract::{
        DefaultBodyLimit, State,
        ws::{Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection},
    },
    http::{StatusCode, header},
    response::{IntoResponse, Response as HttpResponse},
    routing::post,
};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::{collections::HashMap, sync::Arc};
use tokio::{
    sync::{broadcast, mpsc, watch},
    task::JoinHandle,
};
use tower_http::cors::CorsLayer;

/// Messages a slow WebSocket client may fall behind by before its session ends.
const WS_QUEUE: usize = 4096;

#[derive(Clone)]
struct AppState {
    rpc: Arc<Rpc>,
    shutdown: watch::Receiver<bool>,
}

/// The router serving `rpc` at `/`.
pub(crate) fn router(rpc: Arc<Rpc>, max_body: usize, shutdown: watch::Receiver<bool>) -> Router {
    Router::new()
        .route("/", post(http).get(websocket))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CorsLayer::permissive())
        .with_state(AppState { rpc, shutdown })
}

fn json_response(reply: Option<Reply>) -> HttpResponse {
    match reply {
        Some(reply) => match serde_json::to_vec(&reply) {
            Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        },
        None => StatusCode::OK.into_response(),
    }
}

async fn http(State(state): State<AppState>, body: Bytes) -> HttpResponse {
    json_response(state.rpc.handle_body(&body))
}

async fn websocket(
    State(state): State<AppState>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> HttpResponse {
    match upgrade {
        Ok(upgrade) => upgrade.on_upgrade(move |socket| session(socket, state)),
        Err(_) => (
            StatusCode::OK,
            "poco chain: POST JSON-RPC 2.0 requests to this URL, or connect a WebSocket to it for eth_subscribe\n",
        )
            .into_response(),
    }
}

/// One WebSocket connection: requests in, responses and subscription notifications out.
async fn session(socket: WebSocket, mut state: AppState) {
    let (mut sink, mut stream) = socket.split();
    let (out, mut outbox) = mpsc::channel::<String>(WS_QUEUE);
    let writer = tokio::spawn(async move {
        while let Some(text) = outbox.recv().await {
            if sink.send(Message::text(text)).await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });
    let mut subscriptions: HashMap<String, JoinHandle<()>> = HashMap::new();
    loop {
        let message = tokio::select! {
            message = stream.next() => message,
            _ = state.shutdown.changed() => break,
        };
        let body = match message {
            Some(Ok(Message::Text(text))) => text.as_str().as_bytes().to_vec(),
            Some(Ok(Message::Binary(bytes))) => bytes.to_vec(),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
            Some(Ok(_)) => continue,
        };
        let reply = match serde_json::from_slice::<Value>(&body) {
            Err(e) => Some(Reply::Single(Response::error(
                Value::Null,
                RpcError::parse_error(e),
            ))),
            Ok(Value::Array(requests)) if !requests.is_empty() => {
                let responses: Vec<Response> = requests
                    .into_iter()
                    .filter_map(|r| handle(&state.rpc, r, &out, &mut subscriptions))
                    .collect();
                (!responses.is_empty()).then_some(Reply::Batch(responses))
            }
            Ok(value @ Value::Array(_)) => state.rpc.handle_value(value),
            Ok(value) => handle(&state.rpc, value, &out, &mut subscriptions).map(Reply::Single),
        };
        if let Some(reply) = reply {
            let text = serde_json::to_string(&reply).unwrap_or_default();
            if out.send(text).await.is_err() {
                break;
            }
        }
    }
    for (_, task) in subscriptions {
        task.abort();
    }
    drop(out);
    let _ = writer.await;
}

/// Handles one request of a WebSocket session, subscriptions included.
fn handle(
    rpc: &Arc<Rpc>,
    value: Value,
    out: &mpsc::Sender<String>,
    subscriptions: &mut HashMap<String, JoinHandle<()>>,
) -> Option<Response> {
    let method = value
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if method != "eth_subscribe" && method != "eth_unsubscribe" {
        return rpc.handle_one(value);
    }
    let call = match crate::rpc::Call::parse(value) {
        Ok(call) => call,
        Err(response) => return Some(response),
    };
    let outcome = if call.method == "eth_subscribe" {
        subscribe(rpc, &call.params, out).map(|(id, task)| {
            subscriptions.insert(id.clone(), task);
            json!(id)
        })
    } else {
        call.params
            .required::<String>(0, "subscriptionId")
            .map(|id| {
                let found = subscriptions.remove(&id.to_lowercase());
                if let Some(task) = &found {
                    task.abort();
                }
                json!(found.is_some())
            })
    };
    let id = call.id?;
    Some(match outcome {
        Ok(result) => Response::result(id, result),
        Err(error) => Response::error(id, error),
    })
}

fn notification(id: &str, result: Value) -> String {
    json!({"jsonrpc": "2.0", "method": "eth_subscription", "params": {"subscription": id, "result": result}}).to_string()
}

/// Starts a subscription task; returns its id.
fn subscribe(
    rpc: &Arc<Rpc>,
    params: &crate::rpc::Params,
    out: &mpsc::Sender<String>,
) -> Result<(String, JoinHandle<()>), RpcError> {
    let kind: String = params.required(0, "subscriptionType")?;
    let id = format!("{:#x}", rand::random::<u128>());
    let backend = rpc.backend().clone();
    let out = out.clone();
    let sub = id.clone();
    let task = match kind.as_str() {
        "newHeads" => {
            let mut blocks = backend.subscribe_blocks();
            tokio::spawn(async move {
                while let Some(block) = next(&mut blocks).await {
                    let header = serde_json::to_value(&block.header).unwrap_or_default();
                    if out.send(notification(&sub, header)).await.is_err() {
                        break;
                    }
                }
            })
        }
        "logs" => {
            let filter: Filter = params.optional(1, "filter")?.unwrap_or_default();
            let mut blocks = backend.subscribe_blocks();
            tokio::spawn(async move {
                while let Some(block) = next(&mut blocks).await {
                    for log in block.matching_logs(&filter) {
                        let log = serde_json::to_value(&log).unwrap_or_default();
                        if out.send(notification(&sub, log)).await.is_err() {
                            return;
                        }
                    }
                }
            })
        }
        "newPendingTransactions" => {
            let mut pending = backend.subscribe_pending();
            tokio::spawn(async move {
                while let Some(hash) = next(&mut pending).await {
                    if out.send(notification(&sub, json!(hash))).await.is_err() {
                        break;
                    }
                }
            })
        }
        other => {
            return Err(RpcError::invalid_params(format!(
                "unsupported subscription type {other:?}: use newHeads, logs or newPendingTransactions"
            )));
        }
    };
    Ok((id, task))
}

/// The next broadcast item, skipping what a lagging receiver missed.
async fn next<T: Clone>(receiver: &mut broadcast::Receiver<T>) -> Option<T> {
    loop {
        match receiver.recv().await {
            Ok(item) => return Some(item),
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "a subscriber fell behind and missed notifications");
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        }
    }
}

//! JSON-RPC 2.0: request envelopes (single and batch), and the method table. Transport-free: the
//! HTTP and WebSocket server hands bodies to [`Rpc`] and sends back what it returns.

mod error;
mod filters;
mod methods;
mod params;

pub use error::RpcError;
pub use filters::Filters;
pub use params::Params;

use crate::Backend;
use serde::Serialize;
use serde_json::Value;
use std::{sync::Arc, time::Duration};
use tokio::sync::watch;

/// A JSON-RPC response.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    jsonrpc: &'static str,
    id: Value,
    #[serde(flatten)]
    outcome: Outcome,
}

/// A result or an error.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "lowercase")]
enum Outcome {
    Result(Value),
    Error(RpcError),
}

impl Response {
    /// A successful response.
    pub fn result(id: Value, result: Value) -> Self {
        Self {
            jsonrpc: "2.0",
            id,
            outcome: Outcome::Result(result),
        }
    }

    /// An error response.
    pub fn error(id: Value, error: RpcError) -> Self {
        Self {
            jsonrpc: "2.0",
            id,
            outcome: Outcome::Error(error),
        }
    }

    /// The error, if this response is one.
    pub fn as_error(&self) -> Option<&RpcError> {
        match &self.outcome {
            Outcome::Error(e) => Some(e),
            Outcome::Result(_) => None,
        }
    }
}

/// A parsed request, ready to dispatch.
#[derive(Debug)]
pub struct Call {
    /// The request id; `None` for a notification (no response is sent).
    pub id: Option<Value>,
    /// Method name.
    pub method: String,
    /// Parameters.
    pub params: Params,
}

impl Call {
    /// Validates one JSON-RPC request object.
    pub fn parse(value: Value) -> Result<Self, Response> {
        let Value::Object(mut object) = value else {
            return Err(Response::error(
                Value::Null,
                RpcError::invalid_request("a request must be a JSON object"),
            ));
        };
        let id = object.remove("id");
        let reply_id = id.clone().unwrap_or(Value::Null);
        if !matches!(
            id,
            None | Some(Value::Null | Value::String(_) | Value::Number(_))
        ) {
            return Err(Response::error(
                Value::Null,
                RpcError::invalid_request("id must be a string, a number or null"),
            ));
        }
        if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
            return Err(Response::error(
                reply_id,
                RpcError::invalid_request("jsonrpc must be \"2.0\""),
            ));
        }
        let method = match object.remove("method") {
            Some(Value::String(method)) => method,
            _ => {
                return Err(Response::error(
                    reply_id,
                    RpcError::invalid_request("method must be a string"),
                ));
            }
        };
        let params =
            Params::new(object.remove("params")).map_err(|e| Response::error(reply_id, e))?;
        Ok(Self { id, method, params })
    }
}

/// What a body produced: nothing (only notifications), one response, or a batch.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Reply {
    /// A single response.
    Single(Response),
    /// Responses to a batch, in request order.
    Batch(Vec<Response>),
}

/// The method table and the state it needs beyond the chain.
pub struct Rpc {
    backend: Arc<Backend>,
    filters: Filters,
    interval: watch::Sender<Option<Duration>>,
    max_batch: usize,
}

impl std::fmt::Debug for Rpc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rpc")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Rpc {
    /// Serves `backend`; `interval` controls interval mining (None: off).
    pub fn new(
        backend: Arc<Backend>,
        interval: watch::Sender<Option<Duration>>,
        max_batch: usize,
    ) -> Self {
        Self {
            backend,
            filters: Filters::default(),
            interval,
            max_batch,
        }
    }

    /// The chain served.
    pub fn backend(&self) -> &Arc<Backend> {
        &self.backend
    }

    /// Handles a request body: a single request or a batch. `None` when nothing is to be sent.
    pub fn handle_body(&self, body: &[u8]) -> Option<Reply> {
        let value: Value = match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(e) => {
                return Some(Reply::Single(Response::error(
                    Value::Null,
                    RpcError::parse_error(e),
                )));
            }
        };
        self.handle_value(value)
    }

    /// Handles a parsed body.
    pub fn handle_value(&self, value: Value) -> Option<Reply> {
        match value {
            Value::Array(requests) => {
                if requests.is_empty() {
                    return Some(Reply::Single(Response::error(
                        Value::Null,
                        RpcError::invalid_request("empty batch"),
                    )));
                }
                if requests.len() > self.max_batch {
                    return Some(Reply::Single(Response::error(
                        Value::Null,
                        RpcError::invalid_request(format!(
                            "batch of {} requests exceeds the limit of {}",
                            requests.len(),
                            self.max_batch
                        )),
                    )));
                }
                let responses: Vec<Response> = requests
                    .into_iter()
                    .filter_map(|r| self.handle_one(r))
                    .collect();
                (!responses.is_empty()).then_some(Reply::Batch(responses))
            }
            single => self.handle_one(single).map(Reply::Single),
        }
    }

    /// Handles one request object; `None` for a notification.
    pub fn handle_one(&self, value: Value) -> Option<Response> {
        let call = match Call::parse(value) {
            Ok(call) => call,
            Err(response) => return Some(response),
        };
        let outcome = self.dispatch(&call.method, &call.params);
        let id = call.id?;
        Some(match outcome {
            Ok(result) => Response::result(id, result),
            Err(error) => Response::error(id, error),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChainConfig, accounts};
    use serde_json::json;

    fn rpc() -> Rpc {
        let config = ChainConfig::test();
        let signers = accounts::derive(&config.mnemonic, 2).expect("mnemonic");
        let backend = Arc::new(Backend::new(&config, signers, None).expect("backend"));
        Rpc::new(backend, watch::channel(None).0, 10)
    }

    fn reply(rpc: &Rpc, body: &str) -> Value {
        serde_json::to_value(rpc.handle_body(body.as_bytes())).expect("serializable")
    }

    #[test]
    fn malformed_json_is_a_parse_error() {
        let r = reply(&rpc(), "{not json");
        assert_eq!(r["error"]["code"], -32700);
        assert_eq!(r["id"], Value::Null);
    }

    #[test]
    fn unknown_method() {
        let r = reply(&rpc(), r#"{"jsonrpc":"2.0","id":1,"method":"eth_nope"}"#);
        assert_eq!(r["error"]["code"], -32601);
        assert_eq!(r["id"], 1);
    }

    #[test]
    fn bad_params_name_the_parameter() {
        let r = reply(
            &rpc(),
            r#"{"jsonrpc":"2.0","id":"a","method":"eth_getBalance","params":["0x12"]}"#,
        );
        assert_eq!(r["error"]["code"], -32602);
        assert!(
            r["error"]["message"]
                .as_str()
                .expect("message")
                .contains("address")
        );
    }

    #[test]
    fn batch_keeps_order_and_skips_notifications() {
        let r = reply(
            &rpc(),
            r#"[{"jsonrpc":"2.0","id":2,"method":"eth_chainId"},{"jsonrpc":"2.0","method":"eth_chainId"},{"jsonrpc":"2.0","id":1,"method":"net_version"}]"#,
        );
        assert_eq!(
            r,
            json!([{"jsonrpc":"2.0","id":2,"result":"0x7a69"},{"jsonrpc":"2.0","id":1,"result":"31337"}])
        );
    }

    #[test]
    fn empty_and_oversized_batches_are_invalid() {
        let rpc = rpc();
        assert_eq!(reply(&rpc, "[]")["error"]["code"], -32600);
        let big = format!(
            "[{}]",
            [r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}"#; 11].join(",")
        );
        assert_eq!(reply(&rpc, &big)["error"]["code"], -32600);
    }

    #[test]
    fn notification_gets_no_reply() {
        assert!(
            rpc()
                .handle_body(br#"{"jsonrpc":"2.0","method":"eth_chainId"}"#)
                .is_none()
        );
    }
}

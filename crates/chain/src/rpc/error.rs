//! JSON-RPC errors: the codes clients expect (JSON-RPC 2.0, geth's -32000, and 3 for reverts).

use crate::NodeError;
use alloy_primitives::hex;
use serde::Serialize;
use serde_json::Value;

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RpcError {
    /// Error code.
    pub code: i64,
    /// What went wrong, in words.
    pub message: String,
    /// Extra data: for a revert, the revert data as hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    /// -32700: the body is not JSON.
    pub fn parse_error(detail: impl std::fmt::Display) -> Self {
        Self::new(-32700, format!("parse error: {detail}"))
    }

    /// -32600: JSON, but not a JSON-RPC request.
    pub fn invalid_request(detail: impl Into<String>) -> Self {
        Self::new(-32600, format!("invalid request: {}", detail.into()))
    }

    /// -32601: no such method.
    pub fn method_not_found(method: &str) -> Self {
        Self::new(
            -32601,
            format!("the method {method} does not exist/is not available"),
        )
    }

    /// -32602: bad parameters.
    pub fn invalid_params(detail: impl Into<String>) -> Self {
        Self::new(-32602, format!("invalid params: {}", detail.into()))
    }

    /// -32603: the node's own failure.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(-32603, format!("internal error: {}", detail.into()))
    }

    /// -32000: a request the node understood but could not serve (geth's generic server error).
    pub fn server(detail: impl Into<String>) -> Self {
        Self::new(-32000, detail.into())
    }

    /// An error with code and message.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }
}

impl From<NodeError> for RpcError {
    fn from(error: NodeError) -> Self {
        let message = error.to_string();
        match error {
            NodeError::Reverted { output, .. } => Self {
                code: 3,
                message,
                data: Some(Value::String(hex::encode_prefixed(&output))),
            },
            NodeError::InvalidParams(_) => Self::invalid_params(message),
            NodeError::Internal(_) => Self::new(-32603, message),
            NodeError::InvalidTransaction(_)
            | NodeError::Halted(_)
            | NodeError::NotFound(_)
            | NodeError::StateUnavailable { .. }
            | NodeError::UnknownAccount(_)
            | NodeError::Unsupported(_) => Self::server(message),
        }
    }
}

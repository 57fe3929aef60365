//! Errors of the dev chain library (node start-up, state files). Errors a JSON-RPC client sees
//! are [`crate::rpc::RpcError`].

use std::path::PathBuf;

/// Result alias of this crate.
pub type Result<T, E = ChainError> = std::result::Result<T, E>;

/// What can go wrong starting, running or persisting a node.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The configuration is inconsistent (bad mnemonic, zero accounts, ...).
    #[error("invalid chain configuration: {0}")]
    Config(String),
    /// The RPC server could not bind its address (port in use, no permission).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// A state file could not be read or written.
    #[error("state file {path}: {source}")]
    StateIo {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A state file exists but is not a state this version can load.
    #[error("state file {path} is not a valid Poco chain state: {reason}")]
    StateFormat {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// Why a node operation (a transaction, a call, a query) failed. The RPC layer maps each variant
/// to a JSON-RPC error code.
#[derive(Debug, Clone, thiserror::Error)]
pub enum NodeError {
    /// The transaction was refused before execution: nonce, funds, gas, fee or signature.
    #[error("{0}")]
    InvalidTransaction(String),
    /// Execution ran into a REVERT; `output` is the revert data.
    #[error("execution reverted{}", .reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    Reverted {
        /// Raw revert data.
        output: alloy_primitives::Bytes,
        /// Decoded `Error(string)` or `Panic(uint256)`, when it is one.
        reason: Option<String>,
    },
    /// Execution halted exceptionally (out of gas, invalid opcode, stack overflow...).
    #[error("execution halted: {0}")]
    Halted(String),
    /// The request names a block the chain does not have.
    #[error("{0}")]
    NotFound(String),
    /// The state of that block is older than the history the node keeps.
    #[error(
        "state of block {block} is not available: this node keeps the last {kept} states (start it with a larger --state-history)"
    )]
    StateUnavailable {
        /// The block asked for.
        block: u64,
        /// How many recent states the node keeps.
        kept: usize,
    },
    /// A well-formed request whose arguments do not make sense together.
    #[error("{0}")]
    InvalidParams(String),
    /// The node holds no key for this sender, and it is not impersonated.
    #[error(
        "unknown account {0}: eth_sendTransaction and the signing methods need one of the node's dev accounts (or an impersonated one)"
    )]
    UnknownAccount(alloy_primitives::Address),
    /// The node does not support what was asked (for instance blob transactions).
    #[error("{0}")]
    Unsupported(String),
    /// A bug or an impossible state; never the client's fault.
    #[error("internal error: {0}")]
    Internal(String),
}

impl NodeError {
    /// A revert, with its reason decoded when it is a standard one.
    pub fn reverted(output: alloy_primitives::Bytes) -> Self {
        let reason = crate::executor::revert_reason(&output);
        Self::Reverted { output, reason }
    }
}

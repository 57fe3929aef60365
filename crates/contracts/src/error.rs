//! Errors of this crate: every deployment failure names the [`Step`] it happened in and why (a
//! decoded revert, a node that refused the transaction, an unreachable endpoint...), so that the
//! CLI can print one line a person can act on.
//!
//! Messages are self-contained: an underlying error is kept in a public field and its message
//! (for transport errors, the innermost cause: "Connection refused") is part of ours, rather
//! than also being returned by `source()` and printed twice by error-chain reporters.

use alloy::{
    primitives::{Address, B256, U256},
    transports::TransportError,
};
use std::{fmt, path::PathBuf, time::Duration};

/// Result alias of this crate.
pub type Result<T, E = DeployError> = std::result::Result<T, E>;

/// One step of the deployment (contracts/README.md, "Deploy sequence").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Reading the chain id, the admin's balance and nonce, and looking for an existing hub.
    Preflight,
    /// Deploying one contract (`RLC`, `AppRegistry`, a facet, `Diamond`).
    Deploy(&'static str),
    /// `hub.configure(...)`.
    Configure,
    /// `hub.createCategory(name, ...)`.
    CreateCategory(String),
    /// `registry.initialize(0x0)` on the named registry.
    InitializeRegistry(&'static str),
    /// `rlc.mint(account, amount)`.
    Mint(Address),
    /// Reading back an existing deployment.
    Inspect,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Preflight => f.write_str("checking the chain and the admin account"),
            Step::Deploy(name) => write!(f, "deploying {name}"),
            Step::Configure => f.write_str("hub.configure"),
            Step::CreateCategory(name) => write!(f, "hub.createCategory({name})"),
            Step::InitializeRegistry(name) => write!(f, "{name}.initialize"),
            Step::Mint(account) => write!(f, "RLC.mint to {account}"),
            Step::Inspect => f.write_str("reading the existing deployment"),
        }
    }
}

/// Why a deployment (or a deployment file) failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The RPC URL does not parse.
    #[error("invalid RPC URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it is not a URL.
        reason: String,
    },
    /// Nothing answers JSON-RPC at the endpoint (connection refused, DNS, TLS, HTTP errors).
    #[error("cannot reach the JSON-RPC endpoint: {}", root_cause(.error))]
    Unreachable {
        /// The transport's error.
        error: TransportError,
    },
    /// The admin account cannot pay for the deployment's gas.
    #[error(
        "{step}: the admin account {admin} has {} ETH, not enough to pay for gas{}; fund it and retry",
        ether(*.balance),
        needed.map(|n| format!(" (the deployment needs about {} ETH at the current gas price)", ether(n))).unwrap_or_default()
    )]
    InsufficientFunds {
        /// Where it was noticed (before anything was sent, or at a transaction).
        step: Step,
        /// The admin account.
        admin: Address,
        /// Its balance, in wei.
        balance: U256,
        /// About what the whole deployment costs, when known.
        needed: Option<U256>,
    },
    /// A step's call reverted (when estimating its gas, or on chain).
    #[error("{step} reverted: {reason}")]
    Reverted {
        /// The step.
        step: Step,
        /// The decoded reason (see [`crate::describe_revert`]).
        reason: String,
    },
    /// The chain cannot run our bytecode: contract creation hit an opcode it does not know. The
    /// contracts are compiled for Cancun (PUSH0, MCOPY, transient storage opcodes).
    #[error(
        "{step}: the chain rejected the contract code ({detail}); Poco's contracts need the Cancun hardfork or later (PUSH0, MCOPY)"
    )]
    CodeRejected {
        /// The step.
        step: Step,
        /// The node's message.
        detail: String,
    },
    /// The node refused a transaction for another reason (nonce, gas limit, fee, policy).
    #[error("{step}: the node refused the transaction: {message}")]
    Rejected {
        /// The step.
        step: Step,
        /// The node's message.
        message: String,
    },
    /// A transaction was mined but failed, and replaying it gave no reason.
    #[error("{step}: transaction {tx_hash} failed on chain (gas used {gas_used})")]
    Failed {
        /// The step.
        step: Step,
        /// The transaction.
        tx_hash: B256,
        /// Gas it used.
        gas_used: u64,
    },
    /// No receipt arrived in time (the node does not mine, or the fee is too low for it).
    #[error("{step}: transaction {tx_hash} was not mined within {waited:?}")]
    Timeout {
        /// The step.
        step: Step,
        /// The transaction sent.
        tx_hash: B256,
        /// How long we waited.
        waited: Duration,
    },
    /// A contract landed at another address than predicted from the admin's nonce: another
    /// transaction from the admin account ran concurrently.
    #[error(
        "{step}: contract created at {actual}, expected {expected} (was the admin account used concurrently?)"
    )]
    UnexpectedAddress {
        /// The step.
        step: Step,
        /// The address predicted from the admin's nonce.
        expected: Address,
        /// Where it landed.
        actual: Address,
    },
    /// A hub exists at the expected address but its deployment was interrupted (not configured,
    /// categories or registry initialization missing). Deploy from a fresh account or chain.
    #[error(
        "a hub exists at {hub} but its deployment is incomplete ({reason}); deploy with another admin account or on a fresh chain"
    )]
    PartialDeployment {
        /// The hub found.
        hub: Address,
        /// What is missing.
        reason: String,
    },
    /// Any other JSON-RPC failure during a step.
    #[error("{step}: JSON-RPC request failed: {}", root_cause(.error))]
    Rpc {
        /// The step.
        step: Step,
        /// The error.
        error: TransportError,
    },
    /// A deployment file cannot be read or written.
    #[error("deployment file {}: {error}", .path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// The OS error.
        error: std::io::Error,
    },
    /// A deployment file is not valid deployment JSON.
    #[error("deployment file {} is not a valid deployment: {error}", .path.display())]
    FileFormat {
        /// The file.
        path: PathBuf,
        /// The JSON error.
        error: serde_json::Error,
    },
}

/// Wei as ETH without trailing zeros: `0`, `0.06`, `10000`.
fn ether(wei: U256) -> String {
    let text = alloy::primitives::utils::format_ether(wei);
    match text.split_once('.') {
        Some((whole, fraction)) => match fraction.trim_end_matches('0') {
            "" => whole.to_owned(),
            fraction => format!("{whole}.{fraction}"),
        },
        None => text,
    }
}

/// The innermost error of a chain: transport errors wrap the same message in three or four
/// layers (alloy, reqwest, hyper), the last of which says what happened.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_step() {
        let error = DeployError::Reverted {
            step: Step::CreateCategory("XS".into()),
            reason: "NotContractOwner(0x0, 0x1)".into(),
        };
        assert_eq!(
            error.to_string(),
            "hub.createCategory(XS) reverted: NotContractOwner(0x0, 0x1)"
        );
        let error = DeployError::CodeRejected {
            step: Step::Deploy("RLC"),
            detail: "invalid opcode".into(),
        };
        assert!(
            error
                .to_string()
                .starts_with("deploying RLC: the chain rejected")
        );
        assert!(error.to_string().contains("Cancun"));
    }

    #[test]
    fn funds_message_mentions_the_need_when_known() {
        let error = DeployError::InsufficientFunds {
            step: Step::Preflight,
            admin: Address::ZERO,
            balance: U256::ZERO,
            needed: Some(U256::from(60_000_000_000_000_000u64)),
        };
        assert!(error.to_string().contains("has 0 ETH"), "{error}");
        assert!(
            error.to_string().contains("needs about 0.06 ETH"),
            "{error}"
        );
        assert_eq!(ether(U256::from(10u64).pow(U256::from(22))), "10000");
    }
}

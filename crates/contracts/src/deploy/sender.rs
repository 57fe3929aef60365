//! Sending the deployment's transactions one at a time from the admin account: fill (nonce, gas
//! estimate, fees) and sign through the provider, wait for the receipt, and turn every failure
//! into a [`DeployError`] naming the step. The gas estimate runs the transaction first, so a
//! revert is reported, decoded, before anything is paid for.

use crate::{
    error::{DeployError, Result, Step},
    revert::{describe_revert, is_insufficient_funds},
};
use alloy::{
    eips::BlockId,
    network::{ReceiptResponse, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
    transports::{RpcError, TransportError},
};
use std::time::{Duration, Instant};

/// Sends transactions from `admin` and records the gas each step used.
pub(crate) struct Sender<'a, P> {
    provider: &'a P,
    admin: Address,
    receipt_timeout: Duration,
    gas: Vec<(Step, u64)>,
}

impl<'a, P: Provider> Sender<'a, P> {
    pub(crate) fn new(provider: &'a P, admin: Address, receipt_timeout: Duration) -> Self {
        Self {
            provider,
            admin,
            receipt_timeout,
            gas: Vec::new(),
        }
    }

    /// Gas used by each step so far, in order.
    pub(crate) fn into_gas(self) -> Vec<(Step, u64)> {
        self.gas
    }

    /// Deploys `code` (creation code with constructor arguments) and checks it landed at
    /// `expected`. Returns the receipt.
    pub(crate) async fn create(
        &mut self,
        step: Step,
        code: Bytes,
        expected: Address,
    ) -> Result<TransactionReceipt> {
        let tx = TransactionRequest::default().with_deploy_code(code);
        let receipt = self.send(step.clone(), tx).await?;
        match receipt.contract_address() {
            Some(actual) if actual == expected => Ok(receipt),
            Some(actual) => Err(DeployError::UnexpectedAddress {
                step,
                expected,
                actual,
            }),
            None => Err(DeployError::Rejected {
                step,
                message: "the receipt of a contract creation has no contract address".to_owned(),
            }),
        }
    }

    /// Calls `to` with `input`.
    pub(crate) async fn call(
        &mut self,
        step: Step,
        to: Address,
        input: Bytes,
    ) -> Result<TransactionReceipt> {
        let tx = TransactionRequest::default().with_to(to).with_input(input);
        self.send(step, tx).await
    }

    async fn send(&mut self, step: Step, tx: TransactionRequest) -> Result<TransactionReceipt> {
        let tx = tx.with_from(self.admin);
        let pending = match self.provider.send_transaction(tx.clone()).await {
            Ok(pending) => pending,
            Err(error) => return Err(self.classify(step, error).await),
        };
        let tx_hash = *pending.tx_hash();
        let receipt = self.wait_for_receipt(&step, tx_hash).await?;
        if !receipt.status() {
            return Err(self.explain_failure(step, tx, &receipt).await);
        }
        tracing::debug!(%step, gas = receipt.gas_used, %tx_hash, "deployment step mined");
        self.gas.push((step, receipt.gas_used));
        Ok(receipt)
    }

    /// Polls for the receipt, quickly at first: dev nodes mine on submission, and the whole
    /// deployment is ~35 transactions.
    async fn wait_for_receipt(&self, step: &Step, tx_hash: B256) -> Result<TransactionReceipt> {
        let start = Instant::now();
        let mut delay = Duration::from_millis(5);
        loop {
            match self.provider.get_transaction_receipt(tx_hash).await {
                Ok(Some(receipt)) => return Ok(receipt),
                Ok(None) => {}
                Err(error) => {
                    return Err(DeployError::Rpc {
                        step: step.clone(),
                        error,
                    });
                }
            }
            if start.elapsed() >= self.receipt_timeout {
                return Err(DeployError::Timeout {
                    step: step.clone(),
                    tx_hash,
                    waited: start.elapsed(),
                });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(1));
        }
    }

    /// A mined transaction failed: replay it on the state before its block for the reason.
    async fn explain_failure(
        &self,
        step: Step,
        tx: TransactionRequest,
        receipt: &TransactionReceipt,
    ) -> DeployError {
        let before = receipt.block_number.and_then(|n| n.checked_sub(1));
        if let Some(block) = before
            && let Err(error) = self.provider.call(tx).block(BlockId::number(block)).await
        {
            if let Some(reason) = revert_reason(&error) {
                return DeployError::Reverted { step, reason };
            }
            if let Some(detail) = code_rejection(&error) {
                return DeployError::CodeRejected { step, detail };
            }
        }
        DeployError::Failed {
            step,
            tx_hash: receipt.transaction_hash,
            gas_used: receipt.gas_used,
        }
    }

    /// Maps an error from filling, signing or submitting a transaction.
    async fn classify(&self, step: Step, error: TransportError) -> DeployError {
        if let Some(reason) = revert_reason(&error) {
            return DeployError::Reverted { step, reason };
        }
        if let Some(detail) = code_rejection(&error) {
            return DeployError::CodeRejected { step, detail };
        }
        match &error {
            RpcError::ErrorResp(payload) if is_insufficient_funds(&payload.message) => {
                let balance = self
                    .provider
                    .get_balance(self.admin)
                    .await
                    .unwrap_or(U256::ZERO);
                DeployError::InsufficientFunds {
                    step,
                    admin: self.admin,
                    balance,
                    needed: None,
                }
            }
            RpcError::ErrorResp(payload) => DeployError::Rejected {
                step,
                message: payload.message.to_string(),
            },
            _ => DeployError::Rpc { step, error },
        }
    }
}

/// The decoded reason of a revert reported in a JSON-RPC error (with revert data, or only a
/// message saying so).
pub(crate) fn revert_reason(error: &TransportError) -> Option<String> {
    let payload = error.as_error_resp()?;
    if let Some(data) = payload.as_revert_data() {
        return Some(describe_revert(&data));
    }
    let message = payload.message.to_lowercase();
    (message.contains("revert") && !message.contains("opcode")).then(|| payload.message.to_string())
}

/// The node's message when execution hit an opcode the chain does not have: revm's
/// `NotActivated`/`OpcodeNotFound` halts (poco chain), "invalid opcode" (Hardhat, ganache,
/// geth).
pub(crate) fn code_rejection(error: &TransportError) -> Option<String> {
    let payload = error.as_error_resp()?;
    let message = payload.message.to_lowercase();
    [
        "invalid opcode",
        "opcodenotfound",
        "notactivated",
        "not activated",
    ]
    .iter()
    .any(|needle| message.contains(needle))
    .then(|| payload.message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(json: &str) -> TransportError {
        RpcError::ErrorResp(serde_json::from_str(json).expect("valid payload"))
    }

    #[test]
    fn reverts_are_decoded_from_the_data() {
        // Error("iExecV5-matchOrders-0x00") as poco chain returns it (code 3, hex data).
        let data = alloy::sol_types::SolError::abi_encode(&alloy::sol_types::Revert::from(
            "iExecV5-matchOrders-0x00",
        ));
        let json = format!(
            r#"{{"code":3,"message":"execution reverted: iExecV5-matchOrders-0x00","data":"{}"}}"#,
            alloy::primitives::hex::encode_prefixed(data)
        );
        assert_eq!(
            revert_reason(&error(&json)).as_deref(),
            Some("iExecV5-matchOrders-0x00")
        );
    }

    #[test]
    fn opcode_failures_are_code_rejections_not_reverts() {
        let e = error(
            r#"{"code":-32000,"message":"VM Exception while processing transaction: invalid opcode"}"#,
        );
        assert!(revert_reason(&e).is_none());
        assert!(code_rejection(&e).is_some());
        let e = error(r#"{"code":-32000,"message":"execution halted: NotActivated"}"#);
        assert!(code_rejection(&e).is_some());
    }
}

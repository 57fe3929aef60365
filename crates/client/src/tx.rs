//! Sending a transaction so that a failure costs nothing and says why: the transaction is
//! simulated first (a gas estimate runs it), a revert is explained in plain words (by the
//! caller's explanation when it has context, such as the orders of a match, else by
//! [`crate::explain::revert`]) and nothing is sent; otherwise it is sent, and the receipt
//! awaited. Progress is reported to a [`TxProgress`] (the CLI's spinner).

use crate::{
    client::Client,
    error::{ClientError, Result},
    explain,
};
use poco_contracts::{
    alloy::{
        eips::BlockId,
        network::TransactionBuilder,
        primitives::{B256, Bytes},
        providers::Provider,
        rpc::types::{TransactionReceipt, TransactionRequest},
        transports::TransportError,
    },
    revert::is_insufficient_funds,
};
use std::time::{Duration, Instant};

/// Explains revert data in the context of one transaction; `None` falls back to
/// [`explain::revert`].
pub type Explainer<'a> = Box<dyn Fn(&[u8]) -> Option<String> + Send + Sync + 'a>;

/// What a transaction is doing, for progress and errors.
pub struct Tx<'a> {
    what: String,
    request: TransactionRequest,
    explain: Option<Explainer<'a>>,
}

impl<'a> Tx<'a> {
    /// A transaction described by `what` ("deposit 5 RLC"), with its target and calldata.
    pub fn new(what: impl Into<String>, request: TransactionRequest) -> Self {
        Self {
            what: what.into(),
            request,
            explain: None,
        }
    }

    /// Explains reverts with `explain` first (it knows the orders, the amounts, ...).
    pub fn explained_by(
        mut self,
        explain: impl Fn(&[u8]) -> Option<String> + Send + Sync + 'a,
    ) -> Self {
        self.explain = Some(Box::new(explain));
        self
    }

    /// What the transaction does.
    pub fn what(&self) -> &str {
        &self.what
    }

    fn reason(&self, data: &[u8]) -> String {
        self.explain
            .as_ref()
            .and_then(|explain| explain(data))
            .unwrap_or_else(|| explain::revert(data))
    }
}

/// Follows a transaction's progress (the CLI shows a spinner); every method does nothing by
/// default.
pub trait TxProgress: Send + Sync {
    /// The transaction is being simulated and signed.
    fn preparing(&self, _what: &str) {}
    /// The transaction was sent; waiting for it to be mined.
    fn sent(&self, _what: &str, _tx_hash: B256) {}
    /// The transaction was mined successfully.
    fn mined(&self, _what: &str, _receipt: &TransactionReceipt) {}
}

/// No progress shown.
impl TxProgress for () {}

impl Client {
    /// Simulates, signs, sends and awaits `tx` from the wallet. A revert found by the
    /// simulation is returned explained and nothing is sent.
    pub async fn send(&self, tx: Tx<'_>, progress: &dyn TxProgress) -> Result<TransactionReceipt> {
        let from = self.address()?;
        progress.preparing(&tx.what);
        let mut request = tx.request.clone().with_from(from);
        let gas = match self.provider().estimate_gas(request.clone()).await {
            Ok(gas) => gas,
            Err(error) => return Err(self.refused(&tx, error, false).await),
        };
        // A margin for state that changes between the estimate and the block (other
        // transactions, a deadline crossing); unused gas is refunded.
        request = request.with_gas_limit(gas.saturating_add(gas / 5).max(21_000));
        let pending = match self.provider().send_transaction(request.clone()).await {
            Ok(pending) => pending,
            Err(error) => return Err(self.refused(&tx, error, false).await),
        };
        let tx_hash = *pending.tx_hash();
        progress.sent(&tx.what, tx_hash);
        let receipt = self.wait_for_receipt(&tx.what, tx_hash).await?;
        if !receipt.status() {
            return Err(self.explain_mined_failure(&tx, request, &receipt).await);
        }
        progress.mined(&tx.what, &receipt);
        Ok(receipt)
    }

    /// Runs `tx` as a call (nothing sent) and returns its output, or the revert explained.
    pub async fn simulate(&self, tx: &Tx<'_>) -> Result<Bytes> {
        let mut request = tx.request.clone();
        if let Ok(from) = self.address() {
            request = request.with_from(from);
        }
        match self.provider().call(request).await {
            Ok(output) => Ok(output),
            Err(error) => Err(self.refused(tx, error, false).await),
        }
    }

    async fn wait_for_receipt(&self, what: &str, tx_hash: B256) -> Result<TransactionReceipt> {
        let start = Instant::now();
        // Dev chains mine on submission: poll fast at first, then back off to 1 s.
        let mut delay = Duration::from_millis(5);
        loop {
            match self.provider().get_transaction_receipt(tx_hash).await {
                Ok(Some(receipt)) => return Ok(receipt),
                Ok(None) => {}
                Err(error) => return Err(crate::client::rpc(what, error)),
            }
            if start.elapsed() >= self.receipt_timeout {
                return Err(ClientError::NotMined {
                    what: what.to_owned(),
                    tx_hash,
                    waited_secs: start.elapsed().as_secs(),
                });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(1));
        }
    }

    /// Maps an error from estimating or sending.
    async fn refused(&self, tx: &Tx<'_>, error: TransportError, mined: bool) -> ClientError {
        if let Some(payload) = error.as_error_resp() {
            if let Some(data) = payload.as_revert_data() {
                return ClientError::Reverted {
                    what: tx.what.clone(),
                    reason: tx.reason(&data),
                    mined,
                };
            }
            let message = payload.message.to_lowercase();
            if is_insufficient_funds(&message)
                && let Ok(address) = self.address()
            {
                let balance = self.eth_balance(address).await.unwrap_or_default();
                return ClientError::NoGasMoney {
                    what: tx.what.clone(),
                    address,
                    balance,
                };
            }
            if message.contains("revert") {
                return ClientError::Reverted {
                    what: tx.what.clone(),
                    reason: tx.reason(&[]),
                    mined,
                };
            }
        }
        if error.is_transport_error() {
            return ClientError::ChainUnreachable {
                chain: self.chain().name.clone(),
                host: self.chain().host.clone(),
                cause: error.to_string(),
            };
        }
        crate::client::rpc(&tx.what, error)
    }

    /// A mined transaction failed: replay it on the state before its block for the reason.
    async fn explain_mined_failure(
        &self,
        tx: &Tx<'_>,
        request: TransactionRequest,
        receipt: &TransactionReceipt,
    ) -> ClientError {
        let before = receipt.block_number.and_then(|n| n.checked_sub(1));
        if let Some(block) = before
            && let Err(error) = self
                .provider()
                .call(request)
                .block(BlockId::number(block))
                .await
        {
            return self.refused(tx, error, true).await;
        }
        ClientError::Reverted {
            what: tx.what.clone(),
            reason: format!(
                "transaction {} failed once mined (gas used {}), and replaying it gives no reason",
                receipt.transaction_hash, receipt.gas_used
            ),
            mined: true,
        }
    }
}

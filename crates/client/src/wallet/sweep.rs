//! Emptying a wallet into another: all its RLC, then all its ETH but the gas of that last
//! transfer, as `iexec wallet sweep` does. The ETH transfer is a legacy transaction of exactly
//! 21,000 gas at the node's gas price, so its cost is known in advance and the wallet ends
//! with nothing.

use super::{Balances, balances, send::transfer_rlc, units::format_ether};
use crate::{
    client::{Client, rpc},
    error::{ClientError, Result},
    tx::TxProgress,
};
use alloy_primitives::{Address, B256, U256};
use poco_contracts::alloy::{
    network::TransactionBuilder, providers::Provider, rpc::types::TransactionRequest,
};
use std::time::{Duration, Instant};

/// The gas of a plain ETH transfer to an account without code.
const TRANSFER_GAS: u64 = 21_000;

/// What [`sweep`] sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// The wallet's balances before the sweep.
    pub before: Option<Balances>,
    /// The nRLC sent and the transaction, if the wallet held RLC.
    pub rlc: Option<(U256, B256)>,
    /// The wei sent and the transaction, if the wallet's ETH covered the transfer's gas.
    pub eth: Option<(U256, B256)>,
    /// Why a part was not sent (the ETH when it does not cover the gas), in plain words.
    pub errors: Vec<String>,
}

/// Sends all the wallet's RLC to `to`, then all its ETH minus the gas of that transfer.
///
/// Refuses (nothing sent) a `to` that is the wallet itself or a contract (the ETH transfer is
/// sized for an account without code). A failed RLC transfer stops the sweep before the ETH;
/// ETH that does not cover the gas of its own transfer stays, and is reported in
/// [`Swept::errors`].
pub async fn sweep(client: &Client, to: Address, progress: &dyn TxProgress) -> Result<Swept> {
    let from = client.address()?;
    if to == from {
        return Err(ClientError::InvalidInput(format!(
            "{to} is the wallet being swept: give another address with --to"
        )));
    }
    let code = client
        .provider()
        .get_code_at(to)
        .await
        .map_err(|e| rpc("read the code at the destination", e))?;
    if !code.is_empty() {
        return Err(ClientError::InvalidInput(format!(
            "{to} is a contract: a sweep sends to accounts without code only (its ETH transfer \
pays 21,000 gas, which a contract may need more than); send to it with `poco wallet send-ether` \
and `poco wallet send-RLC`"
        )));
    }
    let before = balances(client, from).await?;
    let mut swept = Swept {
        before: Some(before),
        ..Swept::default()
    };
    if !before.nrlc.is_zero() {
        let hash = transfer_rlc(client, to, before.nrlc, progress).await?;
        swept.rlc = Some((before.nrlc, hash));
    }

    let wei = client.eth_balance(from).await?;
    let gas_price = client
        .provider()
        .get_gas_price()
        .await
        .map_err(|e| rpc("read the gas price", e))?;
    let fee = U256::from(gas_price) * U256::from(TRANSFER_GAS);
    if wei <= fee {
        swept.errors.push(format!(
            "ETH: the wallet's {} ETH do not cover the gas of sending it ({} ETH), so it stays",
            format_ether(wei),
            format_ether(fee)
        ));
        return Ok(swept);
    }
    let value = wei - fee;
    let what = format!("send {} ETH (all but the gas) to {to}", format_ether(value));
    progress.preparing(&what);
    let request = TransactionRequest::default()
        .with_from(from)
        .with_to(to)
        .with_value(value)
        .with_gas_limit(TRANSFER_GAS)
        .with_gas_price(gas_price);
    let hash = match client.provider().send_transaction(request).await {
        Ok(pending) => *pending.tx_hash(),
        Err(e) => {
            swept
                .errors
                .push(format!("ETH: the node refused the transfer: {e}"));
            return Ok(swept);
        }
    };
    progress.sent(&what, hash);
    let receipt = wait(client, &what, hash).await?;
    if !receipt.status() {
        swept
            .errors
            .push(format!("ETH: transaction {hash} failed once mined"));
        return Ok(swept);
    }
    progress.mined(&what, &receipt);
    swept.eth = Some((value, hash));
    Ok(swept)
}

/// Waits for the receipt of `hash`, at most the client's receipt timeout.
async fn wait(
    client: &Client,
    what: &str,
    hash: B256,
) -> Result<poco_contracts::alloy::rpc::types::TransactionReceipt> {
    let start = Instant::now();
    let mut delay = Duration::from_millis(5);
    loop {
        if let Some(receipt) = client
            .provider()
            .get_transaction_receipt(hash)
            .await
            .map_err(|e| rpc(what, e))?
        {
            return Ok(receipt);
        }
        if start.elapsed() >= client.receipt_timeout {
            return Err(ClientError::NotMined {
                what: what.to_owned(),
                tx_hash: hash,
                waited_secs: start.elapsed().as_secs(),
            });
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(1));
    }
}

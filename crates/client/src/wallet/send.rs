//! Sending ETH or RLC from the wallet, after checking that it holds the amount: a shortfall is
//! told in plain words and nothing is signed.

use super::{require_rlc, units::format_ether};
use crate::{
    client::Client,
    error::{ClientError, Result},
    tx::{Tx, TxProgress},
};
use alloy_primitives::{Address, B256, U256};
use poco_contracts::{
    RLC,
    alloy::{network::TransactionBuilder, rpc::types::TransactionRequest},
};

/// Sends `wei` of ETH from the wallet to `to`; returns the transaction hash.
///
/// Fails with [`ClientError::NotEnoughEth`] (nothing sent) when the wallet holds less, and
/// [`ClientError::NoGasMoney`] when what is left does not pay for the gas.
pub async fn send_ether(
    client: &Client,
    to: Address,
    wei: U256,
    progress: &dyn TxProgress,
) -> Result<B256> {
    check_ether(client, wei).await?;
    let request = TransactionRequest::default().with_to(to).with_value(wei);
    let what = format!("send {} ETH to {to}", format_ether(wei));
    let receipt = client.send(Tx::new(what, request), progress).await?;
    Ok(receipt.transaction_hash)
}

/// Sends `nrlc` of RLC from the wallet to `to` (the token's `transfer`); returns the
/// transaction hash.
///
/// Fails with [`ClientError::NotEnoughRlc`] (nothing sent) when the wallet holds less.
pub async fn send_rlc(
    client: &Client,
    to: Address,
    nrlc: U256,
    progress: &dyn TxProgress,
) -> Result<B256> {
    check_rlc(client, nrlc).await?;
    transfer_rlc(client, to, nrlc, progress).await
}

/// Checks that the wallet can send `wei` of ETH (not zero, not more than it holds), as
/// [`send_ether`] does first; returns the wallet's ETH.
pub async fn check_ether(client: &Client, wei: U256) -> Result<U256> {
    let from = client.address()?;
    refuse_zero(wei, "ETH")?;
    let have = client.eth_balance(from).await?;
    if have < wei {
        return Err(ClientError::NotEnoughEth {
            address: from,
            have,
            want: wei,
        });
    }
    Ok(have)
}

/// Checks that the wallet can send `nrlc` of RLC (not zero, not more than it holds), as
/// [`send_rlc`] does first; returns the wallet's RLC.
pub async fn check_rlc(client: &Client, nrlc: U256) -> Result<U256> {
    let from = client.address()?;
    refuse_zero(nrlc, "RLC")?;
    require_rlc(client, from, nrlc, "send").await
}

/// The token's `transfer`, unchecked.
pub(super) async fn transfer_rlc(
    client: &Client,
    to: Address,
    nrlc: U256,
    progress: &dyn TxProgress,
) -> Result<B256> {
    let token = client.rlc_address().await?;
    let request = RLC::new(token, client.provider().clone())
        .transfer(to, nrlc)
        .into_transaction_request();
    let what = format!("send {} to {to}", poco_types::format_nrlc(nrlc));
    let receipt = client.send(Tx::new(what, request), progress).await?;
    Ok(receipt.transaction_hash)
}

fn refuse_zero(amount: U256, currency: &str) -> Result<()> {
    if amount.is_zero() {
        return Err(ClientError::InvalidInput(format!(
            "the amount of {currency} to send is 0: nothing to send"
        )));
    }
    Ok(())
}

//! Giving an app, dataset or workerpool to another owner: the registry's ERC-721
//! `safeTransferFrom(owner, to, tokenId)`, sent by the owner, as the iExec SDK does. Who may
//! transfer, and to whom, is checked before anything is signed.
//!
//! The protocol checks at match time that an order is signed by the resource's current
//! owner, so orders signed by the previous owner no longer match after a transfer.

use super::{Kind, owner, registry_calls, token_id};
use crate::{
    client::Client,
    error::{ClientError, Result},
    tx::{Tx, TxProgress},
};
use alloy_primitives::{Address, B256};
use poco_contracts::alloy::rpc::types::TransactionRequest;

/// A checked transfer, ready to send.
#[derive(Clone, Debug)]
pub struct TransferPlan {
    /// The kind.
    pub kind: Kind,
    /// The entry.
    pub address: Address,
    /// Its owner now (the wallet).
    pub from: Address,
    /// Its owner after the transfer.
    pub to: Address,
    request: TransactionRequest,
}

/// Checks that `address` is a registered `kind` owned by the wallet
/// ([`ClientError::NotRegistered`], [`ClientError::NotAssetOwner`] otherwise) and that `to`
/// can receive it. Nothing is sent.
pub async fn plan_transfer(
    client: &Client,
    kind: Kind,
    address: Address,
    to: Address,
) -> Result<TransferPlan> {
    let wallet = client.address()?;
    let current = owner(client, kind, address).await?;
    if current != wallet {
        return Err(ClientError::NotAssetOwner {
            kind: kind.as_str(),
            address,
            owner: current,
            wallet,
        });
    }
    if to == Address::ZERO {
        return Err(ClientError::InvalidInput(format!(
            "--to is the zero address: the {kind} would have no owner; give the new owner's address"
        )));
    }
    if to == wallet {
        return Err(ClientError::InvalidInput(format!(
            "{kind} {address} already belongs to {to}: give another owner with --to"
        )));
    }
    let request = registry_calls(client, kind)
        .await?
        .safeTransferFrom_0(wallet, to, token_id(address))
        .into_transaction_request();
    Ok(TransferPlan {
        kind,
        address,
        from: wallet,
        to,
        request,
    })
}

impl TransferPlan {
    /// Sends the transfer (simulated first: a revert is explained and nothing is sent).
    /// Returns the transaction hash.
    pub async fn send(&self, client: &Client, progress: &dyn TxProgress) -> Result<B256> {
        let what = format!("transfer {} {} to {}", self.kind, self.address, self.to);
        let receipt = client
            .send(Tx::new(what, self.request.clone()), progress)
            .await?;
        Ok(receipt.transaction_hash)
    }
}

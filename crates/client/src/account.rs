//! A wallet's account in the hub, where the protocol takes payments and stakes from: its free
//! stake and what is locked in running deals ([`hub_account`]); moving RLC in ([`deposit`]: the
//! token's `approveAndCall`, one transaction) and out ([`withdraw`]); and allowances on the
//! hub's ERC-20 view of the stake ("Staked RLC"), which let another address spend from the
//! account ([`approve`], [`allowance`], [`revoke`]). Amounts are checked before anything is
//! signed: a shortfall is told in plain words and nothing is sent.

use crate::{
    client::{Client, rpc},
    error::{ClientError, Result},
    tx::{Tx, TxProgress},
    wallet::require_rlc,
};
use alloy_primitives::{Address, B256, Bytes, U256};
use poco_contracts::RLC;
use poco_types::format_nrlc;

/// A hub account, in nRLC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HubAccount {
    /// The free stake: what can pay for deals or be withdrawn.
    pub stake: U256,
    /// What is locked in running deals (payments in escrow, workerpool stakes).
    pub locked: U256,
}

/// `who`'s hub account (`viewAccount`).
pub async fn hub_account(client: &Client, who: Address) -> Result<HubAccount> {
    let account = client
        .hub()
        .viewAccount(who)
        .call()
        .await
        .map_err(|e| rpc("read the hub account", e))?;
    Ok(HubAccount {
        stake: account.stake,
        locked: account.locked,
    })
}

/// Moves `nrlc` of the wallet's RLC into its hub account, in one transaction: the token's
/// `approveAndCall(hub, nrlc, "")`, whose call to the hub's `receiveApproval` deposits it.
/// Returns the transaction hash.
///
/// Fails with [`ClientError::NotEnoughRlc`] (nothing sent) when the wallet holds less RLC.
pub async fn deposit(client: &Client, nrlc: U256, progress: &dyn TxProgress) -> Result<B256> {
    let from = client.address()?;
    refuse_zero(nrlc, "deposit")?;
    require_rlc(client, from, nrlc, "deposit").await?;
    let token = client.rlc_address().await?;
    let request = RLC::new(token, client.provider().clone())
        .approveAndCall(client.hub_address(), nrlc, Bytes::new())
        .into_transaction_request();
    let tx = Tx::new(format!("deposit {}", format_nrlc(nrlc)), request);
    Ok(client.send(tx, progress).await?.transaction_hash)
}

/// Moves `nrlc` of the hub account's free stake back to the wallet (`withdraw`). Returns the
/// transaction hash.
///
/// Fails with [`ClientError::NotEnoughStake`] (nothing sent) when the free stake is smaller.
pub async fn withdraw(client: &Client, nrlc: U256, progress: &dyn TxProgress) -> Result<B256> {
    let from = client.address()?;
    refuse_zero(nrlc, "withdraw")?;
    let account = hub_account(client, from).await?;
    if account.stake < nrlc {
        return Err(ClientError::NotEnoughStake {
            address: from,
            free: account.stake,
            locked: account.locked,
            want: nrlc,
        });
    }
    let request = client.hub().withdraw(nrlc).into_transaction_request();
    let tx = Tx::new(format!("withdraw {}", format_nrlc(nrlc)), request);
    Ok(client.send(tx, progress).await?.transaction_hash)
}

/// Lets `spender` spend up to `nrlc` of the hub account's stake (the hub's ERC-20 `approve`,
/// which replaces any previous allowance). Returns the transaction hash.
pub async fn approve(
    client: &Client,
    spender: Address,
    nrlc: U256,
    progress: &dyn TxProgress,
) -> Result<B256> {
    refuse_zero(nrlc, "approve")?;
    set_allowance(client, spender, nrlc, progress).await
}

/// Sets `spender`'s allowance on the hub account back to 0. Returns the transaction hash.
pub async fn revoke(client: &Client, spender: Address, progress: &dyn TxProgress) -> Result<B256> {
    set_allowance(client, spender, U256::ZERO, progress).await
}

/// How much of `owner`'s hub account `spender` may still spend, in nRLC.
pub async fn allowance(client: &Client, owner: Address, spender: Address) -> Result<U256> {
    client
        .hub()
        .allowance(owner, spender)
        .call()
        .await
        .map_err(|e| rpc("read the allowance", e))
}

async fn set_allowance(
    client: &Client,
    spender: Address,
    nrlc: U256,
    progress: &dyn TxProgress,
) -> Result<B256> {
    let request = client
        .hub()
        .approve(spender, nrlc)
        .into_transaction_request();
    let what = if nrlc.is_zero() {
        format!("revoke the allowance of {spender}")
    } else {
        format!("approve {spender} for {}", format_nrlc(nrlc))
    };
    Ok(client
        .send(Tx::new(what, request), progress)
        .await?
        .transaction_hash)
}

fn refuse_zero(nrlc: U256, action: &str) -> Result<()> {
    if nrlc.is_zero() {
        let fix = if action == "approve" {
            ": to remove an allowance, use `poco account revoke`"
        } else {
            ""
        };
        return Err(ClientError::InvalidInput(format!(
            "the amount to {action} is 0: give a positive amount, like 100 or \"1.5 RLC\"{fix}"
        )));
    }
    Ok(())
}

//! Signing and cancelling one's own orders. Before signing, what the chain can tell is checked,
//! so that a signature is never handed out for an order that could not match: the resource is
//! registered and the wallet owns it (a request's requester is the wallet), and the category
//! exists. Cancelling closes the order on the hub (`manage*Order` with CLOSE): its whole volume
//! counts as consumed from then on.

use super::{AnySigned, HubOrder, OrderStatus, deploy_command, registered_owner, status};
use crate::{
    client::{Client, rpc},
    error::{ClientError, Result},
    explain::amount,
    tx::{Tx, TxProgress},
};
use poco_contracts::alloy::primitives::{Address, B256, U256};
use poco_types::{OrderKind, OrderOperation, Signed};

/// A freshly signed order.
#[derive(Clone, Debug)]
pub struct SignedOrder<O> {
    /// The order and its signature.
    pub signed: Signed<O>,
    /// Its hash.
    pub hash: B256,
    /// What may stop it from matching later, though it is valid (for a workerpool order: the
    /// owner's stake does not cover what a match locks).
    pub warnings: Vec<String>,
}

/// What a cancel did.
#[derive(Clone, Debug)]
pub struct Cancelled {
    /// The `manage*Order` transaction.
    pub tx_hash: B256,
    /// The order's status after it.
    pub status: OrderStatus,
}

/// Checks `order` against the chain, then signs it with the client's wallet under its domain.
/// An order without salt (zero, as templates give them) gets a random one first, as the SDK
/// does, so that two otherwise identical orders have different hashes.
pub async fn sign<O: HubOrder>(client: &Client, order: O) -> Result<SignedOrder<O>> {
    let me = client.address()?;
    let order = if order.salt().is_zero() {
        order.with_salt(B256::random())
    } else {
        order
    };
    let mut warnings = Vec::new();
    match O::wrap(Signed::unsigned(order.clone())) {
        AnySigned::App(s) => {
            check_owner(client, OrderKind::App, s.order.app, me, "sign").await?;
        }
        AnySigned::Dataset(s) => {
            check_owner(client, OrderKind::Dataset, s.order.dataset, me, "sign").await?;
        }
        AnySigned::Workerpool(s) => {
            check_owner(
                client,
                OrderKind::Workerpool,
                s.order.workerpool,
                me,
                "sign",
            )
            .await?;
            check_category(client, s.order.category, "workerpoolorder").await?;
            warnings.extend(pool_stake_warning(client, me, s.order.workerpoolprice).await?);
        }
        AnySigned::Request(s) => check_request(client, &s.order, me).await?,
    }
    let signer = client.signer()?;
    let domain = client.domain();
    let signed = Signed::sign(order, &domain, signer)?;
    let hash = signed.hash(&domain);
    Ok(SignedOrder {
        signed,
        hash,
        warnings,
    })
}

/// Cancels `signed` (it must be the wallet's own order and still open), then reads its status.
pub async fn cancel<O: HubOrder>(
    client: &Client,
    signed: Signed<O>,
    progress: &dyn TxProgress,
) -> Result<Cancelled> {
    let me = client.address()?;
    let hash = signed.hash(&client.domain());
    let kind = O::KIND;
    match O::wrap(signed.clone()) {
        AnySigned::App(s) => check_owner(client, kind, s.order.app, me, "cancel").await?,
        AnySigned::Dataset(s) => check_owner(client, kind, s.order.dataset, me, "cancel").await?,
        AnySigned::Workerpool(s) => {
            check_owner(client, kind, s.order.workerpool, me, "cancel").await?;
        }
        AnySigned::Request(s) if s.order.requester != me => {
            return Err(ClientError::OrderRefused(format!(
                "the request order {hash} belongs to its requester {}, not to your wallet {me}: \
                 only the requester can cancel it (pass --wallet-address {})",
                s.order.requester, s.order.requester
            )));
        }
        AnySigned::Request(_) => {}
    }
    let before = status::status(client, &signed.order).await?;
    if before.remaining.is_zero() {
        return Err(ClientError::OrderRefused(format!(
            "the {kind} order {hash} is already {}: nothing left to cancel",
            before.state
        )));
    }
    let request = O::manage_request(&client.hub(), signed.clone(), OrderOperation::Close);
    let receipt = client
        .send(
            Tx::new(format!("cancel the {kind} order"), request),
            progress,
        )
        .await?;
    let status = status::status(client, &signed.order).await?;
    Ok(Cancelled {
        tx_hash: receipt.transaction_hash,
        status,
    })
}

/// The resource of `kind` at `resource` is registered and owned by `me`.
async fn check_owner(
    client: &Client,
    kind: OrderKind,
    resource: Address,
    me: Address,
    action: &str,
) -> Result<()> {
    if resource == Address::ZERO {
        return Err(ClientError::InvalidOrder(format!(
            "the {kind} order has no {kind} address (it is 0x0): deploy the {kind} with `{}` \
             and run `poco order init --{kind}` again, or write its address in iexec.json",
            deploy_command(kind)
        )));
    }
    match registered_owner(client, kind, resource).await? {
        None => Err(ClientError::OrderRefused(format!(
            "no {kind} is registered at {resource} on chain `{}`: deploy it with `{}`, or fix \
             the address in the order",
            client.chain().name,
            deploy_command(kind)
        ))),
        Some(owner) if owner != me => Err(ClientError::OrderRefused(format!(
            "you are not the owner of {kind} {resource}, its owner is {owner}: only the owner can \
             {action} its orders (use that wallet with --wallet-address {owner})"
        ))),
        Some(_) => Ok(()),
    }
}

/// A request order can be signed by `me`: it is `me`'s, for a registered app (and dataset),
/// in an existing category.
async fn check_request(
    client: &Client,
    order: &poco_types::RequestOrder,
    me: Address,
) -> Result<()> {
    if order.requester != me {
        return Err(ClientError::OrderRefused(format!(
            "the request order's requester is {}, not your wallet {me}: a request order is signed \
             by its requester; set `requester` to your address in iexec.json (or to 0x0 for the \
             wallet's), or sign with that wallet (--wallet-address {})",
            order.requester, order.requester
        )));
    }
    for (kind, resource) in [
        (OrderKind::App, order.app),
        (OrderKind::Dataset, order.dataset),
    ] {
        if kind == OrderKind::Dataset && resource == Address::ZERO {
            continue;
        }
        if registered_owner(client, kind, resource).await?.is_none() {
            return Err(ClientError::OrderRefused(format!(
                "the request order is for {kind} {resource}, and no {kind} is registered at that \
                 address on chain `{}`: fix `{kind}` in order.requestorder of iexec.json",
                client.chain().name
            )));
        }
    }
    check_category(client, order.category, "requestorder").await
}

/// `category` exists on the hub.
async fn check_category(client: &Client, category: U256, order: &str) -> Result<()> {
    let count = client
        .hub()
        .countCategory()
        .call()
        .await
        .map_err(|e| rpc("count the categories", e))?;
    if category >= count {
        return Err(ClientError::InvalidOrder(format!(
            "category {category} does not exist (there are {count}, numbered from 0): fix \
             `category` in order.{order} of iexec.json (see `poco category show <index>`)"
        )));
    }
    Ok(())
}

/// A warning when the pool owner's free stake cannot cover what one task at `price` locks.
async fn pool_stake_warning(
    client: &Client,
    owner: Address,
    price: U256,
) -> Result<Option<String>> {
    let hub = client.hub();
    let ratio = hub
        .workerpool_stake_ratio()
        .call()
        .await
        .map_err(|e| rpc("read the workerpool stake ratio", e))?;
    let needed = price * ratio / U256::from(100);
    if needed.is_zero() {
        return Ok(None);
    }
    let account = hub
        .viewAccount(owner)
        .call()
        .await
        .map_err(|e| rpc("read the workerpool owner's account", e))?;
    Ok((account.stake < needed).then(|| {
        format!(
            "your hub account has {} available, and each task matched with this order locks \
             {ratio}% of its price {} from it ({}): matching will fail with insufficient stake \
             until you deposit, e.g. `poco account deposit {}`",
            amount(account.stake),
            amount(price),
            amount(needed),
            needed - account.stake
        )
    }))
}

//! The one-time setup of a local stack, after the protocol is deployed: the pool owner
//! registers the local workerpool, funds its hub account and publishes a workerpool order that
//! any request up to trust 3 in category 0 matches; each worker funds the stake that
//! contributions at trust > 1 lock. Every step checks the chain first, so a setup interrupted
//! by a crash is simply run again. The requester gets nothing: depositing is the workshop's
//! first step.

use crate::error::{Result, StackError};
use alloy_primitives::{Address, B256, Bytes, U256};
use poco_client::{
    Client, account,
    assets::{self, Kind},
    market::{MarketApi, OrderbookFilter, PartyFilter},
    orders::{HubOrder as _, manage},
};
use poco_contracts::{AppRegistry, WorkerpoolRegistry, dev::ONE_RLC};
use poco_types::{AppOrder, OrderKind, WorkerpoolOrder};
use tracing::info;

/// The local workerpool's description (its registry key with the owner).
pub const POOL_DESCRIPTION: &str = "Poco local pool";
/// What the pool owner keeps in its hub account: 10,000 RLC (a match locks 30% of the
/// workerpool price per task).
pub const POOL_OWNER_STAKE: u64 = 10_000;
/// What each worker keeps in its hub account: 1,000 RLC (trust > 1 locks the deal's worker
/// stake per contribution).
pub const WORKER_STAKE: u64 = 1_000;
/// The workerpool order's price per task, in nRLC (0.001 RLC).
pub const POOL_PRICE: u64 = 1_000_000;
/// The workerpool order's volume: enough tasks for any local use.
pub const POOL_VOLUME: u64 = 1_000_000;
/// The highest trust the local pool accepts.
pub const POOL_TRUST: u64 = 3;

/// Registers the workerpool of `owner` (the client's wallet) unless it is already, and returns
/// its address.
pub async fn workerpool(owner: &Client) -> Result<Address> {
    let me = owner.address()?;
    let registry = assets::registry(owner, Kind::Workerpool).await?;
    let pools = WorkerpoolRegistry::new(registry, owner.provider().clone());
    let address = pools
        .predictWorkerpool(me, POOL_DESCRIPTION.to_owned())
        .call()
        .await
        .map_err(|e| StackError::Setup(format!("predicting the workerpool's address: {e}")))?;
    if !assets::is_registered(owner, Kind::Workerpool, address).await? {
        let request = pools
            .createWorkerpool(me, POOL_DESCRIPTION.to_owned())
            .into_transaction_request();
        owner
            .send(
                poco_client::Tx::new("register the local workerpool", request),
                &(),
            )
            .await?;
        info!(%address, "workerpool registered");
    }
    Ok(address)
}

/// Tops the wallet's hub stake up to `rlc` RLC.
pub async fn fund(client: &Client, rlc: u64) -> Result<()> {
    let want = U256::from(rlc) * ONE_RLC;
    let have = account::hub_account(client, client.address()?).await?.stake;
    if have < want {
        account::deposit(client, want - have, &()).await?;
    }
    Ok(())
}

/// Publishes the local workerpool's order (category 0) on the market unless an open one is
/// there already.
pub async fn publish_pool_order(owner: &Client, market: &MarketApi, pool: Address) -> Result<B256> {
    publish_pool_order_in(owner, market, pool, 0).await
}

/// Publishes the local workerpool's order in `category` unless an open one is there already.
pub async fn publish_pool_order_in(
    owner: &Client,
    market: &MarketApi,
    pool: Address,
    category: u64,
) -> Result<B256> {
    let filter = OrderbookFilter {
        workerpool: Some(PartyFilter::Is(pool)),
        workerpool_strict: true,
        category: Some(category),
        ..OrderbookFilter::default()
    };
    let open = market.orderbook(OrderKind::Workerpool, &filter).await?;
    if let Some(order) = open.orders.first() {
        return Ok(order.order_hash);
    }
    let order = WorkerpoolOrder {
        workerpool: pool,
        workerpoolprice: U256::from(POOL_PRICE),
        volume: U256::from(POOL_VOLUME),
        tag: B256::ZERO,
        category: U256::from(category),
        trust: U256::from(POOL_TRUST),
        apprestrict: Address::ZERO,
        datasetrestrict: Address::ZERO,
        requesterrestrict: Address::ZERO,
        salt: B256::ZERO,
    };
    let signed = manage::sign(owner, order).await?;
    let published = market
        .publish(owner.signer()?, &WorkerpoolOrder::wrap(signed.signed))
        .await?;
    Ok(published.order_hash)
}

/// Registers the app `name` of the client's wallet (a DOCKER image at `reference` whose image
/// digest is `checksum`) unless the same entry is registered already, and returns its address.
pub async fn app(
    developer: &Client,
    name: &str,
    reference: &str,
    checksum: B256,
) -> Result<Address> {
    let me = developer.address()?;
    let registry = assets::registry(developer, Kind::App).await?;
    let apps = AppRegistry::new(registry, developer.provider().clone());
    let multiaddr = Bytes::from(reference.as_bytes().to_vec());
    let fields = (
        me,
        name.to_owned(),
        "DOCKER".to_owned(),
        multiaddr,
        checksum,
        Bytes::new(),
    );
    let address = apps
        .predictApp(
            fields.0,
            fields.1.clone(),
            fields.2.clone(),
            fields.3.clone(),
            fields.4,
            fields.5.clone(),
        )
        .call()
        .await
        .map_err(|e| StackError::Setup(format!("predicting the app's address: {e}")))?;
    if !assets::is_registered(developer, Kind::App, address).await? {
        let request = apps
            .createApp(fields.0, fields.1, fields.2, fields.3, fields.4, fields.5)
            .into_transaction_request();
        developer
            .send(
                poco_client::Tx::new(format!("register the app {name}"), request),
                &(),
            )
            .await?;
        info!(%address, name, "app registered");
    }
    Ok(address)
}

/// Publishes an app order for `app` at `price` nRLC per task unless an open one is there.
pub async fn publish_app_order(
    developer: &Client,
    market: &MarketApi,
    app: Address,
    price: u64,
) -> Result<B256> {
    let filter = OrderbookFilter {
        app: Some(PartyFilter::Is(app)),
        ..OrderbookFilter::default()
    };
    let open = market.orderbook(OrderKind::App, &filter).await?;
    if let Some(order) = open.orders.first() {
        return Ok(order.order_hash);
    }
    let order = AppOrder {
        app,
        appprice: U256::from(price),
        volume: U256::from(POOL_VOLUME),
        ..AppOrder::default()
    };
    let signed = manage::sign(developer, order).await?;
    let published = market
        .publish(developer.signer()?, &AppOrder::wrap(signed.signed))
        .await?;
    Ok(published.order_hash)
}

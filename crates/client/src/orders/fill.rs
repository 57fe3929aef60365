//! Filling orders: the four orders of a match ([`OrderSet`]), the request order built on the
//! fly when the requester has none (as the SDK's `order fill` does), and the `matchOrders`
//! transaction itself, explained in the orders' words when it reverts, with the deal it made
//! read from its `OrdersMatched` event.

use super::preflight::ChainFacts;
use crate::{
    client::Client,
    error::{ClientError, Result},
    explain::match_orders,
    tx::{Tx, TxProgress},
};
use poco_contracts::{
    PocoHub,
    alloy::primitives::{Address, B256, U256},
    convert::no_dataset_order,
};
use poco_types::{
    AppOrder, DatasetOrder, RequestOrder, Signed, SignedAppOrder, SignedDatasetOrder,
    SignedRequestOrder, SignedWorkerpoolOrder, WorkerpoolOrder, deal_id,
};

/// The four orders of a match (the dataset order only when the deal uses a dataset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderSet {
    /// The app order.
    pub app: SignedAppOrder,
    /// The dataset order, if any.
    pub dataset: Option<SignedDatasetOrder>,
    /// The workerpool order.
    pub workerpool: SignedWorkerpoolOrder,
    /// The request order.
    pub request: SignedRequestOrder,
}

impl OrderSet {
    /// The dataset order, or the all-zero one `matchOrders` takes without a dataset.
    pub fn dataset_order(&self) -> DatasetOrder {
        self.dataset
            .as_ref()
            .map(|d| d.order.clone())
            .unwrap_or_default()
    }

    /// What one task costs the requester: app + dataset + workerpool prices.
    pub fn price_per_task(&self) -> U256 {
        self.app.order.appprice
            + self.dataset_order().datasetprice
            + self.workerpool.order.workerpoolprice
    }
}

/// What a fill made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filled {
    /// The new deal.
    pub deal_id: B256,
    /// Its number of tasks.
    pub volume: U256,
    /// What the requester's account locked for it.
    pub total: U256,
    /// The `matchOrders` transaction.
    pub tx_hash: B256,
}

/// The request order the SDK builds when filling without one: for `requester`, paying each
/// order's price, for `volume` tasks in the workerpool order's category and trust, restricted
/// to its workerpool, with `params` (the JSON string the order carries).
pub fn request_for(
    app: &AppOrder,
    dataset: Option<&DatasetOrder>,
    workerpool: &WorkerpoolOrder,
    requester: Address,
    volume: U256,
    params: String,
) -> RequestOrder {
    RequestOrder {
        app: app.app,
        appmaxprice: app.appprice,
        dataset: dataset.map_or(Address::ZERO, |d| d.dataset),
        datasetmaxprice: dataset.map_or(U256::ZERO, |d| d.datasetprice),
        workerpool: workerpool.workerpool,
        workerpoolmaxprice: workerpool.workerpoolprice,
        requester,
        volume,
        tag: B256::ZERO,
        category: workerpool.category,
        trust: workerpool.trust,
        beneficiary: requester,
        callback: Address::ZERO,
        params,
        salt: B256::random(),
    }
}

/// The volume left to the app, dataset and workerpool orders: what a request built on the
/// fly asks for. Zero when one of them is used up.
pub async fn available_volume(
    client: &Client,
    app: &AppOrder,
    dataset: Option<&DatasetOrder>,
    workerpool: &WorkerpoolOrder,
) -> Result<U256> {
    let mut volume = super::status::status(client, app).await?.remaining;
    if let Some(dataset) = dataset {
        volume = volume.min(super::status::status(client, dataset).await?.remaining);
    }
    Ok(volume.min(super::status::status(client, workerpool).await?.remaining))
}

/// Signs a request order with the client's wallet.
pub fn sign_request(client: &Client, order: RequestOrder) -> Result<SignedRequestOrder> {
    Ok(Signed::sign(order, &client.domain(), client.signer()?)?)
}

/// Sends `matchOrders` for `orders` (after [`super::preflight::preflight`]: `facts` make a
/// revert the preflight could not foresee read as well) and reads the deal from its event.
pub async fn fill(
    client: &Client,
    orders: &OrderSet,
    facts: Option<&ChainFacts>,
    progress: &dyn TxProgress,
) -> Result<Filled> {
    let hub = client.hub();
    let dataset = orders
        .dataset
        .clone()
        .map_or_else(no_dataset_order, Into::into);
    let request = hub
        .matchOrders(
            orders.app.clone().into(),
            dataset,
            orders.workerpool.clone().into(),
            orders.request.clone().into(),
        )
        .into_transaction_request();
    let tx = Tx::new("match the orders", request)
        .explained_by(move |data| match_orders::explain_with(data, orders, facts));
    let receipt = client.send(tx, progress).await?;
    let matched = receipt
        .logs()
        .iter()
        .find_map(|log| log.log_decode::<PocoHub::OrdersMatched>().ok())
        .ok_or_else(|| ClientError::Rpc {
            what: "match the orders".to_owned(),
            cause: format!(
                "transaction {} succeeded without an OrdersMatched event: is this a Poco hub?",
                receipt.transaction_hash
            ),
        })?
        .inner
        .data;
    let price = orders.price_per_task();
    debug_assert!(
        facts.is_none_or(|f| matched.dealid == deal_id(f.request.hash, f.request.consumed)),
        "the deal id is keccak256(requestHash ‖ consumed before)"
    );
    Ok(Filled {
        deal_id: matched.dealid,
        volume: matched.volume,
        total: price * matched.volume,
        tx_hash: receipt.transaction_hash,
    })
}

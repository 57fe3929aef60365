//! `app request-execution`: a request order made from the requester's terms (the most it pays
//! for the app, dataset and workerpool, volume, category, tag, trust, params), checked against
//! the chain (the resources are registered, the hub account covers the order's total) and
//! signed ([`prepare`]), then published on the market ([`publish`]), where sellers, or a
//! scheduler matching requests, fill it. Nothing is spent until it is filled.

use super::{
    error::{ExecutionError, Result},
    params::{ParamsInput, requirements},
    select::owner_of,
};
use crate::explain::amount;
use crate::{
    account::hub_account,
    client::Client,
    market::{MarketApi, PublishedOrder},
    orders::{AnySigned, fill::sign_request},
};
use alloy_primitives::{Address, B256, U256};
use poco_types::{OrderKind, RequestOrder, SignedRequestOrder, Tag};

/// The requester's terms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestSpec {
    /// The app.
    pub app: Address,
    /// The dataset, if any.
    pub dataset: Option<Address>,
    /// The workerpool, if the request is for one only.
    pub workerpool: Option<Address>,
    /// The most it pays for the app, per task (nRLC).
    pub app_price: U256,
    /// The most it pays for the dataset, per task (nRLC; ignored without a dataset).
    pub dataset_price: U256,
    /// The most it pays for the workerpool, per task (nRLC).
    pub workerpool_price: U256,
    /// How many tasks.
    pub volume: U256,
    /// The category.
    pub category: u64,
    /// The tag.
    pub tag: Tag,
    /// The trust.
    pub trust: u64,
    /// The callback contract, or zero.
    pub callback: Address,
    /// Who may read the results (default: the requester).
    pub beneficiary: Option<Address>,
    /// The params.
    pub params: ParamsInput,
    /// Skip the check of what the workers can serve.
    pub skip_preflight_check: bool,
}

/// A signed request order, ready to publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedRequest {
    /// The order.
    pub order: SignedRequestOrder,
    /// What it may cost in all: (app + dataset + workerpool price) × volume.
    pub total: U256,
}

/// Builds the request order of `spec`, checks it and signs it with the client's wallet.
pub async fn prepare(client: &Client, spec: &RequestSpec) -> Result<PreparedRequest> {
    let requester = client.address()?;
    owner_of(client, OrderKind::App, spec.app).await?;
    let dataset = spec.dataset.filter(|d| *d != Address::ZERO);
    if let Some(dataset) = dataset {
        owner_of(client, OrderKind::Dataset, dataset).await?;
    }
    let workerpool = spec.workerpool.filter(|w| *w != Address::ZERO);
    if let Some(workerpool) = workerpool {
        owner_of(client, OrderKind::Workerpool, workerpool).await?;
    }
    if spec.volume.is_zero() {
        return Err(ExecutionError::InvalidParams(
            "--volume must be 1 or more".to_owned(),
        ));
    }
    let params = spec.params.to_signed_string(spec.tag, spec.callback)?;
    if !spec.skip_preflight_check {
        requirements(&params, spec.tag).map_err(ExecutionError::Requirements)?;
    }
    let order = RequestOrder {
        app: spec.app,
        appmaxprice: spec.app_price,
        dataset: dataset.unwrap_or(Address::ZERO),
        datasetmaxprice: if dataset.is_some() {
            spec.dataset_price
        } else {
            U256::ZERO
        },
        workerpool: workerpool.unwrap_or(Address::ZERO),
        workerpoolmaxprice: spec.workerpool_price,
        requester,
        volume: spec.volume,
        tag: spec.tag.0,
        category: U256::from(spec.category),
        trust: U256::from(spec.trust),
        beneficiary: spec.beneficiary.unwrap_or(requester),
        callback: spec.callback,
        params,
        salt: B256::random(),
    };
    let total =
        (order.appmaxprice + order.datasetmaxprice + order.workerpoolmaxprice) * order.volume;
    let available = hub_account(client, requester).await?.stake;
    if available < total {
        return Err(ExecutionError::NotEnoughStake {
            requester,
            available,
            needed: total,
            breakdown: format!(
                " (at most {} per task × {} task(s))",
                amount(order.appmaxprice + order.datasetmaxprice + order.workerpoolmaxprice),
                order.volume
            ),
        });
    }
    let order = sign_request(client, order)?;
    Ok(PreparedRequest { order, total })
}

/// Publishes the signed request on the market; returns it as the market holds it.
pub async fn publish(
    client: &Client,
    market: &MarketApi,
    prepared: &PreparedRequest,
) -> Result<PublishedOrder> {
    let order = AnySigned::Request(prepared.order.clone());
    Ok(market.publish(client.signer()?, &order).await?)
}

//! The request matcher (design §2.7, **⚑A19**): with `match_requests`, the scheduler fills the
//! published request orders its pool can serve, as iExec leaves to whoever wants to. Every
//! 2 s it reads the market's open request orders for the pool (restricted to it or to
//! nobody), and for each looks for one of the pool's open workerpool orders in the request's
//! category with enough trust, and the cheapest open app order (and dataset order) the request
//! accepts; the first combination the preflight (`poco_client::orders::preflight`, every check
//! of `matchOrders`) accepts is sent as `matchOrders` through the pool owner's transaction
//! queue. The requester's stake pays; the pool owner's pays the pool's stake, as for any deal.
//! A request that cannot be matched is not tried again for a minute.

use crate::engine::Shared;
use alloy_primitives::{Address, B256};
use poco_client::{
    Tx,
    market::{MarketApi, OrderbookFilter, PartyFilter, PublishedOrder},
    orders::{AnySigned, OrderSet, preflight::preflight},
};
use poco_contracts::convert::no_dataset_order;
use poco_types::{
    OrderKind, SignedAppOrder, SignedDatasetOrder, SignedRequestOrder, SignedWorkerpoolOrder,
};
use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::watch;

/// How often the market is read.
const PERIOD: Duration = Duration::from_secs(2);

/// How long a request that could not be matched is left alone.
const RETRY_AFTER: Duration = Duration::from_secs(60);

/// How many orders of each kind are tried per request.
const CANDIDATES: usize = 5;

/// Runs until `stop`.
pub async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let Some(url) = shared.config.market_url.clone() else {
        tracing::warn!("request matcher: no market URL configured, matching nothing");
        return;
    };
    let market = match MarketApi::new(&url, shared.chain_id) {
        Ok(market) => market,
        Err(e) => {
            tracing::warn!("request matcher: market {url}: {e}; matching nothing");
            return;
        }
    };
    let mut failed: HashMap<B256, Instant> = HashMap::new();
    loop {
        if let Err(e) = round(&shared, &market, &mut failed).await {
            tracing::debug!("request matcher: {e}");
        }
        tokio::select! {
            _ = stop.wait_for(|stop| *stop) => return,
            () = tokio::time::sleep(PERIOD) => {}
        }
    }
}

/// One pass over the open request orders.
async fn round(
    shared: &Shared,
    market: &MarketApi,
    failed: &mut HashMap<B256, Instant>,
) -> Result<(), String> {
    failed.retain(|_, at| at.elapsed() < RETRY_AFTER);
    let pool = shared.config.workerpool;
    let requests = market
        .orderbook(
            OrderKind::Request,
            &OrderbookFilter {
                workerpool: Some(PartyFilter::Is(pool)),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    for entry in requests.orders {
        let AnySigned::Request(request) = entry.order else {
            continue;
        };
        if entry.remaining == 0 || failed.contains_key(&entry.order_hash) {
            continue;
        }
        match match_request(shared, market, &request).await {
            Ok(Some(deal)) => {
                tracing::info!(
                    "request matcher: request {} of {} matched: deal {deal}",
                    entry.order_hash,
                    request.order.requester
                );
            }
            Ok(None) => {
                failed.insert(entry.order_hash, Instant::now());
            }
            Err(e) => {
                tracing::info!("request matcher: request {}: {e}", entry.order_hash);
                failed.insert(entry.order_hash, Instant::now());
            }
        }
    }
    Ok(())
}

/// The first orders of a `kind` book matching `filter`, as signed orders.
async fn book(
    market: &MarketApi,
    kind: OrderKind,
    filter: OrderbookFilter,
) -> Result<Vec<PublishedOrder>, String> {
    Ok(market
        .orderbook(kind, &filter)
        .await
        .map_err(|e| e.to_string())?
        .orders
        .into_iter()
        .filter(|o| o.remaining > 0)
        .take(CANDIDATES)
        .collect())
}

/// Finds orders for `request` that the preflight accepts and sends `matchOrders`; the deal id,
/// or `None` when no combination matches.
async fn match_request(
    shared: &Shared,
    market: &MarketApi,
    request: &SignedRequestOrder,
) -> Result<Option<B256>, String> {
    let r = &request.order;
    let pool = shared.config.workerpool;
    let category = u64::try_from(r.category).map_err(|_| "category out of range".to_owned())?;
    let trust = u64::try_from(r.trust).unwrap_or(u64::MAX);
    let pools: Vec<SignedWorkerpoolOrder> = book(
        market,
        OrderKind::Workerpool,
        OrderbookFilter {
            workerpool: Some(PartyFilter::Is(pool)),
            category: Some(category),
            min_trust: Some(trust),
            requester: Some(PartyFilter::Is(r.requester)),
            app: Some(PartyFilter::Is(r.app)),
            ..Default::default()
        },
    )
    .await?
    .into_iter()
    .filter_map(|o| match o.order {
        AnySigned::Workerpool(order) if order.order.workerpoolprice <= r.workerpoolmaxprice => {
            Some(order)
        }
        _ => None,
    })
    .collect();
    if pools.is_empty() {
        return Ok(None);
    }
    let apps: Vec<SignedAppOrder> = book(
        market,
        OrderKind::App,
        OrderbookFilter {
            app: Some(PartyFilter::Is(r.app)),
            workerpool: Some(PartyFilter::Is(pool)),
            requester: Some(PartyFilter::Is(r.requester)),
            dataset: (r.dataset != Address::ZERO).then_some(PartyFilter::Is(r.dataset)),
            ..Default::default()
        },
    )
    .await?
    .into_iter()
    .filter_map(|o| match o.order {
        AnySigned::App(order) if order.order.appprice <= r.appmaxprice => Some(order),
        _ => None,
    })
    .collect();
    let datasets: Vec<Option<SignedDatasetOrder>> = if r.dataset == Address::ZERO {
        vec![None]
    } else {
        book(
            market,
            OrderKind::Dataset,
            OrderbookFilter {
                dataset: Some(PartyFilter::Is(r.dataset)),
                app: Some(PartyFilter::Is(r.app)),
                workerpool: Some(PartyFilter::Is(pool)),
                requester: Some(PartyFilter::Is(r.requester)),
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .filter_map(|o| match o.order {
            AnySigned::Dataset(order) if order.order.datasetprice <= r.datasetmaxprice => {
                Some(Some(order))
            }
            _ => None,
        })
        .collect()
    };
    let client = shared.client();
    for app in &apps {
        for dataset in &datasets {
            for workerpool in &pools {
                let set = OrderSet {
                    app: app.clone(),
                    dataset: dataset.clone(),
                    workerpool: workerpool.clone(),
                    request: request.clone(),
                };
                if preflight(client, &set).await.is_err() {
                    continue;
                }
                return send(shared, set).await.map(Some);
            }
        }
    }
    Ok(None)
}

/// Sends `matchOrders` for `set` through the pool owner's queue; the deal id.
async fn send(shared: &Shared, set: OrderSet) -> Result<B256, String> {
    let hub = shared.client().hub();
    let dataset = set
        .dataset
        .clone()
        .map_or_else(no_dataset_order, Into::into);
    let request = hub
        .matchOrders(
            set.app.clone().into(),
            dataset,
            set.workerpool.clone().into(),
            set.request.clone().into(),
        )
        .into_transaction_request();
    let receipt = shared
        .txq
        .send(Tx::new("match a published request order", request))
        .await
        .map_err(|e| e.to_string())?;
    receipt
        .logs()
        .iter()
        .find_map(|log| {
            log.log_decode::<poco_contracts::PocoHub::OrdersMatched>()
                .ok()
        })
        .map(|matched| matched.inner.data.dealid)
        .ok_or_else(|| "matchOrders was mined without an OrdersMatched event".to_owned())
}

//! The request matcher fills a request order published on the market, and the deal runs.

use crate::{
    common::{APP_OWNER, CHAIN_ID, Env, POOL_OWNER, POOL_PRICE, REQUESTER, WORKER, eventually},
    worker::FakeWorker,
};
use alloy_primitives::{B256, U256};
use poco_client::{market::MarketApi, orders::AnySigned};
use poco_contracts::dev;
use poco_market::{Market, MarketConfig};
use poco_types::{AppOrder, RequestOrder, Signed, WorkerpoolOrder, domain};

#[tokio::test]
async fn published_request_is_matched() {
    let mut env = Env::start().await;
    let market =
        Market::start(MarketConfig::test().with_chain(env.node().http_url(), CHAIN_ID, dev::HUB))
            .await
            .expect("market starts");
    env.stop_scheduler().await;
    env.config = env
        .config
        .clone()
        .with_market_url(market.http_url())
        .with_match_requests(true);
    env.start_scheduler().await;

    let api = MarketApi::new(&market.http_url(), CHAIN_ID).expect("market URL");
    let domain = domain(CHAIN_ID, dev::HUB);
    let app = Signed::sign(
        AppOrder {
            app: env.app,
            appprice: U256::from(3),
            volume: U256::from(10),
            salt: B256::random(),
            ..Default::default()
        },
        &domain,
        &env.signers()[APP_OWNER],
    )
    .expect("signs");
    let pool = Signed::sign(
        WorkerpoolOrder {
            workerpool: env.pool,
            workerpoolprice: U256::from(POOL_PRICE),
            volume: U256::from(10),
            trust: U256::from(1),
            salt: B256::random(),
            ..Default::default()
        },
        &domain,
        &env.signers()[POOL_OWNER],
    )
    .expect("signs");
    let request = Signed::sign(
        RequestOrder {
            app: env.app,
            appmaxprice: U256::from(3),
            workerpoolmaxprice: U256::from(POOL_PRICE),
            requester: env.address(REQUESTER),
            beneficiary: env.address(REQUESTER),
            volume: U256::from(1),
            trust: U256::from(1),
            params: "{\"iexec_args\":\"matched\"}".into(),
            salt: B256::random(),
            ..Default::default()
        },
        &domain,
        &env.signers()[REQUESTER],
    )
    .expect("signs");
    api.publish(&env.signers()[APP_OWNER], &AnySigned::App(app))
        .await
        .expect("app order published");
    api.publish(&env.signers()[POOL_OWNER], &AnySigned::Workerpool(pool))
        .await
        .expect("workerpool order published");
    api.publish(&env.signers()[REQUESTER], &AnySigned::Request(request))
        .await
        .expect("request order published");

    // The matcher fills it; the scheduler follows the deal; a worker gets its task.
    eventually("a deal for the published request", || async {
        let (_, metrics) = env.get("/metrics").await;
        metrics["tasks"].as_object().is_some_and(|t| !t.is_empty())
    })
    .await;
    let worker = FakeWorker::start(&env, WORKER).await;
    let auth = worker.available(20_000).await.expect("the matched task");
    let deal = env.view_task(auth.chain_task_id).await.dealid;
    let on_chain = env.hub().viewDeal(deal).call().await.expect("viewDeal");
    assert_eq!(on_chain.requester, env.address(REQUESTER));
    assert_eq!(on_chain.params, "{\"iexec_args\":\"matched\"}");
    env.stop_scheduler().await;
    market.stop().await.expect("the market stops");
}

//! The queries' `count` is remembered between writes (`orders::counts`): it must still be exact
//! right after every kind of write — a publish, an unpublish, the chain watcher filling an
//! order — in the category written to, and stay right in the others.

use crate::{common::*, fixture::*};
use alloy_primitives::{B256, U256};
use poco_types::{Signed, WorkerpoolOrder};
use reqwest::Method;
use serde_json::json;

/// The `count` of `GET path`.
async fn count(env: &Env, path: &str) -> u64 {
    let (status, reply) = env.get(path).await;
    assert_eq!(status, 200, "{reply}");
    reply["count"].as_u64().expect("a count")
}

/// A signed workerpool order of `pool` in `category`.
fn pool_order_in(
    env: &Env,
    pool: alloy_primitives::Address,
    category: u64,
) -> Signed<WorkerpoolOrder> {
    env.sign(
        POOL_OWNER,
        WorkerpoolOrder {
            workerpool: pool,
            workerpoolprice: U256::from(POOL_PRICE),
            volume: U256::from(1),
            category: U256::from(category),
            salt: B256::random(),
            ..Default::default()
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_follow_publishes_unpublishes_and_fills() {
    let env = Env::start().await;
    let pool = env.create_workerpool(POOL_OWNER, "counted").await;
    env.deposit(POOL_OWNER, 1_000).await;
    env.deposit(REQUESTER, 1_000).await;
    let in_category = |c: u64| format!("/workerpoolorders?chainId={CHAIN_ID}&category={c}");
    // Asked twice: the second answer may be the remembered one.
    for c in [0, 1] {
        assert_eq!(count(&env, &in_category(c)).await, 0);
        assert_eq!(count(&env, &in_category(c)).await, 0);
    }

    // A publish in category 1 counts at once there, and not in category 0.
    let first = pool_order_in(&env, pool, 1);
    assert_eq!(env.publish("workerpool", POOL_OWNER, &first).await.0, 200);
    assert_eq!(count(&env, &in_category(1)).await, 1);
    assert_eq!(count(&env, &in_category(0)).await, 0);
    let second = pool_order_in(&env, pool, 1);
    assert_eq!(env.publish("workerpool", POOL_OWNER, &second).await.0, 200);
    assert_eq!(count(&env, &in_category(1)).await, 2);
    let other = pool_order_in(&env, pool, 0);
    assert_eq!(env.publish("workerpool", POOL_OWNER, &other).await.0, 200);
    assert_eq!(count(&env, &in_category(0)).await, 1);
    assert_eq!(count(&env, &in_category(1)).await, 2);
    let all = format!("/workerpoolorders?chainId={CHAIN_ID}&workerpool={pool}");
    assert_eq!(count(&env, &all).await, 3);

    // An unpublish.
    let auth = env.auth(POOL_OWNER).await;
    let body = json!({"target": "unpublish_orderHash", "orderHash": hash_of(&second)});
    let (status, reply) = env
        .send(
            Method::PUT,
            &format!("/workerpoolorders?chainId={CHAIN_ID}"),
            Some(auth),
            &body,
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(count(&env, &in_category(1)).await, 1);
    assert_eq!(count(&env, &all).await, 2);

    // The chain watcher fills the first order (category 0 of the request must match: the
    // request asks for category 1).
    let app = env.create_app(APP_OWNER, "counted-app").await;
    let app_order = env.app_order(APP_OWNER, app, APP_PRICE, 10);
    assert_eq!(env.publish("app", APP_OWNER, &app_order).await.0, 200);
    let requests = format!("/requestorders?chainId={CHAIN_ID}&category=1");
    assert_eq!(count(&env, &requests).await, 0);
    let mut request = env.request_order(app, 1);
    request.order.category = U256::from(1);
    let request = env.sign(REQUESTER, request.order);
    assert_eq!(env.publish("request", REQUESTER, &request).await.0, 200);
    assert_eq!(count(&env, &requests).await, 1);
    env.match_orders(&app_order, &first, &request).await;
    env.synced().await;
    assert_eq!(
        count(&env, &in_category(1)).await,
        0,
        "the pool order is filled"
    );
    assert_eq!(count(&env, &requests).await, 0, "the request is filled");
    assert_eq!(count(&env, &in_category(0)).await, 1);
    env.market_stop().await;
}

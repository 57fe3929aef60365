//! The chain watcher keeps the book true: matches (partial and full), cancels, stakes withdrawn
//! and deposited again, apps changing hands, new categories; it resumes after a restart
//! without missing or double-applying a block, and waits for its confirmations.

use crate::{common::*, fixture::*};
use alloy_primitives::{Address, B256};
use poco_chain::{ChainConfig, Node};
use poco_contracts::{DeployOptions, dev};
use poco_market::{Market, MarketConfig};
use serde_json::Value;
use std::time::Duration;

/// The hashes listed by `GET /{kind}orders?...`.
async fn listed(env: &Env, query: &str) -> Vec<String> {
    let (status, book) = env.get(query).await;
    assert_eq!(status, 200, "{book}");
    book["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| o["orderHash"].as_str().expect("a hash").to_owned())
        .collect()
}

/// An app of the app owner with a published app order of `volume` tasks.
async fn published_app(
    env: &Env,
    volume: u64,
) -> (Address, poco_types::Signed<poco_types::AppOrder>) {
    let app = env
        .create_app(APP_OWNER, &format!("app-{}", B256::random()))
        .await;
    let order = env.app_order(APP_OWNER, app, APP_PRICE, volume);
    let (status, reply) = env.publish("app", APP_OWNER, &order).await;
    assert_eq!(status, 200, "{reply}");
    (app, order)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matches_fill_orders_partially_then_fully() {
    let env = Env::start().await;
    let (app, app_order) = published_app(&env, 3).await;
    let pool = env.create_workerpool(POOL_OWNER, "fill").await;
    env.deposit(POOL_OWNER, 1_000).await;
    env.deposit(REQUESTER, 1_000).await;
    let pool_order = env.pool_order(pool, 3);
    assert_eq!(
        env.publish("workerpool", POOL_OWNER, &pool_order).await.0,
        200
    );
    let first = env.request_order(app, 1);
    assert_eq!(env.publish("request", REQUESTER, &first).await.0, 200);

    // One task of three: the request is filled, the others have two left.
    let deal = env.match_orders(&app_order, &pool_order, &first).await;
    env.synced().await;
    assert_eq!(
        env.order_state("app", hash_of(&app_order)).await,
        ("OPEN".into(), 2)
    );
    assert_eq!(
        env.order_state("workerpool", hash_of(&pool_order)).await,
        ("OPEN".into(), 2)
    );
    assert_eq!(
        env.order_state("request", hash_of(&first)).await,
        ("FILLED".into(), 0)
    );
    let requests = listed(
        &env,
        &format!("/requestorders?chainId={CHAIN_ID}&app={app}"),
    )
    .await;
    assert!(
        requests.is_empty(),
        "a filled order is not listed: {requests:?}"
    );
    let (status, reply) = env.get(&format!("/deals/{deal}?chainId={CHAIN_ID}")).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["volume"], 1);

    // The last two: everything is filled, and the book no longer lists them.
    let second = env.request_order(app, 2);
    assert_eq!(env.publish("request", REQUESTER, &second).await.0, 200);
    env.match_orders(&app_order, &pool_order, &second).await;
    env.synced().await;
    for (kind, hash) in [
        ("app", hash_of(&app_order)),
        ("workerpool", hash_of(&pool_order)),
        ("request", hash_of(&second)),
    ] {
        assert_eq!(
            env.order_state(kind, hash).await,
            ("FILLED".into(), 0),
            "{kind}"
        );
    }
    assert!(
        listed(&env, &format!("/apporders?chainId={CHAIN_ID}&app={app}"))
            .await
            .is_empty()
    );
    let (_, deals) = env
        .get(&format!("/deals?chainId={CHAIN_ID}&app={app}"))
        .await;
    assert_eq!(deals["count"], 2, "{deals}");
    env.market_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_on_chain_cancels_the_order() {
    let env = Env::start().await;
    let (_, order) = published_app(&env, 5).await;
    env.cancel_app_order(APP_OWNER, &order).await;
    env.synced().await;
    assert_eq!(
        env.order_state("app", hash_of(&order)).await,
        ("CANCELED".into(), 0)
    );
    env.market_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stake_withdrawn_kills_orders_and_a_deposit_revives_them() {
    let env = Env::start().await;
    let (app, _) = published_app(&env, 10).await;
    let pool = env.create_workerpool(POOL_OWNER, "stake").await;
    // Exactly what 4 tasks at 10 nRLC need: 30% × 10 × 4 = 12; a request of 2 tasks: 24.
    env.deposit(POOL_OWNER, 12).await;
    env.deposit(REQUESTER, 24).await;
    let pool_order = env.pool_order(pool, 4);
    assert_eq!(
        env.publish("workerpool", POOL_OWNER, &pool_order).await.0,
        200
    );
    let request = env.request_order(app, 2);
    assert_eq!(env.publish("request", REQUESTER, &request).await.0, 200);
    let pool_hash = hash_of(&pool_order);
    let request_hash = hash_of(&request);

    env.withdraw(POOL_OWNER, 1).await;
    env.withdraw(REQUESTER, 1).await;
    env.synced().await;
    assert_eq!(
        env.order_state("workerpool", pool_hash).await,
        ("DEAD".into(), 4)
    );
    assert_eq!(
        env.order_state("request", request_hash).await,
        ("DEAD".into(), 2)
    );
    assert!(
        listed(
            &env,
            &format!("/workerpoolorders?chainId={CHAIN_ID}&workerpool={pool}")
        )
        .await
        .is_empty()
    );

    env.deposit(POOL_OWNER, 1).await;
    env.deposit(REQUESTER, 1).await;
    env.synced().await;
    assert_eq!(
        env.order_state("workerpool", pool_hash).await,
        ("OPEN".into(), 4)
    );
    assert_eq!(
        env.order_state("request", request_hash).await,
        ("OPEN".into(), 2)
    );
    assert_eq!(
        listed(
            &env,
            &format!("/workerpoolorders?chainId={CHAIN_ID}&workerpool={pool}")
        )
        .await,
        vec![pool_hash.to_string()]
    );
    env.market_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_changing_hands_kills_its_orders_until_it_comes_back() {
    let env = Env::start().await;
    let (app, order) = published_app(&env, 2).await;
    let hash = hash_of(&order);
    env.transfer_app(app, APP_OWNER, OTHER).await;
    env.synced().await;
    assert_eq!(env.order_state("app", hash).await, ("DEAD".into(), 2));
    env.transfer_app(app, OTHER, APP_OWNER).await;
    env.synced().await;
    assert_eq!(env.order_state("app", hash).await, ("OPEN".into(), 2));
    env.market_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_categories_appear() {
    let env = Env::start().await;
    let (status, before) = env.get(&format!("/categories?chainId={CHAIN_ID}")).await;
    assert_eq!(status, 200, "{before}");
    let count = before["count"].as_u64().expect("a count");
    assert!(
        count > 0,
        "the dev chain's categories were copied on start: {before}"
    );
    env.create_category("XXL", 100_000).await;
    env.synced().await;
    let (_, after) = env.get(&format!("/categories?chainId={CHAIN_ID}")).await;
    assert_eq!(after["count"], count + 1, "{after}");
    let (status, new) = env
        .get(&format!("/categories/{count}?chainId={CHAIN_ID}"))
        .await;
    assert_eq!(status, 200, "{new}");
    assert_eq!(new["name"], "XXL");
    assert_eq!(new["workClockTimeRef"], 100_000);
    let (_, long) = env
        .get(&format!(
            "/categories?chainId={CHAIN_ID}&minWorkClockTimeRef=100000"
        ))
        .await;
    assert_eq!(long["count"], 1, "{long}");
    env.market_stop().await;
}

/// The number of deals of `app`.
async fn deal_count(env: &Env, app: Address) -> Value {
    let (status, deals) = env
        .get(&format!("/deals?chainId={CHAIN_ID}&app={app}"))
        .await;
    assert_eq!(status, 200, "{deals}");
    deals["count"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_resumes_without_missing_or_repeating_blocks() {
    let env = Env::start().await;
    let (app, app_order) = published_app(&env, 5).await;
    let (_, to_cancel) = published_app(&env, 1).await;
    let pool = env.create_workerpool(POOL_OWNER, "restart").await;
    env.deposit(POOL_OWNER, 1_000).await;
    env.deposit(REQUESTER, 1_000).await;
    let pool_order = env.pool_order(pool, 5);
    assert_eq!(
        env.publish("workerpool", POOL_OWNER, &pool_order).await.0,
        200
    );
    env.synced().await;
    let stopped_at = env.market.watched_block();

    // While the market is down: a match of 2 tasks and a cancel.
    let request = env.request_order(app, 2);
    let env = env
        .restart(
            |config| config,
            async |env: &Env| {
                env.match_orders(&app_order, &pool_order, &request).await;
                env.cancel_app_order(APP_OWNER, &to_cancel).await;
            },
        )
        .await;
    assert_eq!(
        env.market.watched_block(),
        stopped_at,
        "it resumes where it stopped"
    );
    env.synced().await;
    assert_eq!(
        env.order_state("app", hash_of(&app_order)).await,
        ("OPEN".into(), 3)
    );
    assert_eq!(
        env.order_state("app", hash_of(&to_cancel)).await,
        ("CANCELED".into(), 0)
    );
    assert_eq!(deal_count(&env, app).await, 1);

    // Processing the same blocks again (the position moved back by hand) changes nothing.
    let back = i64::try_from(stopped_at).expect("small");
    sqlx::query("UPDATE watcher SET last_block = $1")
        .bind(back)
        .execute(env.market.pool())
        .await
        .expect("the position moves back");
    let env = env.restart(|config| config, async |_: &Env| {}).await;
    assert_eq!(env.market.watched_block(), stopped_at);
    env.synced().await;
    assert_eq!(
        env.order_state("app", hash_of(&app_order)).await,
        ("OPEN".into(), 3)
    );
    assert_eq!(deal_count(&env, app).await, 1);
    env.market_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmations_are_waited_for() {
    let env = Env::start_with(|config| config.with_confirmations(3)).await;
    let (_, order) = published_app(&env, 1).await;
    let hash = hash_of(&order);
    env.cancel_app_order(APP_OWNER, &order).await;
    let cancelled_in = env.head().await;
    env.mine(2).await;
    env.synced().await;
    assert_eq!(env.market.watched_block(), cancelled_in - 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(env.order_state("app", hash).await, ("OPEN".into(), 1));
    env.mine(1).await;
    env.synced().await;
    assert_eq!(env.market.watched_block(), cancelled_in);
    assert_eq!(env.order_state("app", hash).await, ("CANCELED".into(), 0));
    env.market_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_that_goes_away_is_waited_for() {
    // A chain that keeps its state in a file, so that it can come back on the same port.
    let dir = tempfile::tempdir().expect("a folder");
    let state = dir.path().join("chain.json");
    let chain = ChainConfig::test().with_state_path(Some(state.clone()));
    let node = Node::start(chain.clone()).await.expect("chain starts");
    let signers = node.signers().to_vec();
    let options = DeployOptions::default().with_mint_each(
        signers.iter().map(|s| s.address()),
        dev::RLC_PER_DEV_ACCOUNT,
    );
    poco_contracts::deploy(&node.http_url(), signers[0].clone(), &options)
        .await
        .expect("protocol deploys");
    let config = MarketConfig::test().with_chain(node.http_url(), CHAIN_ID, dev::HUB);
    let market = Market::start(config).await.expect("market starts");
    let env = Env {
        node,
        market,
        signers,
        http: reqwest::Client::new(),
    };
    let (_, order) = published_app(&env, 2).await;
    env.synced().await;

    // The chain stops: the market keeps serving the book, and keeps trying.
    let Env {
        node,
        market,
        signers,
        http,
    } = env;
    let port = node.addr().port();
    node.stop()
        .await
        .expect("the chain stops and saves its state");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stopped = Env {
        node: Node::start(ChainConfig::test())
            .await
            .expect("a stand-in chain"),
        market,
        signers,
        http,
    };
    assert_eq!(stopped.get("/version").await.0, 200);
    assert_eq!(
        stopped.order_state("app", hash_of(&order)).await,
        ("OPEN".into(), 2)
    );

    // It comes back (without the past blocks' states): the watcher catches up.
    let Env {
        node: stand_in,
        market,
        signers,
        http,
    } = stopped;
    drop(stand_in);
    let node = Node::start(chain.with_port(port))
        .await
        .expect("the chain restarts on its port");
    let env = Env {
        node,
        market,
        signers,
        http,
    };
    env.cancel_app_order(APP_OWNER, &order).await;
    env.synced().await;
    assert_eq!(
        env.order_state("app", hash_of(&order)).await,
        ("CANCELED".into(), 0)
    );
    env.market_stop().await;
}

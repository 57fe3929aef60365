//! Publishing: the round trip, and each rejection as a 4xx that says why.

use crate::common::*;
use alloy_primitives::{B256, U256};
use poco_types::{RequestOrder, WorkerpoolOrder, domain};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn challenge_publish_and_read_back() {
    let env = Env::start().await;
    let (status, version) = env.get("/version").await;
    assert_eq!((status, version["ok"].clone()), (200, json!(true)));

    let (status, challenge) = env
        .get(&format!(
            "/challenge?chainId={CHAIN_ID}&address={}",
            env.address(1)
        ))
        .await;
    assert_eq!(status, 200);
    let data = &challenge["data"];
    assert_eq!(data["primaryType"], "Challenge");
    assert_eq!(
        data["domain"],
        json!({"name": "iExec Gateway", "version": "1", "chainId": CHAIN_ID})
    );
    assert!(data["message"]["challenge"].is_string());

    let app = env.create_app(APP_OWNER, "round-trip").await;
    let order = env.app_order(APP_OWNER, app, 5, 3);
    let hash = order.hash(&domain(CHAIN_ID, poco_contracts::dev::HUB));
    let (status, reply) = env.publish("app", APP_OWNER, &order).await;
    assert_eq!(status, 200, "{reply}");
    let published = &reply["published"];
    assert_eq!(published["orderHash"], hash.to_string());
    assert_eq!(published["status"], "OPEN");
    assert_eq!(published["remaining"], 3);
    assert_eq!(published["chainId"], CHAIN_ID);
    assert_eq!(
        published["signer"],
        env.address(APP_OWNER).to_checksum(None)
    );
    // The signed order as the SDK wrote it, with the amounts as JSON numbers (iExec's form).
    let mut expected = serde_json::to_value(&order).expect("JSON");
    for field in ["appprice", "volume"] {
        let text = expected[field]
            .as_str()
            .expect("the SDK's decimal string")
            .to_owned();
        expected[field] = json!(text.parse::<u64>().expect("a small amount"));
    }
    assert_eq!(published["order"], expected);
    assert!(
        published["publicationTimestamp"]
            .as_str()
            .expect("a time")
            .ends_with('Z')
    );

    let (status, one) = env
        .get(&format!("/apporders/{hash}?chainId={CHAIN_ID}"))
        .await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["ok"], true);
    assert_eq!(one["orderHash"], hash.to_string());

    let (status, book) = env
        .get(&format!("/apporders?chainId={CHAIN_ID}&app={app}"))
        .await;
    assert_eq!(status, 200, "{book}");
    assert_eq!(book["count"], 1);
    assert_eq!(book["orders"][0]["orderHash"], hash.to_string());
    assert!(book.get("nextPage").is_none());

    // Published twice: a conflict.
    rejected(
        env.publish("app", APP_OWNER, &order).await,
        409,
        "already published",
    );

    // A workerpool order whose owner staked enough, then a request order with an app order
    // to match.
    let pool = env.create_workerpool(POOL_OWNER, "pool").await;
    env.deposit(POOL_OWNER, 30).await;
    let pool_order = env.sign(
        POOL_OWNER,
        WorkerpoolOrder {
            workerpool: pool,
            workerpoolprice: U256::from(10),
            volume: U256::from(10),
            salt: B256::random(),
            ..Default::default()
        },
    );
    let (status, reply) = env.publish("workerpool", POOL_OWNER, &pool_order).await;
    assert_eq!(status, 200, "{reply}");
    env.deposit(REQUESTER, 60).await;
    let request = env.sign(
        REQUESTER,
        RequestOrder {
            app,
            appmaxprice: U256::from(5),
            workerpoolmaxprice: U256::from(10),
            requester: env.address(REQUESTER),
            beneficiary: env.address(REQUESTER),
            volume: U256::from(4),
            salt: B256::random(),
            ..Default::default()
        },
    );
    let (status, reply) = env.publish("request", REQUESTER, &request).await;
    assert_eq!(status, 200, "{reply}");
    env.market_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_rejection_is_a_clear_4xx() {
    let env = Env::start_with(|c| c.with_max_open_orders_per_wallet(2)).await;
    let app = env.create_app(APP_OWNER, "rejections").await;

    // Signed by someone else than the app's owner (a forged signer).
    let forged = env.app_order(OTHER, app, 1, 1);
    rejected(
        env.publish("app", APP_OWNER, &forged).await,
        400,
        "signature",
    );

    // A signature that is not a signature.
    let mut bad = env.app_order(APP_OWNER, app, 1, 1);
    bad.sign = vec![1u8; 65].into();
    rejected(env.publish("app", APP_OWNER, &bad).await, 400, "signature");

    // Published by a wallet that does not own the app.
    let order = env.app_order(APP_OWNER, app, 1, 1);
    rejected(env.publish("app", OTHER, &order).await, 403, "owner");

    // A request order published by someone else than its requester.
    let request = env.sign(
        REQUESTER,
        RequestOrder {
            app,
            requester: env.address(REQUESTER),
            volume: U256::from(1),
            salt: B256::random(),
            ..Default::default()
        },
    );
    rejected(
        env.publish("request", OTHER, &request).await,
        403,
        "requester",
    );

    // The wrong chain id.
    let auth = env.auth(APP_OWNER).await;
    rejected(
        env.send(
            Method::POST,
            "/apporders?chainId=1",
            Some(auth),
            &json!({"order": order}),
        )
        .await,
        400,
        "chain 31337",
    );

    // No volume left.
    let empty = env.app_order(APP_OWNER, app, 1, 0);
    rejected(
        env.publish("app", APP_OWNER, &empty).await,
        400,
        "no volume left",
    );

    // A pool owner without the stake: 30% of 100 × 10 = 300 nRLC needed.
    let pool = env.create_workerpool(POOL_OWNER, "poor").await;
    let pool_order = env.sign(
        POOL_OWNER,
        WorkerpoolOrder {
            workerpool: pool,
            workerpoolprice: U256::from(100),
            volume: U256::from(10),
            salt: B256::random(),
            ..Default::default()
        },
    );
    rejected(
        env.publish("workerpool", POOL_OWNER, &pool_order).await,
        400,
        "stake",
    );

    // A requester without the stake, then without an app order to match.
    rejected(
        env.publish("request", REQUESTER, &{
            let mut r = request.clone();
            r.order.workerpoolmaxprice = U256::from(1000);
            env.sign(REQUESTER, r.order)
        })
        .await,
        400,
        "stake",
    );
    rejected(
        env.publish("request", REQUESTER, &request).await,
        400,
        "no open apporder",
    );

    // A reused challenge.
    let auth = env.auth(APP_OWNER).await;
    let path = format!("/apporders?chainId={CHAIN_ID}");
    let (status, reply) = env
        .send(
            Method::POST,
            &path,
            Some(auth.clone()),
            &json!({"order": order}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let again = env.app_order(APP_OWNER, app, 2, 1);
    rejected(
        env.send(Method::POST, &path, Some(auth), &json!({"order": again}))
            .await,
        401,
        "already used",
    );
    // No Authorization header at all.
    rejected(
        env.send(Method::POST, &path, None, &json!({"order": again}))
            .await,
        401,
        "Authorization",
    );

    // The cap of open orders per wallet (2).
    let (status, reply) = env.publish("app", APP_OWNER, &again).await;
    assert_eq!(status, 200, "{reply}");
    let third = env.app_order(APP_OWNER, app, 3, 1);
    rejected(
        env.publish("app", APP_OWNER, &third).await,
        409,
        "open orders",
    );
    env.market_stop().await;
}

//! The book: sort, pagination and filters of the queries, and the three ways to unpublish.

use crate::common::*;
use alloy_primitives::{Address, B256, U256};
use poco_types::AppOrder;
use reqwest::Method;
use serde_json::{Value, json};

fn hashes(book: &Value) -> Vec<String> {
    book["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| o["orderHash"].as_str().expect("a hash").to_owned())
        .collect()
}

fn prices(book: &Value) -> Vec<String> {
    book["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| o["order"]["appprice"].to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sort_pagination_and_filters() {
    let env = Env::start().await;
    let app = env.create_app(APP_OWNER, "book").await;
    // 12 unrestricted orders, prices 12 down to 1 (published most expensive first).
    for price in (1..=12u64).rev() {
        let order = env.app_order(APP_OWNER, app, price, price);
        let (status, reply) = env.publish("app", APP_OWNER, &order).await;
        assert_eq!(status, 200, "{reply}");
    }
    // One restricted to a dataset, one tagged TEE.
    let dataset = Address::repeat_byte(0xd5);
    let restricted = env.sign(
        APP_OWNER,
        AppOrder {
            app,
            appprice: U256::from(1),
            volume: U256::from(1),
            datasetrestrict: dataset,
            salt: B256::random(),
            ..Default::default()
        },
    );
    assert_eq!(env.publish("app", APP_OWNER, &restricted).await.0, 200);
    let mut tee = AppOrder {
        app,
        appprice: U256::from(50),
        volume: U256::from(1),
        salt: B256::random(),
        ..Default::default()
    };
    tee.tag = B256::with_last_byte(0x03);
    assert_eq!(
        env.publish("app", APP_OWNER, &env.sign(APP_OWNER, tee))
            .await
            .0,
        200
    );

    let base = format!("/apporders?chainId={CHAIN_ID}&app={app}");
    let (status, first) = env.get(&format!("{base}&pageSize=10")).await;
    assert_eq!(status, 200, "{first}");
    // Unrestricted only: 12 plain + the TEE one.
    assert_eq!(first["count"], 13);
    assert_eq!(first["nextPage"], 1);
    // Amounts are JSON numbers, as iExec's market sends them.
    let expected: Vec<String> = (1..=10).map(|p| p.to_string()).collect();
    assert_eq!(prices(&first), expected);
    let (_, second) = env.get(&format!("{base}&pageSize=10&pageIndex=1")).await;
    assert_eq!(prices(&second), vec!["11", "12", "50"]);
    assert!(second.get("nextPage").is_none());

    // Restriction filters: the dataset's own order joins, strictly it is alone; `any` is all.
    let (_, with) = env.get(&format!("{base}&dataset={dataset}")).await;
    assert_eq!(with["count"], 14);
    let (_, strict) = env
        .get(&format!("{base}&dataset={dataset}&isDatasetStrict=true"))
        .await;
    assert_eq!(hashes(&strict).len(), 1);
    assert_eq!(
        strict["orders"][0]["order"]["datasetrestrict"],
        dataset.to_checksum(None)
    );
    let (_, any) = env.get(&format!("{base}&dataset=any")).await;
    assert_eq!(any["count"], 14);

    // Tags, volume, owner.
    let (_, tee_only) = env.get(&format!("{base}&minTag=0x{:064x}", 3)).await;
    assert_eq!(tee_only["count"], 1);
    assert_eq!(tee_only["orders"][0]["tagArray"], json!(["tee", "scone"]));
    let (_, plain) = env.get(&format!("{base}&maxTag=0x{:064x}", 0)).await;
    assert_eq!(plain["count"], 12);
    let (_, big) = env.get(&format!("{base}&minVolume=11")).await;
    assert_eq!(big["count"], 2);
    let (_, mine) = env
        .get(&format!(
            "/apporders?chainId={CHAIN_ID}&appOwner={}",
            env.address(APP_OWNER)
        ))
        .await;
    assert_eq!(mine["count"], 13);
    let (_, none) = env
        .get(&format!(
            "/apporders?chainId={CHAIN_ID}&appOwner={}",
            env.address(OTHER)
        ))
        .await;
    assert_eq!(none["count"], 0);

    // Page sizes outside 10..1000 are refused.
    rejected(
        env.get(&format!("{base}&pageSize=5")).await,
        400,
        "pageSize",
    );
    rejected(
        env.get(&format!("{base}&pageSize=1001")).await,
        400,
        "pageSize",
    );
    env.market_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unpublish_by_hash_last_and_all() {
    let env = Env::start().await;
    let app = env.create_app(APP_OWNER, "unpublish").await;
    let mut published = Vec::new();
    for price in 1..=4u64 {
        let order = env.app_order(APP_OWNER, app, price, 1);
        let (status, reply) = env.publish("app", APP_OWNER, &order).await;
        assert_eq!(status, 200, "{reply}");
        published.push(
            reply["published"]["orderHash"]
                .as_str()
                .expect("hash")
                .to_owned(),
        );
    }
    let path = format!("/apporders?chainId={CHAIN_ID}");
    let url = format!("/apporders?chainId={CHAIN_ID}&app={app}");

    // Someone else cannot unpublish it.
    let auth = env.auth(OTHER).await;
    let body = json!({"target": "UNPUBLISH_ORDERHASH", "orderHash": published[0]});
    rejected(
        env.send(Method::PUT, &path, Some(auth), &body).await,
        403,
        "signer",
    );

    // By hash (the SDK's lower-case target).
    let auth = env.auth(APP_OWNER).await;
    let body = json!({"target": "unpublish_orderHash", "orderHash": published[0]});
    let (status, reply) = env.send(Method::PUT, &path, Some(auth), &body).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["unpublished"], json!([published[0]]));
    assert_eq!(env.get(&url).await.1["count"], 3);
    // Gone: a second time is a 404.
    let auth = env.auth(APP_OWNER).await;
    rejected(
        env.send(Method::PUT, &path, Some(auth), &body).await,
        404,
        "no open",
    );

    // The last published.
    let auth = env.auth(APP_OWNER).await;
    let body = json!({"target": "UNPUBLISH_LAST", "app": app});
    let (status, reply) = env.send(Method::PUT, &path, Some(auth), &body).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["unpublished"], json!([published[3]]));
    assert_eq!(env.get(&url).await.1["count"], 2);

    // All the rest.
    let auth = env.auth(APP_OWNER).await;
    let body = json!({"target": "UNPUBLISH_ALL", "app": app});
    let (status, reply) = env.send(Method::PUT, &path, Some(auth), &body).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["unpublished"].as_array().expect("hashes").len(), 2);
    assert_eq!(env.get(&url).await.1["count"], 0);

    // An unknown target.
    let auth = env.auth(APP_OWNER).await;
    let body = json!({"target": "UNPUBLISH_EVERYTHING", "app": app});
    rejected(
        env.send(Method::PUT, &path, Some(auth), &body).await,
        400,
        "target",
    );
    env.market_stop().await;
}

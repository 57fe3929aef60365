//! `GET /deals` and `GET /deals/{dealid}`: the deals the watcher recorded, newest first, with
//! the SDK's filters and iExec's field names.

use crate::{common::*, fixture::*};
use alloy_primitives::{Address, B256};
use poco_contracts::alloy::providers::Provider;
use serde_json::Value;

fn ids(page: &Value) -> Vec<String> {
    page["deals"]
        .as_array()
        .expect("deals")
        .iter()
        .map(|d| d["dealid"].as_str().expect("a dealid").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deals_newest_first_with_filters_and_pages() {
    let env = Env::start().await;
    let app = env.create_app(APP_OWNER, "deals").await;
    let other_app = env.create_app(OTHER, "other-deals").await;
    let pool = env.create_workerpool(POOL_OWNER, "deals").await;
    env.deposit(POOL_OWNER, 10_000).await;
    env.deposit(REQUESTER, 10_000).await;
    let app_order = env.app_order(APP_OWNER, app, APP_PRICE, 11);
    let pool_order = env.pool_order(pool, 12);
    // Eleven one-task deals of `app`, then one of `other_app` (one block each).
    let mut deals = Vec::new();
    let mut requests = Vec::new();
    for _ in 0..11 {
        let request = env.request_order(app, 1);
        deals.push(
            env.match_orders(&app_order, &pool_order, &request)
                .await
                .to_string(),
        );
        requests.push(request);
    }
    let other_order = env.app_order(OTHER, other_app, APP_PRICE, 1);
    let last = env
        .match_orders(&other_order, &pool_order, &env.request_order(other_app, 1))
        .await
        .to_string();
    env.synced().await;

    let c = CHAIN_ID;
    let (status, first) = env.get(&format!("/deals?chainId={c}&pageSize=10")).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["count"], 12);
    assert_eq!(first["nextPage"], 1);
    let mut newest: Vec<String> = deals.iter().rev().cloned().collect();
    newest.insert(0, last.clone());
    assert_eq!(ids(&first), newest[..10].to_vec());
    let (_, second) = env
        .get(&format!("/deals?chainId={c}&pageSize=10&pageIndex=1"))
        .await;
    assert_eq!(ids(&second), newest[10..].to_vec());
    assert!(second.get("nextPage").is_none());

    let count = async |query: String| -> Value {
        let (status, reply) = env.get(&format!("/deals?chainId={c}&{query}")).await;
        assert_eq!(status, 200, "{query}: {reply}");
        reply["count"].clone()
    };
    let requester = env.address(REQUESTER);
    assert_eq!(count(format!("app={app}")).await, 11);
    assert_eq!(count(format!("app={other_app}")).await, 1);
    assert_eq!(count(format!("appOwner={}", env.address(OTHER))).await, 1);
    assert_eq!(count(format!("requester={requester}")).await, 12);
    assert_eq!(count(format!("beneficiary={requester}")).await, 12);
    assert_eq!(count(format!("requester={}", env.address(OTHER))).await, 0);
    assert_eq!(count(format!("workerpool={pool}")).await, 12);
    assert_eq!(
        count(format!("workerpoolOwner={}", env.address(POOL_OWNER))).await,
        12
    );
    assert_eq!(count(format!("dataset={}", Address::ZERO)).await, 12);
    assert_eq!(
        count(format!("apporderHash={}", hash_of(&app_order))).await,
        11
    );
    assert_eq!(
        count(format!("workerpoolorderHash={}", hash_of(&pool_order))).await,
        12
    );
    assert_eq!(count("category=0".into()).await, 12);
    assert_eq!(count("category=1".into()).await, 0);
    for name in ["requestorderHash", "requestHash"] {
        let (_, one) = env
            .get(&format!(
                "/deals?chainId={c}&{name}={}",
                hash_of(&requests[3])
            ))
            .await;
        assert_eq!(ids(&one), vec![deals[3].clone()], "{name}");
    }
    assert_eq!(
        count(format!(
            "app={app}&requestorderHash={}",
            hash_of(&requests[3])
        ))
        .await,
        1
    );
    env.market_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_deal_with_the_fields_of_iexec() {
    let env = Env::start().await;
    let app = env.create_app(APP_OWNER, "one-deal").await;
    let pool = env.create_workerpool(POOL_OWNER, "one-deal").await;
    env.deposit(POOL_OWNER, 1_000).await;
    env.deposit(REQUESTER, 1_000).await;
    let app_order = env.app_order(APP_OWNER, app, APP_PRICE, 5);
    let pool_order = env.pool_order(pool, 5);
    let request = env.request_order(app, 3);
    let deal = env.match_orders(&app_order, &pool_order, &request).await;
    let block = env.head().await;
    env.synced().await;

    let (status, d) = env.get(&format!("/deals/{deal}?chainId={CHAIN_ID}")).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["ok"], true);
    assert_eq!(d["dealid"], deal.to_string());
    assert_eq!(d["chainId"], CHAIN_ID);
    assert_eq!(d["app"]["pointer"], app.to_checksum(None));
    assert_eq!(d["app"]["owner"], env.address(APP_OWNER).to_checksum(None));
    assert_eq!(d["app"]["price"], APP_PRICE);
    assert_eq!(d["dataset"]["pointer"], Address::ZERO.to_checksum(None));
    assert_eq!(d["dataset"]["price"], 0);
    assert_eq!(d["workerpool"]["pointer"], pool.to_checksum(None));
    assert_eq!(
        d["workerpool"]["owner"],
        env.address(POOL_OWNER).to_checksum(None)
    );
    assert_eq!(d["workerpool"]["price"], POOL_PRICE);
    assert_eq!(d["appHash"], hash_of(&app_order).to_string());
    assert_eq!(d["datasetHash"], B256::ZERO.to_string());
    assert_eq!(d["workerpoolHash"], hash_of(&pool_order).to_string());
    assert_eq!(d["requestHash"], hash_of(&request).to_string());
    assert_eq!(d["requester"], env.address(REQUESTER).to_checksum(None));
    assert_eq!(d["beneficiary"], env.address(REQUESTER).to_checksum(None));
    assert_eq!(d["callback"], Address::ZERO.to_checksum(None));
    assert_eq!(d["params"], "{\"iexec_args\":\"test\"}");
    assert_eq!(d["volume"], 3);
    assert_eq!(d["botFirst"], 0);
    assert_eq!(d["botSize"], 3);
    assert_eq!(d["category"], 0);
    assert_eq!(d["trust"], 1, "a deal's trust is at least 1");
    assert_eq!(d["tag"], B256::ZERO.to_string());
    assert_eq!(d["blockNumber"], block);
    let header = env
        .chain()
        .get_block_by_number(block.into())
        .await
        .expect("a block")
        .expect("it exists")
        .header;
    assert_eq!(d["startTime"], header.timestamp);
    let iso = d["blockTimestamp"].as_str().expect("an ISO time");
    assert!(iso.ends_with(".000Z") && iso.len() == 24, "{iso}");
    let tx = d["transactionHash"].as_str().expect("a transaction");
    let receipt = env
        .chain()
        .get_transaction_receipt(tx.parse().expect("a hash"))
        .await
        .expect("a receipt")
        .expect("it exists");
    assert_eq!(receipt.block_number, Some(block));
    for field in ["workerStake", "schedulerRewardRatio", "sponsor"] {
        assert!(d.get(field).is_some(), "{field} is missing: {d}");
    }

    // The same deal in the list.
    let (_, list) = env.get(&format!("/deals?chainId={CHAIN_ID}")).await;
    let mut listed = list["deals"][0].clone();
    let mut one = d.clone();
    one.as_object_mut().expect("an object").remove("ok");
    listed.as_object_mut().expect("an object").remove("ok");
    assert_eq!(listed, one);

    // Bad input is a 4xx.
    rejected(
        env.get(&format!("/deals/0x12?chainId={CHAIN_ID}")).await,
        400,
        "deal id",
    );
    rejected(
        env.get(&format!(
            "/deals/{}?chainId={CHAIN_ID}",
            B256::repeat_byte(7)
        ))
        .await,
        404,
        "no deal",
    );
    rejected(env.get("/deals?chainId=1").await, 400, "chainId");
    rejected(
        env.get(&format!("/deals?chainId={CHAIN_ID}&requester=zz"))
            .await,
        400,
        "requester",
    );
    rejected(
        env.get(&format!("/deals?chainId={CHAIN_ID}&apporderHash=0x12"))
            .await,
        400,
        "apporderHash",
    );
    rejected(
        env.get(&format!("/deals?chainId={CHAIN_ID}&pageSize=5"))
            .await,
        400,
        "pageSize",
    );
    env.market_stop().await;
}

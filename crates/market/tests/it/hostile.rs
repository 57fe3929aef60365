//! Malformed and hostile input: always a 4xx with the iExec error body, never a 5xx.

use crate::common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_input_is_never_a_500() {
    let env = Env::start().await;
    let c = CHAIN_ID;
    let long = "x".repeat(10_000);
    let gets = [
        "/apporders".to_owned(),
        "/apporders?chainId=abc".to_owned(),
        "/apporders?chainId=-1".to_owned(),
        "/apporders?chainId=99999999999999999999999".to_owned(),
        format!("/apporders?chainId={c}&app=0x12"),
        format!("/apporders?chainId={c}&app={long}"),
        format!("/apporders?chainId={c}&app=%FF%FE"),
        format!("/apporders?chainId={c}&isDatasetStrict=maybe"),
        format!("/apporders?chainId={c}&minTag=0xZZ"),
        format!("/apporders?chainId={c}&minTag=0x{}", "f".repeat(64)),
        format!("/apporders?chainId={c}&pageIndex=-3"),
        format!("/apporders?chainId={c}&pageIndex=9223372036854775807"),
        format!("/apporders?chainId={c}&pageSize=0"),
        format!("/workerpoolorders?chainId={c}&category=1e9"),
        format!("/requestorders?chainId={c}&maxTrust=nope"),
        format!("/apporders/0x1234?chainId={c}"),
        format!("/apporders/{}?chainId={c}", "0".repeat(66)),
        format!("/apporders/0x{}?chainId={c}", "ab".repeat(32)),
        format!("/challenge?chainId={c}"),
        format!("/challenge?chainId={c}&address=any"),
        format!("/categories/abc?chainId={c}"),
        format!("/categories/999?chainId={c}"),
        "/nowhere".to_owned(),
        "/apporders/a/b".to_owned(),
    ];
    for path in &gets {
        let (status, reply) = env.get(path).await;
        assert!((400..500).contains(&status), "{path}: {status} {reply}");
        assert_eq!(reply["ok"], false, "{path}: {reply}");
        assert!(reply["error"].is_string(), "{path}: {reply}");
    }

    let path = format!("/apporders?chainId={c}");
    // Bodies that are not orders, with a valid authentication each time.
    for body in [
        json!(null),
        json!("order"),
        json!({}),
        json!({"order": {}}),
        json!({"order": {"app": "0x12"}}),
        json!({"order": {"app": long, "appprice": "-1"}}),
        json!({"order": [1, 2, 3]}),
    ] {
        let auth = env.auth(APP_OWNER).await;
        let (status, reply) = env.send(Method::POST, &path, Some(auth), &body).await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert_eq!(reply["ok"], false);
    }
    // Broken Authorization headers.
    for auth in ["", "abc", "a_b_c", "0x12_0x34_0x56", &"_".repeat(1000)] {
        let (status, reply) = env
            .send(Method::POST, &path, Some(auth.to_owned()), &json!({}))
            .await;
        assert_eq!(status, 401, "{auth}: {reply}");
    }
    // A body that is not JSON.
    let auth = env.auth(APP_OWNER).await;
    let reply = env
        .http
        .post(env.url(&path))
        .header("authorization", auth)
        .body("{not json")
        .send()
        .await
        .expect("sent");
    assert_eq!(reply.status().as_u16(), 400);
    // A wrong method.
    let reply = env.http.delete(env.url(&path)).send().await.expect("sent");
    assert_eq!(reply.status().as_u16(), 405);
    // Categories read from the hub.
    let (status, cats) = env.get(&format!("/categories?chainId={c}")).await;
    assert_eq!(status, 200, "{cats}");
    assert!(cats["count"].as_u64().expect("a count") >= 1);
    let (status, cat) = env.get(&format!("/categories/0?chainId={c}")).await;
    assert_eq!(status, 200, "{cat}");
    assert_eq!(cat["catid"], 0);
    env.market_stop().await;
}

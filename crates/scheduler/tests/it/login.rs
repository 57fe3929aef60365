//! Login (EIP-191 over keccak256 of the challenge), JWT, registration, pings, the public
//! configuration, Compass's route.

use crate::{
    common::{CHAIN_ID, Env, POOL_OWNER, WORKER},
    worker::FakeWorker,
};
use alloy_primitives::B256;
use poco_types::{challenge::sign_login, core::PublicConfiguration};
use serde_json::json;

#[tokio::test]
async fn workers_log_in_register_and_ping() {
    let env = Env::start().await;
    let http = reqwest::Client::new();
    let url = env.url();
    let wallet = env.address(WORKER);

    // The same challenge until used; a signature by someone else is refused.
    let (status, first) = env
        .get(&format!("/workers/challenge?walletAddress={wallet:#x}"))
        .await;
    assert_eq!(status, 200);
    let (_, again) = env
        .get(&format!("/workers/challenge?walletAddress={wallet}"))
        .await;
    assert_eq!(first, again);
    let challenge: B256 = first.as_str().expect("text").parse().expect("0x + 64 hex");
    let login = |signature: alloy_primitives::Bytes| {
        let http = http.clone();
        let url = url.clone();
        async move {
            http.post(format!("{url}/workers/login?walletAddress={wallet}"))
                .json(&json!({ "value": signature }))
                .send()
                .await
                .expect("sent")
        }
    };
    let forged = sign_login(&env.signers()[WORKER + 1], &challenge).expect("signs");
    assert_eq!(login(forged).await.status(), 401);
    let good = sign_login(&env.signers()[WORKER], &challenge).expect("signs");
    let reply = login(good.clone()).await;
    assert_eq!(reply.status(), 200);
    let token = reply.text().await.expect("a token");
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    // Single use.
    assert_eq!(login(good).await.status(), 401);

    // Worker routes need the token.
    for auth in [
        None,
        Some("Bearer nonsense".to_owned()),
        Some(format!("Bearer {token}x")),
    ] {
        let mut request = http.post(format!("{url}/workers/ping"));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let reply = request.send().await.expect("sent");
        assert_eq!(reply.status(), 401);
        let body: serde_json::Value = reply.json().await.expect("JSON");
        assert_eq!(body["ok"], false);
    }

    let worker = FakeWorker::start(&env, WORKER).await;
    let (status, hash) = worker.ping().await;
    assert_eq!(status, 200);
    let (_, config) = env.get("/workers/config").await;
    let config: PublicConfiguration = serde_json::from_value(config).expect("PublicConfiguration");
    assert_eq!(hash.as_str(), Some(config.hash().as_str()));
    assert_eq!(config.chain_id, CHAIN_ID);
    assert_eq!(config.worker_pool_address, env.pool);
    assert_eq!(config.scheduler_public_address, env.address(POOL_OWNER));
    assert_eq!(config.worker_lost_after, 3_000);

    // Registration answers the stored worker; an unregistered worker cannot ping.
    let registered = worker.register().await;
    assert_eq!(
        registered["walletAddress"],
        worker.address().to_checksum(None)
    );
    assert!(registered["lastAliveDate"].as_u64().is_some());
    let mut stranger = FakeWorker::start(&env, WORKER + 1).await;
    stranger.token = stranger.login().await;
    let (_, computing) = stranger.get("/workers/computing").await;
    assert_eq!(computing, json!([]));

    // Malformed input is a 4xx with a JSON error.
    let (status, body) = worker.get("/replicates/available?waitMs=soon").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["ok"], false);
    let (status, body) = env.get("/workers/challenge?walletAddress=0x12").await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]
            .as_str()
            .expect("a message")
            .contains("not an address")
    );

    // Compass's route, the version, metrics, unknown routes.
    let (status, api) = env
        .get(&format!("/{CHAIN_ID}/workerpools/{:#x}", env.pool))
        .await;
    assert_eq!(status, 200);
    assert_eq!(api["apiUrl"], env.url());
    let (status, _) = env
        .get(&format!("/{CHAIN_ID}/workerpools/{}", env.app))
        .await;
    assert_eq!(status, 404);
    let (status, _) = env.get(&format!("/1/workerpools/{}", env.pool)).await;
    assert_eq!(status, 404);
    let (status, version) = env.get("/version").await;
    assert_eq!(status, 200);
    assert!(version["version"].is_string());
    let (status, metrics) = env.get("/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(metrics["workers"]["registered"], 2);
    let (status, _) = env.get("/tasks/0x1234").await;
    assert_eq!(status, 400);
    let (status, _) = env.get(&format!("/tasks/{}", B256::repeat_byte(7))).await;
    assert_eq!(status, 404);
}

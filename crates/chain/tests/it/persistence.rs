//! State files: a chain survives a restart; a bad file is refused with a clear error.

use crate::client::{ALICE, BOB, TestNode};
use poco_chain::{ChainConfig, ChainError, Node};
use serde_json::json;

#[tokio::test]
async fn the_chain_survives_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("chain.json");
    let config = ChainConfig::test().with_state_path(Some(path.clone()));
    let t = TestNode::with(config.clone()).await;
    let receipt = t
        .client
        .send(json!({"from": ALICE, "to": BOB, "value": "0x2a"}))
        .await;
    let head = t
        .client
        .call("eth_getBlockByNumber", json!(["latest", true]))
        .await;
    let bob = t.client.balance(BOB).await;
    t.node.stop().await.expect("stops and saves");
    assert!(path.exists());

    let t = TestNode::with(config).await;
    let c = &t.client;
    assert_eq!(c.block_number().await, 1);
    assert_eq!(
        c.call("eth_getBlockByNumber", json!(["latest", true]))
            .await,
        head
    );
    assert_eq!(c.receipt(&receipt["transactionHash"]).await, receipt);
    assert_eq!(c.balance(BOB).await, bob);
    // And it goes on.
    c.send(json!({"from": ALICE, "to": BOB, "value": "0x1"}))
        .await;
    let block = c
        .call("eth_getBlockByNumber", json!(["latest", false]))
        .await;
    assert_eq!(block["parentHash"], head["hash"]);
}

#[tokio::test]
async fn a_foreign_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("chain.json");
    std::fs::write(&path, b"{\"hello\": 1}").expect("write");
    let error = Node::start(ChainConfig::test().with_state_path(Some(path.clone())))
        .await
        .expect_err("refused");
    assert!(matches!(error, ChainError::StateFormat { .. }), "{error}");
    assert!(error.to_string().contains("poco-chain-state"), "{error}");
    assert_eq!(
        std::fs::read(&path).expect("still there"),
        b"{\"hello\": 1}"
    );
}

#[tokio::test]
async fn a_file_of_another_chain_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("chain.json");
    let t = TestNode::with(ChainConfig::test().with_state_path(Some(path.clone()))).await;
    t.node.stop().await.expect("saves");
    let error = Node::start(
        ChainConfig::test()
            .with_chain_id(5)
            .with_state_path(Some(path)),
    )
    .await
    .expect_err("refused");
    assert!(error.to_string().contains("--chain-id 5"), "{error}");
}

#[tokio::test]
async fn a_killed_node_loses_at_most_the_last_interval() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("chain.json");
    let config = ChainConfig::test()
        .with_state_path(Some(path.clone()))
        .with_state_interval(std::time::Duration::from_millis(100));
    let t = TestNode::with(config.clone()).await;
    t.client
        .send(json!({"from": ALICE, "to": BOB, "value": "0x2a"}))
        .await;
    // A dev edit alone (no new block) is saved too.
    t.client
        .call("hardhat_setBalance", json!([BOB, "0x7"]))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    // Dropping the handle is an abrupt end: no final save, like a killed process.
    drop(t);
    let t = TestNode::with(config).await;
    assert_eq!(t.client.block_number().await, 1);
    assert_eq!(t.client.balance(BOB).await, alloy_primitives::U256::from(7));
}

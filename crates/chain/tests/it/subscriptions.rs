//! Logs: eth_getLogs, polling filters, and WebSocket subscriptions.

use crate::{
    client::{ALICE, BOB, TestNode},
    contracts::{self, Conformance},
};
use alloy_primitives::{B256, Bytes, U256};
use alloy_sol_types::{SolCall, SolEvent};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::{connect_async, tungstenite::Message};

fn store(key: u64, value: u64) -> Bytes {
    Conformance::storeCall {
        key: U256::from(key),
        value: U256::from(value),
    }
    .abi_encode()
    .into()
}

#[tokio::test]
async fn get_logs_filters_by_address_topic_and_range() {
    let t = TestNode::start().await;
    let c = &t.client;
    let address = c.deploy(&contracts::conformance()).await;
    let first = c.block_number().await + 1;
    for key in 1..=3 {
        c.send(json!({"from": ALICE, "to": address, "data": store(key, key * 10)}))
            .await;
    }
    let topic0 = Conformance::Stored::SIGNATURE_HASH;
    let all = c
        .call(
            "eth_getLogs",
            json!([{"address": address, "fromBlock": format!("{first:#x}"), "toBlock": "latest"}]),
        )
        .await;
    assert_eq!(all.as_array().expect("logs").len(), 3);
    let key2 = B256::from(U256::from(2));
    let one = c
        .call(
            "eth_getLogs",
            json!([{"fromBlock": "0x0", "topics": [topic0, null, key2]}]),
        )
        .await;
    assert_eq!(one.as_array().expect("logs").len(), 1);
    assert_eq!(one[0]["topics"][2], json!(key2));
    let receipt = c.receipt(&one[0]["transactionHash"]).await;
    assert_eq!(receipt["logs"][0], one[0], "receipt and eth_getLogs agree");
    assert_ne!(
        receipt["logsBloom"],
        json!(format!("0x{}", "0".repeat(512)))
    );
    let by_hash = c
        .call("eth_getLogs", json!([{"blockHash": one[0]["blockHash"]}]))
        .await;
    assert_eq!(by_hash, one);
    let none = c
        .call("eth_getLogs", json!([{"address": BOB, "fromBlock": "0x0"}]))
        .await;
    assert_eq!(none, json!([]));
    let error = c
        .error(
            "eth_getLogs",
            json!([{"fromBlock": "0x3", "toBlock": "0x1"}]),
        )
        .await;
    assert_eq!(error["code"], -32602);
}

#[tokio::test]
async fn polling_filters_report_each_change_once() {
    let t = TestNode::start().await;
    let c = &t.client;
    let address = c.deploy(&contracts::conformance()).await;
    let logs = c
        .call(
            "eth_newFilter",
            json!([{"address": address, "fromBlock": "0x0"}]),
        )
        .await;
    let blocks = c.call("eth_newBlockFilter", json!([])).await;
    c.send(json!({"from": ALICE, "to": address, "data": store(1, 1)}))
        .await;
    c.send(json!({"from": ALICE, "to": BOB, "value": "0x1"}))
        .await;
    let changes = c.call("eth_getFilterChanges", json!([logs])).await;
    assert_eq!(changes.as_array().expect("logs").len(), 1);
    assert_eq!(
        c.call("eth_getFilterChanges", json!([logs])).await,
        json!([])
    );
    let new_blocks = c.call("eth_getFilterChanges", json!([blocks])).await;
    assert_eq!(new_blocks.as_array().expect("hashes").len(), 2);
    assert_eq!(
        c.call("eth_getFilterLogs", json!([logs]))
            .await
            .as_array()
            .expect("logs")
            .len(),
        1
    );
    assert_eq!(c.call("eth_uninstallFilter", json!([logs])).await, true);
    assert_eq!(c.call("eth_uninstallFilter", json!([logs])).await, false);
    let error = c.error("eth_getFilterChanges", json!([logs])).await;
    assert_eq!(error["message"], "filter not found");
}

async fn next_json(
    ws: &mut (impl StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin),
) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a message in time")
            .expect("open")
            .expect("ok");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).expect("JSON");
        }
    }
}

#[tokio::test]
async fn websocket_serves_calls_and_subscriptions() {
    let t = TestNode::start().await;
    let c = &t.client;
    let address = c.deploy(&contracts::conformance()).await;
    let (mut ws, _) = connect_async(t.node.ws_url())
        .await
        .expect("websocket connects");
    ws.send(Message::text(
        json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}).to_string(),
    ))
    .await
    .expect("send");
    assert_eq!(next_json(&mut ws).await["result"], "0x7a69");

    ws.send(Message::text(
        json!({"jsonrpc": "2.0", "id": 2, "method": "eth_subscribe", "params": ["newHeads"]})
            .to_string(),
    ))
    .await
    .expect("send");
    let heads = next_json(&mut ws).await["result"].clone();
    ws.send(Message::text(
        json!({"jsonrpc": "2.0", "id": 3, "method": "eth_subscribe", "params": ["logs", {"address": address, "topics": [Conformance::Stored::SIGNATURE_HASH]}]}).to_string(),
    ))
    .await
    .expect("send");
    let logs = next_json(&mut ws).await["result"].clone();
    assert_ne!(heads, logs);

    let receipt = c
        .send(json!({"from": ALICE, "to": address, "data": store(5, 50)}))
        .await;
    let mut got_head = false;
    let mut got_log = false;
    while !(got_head && got_log) {
        let note = next_json(&mut ws).await;
        assert_eq!(note["method"], "eth_subscription");
        let sub = &note["params"]["subscription"];
        if *sub == heads {
            assert_eq!(note["params"]["result"]["hash"], receipt["blockHash"]);
            got_head = true;
        } else if *sub == logs {
            assert_eq!(
                note["params"]["result"]["transactionHash"],
                receipt["transactionHash"]
            );
            got_log = true;
        }
    }
    ws.send(Message::text(
        json!({"jsonrpc": "2.0", "id": 4, "method": "eth_unsubscribe", "params": [heads]})
            .to_string(),
    ))
    .await
    .expect("send");
    assert_eq!(next_json(&mut ws).await["result"], true);
}

#[tokio::test]
async fn subscriptions_are_refused_over_http() {
    let t = TestNode::start().await;
    let error = t.client.error("eth_subscribe", json!(["newHeads"])).await;
    assert_eq!(error["code"], -32601);
}

//! Node identity, blocks, batches and the envelope-level errors.

use crate::client::{ALICE, BOB, TestNode, b256};
use alloy_primitives::U256;
use poco_chain::ChainConfig;
use serde_json::{Value, json};

#[tokio::test]
async fn identity_and_dev_accounts() {
    let t = TestNode::start().await;
    let c = &t.client;
    assert_eq!(c.call("eth_chainId", json!([])).await, "0x7a69");
    assert_eq!(c.call("net_version", json!([])).await, "31337");
    assert_eq!(c.call("net_listening", json!([])).await, true);
    assert_eq!(c.call("eth_syncing", json!([])).await, false);
    assert!(
        c.call("web3_clientVersion", json!([]))
            .await
            .as_str()
            .expect("string")
            .starts_with("poco-chain/")
    );
    let accounts = c.call("eth_accounts", json!([])).await;
    assert_eq!(accounts.as_array().expect("array").len(), 10);
    assert_eq!(
        accounts[0].as_str().expect("address").to_lowercase(),
        ALICE.to_string().to_lowercase()
    );
    assert_eq!(
        c.balance(BOB).await,
        U256::from(10_000u128 * 10u128.pow(18))
    );
    assert_eq!(c.block_number().await, 0);
}

#[tokio::test]
async fn chain_id_is_configurable() {
    let t = TestNode::with(ChainConfig::test().with_chain_id(1337)).await;
    assert_eq!(t.client.call("eth_chainId", json!([])).await, "0x539");
}

#[tokio::test]
async fn blocks_link_and_agree_across_calls() {
    let t = TestNode::start().await;
    let c = &t.client;
    for _ in 0..3 {
        c.send(json!({"from": ALICE, "to": BOB, "value": "0x1"}))
            .await;
    }
    let mut parent = None;
    let mut last_time = 0;
    for n in 0..=3u64 {
        let block = c
            .call("eth_getBlockByNumber", json!([format!("{n:#x}"), false]))
            .await;
        let by_hash = c
            .call("eth_getBlockByHash", json!([block["hash"], false]))
            .await;
        assert_eq!(block, by_hash, "block {n} by number and by hash");
        if let Some(parent) = parent {
            assert_eq!(block["parentHash"], parent);
        }
        let time = u64::from_str_radix(
            block["timestamp"]
                .as_str()
                .expect("ts")
                .trim_start_matches("0x"),
            16,
        )
        .expect("hex");
        assert!(time >= last_time, "timestamps never go backwards");
        last_time = time;
        parent = Some(block["hash"].clone());
        if n > 0 {
            let hashes = block["transactions"].as_array().expect("txs");
            assert_eq!(hashes.len(), 1);
            let full = c
                .call("eth_getBlockByNumber", json!([format!("{n:#x}"), true]))
                .await;
            assert_eq!(full["transactions"][0]["hash"], hashes[0]);
            let receipt = c.receipt(&hashes[0]).await;
            assert_eq!(receipt["blockHash"], block["hash"]);
            assert_eq!(receipt["cumulativeGasUsed"], block["gasUsed"]);
            assert_eq!(
                c.call(
                    "eth_getBlockTransactionCountByNumber",
                    json!([format!("{n:#x}")])
                )
                .await,
                "0x1"
            );
            assert_eq!(
                c.call(
                    "eth_getTransactionByBlockNumberAndIndex",
                    json!([format!("{n:#x}"), "0x0"])
                )
                .await["hash"],
                hashes[0]
            );
            assert_ne!(
                b256(&block["stateRoot"]),
                b256(
                    &c.call(
                        "eth_getBlockByNumber",
                        json!([format!("{:#x}", n - 1), false])
                    )
                    .await["stateRoot"]
                )
            );
        }
    }
    assert_eq!(
        c.call("eth_getBlockByNumber", json!(["0x99", false])).await,
        Value::Null
    );
    assert_eq!(
        c.call(
            "eth_getBlockByHash",
            json!([format!("0x{}", "11".repeat(32)), false])
        )
        .await,
        Value::Null
    );
}

#[tokio::test]
async fn batches_answer_in_order() {
    let t = TestNode::start().await;
    let reply = t
        .client
        .raw(json!([
            {"jsonrpc": "2.0", "id": 7, "method": "eth_chainId"},
            {"jsonrpc": "2.0", "id": "x", "method": "eth_nope"},
            {"jsonrpc": "2.0", "id": 9, "method": "eth_blockNumber"}
        ]))
        .await;
    assert_eq!(
        reply[0],
        json!({"jsonrpc": "2.0", "id": 7, "result": "0x7a69"})
    );
    assert_eq!(reply[1]["id"], "x");
    assert_eq!(reply[1]["error"]["code"], -32601);
    assert_eq!(reply[2]["result"], "0x0");
}

#[tokio::test]
async fn envelope_errors_have_standard_codes() {
    let t = TestNode::start().await;
    let http = reqwest::Client::new();
    let post = |body: &'static str| {
        http.post(&t.client.url)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let reply: Value = post("{oops")
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(reply["error"]["code"], -32700);
    let reply: Value = post(r#"{"jsonrpc":"2.0","id":1}"#)
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(reply["error"]["code"], -32600);
    let reply: Value =
        post(r#"{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["nope"]}"#)
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
    assert_eq!(reply["error"]["code"], -32602);
    assert!(
        reply["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("(address)")
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let mut config = ChainConfig::test();
    config.max_request_body = 1024;
    let t = TestNode::with(config).await;
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"web3_sha3","params":["0x{}"]}}"#,
        "ab".repeat(4096)
    );
    let response = reqwest::Client::new()
        .post(&t.client.url)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE);
    // The node keeps serving.
    assert_eq!(t.client.call("eth_chainId", json!([])).await, "0x7a69");
}

#[tokio::test]
async fn fee_fields_are_consistent() {
    let t = TestNode::start().await;
    let c = &t.client;
    let price = c.u256("eth_gasPrice", json!([])).await;
    let tip = c.u256("eth_maxPriorityFeePerGas", json!([])).await;
    assert!(price > tip);
    c.send(json!({"from": ALICE, "to": BOB, "value": "0x1"}))
        .await;
    let history = c
        .call("eth_feeHistory", json!(["0x2", "latest", [50.0]]))
        .await;
    assert_eq!(history["oldestBlock"], "0x0");
    assert_eq!(history["baseFeePerGas"].as_array().expect("fees").len(), 3);
    assert_eq!(history["gasUsedRatio"].as_array().expect("ratios").len(), 2);
    assert_eq!(history["reward"][1][0], format!("{tip:#x}"));
}

#[tokio::test]
async fn incremental_state_root_equals_a_full_recomputation() {
    use crate::contracts::{self, Conformance};
    use alloy_eips::BlockId;
    use alloy_primitives::Bytes;
    use alloy_sol_types::SolCall;

    let t = TestNode::start().await;
    let c = &t.client;
    let check = |label: &str, header: Value| {
        let full = t
            .node
            .backend()
            .state_at(BlockId::latest())
            .expect("latest state")
            .state_root();
        assert_eq!(b256(&header["stateRoot"]), full, "state root after {label}");
    };
    let address = c.deploy(&contracts::conformance()).await;
    check(
        "a deployment",
        c.call("eth_getBlockByNumber", json!(["latest", false]))
            .await,
    );
    for (key, value) in [(1u64, 5u64), (2, 6), (1, 0), (3, 1)] {
        let data: Bytes = Conformance::storeCall {
            key: U256::from(key),
            value: U256::from(value),
        }
        .abi_encode()
        .into();
        c.send(json!({"from": ALICE, "to": address, "data": data}))
            .await;
        check(
            "a storage write",
            c.call("eth_getBlockByNumber", json!(["latest", false]))
                .await,
        );
    }
    let fill: Bytes = Conformance::fillCall { n: U256::from(30) }
        .abi_encode()
        .into();
    c.send(json!({"from": ALICE, "to": address, "data": fill}))
        .await;
    check(
        "30 new slots",
        c.call("eth_getBlockByNumber", json!(["latest", false]))
            .await,
    );
    c.call(
        "hardhat_setStorageAt",
        json!([address, "0x1", format!("0x{:064x}", 9)]),
    )
    .await;
    c.call("hardhat_setBalance", json!([BOB, "0x0"])).await;
    let id = c.call("evm_snapshot", json!([])).await;
    c.send(json!({"from": ALICE, "to": address, "value": "0x1", "data": Bytes::from(Conformance::depositCall {}.abi_encode())})).await;
    check(
        "dev edits",
        c.call("eth_getBlockByNumber", json!(["latest", false]))
            .await,
    );
    c.call("evm_revert", json!([id])).await;
    c.call("evm_mine", json!([])).await;
    check(
        "a revert",
        c.call("eth_getBlockByNumber", json!(["latest", false]))
            .await,
    );
}

//! Dev methods: mining control, time, snapshots, state edits, impersonation and signing.

use crate::client::{ALICE, BOB, TestNode};
use alloy_dyn_abi::TypedData;
use alloy_primitives::{Address, Signature, U256, address};
use poco_chain::ChainConfig;
use serde_json::json;
use std::time::Duration;

fn timestamp(block: &serde_json::Value) -> u64 {
    u64::from_str_radix(
        block["timestamp"]
            .as_str()
            .expect("ts")
            .trim_start_matches("0x"),
        16,
    )
    .expect("hex")
}

#[tokio::test]
async fn manual_mining_holds_transactions_until_evm_mine() {
    let t = TestNode::start().await;
    let c = &t.client;
    c.call("evm_setAutomine", json!([false])).await;
    let a = c
        .call(
            "eth_sendTransaction",
            json!([{"from": ALICE, "to": BOB, "value": "0x1"}]),
        )
        .await;
    let b = c
        .call(
            "eth_sendTransaction",
            json!([{"from": ALICE, "to": BOB, "value": "0x1"}]),
        )
        .await;
    assert_eq!(
        c.call("eth_getTransactionCount", json!([ALICE, "pending"]))
            .await,
        "0x2"
    );
    assert_eq!(
        c.call("eth_getTransactionCount", json!([ALICE, "latest"]))
            .await,
        "0x0"
    );
    assert_eq!(c.receipt(&a).await, serde_json::Value::Null);
    c.call("evm_mine", json!([])).await;
    assert_eq!(c.block_number().await, 1);
    let block = c
        .call("eth_getBlockByNumber", json!(["latest", false]))
        .await;
    assert_eq!(block["transactions"], json!([a, b]));
    c.call("anvil_mine", json!(["0x3"])).await;
    assert_eq!(c.block_number().await, 4);
}

#[tokio::test]
async fn interval_mining_mines_on_its_own() {
    let t =
        TestNode::with(ChainConfig::test().with_block_time(Some(Duration::from_millis(200)))).await;
    let c = &t.client;
    c.call(
        "eth_sendTransaction",
        json!([{"from": ALICE, "to": BOB, "value": "0x1"}]),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(c.block_number().await >= 2);
    c.call("evm_setIntervalMining", json!([0])).await;
    let stopped = c.block_number().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(c.block_number().await <= stopped + 1);
}

#[tokio::test]
async fn time_moves_forward_on_request() {
    let t = TestNode::start().await;
    let c = &t.client;
    let genesis = timestamp(
        &c.call("eth_getBlockByNumber", json!(["latest", false]))
            .await,
    );
    c.call("evm_increaseTime", json!([3600])).await;
    c.call("evm_mine", json!([])).await;
    let later = timestamp(
        &c.call("eth_getBlockByNumber", json!(["latest", false]))
            .await,
    );
    assert!(later >= genesis + 3600);
    c.call("evm_setNextBlockTimestamp", json!([later + 100]))
        .await;
    c.call("evm_mine", json!([])).await;
    assert_eq!(
        timestamp(
            &c.call("eth_getBlockByNumber", json!(["latest", false]))
                .await
        ),
        later + 100
    );
    let error = c.error("evm_setNextBlockTimestamp", json!([later])).await;
    assert!(
        error["message"]
            .as_str()
            .expect("msg")
            .contains("never go backwards")
    );
    c.call("evm_mine", json!([later + 500])).await;
    assert_eq!(
        timestamp(
            &c.call("eth_getBlockByNumber", json!(["latest", false]))
                .await
        ),
        later + 500
    );
}

#[tokio::test]
async fn snapshot_and_revert_restore_chain_and_state() {
    let t = TestNode::start().await;
    let c = &t.client;
    let id = c.call("evm_snapshot", json!([])).await;
    let before = c.balance(BOB).await;
    let hash = c
        .call(
            "eth_sendTransaction",
            json!([{"from": ALICE, "to": BOB, "value": "0x10"}]),
        )
        .await;
    assert_eq!(c.block_number().await, 1);
    assert_eq!(c.call("evm_revert", json!([id])).await, true);
    assert_eq!(c.block_number().await, 0);
    assert_eq!(c.balance(BOB).await, before);
    assert_eq!(c.receipt(&hash).await, serde_json::Value::Null);
    assert_eq!(
        c.call("evm_revert", json!([id])).await,
        false,
        "a snapshot is used once"
    );
    // The chain goes on from the snapshot.
    c.send(json!({"from": ALICE, "to": BOB, "value": "0x1"}))
        .await;
    assert_eq!(c.block_number().await, 1);
}

#[tokio::test]
async fn state_edits_take_effect() {
    let t = TestNode::start().await;
    let c = &t.client;
    let who = address!("0x00000000000000000000000000000000000000aa");
    for prefix in ["anvil", "hardhat"] {
        c.call(&format!("{prefix}_setBalance"), json!([who, "0x1234"]))
            .await;
        assert_eq!(c.balance(who).await, U256::from(0x1234));
        c.call(&format!("{prefix}_setNonce"), json!([who, "0x7"]))
            .await;
        assert_eq!(
            c.call("eth_getTransactionCount", json!([who, "latest"]))
                .await,
            "0x7"
        );
        c.call(&format!("{prefix}_setCode"), json!([who, "0x6000"]))
            .await;
        assert_eq!(
            c.call("eth_getCode", json!([who, "latest"])).await,
            "0x6000"
        );
        let value = format!("0x{:064x}", 42);
        c.call(
            &format!("{prefix}_setStorageAt"),
            json!([who, "0x1", value]),
        )
        .await;
        assert_eq!(
            c.call("eth_getStorageAt", json!([who, "0x1", "latest"]))
                .await,
            value
        );
    }
    let dump = c.call("anvil_dumpState", json!([])).await;
    c.call("anvil_setBalance", json!([who, "0x0"])).await;
    c.call("anvil_loadState", json!([dump])).await;
    assert_eq!(c.balance(who).await, U256::from(0x1234));
}

#[tokio::test]
async fn impersonated_accounts_send_without_a_key() {
    let t = TestNode::start().await;
    let c = &t.client;
    let whale: Address = address!("0x00000000000000000000000000000000000000bb");
    c.call("hardhat_setBalance", json!([whale, "0xde0b6b3a7640000"]))
        .await;
    let error = c
        .error(
            "eth_sendTransaction",
            json!([{"from": whale, "to": BOB, "value": "0x1"}]),
        )
        .await;
    assert!(
        error["message"]
            .as_str()
            .expect("msg")
            .contains("unknown account")
    );
    c.call("anvil_impersonateAccount", json!([whale])).await;
    let receipt = c
        .send(json!({"from": whale, "to": BOB, "value": "0x1"}))
        .await;
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(
        receipt["from"].as_str().expect("from").to_lowercase(),
        whale.to_string().to_lowercase()
    );
    c.call("anvil_stopImpersonatingAccount", json!([whale]))
        .await;
    assert!(
        c.try_call("eth_sendTransaction", json!([{"from": whale, "to": BOB}]))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn signatures_recover_to_the_signer() {
    let t = TestNode::start().await;
    let c = &t.client;
    let typed = json!({
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"}, {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
            "Mail": [{"name": "to", "type": "address"}, {"name": "contents", "type": "string"}]
        },
        "primaryType": "Mail",
        "domain": {"name": "iExecODB", "version": "5.0.0", "chainId": 31337, "verifyingContract": "0x0000000000000000000000000000000000000001"},
        "message": {"to": BOB, "contents": "hello"}
    });
    let signature = c.call("eth_signTypedData_v4", json!([ALICE, typed])).await;
    let signature: Signature = serde_json::from_value::<alloy_primitives::Bytes>(signature)
        .ok()
        .and_then(|b| Signature::try_from(b.as_ref()).ok())
        .expect("65-byte signature");
    let data: TypedData = serde_json::from_value(typed.clone()).expect("typed data");
    let hash = data.eip712_signing_hash().expect("hashes");
    assert_eq!(
        signature
            .recover_address_from_prehash(&hash)
            .expect("recovers"),
        ALICE
    );
    // MetaMask sends the typed data as a JSON string.
    let as_string = c
        .call("eth_signTypedData_v4", json!([ALICE, typed.to_string()]))
        .await;
    assert_eq!(
        serde_json::from_value::<alloy_primitives::Bytes>(as_string)
            .expect("bytes")
            .as_ref(),
        signature.as_bytes().as_slice()
    );

    let personal = c
        .call("personal_sign", json!(["0x68656c6c6f", ALICE]))
        .await;
    let personal: alloy_primitives::Bytes = serde_json::from_value(personal).expect("bytes");
    let recovered = Signature::try_from(personal.as_ref())
        .expect("sig")
        .recover_address_from_msg(b"hello")
        .expect("recovers");
    assert_eq!(recovered, ALICE);
    let eth_sign = c.call("eth_sign", json!([ALICE, "0x68656c6c6f"])).await;
    assert_eq!(
        serde_json::from_value::<alloy_primitives::Bytes>(eth_sign).expect("bytes"),
        personal
    );
}

//! Signed transactions of every supported type, and the checks made before execution.

use crate::client::{ALICE, ALICE_KEY, BOB, TestNode};
use alloy_consensus::{SignableTransaction, TxEip1559, TxEip2930, TxEnvelope, TxLegacy};
use alloy_eips::{Encodable2718, eip2930::AccessList};
use alloy_primitives::{Bytes, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use serde_json::json;

fn key() -> PrivateKeySigner {
    ALICE_KEY.parse().expect("valid key")
}

fn sign<T: SignableTransaction<alloy_primitives::Signature>>(tx: T) -> Bytes
where
    TxEnvelope: From<alloy_consensus::Signed<T>>,
{
    let signature = key().sign_hash_sync(&tx.signature_hash()).expect("signs");
    TxEnvelope::from(tx.into_signed(signature))
        .encoded_2718()
        .into()
}

const GWEI: u128 = 1_000_000_000;

#[tokio::test]
async fn legacy_2930_and_1559_transactions_are_mined() {
    let t = TestNode::start().await;
    let c = &t.client;
    let before = c.balance(BOB).await;
    let legacy = sign(TxLegacy {
        chain_id: Some(31337),
        nonce: 0,
        gas_price: 2 * GWEI,
        gas_limit: 21_000,
        to: TxKind::Call(BOB),
        value: U256::from(1),
        input: Bytes::new(),
    });
    let eip2930 = sign(TxEip2930 {
        chain_id: 31337,
        nonce: 1,
        gas_price: 2 * GWEI,
        gas_limit: 30_000,
        to: TxKind::Call(BOB),
        value: U256::from(2),
        access_list: AccessList::default(),
        input: Bytes::new(),
    });
    let eip1559 = sign(TxEip1559 {
        chain_id: 31337,
        nonce: 2,
        gas_limit: 21_000,
        max_fee_per_gas: 3 * GWEI,
        max_priority_fee_per_gas: GWEI,
        to: TxKind::Call(BOB),
        value: U256::from(3),
        access_list: AccessList::default(),
        input: Bytes::new(),
    });
    for (raw, kind) in [(legacy, "0x0"), (eip2930, "0x1"), (eip1559, "0x2")] {
        let hash = c.call("eth_sendRawTransaction", json!([raw])).await;
        let receipt = c.receipt(&hash).await;
        assert_eq!(receipt["status"], "0x1");
        assert_eq!(receipt["type"], kind);
        let tx = c.call("eth_getTransactionByHash", json!([hash])).await;
        assert_eq!(
            tx["from"].as_str().expect("from").to_lowercase(),
            ALICE.to_string().to_lowercase()
        );
        assert_eq!(tx["type"], kind);
    }
    assert_eq!(c.balance(BOB).await, before + U256::from(6));
    assert_eq!(
        c.call("eth_getTransactionCount", json!([ALICE, "latest"]))
            .await,
        "0x3"
    );
    assert_eq!(c.block_number().await, 3);
}

#[tokio::test]
async fn refusals_read_like_geth() {
    let t = TestNode::start().await;
    let c = &t.client;
    c.send(json!({"from": ALICE, "to": BOB, "value": "0x1"}))
        .await;
    let stale = sign(TxEip1559 {
        chain_id: 31337,
        nonce: 0,
        gas_limit: 21_000,
        max_fee_per_gas: 3 * GWEI,
        max_priority_fee_per_gas: GWEI,
        to: TxKind::Call(BOB),
        ..Default::default()
    });
    let error = c.error("eth_sendRawTransaction", json!([stale])).await;
    assert_eq!(error["code"], -32000);
    assert_eq!(error["message"], "nonce too low: next nonce 1, tx nonce 0");

    let rich = sign(TxEip1559 {
        chain_id: 31337,
        nonce: 1,
        gas_limit: 21_000,
        max_fee_per_gas: 3 * GWEI,
        max_priority_fee_per_gas: GWEI,
        to: TxKind::Call(BOB),
        value: U256::from(10u128.pow(24)),
        ..Default::default()
    });
    let error = c.error("eth_sendRawTransaction", json!([rich])).await;
    assert!(
        error["message"]
            .as_str()
            .expect("msg")
            .starts_with("insufficient funds for gas * price + value"),
        "{error}"
    );

    let other_chain = sign(TxEip1559 {
        chain_id: 1,
        nonce: 1,
        gas_limit: 21_000,
        max_fee_per_gas: 3 * GWEI,
        to: TxKind::Call(BOB),
        ..Default::default()
    });
    let error = c
        .error("eth_sendRawTransaction", json!([other_chain]))
        .await;
    assert!(
        error["message"]
            .as_str()
            .expect("msg")
            .contains("invalid chain id"),
        "{error}"
    );

    let cheap = sign(TxEip1559 {
        chain_id: 31337,
        nonce: 1,
        gas_limit: 21_000,
        max_fee_per_gas: 1,
        to: TxKind::Call(BOB),
        ..Default::default()
    });
    let error = c.error("eth_sendRawTransaction", json!([cheap])).await;
    assert!(
        error["message"]
            .as_str()
            .expect("msg")
            .contains("max fee per gas less than block base fee"),
        "{error}"
    );

    let starved = sign(TxEip1559 {
        chain_id: 31337,
        nonce: 1,
        gas_limit: 20_000,
        max_fee_per_gas: 3 * GWEI,
        to: TxKind::Call(BOB),
        ..Default::default()
    });
    let error = c.error("eth_sendRawTransaction", json!([starved])).await;
    assert!(
        error["message"]
            .as_str()
            .expect("msg")
            .contains("intrinsic gas too low"),
        "{error}"
    );

    let error = c.error("eth_sendRawTransaction", json!(["0x02f8"])).await;
    assert!(
        error["message"]
            .as_str()
            .expect("msg")
            .contains("could not be decoded"),
        "{error}"
    );

    // Nothing of the refused ones was mined.
    assert_eq!(c.block_number().await, 1);
}

#[tokio::test]
async fn a_future_nonce_waits_for_the_gap() {
    let t = TestNode::start().await;
    let c = &t.client;
    let tx = |nonce| {
        sign(TxEip1559 {
            chain_id: 31337,
            nonce,
            gas_limit: 21_000,
            max_fee_per_gas: 3 * GWEI,
            to: TxKind::Call(BOB),
            value: U256::from(1),
            ..Default::default()
        })
    };
    let later = c.call("eth_sendRawTransaction", json!([tx(1)])).await;
    assert_eq!(c.block_number().await, 0, "nonce 1 waits for nonce 0");
    assert_eq!(
        c.call("eth_getTransactionByHash", json!([later])).await["blockNumber"],
        serde_json::Value::Null
    );
    assert_eq!(
        c.call("eth_getTransactionCount", json!([ALICE, "pending"]))
            .await,
        "0x0"
    );
    c.call("eth_sendRawTransaction", json!([tx(0)])).await;
    assert_eq!(c.block_number().await, 2, "both mined, a block each");
    assert_eq!(c.receipt(&later).await["status"], "0x1");
}

#[tokio::test]
async fn eth_send_transaction_needs_a_known_account() {
    let t = TestNode::start().await;
    let error = t
        .client
        .error(
            "eth_sendTransaction",
            json!([{"from": "0x000000000000000000000000000000000000dead", "to": BOB}]),
        )
        .await;
    assert_eq!(error["code"], -32000);
    assert!(
        error["message"]
            .as_str()
            .expect("msg")
            .contains("unknown account"),
        "{error}"
    );
}

#[tokio::test]
async fn sign_transaction_returns_a_sendable_raw_transaction() {
    let t = TestNode::start().await;
    let c = &t.client;
    let raw = c
        .call(
            "eth_signTransaction",
            json!([{"from": ALICE, "to": BOB, "value": "0x5"}]),
        )
        .await;
    let hash = c.call("eth_sendRawTransaction", json!([raw])).await;
    assert_eq!(c.receipt(&hash).await["status"], "0x1");
}

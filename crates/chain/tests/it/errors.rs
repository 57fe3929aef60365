//! Calls, reverts and gas estimation against a real contract.

use crate::{
    client::{ALICE, TestNode},
    contracts::{self, Conformance},
};
use alloy_primitives::{Bytes, U256};
use alloy_sol_types::{Revert, SolCall, SolError};
use serde_json::json;

#[tokio::test]
async fn revert_reason_comes_back_with_code_3() {
    let t = TestNode::start().await;
    let c = &t.client;
    let address = c.deploy(&contracts::conformance()).await;
    let data: Bytes = Conformance::failWithCall {
        reason: "boom".into(),
    }
    .abi_encode()
    .into();
    let error = c
        .eth_call(address, data.clone())
        .await
        .expect_err("reverts");
    assert_eq!(error["code"], 3);
    assert_eq!(error["message"], "execution reverted: boom");
    let expected: Bytes = Revert::from("boom").abi_encode().into();
    assert_eq!(error["data"], json!(expected));

    let error = c
        .error(
            "eth_estimateGas",
            json!([{"from": ALICE, "to": address, "data": data}]),
        )
        .await;
    assert_eq!(error["code"], 3);
    assert_eq!(error["message"], "execution reverted: boom");

    // A custom error: no decoded reason, the data carries it.
    let data: Bytes = Conformance::failCustomCall {
        code: U256::from(42),
    }
    .abi_encode()
    .into();
    let error = c.eth_call(address, data).await.expect_err("reverts");
    assert_eq!(error["message"], "execution reverted");
    let expected: Bytes = Conformance::Custom {
        code: U256::from(42),
    }
    .abi_encode()
    .into();
    assert_eq!(error["data"], json!(expected));
}

#[tokio::test]
async fn a_sent_reverting_transaction_is_mined_with_status_0() {
    let t = TestNode::start().await;
    let c = &t.client;
    let address = c.deploy(&contracts::conformance()).await;
    let data: Bytes = Conformance::failWithCall {
        reason: "no".into(),
    }
    .abi_encode()
    .into();
    let receipt = c
        .send(json!({"from": ALICE, "to": address, "data": data, "gas": "0x20000"}))
        .await;
    assert_eq!(receipt["status"], "0x0");
}

#[tokio::test]
async fn estimates_grow_with_work_and_suffice() {
    let t = TestNode::start().await;
    let c = &t.client;
    let address = c.deploy(&contracts::conformance()).await;
    let mut last = 0u64;
    for n in [1u64, 5, 20] {
        let data: Bytes = Conformance::fillCall { n: U256::from(n) }
            .abi_encode()
            .into();
        let estimate: u64 = c
            .u256(
                "eth_estimateGas",
                json!([{"from": ALICE, "to": address, "data": data}]),
            )
            .await
            .to();
        assert!(
            estimate > last,
            "fill({n}) costs more than the smaller fills"
        );
        last = estimate;
        let receipt = c.send(json!({"from": ALICE, "to": address, "data": data, "gas": format!("{estimate:#x}")})).await;
        assert_eq!(
            receipt["status"], "0x1",
            "the estimate is enough for fill({n})"
        );
        let used: u64 = u64::from_str_radix(
            receipt["gasUsed"]
                .as_str()
                .expect("gas")
                .trim_start_matches("0x"),
            16,
        )
        .expect("hex");
        assert!(used <= estimate);
    }
    let transfer = c
        .u256(
            "eth_estimateGas",
            json!([{"from": ALICE, "to": crate::client::BOB, "value": "0x1"}]),
        )
        .await;
    assert_eq!(transfer, U256::from(21_000));
}

#[tokio::test]
async fn calls_see_past_blocks() {
    let t = TestNode::start().await;
    let c = &t.client;
    let address = c.deploy(&contracts::conformance()).await;
    let store = |v: u64| -> Bytes {
        Conformance::storeCall {
            key: U256::from(1),
            value: U256::from(v),
        }
        .abi_encode()
        .into()
    };
    c.send(json!({"from": ALICE, "to": address, "data": store(10)}))
        .await;
    let at_10 = c.block_number().await;
    c.send(json!({"from": ALICE, "to": address, "data": store(20)}))
        .await;
    let get: Bytes = Conformance::getCall { key: U256::from(1) }
        .abi_encode()
        .into();
    let now = c
        .call("eth_call", json!([{"to": address, "data": get}, "latest"]))
        .await;
    let then = c
        .call(
            "eth_call",
            json!([{"to": address, "data": get}, format!("{at_10:#x}")]),
        )
        .await;
    assert_eq!(
        U256::from_str_radix(now.as_str().expect("hex").trim_start_matches("0x"), 16)
            .expect("u256"),
        U256::from(20)
    );
    assert_eq!(
        U256::from_str_radix(then.as_str().expect("hex").trim_start_matches("0x"), 16)
            .expect("u256"),
        U256::from(10)
    );
    let slot = c
        .call("eth_getStorageAt", json!([address, "0x0", "latest"]))
        .await;
    assert_eq!(slot.as_str().expect("hex").len(), 66);
    let code = c.call("eth_getCode", json!([address, "latest"])).await;
    assert!(code.as_str().expect("hex").len() > 10);
    let error = c
        .error("eth_call", json!([{"to": address, "data": get}, "0x999"]))
        .await;
    assert_eq!(error["code"], -32000);
}

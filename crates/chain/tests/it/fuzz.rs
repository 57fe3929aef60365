//! Property tests over request parsing and dispatch: whatever arrives, the node answers with a
//! well-formed JSON-RPC reply and never panics. Bounded in cases so CI time stays fixed;
//! raise `PROPTEST_CASES` to fuzz longer.

use alloy_primitives::hex;
use poco_chain::{Backend, ChainConfig, accounts, rpc::Rpc};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};

/// Every method the node knows, and a few it does not.
const METHODS: &[&str] = &[
    "web3_clientVersion",
    "web3_sha3",
    "net_version",
    "net_listening",
    "net_peerCount",
    "eth_chainId",
    "eth_syncing",
    "eth_mining",
    "eth_accounts",
    "eth_blockNumber",
    "eth_getBalance",
    "eth_getTransactionCount",
    "eth_getCode",
    "eth_getStorageAt",
    "eth_call",
    "eth_estimateGas",
    "eth_gasPrice",
    "eth_maxPriorityFeePerGas",
    "eth_feeHistory",
    "eth_sendRawTransaction",
    "eth_sendTransaction",
    "eth_signTransaction",
    "eth_sign",
    "personal_sign",
    "eth_signTypedData_v4",
    "eth_getTransactionByHash",
    "eth_getTransactionReceipt",
    "eth_getTransactionByBlockHashAndIndex",
    "eth_getTransactionByBlockNumberAndIndex",
    "eth_getBlockReceipts",
    "eth_getBlockByNumber",
    "eth_getBlockByHash",
    "eth_getBlockTransactionCountByNumber",
    "eth_getBlockTransactionCountByHash",
    "eth_getLogs",
    "eth_newFilter",
    "eth_newBlockFilter",
    "eth_newPendingTransactionFilter",
    "eth_getFilterChanges",
    "eth_getFilterLogs",
    "eth_uninstallFilter",
    "eth_subscribe",
    "evm_mine",
    "anvil_mine",
    "evm_setAutomine",
    "evm_setIntervalMining",
    "evm_increaseTime",
    "evm_setNextBlockTimestamp",
    "evm_snapshot",
    "evm_revert",
    "anvil_setBalance",
    "hardhat_setCode",
    "anvil_setNonce",
    "hardhat_setStorageAt",
    "anvil_impersonateAccount",
    "anvil_stopImpersonatingAccount",
    "anvil_dumpState",
    "anvil_loadState",
    "eth_nope",
    "",
    "rpc.discover",
];

fn rpc() -> &'static Rpc {
    static RPC: OnceLock<Rpc> = OnceLock::new();
    RPC.get_or_init(|| {
        let config = ChainConfig::test();
        let signers = accounts::derive(&config.mnemonic, 3).expect("mnemonic");
        let backend = Arc::new(Backend::new(&config, signers, None).expect("backend"));
        Rpc::new(backend, tokio::sync::watch::channel(None).0, 50)
    })
}

/// JSON values shaped like what Ethereum clients send, plus noise.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (0u64..4096).prop_map(|n| json!(format!("{n:#x}"))),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(|b| json!(hex::encode_prefixed(b))),
        Just(json!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")),
        Just(json!("latest")),
        Just(json!("pending")),
        Just(json!("earliest")),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("from".to_owned()),
                    Just("to".to_owned()),
                    Just("data".to_owned()),
                    Just("value".to_owned()),
                    Just("gas".to_owned()),
                    Just("address".to_owned()),
                    Just("topics".to_owned()),
                    Just("fromBlock".to_owned()),
                    Just("toBlock".to_owned()),
                    Just("blockHash".to_owned()),
                    Just("types".to_owned()),
                    Just("domain".to_owned()),
                    Just("message".to_owned()),
                    ".{0,8}",
                ],
                inner,
                0..5,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn check_reply(reply: &Value, expected_id: Option<&Value>) {
    assert_eq!(reply["jsonrpc"], "2.0", "{reply}");
    let has_result = reply.get("result").is_some();
    let has_error = reply.get("error").is_some();
    assert!(
        has_result != has_error,
        "exactly one of result and error: {reply}"
    );
    if has_error {
        let code = reply["error"]["code"].as_i64().expect("numeric code");
        assert!(
            [-32700, -32600, -32601, -32602, -32603, -32000, 3].contains(&code),
            "unexpected code {code}: {reply}"
        );
        assert!(
            !reply["error"]["message"]
                .as_str()
                .expect("message")
                .is_empty()
        );
        assert_ne!(code, -32603, "internal errors are bugs: {reply}");
    }
    if let Some(id) = expected_id {
        assert_eq!(&reply["id"], id);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 5000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_get_a_well_formed_reply(body in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Some(reply) = rpc().handle_body(&body) {
            let reply = serde_json::to_value(reply).expect("serializes");
            match reply {
                Value::Array(items) => items.iter().for_each(|r| check_reply(r, None)),
                single => check_reply(&single, None),
            }
        }
    }

    #[test]
    fn any_call_gets_a_well_formed_reply(
        method in prop::sample::select(METHODS),
        params in prop::collection::vec(value(), 0..4),
        id in prop_oneof![(0u32..1000).prop_map(|n| json!(n)), "[a-z]{1,6}".prop_map(Value::String)],
    ) {
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let body = serde_json::to_vec(&request).expect("serializes");
        let reply = serde_json::to_value(rpc().handle_body(&body).expect("a request with an id is answered")).expect("serializes");
        check_reply(&reply, Some(&id));
    }

    #[test]
    fn any_json_value_gets_a_well_formed_reply(request in value()) {
        let body = serde_json::to_vec(&request).expect("serializes");
        if let Some(reply) = rpc().handle_body(&body) {
            match serde_json::to_value(reply).expect("serializes") {
                Value::Array(items) => items.iter().for_each(|r| check_reply(r, None)),
                single => check_reply(&single, None),
            }
        }
    }
}

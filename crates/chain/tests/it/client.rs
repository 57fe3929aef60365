//! A minimal JSON-RPC client over HTTP, and helpers shared by the tests.

use alloy_primitives::{Address, B256, Bytes, U256, address};
use poco_chain::{ChainConfig, Node};
use serde_json::{Value, json};

/// The first dev account.
pub const ALICE: Address = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
/// The second dev account.
pub const BOB: Address = address!("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
/// ALICE's (public, test-only) private key.
pub const ALICE_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// A node and a client of it.
pub struct TestNode {
    pub node: Node,
    pub client: Client,
}

impl TestNode {
    pub async fn start() -> Self {
        Self::with(ChainConfig::test()).await
    }

    pub async fn with(config: ChainConfig) -> Self {
        let node = Node::start(config).await.expect("node starts");
        let client = Client::new(node.http_url());
        Self { node, client }
    }
}

/// JSON-RPC over HTTP.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    pub url: String,
}

impl Client {
    pub fn new(url: String) -> Self {
        Self {
            http: reqwest::Client::new(),
            url,
        }
    }

    /// The raw response object.
    pub async fn raw(&self, body: Value) -> Value {
        self.http
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("JSON reply")
    }

    /// The result, or the error object.
    pub async fn try_call(&self, method: &str, params: Value) -> Result<Value, Value> {
        let reply = self
            .raw(json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
            .await;
        match reply.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(reply["result"].clone()),
        }
    }

    /// The result; panics on an error.
    pub async fn call(&self, method: &str, params: Value) -> Value {
        match self.try_call(method, params).await {
            Ok(v) => v,
            Err(e) => panic!("{method} failed: {e}"),
        }
    }

    /// The error; panics on success.
    pub async fn error(&self, method: &str, params: Value) -> Value {
        match self.try_call(method, params).await {
            Ok(v) => panic!("{method} should have failed, returned {v}"),
            Err(e) => e,
        }
    }

    pub async fn u256(&self, method: &str, params: Value) -> U256 {
        serde_json::from_value(self.call(method, params).await).expect("a quantity")
    }

    pub async fn balance(&self, address: Address) -> U256 {
        self.u256("eth_getBalance", json!([address, "latest"]))
            .await
    }

    pub async fn block_number(&self) -> u64 {
        self.u256("eth_blockNumber", json!([])).await.to()
    }

    /// Sends a transaction from a dev account; returns its receipt.
    pub async fn send(&self, tx: Value) -> Value {
        let hash = self.call("eth_sendTransaction", json!([tx])).await;
        self.receipt(&hash).await
    }

    pub async fn receipt(&self, hash: &Value) -> Value {
        self.call("eth_getTransactionReceipt", json!([hash])).await
    }

    /// Deploys `bytecode` from ALICE; returns the contract address.
    pub async fn deploy(&self, bytecode: &Bytes) -> Address {
        let receipt = self.send(json!({"from": ALICE, "data": bytecode})).await;
        assert_eq!(receipt["status"], "0x1", "deployment failed: {receipt}");
        serde_json::from_value(receipt["contractAddress"].clone()).expect("contract address")
    }

    /// eth_call of `data` on `to`.
    pub async fn eth_call(&self, to: Address, data: Bytes) -> Result<Bytes, Value> {
        self.try_call("eth_call", json!([{"to": to, "data": data}, "latest"]))
            .await
            .map(|v| serde_json::from_value(v).expect("bytes"))
    }
}

pub fn b256(v: &Value) -> B256 {
    serde_json::from_value(v.clone()).expect("32 bytes")
}

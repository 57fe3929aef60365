//! The harness: a dev chain with the protocol deployed, clients of its dev accounts, and a
//! SQLite database with the tables the plumbing expects.

use alloy_primitives::{Address, U256};
use alloy_signer_local::PrivateKeySigner;
use poco_chain::{ChainConfig, Node};
use poco_client::{Client, Tx, chains::ChainConf};
use poco_contracts::{DeployOptions, RLC, dev};
use poco_service::db::{self, Pool};
use serde_json::Value;

/// The test schema: what the plumbing needs, plus a table the follower tests' sink fills.
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "plumbing",
        "CREATE TABLE settings (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE follower (chain_id BIGINT NOT NULL PRIMARY KEY, last_block BIGINT NOT NULL);",
    ),
    (
        2,
        "seen",
        "CREATE TABLE seen (block BIGINT NOT NULL, log_index BIGINT NOT NULL,
           PRIMARY KEY (block, log_index));",
    ),
];

/// A SQLite database file in `dir`, migrated.
pub(crate) async fn database(dir: &std::path::Path) -> Pool {
    db::connect(
        &db::sqlite_url(&dir.join("test.sqlite")),
        &db::migrator(MIGRATIONS),
    )
    .await
    .expect("the database opens")
}

pub(crate) struct Chain {
    pub(crate) node: Node,
    pub(crate) signers: Vec<PrivateKeySigner>,
}

impl Chain {
    pub(crate) async fn start() -> Self {
        let node = Node::start(ChainConfig::test())
            .await
            .expect("chain starts");
        let signers = node.signers().to_vec();
        let options = DeployOptions::default().with_mint_each(
            signers.iter().map(|s| s.address()),
            dev::RLC_PER_DEV_ACCOUNT,
        );
        poco_contracts::deploy(&node.http_url(), signers[0].clone(), &options)
            .await
            .expect("protocol deploys");
        Chain { node, signers }
    }

    pub(crate) fn conf(&self) -> ChainConf {
        ChainConf {
            host: self.node.http_url(),
            ..ChainConf::dev()
        }
    }

    /// A client signing as dev account `i` (read-only with `None`).
    pub(crate) async fn client(&self, i: Option<usize>) -> Client {
        Client::connect(self.conf(), i.map(|i| self.signers[i].clone()))
            .await
            .expect("the chain answers")
    }

    pub(crate) fn address(&self, i: usize) -> Address {
        self.signers[i].address()
    }

    /// A raw JSON-RPC call.
    pub(crate) async fn rpc(&self, method: &str, params: Value) -> Value {
        let reply: Value = reqwest::Client::new()
            .post(self.node.http_url())
            .json(
                &serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}),
            )
            .send()
            .await
            .expect("the node answers")
            .json()
            .await
            .expect("JSON");
        assert!(reply.get("error").is_none(), "{method}: {reply}");
        reply["result"].clone()
    }

    pub(crate) async fn nonce(&self, who: Address) -> u64 {
        let n = self
            .rpc(
                "eth_getTransactionCount",
                serde_json::json!([who.to_string(), "latest"]),
            )
            .await;
        u64::from_str_radix(n.as_str().expect("hex").trim_start_matches("0x"), 16).expect("hex")
    }
}

/// An RLC transfer of `nrlc` from the client's wallet to `to`.
pub(crate) async fn rlc_transfer(client: &Client, to: Address, nrlc: u64) -> Tx<'static> {
    let token = client.rlc_address().await.expect("RLC address");
    let request = RLC::new(token, client.provider().clone())
        .transfer(to, U256::from(nrlc))
        .into_transaction_request();
    Tx::new(format!("transfer {nrlc} nRLC to {to}"), request)
}

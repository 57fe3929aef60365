//! The harness: a dev chain with the protocol deployed, a market serving it, and helpers that
//! register resources, deposit stake, sign orders and authenticate like the SDK.

use alloy_dyn_abi::TypedData;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use poco_chain::{ChainConfig, Node};
use poco_contracts::{
    AppRegistry, DeployOptions, PocoHub, RLC, WorkerpoolRegistry,
    alloy::providers::{DynProvider, Provider, ProviderBuilder},
    dev,
};
use poco_market::{Market, MarketConfig};
use poco_types::{AppOrder, Signed, domain};
use serde::Serialize;
use serde_json::{Value, json};

pub(crate) const CHAIN_ID: u64 = 31337;
pub(crate) const REQUESTER: usize = 1;
pub(crate) const APP_OWNER: usize = 2;
pub(crate) const OTHER: usize = 3;
pub(crate) const POOL_OWNER: usize = 4;

pub(crate) struct Env {
    pub(crate) node: Node,
    pub(crate) market: Market,
    pub(crate) signers: Vec<PrivateKeySigner>,
    pub(crate) http: reqwest::Client,
}

impl Env {
    pub(crate) async fn start() -> Self {
        Self::start_with(|c| c).await
    }

    pub(crate) async fn start_with(tune: impl FnOnce(MarketConfig) -> MarketConfig) -> Self {
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
        let mut config = MarketConfig::test().with_chain(node.http_url(), CHAIN_ID, dev::HUB);
        if let Some(url) = postgres_database().await {
            config = config.with_database_url(url);
        }
        let config = tune(config);
        let market = Market::start(config).await.expect("market starts");
        Self {
            node,
            market,
            signers,
            http: reqwest::Client::new(),
        }
    }

    pub(crate) fn address(&self, i: usize) -> Address {
        self.signers[i].address()
    }

    fn provider(&self) -> DynProvider {
        ProviderBuilder::new()
            .connect_http(self.node.http_url().parse().expect("URL"))
            .erased()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.market.http_url())
    }

    /// GET `path`: (status, JSON).
    pub(crate) async fn get(&self, path: &str) -> (u16, Value) {
        let reply = self.http.get(self.url(path)).send().await.expect("sent");
        read(reply).await
    }

    /// `method` `path` with a JSON `body` and an optional Authorization header.
    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        auth: Option<String>,
        body: &Value,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, self.url(path)).json(body);
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        read(request.send().await.expect("sent")).await
    }

    /// An Authorization header for dev account `i`, made as the SDK makes it: the hash of the
    /// typed data the challenge returned, a signature of it, the address.
    pub(crate) async fn auth(&self, i: usize) -> String {
        let signer = &self.signers[i];
        let (status, reply) = self
            .get(&format!(
                "/challenge?chainId={CHAIN_ID}&address={}",
                signer.address()
            ))
            .await;
        assert_eq!(status, 200, "{reply}");
        let typed: TypedData =
            serde_json::from_value(reply["data"].clone()).expect("the challenge is typed data");
        let hash = typed.eip712_signing_hash().expect("hashable");
        let sign = signer.sign_hash_sync(&hash).expect("signs");
        format!(
            "{hash}_0x{}_{}",
            alloy_primitives::hex::encode(sign.as_bytes()),
            signer.address()
        )
    }

    /// Publishes `order` (`kind`: `app`, ...) as dev account `i`.
    pub(crate) async fn publish<O: Serialize>(
        &self,
        kind: &str,
        i: usize,
        order: &O,
    ) -> (u16, Value) {
        let auth = self.auth(i).await;
        self.send(
            reqwest::Method::POST,
            &format!("/{kind}orders?chainId={CHAIN_ID}"),
            Some(auth),
            &json!({ "order": order }),
        )
        .await
    }

    /// Registers an app owned by dev account `owner`.
    pub(crate) async fn create_app(&self, owner: usize, name: &str) -> Address {
        let owner = self.address(owner);
        let provider = self.provider();
        let apps = AppRegistry::new(dev::APP_REGISTRY, &provider);
        let multiaddr = Bytes::from(format!("registry.local/{name}:1").into_bytes());
        let checksum = keccak256(name.as_bytes());
        let args = (name.to_owned(), "DOCKER".to_owned(), multiaddr, checksum);
        let address = apps
            .predictApp(
                owner,
                args.0.clone(),
                args.1.clone(),
                args.2.clone(),
                checksum,
                Bytes::new(),
            )
            .call()
            .await
            .expect("predictApp");
        apps.createApp(owner, args.0, args.1, args.2, args.3, Bytes::new())
            .from(owner)
            .send()
            .await
            .expect("createApp")
            .get_receipt()
            .await
            .expect("mined");
        address
    }

    /// Registers a workerpool owned by dev account `owner`.
    pub(crate) async fn create_workerpool(&self, owner: usize, description: &str) -> Address {
        let owner = self.address(owner);
        let provider = self.provider();
        let pools = WorkerpoolRegistry::new(dev::WORKERPOOL_REGISTRY, &provider);
        let address = pools
            .predictWorkerpool(owner, description.to_owned())
            .call()
            .await
            .expect("predictWorkerpool");
        pools
            .createWorkerpool(owner, description.to_owned())
            .from(owner)
            .send()
            .await
            .expect("createWorkerpool")
            .get_receipt()
            .await
            .expect("mined");
        address
    }

    /// Deposits `amount` nRLC of dev account `who` into its hub account.
    pub(crate) async fn deposit(&self, who: usize, amount: u64) {
        let from = self.address(who);
        let provider = self.provider();
        let amount = U256::from(amount);
        RLC::new(dev::RLC, &provider)
            .approve(dev::HUB, amount)
            .from(from)
            .send()
            .await
            .expect("approve")
            .get_receipt()
            .await
            .expect("mined");
        PocoHub::new(dev::HUB, &provider)
            .deposit(amount)
            .from(from)
            .send()
            .await
            .expect("deposit")
            .get_receipt()
            .await
            .expect("mined");
    }

    /// `order` signed by dev account `i`.
    pub(crate) fn sign<O: poco_types::Order + Serialize>(&self, i: usize, order: O) -> Signed<O> {
        Signed::sign(order, &domain(CHAIN_ID, dev::HUB), &self.signers[i]).expect("signs")
    }

    /// A signed app order of `app` at `price`, `volume` tasks, by dev account `i`.
    pub(crate) fn app_order(
        &self,
        i: usize,
        app: Address,
        price: u64,
        volume: u64,
    ) -> Signed<AppOrder> {
        self.sign(
            i,
            AppOrder {
                app,
                appprice: U256::from(price),
                volume: U256::from(volume),
                salt: B256::random(),
                ..Default::default()
            },
        )
    }
}

/// With `POCO_MARKET_TEST_POSTGRES=postgres://user@host:port` set, a fresh database on that
/// server for one test (the tests then run on PostgreSQL instead of SQLite).
async fn postgres_database() -> Option<String> {
    let base = std::env::var("POCO_MARKET_TEST_POSTGRES").ok()?;
    let base = base.trim_end_matches('/');
    let admin = sqlx::PgPool::connect(&format!("{base}/postgres"))
        .await
        .expect("the test PostgreSQL server answers");
    let name = format!(
        "market_test_{}",
        alloy_primitives::hex::encode(rand_bytes())
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("a test database can be created");
    admin.close().await;
    Some(format!("{base}/{name}"))
}

fn rand_bytes() -> [u8; 8] {
    B256::random().0[..8].try_into().expect("8 bytes")
}

async fn read(reply: reqwest::Response) -> (u16, Value) {
    let status = reply.status().as_u16();
    let text = reply.text().await.expect("a body");
    let json =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, json)
}

/// Asserts a 4xx whose error mentions `words`.
#[track_caller]
pub(crate) fn rejected((status, reply): (u16, Value), code: u16, words: &str) {
    assert_eq!(status, code, "{reply}");
    assert_eq!(reply["ok"], false, "{reply}");
    let error = reply["error"].as_str().expect("an error message");
    assert!(error.contains(words), "`{error}` should mention `{words}`");
}

impl Env {
    /// Stops the market cleanly.
    pub(crate) async fn market_stop(self) {
        self.market.stop().await.expect("the market stops cleanly");
    }
}

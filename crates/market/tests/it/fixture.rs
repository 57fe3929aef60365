//! Chain changes the watcher must follow, made directly through the bindings from the dev
//! accounts (the dev chain signs for them): matches, cancels, withdrawals, registry transfers,
//! new categories, empty blocks; and waiting for the market to have processed them.

use crate::common::*;
use alloy_primitives::{Address, B256, Bytes, U256};
use poco_contracts::{
    AppRegistry, PocoHub,
    alloy::providers::{DynProvider, Provider, ProviderBuilder},
    convert::no_dataset_order,
    dev,
};
use poco_market::{Market, MarketConfig};
use poco_types::{AppOrder, Order, OrderOperation, RequestOrder, Signed, WorkerpoolOrder, domain};
use serde_json::Value;
use std::time::{Duration, Instant};

/// A workerpool order's price in these tests.
pub(crate) const POOL_PRICE: u64 = 10;
/// An app order's price in these tests.
pub(crate) const APP_PRICE: u64 = 2;

/// The hash of a signed order on the dev hub.
pub(crate) fn hash_of<O: Order>(signed: &Signed<O>) -> B256 {
    signed.hash(&domain(CHAIN_ID, dev::HUB))
}

impl Env {
    /// A provider of the chain (transactions `.from(...)` a dev account).
    pub(crate) fn chain(&self) -> DynProvider {
        ProviderBuilder::new()
            .connect_http(self.node.http_url().parse().expect("URL"))
            .erased()
    }

    /// The hub's bindings.
    pub(crate) fn hub(&self) -> PocoHub::PocoHubInstance<DynProvider> {
        PocoHub::new(dev::HUB, self.chain())
    }

    /// The chain's newest block.
    pub(crate) async fn head(&self) -> u64 {
        self.chain().get_block_number().await.expect("block number")
    }

    /// Waits until the market's watcher processed every block it may (head − confirmations).
    pub(crate) async fn synced(&self) {
        let target = self
            .head()
            .await
            .saturating_sub(self.market.config().confirmations);
        let start = Instant::now();
        while self.market.watched_block() < target {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the watcher is stuck at block {} (target {target})",
                self.market.watched_block()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Mines `n` empty blocks.
    pub(crate) async fn mine(&self, n: u64) {
        for _ in 0..n {
            let _: Value = self
                .chain()
                .raw_request("evm_mine".into(), ())
                .await
                .expect("evm_mine");
        }
    }

    /// `(status, remaining)` of a published order (`kind`: `app`, ...).
    pub(crate) async fn order_state(&self, kind: &str, hash: B256) -> (String, u64) {
        let (status, reply) = self
            .get(&format!("/{kind}orders/{hash}?chainId={CHAIN_ID}"))
            .await;
        assert_eq!(status, 200, "{reply}");
        (
            reply["status"].as_str().expect("a status").to_owned(),
            reply["remaining"].as_u64().expect("remaining"),
        )
    }

    /// Matches the orders (no dataset) as the requester; returns the deal id.
    pub(crate) async fn match_orders(
        &self,
        app: &Signed<AppOrder>,
        pool: &Signed<WorkerpoolOrder>,
        request: &Signed<RequestOrder>,
    ) -> B256 {
        let receipt = self
            .hub()
            .matchOrders(
                app.clone().into(),
                no_dataset_order(),
                pool.clone().into(),
                request.clone().into(),
            )
            .from(request.order.requester)
            .send()
            .await
            .expect("matchOrders")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "matchOrders reverted");
        receipt
            .logs()
            .iter()
            .find_map(|log| log.log_decode::<PocoHub::OrdersMatched>().ok())
            .expect("OrdersMatched")
            .inner
            .data
            .dealid
    }

    /// Closes an app order on-chain, as its owner (dev account `owner`).
    pub(crate) async fn cancel_app_order(&self, owner: usize, signed: &Signed<AppOrder>) {
        let operation = signed.order.clone().into_operation_with_sign(
            signed.sign.clone(),
            OrderOperation::Close,
            Bytes::new(),
        );
        let receipt = self
            .hub()
            .manageAppOrder(operation.into())
            .from(self.address(owner))
            .send()
            .await
            .expect("manageAppOrder")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "the cancel reverted");
    }

    /// Withdraws `amount` nRLC from dev account `who`'s hub account.
    pub(crate) async fn withdraw(&self, who: usize, amount: u64) {
        let receipt = self
            .hub()
            .withdraw(U256::from(amount))
            .from(self.address(who))
            .send()
            .await
            .expect("withdraw")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "the withdrawal reverted");
    }

    /// Transfers `app` from dev account `from` to dev account `to`.
    pub(crate) async fn transfer_app(&self, app: Address, from: usize, to: usize) {
        let token = U256::from_be_bytes(app.into_word().0);
        let receipt = AppRegistry::new(dev::APP_REGISTRY, self.chain())
            .transferFrom(self.address(from), self.address(to), token)
            .from(self.address(from))
            .send()
            .await
            .expect("transferFrom")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "the transfer reverted");
    }

    /// Creates a category as the hub's owner (dev account 0).
    pub(crate) async fn create_category(&self, name: &str, time_ref: u64) {
        let receipt = self
            .hub()
            .createCategory(
                name.to_owned(),
                format!("{name}, for tests"),
                U256::from(time_ref),
            )
            .from(self.address(0))
            .send()
            .await
            .expect("createCategory")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "createCategory reverted");
    }

    /// A signed workerpool order of `pool` at [`POOL_PRICE`] for `volume` tasks.
    pub(crate) fn pool_order(&self, pool: Address, volume: u64) -> Signed<WorkerpoolOrder> {
        self.sign(
            POOL_OWNER,
            WorkerpoolOrder {
                workerpool: pool,
                workerpoolprice: U256::from(POOL_PRICE),
                volume: U256::from(volume),
                salt: B256::random(),
                ..Default::default()
            },
        )
    }

    /// A signed request order of the requester for `app`, any pool, `volume` tasks at the test
    /// prices.
    pub(crate) fn request_order(&self, app: Address, volume: u64) -> Signed<RequestOrder> {
        self.sign(
            REQUESTER,
            RequestOrder {
                app,
                appmaxprice: U256::from(APP_PRICE),
                workerpoolmaxprice: U256::from(POOL_PRICE),
                requester: self.address(REQUESTER),
                beneficiary: self.address(REQUESTER),
                volume: U256::from(volume),
                params: "{\"iexec_args\":\"test\"}".to_owned(),
                salt: B256::random(),
                ..Default::default()
            },
        )
    }

    /// Stops the market and starts it again with `tune`d settings on the same database;
    /// `between` runs while it is stopped.
    pub(crate) async fn restart(
        self,
        tune: impl FnOnce(MarketConfig) -> MarketConfig,
        between: impl AsyncFnOnce(&Env),
    ) -> Env {
        let config = self.market.config().clone();
        let Env {
            node,
            market,
            signers,
            http,
            ..
        } = self;
        market.stop().await.expect("the market stops");
        // A stand-in to run `between` with the chain: its market is never used.
        let stopped = Env {
            market: Market::start(MarketConfig::test().with_chain(
                node.http_url(),
                CHAIN_ID,
                dev::HUB,
            ))
            .await
            .expect("a stand-in market starts"),
            node,
            signers,
            http,
        };
        between(&stopped).await;
        let Env {
            node,
            market: stand_in,
            signers,
            http,
            ..
        } = stopped;
        stand_in.stop().await.expect("the stand-in stops");
        let market = Market::start(tune(config))
            .await
            .expect("the market starts again");
        Env {
            node,
            market,
            signers,
            http,
        }
    }
}

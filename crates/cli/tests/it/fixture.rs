//! Protocol state made directly through the bindings (not the CLI), so each command's test can
//! start from what it needs: funded hub accounts, registered assets, a matched deal.
//! Parties are dev accounts: 1 requester, 2 app owner, 3 dataset owner, 4 pool owner.

use crate::common::Stack;
use poco_contracts::{
    AppRegistry, PocoHub, RLC, WorkerpoolRegistry,
    alloy::{
        network::EthereumWallet,
        primitives::{Address, B256, Bytes, U256, keccak256},
        providers::{DynProvider, Provider, ProviderBuilder},
        signers::local::PrivateKeySigner,
    },
    convert::no_dataset_order,
    dev,
};
use poco_types::{
    AppOrder, RequestOrder, SignedAppOrder, SignedRequestOrder, SignedWorkerpoolOrder,
    WorkerpoolOrder, domain,
};
use std::future::Future;

pub const REQUESTER: usize = 1;
pub const APP_OWNER: usize = 2;
pub const DATASET_OWNER: usize = 3;
pub const POOL_OWNER: usize = 4;

/// What [`Stack::deal`] made.
#[derive(Clone, Debug)]
pub struct Deal {
    pub id: B256,
    pub app: Address,
    pub workerpool: Address,
    pub app_price: U256,
    pub pool_price: U256,
}

/// Runs a future to completion on a fresh runtime (the chain runs on its own thread).
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(future)
}

impl Stack {
    /// A provider signing for every dev account (pick one with `.from(...)`).
    pub fn provider(&self) -> DynProvider {
        let mut signers = self.signers.clone().into_iter();
        let mut wallet = EthereumWallet::new(signers.next().expect("dev accounts"));
        for signer in signers {
            wallet.register_signer(signer);
        }
        ProviderBuilder::default()
            .with_gas_estimation()
            .with_simple_nonce_management()
            .fetch_chain_id()
            .wallet(wallet)
            .connect_http(self.url.parse().expect("URL"))
            .erased()
    }

    pub fn signer(&self, index: usize) -> &PrivateKeySigner {
        &self.signers[index]
    }

    /// Approves and deposits `amount` nRLC of dev account `who`'s RLC into its hub account.
    pub fn deposit(&self, who: usize, amount: u64) {
        let from = self.address(who);
        let provider = self.provider();
        block_on(async {
            let rlc = RLC::new(dev::RLC, &provider);
            let hub = PocoHub::new(dev::HUB, &provider);
            let amount = U256::from(amount);
            rlc.approve(dev::HUB, amount)
                .from(from)
                .send()
                .await
                .expect("approve")
                .get_receipt()
                .await
                .expect("mined");
            hub.deposit(amount)
                .from(from)
                .send()
                .await
                .expect("deposit")
                .get_receipt()
                .await
                .expect("mined");
        });
    }

    /// `(stake, locked)` of `who`'s hub account, in nRLC.
    pub fn account(&self, who: Address) -> (U256, U256) {
        let provider = self.provider();
        block_on(async {
            let a = PocoHub::new(dev::HUB, &provider)
                .viewAccount(who)
                .call()
                .await
                .expect("viewAccount");
            (a.stake, a.locked)
        })
    }

    /// Registers an app of dev account `owner` named `name`.
    pub fn create_app(&self, owner: usize, name: &str) -> Address {
        let owner = self.address(owner);
        let provider = self.provider();
        block_on(async {
            let apps = AppRegistry::new(dev::APP_REGISTRY, &provider);
            let multiaddr = Bytes::from(format!("registry.local/{name}:1").into_bytes());
            let checksum = keccak256(name.as_bytes());
            let address = apps
                .predictApp(
                    owner,
                    name.to_owned(),
                    "DOCKER".to_owned(),
                    multiaddr.clone(),
                    checksum,
                    Bytes::new(),
                )
                .call()
                .await
                .expect("predictApp");
            apps.createApp(
                owner,
                name.to_owned(),
                "DOCKER".to_owned(),
                multiaddr,
                checksum,
                Bytes::new(),
            )
            .from(owner)
            .send()
            .await
            .expect("createApp")
            .get_receipt()
            .await
            .expect("mined");
            address
        })
    }

    /// Registers a workerpool of dev account `owner`.
    pub fn create_workerpool(&self, owner: usize, description: &str) -> Address {
        let owner = self.address(owner);
        let provider = self.provider();
        block_on(async {
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
        })
    }

    /// A matched deal of `volume` tasks at `trust`, category 0, app price 3 nRLC and pool
    /// price 7 nRLC per task; the requester and the pool owner deposit what it takes first.
    pub fn deal(&self, trust: u64, volume: u64) -> Deal {
        let tag = format!("{}-{}", trust, rand_suffix());
        let app = self.create_app(APP_OWNER, &format!("app-{tag}"));
        let workerpool = self.create_workerpool(POOL_OWNER, &format!("pool-{tag}"));
        let (app_price, pool_price) = (U256::from(3), U256::from(7));
        self.deposit(REQUESTER, 10 * volume);
        self.deposit(POOL_OWNER, 10 * volume);
        let provider = self.provider();
        let domain = domain(31337, dev::HUB);
        let v = U256::from(volume);
        let salt = || B256::random();
        let app_order = AppOrder {
            app,
            appprice: app_price,
            volume: v,
            salt: salt(),
            ..Default::default()
        };
        let pool_order = WorkerpoolOrder {
            workerpool,
            workerpoolprice: pool_price,
            volume: v,
            trust: U256::from(trust),
            salt: salt(),
            ..Default::default()
        };
        let request = RequestOrder {
            app,
            appmaxprice: app_price,
            workerpool,
            workerpoolmaxprice: pool_price,
            requester: self.address(REQUESTER),
            volume: v,
            trust: U256::from(trust),
            beneficiary: self.address(REQUESTER),
            params: "{\"iexec_args\":\"hello\"}".to_owned(),
            salt: salt(),
            ..Default::default()
        };
        let app_order =
            SignedAppOrder::sign(app_order, &domain, self.signer(APP_OWNER)).expect("signs");
        let pool_order = SignedWorkerpoolOrder::sign(pool_order, &domain, self.signer(POOL_OWNER))
            .expect("signs");
        let request =
            SignedRequestOrder::sign(request, &domain, self.signer(REQUESTER)).expect("signs");
        let id = block_on(async {
            let hub = PocoHub::new(dev::HUB, &provider);
            let receipt = hub
                .matchOrders(
                    app_order.into(),
                    no_dataset_order(),
                    pool_order.into(),
                    request.into(),
                )
                .from(self.address(REQUESTER))
                .send()
                .await
                .expect("matchOrders")
                .get_receipt()
                .await
                .expect("mined");
            receipt
                .logs()
                .iter()
                .find_map(|log| log.log_decode::<PocoHub::OrdersMatched>().ok())
                .expect("OrdersMatched")
                .inner
                .data
                .dealid
        });
        Deal {
            id,
            app,
            workerpool,
            app_price,
            pool_price,
        }
    }
}

fn rand_suffix() -> String {
    B256::random().to_string()[2..10].to_owned()
}

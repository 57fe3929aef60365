//! The benchmark's world (setup, not timed): an in-process dev chain with the protocol
//! deployed, wallets that each own a registered app, dataset and workerpool and have stake in
//! the hub, and a factory of real signed orders of those wallets that pass every check of
//! publishing (owner, signature, volume, stake, an open app order for requests).

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_signer_local::PrivateKeySigner;
use poco_chain::{ChainConfig, Node};
use poco_client::orders::AnySigned;
use poco_contracts::{
    AppRegistry, DatasetRegistry, DeployOptions, PocoHub, RLC, WorkerpoolRegistry,
    alloy::providers::{DynProvider, Provider, ProviderBuilder},
    dev,
};
use poco_types::{AppOrder, DatasetOrder, OrderKind, RequestOrder, Signed, WorkerpoolOrder};
use rand::{Rng, rngs::StdRng};

/// The dev chain's id.
pub const CHAIN_ID: u64 = 31337;
/// The categories the deployment creates (iExec's five).
pub const CATEGORIES: u64 = 5;
/// Stake each wallet has in the hub, nRLC (1,000 RLC): far above what any order needs.
const STAKE: u64 = 1_000_000_000_000;
/// Highest price of a generated order, nRLC.
pub const MAX_PRICE: u64 = 1_000;

/// A wallet and the resources it owns.
#[derive(Clone, Debug)]
pub struct Wallet {
    pub signer: PrivateKeySigner,
    pub app: Address,
    pub dataset: Address,
    pub workerpool: Address,
}

impl Wallet {
    pub fn address(&self) -> Address {
        self.signer.address()
    }
}

/// The chain and the wallets.
pub struct World {
    pub node: Node,
    pub wallets: Vec<Wallet>,
}

/// Starts the chain, deploys the protocol, registers an app, a dataset and a workerpool for
/// each of `count` fresh wallets and deposits their stake.
pub async fn build(count: usize) -> World {
    let node = Node::start(ChainConfig::test())
        .await
        .expect("the dev chain starts");
    let admin = node.signers()[0].clone();
    poco_contracts::deploy(
        &node.http_url(),
        admin.clone(),
        &DeployOptions::dev([admin.address()]),
    )
    .await
    .expect("the protocol deploys");
    let provider: DynProvider = ProviderBuilder::new()
        .connect_http(node.http_url().parse().expect("a URL"))
        .erased();
    let from = admin.address();
    let apps = AppRegistry::new(dev::APP_REGISTRY, &provider);
    let datasets = DatasetRegistry::new(dev::DATASET_REGISTRY, &provider);
    let pools = WorkerpoolRegistry::new(dev::WORKERPOOL_REGISTRY, &provider);
    let mut wallets = Vec::with_capacity(count);
    for i in 0..count {
        let signer = PrivateKeySigner::from_bytes(&keccak256(format!("poco-market-bench-{i}")))
            .expect("a key");
        let owner = signer.address();
        // Registration is open to anyone on behalf of any owner: the admin pays the gas.
        let name = format!("bench-app-{i}");
        let multiaddr = Bytes::from(format!("registry.local/{name}:1").into_bytes());
        let checksum = keccak256(name.as_bytes());
        let app = apps
            .predictApp(
                owner,
                name.clone(),
                "DOCKER".into(),
                multiaddr.clone(),
                checksum,
                Bytes::new(),
            )
            .call()
            .await
            .expect("predictApp");
        apps.createApp(
            owner,
            name,
            "DOCKER".into(),
            multiaddr,
            checksum,
            Bytes::new(),
        )
        .from(from)
        .send()
        .await
        .expect("createApp")
        .get_receipt()
        .await
        .expect("mined");
        let name = format!("bench-dataset-{i}");
        let multiaddr = Bytes::from(format!("/ipfs/bench{i}").into_bytes());
        let checksum = keccak256(name.as_bytes());
        let dataset = datasets
            .predictDataset(owner, name.clone(), multiaddr.clone(), checksum)
            .call()
            .await
            .expect("predictDataset");
        datasets
            .createDataset(owner, name, multiaddr, checksum)
            .from(from)
            .send()
            .await
            .expect("createDataset")
            .get_receipt()
            .await
            .expect("mined");
        let description = format!("bench-pool-{i}");
        let workerpool = pools
            .predictWorkerpool(owner, description.clone())
            .call()
            .await
            .expect("predictWorkerpool");
        pools
            .createWorkerpool(owner, description)
            .from(from)
            .send()
            .await
            .expect("createWorkerpool")
            .get_receipt()
            .await
            .expect("mined");
        wallets.push(Wallet {
            signer,
            app,
            dataset,
            workerpool,
        });
    }
    // Everyone's stake in one transaction: the admin deposits for them.
    let total = U256::from(STAKE) * U256::from(count);
    RLC::new(dev::RLC, &provider)
        .approve(dev::HUB, total)
        .from(from)
        .send()
        .await
        .expect("approve")
        .get_receipt()
        .await
        .expect("mined");
    let hub = PocoHub::new(dev::HUB, &provider);
    hub.depositForArray(
        vec![U256::from(STAKE); count],
        wallets.iter().map(Wallet::address).collect(),
    )
    .from(from)
    .send()
    .await
    .expect("depositForArray")
    .get_receipt()
    .await
    .expect("mined");
    let last = wallets.last().expect("at least one wallet").address();
    let stake = hub
        .viewAccount(last)
        .call()
        .await
        .expect("viewAccount")
        .stake;
    assert_eq!(stake, U256::from(STAKE), "the wallets have their stake");
    World { node, wallets }
}

/// What kinds of orders a book holds, in tenths: workerpool 4, app 2.5, request 2.5,
/// dataset 1 (pools and requesters publish most; datasets are rarer).
pub fn random_kind(rng: &mut StdRng) -> OrderKind {
    match rng.random_range(0..20) {
        0..8 => OrderKind::Workerpool,
        8..13 => OrderKind::App,
        13..18 => OrderKind::Request,
        _ => OrderKind::Dataset,
    }
}

/// A restriction: mostly none, sometimes one of the wallets' resources.
fn restrict(rng: &mut StdRng, pick: impl Fn(&Wallet) -> Address, wallets: &[Wallet]) -> Address {
    if rng.random_range(0..10) == 0 {
        pick(&wallets[rng.random_range(0..wallets.len())])
    } else {
        Address::ZERO
    }
}

fn tag(rng: &mut StdRng) -> B256 {
    // One order in ten asks for or offers TEE with SCONE (bits 0 and 1).
    let bits: u64 = if rng.random_range(0..10) == 0 { 3 } else { 0 };
    B256::from(U256::from(bits))
}

/// An unrestricted app order of `me`'s app at price 0: a request for that app can match it.
pub fn anchor_app_order(me: &Wallet) -> AnySigned {
    AnySigned::App(sign(
        me,
        AppOrder {
            app: me.app,
            appprice: U256::ZERO,
            volume: U256::from(1_000_000u64),
            salt: B256::random(),
            ..Default::default()
        },
    ))
}

/// A random signed order of `kind` by `me`. A request order is for the app of one of
/// `app_owners` (whose anchor app order must be open) at any price it may ask.
pub fn random_order(
    rng: &mut StdRng,
    kind: OrderKind,
    me: &Wallet,
    wallets: &[Wallet],
    app_owners: &[Wallet],
) -> AnySigned {
    let price = U256::from(rng.random_range(0..=MAX_PRICE));
    let volume = U256::from(rng.random_range(1..=100u64));
    let category = U256::from(rng.random_range(0..CATEGORIES));
    let salt = B256::random();
    match kind {
        OrderKind::App => AnySigned::App(sign(
            me,
            AppOrder {
                app: me.app,
                appprice: price,
                volume,
                tag: tag(rng),
                datasetrestrict: restrict(rng, |w| w.dataset, wallets),
                workerpoolrestrict: restrict(rng, |w| w.workerpool, wallets),
                requesterrestrict: restrict(rng, Wallet::address, wallets),
                salt,
            },
        )),
        OrderKind::Dataset => AnySigned::Dataset(sign(
            me,
            DatasetOrder {
                dataset: me.dataset,
                datasetprice: price,
                volume,
                tag: B256::ZERO,
                apprestrict: restrict(rng, |w| w.app, wallets),
                workerpoolrestrict: restrict(rng, |w| w.workerpool, wallets),
                requesterrestrict: restrict(rng, Wallet::address, wallets),
                salt,
            },
        )),
        OrderKind::Workerpool => AnySigned::Workerpool(sign(
            me,
            WorkerpoolOrder {
                workerpool: me.workerpool,
                workerpoolprice: price,
                volume,
                tag: tag(rng),
                category,
                trust: U256::ZERO,
                apprestrict: restrict(rng, |w| w.app, wallets),
                datasetrestrict: restrict(rng, |w| w.dataset, wallets),
                requesterrestrict: restrict(rng, Wallet::address, wallets),
                salt,
            },
        )),
        OrderKind::Request => {
            let app = &app_owners[rng.random_range(0..app_owners.len())];
            AnySigned::Request(sign(
                me,
                RequestOrder {
                    app: app.app,
                    appmaxprice: U256::from(rng.random_range(0..=MAX_PRICE)),
                    workerpool: restrict(rng, |w| w.workerpool, wallets),
                    workerpoolmaxprice: price,
                    requester: me.address(),
                    volume: U256::from(rng.random_range(1..=10u64)),
                    tag: tag(rng),
                    category,
                    beneficiary: me.address(),
                    params: r#"{"iexec_args":"bench"}"#.into(),
                    salt,
                    ..Default::default()
                },
            ))
        }
    }
}

fn sign<O: poco_types::Order + serde::Serialize>(me: &Wallet, order: O) -> Signed<O> {
    Signed::sign(order, &poco_types::domain(CHAIN_ID, dev::HUB), &me.signer).expect("signs")
}

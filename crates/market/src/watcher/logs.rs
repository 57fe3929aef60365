//! One block range's logs, read with one `eth_getLogs` over the hub and the three registries,
//! and reduced to what the book cares about ([`Changes`]): the matches, the closed orders, the
//! wallets whose free stake moved, the resources that changed hands, the new categories.

use crate::{categories::Category, categories::small, error::MarketError, error::Result};
use alloy_primitives::{Address, B256, U256};
use poco_client::Client;
use poco_contracts::{
    AppRegistry, PocoHub,
    alloy::{
        providers::Provider,
        rpc::types::{Filter, Log},
        sol_types::SolEvent,
    },
};
use poco_types::OrderKind;
use std::collections::{BTreeMap, BTreeSet};

/// The three registries (their ERC-721 `Transfer`s move resources between owners).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Registries {
    /// The app registry.
    pub(crate) app: Address,
    /// The dataset registry.
    pub(crate) dataset: Address,
    /// The workerpool registry.
    pub(crate) workerpool: Address,
}

impl Registries {
    /// The hub's registries.
    pub(crate) async fn read(client: &Client) -> Result<Self> {
        let hub = client.hub();
        let read = |what: &'static str| move |e| MarketError::chain(what, e);
        Ok(Self {
            app: hub
                .appregistry()
                .call()
                .await
                .map_err(read("read the app registry's address"))?,
            dataset: hub
                .datasetregistry()
                .call()
                .await
                .map_err(read("read the dataset registry's address"))?,
            workerpool: hub
                .workerpoolregistry()
                .call()
                .await
                .map_err(read("read the workerpool registry's address"))?,
        })
    }

    /// The registry of `kind`'s resources.
    pub(crate) fn of(&self, kind: OrderKind) -> Option<Address> {
        match kind {
            OrderKind::App => Some(self.app),
            OrderKind::Dataset => Some(self.dataset),
            OrderKind::Workerpool => Some(self.workerpool),
            OrderKind::Request => None,
        }
    }

    fn kind(&self, registry: Address) -> Option<OrderKind> {
        [OrderKind::App, OrderKind::Dataset, OrderKind::Workerpool]
            .into_iter()
            .find(|kind| self.of(*kind) == Some(registry))
    }
}

/// One `OrdersMatched` event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Matched {
    /// The deal.
    pub(crate) deal_id: B256,
    /// The app, dataset, workerpool and request order hashes.
    pub(crate) hashes: [B256; 4],
    /// The tasks matched.
    pub(crate) volume: U256,
    /// Its block.
    pub(crate) block: u64,
    /// Its index in the block.
    pub(crate) log_index: u64,
    /// Its transaction.
    pub(crate) tx: B256,
}

/// What a block range changed, in the book's terms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Changes {
    /// The matches, in chain order.
    pub(crate) matched: Vec<Matched>,
    /// The hashes of the orders closed (`Closed*Order`).
    pub(crate) closed: BTreeSet<B256>,
    /// The wallets whose free stake changed (ledger `Transfer`, `Lock`, `Unlock`, `Reward`,
    /// `Seize`).
    pub(crate) wallets: BTreeSet<Address>,
    /// The resources that changed owner, with their kind.
    pub(crate) transferred: BTreeMap<Address, OrderKind>,
    /// The categories created.
    pub(crate) categories: Vec<Category>,
}

impl Changes {
    /// Whether nothing the book cares about happened.
    pub(crate) fn is_empty(&self) -> bool {
        self.matched.is_empty()
            && self.closed.is_empty()
            && self.wallets.is_empty()
            && self.transferred.is_empty()
            && self.categories.is_empty()
    }

    /// The hashes of the matched orders.
    pub(crate) fn matched_hashes(&self) -> BTreeSet<B256> {
        self.matched
            .iter()
            .flat_map(|m| m.hashes)
            .filter(|hash| !hash.is_zero())
            .collect()
    }
}

/// The events read: the hub's and the registries' (`Transfer` is both the ledger's ERC-20 and
/// the registries' ERC-721 event: same signature, told apart by the emitter).
fn signatures() -> Vec<B256> {
    vec![
        PocoHub::OrdersMatched::SIGNATURE_HASH,
        PocoHub::ClosedAppOrder::SIGNATURE_HASH,
        PocoHub::ClosedDatasetOrder::SIGNATURE_HASH,
        PocoHub::ClosedWorkerpoolOrder::SIGNATURE_HASH,
        PocoHub::ClosedRequestOrder::SIGNATURE_HASH,
        PocoHub::Transfer::SIGNATURE_HASH,
        PocoHub::Lock::SIGNATURE_HASH,
        PocoHub::Unlock::SIGNATURE_HASH,
        PocoHub::Reward::SIGNATURE_HASH,
        PocoHub::Seize::SIGNATURE_HASH,
        PocoHub::CreateCategory::SIGNATURE_HASH,
    ]
}

/// The changes of blocks `from..=to`.
pub(crate) async fn fetch(
    client: &Client,
    registries: &Registries,
    from: u64,
    to: u64,
) -> Result<Changes> {
    let hub = client.hub_address();
    let filter = Filter::new()
        .address(vec![
            hub,
            registries.app,
            registries.dataset,
            registries.workerpool,
        ])
        .event_signature(signatures())
        .from_block(from)
        .to_block(to);
    let logs =
        client.provider().get_logs(&filter).await.map_err(|e| {
            MarketError::chain(&format!("read the logs of blocks {from}..={to}"), e)
        })?;
    let mut changes = Changes::default();
    for log in &logs {
        if let Err(e) = read(&mut changes, log, hub, registries) {
            // Not one of the protocol's logs as they are emitted: nothing to learn from it.
            tracing::warn!(
                "chain watcher: skipped an undecodable log of {} in block {:?}: {e}",
                log.address(),
                log.block_number
            );
        }
    }
    Ok(changes)
}

/// Adds what `log` says to `changes`.
fn read(
    changes: &mut Changes,
    log: &Log,
    hub: Address,
    registries: &Registries,
) -> Result<(), poco_contracts::alloy::sol_types::Error> {
    let Some(&topic) = log.topic0() else {
        return Ok(());
    };
    if log.address() != hub {
        if let Some(kind) = registries.kind(log.address())
            && topic == AppRegistry::Transfer::SIGNATURE_HASH
        {
            let event = log.log_decode::<AppRegistry::Transfer>()?.inner.data;
            let resource = Address::from_word(B256::from(event.tokenId));
            changes.transferred.insert(resource, kind);
        }
        return Ok(());
    }
    let mut wallet = |who: Address| {
        if who != Address::ZERO && who != hub {
            changes.wallets.insert(who);
        }
    };
    match topic {
        PocoHub::Transfer::SIGNATURE_HASH => {
            let e = log.log_decode::<PocoHub::Transfer>()?.inner.data;
            wallet(e.from);
            wallet(e.to);
        }
        PocoHub::Lock::SIGNATURE_HASH => {
            wallet(log.log_decode::<PocoHub::Lock>()?.inner.data.owner)
        }
        PocoHub::Unlock::SIGNATURE_HASH => {
            wallet(log.log_decode::<PocoHub::Unlock>()?.inner.data.owner);
        }
        PocoHub::Reward::SIGNATURE_HASH => {
            wallet(log.log_decode::<PocoHub::Reward>()?.inner.data.owner);
        }
        PocoHub::Seize::SIGNATURE_HASH => {
            wallet(log.log_decode::<PocoHub::Seize>()?.inner.data.owner);
        }
        PocoHub::ClosedAppOrder::SIGNATURE_HASH => {
            let e = log.log_decode::<PocoHub::ClosedAppOrder>()?.inner.data;
            changes.closed.insert(e.appHash);
        }
        PocoHub::ClosedDatasetOrder::SIGNATURE_HASH => {
            let e = log.log_decode::<PocoHub::ClosedDatasetOrder>()?.inner.data;
            changes.closed.insert(e.datasetHash);
        }
        PocoHub::ClosedWorkerpoolOrder::SIGNATURE_HASH => {
            let e = log
                .log_decode::<PocoHub::ClosedWorkerpoolOrder>()?
                .inner
                .data;
            changes.closed.insert(e.workerpoolHash);
        }
        PocoHub::ClosedRequestOrder::SIGNATURE_HASH => {
            let e = log.log_decode::<PocoHub::ClosedRequestOrder>()?.inner.data;
            changes.closed.insert(e.requestHash);
        }
        PocoHub::CreateCategory::SIGNATURE_HASH => {
            let e = log.log_decode::<PocoHub::CreateCategory>()?.inner.data;
            changes.categories.push(Category {
                id: small(e.catid),
                name: e.name,
                description: e.description,
                work_clock_time_ref: small(e.workClockTimeRef),
            });
        }
        PocoHub::OrdersMatched::SIGNATURE_HASH => {
            let e = log.log_decode::<PocoHub::OrdersMatched>()?.inner.data;
            changes.matched.push(Matched {
                deal_id: e.dealid,
                hashes: [e.appHash, e.datasetHash, e.workerpoolHash, e.requestHash],
                volume: e.volume,
                block: log.block_number.unwrap_or_default(),
                log_index: log.log_index.unwrap_or_default(),
                tx: log.transaction_hash.unwrap_or_default(),
            });
        }
        _ => {}
    }
    Ok(())
}

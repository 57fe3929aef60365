//! The chain as it was at the end of a block range: every read the watcher makes for a range
//! is pinned to the range's last block, so that the range's effects are one consistent
//! snapshot and processing the same range twice reads the same values. A node that no longer
//! has that block's state (a pruned full node, far behind) is read at its newest block
//! instead: the values are then newer than the range, and the later ranges, whose events
//! touch the same orders, bring them back in step.

use super::logs::Registries;
use crate::error::{MarketError, Result};
use alloy_primitives::{Address, B256, U256};
use poco_client::Client;
use poco_contracts::{
    AppRegistry, PocoTypes,
    alloy::{eips::BlockId, providers::Provider},
};
use poco_types::OrderKind;
use std::future::Future;

/// Reads pinned to one block.
#[derive(Clone, Debug)]
pub(crate) struct At<'a> {
    client: &'a Client,
    registries: Registries,
    block: u64,
}

impl<'a> At<'a> {
    /// Reads at `block`.
    pub(crate) fn new(client: &'a Client, registries: Registries, block: u64) -> Self {
        Self {
            client,
            registries,
            block,
        }
    }

    /// `call` at the pinned block, or at the newest one when the node refuses that.
    async fn read<T, E, F, Fut>(&self, what: &str, call: F) -> Result<T>
    where
        F: Fn(BlockId) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: std::fmt::Display,
    {
        match call(BlockId::number(self.block)).await {
            Ok(value) => Ok(value),
            Err(pinned) => {
                tracing::debug!(
                    "chain watcher: cannot {what} at block {}: {pinned}; reading the newest \
                     block",
                    self.block
                );
                call(BlockId::latest()).await.map_err(|latest| {
                    MarketError::chain(
                        what,
                        format!("at block {}: {pinned}; at the newest: {latest}", self.block),
                    )
                })
            }
        }
    }

    /// `viewConsumed(hash)`.
    pub(crate) async fn consumed(&self, hash: B256) -> Result<U256> {
        let hub = self.client.hub();
        self.read("read an order's consumed volume", |block| {
            let hub = hub.clone();
            async move { hub.viewConsumed(hash).block(block).call().await }
        })
        .await
    }

    /// The free stake of `who` (`viewAccount(who).stake`).
    pub(crate) async fn stake(&self, who: Address) -> Result<U256> {
        let hub = self.client.hub();
        self.read("read an account's stake", |block| {
            let hub = hub.clone();
            async move { hub.viewAccount(who).block(block).call().await }
        })
        .await
        .map(|account| account.stake)
    }

    /// `workerpool_stake_ratio()`, in %.
    pub(crate) async fn ratio(&self) -> Result<U256> {
        let hub = self.client.hub();
        self.read("read the workerpool stake ratio", |block| {
            let hub = hub.clone();
            async move { hub.workerpool_stake_ratio().block(block).call().await }
        })
        .await
    }

    /// The registered owner of the `kind` resource at `resource` (`None`: not registered).
    pub(crate) async fn owner(
        &self,
        kind: OrderKind,
        resource: Address,
    ) -> Result<Option<Address>> {
        let Some(registry) = self.registries.of(kind) else {
            return Ok(None);
        };
        if resource == Address::ZERO {
            return Ok(None);
        }
        // The three registries share the ERC-721 ABI.
        let registry = AppRegistry::new(registry, self.client.provider().clone());
        let token = U256::from_be_bytes(resource.into_word().0);
        self.read("read the owner of a resource", |block| {
            let registry = registry.clone();
            async move {
                if !registry.isRegistered(resource).block(block).call().await? {
                    return Ok(None);
                }
                registry.ownerOf(token).block(block).call().await.map(Some)
            }
        })
        .await
    }

    /// `viewDeal(id)`.
    pub(crate) async fn deal(&self, id: B256) -> Result<PocoTypes::Deal> {
        let hub = self.client.hub();
        self.read("read a deal", |block| {
            let hub = hub.clone();
            async move { hub.viewDeal(id).block(block).call().await }
        })
        .await
    }

    /// The timestamp of block `number`, in seconds.
    pub(crate) async fn timestamp(&self, number: u64) -> Result<u64> {
        let block = self
            .client
            .provider()
            .get_block_by_number(number.into())
            .await
            .map_err(|e| MarketError::chain(&format!("read block {number}"), e))?
            .ok_or_else(|| MarketError::chain(&format!("read block {number}"), "no such block"))?;
        Ok(block.header.timestamp)
    }
}

/// The chain's newest block number.
pub(crate) async fn head(client: &Client) -> Result<u64> {
    client
        .provider()
        .get_block_number()
        .await
        .map_err(|e| MarketError::chain("read the newest block number", e))
}

//! Mined blocks, kept in the form the JSON-RPC API returns them, with indexes by hash.

use alloy_primitives::{B256, Bloom};
use alloy_rpc_types_eth::{
    Block, BlockTransactions, Filter, Header, Log, Transaction, TransactionReceipt,
};
use serde::{Deserialize, Serialize};
use std::{collections::HashMap, sync::Arc};

/// One mined block with its transactions and receipts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MinedBlock {
    /// Header, with hash and size.
    pub header: Header,
    /// Transactions, in block order.
    pub transactions: Vec<Transaction>,
    /// Receipts, in block order.
    pub receipts: Vec<TransactionReceipt>,
}

impl MinedBlock {
    /// Block number.
    pub fn number(&self) -> u64 {
        self.header.inner.number
    }

    /// Block hash.
    pub fn hash(&self) -> B256 {
        self.header.hash
    }

    /// The block as `eth_getBlockBy*` returns it, with full transactions or their hashes.
    pub fn rpc(&self, full: bool) -> Block {
        let transactions = if full {
            BlockTransactions::Full(self.transactions.clone())
        } else {
            BlockTransactions::Hashes(
                self.transactions
                    .iter()
                    .map(|t| *t.inner.tx_hash())
                    .collect(),
            )
        };
        Block {
            header: self.header.clone(),
            uncles: Vec::new(),
            transactions,
            withdrawals: Some(Default::default()),
        }
    }

    /// Every log of the block, in order.
    pub fn logs(&self) -> impl Iterator<Item = &Log> {
        self.receipts.iter().flat_map(|r| r.inner.logs())
    }

    /// The logs of this block that `filter` selects (address and topics; not the block range).
    pub fn matching_logs(&self, filter: &Filter) -> Vec<Log> {
        if !bloom_may_match(self.header.inner.logs_bloom, filter) {
            return Vec::new();
        }
        self.logs()
            .filter(|log| {
                filter.matches_address(log.address()) && filter.matches_topics(log.topics())
            })
            .cloned()
            .collect()
    }
}

/// Whether a block with this bloom can contain a log the filter selects.
fn bloom_may_match(bloom: Bloom, filter: &Filter) -> bool {
    filter.matches_bloom(bloom)
}

/// Where a transaction sits in the chain.
#[derive(Clone, Copy, Debug)]
pub struct TxLocation {
    /// Block number.
    pub block: u64,
    /// Index in the block.
    pub index: usize,
}

/// The canonical chain: blocks by number, and indexes by block and transaction hash.
#[derive(Clone, Debug, Default)]
pub struct ChainStore {
    blocks: Vec<Arc<MinedBlock>>,
    hashes: Vec<B256>,
    by_hash: HashMap<B256, u64>,
    txs: HashMap<B256, TxLocation>,
}

impl ChainStore {
    /// Appends a block (its number must be the next one).
    pub fn push(&mut self, block: Arc<MinedBlock>) {
        debug_assert_eq!(
            block.number(),
            self.blocks.len() as u64,
            "blocks are appended in order"
        );
        let number = block.number();
        for (index, tx) in block.transactions.iter().enumerate() {
            self.txs.insert(
                *tx.inner.tx_hash(),
                TxLocation {
                    block: number,
                    index,
                },
            );
        }
        self.by_hash.insert(block.hash(), number);
        self.hashes.push(block.hash());
        self.blocks.push(block);
    }

    /// Drops every block above `number` (evm_revert).
    pub fn truncate(&mut self, number: u64) {
        let keep = usize::try_from(number).map_or(self.blocks.len(), |n| n + 1);
        for block in self.blocks.drain(keep.min(self.blocks.len())..) {
            self.by_hash.remove(&block.hash());
            for tx in &block.transactions {
                self.txs.remove(tx.inner.tx_hash());
            }
        }
        self.hashes.truncate(keep);
    }

    /// The newest block.
    pub fn latest(&self) -> &Arc<MinedBlock> {
        self.blocks
            .last()
            .expect("the chain always has its genesis block")
    }

    /// Number of the newest block.
    pub fn head(&self) -> u64 {
        self.latest().number()
    }

    /// Block by number.
    pub fn by_number(&self, number: u64) -> Option<&Arc<MinedBlock>> {
        usize::try_from(number)
            .ok()
            .and_then(|n| self.blocks.get(n))
    }

    /// Block by hash.
    pub fn by_hash(&self, hash: &B256) -> Option<&Arc<MinedBlock>> {
        self.by_hash.get(hash).and_then(|n| self.by_number(*n))
    }

    /// Hashes of all blocks, indexed by number.
    pub fn hashes(&self) -> &[B256] {
        &self.hashes
    }

    /// Where a mined transaction is.
    pub fn tx(&self, hash: &B256) -> Option<(&Arc<MinedBlock>, usize)> {
        let location = self.txs.get(hash)?;
        Some((self.by_number(location.block)?, location.index))
    }

    /// All blocks, oldest first.
    pub fn blocks(&self) -> &[Arc<MinedBlock>] {
        &self.blocks
    }
}

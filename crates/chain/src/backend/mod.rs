//! The node's core: the chain, the latest and recent states, the pending pool, mining, and the
//! operations every JSON-RPC method is built on. One lock guards it all; calls and gas
//! estimates run on an O(1) snapshot of the state, outside the lock.
//!
//! This module holds the chain's structure, construction and reads; submodules add the
//! transaction intake, mining, dev methods and fee history.

mod dev;
mod fees;
mod mining;
use mining::seal;
mod transactions;

pub use fees::FeeHistory;

use crate::{
    ChainConfig,
    blocks::{ChainStore, MinedBlock},
    clock::Clock,
    error::{NodeError, Result as ChainResult},
    executor::{self, BlockContext, MIN_TRANSACTION_GAS, Rules},
    pool::{Pool, PoolError},
    state::{StateDb, StateDump, WorldState},
    state_root::{StateRoots, Touched},
};
use alloy_consensus::{
    Header, Receipt, ReceiptEnvelope, ReceiptWithBloom, SignableTransaction, Transaction as _,
    TxEnvelope, TypedTransaction, proofs, transaction::Recovered, transaction::SignerRecoverable,
};
use alloy_eips::{
    BlockId, BlockNumberOrTag, Decodable2718, Encodable2718,
    eip1559::{BaseFeeParams, calc_next_block_base_fee},
    eip7685::EMPTY_REQUESTS_HASH,
};
use alloy_primitives::{Address, B64, B256, Bloom, Bytes, Signature, U256, keccak256};
use alloy_rpc_types_eth::{
    Filter, FilterBlockOption, Log, Transaction, TransactionReceipt, TransactionRequest,
};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_trie::EMPTY_ROOT_HASH;
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use std::{
    collections::{BTreeMap, HashMap, HashSet, VecDeque},
    sync::Arc,
};
use tokio::sync::broadcast;

type Result<T, E = NodeError> = std::result::Result<T, E>;

/// Recent block hashes and the number of the first one.
type RecentHashes = (Vec<B256>, u64);

/// Tip suggested by eth_maxPriorityFeePerGas and used to fill eth_sendTransaction, in wei.
pub const DEFAULT_PRIORITY_FEE: u128 = 1_000_000_000;
/// Most blocks one eth_getLogs may scan.
pub const MAX_LOG_RANGE: u64 = 100_000;
/// Most logs one eth_getLogs may return.
pub const MAX_LOGS: usize = 100_000;

/// What evm_snapshot saves, to go back to with evm_revert.
#[derive(Clone)]
struct Snapshot {
    head: u64,
    state: WorldState,
    history: VecDeque<(u64, WorldState)>,
    pool: Pool,
    clock: Clock,
    base_fee: u64,
}

/// Everything behind the lock.
struct Inner {
    chain: ChainStore,
    /// State after the newest block (dev methods edit it in place).
    state: WorldState,
    /// States of recent blocks, oldest first; the back is the newest block.
    history: VecDeque<(u64, WorldState)>,
    pool: Pool,
    clock: Clock,
    /// Base fee of the next block.
    base_fee: u64,
    automine: bool,
    snapshots: BTreeMap<u64, Snapshot>,
    next_snapshot: u64,
    impersonated: HashSet<Address>,
    coinbase: Address,
    gas_limit: u64,
    /// Tries behind the state root, updated per block; `None` after an edit that touched
    /// unknown parts of the state (rebuilt at the next block).
    roots: Option<StateRoots>,
}

/// A whole chain, serializable: what a state file holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedChain {
    /// Chain id the blocks were made for.
    pub chain_id: u64,
    /// Every block with its transactions and receipts.
    pub blocks: Vec<MinedBlock>,
    /// State after the newest block.
    pub state: StateDump,
    /// Seconds the clock was moved from wall time.
    pub time_offset: i64,
    /// Base fee of the next block.
    pub base_fee: u64,
}

/// The dev chain.
pub struct Backend {
    rules: Rules,
    state_history: usize,
    accounts: Vec<Address>,
    signers: HashMap<Address, PrivateKeySigner>,
    inner: RwLock<Inner>,
    /// Bumped by every change to the chain or its state, so savers know when to save.
    revision: std::sync::atomic::AtomicU64,
    new_blocks: broadcast::Sender<Arc<MinedBlock>>,
    new_pending: broadcast::Sender<B256>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("chain_id", &self.rules.chain_id)
            .field("head", &self.head())
            .finish()
    }
}

impl Backend {
    /// A new chain: a genesis block whose state funds the dev accounts; or, when `saved` is
    /// given, the chain it holds.
    pub fn new(
        config: &ChainConfig,
        signers: Vec<PrivateKeySigner>,
        saved: Option<SavedChain>,
    ) -> ChainResult<Self> {
        let rules = Rules {
            chain_id: config.chain_id,
            spec: config.spec,
        };
        let accounts: Vec<Address> = signers.iter().map(PrivateKeySigner::address).collect();
        let inner = match saved {
            Some(saved) => Self::resume(config, saved)?,
            None => Self::genesis(config, &accounts),
        };
        let (new_blocks, _) = broadcast::channel(1024);
        let (new_pending, _) = broadcast::channel(4096);
        Ok(Self {
            rules,
            state_history: config.state_history.max(1),
            signers: signers.into_iter().map(|s| (s.address(), s)).collect(),
            accounts,
            inner: RwLock::new(inner),
            revision: std::sync::atomic::AtomicU64::new(0),
            new_blocks,
            new_pending,
        })
    }

    fn genesis(config: &ChainConfig, accounts: &[Address]) -> Inner {
        let mut state = WorldState::default();
        for account in accounts {
            state.set_balance(*account, config.balance);
        }
        let timestamp = config.genesis_timestamp.unwrap_or_else(crate::clock::now);
        let header = Header {
            parent_hash: B256::ZERO,
            ommers_hash: alloy_consensus::EMPTY_OMMER_ROOT_HASH,
            beneficiary: Address::ZERO,
            state_root: state.state_root(),
            transactions_root: EMPTY_ROOT_HASH,
            receipts_root: EMPTY_ROOT_HASH,
            logs_bloom: Bloom::ZERO,
            difficulty: U256::ZERO,
            number: 0,
            gas_limit: config.gas_limit,
            gas_used: 0,
            timestamp,
            extra_data: Bytes::from_static(b"poco"),
            mix_hash: keccak256(config.chain_id.to_be_bytes()),
            nonce: B64::ZERO,
            base_fee_per_gas: Some(config.base_fee),
            withdrawals_root: Some(EMPTY_ROOT_HASH),
            blob_gas_used: Some(0),
            excess_blob_gas: Some(0),
            parent_beacon_block_root: Some(B256::ZERO),
            requests_hash: Some(EMPTY_REQUESTS_HASH),
            ..Default::default()
        };
        let block = seal(header, Vec::new());
        let mut chain = ChainStore::default();
        chain.push(Arc::new(block));
        Inner {
            chain,
            history: VecDeque::from([(0, state.clone())]),
            state,
            pool: Pool::default(),
            clock: Clock::new(timestamp),
            base_fee: config.base_fee,
            automine: config.block_time.is_none(),
            snapshots: BTreeMap::new(),
            next_snapshot: 1,
            impersonated: HashSet::new(),
            coinbase: Address::ZERO,
            gas_limit: config.gas_limit,
            roots: None,
        }
    }

    fn resume(config: &ChainConfig, saved: SavedChain) -> ChainResult<Inner> {
        let bad = |reason: String| crate::ChainError::StateFormat {
            path: config.state_path.clone().unwrap_or_default(),
            reason,
        };
        if saved.chain_id != config.chain_id {
            return Err(bad(format!(
                "it holds chain {} but the node was started with --chain-id {}",
                saved.chain_id, config.chain_id
            )));
        }
        if saved.blocks.is_empty() {
            return Err(bad("it has no blocks".to_owned()));
        }
        let mut chain = ChainStore::default();
        for (i, block) in saved.blocks.into_iter().enumerate() {
            if block.number() != i as u64 {
                return Err(bad(format!("block {} is at position {i}", block.number())));
            }
            chain.push(Arc::new(block));
        }
        let state = WorldState::from_dump(&saved.state);
        let head = chain.head();
        let last = chain.latest().header.inner.timestamp;
        Ok(Inner {
            chain,
            history: VecDeque::from([(head, state.clone())]),
            state,
            pool: Pool::default(),
            clock: Clock::resumed(last, saved.time_offset),
            base_fee: saved.base_fee,
            automine: config.block_time.is_none(),
            snapshots: BTreeMap::new(),
            next_snapshot: 1,
            impersonated: HashSet::new(),
            coinbase: Address::ZERO,
            gas_limit: config.gas_limit,
            roots: None,
        })
    }

    /// The whole chain, for a state file.
    pub fn save(&self) -> SavedChain {
        let inner = self.inner.read();
        SavedChain {
            chain_id: self.rules.chain_id,
            blocks: inner
                .chain
                .blocks()
                .iter()
                .map(|b| MinedBlock::clone(b))
                .collect(),
            state: inner.state.dump(),
            time_offset: inner.clock.offset(),
            base_fee: inner.base_fee,
        }
    }

    // ---- identity ----

    /// EIP-155 chain id.
    pub fn chain_id(&self) -> u64 {
        self.rules.chain_id
    }

    /// The dev accounts, in derivation order.
    pub fn accounts(&self) -> &[Address] {
        &self.accounts
    }

    /// The node's key for `address`, if it is a dev account.
    pub fn signer(&self, address: &Address) -> Result<&PrivateKeySigner> {
        self.signers
            .get(address)
            .ok_or(NodeError::UnknownAccount(*address))
    }

    /// New blocks as they are mined.
    pub fn subscribe_blocks(&self) -> broadcast::Receiver<Arc<MinedBlock>> {
        self.new_blocks.subscribe()
    }

    /// Hashes of transactions as they enter the pool.
    pub fn subscribe_pending(&self) -> broadcast::Receiver<B256> {
        self.new_pending.subscribe()
    }

    // ---- reads ----

    /// Number of the newest block.
    pub fn head(&self) -> u64 {
        self.inner.read().chain.head()
    }

    /// Block gas limit.
    pub fn gas_limit(&self) -> u64 {
        self.inner.read().gas_limit
    }

    /// Base fee of the next block.
    pub fn next_base_fee(&self) -> u64 {
        self.inner.read().base_fee
    }

    /// Whether a block is mined per transaction.
    pub fn automine(&self) -> bool {
        self.inner.read().automine
    }

    /// The number a block id designates ("pending" is the newest block: pending transactions
    /// are only in the pool).
    pub fn resolve(&self, id: BlockId) -> Result<u64> {
        let inner = self.inner.read();
        resolve_in(&inner.chain, id)
    }

    /// A block by number or tag.
    pub fn block(&self, id: BlockId) -> Result<Option<Arc<MinedBlock>>> {
        let inner = self.inner.read();
        match resolve_in(&inner.chain, id) {
            Ok(n) => Ok(inner.chain.by_number(n).cloned()),
            Err(NodeError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A block by hash.
    pub fn block_by_hash(&self, hash: &B256) -> Option<Arc<MinedBlock>> {
        self.inner.read().chain.by_hash(hash).cloned()
    }

    /// A transaction by hash, mined or pending.
    pub fn transaction(&self, hash: &B256) -> Option<Transaction> {
        let inner = self.inner.read();
        if let Some((block, index)) = inner.chain.tx(hash) {
            return block.transactions.get(index).cloned();
        }
        inner.pool.get(hash).map(|tx| pending_rpc_tx(tx.clone()))
    }

    /// The receipt of a mined transaction.
    pub fn receipt(&self, hash: &B256) -> Option<TransactionReceipt> {
        let inner = self.inner.read();
        let (block, index) = inner.chain.tx(hash)?;
        block.receipts.get(index).cloned()
    }

    /// Pending transactions, for txpool-style queries.
    pub fn pending_transactions(&self) -> Vec<Transaction> {
        self.inner
            .read()
            .pool
            .all()
            .cloned()
            .map(pending_rpc_tx)
            .collect()
    }

    /// The state after block `id`.
    pub fn state_at(&self, id: BlockId) -> Result<WorldState> {
        let inner = self.inner.read();
        let number = resolve_in(&inner.chain, id)?;
        self.state_of(&inner, number)
    }

    fn state_of(&self, inner: &Inner, number: u64) -> Result<WorldState> {
        if number == inner.chain.head() {
            return Ok(inner.state.clone());
        }
        inner
            .history
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, s)| s.clone())
            .ok_or(NodeError::StateUnavailable {
                block: number,
                kept: self.state_history,
            })
    }

    /// The next nonce of `address` at block `id`, counting pool transactions for "pending".
    pub fn nonce(&self, address: Address, id: BlockId) -> Result<u64> {
        let inner = self.inner.read();
        let number = resolve_in(&inner.chain, id)?;
        let nonce = self.state_of(&inner, number)?.nonce(&address);
        if matches!(id, BlockId::Number(BlockNumberOrTag::Pending)) {
            return Ok(inner.pool.pending_nonce(&address, nonce));
        }
        Ok(nonce)
    }

    /// What the EVM sees when executing "at" block `number`: the next block for the newest one
    /// (as if the call were in the next block), the block itself otherwise.
    fn call_context(
        &self,
        inner: &Inner,
        number: u64,
    ) -> Result<(WorldState, BlockContext, RecentHashes)> {
        let state = self.state_of(inner, number)?;
        // BLOCKHASH reaches 256 blocks back: copy only those.
        let first = number.saturating_sub(255);
        let hashes = (
            inner.chain.hashes()[first as usize..=number as usize].to_vec(),
            first,
        );
        let context = if number == inner.chain.head() {
            self.next_block_context(inner)
        } else {
            let header = &inner
                .chain
                .by_number(number)
                .expect("resolved block exists")
                .header
                .inner;
            BlockContext {
                number: header.number,
                timestamp: header.timestamp,
                beneficiary: header.beneficiary,
                gas_limit: header.gas_limit,
                base_fee: header.base_fee_per_gas.unwrap_or_default(),
                prevrandao: header.mix_hash,
            }
        };
        Ok((state, context, hashes))
    }

    fn next_block_context(&self, inner: &Inner) -> BlockContext {
        let parent = inner.chain.latest();
        BlockContext {
            number: parent.number() + 1,
            timestamp: inner.clock.next_timestamp(),
            beneficiary: inner.coinbase,
            gas_limit: inner.gas_limit,
            base_fee: inner.base_fee,
            prevrandao: keccak256(parent.hash()),
        }
    }

    /// eth_call.
    pub fn call(&self, request: &TransactionRequest, id: BlockId) -> Result<Bytes> {
        let (state, context, (hashes, first)) = self.call_context_at(id)?;
        executor::call(&state, (&hashes, first), &self.rules, &context, request)
    }

    /// eth_estimateGas.
    pub fn estimate_gas(&self, request: &TransactionRequest, id: BlockId) -> Result<u64> {
        let (state, context, (hashes, first)) = self.call_context_at(id)?;
        executor::estimate_gas(&state, (&hashes, first), &self.rules, &context, request)
    }

    /// The call context of block `id`, taken under the read lock and used outside it.
    fn call_context_at(&self, id: BlockId) -> Result<(WorldState, BlockContext, RecentHashes)> {
        let inner = self.inner.read();
        let number = resolve_in(&inner.chain, id)?;
        self.call_context(&inner, number)
    }

    /// eth_getLogs over a block range or one block hash.
    pub fn logs(&self, filter: &Filter) -> Result<Vec<Log>> {
        let inner = self.inner.read();
        let blocks: Vec<&Arc<MinedBlock>> = match filter.block_option {
            FilterBlockOption::AtBlockHash(hash) => {
                vec![
                    inner
                        .chain
                        .by_hash(&hash)
                        .ok_or_else(|| NodeError::NotFound(format!("unknown block {hash}")))?,
                ]
            }
            FilterBlockOption::Range {
                from_block,
                to_block,
            } => {
                let head = inner.chain.head();
                let number = |tag: Option<BlockNumberOrTag>| -> Result<u64> {
                    match tag {
                        None => Ok(head),
                        Some(tag) => resolve_in(&inner.chain, BlockId::Number(tag)).or_else(|e| {
                            match (e, tag) {
                                // A range may reach past the head: it simply ends there.
                                (NodeError::NotFound(_), BlockNumberOrTag::Number(_)) => Ok(head),
                                (e, _) => Err(e),
                            }
                        }),
                    }
                };
                let (from, to) = (number(from_block)?, number(to_block)?);
                if from > to {
                    return Err(NodeError::InvalidParams(format!(
                        "invalid block range: fromBlock {from} is after toBlock {to}"
                    )));
                }
                if to - from >= MAX_LOG_RANGE {
                    return Err(NodeError::InvalidParams(format!(
                        "block range {from}..={to} is wider than {MAX_LOG_RANGE} blocks: query smaller ranges"
                    )));
                }
                (from..=to)
                    .filter_map(|n| inner.chain.by_number(n))
                    .collect()
            }
        };
        let mut logs = Vec::new();
        for block in blocks {
            logs.extend(block.matching_logs(filter));
            if logs.len() > MAX_LOGS {
                return Err(NodeError::InvalidParams(format!(
                    "query returns more than {MAX_LOGS} logs: narrow the block range or the filter"
                )));
            }
        }
        Ok(logs)
    }

    /// Blocks after `after`, up to the head, for filter polling.
    pub fn blocks_after(&self, after: u64) -> Vec<Arc<MinedBlock>> {
        let inner = self.inner.read();
        (after + 1..=inner.chain.head())
            .filter_map(|n| inner.chain.by_number(n).cloned())
            .collect()
    }
}

/// The block number `id` designates in `chain`.
fn resolve_in(chain: &ChainStore, id: BlockId) -> Result<u64> {
    let head = chain.head();
    match id {
        BlockId::Hash(hash) => chain
            .by_hash(&hash.block_hash)
            .map(|b| b.number())
            .ok_or_else(|| NodeError::NotFound(format!("unknown block {}", hash.block_hash))),
        BlockId::Number(tag) => match tag {
            BlockNumberOrTag::Latest
            | BlockNumberOrTag::Pending
            | BlockNumberOrTag::Safe
            | BlockNumberOrTag::Finalized => Ok(head),
            BlockNumberOrTag::Earliest => Ok(0),
            BlockNumberOrTag::Number(n) if n <= head => Ok(n),
            BlockNumberOrTag::Number(n) => Err(NodeError::NotFound(format!(
                "block {n} does not exist yet: the newest block is {head}"
            ))),
        },
    }
}

/// A pending transaction as the RPC shows it: no block yet.
fn pending_rpc_tx(tx: Recovered<TxEnvelope>) -> Transaction {
    Transaction {
        inner: tx,
        block_hash: None,
        block_number: None,
        transaction_index: None,
        effective_gas_price: None,
        block_timestamp: None,
    }
}

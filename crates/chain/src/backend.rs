//! The node's core: the chain, the latest and recent states, the pending pool, mining, and the
//! operations every JSON-RPC method is built on. One lock guards it all; calls and gas
//! estimates run on an O(1) snapshot of the state, outside the lock.

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
        let hashes = (inner.chain.hashes()[first as usize..=number as usize].to_vec(), first);
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
        let (state, context, hashes) = {
            let inner = self.inner.read();
            let number = resolve_in(&inner.chain, id)?;
            self.call_context(&inner, number)?
        };
        executor::call(&state, (&hashes.0, hashes.1), &self.rules, &context, request)
    }

    /// eth_estimateGas.
    pub fn estimate_gas(&self, request: &TransactionRequest, id: BlockId) -> Result<u64> {
        let (state, context, hashes) = {
            let inner = self.inner.read();
            let number = resolve_in(&inner.chain, id)?;
            self.call_context(&inner, number)?
        };
        executor::estimate_gas(&state, (&hashes.0, hashes.1), &self.rules, &context, request)
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

    /// eth_feeHistory: base fees (one more than blocks, the last being the next block's),
    /// gas used ratios, and the requested reward percentiles of effective tips.
    pub fn fee_history(
        &self,
        count: u64,
        newest: BlockId,
        percentiles: &[f64],
    ) -> Result<FeeHistory> {
        let inner = self.inner.read();
        let newest = resolve_in(&inner.chain, newest)?;
        let count = count.clamp(1, 1024).min(newest + 1);
        let oldest = newest + 1 - count;
        let mut history = FeeHistory {
            oldest_block: oldest,
            ..Default::default()
        };
        for n in oldest..=newest {
            let block = inner.chain.by_number(n).expect("within the chain");
            let header = &block.header.inner;
            let base_fee = header.base_fee_per_gas.unwrap_or_default();
            history.base_fee_per_gas.push(u128::from(base_fee));
            history
                .gas_used_ratio
                .push(header.gas_used as f64 / header.gas_limit.max(1) as f64);
            if !percentiles.is_empty() {
                let mut tips: Vec<(u128, u64)> = block
                    .transactions
                    .iter()
                    .zip(&block.receipts)
                    .map(|(tx, r)| {
                        (
                            tx.inner.effective_tip_per_gas(base_fee).unwrap_or_default(),
                            r.gas_used,
                        )
                    })
                    .collect();
                tips.sort_unstable();
                let total: u64 = tips.iter().map(|(_, g)| g).sum();
                let rewards = percentiles
                    .iter()
                    .map(|p| {
                        let threshold = (total as f64 * p / 100.0) as u64;
                        let mut acc = 0;
                        tips.iter()
                            .find(|(_, g)| {
                                acc += g;
                                acc >= threshold
                            })
                            .or(tips.last())
                            .map(|(t, _)| *t)
                            .unwrap_or_default()
                    })
                    .collect();
                history.reward.push(rewards);
            }
        }
        let next = if newest == inner.chain.head() {
            inner.base_fee
        } else {
            inner
                .chain
                .by_number(newest + 1)
                .and_then(|b| b.header.inner.base_fee_per_gas)
                .unwrap_or_default()
        };
        history.base_fee_per_gas.push(u128::from(next));
        Ok(history)
    }

    // ---- transactions ----

    /// eth_sendRawTransaction.
    pub fn send_raw_transaction(&self, raw: &[u8]) -> Result<B256> {
        let envelope = TxEnvelope::decode_2718(&mut &raw[..]).map_err(|e| {
            NodeError::InvalidTransaction(format!("transaction could not be decoded: {e}"))
        })?;
        let signer = envelope.recover_signer().map_err(|_| {
            NodeError::InvalidTransaction("invalid transaction signature".to_owned())
        })?;
        self.submit(Recovered::new_unchecked(envelope, signer))
    }

    /// eth_sendTransaction: fills nonce, gas, fees and chain id, signs with the dev key (or
    /// marks the sender as impersonated) and submits.
    pub fn send_transaction(&self, request: TransactionRequest) -> Result<B256> {
        let tx = self.sign_request(request)?;
        self.submit(tx)
    }

    /// eth_signTransaction: fills and signs, returns the raw transaction.
    pub fn sign_transaction(&self, request: TransactionRequest) -> Result<Bytes> {
        let from = request
            .from
            .ok_or_else(|| NodeError::InvalidParams("missing 'from'".to_owned()))?;
        self.signer(&from)?;
        Ok(self.sign_request(request)?.inner().encoded_2718().into())
    }

    fn sign_request(&self, mut request: TransactionRequest) -> Result<Recovered<TxEnvelope>> {
        let from = request
            .from
            .ok_or_else(|| NodeError::InvalidParams("missing 'from'".to_owned()))?;
        let signer = self.signers.get(&from);
        let impersonated = self.inner.read().impersonated.contains(&from);
        if signer.is_none() && !impersonated {
            return Err(NodeError::UnknownAccount(from));
        }
        let (base_fee, nonce) = {
            let inner = self.inner.read();
            let state_nonce = inner.state.nonce(&from);
            (inner.base_fee, inner.pool.pending_nonce(&from, state_nonce))
        };
        request.nonce.get_or_insert(nonce);
        request.chain_id.get_or_insert(self.rules.chain_id);
        if request.to.is_none() {
            request.to = Some(alloy_primitives::TxKind::Create);
        }
        if request.gas_price.is_none() {
            let tip = *request
                .max_priority_fee_per_gas
                .get_or_insert(DEFAULT_PRIORITY_FEE);
            request
                .max_fee_per_gas
                .get_or_insert(u128::from(base_fee) * 2 + tip);
        }
        if request.gas.is_none() {
            let mut estimate_request = request.clone();
            estimate_request.nonce = None;
            let gas = self.estimate_gas(&estimate_request, BlockId::latest())?;
            request.gas = Some(gas);
        }
        let typed: TypedTransaction = request.build_typed_tx().map_err(|_| {
            NodeError::InvalidParams("these fields do not make a valid transaction".to_owned())
        })?;
        let envelope = match signer {
            Some(signer) => {
                let signature = signer
                    .sign_hash_sync(&typed.signature_hash())
                    .map_err(|e| NodeError::Internal(format!("signing failed: {e}")))?;
                TxEnvelope::from(typed.into_signed(signature))
            }
            // An impersonated sender has no key: a placeholder signature that is unique to the
            // sender keeps hashes distinct; the sender is recorded, never recovered.
            None => {
                let r = U256::from_be_slice(from.as_slice()) + U256::from(1);
                TxEnvelope::from(typed.into_signed(Signature::new(r, U256::from(1), false)))
            }
        };
        Ok(Recovered::new_unchecked(envelope, from))
    }

    /// Admits a signed transaction: checks what can be checked before execution, then mines it
    /// at once (automine) or keeps it for the next block.
    pub fn submit(&self, tx: Recovered<TxEnvelope>) -> Result<B256> {
        let hash = *tx.inner().tx_hash();
        if tx.inner().is_eip4844() {
            return Err(NodeError::Unsupported(
                "blob transactions (EIP-4844) are not supported by poco chain".into(),
            ));
        }
        if let Some(chain_id) = tx.inner().chain_id()
            && chain_id != self.rules.chain_id
        {
            return Err(NodeError::InvalidTransaction(format!(
                "invalid chain id for signer: transaction is for chain {chain_id}, this chain is {}",
                self.rules.chain_id
            )));
        }
        let mut inner = self.inner.write();
        if inner.chain.tx(&hash).is_some() {
            return Err(NodeError::InvalidTransaction("already known".to_owned()));
        }
        let sender = tx.signer();
        let state_nonce = inner.state.nonce(&sender);
        let nonce = tx.inner().nonce();
        if nonce < state_nonce {
            return Err(NodeError::InvalidTransaction(format!(
                "nonce too low: next nonce {state_nonce}, tx nonce {nonce}"
            )));
        }
        if tx.inner().gas_limit() > inner.gas_limit {
            return Err(NodeError::InvalidTransaction(format!(
                "exceeds block gas limit: gas {} > block gas limit {}",
                tx.inner().gas_limit(),
                inner.gas_limit
            )));
        }
        if tx.inner().gas_limit() < MIN_TRANSACTION_GAS {
            return Err(NodeError::InvalidTransaction(format!(
                "intrinsic gas too low: gas {}, minimum needed {MIN_TRANSACTION_GAS}",
                tx.inner().gas_limit()
            )));
        }
        if tx.inner().max_fee_per_gas() < u128::from(inner.base_fee) {
            return Err(NodeError::InvalidTransaction(format!(
                "max fee per gas less than block base fee: maxFeePerGas {}, baseFee {}",
                tx.inner().max_fee_per_gas(),
                inner.base_fee
            )));
        }
        let cost = U256::from(tx.inner().gas_limit())
            .saturating_mul(U256::from(tx.inner().max_fee_per_gas()))
            .saturating_add(tx.inner().value());
        let balance = inner.state.balance(&sender);
        if cost > balance {
            return Err(NodeError::InvalidTransaction(format!(
                "insufficient funds for gas * price + value: address {sender} have {balance} want {cost}"
            )));
        }
        if inner.automine && nonce == state_nonce {
            // Mine it now, alone; a refusal at execution time leaves no block behind.
            let block = self.mine_locked(&mut inner, vec![tx], None, true)?;
            // Queued transactions of this sender that are now ready follow, a block each.
            self.mine_ready(&mut inner);
            drop(inner);
            self.announce(block);
            return Ok(hash);
        }
        inner.pool.add(tx).map_err(|e| match e {
            PoolError::AlreadyKnown => NodeError::InvalidTransaction("already known".to_owned()),
            PoolError::ReplacementUnderpriced => {
                NodeError::InvalidTransaction("replacement transaction underpriced".to_owned())
            }
        })?;
        drop(inner);
        let _ = self.new_pending.send(hash);
        Ok(hash)
    }

    /// Automine: mines pool transactions that became ready, one block each.
    fn mine_ready(&self, inner: &mut Inner) {
        loop {
            let ready = {
                let state = &inner.state;
                inner.pool.ready(|a| state.nonce(a))
            };
            let Some(tx) = ready.into_iter().next() else {
                return;
            };
            let hash = *tx.inner().tx_hash();
            inner.pool.remove(&hash);
            match self.mine_locked(inner, vec![tx], None, true) {
                Ok(block) => self.announce(block),
                Err(e) => tracing::warn!(%hash, error = %e, "dropped a queued transaction"),
            }
        }
    }

    /// Mines one block with every ready pool transaction (up to the gas limit).
    pub fn mine(&self, timestamp: Option<u64>) -> Result<Arc<MinedBlock>> {
        let mut inner = self.inner.write();
        let ready = {
            let state = &inner.state;
            inner.pool.ready(|a| state.nonce(a))
        };
        let block = self.mine_locked(&mut inner, ready, timestamp, false)?;
        let state = inner.state.clone();
        inner.pool.prune(|a| state.nonce(a));
        drop(inner);
        self.announce(block.clone());
        Ok(block)
    }

    fn announce(&self, block: Arc<MinedBlock>) {
        let _ = self.new_blocks.send(block);
    }

    /// Executes `txs` in a new block on top of the head and appends it. With `strict`, a
    /// transaction refused at execution fails the whole block (nothing is appended); otherwise
    /// refused ones are dropped from the pool and the block goes on without them.
    fn mine_locked(
        &self,
        inner: &mut Inner,
        txs: Vec<Recovered<TxEnvelope>>,
        timestamp: Option<u64>,
        strict: bool,
    ) -> Result<Arc<MinedBlock>> {
        if let Some(t) = timestamp {
            inner.clock.set_next(t).map_err(NodeError::InvalidParams)?;
        }
        let context = self.next_block_context(inner);
        let parent_hash = inner.chain.latest().hash();
        let cfg = self.rules.cfg();
        let env = context.env();
        let mut state = inner.state.clone();
        let mut included: Vec<(Recovered<TxEnvelope>, ReceiptEnvelope, u64)> = Vec::new();
        let mut touched: HashMap<Address, Touched> = HashMap::new();
        let mut cumulative = 0u64;
        for tx in txs {
            let hash = *tx.inner().tx_hash();
            if cumulative + tx.inner().gas_limit() > context.gas_limit {
                // Does not fit: it stays in the pool for a later block.
                continue;
            }
            let db = StateDb {
                state: &state,
                block_hashes: inner.chain.hashes(),
                first_block: 0,
            };
            let outcome = match executor::execute(
                db,
                cfg.clone(),
                env.clone(),
                executor::tx_env(&tx),
            ) {
                Ok(outcome) => outcome,
                Err(e) if strict => return Err(e),
                Err(e) => {
                    tracing::warn!(%hash, error = %e, "dropped a transaction that cannot execute");
                    inner.pool.remove(&hash);
                    continue;
                }
            };
            inner.pool.remove(&hash);
            for (address, account) in outcome.state.iter().filter(|(_, a)| a.is_touched()) {
                let what = if account.is_created() || account.is_selfdestructed() {
                    Touched::All
                } else {
                    Touched::Slots(account.changed_storage_slots().map(|(slot, _)| *slot).collect())
                };
                match touched.get_mut(address) {
                    Some(existing) => existing.merge(what),
                    None => {
                        touched.insert(*address, what);
                    }
                }
            }
            state.commit(outcome.state);
            let gas_used = outcome.result.tx_gas_used();
            cumulative += gas_used;
            let receipt = Receipt {
                status: outcome.result.is_success().into(),
                cumulative_gas_used: cumulative,
                logs: outcome.result.into_logs(),
            };
            let logs_bloom = receipt.bloom_slow();
            let envelope = ReceiptEnvelope::from_typed(
                tx.inner().tx_type(),
                ReceiptWithBloom {
                    receipt,
                    logs_bloom,
                },
            );
            included.push((tx, envelope, gas_used));
        }
        let transactions: Vec<&TxEnvelope> = included.iter().map(|(tx, _, _)| tx.inner()).collect();
        let receipts: Vec<&ReceiptEnvelope> = included.iter().map(|(_, r, _)| r).collect();
        let logs_bloom = receipts
            .iter()
            .fold(Bloom::ZERO, |acc, r| acc | r.logs_bloom());
        let roots = match inner.roots.as_mut() {
            Some(roots) => roots,
            None => inner.roots.insert(StateRoots::build(&inner.state)),
        };
        let state_root = roots.update(&state, &touched);
        let header = Header {
            parent_hash,
            ommers_hash: alloy_consensus::EMPTY_OMMER_ROOT_HASH,
            beneficiary: context.beneficiary,
            state_root,
            transactions_root: proofs::calculate_transaction_root(&transactions),
            receipts_root: proofs::calculate_receipt_root(&receipts),
            logs_bloom,
            difficulty: U256::ZERO,
            number: context.number,
            gas_limit: context.gas_limit,
            gas_used: cumulative,
            timestamp: context.timestamp,
            extra_data: Bytes::from_static(b"poco"),
            mix_hash: context.prevrandao,
            nonce: B64::ZERO,
            base_fee_per_gas: Some(context.base_fee),
            withdrawals_root: Some(EMPTY_ROOT_HASH),
            blob_gas_used: Some(0),
            excess_blob_gas: Some(0),
            parent_beacon_block_root: Some(B256::ZERO),
            requests_hash: Some(EMPTY_REQUESTS_HASH),
            ..Default::default()
        };
        let block = Arc::new(seal(header, included));
        inner.base_fee = calc_next_block_base_fee(
            cumulative,
            context.gas_limit,
            context.base_fee,
            BaseFeeParams::ethereum(),
        );
        inner.clock.mined(context.timestamp);
        inner.state = state.clone();
        inner.history.push_back((context.number, state));
        while inner.history.len() > self.state_history {
            inner.history.pop_front();
        }
        inner.chain.push(block.clone());
        Ok(block)
    }

    // ---- dev methods ----

    /// evm_setAutomine. Turning it on mines what is ready.
    pub fn set_automine(&self, on: bool) {
        let mut inner = self.inner.write();
        inner.automine = on;
        if on {
            self.mine_ready(&mut inner);
        }
    }

    /// evm_snapshot: an id to revert to.
    pub fn snapshot(&self) -> u64 {
        let mut inner = self.inner.write();
        let id = inner.next_snapshot;
        inner.next_snapshot += 1;
        let snapshot = Snapshot {
            head: inner.chain.head(),
            state: inner.state.clone(),
            history: inner.history.clone(),
            pool: inner.pool.clone(),
            clock: inner.clock.clone(),
            base_fee: inner.base_fee,
        };
        inner.snapshots.insert(id, snapshot);
        id
    }

    /// evm_revert: back to snapshot `id`, which is used up together with every later one.
    pub fn revert(&self, id: u64) -> bool {
        let mut inner = self.inner.write();
        let Some(snapshot) = inner.snapshots.remove(&id) else {
            return false;
        };
        inner.snapshots.retain(|k, _| *k < id);
        inner.chain.truncate(snapshot.head);
        inner.state = snapshot.state;
        inner.history = snapshot.history;
        inner.pool = snapshot.pool;
        inner.clock = snapshot.clock;
        inner.base_fee = snapshot.base_fee;
        inner.roots = None;
        true
    }

    /// evm_increaseTime: returns the total offset from wall time, in seconds.
    pub fn increase_time(&self, seconds: u64) -> i64 {
        self.inner.write().clock.increase(seconds)
    }

    /// evm_setNextBlockTimestamp.
    pub fn set_next_timestamp(&self, timestamp: u64) -> Result<()> {
        self.inner
            .write()
            .clock
            .set_next(timestamp)
            .map_err(NodeError::InvalidParams)
    }

    /// Edits the newest state in place (setBalance, setCode, setNonce, setStorageAt, loadState).
    pub fn edit_state(&self, edit: impl FnOnce(&mut WorldState)) {
        let mut inner = self.inner.write();
        edit(&mut inner.state);
        inner.roots = None;
        let state = inner.state.clone();
        if let Some(back) = inner.history.back_mut() {
            back.1 = state;
        }
    }

    /// anvil_impersonateAccount / stop.
    pub fn impersonate(&self, address: Address, on: bool) {
        let mut inner = self.inner.write();
        if on {
            inner.impersonated.insert(address);
        } else {
            inner.impersonated.remove(&address);
        }
    }

    /// Sets the fee recipient of later blocks.
    pub fn set_coinbase(&self, address: Address) {
        self.inner.write().coinbase = address;
    }

    /// Sets the base fee of the next block.
    pub fn set_next_base_fee(&self, base_fee: u64) {
        self.inner.write().base_fee = base_fee;
    }

    /// The newest state, serializable.
    pub fn dump_state(&self) -> StateDump {
        self.inner.read().state.dump()
    }
}

/// Result of eth_feeHistory.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeeHistory {
    /// First block of the window.
    #[serde(with = "alloy_serde_compat::quantity")]
    pub oldest_block: u64,
    /// Base fee per block, plus the next block's.
    #[serde(with = "alloy_serde_compat::quantity_vec")]
    pub base_fee_per_gas: Vec<u128>,
    /// gasUsed / gasLimit per block.
    pub gas_used_ratio: Vec<f64>,
    /// Tips at the requested percentiles, per block.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        with = "alloy_serde_compat::quantity_matrix"
    )]
    pub reward: Vec<Vec<u128>>,
}

/// Hex quantity encoders for the fee history.
mod alloy_serde_compat {
    pub(super) mod quantity {
        pub(crate) fn serialize<S: serde::Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&format!("{v:#x}"))
        }
    }
    pub(super) mod quantity_vec {
        use serde::ser::SerializeSeq;
        pub(crate) fn serialize<S: serde::Serializer>(v: &[u128], s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(v.len()))?;
            for x in v {
                seq.serialize_element(&format!("{x:#x}"))?;
            }
            seq.end()
        }
    }
    pub(super) mod quantity_matrix {
        use serde::ser::SerializeSeq;
        pub(crate) fn serialize<S: serde::Serializer>(
            v: &[Vec<u128>],
            s: S,
        ) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(v.len()))?;
            for row in v {
                let row: Vec<String> = row.iter().map(|x| format!("{x:#x}")).collect();
                seq.serialize_element(&row)?;
            }
            seq.end()
        }
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

/// Builds a mined block from its header and executed transactions: hash, size, RPC receipts and
/// logs with their positions.
fn seal(
    header: Header,
    executed: Vec<(Recovered<TxEnvelope>, ReceiptEnvelope, u64)>,
) -> MinedBlock {
    let hash = header.hash_slow();
    let number = header.number;
    let timestamp = header.timestamp;
    let base_fee = header.base_fee_per_gas;
    let size = alloy_rlp::Encodable::length(&header)
        + executed
            .iter()
            .map(|(t, _, _)| t.inner().encode_2718_len())
            .sum::<usize>()
        + 8;
    let mut transactions = Vec::with_capacity(executed.len());
    let mut receipts = Vec::with_capacity(executed.len());
    let mut log_index = 0u64;
    for (index, (tx, receipt, gas_used)) in executed.into_iter().enumerate() {
        let tx_hash = *tx.inner().tx_hash();
        let effective_gas_price = tx.inner().effective_gas_price(base_fee);
        let from = tx.signer();
        let to = tx.inner().to();
        let contract_address = to.is_none().then(|| from.create(tx.inner().nonce()));
        let index = index as u64;
        let rpc_receipt = receipt.map_logs(|inner| {
            let log = Log {
                inner,
                block_hash: Some(hash),
                block_number: Some(number),
                block_timestamp: Some(timestamp),
                transaction_hash: Some(tx_hash),
                transaction_index: Some(index),
                log_index: Some(log_index),
                removed: false,
            };
            log_index += 1;
            log
        });
        receipts.push(TransactionReceipt {
            inner: rpc_receipt,
            transaction_hash: tx_hash,
            transaction_index: Some(index),
            block_hash: Some(hash),
            block_number: Some(number),
            gas_used,
            effective_gas_price,
            blob_gas_used: None,
            blob_gas_price: None,
            from,
            to,
            contract_address,
        });
        transactions.push(Transaction {
            inner: tx,
            block_hash: Some(hash),
            block_number: Some(number),
            transaction_index: Some(index),
            effective_gas_price: Some(effective_gas_price),
            block_timestamp: Some(timestamp),
        });
    }
    let header = alloy_rpc_types_eth::Header {
        hash,
        inner: header,
        total_difficulty: Some(U256::ZERO),
        size: Some(U256::from(size)),
    };
    MinedBlock {
        header,
        transactions,
        receipts,
    }
}

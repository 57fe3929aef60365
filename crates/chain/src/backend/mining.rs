//! Mining: executing transactions into a new block, receipts, tries and the header.

use super::*;

impl Backend {
    /// Automine: mines pool transactions that became ready, one block each.
    pub(super) fn mine_ready(&self, inner: &mut Inner) {
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

    /// A number that changes whenever the chain or its state changes.
    pub fn revision(&self) -> u64 {
        self.revision.load(std::sync::atomic::Ordering::Acquire)
    }

    pub(super) fn changed(&self) {
        self.revision
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    pub(super) fn announce(&self, block: Arc<MinedBlock>) {
        self.changed();
        let _ = self.new_blocks.send(block);
    }

    /// Executes `txs` in a new block on top of the head and appends it. With `strict`, a
    /// transaction refused at execution fails the whole block (nothing is appended); otherwise
    /// refused ones are dropped from the pool and the block goes on without them.
    pub(super) fn mine_locked(
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
                    Touched::Slots(
                        account
                            .changed_storage_slots()
                            .map(|(slot, _)| *slot)
                            .collect(),
                    )
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
}

/// Builds a mined block from its header and executed transactions: hash, size, RPC receipts and
/// logs with their positions.
pub(super) fn seal(
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

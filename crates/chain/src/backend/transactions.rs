//! Transaction intake: raw and node-signed transactions, the checks made before execution,
//! and automining or pooling.

use super::*;

impl Backend {
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
}

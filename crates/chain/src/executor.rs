//! Execution on revm: block and transaction environments, running a transaction against a
//! state, gas estimation, and decoding what a revert says.

use crate::{
    error::NodeError,
    state::{StateDb, WorldState},
};
use alloy_consensus::{Transaction as _, TxEnvelope, transaction::Recovered};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::{Panic, Revert, SolError};
use revm::{
    Context, ExecuteEvm, MainBuilder, MainContext,
    context::{BlockEnv, CfgEnv, TxEnv},
    context_interface::result::{
        EVMError, ExecResultAndState, ExecutionResult, HaltReason, InvalidTransaction,
    },
    primitives::{eip4844::BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE, hardfork::SpecId},
    state::EvmState,
};
use std::str::FromStr;

/// Gas of a plain value transfer, the least any transaction costs.
pub const MIN_TRANSACTION_GAS: u64 = 21_000;

/// What a block looks like to the EVM.
#[derive(Clone, Copy, Debug)]
pub struct BlockContext {
    /// Block number.
    pub number: u64,
    /// Block timestamp (seconds).
    pub timestamp: u64,
    /// Fee recipient.
    pub beneficiary: Address,
    /// Block gas limit.
    pub gas_limit: u64,
    /// Base fee in wei.
    pub base_fee: u64,
    /// PREVRANDAO value.
    pub prevrandao: B256,
}

impl BlockContext {
    /// revm's block environment.
    pub fn env(&self) -> BlockEnv {
        let mut env = BlockEnv {
            number: U256::from(self.number),
            beneficiary: self.beneficiary,
            timestamp: U256::from(self.timestamp),
            gas_limit: self.gas_limit,
            basefee: self.base_fee,
            difficulty: U256::ZERO,
            prevrandao: Some(self.prevrandao),
            ..Default::default()
        };
        env.set_blob_excess_gas_and_price(0, BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE);
        env
    }
}

/// The chain-wide execution rules.
#[derive(Clone, Debug)]
pub struct Rules {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Hardfork.
    pub spec: SpecId,
}

impl Rules {
    /// revm's configuration for real transactions.
    pub fn cfg(&self) -> CfgEnv {
        let mut cfg = CfgEnv::new_with_spec(self.spec);
        cfg.chain_id = self.chain_id;
        // Pre-EIP-155 transactions (no chain id) are accepted, as anvil does: deterministic
        // deployment proxies rely on them.
        cfg.tx_chain_id_check = true;
        cfg
    }

    /// revm's configuration for eth_call and eth_estimateGas: no nonce check, and no fee
    /// checks when the caller gave no gas price (as geth does).
    pub fn call_cfg(&self, priced: bool, gas_cap: u64) -> CfgEnv {
        let mut cfg = self.cfg();
        cfg.disable_nonce_check = true;
        cfg.tx_gas_limit_cap = Some(gas_cap);
        if !priced {
            cfg.disable_base_fee = true;
            cfg.disable_fee_charge = true;
            cfg.disable_balance_check = true;
        }
        cfg
    }
}

/// What a transaction did: its result and the state it changed (not yet committed).
pub type Outcome = ExecResultAndState<ExecutionResult, EvmState>;

/// Runs `tx` against `db` in `block`, without committing anything.
pub fn execute(
    db: StateDb<'_>,
    cfg: CfgEnv,
    block: BlockEnv,
    tx: TxEnv,
) -> Result<Outcome, NodeError> {
    let mut evm = Context::mainnet()
        .with_ref_db(db)
        .with_cfg(cfg)
        .with_block(block)
        .build_mainnet();
    evm.transact(tx).map_err(|e| match e {
        EVMError::Transaction(invalid) => NodeError::InvalidTransaction(describe_invalid(&invalid)),
        EVMError::Header(h) => NodeError::Internal(format!("invalid block header: {h}")),
        EVMError::Database(never) => match never {},
        EVMError::Custom(msg) => NodeError::Internal(msg),
        EVMError::CustomAny(any) => NodeError::Internal(any.to_string()),
    })
}

/// The environment of a signed transaction.
pub fn tx_env(tx: &Recovered<TxEnvelope>) -> TxEnv {
    let inner = tx.inner();
    let mut env = TxEnv {
        tx_type: inner.tx_type() as u8,
        caller: tx.signer(),
        gas_limit: inner.gas_limit(),
        kind: inner.kind(),
        value: inner.value(),
        data: inner.input().clone(),
        nonce: inner.nonce(),
        chain_id: inner.chain_id(),
        access_list: inner.access_list().cloned().unwrap_or_default(),
        ..Default::default()
    };
    if inner.is_dynamic_fee() {
        env.gas_price = inner.max_fee_per_gas();
        env.gas_priority_fee = inner.max_priority_fee_per_gas();
    } else {
        env.gas_price = inner.gas_price().unwrap_or_default();
    }
    if let Some(list) = inner.authorization_list() {
        env.set_signed_authorization(list.to_vec());
    }
    env
}

/// The environment of an eth_call / eth_estimateGas request, and whether it carries a price.
pub fn call_env(
    request: &TransactionRequest,
    chain_id: u64,
    gas: u64,
    base_fee: u64,
) -> (TxEnv, bool) {
    let priced = request.gas_price.is_some() || request.max_fee_per_gas.is_some();
    let mut env = TxEnv {
        caller: request.from.unwrap_or_default(),
        gas_limit: request.gas.unwrap_or(gas),
        kind: request.to.unwrap_or(TxKind::Create),
        value: request.value.unwrap_or_default(),
        data: request.input.input().cloned().unwrap_or_default(),
        nonce: request.nonce.unwrap_or_default(),
        chain_id: Some(chain_id),
        access_list: request.access_list.clone().unwrap_or_default(),
        ..Default::default()
    };
    if let Some(max_fee) = request.max_fee_per_gas {
        env.tx_type = 2;
        env.gas_price = max_fee;
        env.gas_priority_fee = Some(request.max_priority_fee_per_gas.unwrap_or_default());
    } else if let Some(price) = request.gas_price {
        env.gas_price = price;
    } else if request.max_priority_fee_per_gas.is_some() {
        env.tx_type = 2;
        env.gas_price = u128::from(base_fee);
        env.gas_priority_fee = request.max_priority_fee_per_gas;
    }
    if request.access_list.is_some() && env.tx_type == 0 {
        env.tx_type = 1;
    }
    if let Some(list) = &request.authorization_list {
        env.tx_type = 4;
        env.set_signed_authorization(list.clone());
    }
    (env, priced)
}

/// Runs a call and returns its output, or the revert as an error.
pub fn call(
    state: &WorldState,
    block_hashes: (&[B256], u64),
    rules: &Rules,
    block: &BlockContext,
    request: &TransactionRequest,
) -> Result<Bytes, NodeError> {
    let (env, priced) = call_env(request, rules.chain_id, block.gas_limit, block.base_fee);
    let cfg = rules.call_cfg(priced, block.gas_limit.max(env.gas_limit));
    let outcome = execute(
        StateDb {
            state,
            block_hashes: block_hashes.0,
            first_block: block_hashes.1,
        },
        cfg,
        block.env(),
        env,
    )?;
    match outcome.result {
        ExecutionResult::Success { output, .. } => Ok(output.into_data()),
        ExecutionResult::Revert { output, .. } => Err(NodeError::reverted(output)),
        ExecutionResult::Halt { reason, .. } => Err(halted(&reason, None)),
    }
}

/// The error of a halted call. A top-level `OutOfFunds` can only be the transferred value
/// exceeding the balance (inner calls fail softly), which geth words as below.
fn halted(reason: &HaltReason, gas: Option<u64>) -> NodeError {
    match reason {
        HaltReason::OutOfFunds => {
            NodeError::InvalidTransaction("insufficient funds for transfer".to_owned())
        }
        HaltReason::OutOfGas(_) => match gas {
            Some(gas) => NodeError::Halted(format!(
                "out of gas: gas required exceeds allowance ({gas})"
            )),
            None => NodeError::Halted("out of gas".to_owned()),
        },
        other => NodeError::Halted(format!("{other:?}")),
    }
}

/// Finds the least gas limit with which `request` succeeds, by binary search as geth does.
pub fn estimate_gas(
    state: &WorldState,
    block_hashes: (&[B256], u64),
    rules: &Rules,
    block: &BlockContext,
    request: &TransactionRequest,
) -> Result<u64, NodeError> {
    let (env, priced) = call_env(request, rules.chain_id, block.gas_limit, block.base_fee);
    let mut cap = request.gas.unwrap_or(block.gas_limit);
    if priced && env.gas_price > 0 {
        // The sender cannot pay for more gas than its balance covers.
        let balance = state.balance(&env.caller).saturating_sub(env.value);
        let affordable = balance / U256::from(env.gas_price);
        cap = cap.min(u64::try_from(affordable).unwrap_or(u64::MAX));
    }
    if env.value > state.balance(&env.caller) {
        return Err(NodeError::InvalidTransaction(
            "insufficient funds for transfer".to_owned(),
        ));
    }
    // A plain transfer to an account without code costs exactly the intrinsic gas.
    if let TxKind::Call(to) = env.kind
        && env.data.is_empty()
        && env.access_list.is_empty()
        && env.authorization_list.is_empty()
        && state.code(&to).is_empty()
        && cap >= MIN_TRANSACTION_GAS
    {
        return Ok(MIN_TRANSACTION_GAS);
    }
    let db = StateDb {
        state,
        block_hashes: block_hashes.0,
        first_block: block_hashes.1,
    };
    let run = |gas: u64| -> Result<ExecutionResult, NodeError> {
        let mut env = env.clone();
        env.gas_limit = gas;
        let cfg = rules.call_cfg(priced, gas.max(block.gas_limit));
        execute(db, cfg, block.env(), env).map(|o| o.result)
    };
    // First at the cap: if it fails there, it fails everywhere, and the error says why.
    let first = run(cap)?;
    let used = match first {
        ExecutionResult::Success { gas, .. } => gas.tx_gas_used(),
        ExecutionResult::Revert { output, .. } => return Err(NodeError::reverted(output)),
        ExecutionResult::Halt { reason, .. } => return Err(halted(&reason, Some(cap))),
    };
    let succeeds = |gas: u64| -> Result<bool, NodeError> {
        match run(gas) {
            Ok(ExecutionResult::Success { .. }) => Ok(true),
            Ok(_) => Ok(false),
            // Too little gas for the intrinsic cost or the calldata floor: not enough.
            Err(NodeError::InvalidTransaction(_)) => Ok(false),
            Err(other) => Err(other),
        }
    };
    let mut lo = used.saturating_sub(1).max(MIN_TRANSACTION_GAS - 1);
    let mut hi = cap;
    // Most calls need only a little more than they used (refunds, the 63/64 rule): try that first.
    let optimistic = (used.saturating_add(used / 63).saturating_add(3_000)).min(hi);
    if optimistic < hi {
        if succeeds(optimistic)? {
            hi = optimistic;
        } else {
            lo = optimistic;
        }
    }
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        if succeeds(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(hi)
}

/// The hardfork named `name` ("osaka", "Prague", "cancun"...).
pub fn parse_hardfork(name: &str) -> Option<SpecId> {
    SpecId::from_str(&name.to_lowercase()).ok().or_else(|| {
        // revm spells its names in camel case ("Prague"); accept any case.
        let mut chars = name.chars();
        let capitalized: String = chars
            .next()
            .map(|c| {
                c.to_uppercase()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect()
            })
            .unwrap_or_default();
        SpecId::from_str(&capitalized).ok()
    })
}

/// A revert's reason, decoded from `Error(string)` or `Panic(uint256)` when it is one of those.
pub fn revert_reason(output: &[u8]) -> Option<String> {
    if let Ok(revert) = Revert::abi_decode(output) {
        return Some(revert.reason);
    }
    if let Ok(panic) = Panic::abi_decode(output) {
        let code = panic.code;
        let what = panic
            .kind()
            .map(|k| k.as_str().to_owned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        return Some(format!("panic: {what} ({code:#x})"));
    }
    None
}

/// A geth-style message for a transaction revm refused to execute.
pub fn describe_invalid(invalid: &InvalidTransaction) -> String {
    match invalid {
        InvalidTransaction::NonceTooLow { tx, state } => {
            format!("nonce too low: next nonce {state}, tx nonce {tx}")
        }
        InvalidTransaction::NonceTooHigh { tx, state } => {
            format!("nonce too high: next nonce {state}, tx nonce {tx}")
        }
        InvalidTransaction::LackOfFundForMaxFee { fee, balance } => {
            format!("insufficient funds for gas * price + value: have {balance} want {fee}")
        }
        InvalidTransaction::CallGasCostMoreThanGasLimit {
            initial_gas,
            gas_limit,
        } => {
            format!("intrinsic gas too low: gas {gas_limit}, minimum needed {initial_gas}")
        }
        InvalidTransaction::GasFloorMoreThanGasLimit {
            gas_floor,
            gas_limit,
        } => {
            format!("intrinsic gas too low: gas {gas_limit}, calldata floor {gas_floor} (EIP-7623)")
        }
        InvalidTransaction::GasPriceLessThanBasefee => {
            "max fee per gas less than block base fee".to_owned()
        }
        InvalidTransaction::CallerGasLimitMoreThanBlock => "exceeds block gas limit".to_owned(),
        InvalidTransaction::TxGasLimitGreaterThanCap { gas_limit, cap } => {
            format!("gas limit {gas_limit} exceeds the per-transaction cap of {cap} (EIP-7825)")
        }
        InvalidTransaction::InvalidChainId => "invalid chain id for signer".to_owned(),
        InvalidTransaction::RejectCallerWithCode => "sender not an eoa".to_owned(),
        InvalidTransaction::PriorityFeeGreaterThanMaxFee => {
            "max priority fee per gas higher than max fee per gas".to_owned()
        }
        InvalidTransaction::CreateInitCodeSizeLimit => "max initcode size exceeded".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::hex;

    #[test]
    fn decodes_error_string_reverts() {
        let data = Revert::from("boom").abi_encode();
        assert_eq!(revert_reason(&data).as_deref(), Some("boom"));
    }

    #[test]
    fn decodes_panics() {
        let data = hex!("4e487b710000000000000000000000000000000000000000000000000000000000000011");
        assert_eq!(
            revert_reason(&data).as_deref(),
            Some("panic: arithmetic underflow or overflow (0x11)")
        );
    }

    #[test]
    fn leaves_custom_errors_undecoded() {
        assert_eq!(revert_reason(&hex!("deadbeef")), None);
    }
}

//! The method table: standard `eth_*`, `net_*`, `web3_*`, and the dev methods under their
//! `evm_*`, `anvil_*` and `hardhat_*` names.

use super::{Params, Rpc, RpcError};
use crate::{NodeError, backend::DEFAULT_PRIORITY_FEE, state::StateDump};
use alloy_dyn_abi::TypedData;
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, B256, Bytes, U64, U256, hex, keccak256};
use alloy_rpc_types_eth::{Filter, TransactionRequest};
use alloy_signer::SignerSync;
use serde::Serialize;
use serde_json::{Value, json};
use std::time::Duration;

type MethodResult = Result<Value, RpcError>;

fn to_json<T: Serialize>(value: T) -> MethodResult {
    serde_json::to_value(value).map_err(|e| RpcError::internal(e.to_string()))
}

fn quantity(n: u64) -> Value {
    Value::String(format!("{n:#x}"))
}

/// A number given as a JSON number, a hex quantity or a decimal string.
fn flexible_u64(params: &Params, index: usize, name: &str) -> Result<Option<u64>, RpcError> {
    let bad = || {
        RpcError::invalid_params(format!(
            "invalid argument {index} ({name}): expected a number or a hex quantity"
        ))
    };
    match params.raw(index) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(bad),
        Some(Value::String(s)) => match s.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).map(Some).map_err(|_| bad()),
            None => s.parse().map(Some).map_err(|_| bad()),
        },
        Some(_) => Err(bad()),
    }
}

/// A message to sign: hex bytes, or (as MetaMask allows) plain text.
fn message_bytes(params: &Params, index: usize) -> Result<Vec<u8>, RpcError> {
    let text: String = params.required(index, "message")?;
    match text.strip_prefix("0x") {
        Some(digits) => hex::decode(digits).map_err(|e| {
            RpcError::invalid_params(format!("invalid argument {index} (message): {e}"))
        }),
        None => Ok(text.into_bytes()),
    }
}

impl Rpc {
    /// Runs `method` with `params`.
    pub fn dispatch(&self, method: &str, params: &Params) -> MethodResult {
        let b = &self.backend;
        let block_or_latest = |i: usize| -> Result<BlockId, RpcError> {
            Ok(params
                .optional::<BlockId>(i, "block")?
                .unwrap_or(BlockId::latest()))
        };
        match method {
            // ---- node identity ----
            "web3_clientVersion" => Ok(json!(format!(
                "poco-chain/v{}/{}/rust",
                env!("CARGO_PKG_VERSION"),
                std::env::consts::OS
            ))),
            "web3_sha3" => Ok(json!(keccak256(params.required::<Bytes>(0, "data")?))),
            "net_version" => Ok(json!(b.chain_id().to_string())),
            "net_listening" => Ok(json!(true)),
            "net_peerCount" => Ok(quantity(0)),
            "eth_chainId" => Ok(quantity(b.chain_id())),
            "eth_protocolVersion" => Ok(json!("0x41")),
            "eth_syncing" => Ok(json!(false)),
            "eth_mining" => Ok(json!(b.automine() || self.interval.borrow().is_some())),
            "eth_hashrate" => Ok(quantity(0)),
            "eth_coinbase" => Ok(json!(Address::ZERO)),
            "eth_accounts" => to_json(b.accounts()),

            // ---- state ----
            "eth_blockNumber" => Ok(quantity(b.head())),
            "eth_getBalance" => {
                let address: Address = params.at_most(2)?.required(0, "address")?;
                to_json(b.state_at(block_or_latest(1)?)?.balance(&address))
            }
            "eth_getTransactionCount" => {
                let address: Address = params.at_most(2)?.required(0, "address")?;
                Ok(quantity(b.nonce(address, block_or_latest(1)?)?))
            }
            "eth_getCode" => {
                let address: Address = params.at_most(2)?.required(0, "address")?;
                to_json(b.state_at(block_or_latest(1)?)?.code(&address))
            }
            "eth_getStorageAt" => {
                let address: Address = params.at_most(3)?.required(0, "address")?;
                let slot: U256 = params.required(1, "slot")?;
                to_json(B256::from(
                    b.state_at(block_or_latest(2)?)?.storage(&address, slot),
                ))
            }
            "eth_call" => {
                let request: TransactionRequest = params.required(0, "transaction")?;
                if params.optional::<Value>(2, "stateOverrides")?.is_some() {
                    return Err(RpcError::invalid_params(
                        "state overrides are not supported by poco chain",
                    ));
                }
                to_json(b.call(&request, block_or_latest(1)?)?)
            }
            "eth_estimateGas" => {
                let request: TransactionRequest = params.required(0, "transaction")?;
                Ok(quantity(b.estimate_gas(&request, block_or_latest(1)?)?))
            }

            // ---- fees ----
            "eth_gasPrice" => to_json(U256::from(
                u128::from(b.next_base_fee()) + DEFAULT_PRIORITY_FEE,
            )),
            "eth_maxPriorityFeePerGas" => to_json(U256::from(DEFAULT_PRIORITY_FEE)),
            "eth_blobBaseFee" => Ok(quantity(1)),
            "eth_feeHistory" => {
                let count = flexible_u64(params, 0, "blockCount")?.ok_or_else(|| {
                    RpcError::invalid_params("missing value for required argument 0 (blockCount)")
                })?;
                let newest: BlockId = params.required(1, "newestBlock")?;
                let percentiles: Vec<f64> =
                    params.optional(2, "rewardPercentiles")?.unwrap_or_default();
                if percentiles.windows(2).any(|w| w[0] > w[1])
                    || percentiles.iter().any(|p| !(0.0..=100.0).contains(p))
                {
                    return Err(RpcError::invalid_params(
                        "rewardPercentiles must be ascending values between 0 and 100",
                    ));
                }
                to_json(b.fee_history(count, newest, &percentiles)?)
            }

            // ---- transactions ----
            "eth_sendRawTransaction" => {
                let raw: Bytes = params.at_most(1)?.required(0, "data")?;
                to_json(b.send_raw_transaction(&raw)?)
            }
            "eth_sendTransaction" => {
                to_json(b.send_transaction(params.at_most(1)?.required(0, "transaction")?)?)
            }
            "eth_signTransaction" => {
                to_json(b.sign_transaction(params.at_most(1)?.required(0, "transaction")?)?)
            }
            "eth_sign" => {
                let address: Address = params.required(0, "address")?;
                let message = message_bytes(params, 1)?;
                self.sign_message(address, &message)
            }
            "personal_sign" => {
                let message = message_bytes(params, 0)?;
                let address: Address = params.required(1, "address")?;
                self.sign_message(address, &message)
            }
            "eth_signTypedData_v4" | "eth_signTypedData" => {
                let address: Address = params.required(0, "address")?;
                let typed: TypedData = match params.required::<Value>(1, "typedData")? {
                    Value::String(text) => serde_json::from_str(&text).map_err(|e| {
                        RpcError::invalid_params(format!("invalid argument 1 (typedData): {e}"))
                    })?,
                    value => serde_json::from_value(value).map_err(|e| {
                        RpcError::invalid_params(format!("invalid argument 1 (typedData): {e}"))
                    })?,
                };
                let hash = typed.eip712_signing_hash().map_err(|e| {
                    RpcError::invalid_params(format!("invalid argument 1 (typedData): {e}"))
                })?;
                let signature = b
                    .signer(&address)?
                    .sign_hash_sync(&hash)
                    .map_err(|e| RpcError::internal(e.to_string()))?;
                to_json(Bytes::from(signature.as_bytes().to_vec()))
            }
            "eth_getTransactionByHash" => to_json(b.transaction(&params.required(0, "hash")?)),
            "eth_getTransactionReceipt" => to_json(b.receipt(&params.required(0, "hash")?)),
            "eth_getTransactionByBlockHashAndIndex" => {
                let hash: B256 = params.required(0, "blockHash")?;
                let index: U64 = params.required(1, "index")?;
                to_json(
                    b.block_by_hash(&hash)
                        .and_then(|block| block.transactions.get(index.to::<usize>()).cloned()),
                )
            }
            "eth_getTransactionByBlockNumberAndIndex" => {
                let tag: BlockNumberOrTag = params.required(0, "block")?;
                let index: U64 = params.required(1, "index")?;
                to_json(
                    b.block(tag.into())?
                        .and_then(|block| block.transactions.get(index.to::<usize>()).cloned()),
                )
            }
            "eth_getBlockReceipts" => {
                let id: BlockId = params.required(0, "block")?;
                to_json(b.block(id)?.map(|block| block.receipts.clone()))
            }
            "eth_pendingTransactions" => to_json(b.pending_transactions()),

            // ---- blocks ----
            "eth_getBlockByNumber" => {
                let tag: BlockNumberOrTag = params.at_most(2)?.required(0, "block")?;
                let full: bool = params.optional(1, "fullTransactions")?.unwrap_or(false);
                to_json(b.block(tag.into())?.map(|block| block.rpc(full)))
            }
            "eth_getBlockByHash" => {
                let hash: B256 = params.at_most(2)?.required(0, "hash")?;
                let full: bool = params.optional(1, "fullTransactions")?.unwrap_or(false);
                to_json(b.block_by_hash(&hash).map(|block| block.rpc(full)))
            }
            "eth_getBlockTransactionCountByNumber" => {
                let tag: BlockNumberOrTag = params.required(0, "block")?;
                Ok(b.block(tag.into())?
                    .map(|block| quantity(block.transactions.len() as u64))
                    .unwrap_or(Value::Null))
            }
            "eth_getBlockTransactionCountByHash" => {
                let hash: B256 = params.required(0, "hash")?;
                Ok(b.block_by_hash(&hash)
                    .map(|block| quantity(block.transactions.len() as u64))
                    .unwrap_or(Value::Null))
            }
            "eth_getUncleCountByBlockNumber" | "eth_getUncleCountByBlockHash" => Ok(quantity(0)),
            "eth_getUncleByBlockNumberAndIndex" | "eth_getUncleByBlockHashAndIndex" => {
                Ok(Value::Null)
            }

            // ---- logs and filters ----
            "eth_getLogs" => to_json(b.logs(&params.at_most(1)?.required::<Filter>(0, "filter")?)?),
            "eth_newFilter" => to_json(
                self.filters
                    .new_log_filter(b, params.required(0, "filter")?)?,
            ),
            "eth_newBlockFilter" => to_json(self.filters.new_block_filter(b)?),
            "eth_newPendingTransactionFilter" => to_json(self.filters.new_pending_filter(b)?),
            "eth_getFilterChanges" => {
                Ok(self.filters.changes(b, params.required(0, "filterId")?)?)
            }
            "eth_getFilterLogs" => to_json(self.filters.logs(b, params.required(0, "filterId")?)?),
            "eth_uninstallFilter" => {
                to_json(self.filters.uninstall(params.required(0, "filterId")?))
            }
            "eth_subscribe" | "eth_unsubscribe" => Err(RpcError::new(
                -32601,
                "notifications not supported over HTTP: connect with WebSocket on the same port",
            )),

            // ---- mining and time ----
            "evm_mine" => {
                // evm_mine(timestamp?) or evm_mine({timestamp, blocks}) as ganache accepts.
                let (timestamp, blocks) = match params.raw(0) {
                    Some(Value::Object(options)) => {
                        let p = Params::new(Some(json!([
                            options.get("timestamp"),
                            options.get("blocks")
                        ])))?;
                        (
                            flexible_u64(&p, 0, "timestamp")?,
                            flexible_u64(&p, 1, "blocks")?.unwrap_or(1),
                        )
                    }
                    _ => (flexible_u64(params, 0, "timestamp")?, 1),
                };
                self.mine_blocks(blocks, timestamp, 0)?;
                Ok(json!("0x0"))
            }
            "anvil_mine" | "hardhat_mine" => {
                let blocks = flexible_u64(params, 0, "blocks")?.unwrap_or(1);
                let interval = flexible_u64(params, 1, "interval")?.unwrap_or(0);
                self.mine_blocks(blocks, None, interval)?;
                Ok(Value::Null)
            }
            "evm_setAutomine" | "anvil_setAutomine" => {
                b.set_automine(params.required(0, "enabled")?);
                Ok(Value::Null)
            }
            "evm_setIntervalMining" | "anvil_setIntervalMining" => {
                let millis = flexible_u64(params, 0, "interval")?.unwrap_or(0);
                let interval = (millis > 0).then(|| Duration::from_millis(millis));
                if interval.is_some() {
                    b.set_automine(false);
                }
                self.interval.send_replace(interval);
                Ok(Value::Null)
            }
            "anvil_getAutomine" | "hardhat_getAutomine" => Ok(json!(b.automine())),
            "evm_increaseTime" | "anvil_increaseTime" => {
                let seconds = flexible_u64(params, 0, "seconds")?.ok_or_else(|| {
                    RpcError::invalid_params("missing value for required argument 0 (seconds)")
                })?;
                Ok(json!(b.increase_time(seconds)))
            }
            "evm_setNextBlockTimestamp" | "anvil_setNextBlockTimestamp" => {
                let timestamp = flexible_u64(params, 0, "timestamp")?.ok_or_else(|| {
                    RpcError::invalid_params("missing value for required argument 0 (timestamp)")
                })?;
                b.set_next_timestamp(timestamp)?;
                Ok(Value::Null)
            }
            "evm_snapshot" | "anvil_snapshot" => Ok(quantity(b.snapshot())),
            "evm_revert" | "anvil_revert" => {
                let id = flexible_u64(params, 0, "snapshotId")?.ok_or_else(|| {
                    RpcError::invalid_params("missing value for required argument 0 (snapshotId)")
                })?;
                Ok(json!(b.revert(id)))
            }

            // ---- state edits ----
            "anvil_setBalance" | "hardhat_setBalance" => {
                let address: Address = params.required(0, "address")?;
                let balance: U256 = params.required(1, "balance")?;
                b.edit_state(|s| s.set_balance(address, balance));
                Ok(Value::Null)
            }
            "anvil_setCode" | "hardhat_setCode" => {
                let address: Address = params.required(0, "address")?;
                let code: Bytes = params.required(1, "code")?;
                b.edit_state(|s| s.set_code(address, code));
                Ok(Value::Null)
            }
            "anvil_setNonce" | "hardhat_setNonce" => {
                let address: Address = params.required(0, "address")?;
                let nonce: U64 = params.required(1, "nonce")?;
                b.edit_state(|s| s.set_nonce(address, nonce.to()));
                Ok(Value::Null)
            }
            "anvil_setStorageAt" | "hardhat_setStorageAt" => {
                let address: Address = params.required(0, "address")?;
                let slot: U256 = params.required(1, "slot")?;
                let value: B256 = params.required(2, "value")?;
                b.edit_state(|s| s.set_storage(address, slot, value.into()));
                Ok(json!(true))
            }
            "anvil_impersonateAccount" | "hardhat_impersonateAccount" => {
                b.impersonate(params.required(0, "address")?, true);
                Ok(json!(true))
            }
            "anvil_stopImpersonatingAccount" | "hardhat_stopImpersonatingAccount" => {
                b.impersonate(params.required(0, "address")?, false);
                Ok(json!(true))
            }
            "anvil_setCoinbase" | "hardhat_setCoinbase" => {
                b.set_coinbase(params.required(0, "address")?);
                Ok(Value::Null)
            }
            "anvil_setNextBlockBaseFeePerGas" | "hardhat_setNextBlockBaseFeePerGas" => {
                let fee: U256 = params.required(0, "baseFee")?;
                let fee = u64::try_from(fee)
                    .map_err(|_| RpcError::invalid_params("baseFee does not fit in 64 bits"))?;
                b.set_next_base_fee(fee);
                Ok(Value::Null)
            }
            "anvil_dumpState" | "hardhat_dumpState" => {
                let json = serde_json::to_vec(&b.dump_state())
                    .map_err(|e| RpcError::internal(e.to_string()))?;
                to_json(Bytes::from(json))
            }
            "anvil_loadState" | "hardhat_loadState" => {
                let raw: Bytes = params.required(0, "state")?;
                let dump: StateDump = serde_json::from_slice(&raw).map_err(|e| {
                    RpcError::invalid_params(format!(
                        "invalid argument 0 (state): not a state from anvil_dumpState: {e}"
                    ))
                })?;
                b.edit_state(|s| s.load(&dump));
                Ok(json!(true))
            }
            _ => Err(RpcError::method_not_found(method)),
        }
    }

    fn sign_message(&self, address: Address, message: &[u8]) -> MethodResult {
        let signature = self
            .backend
            .signer(&address)?
            .sign_message_sync(message)
            .map_err(|e| RpcError::internal(e.to_string()))?;
        to_json(Bytes::from(signature.as_bytes().to_vec()))
    }

    /// Mines `blocks` blocks, the first at `timestamp` if given, `interval` seconds apart.
    fn mine_blocks(
        &self,
        blocks: u64,
        timestamp: Option<u64>,
        interval: u64,
    ) -> Result<(), NodeError> {
        if blocks > 100_000 {
            return Err(NodeError::InvalidParams(format!(
                "cannot mine {blocks} blocks at once (max 100000)"
            )));
        }
        let mut next = timestamp;
        for _ in 0..blocks {
            let block = self.backend.mine(next)?;
            next = (interval > 0).then(|| block.header.inner.timestamp + interval);
        }
        Ok(())
    }
}

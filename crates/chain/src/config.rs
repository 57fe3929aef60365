//! Node configuration: a plain struct with builder methods.

use crate::accounts::DEFAULT_MNEMONIC;
use alloy_primitives::U256;
use revm::primitives::hardfork::SpecId;
use std::{
    net::{IpAddr, Ipv4Addr},
    path::PathBuf,
    time::Duration,
};

/// 1 ether in wei.
const ETHER: u128 = 1_000_000_000_000_000_000;

/// Everything a node needs to start.
#[derive(Clone, Debug)]
pub struct ChainConfig {
    /// Interface to listen on.
    pub host: IpAddr,
    /// Port to listen on (0 picks a free one).
    pub port: u16,
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Mnemonic the dev accounts are derived from.
    pub mnemonic: String,
    /// How many dev accounts to derive and fund.
    pub accounts: usize,
    /// Balance of each dev account, in wei.
    pub balance: U256,
    /// `None`: a block per transaction; `Some(d)`: a block every `d`.
    pub block_time: Option<Duration>,
    /// Block gas limit.
    pub gas_limit: u64,
    /// Base fee of the first block, in wei.
    pub base_fee: u64,
    /// Hardfork rules to execute with.
    pub spec: SpecId,
    /// Load the state from this file at start and save it there.
    pub state_path: Option<PathBuf>,
    /// How often the state is saved while running (with `state_path`).
    pub state_interval: Duration,
    /// How many recent blocks keep a full state for queries at past blocks.
    pub state_history: usize,
    /// Largest HTTP request body accepted, in bytes.
    pub max_request_body: usize,
    /// Largest JSON-RPC batch accepted.
    pub max_batch: usize,
    /// Timestamp of the genesis block (`None`: now).
    pub genesis_timestamp: Option<u64>,
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8545,
            chain_id: 31337,
            mnemonic: DEFAULT_MNEMONIC.to_owned(),
            accounts: 10,
            balance: U256::from(10_000u128 * ETHER),
            block_time: None,
            gas_limit: 30_000_000,
            base_fee: 1_000_000_000,
            spec: SpecId::OSAKA,
            state_path: None,
            state_interval: Duration::from_secs(60),
            state_history: 2048,
            max_request_body: 16 * 1024 * 1024,
            max_batch: 1000,
            genesis_timestamp: None,
        }
    }
}

impl ChainConfig {
    /// A configuration for tests: a free port on loopback, everything else default.
    pub fn test() -> Self {
        Self {
            port: 0,
            ..Self::default()
        }
    }

    /// Listen on `host`.
    pub fn with_host(mut self, host: IpAddr) -> Self {
        self.host = host;
        self
    }

    /// Listen on `port` (0: any free port).
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Use `chain_id`.
    pub fn with_chain_id(mut self, chain_id: u64) -> Self {
        self.chain_id = chain_id;
        self
    }

    /// Derive dev accounts from `mnemonic`.
    pub fn with_mnemonic(mut self, mnemonic: impl Into<String>) -> Self {
        self.mnemonic = mnemonic.into();
        self
    }

    /// Derive and fund `accounts` dev accounts.
    pub fn with_accounts(mut self, accounts: usize) -> Self {
        self.accounts = accounts;
        self
    }

    /// Fund each dev account with `balance` wei.
    pub fn with_balance(mut self, balance: U256) -> Self {
        self.balance = balance;
        self
    }

    /// Mine a block every `block_time` instead of one per transaction.
    pub fn with_block_time(mut self, block_time: Option<Duration>) -> Self {
        self.block_time = block_time;
        self
    }

    /// Set the block gas limit.
    pub fn with_gas_limit(mut self, gas_limit: u64) -> Self {
        self.gas_limit = gas_limit;
        self
    }

    /// Set the first block's base fee.
    pub fn with_base_fee(mut self, base_fee: u64) -> Self {
        self.base_fee = base_fee;
        self
    }

    /// Execute with the rules of `spec`.
    pub fn with_spec(mut self, spec: SpecId) -> Self {
        self.spec = spec;
        self
    }

    /// Persist the state in `path`.
    pub fn with_state_path(mut self, path: Option<PathBuf>) -> Self {
        self.state_path = path;
        self
    }

    /// Save the state every `interval`.
    pub fn with_state_interval(mut self, interval: Duration) -> Self {
        self.state_interval = interval;
        self
    }

    /// Keep full states for the last `blocks` blocks.
    pub fn with_state_history(mut self, blocks: usize) -> Self {
        self.state_history = blocks.max(1);
        self
    }

    /// Start the chain at `timestamp`.
    pub fn with_genesis_timestamp(mut self, timestamp: Option<u64>) -> Self {
        self.genesis_timestamp = timestamp;
        self
    }
}

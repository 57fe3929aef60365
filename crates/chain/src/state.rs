//! The world state: accounts, code and storage held in persistent (structurally shared) maps.
//!
//! A dev chain answers queries "at block N", so it keeps one state per recent block. With
//! persistent maps a snapshot is an O(1) clone and only what a block changed costs memory, which
//! is what lets instant mining keep thousands of historical states cheaply.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use revm::{
    DatabaseRef,
    bytecode::Bytecode,
    primitives::{KECCAK_EMPTY, StorageKey, StorageValue},
    state::{Account, AccountInfo},
};
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, convert::Infallible};

/// One account: balance, nonce, code hash and storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountState {
    /// Balance in wei.
    pub balance: U256,
    /// Transaction count (or contract creation count for contracts).
    pub nonce: u64,
    /// keccak256 of the code, [`KECCAK_EMPTY`] for an account without code.
    pub code_hash: B256,
    /// Non-zero storage slots.
    pub storage: imbl::HashMap<U256, U256>,
}

impl Default for AccountState {
    fn default() -> Self {
        Self {
            balance: U256::ZERO,
            nonce: 0,
            code_hash: KECCAK_EMPTY,
            storage: imbl::HashMap::new(),
        }
    }
}

impl AccountState {
    /// EIP-161 emptiness: no code, zero nonce, zero balance.
    pub fn is_empty(&self) -> bool {
        self.balance.is_zero() && self.nonce == 0 && self.code_hash == KECCAK_EMPTY
    }
}

/// The state of every account at one point of the chain.
#[derive(Clone, Debug, Default)]
pub struct WorldState {
    accounts: imbl::HashMap<Address, AccountState>,
    codes: imbl::HashMap<B256, Bytecode>,
}

impl WorldState {
    /// The account at `address`, if it exists.
    pub fn account(&self, address: &Address) -> Option<&AccountState> {
        self.accounts.get(address)
    }

    /// Balance of `address` (zero for an unknown account).
    pub fn balance(&self, address: &Address) -> U256 {
        self.accounts
            .get(address)
            .map(|a| a.balance)
            .unwrap_or_default()
    }

    /// Nonce of `address` (zero for an unknown account).
    pub fn nonce(&self, address: &Address) -> u64 {
        self.accounts
            .get(address)
            .map(|a| a.nonce)
            .unwrap_or_default()
    }

    /// Code deployed at `address` (empty for an account without code).
    pub fn code(&self, address: &Address) -> Bytes {
        self.accounts
            .get(address)
            .and_then(|a| self.codes.get(&a.code_hash))
            .map(Bytecode::original_bytes)
            .unwrap_or_default()
    }

    /// Value of storage slot `slot` of `address`.
    pub fn storage(&self, address: &Address, slot: U256) -> U256 {
        self.accounts
            .get(address)
            .and_then(|a| a.storage.get(&slot).copied())
            .unwrap_or_default()
    }

    /// Every address with an account.
    pub fn addresses(&self) -> impl Iterator<Item = Address> + '_ {
        self.accounts.keys().copied()
    }

    /// Deletes an account.
    pub fn remove(&mut self, address: &Address) {
        self.accounts.remove(address);
    }

    /// Mutable access to an account, created empty when missing.
    fn account_mut(&mut self, address: Address) -> &mut AccountState {
        self.accounts.entry(address).or_default()
    }

    /// Sets the balance of `address` (dev methods and genesis).
    pub fn set_balance(&mut self, address: Address, balance: U256) {
        self.account_mut(address).balance = balance;
    }

    /// Sets the nonce of `address`.
    pub fn set_nonce(&mut self, address: Address, nonce: u64) {
        self.account_mut(address).nonce = nonce;
    }

    /// Replaces the code of `address` (empty code removes it).
    pub fn set_code(&mut self, address: Address, code: Bytes) {
        let hash = if code.is_empty() {
            KECCAK_EMPTY
        } else {
            let bytecode = Bytecode::new_raw(code);
            let hash = bytecode.hash_slow();
            self.codes.insert(hash, bytecode);
            hash
        };
        self.account_mut(address).code_hash = hash;
    }

    /// Writes one storage slot (zero deletes it).
    pub fn set_storage(&mut self, address: Address, slot: U256, value: U256) {
        let account = self.account_mut(address);
        if value.is_zero() {
            account.storage.remove(&slot);
        } else {
            account.storage.insert(slot, value);
        }
    }

    /// Adds `amount` wei to `address` (saturating: a dev chain never overflows a balance).
    pub fn add_balance(&mut self, address: Address, amount: U256) {
        let account = self.account_mut(address);
        account.balance = account.balance.saturating_add(amount);
    }

    /// Applies the changes of one executed transaction, as revm reports them.
    pub fn commit(&mut self, changes: impl IntoIterator<Item = (Address, Account)>) {
        for (address, account) in changes {
            if !account.is_touched() {
                continue;
            }
            if account.is_selfdestructed() {
                self.accounts.remove(&address);
                continue;
            }
            if account.is_empty() && !account.is_created() && account.storage.is_empty() {
                // EIP-161: touched empty accounts are removed.
                if self
                    .accounts
                    .get(&address)
                    .is_some_and(AccountState::is_empty)
                {
                    self.accounts.remove(&address);
                }
                continue;
            }
            if let Some(code) = &account.info.code
                && !code.is_empty()
            {
                self.codes
                    .entry(account.info.code_hash)
                    .or_insert_with(|| code.clone());
            }
            let created = account.is_created();
            let entry = self.account_mut(address);
            entry.balance = account.info.balance;
            entry.nonce = account.info.nonce;
            entry.code_hash = account.info.code_hash;
            if created {
                entry.storage.clear();
            }
            for (slot, value) in account.storage {
                if !value.is_changed() {
                    continue;
                }
                let present = value.present_value();
                if present.is_zero() {
                    entry.storage.remove(&slot);
                } else {
                    entry.storage.insert(slot, present);
                }
            }
        }
    }

    /// The Merkle-Patricia state root, as a real Ethereum node computes it.
    pub fn state_root(&self) -> B256 {
        if self.accounts.is_empty() {
            return EMPTY_ROOT_HASH;
        }
        let accounts = self.accounts.iter().map(|(address, account)| {
            let storage_root = if account.storage.is_empty() {
                EMPTY_ROOT_HASH
            } else {
                alloy_trie::root::storage_root_unhashed(
                    account.storage.iter().map(|(k, v)| (B256::from(*k), *v)),
                )
            };
            let trie = TrieAccount {
                nonce: account.nonce,
                balance: account.balance,
                storage_root,
                code_hash: account.code_hash,
            };
            (keccak256(address), trie)
        });
        alloy_trie::root::state_root_unsorted(accounts)
    }

    /// A serializable copy of the whole state (for `anvil_dumpState` and state files).
    pub fn dump(&self) -> StateDump {
        let accounts = self
            .accounts
            .iter()
            .map(|(address, account)| {
                let code = self
                    .codes
                    .get(&account.code_hash)
                    .map(Bytecode::original_bytes)
                    .unwrap_or_default();
                let storage = account.storage.iter().map(|(k, v)| (*k, *v)).collect();
                (
                    *address,
                    AccountDump {
                        balance: account.balance,
                        nonce: account.nonce,
                        code,
                        storage,
                    },
                )
            })
            .collect();
        StateDump { accounts }
    }

    /// Rebuilds a state from a dump.
    pub fn from_dump(dump: &StateDump) -> Self {
        let mut state = Self::default();
        state.load(dump);
        state
    }

    /// Merges a dump into this state, replacing the accounts it names.
    pub fn load(&mut self, dump: &StateDump) {
        for (address, account) in &dump.accounts {
            self.set_code(*address, account.code.clone());
            let entry = self.account_mut(*address);
            entry.balance = account.balance;
            entry.nonce = account.nonce;
            entry.storage = account
                .storage
                .iter()
                .filter(|(_, v)| !v.is_zero())
                .map(|(k, v)| (*k, *v))
                .collect();
        }
    }
}

/// Serializable account, ordered for stable files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDump {
    /// Balance in wei.
    pub balance: U256,
    /// Nonce.
    #[serde(with = "alloy_serde_quantity")]
    pub nonce: u64,
    /// Runtime code.
    #[serde(default)]
    pub code: Bytes,
    /// Non-zero storage.
    #[serde(default)]
    pub storage: BTreeMap<U256, U256>,
}

/// Serializable world state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateDump {
    /// Every account, by address.
    pub accounts: BTreeMap<Address, AccountDump>,
}

/// Hex-quantity (de)serialization for u64, accepting plain numbers too.
mod alloy_serde_quantity {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(value: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{value:#x}"))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Q {
            Num(u64),
            Str(String),
        }
        match Q::deserialize(d)? {
            Q::Num(n) => Ok(n),
            Q::Str(s) => {
                let digits = s
                    .strip_prefix("0x")
                    .ok_or_else(|| serde::de::Error::custom("quantity must start with 0x"))?;
                u64::from_str_radix(digits, 16).map_err(serde::de::Error::custom)
            }
        }
    }
}

/// A read-only view of a state and the chain's block hashes, as revm's database.
#[derive(Clone, Copy, Debug)]
pub struct StateDb<'a> {
    /// The state executed against.
    pub state: &'a WorldState,
    /// Hashes of recent blocks, for the BLOCKHASH opcode: `block_hashes[i]` is the hash of
    /// block `first_block + i`.
    pub block_hashes: &'a [B256],
    /// Number of the block whose hash is `block_hashes[0]`.
    pub first_block: u64,
}

impl DatabaseRef for StateDb<'_> {
    type Error = Infallible;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        Ok(self
            .state
            .accounts
            .get(&address)
            .map(|account| AccountInfo {
                balance: account.balance,
                nonce: account.nonce,
                code_hash: account.code_hash,
                account_id: None,
                code: self.state.codes.get(&account.code_hash).cloned(),
            }))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        Ok(self
            .state
            .codes
            .get(&code_hash)
            .cloned()
            .unwrap_or_default())
    }

    fn storage_ref(
        &self,
        address: Address,
        index: StorageKey,
    ) -> Result<StorageValue, Self::Error> {
        Ok(self.state.storage(&address, index))
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        Ok(usize::try_from(number)
            .ok()
            .and_then(|n| self.block_hashes.get(n))
            .copied()
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, b256};

    #[test]
    fn empty_state_root_is_the_empty_trie() {
        assert_eq!(WorldState::default().state_root(), EMPTY_ROOT_HASH);
    }

    #[test]
    fn single_account_state_root_matches_ethereum() {
        // One account with 1 wei: a known root (computed by geth's trie for this account).
        let mut state = WorldState::default();
        state.set_balance(
            address!("0x0000000000000000000000000000000000000001"),
            U256::from(1),
        );
        let expected = {
            let trie = TrieAccount {
                nonce: 0,
                balance: U256::from(1),
                storage_root: EMPTY_ROOT_HASH,
                code_hash: KECCAK_EMPTY,
            };
            alloy_trie::root::state_root_unhashed([(
                address!("0x0000000000000000000000000000000000000001"),
                trie,
            )])
        };
        assert_eq!(state.state_root(), expected);
        assert_ne!(
            state.state_root(),
            b256!("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")
        );
    }

    #[test]
    fn dump_round_trips() {
        let mut state = WorldState::default();
        let a = address!("0x00000000000000000000000000000000000000aa");
        state.set_balance(a, U256::from(7));
        state.set_nonce(a, 3);
        state.set_code(a, Bytes::from_static(&[0x60, 0x00]));
        state.set_storage(a, U256::from(1), U256::from(2));
        let dump = state.dump();
        let json = serde_json::to_string(&dump).expect("dump serializes");
        let back: StateDump = serde_json::from_str(&json).expect("dump parses");
        let restored = WorldState::from_dump(&back);
        assert_eq!(restored.dump(), dump);
        assert_eq!(restored.state_root(), state.state_root());
        assert_eq!(restored.code(&a), Bytes::from_static(&[0x60, 0x00]));
    }

    #[test]
    fn snapshots_are_independent() {
        let a = address!("0x00000000000000000000000000000000000000aa");
        let mut state = WorldState::default();
        state.set_storage(a, U256::from(1), U256::from(1));
        let snapshot = state.clone();
        state.set_storage(a, U256::from(1), U256::from(2));
        assert_eq!(snapshot.storage(&a, U256::from(1)), U256::from(1));
        assert_eq!(state.storage(&a, U256::from(1)), U256::from(2));
    }
}

//! The state root kept up to date block by block: one incremental trie for accounts and one
//! per account for storage, updated with only what a block touched.

use crate::{state::WorldState, trie::Trie};
use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use std::collections::{HashMap, HashSet};

/// What a block changed in one account.
#[derive(Clone, Debug)]
pub enum Touched {
    /// These storage slots (and possibly balance, nonce or code).
    Slots(HashSet<U256>),
    /// Everything: the account was created, destroyed, or edited by a dev method.
    All,
}

impl Touched {
    /// Merges what another transaction changed in the same account.
    pub fn merge(&mut self, other: Touched) {
        match (self, other) {
            (Touched::All, _) => {}
            (this, Touched::All) => *this = Touched::All,
            (Touched::Slots(a), Touched::Slots(b)) => a.extend(b),
        }
    }
}

/// Tries of the whole state.
#[derive(Clone, Debug, Default)]
pub struct StateRoots {
    accounts: Trie,
    storage: HashMap<Address, Trie>,
}

impl StateRoots {
    /// Builds every trie from a state (O(state); done once, then updated incrementally).
    pub fn build(state: &WorldState) -> Self {
        let mut roots = Self::default();
        let touched: HashMap<Address, Touched> =
            state.addresses().map(|a| (a, Touched::All)).collect();
        roots.update(state, &touched);
        roots
    }

    /// Applies what changed and returns the new state root.
    pub fn update(&mut self, state: &WorldState, touched: &HashMap<Address, Touched>) -> B256 {
        for (address, what) in touched {
            let key = keccak256(address);
            let Some(account) = state.account(address) else {
                self.accounts.remove(&key);
                self.storage.remove(address);
                continue;
            };
            let trie = self.storage.entry(*address).or_default();
            match what {
                Touched::All => {
                    *trie = Trie::default();
                    for (slot, value) in &account.storage {
                        trie.insert(&keccak256(B256::from(*slot)), alloy_rlp::encode(value));
                    }
                }
                Touched::Slots(slots) => {
                    for slot in slots {
                        let key = keccak256(B256::from(*slot));
                        match account.storage.get(slot) {
                            Some(value) => trie.insert(&key, alloy_rlp::encode(value)),
                            None => trie.remove(&key),
                        }
                    }
                }
            }
            let storage_root = if trie.is_empty() {
                EMPTY_ROOT_HASH
            } else {
                trie.root()
            };
            let leaf = TrieAccount {
                nonce: account.nonce,
                balance: account.balance,
                storage_root,
                code_hash: account.code_hash,
            };
            self.accounts.insert(&key, alloy_rlp::encode(leaf));
        }
        self.accounts.root()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Bytes, address};

    #[test]
    fn incremental_root_equals_a_full_recomputation() {
        let a = address!("0x00000000000000000000000000000000000000aa");
        let b = address!("0x00000000000000000000000000000000000000bb");
        let mut state = WorldState::default();
        state.set_balance(a, U256::from(10));
        state.set_code(b, Bytes::from_static(&[0x60, 0x00]));
        for i in 0..50u64 {
            state.set_storage(b, U256::from(i), U256::from(i + 1));
        }
        let mut roots = StateRoots::build(&state);
        assert_eq!(roots.accounts.root(), state.state_root());

        state.set_storage(b, U256::from(3), U256::ZERO);
        state.set_storage(b, U256::from(100), U256::from(7));
        state.set_balance(a, U256::from(11));
        let touched = HashMap::from([
            (
                b,
                Touched::Slots(HashSet::from([U256::from(3), U256::from(100)])),
            ),
            (a, Touched::Slots(HashSet::new())),
        ]);
        assert_eq!(roots.update(&state, &touched), state.state_root());

        let mut gone = state.clone();
        gone.remove(&a);
        assert_eq!(
            roots.update(&gone, &HashMap::from([(a, Touched::All)])),
            gone.state_root()
        );
    }
}

//! Who is who on a local stack: each party is a dev account of the chain's public test
//! mnemonic. Their keys are public knowledge: a local stack is for development only.

use std::fmt;

/// A party of the local stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Dev account 0: deployed the protocol, owns categories.
    Admin,
    /// Dev account 1: runs apps and pays for them (the README's wallet).
    Requester,
    /// Dev account 2: owns the demo app (and datasets in tests).
    Developer,
    /// Dev account 3: owns the workerpool and runs its scheduler.
    PoolOwner,
    /// Dev account 4 + i: worker i.
    Worker(usize),
}

impl Role {
    /// The dev account index.
    pub fn index(self) -> usize {
        match self {
            Role::Admin => 0,
            Role::Requester => 1,
            Role::Developer => 2,
            Role::PoolOwner => 3,
            Role::Worker(i) => 4 + i,
        }
    }

    /// How many dev accounts a stack with `workers` workers needs (at least the 10 that
    /// `poco chain` has).
    pub fn accounts_needed(workers: usize) -> usize {
        (4 + workers).max(10)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Admin => f.write_str("admin"),
            Role::Requester => f.write_str("requester"),
            Role::Developer => f.write_str("app developer"),
            Role::PoolOwner => f.write_str("pool owner"),
            Role::Worker(i) => write!(f, "worker {i}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_map_to_distinct_accounts() {
        let roles = [
            Role::Admin,
            Role::Requester,
            Role::Developer,
            Role::PoolOwner,
            Role::Worker(0),
            Role::Worker(5),
        ];
        let indexes: std::collections::BTreeSet<_> = roles.iter().map(|r| r.index()).collect();
        assert_eq!(indexes.len(), roles.len());
        assert_eq!(Role::accounts_needed(3), 10);
        assert_eq!(Role::accounts_needed(8), 12);
    }
}

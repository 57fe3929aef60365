//! Dev-chain constants: the addresses a deployment by dev account 0 (of the public test mnemonic)
//! gets on a fresh chain — `poco chain`, Hardhat's and anvil's nodes alike, whatever the chain
//! id — and the amounts `poco chain` uses. CREATE addresses depend only on the deployer and its
//! nonce, so these hold as long as the deployment is account 0's first 15 transactions.
//!
//! | contract | nonce | address |
//! |---|---|---|
//! | RLC | 0 | `0x5FbDB2315678afecb367f032d93F642f64180aa3` |
//! | AppRegistry | 1 | `0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512` |
//! | DatasetRegistry | 2 | `0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0` |
//! | WorkerpoolRegistry | 3 | `0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9` |
//! | DiamondCutFacet … AccessorsFacet | 4 … 13 | `0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9` … `0x0DCd1Bf9A1b36cE34237eEaFef220932846BCD82` |
//! | Diamond (the hub) | 14 | `0x9A676e781A523b5d0C0e43731313A708CB607508` |

use alloy::primitives::{Address, U256, address};

/// Dev account 0 of the test mnemonic, the admin of dev deployments.
pub const ADMIN: Address = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
/// The hub on a dev chain.
pub const HUB: Address = address!("0x9A676e781A523b5d0C0e43731313A708CB607508");
/// RLC on a dev chain.
pub const RLC: Address = address!("0x5FbDB2315678afecb367f032d93F642f64180aa3");
/// The app registry on a dev chain.
pub const APP_REGISTRY: Address = address!("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");
/// The dataset registry on a dev chain.
pub const DATASET_REGISTRY: Address = address!("0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0");
/// The workerpool registry on a dev chain.
pub const WORKERPOOL_REGISTRY: Address = address!("0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9");

/// 1 RLC in nRLC (RLC has 9 decimals).
pub const ONE_RLC: U256 = U256::from_limbs([1_000_000_000, 0, 0, 0]);
/// What `poco chain` mints to each dev account: 1,000,000 RLC = 10^15 nRLC.
pub const RLC_PER_DEV_ACCOUNT: U256 = U256::from_limbs([1_000_000_000_000_000, 0, 0, 0]);
/// RLC's initial supply, owned by the admin: 87,000,000 RLC (iExec's supply), in nRLC.
pub const INITIAL_RLC_SUPPLY: U256 = U256::from_limbs([87_000_000_000_000_000, 0, 0, 0]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_what_their_names_say() {
        assert_eq!(ONE_RLC, U256::from(10u64.pow(9)));
        assert_eq!(RLC_PER_DEV_ACCOUNT, U256::from(1_000_000u64) * ONE_RLC);
        assert_eq!(INITIAL_RLC_SUPPLY, U256::from(87_000_000u64) * ONE_RLC);
    }

    #[test]
    fn facet_range_in_the_table_is_right() {
        assert_eq!(
            ADMIN.create(4),
            address!("0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9")
        );
        assert_eq!(
            ADMIN.create(13),
            address!("0x0DCd1Bf9A1b36cE34237eEaFef220932846BCD82")
        );
    }
}

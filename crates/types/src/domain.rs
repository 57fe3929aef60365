//! The EIP-712 domain the hub signs orders under. Clients must build exactly this domain (or read
//! it from the hub's `domain()`), or their order hashes will not match the hub's.

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::Eip712Domain;
use std::borrow::Cow;

/// The domain name, kept from iExec's Open Decentralized Brokering.
pub const DOMAIN_NAME: &str = "iExecODB";
/// The domain version (PoCo v5 order semantics).
pub const DOMAIN_VERSION: &str = "5.0.0";
/// The EIP-712 type of the domain: no salt.
pub const DOMAIN_TYPE: &str =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";

/// The hub's domain on chain `chain_id`, with the hub as verifying contract.
pub fn domain(chain_id: u64, hub: Address) -> Eip712Domain {
    Eip712Domain::new(
        Some(Cow::Borrowed(DOMAIN_NAME)),
        Some(Cow::Borrowed(DOMAIN_VERSION)),
        Some(U256::from(chain_id)),
        Some(hub),
        None,
    )
}

/// The domain separator (`eip712domain_separator()` on the hub).
pub fn domain_separator(chain_id: u64, hub: Address) -> B256 {
    domain(chain_id, hub).separator()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, b256, keccak256};

    #[test]
    fn type_string_matches_the_spec() {
        let d = domain(1, Address::ZERO);
        assert_eq!(d.encode_type(), DOMAIN_TYPE);
        // EIP712DOMAIN_TYPEHASH in IexecLibOrders_v5.
        assert_eq!(
            keccak256(DOMAIN_TYPE),
            b256!("0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f")
        );
        assert_eq!(d.type_hash(), keccak256(DOMAIN_TYPE));
    }

    #[test]
    fn separator_matches_ethers() {
        // ethers v6 TypedDataEncoder.hashDomain({name: "iExecODB", version: "5.0.0",
        // chainId: 134, verifyingContract: 0x3eca...4E7f}).
        assert_eq!(
            domain_separator(134, address!("0x3eca1B216A7DF1C7689aEb259fFB83ADFB894E7f")),
            b256!("0xf2cbd98a556869939d25b73c3fa68ba45f19932f8c9a06f744c98290ed9ef860")
        );
    }
}

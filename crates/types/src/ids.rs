//! Deal and task ids, derived exactly as the hub derives them so that off-chain services can
//! name deals and tasks before (or without) reading the chain.

use alloy_primitives::{B256, U256, keccak256};

/// `keccak256(abi.encodePacked(a, b))` for two 32-byte words.
fn hash_words(a: &[u8; 32], b: &[u8; 32]) -> B256 {
    let mut packed = [0u8; 64];
    packed[..32].copy_from_slice(a);
    packed[32..].copy_from_slice(b);
    keccak256(packed)
}

/// The deal id of a match: `keccak256(abi.encodePacked(requestHash, consumed))`, where
/// `consumed_before` is the request order's consumed volume before this match (so successive
/// deals of one request order get distinct ids).
pub fn deal_id(request_hash: B256, consumed_before: U256) -> B256 {
    hash_words(&request_hash.0, &consumed_before.to_be_bytes())
}

/// The id of task `idx` of a deal: `keccak256(abi.encodePacked(dealid, idx))`. Task indices run
/// from the deal's `botFirst` to `botFirst + botSize - 1`.
pub fn task_id(deal_id: B256, idx: U256) -> B256 {
    hash_words(&deal_id.0, &idx.to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::tests::ORDER_HASHES;
    use alloy_primitives::b256;

    // ethers v6 solidityPackedKeccak256(["bytes32", "uint256"], [...]) where the request hash is
    // the request fixture's order hash (orders::tests::ORDER_HASHES[3]).
    #[test]
    fn deal_ids_match_ethers() {
        let request_hash = ORDER_HASHES[3];
        assert_eq!(
            deal_id(request_hash, U256::ZERO),
            b256!("0x2a97b6cc775d1a88f30ba90c60a8f1f1fdc1af3b658ae8206d67430948751d2d")
        );
        assert_eq!(
            deal_id(request_hash, U256::from(7)),
            b256!("0x8deb898b387e9a5cce501bacd6be64705406cae618780a6255d3a6a8e1f05fb1")
        );
    }

    #[test]
    fn task_ids_match_ethers() {
        let deal = b256!("0x8deb898b387e9a5cce501bacd6be64705406cae618780a6255d3a6a8e1f05fb1");
        assert_eq!(
            task_id(deal, U256::from(8)),
            b256!("0xf106ea1b6e8e64c7b3cd3b15c890ee36a53d0df09b563add8cf4ab952ecf1af3")
        );
        assert_ne!(task_id(deal, U256::from(8)), task_id(deal, U256::from(9)));
    }
}

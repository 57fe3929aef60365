//! The result digest a worker contributes, as iExec workers compute it: keccak256 of the callback
//! data when the app returns some, otherwise sha256 of the deterministic output file, or for a
//! directory keccak256 of its entries' sha256s in name order. Workers that disagree on this
//! never reach consensus, so every worker must use these functions.

use alloy_primitives::{B256, keccak256};
use sha2::{Digest, Sha256};

/// sha256 of `data`.
pub fn sha256(data: &[u8]) -> B256 {
    B256::from(<[u8; 32]>::from(Sha256::digest(data)))
}

/// The digest of a result with callback data: `keccak256(callback bytes)`, which the hub checks
/// against `resultsCallback` at finalize.
pub fn callback_digest(callback_data: &[u8]) -> B256 {
    keccak256(callback_data)
}

/// The digest of a directory given its entries as `(name, sha256 of the entry)`: the hashes in
/// name order, concatenated, then keccak256. Names sort by bytes (code point order); iExec's Java
/// worker sorts paths by UTF-16 units, which differs only for names mixing characters above
/// U+FFFF with ones in U+E000..U+FFFF. An empty directory hashes to `keccak256("")`.
pub fn digest_of_files(entries: &[(String, [u8; 32])]) -> B256 {
    let mut sorted: Vec<&(String, [u8; 32])> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let concatenated: Vec<u8> = sorted
        .iter()
        .flat_map(|(_, hash)| hash.iter().copied())
        .collect();
    keccak256(concatenated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::b256;

    // Vectors: ethers v6 sha256 / keccak256 / concat.
    const SHA_ALPHA: B256 =
        b256!("0xb6a98d9ce9a2d9149288fa3df42d377c3e42737afdcdaf714e33c0a100b51060");
    const SHA_BETA: B256 =
        b256!("0xf44e64e75f3948e9f73f8dfa94721c4ce8cbb4f265c4790c702b2d41cfbf2753");
    const TREE: B256 = b256!("0x9aa71eb4ee6324b0c34821169951a67740e5f7c294306bfaaebf1ae804610001");

    #[test]
    fn sha256_matches_ethers() {
        assert_eq!(sha256(b"alpha\n"), SHA_ALPHA);
        assert_eq!(sha256(b"beta"), SHA_BETA);
    }

    #[test]
    fn directory_digest_sorts_by_name() {
        let in_order = [
            ("a.txt".to_string(), SHA_ALPHA.0),
            ("b.txt".to_string(), SHA_BETA.0),
        ];
        let reversed = [in_order[1].clone(), in_order[0].clone()];
        assert_eq!(digest_of_files(&in_order), TREE);
        assert_eq!(digest_of_files(&reversed), TREE);
        assert_ne!(
            digest_of_files(&[
                ("a.txt".to_string(), SHA_BETA.0),
                ("b.txt".to_string(), SHA_ALPHA.0)
            ]),
            TREE
        );
        assert_eq!(digest_of_files(&[]), keccak256([]));
    }

    #[test]
    fn callback_digest_matches_ethers() {
        let mut data = [0u8; 32];
        data[31] = 42;
        assert_eq!(
            callback_digest(&data),
            b256!("0xbeced09521047d05b8960b7e7bcc1d1292cf3e4b2a6b63f48335cbde5f7545d2")
        );
    }
}

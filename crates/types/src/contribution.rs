//! What a worker commits to and later reveals: the result hash and seal of a contribution, and
//! the message a TEE enclave signs to vouch for them. The hub recomputes these at reveal time,
//! so workers and the scheduler must derive them identically.

use crate::{error::Result, signature};
use alloy_primitives::{Address, B256, Bytes, keccak256};
use alloy_signer::{Signer, SignerSync};

/// `keccak256(abi.encodePacked(taskid, resultDigest))`: the same for every worker with the same
/// result, so contributions can be grouped into a consensus.
pub fn result_hash(task_id: B256, result_digest: B256) -> B256 {
    let mut packed = [0u8; 64];
    packed[..32].copy_from_slice(task_id.as_slice());
    packed[32..].copy_from_slice(result_digest.as_slice());
    keccak256(packed)
}

/// `keccak256(abi.encodePacked(worker, taskid, resultDigest))`: binds the result to one worker,
/// so a worker cannot copy another's contribution without knowing the digest.
pub fn result_seal(worker: Address, task_id: B256, result_digest: B256) -> B256 {
    let mut packed = [0u8; 84];
    packed[..20].copy_from_slice(worker.as_slice());
    packed[20..52].copy_from_slice(task_id.as_slice());
    packed[52..].copy_from_slice(result_digest.as_slice());
    keccak256(packed)
}

/// `keccak256(abi.encodePacked(resultHash, resultSeal))`: what the enclave key signs (EIP-191).
pub fn enclave_message(result_hash: B256, result_seal: B256) -> B256 {
    let mut packed = [0u8; 64];
    packed[..32].copy_from_slice(result_hash.as_slice());
    packed[32..].copy_from_slice(result_seal.as_slice());
    keccak256(packed)
}

/// The enclave's `enclaveSign` for a contribution, made with the task's enclave key.
pub fn sign_enclave<S: SignerSync + ?Sized>(
    enclave: &S,
    result_hash: B256,
    result_seal: B256,
) -> Result<Bytes> {
    signature::sign_eip191(enclave, &enclave_message(result_hash, result_seal))
}

/// [`sign_enclave`] with any signer.
pub async fn sign_enclave_async<S: Signer + Sync + ?Sized>(
    enclave: &S,
    result_hash: B256,
    result_seal: B256,
) -> Result<Bytes> {
    signature::sign_eip191_async(enclave, &enclave_message(result_hash, result_seal)).await
}

/// The enclave key that produced `enclave_sign`; the hub requires it to be the contribution's
/// enclave challenge.
pub fn recover_enclave(
    result_hash: B256,
    result_seal: B256,
    enclave_sign: &[u8],
) -> Result<Address> {
    signature::recover_eip191(&enclave_message(result_hash, result_seal), enclave_sign)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::tests::{DEV_ADDRESS, dev_signer};
    use alloy_primitives::{address, b256};

    const TASK: B256 = b256!("0xf106ea1b6e8e64c7b3cd3b15c890ee36a53d0df09b563add8cf4ab952ecf1af3");
    const WORKER: Address = address!("0x70997970c51812dc3a010c7d01b50e20d17dc79c");
    const DIGEST: B256 = B256::repeat_byte(0xab);
    const HASH: B256 = b256!("0x10813a762b9e9f07a3c43a102be403e2bd44af3a13cde6197285616d5af35f25");
    const SEAL: B256 = b256!("0x654b2a7b45eaf76aad24aa9f3336285503ce66ff0b277332303b72cdeb6faff7");

    // Vectors: ethers v6 solidityPackedKeccak256 with the types of each encodePacked, and
    // wallet.signMessage(getBytes(message)) with the dev key for the enclave signature.
    #[test]
    fn hashes_match_ethers() {
        assert_eq!(result_hash(TASK, DIGEST), HASH);
        assert_eq!(result_seal(WORKER, TASK, DIGEST), SEAL);
        assert_eq!(
            enclave_message(HASH, SEAL),
            b256!("0x47c6b046b50ce960d4253525a54e42c09850b9da1da7d9a0a0f11c89b88c325a")
        );
    }

    #[test]
    fn enclave_signature_matches_ethers() {
        let sign = sign_enclave(&dev_signer(), HASH, SEAL).expect("local signing cannot fail");
        assert_eq!(
            sign.to_string(),
            "0xd2a3fb5af39b841351c8af2c557946326b2835826f05e3151128c711294d88112845673186bb03abf85b6d84808aedebf089c90f61e465629255293cc80d7ff31c"
        );
        assert_eq!(
            recover_enclave(HASH, SEAL, &sign).expect("valid"),
            DEV_ADDRESS
        );
        assert_ne!(recover_enclave(SEAL, HASH, &sign).ok(), Some(DEV_ADDRESS));
    }

    #[tokio::test]
    async fn async_enclave_signature_matches() {
        let sign = sign_enclave_async(&dev_signer(), HASH, SEAL)
            .await
            .expect("local signing cannot fail");
        assert_eq!(
            sign,
            sign_enclave(&dev_signer(), HASH, SEAL).expect("local signing cannot fail")
        );
    }
}

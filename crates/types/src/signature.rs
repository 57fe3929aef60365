//! ECDSA signatures as the hub checks them: 65 bytes r‖s‖v with v = 27/28 (or 64-byte EIP-2098
//! compact), low s only. Signing goes through alloy's signer traits so that local keys, keystores
//! and remote signers all work; recovery applies the hub's rules so that a signature accepted
//! here is accepted on-chain.

use crate::error::{Result, TypesError};
use alloy_primitives::{Address, B256, Bytes, Signature, U256, eip191_hash_message};
use alloy_signer::{Signer, SignerSync};
use alloy_sol_types::{Eip712Domain, SolStruct};

/// Half the secp256k1 order: the largest s the hub (OpenZeppelin's ECDSA) accepts.
const HALF_ORDER: U256 = U256::from_limbs([
    0xdfe9_2f46_681b_20a0,
    0x5d57_6e73_57a4_501d,
    0xffff_ffff_ffff_ffff,
    0x7fff_ffff_ffff_ffff,
]);

/// The 65-byte r‖s‖v encoding, v = 27/28, with s normalized low.
fn encode(sig: Signature) -> Bytes {
    Bytes::copy_from_slice(&sig.normalized_s().as_bytes())
}

/// Signs a 32-byte digest as is (no prefix): for EIP-712 digests.
pub fn sign_hash<S: SignerSync + ?Sized>(signer: &S, hash: &B256) -> Result<Bytes> {
    Ok(encode(signer.sign_hash_sync(hash)?))
}

/// [`sign_hash`] with an async signer (hardware wallet, remote signer...).
pub async fn sign_hash_async<S: Signer + Sync + ?Sized>(signer: &S, hash: &B256) -> Result<Bytes> {
    Ok(encode(signer.sign_hash(hash).await?))
}

/// Signs a 32-byte message the EIP-191 way (`"\x19Ethereum Signed Message:\n32" ‖ message`),
/// as the hub expects for worker authorizations and enclave signatures.
pub fn sign_eip191<S: SignerSync + ?Sized>(signer: &S, message: &B256) -> Result<Bytes> {
    Ok(encode(signer.sign_message_sync(message.as_slice())?))
}

/// [`sign_eip191`] with an async signer.
pub async fn sign_eip191_async<S: Signer + Sync + ?Sized>(
    signer: &S,
    message: &B256,
) -> Result<Bytes> {
    Ok(encode(signer.sign_message(message.as_slice()).await?))
}

/// Signs an EIP-712 struct under `domain`.
pub fn sign_typed<T: SolStruct, S: SignerSync + ?Sized>(
    value: &T,
    domain: &Eip712Domain,
    signer: &S,
) -> Result<Bytes> {
    sign_hash(signer, &value.eip712_signing_hash(domain))
}

/// [`sign_typed`] with an async signer.
pub async fn sign_typed_async<T: SolStruct, S: Signer + Sync + ?Sized>(
    value: &T,
    domain: &Eip712Domain,
    signer: &S,
) -> Result<Bytes> {
    sign_hash_async(signer, &value.eip712_signing_hash(domain)).await
}

/// Decodes a signature with the hub's rules: 65 bytes with v 27/28, or 64 bytes EIP-2098; s
/// must be in the lower half of the curve order.
pub fn decode(sign: &[u8]) -> Result<Signature> {
    let sig = match sign.len() {
        65 => {
            let v = sign[64];
            let parity = match v {
                27 => false,
                28 => true,
                _ => return Err(TypesError::SignatureV(v)),
            };
            Signature::from_bytes_and_parity(&sign[..64], parity)
        }
        64 => Signature::from_erc2098(sign),
        n => return Err(TypesError::SignatureLength(n)),
    };
    if sig.s() > HALF_ORDER {
        return Err(TypesError::SignatureHighS);
    }
    Ok(sig)
}

/// The address whose key signed `hash` (no prefix), under the hub's rules.
pub fn recover(hash: &B256, sign: &[u8]) -> Result<Address> {
    decode(sign)?
        .recover_address_from_prehash(hash)
        .map_err(TypesError::SignatureRecovery)
}

/// The address whose key signed `message` the EIP-191 way (see [`sign_eip191`]).
pub fn recover_eip191(message: &B256, sign: &[u8]) -> Result<Address> {
    recover(&eip191_hash_message(message.as_slice()), sign)
}

/// Whether `sign` is `signer`'s valid signature of `hash` (no prefix). Presignatures and
/// ERC-1271 contract signers need the chain and are checked there.
pub fn verify(signer: Address, hash: &B256, sign: &[u8]) -> bool {
    recover(hash, sign).is_ok_and(|a| a == signer)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use alloy_primitives::{address, b256, keccak256};
    use alloy_signer_local::PrivateKeySigner;

    /// Hardhat/anvil account 0, the key the cross-implementation vectors were made with.
    pub(crate) const DEV_KEY: &str =
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    pub(crate) const DEV_ADDRESS: Address = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

    pub(crate) fn dev_signer() -> PrivateKeySigner {
        DEV_KEY.parse().expect("valid dev key")
    }

    #[test]
    fn half_order_is_n_over_two() {
        let n = U256::from_str_radix(
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
            16,
        )
        .expect("valid hex");
        assert_eq!(HALF_ORDER, n >> 1);
    }

    #[test]
    fn signs_65_bytes_with_v_27_or_28_and_recovers() {
        let signer = dev_signer();
        assert_eq!(signer.address(), DEV_ADDRESS);
        for i in 0u8..8 {
            let hash = keccak256([i]);
            let sign = sign_hash(&signer, &hash).expect("local signing cannot fail");
            assert_eq!(sign.len(), 65);
            assert!(sign[64] == 27 || sign[64] == 28);
            assert_eq!(recover(&hash, &sign).expect("valid"), DEV_ADDRESS);
            assert!(verify(DEV_ADDRESS, &hash, &sign));
            assert!(!verify(Address::ZERO, &hash, &sign));
            assert!(!verify(DEV_ADDRESS, &keccak256([i, i]), &sign));
        }
    }

    #[test]
    fn accepts_eip2098_compact_signatures() {
        let hash = keccak256("compact");
        let sign = sign_hash(&dev_signer(), &hash).expect("local signing cannot fail");
        let compact = decode(&sign).expect("valid").as_erc2098();
        assert_eq!(recover(&hash, &compact).expect("valid"), DEV_ADDRESS);
    }

    #[test]
    fn rejects_what_the_hub_rejects() {
        let hash = keccak256("strict");
        let sign = sign_hash(&dev_signer(), &hash).expect("local signing cannot fail");
        let sig = decode(&sign).expect("valid");

        // The same signature with s' = n - s and flipped parity recovers the same key, but is
        // the malleable twin the hub refuses.
        let n = HALF_ORDER * U256::from(2) + U256::from(1);
        let twin = Signature::new(sig.r(), n - sig.s(), !sig.v());
        assert_eq!(
            twin.recover_address_from_prehash(&hash).expect("math"),
            DEV_ADDRESS
        );
        assert!(matches!(
            recover(&hash, &twin.as_bytes()),
            Err(TypesError::SignatureHighS)
        ));

        let mut v01 = sign.to_vec();
        v01[64] -= 27;
        assert!(matches!(
            recover(&hash, &v01),
            Err(TypesError::SignatureV(0 | 1))
        ));
        assert!(matches!(
            recover(&hash, &sign[..63]),
            Err(TypesError::SignatureLength(63))
        ));
        assert!(matches!(
            recover(&hash, &[0u8; 65][..]),
            Err(TypesError::SignatureV(0))
        ));
        let mut zero = [0u8; 65];
        zero[64] = 27;
        assert!(matches!(
            recover(&hash, &zero),
            Err(TypesError::SignatureRecovery(_))
        ));
    }

    #[test]
    fn eip191_matches_ethers_sign_message() {
        // ethers v6: wallet.signMessage(getBytes(h)) with the dev key, h = the authorization
        // hash of the vectors in authorization.rs.
        let h = b256!("0x0e984e89080284490a2388e141404ce9f657b9464cac2b4234ddab679a70b4b6");
        let sign = sign_eip191(&dev_signer(), &h).expect("local signing cannot fail");
        assert_eq!(
            sign.to_string(),
            "0x956db33ea2af20928a38a04298ceb939d75b9b9b4f9fee11c952df3121c1ae0e00701ead718d6c182a3283f440eca6c466a2ce6c01cdee4bb005f2cf1cab57d81b"
        );
        assert_eq!(recover_eip191(&h, &sign).expect("valid"), DEV_ADDRESS);
        // Without the prefix it is some other key.
        assert_ne!(recover(&h, &sign).ok(), Some(DEV_ADDRESS));
    }

    #[tokio::test]
    async fn async_signing_matches_sync() {
        let signer = dev_signer();
        let h = keccak256("async");
        assert_eq!(
            sign_hash_async(&signer, &h)
                .await
                .expect("local signing cannot fail"),
            sign_hash(&signer, &h).expect("local signing cannot fail")
        );
        assert_eq!(
            sign_eip191_async(&signer, &h)
                .await
                .expect("local signing cannot fail"),
            sign_eip191(&signer, &h).expect("local signing cannot fail")
        );
    }
}

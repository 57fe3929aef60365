//! Challenge authentication, as the iExec SDK does it (`getAuthorization`): `GET
//! /challenge?chainId&address` returns EIP-712 typed data (under `data`, or bare), the wallet
//! signs it, and the write sends `Authorization: <hash>_<signature>_<address>`, where `hash` is
//! the typed data's EIP-712 signing hash and the signature is 65 bytes of hex (`v` 27 or 28).
//! The typed data is signed as the market sends it, whatever its types: nothing here assumes the
//! challenge's shape beyond the EIP-712 form. A challenge is good for one write.

use super::MarketApi;
use crate::error::{ClientError, Result};
use alloy_dyn_abi::TypedData;
use alloy_primitives::{Address, B256, hex};
use alloy_signer::Signer;
use serde_json::Value;

impl MarketApi {
    /// A fresh `Authorization` header value for `signer` (one challenge, one write).
    pub async fn authorization<S>(&self, signer: &S) -> Result<String>
    where
        S: Signer + Send + Sync + ?Sized,
    {
        let address = signer.address();
        let reply = self
            .get(
                "/challenge",
                &[("address".to_owned(), address.to_checksum(None))],
            )
            .await?;
        let typed = challenge_data(&reply).map_err(|reason| ClientError::MarketResponse {
            url: self.url.clone(),
            reason,
        })?;
        let hash = typed
            .eip712_signing_hash()
            .map_err(|e| ClientError::MarketResponse {
                url: self.url.clone(),
                reason: format!("the challenge cannot be hashed (EIP-712): {e}"),
            })?;
        let signature = signer
            .sign_hash(&hash)
            .await
            .map_err(|e| ClientError::InvalidInput(format!("the wallet cannot sign: {e}")))?;
        Ok(header(hash, &signature.as_bytes(), address))
    }
}

/// The typed data of a `/challenge` reply (`{ok, data}` or the typed data itself).
pub fn challenge_data(reply: &Value) -> std::result::Result<TypedData, String> {
    let typed = reply.get("data").unwrap_or(reply);
    for key in ["domain", "types", "message"] {
        if typed.get(key).is_none() {
            return Err(format!("the challenge has no `{key}`"));
        }
    }
    serde_json::from_value(typed.clone())
        .map_err(|e| format!("the challenge is not EIP-712 typed data: {e}"))
}

/// `<hash>_<signature>_<address>`.
pub fn header(hash: B256, signature: &[u8], address: Address) -> String {
    format!(
        "{hash}_{}_{}",
        hex::encode_prefixed(signature),
        address.to_checksum(None)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_signer_local::PrivateKeySigner;
    use poco_contracts::alloy::sol_types::Eip712Domain;
    use serde_json::json;

    /// `Challenge{challenge}`'s EIP-712 signing hash, computed by hand from the standard.
    fn expected_hash(chain_id: u64, challenge: &str) -> B256 {
        use alloy_primitives::keccak256;
        let domain = Eip712Domain::new(
            Some("iExec Gateway".into()),
            Some("1".into()),
            Some(alloy_primitives::U256::from(chain_id)),
            None,
            None,
        );
        let type_hash = keccak256("Challenge(string challenge)");
        let struct_hash = keccak256([type_hash.0, keccak256(challenge).0].concat());
        keccak256(
            [
                &[0x19, 0x01][..],
                domain.separator().as_slice(),
                struct_hash.as_slice(),
            ]
            .concat(),
        )
    }

    /// The challenge as iExec's market (and poco-market) sends it.
    fn challenge(chain_id: u64, text: &str) -> Value {
        json!({"ok": true, "data": {
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                ],
                "Challenge": [{"name": "challenge", "type": "string"}],
            },
            "domain": {"name": "iExec Gateway", "version": "1", "chainId": chain_id},
            "primaryType": "Challenge",
            "message": {"challenge": text},
        }})
    }

    #[test]
    fn the_hash_is_the_eip712_hash_of_the_challenge() {
        let typed = challenge_data(&challenge(31337, "abc")).expect("typed data");
        let expected = expected_hash(31337, "abc");
        assert_eq!(typed.eip712_signing_hash().expect("hashes"), expected);
        // Bare typed data (no `data`) is read too, as the SDK does.
        let bare = challenge(31337, "abc")["data"].clone();
        assert_eq!(
            challenge_data(&bare)
                .expect("typed data")
                .eip712_signing_hash()
                .expect("hashes"),
            expected
        );
    }

    #[test]
    fn malformed_challenges_are_refused() {
        let error =
            challenge_data(&json!({"ok": true, "data": {"message": {}}})).expect_err("no domain");
        assert!(error.contains("no `domain`"), "{error}");
        let mut bad = challenge(1, "x");
        bad["data"]["primaryType"] = json!("Missing");
        let typed = challenge_data(&bad);
        assert!(
            typed.is_err() || typed.expect("parsed").eip712_signing_hash().is_err(),
            "an unknown primary type cannot be hashed"
        );
    }

    #[tokio::test]
    async fn the_header_recovers_to_the_wallet() {
        let signer = PrivateKeySigner::random();
        let typed = challenge_data(&challenge(134, "xyz")).expect("typed data");
        let hash = typed.eip712_signing_hash().expect("hashes");
        let signature = signer.sign_hash(&hash).await.expect("signs");
        let value = header(hash, &signature.as_bytes(), signer.address());
        let parts: Vec<&str> = value.split('_').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], hash.to_string());
        assert_eq!(parts[1].len(), 2 + 130, "65 bytes of hex");
        assert!(
            parts[1].ends_with("1b") || parts[1].ends_with("1c"),
            "v is 27 or 28"
        );
        assert_eq!(parts[2], signer.address().to_checksum(None));
        let bytes = hex::decode(parts[1]).expect("hex");
        let recovered = poco_types::signature::recover(&hash, &bytes).expect("recovers");
        assert_eq!(recovered, signer.address());
    }
}

//! Challenges the scheduler hands out before trusting a wallet:
//!
//! - **Worker login** (design ⚑A1): the worker signs, EIP-191, keccak256 of the 32-byte
//!   challenge ([`login_message`], [`sign_login`], [`recover_login`]). Hashing first means the
//!   signed bytes can never be a transaction the scheduler chose.
//! - **Requester logs** (`GET /tasks/logs/challenge`, then `GET /tasks/{id}/logs`): iExec core's
//!   EIP-712 typed data, domain `{name: "iExec Core", version: "1", chainId}` (no verifying
//!   contract), type `Challenge{challenge: string}`. The requester signs it (ethers'
//!   `signTypedData`, as the iExec SDK does) and sends `Authorization: <hash>_<signature>_<address>`
//!   ([`LogsAuthorization`]).
//!
//! Randomness stays outside this crate: the scheduler draws the bytes.
//!
//! ```
//! use alloy_signer_local::PrivateKeySigner;
//! use poco_types::challenge::{LogsAuthorization, LogsChallenge};
//!
//! # fn main() -> Result<(), poco_types::challenge::ChallengeError> {
//! let requester = PrivateKeySigner::random();
//! let challenge = LogsChallenge::from_bytes(134, [7u8; 32]);
//! let typed_data = challenge.typed_data(); // what the scheduler answers
//! let parsed = LogsChallenge::from_typed_data(&typed_data)?; // what the client reads
//! let header = parsed.authorize(&requester)?.to_header();
//! let auth = LogsAuthorization::parse(&header)?;
//! assert_eq!(auth.verify(&challenge)?, requester.address());
//! # Ok(()) }
//! ```

use crate::signature;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_signer::{Signer, SignerSync};
use alloy_sol_types::{Eip712Domain, SolStruct};
use base64::Engine;
use serde_json::{Value, json};
use std::borrow::Cow;

/// The EIP-712 domain name of iExec core's challenges.
pub const CORE_DOMAIN_NAME: &str = "iExec Core";
/// The EIP-712 domain version of iExec core's challenges.
pub const CORE_DOMAIN_VERSION: &str = "1";

alloy_sol_types::sol! {
    /// iExec core's EIP-712 challenge type.
    #[derive(Debug, PartialEq, Eq)]
    struct Challenge {
        string challenge;
    }
}

/// What can go wrong with a challenge or an authorization header.
#[derive(Debug, thiserror::Error)]
pub enum ChallengeError {
    /// The typed data the scheduler sent is not iExec core's challenge shape.
    #[error("unexpected challenge format: {0}")]
    Format(String),
    /// The `Authorization` header is not `<hash>_<signature>_<address>`.
    #[error(
        "malformed authorization {0:?}: expected <0x hash>_<0x signature>_<0x address>, as the iExec SDK sends"
    )]
    Header(String),
    /// The header's hash is not the hash of the challenge it should answer (unknown, expired or
    /// another chain's challenge).
    #[error("the authorization answers challenge {got}, not {expected}: ask for a new challenge")]
    WrongChallenge {
        /// The challenge's hash.
        expected: B256,
        /// The header's hash.
        got: B256,
    },
    /// The signature does not recover to the address in the header.
    #[error("the signature is not {claimed}'s (it recovers to {recovered})")]
    WrongSigner {
        /// The address the header claims.
        claimed: Address,
        /// The address the signature recovers to.
        recovered: Address,
    },
    /// The signature is malformed, or signing failed.
    #[error(transparent)]
    Signature(#[from] crate::TypesError),
}

/// The domain `{name: "iExec Core", version: "1", chainId}`.
pub fn core_domain(chain_id: u64) -> Eip712Domain {
    Eip712Domain::new(
        Some(Cow::Borrowed(CORE_DOMAIN_NAME)),
        Some(Cow::Borrowed(CORE_DOMAIN_VERSION)),
        Some(U256::from(chain_id)),
        None,
        None,
    )
}

/// A logs challenge: the text to sign on one chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogsChallenge {
    /// The chain id of the domain.
    pub chain_id: u64,
    /// The challenge text (base64 of 32 random bytes when Poco makes it).
    pub challenge: String,
}

impl LogsChallenge {
    /// A challenge whose text is the standard base64 of `random` (the caller draws the bytes).
    pub fn from_bytes(chain_id: u64, random: [u8; 32]) -> Self {
        LogsChallenge {
            chain_id,
            challenge: base64::engine::general_purpose::STANDARD.encode(random),
        }
    }

    /// The EIP-712 hash that gets signed, and that identifies the challenge in the header.
    pub fn hash(&self) -> B256 {
        Challenge {
            challenge: self.challenge.clone(),
        }
        .eip712_signing_hash(&core_domain(self.chain_id))
    }

    /// The typed-data JSON `GET /tasks/logs/challenge` answers, as iExec core writes it:
    /// `{types: {EIP712Domain, Challenge}, domain, primaryType, message}`.
    pub fn typed_data(&self) -> Value {
        json!({
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                ],
                "Challenge": [{"name": "challenge", "type": "string"}],
            },
            "domain": {
                "name": CORE_DOMAIN_NAME,
                "version": CORE_DOMAIN_VERSION,
                "chainId": self.chain_id,
            },
            "primaryType": "Challenge",
            "message": {"challenge": self.challenge},
        })
    }

    /// Reads the typed data a scheduler sent (also wrapped as `{data: ...}`, which the SDK
    /// accepts), checking that it is exactly iExec core's challenge: a client must not sign
    /// some other structure on a server's word.
    pub fn from_typed_data(value: &Value) -> Result<Self, ChallengeError> {
        let value = value.get("data").unwrap_or(value);
        let bad = |what: &str| ChallengeError::Format(what.to_string());
        let domain = value.get("domain").ok_or_else(|| bad("no domain"))?;
        if domain.get("name").and_then(Value::as_str) != Some(CORE_DOMAIN_NAME)
            || domain.get("version").and_then(Value::as_str) != Some(CORE_DOMAIN_VERSION)
        {
            return Err(bad(
                "the domain is not {name: \"iExec Core\", version: \"1\"}",
            ));
        }
        if domain.get("verifyingContract").is_some() || domain.get("salt").is_some() {
            return Err(bad("the domain has fields iExec core's has not"));
        }
        let chain_id = match domain.get("chainId") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        }
        .ok_or_else(|| bad("the domain's chainId is not a number"))?;
        let challenge_type = json!([{"name": "challenge", "type": "string"}]);
        if value.pointer("/types/Challenge") != Some(&challenge_type) {
            return Err(bad("the type is not Challenge{challenge: string}"));
        }
        if let Some(types) = value.get("types").and_then(Value::as_object)
            && types
                .keys()
                .any(|k| k != "Challenge" && k != "EIP712Domain")
        {
            return Err(bad("extra types"));
        }
        if let Some(primary) = value.get("primaryType")
            && primary != "Challenge"
        {
            return Err(bad("primaryType is not Challenge"));
        }
        let challenge = value
            .pointer("/message/challenge")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no message.challenge string"))?;
        Ok(LogsChallenge {
            chain_id,
            challenge: challenge.to_string(),
        })
    }

    /// Signs the challenge (EIP-712, no prefix) and builds the authorization.
    pub fn authorize<S: SignerSync + ?Sized>(
        &self,
        signer: &S,
    ) -> Result<LogsAuthorization, ChallengeError> {
        let hash = self.hash();
        let signature = signature::sign_hash(signer, &hash)?;
        // `SignerSync` has no address accessor: the signature names its signer.
        let address = signature::recover(&hash, &signature)?;
        Ok(LogsAuthorization {
            hash,
            signature,
            address,
        })
    }

    /// [`LogsChallenge::authorize`] with any signer.
    pub async fn authorize_async<S: Signer + Sync + ?Sized>(
        &self,
        signer: &S,
    ) -> Result<LogsAuthorization, ChallengeError> {
        let hash = self.hash();
        Ok(LogsAuthorization {
            hash,
            signature: signature::sign_hash_async(signer, &hash).await?,
            address: signer.address(),
        })
    }
}

/// The `Authorization` header of `GET /tasks/{id}/logs`: `<hash>_<signature>_<address>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogsAuthorization {
    /// The challenge's EIP-712 hash.
    pub hash: B256,
    /// The requester's EIP-712 signature of it.
    pub signature: Bytes,
    /// The requester's address.
    pub address: Address,
}

impl LogsAuthorization {
    /// The header value (address checksummed, as the SDK sends it).
    pub fn to_header(&self) -> String {
        format!(
            "{}_{}_{}",
            self.hash,
            self.signature,
            self.address.to_checksum(None)
        )
    }

    /// Parses a header value (any address case).
    pub fn parse(header: &str) -> Result<Self, ChallengeError> {
        let bad = || ChallengeError::Header(header.chars().take(300).collect());
        let mut parts = header.trim().split('_');
        let (Some(hash), Some(sign), Some(address), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        Ok(LogsAuthorization {
            hash: hash.parse().map_err(|_| bad())?,
            signature: sign.parse().map_err(|_| bad())?,
            address: crate::serde_helpers::parse_address(address).map_err(|_| bad())?,
        })
    }

    /// Checks that this answers `challenge` and is signed by the address it names; returns
    /// that address (the caller then checks it is the deal's requester).
    pub fn verify(&self, challenge: &LogsChallenge) -> Result<Address, ChallengeError> {
        let expected = challenge.hash();
        if self.hash != expected {
            return Err(ChallengeError::WrongChallenge {
                expected,
                got: self.hash,
            });
        }
        let recovered = signature::recover(&self.hash, &self.signature)?;
        if recovered != self.address {
            return Err(ChallengeError::WrongSigner {
                claimed: self.address,
                recovered,
            });
        }
        Ok(recovered)
    }
}

/// The message a worker signs (EIP-191) to log in: keccak256 of the challenge's 32 bytes.
pub fn login_message(challenge: &B256) -> B256 {
    keccak256(challenge)
}

/// Signs a login challenge (see [`login_message`]).
pub fn sign_login<S: SignerSync + ?Sized>(
    signer: &S,
    challenge: &B256,
) -> Result<Bytes, ChallengeError> {
    Ok(signature::sign_eip191(signer, &login_message(challenge))?)
}

/// [`sign_login`] with any signer.
pub async fn sign_login_async<S: Signer + Sync + ?Sized>(
    signer: &S,
    challenge: &B256,
) -> Result<Bytes, ChallengeError> {
    Ok(signature::sign_eip191_async(signer, &login_message(challenge)).await?)
}

/// Who signed a login challenge.
pub fn recover_login(challenge: &B256, sign: &[u8]) -> Result<Address, ChallengeError> {
    Ok(signature::recover_eip191(&login_message(challenge), sign)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::tests::{DEV_ADDRESS, dev_signer};

    #[test]
    fn domain_type_has_no_verifying_contract() {
        assert_eq!(
            core_domain(1).encode_type(),
            "EIP712Domain(string name,string version,uint256 chainId)"
        );
        assert_eq!(
            Challenge::eip712_encode_type(),
            "Challenge(string challenge)"
        );
    }

    #[test]
    fn hash_matches_a_manual_eip712_encoding() {
        let c = LogsChallenge {
            chain_id: 134,
            challenge: "abc".into(),
        };
        let domain_sep = keccak256(
            [
                keccak256("EIP712Domain(string name,string version,uint256 chainId)").as_slice(),
                keccak256(CORE_DOMAIN_NAME).as_slice(),
                keccak256(CORE_DOMAIN_VERSION).as_slice(),
                &U256::from(134).to_be_bytes::<32>(),
            ]
            .concat(),
        );
        let struct_hash = keccak256(
            [
                keccak256("Challenge(string challenge)").as_slice(),
                keccak256("abc").as_slice(),
            ]
            .concat(),
        );
        let digest = keccak256(
            [
                &[0x19u8, 0x01][..],
                domain_sep.as_slice(),
                struct_hash.as_slice(),
            ]
            .concat(),
        );
        assert_eq!(c.hash(), digest);
    }

    #[test]
    fn typed_data_round_trips_and_rejects_other_structures() {
        let c = LogsChallenge::from_bytes(65535, [1u8; 32]);
        assert_eq!(c.challenge, "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=");
        let td = c.typed_data();
        assert_eq!(td["domain"]["chainId"], 65535);
        assert_eq!(LogsChallenge::from_typed_data(&td).expect("valid"), c);
        assert_eq!(
            LogsChallenge::from_typed_data(&json!({"data": td.clone()})).expect("wrapped"),
            c
        );

        let mut other = td.clone();
        other["domain"]["verifyingContract"] = json!("0x0000000000000000000000000000000000000001");
        assert!(LogsChallenge::from_typed_data(&other).is_err());
        let mut other = td.clone();
        other["types"]["Challenge"] = json!([{"name": "to", "type": "address"}]);
        assert!(LogsChallenge::from_typed_data(&other).is_err());
        let mut other = td.clone();
        other["domain"]["name"] = json!("iExecODB");
        assert!(LogsChallenge::from_typed_data(&other).is_err());
        let mut other = td;
        other["types"]["Order"] = json!([]);
        assert!(LogsChallenge::from_typed_data(&other).is_err());
    }

    #[test]
    fn header_builds_parses_and_verifies() {
        let c = LogsChallenge::from_bytes(134, [9u8; 32]);
        let auth = c.authorize(&dev_signer()).expect("local signing");
        assert_eq!(auth.address, DEV_ADDRESS);
        let header = auth.to_header();
        let parts: Vec<&str> = header.split('_').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], c.hash().to_string());
        assert_eq!(parts[2], DEV_ADDRESS.to_checksum(None));
        let parsed = LogsAuthorization::parse(&header).expect("parses");
        assert_eq!(parsed, auth);
        assert_eq!(parsed.verify(&c).expect("valid"), DEV_ADDRESS);
        // Lowercase address accepted.
        let lower = LogsAuthorization::parse(&header.to_lowercase()).expect("any case");
        assert_eq!(lower.verify(&c).expect("valid"), DEV_ADDRESS);

        // Another challenge, another chain, another claimed address, garbage.
        let other = LogsChallenge::from_bytes(134, [8u8; 32]);
        assert!(matches!(
            parsed.verify(&other),
            Err(ChallengeError::WrongChallenge { .. })
        ));
        let other_chain = LogsChallenge {
            chain_id: 1,
            ..c.clone()
        };
        assert!(parsed.verify(&other_chain).is_err());
        let liar = LogsAuthorization {
            address: Address::repeat_byte(1),
            ..parsed.clone()
        };
        assert!(matches!(
            liar.verify(&c),
            Err(ChallengeError::WrongSigner { .. })
        ));
        for bad in ["", "a_b_c", &format!("{header}_x"), "0x12_0x34"] {
            assert!(LogsAuthorization::parse(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn async_authorization_matches_sync() {
        let c = LogsChallenge::from_bytes(134, [3u8; 32]);
        assert_eq!(
            c.authorize_async(&dev_signer()).await.expect("signs"),
            c.authorize(&dev_signer()).expect("signs")
        );
    }

    #[test]
    fn login_signature_is_eip191_over_keccak_of_the_challenge() {
        let challenge = B256::repeat_byte(0x42);
        let sign = sign_login(&dev_signer(), &challenge).expect("signs");
        assert_eq!(
            recover_login(&challenge, &sign).expect("valid"),
            DEV_ADDRESS
        );
        assert_eq!(
            signature::recover_eip191(&keccak256(challenge), &sign).expect("valid"),
            DEV_ADDRESS
        );
        assert_ne!(
            recover_login(&B256::repeat_byte(0x43), &sign).ok(),
            Some(DEV_ADDRESS)
        );
    }
}

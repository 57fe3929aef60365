//! V3 keystores (the Web3 Secret Storage format): the encrypted wallet files that geth,
//! MetaMask, ethers and the iExec SDK read and write.
//!
//! A keystore holds one private key, encrypted with aes-128-ctr under a key derived from a
//! password by scrypt (or, in files written by other tools, pbkdf2 with hmac-sha256). The MAC
//! is `keccak256(derived_key[16..32] ‖ ciphertext)`; it is checked before anything is
//! decrypted, so a wrong password is told apart from a damaged file.
//!
//! [`encrypt`] writes what ethers' `wallet.encrypt` writes (and so the iExec SDK): scrypt with
//! N = 2^17, r = 8, p = 1, a 32-byte random salt, a random IV, a random UUID v4 `id`, and the
//! address in lowercase hex without `0x`. [`decrypt`] reads the files of geth, MetaMask, ethers
//! and the spec's test vectors, whatever the case of their field names (`Crypto` or `crypto`),
//! and refuses key derivation costs so high that decrypting would hang or exhaust memory.
//!
//! Files live in a directory (by default geth's, [`default_keystore_dir`]) under geth's names
//! ([`file_name`]); [`save`], [`list`], [`find`] and [`load`] handle them.

use std::str::FromStr;

use aes::cipher::{KeyIvInit, StreamCipher};
use alloy_primitives::{Address, B256, keccak256};
use alloy_signer_local::PrivateKeySigner;
use serde::{Deserialize, Serialize};

use crate::error::{ClientError, Result};

mod files;
#[cfg(test)]
mod tests;

pub use files::{default_keystore_dir, file_name, find, list, load, newest, save};

/// The largest scrypt `N` Poco accepts, as a power of two: 2^20 (1 GiB of memory with r = 8).
pub const MAX_SCRYPT_LOG_N: u8 = 20;
/// The most memory scrypt may need to decrypt a keystore (`128 · r · N` bytes): 1 GiB.
pub const MAX_SCRYPT_MEMORY: u64 = 1 << 30;
/// The largest scrypt parallelization parameter `p` Poco accepts.
pub const MAX_SCRYPT_P: u32 = 16;
/// The most pbkdf2 rounds Poco accepts (ethers and geth's light mode use 262,144).
pub const MAX_PBKDF2_ROUNDS: u32 = 10_000_000;
/// The scrypt `r` Poco writes (as ethers and geth do).
pub const SCRYPT_R: u32 = 8;
/// The scrypt `p` Poco writes (as ethers and geth do).
pub const SCRYPT_P: u32 = 1;
/// The derived key length Poco writes, in bytes.
pub const DKLEN: u32 = 32;

/// How costly the scrypt key derivation of a new keystore is: `N = 2^log_n`.
///
/// The default, 2^17, is what ethers (so the iExec SDK) and geth's standard mode write; it
/// takes about a second. Tests use 2^10.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ScryptCost {
    /// The base-two logarithm of scrypt's `N`, between 1 and [`MAX_SCRYPT_LOG_N`].
    pub log_n: u8,
}

impl ScryptCost {
    /// N = 2^17, as ethers and geth write.
    pub const DEFAULT: Self = Self { log_n: 17 };

    /// A cost of `N = 2^log_n`.
    pub const fn new(log_n: u8) -> Self {
        Self { log_n }
    }
}

impl Default for ScryptCost {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A V3 keystore, as its JSON reads.
///
/// Serializes as geth and ethers write it: `{"address", "id", "version", "crypto"}` with hex in
/// lowercase without `0x`. Read a file's JSON with [`Keystore::from_json`] (or [`str::parse`]),
/// which also accepts other tools' spellings of the field names; the derived `Deserialize`
/// only knows `crypto` and `Crypto`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keystore {
    /// The wallet's address, if the file says (the spec's test vectors do not).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_address_hex"
    )]
    pub address: Option<Address>,
    /// The keystore's UUID.
    #[serde(default)]
    pub id: String,
    /// The format version: 3.
    pub version: u64,
    /// The encrypted key and how to decrypt it.
    #[serde(alias = "Crypto")]
    pub crypto: KeystoreCrypto,
}

/// The `crypto` object of a keystore.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeystoreCrypto {
    /// The cipher: `aes-128-ctr`, the only one Poco reads.
    pub cipher: String,
    /// The cipher's parameters.
    pub cipherparams: CipherParams,
    /// The encrypted private key.
    #[serde(with = "hex_bytes")]
    pub ciphertext: Vec<u8>,
    /// The key derivation function: `scrypt` or `pbkdf2`.
    pub kdf: String,
    /// The key derivation function's parameters.
    pub kdfparams: KdfParams,
    /// `keccak256(derived_key[16..32] ‖ ciphertext)`.
    #[serde(with = "hex_bytes")]
    pub mac: Vec<u8>,
}

/// The cipher's parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CipherParams {
    /// The AES-CTR initial counter block, 16 bytes.
    #[serde(with = "hex_bytes")]
    pub iv: Vec<u8>,
}

/// The key derivation function's parameters: `n`, `r`, `p` for scrypt, `c` and `prf` for pbkdf2.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// The derived key length in bytes (32).
    pub dklen: u32,
    /// scrypt's CPU/memory cost, a power of two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    /// scrypt's block size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r: Option<u32>,
    /// scrypt's parallelization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<u32>,
    /// pbkdf2's number of rounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c: Option<u32>,
    /// pbkdf2's pseudo-random function: `hmac-sha256`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prf: Option<String>,
    /// The salt.
    #[serde(with = "hex_bytes")]
    pub salt: Vec<u8>,
}

impl Keystore {
    /// Reads a keystore's JSON, as geth, MetaMask, ethers or Poco wrote it: field names are
    /// matched whatever their case, unknown fields (like ethers' `x-ethers`) are ignored, and
    /// the version must be 3.
    ///
    /// Fails with [`ClientError::InvalidKeystore`] when the text is not a V3 keystore.
    pub fn from_json(json: &str) -> Result<Self> {
        let invalid = |reason: String| ClientError::InvalidKeystore { path: None, reason };
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| invalid(format!("not JSON ({e})")))?;
        if !value.is_object() {
            return Err(invalid("the JSON is not an object".into()));
        }
        let keystore: Self = serde_json::from_value(lowercase_keys(value))
            .map_err(|e| invalid(format!("not a keystore ({e})")))?;
        if keystore.version != 3 {
            return Err(invalid(format!(
                "it is version {}, Poco reads version 3",
                keystore.version
            )));
        }
        Ok(keystore)
    }

    /// The keystore's JSON, on one line as geth and ethers write it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a keystore has only strings, numbers and objects")
    }
}

impl FromStr for Keystore {
    type Err = ClientError;

    fn from_str(json: &str) -> Result<Self> {
        Self::from_json(json)
    }
}

/// Encrypts a wallet's private key under `password` at the default cost (scrypt N = 2^17,
/// about a second), as ethers' `wallet.encrypt` and so the iExec SDK do.
pub fn encrypt(signer: &PrivateKeySigner, password: &str) -> Result<Keystore> {
    encrypt_with(signer, password, ScryptCost::DEFAULT)
}

/// Encrypts a wallet's private key under `password` with scrypt at the given cost
/// (r = 8, p = 1), a random 32-byte salt and a random IV.
///
/// Fails with [`ClientError::KeystoreKdfParams`] if `cost.log_n` is 0 or above
/// [`MAX_SCRYPT_LOG_N`] (Poco would refuse to read such a keystore back).
pub fn encrypt_with(
    signer: &PrivateKeySigner,
    password: &str,
    cost: ScryptCost,
) -> Result<Keystore> {
    let salt: [u8; 32] = rand::random();
    let iv: [u8; 16] = rand::random();
    let kdf = Kdf::Scrypt {
        log_n: cost.log_n,
        r: SCRYPT_R,
        p: SCRYPT_P,
    };
    kdf.check()?;
    let derived = kdf.derive(password.as_bytes(), &salt, DKLEN)?;
    let mut ciphertext = signer.to_bytes().to_vec();
    aes_128_ctr(&derived, &iv, &mut ciphertext);
    let mac = mac(&derived, &ciphertext);
    Ok(Keystore {
        address: Some(signer.address()),
        id: uuid::Uuid::new_v4().to_string(),
        version: 3,
        crypto: KeystoreCrypto {
            cipher: "aes-128-ctr".into(),
            cipherparams: CipherParams { iv: iv.to_vec() },
            ciphertext,
            kdf: "scrypt".into(),
            kdfparams: KdfParams {
                dklen: DKLEN,
                n: Some(1 << cost.log_n),
                r: Some(SCRYPT_R),
                p: Some(SCRYPT_P),
                c: None,
                prf: None,
                salt: salt.to_vec(),
            },
            mac: mac.to_vec(),
        },
    })
}

/// Decrypts a keystore with `password`.
///
/// Checks the MAC before decrypting: a wrong password fails with
/// [`ClientError::WrongPassword`]. Then checks that the key is the one of the `address` the
/// keystore states, if it states one ([`ClientError::KeystoreAddressMismatch`]). Fails with
/// [`ClientError::InvalidKeystore`], [`ClientError::UnsupportedKeystore`] or
/// [`ClientError::KeystoreKdfParams`] for keystores it cannot read, without spending time on
/// the key derivation.
pub fn decrypt(keystore: &Keystore, password: &str) -> Result<PrivateKeySigner> {
    let invalid = |reason: String| ClientError::InvalidKeystore { path: None, reason };
    if keystore.version != 3 {
        return Err(invalid(format!(
            "it is version {}, Poco reads version 3",
            keystore.version
        )));
    }
    let crypto = &keystore.crypto;
    if !crypto.cipher.eq_ignore_ascii_case("aes-128-ctr") {
        return Err(ClientError::UnsupportedKeystore {
            reason: format!("cipher `{}` (Poco reads aes-128-ctr)", crypto.cipher),
        });
    }
    if crypto.cipherparams.iv.len() != 16 {
        return Err(invalid(format!(
            "its IV is {} bytes long instead of 16",
            crypto.cipherparams.iv.len()
        )));
    }
    if crypto.ciphertext.len() != 32 {
        return Err(invalid(format!(
            "its ciphertext is {} bytes long instead of 32 (a private key)",
            crypto.ciphertext.len()
        )));
    }
    if crypto.mac.len() != 32 {
        return Err(invalid(format!(
            "its MAC is {} bytes long instead of 32",
            crypto.mac.len()
        )));
    }
    let kdf = Kdf::from_params(&crypto.kdf, &crypto.kdfparams)?;
    kdf.check()?;
    let derived = kdf.derive(
        password.as_bytes(),
        &crypto.kdfparams.salt,
        crypto.kdfparams.dklen,
    )?;
    if !constant_time_eq(mac(&derived, &crypto.ciphertext).as_slice(), &crypto.mac) {
        return Err(ClientError::WrongPassword {
            address: keystore.address,
        });
    }
    let mut key = crypto.ciphertext.clone();
    aes_128_ctr(&derived, &crypto.cipherparams.iv, &mut key);
    let signer = PrivateKeySigner::from_bytes(&B256::from_slice(&key))
        .map_err(|_| invalid("its decrypted key is not a valid secp256k1 private key".into()))?;
    if let Some(stated) = keystore.address
        && stated != signer.address()
    {
        return Err(ClientError::KeystoreAddressMismatch {
            stated,
            actual: signer.address(),
        });
    }
    Ok(signer)
}

/// Reads a keystore's JSON ([`Keystore::from_json`]) and decrypts it ([`decrypt`]).
pub fn decrypt_json(json: &str, password: &str) -> Result<PrivateKeySigner> {
    decrypt(&Keystore::from_json(json)?, password)
}

/// A key derivation function with its costs, checked by [`Kdf::check`] before use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kdf {
    Scrypt { log_n: u8, r: u32, p: u32 },
    Pbkdf2 { rounds: u32 },
}

impl Kdf {
    /// Reads the function from a keystore's `kdf` and `kdfparams`.
    fn from_params(kdf: &str, params: &KdfParams) -> Result<Self> {
        let refuse = |reason: String| ClientError::KeystoreKdfParams { reason };
        let missing = |name: &str| ClientError::InvalidKeystore {
            path: None,
            reason: format!("its {kdf} parameters lack `{name}`"),
        };
        if !(32..=64).contains(&params.dklen) {
            return Err(refuse(format!(
                "dklen {} (it must be 32 to 64 bytes)",
                params.dklen
            )));
        }
        if params.salt.len() > 1024 {
            return Err(refuse(format!(
                "a salt of {} bytes (at most 1024)",
                params.salt.len()
            )));
        }
        if kdf.eq_ignore_ascii_case("scrypt") {
            let n = params.n.ok_or_else(|| missing("n"))?;
            if n < 2 || !n.is_power_of_two() {
                return Err(refuse(format!(
                    "scrypt n = {n} (it must be a power of two, at least 2)"
                )));
            }
            let log_n =
                u8::try_from(n.trailing_zeros()).expect("a u64 has at most 64 trailing zeros");
            Ok(Self::Scrypt {
                log_n,
                r: params.r.ok_or_else(|| missing("r"))?,
                p: params.p.ok_or_else(|| missing("p"))?,
            })
        } else if kdf.eq_ignore_ascii_case("pbkdf2") {
            if let Some(prf) = &params.prf
                && !prf.eq_ignore_ascii_case("hmac-sha256")
            {
                return Err(ClientError::UnsupportedKeystore {
                    reason: format!("pbkdf2 with prf `{prf}` (Poco reads hmac-sha256)"),
                });
            }
            Ok(Self::Pbkdf2 {
                rounds: params.c.ok_or_else(|| missing("c"))?,
            })
        } else {
            Err(ClientError::UnsupportedKeystore {
                reason: format!("key derivation function `{kdf}` (Poco reads scrypt and pbkdf2)"),
            })
        }
    }

    /// Refuses costs that would hang or exhaust memory, and degenerate ones.
    fn check(self) -> Result<()> {
        let refuse = |reason: String| Err(ClientError::KeystoreKdfParams { reason });
        match self {
            Self::Scrypt { log_n, r, p } => {
                if log_n == 0 || log_n > MAX_SCRYPT_LOG_N {
                    return refuse(format!(
                        "scrypt n = 2^{log_n} (it must be 2^1 to 2^{MAX_SCRYPT_LOG_N})"
                    ));
                }
                if r == 0 || (128 * u64::from(r)) << log_n > MAX_SCRYPT_MEMORY {
                    return refuse(format!(
                        "scrypt r = {r} with n = 2^{log_n} (r must be at least 1 and 128·r·n at most 1 GiB)"
                    ));
                }
                if p == 0 || p > MAX_SCRYPT_P {
                    return refuse(format!("scrypt p = {p} (it must be 1 to {MAX_SCRYPT_P})"));
                }
                Ok(())
            }
            Self::Pbkdf2 { rounds } => {
                if rounds == 0 || rounds > MAX_PBKDF2_ROUNDS {
                    return refuse(format!(
                        "pbkdf2 c = {rounds} rounds (it must be 1 to {MAX_PBKDF2_ROUNDS})"
                    ));
                }
                Ok(())
            }
        }
    }

    /// Derives a `dklen`-byte key (32 to 64) from the password. Costs must have been checked.
    fn derive(self, password: &[u8], salt: &[u8], dklen: u32) -> Result<Vec<u8>> {
        let mut out = vec![0u8; usize::try_from(dklen).expect("dklen is at most 64")];
        match self {
            Self::Scrypt { log_n, r, p } => {
                let params = scrypt::Params::new(log_n, r, p).map_err(|e| {
                    ClientError::KeystoreKdfParams {
                        reason: format!("scrypt parameters ({e})"),
                    }
                })?;
                scrypt::scrypt(password, salt, &params, &mut out)
                    .expect("32 to 64 bytes is a valid scrypt output length");
            }
            Self::Pbkdf2 { rounds } => {
                pbkdf2::pbkdf2_hmac::<pbkdf2::sha2::Sha256>(password, salt, rounds, &mut out);
            }
        }
        Ok(out)
    }
}

/// `keccak256(derived_key[16..32] ‖ ciphertext)`.
fn mac(derived: &[u8], ciphertext: &[u8]) -> B256 {
    let mut body = Vec::with_capacity(16 + ciphertext.len());
    body.extend_from_slice(&derived[16..32]);
    body.extend_from_slice(ciphertext);
    keccak256(&body)
}

/// Encrypts or decrypts `data` in place with aes-128-ctr under `derived[..16]`.
fn aes_128_ctr(derived: &[u8], iv: &[u8], data: &mut [u8]) {
    let mut cipher = ctr::Ctr128BE::<aes::Aes128>::new_from_slices(&derived[..16], iv)
        .expect("the key is 16 bytes and the IV was checked to be 16");
    cipher.apply_keystream(data);
}

/// Compares two byte strings in time independent of where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Lowercases every object key, recursively, so that `Crypto`, `CipherParams`, ... match.
fn lowercase_keys(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), lowercase_keys(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(lowercase_keys).collect()),
        other => other,
    }
}

/// Decodes hex with or without `0x`.
fn decode_hex(s: &str) -> Result<Vec<u8>, hex::FromHexError> {
    let s = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    hex::decode(s)
}

/// Bytes as lowercase hex without `0x` (read with or without).
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        super::decode_hex(&s).map_err(|e| D::Error::custom(format!("invalid hex `{s}`: {e}")))
    }
}

/// An optional address as lowercase hex without `0x` (read with or without, in any case).
mod opt_address_hex {
    use alloy_primitives::Address;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(super) fn serialize<S: Serializer>(
        address: &Option<Address>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match address {
            Some(address) => s.serialize_str(&hex::encode(address)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Address>, D::Error> {
        let Some(s) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        if s.is_empty() {
            return Ok(None);
        }
        let bytes = super::decode_hex(&s)
            .map_err(|e| D::Error::custom(format!("invalid address `{s}`: {e}")))?;
        if bytes.len() != 20 {
            return Err(D::Error::custom(format!(
                "invalid address `{s}`: not 20 bytes"
            )));
        }
        Ok(Some(Address::from_slice(&bytes)))
    }
}

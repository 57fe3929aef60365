//! The content address of a result: a CIDv1 with the raw codec (0x55) and a sha2-256 multihash,
//! written in multibase base32 lower case. Its bytes are `0x01 0x55 0x12 0x20 ‖ sha256(zip)`,
//! so its text is always `bafkrei` followed by 52 characters. `ipfs add --cid-version 1
//! --raw-leaves` gives the same CID for files of one chunk (256 KiB); larger files get a dag-pb
//! root there, but any IPFS-style gateway path works with the SDK (**⚑A15**).

use super::error::ResultFormatError;
use crate::digest::sha256;
use ::cid::{Cid, Version, multibase, multihash::Multihash};
use alloy_primitives::B256;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::{fmt, str::FromStr};

/// The multicodec of raw bytes.
pub const RAW_CODEC: u64 = 0x55;
/// The multihash code of sha2-256.
pub const SHA2_256: u64 = 0x12;

/// A result's CID. It is fully determined by the sha256 of the bytes it names, which is all it
/// keeps; [`fmt::Display`] writes the canonical `bafkrei…` text, [`FromStr`] reads any multibase
/// form of such a CID (and refuses other CIDs with the reason).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResultCid {
    sha256: B256,
}

/// The CID of `bytes`.
pub fn cid_of(bytes: &[u8]) -> ResultCid {
    ResultCid::of(bytes)
}

impl ResultCid {
    /// The CID of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self::from_sha256(sha256(bytes))
    }

    /// The CID of the bytes whose sha256 is `sha256`.
    pub fn from_sha256(sha256: B256) -> Self {
        Self { sha256 }
    }

    /// The sha256 of the bytes it names.
    pub fn sha256(&self) -> B256 {
        self.sha256
    }

    /// Whether `bytes` are the ones it names.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        sha256(bytes) == self.sha256
    }

    /// The binary CID: `0x01 0x55 0x12 0x20 ‖ sha256`.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_cid().to_bytes()
    }

    /// The location of these bytes on a gateway: `/ipfs/<cid>`.
    pub fn location(&self) -> String {
        format!("{}{self}", super::IPFS_PREFIX)
    }

    /// The `cid` crate's value.
    pub fn to_cid(&self) -> Cid {
        let hash = Multihash::<64>::wrap(SHA2_256, self.sha256.as_slice())
            .expect("a 32-byte digest fits in a 64-byte multihash");
        Cid::new_v1(RAW_CODEC, hash)
    }

    /// Reads a CID from its text: any multibase form of a CIDv1, raw codec, sha2-256 (the
    /// canonical one is base32 lower case, `bafkrei…`). A leading `/ipfs/` is not accepted here:
    /// strip it first.
    pub fn parse(text: &str) -> Result<Self, ResultFormatError> {
        let syntax = |reason: String| ResultFormatError::CidSyntax {
            input: text.to_owned(),
            reason,
        };
        if text.len() == 46 && text.starts_with("Qm") {
            return Err(ResultFormatError::CidV0 {
                input: text.to_owned(),
            });
        }
        let (_, bytes) = multibase::decode(text).map_err(|e| syntax(e.to_string()))?;
        let cid = Cid::try_from(bytes.as_slice()).map_err(|e| syntax(e.to_string()))?;
        if cid.to_bytes() != bytes {
            return Err(syntax("it has bytes after the CID".to_owned()));
        }
        let kind = |reason: String| ResultFormatError::CidKind {
            input: text.to_owned(),
            reason,
        };
        if cid.version() != Version::V1 {
            return Err(ResultFormatError::CidV0 {
                input: text.to_owned(),
            });
        }
        if cid.codec() != RAW_CODEC {
            return Err(kind(format!("codec {:#x}", cid.codec())));
        }
        let hash = cid.hash();
        if hash.code() != SHA2_256 {
            return Err(kind(format!("hash function {:#x}", hash.code())));
        }
        let digest: [u8; 32] = hash
            .digest()
            .try_into()
            .map_err(|_| kind(format!("a {}-byte sha2-256 digest", hash.size())))?;
        Ok(Self::from_sha256(B256::from(digest)))
    }
}

impl fmt::Display for ResultCid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A CIDv1's default text is multibase base32 lower case.
        write!(f, "{}", self.to_cid())
    }
}

impl fmt::Debug for ResultCid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResultCid({self})")
    }
}

impl FromStr for ResultCid {
    type Err = ResultFormatError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl Serialize for ResultCid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ResultCid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canonical empty zip: the end-of-central-directory record alone.
    const EMPTY_ZIP: [u8; 22] = [
        0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    /// Vectors from an independent implementation, the npm `multiformats` package 13.4.2
    /// (Node 20), made with:
    ///
    /// ```js
    /// import { CID } from 'multiformats/cid'
    /// import * as raw from 'multiformats/codecs/raw'
    /// import { sha256 } from 'multiformats/hashes/sha2'
    /// for (const s of ['', 'hello poco', 'PK\u0005\u0006' + '\u0000'.repeat(18)])
    ///   console.log(CID.create(1, raw.code, await sha256.digest(new TextEncoder().encode(s))).toString())
    /// ```
    const VECTORS: [(&[u8], &str); 3] = [
        (
            b"",
            "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
        ),
        (
            b"hello poco",
            "bafkreifmpob22kmjp4jz5oboqa4xsjhjivgofova7rmfzd3bfvoo6diboe",
        ),
        (
            &EMPTY_ZIP,
            "bafkreiehhhdw42a7saeshoiazhpq55246qq5hhflwvdfbrfzvum3nj3nqu",
        ),
    ];

    #[test]
    fn cids_match_multiformats() {
        for (bytes, text) in VECTORS {
            let cid = cid_of(bytes);
            assert_eq!(cid.to_string(), text);
            assert_eq!(text.len(), 59);
            assert!(text.starts_with("bafkrei"));
            assert_eq!(text.parse::<ResultCid>().expect("valid"), cid);
            assert!(cid.matches(bytes));
            assert!(!cid.matches(b"other bytes"));
            assert_eq!(cid.location(), format!("/ipfs/{text}"));
            let binary = cid.to_bytes();
            assert_eq!(&binary[..4], &[0x01, 0x55, 0x12, 0x20]);
            assert_eq!(&binary[4..], sha256(bytes).as_slice());
        }
    }

    #[test]
    fn other_multibases_of_the_same_cid_are_read() {
        let (bytes, text) = VECTORS[1];
        let cid = cid_of(bytes);
        let upper = text.to_ascii_uppercase(); // 'B': base32 upper.
        assert_eq!(upper.parse::<ResultCid>().expect("base32 upper"), cid);
        let base58 = multibase::encode(multibase::Base::Base58Btc, cid.to_bytes());
        assert!(base58.starts_with('z'));
        assert_eq!(base58.parse::<ResultCid>().expect("base58"), cid);
    }

    #[test]
    fn other_cids_and_garbage_are_refused_with_the_reason() {
        // A CIDv0 (dag-pb), as iExec's IPFS stores results.
        let v0 = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR";
        assert!(matches!(
            v0.parse::<ResultCid>(),
            Err(ResultFormatError::CidV0 { .. })
        ));
        // A CIDv1 dag-pb of the same hash.
        let dag_pb = Cid::new_v1(
            0x70,
            Multihash::<64>::wrap(SHA2_256, &[7u8; 32]).expect("fits"),
        )
        .to_string();
        let error = dag_pb.parse::<ResultCid>().expect_err("dag-pb");
        assert!(error.to_string().contains("codec 0x70"), "{error}");
        // Raw, but sha2-512.
        let sha512 = Cid::new_v1(
            RAW_CODEC,
            Multihash::<64>::wrap(0x13, &[7u8; 64]).expect("fits"),
        )
        .to_string();
        let error = sha512.parse::<ResultCid>().expect_err("sha512");
        assert!(error.to_string().contains("hash function 0x13"), "{error}");
        // Truncated, trailing bytes, not a multibase, empty.
        let (_, text) = VECTORS[0];
        for bad in [&text[..40], "", "not a cid", "/ipfs/bafkrei"] {
            assert!(
                matches!(
                    bad.parse::<ResultCid>(),
                    Err(ResultFormatError::CidSyntax { .. })
                ),
                "{bad}"
            );
        }
        let mut long = cid_of(b"").to_bytes();
        long.push(0);
        let long = multibase::encode(multibase::Base::Base32Lower, long);
        let error = long.parse::<ResultCid>().expect_err("trailing byte");
        assert!(error.to_string().contains("bytes after the CID"), "{error}");
    }

    #[test]
    fn serde_writes_the_text() {
        let cid = cid_of(b"hello poco");
        let json = serde_json::to_string(&cid).expect("serializable");
        assert_eq!(json, format!("\"{}\"", VECTORS[1].1));
        assert_eq!(
            serde_json::from_str::<ResultCid>(&json).expect("round trip"),
            cid
        );
        assert!(serde_json::from_str::<ResultCid>("\"QmX\"").is_err());
    }
}

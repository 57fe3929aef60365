//! Order tags: the bytes32 bit mask of requirements (TEE, its framework, GPU) that a workerpool
//! order must cover, with the iExec SDK's names for the bits.

use crate::error::{Result, TypesError};
use alloy_primitives::B256;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::{fmt, ops, str::FromStr};

/// A bytes32 tag. Bit `n` is bit `n` of the big-endian uint256 (bit 0 is the lowest bit of the
/// last byte), as the contracts read it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(pub B256);

/// The named bits, in the order the SDK lists them.
const NAMES: [(&str, u8); 5] = [
    ("tee", Tag::TEE_BIT),
    ("scone", Tag::SCONE_BIT),
    ("gramine", Tag::GRAMINE_BIT),
    ("tdx", Tag::TDX_BIT),
    ("gpu", Tag::GPU_BIT),
];

impl Tag {
    /// Runs in a trusted execution environment.
    pub const TEE_BIT: u8 = 0;
    /// The TEE framework is SCONE.
    pub const SCONE_BIT: u8 = 1;
    /// The TEE framework is Gramine.
    pub const GRAMINE_BIT: u8 = 2;
    /// The TEE is Intel TDX.
    pub const TDX_BIT: u8 = 3;
    /// Needs a GPU.
    pub const GPU_BIT: u8 = 8;

    /// No requirement.
    pub const NONE: Tag = Tag(B256::ZERO);
    /// `tee`.
    pub const TEE: Tag = Tag::from_bit(Self::TEE_BIT);
    /// `scone` (alone; a SCONE app's tag is `TEE | SCONE`).
    pub const SCONE: Tag = Tag::from_bit(Self::SCONE_BIT);
    /// `gramine`.
    pub const GRAMINE: Tag = Tag::from_bit(Self::GRAMINE_BIT);
    /// `tdx`.
    pub const TDX: Tag = Tag::from_bit(Self::TDX_BIT);
    /// `gpu`.
    pub const GPU: Tag = Tag::from_bit(Self::GPU_BIT);

    /// The tag with only `bit` set.
    pub const fn from_bit(bit: u8) -> Tag {
        let mut bytes = [0u8; 32];
        bytes[31 - (bit / 8) as usize] = 1 << (bit % 8);
        Tag(B256::new(bytes))
    }

    /// Whether `bit` is set.
    pub fn has_bit(self, bit: u8) -> bool {
        self.0[31 - (bit / 8) as usize] & (1 << (bit % 8)) != 0
    }

    /// Whether every bit of `other` is set in `self`.
    pub fn contains(self, other: Tag) -> bool {
        other.is_subset_of(self)
    }

    /// Whether every bit set here is also set in `other`: a request's tag must be a subset of
    /// the workerpool order's (`tag & ~workerpool.tag == 0`).
    pub fn is_subset_of(self, other: Tag) -> bool {
        self.0.iter().zip(other.0.iter()).all(|(a, b)| a & !b == 0)
    }

    /// Whether the TEE bit is set.
    pub fn is_tee(self) -> bool {
        self.has_bit(Self::TEE_BIT)
    }

    /// Whether no bit is set.
    pub fn is_empty(self) -> bool {
        self.0 == B256::ZERO
    }

    /// The set bits, lowest first.
    pub fn bits(self) -> impl Iterator<Item = u8> {
        (0..=255u8).filter(move |&bit| self.has_bit(bit))
    }

    /// The tag with the bits of the named tags set (the SDK's `["tee", "scone"]` form). Names are
    /// case-insensitive; empty names are ignored, as the SDK does.
    pub fn from_names<I, S>(names: I) -> Result<Tag>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        names.into_iter().try_fold(Tag::NONE, |tag, name| {
            let name = name.as_ref().trim();
            if name.is_empty() {
                return Ok(tag);
            }
            NAMES
                .iter()
                .find(|(known, _)| known.eq_ignore_ascii_case(name))
                .map(|&(_, bit)| tag | Tag::from_bit(bit))
                .ok_or_else(|| TypesError::UnknownTag(name.to_string()))
        })
    }

    /// The names of the set bits, lowest bit first (the SDK's `tagArray`). Fails on a bit that
    /// has no name, as the SDK's `decodeTag` does.
    pub fn names(self) -> Result<Vec<&'static str>> {
        self.bits()
            .map(|bit| {
                NAMES
                    .iter()
                    .find(|&&(_, b)| b == bit)
                    .map(|&(name, _)| name)
                    .ok_or(TypesError::UnnamedTagBit(bit))
            })
            .collect()
    }
}

impl From<B256> for Tag {
    fn from(value: B256) -> Self {
        Tag(value)
    }
}

impl From<Tag> for B256 {
    fn from(value: Tag) -> Self {
        value.0
    }
}

impl ops::BitOr for Tag {
    type Output = Tag;

    fn bitor(self, rhs: Tag) -> Tag {
        Tag(self.0 | rhs.0)
    }
}

impl ops::BitOrAssign for Tag {
    fn bitor_assign(&mut self, rhs: Tag) {
        *self = *self | rhs;
    }
}

impl ops::BitAnd for Tag {
    type Output = Tag;

    fn bitand(self, rhs: Tag) -> Tag {
        Tag(self.0 & rhs.0)
    }
}

impl fmt::Display for Tag {
    /// The 0x-prefixed bytes32 hex, as tags appear in orders.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Tag {
    type Err = TypesError;

    /// Parses `0x` + 64 hex digits, or comma-separated names (`tee,scone`; empty is no tag).
    fn from_str(s: &str) -> Result<Tag> {
        let s = s.trim();
        if let Some(hex) = s.strip_prefix("0x") {
            if hex.len() != 64 {
                return Err(TypesError::TagSyntax(s.to_string()));
            }
            return s
                .parse::<B256>()
                .map(Tag)
                .map_err(|_| TypesError::TagSyntax(s.to_string()));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ',' || c.is_whitespace())
        {
            return Err(TypesError::TagSyntax(s.to_string()));
        }
        Tag::from_names(s.split(','))
    }
}

impl Serialize for Tag {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Tag {
    /// Reads bytes32 hex, an array of names (`["tee","scone"]`) or a comma-separated string.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Tag, D::Error> {
        deserializer.deserialize_any(TagVisitor)
    }
}

struct TagVisitor;

impl<'de> de::Visitor<'de> for TagVisitor {
    type Value = Tag;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a bytes32 hex tag or an array of tag names")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Tag, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Tag, A::Error> {
        let mut names = Vec::new();
        while let Some(name) = seq.next_element::<String>()? {
            names.push(name);
        }
        Tag::from_names(names).map_err(de::Error::custom)
    }
}

/// Serde for a raw `bytes32` tag field (as in the order structs): written as hex, read as
/// anything [`Tag`] reads.
pub mod serde_bytes32 {
    use super::*;

    /// Writes the 0x hex.
    pub fn serialize<S: Serializer>(
        value: &B256,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        Tag(*value).serialize(serializer)
    }

    /// Reads hex, an array of names, or a comma-separated string of names.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<B256, D::Error> {
        Tag::deserialize(deserializer).map(|tag| tag.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(tag: Tag) -> String {
        tag.to_string()
    }

    #[test]
    fn bits_match_the_sdk_encoding() {
        // Values from the SDK's encodeTag: tee = 0x..01, tee+scone = 0x..03, gpu = 0x..0100.
        assert_eq!(hex(Tag::TEE), format!("0x{}01", "0".repeat(62)));
        assert_eq!(
            hex(Tag::TEE | Tag::SCONE),
            format!("0x{}03", "0".repeat(62))
        );
        assert_eq!(
            hex(Tag::TEE | Tag::GRAMINE),
            format!("0x{}05", "0".repeat(62))
        );
        assert_eq!(hex(Tag::TEE | Tag::TDX), format!("0x{}09", "0".repeat(62)));
        assert_eq!(hex(Tag::GPU), format!("0x{}0100", "0".repeat(60)));
        assert_eq!(Tag::from_bit(255).0[0], 0x80);
    }

    #[test]
    fn names_round_trip() {
        let tag = Tag::from_names(["tee", "scone"]).expect("known names");
        assert_eq!(tag, Tag::TEE | Tag::SCONE);
        assert_eq!(tag.names().expect("all named"), ["tee", "scone"]);
        assert_eq!(
            Tag::from_names(["GPU", ""]).expect("case-insensitive"),
            Tag::GPU
        );
        assert_eq!(Tag::NONE.names().expect("empty"), Vec::<&str>::new());
        assert!(matches!(Tag::from_names(["sgx"]), Err(TypesError::UnknownTag(n)) if n == "sgx"));
        assert!(matches!(
            Tag::from_bit(7).names(),
            Err(TypesError::UnnamedTagBit(7))
        ));
    }

    #[test]
    fn subset_and_or() {
        let request = Tag::TEE | Tag::SCONE;
        let pool = Tag::TEE | Tag::SCONE | Tag::GPU;
        assert!(request.is_subset_of(pool));
        assert!(pool.contains(request));
        assert!(!pool.is_subset_of(request));
        assert!(Tag::NONE.is_subset_of(Tag::NONE));
        assert!(Tag::from_bit(200).is_subset_of(Tag::from_bit(200) | Tag::TEE));
        assert!(!Tag::from_bit(200).is_subset_of(Tag::TEE));
        let mut t = Tag::NONE;
        t |= Tag::GPU;
        assert_eq!(t & pool, Tag::GPU);
        assert!(t.has_bit(8) && !t.is_tee() && !t.is_empty());
        assert_eq!((Tag::TEE | Tag::GPU).bits().collect::<Vec<_>>(), [0, 8]);
    }

    #[test]
    fn parses_hex_and_names() {
        let hex_tag: Tag = format!("0x{}03", "0".repeat(62)).parse().expect("hex");
        assert_eq!(hex_tag, Tag::TEE | Tag::SCONE);
        assert_eq!("tee, scone".parse::<Tag>().expect("names"), hex_tag);
        assert_eq!("".parse::<Tag>().expect("empty is none"), Tag::NONE);
        assert!("0x03".parse::<Tag>().is_err());
        assert!("tee;scone".parse::<Tag>().is_err());
    }

    #[test]
    fn serde_reads_hex_arrays_and_strings() {
        let hex = format!("\"0x{}0101\"", "0".repeat(60));
        let expected = Tag::TEE | Tag::GPU;
        assert_eq!(serde_json::from_str::<Tag>(&hex).expect("hex"), expected);
        assert_eq!(
            serde_json::from_str::<Tag>(r#"["gpu","tee"]"#).expect("array"),
            expected
        );
        assert_eq!(
            serde_json::from_str::<Tag>(r#""tee,gpu""#).expect("names"),
            expected
        );
        assert_eq!(serde_json::to_string(&expected).expect("serializable"), hex);
        assert!(serde_json::from_str::<Tag>(r#"["nope"]"#).is_err());
    }
}

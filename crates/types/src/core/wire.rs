//! Serde encodings the scheduler API needs beyond [`crate::serde_helpers`]: optional and listed
//! addresses (EIP-55 out, any case in).

use crate::serde_helpers::parse_address;
use alloy_primitives::Address;
use serde::{Deserialize, Deserializer, Serializer, de, ser::SerializeSeq};

/// `Option<Address>`: `null` or a checksummed address; reads null, absent (with
/// `#[serde(default)]`), an empty string, or an address in any case.
pub mod option_address {
    use super::*;

    /// Writes null or the checksummed address.
    pub fn serialize<S: Serializer>(
        value: &Option<Address>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(a) => serializer.serialize_str(&a.to_checksum(None)),
            None => serializer.serialize_none(),
        }
    }

    /// Reads null, "" or an address.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Address>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(s) if s.is_empty() => Ok(None),
            Some(s) => parse_address(&s).map(Some).map_err(de::Error::custom),
        }
    }
}

/// `Vec<Address>`: a list of checksummed addresses; reads any case.
pub mod address_list {
    use super::*;

    /// Writes the checksummed addresses.
    pub fn serialize<S: Serializer>(value: &[Address], serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(value.len()))?;
        for a in value {
            seq.serialize_element(&a.to_checksum(None))?;
        }
        seq.end()
    }

    /// Reads a list of addresses (null reads as empty).
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Address>, D::Error> {
        Option::<Vec<String>>::deserialize(deserializer)?
            .unwrap_or_default()
            .iter()
            .map(|s| parse_address(s).map_err(de::Error::custom))
            .collect()
    }
}

/// Reads a string that Java services may send as `null` (read as empty).
pub fn null_as_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

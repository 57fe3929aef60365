//! Serde encodings of the JSON that iExec's SDK, market API and core services exchange, where it
//! differs from alloy's defaults: uint256 as decimal strings (alloy writes 0x hex), checksummed
//! addresses (alloy writes lowercase) and strings that may be given as JSON values.
//!
//! Use them with `#[serde(with = "poco_types::serde_helpers::u256")]` and the like.

use alloy_primitives::{Address, U256};
use serde::{Deserializer, Serializer, de};
use std::fmt;

/// Parses an address, accepting any case but checking the EIP-55 checksum when the hex digits
/// are mixed case, as ethers' `getAddress` does: a mixed-case address with a bad checksum is
/// most likely a typo.
pub fn parse_address(s: &str) -> Result<Address, String> {
    let hex = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    let mixed =
        hex.chars().any(|c| c.is_ascii_uppercase()) && hex.chars().any(|c| c.is_ascii_lowercase());
    if mixed {
        Address::parse_checksummed(s, None).map_err(|e| format!("invalid address {s:?}: {e}"))
    } else {
        s.parse().map_err(|e| format!("invalid address {s:?}: {e}"))
    }
}

/// Parses a uint256 written in decimal, or in hex with a `0x` prefix.
pub fn parse_u256(s: &str) -> Result<U256, String> {
    let t = s.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) if !hex.is_empty() => U256::from_str_radix(hex, 16),
        Some(_) => return Err(format!("invalid number {s:?}")),
        // from_str_radix accepts "_" separators; the JSON formats never contain them.
        None if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => {
            U256::from_str_radix(t, 10)
        }
        None => return Err(format!("invalid number {s:?}: expected decimal digits")),
    };
    parsed.map_err(|e| format!("invalid number {s:?}: {e}"))
}

/// A uint256 written as a decimal string (`"1000000"`), the way the iExec SDK writes order
/// prices and volumes. Reading also accepts JSON numbers (the market API's form) and `0x` hex.
pub mod u256 {
    use super::*;

    /// Writes the decimal string.
    pub fn serialize<S: Serializer>(value: &U256, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    /// Reads a JSON number, a decimal string or a 0x hex string.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<U256, D::Error> {
        deserializer.deserialize_any(U256Visitor)
    }

    struct U256Visitor;

    impl de::Visitor<'_> for U256Visitor {
        type Value = U256;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a non-negative integer, as a number or a decimal string")
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<U256, E> {
            Ok(U256::from(v))
        }

        fn visit_u128<E: de::Error>(self, v: u128) -> Result<U256, E> {
            Ok(U256::from(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<U256, E> {
            u64::try_from(v)
                .map(U256::from)
                .map_err(|_| E::custom(format!("expected a non-negative integer, got {v}")))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<U256, E> {
            // JSON numbers beyond u64 arrive as floats and have already lost digits.
            Err(E::custom(format!(
                "expected an integer, got {v}; write large numbers as decimal strings"
            )))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<U256, E> {
            parse_u256(v).map_err(E::custom)
        }
    }
}

/// An address written with its EIP-55 checksum, as the iExec SDK and ethers write addresses.
/// Reading accepts any case (checking the checksum of mixed-case input).
pub mod address {
    use super::*;

    /// Writes the checksummed address.
    pub fn serialize<S: Serializer>(value: &Address, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_checksum(None))
    }

    /// Reads a 0x-prefixed hex address.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Address, D::Error> {
        deserializer.deserialize_str(AddressVisitor)
    }

    struct AddressVisitor;

    impl de::Visitor<'_> for AddressVisitor {
        type Value = Address;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a 0x-prefixed 20-byte hex address")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Address, E> {
            parse_address(v).map_err(E::custom)
        }
    }
}

/// A string field that the iExec SDK lets users write as a JSON object (a request order's
/// `params` in iexec.json): a string is kept as is, any other JSON value is stored as its
/// compact JSON text. Writing always produces the string, which is what gets signed.
pub mod json_string {
    use super::*;
    use serde::Deserialize;

    /// Writes the string.
    pub fn serialize<S: Serializer>(value: &str, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(value)
    }

    /// Reads a string, or any JSON value turned into its compact text.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(s) => Ok(s),
            other => Ok(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Wire {
        #[serde(with = "u256")]
        n: U256,
        #[serde(with = "address")]
        a: Address,
        #[serde(with = "json_string")]
        p: String,
    }

    const CHECKSUMMED: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

    #[test]
    fn writes_decimal_strings_and_checksummed_addresses() {
        let w = Wire {
            n: U256::from(1_500_000_000u64),
            a: CHECKSUMMED.parse().expect("valid address"),
            p: "{}".into(),
        };
        let json = serde_json::to_string(&w).expect("serializable");
        assert_eq!(
            json,
            format!(r#"{{"n":"1500000000","a":"{CHECKSUMMED}","p":"{{}}"}}"#)
        );
        assert_eq!(serde_json::from_str::<Wire>(&json).expect("round trip"), w);
    }

    #[test]
    fn reads_numbers_in_every_accepted_form() {
        for (input, expected) in [("12", 12u64), (r#""12""#, 12), (r#""0x0c""#, 12), ("0", 0)] {
            let json = format!(r#"{{"n":{input},"a":"{CHECKSUMMED}","p":""}}"#);
            let w: Wire = serde_json::from_str(&json).expect("accepted");
            assert_eq!(w.n, U256::from(expected), "{input}");
        }
        let max = format!(r#"{{"n":"{}","a":"{CHECKSUMMED}","p":""}}"#, U256::MAX);
        assert_eq!(
            serde_json::from_str::<Wire>(&max).expect("max fits").n,
            U256::MAX
        );
    }

    #[test]
    fn rejects_bad_numbers() {
        for input in [
            "-1",
            "1.5",
            "1e30",
            r#""""#,
            r#""1_000""#,
            r#""abc""#,
            r#""0x""#,
        ] {
            let json = format!(r#"{{"n":{input},"a":"{CHECKSUMMED}","p":""}}"#);
            assert!(
                serde_json::from_str::<Wire>(&json).is_err(),
                "{input} must be rejected"
            );
        }
    }

    #[test]
    fn addresses_accept_any_case_but_check_mixed_case_checksums() {
        assert!(parse_address(&CHECKSUMMED.to_lowercase()).is_ok());
        assert!(parse_address(&CHECKSUMMED.to_uppercase().replace("0X", "0x")).is_ok());
        assert!(parse_address(CHECKSUMMED).is_ok());
        let typo = CHECKSUMMED.replace("9Fd6", "9fd6");
        assert_ne!(typo, CHECKSUMMED);
        assert!(parse_address(&typo).is_err());
        assert!(parse_address("0x1234").is_err());
    }

    #[test]
    fn json_string_accepts_objects() {
        let json = format!(r#"{{"n":1,"a":"{CHECKSUMMED}","p":{{"iexec_args":"x"}}}}"#);
        let w: Wire = serde_json::from_str(&json).expect("object accepted");
        assert_eq!(w.p, r#"{"iexec_args":"x"}"#);
    }
}

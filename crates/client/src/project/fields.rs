//! Typed values read out of the project files as the SDK's validators read them (numbers as
//! strings or JSON numbers, amounts with units, tags as names or hex, addresses in any case),
//! with errors naming the file, the key path and the bad value.

use super::{
    fs::abbreviate,
    json::{JsonObject, JsonValue, js_number_to_string},
};
use crate::error::{ClientError, Result};
use alloy_primitives::{Address, B256, U256};
use poco_types::{Tag, parse_nrlc};
use std::path::{Path, PathBuf};

/// The fields of one object of a project file, with its place (`order.apporder`) for errors.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'a> {
    file: &'a Path,
    prefix: &'a str,
    object: &'a JsonObject,
}

impl<'a> Fields<'a> {
    /// The object found at key path `prefix` (empty for the top level) of `file`.
    pub fn new(file: &'a Path, prefix: &'a str, object: &'a JsonObject) -> Self {
        Self {
            file,
            prefix,
            object,
        }
    }

    /// The file.
    pub fn file(&self) -> &Path {
        self.file
    }

    /// The full key path of `key`.
    pub fn path_of(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    /// The raw value of `key`.
    pub fn get(&self, key: &str) -> Option<&'a JsonValue> {
        self.object.get(key)
    }

    /// The error for a bad value at `key`.
    pub fn bad(&self, key: &str, value: &JsonValue, reason: impl Into<String>) -> ClientError {
        bad_value(self.file, self.path_of(key), value, reason)
    }

    /// The error for a missing `key`.
    pub fn missing(&self, key: &str, fix: impl Into<String>) -> ClientError {
        ClientError::ProjectKeyMissing {
            file: self.file.to_path_buf(),
            key: self.path_of(key),
            fix: fix.into(),
        }
    }

    /// Reads `key` with `parse` when present.
    pub fn parse<T>(
        &self,
        key: &str,
        parse: impl FnOnce(&JsonValue) -> std::result::Result<T, String>,
    ) -> Result<Option<T>> {
        self.get(key)
            .map(|value| parse(value).map_err(|reason| self.bad(key, value, reason)))
            .transpose()
    }

    /// Reads `key` with `parse`; an error saying `fix` when missing.
    pub fn parse_required<T>(
        &self,
        key: &str,
        fix: &str,
        parse: impl FnOnce(&JsonValue) -> std::result::Result<T, String>,
    ) -> Result<T> {
        self.parse(key, parse)?
            .ok_or_else(|| self.missing(key, fix))
    }

    /// A string value (strictly a JSON string).
    pub fn string(&self, key: &str) -> Result<Option<String>> {
        self.parse(key, parse_string)
    }
}

/// [`ClientError::ProjectValue`] for `value` at `key` of `file`.
pub fn bad_value(
    file: &Path,
    key: impl Into<String>,
    value: &JsonValue,
    reason: impl Into<String>,
) -> ClientError {
    ClientError::ProjectValue {
        file: PathBuf::from(file),
        key: key.into(),
        value: abbreviate(value),
        reason: reason.into(),
    }
}

/// A JSON string.
pub fn parse_string(value: &JsonValue) -> std::result::Result<String, String> {
    match value {
        JsonValue::String(s) => Ok(s.clone()),
        other => Err(format!("is {}, not a string", other.kind())),
    }
}

/// A value as yup's `string()` casts it: strings as they are, numbers and booleans as
/// JavaScript prints them; `None` for null, arrays and objects.
pub fn js_string_cast(value: &JsonValue) -> Option<String> {
    match value {
        JsonValue::String(s) => Some(s.clone()),
        JsonValue::Number(n) => Some(js_number_to_string(*n)),
        JsonValue::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An address as the SDK reads it: any case (the SDK lowercases before checking, so checksums
/// are not enforced), with or without `0x`. ENS names are not resolved here.
pub fn parse_address(value: &JsonValue) -> std::result::Result<Address, String> {
    let JsonValue::String(s) = value else {
        return Err(format!("is {}, not an address", value.kind()));
    };
    let s = s.trim();
    if s.ends_with(".eth") {
        return Err(
            "is an ENS name, which project files do not resolve: write the 0x address".into(),
        );
    }
    s.to_ascii_lowercase()
        .parse()
        .map_err(|_| "is not an address (expected 0x followed by 40 hex digits)".into())
}

/// A bytes32: `0x` followed by 64 hex digits (any case).
pub fn parse_bytes32(value: &JsonValue) -> std::result::Result<B256, String> {
    let reason = || "is not a bytes32 (expected 0x followed by 64 hex digits)".to_string();
    let JsonValue::String(s) = value else {
        return Err(reason());
    };
    let lower = s.to_ascii_lowercase();
    match lower.strip_prefix("0x") {
        Some(hex) if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
            lower.parse().map_err(|_| reason())
        }
        _ => Err(reason()),
    }
}

/// A uint256 as the SDK's `uint256Schema` reads it: decimal digits, as a string or a JSON number
/// (the empty string reads as 0, as in the SDK).
pub fn parse_uint(value: &JsonValue) -> std::result::Result<U256, String> {
    let text = js_string_cast(value)
        .filter(|_| !matches!(value, JsonValue::Bool(_)))
        .ok_or_else(|| format!("is {}, not a number", value.kind()))?;
    let digits = text.trim_start_matches('0');
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("is not a whole non-negative number written in decimal digits".into());
    }
    if digits.is_empty() {
        return Ok(U256::ZERO);
    }
    U256::from_str_radix(digits, 10).map_err(|_| "is too large for a uint256".into())
}

/// A number that must fit in a u64 (a chain id...).
pub fn parse_u64(value: &JsonValue) -> std::result::Result<u64, String> {
    let n = parse_uint(value)?;
    u64::try_from(n).map_err(|_| "is too large (at most 18446744073709551615)".into())
}

/// An nRLC amount as the SDK's `nRlcAmountSchema` reads it: `"1.5 RLC"`, `"300 nRLC"`, `"300"`
/// (nRLC), a JSON number (nRLC), or `["1.5", "RLC"]`.
pub fn parse_amount(value: &JsonValue) -> std::result::Result<U256, String> {
    let text = match value {
        JsonValue::Array(parts) if !parts.is_empty() && parts.len() <= 2 => {
            let parts: Option<Vec<String>> = parts.iter().map(js_string_cast).collect();
            let parts = parts.ok_or("is not an amount (expected [\"1.5\", \"RLC\"])")?;
            parts.join(" ")
        }
        JsonValue::Bool(_) => return Err("is a boolean, not an amount".into()),
        other => {
            js_string_cast(other).ok_or_else(|| format!("is {}, not an amount", other.kind()))?
        }
    };
    if text.trim().is_empty() {
        return Ok(U256::ZERO);
    }
    parse_nrlc(&text).map_err(|e| format!("is not an amount: {e}"))
}

/// A tag as the SDK's `tagSchema` reads it: an array of names (`["tee","scone"]`, `[]`), a
/// comma-separated string of names, or bytes32 hex; then the SDK's TEE rules: a TEE framework
/// (scone, gramine, tdx) needs `tee`, frameworks exclude each other, and unless
/// `allow_agnostic_tee` (dataset and request orders) `tee` needs a framework.
pub fn parse_tag(value: &JsonValue, allow_agnostic_tee: bool) -> std::result::Result<Tag, String> {
    let tag = match value {
        JsonValue::Array(names) => {
            let names: Option<Vec<&str>> = names.iter().map(JsonValue::as_str).collect();
            let names = names.ok_or("is not a tag: the array must hold tag names (strings)")?;
            Tag::from_names(names).map_err(|e| format!("is not a tag: {e}"))?
        }
        JsonValue::String(s) if s.trim().to_ascii_lowercase().starts_with("0x") => {
            parse_bytes32(&JsonValue::from(s.trim())).map(Tag)?
        }
        JsonValue::String(s) => {
            Tag::from_names(s.split(',')).map_err(|e| format!("is not a tag: {e}"))?
        }
        other => {
            return Err(format!(
                "is {}, not a tag (expected names such as [\"tee\",\"scone\"] or bytes32 hex)",
                other.kind()
            ));
        }
    };
    check_tee_combination(tag, allow_agnostic_tee)?;
    Ok(tag)
}

/// The SDK's `is-valid-tee-tag` rules.
fn check_tee_combination(tag: Tag, allow_agnostic_tee: bool) -> std::result::Result<(), String> {
    let frameworks: Vec<&str> = [
        (Tag::SCONE_BIT, "scone"),
        (Tag::GRAMINE_BIT, "gramine"),
        (Tag::TDX_BIT, "tdx"),
    ]
    .into_iter()
    .filter(|&(bit, _)| tag.has_bit(bit))
    .map(|(_, name)| name)
    .collect();
    if tag.is_tee() {
        if !allow_agnostic_tee && frameworks.is_empty() {
            return Err(
                "has 'tee' without a TEE framework: add one of 'scone', 'gramine' or 'tdx'".into(),
            );
        }
        if frameworks.len() > 1 {
            return Err(format!(
                "has several TEE frameworks ({}), which exclude each other: keep one",
                frameworks.join(", ")
            ));
        }
    } else if let Some(framework) = frameworks.first() {
        return Err(format!("has '{framework}' without 'tee': add 'tee'"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> JsonValue {
        JsonValue::parse(text).expect("valid JSON")
    }

    #[test]
    fn numbers_read_as_the_sdk_does() {
        for (input, expected) in [
            (r#""1000000""#, 1_000_000u64),
            ("1000000", 1_000_000),
            (r#""007""#, 7),
            (r#""""#, 0),
            ("0", 0),
        ] {
            assert_eq!(parse_uint(&v(input)), Ok(U256::from(expected)), "{input}");
        }
        for bad in [
            r#""-1""#,
            "1.5",
            "1e21",
            r#""0x10""#,
            "true",
            "null",
            "[]",
            r#""1 000""#,
        ] {
            assert!(parse_uint(&v(bad)).is_err(), "{bad}");
        }
        assert_eq!(parse_u64(&v(r#""31337""#)), Ok(31337));
        assert!(parse_u64(&v(r#""18446744073709551616""#)).is_err());
    }

    #[test]
    fn amounts_accept_units_numbers_and_pairs() {
        for (input, expected) in [
            (r#""1.5 RLC""#, 1_500_000_000u64),
            (r#""300 nRLC""#, 300),
            (r#""300""#, 300),
            ("300", 300),
            (r#"["1.5", "RLC"]"#, 1_500_000_000),
            (r#"["2"]"#, 2),
            (r#""""#, 0),
        ] {
            assert_eq!(parse_amount(&v(input)), Ok(U256::from(expected)), "{input}");
        }
        for bad in [
            r#""1.5 ETH""#,
            "1.5",
            r#""abc""#,
            "true",
            r#"["1","RLC","x"]"#,
            "{}",
        ] {
            assert!(parse_amount(&v(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn tags_read_names_hex_and_enforce_tee_rules() {
        let zero = format!("\"0x{}\"", "0".repeat(64));
        assert_eq!(parse_tag(&v("[]"), false), Ok(Tag::NONE));
        assert_eq!(parse_tag(&v(&zero), false), Ok(Tag::NONE));
        assert_eq!(
            parse_tag(&v(r#"["tee","scone"]"#), false),
            Ok(Tag::TEE | Tag::SCONE)
        );
        assert_eq!(
            parse_tag(&v(r#""tee,gramine""#), false),
            Ok(Tag::TEE | Tag::GRAMINE)
        );
        let hex = format!("\"0X{}03\"", "0".repeat(62));
        assert_eq!(parse_tag(&v(&hex), false), Ok(Tag::TEE | Tag::SCONE));
        assert_eq!(parse_tag(&v(r#"["gpu"]"#), false), Ok(Tag::GPU));
        // `tee` alone: fine for datasets and requests, not for apps and pools.
        assert_eq!(parse_tag(&v(r#"["tee"]"#), true), Ok(Tag::TEE));
        assert!(parse_tag(&v(r#"["tee"]"#), false).is_err_and(|e| e.contains("TEE framework")));
        assert!(parse_tag(&v(r#"["scone"]"#), true).is_err_and(|e| e.contains("without 'tee'")));
        assert!(
            parse_tag(&v(r#"["tee","scone","gramine"]"#), true)
                .is_err_and(|e| e.contains("exclude each other"))
        );
        for bad in [r#"["sgx"]"#, "[1]", r#""0x03""#, "3", "null"] {
            assert!(parse_tag(&v(bad), true).is_err(), "{bad}");
        }
    }

    #[test]
    fn addresses_and_bytes32() {
        let a = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
        let expected: Address = a.parse().expect("valid");
        assert_eq!(parse_address(&JsonValue::from(a)), Ok(expected));
        // The SDK lowercases first, so a wrong checksum is accepted.
        let bad_checksum = a.replace("9Fd6", "9fD6");
        assert_eq!(parse_address(&JsonValue::from(bad_checksum)), Ok(expected));
        assert!(parse_address(&v(r#""0x1234""#)).is_err());
        assert!(parse_address(&v(r#""me.eth""#)).is_err_and(|e| e.contains("ENS")));
        assert!(parse_address(&v("1")).is_err());
        let b = format!("0x{}", "Ab".repeat(32));
        assert_eq!(
            parse_bytes32(&JsonValue::from(b.as_str())).map(|h| h.to_string()),
            Ok(b.to_lowercase())
        );
        assert!(parse_bytes32(&v(r#""0x00""#)).is_err());
    }

    #[test]
    fn errors_name_the_file_key_and_value() {
        let object = v(r#"{"appprice":"1.5 ETH"}"#);
        let object = object.as_object().expect("object");
        let fields = Fields::new(Path::new("/p/iexec.json"), "order.apporder", object);
        let e = fields
            .parse("appprice", parse_amount)
            .expect_err("bad unit")
            .to_string();
        assert!(
            e.starts_with(
                "invalid `order.apporder.appprice` in /p/iexec.json: \"1.5 ETH\" is not an amount"
            ),
            "{e}"
        );
        let e = fields
            .parse_required("volume", "add it", parse_uint)
            .expect_err("missing")
            .to_string();
        assert_eq!(e, "/p/iexec.json has no `order.apporder.volume`: add it");
        assert_eq!(
            fields.parse("nothing", parse_uint).expect("absent is fine"),
            None
        );
    }
}

//! Query-string parameters, read strictly: each malformed value is a 400 that names the
//! parameter and says what it must be. The first occurrence of a repeated parameter counts;
//! unknown parameters are ignored (the SDK sends some this market does not use).

use crate::error::{MarketError, Result};
use alloy_primitives::{Address, B256, U256};
use poco_types::Tag;

/// An address filter: a given address, or `any` (no filter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressFilter {
    /// `any`.
    Any,
    /// This address.
    Is(Address),
}

/// The parameters of one request.
#[derive(Clone, Debug, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// The raw value of `name`, if given (an empty value counts as not given).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
    }

    /// The required `chainId`.
    pub fn chain_id(&self) -> Result<u64> {
        self.u64("chainId")?
            .ok_or_else(|| MarketError::bad("chainId is required (a number, e.g. chainId=134)"))
    }

    /// A non-negative integer.
    pub fn u64(&self, name: &str) -> Result<Option<u64>> {
        self.get(name)
            .map(|value| {
                value.parse::<u64>().map_err(|_| {
                    MarketError::bad(format!(
                        "{name} must be a non-negative integer, not `{}`",
                        shorten(value)
                    ))
                })
            })
            .transpose()
    }

    /// A non-negative integer that fits a BIGINT.
    pub fn int(&self, name: &str) -> Result<Option<i64>> {
        self.u64(name)?
            .map(|value| {
                i64::try_from(value)
                    .map_err(|_| MarketError::bad(format!("{name} is too large ({value})")))
            })
            .transpose()
    }

    /// `true` or `false` (absent: false).
    pub fn flag(&self, name: &str) -> Result<bool> {
        match self.get(name) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(MarketError::bad(format!(
                "{name} must be true or false, not `{}`",
                shorten(other)
            ))),
        }
    }

    /// An address or `any`.
    pub fn address(&self, name: &str) -> Result<Option<AddressFilter>> {
        self.get(name)
            .map(|value| {
                if value.eq_ignore_ascii_case("any") {
                    return Ok(AddressFilter::Any);
                }
                value
                    .parse::<Address>()
                    .map(AddressFilter::Is)
                    .map_err(|_| {
                        MarketError::bad(format!(
                            "{name} must be an address (0x and 40 hex digits) or `any`, not `{}`",
                            shorten(value)
                        ))
                    })
            })
            .transpose()
    }

    /// A tag: bytes32 hex, or tag names separated by commas (`tee,scone`).
    pub fn tag(&self, name: &str) -> Result<Option<i64>> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        let tag = match value.parse::<B256>() {
            Ok(bytes) => Tag(bytes),
            Err(_) => Tag::from_names(value.split(',').map(str::trim)).map_err(|_| {
                MarketError::bad(format!(
                    "{name} must be a bytes32 tag (0x and 64 hex digits) or tag names such as \
                     `tee,scone`, not `{}`",
                    shorten(value)
                ))
            })?,
        };
        i64::try_from(U256::from_be_bytes(tag.0.0))
            .map(Some)
            .map_err(|_| MarketError::bad(format!("{name} sets bits no Poco tag uses")))
    }
}

/// At most 66 characters of a hostile value, for an error message.
pub fn shorten(value: &str) -> String {
    let mut short: String = value.chars().take(66).collect();
    if short.len() < value.len() {
        short.push('…');
    }
    short
}

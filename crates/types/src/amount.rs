//! RLC amounts. RLC has 9 decimals; the protocol counts in nRLC (10^-9 RLC) everywhere, and
//! people write "1.5 RLC" or "300 nRLC". A bare number is nRLC, the unit of every on-chain price.

use crate::error::{Result, TypesError};
use alloy_primitives::U256;

/// Decimals of the RLC token.
pub const RLC_DECIMALS: u32 = 9;
/// nRLC in one RLC.
pub const NRLC_PER_RLC: u64 = 1_000_000_000;

/// Parses `"1.5 RLC"`, `"300 nRLC"`, `"300"` (nRLC) or `"0.000000001 RLC"` into nRLC. Units are
/// case-insensitive and the space before them optional. Fractions finer than 1 nRLC are an
/// error rather than being rounded, since an amount is usually a price someone will pay.
pub fn parse_nrlc(input: &str) -> Result<U256> {
    let s = input.trim();
    if s.is_empty() {
        return Err(TypesError::AmountEmpty);
    }
    let unit_start = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (number, unit) = (s[..unit_start].trim(), s[unit_start..].trim());
    let (unit_name, decimals) = if unit.is_empty() || unit.eq_ignore_ascii_case("nrlc") {
        ("nRLC", 0)
    } else if unit.eq_ignore_ascii_case("rlc") {
        ("RLC", RLC_DECIMALS)
    } else {
        return Err(TypesError::AmountUnit(unit.to_string()));
    };

    let syntax = || TypesError::AmountSyntax(input.to_string());
    let (whole, fraction) = match number.split_once('.') {
        Some((w, f)) if !f.is_empty() => (w, f),
        Some(_) => return Err(syntax()),
        None => (number, ""),
    };
    if whole.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(syntax());
    }
    // Trailing zeros past the unit's precision change nothing, so "1.0000000000 RLC" is fine.
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > decimals as usize {
        return Err(TypesError::AmountPrecision {
            input: input.to_string(),
            unit: unit_name,
            max_decimals: decimals,
        });
    }

    let overflow = || TypesError::AmountOverflow(input.to_string());
    let scale = U256::from(10u64).pow(U256::from(decimals));
    let whole = U256::from_str_radix(whole, 10).map_err(|_| overflow())?;
    let fraction_scaled = if fraction.is_empty() {
        U256::ZERO
    } else {
        let padded = format!("{fraction:0<width$}", width = decimals as usize);
        U256::from_str_radix(&padded, 10).map_err(|_| overflow())?
    };
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(fraction_scaled))
        .ok_or_else(overflow)
}

/// Formats nRLC as RLC with no trailing zeros: `"1.5 RLC"`, `"300 RLC"`, `"0.000000001 RLC"`.
/// [`parse_nrlc`] reads it back exactly.
pub fn format_rlc(nrlc: U256) -> String {
    let per = U256::from(NRLC_PER_RLC);
    let (whole, fraction) = (nrlc / per, nrlc % per);
    if fraction.is_zero() {
        format!("{whole} RLC")
    } else {
        let fraction = format!("{fraction:0>9}");
        format!("{whole}.{} RLC", fraction.trim_end_matches('0'))
    }
}

/// Formats nRLC as such: `"300 nRLC"`.
pub fn format_nrlc(nrlc: U256) -> String {
    format!("{nrlc} nRLC")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: u64) -> U256 {
        U256::from(v)
    }

    #[test]
    fn parses_every_documented_form() {
        assert_eq!(parse_nrlc("1.5 RLC").expect("valid"), n(1_500_000_000));
        assert_eq!(parse_nrlc("300 nRLC").expect("valid"), n(300));
        assert_eq!(parse_nrlc("300").expect("valid"), n(300));
        assert_eq!(parse_nrlc("0.000000001 RLC").expect("valid"), n(1));
        assert_eq!(parse_nrlc("  2rlc ").expect("valid"), n(2_000_000_000));
        assert_eq!(
            parse_nrlc("1.0000000000 RLC").expect("valid"),
            n(1_000_000_000)
        );
        assert_eq!(parse_nrlc("0 RLC").expect("valid"), U256::ZERO);
        assert_eq!(parse_nrlc("7.000 nRLC").expect("valid"), n(7));
    }

    #[test]
    fn rejects_with_the_matching_error() {
        assert!(matches!(parse_nrlc("  "), Err(TypesError::AmountEmpty)));
        assert!(matches!(parse_nrlc("1.5 ETH"), Err(TypesError::AmountUnit(u)) if u == "ETH"));
        for bad in [
            "RLC",
            "1.",
            ".5",
            "1.2.3 RLC",
            "-1",
            "1e9",
            "1,5 RLC",
            "0x10",
        ] {
            assert!(parse_nrlc(bad).is_err(), "{bad} must be rejected");
        }
        assert!(matches!(
            parse_nrlc("0.0000000001 RLC"),
            Err(TypesError::AmountPrecision {
                max_decimals: 9,
                ..
            })
        ));
        assert!(matches!(
            parse_nrlc("1.5 nRLC"),
            Err(TypesError::AmountPrecision {
                max_decimals: 0,
                ..
            })
        ));
        let huge = format!("{} RLC", U256::MAX);
        assert!(matches!(
            parse_nrlc(&huge),
            Err(TypesError::AmountOverflow(_))
        ));
        assert_eq!(
            parse_nrlc(&U256::MAX.to_string()).expect("max nRLC fits"),
            U256::MAX
        );
    }

    #[test]
    fn formats_and_round_trips() {
        assert_eq!(format_rlc(n(1_500_000_000)), "1.5 RLC");
        assert_eq!(format_rlc(n(300_000_000_000)), "300 RLC");
        assert_eq!(format_rlc(n(1)), "0.000000001 RLC");
        assert_eq!(format_rlc(U256::ZERO), "0 RLC");
        assert_eq!(format_nrlc(n(300)), "300 nRLC");
        for v in [0u64, 1, 999_999_999, 1_000_000_000, 1_234_567_891, u64::MAX] {
            assert_eq!(parse_nrlc(&format_rlc(n(v))).expect("round trip"), n(v));
            assert_eq!(parse_nrlc(&format_nrlc(n(v))).expect("round trip"), n(v));
        }
        assert_eq!(
            parse_nrlc(&format_rlc(U256::MAX)).expect("round trip"),
            U256::MAX
        );
    }
}

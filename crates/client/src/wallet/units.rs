//! Amounts as people type and read them: ETH in ether, gwei or wei ("0.5 ether", "1 gwei",
//! "100 wei"), RLC in RLC or nRLC ("1.5 RLC", "300 nRLC"), each with the default unit of the
//! command when none is given, as the iExec SDK reads them; and the SDK's printed forms
//! (ethers' `formatUnits`: "10000.0", "0.099").

use crate::error::{ClientError, Result};
use alloy_primitives::U256;

/// The units of ETH, with their decimals (ethers' names; `eth` is `ether`).
const ETH_UNITS: [(&str, u32); 8] = [
    ("wei", 0),
    ("kwei", 3),
    ("mwei", 6),
    ("gwei", 9),
    ("szabo", 12),
    ("finney", 15),
    ("ether", 18),
    ("eth", 18),
];

/// The unit a bare number of ETH is read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EthUnit {
    /// 10^-18 ETH.
    Wei,
    /// 1 ETH (what `iexec wallet send-ether` reads a bare number as).
    Ether,
}

/// The unit a bare number of RLC is read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RlcUnit {
    /// 10^-9 RLC, the unit of every on-chain amount (and of most commands).
    Nrlc,
    /// 1 RLC (what `iexec wallet send-RLC` reads a bare number as).
    Rlc,
}

/// Joins the SDK's two-argument form (`send-ether 1 gwei`) into one amount (`"1 gwei"`).
pub fn join_amount(amount: &str, unit: Option<&str>) -> String {
    match unit {
        Some(unit) if !unit.trim().is_empty() => format!("{} {}", amount.trim(), unit.trim()),
        _ => amount.trim().to_owned(),
    }
}

/// Reads an amount of RLC into nRLC: `"1.5 RLC"`, `"300 nRLC"`, or a bare number in `default`.
pub fn parse_rlc(input: &str, default: RlcUnit) -> Result<U256> {
    let text = input.trim();
    let has_unit = text.chars().any(|c| c.is_ascii_alphabetic());
    let amount = match (has_unit, default) {
        (false, RlcUnit::Rlc) if !text.is_empty() => poco_types::parse_nrlc(&format!("{text} RLC")),
        _ => poco_types::parse_nrlc(text),
    };
    Ok(amount?)
}

/// Reads an amount of ETH into wei: `"0.5 ether"`, `"1 gwei"`, `"100 wei"` (also kwei, mwei,
/// szabo, finney, eth; any case, space optional), or a bare number in `default`. Fractions
/// finer than 1 wei are an error.
pub fn parse_wei(input: &str, default: EthUnit) -> Result<U256> {
    let text = input.trim();
    let bare = match default {
        EthUnit::Wei => "wei",
        EthUnit::Ether => "ether",
    };
    let invalid = |why: &str| {
        ClientError::InvalidInput(format!(
            "`{input}` is not an amount of ETH ({why}): write a number with an optional unit, like \
0.5, \"0.5 ether\", \"1 gwei\" or \"100 wei\" (a bare number is in {bare})"
        ))
    };
    let unit_start = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (number, unit) = (text[..unit_start].trim(), text[unit_start..].trim());
    let unit = if unit.is_empty() { bare } else { unit };
    let decimals = ETH_UNITS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(unit))
        .map(|(_, decimals)| *decimals)
        .ok_or_else(|| invalid(&format!("unknown unit `{unit}`")))?;
    let (whole, fraction) = match number.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (number, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return Err(invalid("not a decimal number"));
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > decimals as usize {
        return Err(invalid(&format!(
            "finer than 1 wei: {unit} takes at most {decimals} decimals"
        )));
    }
    let too_large = || invalid("too large");
    let whole = if whole.is_empty() {
        U256::ZERO
    } else {
        U256::from_str_radix(whole, 10).map_err(|_| too_large())?
    };
    let fraction = if fraction.is_empty() {
        U256::ZERO
    } else {
        let padded = format!("{fraction:0<width$}", width = decimals as usize);
        U256::from_str_radix(&padded, 10).map_err(|_| too_large())?
    };
    whole
        .checked_mul(U256::from(10u64).pow(U256::from(decimals)))
        .and_then(|w| w.checked_add(fraction))
        .ok_or_else(too_large)
}

/// `value` with `decimals` decimals as ethers' `formatUnits` prints it, which the iExec SDK's
/// `--raw` output holds: at least one decimal ("10000.0", "0.099", "0.000000001").
pub fn format_units_js(value: U256, decimals: u32) -> String {
    let scale = U256::from(10u64).pow(U256::from(decimals));
    let (whole, fraction) = (value / scale, value % scale);
    let fraction = format!("{fraction:0>width$}", width = decimals as usize);
    let fraction = fraction.trim_end_matches('0');
    format!(
        "{whole}.{}",
        if fraction.is_empty() { "0" } else { fraction }
    )
}

/// wei as ether, with no trailing zeros: "0.099", "10000", "0.000000001".
pub fn format_ether(wei: U256) -> String {
    format_units_js(wei, 18).trim_end_matches(".0").to_owned()
}

/// nRLC as RLC without the unit, with no trailing zeros: "1.5", "1000000".
pub fn format_rlc_number(nrlc: U256) -> String {
    format_units_js(nrlc, poco_types::amount::RLC_DECIMALS)
        .trim_end_matches(".0")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wei(text: &str) -> U256 {
        parse_wei(text, EthUnit::Ether).expect("valid")
    }

    #[test]
    fn eth_amounts_in_every_unit() {
        let ether = U256::from(10u64).pow(U256::from(18));
        assert_eq!(wei("1"), ether);
        assert_eq!(wei("0.5 ether"), ether / U256::from(2));
        assert_eq!(wei("0.5ETH"), ether / U256::from(2));
        assert_eq!(wei(".5"), ether / U256::from(2));
        assert_eq!(wei("1 gwei"), U256::from(1_000_000_000u64));
        assert_eq!(wei("100 wei"), U256::from(100));
        assert_eq!(wei("1.000 wei"), U256::from(1));
        assert_eq!(wei("2 finney"), U256::from(2_000_000_000_000_000u64));
        assert_eq!(
            parse_wei("100", EthUnit::Wei).expect("valid"),
            U256::from(100)
        );
        for bad in ["", "abc", "1.5 wei", "1 dollar", "-1", "1.2.3", "."] {
            let e = parse_wei(bad, EthUnit::Ether).expect_err(bad).to_string();
            assert!(e.contains("is not an amount of ETH"), "{bad}: {e}");
        }
        assert!(parse_wei(&format!("{} ether", U256::MAX), EthUnit::Ether).is_err());
    }

    #[test]
    fn rlc_amounts_with_a_default_unit() {
        assert_eq!(parse_rlc("5", RlcUnit::Nrlc).expect("valid"), U256::from(5));
        assert_eq!(
            parse_rlc("5", RlcUnit::Rlc).expect("valid"),
            U256::from(5_000_000_000u64)
        );
        assert_eq!(
            parse_rlc("5 nRLC", RlcUnit::Rlc).expect("valid"),
            U256::from(5)
        );
        assert_eq!(
            parse_rlc(&join_amount("1.5", Some("RLC")), RlcUnit::Nrlc).expect("valid"),
            U256::from(1_500_000_000u64)
        );
        assert!(parse_rlc("", RlcUnit::Rlc).is_err());
        assert!(parse_rlc("0.5", RlcUnit::Nrlc).is_err());
    }

    #[test]
    fn printed_as_ethers_does() {
        let ether = U256::from(10u64).pow(U256::from(18));
        assert_eq!(format_units_js(ether * U256::from(10_000), 18), "10000.0");
        assert_eq!(
            format_units_js(U256::from(99) * ether / U256::from(1000), 18),
            "0.099"
        );
        assert_eq!(format_units_js(U256::from(1), 9), "0.000000001");
        assert_eq!(format_units_js(U256::ZERO, 9), "0.0");
        assert_eq!(format_ether(ether * U256::from(10_000)), "10000");
        assert_eq!(format_ether(U256::ZERO), "0");
        assert_eq!(format_ether(U256::from(1)), "0.000000000000000001");
        assert_eq!(format_rlc_number(U256::from(1_500_000_000u64)), "1.5");
    }
}

//! Turning revert data into something a person can act on: `Error(string)` reasons (the hub's
//! `iExecV5-<operation>-0xNN` codes, see contracts/README.md), `Panic(uint256)` codes, and the
//! custom errors declared by any of our contracts (the hub and its facets, RLC, the registries
//! and their entries), shown as `Name(arg, ...)`; and telling a node's refusal for want of ETH
//! to pay for gas ([`is_insufficient_funds`]) from other refusals.

use crate::bindings::{
    hub::PocoHub,
    registries::{App, AppRegistry, Dataset, DatasetRegistry, Workerpool, WorkerpoolRegistry},
    token::RLC,
};
use alloy::{
    dyn_abi::{DynSolValue, ErrorExt},
    json_abi,
    primitives::hex,
    sol_types::{Panic, Revert, SolError},
};

/// The signature (`Name(type,...)`) of a custom error of one of our contracts, by selector.
fn custom_error_signature(selector: [u8; 4]) -> Option<&'static str> {
    PocoHub::PocoHubErrors::signature_by_selector(selector)
        .or_else(|| RLC::RLCErrors::signature_by_selector(selector))
        .or_else(|| AppRegistry::AppRegistryErrors::signature_by_selector(selector))
        .or_else(|| DatasetRegistry::DatasetRegistryErrors::signature_by_selector(selector))
        .or_else(|| WorkerpoolRegistry::WorkerpoolRegistryErrors::signature_by_selector(selector))
        .or_else(|| App::AppErrors::signature_by_selector(selector))
        .or_else(|| Dataset::DatasetErrors::signature_by_selector(selector))
        .or_else(|| Workerpool::WorkerpoolErrors::signature_by_selector(selector))
}

/// A readable form of revert data: the reason string, `panic 0x11 (...)`, `Name(args)` for our
/// custom errors, "no reason given" for empty data, and the raw hex for anything else.
pub fn describe_revert(data: &[u8]) -> String {
    if data.is_empty() {
        return "no reason given".to_owned();
    }
    if let Ok(revert) = Revert::abi_decode(data) {
        return revert.reason;
    }
    if let Ok(panic) = Panic::abi_decode(data) {
        return panic.to_string();
    }
    if let Some(described) = describe_custom_error(data) {
        return described;
    }
    format!("unknown error data {}", hex::encode_prefixed(data))
}

/// `Name(arg, ...)` for a custom error of one of our contracts, `None` if the selector is not
/// one of ours or the arguments do not decode.
pub fn describe_custom_error(data: &[u8]) -> Option<String> {
    let selector: [u8; 4] = data.get(..4)?.try_into().ok()?;
    let signature = custom_error_signature(selector)?;
    let error = json_abi::Error::parse(signature).ok()?;
    let decoded = error.decode_error(data).ok()?;
    let args: Vec<String> = decoded.body.iter().map(format_value).collect();
    Some(format!("{}({})", error.name, args.join(", ")))
}

/// Whether a node's error message says the sender cannot pay for the transaction (gas times
/// price, plus the value). Nodes word it "insufficient funds for gas * price + value" (geth,
/// poco chain), "sender doesn't have enough funds" (Hardhat), "LackOfFundForMaxFee" (revm);
/// the match ignores case.
pub fn is_insufficient_funds(message: &str) -> bool {
    let message = message.to_lowercase();
    [
        "insufficient funds",
        "enough funds",
        "lackoffund",
        "insufficient balance",
    ]
    .iter()
    .any(|needle| message.contains(needle))
}

/// Formats one decoded argument as Solidity developers write values.
fn format_value(value: &DynSolValue) -> String {
    match value {
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::Int(i, _) => i.to_string(),
        DynSolValue::Uint(u, _) => u.to_string(),
        DynSolValue::FixedBytes(word, size) => hex::encode_prefixed(&word[..*size]),
        DynSolValue::Address(a) => a.to_string(),
        DynSolValue::Function(f) => hex::encode_prefixed(f.as_slice()),
        DynSolValue::Bytes(b) => hex::encode_prefixed(b),
        DynSolValue::String(s) => format!("{s:?}"),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) => {
            let items: Vec<String> = items.iter().map(format_value).collect();
            format!("[{}]", items.join(", "))
        }
        // Tuples, and (when another crate turns on dyn-abi's eip712 feature) custom structs.
        other => match other.as_tuple() {
            Some(items) => {
                let items: Vec<String> = items.iter().map(format_value).collect();
                format!("({})", items.join(", "))
            }
            None => format!("{other:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{Address, U256};

    #[test]
    fn reason_strings_come_out_as_is() {
        let data = Revert::from("iExecV5-matchOrders-0x00").abi_encode();
        assert_eq!(describe_revert(&data), "iExecV5-matchOrders-0x00");
    }

    #[test]
    fn panics_name_their_code() {
        let data = Panic::from(0x11).abi_encode();
        assert!(
            describe_revert(&data).contains("overflow"),
            "{}",
            describe_revert(&data)
        );
    }

    #[test]
    fn hub_errors_are_named_with_their_arguments() {
        let data = PocoHub::FunctionNotFound {
            _functionSelector: [0xde, 0xad, 0xbe, 0xef].into(),
        }
        .abi_encode();
        assert_eq!(describe_revert(&data), "FunctionNotFound(0xdeadbeef)");
        let data = PocoHub::UnknownCategory {
            catid: U256::from(7),
        }
        .abi_encode();
        assert_eq!(describe_revert(&data), "UnknownCategory(7)");
    }

    #[test]
    fn token_and_registry_errors_are_known() {
        let spender = Address::repeat_byte(0x11);
        let data = RLC::ERC20InsufficientAllowance {
            spender,
            allowance: U256::from(1),
            needed: U256::from(2),
        }
        .abi_encode();
        assert_eq!(
            describe_revert(&data),
            format!("ERC20InsufficientAllowance({spender}, 1, 2)")
        );
        let data = AppRegistry::AlreadyInitialized {}.abi_encode();
        assert_eq!(describe_revert(&data), "AlreadyInitialized()");
    }

    #[test]
    fn funds_messages_of_common_nodes() {
        assert!(is_insufficient_funds(
            "insufficient funds for gas * price + value: have 0 want 1"
        ));
        assert!(is_insufficient_funds(
            "Sender doesn't have enough funds to send tx. The max upfront cost is: 1"
        ));
        assert!(is_insufficient_funds("lack of funds (LackOfFundForMaxFee)"));
        assert!(!is_insufficient_funds("nonce too low"));
    }

    #[test]
    fn unknown_data_is_shown_raw() {
        assert_eq!(describe_revert(&[]), "no reason given");
        assert_eq!(
            describe_revert(&[1, 2, 3, 4, 5]),
            "unknown error data 0x0102030405"
        );
    }
}

//! Reverts in plain words. The hub's `iExecV5-<operation>-0xNN` reasons and the custom errors of
//! our contracts become sentences that name the cause and, where there is one, the command that
//! fixes it. A caller with more context (the orders of a match) explains first; this is what
//! every transaction falls back to.

pub mod match_orders;

use poco_contracts::{
    AppRegistry, PocoHub, RLC,
    alloy::{
        primitives::{Address, U256},
        sol_types::{Revert, SolError, SolInterface},
    },
    describe_revert,
};
use poco_types::{format_nrlc, format_rlc};

/// Revert data in plain words.
pub fn revert(data: &[u8]) -> String {
    if data.is_empty() {
        return "the contract reverted without a reason".to_owned();
    }
    if let Ok(Revert { reason }) = Revert::abi_decode(data) {
        return reason_code(&reason)
            .map(|words| format!("{words} ({reason})"))
            .unwrap_or(reason);
    }
    if let Ok(error) = PocoHub::PocoHubErrors::abi_decode(data)
        && let Some(words) = hub_error(&error)
    {
        return words;
    }
    if let Ok(error) = RLC::RLCErrors::abi_decode(data)
        && let Some(words) = token_error(&error)
    {
        return words;
    }
    if let Ok(error) = AppRegistry::AppRegistryErrors::abi_decode(data)
        && let Some(words) = registry_error(&error)
    {
        return words;
    }
    describe_revert(data)
}

/// An amount of nRLC as people read it: "1500000000 nRLC (1.5 RLC)" above one RLC.
pub fn amount(nrlc: U256) -> String {
    if nrlc >= U256::from(poco_types::amount::NRLC_PER_RLC) {
        format!("{} ({})", format_nrlc(nrlc), format_rlc(nrlc))
    } else {
        format_nrlc(nrlc)
    }
}

fn hub_error(error: &PocoHub::PocoHubErrors) -> Option<String> {
    use PocoHub::PocoHubErrors as E;
    Some(match error {
        E::InsufficientStake(e) => format!(
            "the hub account of {} has {} available, and this needs {}: RLC in the wallet is not \
             enough, the protocol pays from the account inside the hub. Deposit with `poco account \
             deposit <amount>`",
            e.account,
            amount(e.available),
            amount(e.needed)
        ),
        E::InsufficientFrozen(e) => format!(
            "the hub account of {} has {} locked, and this needs {} locked",
            e.account,
            amount(e.available),
            amount(e.needed)
        ),
        E::InsufficientAllowance(e) => format!(
            "{} may spend {} from this account and this needs {}: raise it with `poco account \
             approve <amount> <spender>`",
            e.spender,
            amount(e.allowance),
            amount(e.needed)
        ),
        E::UnknownCategory(e) => format!(
            "category {} does not exist: list them with `poco category count` and `poco category \
             show <index>`",
            e.catid
        ),
        E::ValueOutOfRange(e) => format!(
            "the value {} is out of range (prices, volumes, trust and categories must be below 2^64)",
            e.value
        ),
        E::DeadlineOverflow(_) => "the deal's deadline would overflow".to_owned(),
        E::AmountOverflow(e) => format!("the amount {} is too large", e.amount),
        E::InvalidAccount(e) => format!("{} cannot hold an account", e.account),
        E::ApprovalRefused(e) => format!("{} refused the approval", e.spender),
        E::TokenTransferFailed(_) => "the RLC transfer failed".to_owned(),
        E::NotContractOwner(e) => format!(
            "only the hub's owner {} may do this, and you are {}",
            e._contractOwner, e._user
        ),
        E::FunctionNotFound(e) => format!(
            "the hub has no function with selector {}: is this a Poco hub of the same version?",
            e._functionSelector
        ),
        _ => return None,
    })
}

fn token_error(error: &RLC::RLCErrors) -> Option<String> {
    use RLC::RLCErrors as E;
    Some(match error {
        E::ERC20InsufficientBalance(e) => format!(
            "the wallet {} holds {} of RLC, and this needs {}",
            e.sender,
            amount(e.balance),
            amount(e.needed)
        ),
        E::ERC20InsufficientAllowance(e) => format!(
            "{} may spend {} of the wallet's RLC, and this needs {}",
            e.spender,
            amount(e.allowance),
            amount(e.needed)
        ),
        E::ERC20InvalidReceiver(e) => format!("{} cannot receive RLC", e.receiver),
        _ => return None,
    })
}

fn registry_error(error: &AppRegistry::AppRegistryErrors) -> Option<String> {
    use AppRegistry::AppRegistryErrors as E;
    Some(match error {
        E::EntryCreationFailed(_) => "an entry with exactly these fields (owner, name, \
            multiaddr, checksum, ...) is already registered: change the name, or use the \
            existing one (`poco app show`)"
            .to_owned(),
        E::ERC721IncorrectOwner(e) => format!(
            "{} is not the owner of this entry (its owner is {})",
            e.sender, e.owner
        ),
        E::ERC721InsufficientApproval(e) => format!("{} may not transfer this entry", e.operator),
        E::ERC721NonexistentToken(e) => {
            let address = Address::from_word(e.tokenId.into());
            format!("{address} is not registered")
        }
        E::ERC721InvalidReceiver(e) => format!("{} cannot receive this entry", e.receiver),
        _ => return None,
    })
}

/// Plain words for the hub's `iExecV5-<operation>-0xNN` reasons (contracts/README.md), except
/// matchOrders' whose best explanation needs the orders.
pub fn reason_code(reason: &str) -> Option<&'static str> {
    let code = reason.strip_prefix("iExecV5-")?;
    Some(match code {
        "matchOrders-0x00" => "the request's category differs from the workerpool order's",
        "matchOrders-0x01" => "the category does not exist",
        "matchOrders-0x02" => "the request asks for more trust than the workerpool order offers",
        "matchOrders-0x03" => "the app costs more than the request's maximum app price",
        "matchOrders-0x04" => "the dataset costs more than the request's maximum dataset price",
        "matchOrders-0x05" => {
            "the workerpool costs more than the request's maximum workerpool price"
        }
        "matchOrders-0x06" => "the workerpool order lacks a tag the request or app asks for",
        "matchOrders-0x07" => "the request asks for a TEE but the app order is not a TEE app",
        "matchOrders-0x10" => "the request is for another app than the app order's",
        "matchOrders-0x11" => "the request is for another dataset than the dataset order's",
        "matchOrders-0x12" => "the request is restricted to another workerpool",
        "matchOrders-0x13" => "the app order is restricted to another dataset",
        "matchOrders-0x14" => "the app order is restricted to another workerpool",
        "matchOrders-0x15" => "the app order is restricted to another requester",
        "matchOrders-0x16" => "the dataset order is restricted to another app",
        "matchOrders-0x17" => "the dataset order is restricted to another workerpool",
        "matchOrders-0x18" => "the dataset order is restricted to another requester",
        "matchOrders-0x19" => "the workerpool order is restricted to another app",
        "matchOrders-0x1a" => "the workerpool order is restricted to another dataset",
        "matchOrders-0x1b" => "the workerpool order is restricted to another requester",
        "matchOrders-0x20" => "the app is not registered",
        "matchOrders-0x21" => "the app order is not signed by the app's owner",
        "matchOrders-0x30" => "the dataset is not registered",
        "matchOrders-0x31" => "the dataset order is not signed by the dataset's owner",
        "matchOrders-0x40" => "the workerpool is not registered",
        "matchOrders-0x41" => "the workerpool order is not signed by the workerpool's owner",
        "matchOrders-0x50" => "the request order is not signed by its requester",
        "matchOrders-0x60" => "one of the orders has no volume left (fully consumed, or cancelled)",
        "manageAppOrder-0x01"
        | "manageDatasetOrder-0x01"
        | "manageWorkerpoolOrder-0x01"
        | "manageRequestOrder-0x01" => "only the order's signer may cancel or presign it",
        "initialize-0x01" => "there is no such task in this deal",
        "initialize-0x02" => "the task is already initialized",
        "contribute-0x01" => "the task is not accepting contributions",
        "contribute-0x02" => "the contribution deadline has passed",
        "contribute-0x03" => "this worker already contributed to the task",
        "contribute-0x04" => "the result hash or seal is empty",
        "contribute-0x05" => "a TEE task needs an enclave challenge",
        "contribute-0x06" => "the enclave's signature is wrong",
        "contribute-0x07" => "the workerpool's authorization is wrong",
        "reveal-0x01" => "the task is not in its reveal phase",
        "reveal-0x02" => "the reveal deadline has passed",
        "reveal-0x03" => "this worker did not contribute",
        "reveal-0x04" => "this worker's contribution is not the consensus",
        "reveal-0x05" => "the revealed result hash does not match the contribution",
        "reveal-0x06" => "the revealed result seal does not match the contribution",
        "reopen-0x00" => "only the workerpool's owner may reopen a task",
        "reopen-0x01" => "the task is not in its reveal phase",
        "reopen-0x02" => "the task's final deadline has passed",
        "reopen-0x03" => "the reveal deadline has not passed, or someone revealed",
        "finalize-0x00" => "only the workerpool's owner may finalize a task",
        "finalize-0x01" => "the task is not in its reveal phase",
        "finalize-0x02" => "the task's final deadline has passed",
        "finalize-0x03" => "not every winner has revealed yet",
        "finalize-0x04" => "the results callback does not match the consensus",
        "contributeAndFinalize-0x01" => "the task is not active",
        "contributeAndFinalize-0x02" => "the task's final deadline has passed",
        "contributeAndFinalize-0x03" => "this worker already contributed",
        "contributeAndFinalize-0x04" => "contributeAndFinalize is only for trust 1 deals",
        "contributeAndFinalize-0x05" => "the results callback does not match the result",
        "contributeAndFinalize-0x06" => "a TEE task needs an enclave challenge",
        "contributeAndFinalize-0x07" => "the enclave's signature is wrong",
        "contributeAndFinalize-0x08" => "the workerpool's authorization is wrong",
        "claim-0x01" => "the task is already completed, failed or claimed",
        "claim-0x02" => "the task's final deadline has not passed yet: it can still complete",
        "callback-0x01" => "not enough gas was left for the result callback",
        "resultFor-0x01" => "the task is not completed",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use poco_contracts::alloy::primitives::address;

    #[test]
    fn an_empty_hub_account_says_to_deposit() {
        let data = PocoHub::InsufficientStake {
            account: address!("0x00000000000000000000000000000000000000aa"),
            available: U256::ZERO,
            needed: U256::from(5u64),
        }
        .abi_encode();
        let words = revert(&data);
        assert!(words.contains("poco account deposit"), "{words}");
        assert!(words.contains("0 nRLC"), "{words}");
    }

    #[test]
    fn reason_strings_get_words_and_keep_their_code() {
        let data = Revert::from("iExecV5-claim-0x02").abi_encode();
        assert_eq!(
            revert(&data),
            "the task's final deadline has not passed yet: it can still complete (iExecV5-claim-0x02)"
        );
        let data = Revert::from("something else").abi_encode();
        assert_eq!(revert(&data), "something else");
    }
}

//! A wallet's money outside the hub: its ETH and RLC balances, sending either
//! ([`send_ether`], [`send_rlc`]) or everything ([`sweep`]), each checked against the balance
//! before anything is signed; and reading what people type for wallets: addresses
//! ([`parse_address`]), private keys ([`parse_private_key`]) and amounts ([`units`]).

mod send;
mod sweep;
pub mod units;

pub use send::{check_ether, check_rlc, send_ether, send_rlc};
pub use sweep::{Swept, sweep};

use crate::{
    client::{Client, rpc},
    error::{ClientError, Result},
};
use alloy_primitives::{Address, B256, U256};
use alloy_signer_local::PrivateKeySigner;
use poco_contracts::RLC;

/// What a wallet holds outside the hub.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Balances {
    /// ETH, in wei.
    pub wei: U256,
    /// RLC, in nRLC.
    pub nrlc: U256,
}

/// `address`'s ETH and RLC.
pub async fn balances(client: &Client, address: Address) -> Result<Balances> {
    let (wei, nrlc) = tokio::try_join!(client.eth_balance(address), rlc_balance(client, address))?;
    Ok(Balances { wei, nrlc })
}

/// `address`'s RLC (the hub's token), in nRLC.
pub async fn rlc_balance(client: &Client, address: Address) -> Result<U256> {
    let token = client.rlc_address().await?;
    RLC::new(token, client.provider().clone())
        .balanceOf(address)
        .call()
        .await
        .map_err(|e| rpc("read an RLC balance", e))
}

/// Checks that `from` (the wallet) holds `nrlc` of RLC for `action` ("send", "deposit");
/// returns its RLC. Fails with [`ClientError::NotEnoughRlc`] when it holds less.
pub(crate) async fn require_rlc(
    client: &Client,
    from: Address,
    nrlc: U256,
    action: &'static str,
) -> Result<U256> {
    let have = rlc_balance(client, from).await?;
    if have < nrlc {
        return Err(ClientError::NotEnoughRlc {
            address: from,
            have,
            want: nrlc,
            action,
            fix: if have.is_zero() {
                rlc_hint(client)
            } else {
                format!("{action} at most {have} nRLC")
            },
        });
    }
    Ok(have)
}

/// Reads an address: `0x` and 40 hex digits. Mixed-case addresses must carry a valid EIP-55
/// checksum, which catches most typos (all-lowercase or all-uppercase ones carry none).
pub fn parse_address(text: &str) -> Result<Address> {
    let trimmed = text.trim();
    let hex = trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
        .unwrap_or(trimmed);
    let example = "an address is 0x followed by 40 hex digits, like 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        let what = if hex.len() != 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            format!("{} hex digits instead of 40", hex.len())
        } else {
            "not hex".to_owned()
        };
        return Err(ClientError::InvalidInput(format!(
            "`{text}` is not an address ({what}): {example}"
        )));
    }
    let address: Address = hex
        .parse()
        .map_err(|_| ClientError::InvalidInput(format!("`{text}` is not an address: {example}")))?;
    let mixed =
        hex.bytes().any(|b| b.is_ascii_lowercase()) && hex.bytes().any(|b| b.is_ascii_uppercase());
    if mixed && address.to_checksum(None)[2..] != *hex {
        return Err(ClientError::InvalidInput(format!(
            "`{text}` has a wrong checksum (the case of its letters), so it is probably mistyped: \
check it, or write it in lowercase to skip the check (its checksummed form would be {address})"
        )));
    }
    Ok(address)
}

/// Reads a private key: 64 hex digits, with or without `0x`. The error never repeats the
/// input, which is a secret even when mistyped.
pub fn parse_private_key(text: &str) -> Result<PrivateKeySigner> {
    let trimmed = text.trim();
    let hex = trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
        .unwrap_or(trimmed);
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        let shape = if hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            format!("{} hex digits", hex.len())
        } else {
            "characters that are not hex digits".to_owned()
        };
        return Err(ClientError::InvalidInput(format!(
            "the private key given is not one: it has {shape}, and a private key is 64 hex digits, \
with or without 0x (MetaMask: Account details > Show private key)"
        )));
    }
    let bytes: B256 = hex.parse().map_err(|_| {
        ClientError::InvalidInput("the private key given is not 64 hex digits".to_owned())
    })?;
    PrivateKeySigner::from_bytes(&bytes).map_err(|_| {
        ClientError::InvalidInput(
            "the private key given is out of secp256k1's range (zero, or above the curve order): \
no wallet has it; check that it was copied whole"
                .to_owned(),
        )
    })
}

/// What to tell someone short of RLC on this chain.
pub(crate) fn rlc_hint(client: &Client) -> String {
    if client.chain_id() == crate::chains::DEV_CHAIN_ID {
        "get some first (on the dev chain every dev account has 1,000,000 RLC: send some with \
`poco wallet send-RLC` from one, or import one's key with `poco wallet import`)"
            .to_owned()
    } else {
        "get some first (a faucet on test chains, an exchange on main chains) and check with \
`poco wallet show`"
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let dev = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
        assert_eq!(parse_address(dev).expect("valid").to_string(), dev);
        assert!(parse_address(&dev.to_lowercase()).is_ok());
        assert!(parse_address(&dev[2..]).is_ok());
        let e = parse_address("0x12").expect_err("short").to_string();
        assert!(
            e.contains("2 hex digits instead of 40") && e.contains("like 0x"),
            "{e}"
        );
        let e = parse_address("alice").expect_err("not hex").to_string();
        assert!(e.contains("not hex"), "{e}");
        let typo = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92267";
        let e = parse_address(typo).expect_err("checksum").to_string();
        assert!(e.contains("wrong checksum"), "{e}");
    }

    #[test]
    fn private_keys_are_never_echoed() {
        let key = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        let signer = parse_private_key(key).expect("valid");
        assert_eq!(
            signer.address().to_string(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        assert!(parse_private_key(&format!("0x{key}")).is_ok());
        for bad in [
            &key[1..],
            "zz0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        ] {
            let e = parse_private_key(bad).expect_err(bad).to_string();
            assert!(!e.contains(&bad[4..20]), "{e}");
        }
    }
}

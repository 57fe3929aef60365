//! `poco wallet show [address]`: an address's ETH and RLC, and its account in the hub (stake and
//! locked). Read-only: the wallet's address comes from its keystore without the password; the
//! password is asked only for --show-private-key.

use super::{address_arg, wallet_address};
use crate::context::Ctx;
use anyhow::Result;
use clap::Args;
use poco_client::{
    account::hub_account,
    wallet::{
        balances,
        units::{format_ether, format_rlc_number, format_units_js},
    },
};
use poco_contracts::alloy::primitives::{Address, U256, hex};
use serde_json::{Map, Value, json};
use std::fmt::Write as _;

/// `poco wallet show`.
#[derive(Debug, Args)]
#[command(
    long_about = "Show a wallet's address and balances on the chain: its ETH (in ether), its RLC \
(in nRLC, and RLC), and its account in the hub, where the protocol takes payments from: the free \
stake and what is locked in running deals. Without an address, the wallet the options pick (the \
newest in the keystore folder by default); its address is read from the keystore, so no password \
is needed. With an address, any account; no wallet is needed.\n\n--show-private-key also prints \
the wallet's private key (after a confirmation; it needs the password): anyone who sees it can \
take everything the wallet holds.",
    after_help = "Examples:\n  poco wallet show\n  poco wallet show 0x70997970C51812dc3A010C7d01b50e0d17dc79C8\n  \
poco wallet show --chain dev --raw"
)]
pub(crate) struct ShowArgs {
    /// The address to show (default: the wallet's).
    #[arg(value_name = "ADDRESS", value_parser = address_arg)]
    address: Option<Address>,
    /// Also print the wallet's private key (asks for confirmation and the password).
    #[arg(long, conflicts_with = "address")]
    show_private_key: bool,
}

pub(super) async fn run(ctx: &Ctx, args: ShowArgs) -> Result<()> {
    // What to show, and what to say about the wallet itself.
    let mut wallet = Map::new();
    let mut human = String::new();
    let address = match args.address {
        Some(address) => address,
        None if args.show_private_key => {
            let address = wallet_address(ctx)?;
            ctx.confirm(&format!(
                "Print the private key of wallet {address}? Anyone who sees it can take everything \
the wallet holds."
            ))?;
            let signer = ctx.signer()?;
            let private_key = format!("0x{}", hex::encode(signer.to_bytes()));
            let public_key = format!("0x04{}", hex::encode(signer.public_key()));
            writeln!(human, "private key: {private_key}")?;
            writeln!(human, "public key:  {public_key}")?;
            wallet.insert("privateKey".into(), json!(private_key));
            wallet.insert("publicKey".into(), json!(public_key));
            signer.address()
        }
        None => wallet_address(ctx)?,
    };
    if args.address.is_none() {
        wallet.insert("address".into(), json!(address.to_string()));
    }

    let client = ctx.reader().await?;
    let (balances, account) =
        tokio::try_join!(balances(&client, address), hub_account(&client, address))?;
    let chain_id = client.chain_id();
    writeln!(human, "address: {address}")?;
    writeln!(human, "chain:   {} (id {chain_id})", client.chain().name)?;
    writeln!(human, "Wallet balances [chain {chain_id}]:")?;
    writeln!(human, "  ETH:    {}", format_ether(balances.wei))?;
    writeln!(human, "  nRLC:   {}", nrlc_with_rlc(balances.nrlc))?;
    writeln!(human, "Hub account [chain {chain_id}]:")?;
    writeln!(human, "  stake:  {}", with_unit(account.stake))?;
    write!(human, "  locked: {}", with_unit(account.locked))?;

    let mut raw = json!({
        "balance": {
            "ether": format_units_js(balances.wei, 18),
            "RLC": format_units_js(balances.nrlc, 9),
            "nRLC": balances.nrlc.to_string(),
            "wei": balances.wei.to_string(),
        },
        "account": {
            "stake": account.stake.to_string(),
            "locked": account.locked.to_string(),
        },
        "address": address.to_string(),
        "chain": client.chain().name,
        "chainId": chain_id.to_string(),
    });
    if !wallet.is_empty() {
        raw["wallet"] = Value::Object(wallet);
    }
    ctx.out.success(human, raw);
    Ok(())
}

/// "1000000000000000 (1000000 RLC)", after a "nRLC" label.
fn nrlc_with_rlc(nrlc: U256) -> String {
    format!("{nrlc} ({} RLC)", format_rlc_number(nrlc))
}

/// "1000 nRLC (0.000001 RLC)".
fn with_unit(nrlc: U256) -> String {
    format!("{nrlc} nRLC ({} RLC)", format_rlc_number(nrlc))
}

//! `poco wallet create|import|show|send-ether|send-RLC|sweep`: wallets as V3 keystores in the
//! keystore folder (geth's, so geth, MetaMask and the iExec SDK read them too), their balances,
//! and sending ETH or RLC from them. The money logic is `poco_client::wallet`; this module
//! reads the arguments, asks, and prints.

mod keys;
mod send;
mod show;

pub(crate) use keys::{NewWallet, new_password, save_wallet};

use crate::context::{Common, Ctx};
use anyhow::Result;
use clap::{Args, Subcommand};
use poco_contracts::alloy::primitives::Address;

/// `poco wallet`.
#[derive(Debug, Args)]
pub(crate) struct WalletCommand {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    action: WalletAction,
}

#[derive(Debug, Subcommand)]
enum WalletAction {
    #[command(about = "Create a new wallet: a random key in an encrypted keystore file")]
    Create(keys::CreateArgs),
    #[command(about = "Import a private key into an encrypted keystore file")]
    Import(keys::ImportArgs),
    #[command(about = "Show a wallet's address, ETH, RLC and hub account")]
    Show(show::ShowArgs),
    #[command(
        name = "send-ether",
        alias = "sendETH",
        about = "Send ETH from the wallet (a bare amount is in ether)"
    )]
    SendEther(send::SendEtherArgs),
    #[command(
        name = "send-RLC",
        alias = "send-rlc",
        about = "Send RLC from the wallet (a bare amount is in RLC)"
    )]
    SendRlc(send::SendRlcArgs),
    #[command(about = "Send all the wallet's RLC, then all its ETH but the gas, to an address")]
    Sweep(send::SweepArgs),
}

impl WalletCommand {
    pub(crate) async fn run(self) -> Result<()> {
        let ctx = Ctx::new(self.common);
        match self.action {
            WalletAction::Create(args) => keys::create(&ctx, args),
            WalletAction::Import(args) => keys::import(&ctx, args),
            WalletAction::Show(args) => show::run(&ctx, args).await,
            WalletAction::SendEther(args) => send::send_ether(&ctx, args).await,
            WalletAction::SendRlc(args) => send::send_rlc(&ctx, args).await,
            WalletAction::Sweep(args) => send::sweep(&ctx, args).await,
        }
    }
}

/// Clap's reading of an address argument, with a message that says what an address looks like.
pub(crate) fn address_arg(text: &str) -> Result<Address, String> {
    poco_client::wallet::parse_address(text).map_err(|e| e.to_string())
}

/// The address of the wallet the options pick, read from its keystore without the password
/// (keystores state their address); decrypted only for a keystore that does not.
pub(crate) fn wallet_address(ctx: &Ctx) -> Result<Address> {
    ctx.wallet_address()
}

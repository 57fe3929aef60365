//! `poco wallet create` and `poco wallet import`: a key (random, or given) encrypted under a
//! password into a V3 keystore in the keystore folder, under geth's file name. `poco init`
//! creates its wallet with the same functions.

use crate::{context::Ctx, ui::prompt};
use anyhow::{Context as _, Result, bail};
use clap::Args;
use poco_client::{
    ClientError,
    keystore::{self, Keystore},
    wallet::parse_private_key,
};
use poco_contracts::alloy::{primitives::Address, signers::local::PrivateKeySigner};
use serde_json::{Value, json};
use std::{
    io::{BufRead as _, IsTerminal as _},
    path::PathBuf,
};

/// `poco wallet create`.
#[derive(Debug, Args)]
#[command(
    long_about = "Create a new wallet: a random private key, encrypted with your password into a \
V3 keystore file (scrypt, as geth and the iExec SDK write it) in the keystore folder \
(~/.ethereum/keystore, or --keystoredir), named as geth names it. The newest wallet there is the \
one commands use by default; MetaMask and geth import the file as is.\n\nThe password comes from \
--password or POCO_WALLET_PASSWORD, else it is asked twice. Back up the file and remember the \
password: without both, the wallet and what it holds are lost.",
    after_help = "Examples:\n  poco wallet create\n  poco wallet create --keystoredir ./keys --raw"
)]
pub(crate) struct CreateArgs {}

/// `poco wallet import`.
#[derive(Debug, Args)]
#[command(
    long_about = "Import a private key (64 hex digits, with or without 0x, as MetaMask exports \
it) into a V3 keystore file in the keystore folder, encrypted with your password. Without the \
argument, the key is read from standard input, or asked on the terminal without echo (which \
keeps it out of your shell history).\n\nIf the keystore folder already holds a wallet with that \
address, nothing is written unless --force, which writes a second keystore for it.",
    after_help = "Examples:\n  poco wallet import 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n  \
poco wallet import            # asks for the key\n  cat key.txt | poco wallet import --raw"
)]
pub(crate) struct ImportArgs {
    /// The private key (64 hex digits, 0x optional); asked or read from stdin if left out.
    #[arg(value_name = "PRIVATEKEY")]
    private_key: Option<String>,
}

/// A wallet just written to the keystore folder.
pub(crate) struct NewWallet {
    pub(crate) address: Address,
    pub(crate) path: PathBuf,
    pub(crate) keystore: Keystore,
}

impl NewWallet {
    /// The human lines: the address, the file, the warning to back it up.
    pub(crate) fn human(&self) -> String {
        format!(
            "Your wallet address is {}\nWallet saved in \"{}\"\nBack up this file and remember \
its password: without both, the wallet and all it holds are lost.",
            self.address,
            self.path.display()
        )
    }

    /// The iExec SDK's raw fields: `{wallet: <the keystore>, fileName, address}`.
    pub(crate) fn raw(&self) -> Value {
        json!({
            "wallet": self.keystore,
            "fileName": self.path.display().to_string(),
            "address": self.address.to_string(),
        })
    }
}

/// The password of a new wallet: --password or POCO_WALLET_PASSWORD, else asked twice.
pub(crate) fn new_password(ctx: &Ctx) -> Result<String> {
    match &ctx.common.password {
        Some(password) => Ok(password.clone()),
        None => prompt::password("Password for the new wallet", true),
    }
}

/// Encrypts `signer` under `password` and writes it into the keystore folder.
pub(crate) fn save_wallet(
    ctx: &Ctx,
    signer: &PrivateKeySigner,
    password: &str,
) -> Result<NewWallet> {
    let dir = ctx.keystore_dir()?;
    let keystore = keystore::encrypt(signer, password)?;
    let path = keystore::save(&dir, &keystore)?;
    Ok(NewWallet {
        address: signer.address(),
        path,
        keystore,
    })
}

pub(super) fn create(ctx: &Ctx, _args: CreateArgs) -> Result<()> {
    let password = new_password(ctx)?;
    let wallet = save_wallet(ctx, &PrivateKeySigner::random(), &password)?;
    ctx.out.success(wallet.human(), wallet.raw());
    Ok(())
}

pub(super) fn import(ctx: &Ctx, args: ImportArgs) -> Result<()> {
    let key = match args.private_key {
        Some(key) => key,
        None => read_key()?,
    };
    let signer = parse_private_key(&key)?;
    drop(key);
    let dir = ctx.keystore_dir()?;
    if !ctx.common.force
        && let Some((address, path)) = keystore::list(&dir)?
            .into_iter()
            .find(|(address, _)| *address == signer.address())
    {
        return Err(ClientError::WalletExists { address, path }.into());
    }
    let password = new_password(ctx)?;
    let wallet = save_wallet(ctx, &signer, &password)?;
    ctx.out.success(wallet.human(), wallet.raw());
    Ok(())
}

/// The private key from the terminal (not echoed) or from standard input.
fn read_key() -> Result<String> {
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        return Ok(dialoguer::Password::new()
            .with_prompt("Private key (64 hex digits)")
            .interact()?);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the private key from standard input")?;
    if line.trim().is_empty() {
        bail!(
            "no private key: give it as an argument (`poco wallet import 0x…`), on standard input, \
or run the command in a terminal to be asked for it"
        );
    }
    Ok(line)
}

//! What every SDK-style command shares: the options that pick the chain, the wallet and the
//! output form (`--chain`, `--wallet-file`, `--password`, `--raw`, `--force`, ...), and the
//! context built from them: the project folder, the chain from chain.json, the wallet from its
//! keystore, a connected [`Client`].

use crate::ui::{output::Output, progress::Progress, prompt};
use anyhow::{Context as _, Result};
use clap::Args;
use poco_client::{Client, chains::ChainConf, keystore};
use poco_contracts::alloy::{primitives::Address, signers::local::PrivateKeySigner};
use std::path::PathBuf;

/// The iExec SDK's unencrypted wallet file, in the project folder.
const UNENCRYPTED_WALLET: &str = "wallet.json";

/// Options of every SDK-style command (global to the command group, so they go anywhere
/// after it: `poco wallet show --raw`).
#[derive(Debug, Clone, Args)]
pub(crate) struct Common {
    /// The chain to use, by name in chain.json ("dev", built in, matches `poco chain`).
    #[arg(long, global = true, env = "POCO_CHAIN", value_name = "NAME")]
    pub(crate) chain: Option<String>,
    /// Print the result as JSON on stdout (`{"ok": true, ...}`; see docs/cli.md).
    #[arg(long, global = true)]
    pub(crate) raw: bool,
    /// Do not ask for confirmation before spending or overwriting.
    #[arg(long, global = true, visible_alias = "yes", short = 'y')]
    pub(crate) force: bool,
    /// The wallet's keystore file: a path, or a file name in the keystore folder (default: the
    /// project's unencrypted wallet.json if there is one, else the newest keystore).
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) wallet_file: Option<PathBuf>,
    /// The wallet to use, by address, among the keystore folder's.
    #[arg(
        long,
        global = true,
        value_name = "ADDRESS",
        conflicts_with = "wallet_file",
        value_parser = crate::commands::address_arg
    )]
    pub(crate) wallet_address: Option<Address>,
    /// The keystore folder: a path, `global` (~/.ethereum/keystore, the default, as geth) or
    /// `local` (the project folder), as the iExec SDK.
    #[arg(long, global = true, env = "POCO_KEYSTORE_DIR", value_name = "DIR")]
    pub(crate) keystoredir: Option<PathBuf>,
    /// The wallet's password (or set POCO_WALLET_PASSWORD; else it is asked on the terminal).
    #[arg(
        long,
        global = true,
        env = "POCO_WALLET_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD"
    )]
    pub(crate) password: Option<String>,
    /// The project folder holding iexec.json, chain.json, deployed.json and orders.json.
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub(crate) project: PathBuf,
}

/// The context of one command run.
pub(crate) struct Ctx {
    pub(crate) common: Common,
    pub(crate) out: Output,
}

impl Ctx {
    pub(crate) fn new(common: Common) -> Self {
        let out = Output::new(common.raw);
        Self { common, out }
    }

    /// The project folder.
    pub(crate) fn project(&self) -> &std::path::Path {
        &self.common.project
    }

    /// The keystore folder.
    pub(crate) fn keystore_dir(&self) -> Result<PathBuf> {
        match self.common.keystoredir.as_deref() {
            Some(dir) if dir == std::path::Path::new("local") => Ok(self.project().to_path_buf()),
            Some(dir) if dir != std::path::Path::new("global") => Ok(dir.to_path_buf()),
            _ => keystore::default_keystore_dir()
                .context("no home folder to find ~/.ethereum/keystore in: pass --keystoredir"),
        }
    }

    /// The project's unencrypted wallet (the iExec SDK's `wallet.json`, written by `iexec
    /// wallet create --unencrypted`), used when no wallet is named.
    fn unencrypted_wallet(&self) -> Result<Option<PrivateKeySigner>> {
        if self.common.wallet_file.is_some() || self.common.wallet_address.is_some() {
            return Ok(None);
        }
        let path = self.project().join(UNENCRYPTED_WALLET);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let key = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["privateKey"].as_str().map(str::to_owned))
            .with_context(|| {
                format!(
                    "{} is not an unencrypted wallet (no `privateKey`)",
                    path.display()
                )
            })?;
        let signer = key.parse::<PrivateKeySigner>().map_err(|_| {
            anyhow::anyhow!(
                "{}: `privateKey` is not a valid private key",
                path.display()
            )
        })?;
        tracing::warn!(
            "using the unencrypted wallet {} ({}): anyone who can read the file can spend from it",
            path.display(),
            signer.address()
        );
        Ok(Some(signer))
    }

    /// The chain picked by `--chain`, chain.json's default, or the built-in `dev`.
    pub(crate) fn chain(&self) -> Result<ChainConf> {
        let file = poco_client::chains::ChainsFile::load(self.project())?;
        Ok(poco_client::chains::resolve(
            file.as_ref(),
            self.common.chain.as_deref(),
        )?)
    }

    /// The keystore file of the wallet the options pick.
    pub(crate) fn wallet_path(&self) -> Result<PathBuf> {
        if let Some(path) = &self.common.wallet_file {
            // The SDK takes a file name in the keystore folder; a path works too.
            if path.is_relative() && !path.exists() {
                let in_keystore = self.keystore_dir()?.join(path);
                if in_keystore.exists() {
                    return Ok(in_keystore);
                }
            }
            return Ok(path.clone());
        }
        let dir = self.keystore_dir()?;
        match self.common.wallet_address {
            Some(address) => Ok(keystore::find(&dir, address)?),
            None => Ok(keystore::newest(&dir)?),
        }
    }

    /// The wallet, decrypted with the password from the options, the environment or a prompt.
    pub(crate) fn signer(&self) -> Result<PrivateKeySigner> {
        if let Some(signer) = self.unencrypted_wallet()? {
            return Ok(signer);
        }
        let path = self.wallet_path()?;
        let file = keystore::load(&path)?;
        let password = match &self.common.password {
            Some(password) => password.clone(),
            None => prompt::password(
                &format!(
                    "Password of wallet {}",
                    file.address
                        .map_or_else(|| "(no address)".to_owned(), |a| a.to_string())
                ),
                false,
            )?,
        };
        Ok(keystore::decrypt(&file, &password)?)
    }

    /// The address of the wallet the options pick, without its password when its keystore
    /// states it (keystores do); decrypted only for a keystore that does not.
    pub(crate) fn wallet_address(&self) -> Result<Address> {
        if let Some(signer) = self.unencrypted_wallet()? {
            return Ok(signer.address());
        }
        if let Some(address) = self.common.wallet_address {
            return Ok(address);
        }
        match keystore::load(&self.wallet_path()?)?.address {
            Some(address) => Ok(address),
            None => Ok(self.signer()?.address()),
        }
    }

    /// A client for the chain, signing with the wallet.
    pub(crate) async fn client(&self) -> Result<Client> {
        let signer = self.signer()?;
        Ok(Client::connect(self.chain()?, Some(signer)).await?)
    }

    /// A read-only client for the chain.
    pub(crate) async fn reader(&self) -> Result<Client> {
        Ok(Client::connect(self.chain()?, None).await?)
    }

    /// Asks `question` unless --force; an error when the answer is no (nothing was done).
    pub(crate) fn confirm(&self, question: &str) -> Result<()> {
        if prompt::confirm(question, self.common.force)? {
            Ok(())
        } else {
            anyhow::bail!("cancelled: nothing was sent")
        }
    }

    /// Progress on stderr for a transaction or a watch.
    pub(crate) fn progress(&self) -> Progress {
        Progress::new()
    }
}

//! `poco init`: a project folder as `iexec init` leaves it: iexec.json (the SDK's template),
//! chain.json (the `dev` chain spelled out, as the default) and a new wallet in the keystore
//! folder. Existing files are kept (only --force replaces them), so running it in an existing
//! project adds what is missing.

use super::wallet::{NewWallet, new_password, save_wallet};
use crate::context::{Common, Ctx};
use anyhow::{Context as _, Result};
use clap::Args;
use poco_client::{
    chains::{self, CHAIN_FILE},
    project::{self, IEXEC_FILE},
};
use poco_contracts::alloy::signers::local::PrivateKeySigner;
use serde_json::{Map, Value, json};

/// `poco init`.
#[derive(Debug, Args)]
#[command(
    long_about = "Start a project in the project folder (the current one, or --project DIR, \
created if needed): iexec.json, the iExec SDK's template to describe apps, datasets, workerpools \
and orders; chain.json, with the built-in `dev` chain (the one `poco chain` runs) spelled out as \
the default, to edit or extend with other chains; and a new wallet in the keystore folder, as \
`poco wallet create` makes it (--skip-wallet to keep using yours).\n\nAn existing iexec.json or \
chain.json is kept (--force replaces it). The wallet's password \
comes from --password or POCO_WALLET_PASSWORD, else it is asked twice.",
    after_help = "Examples:\n  poco init\n  poco init --skip-wallet\n  poco init --project my-app --force --raw"
)]
pub(crate) struct InitCommand {
    #[command(flatten)]
    common: Common,
    /// Do not create a wallet (use an existing one).
    #[arg(long)]
    skip_wallet: bool,
}

impl InitCommand {
    pub(crate) async fn run(self) -> Result<()> {
        let ctx = Ctx::new(self.common);
        let dir = ctx.project().to_path_buf();
        let force = ctx.common.force;
        // Ask for the password before writing anything, so that a refused prompt leaves no
        // half-made project.
        let password = if self.skip_wallet {
            None
        } else {
            Some(new_password(&ctx)?)
        };
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the project folder {}", dir.display()))?;
        // A file already there is the user's: kept unless --force, so that `poco init` in an
        // existing project (or one with an iExec chain.json) only adds what is missing.
        let keep = |name: &str| !force && dir.join(name).exists();
        let (keep_config, keep_chains) = (keep(IEXEC_FILE), keep(CHAIN_FILE));
        let config = if keep_config {
            dir.join(IEXEC_FILE)
        } else {
            project::init_project(&dir, force)?
        };
        let chain_config = if keep_chains {
            dir.join(CHAIN_FILE)
        } else {
            chains::init_chains(&dir, force)?
        };
        let wallet: Option<NewWallet> = match password {
            Some(password) => Some(save_wallet(&ctx, &PrivateKeySigner::random(), &password)?),
            None => None,
        };

        let verb = |kept: bool| if kept { "Kept the existing" } else { "Wrote" };
        let mut human = format!(
            "{} {} (describe your app, dataset, workerpool and orders there)\n{} {} (chains; \
the built-in default is `{}`)",
            verb(keep_config),
            config.display(),
            verb(keep_chains),
            chain_config.display(),
            chains::DEV_CHAIN
        );
        let mut raw = Map::new();
        if let Some(wallet) = &wallet {
            human.push('\n');
            human.push_str(&wallet.human());
            raw.insert("walletAddress".into(), json!(wallet.address.to_string()));
            raw.insert(
                "walletFile".into(),
                json!(wallet.path.display().to_string()),
            );
        }
        human.push_str(
            "\nYour project is ready: `poco wallet show` shows the wallet's balances, \
`poco app init` describes an app.",
        );
        raw.insert("configFile".into(), json!(config.display().to_string()));
        raw.insert(
            "chainConfigFile".into(),
            json!(chain_config.display().to_string()),
        );
        ctx.out.success(human, Value::Object(raw));
        Ok(())
    }
}

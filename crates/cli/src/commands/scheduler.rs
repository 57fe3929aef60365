//! `poco scheduler`: runs a workerpool's scheduler (poco-scheduler, iExec's "core") until
//! Ctrl-C or SIGTERM: it hands the pool's tasks to its workers and drives them through Proof
//! of Contribution to finalization.
//!
//! Defaults match `poco chain`: the chain from chain.json (or the built-in `dev`), the
//! workerpool from deployed.json, the wallet from the keystore (it must own the pool), the API
//! on 127.0.0.1:13000 (where the dev chain's `compass` points), the chain's result proxy and
//! IPFS gateway for the workers, and a SQLite file per chain, pool and genesis block in the
//! user's data folder.

use super::{
    chain::wait_for_signal,
    serve::{data_dir, listen_addr, redact_password},
};
use crate::context::{Common, Ctx};
use anyhow::{Context as _, Result};
use clap::Args;
use poco_client::{
    Client,
    project::deployed::{Deployed, Resource},
};
use poco_contracts::alloy::{
    eips::BlockNumberOrTag, primitives::Address, providers::Provider,
    signers::local::PrivateKeySigner,
};
use poco_scheduler::{Scheduler, SchedulerConfig, config::DEFAULT_PORT};
use serde_json::json;
use std::{io::Write, time::Duration};

/// Run a workerpool's scheduler.
#[derive(Debug, Args)]
#[command(
    long_about = "Run a workerpool's scheduler (the pool manager's service, iExec's \"core\") \
until Ctrl-C or SIGTERM.\n\n\
Workers (`poco worker`) log in to it, ask it for tasks and report their progress; the \
scheduler initializes the pool's tasks, hands each to as many workers as the deal's trust \
needs, tells them when to contribute, reveal and upload, finalizes with the uploaded result, \
reopens tasks nobody revealed and claims the expired ones. It runs with the pool owner's \
wallet, which signs the workers' authorizations and pays for those transactions. Its state \
is a SQLite file per chain and pool in the user's data folder \
(~/.local/share/poco/scheduler/), or a PostgreSQL database with --database-url; a restart \
resumes from it and the chain.",
    after_help = "Examples:\n  \
poco scheduler                                   # the pool of deployed.json on the dev chain\n  \
poco scheduler --workerpool 0x3c5b…  --listen 0.0.0.0:13000 --public-url http://pool.example.org:13000\n  \
poco scheduler --match-requests                  # also fill published request orders\n  \
POCO_PRIVATE_KEY=0x… poco scheduler --chain bellecour --database-url postgres://core@db/core"
)]
pub(crate) struct SchedulerArgs {
    #[command(flatten)]
    common: Common,
    /// The workerpool to run (default: deployed.json's workerpool for the chain).
    #[arg(long, value_name = "ADDRESS", value_parser = super::address_arg)]
    workerpool: Option<Address>,
    /// The pool owner's private key, 0x-prefixed hex (instead of a keystore wallet).
    #[arg(
        long,
        value_name = "KEY",
        env = "POCO_PRIVATE_KEY",
        hide_env_values = true
    )]
    private_key: Option<String>,
    /// Where to listen, HOST:PORT (port 0: any free port).
    #[arg(long, value_name = "ADDR", env = "POCO_SCHEDULER_LISTEN")]
    listen: Option<String>,
    /// The URL clients reach the API at (what Compass's route answers); default: http://ADDR.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// The database: sqlite://FILE or postgres://... (default: a SQLite file in the user's
    /// data folder).
    #[arg(
        long,
        value_name = "URL",
        env = "POCO_SCHEDULER_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// The result storage workers upload to (default: the chain's resultProxy).
    #[arg(long, value_name = "URL")]
    result_proxy: Option<String>,
    /// The IPFS gateway workers download datasets through (default: the chain's ipfsGateway).
    #[arg(long, value_name = "URL")]
    ipfs_gateway: Option<String>,
    /// The market the request matcher reads (default: the chain's iexecGateway).
    #[arg(long, value_name = "URL")]
    market: Option<String>,
    /// Fill published request orders the pool can serve (from the pool owner's wallet).
    #[arg(long)]
    match_requests: bool,
    /// Leave expired tasks to others instead of claiming them.
    #[arg(long)]
    no_claim: bool,
    /// Blocks to wait before acting on a chain event (default: 0 on chain id 31337, else 3).
    #[arg(long, value_name = "N")]
    confirmations: Option<u64>,
    /// Seconds between two polls of the chain.
    #[arg(long, value_name = "SECONDS", value_parser = seconds)]
    poll_interval: Option<Duration>,
    /// Seconds without a ping after which a worker is lost and its tasks handed to others.
    #[arg(long, value_name = "SECONDS", value_parser = seconds, default_value = "60")]
    worker_lost_after: Duration,
    /// Seconds between two pings of a worker.
    #[arg(long, value_name = "SECONDS", value_parser = seconds, default_value = "10")]
    ping_period: Duration,
    /// Seconds a chosen worker has to upload the result before another winner is asked.
    #[arg(long, value_name = "SECONDS", value_parser = seconds, default_value = "120")]
    upload_timeout: Duration,
    /// Tasks per initialize (and claim) transaction.
    #[arg(long, value_name = "N", default_value_t = 50)]
    init_batch: usize,
    /// The block a fresh database starts following the chain from (default: 0 on a dev
    /// chain, else the head).
    #[arg(long, value_name = "N")]
    from_block: Option<u64>,
    /// Print only the URL line (for scripts).
    #[arg(long, short, conflicts_with = "raw")]
    quiet: bool,
}

/// A positive number of seconds (fractions allowed).
fn seconds(text: &str) -> Result<Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!("`{text}` is not a positive number of seconds")),
    }
}

impl SchedulerArgs {
    pub(crate) async fn run(self) -> Result<()> {
        let ctx = Ctx::new(self.common.clone());
        let chain = ctx.chain()?;
        let wallet = match &self.private_key {
            Some(key) => key.trim().parse::<PrivateKeySigner>().map_err(|_| {
                anyhow::anyhow!(
                    "--private-key is not a private key (expected 0x and 64 hex digits)"
                )
            })?,
            None => ctx.signer()?,
        };
        let workerpool = match self.workerpool {
            Some(pool) => pool,
            None => Deployed::load(ctx.project())?
                .get(Resource::Workerpool, chain.id)?
                .with_context(|| {
                    format!(
                        "no workerpool for chain {} in {}/deployed.json: pass --workerpool, or \
                         create one with `poco workerpool deploy`",
                        chain.id,
                        ctx.project().display()
                    )
                })?,
        };
        let client = Client::connect(chain.clone(), None).await?;
        let listen = listen_addr(
            self.listen.as_deref(),
            None,
            &format!("127.0.0.1:{DEFAULT_PORT}"),
        )?;
        let database_url = match &self.database_url {
            Some(url) => url.clone(),
            None => default_database(&client, workerpool).await?,
        };
        let confirmations =
            self.confirmations
                .unwrap_or(if chain.id == poco_client::chains::DEV_CHAIN_ID {
                    0
                } else {
                    3
                });
        let mut config = SchedulerConfig::new(chain.clone(), wallet, workerpool)
            .with_listen(listen)
            .with_database_url(database_url.clone())
            .with_confirmations(confirmations)
            .with_worker_lost_after(self.worker_lost_after)
            .with_ping_period(self.ping_period)
            .with_upload_timeout(self.upload_timeout)
            .with_init_batch(self.init_batch)
            .with_claim_expired(!self.no_claim)
            .with_match_requests(self.match_requests)
            .with_from_block(self.from_block);
        if let Some(url) = &self.public_url {
            config = config.with_public_url(url.clone());
        }
        if let Some(url) = &self.result_proxy {
            config = config.with_result_proxy_url(url.clone());
        }
        if let Some(url) = &self.ipfs_gateway {
            config = config.with_ipfs_gateway_url(url.clone());
        }
        if let Some(url) = &self.market {
            config = config.with_market_url(url.clone());
        }
        if let Some(interval) = self.poll_interval {
            config = config.with_poll_interval(interval);
        }
        let owner = config.wallet.address();
        let scheduler = Scheduler::start(config.clone())
            .await
            .context("poco scheduler could not start")?;
        let out = &mut std::io::stdout().lock();
        let url = scheduler.url();
        if self.common.raw {
            let value = json!({
                "ok": true,
                "url": url,
                "chain": chain.name,
                "chainId": chain.id.to_string(),
                "workerpool": workerpool.to_string(),
                "owner": owner.to_string(),
                "database": redact_password(&database_url),
                "resultProxy": config.result_proxy_url,
            });
            writeln!(out, "{value}")?;
        } else {
            writeln!(out, "Listening on {url}")?;
            if !self.quiet {
                writeln!(
                    out,
                    "Chain         {} (id {}) at {}",
                    chain.name, chain.id, chain.host
                )?;
                writeln!(out, "Workerpool    {workerpool} (owner {owner})")?;
                writeln!(out, "Database      {}", redact_password(&database_url))?;
                writeln!(out, "Results       {}", config.result_proxy_url)?;
                if config.match_requests {
                    writeln!(out, "Matching      published request orders")?;
                }
            }
        }
        out.flush()?;
        wait_for_signal().await?;
        eprintln!("stopping...");
        scheduler
            .stop()
            .await
            .context("the scheduler did not stop cleanly")?;
        Ok(())
    }
}

/// `<data>/scheduler/<chainid>-<pool>-<genesis>.sqlite`: a restarted dev chain (a new genesis
/// block) gets a fresh database.
async fn default_database(client: &Client, workerpool: Address) -> Result<String> {
    let dir = data_dir()?.join("scheduler");
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the scheduler's folder {}", dir.display()))?;
    let genesis = client
        .provider()
        .get_block_by_number(BlockNumberOrTag::Earliest)
        .await
        .context("cannot read the chain's genesis block")?
        .map(|block| block.header.hash)
        .context("the chain has no genesis block")?;
    let name = format!(
        "{}-{workerpool:#x}-{}.sqlite",
        client.chain_id(),
        &genesis.to_string()[2..10]
    );
    Ok(poco_scheduler::config::sqlite_url(&dir.join(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_positive() {
        assert_eq!(seconds("1.5"), Ok(Duration::from_millis(1500)));
        assert!(seconds("0").is_err() && seconds("-1").is_err() && seconds("x").is_err());
    }
}

//! `poco up`: the whole local stack in one process (poco-stack): dev chain with the protocol
//! deployed, market, result storage, the local workerpool's scheduler and its workers, kept in
//! one data directory, until Ctrl-C or SIGTERM. A restart on the same directory resumes it.

use super::{chain::wait_for_signal, serve::data_dir};
use anyhow::{Context as _, Result};
use clap::Args;
use poco_stack::{Engine, Ports, Stack, StackConfig};
use serde_json::json;
use std::{io::Write, net::IpAddr, path::PathBuf, time::Duration};

/// Run the whole local stack.
#[derive(Debug, Args)]
#[command(
    long_about = "Run the whole local stack in one process: the dev chain with the Poco protocol \
deployed, the market, result storage, a workerpool with its scheduler and workers, until \
Ctrl-C or SIGTERM.\n\n\
Its ports are the built-in `dev` chain's (chain 8545, market 3000, results and IPFS gateway \
3001, scheduler 13000), so every `poco` command works against it without a chain.json. \
Everything is kept in one data directory (default ~/.local/share/poco/up): stop it and start it \
again, and it resumes where it was; --fresh starts over.\n\n\
The workers run apps in containers through the Docker Engine API: Docker, or Podman (started \
on a private socket when only the `podman` command is installed). The accounts printed are \
the public test mnemonic's: never send real funds to them.",
    after_help = "Examples:\n  poco up\n  poco up --workers 4 --slots 2\n  \
poco up --data-dir /tmp/stack --fresh --raw\n  poco up --engine unix:///run/podman/podman.sock"
)]
pub(crate) struct UpArgs {
    /// Where everything is kept (default: ~/.local/share/poco/up).
    #[arg(long, value_name = "DIR", env = "POCO_UP_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Remove what the data directory holds and start over.
    #[arg(long)]
    fresh: bool,
    /// How many workers to run.
    #[arg(long, value_name = "N", default_value_t = 3)]
    workers: usize,
    /// How many containers each worker runs at once.
    #[arg(long, value_name = "N", default_value_t = 1)]
    slots: usize,
    /// The Docker Engine API to run containers on (unix:///path/to/socket). Default: found
    /// (DOCKER_HOST, Docker's and Podman's usual sockets), or Podman started on a private socket.
    #[arg(long, value_name = "URL", env = "DOCKER_HOST")]
    engine: Option<String>,
    /// The interface every service listens on.
    #[arg(long, default_value = "127.0.0.1", value_name = "IP")]
    host: IpAddr,
    /// The chain's port (0: any free port).
    #[arg(long, default_value_t = Ports::DEV.chain, value_name = "PORT")]
    chain_port: u16,
    /// The market's port.
    #[arg(long, default_value_t = Ports::DEV.market, value_name = "PORT")]
    market_port: u16,
    /// The result storage's port (also the IPFS gateway).
    #[arg(long, default_value_t = Ports::DEV.results, value_name = "PORT")]
    results_port: u16,
    /// The scheduler's port.
    #[arg(long, default_value_t = Ports::DEV.scheduler, value_name = "PORT")]
    scheduler_port: u16,
    /// Seconds between blocks (default: a block per transaction).
    #[arg(long, value_name = "SECONDS")]
    block_time: Option<u64>,
    /// Print the stack's URLs and accounts as one JSON line once it runs.
    #[arg(long)]
    raw: bool,
}

impl UpArgs {
    /// The stack's configuration from the options.
    pub(crate) fn config(&self) -> Result<StackConfig> {
        let dir = match &self.data_dir {
            Some(dir) => dir.clone(),
            None => data_dir()?.join("up"),
        };
        Ok(StackConfig::new(dir)
            .with_fresh(self.fresh)
            .with_workers(self.workers)
            .with_slots_per_worker(self.slots)
            .with_engine(match &self.engine {
                Some(url) => Engine::Url(url.clone()),
                None => Engine::Auto,
            })
            .with_host(self.host)
            .with_ports(Ports {
                chain: self.chain_port,
                market: self.market_port,
                results: self.results_port,
                scheduler: self.scheduler_port,
            })
            .with_block_time(self.block_time.map(Duration::from_secs)))
    }

    pub(crate) async fn run(self) -> Result<()> {
        let config = self.config()?;
        if let Some(dir) = &config.data_dir {
            eprintln!("starting the local stack in {}...", dir.display());
        }
        let stack = Stack::start(config)
            .await
            .context("poco up could not start")?;
        print_banner(&mut std::io::stdout().lock(), &stack, self.raw)?;
        wait_for_signal().await?;
        eprintln!("stopping (Ctrl-C again to exit at once)...");
        tokio::select! {
            stopped = stack.stop() => stopped.context("the stack did not stop cleanly")?,
            _ = wait_for_signal() => anyhow::bail!("stopped at once: the services did not clean up"),
        }
        Ok(())
    }
}

/// What is running and who is who.
pub(crate) fn print_banner(out: &mut impl Write, stack: &Stack, raw: bool) -> Result<()> {
    let record = stack.record();
    if raw {
        let mut value = serde_json::to_value(record).context("the record serializes")?;
        value["ok"] = json!(true);
        value["dataDir"] = json!(stack.layout().root());
        writeln!(out, "{value}")?;
        return Ok(());
    }
    let urls = &record.urls;
    writeln!(
        out,
        "Poco local stack running (data in {})",
        stack.layout().root().display()
    )?;
    writeln!(
        out,
        "  chain       {}  (chain id {}, hub {})",
        urls.chain, record.chain_id, record.hub
    )?;
    writeln!(out, "  market      {}", urls.market)?;
    writeln!(
        out,
        "  results     {}  (also the IPFS gateway)",
        urls.results
    )?;
    writeln!(
        out,
        "  scheduler   {}  (workerpool {})",
        urls.scheduler, record.workerpool
    )?;
    if let Some(engine) = &record.engine {
        writeln!(out, "  engine      {engine}")?;
    }
    writeln!(
        out,
        "\nAccounts (public test keys: never send real funds to them)"
    )?;
    for account in &record.accounts {
        writeln!(
            out,
            "  {:<14} {}  {}",
            account.role, account.address, account.private_key
        )?;
    }
    writeln!(out, "\nTry: poco demo    Stop: Ctrl-C")?;
    Ok(())
}

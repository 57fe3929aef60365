//! `poco worker`: runs a worker (poco-worker) until Ctrl-C or SIGTERM: it logs in to a
//! workerpool's scheduler, runs the tasks it is given in containers (Docker or Podman), and
//! contributes, reveals and uploads their results.
//!
//! Defaults match `poco up`: the chain from chain.json (or the built-in `dev`), the wallet from
//! the keystore, the scheduler on 127.0.0.1:13000, the container engine found (or Podman
//! started) automatically, and the worker's state in the user's data folder per chain and
//! wallet.

use super::chain::wait_for_signal;
use crate::context::{Common, Ctx};
use anyhow::{Context as _, Result};
use clap::Args;
use poco_contracts::alloy::signers::local::PrivateKeySigner;
use poco_worker::{EngineChoice, Worker, WorkerConfig, config::DEFAULT_SCHEDULER_URL};
use serde_json::json;
use std::{io::Write, path::PathBuf};

/// Run a worker.
#[derive(Debug, Args)]
#[command(
    long_about = "Run a worker until Ctrl-C or SIGTERM: it logs in to a workerpool's scheduler, \
runs the tasks it is given in containers, and contributes, reveals and uploads their results \
(its wallet is paid for correct results; for trust above 1 it stakes part of the pool's price \
per contribution, so deposit some RLC first with `poco account deposit`).\n\n\
Apps run through the Docker Engine API: --engine or DOCKER_HOST (unix:// only), else the \
usual Docker and Podman sockets, else a `podman system service` the worker starts itself. \
Each container gets the task's inputs read-only, no network, no capabilities, and the \
category's time limit. Its state (replicates, unsent reports) is a SQLite file in the data \
folder: a restarted worker finishes or gives back what it had. Ctrl-C kills the running \
containers and leaves their tasks for that recovery.",
    after_help = "Examples:\n  \
poco worker                                        # the dev chain's scheduler (poco up)\n  \
poco worker --slots 2 --cpus 1 --memory 2048\n  \
poco worker --scheduler http://pool.example.org:13000 --engine unix:///run/podman/podman.sock\n  \
POCO_PRIVATE_KEY=0x… poco worker --chain bellecour --name my-worker"
)]
pub(crate) struct WorkerArgs {
    #[command(flatten)]
    common: Common,
    /// The scheduler's URL.
    #[arg(long, value_name = "URL", env = "POCO_SCHEDULER_URL", default_value = DEFAULT_SCHEDULER_URL)]
    scheduler: String,
    /// The worker's private key, 0x-prefixed hex (instead of a keystore wallet).
    #[arg(
        long,
        value_name = "KEY",
        env = "POCO_PRIVATE_KEY",
        hide_env_values = true
    )]
    private_key: Option<String>,
    /// A name for people (the scheduler's lists, `task debug`); default: from the address.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Where the worker keeps its database and task folders (default: the user's data
    /// folder, worker/<chain id>-<address>).
    #[arg(long, value_name = "DIR", env = "POCO_WORKER_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// How many containers run at once.
    #[arg(long, value_name = "N", default_value_t = 1)]
    slots: usize,
    /// CPUs per container (0: no limit).
    #[arg(long, value_name = "CPUS", default_value_t = 1.0)]
    cpus: f64,
    /// Memory per container in MiB, swap included (0: no limit).
    #[arg(long, value_name = "MIB", default_value_t = 2048)]
    memory: u64,
    /// The container engine, unix:///path/to.sock (default: DOCKER_HOST, the usual sockets,
    /// else Podman started by the worker).
    #[arg(long, value_name = "URL")]
    engine: Option<String>,
    /// Run apps whose on-chain checksum is zero (their image cannot be checked).
    #[arg(long)]
    allow_unchecked_images: bool,
    /// Print only the first line (for scripts).
    #[arg(long, short, conflicts_with = "raw")]
    quiet: bool,
}

impl WorkerArgs {
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
        let address = wallet.address();
        let data_dir = match &self.data_dir {
            Some(dir) => dir.clone(),
            None => super::serve::data_dir()?
                .join("worker")
                .join(format!("{}-{address:#x}", chain.id)),
        };
        anyhow::ensure!(self.slots > 0, "--slots must be at least 1");
        anyhow::ensure!(
            self.cpus.is_finite() && self.cpus >= 0.0,
            "--cpus must be a number of CPUs (0: no limit)"
        );
        let engine = match &self.engine {
            Some(url) => EngineChoice::Url(url.clone()),
            None => EngineChoice::Auto,
        };
        let mut config = WorkerConfig::new(chain.clone(), wallet, data_dir.clone())
            .with_scheduler_url(self.scheduler.clone())
            .with_slots(self.slots)
            .with_cpus_per_task(self.cpus)
            .with_memory_per_task(self.memory.saturating_mul(1 << 20))
            .with_engine(engine)
            .with_allow_unchecked_images(self.allow_unchecked_images);
        if let Some(name) = &self.name {
            config = config.with_name(name.clone());
        }
        let name = config.name.clone();
        let worker = Worker::start(config)
            .await
            .context("poco worker could not start")?;
        let engine = worker.engine().describe();
        let out = &mut std::io::stdout().lock();
        if self.common.raw {
            let value = json!({
                "ok": true,
                "address": address.to_string(),
                "name": name,
                "scheduler": self.scheduler,
                "chain": chain.name,
                "chainId": chain.id.to_string(),
                "engine": engine,
                "dataDir": data_dir.display().to_string(),
                "slots": self.slots,
            });
            writeln!(out, "{value}")?;
        } else {
            writeln!(out, "Worker {address} working for {}", self.scheduler)?;
            if !self.quiet {
                writeln!(
                    out,
                    "Chain         {} (id {}) at {}",
                    chain.name, chain.id, chain.host
                )?;
                writeln!(out, "Engine        {engine}")?;
                writeln!(
                    out,
                    "Slots         {} × ({} CPU, {} MiB)",
                    self.slots, self.cpus, self.memory
                )?;
                writeln!(out, "Data          {}", data_dir.display())?;
            }
        }
        out.flush()?;
        wait_for_signal().await?;
        eprintln!(
            "stopping (running containers are killed; their tasks resume at the next start)..."
        );
        worker
            .stop()
            .await
            .context("the worker did not stop cleanly")?;
        Ok(())
    }
}

//! `poco chain`: the embedded dev chain as a standalone node.

use super::protocol;
use alloy_primitives::{U256, utils::parse_ether};
use anyhow::Context as _;
use clap::Args;
use poco_chain::{ChainConfig, Node, accounts::DEFAULT_MNEMONIC};
use poco_contracts::{DeployOptions, DeployReport, deploy_report};
use std::{io::Write, net::IpAddr, path::PathBuf, time::Duration};

/// Run an embedded Ethereum dev chain.
#[derive(Debug, Args)]
#[command(
    long_about = "Run an embedded Ethereum dev chain.\n\n\
Serves JSON-RPC 2.0 over HTTP and WebSocket on one port, with funded dev accounts, instant \
mining (a block per transaction) unless --block-time is given, and the evm_*/anvil_*/hardhat_* \
dev methods. Before it prints its URL, account 0 deploys the Poco protocol (hub, RLC, \
registries) and mints RLC to every dev account; with the default mnemonic the addresses are \
always the same (the hub is 0x9A676e781A523b5d0C0e43731313A708CB607508). A chain restarted \
from --state keeps its deployment.",
    after_help = "Examples:\n  \
poco chain                              # http://127.0.0.1:8545, chain id 31337\n  \
poco chain --port 0 --chain-id 1337     # any free port; the first line says which\n  \
poco chain --block-time 2 --state ./chain.json\n  \
poco chain --no-protocol                # a bare chain"
)]
pub(crate) struct ChainArgs {
    /// Interface to listen on.
    #[arg(long, default_value = "127.0.0.1", env = "POCO_CHAIN_HOST")]
    host: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, short, default_value_t = 8545, env = "POCO_CHAIN_PORT")]
    port: u16,
    /// EIP-155 chain id.
    #[arg(long, default_value_t = 31337)]
    chain_id: u64,
    /// Number of dev accounts.
    #[arg(long, short, default_value_t = 10)]
    accounts: usize,
    /// Balance of each dev account, in ETH.
    #[arg(long, default_value = "10000")]
    balance: String,
    /// Mnemonic the dev accounts are derived from (m/44'/60'/0'/0/i).
    #[arg(long, short, default_value = DEFAULT_MNEMONIC)]
    mnemonic: String,
    /// Mine a block every N seconds (fractions allowed) instead of one per transaction.
    #[arg(long, short, allow_negative_numbers = true)]
    block_time: Option<f64>,
    /// Block gas limit.
    #[arg(long, default_value_t = 30_000_000)]
    gas_limit: u64,
    /// Base fee of the first block, in wei.
    #[arg(long, default_value_t = 1_000_000_000)]
    base_fee: u64,
    /// Hardfork rules (for example prague, osaka).
    #[arg(long, default_value = "osaka")]
    hardfork: String,
    /// Load the chain from this file at start and save it there on exit and periodically.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Seconds between periodic saves of --state.
    #[arg(long, default_value_t = 60)]
    state_interval: u64,
    /// How many recent blocks keep a full state for queries at past blocks.
    #[arg(long, default_value_t = 2048)]
    state_history: usize,
    /// Do not deploy the Poco protocol at start-up.
    #[arg(long)]
    no_protocol: bool,
    /// RLC minted to each dev account when the protocol is deployed ("1.5 RLC", or nRLC).
    #[arg(long, default_value = "1000000 RLC", value_parser = protocol::parse_amount)]
    rlc: U256,
    /// Also write the protocol's deployment file (addresses, as `poco deploy --out`) here.
    #[arg(long, value_name = "FILE", conflicts_with = "no_protocol")]
    deployment: Option<PathBuf>,
    /// Print only the URL line (for scripts).
    #[arg(long, short)]
    quiet: bool,
}

impl ChainArgs {
    fn config(&self) -> anyhow::Result<ChainConfig> {
        let balance: U256 = parse_ether(&self.balance).with_context(|| {
            format!(
                "--balance {:?} is not an amount of ETH (for example 10000 or 0.5)",
                self.balance
            )
        })?;
        let block_time = match self.block_time {
            Some(seconds) if seconds.is_finite() && seconds > 0.0 => {
                Some(Duration::from_secs_f64(seconds))
            }
            Some(seconds) => {
                anyhow::bail!("--block-time must be a positive number of seconds, got {seconds}")
            }
            None => None,
        };
        let spec = poco_chain::executor::parse_hardfork(&self.hardfork).with_context(|| {
            format!(
                "--hardfork {:?} is not a hardfork revm knows (try prague or osaka)",
                self.hardfork
            )
        })?;
        anyhow::ensure!(self.accounts > 0, "--accounts must be at least 1");
        anyhow::ensure!(
            self.state_interval > 0,
            "--state-interval must be at least 1 second"
        );
        Ok(ChainConfig::default()
            .with_host(self.host)
            .with_port(self.port)
            .with_chain_id(self.chain_id)
            .with_accounts(self.accounts)
            .with_balance(balance)
            .with_mnemonic(self.mnemonic.clone())
            .with_block_time(block_time)
            .with_gas_limit(self.gas_limit)
            .with_base_fee(self.base_fee)
            .with_spec(spec)
            .with_state_path(self.state.clone())
            .with_state_interval(Duration::from_secs(self.state_interval))
            .with_state_history(self.state_history))
    }

    pub(crate) async fn run(self) -> anyhow::Result<()> {
        let config = self.config()?;
        let node = Node::start(config)
            .await
            .context("poco chain could not start")?;
        let protocol = if self.no_protocol {
            None
        } else {
            Some(self.deploy_protocol(&node).await?)
        };
        self.print_banner(&mut std::io::stdout().lock(), &node, protocol.as_ref())?;
        if !self.quiet {
            eprintln!(
                "WARNING: these accounts and keys are public (anyone can derive them from the mnemonic). \
                 Never send real funds to them, and never use them on a real network."
            );
        }
        wait_for_signal().await?;
        eprintln!("stopping...");
        let saved = node.config().state_path.clone();
        node.stop().await.context("saving the chain state failed")?;
        if let Some(path) = saved {
            eprintln!("state saved to {}", path.display());
        }
        Ok(())
    }

    /// Deploys the protocol from account 0 (or finds it, on a chain restored from --state) and
    /// mints RLC to the dev accounts, before the URL is printed: whoever waits for the URL line
    /// finds the hub there.
    async fn deploy_protocol(&self, node: &Node) -> anyhow::Result<DeployReport> {
        let backend = node.backend();
        let accounts = node.signers().iter().map(|s| s.address());
        let options = DeployOptions::default().with_mint_each(accounts, self.rlc);
        // With interval mining each of the ~35 transactions would wait for a block: mine them
        // as they come, then hand the chain back to the interval.
        let interval = !backend.automine();
        if interval {
            backend.set_automine(true);
        }
        let report = deploy_report(&node.http_url(), node.signers()[0].clone(), &options).await;
        if interval {
            backend.set_automine(false);
        }
        let report = report.context(
            "deploying the Poco protocol failed (start with --no-protocol for a bare chain)",
        )?;
        if let Some(path) = &self.deployment {
            report
                .deployment
                .write(path)
                .context("writing the deployment file")?;
        }
        Ok(report)
    }

    /// The banner; its first line is `Listening on http://...` whatever the options (test
    /// suites and scripts wait for it).
    fn print_banner(
        &self,
        out: &mut impl Write,
        node: &Node,
        protocol: Option<&DeployReport>,
    ) -> anyhow::Result<()> {
        writeln!(out, "Listening on {}", node.http_url())?;
        if !self.quiet {
            let backend = node.backend();
            writeln!(out, "WebSocket    {}", node.ws_url())?;
            writeln!(out, "Chain id     {}", backend.chain_id())?;
            let mining = match self.block_time {
                Some(s) => format!("a block every {s} s"),
                None => "instant (a block per transaction)".to_owned(),
            };
            writeln!(out, "Mining       {mining}")?;
            writeln!(
                out,
                "Block        {} (gas limit {})",
                backend.head(),
                backend.gas_limit()
            )?;
            if let Some(path) = &self.state {
                writeln!(out, "State file   {}", path.display())?;
            }
            writeln!(out)?;
            writeln!(out, "Accounts ({} ETH each)", self.balance)?;
            for (i, signer) in node.signers().iter().enumerate() {
                writeln!(out, "({i}) {}", signer.address())?;
            }
            writeln!(out)?;
            writeln!(out, "Private keys")?;
            for (i, signer) in node.signers().iter().enumerate() {
                writeln!(
                    out,
                    "({i}) 0x{}",
                    alloy_primitives::hex::encode(signer.credential().to_bytes())
                )?;
            }
            writeln!(out)?;
            if self.mnemonic == DEFAULT_MNEMONIC {
                writeln!(out, "Mnemonic     {}", self.mnemonic)?;
            }
            writeln!(out, "Derivation   m/44'/60'/0'/0/i")?;
            if let Some(report) = protocol {
                writeln!(out)?;
                let origin = if report.reused {
                    "found in the state file"
                } else {
                    "deployed by account 0"
                };
                writeln!(out, "Protocol ({origin}, iExec PoCo compatible)")?;
                protocol::print_addresses(out, &report.deployment)?;
                if !report.reused {
                    writeln!(
                        out,
                        "RLC minted   {} to each account",
                        poco_types::format_rlc(self.rlc)
                    )?;
                }
                if let Some(path) = &self.deployment {
                    writeln!(out, "Deployment   {}", path.display())?;
                }
            }
        }
        out.flush()?;
        Ok(())
    }
}

/// Waits for Ctrl-C or SIGTERM.
pub(crate) async fn wait_for_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("cannot listen for SIGTERM")?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.context("cannot listen for Ctrl-C")?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("cannot listen for Ctrl-C")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use poco_contracts::dev;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: ChainArgs,
    }

    fn args(extra: &[&str]) -> ChainArgs {
        let argv = ["poco", "--port", "0"].iter().chain(extra);
        Cli::try_parse_from(argv).expect("valid arguments").args
    }

    /// Starts a node as `poco chain` does and returns it with its banner.
    async fn start(args: &ChainArgs) -> (Node, Option<DeployReport>, String) {
        let node = Node::start(args.config().expect("valid config"))
            .await
            .expect("node starts");
        let report = if args.no_protocol {
            None
        } else {
            Some(args.deploy_protocol(&node).await.expect("protocol deploys"))
        };
        let mut banner = Vec::new();
        args.print_banner(&mut banner, &node, report.as_ref())
            .expect("banner printed");
        let banner = String::from_utf8(banner).expect("UTF-8 banner");
        (node, report, banner)
    }

    #[tokio::test]
    async fn the_banner_starts_with_the_url_and_shows_the_protocol() {
        let (node, report, banner) = start(&args(&[])).await;
        let first = banner.lines().next().expect("a first line");
        assert_eq!(first, format!("Listening on {}", node.http_url()));
        let report = report.expect("deployed");
        assert!(!report.reused);
        assert_eq!(report.deployment.hub, dev::HUB);
        let protocol = banner
            .split("\nProtocol (deployed by account 0")
            .nth(1)
            .expect("a Protocol section after the accounts");
        assert!(protocol.contains(&format!("Hub          {}", dev::HUB)));
        assert!(protocol.contains(&format!("RLC          {}", dev::RLC)));
        assert!(protocol.contains(&dev::APP_REGISTRY.to_string()));
        assert!(protocol.contains(&dev::DATASET_REGISTRY.to_string()));
        assert!(protocol.contains(&dev::WORKERPOOL_REGISTRY.to_string()));
        assert!(protocol.contains("RLC minted   1000000 RLC to each account"));
        assert!(
            banner.find("Accounts").expect("accounts") < banner.find("Protocol").expect("protocol")
        );

        let quiet = args(&["--quiet"]);
        let mut out = Vec::new();
        quiet
            .print_banner(&mut out, &node, Some(&report))
            .expect("banner printed");
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            format!("Listening on {}\n", node.http_url())
        );
    }

    #[tokio::test]
    async fn no_protocol_gives_a_bare_chain() {
        let (node, report, banner) = start(&args(&["--no-protocol"])).await;
        assert!(report.is_none());
        assert!(!banner.contains("Protocol"));
        assert_eq!(node.backend().head(), 0);
    }

    #[tokio::test]
    async fn interval_mining_is_paused_for_the_deployment_only() {
        let a = args(&["--block-time", "3600", "--rlc", "5 RLC"]);
        let (node, report, banner) = start(&a).await;
        assert!(!report.expect("deployed").reused);
        assert!(!node.backend().automine(), "interval mining is back");
        assert!(banner.contains("RLC minted   5 RLC to each account"));
    }

    #[tokio::test]
    async fn a_restarted_chain_keeps_its_protocol_and_mints_nothing_more() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let state = dir.path().join("chain.json");
        let deployment = dir.path().join("deployment.json");
        let state_arg = state.to_str().expect("UTF-8 path");
        let deployment_arg = deployment.to_str().expect("UTF-8 path");
        let a = args(&["--state", state_arg, "--deployment", deployment_arg]);
        let (node, first, _) = start(&a).await;
        node.stop().await.expect("saved");
        let written = poco_contracts::Deployment::read(&deployment).expect("file written");
        assert_eq!(written, first.expect("deployed").deployment);

        let (node, again, banner) = start(&a).await;
        let again = again.expect("found");
        assert!(again.reused);
        assert_eq!(again.deployment, written);
        assert!(banner.contains("Protocol (found in the state file"));
        assert!(!banner.contains("RLC minted"));
        drop(node);
    }
}

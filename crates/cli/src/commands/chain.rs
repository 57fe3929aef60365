//! `poco chain`: the embedded dev chain as a standalone node.

use alloy_primitives::{U256, utils::parse_ether};
use anyhow::Context as _;
use clap::Args;
use poco_chain::{ChainConfig, Node, accounts::DEFAULT_MNEMONIC};
use std::{io::Write, net::IpAddr, path::PathBuf, time::Duration};

/// Run an embedded Ethereum dev chain.
///
/// Serves JSON-RPC 2.0 over HTTP and WebSocket on one port, with funded dev accounts, instant
/// mining (a block per transaction) unless --block-time is given, and the evm_*/anvil_*/hardhat_*
/// dev methods.
///
/// Examples:
///   poco chain                              # http://127.0.0.1:8545, chain id 31337
///   poco chain --port 0 --chain-id 1337     # any free port
///   poco chain --block-time 2 --state ./chain.json
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
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
    #[arg(long, short)]
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
        self.print_banner(&node)?;
        wait_for_signal().await?;
        eprintln!("stopping...");
        let saved = node.config().state_path.clone();
        node.stop().await.context("saving the chain state failed")?;
        if let Some(path) = saved {
            eprintln!("state saved to {}", path.display());
        }
        Ok(())
    }

    fn print_banner(&self, node: &Node) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
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
        }
        out.flush()?;
        if !self.quiet {
            eprintln!(
                "WARNING: these accounts and keys are public (anyone can derive them from the mnemonic). \
                 Never send real funds to them, and never use them on a real network."
            );
        }
        Ok(())
    }
}

/// Waits for Ctrl-C or SIGTERM.
async fn wait_for_signal() -> anyhow::Result<()> {
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

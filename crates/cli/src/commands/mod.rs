//! The command tree.

mod chain;

use clap::Subcommand;

/// Every `poco` subcommand.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run an embedded Ethereum dev chain (JSON-RPC over HTTP and WebSocket).
    Chain(chain::ChainArgs),
}

impl Command {
    /// Runs the command.
    pub(crate) async fn run(self) -> anyhow::Result<()> {
        match self {
            Self::Chain(args) => args.run().await,
        }
    }
}

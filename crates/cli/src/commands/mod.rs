//! The command tree.

mod chain;
mod deploy;
mod protocol;

use clap::Subcommand;

/// Every `poco` subcommand.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    // The variants carry no doc comment: it would replace the long help and examples that
    // each command's arguments struct declares.
    #[command(about = "Run an embedded Ethereum dev chain (JSON-RPC over HTTP and WebSocket)")]
    Chain(chain::ChainArgs),
    #[command(about = "Deploy the Poco protocol to any EVM chain and write its deployment file")]
    Deploy(deploy::DeployArgs),
}

impl Command {
    /// Runs the command.
    pub(crate) async fn run(self) -> anyhow::Result<()> {
        match self {
            Self::Chain(args) => args.run().await,
            Self::Deploy(args) => args.run().await,
        }
    }
}

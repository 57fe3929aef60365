//! The command tree: `chain` and `deploy` run and set up chains; the rest follows the iExec
//! SDK's tree (offchain spec §7) so that its workshop works with `poco` in place of `iexec`.

mod account;
mod app;
mod asset;
mod category;
mod chain;
mod dataset;
mod deal;
mod demo;
mod deploy;
mod info;
mod init;
mod market;
mod order;
mod orderbook;
mod protocol;
mod results;
mod scheduler;
mod serve;
mod task;
mod up;
mod wallet;
mod worker;
mod workerpool;

use clap::Subcommand;

pub(crate) use wallet::address_arg;

/// Every `poco` subcommand.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    // The variants carry no doc comment: it would replace the long help and examples that
    // each command's arguments struct declares.
    #[command(about = "Run an embedded Ethereum dev chain (JSON-RPC over HTTP and WebSocket)")]
    Chain(chain::ChainArgs),
    #[command(about = "Deploy the Poco protocol to any EVM chain and write its deployment file")]
    Deploy(deploy::DeployArgs),
    #[command(about = "Serve the market API (the order book) for a chain")]
    Market(market::MarketArgs),
    #[command(
        about = "Run the whole local stack: chain, market, scheduler, workers, result storage"
    )]
    Up(up::UpArgs),
    #[command(
        about = "Run the demo: register an app, run it at trust 1 and 3, download the results"
    )]
    Demo(demo::DemoArgs),
    #[command(about = "Run a workerpool's scheduler (the pool manager's service)")]
    Scheduler(scheduler::SchedulerArgs),
    #[command(about = "Run a worker: execute a workerpool's tasks in containers")]
    Worker(worker::WorkerArgs),
    #[command(about = "Serve result storage (uploads from workers, IPFS gateway downloads)")]
    Results(results::ResultsArgs),
    #[command(about = "Start a project: iexec.json, chain.json and a wallet")]
    Init(init::InitCommand),
    #[command(about = "Manage wallets (V3 keystores) and send ETH or RLC")]
    Wallet(wallet::WalletCommand),
    #[command(about = "Manage your account in the hub: deposit, withdraw, allowances")]
    Account(account::AccountCommand),
    #[command(about = "Register and inspect apps")]
    App(app::AppCommand),
    #[command(about = "Register and inspect datasets")]
    Dataset(dataset::DatasetCommand),
    #[command(about = "Register and inspect workerpools")]
    Workerpool(workerpool::WorkerpoolCommand),
    #[command(about = "Create, sign, cancel, inspect and fill orders")]
    Order(order::OrderCommand),
    #[command(about = "Browse the market's open orders, cheapest first")]
    Orderbook(orderbook::OrderbookCommand),
    #[command(about = "Inspect and claim deals")]
    Deal(deal::DealCommand),
    #[command(about = "Inspect, watch and claim tasks", alias = "work")]
    Task(task::TaskCommand),
    #[command(about = "Create and inspect categories (maximum run times)")]
    Category(category::CategoryCommand),
    #[command(about = "Show the chain's contract addresses and service URLs")]
    Info(info::InfoArgs),
}

impl Command {
    /// The log filter when `RUST_LOG` is not set: warnings, and Poco's own info; only
    /// warnings for the demo, whose services would otherwise drown its story.
    pub(crate) fn default_log_filter(&self) -> &'static str {
        match self {
            Self::Demo(_) => "warn,poco_chain=error",
            _ => "warn,poco=info,poco_chain=warn",
        }
    }

    /// Runs the command.
    pub(crate) async fn run(self) -> anyhow::Result<()> {
        match self {
            Self::Chain(args) => args.run().await,
            Self::Deploy(args) => args.run().await,
            Self::Market(args) => args.run().await,
            Self::Up(args) => args.run().await,
            Self::Demo(args) => args.run().await,
            Self::Scheduler(args) => args.run().await,
            Self::Worker(args) => args.run().await,
            Self::Results(args) => args.run().await,
            Self::Init(command) => command.run().await,
            Self::Wallet(command) => command.run().await,
            Self::Account(command) => command.run().await,
            Self::App(command) => command.run().await,
            Self::Dataset(command) => command.run().await,
            Self::Workerpool(command) => command.run().await,
            Self::Order(command) => command.run().await,
            Self::Orderbook(command) => command.run().await,
            Self::Deal(command) => command.run().await,
            Self::Task(command) => command.run().await,
            Self::Category(command) => command.run().await,
            Self::Info(args) => args.run().await,
        }
    }
}

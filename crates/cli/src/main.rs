//! `poco`: the one command of the Poco decentralized computing marketplace.
//!
//! Results go to stdout, diagnostics to stderr; exit code 0 on success, 1 on error.

mod commands;
mod context;
mod ui;

use clap::Parser;
use std::process::ExitCode;

/// Poco: run apps on decentralized worker pools, settled on Ethereum.
#[derive(Debug, Parser)]
#[command(name = "poco", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: commands::Command,
}

fn main() -> ExitCode {
    // Usage errors exit 1 like every other error (clap's default is 2); --help and
    // --version print to stdout and exit 0.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // `--raw` is an option of each SDK-style command group; an error is printed as JSON when
    // the command line asked for it, wherever it is.
    let raw = std::env::args().any(|arg| arg == "--raw");
    match runtime.block_on(cli.command.run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            ui::output::Output::new(raw).failure(&e);
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr; `RUST_LOG` overrides the default level (warnings, and Poco's own info).
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,poco=info,poco_chain=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

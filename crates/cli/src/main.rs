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
    init_tracing(cli.command.default_log_filter());
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

/// Logs to stderr; `RUST_LOG` overrides the command's default level.
fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every command a user can run, as its path (`poco order fill`).
    fn leaves(command: &clap::Command, path: String, out: &mut Vec<(String, clap::Command)>) {
        let subcommands: Vec<_> = command
            .get_subcommands()
            .filter(|c| c.get_name() != "help")
            .collect();
        if subcommands.is_empty() {
            out.push((path.clone(), command.clone()));
        }
        for sub in subcommands {
            leaves(sub, format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_has_help_and_an_example() {
        let mut all = Vec::new();
        leaves(&Cli::command(), "poco".to_owned(), &mut all);
        assert!(all.len() > 40, "only {} commands", all.len());
        let mut missing = Vec::new();
        for (path, command) in all {
            if command.get_about().is_none() {
                missing.push(format!("`{path}` has no description"));
            }
            let help = command
                .get_after_help()
                .or_else(|| command.get_after_long_help())
                .or_else(|| command.get_long_about())
                .map(|h| h.to_string())
                .unwrap_or_default();
            let name = path.trim_start_matches("poco ");
            if !(help.contains("Example") && help.contains(&format!("poco {name}"))) {
                missing.push(format!("`{path} --help` shows no example of itself"));
            }
        }
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }
}

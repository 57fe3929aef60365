//! `poco demo`: the README's main job. Starts the local stack (`poco up`'s, in-process), loads
//! the demo app's image, registers and offers it, then runs it as a requester at trust 1 and
//! at trust 3, downloads both results and shows what everyone was paid
//! (poco_stack::demo).

use super::{chain::wait_for_signal, serve::data_dir, up::print_banner};
use anyhow::{Context as _, Result};
use clap::Args;
use poco_stack::{Engine, Ports, Stack, StackConfig, demo};
use poco_types::format_rlc;
use serde_json::json;
use std::path::PathBuf;

/// Run the demo.
#[derive(Debug, Args)]
#[command(
    long_about = "Run Poco's demo end to end on a local stack: the dev chain with the protocol, \
the market, result storage, a workerpool's scheduler and 3 workers, started in this process. \
A small demo app (built into poco) is loaded into the container engine and registered; the \
requester deposits 1 RLC, runs the app once at trust 1 (one worker) and once at trust 3 (two \
workers must agree), and downloads both results into ./poco-demo/.\n\n\
It needs a container engine: Docker, or Podman (scripts/demo.sh installs and configures \
Podman on Debian and Ubuntu, then runs this command). The stack listens on the built-in dev \
chain's ports (8545, 3000, 3001, 13000): stop a running `poco up` first, or pass --any-ports.",
    after_help = "Examples:\n  poco demo\n  poco demo --keep-running\n  poco demo --any-ports --raw"
)]
pub(crate) struct DemoArgs {
    /// Where the stack keeps its data (default: ~/.local/share/poco/demo; started fresh).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Where the results are saved.
    #[arg(long, value_name = "DIR", default_value = "poco-demo")]
    out: PathBuf,
    /// The Docker Engine API to run containers on (default: found, or Podman started).
    #[arg(long, value_name = "URL", env = "DOCKER_HOST")]
    engine: Option<String>,
    /// Listen on free ports instead of the dev chain's.
    #[arg(long)]
    any_ports: bool,
    /// Keep the stack running after the demo, until Ctrl-C.
    #[arg(long)]
    keep_running: bool,
    /// Print the report as one JSON line.
    #[arg(long)]
    raw: bool,
}

impl DemoArgs {
    pub(crate) async fn run(self) -> Result<()> {
        let dir = match &self.data_dir {
            Some(dir) => dir.clone(),
            None => data_dir()?.join("demo"),
        };
        let config = StackConfig::new(&dir)
            .with_fresh(true)
            .with_engine(match &self.engine {
                Some(url) => Engine::Url(url.clone()),
                None => Engine::Auto,
            })
            .with_ports(if self.any_ports {
                Ports::ANY
            } else {
                Ports::DEV
            });
        eprintln!(
            "starting the local stack in {} (chain, market, results, scheduler, 3 workers)...",
            dir.display()
        );
        let stack = Stack::start(config)
            .await
            .map_err(|e| {
                let hint = if e.to_string().contains("cannot listen") {
                    " (is `poco up` running? stop it, or pass --any-ports)"
                } else {
                    ""
                };
                anyhow::anyhow!("{e}{hint}")
            })
            .context("the demo's stack could not start")?;
        let mut notes = |note: String| eprintln!("- {note}");
        let report = demo::run_demo(&stack, &self.out, &mut notes).await;
        let report = match report {
            Ok(report) => report,
            Err(e) => {
                let _ = stack.stop().await;
                return Err(e).context("the demo failed");
            }
        };
        if self.raw {
            println!("{}", raw_report(&report));
        } else {
            print_report(&report);
        }
        if self.keep_running {
            print_banner(&mut std::io::stderr().lock(), &stack, false)?;
            wait_for_signal().await?;
        }
        stack
            .stop()
            .await
            .context("the stack did not stop cleanly")?;
        Ok(())
    }
}

fn print_report(report: &demo::DemoReport) {
    println!("\nPoco demo: done.");
    println!(
        "App {} (image {}, Id 0x{})",
        report.app.address,
        report.app.reference,
        poco_contracts::alloy::primitives::hex::encode(report.app.image_id)
    );
    for run in &report.runs {
        let agreed = match run.workers.len() {
            1 => "1 worker".to_owned(),
            n => format!("{n} workers agreed"),
        };
        println!(
            "\nTrust {}: task {} {} in {:.1} s ({agreed})",
            run.trust,
            run.task,
            format!("{:?}", run.status).to_uppercase(),
            run.elapsed.as_secs_f64()
        );
        println!("  result: {}", run.zip.display());
        for line in run.result_txt.lines().take(3) {
            println!("  | {line}");
        }
    }
    println!("\nPaid (hub accounts):");
    for (role, address, diff) in &report.paid {
        let sign = if *diff < 0 { "-" } else { "+" };
        let amount = poco_contracts::alloy::primitives::U256::from(diff.unsigned_abs());
        println!(
            "  {:<14} {address}  {sign}{}",
            role.to_string(),
            format_rlc(amount)
        );
    }
}

fn raw_report(report: &demo::DemoReport) -> serde_json::Value {
    json!({
        "ok": true,
        "app": report.app.address,
        "imageId": report.app.image_id,
        "runs": report.runs.iter().map(|run| json!({
            "trust": run.trust,
            "deal": run.deal,
            "task": run.task,
            "status": format!("{:?}", run.status).to_uppercase(),
            "workers": run.workers,
            "zip": run.zip,
            "resultTxt": run.result_txt,
            "seconds": run.elapsed.as_secs_f64(),
        })).collect::<Vec<_>>(),
        "paid": report.paid.iter().map(|(role, address, diff)| json!({
            "role": role.to_string(), "address": address, "nRLC": diff.to_string(),
        })).collect::<Vec<_>>(),
    })
}

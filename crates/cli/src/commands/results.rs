//! `poco results`: serves result storage (poco-results: iExec's result proxy and an IPFS-style
//! gateway) for one chain until Ctrl-C or SIGTERM.
//!
//! Everything has a default that matches `poco chain`: the chain comes from chain.json (or the
//! built-in `dev`), the server listens where that chain's `resultProxy` points when it is a
//! local URL (127.0.0.1:3001 for `dev`, also its `ipfsGateway`), and the zips and their
//! records live in a folder per chain id in the user's data folder.

use super::{
    chain::wait_for_signal,
    serve::{data_dir, listen_addr, local_addr, redact_password},
};
use anyhow::{Context as _, Result};
use clap::Args;
use poco_client::{
    Client,
    chains::{self, ChainConf, ChainsFile},
};
use poco_contracts::alloy::primitives::Address;
use poco_results::{ResultServer, ResultsConfig};
use serde_json::json;
use std::{io::Write, net::SocketAddr, path::PathBuf, time::Duration};

/// Where the server listens when nothing says otherwise (the built-in dev chain's
/// `resultProxy` and `ipfsGateway`).
const DEFAULT_LISTEN: &str = "127.0.0.1:3001";

/// Serve result storage for a chain.
#[derive(Debug, Args)]
#[command(
    long_about = "Serve result storage for a chain (iExec's result proxy and IPFS gateway), \
until Ctrl-C or SIGTERM.\n\n\
Workers upload their tasks' zipped outputs there, with a token the server gives for the \
workerpool owner's authorization; the server checks each upload against the chain (for trust \
above 1, only a revealed winner's zip, whose content must give the revealed digest) and \
answers its content address, /ipfs/<cid> (CIDv1, raw, sha2-256), which goes on chain. \
Requesters download results from GET /ipfs/<cid> (`poco task show --download`, or the iExec \
SDK through the chain's ipfsGateway). With `poco chain` running, `poco results` needs no \
option: it serves the built-in dev chain on http://127.0.0.1:3001, where the dev chain's \
resultProxy and ipfsGateway point. Zips go to a folder in the user's data folder \
(~/.local/share/poco/results/<chainid>/blobs), to memory:// or to S3 (s3://bucket/prefix, \
settings from the AWS_* variables); their records to SQLite there, or to PostgreSQL with \
--database-url.",
    after_help = "Examples:\n  \
poco results                                   # the dev chain, http://127.0.0.1:3001\n  \
poco results --listen 127.0.0.1:0 --raw        # any free port; the JSON line says which\n  \
poco results --store file:///srv/poco/results --max-result-size 500MiB\n  \
AWS_REGION=eu-west-1 poco results --chain bellecour --store s3://my-bucket/results --database-url postgres://results@db/results"
)]
pub(crate) struct ResultsArgs {
    /// The chain to serve, by name in chain.json ("dev", built in, matches `poco chain`).
    #[arg(long, env = "POCO_CHAIN", value_name = "NAME")]
    chain: Option<String>,
    /// The folder holding chain.json.
    #[arg(long, default_value = ".", value_name = "DIR")]
    project: PathBuf,
    /// The chain's JSON-RPC URL (default: the chain's `host`).
    #[arg(long, value_name = "URL")]
    rpc_url: Option<String>,
    /// The hub address (default: the chain's `hub`).
    #[arg(long, value_name = "ADDRESS", value_parser = super::address_arg)]
    hub: Option<Address>,
    /// Where to listen, HOST:PORT (port 0: any free port). Default: the chain's resultProxy
    /// when it is a local URL, else 127.0.0.1:3001.
    #[arg(long, value_name = "ADDR", env = "POCO_RESULTS_LISTEN")]
    listen: Option<String>,
    /// Where the zips go: file:///DIR (or a plain path), memory:// (lost at stop) or
    /// s3://BUCKET/PREFIX (default: a folder per chain id in the user's data folder).
    #[arg(long, value_name = "URL", env = "POCO_RESULTS_STORE")]
    store: Option<String>,
    /// The records' database: sqlite://FILE or postgres://... (default: a SQLite file next to
    /// the default store).
    #[arg(
        long,
        value_name = "URL",
        env = "POCO_RESULTS_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// The largest zip accepted: bytes, or a number with KiB, MiB or GiB.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "100MiB")]
    max_result_size: u64,
    /// How long an upload token is valid, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    token_ttl: u64,
    /// Print only the URL line (for scripts).
    #[arg(long, short, conflicts_with = "raw")]
    quiet: bool,
    /// Print the server's URL and settings as one JSON line once it listens.
    #[arg(long)]
    raw: bool,
}

impl ResultsArgs {
    /// Runs the command.
    pub(crate) async fn run(self) -> Result<()> {
        let (chain, config) = self.resolve().await?;
        let server = ResultServer::start(config.clone())
            .await
            .context("poco results could not start")?;
        self.print_banner(&mut std::io::stdout().lock(), &server, &chain, &config)?;
        wait_for_signal().await?;
        eprintln!("stopping...");
        server
            .stop()
            .await
            .context("the result server did not stop cleanly")?;
        Ok(())
    }

    /// The chain, checked (node answers with the chain id, hub deployed), and the settings.
    async fn resolve(&self) -> Result<(ChainConf, ResultsConfig)> {
        let file = ChainsFile::load(&self.project)?;
        let mut chain = chains::resolve(file.as_ref(), self.chain.as_deref())?;
        if let Some(url) = &self.rpc_url {
            chain.host = url.clone();
        }
        if let Some(hub) = self.hub {
            chain.hub = Some(hub);
        }
        let client = Client::connect(chain.clone(), None).await?;
        chain.hub = Some(client.hub_address());
        let listen = listen_addr(
            self.listen.as_deref(),
            chain.result_proxy.as_deref(),
            DEFAULT_LISTEN,
        )?;
        let (store, database_url) = match (&self.store, &self.database_url) {
            (Some(store), Some(url)) => (store.clone(), url.clone()),
            (store, url) => {
                let dir = data_dir()?.join("results").join(chain.id.to_string());
                std::fs::create_dir_all(&dir).with_context(|| {
                    format!(
                        "cannot create the result storage's folder {}",
                        dir.display()
                    )
                })?;
                (
                    store
                        .clone()
                        .unwrap_or_else(|| format!("file://{}", dir.join("blobs").display())),
                    url.clone()
                        .unwrap_or_else(|| sqlite_url(&dir.join("results.sqlite"))),
                )
            }
        };
        anyhow::ensure!(
            ["sqlite:", "postgres:", "postgresql:"]
                .iter()
                .any(|scheme| database_url.starts_with(scheme)),
            "--database-url is neither sqlite://FILE nor postgres://USER@HOST/DB"
        );
        anyhow::ensure!(self.token_ttl > 0, "--token-ttl must be at least 1 second");
        let config = ResultsConfig::default()
            .with_listen(listen)
            .with_chain(chain.clone())
            .with_store(store)
            .with_database_url(database_url)
            .with_max_result_size(self.max_result_size)
            .with_token_ttl(Duration::from_secs(self.token_ttl));
        Ok((chain, config))
    }

    /// The first line is `Listening on http://...` (scripts and tests wait for it); with
    /// --raw, one JSON line instead.
    fn print_banner(
        &self,
        out: &mut impl Write,
        server: &ResultServer,
        chain: &ChainConf,
        config: &ResultsConfig,
    ) -> Result<()> {
        let url = server.url();
        let hub = chain.hub.map(|hub| hub.to_string()).unwrap_or_default();
        let database = redact_password(&config.database_url);
        if self.raw {
            let value = json!({
                "ok": true,
                "url": url,
                "chain": chain.name,
                "chainId": chain.id.to_string(),
                "host": chain.host,
                "hubAddress": hub,
                "store": server.store_description(),
                "database": database,
                "maxResultSize": config.max_result_size,
            });
            writeln!(out, "{value}")?;
        } else {
            writeln!(out, "Listening on {url}")?;
            if !self.quiet {
                writeln!(
                    out,
                    "Chain      {} (id {}) at {}",
                    chain.name, chain.id, chain.host
                )?;
                writeln!(out, "Hub        {hub}")?;
                writeln!(out, "Store      {}", server.store_description())?;
                writeln!(out, "Database   {database}")?;
                writeln!(
                    out,
                    "Max size   {} bytes per result",
                    config.max_result_size
                )?;
                for (key, value) in [
                    ("resultProxy", chain.result_proxy.as_deref()),
                    ("ipfsGateway", chain.ipfs_gateway.as_deref()),
                ] {
                    let points_here = value
                        .and_then(local_addr)
                        .and_then(|a| a.parse::<SocketAddr>().ok())
                        == Some(server.local_addr())
                        || value.map(|v| v.trim_end_matches('/')) == Some(url.as_str());
                    if !points_here {
                        writeln!(
                            out,
                            "Note       chain `{}` has {key} {}: set it to {url} in chain.json \
                             for workers and downloads to use this server",
                            chain.name,
                            value.unwrap_or("(none)")
                        )?;
                    }
                }
            }
        }
        out.flush()?;
        Ok(())
    }
}

/// The `sqlite://` URL of a database file, created when missing.
fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Parses a size: bytes, or a number followed by KiB, MiB or GiB (KB, MB, GB read the same).
fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: u64 = number.parse().map_err(|_| {
        format!("{text:?} is not a size: write bytes, or a number with KiB, MiB or GiB")
    })?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        other => return Err(format!("unknown size unit {other:?}: use KiB, MiB or GiB")),
    };
    let size = number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("{text:?} is too large"))?;
    if size == 0 {
        return Err("the size must be more than 0 bytes".to_owned());
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use poco_results::DEFAULT_MAX_RESULT_SIZE;

    #[test]
    fn sizes_read_units() {
        assert_eq!(parse_size("100MiB"), Ok(DEFAULT_MAX_RESULT_SIZE));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("2 KiB"), Ok(2048));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5 TB").is_err());
    }
}

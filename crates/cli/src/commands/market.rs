//! `poco market`: serves the market API (iExec's `iexecGateway`, poco-market) for one chain
//! until Ctrl-C or SIGTERM.
//!
//! Everything has a default that matches `poco chain`: the chain comes from chain.json (or the
//! built-in `dev`), the market listens where that chain's `iexecGateway` points when it is a
//! local URL (127.0.0.1:3000 for `dev`), and the order book is a SQLite file per chain id in the
//! user's data folder. A dev chain restarted without `--state` is a new chain with the same id:
//! the default database remembers the chain's genesis block and starts a fresh order book when
//! it changes (the old file is kept as `<chainid>.sqlite.stale`).

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
use poco_contracts::alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256},
    providers::Provider,
};
use poco_market::{Market, MarketConfig};
use serde_json::json;
use std::{
    io::Write,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

/// Where the market listens when nothing says otherwise (the built-in dev chain's
/// `iexecGateway`).
const DEFAULT_LISTEN: &str = "127.0.0.1:3000";

/// Serve the market API (the order book) for a chain.
#[derive(Debug, Args)]
#[command(
    long_about = "Serve the market API (the order book, iExec's `iexecGateway`) for a chain, \
until Ctrl-C or SIGTERM.\n\n\
Owners publish signed orders there (`poco app publish`, `poco order publish`) and requesters \
find them (`poco orderbook`). The market checks every order against the chain before \
accepting it and follows the chain to retire filled, cancelled and dead orders. With \
`poco chain` running, `poco market` needs no option: it serves the built-in dev chain on \
http://127.0.0.1:3000, where the dev chain's iexecGateway points. The order book is a SQLite \
file per chain in the user's data folder (~/.local/share/poco/market/<chainid>.sqlite), or \
a PostgreSQL database with --database-url postgres://...",
    after_help = "Examples:\n  \
poco market                                  # the dev chain, http://127.0.0.1:3000\n  \
poco market --listen 127.0.0.1:0 --raw       # any free port; the JSON line says which\n  \
poco market --chain bellecour --database-url postgres://market@db/market\n  \
poco market --rpc-url http://127.0.0.1:8545 --hub 0x9A676e781A523b5d0C0e43731313A708CB607508"
)]
pub(crate) struct MarketArgs {
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
    /// Where to listen, HOST:PORT (port 0: any free port). Default: the chain's iexecGateway
    /// when it is a local URL, else 127.0.0.1:3000.
    #[arg(long, value_name = "ADDR", env = "POCO_MARKET_LISTEN")]
    listen: Option<String>,
    /// The order book's database: sqlite://FILE or postgres://... (default: a SQLite file per
    /// chain id in the user's data folder, created on first start).
    #[arg(
        long,
        value_name = "URL",
        env = "POCO_MARKET_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// Blocks to wait before acting on a chain event (default: 0 on chain id 31337, else 3).
    #[arg(long, value_name = "N")]
    confirmations: Option<u64>,
    /// Seconds between two polls of the chain (fractions allowed).
    #[arg(long, value_name = "SECONDS")]
    poll_interval: Option<f64>,
    /// The block a fresh database starts watching the chain from (default: the current head).
    #[arg(long, value_name = "N")]
    from_block: Option<u64>,
    /// How many OPEN orders one wallet may have in the book.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    max_open_orders: u32,
    /// Print only the URL line (for scripts).
    #[arg(long, short, conflicts_with = "raw")]
    quiet: bool,
    /// Print the market's URL and settings as one JSON line once it listens.
    #[arg(long)]
    raw: bool,
}

/// What the market serves, once resolved.
struct Resolved {
    chain: ChainConf,
    config: MarketConfig,
    /// The database, for display (no password).
    database: String,
    confirmations: u64,
    fresh_book: Option<String>,
}

impl MarketArgs {
    pub(crate) async fn run(self) -> Result<()> {
        let resolved = self.resolve().await?;
        if let Some(note) = &resolved.fresh_book {
            eprintln!("{note}");
        }
        let market = Market::start(resolved.config.clone())
            .await
            .context("poco market could not start")?;
        self.print_banner(&mut std::io::stdout().lock(), &market, &resolved)?;
        wait_for_signal().await?;
        eprintln!("stopping...");
        market
            .stop()
            .await
            .context("the market did not stop cleanly")?;
        Ok(())
    }

    /// The chain, checked (node answers with the chain id, hub deployed), and the market's
    /// settings.
    async fn resolve(&self) -> Result<Resolved> {
        let file = ChainsFile::load(&self.project)?;
        let mut chain = chains::resolve(file.as_ref(), self.chain.as_deref())?;
        if let Some(url) = &self.rpc_url {
            chain.host = url.clone();
        }
        if let Some(hub) = self.hub {
            chain.hub = Some(hub);
        }
        let client = Client::connect(chain.clone(), None).await?;
        let hub = client.hub_address();
        let listen = listen_addr(
            self.listen.as_deref(),
            chain.iexec_gateway.as_deref(),
            DEFAULT_LISTEN,
        )?;
        let confirmations = self
            .confirmations
            .unwrap_or(if chain.id == chains::DEV_CHAIN_ID {
                0
            } else {
                3
            });
        let (database_url, fresh_book) = match &self.database_url {
            Some(url) => (url.clone(), None),
            None => default_database(&client).await?,
        };
        check_database_url(&database_url)?;
        let poll_interval = match self.poll_interval {
            Some(seconds) if seconds.is_finite() && seconds > 0.0 => {
                Some(Duration::from_secs_f64(seconds))
            }
            Some(seconds) => {
                anyhow::bail!("--poll-interval must be a positive number of seconds, got {seconds}")
            }
            None => None,
        };
        let config = MarketConfig::default()
            .with_listen(listen)
            .with_chain(chain.host.clone(), chain.id, hub)
            .with_database_url(database_url.clone())
            .with_max_open_orders_per_wallet(self.max_open_orders);
        let config = watcher_settings(config, confirmations, poll_interval, self.from_block);
        Ok(Resolved {
            chain,
            config,
            database: redact_password(&database_url),
            confirmations,
            fresh_book,
        })
    }

    /// The first line is `Listening on http://...` (scripts and tests wait for it); with
    /// --raw, one JSON line instead.
    fn print_banner(
        &self,
        out: &mut impl Write,
        market: &Market,
        resolved: &Resolved,
    ) -> Result<()> {
        let url = market.http_url();
        let config = &resolved.config;
        if self.raw {
            let value = json!({
                "ok": true,
                "url": url,
                "chain": resolved.chain.name,
                "chainId": config.chain_id.to_string(),
                "host": config.rpc_url,
                "hubAddress": config.hub.to_string(),
                "database": resolved.database,
                "confirmations": resolved.confirmations,
            });
            writeln!(out, "{value}")?;
        } else {
            writeln!(out, "Listening on {url}")?;
            if !self.quiet {
                writeln!(
                    out,
                    "Chain         {} (id {}) at {}",
                    resolved.chain.name, config.chain_id, config.rpc_url
                )?;
                writeln!(out, "Hub           {}", config.hub)?;
                writeln!(out, "Database      {}", resolved.database)?;
                writeln!(out, "Confirmations {}", resolved.confirmations)?;
                if resolved.chain.iexec_gateway.as_deref() != Some(url.as_str())
                    && resolved
                        .chain
                        .iexec_gateway
                        .as_deref()
                        .and_then(local_addr)
                        .and_then(|a| a.parse::<SocketAddr>().ok())
                        != Some(market.local_addr())
                {
                    writeln!(
                        out,
                        "Note          chain `{}` has iexecGateway {}: set it to {url} in \
                         chain.json for the CLI to use this market",
                        resolved.chain.name,
                        resolved.chain.iexec_gateway.as_deref().unwrap_or("(none)")
                    )?;
                }
            }
        }
        out.flush()?;
        Ok(())
    }
}

/// The chain watcher's settings.
fn watcher_settings(
    config: MarketConfig,
    confirmations: u64,
    poll_interval: Option<Duration>,
    from_block: Option<u64>,
) -> MarketConfig {
    let mut config = config.with_confirmations(confirmations);
    if let Some(interval) = poll_interval {
        config = config.with_poll_interval(interval);
    }
    if let Some(block) = from_block {
        config = config.with_from_block(block);
    }
    config
}

/// `HOST:PORT` of a gateway URL on this machine (`http://127.0.0.1:3000`, `http://localhost:3100/`).
/// Refuses a database URL the market cannot open, before anything starts.
fn check_database_url(url: &str) -> Result<()> {
    let known = ["sqlite:", "postgres:", "postgresql:"];
    anyhow::ensure!(
        known.iter().any(|scheme| url.starts_with(scheme)),
        "--database-url {:?} is neither sqlite://FILE nor postgres://USER@HOST/DB",
        redact_password(url)
    );
    Ok(())
}

/// The default database, `<data>/market/<chainid>.sqlite`, fresh when the chain's genesis
/// block is not the one the file was made for (a restarted dev chain). Returns the URL and,
/// when the book was replaced, a note for the user.
async fn default_database(client: &Client) -> Result<(String, Option<String>)> {
    let dir = data_dir()?.join("market");
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the market's folder {}", dir.display()))?;
    let genesis = client
        .provider()
        .get_block_by_number(BlockNumberOrTag::Earliest)
        .await
        .context("cannot read the chain's genesis block")?
        .map(|block| block.header.hash)
        .context("the chain has no genesis block")?;
    let id = client.chain_id();
    let db = dir.join(format!("{id}.sqlite"));
    let note = renew_if_other_chain(&dir, &db, id, genesis)?;
    Ok((poco_market::config::sqlite_url(&db), note))
}

/// Keeps `db` when it was made for the chain whose genesis block is `genesis`; otherwise moves
/// it aside (`.stale`) so that the market starts a fresh book, and records `genesis`.
fn renew_if_other_chain(dir: &Path, db: &Path, id: u64, genesis: B256) -> Result<Option<String>> {
    let marker = dir.join(format!("{id}.genesis"));
    let recorded = std::fs::read_to_string(&marker).ok();
    let current = genesis.to_string();
    let mut note = None;
    if recorded.as_deref().map(str::trim) != Some(current.as_str()) {
        if db.exists() {
            let stale = db.with_extension("sqlite.stale");
            std::fs::rename(db, &stale).with_context(|| {
                format!("cannot move the old order book {} aside", db.display())
            })?;
            for suffix in ["-wal", "-shm"] {
                let mut side = db.as_os_str().to_owned();
                side.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(side));
            }
            note = Some(format!(
                "chain {id} has a new genesis block (a restarted dev chain): starting a fresh \
                 order book; the old one is in {}",
                stale.display()
            ));
        }
        std::fs::write(&marker, format!("{current}\n"))
            .with_context(|| format!("cannot write {}", marker.display()))?;
    }
    Ok(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_database_urls_are_refused() {
        assert!(check_database_url("sqlite:///tmp/x.sqlite").is_ok());
        assert!(check_database_url("postgres://u@h/d").is_ok());
        let error = check_database_url("mysql://u:pw@h/d").expect_err("refused");
        assert!(error.to_string().contains("neither sqlite"), "{error}");
        assert!(!error.to_string().contains("pw"), "{error}");
    }

    #[test]
    fn a_new_genesis_gives_a_fresh_book() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let db = dir.path().join("31337.sqlite");
        let first = B256::repeat_byte(1);
        assert_eq!(
            renew_if_other_chain(dir.path(), &db, 31337, first).expect("ok"),
            None
        );
        std::fs::write(&db, "book").expect("writable");
        assert_eq!(
            renew_if_other_chain(dir.path(), &db, 31337, first).expect("ok"),
            None
        );
        assert!(db.exists(), "same chain: same book");
        let note = renew_if_other_chain(dir.path(), &db, 31337, B256::repeat_byte(2))
            .expect("ok")
            .expect("a note");
        assert!(note.contains("fresh order book"), "{note}");
        assert!(!db.exists());
        assert!(dir.path().join("31337.sqlite.stale").exists());
    }
}

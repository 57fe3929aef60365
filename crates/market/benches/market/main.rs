//! The market's benchmarks, on SQLite and on PostgreSQL: publish throughput (every check of
//! publishing on, the hub's `verifySignature` included) and query latency with 100,000 open
//! orders at a fixed 1,000 queries/s. Goals (issue 5): at least 500 publishes/s, and p99 under
//! 10 ms at 1,000 queries/s.
//!
//! Run with `scripts/bench-market.sh` (release build, a throwaway PostgreSQL), or:
//! `cargo bench -p poco-market --bench market -- [--postgres postgres://user@host:port]
//!  [--no-sqlite] [--no-publish] [--wallets 128] [--book 100000] [--via-http 1000] [--publishes 4000]
//!  [--publishers 32] [--rate 1000] [--seconds 30] [--warmup 3] [--background 20]`.
//! `--background` publishes that many orders a second while the queries run, so that the
//! book changes under them as it does in use.
//!
//! Everything runs in this process, on this machine's two cores: the dev chain
//! (`poco_chain::Node`) on its own runtime, the market (`Market::start`, release build) on
//! its own multi-thread runtime, the load generator on a third; they talk over HTTP on
//! loopback. Setup (chain, wallets, stakes, seeding) is not timed.

#![allow(missing_docs, unreachable_pub)]

mod publish;
mod query;
mod world;

use poco_market::{Market, MarketConfig};
use std::time::{Duration, Instant};

struct Options {
    postgres: Option<String>,
    sqlite: bool,
    publish: bool,
    wallets: usize,
    book: usize,
    via_http: usize,
    publishes: usize,
    publishers: usize,
    rate: u32,
    seconds: u32,
    warmup: u32,
    background: u32,
}

fn options() -> Options {
    let mut o = Options {
        postgres: None,
        sqlite: true,
        publish: true,
        wallets: 128,
        book: 100_000,
        via_http: 1_000,
        publishes: 4_000,
        publishers: 32,
        rate: 1_000,
        seconds: 30,
        warmup: 3,
        background: 20,
    };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let text = || args.get(i + 1).cloned().expect("a value after the option");
        let number = || text().parse::<usize>().expect("a number after the option");
        let mut flag = false;
        match args[i].as_str() {
            "--postgres" => o.postgres = Some(text()),
            "--no-sqlite" => {
                o.sqlite = false;
                flag = true;
            }
            "--no-publish" => {
                o.publish = false;
                flag = true;
            }
            "--wallets" => o.wallets = number(),
            "--book" => o.book = number(),
            "--via-http" => o.via_http = number(),
            "--publishes" => o.publishes = number(),
            "--publishers" => o.publishers = number(),
            "--rate" => o.rate = u32::try_from(number()).expect("a rate"),
            "--seconds" => o.seconds = u32::try_from(number()).expect("seconds"),
            "--warmup" => o.warmup = u32::try_from(number()).expect("seconds"),
            "--background" => o.background = u32::try_from(number()).expect("a rate"),
            _ => flag = true, // cargo bench passes `--bench`
        }
        i += if flag { 1 } else { 2 };
    }
    assert!(
        2 * o.publishers <= o.wallets,
        "--publishers may be at most half of --wallets"
    );
    // The market keeps at most 1,000 open orders per wallet: the book is spread under it.
    assert!(
        o.book / o.wallets < 990,
        "--book needs more --wallets (at most 990 orders each)"
    );
    o
}

/// `p` (0..1) of sorted `latencies`, in ms.
pub fn percentile(latencies: &[Duration], p: f64) -> f64 {
    if latencies.is_empty() {
        return f64::NAN;
    }
    let i = ((latencies.len() as f64 * p) as usize).min(latencies.len() - 1);
    latencies[i].as_secs_f64() * 1000.0
}

fn runtime(name: &str) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(name)
        .enable_all()
        .build()
        .expect("a runtime")
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// The machine's busy and total CPU time so far, in ticks (`/proc/stat`).
fn machine_ticks() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: f64 = ticks.iter().sum();
    // idle and iowait are the 4th and 5th.
    let idle = ticks.get(3).copied().unwrap_or(0.0) + ticks.get(4).copied().unwrap_or(0.0);
    (total - idle, total)
}

/// CPU seconds this process has used (user + system).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// A fresh, empty database: a temporary SQLite file, or a new database on the server.
fn database(load: &tokio::runtime::Runtime, postgres: Option<&str>) -> MarketConfig {
    let config = MarketConfig::test();
    let Some(base) = postgres else {
        return config;
    };
    let base = base.trim_end_matches('/');
    let name = format!(
        "market_bench_{}",
        alloy_primitives::hex::encode(&alloy_primitives::B256::random()[..6])
    );
    load.block_on(async {
        let admin = sqlx::PgPool::connect(&format!("{base}/postgres"))
            .await
            .expect("the PostgreSQL server answers");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .expect("a database can be created");
        admin.close().await;
    });
    config.with_database_url(format!("{base}/{name}"))
}

struct Row {
    database: String,
    sdk: publish::Figures,
    post_only: publish::Figures,
    samples: Vec<query::Sample>,
    seconds: u32,
    cpu: f64,
    machine: f64,
}

fn main() {
    let o = options();
    let chain = runtime("chain");
    let market_rt = runtime("market");
    let load = runtime("load");
    println!(
        "market benchmark: load average {} on {} cores",
        loadavg(),
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    let started = Instant::now();
    let world = chain.block_on(world::build(o.wallets));
    let rpc = world.node.http_url();
    println!(
        "  chain: protocol deployed, {} wallets with an app, a dataset, a workerpool and stake \
         ({:.1} s)",
        world.wallets.len(),
        started.elapsed().as_secs_f64()
    );
    let mut databases: Vec<(String, Option<&str>)> = Vec::new();
    if o.sqlite {
        databases.push(("SQLite".into(), None));
    }
    if let Some(url) = &o.postgres {
        let fsync = load.block_on(async {
            let pool = sqlx::PgPool::connect(&format!("{}/postgres", url.trim_end_matches('/')))
                .await
                .expect("the PostgreSQL server answers");
            let row: (String,) = sqlx::query_as("SHOW fsync")
                .fetch_one(&pool)
                .await
                .expect("SHOW fsync");
            row.0
        });
        databases.push((format!("PostgreSQL (fsync={fsync})"), Some(url)));
    }
    let start_market = |config: MarketConfig| {
        let config = config.with_chain(rpc.clone(), world::CHAIN_ID, poco_contracts::dev::HUB);
        market_rt
            .block_on(Market::start(config))
            .expect("the market starts")
    };
    let mut rows = Vec::new();
    for (name, url) in databases {
        println!("{name}: load average {}", loadavg());
        let (sdk, post_only) = if o.publish {
            publish_pass(
                &o,
                &load,
                &market_rt,
                &world,
                start_market(database(&load, url)),
            )
        } else {
            (publish::Figures::none(), publish::Figures::none())
        };

        // Query latency, on a full book.
        let market = start_market(database(&load, url));
        let base = market.http_url();
        let book = market_rt.block_on(query::seed(
            &market,
            &base,
            &world.wallets,
            o.book,
            o.via_http,
            url.is_some(),
        ));
        println!("  queries: load average {}", loadavg());
        let cpu = cpu_seconds();
        let machine = machine_ticks();
        let wall = Instant::now();
        let (samples, written) = query::open_loop(
            load.handle(),
            &base,
            &world.wallets,
            &book,
            o.rate,
            o.seconds,
            o.warmup,
            o.background,
        );
        println!(
            "  queries: {} answered, {} background publishes ({} refused)",
            samples.len(),
            written.0,
            written.1
        );
        let cpu = (cpu_seconds() - cpu) / wall.elapsed().as_secs_f64();
        let (busy, total) = machine_ticks();
        let machine = (busy - machine.0) / (total - machine.1).max(1.0);
        market_rt.block_on(market.stop()).expect("the market stops");
        rows.push(Row {
            database: name,
            sdk,
            post_only,
            samples,
            seconds: o.seconds,
            cpu,
            machine,
        });
    }
    report(&o, &rows);
}

/// Publish throughput, on an empty book.
fn publish_pass(
    o: &Options,
    load: &tokio::runtime::Runtime,
    market_rt: &tokio::runtime::Runtime,
    world: &world::World,
    market: Market,
) -> (publish::Figures, publish::Figures) {
    let base = market.http_url();
    let (sdk, post_only) = load.block_on(publish::measure(
        &base,
        &world.wallets,
        o.publishers,
        o.publishes,
    ));
    let open: (i64,) = market_rt
        .block_on(
            sqlx::query_as("SELECT COUNT(*) FROM orders WHERE status = 'OPEN'")
                .fetch_one(market.pool()),
        )
        .expect("a count");
    assert_eq!(
        open.0 as usize,
        2 * o.publishers + sdk.published + post_only.published,
        "every publish is in the book"
    );
    println!(
        "  publish: {:.0}/s with a challenge each, {:.0}/s publish only",
        sdk.per_s, post_only.per_s
    );
    market_rt.block_on(market.stop()).expect("the market stops");
    (sdk, post_only)
}

fn report(o: &Options, rows: &[Row]) {
    println!();
    println!(
        "publish: {} orders per way from {} concurrent wallets; queries: {} open orders, {}/s for \
         {} s (after {} s of warm-up) while {} orders/s are published",
        o.publishes, o.publishers, o.book, o.rate, o.seconds, o.warmup, o.background
    );
    println!();
    println!(
        "| database | publishes/s (challenge + publish) | publishes/s (publish only) | queries/s \
         | p50 | p90 | p99 | max | errors |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let mut all: Vec<Duration> = row.samples.iter().map(|s| s.latency).collect();
        all.sort();
        let errors = row.samples.iter().filter(|s| !s.ok).count();
        println!(
            "| {} | {:.0} (p50 {:.1} ms, p99 {:.1} ms) | {:.0} (p50 {:.1} ms, p99 {:.1} ms) | {:.0} \
             | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {errors} |",
            row.database,
            row.sdk.per_s,
            row.sdk.p50_ms,
            row.sdk.p99_ms,
            row.post_only.per_s,
            row.post_only.p50_ms,
            row.post_only.p99_ms,
            row.samples.len() as f64 / f64::from(row.seconds),
            percentile(&all, 0.50),
            percentile(&all, 0.90),
            percentile(&all, 0.99),
            all.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        );
    }
    for row in rows {
        println!();
        println!(
            "{}: queries by kind (during the queries, this process used {:.0}% of one core and \
             the machine's {} cores were {:.0}% busy)",
            row.database,
            row.cpu * 100.0,
            std::thread::available_parallelism().map_or(0, usize::from),
            row.machine * 100.0
        );
        println!("| query | share | p50 | p99 | max |");
        println!("|---|---:|---:|---:|---:|");
        for (i, (what, share)) in query::MIX.iter().enumerate() {
            let mut these: Vec<Duration> = row
                .samples
                .iter()
                .filter(|s| s.which == i)
                .map(|s| s.latency)
                .collect();
            these.sort();
            println!(
                "| {what} | {share}% | {:.2} ms | {:.2} ms | {:.2} ms |",
                percentile(&these, 0.50),
                percentile(&these, 0.99),
                these.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
            );
        }
    }
}

//! Query latency with a full book. Setup (not timed): the book is seeded with real signed
//! orders of the world's wallets; all but the last `via_http` are stored through the market's
//! own storage function (`poco_market::orders::store::insert`, what publishing calls after its
//! checks) to save time, the last `via_http` are published over HTTP with every check, which
//! shows that the generator's orders pass them. Then an open-loop generator sends a mix of the
//! SDK's queries at a fixed rate: each request is scheduled by time, and its latency runs from
//! its scheduled instant, so queueing anywhere (generator, network, market) is counted.

use crate::world::{self, CATEGORIES, CHAIN_ID, Wallet};
use alloy_primitives::{Address, B256};
use poco_client::orders::{AnySigned, order_name};
use poco_market::orders::store;
use poco_types::OrderKind;
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::{
    sync::{Arc, mpsc},
    time::{Duration, Instant},
};

/// A seeded book: what queries can ask for.
pub struct Book {
    /// Some orders' kinds and hashes, for the by-hash queries.
    pub sample: Vec<(OrderKind, B256)>,
}

/// Seeds `size` OPEN orders: an anchor app order per wallet, then the book's mix, spread over
/// the wallets (under the market's cap of open orders per wallet). On PostgreSQL, the table is
/// then vacuumed and analyzed, as autovacuum would have done, and checkpointed: the book has
/// settled before it is measured.
pub async fn seed(
    market: &poco_market::Market,
    base: &str,
    wallets: &[Wallet],
    size: usize,
    via_http: usize,
    postgres: bool,
) -> Book {
    let started = Instant::now();
    let mut orders: Vec<(usize, AnySigned)> = wallets
        .iter()
        .enumerate()
        .map(|(i, w)| (i, world::anchor_app_order(w)))
        .collect();
    // Signing is the slow part of setup: both cores.
    let rest = size - orders.len();
    let halves: Vec<Vec<(usize, AnySigned)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2u64)
            .map(|half| {
                s.spawn(move || {
                    let mut rng = StdRng::seed_from_u64(100 + half);
                    let n = rest / 2 + if half == 0 { rest % 2 } else { 0 };
                    (0..n)
                        .map(|_| {
                            let i = rng.random_range(0..wallets.len());
                            let kind = world::random_kind(&mut rng);
                            (
                                i,
                                world::random_order(&mut rng, kind, &wallets[i], wallets, wallets),
                            )
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a signing thread"))
            .collect()
    });
    orders.extend(halves.into_iter().flatten());
    let signed = started.elapsed();

    let domain = poco_types::domain(CHAIN_ID, poco_contracts::dev::HUB);
    let sample: Vec<(OrderKind, B256)> = orders
        .iter()
        .step_by(97)
        .map(|(_, o)| (o.kind(), o.hash(&domain)))
        .collect();
    let direct = orders.len() - via_http;
    // Published as if one a millisecond until now.
    let first = poco_market::time::now_ms() - i64::try_from(size).expect("a small book");
    let owners: Arc<Vec<Address>> = Arc::new(wallets.iter().map(Wallet::address).collect());
    let orders = Arc::new(orders);
    let workers = 4;
    let mut tasks = Vec::new();
    for w in 0..workers {
        let orders = orders.clone();
        let owners = owners.clone();
        let domain = domain.clone();
        let pool = market.pool().clone();
        tasks.push(tokio::spawn(async move {
            for n in (w..direct).step_by(workers) {
                let (i, order) = &orders[n];
                let entry = store::Entry {
                    order,
                    hash: order.hash(&domain),
                    // The wallet that signed it, which owns its resource (or requests).
                    owner: owners[*i],
                    remaining: order.volume(),
                    published_at: first + i64::try_from(n).expect("small"),
                };
                store::insert(&pool, CHAIN_ID, &entry)
                    .await
                    .expect("an order is stored");
            }
        }));
    }
    for task in tasks {
        task.await.expect("a seeding task");
    }
    let stored = started.elapsed();
    let http = reqwest::Client::new();
    for (i, order) in &orders[direct..] {
        crate::publish::publish(&http, base, &wallets[*i], order)
            .await
            .expect("the order passes every check of publishing");
    }
    if postgres {
        // A book that has been in service has been vacuumed and analyzed by autovacuum; a
        // freshly seeded one would be, during the measurement.
        for statement in ["VACUUM ANALYZE orders", "CHECKPOINT"] {
            sqlx::query(statement)
                .execute(market.pool())
                .await
                .expect("VACUUM ANALYZE and CHECKPOINT");
        }
    }
    println!(
        "  book: {size} open orders ({} stored directly, {via_http} published over HTTP) in {:.1} s \
         (signing {:.1} s, storing {:.1} s)",
        direct,
        started.elapsed().as_secs_f64(),
        signed.as_secs_f64(),
        (stored - signed).as_secs_f64(),
    );
    Book { sample }
}

/// The kinds of queries in the mix, with their share in percent.
pub const MIX: [(&str, u32); 7] = [
    ("workerpool orderbook by category, page 1", 30),
    ("workerpool orderbook by category, pages 2-5", 10),
    ("app orderbook by app", 20),
    ("dataset orderbook by dataset", 5),
    ("request orderbook by category", 15),
    ("request orders of a requester", 10),
    ("one order by hash", 10),
];

/// A query of the mix: its index in [`MIX`] and its path.
fn query(rng: &mut StdRng, wallets: &[Wallet], book: &Book) -> (usize, String) {
    let mut roll = rng.random_range(0..100u32);
    let mut which = 0;
    for (i, (_, share)) in MIX.iter().enumerate() {
        if roll < *share {
            which = i;
            break;
        }
        roll -= share;
    }
    let c = format!("chainId={CHAIN_ID}");
    let category = rng.random_range(0..CATEGORIES);
    let w = &wallets[rng.random_range(0..wallets.len())];
    let sdk_flags = "isAppStrict=false&isDatasetStrict=false&isRequesterStrict=false";
    let path = match which {
        0 => format!("/workerpoolorders?{c}&category={category}&{sdk_flags}&pageSize=20"),
        1 => format!(
            "/workerpoolorders?{c}&category={category}&{sdk_flags}&pageSize=20&pageIndex={}",
            rng.random_range(1..5)
        ),
        2 => format!(
            "/apporders?{c}&app={}&isDatasetStrict=false&isWorkerpoolStrict=false&\
             isRequesterStrict=false&pageSize=20",
            w.app
        ),
        3 => format!(
            "/datasetorders?{c}&dataset={}&isAppStrict=false&isWorkerpoolStrict=false&\
             isRequesterStrict=false&pageSize=20",
            w.dataset
        ),
        4 => format!("/requestorders?{c}&category={category}&isWorkerpoolStrict=false&pageSize=20"),
        5 => format!(
            "/requestorders?{c}&requester={}&isWorkerpoolStrict=false&pageSize=20",
            w.address()
        ),
        _ => {
            let (kind, hash) = book.sample[rng.random_range(0..book.sample.len())];
            format!("/{}s/{hash}?{c}", order_name(kind))
        }
    };
    (which, path)
}

/// What a successful answer holds.
const OK: &[u8; 9] = br#""ok":true"#;

/// One answered (or failed) query.
pub struct Sample {
    pub which: usize,
    pub latency: Duration,
    pub ok: bool,
}

/// Publishes `rate` orders a second (the SDK's way, a challenge each) until `stop`, as the
/// book changes while it is queried; returns how many were published and refused.
async fn background(
    base: String,
    wallets: Vec<Wallet>,
    rate: u32,
    stop: tokio::sync::watch::Receiver<bool>,
) -> (usize, usize) {
    let http = reqwest::Client::new();
    let mut rng = StdRng::seed_from_u64(11);
    let (mut published, mut refused) = (0, 0);
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate)));
    let mut n = 0;
    while !*stop.borrow() {
        tick.tick().await;
        let me = &wallets[n % wallets.len()];
        n += 1;
        let kind = world::random_kind(&mut rng);
        let order = world::random_order(&mut rng, kind, me, &wallets, &wallets);
        match crate::publish::publish(&http, &base, me, &order).await {
            Ok(()) => published += 1,
            Err(e) => {
                eprintln!("  background publish refused: {e}");
                refused += 1;
            }
        }
    }
    (published, refused)
}

/// Sends `rate` queries a second for `seconds` (after `warmup` seconds not counted) while
/// `publishes` orders a second are published, and returns every sample. A dispatcher thread
/// schedules each request at its instant and hands it to `runtime`; nothing waits for an
/// answer before sending the next.
#[allow(clippy::too_many_arguments)]
pub fn open_loop(
    runtime: &tokio::runtime::Handle,
    base: &str,
    wallets: &[Wallet],
    book: &Book,
    rate: u32,
    seconds: u32,
    warmup: u32,
    publishes: u32,
) -> (Vec<Sample>, (usize, usize)) {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let writer = (publishes > 0).then(|| {
        runtime.spawn(background(
            base.to_owned(),
            wallets.to_vec(),
            publishes,
            stopped,
        ))
    });
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .expect("an HTTP client");
    let mut rng = StdRng::seed_from_u64(7);
    let total = rate * (seconds + warmup);
    let skip = rate * warmup;
    let paths: Vec<(usize, String)> = (0..total).map(|_| query(&mut rng, wallets, book)).collect();
    let (tx, rx) = mpsc::channel::<Sample>();
    let start = Instant::now() + Duration::from_millis(100);
    for (n, (which, path)) in paths.into_iter().enumerate() {
        let at = start + Duration::from_secs_f64(n as f64 / f64::from(rate));
        let now = Instant::now();
        if at > now {
            std::thread::sleep(at - now);
        }
        let http = http.clone();
        let url = format!("{base}{path}");
        let tx = tx.clone();
        let counted = n >= skip as usize;
        runtime.spawn(async move {
            let ok = match http.get(&url).send().await {
                Ok(reply) => {
                    let status = reply.status();
                    match reply.bytes().await {
                        // The top-level `"ok":true` (no order field is named `ok`): a search
                        // instead of a parse keeps the generator's share of the cores small.
                        Ok(body) => {
                            status.is_success()
                                && body.windows(OK.len()).any(|w| w == OK.as_slice())
                        }
                        Err(_) => false,
                    }
                }
                Err(_) => false,
            };
            if counted {
                let _ = tx.send(Sample {
                    which,
                    latency: at.elapsed(),
                    ok,
                });
            }
        });
    }
    drop(tx);
    let samples = rx.iter().collect();
    let _ = stop.send(true);
    let written = match writer {
        Some(task) => runtime.block_on(task).expect("the background publisher"),
        None => (0, 0),
    };
    (samples, written)
}

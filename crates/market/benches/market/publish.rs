//! Publish throughput: concurrent publishers, each a wallet publishing its pre-signed orders
//! one after the other over HTTP, every check of the market on. Two ways, as the figures
//! differ by what the publisher pays:
//! - **challenge + publish**, as the SDK does: `GET /challenge`, sign it, `POST` the order
//!   (one challenge per publish);
//! - **publish only**: the challenges were fetched and signed beforehand (not timed), the
//!   timed part is the `POST` alone.

use crate::world::{self, CHAIN_ID, Wallet};
use alloy_dyn_abi::TypedData;
use alloy_signer::SignerSync;
use poco_client::orders::{AnySigned, order_name};
use rand::{SeedableRng, rngs::StdRng};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// What one way of publishing measured.
pub struct Figures {
    pub published: usize,
    pub per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Figures {
    /// Not measured.
    pub fn none() -> Self {
        Self {
            published: 0,
            per_s: f64::NAN,
            p50_ms: f64::NAN,
            p99_ms: f64::NAN,
        }
    }
}

/// An `Authorization` header for `wallet`, made as the SDK makes it: a challenge from the
/// market, the EIP-712 hash of its typed data signed by the wallet.
pub async fn auth(http: &reqwest::Client, base: &str, wallet: &Wallet) -> Result<String, String> {
    let reply: Value = http
        .get(format!(
            "{base}/challenge?chainId={CHAIN_ID}&address={}",
            wallet.address()
        ))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let typed: TypedData = serde_json::from_value(reply["data"].clone())
        .map_err(|e| format!("the challenge is not typed data: {e} ({reply})"))?;
    let hash = typed.eip712_signing_hash().map_err(|e| e.to_string())?;
    let sign = wallet
        .signer
        .sign_hash_sync(&hash)
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "{hash}_0x{}_{}",
        alloy_primitives::hex::encode(sign.as_bytes()),
        wallet.address()
    ))
}

/// Publishes `order` with the `auth` header; an error unless the market answers `ok`.
pub async fn post(
    http: &reqwest::Client,
    base: &str,
    auth: &str,
    order: &AnySigned,
) -> Result<(), String> {
    let reply = http
        .post(format!(
            "{base}/{}s?chainId={CHAIN_ID}",
            order_name(order.kind())
        ))
        .header("authorization", auth)
        .json(&json!({ "order": order.to_json() }))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = reply.status();
    let body: Value = reply.json().await.map_err(|e| e.to_string())?;
    if status.is_success() && body["ok"] == true {
        Ok(())
    } else {
        Err(format!("{status}: {body}"))
    }
}

/// Publishes `order` as `wallet` the SDK's way (a fresh challenge, then the order).
pub async fn publish(
    http: &reqwest::Client,
    base: &str,
    wallet: &Wallet,
    order: &AnySigned,
) -> Result<(), String> {
    let header = auth(http, base, wallet).await?;
    post(http, base, &header, order).await
}

/// Signed orders for each publisher: `per` orders of the book's mix; requests ask for the
/// apps of `anchors`, whose anchor app orders are open.
fn orders_for(
    publishers: &[Wallet],
    all: &[Wallet],
    anchors: &[Wallet],
    per: usize,
    seed: u64,
) -> Vec<Vec<AnySigned>> {
    let mut rng = StdRng::seed_from_u64(seed);
    publishers
        .iter()
        .map(|me| {
            (0..per)
                .map(|_| {
                    let kind = world::random_kind(&mut rng);
                    world::random_order(&mut rng, kind, me, all, anchors)
                })
                .collect()
        })
        .collect()
}

/// Measures both ways with `total` orders each, from `publishers` concurrent wallets, on the
/// market at `base` (its book empty). Wallets `0..2*publishers` publish; their anchor app
/// orders are published first (not timed).
pub async fn measure(
    base: &str,
    wallets: &[Wallet],
    publishers: usize,
    total: usize,
) -> (Figures, Figures) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(publishers * 2)
        .build()
        .expect("an HTTP client");
    let users = &wallets[..2 * publishers];
    for wallet in users {
        publish(&http, base, wallet, &world::anchor_app_order(wallet))
            .await
            .expect("the anchor app order is published");
    }
    let per = total / publishers;
    // Challenge + publish, as the SDK does: wallets 0..publishers.
    let orders = orders_for(&users[..publishers], wallets, users, per, 1);
    let sdk = run(&http, base, &users[..publishers], orders, None).await;
    // Publish only: wallets publishers..2*publishers, challenges fetched beforehand.
    let orders = orders_for(&users[publishers..], wallets, users, per, 2);
    let mut headers = Vec::new();
    for wallet in &users[publishers..] {
        let mut mine = Vec::with_capacity(per);
        for _ in 0..per {
            mine.push(auth(&http, base, wallet).await.expect("a challenge"));
        }
        headers.push(mine);
    }
    let post_only = run(&http, base, &users[publishers..], orders, Some(headers)).await;
    (sdk, post_only)
}

/// Runs one publisher task per wallet; with `headers`, the challenges are already signed.
async fn run(
    http: &reqwest::Client,
    base: &str,
    wallets: &[Wallet],
    orders: Vec<Vec<AnySigned>>,
    headers: Option<Vec<Vec<String>>>,
) -> Figures {
    let mut headers = headers.map(Vec::into_iter);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (wallet, orders) in wallets.iter().cloned().zip(orders) {
        let http = http.clone();
        let base = base.to_owned();
        let mine = headers
            .as_mut()
            .map(|h| h.next().expect("headers per wallet"));
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(orders.len());
            for (i, order) in orders.iter().enumerate() {
                let began = Instant::now();
                let result = match &mine {
                    Some(headers) => post(&http, &base, &headers[i], order).await,
                    None => publish(&http, &base, &wallet, order).await,
                };
                if let Err(e) = result {
                    panic!("a publish was refused: {e}");
                }
                latencies.push(began.elapsed());
            }
            latencies
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("a publisher task"));
    }
    let elapsed = start.elapsed();
    latencies.sort();
    Figures {
        published: latencies.len(),
        per_s: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: crate::percentile(&latencies, 0.50),
        p99_ms: crate::percentile(&latencies, 0.99),
    }
}

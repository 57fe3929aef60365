//! Gas report: every user-facing operation of the protocol run on a fresh poco chain, with the
//! `gasUsed` of its receipt printed as a markdown table (the table in `docs/gas.md`):
//!
//! ```text
//! cargo test -p poco-contracts --test it gas -- --ignored --nocapture   # scripts/gas-report.sh
//! ```
//!
//! The report is `#[ignore]`d so a plain `cargo test` stays quiet; the budget that matters —
//! `matchOrders` without a dataset at most 270,000 gas, 60% of the low end of iExec's 440k–520k —
//! is asserted by a normal test, so a regression fails CI.

use crate::fixture::{Protocol, RLC_UNIT, u};
use poco_contracts::alloy::{
    consensus::Transaction,
    primitives::{B256, Bytes, keccak256},
    providers::Provider,
    rpc::types::TransactionReceipt,
};
use poco_types::task_id;

/// The most `matchOrders` (no dataset, trust 1, volume 1, empty params, fresh orders) may cost.
const MATCH_ORDERS_BUDGET: u64 = 270_000;

/// Category 0's final deadline (10 × 300 s) plus a margin.
const PAST_FINAL_DEADLINE: u64 = 3_100;

/// One line of the report.
struct Row {
    operation: String,
    gas: u64,
    /// The part of `gas` paid for the calldata (4 per zero byte, 16 per other byte).
    calldata: u64,
    notes: &'static str,
}

/// What `receipt`'s transaction paid for its calldata.
async fn calldata_gas(p: &Protocol, receipt: &TransactionReceipt) -> u64 {
    let tx = p
        .provider
        .get_transaction_by_hash(receipt.transaction_hash)
        .await
        .expect("eth_getTransactionByHash")
        .expect("the transaction is known");
    tx.input()
        .iter()
        .map(|&b| if b == 0 { 4 } else { 16 })
        .sum()
}

/// The receipt of a call that must succeed.
fn ok(what: &str, tx: Result<TransactionReceipt, String>) -> TransactionReceipt {
    tx.unwrap_or_else(|e| panic!("{what} reverted: {e}"))
}

/// `matchOrders` without a dataset (the budgeted figure): the fixture's default orders (trust
/// 1, volume 1, empty params, random salts as the SDK makes them).
async fn match_orders(p: &Protocol) -> (B256, TransactionReceipt) {
    p.match_orders(&p.orders())
        .await
        .expect("default orders match")
}

/// Runs every reported operation on a fresh chain; returns the rows in report order.
async fn measure() -> Vec<Row> {
    let p = Protocol::start().await;
    let mut rows = Vec::new();
    macro_rules! row {
        ($operation:expr, $receipt:expr, $notes:expr $(,)?) => {{
            let receipt: &TransactionReceipt = &$receipt;
            rows.push(Row {
                operation: $operation.to_owned(),
                gas: receipt.gas_used,
                calldata: calldata_gas(&p, receipt).await,
                notes: $notes,
            });
        }};
    }

    // Deposits: the app owner has never deposited (fresh account slot); the requester has.
    let amount = u(100 * RLC_UNIT);
    for (who, label, notes) in [
        (
            p.app_owner(),
            "deposit (first)",
            "account's first deposit: its SRLC slot goes from zero to non-zero",
        ),
        (
            p.requester(),
            "deposit (subsequent)",
            "account already holds SRLC",
        ),
    ] {
        ok(
            "approve",
            p.send(p.rlc.approve(p.deployment.hub, amount).from(who))
                .await,
        );
        let r = ok("deposit", p.send(p.hub.deposit(amount).from(who)).await);
        row!(label, r, notes);
    }
    let r = ok(
        "withdraw",
        p.send(p.hub.withdraw(amount).from(p.requester())).await,
    );
    row!("withdraw", r, "partial withdrawal to the sender");

    // Registries: new entries for owners that already own one (the fixture created the first).
    let n = p.fresh();
    let image = Bytes::from(format!("registry/gas-app-{n}:1.0").into_bytes());
    let r = ok(
        "createApp",
        p.send(
            p.apps
                .createApp(
                    p.app_owner(),
                    format!("gas-app-{n}"),
                    "DOCKER".into(),
                    image.clone(),
                    keccak256(&image),
                    Bytes::new(),
                )
                .from(p.app_owner()),
        )
        .await,
    );
    row!(
        "createApp",
        r,
        "16-byte name, 29-byte image, no mrenclave; owner's second app",
    );
    let multiaddr = Bytes::from(format!("ipfs://gas-dataset-{n}").into_bytes());
    let r = ok(
        "createDataset",
        p.send(
            p.datasets
                .createDataset(
                    p.dataset_owner(),
                    format!("gas-dataset-{n}"),
                    multiaddr.clone(),
                    keccak256(&multiaddr),
                )
                .from(p.dataset_owner()),
        )
        .await,
    );
    row!("createDataset", r, "owner's second dataset");
    let r = ok(
        "createWorkerpool",
        p.send(
            p.pools
                .createWorkerpool(p.pool_owner(), format!("gas-pool-{n}"))
                .from(p.pool_owner()),
        )
        .await,
    );
    row!("createWorkerpool", r, "owner's second workerpool");

    // matchOrders: the first of the chain, a second one, and one with a dataset.
    let (deal1, r) = match_orders(&p).await;
    row!(
        "matchOrders, no dataset (first)",
        r,
        "trust 1, volume 1, empty params, fresh orders; first deal of the chain",
    );
    let (deal2, r) = match_orders(&p).await;
    row!(
        "matchOrders, no dataset",
        r,
        "the same, a later deal (the budgeted figure: <= 270,000)",
    );
    let orders = p.orders().with_dataset(p.dataset_order());
    let (_, r) = p
        .match_orders(&orders)
        .await
        .expect("orders with a dataset match");
    row!(
        "matchOrders, with dataset",
        r,
        "trust 1, volume 1, empty params, fresh orders",
    );

    // Trust 3: initialize, two contributions (new workers' weights 2 and 2 of a total of 5:
    // 4·3 > 5·2, so the second reaches consensus), two reveals, finalize.
    let (deal3, _) = p
        .match_orders(&p.orders().with_trust(3))
        .await
        .expect("trust-3 orders match");
    let r = ok(
        "initialize",
        p.send(p.hub.initialize(deal3, u(0)).from(p.pool_owner()))
            .await,
    );
    row!("initialize", r, "first task of a deal");
    let task = task_id(deal3, u(0));
    let digest = keccak256("the result");
    for (i, label, notes) in [
        (
            0,
            "contribute (trust 3, first)",
            "locks the worker's stake; no consensus yet",
        ),
        (
            1,
            "contribute (trust 3, reaching consensus)",
            "locks the stake, consensus: status REVEALING, reveal deadline set",
        ),
    ] {
        let r = ok("contribute", p.contribute(p.worker(i), task, digest).await);
        row!(label, r, notes);
    }
    for i in 0..2 {
        let r = ok("reveal", p.reveal(p.worker(i), task, digest).await);
        if i == 0 {
            row!("reveal", r, "first reveal of the task");
        }
    }
    let r = ok("finalize", p.finalize(task, b"ipfs://QmResults", b"").await);
    row!(
        "finalize (trust 3, per task)",
        r,
        "2 contributors, both revealed: 2 rewards, 2 scores, pool owner's and kitty's share",
    );

    // The trust-1 fast path.
    let task1 = p.initialize(deal1, 0).await.expect("initialized");
    let r = ok(
        "contributeAndFinalize",
        p.contribute_and_finalize(p.worker(0), task1, digest, b"ipfs://QmResults", b"")
            .await,
    );
    row!(
        "contributeAndFinalize",
        r,
        "trust 1, 16-byte results, no callback",
    );

    // Claim: a task with no contribution, after its final deadline.
    let task2 = p.initialize(deal2, 0).await.expect("initialized");
    p.increase_time(PAST_FINAL_DEADLINE).await;
    let r = ok("claim", p.claim(task2).await);
    row!(
        "claim",
        r,
        "no contributor: refund the requester, pool stake to the kitty",
    );
    rows
}

#[tokio::test]
async fn match_orders_without_dataset_is_within_budget() {
    let p = Protocol::start().await;
    // The first deal of the chain, and a later one: both within the budget.
    for which in ["first", "second"] {
        let gas = match_orders(&p).await.1.gas_used;
        assert!(
            gas <= MATCH_ORDERS_BUDGET,
            "matchOrders without dataset ({which} deal) used {gas} gas, budget \
             {MATCH_ORDERS_BUDGET} (60% of iExec's 440k)"
        );
    }
}

#[tokio::test]
#[ignore = "prints the gas report: scripts/gas-report.sh"]
async fn gas_report() {
    let rows = measure().await;
    let mut table = String::from(
        "| operation | gas | of which calldata | what it covers |\n|---|---:|---:|---|\n",
    );
    for r in &rows {
        table.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r.operation,
            thousands(r.gas),
            thousands(r.calldata),
            r.notes
        ));
    }
    println!("{table}");
    // The budget is asserted by match_orders_without_dataset_is_within_budget.
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

//! The log follower on a dev chain: ranges applied exactly once (a failing sink, a restart),
//! and a chain rewound below the position.

use crate::common::{Chain, database, rlc_transfer};
use poco_contracts::{
    RLC,
    alloy::{
        rpc::types::{Filter, Log},
        sol_types::SolEvent,
    },
};
use poco_service::{
    FollowConfig, LogFollower, LogSink, TxQueue,
    db::{Pool, Sql, Transaction},
    follow::BoxFuture,
};
use serde_json::json;
use sqlx::Row;
use std::{
    ops::RangeInclusive,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

/// Records every Transfer log in `seen` (whose primary key refuses a log applied twice).
#[derive(Default)]
struct Recorder {
    fail_next: AtomicUsize,
    failures: AtomicUsize,
    ranges: Mutex<Vec<RangeInclusive<u64>>>,
    rewinds: Mutex<Vec<(u64, u64)>>,
    committed: AtomicUsize,
}

impl LogSink for Recorder {
    type Error = String;

    fn apply<'a>(
        &'a self,
        range: RangeInclusive<u64>,
        logs: &'a [Log],
        tx: &'a mut Transaction,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            for log in logs {
                let mut sql = Sql::new("INSERT INTO seen (block, log_index) VALUES (");
                sql.int(log.block_number.expect("mined") as i64)
                    .push(", ")
                    .int(log.log_index.expect("mined") as i64)
                    .push(")");
                if let Err(e) = sql.query().execute(&mut **tx).await {
                    self.failures.fetch_add(1, Ordering::SeqCst);
                    return Err(format!("applied twice? {e}"));
                }
            }
            if !logs.is_empty()
                && self
                    .fail_next
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
            {
                return Err("injected failure after writing".into());
            }
            self.ranges.lock().expect("lock").push(range);
            Ok(())
        })
    }

    fn rewound<'a>(
        &'a self,
        last: u64,
        head: u64,
        tx: &'a mut Transaction,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let mut sql = Sql::new("DELETE FROM seen WHERE block > ");
            sql.int(head as i64);
            sql.query()
                .execute(&mut **tx)
                .await
                .map_err(|e| e.to_string())?;
            self.rewinds.lock().expect("lock").push((last, head));
            Ok(())
        })
    }

    fn committed(&self, _to: u64) {
        self.committed.fetch_add(1, Ordering::SeqCst);
    }
}

async fn seen(pool: &Pool) -> i64 {
    Sql::new("SELECT COUNT(*) AS n FROM seen")
        .query()
        .fetch_one(pool)
        .await
        .expect("count")
        .try_get::<i64, _>("n")
        .expect("n")
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let start = std::time::Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn config(chain: &Chain) -> FollowConfig {
    let rlc = chain
        .client(None)
        .await
        .rlc_address()
        .await
        .expect("RLC address");
    let transfers = Filter::new()
        .address(rlc)
        .event_signature(RLC::Transfer::SIGNATURE_HASH);
    FollowConfig::new(31337, vec![transfers]).with_poll_interval(Duration::from_millis(20))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranges_apply_exactly_once_across_failures_and_restarts() {
    let chain = Chain::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let pool = database(dir.path()).await;
    let sender = chain.client(Some(1)).await;
    let queue = TxQueue::start(sender.clone()).expect("a wallet");
    let sink = Arc::new(Recorder::default());
    sink.fail_next.store(1, Ordering::SeqCst);
    let follower = LogFollower::start(
        chain.client(None).await,
        pool.clone(),
        config(&chain).await,
        sink.clone(),
    )
    .await
    .expect("starts");
    for i in 0..3 {
        queue
            .send(rlc_transfer(&sender, chain.address(6), 10 + i).await)
            .await
            .expect("mined");
    }
    let position = follower.catch_up().await.expect("caught up");
    eventually("3 transfers seen", async || seen(&pool).await == 3).await;
    assert_eq!(
        sink.failures.load(Ordering::SeqCst),
        0,
        "nothing applied twice"
    );
    assert_eq!(
        sink.fail_next.load(Ordering::SeqCst),
        0,
        "the failure happened"
    );
    assert!(position >= 3);
    assert!(sink.committed.load(Ordering::SeqCst) >= 1);
    // The committed ranges do not overlap.
    let ranges = sink.ranges.lock().expect("lock").clone();
    for pair in ranges.windows(2) {
        assert!(pair[0].end() < pair[1].start(), "{ranges:?}");
    }
    follower.stop().await;

    // Two more transfers while it is stopped; a new follower resumes from the stored position.
    for i in 0..2 {
        queue
            .send(rlc_transfer(&sender, chain.address(7), 20 + i).await)
            .await
            .expect("mined");
    }
    let sink = Arc::new(Recorder::default());
    let follower = LogFollower::start(
        chain.client(None).await,
        pool.clone(),
        config(&chain).await,
        sink.clone(),
    )
    .await
    .expect("restarts");
    follower.catch_up().await.expect("caught up");
    eventually("5 transfers seen", async || seen(&pool).await == 5).await;
    let resumed = sink.ranges.lock().expect("lock")[0].clone();
    assert_eq!(*resumed.start(), position + 1, "resumes where it stopped");
    assert_eq!(sink.failures.load(Ordering::SeqCst), 0);
    follower.stop().await;
    queue.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rewound_chain_moves_the_position_back() {
    let chain = Chain::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let pool = database(dir.path()).await;
    let sender = chain.client(Some(1)).await;
    let queue = TxQueue::start(sender.clone()).expect("a wallet");
    let sink = Arc::new(Recorder::default());
    let follower = LogFollower::start(
        chain.client(None).await,
        pool.clone(),
        config(&chain).await,
        sink.clone(),
    )
    .await
    .expect("starts");
    let snapshot = chain.rpc("evm_snapshot", json!([])).await;
    let base = follower.position();
    for i in 0..3 {
        queue
            .send(rlc_transfer(&sender, chain.address(6), 30 + i).await)
            .await
            .expect("mined");
    }
    let ahead = follower.catch_up().await.expect("caught up");
    assert!(ahead >= base + 3);
    eventually("3 transfers seen", async || seen(&pool).await == 3).await;

    assert_eq!(
        chain.rpc("evm_revert", json!([snapshot])).await,
        json!(true)
    );
    eventually("the rewind", async || {
        !sink.rewinds.lock().expect("lock").is_empty()
    })
    .await;
    let (last, head) = sink.rewinds.lock().expect("lock")[0];
    assert_eq!(last, ahead);
    assert!(head < ahead);
    eventually("the position at the head", async || {
        follower.position() == head
    })
    .await;
    assert_eq!(
        seen(&pool).await,
        0,
        "the sink dropped what the lost blocks said"
    );

    // New blocks are followed again.
    queue
        .send(rlc_transfer(&sender, chain.address(6), 99).await)
        .await
        .expect("mined");
    eventually("the new transfer seen", async || seen(&pool).await == 1).await;
    follower.stop().await;
    queue.stop().await;
}

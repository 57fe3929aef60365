//! Every lifecycle path of the protocol, with every party's balance checked to the nRLC: the
//! trust-1 fast path, consensus with honest and wrong workers, reopen, claim and the kitty,
//! datasets, callbacks, volumes and split requests, presigned and cancelled orders,
//! restrictions, and TEE deals.
//!
//! Expected amounts are computed here from the spec's formulas (`/work/shared/spec/protocol.md`
//! §6–7), never read back from the contracts: the worker stake is the pool price × 30 / 100,
//! the scheduler keeps 1% by default, winners share by weight, the kitty pays out
//! `min(max(kitty·10/100, 1 RLC), kitty)`.

use crate::fixture::{
    APP_PRICE, DATASET_PRICE, DEPOSIT, Orders, POOL_PRICE, Protocol, RLC_UNIT, u,
};
use poco_contracts::alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    signers::local::PrivateKeySigner,
};
use poco_types::{
    ContributionStatus, Order, OrderOperation, SignedAppOrder, SignedRequestOrder, Tag, TaskStatus,
    constants::{
        DEFAULT_SCHEDULER_REWARD_RATIO, DEFAULT_WORKER_STAKE_RATIO, FINAL_DEADLINE_RATIO,
        KITTY_ADDRESS, KITTY_MIN, KITTY_RATIO, REVEAL_DEADLINE_RATIO, WORKERPOOL_STAKE_RATIO,
    },
    deal_id, result_hash, task_id,
};
use std::collections::HashMap;

alloy::sol!(
    #[sol(rpc)]
    TestCallback,
    "../../contracts/out/TestCallback.json"
);

/// Category 0's work clock time reference, in seconds (XS).
const TIMEREF: u64 = 300;

/// `x` nRLC as a signed delta.
fn i(x: u64) -> i128 {
    x.into()
}

/// What the pool owner locks per task: pool price × 30 / 100, truncated per task.
fn pool_stake(pool_price: u64) -> u64 {
    pool_price * WORKERPOOL_STAKE_RATIO / 100
}

/// What a worker locks per contribution: pool price × the pool's worker stake ratio / 100.
fn worker_stake(pool_price: u64) -> u64 {
    pool_price * DEFAULT_WORKER_STAKE_RATIO / 100
}

/// The workers' part of `total` after the scheduler's share.
fn workers_part(total: u64) -> u64 {
    total * (100 - DEFAULT_SCHEDULER_REWARD_RATIO) / 100
}

/// What a finalize takes out of a kitty holding `kitty` nRLC for the pool owner.
fn kitty_share(kitty: u64) -> u64 {
    let min = u64::try_from(KITTY_MIN).expect("1 RLC");
    (kitty * KITTY_RATIO / 100).max(min).min(kitty)
}

/// A contribution's weight from the worker's score: `max(score / 3, 3) - 1`.
fn weight(score: u64) -> u64 {
    (score / 3).max(3) - 1
}

/// The weight the contribution stores (and payments use): `log2(weight)` rounded up.
fn stored_weight(score: u64) -> u64 {
    let w = weight(score);
    u64::from(64 - (w - 1).leading_zeros())
}

/// The spec's consensus bookkeeping for one task, to predict when consensus is reached.
struct Consensus {
    trust: u64,
    total: u64,
    groups: HashMap<B256, u64>,
}

impl Consensus {
    fn new(trust: u64) -> Self {
        Self {
            trust,
            total: 1,
            groups: HashMap::new(),
        }
    }

    /// Adds a contribution of `hash` by a worker with `score`; true when it reaches consensus.
    fn contribute(&mut self, hash: B256, score: u64) -> bool {
        let group = self.groups.entry(hash).or_insert(0);
        let delta = (*group).max(1) * weight(score) - *group;
        *group += delta;
        self.total += delta;
        *group * self.trust > self.total * (self.trust - 1)
    }

    /// Reopen: the consensus group's weight is removed.
    fn reopen(&mut self, hash: B256) {
        self.total -= self.groups.remove(&hash).unwrap_or(0);
    }
}

/// Score of `worker` as a u64.
async fn score(p: &Protocol, worker: &PrivateKeySigner) -> u64 {
    p.score(worker.address())
        .await
        .try_into()
        .expect("scores are small")
}

/// A consensus task run by `workers`, all honest: initialize, contribute (the model predicts
/// consensus at the last one), reveal, finalize. Returns the task id.
async fn honest_task(
    p: &Protocol,
    deal: B256,
    idx: u64,
    trust: u64,
    workers: &[&PrivateKeySigner],
) -> B256 {
    let task = p.initialize(deal, idx).await.expect("initialize");
    let digest = p.fresh_b256();
    let mut model = Consensus::new(trust);
    for (k, w) in workers.iter().enumerate() {
        let reached = model.contribute(result_hash(task, digest), score(p, w).await);
        assert_eq!(
            reached,
            k + 1 == workers.len(),
            "consensus at the last worker"
        );
        p.contribute(w, task, digest).await.expect("contribute");
    }
    for w in workers {
        p.reveal(w, task, digest).await.expect("reveal");
    }
    p.finalize(task, b"ipfs://warmup", b"")
        .await
        .expect("finalize");
    task
}

#[tokio::test]
async fn trust1_fast_path() {
    let p = Protocol::start().await;
    let worker = p.worker(0);
    let before = p.snapshot().await;
    let (deal, _) = p.match_orders(&p.orders()).await.expect("match");

    // Matched: the requester's task price and the pool's 30% are locked.
    let price = APP_PRICE + POOL_PRICE;
    let stake = pool_stake(POOL_PRICE);
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(price), i(price)),
                (p.pool_owner(), -i(stake), i(stake)),
            ],
        )
        .await;
    let d = p.view_deal(deal).await;
    assert_eq!(d.trust, u(1));
    assert_eq!(d.workerStake, u(worker_stake(POOL_PRICE)));
    assert_eq!(d.schedulerRewardRatio, u(DEFAULT_SCHEDULER_REWARD_RATIO));
    assert_eq!((d.botFirst, d.botSize), (u(0), u(1)));

    let task = p.initialize(deal, 0).await.expect("initialize");
    let digest = p.fresh_b256();
    p.contribute_and_finalize(worker, task, digest, b"ipfs://results", b"")
        .await
        .expect("contributeAndFinalize");

    let t = p.view_task(task).await;
    assert_eq!(t.status, TaskStatus::Completed as u8);
    assert_eq!(t.resultDigest, digest);
    assert_eq!(t.results, Bytes::from_static(b"ipfs://results"));
    assert_eq!(t.contributors, [worker.address()]);
    let c = p.view_contribution(task, worker.address()).await;
    assert_eq!(c.status, ContributionStatus::Proved as u8);

    // Paid: no worker stake on the fast path, the worker gets the pool price minus 1%.
    let reward = workers_part(POOL_PRICE);
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(price), 0),
                (p.app_owner(), i(APP_PRICE), 0),
                (worker.address(), i(reward), 0),
                (p.pool_owner(), i(POOL_PRICE - reward), 0),
            ],
        )
        .await;
    assert_eq!(
        score(&p, worker).await,
        0,
        "the fast path leaves scores alone"
    );
    p.assert_escrow_invariant().await;

    // Trust 0 means trust 1: the deal stores max(request.trust, 1).
    let (deal, _) = p
        .match_orders(&p.orders().with_trust(0))
        .await
        .expect("match");
    assert_eq!(p.view_deal(deal).await.trust, u(1));
}

#[tokio::test]
async fn trust3_three_honest_workers() {
    let p = Protocol::start().await;
    let orders = p.orders().with_trust(3);
    let before = p.snapshot().await;
    let (deal, _) = p.match_orders(&orders).await.expect("match");
    let task = p.initialize(deal, 0).await.expect("initialize");
    let digest = p.fresh_b256();
    let hash = result_hash(task, digest);
    let [a, b, c] = [p.worker(0), p.worker(1), p.worker(2)];

    // Fresh workers weigh 2 each: 2·3 > 3·2 fails, 4·3 > 5·2 holds, so the spec reaches
    // consensus at the second contribution and the third worker comes too late.
    let mut model = Consensus::new(3);
    assert!(!model.contribute(hash, 0));
    p.contribute(a, task, digest).await.expect("contribute a");
    assert_eq!(p.view_task(task).await.status, TaskStatus::Active as u8);
    assert!(model.contribute(hash, 0));
    p.contribute(b, task, digest).await.expect("contribute b");
    let t = p.view_task(task).await;
    assert_eq!(t.status, TaskStatus::Revealing as u8);
    assert_eq!(t.consensusValue, hash);
    assert_eq!(t.winnerCounter, u(2));
    assert_eq!(
        p.contribute(c, task, digest)
            .await
            .expect_err("no longer ACTIVE"),
        "iExecV5-contribute-0x01"
    );

    // Finalize waits for every winner's reveal (before the reveal deadline).
    p.reveal(a, task, digest).await.expect("reveal a");
    assert_eq!(
        p.finalize(task, b"ipfs://r", b"")
            .await
            .expect_err("b has not revealed"),
        "iExecV5-finalize-0x03"
    );
    p.reveal(b, task, digest).await.expect("reveal b");
    p.finalize(task, b"ipfs://r", b"").await.expect("finalize");

    let share = workers_part(POOL_PRICE) * stored_weight(0) / (2 * stored_weight(0));
    let price = APP_PRICE + POOL_PRICE;
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(price), 0),
                (p.app_owner(), i(APP_PRICE), 0),
                (a.address(), i(share), 0),
                (b.address(), i(share), 0),
                (p.pool_owner(), i(POOL_PRICE - 2 * share), 0),
            ],
        )
        .await;
    assert_eq!(score(&p, a).await, 1);
    assert_eq!(score(&p, b).await, 1);
    assert_eq!(score(&p, c).await, 0);
    let t = p.view_task(task).await;
    assert_eq!(t.status, TaskStatus::Completed as u8);
    assert_eq!(t.resultDigest, digest);
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn trust5_three_honest_workers_all_paid() {
    // At trust 5 three fresh workers are needed: 4·5 > 5·4 fails, 8·5 > 9·4 holds.
    let p = Protocol::start().await;
    let before = p.snapshot().await;
    let (deal, _) = p
        .match_orders(&p.orders().with_trust(5))
        .await
        .expect("match");
    let workers = [p.worker(0), p.worker(1), p.worker(2)];
    honest_task(&p, deal, 0, 5, &workers).await;

    let share = workers_part(POOL_PRICE) / 3;
    let mut expected = vec![
        (p.requester(), -i(APP_PRICE + POOL_PRICE), 0),
        (p.app_owner(), i(APP_PRICE), 0),
        (p.pool_owner(), i(POOL_PRICE - 3 * share), 0),
    ];
    expected.extend(workers.iter().map(|w| (w.address(), i(share), 0)));
    before.assert_deltas(&p, &expected).await;
    for w in workers {
        assert_eq!(score(&p, w).await, 1);
    }
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn trust3_one_wrong_worker_is_slashed() {
    let p = Protocol::start().await;
    let [wrong, a, b, c] = [p.worker(0), p.worker(1), p.worker(2), p.worker(3)];

    // Warm-up: three honest tasks give the future wrong worker a score of 3 to lose.
    let (warmup, _) = p
        .match_orders(&p.orders().with_trust(3).with_volume(3))
        .await
        .expect("match warm-up");
    for idx in 0..3 {
        honest_task(&p, warmup, idx, 3, &[wrong, a]).await;
    }
    assert_eq!(score(&p, wrong).await, 3);

    let before = p.snapshot().await;
    let (deal, _) = p
        .match_orders(&p.orders().with_trust(3))
        .await
        .expect("match");
    let task = p.initialize(deal, 0).await.expect("initialize");
    let (good, bad) = (p.fresh_b256(), p.fresh_b256());

    // The wrong result first: it takes three agreeing honest workers to outweigh it.
    let mut model = Consensus::new(3);
    assert!(!model.contribute(result_hash(task, bad), score(&p, wrong).await));
    p.contribute(wrong, task, bad)
        .await
        .expect("contribute wrong");
    for (k, w) in [a, b, c].into_iter().enumerate() {
        assert_eq!(
            model.contribute(result_hash(task, good), score(&p, w).await),
            k == 2
        );
        p.contribute(w, task, good)
            .await
            .expect("contribute honest");
    }
    let t = p.view_task(task).await;
    assert_eq!(t.status, TaskStatus::Revealing as u8);
    assert_eq!(t.consensusValue, result_hash(task, good));
    assert_eq!(t.winnerCounter, u(3));
    assert_eq!(
        p.reveal(wrong, task, bad)
            .await
            .expect_err("not the consensus"),
        "iExecV5-reveal-0x04"
    );
    for w in [a, b, c] {
        p.reveal(w, task, good).await.expect("reveal");
    }
    let scores = [score(&p, a).await, score(&p, b).await, score(&p, c).await];
    p.finalize(task, b"ipfs://r", b"").await.expect("finalize");

    // The loser's stake joins the pot; the winners share it by stored weight.
    let stake = worker_stake(POOL_PRICE);
    let total = POOL_PRICE + stake;
    let weights = scores.map(stored_weight);
    let weight_sum: u64 = weights.iter().sum();
    let shares = weights.map(|w| workers_part(total) * w / weight_sum);
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(APP_PRICE + POOL_PRICE), 0),
                (p.app_owner(), i(APP_PRICE), 0),
                (wrong.address(), -i(stake), 0),
                (a.address(), i(shares[0]), 0),
                (b.address(), i(shares[1]), 0),
                (c.address(), i(shares[2]), 0),
                (p.pool_owner(), i(total - shares.iter().sum::<u64>()), 0),
            ],
        )
        .await;
    assert_eq!(score(&p, wrong).await, 3 * 2 / 3, "score cut by a third");
    for (w, s) in [a, b, c].into_iter().zip(scores) {
        assert_eq!(score(&p, w).await, s + 1);
    }
    let lost = p.view_contribution(task, wrong.address()).await;
    assert_eq!(lost.status, ContributionStatus::Contributed as u8);
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn winners_are_paid_by_weight() {
    let p = Protocol::start().await;
    let [veteran, helper, b, c] = [p.worker(0), p.worker(1), p.worker(2), p.worker(3)];

    // Twelve honest tasks make a veteran: score 12, weight max(4, 3) - 1 = 3, stored 2.
    let (warmup, _) = p
        .match_orders(&p.orders().with_trust(3).with_volume(12))
        .await
        .expect("match warm-up");
    for idx in 0..12 {
        honest_task(&p, warmup, idx, 3, &[veteran, helper]).await;
    }
    assert_eq!(score(&p, veteran).await, 12);
    assert_eq!((weight(12), stored_weight(12)), (3, 2));

    // Trust 10: the veteran and two fresh workers (3 → 6 → 12 of 13 > 9/10).
    let before = p.snapshot().await;
    let (deal, _) = p
        .match_orders(&p.orders().with_trust(10))
        .await
        .expect("match");
    let task = honest_task(&p, deal, 0, 10, &[veteran, b, c]).await;
    let stored = p.view_contribution(task, veteran.address()).await.weight;
    assert_eq!(stored, u(2));

    let part = workers_part(POOL_PRICE);
    let weights = [stored_weight(12), stored_weight(0), stored_weight(0)];
    let sum: u64 = weights.iter().sum();
    let shares = weights.map(|w| part * w / sum);
    assert_eq!(shares[0], 2 * shares[1], "twice the weight, twice the pay");
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(APP_PRICE + POOL_PRICE), 0),
                (p.app_owner(), i(APP_PRICE), 0),
                (veteran.address(), i(shares[0]), 0),
                (b.address(), i(shares[1]), 0),
                (c.address(), i(shares[2]), 0),
                (
                    p.pool_owner(),
                    i(POOL_PRICE - shares.iter().sum::<u64>()),
                    0,
                ),
            ],
        )
        .await;
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn late_revealers_lose_their_stake() {
    let p = Protocol::start().await;
    let [a, b] = [p.worker(0), p.worker(1)];
    let before = p.snapshot().await;
    let (deal, _) = p
        .match_orders(&p.orders().with_trust(3))
        .await
        .expect("match");
    let task = p.initialize(deal, 0).await.expect("initialize");
    let digest = p.fresh_b256();
    for w in [a, b] {
        p.contribute(w, task, digest).await.expect("contribute");
    }
    p.reveal(a, task, digest).await.expect("reveal a");

    // Past the reveal deadline one reveal is enough to finalize; b's comes too late.
    p.increase_time(REVEAL_DEADLINE_RATIO * TIMEREF + 1).await;
    assert_eq!(
        p.reveal(b, task, digest).await.expect_err("too late"),
        "iExecV5-reveal-0x02"
    );
    p.finalize(task, b"ipfs://r", b"").await.expect("finalize");
    assert_eq!(p.view_task(task).await.revealCounter, u(1));

    let stake = worker_stake(POOL_PRICE);
    let total = POOL_PRICE + stake;
    let share = workers_part(total);
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(APP_PRICE + POOL_PRICE), 0),
                (p.app_owner(), i(APP_PRICE), 0),
                (a.address(), i(share), 0),
                (b.address(), -i(stake), 0),
                (p.pool_owner(), i(total - share), 0),
            ],
        )
        .await;
    assert_eq!(score(&p, a).await, 1);
    assert_eq!(score(&p, b).await, 0);
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn reopen_when_nobody_reveals() {
    let p = Protocol::start().await;
    let [a, b, c, d] = [p.worker(0), p.worker(1), p.worker(2), p.worker(3)];
    let before = p.snapshot().await;
    let (deal, _) = p
        .match_orders(&p.orders().with_trust(3))
        .await
        .expect("match");
    let task = p.initialize(deal, 0).await.expect("initialize");
    let digest = p.fresh_b256();
    let hash = result_hash(task, digest);
    let mut model = Consensus::new(3);
    for w in [a, b] {
        model.contribute(hash, 0);
        p.contribute(w, task, digest).await.expect("contribute");
    }
    assert_eq!(p.view_task(task).await.status, TaskStatus::Revealing as u8);
    assert_eq!(
        p.reopen(task)
            .await
            .expect_err("reveal deadline not passed"),
        "iExecV5-reopen-0x03"
    );

    // Nobody reveals within 2 × timeref: the scheduler reopens.
    p.increase_time(REVEAL_DEADLINE_RATIO * TIMEREF + 1).await;
    p.reopen(task).await.expect("reopen");
    model.reopen(hash);
    let t = p.view_task(task).await;
    assert_eq!(t.status, TaskStatus::Active as u8);
    assert_eq!(t.consensusValue, B256::ZERO);
    for w in [a, b] {
        let contribution = p.view_contribution(task, w.address()).await;
        assert_eq!(contribution.status, ContributionStatus::Rejected as u8);
        assert_eq!(
            p.contribute(w, task, digest)
                .await
                .expect_err("already contributed"),
            "iExecV5-contribute-0x03"
        );
    }

    // Two new workers reach consensus again from scratch, reveal, and are paid.
    assert!(!model.contribute(hash, 0));
    p.contribute(c, task, digest).await.expect("contribute c");
    assert!(model.contribute(hash, 0));
    p.contribute(d, task, digest).await.expect("contribute d");
    assert_eq!(p.view_task(task).await.status, TaskStatus::Revealing as u8);
    for w in [c, d] {
        p.reveal(w, task, digest).await.expect("reveal");
    }
    p.finalize(task, b"ipfs://r", b"").await.expect("finalize");

    // The rejected winners' stakes join the pot.
    let stake = worker_stake(POOL_PRICE);
    let total = POOL_PRICE + 2 * stake;
    let share = workers_part(total) / 2;
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(APP_PRICE + POOL_PRICE), 0),
                (p.app_owner(), i(APP_PRICE), 0),
                (a.address(), -i(stake), 0),
                (b.address(), -i(stake), 0),
                (c.address(), i(share), 0),
                (d.address(), i(share), 0),
                (p.pool_owner(), i(total - 2 * share), 0),
            ],
        )
        .await;
    assert_eq!(score(&p, c).await, 1);
    assert_eq!(score(&p, a).await, 0);
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn claim_refunds_the_requester_and_feeds_the_kitty() {
    let p = Protocol::start().await;
    let worker = p.worker(0);
    let volume = 4;
    let before = p.snapshot().await;
    let (deal, _) = p
        .match_orders(&p.orders().with_trust(3).with_volume(volume))
        .await
        .expect("match");
    let mut tasks = Vec::new();
    for idx in 0..volume {
        tasks.push(p.initialize(deal, idx).await.expect("initialize"));
    }
    // One worker contributed to the first task: its stake is locked until the claim.
    p.contribute(worker, tasks[0], p.fresh_b256())
        .await
        .expect("contribute");
    assert_eq!(
        p.claim(tasks[0])
            .await
            .expect_err("final deadline not reached"),
        "iExecV5-claim-0x02"
    );

    // Two workers reached consensus on the second task but never revealed: it is claimable
    // while REVEALING, and their stakes are freed too.
    let digest = p.fresh_b256();
    for w in [p.worker(1), p.worker(2)] {
        p.contribute(w, tasks[1], digest).await.expect("contribute");
    }
    assert_eq!(
        p.view_task(tasks[1]).await.status,
        TaskStatus::Revealing as u8
    );

    p.increase_time(FINAL_DEADLINE_RATIO * TIMEREF + 1).await;
    assert_eq!(
        p.contribute(p.worker(3), tasks[0], p.fresh_b256())
            .await
            .expect_err("contribution deadline passed"),
        "iExecV5-contribute-0x02"
    );
    for task in &tasks {
        p.claim(*task).await.expect("claim");
        assert_eq!(p.view_task(*task).await.status, TaskStatus::Failed as u8);
    }
    assert_eq!(
        p.claim(tasks[0]).await.expect_err("already claimed"),
        "iExecV5-claim-0x01"
    );

    // The requester is made whole, the worker too; the pool's stakes are frozen in the kitty.
    let seized = volume * pool_stake(POOL_PRICE);
    before
        .assert_deltas(
            &p,
            &[
                (p.pool_owner(), -i(seized), 0),
                (KITTY_ADDRESS, 0, i(seized)),
            ],
        )
        .await;
    assert_eq!(p.kitty().await, u(seized));
    p.assert_escrow_invariant().await;

    // Each finalize then pays the pool owner a share of the kitty: 10% while that exceeds
    // 1 RLC (12 → 10.8 → 9.72 RLC), then 1 RLC.
    let mut kitty = seized;
    let (deal, _) = p
        .match_orders(&p.orders().with_volume(3))
        .await
        .expect("match");
    for idx in 0..3 {
        let before = p.snapshot().await;
        let task = p.initialize(deal, idx).await.expect("initialize");
        p.contribute_and_finalize(worker, task, p.fresh_b256(), b"ipfs://r", b"")
            .await
            .expect("contributeAndFinalize");
        let paid = kitty_share(kitty);
        let reward = workers_part(POOL_PRICE);
        before
            .assert_deltas(
                &p,
                &[
                    (p.requester(), 0, -i(APP_PRICE + POOL_PRICE)),
                    (p.app_owner(), i(APP_PRICE), 0),
                    (worker.address(), i(reward), 0),
                    (
                        p.pool_owner(),
                        i(pool_stake(POOL_PRICE) + POOL_PRICE - reward + paid),
                        -i(pool_stake(POOL_PRICE)),
                    ),
                    (KITTY_ADDRESS, 0, -i(paid)),
                ],
            )
            .await;
        kitty -= paid;
    }
    assert_eq!(kitty_share(10_800_000_000), 1_080_000_000);
    assert_eq!(kitty_share(9_720_000_000), RLC_UNIT, "the 1 RLC floor");
    assert_eq!(p.kitty().await, u(kitty));
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn dataset_deals_pay_the_dataset_owner() {
    let p = Protocol::start().await;
    let worker = p.worker(0);
    let before = p.snapshot().await;
    let orders = p.orders().with_dataset(p.dataset_order());
    let (deal, receipt) = p.match_orders(&orders).await.expect("match");
    let matched = receipt
        .logs()
        .iter()
        .find_map(|log| {
            log.log_decode::<poco_contracts::PocoHub::OrdersMatched>()
                .ok()
        })
        .expect("OrdersMatched")
        .inner
        .data;
    let dataset_order = orders.dataset.clone().expect("a dataset order");
    assert_eq!(matched.datasetHash, p.hash(&dataset_order));
    let d = p.view_deal(deal).await;
    assert_eq!(d.dataset.pointer, p.dataset);
    assert_eq!(d.dataset.owner, p.dataset_owner());
    assert_eq!(d.dataset.price, u(DATASET_PRICE));

    let price = APP_PRICE + DATASET_PRICE + POOL_PRICE;
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(price), i(price)),
                (
                    p.pool_owner(),
                    -i(pool_stake(POOL_PRICE)),
                    i(pool_stake(POOL_PRICE)),
                ),
            ],
        )
        .await;
    let task = p.initialize(deal, 0).await.expect("initialize");
    p.contribute_and_finalize(worker, task, p.fresh_b256(), b"ipfs://r", b"")
        .await
        .expect("contributeAndFinalize");
    let reward = workers_part(POOL_PRICE);
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(price), 0),
                (p.app_owner(), i(APP_PRICE), 0),
                (p.dataset_owner(), i(DATASET_PRICE), 0),
                (worker.address(), i(reward), 0),
                (p.pool_owner(), i(POOL_PRICE - reward), 0),
            ],
        )
        .await;
    assert_eq!(
        p.hub
            .viewConsumed(p.hash(&dataset_order))
            .call()
            .await
            .expect("viewConsumed"),
        u(1)
    );
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn a_callback_contract_receives_the_result() {
    let p = Protocol::start().await;
    let callback = TestCallback::deploy(p.provider.clone())
        .await
        .expect("TestCallback deploys");
    let mut orders = p.orders().with_volume(2);
    orders.request.callback = *callback.address();
    let before = p.snapshot().await;
    let (deal, _) = p.match_orders(&orders).await.expect("match");
    assert_eq!(p.view_deal(deal).await.callback, *callback.address());
    let (a, b) = (p.worker(0), p.worker(1));

    // Task 0, fast path: the digest must be keccak256 of the callback data.
    let data = b"price=42;ts=1700000000";
    let digest = keccak256(data);
    let t0 = p.initialize(deal, 0).await.expect("initialize");
    assert_eq!(
        p.contribute_and_finalize(a, t0, digest, b"ipfs://r0", b"other data")
            .await
            .expect_err("data must hash to the digest"),
        "iExecV5-contributeAndFinalize-0x05"
    );
    let receipt = p
        .contribute_and_finalize(a, t0, digest, b"ipfs://r0", data)
        .await
        .expect("contributeAndFinalize");
    let received = receipt
        .logs()
        .iter()
        .find_map(|log| log.log_decode::<TestCallback::ResultReceived>().ok())
        .expect("the callback ran")
        .inner
        .data;
    assert_eq!(
        (received.caller, received.id, received.result.as_ref()),
        (p.deployment.hub, t0, &data[..])
    );
    assert_eq!(callback.calls().call().await.expect("calls"), 1);
    assert_eq!(p.view_task(t0).await.resultsCallback.as_ref(), data);
    assert_eq!(
        p.hub
            .resultFor(t0)
            .call()
            .await
            .expect("resultFor")
            .as_ref(),
        data
    );

    // Task 1, consensus path (trust 1: one contribution is a consensus), finalize calls back.
    let data1 = b"price=43;ts=1700000060";
    let digest1 = keccak256(data1);
    let t1 = p.initialize(deal, 1).await.expect("initialize");
    p.contribute(b, t1, digest1).await.expect("contribute");
    p.reveal(b, t1, digest1).await.expect("reveal");
    assert_eq!(
        p.finalize(t1, b"ipfs://r1", b"")
            .await
            .expect_err("data missing"),
        "iExecV5-finalize-0x04"
    );
    p.finalize(t1, b"ipfs://r1", data1).await.expect("finalize");
    assert_eq!(callback.calls().call().await.expect("calls"), 2);
    assert_eq!(callback.lastId().call().await.expect("lastId"), t1);
    assert_eq!(
        callback
            .lastResult()
            .call()
            .await
            .expect("lastResult")
            .as_ref(),
        data1
    );
    assert_eq!(
        callback.lastCaller().call().await.expect("lastCaller"),
        p.deployment.hub
    );

    // Both tasks paid as usual; the lone consensus worker gets the whole workers' part.
    let reward = workers_part(POOL_PRICE);
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(2 * (APP_PRICE + POOL_PRICE)), 0),
                (p.app_owner(), i(2 * APP_PRICE), 0),
                (a.address(), i(reward), 0),
                (b.address(), i(reward), 0),
                (p.pool_owner(), i(2 * (POOL_PRICE - reward)), 0),
            ],
        )
        .await;
    assert_eq!(score(&p, b).await, 0, "a lone contributor gains no score");
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn volume_and_one_request_split_over_several_deals() {
    let p = Protocol::start().await;
    let worker = p.worker(0);
    // A price whose 30% has a fraction: stakes truncate per task, before the volume.
    let pool_price = 10 * RLC_UNIT + 3;
    let mut orders = p.orders();
    orders.app.volume = u(3);
    orders.request.volume = u(3);
    orders.request.workerpoolmaxprice = u(pool_price);
    orders.pool.workerpoolprice = u(pool_price);
    orders.pool.volume = u(2);
    let request_hash = p.hash(&orders.request);
    let before = p.snapshot().await;

    // First deal: the pool order's volume (2) is the smallest.
    let (first, _) = p.match_orders(&orders).await.expect("match 1");
    assert_eq!(first, deal_id(request_hash, U256::ZERO));
    let d = p.view_deal(first).await;
    assert_eq!((d.botFirst, d.botSize), (u(0), u(2)));
    let price = APP_PRICE + pool_price;
    let stake = pool_stake(pool_price);
    assert_eq!(stake, 3 * RLC_UNIT, "truncated per task");
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(2 * price), i(2 * price)),
                (p.pool_owner(), -i(2 * stake), i(2 * stake)),
            ],
        )
        .await;

    // Second deal: a new pool order; what is left of the request (1) is the smallest.
    let mut second_orders = orders.clone();
    second_orders.pool.volume = u(5);
    second_orders.pool.salt = p.fresh_salt();
    let (second, _) = p.match_orders(&second_orders).await.expect("match 2");
    assert_eq!(second, deal_id(request_hash, u(2)));
    let d = p.view_deal(second).await;
    assert_eq!((d.botFirst, d.botSize), (u(2), u(1)));
    assert_eq!(
        p.hub
            .viewConsumed(request_hash)
            .call()
            .await
            .expect("viewConsumed"),
        u(3)
    );
    let mut third = second_orders.clone();
    third.pool.salt = p.fresh_salt();
    assert_eq!(
        p.match_orders(&third).await.expect_err("request used up"),
        "iExecV5-matchOrders-0x60"
    );

    // Task indices follow the request: 0, 1 in the first deal, 2 in the second.
    assert_eq!(
        p.initialize(second, 0)
            .await
            .expect_err("index of the first deal"),
        "iExecV5-initialize-0x01"
    );
    assert_eq!(
        p.initialize(first, 2)
            .await
            .expect_err("index of the second deal"),
        "iExecV5-initialize-0x01"
    );
    for (deal, idx) in [(first, 0), (first, 1), (second, 2)] {
        let task = p.initialize(deal, idx).await.expect("initialize");
        assert_eq!(task, task_id(deal, u(idx)));
        p.contribute_and_finalize(worker, task, p.fresh_b256(), b"ipfs://r", b"")
            .await
            .expect("contributeAndFinalize");
    }
    assert_eq!(
        p.initialize(first, 0)
            .await
            .expect_err("already initialized"),
        "iExecV5-initialize-0x02"
    );

    let reward = workers_part(pool_price);
    assert_eq!(reward, 9_900_000_002, "rounded down");
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(3 * price), 0),
                (p.app_owner(), i(3 * APP_PRICE), 0),
                (worker.address(), i(3 * reward), 0),
                (p.pool_owner(), i(3 * (pool_price - reward)), 0),
            ],
        )
        .await;
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn presigned_orders_match_and_cancelled_orders_do_not() {
    let p = Protocol::start().await;
    let orders = p.orders();
    let (_, _, pool, request) = p.sign(&orders);

    // Unsigned orders do not match...
    let unsigned_app = SignedAppOrder::unsigned(orders.app.clone());
    let unsigned_request = SignedRequestOrder::unsigned(orders.request.clone());
    assert_eq!(
        p.match_signed(unsigned_app.clone(), None, pool.clone(), request.clone())
            .await
            .expect_err("app order not signed"),
        "iExecV5-matchOrders-0x21"
    );

    // ...until presigned: the app owner sends SIGN itself; the requester's SIGN is relayed by
    // someone else with the requester's signature of the operation.
    let op = orders.app.clone().into_operation_with_sign(
        Bytes::new(),
        OrderOperation::Sign,
        Bytes::new(),
    );
    p.send(p.hub.manageAppOrder(op.into()).from(p.app_owner()))
        .await
        .expect("presign app order");
    let sign = poco_types::orders::operation::sign_operation(
        &orders.request,
        OrderOperation::Sign,
        &p.domain,
        p.signer(p.requester()),
    )
    .expect("operation signed");
    let op =
        orders
            .request
            .clone()
            .into_operation_with_sign(Bytes::new(), OrderOperation::Sign, sign);
    p.send(
        p.hub
            .manageRequestOrder(op.into())
            .from(p.worker(4).address()),
    )
    .await
    .expect("relayed presign");
    for (hash, owner) in [
        (p.hash(&orders.app), p.app_owner()),
        (p.hash(&orders.request), p.requester()),
    ] {
        assert_eq!(
            p.hub
                .viewPresigned(hash)
                .call()
                .await
                .expect("viewPresigned"),
            owner
        );
    }
    let before = p.snapshot().await;
    let (deal, _) = p
        .match_signed(unsigned_app, None, pool, unsigned_request)
        .await
        .expect("presigned orders match");
    let price = APP_PRICE + POOL_PRICE;
    let stake = pool_stake(POOL_PRICE);
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(price), i(price)),
                (p.pool_owner(), -i(stake), i(stake)),
            ],
        )
        .await;
    assert_eq!(p.view_deal(deal).await.requester, p.requester());

    // Cancel: a closed app order (signed, never used) has no volume left.
    let mut fresh = p.orders();
    fresh.app.volume = u(10);
    let op = fresh.app.clone().into_operation_with_sign(
        Bytes::new(),
        OrderOperation::Close,
        Bytes::new(),
    );
    p.send(p.hub.manageAppOrder(op.into()).from(p.app_owner()))
        .await
        .expect("close app order");
    assert_eq!(
        p.hub
            .viewConsumed(p.hash(&fresh.app))
            .call()
            .await
            .expect("viewConsumed"),
        u(10)
    );
    let before = p.snapshot().await;
    assert_eq!(
        p.match_orders(&fresh).await.expect_err("closed"),
        "iExecV5-matchOrders-0x60"
    );
    // Only the owner (or its signature) closes an order.
    let mut other = p.orders();
    other.request.salt = p.fresh_salt();
    let op = other.request.clone().into_operation_with_sign(
        Bytes::new(),
        OrderOperation::Close,
        Bytes::new(),
    );
    assert_eq!(
        p.send(p.hub.manageRequestOrder(op.into()).from(p.app_owner()))
            .await
            .expect_err("not the requester"),
        "iExecV5-manageRequestOrder-0x01"
    );
    before.assert_deltas(&p, &[]).await;
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn restrictions_select_who_may_match() {
    let p = Protocol::start().await;
    let other_pool = p.create_workerpool(p.pool_owner()).await;

    // Every restriction pointing at the right party: the match goes through.
    let mut orders = p.orders();
    orders.app.workerpoolrestrict = p.pool;
    orders.app.requesterrestrict = p.requester();
    orders.pool.apprestrict = p.app;
    orders.pool.requesterrestrict = p.requester();
    orders.request.workerpool = p.pool;
    let before = p.snapshot().await;
    let (deal, _) = p.match_orders(&orders).await.expect("restricted match");
    assert_eq!(p.view_deal(deal).await.workerpool.pointer, p.pool);

    // Pointing elsewhere: refused, with the restriction's own code, and nothing moves.
    type Restrict = fn(&mut Orders, Address);
    let cases: [(Restrict, &str); 5] = [
        (|o, x| o.request.workerpool = x, "0x12"),
        (|o, x| o.app.workerpoolrestrict = x, "0x14"),
        (|o, x| o.app.requesterrestrict = x, "0x15"),
        (|o, x| o.pool.apprestrict = x, "0x19"),
        (|o, x| o.pool.requesterrestrict = x, "0x1b"),
    ];
    let after_match = p.snapshot().await;
    for (restrict, code) in cases {
        let mut o = p.orders();
        restrict(&mut o, other_pool);
        assert_eq!(
            p.match_orders(&o).await.expect_err("restricted"),
            format!("iExecV5-matchOrders-{code}")
        );
    }
    after_match.assert_deltas(&p, &[]).await;
    let price = APP_PRICE + POOL_PRICE;
    let stake = pool_stake(POOL_PRICE);
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(price), i(price)),
                (p.pool_owner(), -i(stake), i(stake)),
            ],
        )
        .await;
}

#[tokio::test]
async fn the_tee_bit() {
    let p = Protocol::start().await;
    let tee = Tag::TEE.0;
    let worker = p.worker(0);

    // A TEE request needs a TEE workerpool (0x06) and a TEE app order (0x07).
    let mut orders = p.orders().with_volume(2);
    orders.request.tag = tee;
    assert_eq!(
        p.match_orders(&orders).await.expect_err("pool lacks TEE"),
        "iExecV5-matchOrders-0x06"
    );
    orders.pool.tag = tee;
    assert_eq!(
        p.match_orders(&orders)
            .await
            .expect_err("app order lacks TEE"),
        "iExecV5-matchOrders-0x07"
    );
    orders.app.tag = tee;
    let before = p.snapshot().await;
    let (deal, _) = p.match_orders(&orders).await.expect("TEE match");
    assert_eq!(p.view_deal(deal).await.tag, tee);

    // Contributions need an enclave challenge, and the enclave's own signature.
    let task = p.initialize(deal, 0).await.expect("initialize");
    let digest = p.fresh_b256();
    assert_eq!(
        p.contribute(worker, task, digest)
            .await
            .expect_err("no enclave"),
        "iExecV5-contribute-0x05"
    );
    let enclave = PrivateKeySigner::random();
    let impostor = PrivateKeySigner::random();
    let hash = result_hash(task, digest);
    let seal = poco_types::result_seal(worker.address(), task, digest);
    let forged = poco_types::contribution::sign_enclave(&impostor, hash, seal).expect("signs");
    let call = p.hub.contribute(
        task,
        hash,
        seal,
        enclave.address(),
        forged,
        p.authorize(worker.address(), task, enclave.address()),
    );
    assert_eq!(
        p.send(call.from(worker.address()))
            .await
            .expect_err("not the enclave's signature"),
        "iExecV5-contribute-0x06"
    );
    // An authorization for another enclave does not cover this one.
    let enclave_sign = poco_types::contribution::sign_enclave(&enclave, hash, seal).expect("signs");
    let call = p.hub.contribute(
        task,
        hash,
        seal,
        enclave.address(),
        enclave_sign,
        p.authorize(worker.address(), task, impostor.address()),
    );
    assert_eq!(
        p.send(call.from(worker.address()))
            .await
            .expect_err("authorization for another enclave"),
        "iExecV5-contribute-0x07"
    );
    p.contribute_tee(worker, task, digest, &enclave)
        .await
        .expect("TEE contribution");
    let c = p.view_contribution(task, worker.address()).await;
    assert_eq!(c.enclaveChallenge, enclave.address());
    p.reveal(worker, task, digest).await.expect("reveal");
    p.finalize(task, b"ipfs://tee", b"")
        .await
        .expect("finalize");

    // The fast path too: with the enclave, and not without.
    let task = p.initialize(deal, 1).await.expect("initialize");
    let digest = p.fresh_b256();
    assert_eq!(
        p.contribute_and_finalize(worker, task, digest, b"ipfs://tee", b"")
            .await
            .expect_err("no enclave"),
        "iExecV5-contributeAndFinalize-0x06"
    );
    let hash = result_hash(task, digest);
    let seal = poco_types::result_seal(worker.address(), task, digest);
    let call = p.hub.contributeAndFinalize(
        task,
        digest,
        Bytes::from_static(b"ipfs://tee"),
        Bytes::new(),
        enclave.address(),
        poco_types::contribution::sign_enclave(&enclave, hash, seal).expect("signs"),
        p.authorize(worker.address(), task, enclave.address()),
    );
    p.send(call.from(worker.address()))
        .await
        .expect("TEE fast path");
    assert_eq!(p.view_task(task).await.status, TaskStatus::Completed as u8);

    let reward = workers_part(POOL_PRICE);
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(2 * (APP_PRICE + POOL_PRICE)), 0),
                (p.app_owner(), i(2 * APP_PRICE), 0),
                (worker.address(), i(2 * reward), 0),
                (p.pool_owner(), i(2 * (POOL_PRICE - reward)), 0),
            ],
        )
        .await;
    p.assert_escrow_invariant().await;
}

/// The fixture's deposits are what the balance checks above assume.
#[tokio::test]
async fn the_fixture_funds_every_party() {
    let p = Protocol::start().await;
    for who in [p.requester(), p.pool_owner(), p.worker(4).address()] {
        assert_eq!(p.account(who).await, (u(DEPOSIT), U256::ZERO));
    }
    assert_eq!(p.account(p.app_owner()).await, (U256::ZERO, U256::ZERO));
    assert_eq!(p.kitty().await, U256::ZERO);
}

//! Consensus and payment paths: trust 1, trust 3 and 5, a wrong worker, weights, late reveals, reopen.

use super::*;

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

//! Claims after the final deadline, dataset deals and result callbacks.

use super::*;

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

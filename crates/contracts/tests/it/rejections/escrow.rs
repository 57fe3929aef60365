//! Escrow errors: each names the account short of stake and the amounts.

use super::*;

#[tokio::test]
async fn withdrawing_more_than_the_stake_names_the_shortfall() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let who = p.requester();
    let rlc_before = p.rlc_balance(who).await;
    let before = p.snapshot().await;
    let outcome = p.send(r.hub.withdraw(u(DEPOSIT + 1)).from(who)).await;
    assert_reverted(
        outcome,
        &format!("InsufficientStake({who}, {DEPOSIT}, {})", DEPOSIT + 1),
        "withdraw",
    );
    before.assert_deltas(&p, &[]).await;
    assert_eq!(p.rlc_balance(who).await, rlc_before, "no RLC left the hub");
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn matching_beyond_the_requesters_stake_names_the_requester() {
    // 100 tasks at 12 RLC need 1,200 RLC; the requester has 1,000.
    let p = Protocol::start().await;
    let o = p.orders().with_volume(100);
    let needed = (APP_PRICE + POOL_PRICE) * 100;
    match_rejected(
        &p,
        &o,
        &format!("InsufficientStake({}, {DEPOSIT}, {needed})", p.requester()),
    )
    .await;
}

#[tokio::test]
async fn matching_beyond_the_pool_owners_stake_names_the_pool_owner() {
    // The pool owner keeps 2 RLC; its 30% stake on a 10 RLC task is 3 RLC.
    let p = Protocol::start().await;
    let keep = 2 * RLC_UNIT;
    p.send(p.hub.withdraw(u(DEPOSIT - keep)).from(p.pool_owner()))
        .await
        .expect("the pool owner withdraws");
    let stake = POOL_PRICE * 30 / 100;
    match_rejected(
        &p,
        &p.orders(),
        &format!("InsufficientStake({}, {keep}, {stake})", p.pool_owner()),
    )
    .await;
}

#[tokio::test]
async fn contributing_without_the_worker_stake_names_the_worker() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders().with_trust(3)).await;
    let worker = p.worker(0);
    p.send(p.hub.withdraw(u(DEPOSIT)).from(worker.address()))
        .await
        .expect("the worker withdraws everything");
    let stake = POOL_PRICE * 30 / 100;
    rejected_on(
        &p,
        task,
        &format!("InsufficientStake({}, 0, {stake})", worker.address()),
        r.contribute(worker, task, digest(1)),
    )
    .await;
}

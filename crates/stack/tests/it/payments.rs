//! Everyone is paid exactly as the protocol says, at trust 1 (the fast path) and trust 3
//! (consensus, reveal, upload, finalize); and a worker that returns a wrong result is outvoted
//! and loses its stake.

use crate::harness::{APP_PRICE, Env};
use alloy_primitives::U256;
use poco_stack::{Role, setup::POOL_PRICE};
use poco_types::TaskStatus;
use std::{sync::Arc, time::Duration};

const LIMIT: Duration = Duration::from_secs(90);

/// The workers' share of a task's pool price (the scheduler reward ratio, 1% by default,
/// stays with the pool owner).
fn workers_reward(total: u64, ratio: u64) -> u64 {
    total * (100 - ratio) / 100
}

/// Free hub stakes of `who`, in order.
async fn stakes(env: &Env, who: &[alloy_primitives::Address]) -> Vec<U256> {
    let mut all = Vec::new();
    for w in who {
        all.push(env.stake(*w).await);
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust1_and_trust3_pay_as_specified() {
    let Some(env) = Env::start(3).await else {
        return;
    };
    let developer = env.stack.account(Role::Developer).address();
    let owner = env.stack.account(Role::PoolOwner).address();
    let workers: Vec<_> = (0..3)
        .map(|i| env.stack.account(Role::Worker(i)).address())
        .collect();
    let ratio = 1; // the workerpool's default schedulerRewardRatioPolicy

    // Trust 1: one worker, contributeAndFinalize; no worker stake, no score.
    let (dev_before, owner_before) = (env.stake(developer).await, env.stake(owner).await);
    let workers_before = stakes(&env, &workers).await;
    let (_deal, tasks) = env.run(1, "trust one", 1, 0).await;
    let view = env.wait_final(tasks[0], LIMIT).await;
    assert_eq!(view.status, TaskStatus::Completed);
    assert_eq!(view.task.contributors.len(), 1);
    let result = env.result_file(&view, "result.txt").await;
    assert!(result.starts_with("Hello, trust one!"), "{result}");
    let share = workers_reward(POOL_PRICE, ratio);
    for (w, before) in workers.iter().zip(&workers_before) {
        let paid = if view.task.contributors[0] == *w {
            share
        } else {
            0
        };
        assert_eq!(
            env.stake(*w).await,
            *before + U256::from(paid),
            "worker {w}"
        );
    }
    assert_eq!(
        env.stake(developer).await,
        dev_before + U256::from(APP_PRICE)
    );
    // The pool owner's 30% stake comes back, with the rest of the price.
    assert_eq!(
        env.stake(owner).await,
        owner_before + U256::from(POOL_PRICE - share)
    );

    // Trust 3: two agreeing new workers reach consensus (weights 2 each: 4·3 > 5·2).
    let (dev_before, owner_before) = (env.stake(developer).await, env.stake(owner).await);
    let workers_before = stakes(&env, &workers).await;
    let (_deal, tasks) = env.run(3, "trust three", 1, 0).await;
    let view = env.wait_final(tasks[0], LIMIT).await;
    assert_eq!(view.status, TaskStatus::Completed);
    let winners = view.task.contributors.clone();
    assert_eq!(
        winners.len(),
        2,
        "two agreeing contributions reach consensus at trust 3"
    );
    let share = workers_reward(POOL_PRICE, ratio) / 2;
    for (w, before) in workers.iter().zip(&workers_before) {
        let paid = if winners.contains(w) { share } else { 0 };
        assert_eq!(
            env.stake(*w).await,
            *before + U256::from(paid),
            "worker {w}"
        );
    }
    assert_eq!(
        env.stake(developer).await,
        dev_before + U256::from(APP_PRICE)
    );
    assert_eq!(
        env.stake(owner).await,
        owner_before + U256::from(POOL_PRICE - 2 * share)
    );
    let result = env.result_file(&view, "result.txt").await;
    assert!(result.starts_with("Hello, trust three!"), "{result}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faulty_worker_loses_stake() {
    let Some(mut env) = Env::start(4).await else {
        return;
    };
    // Worker 0 lies; workers 2 and 3 join only once 0 and 1 disagree, so that the liar's
    // contribution is on-chain before the consensus.
    for i in [0, 2, 3] {
        env.stack.stop_worker(i).await.expect("stops");
    }
    let faulty = Arc::new(crate::faults::Faulty::new(&env.stack).await);
    env.stack
        .start_worker(0, Some(faulty))
        .await
        .expect("faulty worker starts");
    let workers: Vec<_> = (0..4)
        .map(|i| env.stack.account(Role::Worker(i)).address())
        .collect();
    let owner = env.stack.account(Role::PoolOwner).address();
    let owner_before = env.stake(owner).await;
    let before = stakes(&env, &workers).await;
    let (_deal, tasks) = env.run(3, "majority", 1, 0).await;
    let admin = env.client(Role::Admin).await;
    let start = std::time::Instant::now();
    while !poco_client::deals::task(&admin, tasks[0], None)
        .await
        .is_ok_and(|v| v.task.contributors.len() >= 2)
    {
        assert!(start.elapsed() < LIMIT, "two contributions expected");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    env.stack.start_worker(2, None).await.expect("starts");
    env.stack.start_worker(3, None).await.expect("starts");
    let view = env.wait_final(tasks[0], LIMIT).await;
    assert_eq!(view.status, TaskStatus::Completed);
    // 2 + 2 disagree (total 5); then 4 → 8 agree with total 11: 8·3 > 11·2.
    assert_eq!(view.task.winnerCounter, U256::from(3));
    let stake = POOL_PRICE * 30 / 100;
    let total = POOL_PRICE + stake;
    let share = workers_reward(total, 1) / 3;
    assert_eq!(
        env.stake(workers[0]).await + U256::from(stake),
        before[0],
        "the liar lost its stake"
    );
    for i in 1..4 {
        assert_eq!(
            env.stake(workers[i]).await,
            before[i] + U256::from(share),
            "honest worker {i}"
        );
        let score = admin
            .hub()
            .viewScore(workers[i])
            .call()
            .await
            .expect("viewScore");
        assert_eq!(score, U256::from(1), "an accurate contribution scores");
    }
    assert_eq!(
        admin
            .hub()
            .viewScore(workers[0])
            .call()
            .await
            .expect("viewScore"),
        U256::ZERO
    );
    assert_eq!(
        env.stake(owner).await,
        owner_before + U256::from(total - 3 * share)
    );
}

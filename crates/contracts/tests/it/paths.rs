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

mod deadlines_and_assets;
mod orders;
mod payments;

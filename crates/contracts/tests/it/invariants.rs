//! Property test of the hub's ledger: random sequences of deposits, withdrawals, matches (with
//! or without a dataset, trust 1 or 3, random prices and volumes), initializations,
//! contributions (honest or wrong), reveals, finalizations, fast-path finalizations, reopens,
//! claims and time jumps past the deadlines, on one deployed protocol reset between cases with
//! `evm_snapshot`/`evm_revert`.
//!
//! A Rust model of the protocol (written from the spec, not from the Solidity) predicts whether
//! each operation must succeed or revert (and with which reason) and what every account's
//! `(stake, locked)` and RLC balance must then be, to the nRLC. After every step the test checks:
//!
//! - the model: every account's `(stake, locked)` and RLC balance on chain equal the model's
//!   (so a revert changed nothing, and a success moved exactly what the spec says);
//! - the ledger, from on-chain values only:
//!   - `RLC.balanceOf(hub) == hub.totalSupply()` (the escrow holds exactly the SRLC);
//!   - the hub's own SRLC account holds exactly the locked funds:
//!     `stake(hub) == Σ locked(a)` over every other account, and `locked(hub) == 0`;
//!   - hence `totalSupply == Σ (stake(a) + locked(a))` over every other account;
//!   - RLC is conserved: `Σ RLC.balanceOf(a) + RLC.balanceOf(hub) == RLC.totalSupply()`,
//!     unchanged since the start;
//!   - no stake or locked amount is "negative" (above the total supply: a wrapped value).
//!
//! Deadlines: category 0 (300 s) gives contribution deadline start + 2100 s, final deadline
//! start + 3000 s and reveal deadline consensus + 600 s. Time jumps are multiples of 450 s, so
//! every deadline is at least 150 s away from any "now" a case reaches (less the few seconds a
//! case takes); an operation that would still fall within [`MARGIN`] of a deadline it depends on
//! is skipped rather than guessed.
//!
//! Bounded for CI: [`CASES`] cases of up to [`MAX_OPS`] operations; `PROPTEST_CASES=n` runs `n`.

use crate::{
    common::dev_signers,
    fixture::{Orders, Protocol, RLC_UNIT, Tx, u},
};
use poco_contracts::{
    PocoHub, RLC,
    alloy::{
        contract::SolCallBuilder,
        network::EthereumWallet,
        primitives::{Address, B256, Bytes, U256, keccak256},
        providers::{DynProvider, Provider, ProviderBuilder},
        signers::local::PrivateKeySigner,
        sol_types::SolCall,
    },
    convert::no_dataset_order,
    describe_revert,
};
use poco_types::{constants::KITTY_ADDRESS, result_hash, result_seal, task_id};
use proptest::{
    prelude::*,
    test_runner::{Config, TestCaseError, TestError, TestRunner},
};
use std::{
    collections::BTreeMap,
    sync::Mutex,
    time::{Instant, SystemTime, UNIX_EPOCH},
};

/// Cases run by default (`PROPTEST_CASES` overrides).
const CASES: u32 = 24;
/// Most operations in one case.
const MAX_OPS: usize = 40;
/// Time jumps are multiples of this many seconds (see the module docs).
const STEP: u64 = 450;
/// Category 0's reference time, in seconds.
const TIMEREF: u64 = 300;
/// An operation within this many seconds of a deadline it depends on is skipped.
const MARGIN: u64 = 60;
/// Dev account indexes of the parties (the fixture's roles).
const REQUESTER: usize = 1;
const APP_OWNER: usize = 2;
const DATASET_OWNER: usize = 3;
const POOL_OWNER: usize = 4;
const FIRST_WORKER: usize = 5;
/// Index of the kitty in the model's accounts (after the ten dev accounts).
const KITTY: usize = 10;
/// Accounts the model tracks: the ten dev accounts and the kitty.
const ACCOUNTS: usize = 11;

/// One step of a case. Deals and tasks are picked by index modulo what exists, so shrinking
/// keeps sequences meaningful.
#[derive(Clone, Debug)]
enum Op {
    /// Dev account `who` (1..=9) approves and deposits `amount` nRLC.
    Deposit { who: usize, amount: u64 },
    /// Dev account `who` (1..=9) withdraws `amount` nRLC.
    Withdraw { who: usize, amount: u64 },
    /// The requester matches fresh orders of the fixture's app, workerpool (and dataset).
    Match {
        volume: u64,
        trust: u64,
        app_price: u64,
        dataset_price: Option<u64>,
        pool_price: u64,
    },
    /// The scheduler initializes a task (with `any`, index 0..=3 of any deal: 3 is always out
    /// of range).
    Initialize { task: Target },
    /// Worker `worker` (0..5) contributes the honest or the wrong result to a task.
    Contribute {
        task: Target,
        worker: usize,
        honest: bool,
    },
    /// A worker reveals what it contributed (without `any`, one that can).
    Reveal { task: Target, worker: usize },
    /// The scheduler finalizes a task.
    Finalize { task: Target },
    /// Worker `worker` runs the trust-1 fast path on a task.
    ContributeAndFinalize { task: Target, worker: usize },
    /// The scheduler reopens a task.
    Reopen { task: Target },
    /// The requester claims a task.
    Claim { task: Target },
    /// The clock moves `steps` × [`STEP`] seconds.
    Jump { steps: u64 },
    /// The next step of an unfinished task's life (initialize, contribute or fast path, reveal,
    /// finalize, or wait), so that sequences reach the later stages; resolved by the model into
    /// one of the operations above.
    Progress {
        task: usize,
        worker: usize,
        honest: bool,
    },
}

/// nRLC amounts up to `max_rlc` RLC, often round, often not (truncation paths).
fn amount(max_rlc: u64) -> impl Strategy<Value = u64> {
    prop_oneof![
        (0..=max_rlc).prop_map(|r| r * RLC_UNIT),
        0..=max_rlc * RLC_UNIT,
    ]
}

/// Which task an operation acts on.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// The `n`th (modulo) of the tasks where the operation can succeed.
    Fit(usize),
    /// The `n`th (modulo) of all tasks (mostly failure paths).
    Any(usize),
    /// The task at this index (what [`Op::Progress`] resolves to).
    Exact(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let task = (0..64usize, prop::bool::weighted(0.15))
        .prop_map(|(n, any)| if any { Target::Any(n) } else { Target::Fit(n) });
    let worker = 0..5usize;
    prop_oneof![
        2 => (1..=9usize, prop_oneof![9 => amount(200).prop_map(|a| a.max(1)), 1 => Just(2_000_000 * RLC_UNIT)])
            .prop_map(|(who, amount)| Op::Deposit { who, amount }),
        2 => (1..=9usize, amount(1_200).prop_map(|a| a.max(1)))
            .prop_map(|(who, amount)| Op::Withdraw { who, amount }),
        2 => (
            1..=3u64,
            prop_oneof![Just(1u64), Just(3u64)],
            amount(5),
            proptest::option::of(amount(3)),
            prop_oneof![3 => amount(30), 1 => amount(400)],
        )
            .prop_map(|(volume, trust, app_price, dataset_price, pool_price)| Op::Match {
                volume,
                trust,
                app_price,
                dataset_price,
                pool_price,
            }),
        3 => task.clone().prop_map(|task| Op::Initialize { task }),
        8 => (task.clone(), worker.clone(), prop::bool::weighted(0.7))
            .prop_map(|(task, worker, honest)| Op::Contribute { task, worker, honest }),
        6 => (task.clone(), worker.clone()).prop_map(|(task, worker)| Op::Reveal { task, worker }),
        4 => task.clone().prop_map(|task| Op::Finalize { task }),
        3 => (task.clone(), worker).prop_map(|(task, worker)| Op::ContributeAndFinalize { task, worker }),
        1 => task.clone().prop_map(|task| Op::Reopen { task }),
        3 => task.prop_map(|task| Op::Claim { task }),
        3 => (1..=3u64).prop_map(|steps| Op::Jump { steps }),
        16 => (0..64usize, 0..5usize, prop::bool::weighted(0.8))
            .prop_map(|(task, worker, honest)| Op::Progress { task, worker, honest }),
    ]
}

/// A deal as the model knows it.
#[derive(Clone, Debug)]
struct Deal {
    id: B256,
    volume: u64,
    trust: u64,
    app_price: U256,
    dataset_price: U256,
    pool_price: U256,
    /// The pool owner's stake per task, also each worker's stake: 30% of the pool price.
    stake: U256,
    /// The scheduler's reward ratio (a new pool's default policy: 1%).
    ratio: U256,
    start: u64,
}

impl Deal {
    fn price(&self) -> U256 {
        self.app_price + self.dataset_price + self.pool_price
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Unset,
    Active,
    Revealing,
    Completed,
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Contribution {
    Contributed,
    Proved,
    Rejected,
}

/// A worker's contribution to a task.
#[derive(Clone, Debug)]
struct Contrib {
    /// Dev account index.
    worker: usize,
    digest: B256,
    /// The stored weight: ceil(log2(w)).
    weight: u64,
    status: Contribution,
    /// Whether the worker's stake is locked for it (not on the fast path).
    staked: bool,
}

/// A task (one per index of every deal, initialized or not).
#[derive(Clone, Debug)]
struct Task {
    id: B256,
    deal: usize,
    status: Status,
    contributions: Vec<Contrib>,
    groups: BTreeMap<B256, U256>,
    total: U256,
    consensus: Option<B256>,
    reveal_deadline: u64,
    revealed: u64,
    winners: u64,
}

/// The model: deals, tasks and every account's balances.
struct Model {
    deals: Vec<Deal>,
    tasks: Vec<Task>,
    stake: [U256; ACCOUNTS],
    locked: [U256; ACCOUNTS],
    rlc: [U256; ACCOUNTS],
    rlc_hub: U256,
    /// The chain clock's offset from wall time.
    offset: i64,
}

/// Sends the test's transactions. The fixture's provider caches nonces, which `evm_revert` takes
/// back: this one asks the chain for every nonce (and for the gas and chain id), so it keeps
/// working across reverts. The fixture still deploys, builds and signs orders, and reads.
struct Driver {
    provider: DynProvider,
    hub: PocoHub::PocoHubInstance<DynProvider>,
    rlc: RLC::RLCInstance<DynProvider>,
}

impl Driver {
    fn new(p: &Protocol) -> Self {
        let mut signers = dev_signers().into_iter();
        let mut wallet = EthereumWallet::new(signers.next().expect("ten dev accounts"));
        for signer in signers {
            wallet.register_signer(signer);
        }
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .with_gas_estimation()
            .with_simple_nonce_management()
            .fetch_chain_id()
            .wallet(wallet)
            .connect_http(p.node.http_url().parse().expect("node URL parses"))
            .erased();
        Self {
            hub: PocoHub::new(p.deployment.hub, provider.clone()),
            rlc: RLC::new(p.deployment.rlc, provider.clone()),
            provider,
        }
    }

    /// Sends `call` and waits for its receipt; a revert comes back as its decoded reason.
    async fn send<C: SolCall>(&self, call: SolCallBuilder<&DynProvider, C>) -> Tx {
        let pending = call.send().await.map_err(|e| match e.as_revert_data() {
            Some(data) => describe_revert(&data),
            None => e.to_string(),
        })?;
        let receipt = pending
            .get_receipt()
            .await
            .map_err(|e| format!("no receipt: {e}"))?;
        if receipt.status() {
            Ok(receipt)
        } else {
            Err("reverted on chain".to_owned())
        }
    }

    /// Signs `orders` with their default owners and matches them (sent by the requester).
    async fn match_orders(&self, p: &Protocol, orders: &Orders) -> Result<B256, String> {
        let (app, dataset, pool, request) = p.sign(orders);
        let dataset = dataset.map_or_else(no_dataset_order, Into::into);
        let call = self
            .hub
            .matchOrders(app.into(), dataset, pool.into(), request.into())
            .from(p.requester());
        let receipt = self.send(call).await?;
        Ok(receipt
            .logs()
            .iter()
            .find_map(|log| log.log_decode::<PocoHub::OrdersMatched>().ok())
            .expect("OrdersMatched emitted")
            .inner
            .data
            .dealid)
    }

    /// `worker` contributes `digest` to `task`, authorized by the pool owner, no enclave.
    async fn contribute(
        &self,
        p: &Protocol,
        worker: &PrivateKeySigner,
        task: B256,
        digest: B256,
    ) -> Tx {
        let w = worker.address();
        let call = self.hub.contribute(
            task,
            result_hash(task, digest),
            result_seal(w, task, digest),
            Address::ZERO,
            Bytes::new(),
            p.authorize(w, task, Address::ZERO),
        );
        self.send(call.from(w)).await
    }

    /// `worker` runs the trust-1 fast path with `digest`.
    async fn contribute_and_finalize(
        &self,
        p: &Protocol,
        worker: &PrivateKeySigner,
        task: B256,
        digest: B256,
    ) -> Tx {
        let w = worker.address();
        let call = self.hub.contributeAndFinalize(
            task,
            digest,
            Bytes::from_static(RESULTS),
            Bytes::new(),
            Address::ZERO,
            Bytes::new(),
            p.authorize(w, task, Address::ZERO),
        );
        self.send(call.from(w)).await
    }
}

/// The results every finalization publishes.
const RESULTS: &[u8] = b"ipfs://results";

/// What the model expects of an operation.
enum Expect {
    /// It succeeds.
    Success,
    /// It reverts with a reason containing this text.
    Revert(&'static str),
    /// It is not run (too close to a deadline, or nothing to act on).
    Skip,
}

/// Balances read from the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Observed {
    stake: [U256; ACCOUNTS],
    locked: [U256; ACCOUNTS],
    rlc: [U256; ACCOUNTS],
    hub_stake: U256,
    hub_locked: U256,
    rlc_hub: U256,
    supply: U256,
    rlc_supply: U256,
}

fn wall_clock() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}

/// ceil(log2(x)) for x >= 1.
fn log2up(x: u64) -> u64 {
    if x <= 1 {
        0
    } else {
        u64::from(64 - (x - 1).leading_zeros())
    }
}

fn to_u64(x: U256, what: &str) -> u64 {
    u64::try_from(x).unwrap_or_else(|_| panic!("{what} fits u64"))
}

/// The addresses of the model's accounts: dev accounts 0..=9, then the kitty.
fn accounts(p: &Protocol) -> [Address; ACCOUNTS] {
    let mut a = [Address::ZERO; ACCOUNTS];
    for (i, slot) in a.iter_mut().enumerate().take(10) {
        *slot = p.signers[i].address();
    }
    a[KITTY] = KITTY_ADDRESS;
    a
}

/// Reads every balance the test checks.
async fn observe(p: &Protocol) -> Observed {
    let addrs = accounts(p);
    let mut o = Observed {
        stake: [U256::ZERO; ACCOUNTS],
        locked: [U256::ZERO; ACCOUNTS],
        rlc: [U256::ZERO; ACCOUNTS],
        hub_stake: U256::ZERO,
        hub_locked: U256::ZERO,
        rlc_hub: U256::ZERO,
        supply: U256::ZERO,
        rlc_supply: U256::ZERO,
    };
    let mut handles = Vec::new();
    for who in addrs.iter().copied().chain([p.deployment.hub]) {
        let hub = p.hub.clone();
        let rlc = p.rlc.clone();
        handles.push(tokio::spawn(async move {
            let account = hub.viewAccount(who).call().await.expect("viewAccount");
            let balance = rlc.balanceOf(who).call().await.expect("balanceOf");
            (account.stake, account.locked, balance)
        }));
    }
    for (i, handle) in handles.into_iter().enumerate() {
        let (stake, locked, balance) = handle.await.expect("a balance read");
        if i < ACCOUNTS {
            o.stake[i] = stake;
            o.locked[i] = locked;
            o.rlc[i] = balance;
        } else {
            o.hub_stake = stake;
            o.hub_locked = locked;
            o.rlc_hub = balance;
        }
    }
    o.supply = p.hub.totalSupply().call().await.expect("totalSupply");
    o.rlc_supply = p.rlc.totalSupply().call().await.expect("RLC totalSupply");
    o
}

/// The ledger invariants, from on-chain values only.
fn check_ledger(o: &Observed, rlc_supply: U256) -> Result<(), String> {
    let sum = |xs: &[U256]| xs.iter().fold(U256::ZERO, |a, b| a + b);
    let locked = sum(&o.locked);
    let stake = sum(&o.stake);
    let rlc = sum(&o.rlc);
    if o.rlc_hub != o.supply {
        return Err(format!(
            "RLC held by the hub {} != SRLC total supply {}",
            o.rlc_hub, o.supply
        ));
    }
    if o.hub_locked != U256::ZERO {
        return Err(format!("the hub's own locked is {}", o.hub_locked));
    }
    if o.hub_stake != locked {
        return Err(format!(
            "the hub's own SRLC {} != sum of locked {locked}",
            o.hub_stake
        ));
    }
    if o.supply != stake + locked {
        return Err(format!(
            "SRLC total supply {} != sum of stakes {stake} + locked {locked}",
            o.supply
        ));
    }
    if o.rlc_supply != rlc_supply || rlc + o.rlc_hub != rlc_supply {
        return Err(format!(
            "RLC not conserved: supply {} (was {rlc_supply}), accounts {rlc} + hub {}",
            o.rlc_supply, o.rlc_hub
        ));
    }
    if let Some(i) = (0..ACCOUNTS).find(|&i| o.stake[i] > o.supply || o.locked[i] > o.supply) {
        return Err(format!(
            "account {i} has a wrapped balance: stake {} locked {}",
            o.stake[i], o.locked[i]
        ));
    }
    Ok(())
}

/// Compares the chain's balances with the model's.
fn check_model(o: &Observed, m: &Model) -> Result<(), String> {
    for i in 0..ACCOUNTS {
        if (o.stake[i], o.locked[i], o.rlc[i]) != (m.stake[i], m.locked[i], m.rlc[i]) {
            return Err(format!(
                "account {i}: chain (stake {}, locked {}, RLC {}) != model ({}, {}, {})",
                o.stake[i], o.locked[i], o.rlc[i], m.stake[i], m.locked[i], m.rlc[i]
            ));
        }
    }
    if o.rlc_hub != m.rlc_hub {
        return Err(format!("hub RLC {} != model {}", o.rlc_hub, m.rlc_hub));
    }
    Ok(())
}

impl Model {
    fn new(o: &Observed, offset: i64) -> Self {
        Self {
            deals: Vec::new(),
            tasks: Vec::new(),
            stake: o.stake,
            locked: o.locked,
            rlc: o.rlc,
            rlc_hub: o.rlc_hub,
            offset,
        }
    }

    /// The timestamp the next block will have (give or take the seconds a case lasts).
    fn now(&self) -> u64 {
        wall_clock().saturating_add_signed(self.offset)
    }

    /// Whether `deadline` is too close to now to predict which side a transaction falls on.
    fn near(&self, deadline: u64) -> bool {
        self.now().abs_diff(deadline) < MARGIN
    }

    fn lock(&mut self, who: usize, amount: U256) {
        self.stake[who] -= amount;
        self.locked[who] += amount;
    }

    fn unlock(&mut self, who: usize, amount: U256) {
        self.locked[who] -= amount;
        self.stake[who] += amount;
    }

    /// The task `target` picks, `None` when there is none.
    fn pick(&self, target: Target, fit: impl Fn(&Task) -> bool) -> Option<usize> {
        let (n, any) = match target {
            Target::Exact(i) => return (i < self.tasks.len()).then_some(i),
            Target::Fit(n) => (n, false),
            Target::Any(n) => (n, true),
        };
        let from: Vec<usize> = (0..self.tasks.len())
            .filter(|&i| any || fit(&self.tasks[i]))
            .collect();
        (!from.is_empty()).then(|| from[n % from.len()])
    }

    /// Resolves [`Op::Progress`] into the next step of an unfinished task; other operations
    /// are returned as they are.
    fn resolve(&self, op: &Op) -> Op {
        let Op::Progress {
            task,
            worker,
            honest,
        } = *op
        else {
            return op.clone();
        };
        let unfinished: Vec<usize> = (0..self.tasks.len())
            .filter(|&i| {
                matches!(
                    self.tasks[i].status,
                    Status::Unset | Status::Active | Status::Revealing
                )
            })
            .collect();
        let Some(&t) = unfinished.get(task % unfinished.len().max(1)) else {
            // Nothing under way: a new deal.
            return Op::Match {
                volume: 1 + (task % 3) as u64,
                trust: if worker % 2 == 0 { 1 } else { 3 },
                app_price: RLC_UNIT,
                dataset_price: honest.then_some(RLC_UNIT / 2),
                pool_price: 10 * RLC_UNIT + task as u64,
            };
        };
        let target = Target::Exact(t);
        let task_ref = &self.tasks[t];
        let now = self.now();
        if task_ref.status != Status::Unset && now >= self.final_deadline(task_ref) {
            return Op::Claim { task: target };
        }
        match task_ref.status {
            Status::Unset => Op::Initialize { task: target },
            Status::Active if now >= self.contribution_deadline(task_ref) => Op::Jump { steps: 2 },
            Status::Active => {
                let fast =
                    self.deals[task_ref.deal].trust == 1 && task_ref.contributions.is_empty();
                if fast && worker % 2 == 0 {
                    return Op::ContributeAndFinalize {
                        task: target,
                        worker,
                    };
                }
                // The first worker (from `worker` on) that has not contributed yet.
                let fresh = (0..5).map(|k| (worker + k) % 5).find(|&w| {
                    task_ref
                        .contributions
                        .iter()
                        .all(|c| c.worker != FIRST_WORKER + w)
                });
                match fresh {
                    Some(worker) => Op::Contribute {
                        task: target,
                        worker,
                        honest,
                    },
                    None => Op::Jump { steps: 1 },
                }
            }
            Status::Revealing => {
                let revealers = task_ref
                    .contributions
                    .iter()
                    .filter(|c| {
                        c.status == Contribution::Contributed
                            && Some(c.digest) == task_ref.consensus
                    })
                    .count();
                if now >= task_ref.reveal_deadline {
                    if task_ref.revealed > 0 {
                        Op::Finalize { task: target }
                    } else {
                        Op::Reopen { task: target }
                    }
                } else if task_ref.revealed == 0 && !honest {
                    // Nobody reveals in time: the scheduler will reopen.
                    Op::Jump { steps: 2 }
                } else if revealers > 0 && (task_ref.revealed == 0 || honest) {
                    Op::Reveal {
                        task: target,
                        worker,
                    }
                } else {
                    Op::Finalize { task: target }
                }
            }
            Status::Completed | Status::Failed => Op::Jump { steps: 1 },
        }
    }

    fn contribution_deadline(&self, t: &Task) -> u64 {
        self.deals[t.deal].start + 7 * TIMEREF
    }

    fn final_deadline(&self, t: &Task) -> u64 {
        self.deals[t.deal].start + 10 * TIMEREF
    }

    /// Payments common to finalize and the fast path: the requester's price is seized, the app
    /// and dataset owners rewarded, the pool owner's stake unlocked and the kitty's share paid.
    fn pay_owners(&mut self, d: &Deal) {
        self.locked[REQUESTER] -= d.price();
        self.stake[APP_OWNER] += d.app_price;
        self.stake[DATASET_OWNER] += d.dataset_price;
        self.unlock(POOL_OWNER, d.stake);
        let kitty = self.locked[KITTY];
        if kitty > U256::ZERO {
            let share = (kitty * u(10) / u(100)).max(u(RLC_UNIT)).min(kitty);
            self.locked[KITTY] -= share;
            self.stake[POOL_OWNER] += share;
        }
    }
}

/// A jump of the chain's clock; returns the new offset.
async fn increase_time(x: &Driver, secs: u64) -> i64 {
    let offset: i64 = x
        .provider
        .raw_request("evm_increaseTime".into(), (secs,))
        .await
        .expect("evm_increaseTime");
    x.provider
        .raw_request::<_, serde_json::Value>("evm_mine".into(), ())
        .await
        .expect("evm_mine");
    offset
}

/// `evm_snapshot`.
async fn snapshot(x: &Driver) -> String {
    x.provider
        .raw_request("evm_snapshot".into(), ())
        .await
        .expect("evm_snapshot")
}

/// `evm_revert`.
async fn revert(x: &Driver, id: &str) {
    let reverted: bool = x
        .provider
        .raw_request("evm_revert".into(), (id,))
        .await
        .expect("evm_revert");
    assert!(reverted, "evm_revert to snapshot {id}");
}

/// The honest (or the wrong) result digest of a task.
fn digest(task: B256, honest: bool) -> B256 {
    let mut bytes = task.to_vec();
    bytes.extend_from_slice(if honest { b"honest" } else { b"wrong!" });
    keccak256(bytes)
}

/// Statistics of a run: per kind of operation, how many succeeded, reverted (as expected) and
/// were skipped.
#[derive(Default, Debug)]
struct Stats {
    by_kind: BTreeMap<&'static str, [usize; 3]>,
    reasons: BTreeMap<&'static str, usize>,
}

impl Stats {
    fn record(&mut self, op: &Op, outcome: &Expect) {
        let kind = match op {
            Op::Deposit { .. } => "deposit",
            Op::Withdraw { .. } => "withdraw",
            Op::Match { .. } => "matchOrders",
            Op::Initialize { .. } => "initialize",
            Op::Contribute { .. } => "contribute",
            Op::Reveal { .. } => "reveal",
            Op::Finalize { .. } => "finalize",
            Op::ContributeAndFinalize { .. } => "contributeAndFinalize",
            Op::Reopen { .. } => "reopen",
            Op::Claim { .. } => "claim",
            Op::Jump { .. } => "time jump",
            Op::Progress { .. } => "progress (unresolved)",
        };
        let slot = match outcome {
            Expect::Success => 0,
            Expect::Revert(reason) => {
                *self.reasons.entry(reason).or_default() += 1;
                1
            }
            Expect::Skip => 2,
        };
        self.by_kind.entry(kind).or_default()[slot] += 1;
    }

    /// `kind: ok/reverted/skipped` for every kind, one per line.
    fn report(&self) -> String {
        self.by_kind
            .iter()
            .map(|(kind, [ok, reverted, skipped])| {
                format!("  {kind:<22} {ok:>4} ok {reverted:>4} reverted {skipped:>4} skipped")
            })
            .chain(
                self.reasons
                    .iter()
                    .map(|(reason, n)| format!("  reverted with {reason:<36} {n:>4}")),
            )
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Runs one case; `Err` says what broke.
async fn run_case(
    p: &Protocol,
    x: &Driver,
    ops: &[Op],
    rlc_supply: U256,
    stats: &Mutex<Stats>,
) -> Result<(), String> {
    let offset = increase_time(x, 0).await;
    let start = observe(p).await;
    check_ledger(&start, rlc_supply)?;
    let mut m = Model::new(&start, offset);
    for (step, op) in ops.iter().enumerate() {
        let op = &m.resolve(op);
        let outcome = apply(p, x, &mut m, op)
            .await
            .map_err(|e| format!("step {step} {op:?}: {e}"))?;
        stats.lock().expect("stats lock").record(op, &outcome);
        let o = observe(p).await;
        check_ledger(&o, rlc_supply).map_err(|e| format!("after step {step} {op:?}: {e}"))?;
        check_model(&o, &m).map_err(|e| format!("after step {step} {op:?}: {e}"))?;
    }
    Ok(())
}

/// Compares a transaction's outcome with the model's expectation.
fn judge<T>(expect: &Expect, got: &Result<T, String>) -> Result<(), String> {
    match (expect, got) {
        (Expect::Success, Ok(_)) => Ok(()),
        (Expect::Success, Err(reason)) => Err(format!("unexpected revert: {reason}")),
        (Expect::Revert(want), Err(reason)) if reason.contains(want) => Ok(()),
        (Expect::Revert(want), Err(reason)) => {
            Err(format!("reverted with `{reason}`, expected `{want}`"))
        }
        (Expect::Revert(want), Ok(_)) => Err(format!("succeeded, expected a revert `{want}`")),
        (Expect::Skip, _) => Ok(()),
    }
}

/// Predicts, runs and applies one operation; returns what was expected (and happened).
async fn apply(p: &Protocol, x: &Driver, m: &mut Model, op: &Op) -> Result<Expect, String> {
    let addrs = accounts(p);
    match *op {
        Op::Deposit { who, amount } => {
            let amount = u(amount);
            let expect = if m.rlc[who] >= amount {
                Expect::Success
            } else {
                // RLC's transferFrom fails: the reason is the token's.
                Expect::Revert("")
            };
            x.send(x.rlc.approve(p.deployment.hub, amount).from(addrs[who]))
                .await
                .map_err(|e| format!("approve: {e}"))?;
            let got = x.send(x.hub.deposit(amount).from(addrs[who])).await;
            judge(&expect, &got)?;
            if got.is_ok() {
                m.stake[who] += amount;
                m.rlc[who] -= amount;
                m.rlc_hub += amount;
            }
            Ok(expect)
        }
        Op::Withdraw { who, amount } => {
            let amount = u(amount);
            let expect = if m.stake[who] >= amount {
                Expect::Success
            } else {
                Expect::Revert("InsufficientStake")
            };
            let got = x.send(x.hub.withdraw(amount).from(addrs[who])).await;
            judge(&expect, &got)?;
            if got.is_ok() {
                m.stake[who] -= amount;
                m.rlc[who] += amount;
                m.rlc_hub -= amount;
            }
            Ok(expect)
        }
        Op::Match {
            volume,
            trust,
            app_price,
            dataset_price,
            pool_price,
        } => {
            let mut orders = p.orders().with_volume(volume).with_trust(trust);
            orders.app.appprice = u(app_price);
            orders.request.appmaxprice = u(app_price);
            orders.pool.workerpoolprice = u(pool_price);
            orders.request.workerpoolmaxprice = u(pool_price);
            if let Some(price) = dataset_price {
                let mut order = p.dataset_order();
                order.datasetprice = u(price);
                order.volume = u(volume);
                orders = orders.with_dataset(order);
            }
            let deal = Deal {
                id: B256::ZERO,
                volume,
                trust,
                app_price: u(app_price),
                dataset_price: u(dataset_price.unwrap_or(0)),
                pool_price: u(pool_price),
                stake: u(pool_price) * u(30) / u(100),
                ratio: u(1),
                start: 0,
            };
            let expect = if m.stake[REQUESTER] < deal.price() * u(volume)
                || m.stake[POOL_OWNER] < deal.stake * u(volume)
            {
                Expect::Revert("InsufficientStake")
            } else {
                Expect::Success
            };
            let got = x.match_orders(p, &orders).await;
            judge(&expect, &got)?;
            if let Ok(id) = got {
                let on_chain = p.view_deal(id).await;
                let start = to_u64(on_chain.startTime, "startTime");
                if start.abs_diff(m.now()) > MARGIN {
                    return Err(format!(
                        "deal starts at {start}, the model's clock says {}",
                        m.now()
                    ));
                }
                let deal = Deal { id, start, ..deal };
                let seen = (
                    on_chain.botFirst,
                    on_chain.botSize,
                    on_chain.trust,
                    on_chain.workerStake,
                    on_chain.schedulerRewardRatio,
                );
                let want = (U256::ZERO, u(volume), u(trust), deal.stake, deal.ratio);
                if seen != want {
                    return Err(format!(
                        "deal (botFirst, botSize, trust, workerStake, ratio) {seen:?} != {want:?}"
                    ));
                }
                m.lock(REQUESTER, deal.price() * u(volume));
                m.lock(POOL_OWNER, deal.stake * u(volume));
                for idx in 0..volume {
                    m.tasks.push(Task {
                        id: task_id(id, u(idx)),
                        deal: m.deals.len(),
                        status: Status::Unset,
                        contributions: Vec::new(),
                        groups: BTreeMap::new(),
                        total: U256::ZERO,
                        consensus: None,
                        reveal_deadline: 0,
                        revealed: 0,
                        winners: 0,
                    });
                }
                m.deals.push(deal);
            }
            Ok(expect)
        }
        Op::Initialize { task: target } => {
            if m.deals.is_empty() {
                return Ok(Expect::Skip);
            }
            let (k, idx) = if let Target::Any(n) = target {
                (n % m.deals.len(), (n / 8 % 4) as u64)
            } else {
                let Some(t) = m.pick(target, |t| t.status == Status::Unset) else {
                    return Ok(Expect::Skip);
                };
                let id = m.tasks[t].id;
                let k = m.tasks[t].deal;
                let idx = (0..m.deals[k].volume)
                    .find(|&i| task_id(m.deals[k].id, u(i)) == id)
                    .expect("a task of its deal");
                (k, idx)
            };
            let id = m.deals[k].id;
            let task = m
                .tasks
                .iter()
                .position(|t| t.deal == k && t.id == task_id(id, u(idx)));
            let expect = match task {
                None => Expect::Revert("iExecV5-initialize-0x01"),
                Some(t) if m.tasks[t].status != Status::Unset => {
                    Expect::Revert("iExecV5-initialize-0x02")
                }
                Some(_) => Expect::Success,
            };
            let got = x
                .send(x.hub.initialize(id, u(idx)).from(p.pool_owner()))
                .await;
            judge(&expect, &got)?;
            if let (Ok(_), Some(t)) = (&got, task) {
                m.tasks[t].status = Status::Active;
                m.tasks[t].total = u(1);
            }
            Ok(expect)
        }
        Op::Contribute {
            task,
            worker,
            honest,
        } => {
            let Some(t) = m.pick(task, |t| t.status == Status::Active) else {
                return Ok(Expect::Skip);
            };
            let who = FIRST_WORKER + worker;
            let (id, d) = (m.tasks[t].id, m.tasks[t].deal);
            let deadline = m.contribution_deadline(&m.tasks[t]);
            let stake = m.deals[d].stake;
            let expect = if m.tasks[t].status != Status::Active {
                Expect::Revert("iExecV5-contribute-0x01")
            } else if m.near(deadline) {
                Expect::Skip
            } else if m.now() >= deadline {
                Expect::Revert("iExecV5-contribute-0x02")
            } else if m.tasks[t].contributions.iter().any(|c| c.worker == who) {
                Expect::Revert("iExecV5-contribute-0x03")
            } else if m.stake[who] < stake {
                Expect::Revert("InsufficientStake")
            } else {
                Expect::Success
            };
            if matches!(expect, Expect::Skip) {
                return Ok(expect);
            }
            let score = to_u64(p.score(addrs[who]).await, "score");
            let value = digest(id, honest);
            let got = x.contribute(p, p.worker(worker), id, value).await;
            judge(&expect, &got)?;
            if got.is_err() {
                return Ok(expect);
            }
            m.lock(who, stake);
            let w = (score / 3).max(3) - 1;
            let trust = u(m.deals[d].trust);
            let t = &mut m.tasks[t];
            t.contributions.push(Contrib {
                worker: who,
                digest: value,
                weight: log2up(w),
                status: Contribution::Contributed,
                staked: true,
            });
            let group = t.groups.entry(value).or_default();
            let delta = (*group).max(u(1)) * u(w) - *group;
            *group += delta;
            let group = *group;
            t.total += delta;
            if group * trust > t.total * (trust - u(1)) {
                t.status = Status::Revealing;
                t.consensus = Some(value);
                let on_chain = p.view_task(id).await;
                let contributed = t
                    .contributions
                    .iter()
                    .filter(|c| c.digest == value && c.status == Contribution::Contributed)
                    .count() as u64;
                let all = t.contributions.iter().filter(|c| c.digest == value).count() as u64;
                let winners = to_u64(on_chain.winnerCounter, "winnerCounter");
                // A reopened task may have rejected contributions with the new consensus
                // value: the spec does not say whether they count as winners.
                if winners != contributed && winners != all {
                    return Err(format!(
                        "winnerCounter {winners}, expected {contributed} (or {all})"
                    ));
                }
                t.winners = winners;
                t.reveal_deadline = to_u64(on_chain.revealDeadline, "revealDeadline");
                let consensus_at = t.reveal_deadline.saturating_sub(2 * TIMEREF);
                if on_chain.status != 2 || on_chain.consensusValue != result_hash_of(id, value) {
                    return Err(format!(
                        "expected consensus on {value}: task status {}, consensus {}",
                        on_chain.status, on_chain.consensusValue
                    ));
                }
                if consensus_at.abs_diff(wall_clock().saturating_add_signed(m.offset)) > MARGIN {
                    return Err(format!(
                        "revealDeadline {} is not 600 s after now",
                        t.reveal_deadline
                    ));
                }
            }
            Ok(expect)
        }
        Op::Reveal { task, worker } => {
            let can_reveal = |t: &Task| -> Vec<usize> {
                t.contributions
                    .iter()
                    .filter(|c| {
                        c.status == Contribution::Contributed && Some(c.digest) == t.consensus
                    })
                    .map(|c| c.worker)
                    .collect()
            };
            let Some(t) = m.pick(task, |t| {
                t.status == Status::Revealing && !can_reveal(t).is_empty()
            }) else {
                return Ok(Expect::Skip);
            };
            let who = match can_reveal(&m.tasks[t]) {
                revealers if !matches!(task, Target::Any(_)) && !revealers.is_empty() => {
                    revealers[worker % revealers.len()]
                }
                _ => FIRST_WORKER + worker,
            };
            let id = m.tasks[t].id;
            let mine = m.tasks[t]
                .contributions
                .iter()
                .position(|c| c.worker == who);
            let expect = if m.tasks[t].status != Status::Revealing {
                Expect::Revert("iExecV5-reveal-0x01")
            } else if m.near(m.tasks[t].reveal_deadline) {
                Expect::Skip
            } else if m.now() >= m.tasks[t].reveal_deadline {
                Expect::Revert("iExecV5-reveal-0x02")
            } else {
                match mine.map(|c| &m.tasks[t].contributions[c]) {
                    // No contribution, or one already proved or rejected.
                    None => Expect::Revert("iExecV5-reveal-0x0"),
                    Some(c) if c.status != Contribution::Contributed => {
                        Expect::Revert("iExecV5-reveal-0x0")
                    }
                    Some(c) if Some(c.digest) != m.tasks[t].consensus => {
                        Expect::Revert("iExecV5-reveal-0x04")
                    }
                    Some(_) => Expect::Success,
                }
            };
            if matches!(expect, Expect::Skip) {
                return Ok(expect);
            }
            // The worker reveals what it contributed (or, without a contribution, the honest
            // digest).
            let value = mine.map_or(digest(id, true), |c| m.tasks[t].contributions[c].digest);
            let got = x.send(x.hub.reveal(id, value).from(addrs[who])).await;
            judge(&expect, &got)?;
            if let (Ok(_), Some(c)) = (&got, mine) {
                m.tasks[t].contributions[c].status = Contribution::Proved;
                m.tasks[t].revealed += 1;
            }
            Ok(expect)
        }
        Op::Finalize { task } => {
            let Some(t) = m.pick(task, |t| t.status == Status::Revealing && t.revealed > 0) else {
                return Ok(Expect::Skip);
            };
            let final_deadline = m.final_deadline(&m.tasks[t]);
            let task_ref = &m.tasks[t];
            let expect = if task_ref.status == Status::Unset {
                // Not initialized: its deal is unknown, so nobody is its scheduler.
                Expect::Revert("iExecV5-finalize-0x00")
            } else if task_ref.status != Status::Revealing {
                Expect::Revert("iExecV5-finalize-0x01")
            } else if m.near(final_deadline) || m.near(task_ref.reveal_deadline) {
                Expect::Skip
            } else if m.now() >= final_deadline {
                Expect::Revert("iExecV5-finalize-0x02")
            } else if task_ref.revealed == task_ref.winners
                || (task_ref.revealed > 0 && m.now() >= task_ref.reveal_deadline)
            {
                Expect::Success
            } else {
                Expect::Revert("iExecV5-finalize-0x03")
            };
            if matches!(expect, Expect::Skip) {
                return Ok(expect);
            }
            let id = m.tasks[t].id;
            let call = x
                .hub
                .finalize(id, Bytes::from_static(RESULTS), Bytes::new());
            let got = x.send(call.from(p.pool_owner())).await;
            judge(&expect, &got)?;
            if got.is_ok() {
                let d = m.deals[m.tasks[t].deal].clone();
                m.pay_owners(&d);
                let contributions = m.tasks[t].contributions.clone();
                let mut total = d.pool_price;
                let mut weights = U256::ZERO;
                for c in &contributions {
                    if c.status == Contribution::Proved {
                        weights += u(c.weight);
                    } else if c.staked {
                        total += d.stake;
                    }
                }
                let workers_reward = total * (u(100) - d.ratio) / u(100);
                for c in &contributions {
                    if c.status == Contribution::Proved {
                        let reward = workers_reward * u(c.weight) / weights;
                        total -= reward;
                        m.unlock(c.worker, d.stake);
                        m.stake[c.worker] += reward;
                    } else if c.staked {
                        m.locked[c.worker] -= d.stake;
                    }
                }
                m.stake[POOL_OWNER] += total;
                m.tasks[t].status = Status::Completed;
            }
            Ok(expect)
        }
        Op::ContributeAndFinalize { task, worker } => {
            let Some(t) = m.pick(task, |t| {
                t.status == Status::Active && t.contributions.is_empty()
            }) else {
                return Ok(Expect::Skip);
            };
            let who = FIRST_WORKER + worker;
            let id = m.tasks[t].id;
            let deadline = m.contribution_deadline(&m.tasks[t]);
            let task_ref = &m.tasks[t];
            let expect = if task_ref.status != Status::Active {
                Expect::Revert("iExecV5-contributeAndFinalize-0x01")
            } else if m.near(deadline) {
                Expect::Skip
            } else if m.now() >= deadline {
                Expect::Revert("iExecV5-contributeAndFinalize-0x02")
            } else if !task_ref.contributions.is_empty() {
                // Already contributed (0x03), and on a trust-3 deal trust != 1 (0x04) too.
                Expect::Revert("iExecV5-contributeAndFinalize-0x0")
            } else if m.deals[task_ref.deal].trust != 1 {
                Expect::Revert("iExecV5-contributeAndFinalize-0x04")
            } else {
                Expect::Success
            };
            if matches!(expect, Expect::Skip) {
                return Ok(expect);
            }
            let got = x
                .contribute_and_finalize(p, p.worker(worker), id, digest(id, true))
                .await;
            judge(&expect, &got)?;
            if got.is_ok() {
                let d = m.deals[m.tasks[t].deal].clone();
                m.pay_owners(&d);
                let share = d.pool_price * (u(100) - d.ratio) / u(100);
                m.stake[who] += share;
                m.stake[POOL_OWNER] += d.pool_price - share;
                let t = &mut m.tasks[t];
                t.status = Status::Completed;
                t.contributions.push(Contrib {
                    worker: who,
                    digest: digest(id, true),
                    weight: 0,
                    status: Contribution::Proved,
                    staked: false,
                });
            }
            Ok(expect)
        }
        Op::Reopen { task } => {
            let Some(t) = m.pick(task, |t| t.status == Status::Revealing && t.revealed == 0) else {
                return Ok(Expect::Skip);
            };
            let final_deadline = m.final_deadline(&m.tasks[t]);
            let task_ref = &m.tasks[t];
            let expect = if task_ref.status == Status::Unset {
                Expect::Revert("iExecV5-reopen-0x00")
            } else if task_ref.status != Status::Revealing {
                Expect::Revert("iExecV5-reopen-0x01")
            } else if m.near(final_deadline) || m.near(task_ref.reveal_deadline) {
                Expect::Skip
            } else if m.now() >= final_deadline {
                Expect::Revert("iExecV5-reopen-0x02")
            } else if m.now() < task_ref.reveal_deadline || task_ref.revealed > 0 {
                Expect::Revert("iExecV5-reopen-0x03")
            } else {
                Expect::Success
            };
            if matches!(expect, Expect::Skip) {
                return Ok(expect);
            }
            let got = x
                .send(x.hub.reopen(m.tasks[t].id).from(p.pool_owner()))
                .await;
            judge(&expect, &got)?;
            if got.is_ok() {
                let t = &mut m.tasks[t];
                let consensus = t
                    .consensus
                    .take()
                    .expect("a revealing task has a consensus");
                for c in &mut t.contributions {
                    if c.digest == consensus && c.status == Contribution::Contributed {
                        c.status = Contribution::Rejected;
                    }
                }
                let group = t.groups.remove(&consensus).unwrap_or_default();
                t.total -= group;
                t.status = Status::Active;
                t.winners = 0;
                t.reveal_deadline = 0;
            }
            Ok(expect)
        }
        Op::Claim { task } => {
            let Some(t) = m.pick(task, |t| {
                matches!(t.status, Status::Active | Status::Revealing)
            }) else {
                return Ok(Expect::Skip);
            };
            let final_deadline = m.final_deadline(&m.tasks[t]);
            let status = m.tasks[t].status;
            let expect = if !matches!(status, Status::Active | Status::Revealing) {
                Expect::Revert("iExecV5-claim-0x01")
            } else if m.near(final_deadline) {
                Expect::Skip
            } else if m.now() < final_deadline {
                Expect::Revert("iExecV5-claim-0x02")
            } else {
                Expect::Success
            };
            if matches!(expect, Expect::Skip) {
                return Ok(expect);
            }
            let got = x.send(x.hub.claim(m.tasks[t].id).from(p.requester())).await;
            judge(&expect, &got)?;
            if got.is_ok() {
                let d = m.deals[m.tasks[t].deal].clone();
                m.unlock(REQUESTER, d.price());
                m.locked[POOL_OWNER] -= d.stake;
                m.locked[KITTY] += d.stake;
                let contributions = m.tasks[t].contributions.clone();
                for c in contributions.iter().filter(|c| c.staked) {
                    m.unlock(c.worker, d.stake);
                }
                m.tasks[t].status = Status::Failed;
            }
            Ok(expect)
        }
        Op::Jump { steps } => {
            m.offset = increase_time(x, steps * STEP).await;
            Ok(Expect::Success)
        }
        Op::Progress { .. } => unreachable!("resolved by Model::resolve"),
    }
}

/// The result hash the hub stores for `digest` on `task`.
fn result_hash_of(task: B256, digest: B256) -> B256 {
    poco_types::result_hash(task, digest)
}

#[test]
fn ledger_invariants_hold_over_random_operation_sequences() {
    let began = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let p = runtime.block_on(Protocol::start());
    let rlc_supply = runtime
        .block_on(async { p.rlc.totalSupply().call().await })
        .expect("RLC totalSupply");
    let x = Driver::new(&p);
    let snap = Mutex::new(runtime.block_on(snapshot(&x)));
    let stats = Mutex::new(Stats::default());

    let cases = if std::env::var_os("PROPTEST_CASES").is_some() {
        Config::default().cases
    } else {
        CASES
    };
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 256,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let strategy = proptest::collection::vec(op(), MAX_OPS / 2..=MAX_OPS);
    let result = runner.run(&strategy, |ops| {
        runtime.block_on(async {
            // Every case (and every shrinking attempt) starts from the deployed protocol.
            let id = snap.lock().expect("snapshot lock").clone();
            revert(&x, &id).await;
            let next = snapshot(&x).await;
            *snap.lock().expect("snapshot lock") = next;
            run_case(&p, &x, &ops, rlc_supply, &stats)
                .await
                .map_err(TestCaseError::fail)
        })
    });
    let stats = stats.into_inner().expect("stats");
    eprintln!(
        "invariants: {cases} cases (plus any shrinking) in {:.1?}; operations:\n{}",
        began.elapsed(),
        stats.report()
    );
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, ops)) => panic!("{why}\nminimal failing sequence: {ops:#?}"),
        Err(TestError::Abort(why)) => panic!("aborted: {why}"),
    }
}

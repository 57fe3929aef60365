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
mod chain;
mod model;

use chain::*;

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

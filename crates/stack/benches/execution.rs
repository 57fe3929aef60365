//! Execution benchmarks on the local stack with containers on a real engine
//! (`scripts/bench-execution.sh` starts Podman and runs this in release):
//!
//! - latency: trust-1 runs of the demo app, from `app run`'s steps (orders from the market,
//!   request signed, stake checked, matched) to the result downloaded and its CID checked;
//!   p50 and p95 over `--runs` (20);
//! - throughput: one deal of `--tasks` (200) tasks of `sleep 1` on 4 workers × 2 slots: tasks
//!   per minute, and the platform's share of the slot time: 1 − (time the slots spent in the
//!   app's own work) / (wall time × slots), counting the app's work as 1 s per task, and
//!   again counting each replicate's whole compute step (container create → outputs zipped)
//!   from the scheduler's COMPUTING → COMPUTED dates.
//!
//! Usage: execution --engine unix:///path/podman.sock [--runs N] [--tasks N] [--skip-latency]
//! [--skip-throughput]

use alloy_primitives::U256;
use poco_client::{
    account,
    core::CoreApi,
    execution::{ParamsInput, RunSpec, run},
    market::MarketApi,
    results::ResultsApi,
};
use poco_contracts::dev::ONE_RLC;
use poco_stack::{
    Engine, Role, Stack, StackConfig, demo,
    requester::{self, Run},
};
use poco_types::{ReplicateStatus, TaskStatus, results::ResultLink};
use std::time::{Duration, Instant};

struct Args {
    engine: String,
    runs: usize,
    tasks: u64,
    latency: bool,
    throughput: bool,
}

fn args() -> Args {
    let mut args = Args {
        engine: std::env::var("DOCKER_HOST").unwrap_or_default(),
        runs: 20,
        tasks: 200,
        latency: true,
        throughput: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().expect("a value after the option");
        match arg.as_str() {
            "--engine" => args.engine = value(),
            "--runs" => args.runs = value().parse().expect("--runs N"),
            "--tasks" => args.tasks = value().parse().expect("--tasks N"),
            "--skip-latency" => args.latency = false,
            "--skip-throughput" => args.throughput = false,
            "--bench" => {}
            other => panic!("unknown option {other}"),
        }
    }
    assert!(
        !args.engine.is_empty(),
        "--engine unix://... (or DOCKER_HOST) is required"
    );
    args
}

#[tokio::main]
async fn main() {
    let args = args();
    if args.latency {
        latency(&args).await;
    }
    if args.throughput {
        throughput(&args).await;
    }
}

async fn start(engine: &str, workers: usize, slots: usize) -> (Stack, demo::DemoApp) {
    let stack = Stack::start(
        StackConfig::test()
            .with_workers(workers)
            .with_slots_per_worker(slots)
            .with_engine(Engine::Url(engine.to_owned())),
    )
    .await
    .expect("the stack starts");
    let app = demo::install_app(&stack, demo::APP_PRICE)
        .await
        .expect("demo app");
    let requester = stack.client(Role::Requester).await.expect("client");
    account::deposit(&requester, U256::from(100) * ONE_RLC, &())
        .await
        .expect("deposit");
    (stack, app)
}

async fn latency(args: &Args) {
    let (stack, app) = start(&args.engine, 3, 1).await;
    let requester = stack.client(Role::Requester).await.expect("client");
    let market = MarketApi::new(&stack.record().urls.market, stack.chain().id).expect("market");
    let gateway = ResultsApi::gateway_for_chain(stack.chain()).expect("gateway");
    let mut times = Vec::new();
    for i in 0..args.runs {
        let started = Instant::now();
        let spec = RunSpec {
            app: app.address,
            workerpool: Some(stack.workerpool()),
            trust: 1,
            params: ParamsInput {
                args: Some(format!("run {i}")),
                ..ParamsInput::default()
            },
            ..RunSpec::default()
        };
        let prepared = run::prepare(&requester, &market, &spec, &mut |_| {})
            .await
            .expect("prepared");
        run::check_stake(&requester, &prepared.orders)
            .await
            .expect("stake");
        let submitted = run::submit(&requester, &prepared, &())
            .await
            .expect("matched");
        let task = submitted.tasks[0].1;
        let view = requester::wait_final(&requester, task, Duration::from_secs(120))
            .await
            .expect("ends");
        assert_eq!(view.status, TaskStatus::Completed);
        let link = ResultLink::parse(&view.task.results).expect("link");
        let download = gateway.download(&link.location).await.expect("downloaded");
        assert!(download.verified.is_some(), "CID checked");
        times.push(started.elapsed());
    }
    times.sort();
    let pick = |q: f64| times[((times.len() as f64 * q).ceil() as usize).saturating_sub(1)];
    println!(
        "latency, trust 1, app run → result downloaded ({} runs): p50 {:.2} s, p95 {:.2} s, min {:.2} s, max {:.2} s",
        times.len(),
        pick(0.5).as_secs_f64(),
        pick(0.95).as_secs_f64(),
        times[0].as_secs_f64(),
        times[times.len() - 1].as_secs_f64(),
    );
    stack.stop().await.expect("stops");
}

async fn throughput(args: &Args) {
    let (workers, slots) = (4, 2);
    let (stack, app) = start(&args.engine, workers, slots).await;
    let started = Instant::now();
    let run = Run {
        app: app.address,
        trust: 1,
        args: "sleep 1",
        volume: args.tasks,
        category: 0,
    };
    let (_deal, tasks) = requester::match_run(&stack, &run).await.expect("matched");
    let requester = stack.client(Role::Requester).await.expect("client");
    for task in &tasks {
        let view = requester::wait_final(&requester, *task, Duration::from_secs(3600))
            .await
            .expect("ends");
        assert_eq!(view.status, TaskStatus::Completed, "task {task}");
    }
    let wall = started.elapsed();
    let core = CoreApi::new(&stack.record().urls.scheduler).expect("scheduler");
    let mut compute = Duration::ZERO;
    for task in &tasks {
        let model = core
            .task(*task)
            .await
            .expect("task model")
            .expect("known task");
        for replicate in &model.replicates {
            let at = |status| {
                replicate
                    .status_update_list
                    .iter()
                    .find(|u| u.status == status)
                    .map(|u| u.date)
            };
            if let (Some(a), Some(b)) = (
                at(ReplicateStatus::Computing),
                at(ReplicateStatus::Computed),
            ) {
                compute += Duration::from_millis(b.saturating_sub(a));
            }
        }
    }
    let slot_time = wall.as_secs_f64() * (workers * slots) as f64;
    let app_time = tasks.len() as f64;
    println!(
        "throughput, {} tasks of `sleep 1`, {workers} workers × {slots} slots: {:.1} s, {:.1} tasks/min",
        tasks.len(),
        wall.as_secs_f64(),
        tasks.len() as f64 * 60.0 / wall.as_secs_f64()
    );
    println!(
        "  platform share of slot time: {:.1}% counting the app's 1 s per task; {:.1}% counting each compute step (container create → outputs zipped, {:.1} s in all)",
        100.0 * (1.0 - app_time / slot_time),
        100.0 * (1.0 - compute.as_secs_f64() / slot_time),
        compute.as_secs_f64()
    );
    stack.stop().await.expect("stops");
}

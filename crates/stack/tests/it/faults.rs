//! Crashes: a worker killed mid-task is replaced by another; a scheduler restarted mid-deal
//! finishes it; and the faulty executor the payments test injects.

use crate::harness::Env;
use poco_client::core::CoreApi;
use poco_stack::{Role, Stack};
use poco_types::{ReplicateStatus, TaskStatus};
use poco_worker::{Executor, RunOutcome, RunSpec};
use std::{
    future::Future,
    pin::Pin,
    time::{Duration, Instant},
};

/// Runs the app for real, then changes its result: a worker that computes wrong.
pub(crate) struct Faulty {
    inner: Box<dyn Executor>,
}

impl Faulty {
    pub(crate) async fn new(stack: &Stack) -> Faulty {
        Faulty {
            inner: stack.executor().expect("the engine's executor"),
        }
    }
}

impl Executor for Faulty {
    fn run<'a>(
        &'a self,
        spec: &'a RunSpec,
    ) -> Pin<Box<dyn Future<Output = poco_worker::Result<RunOutcome>> + Send + 'a>> {
        Box::pin(async move {
            let outcome = self.inner.run(spec).await?;
            let path = spec.out_dir.join("result.txt");
            let mut content = std::fs::read(&path).expect("the demo app wrote result.txt");
            content.push(b'!');
            std::fs::write(&path, content).expect("rewritten");
            Ok(outcome)
        })
    }
}

/// Waits until `worker`'s replicate of `task` has reached `status` in the scheduler's view.
async fn wait_replicate(
    env: &Env,
    task: alloy_primitives::B256,
    worker: alloy_primitives::Address,
    status: ReplicateStatus,
) {
    let core = CoreApi::new(&env.stack.record().urls.scheduler).expect("scheduler URL");
    let start = Instant::now();
    loop {
        if let Ok(Some(model)) = core.task(task).await
            && model
                .replicates
                .iter()
                .any(|r| r.wallet_address == worker && r.current_status == status)
        {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "replicate of {worker} never {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_worker_is_replaced() {
    let Some(mut env) = Env::start(2).await else {
        return;
    };
    env.stack.stop_worker(1).await.expect("stops");
    let first = env.stack.account(Role::Worker(0)).address();
    let second = env.stack.account(Role::Worker(1)).address();
    let (_deal, tasks) = env.run(1, "sleep 20 hi", 1, 0).await;
    wait_replicate(&env, tasks[0], first, ReplicateStatus::Computing).await;
    env.stack.kill_worker(0);
    env.stack.start_worker(1, None).await.expect("starts");
    let view = env.wait_final(tasks[0], Duration::from_secs(120)).await;
    assert_eq!(view.status, TaskStatus::Completed);
    assert_eq!(
        view.task.contributors,
        vec![second],
        "the second worker did it"
    );
    // The first one comes back: its leftover container is removed, its replicate given up.
    env.stack.start_worker(0, None).await.expect("restarts");
    let start = Instant::now();
    while !env
        .stack
        .containers_of(first)
        .await
        .expect("engine")
        .is_empty()
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "leftover container removed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduler_restart_mid_deal() {
    let Some(mut env) = Env::start(2).await else {
        return;
    };
    let (_deal, tasks) = env.run(1, "sleep 2 restart", 4, 0).await;
    let admin = env.client(Role::Admin).await;
    let start = Instant::now();
    loop {
        let mut done = 0;
        for task in &tasks {
            if poco_client::deals::task(&admin, *task, None)
                .await
                .is_ok_and(|v| v.status == TaskStatus::Completed)
            {
                done += 1;
            }
        }
        if done >= 1 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "a first task completes"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    env.stack.kill_scheduler();
    tokio::time::sleep(Duration::from_secs(3)).await;
    env.stack
        .start_scheduler()
        .await
        .expect("restarts on its database");
    for task in &tasks {
        let view = env.wait_final(*task, Duration::from_secs(120)).await;
        assert_eq!(view.status, TaskStatus::Completed, "task {task}");
    }
}

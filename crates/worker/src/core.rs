//! The worker's side of the scheduler's API (design §2.1, §3), through
//! [`poco_client::core::CoreApi`]: registration, the ping loop, the long-polls for replicates
//! (while a slot is free) and for notifications, and the outbox — status updates sent in order,
//! each persisted before it is sent and retried while the scheduler is unreachable, whose
//! answers (the next action) go to the replicate's task.

use crate::{
    config::WorkerConfig,
    error::{Result, WorkerError},
    replicate,
    worker::Shared,
};
use alloy_primitives::B256;
use poco_client::core::{CoreApi, CoreApiError, UpdateReception};
use poco_service::time::now_ms;
use poco_types::{
    ReplicateStatus,
    core::{
        ReplicateStatusDetails, ReplicateStatusUpdate, TaskNotification, TaskNotificationExtra,
        TaskNotificationType, WorkerModel,
    },
};
use std::{sync::Arc, time::Duration};

/// The longest pause between retries of an unreachable scheduler.
const MAX_RETRY: Duration = Duration::from_secs(5);

/// `POST /workers/register` with this machine's description.
pub(crate) async fn register(core: &CoreApi, config: &WorkerConfig) -> Result<()> {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let model = WorkerModel {
        name: config.name.clone(),
        wallet_address: config.wallet.address(),
        os: std::env::consts::OS.to_owned(),
        cpu: std::env::consts::ARCH.to_owned(),
        cpu_nb: u32::try_from(cpus).unwrap_or(u32::MAX),
        max_nb_tasks: Some(u32::try_from(config.slots.max(1)).unwrap_or(u32::MAX)),
        memory_size: memory_mib(),
        gpu_enabled: false,
        tee_enabled: false,
        last_alive_date: None,
    };
    core.register(&model)
        .await
        .map_err(|e| WorkerError::Scheduler(e.to_string()))?;
    Ok(())
}

/// The machine's memory in MiB (from /proc/meminfo; 0 when unknown).
fn memory_mib() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines().find_map(|line| {
                let kib = line
                    .strip_prefix("MemTotal:")?
                    .trim()
                    .strip_suffix("kB")?
                    .trim();
                kib.parse::<u64>().ok()
            })
        })
        .map_or(0, |kib| kib / 1024)
}

/// Records `status` for `task` (database first) and queues its update for the scheduler.
pub(crate) async fn report(
    shared: &Shared,
    task: B256,
    status: ReplicateStatus,
    details: ReplicateStatusDetails,
) -> Result<()> {
    let now = now_ms();
    shared.store.set_status(task, status, now).await?;
    let update = ReplicateStatusUpdate::worker(status, now).with_details(details);
    shared.store.push_update(task, &update).await?;
    shared.outbox.notify_one();
    tracing::debug!("worker {:#x}: task {task}: {status}", shared.address);
    Ok(())
}

/// Queues an update for the scheduler without changing the stored status (RECOVERING: the
/// stored status stays what a later recovery needs).
pub(crate) async fn send_only(
    shared: &Shared,
    task: B256,
    status: ReplicateStatus,
    details: ReplicateStatusDetails,
) -> Result<()> {
    let update = ReplicateStatusUpdate::worker(status, now_ms()).with_details(details);
    shared.store.push_update(task, &update).await?;
    shared.outbox.notify_one();
    Ok(())
}

/// Whether an error means "try again later" (scheduler down or failing) rather than a refusal.
fn is_transient(error: &CoreApiError) -> bool {
    matches!(
        error,
        CoreApiError::Unreachable { .. } | CoreApiError::Failed { .. }
    )
}

/// The next retry delay: doubling from the configured first one, up to [`MAX_RETRY`].
fn backoff(current: Duration) -> Duration {
    (current * 2).min(MAX_RETRY)
}

/// Sends the outbox's updates in order, forever. An update leaves the outbox once the
/// scheduler took it (200, 208 already reported, 202 refused: PLEASE_ABORT) or refused it as
/// malformed; the answer goes to the replicate's task.
pub(crate) async fn run_outbox(shared: Arc<Shared>) {
    let first = shared.config.retry_delay;
    let mut delay = first;
    loop {
        let notified = shared.outbox.notified();
        let next = match shared.store.next_update().await {
            Ok(next) => next,
            Err(e) => {
                tracing::warn!("worker {:#x}: outbox: {e}", shared.address);
                tokio::time::sleep(MAX_RETRY).await;
                continue;
            }
        };
        let Some((task, seq, update)) = next else {
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
            continue;
        };
        match shared.core.update_status(task, &update).await {
            Ok(answer) => {
                delay = first;
                if let Err(e) = shared.store.remove_update(seq).await {
                    tracing::warn!("worker {:#x}: outbox: {e}", shared.address);
                    continue;
                }
                if answer.reception == UpdateReception::Refused {
                    tracing::info!(
                        "worker {:#x}: the scheduler refused {} for task {task}",
                        shared.address,
                        update.status
                    );
                }
                let kind = answer.action;
                if !matches!(
                    kind,
                    TaskNotificationType::PleaseContinue | TaskNotificationType::PleaseWait
                ) {
                    shared.deliver(notification(task, kind, shared.address));
                }
            }
            Err(e) if is_transient(&e) => {
                tracing::debug!("worker {:#x}: {e}; retrying in {delay:?}", shared.address);
                tokio::time::sleep(delay).await;
                delay = backoff(delay);
            }
            Err(e) => {
                tracing::warn!(
                    "worker {:#x}: dropping the update {} of task {task}: {e}",
                    shared.address,
                    update.status
                );
                let _ = shared.store.remove_update(seq).await;
            }
        }
    }
}

/// A notification built from an update's answer.
fn notification(
    task: B256,
    kind: TaskNotificationType,
    worker: alloy_primitives::Address,
) -> TaskNotification {
    TaskNotification {
        chain_task_id: task,
        workers_address: vec![worker],
        task_notification_type: kind,
        task_notification_extra: TaskNotificationExtra::default(),
    }
}

/// Pings every `pingPeriod`; reloads the public configuration when its hash changes.
pub(crate) async fn run_ping(shared: Arc<Shared>) {
    let mut known = shared.public.lock().expect("never poisoned").hash();
    loop {
        let period = shared.public.lock().expect("never poisoned").ping_period;
        let period = Duration::from_millis(if period == 0 { 10_000 } else { period });
        tokio::time::sleep(period).await;
        match shared.core.ping().await {
            Ok(hash) if hash != known && !hash.is_empty() => match shared.core.config().await {
                Ok(public) => {
                    known = public.hash();
                    *shared.public.lock().expect("never poisoned") = public;
                    tracing::info!(
                        "worker {:#x}: scheduler configuration reloaded",
                        shared.address
                    );
                }
                Err(e) => tracing::debug!("worker {:#x}: {e}", shared.address),
            },
            Ok(_) => {}
            Err(e) => tracing::debug!("worker {:#x}: ping: {e}", shared.address),
        }
    }
}

/// The newest block number (0 when the node does not answer: the scheduler ignores it).
async fn block_number(shared: &Shared) -> u64 {
    use poco_contracts::alloy::providers::Provider as _;
    shared
        .client()
        .provider()
        .get_block_number()
        .await
        .unwrap_or_default()
}

/// Long-polls `/replicates/interrupted` and hands each notification to its replicate; a
/// notification about a task this worker never had is answered ABORTED.
pub(crate) async fn run_interrupted(shared: Arc<Shared>) {
    let first = shared.config.retry_delay;
    let mut delay = first;
    loop {
        let block = block_number(&shared).await;
        match shared
            .core
            .interrupted(block, Some(shared.config.long_poll))
            .await
        {
            Ok(list) => {
                delay = first;
                for notification in list {
                    let task = notification.chain_task_id;
                    if shared.deliver(notification) {
                        continue;
                    }
                    if let Ok(None) = shared.store.get(task).await {
                        unknown_task(&shared, task).await;
                    }
                }
            }
            Err(e) => {
                tracing::debug!("worker {:#x}: notifications: {e}", shared.address);
                tokio::time::sleep(delay).await;
                delay = backoff(delay);
            }
        }
    }
}

/// Tells the scheduler a replicate it attributes to this worker is unknown here (ABORTED).
pub(crate) async fn unknown_task(shared: &Shared, task: B256) {
    let update = ReplicateStatusUpdate::worker(ReplicateStatus::Aborted, now_ms()).with_details(
        ReplicateStatusDetails::cause(poco_types::core::ReplicateStatusCause::AbortedByWorker),
    );
    if shared.store.push_update(task, &update).await.is_ok() {
        shared.outbox.notify_one();
    }
}

/// While a slot (and a live-replicate place) is free, long-polls `/replicates/available` and
/// starts each replicate it gets.
pub(crate) async fn run_supply(shared: Arc<Shared>) {
    let first = shared.config.retry_delay;
    let mut delay = first;
    loop {
        let Ok(live) = shared.live.clone().acquire_owned().await else {
            return;
        };
        let Ok(slot) = shared.slots.clone().acquire_owned().await else {
            return;
        };
        let block = block_number(&shared).await;
        match shared
            .core
            .available(block, Some(shared.config.long_poll))
            .await
        {
            Ok(Some(summary)) => {
                delay = first;
                let authorization = summary.workerpool_authorization;
                if authorization.worker_wallet != shared.address {
                    tracing::warn!(
                        "worker {:#x}: the scheduler gave an authorization for {:#x}: ignored",
                        shared.address,
                        authorization.worker_wallet
                    );
                    continue;
                }
                let task = authorization.chain_task_id;
                match shared.store.insert(&authorization, now_ms()).await {
                    Ok(true) => {
                        let mailbox = shared.open_mailbox(task);
                        let worker = shared.clone();
                        shared.spawn_replicate(async move {
                            replicate::run_new(worker, task, mailbox, slot, live).await;
                        });
                    }
                    Ok(false) => tracing::warn!(
                        "worker {:#x}: the scheduler gave task {task} again: ignored",
                        shared.address
                    ),
                    Err(e) => {
                        tracing::warn!("worker {:#x}: {e}", shared.address);
                        tokio::time::sleep(delay).await;
                    }
                }
            }
            Ok(None) => delay = first,
            Err(e) => {
                tracing::debug!("worker {:#x}: asking for a replicate: {e}", shared.address);
                tokio::time::sleep(delay).await;
                delay = backoff(delay);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_seconds() {
        let mut delay = Duration::from_millis(500);
        let mut seen = vec![];
        for _ in 0..6 {
            seen.push(delay.as_millis());
            delay = backoff(delay);
        }
        assert_eq!(seen, [500, 1000, 2000, 4000, 5000, 5000]);
    }

    #[test]
    fn this_machine_has_memory() {
        assert!(memory_mib() > 0);
    }
}

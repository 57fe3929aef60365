//! Following the hub's events (design §2.5) with `poco_service`'s log follower: our pool's
//! `SchedulerNotice` (topic 1) records the deal and its tasks, exactly once with the range it
//! came from; our pool's `TaskInitialize` (topic 2) and every `TaskContribute`,
//! `TaskConsensus`, `TaskReveal`, `TaskReopen`, `TaskFinalize`, `TaskClaimed` wake the task
//! up (the engine reads it from the chain again, and ignores the tasks that are not ours).

use crate::{
    config::SchedulerConfig,
    engine::{Shared, now_ms},
    error::{Result, SchedulerError},
    store::{DealRow, Transaction, insert_deal_in},
};
use alloy_primitives::{Address, B256, U256};
use poco_client::{Client, ClientError};
use poco_contracts::{
    PocoHub,
    alloy::{
        rpc::types::{Filter, Log},
        sol_types::SolEvent,
    },
};
use poco_service::follow::{BoxFuture, FollowConfig, LogSink, Start};
use poco_types::Tag;
use sqlx::Row;
use std::{ops::RangeInclusive, sync::Arc};

/// What the follower reads: our pool's notices and initializations, and every task event.
pub fn follow_config(config: &SchedulerConfig, chain_id: u64, hub: Address) -> FollowConfig {
    let pool = config.workerpool.into_word();
    let notices = Filter::new()
        .address(hub)
        .event_signature(PocoHub::SchedulerNotice::SIGNATURE_HASH)
        .topic1(pool);
    let initialized = Filter::new()
        .address(hub)
        .event_signature(PocoHub::TaskInitialize::SIGNATURE_HASH)
        .topic2(pool);
    let tasks = Filter::new().address(hub).event_signature(vec![
        PocoHub::TaskContribute::SIGNATURE_HASH,
        PocoHub::TaskConsensus::SIGNATURE_HASH,
        PocoHub::TaskReveal::SIGNATURE_HASH,
        PocoHub::TaskReopen::SIGNATURE_HASH,
        PocoHub::TaskFinalize::SIGNATURE_HASH,
        PocoHub::TaskClaimed::SIGNATURE_HASH,
    ]);
    let start = match config.from_block {
        Some(block) => Start::Block(block),
        None if matches!(chain_id, 31337 | 1337) => Start::Block(0),
        None => Start::Head,
    };
    FollowConfig::new(chain_id, vec![notices, initialized, tasks])
        .with_confirmations(config.confirmations)
        .with_poll_interval(config.poll_interval)
        .with_start(start)
}

/// The scheduler's side of the follower.
pub struct Sink {
    shared: Arc<Shared>,
    /// Tasks woken by the range being applied (handed to the engine once committed).
    woken: std::sync::Mutex<Vec<B256>>,
}

impl Sink {
    /// A sink writing into `shared`'s database.
    pub fn new(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            woken: std::sync::Mutex::new(Vec::new()),
        }
    }

    async fn apply_logs(&self, logs: &[Log], tx: &mut Transaction) -> Result<()> {
        let mut woken = Vec::new();
        for log in logs {
            let topics = log.topics();
            let Some(signature) = topics.first() else {
                continue;
            };
            if *signature == PocoHub::SchedulerNotice::SIGNATURE_HASH {
                let Ok(notice) = log.log_decode::<PocoHub::SchedulerNotice>() else {
                    continue;
                };
                let deal_id = notice.inner.data.dealid;
                let block = log.block_number.unwrap_or_default();
                let deal = read_deal(&self.shared, deal_id, block).await?;
                if deal.skipped.is_empty() {
                    tracing::info!(
                        "scheduler: deal {deal_id}: {} task(s) from #{}, trust {}",
                        deal.bot_size,
                        deal.bot_first,
                        deal.trust
                    );
                } else {
                    tracing::warn!("scheduler: deal {deal_id} left alone: {}", deal.skipped);
                }
                insert_deal_in(tx, &deal, now_ms()).await?;
            } else if let Some(task) = topics.get(1) {
                woken.push(*task);
            }
        }
        self.woken.lock().expect("never poisoned").extend(woken);
        Ok(())
    }
}

impl LogSink for Sink {
    type Error = SchedulerError;

    fn apply<'a>(
        &'a self,
        _range: RangeInclusive<u64>,
        logs: &'a [Log],
        tx: &'a mut Transaction,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.woken.lock().expect("never poisoned").clear();
            self.apply_logs(logs, tx).await
        })
    }

    fn rewound<'a>(
        &'a self,
        last: u64,
        head: u64,
        tx: &'a mut Transaction,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            tracing::warn!(
                "scheduler: the chain went back from block {last} to {head}: reading every live \
                 task again (design ⚑A24)"
            );
            let rows = sqlx::query(
                "SELECT task_id FROM tasks WHERE status <> 'COMPLETED' AND status <> 'FAILED'",
            )
            .fetch_all(&mut **tx)
            .await?;
            let mut tasks = Vec::with_capacity(rows.len());
            for row in rows {
                let text: String = row.try_get("task_id")?;
                tasks.extend(text.parse::<B256>().ok());
            }
            self.shared.wake(tasks);
            Ok(())
        })
    }

    fn committed(&self, _to: u64) {
        let woken = std::mem::take(&mut *self.woken.lock().expect("never poisoned"));
        if !woken.is_empty() {
            self.shared.wake(woken);
        }
        self.shared.bump();
    }
}

fn rpc(what: &str, e: impl std::fmt::Display) -> ClientError {
    ClientError::Rpc {
        what: what.to_owned(),
        cause: e.to_string(),
    }
}

fn small(value: U256) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

/// Reads deal `deal_id` (noticed at `block`) with its category and deadlines; decides whether
/// the scheduler runs it.
pub async fn read_deal(shared: &Shared, deal_id: B256, block: u64) -> Result<DealRow> {
    let client: &Client = shared.client();
    let hub = client.hub();
    let deal = hub
        .viewDeal(deal_id)
        .call()
        .await
        .map_err(|e| rpc("read a deal", e))?;
    let category = hub
        .viewCategory(deal.category)
        .call()
        .await
        .map_err(|e| rpc("read a deal's category", e))?;
    let contribution_ratio = small(
        hub.contribution_deadline_ratio()
            .call()
            .await
            .map_err(|e| rpc("read the contribution deadline ratio", e))?,
    );
    let final_ratio = small(
        hub.final_deadline_ratio()
            .call()
            .await
            .map_err(|e| rpc("read the final deadline ratio", e))?,
    );
    let start_time = small(deal.startTime);
    let timeref = small(category.workClockTimeRef);
    let owner = shared.owner();
    let skipped = if deal.workerpool.owner != owner {
        format!(
            "its workerpool's owner at the deal is {}, not this scheduler's wallet {owner}",
            deal.workerpool.owner
        )
    } else if Tag::from(deal.tag).is_tee() {
        "it asks for TEE, which this scheduler does not run yet (design ⚑A23); the requester \
         gets refunded by a claim after the final deadline"
            .to_owned()
    } else {
        String::new()
    };
    Ok(DealRow {
        deal_id,
        app: deal.app.pointer,
        dataset: deal.dataset.pointer,
        requester: deal.requester,
        callback: deal.callback,
        params: deal.params.clone(),
        tag: deal.tag,
        category: small(deal.category),
        trust: small(deal.trust).max(1),
        bot_first: small(deal.botFirst),
        bot_size: small(deal.botSize),
        start_time,
        timeref,
        contribution_deadline: start_time
            .saturating_add(contribution_ratio.saturating_mul(timeref)),
        final_deadline: start_time.saturating_add(final_ratio.saturating_mul(timeref)),
        workerpool_price: small(deal.workerpool.price),
        worker_stake: small(deal.workerStake),
        pool_owner: deal.workerpool.owner,
        skipped,
        block_number: block,
    })
}

//! Reading a deal and its tasks: the deal as `viewDeal` stores it, its category and the
//! deadlines every task of the deal shares, and each task's status, with whether it can be
//! claimed (its final deadline passed before it completed).

use super::{chain_now, status_name};
use crate::{
    client::{Client, rpc},
    error::{ClientError, Result},
};
use poco_contracts::{
    PocoTypes,
    alloy::primitives::{Address, B256, Bytes, U256},
};
use poco_types::{TaskStatus, task_id};
use std::fmt;

/// How many `viewTask` calls run at once when reading a deal's tasks.
const PARALLEL_READS: usize = 32;

/// The times every task of a deal shares, in Unix seconds: the deal's start, the category's
/// reference time (`workClockTimeRef`) and the deadlines derived from them (the hub sets the
/// same ones on each task it initializes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadlines {
    /// When the deal was made.
    pub start_time: u64,
    /// The category's reference time, in seconds.
    pub timeref: u64,
    /// Contributions are accepted until `start_time + contribution ratio × timeref`.
    pub contribution: u64,
    /// Tasks not completed by `start_time + final ratio × timeref` can be claimed.
    pub final_deadline: u64,
}

impl Deadlines {
    /// The deadlines of a deal started at `start_time` in a category of `timeref` seconds,
    /// with the hub's `contribution_deadline_ratio` and `final_deadline_ratio`.
    pub fn new(start_time: u64, timeref: u64, contribution_ratio: u64, final_ratio: u64) -> Self {
        Self {
            start_time,
            timeref,
            contribution: start_time.saturating_add(contribution_ratio.saturating_mul(timeref)),
            final_deadline: start_time.saturating_add(final_ratio.saturating_mul(timeref)),
        }
    }
}

/// Whether a task in `status` whose final deadline is `final_deadline` can be claimed at `now`:
/// it is neither completed nor already claimed, and the deadline passed (`claim` requires
/// `block.timestamp >= finalDeadline`).
pub fn claimable(status: TaskStatus, final_deadline: u64, now: u64) -> bool {
    !status.is_final() && now >= final_deadline
}

/// One task of a deal, as the deal's view lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskSummary {
    /// Its index in the deal (from `botFirst`).
    pub index: U256,
    /// Its id, `keccak256(dealid, index)`.
    pub id: B256,
    /// Its on-chain status (UNSET until initialized).
    pub status: TaskStatus,
    /// Whether it can be claimed now.
    pub claimable: bool,
}

impl TaskSummary {
    /// The SDK's `statusName`: the status, or TIMEOUT for a task past its final deadline that
    /// did not complete (claimable).
    pub fn status_name(&self) -> &'static str {
        if self.claimable {
            "TIMEOUT"
        } else {
            status_name(self.status)
        }
    }
}

/// A deal, its category and deadlines, and the status of each of its tasks, read at `now`.
#[derive(Clone)]
pub struct DealView {
    /// The deal id.
    pub id: B256,
    /// The deal as `viewDeal` returns it.
    pub deal: PocoTypes::Deal,
    /// The deal's category.
    pub category: PocoTypes::Category,
    /// The deadlines its tasks share.
    pub deadlines: Deadlines,
    /// The chain's time when the view was read.
    pub now: u64,
    /// Its tasks, in index order.
    pub tasks: Vec<TaskSummary>,
}

impl DealView {
    /// What the requester (the sponsor) pays per task: app + dataset + workerpool prices.
    pub fn task_price(&self) -> U256 {
        task_price(&self.deal)
    }

    /// Whether the final deadline has passed (the SDK's `deadlineReached`).
    pub fn deadline_reached(&self) -> bool {
        self.now >= self.deadlines.final_deadline
    }

    /// How many tasks are in each state.
    pub fn counts(&self) -> TaskCounts {
        TaskCounts::of(&self.tasks)
    }

    /// Whether the deal can no longer progress: every task is completed, claimed, or claimable.
    /// A watch ends there.
    pub fn is_settled(&self) -> bool {
        self.tasks
            .iter()
            .all(|task| task.status.is_final() || task.claimable)
    }
}

/// How many of a deal's tasks are in each state; a claimable task counts only as claimable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskCounts {
    /// Every task of the deal.
    pub total: usize,
    /// Not initialized yet (and not claimable).
    pub unset: usize,
    /// Accepting contributions (and not claimable).
    pub active: usize,
    /// Consensus reached, revealing (and not claimable).
    pub revealing: usize,
    /// Finalized: results delivered, parties paid.
    pub completed: usize,
    /// Claimed after the deadline: the requester was refunded.
    pub failed: usize,
    /// Past the final deadline and not completed: can be claimed.
    pub claimable: usize,
}

impl TaskCounts {
    /// Counts `tasks`.
    pub fn of(tasks: &[TaskSummary]) -> Self {
        let mut counts = Self {
            total: tasks.len(),
            ..Self::default()
        };
        for task in tasks {
            let slot = if task.claimable {
                &mut counts.claimable
            } else {
                match task.status {
                    TaskStatus::Unset => &mut counts.unset,
                    TaskStatus::Active => &mut counts.active,
                    TaskStatus::Revealing => &mut counts.revealing,
                    TaskStatus::Completed => &mut counts.completed,
                    TaskStatus::Failed => &mut counts.failed,
                }
            };
            *slot += 1;
        }
        counts
    }
}

impl fmt::Display for TaskCounts {
    /// "2/3 tasks completed, 1 active".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = if self.total == 1 { "task" } else { "tasks" };
        write!(f, "{}/{} {noun} completed", self.completed, self.total)?;
        for (count, what) in [
            (self.failed, "claimed (failed)"),
            (self.claimable, "claimable"),
            (self.revealing, "revealing"),
            (self.active, "active"),
            (self.unset, "not started"),
        ] {
            if count > 0 {
                write!(f, ", {count} {what}")?;
            }
        }
        Ok(())
    }
}

/// A task, read at `now`. A task that is not initialized yet reads as zeros on chain: UNSET,
/// with, when its deal is known, the deal id, index and deadlines it will get.
#[derive(Clone)]
pub struct TaskView {
    /// The task id.
    pub id: B256,
    /// The task as `viewTask` returns it (for a task not initialized: zeros, with its deal id,
    /// index and deadlines filled in when the deal is known).
    pub task: PocoTypes::Task,
    /// Its status.
    pub status: TaskStatus,
    /// Whether the hub has initialized it.
    pub initialized: bool,
    /// Its deal; `None` only for a task not initialized whose deal was not given.
    pub deal: Option<PocoTypes::Deal>,
    /// The chain's time when the view was read.
    pub now: u64,
}

impl TaskView {
    /// Whether its deal, hence its deadlines, are known (always, once initialized).
    pub fn deal_known(&self) -> bool {
        self.deal.is_some()
    }

    /// The deal id.
    pub fn deal_id(&self) -> B256 {
        self.task.dealid
    }

    /// The task's index in its deal.
    pub fn index(&self) -> U256 {
        self.task.idx
    }

    /// Its final deadline, in Unix seconds.
    pub fn final_deadline(&self) -> u64 {
        to_u64(self.task.finalDeadline)
    }

    /// Whether it can be claimed now (never while its deadline is unknown).
    pub fn claimable(&self) -> bool {
        self.deal_known() && claimable(self.status, self.final_deadline(), self.now)
    }

    /// Whether the SDK calls it timed out: not completed and past its final deadline.
    pub fn timed_out(&self) -> bool {
        self.deal_known()
            && self.status != TaskStatus::Completed
            && self.now >= self.final_deadline()
    }

    /// The SDK's `statusName` (TIMEOUT for a claimable task).
    pub fn status_name(&self) -> &'static str {
        if self.claimable() {
            "TIMEOUT"
        } else {
            status_name(self.status)
        }
    }

    /// Whether a watch ends here: completed, claimed, or claimable.
    pub fn is_settled(&self) -> bool {
        self.status.is_final() || self.claimable()
    }
}

// The bindings' structs have no `Debug`: show the ids and what changes.
impl fmt::Debug for DealView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DealView")
            .field("id", &self.id)
            .field("deadlines", &self.deadlines)
            .field("now", &self.now)
            .field("tasks", &self.tasks)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for TaskView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskView")
            .field("id", &self.id)
            .field("deal", &self.task.dealid)
            .field("index", &self.task.idx)
            .field("status", &self.status)
            .field("initialized", &self.initialized)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

/// What the sponsor pays per task of `deal`.
pub(crate) fn task_price(deal: &PocoTypes::Deal) -> U256 {
    deal.app
        .price
        .saturating_add(deal.dataset.price)
        .saturating_add(deal.workerpool.price)
}

/// A chain number as seconds (a timestamp past `u64` is "never").
pub(crate) fn to_u64(value: U256) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

/// Reads deal `id` with its category and deadlines; [`ClientError::NoDeal`] when there is none.
pub async fn deal(client: &Client, id: B256) -> Result<DealView> {
    let (deal, category, deadlines) = deal_header(client, id).await?;
    let now = chain_now(client).await?;
    let indices = deal_indices(&deal);
    let statuses = task_statuses(client, id, &indices).await?;
    let tasks = indices
        .into_iter()
        .zip(statuses)
        .map(|(index, (task_id, status))| TaskSummary {
            index,
            id: task_id,
            status,
            claimable: claimable(status, deadlines.final_deadline, now),
        })
        .collect();
    Ok(DealView {
        id,
        deal,
        category,
        deadlines,
        now,
        tasks,
    })
}

/// Reads task `id`. A task that is not initialized reads as zeros on chain: it is shown
/// UNSET, with its deal's id, index and deadlines when its deal is given (`deal_hint`;
/// [`ClientError::TaskNotInDeal`] when it is none of the deal's tasks), else with its deal
/// unknown (`deal: None`: it may also be no task at all).
pub async fn task(client: &Client, id: B256, deal_hint: Option<B256>) -> Result<TaskView> {
    let task = client
        .hub()
        .viewTask(id)
        .call()
        .await
        .map_err(|e| rpc("read the task", e))?;
    if task.dealid != B256::ZERO {
        if let Some(hint) = deal_hint
            && hint != task.dealid
        {
            return Err(ClientError::TaskOfAnotherDeal {
                task: id,
                deal: task.dealid,
                given: hint,
            });
        }
        let status = TaskStatus::try_from(task.status)?;
        let deal = view_deal(client, task.dealid).await?;
        let now = chain_now(client).await?;
        return Ok(TaskView {
            id,
            task,
            status,
            initialized: true,
            deal: Some(deal),
            now,
        });
    }
    let Some(deal_id) = deal_hint else {
        return Ok(TaskView {
            id,
            task,
            status: TaskStatus::Unset,
            initialized: false,
            deal: None,
            now: chain_now(client).await?,
        });
    };
    let (deal, _, deadlines) = deal_header(client, deal_id).await?;
    let index = deal_indices(&deal)
        .into_iter()
        .find(|&index| task_id(deal_id, index) == id)
        .ok_or_else(|| ClientError::TaskNotInDeal {
            task: id,
            deal: deal_id,
            first: to_u64(deal.botFirst),
            count: to_u64(deal.botSize),
        })?;
    let now = chain_now(client).await?;
    Ok(TaskView {
        id,
        task: unset_task(deal_id, index, &deadlines),
        status: TaskStatus::Unset,
        initialized: false,
        deal: Some(deal),
        now,
    })
}

/// What `initialize` would store, before it runs: the deal, the index and the deadlines.
fn unset_task(deal_id: B256, index: U256, deadlines: &Deadlines) -> PocoTypes::Task {
    PocoTypes::Task {
        status: TaskStatus::Unset as u8,
        dealid: deal_id,
        idx: index,
        timeref: U256::from(deadlines.timeref),
        contributionDeadline: U256::from(deadlines.contribution),
        revealDeadline: U256::ZERO,
        finalDeadline: U256::from(deadlines.final_deadline),
        consensusValue: B256::ZERO,
        revealCounter: U256::ZERO,
        winnerCounter: U256::ZERO,
        contributors: Vec::<Address>::new(),
        resultDigest: B256::ZERO,
        results: Bytes::new(),
        resultsTimestamp: U256::ZERO,
        resultsCallback: Bytes::new(),
    }
}

/// `viewDeal`, or [`ClientError::NoDeal`] (the hub returns zeros for an unknown id).
async fn view_deal(client: &Client, id: B256) -> Result<PocoTypes::Deal> {
    let deal = client
        .hub()
        .viewDeal(id)
        .call()
        .await
        .map_err(|e| rpc("read the deal", e))?;
    if deal.app.pointer == Address::ZERO {
        return Err(ClientError::NoDeal {
            id,
            chain: client.chain().name.clone(),
        });
    }
    Ok(deal)
}

/// The deal, its category and its deadlines.
async fn deal_header(
    client: &Client,
    id: B256,
) -> Result<(PocoTypes::Deal, PocoTypes::Category, Deadlines)> {
    let deal = view_deal(client, id).await?;
    let hub = client.hub();
    let category = hub
        .viewCategory(deal.category)
        .call()
        .await
        .map_err(|e| rpc("read the deal's category", e))?;
    let contribution_ratio = hub
        .contribution_deadline_ratio()
        .call()
        .await
        .map_err(|e| rpc("read the hub's contribution deadline ratio", e))?;
    let final_ratio = hub
        .final_deadline_ratio()
        .call()
        .await
        .map_err(|e| rpc("read the hub's final deadline ratio", e))?;
    let deadlines = Deadlines::new(
        to_u64(deal.startTime),
        to_u64(category.workClockTimeRef),
        to_u64(contribution_ratio),
        to_u64(final_ratio),
    );
    Ok((deal, category, deadlines))
}

/// The deal's task indices, `botFirst .. botFirst + botSize`.
fn deal_indices(deal: &PocoTypes::Deal) -> Vec<U256> {
    let size = usize::try_from(deal.botSize).unwrap_or(usize::MAX);
    (0..size)
        .map_while(|offset| deal.botFirst.checked_add(U256::from(offset)))
        .collect()
}

/// The id and status of each task `indices` of deal `deal_id`, read a few at a time.
async fn task_statuses(
    client: &Client,
    deal_id: B256,
    indices: &[U256],
) -> Result<Vec<(B256, TaskStatus)>> {
    let mut statuses = Vec::with_capacity(indices.len());
    for chunk in indices.chunks(PARALLEL_READS) {
        let mut reads = tokio::task::JoinSet::new();
        for (position, &index) in chunk.iter().enumerate() {
            let hub = client.hub();
            let id = task_id(deal_id, index);
            reads.spawn(async move { (position, id, hub.viewTask(id).call().await) });
        }
        let mut read = vec![None; chunk.len()];
        while let Some(joined) = reads.join_next().await {
            let (position, id, task) = joined.map_err(|e| rpc("read the deal's tasks", e))?;
            let task = task.map_err(|e| rpc("read the deal's tasks", e))?;
            read[position] = Some((id, TaskStatus::try_from(task.status)?));
        }
        statuses.extend(read.into_iter().flatten());
    }
    Ok(statuses)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(status: TaskStatus, claimable: bool) -> TaskSummary {
        TaskSummary {
            index: U256::ZERO,
            id: B256::ZERO,
            status,
            claimable,
        }
    }

    #[test]
    fn deadlines_follow_the_hub_ratios() {
        let deadlines = Deadlines::new(1000, 300, 7, 10);
        assert_eq!(deadlines.contribution, 1000 + 2100);
        assert_eq!(deadlines.final_deadline, 1000 + 3000);
        let far = Deadlines::new(u64::MAX - 1, 300, 7, 10);
        assert_eq!(far.final_deadline, u64::MAX);
    }

    #[test]
    fn a_task_is_claimable_from_its_final_deadline_until_it_ends() {
        assert!(!claimable(TaskStatus::Active, 100, 99));
        assert!(claimable(TaskStatus::Active, 100, 100));
        assert!(claimable(TaskStatus::Unset, 100, 150));
        assert!(claimable(TaskStatus::Revealing, 100, 150));
        assert!(!claimable(TaskStatus::Completed, 100, 150));
        assert!(!claimable(TaskStatus::Failed, 100, 150));
    }

    #[test]
    fn counts_read_like_progress() {
        let tasks = [
            summary(TaskStatus::Completed, false),
            summary(TaskStatus::Completed, false),
            summary(TaskStatus::Active, false),
        ];
        assert_eq!(
            TaskCounts::of(&tasks).to_string(),
            "2/3 tasks completed, 1 active"
        );
        let tasks = [
            summary(TaskStatus::Unset, true),
            summary(TaskStatus::Failed, false),
            summary(TaskStatus::Unset, false),
            summary(TaskStatus::Revealing, false),
        ];
        let counts = TaskCounts::of(&tasks);
        assert_eq!((counts.claimable, counts.unset), (1, 1));
        assert_eq!(
            counts.to_string(),
            "0/4 tasks completed, 1 claimed (failed), 1 claimable, 1 revealing, 1 not started"
        );
        assert_eq!(
            TaskCounts::of(&[summary(TaskStatus::Unset, false)]).to_string(),
            "0/1 task completed, 1 not started"
        );
    }

    #[test]
    fn claimable_tasks_are_named_timeout_as_the_sdk_does() {
        assert_eq!(summary(TaskStatus::Active, true).status_name(), "TIMEOUT");
        assert_eq!(summary(TaskStatus::Unset, false).status_name(), "UNSET");
        assert_eq!(summary(TaskStatus::Failed, false).status_name(), "FAILED");
    }
}

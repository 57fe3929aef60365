//! The chain log follower: a task that reads the logs the caller asks for (`eth_getLogs` with
//! the caller's filters), block range after block range up to head − `confirmations`, and
//! hands each range to the caller's [`LogSink::apply`] together with a database transaction in
//! which the follower also moves its position: a range's effects and the new position commit
//! together, so each range is applied exactly once, across crashes and restarts (the pattern
//! of the market's watcher).
//!
//! The caller's migration creates the position table (one row per chain):
//!
//! ```sql
//! CREATE TABLE follower (chain_id BIGINT NOT NULL PRIMARY KEY, last_block BIGINT NOT NULL);
//! ```
//!
//! A fresh database starts at [`Start`] (the head, or a given block). A failure (node, sink,
//! database) is logged and the range retried after a pause that doubles from `poll_interval`
//! up to [`MAX_BACKOFF`], the range halved each time (down to one block; it grows back after a
//! success), in case the node limits log queries.
//!
//! **Rewind** (design ⚑A24): when the chain's head is below the position (a dev chain
//! restarted from an older state, a replaced chain), the follower moves its position back to
//! the head and calls [`LogSink::rewound`] in the same transaction, so the caller can
//! reconcile what it derived from blocks that no longer exist. Reorganizations shallower than
//! the position are not detected: set `confirmations` to what the chain may reorganize.

use crate::{
    db::{Pool, Sql, Transaction, big, small},
    error::Result,
};
use poco_client::Client;
use poco_contracts::alloy::{
    providers::Provider,
    rpc::types::{Filter, Log},
};
use sqlx::Row;
use std::{future::Future, ops::RangeInclusive, pin::Pin, sync::Arc, time::Duration};
use tokio::{sync::watch, task::JoinHandle};

/// The most blocks one range spans by default.
pub const MAX_RANGE: u64 = 2000;

/// The longest pause after failures.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// A boxed future, as [`LogSink`]'s methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a fresh database starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// After the chain's current head: only new blocks.
    Head,
    /// At this block (it is the first one processed).
    Block(u64),
}

/// What to follow and how.
#[derive(Clone, Debug)]
pub struct FollowConfig {
    /// The chain id: the position row's key.
    pub chain_id: u64,
    /// The logs wanted: one `eth_getLogs` per filter per range (each filter's own block range
    /// is replaced), merged in chain order. Several filters express what one cannot, such as
    /// one event filtered on an indexed topic and others not.
    pub filters: Vec<Filter>,
    /// Blocks left unprocessed below the head (0 on a dev chain).
    pub confirmations: u64,
    /// How often the head is polled when idle.
    pub poll_interval: Duration,
    /// The most blocks one range spans.
    pub max_range: u64,
    /// Where a fresh database starts.
    pub start: Start,
}

impl FollowConfig {
    /// Following `filters` on `chain_id` from the head, 0 confirmations, polling every 200 ms.
    pub fn new(chain_id: u64, filters: Vec<Filter>) -> Self {
        FollowConfig {
            chain_id,
            filters,
            confirmations: 0,
            poll_interval: Duration::from_millis(200),
            max_range: MAX_RANGE,
            start: Start::Head,
        }
    }

    /// Sets the confirmations.
    pub fn with_confirmations(mut self, confirmations: u64) -> Self {
        self.confirmations = confirmations;
        self
    }

    /// Sets the poll interval.
    pub fn with_poll_interval(mut self, poll_interval: Duration) -> Self {
        self.poll_interval = poll_interval;
        self
    }

    /// Sets the largest range.
    pub fn with_max_range(mut self, max_range: u64) -> Self {
        self.max_range = max_range.max(1);
        self
    }

    /// Sets where a fresh database starts.
    pub fn with_start(mut self, start: Start) -> Self {
        self.start = start;
        self
    }
}

/// The caller's side: what a range of logs means for its database.
pub trait LogSink: Send + Sync + 'static {
    /// The caller's error (logged, then the range is retried).
    type Error: std::fmt::Display + Send + 'static;

    /// Applies the logs of `range` (in chain order; maybe none) within `tx`. Returning an error
    /// rolls the transaction back, and the range is retried later. Must not commit `tx`.
    fn apply<'a>(
        &'a self,
        range: RangeInclusive<u64>,
        logs: &'a [Log],
        tx: &'a mut Transaction,
    ) -> BoxFuture<'a, Result<(), Self::Error>>;

    /// The chain's head `head` is below the position `last`: the follower moves back to
    /// `head`, in `tx`. Default: nothing else.
    fn rewound<'a>(
        &'a self,
        _last: u64,
        _head: u64,
        _tx: &'a mut Transaction,
    ) -> BoxFuture<'a, Result<(), Self::Error>> {
        Box::pin(async { Ok(()) })
    }

    /// Called after a range committed (outside the transaction): wake whatever waits on it.
    fn committed(&self, _to: u64) {}
}

/// The running follower.
#[derive(Debug)]
pub struct LogFollower {
    stop: watch::Sender<bool>,
    position: watch::Receiver<u64>,
    client: Client,
    confirmations: u64,
    task: Option<JoinHandle<()>>,
}

impl LogFollower {
    /// Sets the position of a fresh database (per `config.start`), then follows in a task.
    pub async fn start<S: LogSink>(
        client: Client,
        pool: Pool,
        config: FollowConfig,
        sink: Arc<S>,
    ) -> Result<Self> {
        let fresh = match config.start {
            Start::Head => head(&client).await?,
            Start::Block(first) => first.saturating_sub(1),
        };
        let last = store::start(&pool, config.chain_id, fresh).await?;
        tracing::info!(
            "log follower (chain {}): blocks after {last}, {} confirmations, every {:?}",
            config.chain_id,
            config.confirmations,
            config.poll_interval
        );
        let (stop, stopped) = watch::channel(false);
        let (moved, position) = watch::channel(last);
        let confirmations = config.confirmations;
        let task = tokio::spawn(run(
            Follow {
                client: client.clone(),
                pool,
                config,
                sink,
            },
            last,
            stopped,
            moved,
        ));
        Ok(LogFollower {
            stop,
            position,
            client,
            confirmations,
            task: Some(task),
        })
    }

    /// The last block processed.
    pub fn position(&self) -> u64 {
        *self.position.borrow()
    }

    /// A receiver of the position as it moves.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.position.clone()
    }

    /// Waits until every block confirmed now (head − confirmations) is processed; returns the
    /// position. For "reconcile before opening the API".
    pub async fn catch_up(&self) -> Result<u64> {
        let target = head(&self.client).await?.saturating_sub(self.confirmations);
        let mut position = self.position.clone();
        let reached = position
            .wait_for(|p| *p >= target)
            .await
            .map(|p| *p)
            .unwrap_or_else(|_| self.position());
        Ok(reached)
    }

    /// Stops the task (between two ranges, or at once when waiting) and waits for it.
    pub async fn stop(mut self) {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Stops the task without waiting (a crash, for tests).
    pub fn abort(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Drop for LogFollower {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

/// The chain's head.
async fn head(client: &Client) -> Result<u64> {
    client
        .provider()
        .get_block_number()
        .await
        .map_err(|e| poco_client::ClientError::Rpc {
            what: "read the newest block number".into(),
            cause: e.to_string(),
        })
        .map_err(Into::into)
}

/// What the task works with.
struct Follow<S> {
    client: Client,
    pool: Pool,
    config: FollowConfig,
    sink: Arc<S>,
}

/// What one step did.
enum Step {
    /// Processed up to this block.
    Advanced(u64),
    /// Nothing new is confirmed.
    Idle,
    /// Another follower moved the position (to this block).
    Moved(u64),
}

/// Why a step failed.
enum StepError<E> {
    /// Ours (node, database).
    Ours(crate::ServiceError),
    /// The sink's.
    Sink(E),
}

impl<E: std::fmt::Display> std::fmt::Display for StepError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::Ours(e) => e.fmt(f),
            StepError::Sink(e) => e.fmt(f),
        }
    }
}

impl<E> From<crate::ServiceError> for StepError<E> {
    fn from(e: crate::ServiceError) -> Self {
        StepError::Ours(e)
    }
}

impl<E> From<sqlx::Error> for StepError<E> {
    fn from(e: sqlx::Error) -> Self {
        StepError::Ours(e.into())
    }
}

/// The task: steps until stopped.
async fn run<S: LogSink>(
    follow: Follow<S>,
    mut last: u64,
    mut stopped: watch::Receiver<bool>,
    moved: watch::Sender<u64>,
) {
    let poll = follow.config.poll_interval;
    let max_range = follow.config.max_range.max(1);
    let mut span = max_range;
    let mut backoff = poll;
    loop {
        if *stopped.borrow() {
            return;
        }
        let pause = match follow.step(last, span).await {
            Ok(Step::Advanced(to)) => {
                last = to;
                // The sink hears first: whoever sees the position move knows it was told.
                follow.sink.committed(to);
                moved.send_replace(to);
                span = span.saturating_mul(2).min(max_range);
                backoff = poll;
                continue;
            }
            Ok(Step::Moved(to)) => {
                tracing::info!("log follower: the position moved to block {to} meanwhile");
                last = to;
                moved.send_replace(to);
                continue;
            }
            Ok(Step::Idle) => {
                backoff = poll;
                poll
            }
            Err(e) => {
                tracing::warn!(
                    "log follower: blocks after {last} not processed, retrying in {backoff:?}: {e}"
                );
                span = (span / 2).max(1);
                let pause = backoff;
                backoff = backoff.saturating_mul(2).min(MAX_BACKOFF);
                pause
            }
        };
        tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => return,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

impl<S: LogSink> Follow<S> {
    /// Processes the next range after `last` (at most `span` blocks), if one is confirmed.
    async fn step(&self, last: u64, span: u64) -> Result<Step, StepError<S::Error>> {
        let chain_id = self.config.chain_id;
        let head = head(&self.client).await?;
        if head < last {
            tracing::warn!(
                "log follower: the chain's newest block ({head}) is below the last block \
                 processed ({last}): the chain was reset or replaced; following again from \
                 block {head}"
            );
            let mut tx = self.pool.begin().await?;
            if !store::advance(&mut tx, chain_id, last, head).await? {
                tx.rollback().await?;
                let now = store::start(&self.pool, chain_id, last).await?;
                return Ok(Step::Moved(now));
            }
            self.sink
                .rewound(last, head, &mut tx)
                .await
                .map_err(StepError::Sink)?;
            tx.commit().await?;
            return Ok(Step::Moved(head));
        }
        let target = head.saturating_sub(self.config.confirmations);
        if target <= last {
            return Ok(Step::Idle);
        }
        let from = last + 1;
        let to = target.min(last.saturating_add(span.max(1)));
        let logs = self.logs(from, to).await?;
        let mut tx = self.pool.begin().await?;
        // The position moves first, and only from `last`: on SQLite the first write takes the
        // write lock at once, and a second follower on the same database applies nothing.
        if !store::advance(&mut tx, chain_id, last, to).await? {
            tx.rollback().await?;
            let now = store::start(&self.pool, chain_id, last).await?;
            return Ok(Step::Moved(now));
        }
        self.sink
            .apply(from..=to, &logs, &mut tx)
            .await
            .map_err(StepError::Sink)?;
        tx.commit().await?;
        Ok(Step::Advanced(to))
    }

    /// The logs of blocks `from..=to` matching any filter, in chain order, each once.
    async fn logs(&self, from: u64, to: u64) -> Result<Vec<Log>> {
        let mut logs = Vec::new();
        for filter in &self.config.filters {
            let filter = filter.clone().from_block(from).to_block(to);
            let found = self
                .client
                .provider()
                .get_logs(&filter)
                .await
                .map_err(|e| poco_client::ClientError::Rpc {
                    what: format!("read the logs of blocks {from}..={to}"),
                    cause: e.to_string(),
                })?;
            logs.extend(found);
        }
        let key = |log: &Log| {
            (
                log.block_number.unwrap_or_default(),
                log.log_index.unwrap_or_default(),
            )
        };
        logs.sort_by_key(key);
        logs.dedup_by(|a, b| key(a) == key(b));
        Ok(logs)
    }
}

/// The `follower` table.
mod store {
    use super::*;

    /// The last block processed on `chain_id`, if any.
    pub(super) async fn position(pool: &Pool, chain_id: u64) -> Result<Option<u64>> {
        let mut sql = Sql::new("SELECT last_block FROM follower WHERE chain_id = ");
        sql.int(big("chain id", chain_id)?);
        let Some(row) = sql.query().fetch_optional(pool).await? else {
            return Ok(None);
        };
        Ok(Some(small(
            "follower.last_block",
            row.try_get::<i64, _>("last_block")?,
        )?))
    }

    /// The position, set to `last` first when there is none.
    pub(super) async fn start(pool: &Pool, chain_id: u64, last: u64) -> Result<u64> {
        let mut sql = Sql::new("INSERT INTO follower (chain_id, last_block) VALUES (");
        sql.int(big("chain id", chain_id)?)
            .push(", ")
            .int(big("block number", last)?)
            .push(") ON CONFLICT (chain_id) DO NOTHING");
        sql.query().execute(pool).await?;
        Ok(position(pool, chain_id).await?.unwrap_or(last))
    }

    /// Moves the position from `from` to `to` in `tx`; false when it was not at `from`.
    pub(super) async fn advance(
        tx: &mut Transaction,
        chain_id: u64,
        from: u64,
        to: u64,
    ) -> Result<bool> {
        let mut sql = Sql::new("UPDATE follower SET last_block = ");
        sql.int(big("block number", to)?)
            .push(" WHERE chain_id = ")
            .int(big("chain id", chain_id)?)
            .push(" AND last_block = ")
            .int(big("block number", from)?);
        Ok(sql.query().execute(&mut **tx).await?.rows_affected() == 1)
    }
}

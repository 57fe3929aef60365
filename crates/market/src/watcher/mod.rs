//! The chain watcher: a task, started with the market and stopped with it, that keeps every
//! order of the book true to the chain, records the deals and the new categories, and tells
//! the live stream what changed.
//!
//! It polls the node every `poll_interval`, and processes the blocks after the last one it
//! processed (the `watcher` table) up to head − `confirmations`, in ranges of at most
//! [`MAX_RANGE`] blocks. For each range: one `eth_getLogs` ([`logs`]), the touched orders
//! re-derived from the chain read at the range's last block ([`apply`], [`chain`]), and one
//! database transaction that writes the effects and the new position together ([`store`]), so
//! a range is applied exactly once, across restarts too. A fresh database starts at
//! `from_block`, or at the head when the market first starts.
//!
//! A failure to read the chain (or to write the database) is logged and the range retried,
//! after a pause that doubles from `poll_interval` up to [`MAX_BACKOFF`], with a range half as
//! long each time (down to one block; it grows back after each success), in case the node
//! limits the size of log queries. The watcher never stops the market.
//!
//! Reorganizations deeper than `confirmations` are not undone: set `confirmations` to what the
//! chain may reorganize.

mod apply;
mod chain;
mod logs;
mod store;

use crate::{
    error::Result,
    server::AppState,
    stream::{Change, Topic},
};
use logs::Registries;
use std::{sync::Arc, time::Duration};
use tokio::{sync::watch, task::JoinHandle};

/// The most blocks one range spans.
pub(crate) const MAX_RANGE: u64 = 2000;

/// The longest pause after failures.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The running watcher.
#[derive(Debug)]
pub(crate) struct Watcher {
    stop: watch::Sender<bool>,
    position: watch::Receiver<u64>,
    task: Option<JoinHandle<()>>,
}

impl Watcher {
    /// Sets the position of a fresh database (`from_block`, or the head), then starts.
    pub(crate) async fn start(state: Arc<AppState>) -> Result<Self> {
        let registries = Registries::read(&state.client).await?;
        let config = &state.config;
        let fresh = match config.from_block {
            Some(first) => first.saturating_sub(1),
            None => chain::head(&state.client).await?,
        };
        let last = store::start(&state.pool, config.chain_id, fresh).await?;
        tracing::info!(
            "chain watcher: blocks after {last} (confirmations: {}, every {:?})",
            config.confirmations,
            config.poll_interval
        );
        let (stop, stopped) = watch::channel(false);
        let (moved, position) = watch::channel(last);
        let task = tokio::spawn(run(state, registries, last, stopped, moved));
        Ok(Self {
            stop,
            position,
            task: Some(task),
        })
    }

    /// The last block processed.
    pub(crate) fn position(&self) -> u64 {
        *self.position.borrow()
    }

    /// Asks the task to stop (it stops between two ranges, or at once when waiting).
    pub(crate) fn signal_stop(&self) {
        self.stop.send_replace(true);
    }

    /// Stops the task and waits for it.
    pub(crate) async fn stop(mut self) {
        self.signal_stop();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.signal_stop();
    }
}

/// What one step did.
enum Step {
    /// Processed up to this block.
    Advanced(u64),
    /// Nothing new is confirmed.
    Idle,
    /// The chain's head is below the position: the chain was reset or replaced.
    Behind(u64),
    /// Another watcher moved the position (to this block).
    Moved(u64),
}

/// The task: steps until stopped.
async fn run(
    state: Arc<AppState>,
    registries: Registries,
    mut last: u64,
    mut stopped: watch::Receiver<bool>,
    moved: watch::Sender<u64>,
) {
    let poll = state.config.poll_interval;
    let mut span = MAX_RANGE;
    let mut backoff = poll;
    let mut warned = false;
    loop {
        if *stopped.borrow() {
            return;
        }
        let pause = match step(&state, registries, last, span).await {
            Ok(Step::Advanced(to)) => {
                last = to;
                moved.send_replace(to);
                span = span.saturating_mul(2).min(MAX_RANGE);
                backoff = poll;
                continue;
            }
            Ok(Step::Moved(to)) => {
                tracing::info!("chain watcher: another watcher processed up to block {to}");
                last = to;
                moved.send_replace(to);
                continue;
            }
            Ok(Step::Idle) => {
                backoff = poll;
                warned = false;
                poll
            }
            Ok(Step::Behind(head)) => {
                if !warned {
                    tracing::warn!(
                        "chain watcher: the chain's newest block ({head}) is below the last \
                         block processed ({last}): was the chain reset? The book is of the \
                         chain it followed; start the market on a fresh database to follow \
                         this one. Waiting for block {}",
                        last + 1
                    );
                    warned = true;
                }
                poll
            }
            Err(e) => {
                tracing::warn!(
                    "chain watcher: blocks after {last} not processed, retrying in {backoff:?}: \
                     {e}"
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

/// Processes the next range after `last` (at most `span` blocks), if any is confirmed.
async fn step(state: &AppState, registries: Registries, last: u64, span: u64) -> Result<Step> {
    let config = &state.config;
    let head = chain::head(&state.client).await?;
    if head < last {
        return Ok(Step::Behind(head));
    }
    let target = head.saturating_sub(config.confirmations);
    if target <= last {
        return Ok(Step::Idle);
    }
    let from = last + 1;
    let to = target.min(last.saturating_add(span.max(1)));
    let changes = logs::fetch(&state.client, &registries, from, to).await?;
    let effects = if changes.is_empty() {
        apply::Effects::default()
    } else {
        apply::effects(state, registries, &changes, to).await?
    };
    let Some(committed) = store::commit(&state.pool, config.chain_id, last, to, &effects).await?
    else {
        // (A missing row is written again at `last`.)
        let now = store::start(&state.pool, config.chain_id, last).await?;
        return Ok(Step::Moved(now));
    };
    for update in committed.updated {
        tracing::debug!(
            "chain watcher: {} {} is {} ({} left)",
            update.kind,
            update.hash,
            update.status,
            update.remaining
        );
        state
            .events
            .order(update.kind, Change::Updated, update.shown.clone());
    }
    for deal in committed.created {
        state
            .events
            .send(Topic::Deal, Change::Created, deal.json(config.chain_id));
    }
    Ok(Step::Advanced(to))
}

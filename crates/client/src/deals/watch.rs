//! Watching a deal or a task: read it again every interval until it can no longer progress
//! (every task completed, claimed, or claimable past its final deadline), reporting each read.
//! A task never initialized becomes claimable at the deal's final deadline, so every watch
//! ends by then. A read that fails because the node is briefly unreachable is retried.

use super::view::{self, DealView, TaskView};
use crate::{
    client::Client,
    error::{ClientError, Result},
};
use poco_contracts::alloy::primitives::B256;
use std::{future::Future, time::Duration};

/// The SDK's polling interval.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(2);

/// Failed reads in a row a watch tolerates before giving up.
const MAX_FAILED_READS: u32 = 5;

/// Reads deal `id` every `interval`, calling `on_update` with each read, until
/// [`DealView::is_settled`]; returns the last read.
pub async fn watch_deal(
    client: &Client,
    id: B256,
    interval: Duration,
    on_update: impl FnMut(&DealView),
) -> Result<DealView> {
    watch(
        interval,
        || view::deal(client, id),
        DealView::is_settled,
        on_update,
    )
    .await
}

/// Reads task `id` (of deal `deal_hint`, needed while it is not initialized:
/// [`ClientError::TaskNotInitialized`] otherwise) every `interval`, calling `on_update` with
/// each read, until [`TaskView::is_settled`]; returns the last read.
pub async fn watch_task(
    client: &Client,
    id: B256,
    deal_hint: Option<B256>,
    interval: Duration,
    on_update: impl FnMut(&TaskView),
) -> Result<TaskView> {
    // Without its deal, a task that never starts has no deadline to end the watch.
    let read = || async move {
        let view = view::task(client, id, deal_hint).await?;
        if view.deal_known() {
            Ok(view)
        } else {
            Err(ClientError::TaskNotInitialized(id))
        }
    };
    watch(interval, read, TaskView::is_settled, on_update).await
}

async fn watch<T, F, Fut>(
    interval: Duration,
    mut read: F,
    settled: fn(&T) -> bool,
    mut on_update: impl FnMut(&T),
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut failed = 0;
    let mut seen_once = false;
    loop {
        match read().await {
            Ok(value) => {
                failed = 0;
                seen_once = true;
                on_update(&value);
                if settled(&value) {
                    return Ok(value);
                }
            }
            // Only a watch that already read once retries: a first failure is a wrong id or
            // a chain that is down, which the user should hear about at once.
            Err(error) if seen_once && transient(&error) && failed < MAX_FAILED_READS => {
                failed += 1;
                tracing::warn!("watch: read failed ({error}), retrying");
            }
            Err(error) => return Err(error),
        }
        tokio::time::sleep(interval).await;
    }
}

/// Errors of the node or the network, which may pass.
fn transient(error: &ClientError) -> bool {
    matches!(
        error,
        ClientError::ChainUnreachable { .. } | ClientError::Rpc { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn down() -> ClientError {
        ClientError::Rpc {
            what: "read".to_owned(),
            cause: "connection reset".to_owned(),
        }
    }

    #[tokio::test]
    async fn a_watch_reads_until_settled_and_reports_each_read() {
        let reads = Cell::new(0u32);
        let mut seen = Vec::new();
        let last = watch(
            Duration::from_millis(1),
            || {
                reads.set(reads.get() + 1);
                let n = reads.get();
                async move { Ok(n) }
            },
            |n: &u32| *n >= 3,
            |n| seen.push(*n),
        )
        .await
        .expect("settles");
        assert_eq!((last, seen), (3, vec![1, 2, 3]));
    }

    #[tokio::test]
    async fn a_watch_survives_a_brief_outage_but_not_a_first_failure() {
        let reads = Cell::new(0u32);
        let last = watch(
            Duration::from_millis(1),
            || {
                reads.set(reads.get() + 1);
                let n = reads.get();
                async move { if n == 2 { Err(down()) } else { Ok(n) } }
            },
            |n: &u32| *n >= 3,
            |_| {},
        )
        .await
        .expect("retries");
        assert_eq!(last, 3);

        let first = watch(
            Duration::from_millis(1),
            || async { Err::<u32, _>(down()) },
            |_| true,
            |_| {},
        )
        .await;
        assert!(matches!(first, Err(ClientError::Rpc { .. })));
    }
}

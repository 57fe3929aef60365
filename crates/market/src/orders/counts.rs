//! The `count` of the book queries, remembered between changes of the book. Counting means
//! visiting every matching index entry: with 100,000 open orders, the workerpool orderbook of
//! one category matches thousands, which costs ~0.7 ms on SQLite and ~4 ms on PostgreSQL per
//! query, most of a query's cost (see docs/benchmarks.md). The page itself is always read
//! fresh; only the total is remembered.
//!
//! A count of a kind's orders is kept with the version of those orders when it was computed:
//! the id of the newest live-stream event about them ([`crate::stream::Events::newest_of`];
//! for a query within one category, about that category's orders or orders of an unknown
//! category). Every write to the book (publish, unpublish, the chain watcher's updates)
//! announces itself there right after it commits, so a count is served only while none of
//! the orders it counts may have been written since, and at most [`MAX_AGE`] after it was
//! computed (a bound for writes this market does not see: another market process on the
//! same PostgreSQL database). When a count is missing, one request computes it and the
//! others asking for the same count meanwhile wait for it rather than count too.

use poco_types::OrderKind;
use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

/// How long a count may be served without a write of this market invalidating it.
pub const MAX_AGE: Duration = Duration::from_secs(1);

/// How many distinct queries are remembered per kind (the table is emptied when full, which
/// also forgets the counts of old versions).
const CAPACITY: usize = 4096;

/// Counts by query, per kind of order.
#[derive(Debug, Default)]
pub struct Counts([Mutex<Table>; 4]);

/// One kind's counts, each with the version of the orders it counts and when it was computed.
#[derive(Debug, Default)]
struct Table {
    entries: HashMap<String, (u64, Instant, i64)>,
    /// The counts being computed, one computation per query.
    flights: HashMap<String, Arc<tokio::sync::Mutex<()>>>,
}

impl Counts {
    fn table(&self, kind: OrderKind) -> MutexGuard<'_, Table> {
        let slot = match kind {
            OrderKind::App => 0,
            OrderKind::Dataset => 1,
            OrderKind::Workerpool => 2,
            OrderKind::Request => 3,
        };
        self.0[slot].lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The count of `query` (on `kind`'s orders) remembered for `version`, if fresh.
    pub fn get(&self, kind: OrderKind, version: u64, query: &str) -> Option<i64> {
        let table = self.table(kind);
        let (counted, at, count) = table.entries.get(query)?;
        (*counted == version && at.elapsed() < MAX_AGE).then_some(*count)
    }

    /// Remembers `count` for `query`, computed on `kind`'s orders at `version` (read before the
    /// count). A count older than the remembered ones is dropped.
    pub fn put(&self, kind: OrderKind, version: u64, query: String, count: i64) {
        let mut table = self.table(kind);
        if table
            .entries
            .get(&query)
            .is_some_and(|(counted, _, _)| *counted > version)
        {
            return;
        }
        if table.entries.len() >= CAPACITY {
            table.entries.clear();
        }
        table
            .entries
            .insert(query, (version, Instant::now(), count));
    }

    /// The count of `query` on `kind`'s orders: remembered for the current `version()`, or
    /// computed by `count` (once for all the requests that ask meanwhile) and remembered.
    pub async fn get_or_count<E, Fut>(
        &self,
        kind: OrderKind,
        version: impl Fn() -> u64,
        query: String,
        count: impl FnOnce() -> Fut,
    ) -> Result<i64, E>
    where
        Fut: Future<Output = Result<i64, E>>,
    {
        if let Some(known) = self.get(kind, version(), &query) {
            return Ok(known);
        }
        let flight = {
            let mut table = self.table(kind);
            if table.flights.len() >= CAPACITY {
                table.flights.clear();
            }
            table.flights.entry(query.clone()).or_default().clone()
        };
        let _turn = flight.lock().await;
        // Read before counting: a write committed after this read changes it.
        let now = version();
        if let Some(known) = self.get(kind, now, &query) {
            return Ok(known);
        }
        let counted = count().await;
        let mut table = self.table(kind);
        table.flights.remove(&query);
        drop(table);
        let counted = counted?;
        self.put(kind, now, query, counted);
        Ok(counted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: OrderKind = OrderKind::Workerpool;

    #[test]
    fn a_count_is_served_only_for_its_version_and_while_fresh() {
        let counts = Counts::default();
        assert_eq!(counts.get(KIND, 7, "q"), None);
        counts.put(KIND, 7, "q".into(), 42);
        assert_eq!(counts.get(KIND, 7, "q"), Some(42));
        assert_eq!(counts.get(KIND, 7, "other"), None);
        assert_eq!(counts.get(OrderKind::App, 7, "q"), None, "kinds are apart");
        // A write happened: version 8.
        assert_eq!(counts.get(KIND, 8, "q"), None);
        // A count computed before the write arrives late: dropped.
        counts.put(KIND, 8, "q".into(), 41);
        counts.put(KIND, 7, "q".into(), 42);
        assert_eq!(counts.get(KIND, 8, "q"), Some(41));
        assert_eq!(counts.get(KIND, 7, "q"), None);
        // Too old.
        let long_ago = Instant::now()
            .checked_sub(MAX_AGE + Duration::from_millis(1))
            .expect("the machine has been up for more than a second");
        counts
            .table(KIND)
            .entries
            .insert("old".into(), (8, long_ago, 1));
        assert_eq!(counts.get(KIND, 8, "old"), None);
    }

    #[test]
    fn the_table_is_bounded() {
        let counts = Counts::default();
        for i in 0..=CAPACITY {
            counts.put(KIND, 1, format!("q{i}"), 1);
        }
        assert!(counts.table(KIND).entries.len() <= CAPACITY);
        assert_eq!(counts.get(KIND, 1, &format!("q{CAPACITY}")), Some(1));
    }

    #[tokio::test]
    async fn one_request_counts_for_all_that_ask_meanwhile() {
        let counts = Arc::new(Counts::default());
        let computed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let counts = counts.clone();
            let computed = computed.clone();
            tasks.push(tokio::spawn(async move {
                counts
                    .get_or_count::<(), _>(
                        KIND,
                        || 3,
                        "q".into(),
                        || async move {
                            computed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Ok(5)
                        },
                    )
                    .await
            }));
        }
        for task in tasks {
            assert_eq!(task.await.expect("a task"), Ok(5));
        }
        assert_eq!(computed.load(std::sync::atomic::Ordering::SeqCst), 1);
        // Another version: counted again.
        let again = counts
            .get_or_count::<(), _>(KIND, || 4, "q".into(), || async { Ok(6) })
            .await;
        assert_eq!(again, Ok(6));
    }
}

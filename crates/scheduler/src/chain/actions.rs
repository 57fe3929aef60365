//! The pool owner's transactions (design §2.5): `initializeArray`, `reopen`, `finalize`,
//! `claimArray` and `initializeAndClaimArray`, sent through the transaction queue on their own
//! task so the engine never waits for a block. Each is simulated first: a revert is not an
//! error, it means the chain moved; the tasks are read again either way, and a failed one is
//! not retried for a moment.

use crate::engine::{Shared, now_ms};
use alloy_primitives::{B256, Bytes, U256};
use poco_client::Tx;
use poco_types::core::CoreTaskStatus;
use std::sync::Arc;

/// A transaction for some tasks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// `initializeArray(deals, indexes)`.
    Initialize(Vec<(B256, B256, u64)>),
    /// `reopen(task)`.
    Reopen(B256),
    /// `finalize(task, results, resultsCallback)`.
    Finalize {
        /// The task.
        task: B256,
        /// The result link's bytes.
        results: Bytes,
        /// The callback data (empty without a callback).
        callback: Bytes,
    },
    /// `claimArray(tasks)`.
    Claim(Vec<B256>),
    /// `initializeAndClaimArray(deals, indexes)`.
    InitializeAndClaim(Vec<(B256, B256, u64)>),
}

impl Call {
    /// The tasks it is for.
    pub fn tasks(&self) -> Vec<B256> {
        match self {
            Call::Initialize(list) | Call::InitializeAndClaim(list) => {
                list.iter().map(|(task, _, _)| *task).collect()
            }
            Call::Reopen(task) | Call::Finalize { task, .. } => vec![*task],
            Call::Claim(tasks) => tasks.clone(),
        }
    }

    fn tx(&self, shared: &Shared) -> Tx<'static> {
        let hub = shared.client().hub();
        let split = |list: &[(B256, B256, u64)]| -> (Vec<B256>, Vec<U256>) {
            list.iter()
                .map(|(_, deal, idx)| (*deal, U256::from(*idx)))
                .unzip()
        };
        match self {
            Call::Initialize(list) => {
                let (deals, indexes) = split(list);
                Tx::new(
                    format!("initialize {} task(s)", list.len()),
                    hub.initializeArray(deals, indexes)
                        .into_transaction_request(),
                )
            }
            Call::InitializeAndClaim(list) => {
                let (deals, indexes) = split(list);
                Tx::new(
                    format!("initialize and claim {} task(s)", list.len()),
                    hub.initializeAndClaimArray(deals, indexes)
                        .into_transaction_request(),
                )
            }
            Call::Reopen(task) => Tx::new(
                format!("reopen task {task}"),
                hub.reopen(*task).into_transaction_request(),
            ),
            Call::Finalize {
                task,
                results,
                callback,
            } => Tx::new(
                format!("finalize task {task}"),
                hub.finalize(*task, results.clone(), callback.clone())
                    .into_transaction_request(),
            ),
            Call::Claim(tasks) => Tx::new(
                format!("claim {} task(s)", tasks.len()),
                hub.claimArray(tasks.clone()).into_transaction_request(),
            ),
        }
    }
}

/// Sends `call` on its own task. The tasks are marked in flight until the outcome; then they
/// are read from the chain again (and, after a failure, left alone for a moment).
pub fn send(shared: &Arc<Shared>, call: Call) {
    let tasks = call.tasks();
    if tasks.is_empty() {
        return;
    }
    shared.set_in_flight(&tasks);
    let tx = call.tx(shared);
    let shared = shared.clone();
    tokio::spawn(async move {
        let what = tx.what().to_owned();
        let outcome = shared.txq.send(tx).await;
        let failed = match &outcome {
            Ok(_) => {
                tracing::info!("scheduler: {what}: mined");
                if let Call::Finalize { task, .. } = &call {
                    let _guard = shared.lock.lock().await;
                    if let Err(e) = shared
                        .store
                        .set_task_status(*task, CoreTaskStatus::Finalized, now_ms())
                        .await
                    {
                        tracing::warn!("scheduler: cannot record {what}: {e}");
                    }
                }
                false
            }
            Err(e) if e.is_revert() => {
                tracing::info!("scheduler: {what}: not sent, the chain moved on: {e}");
                true
            }
            Err(e) => {
                tracing::warn!("scheduler: {what}: {e}");
                true
            }
        };
        for task in &tasks {
            if let Err(e) = crate::chain::reconcile::reconcile(&shared, *task).await {
                tracing::warn!("scheduler: cannot read task {task} after {what}: {e}");
                shared.wake([*task]);
            }
        }
        shared.settle(&tasks, failed);
        shared.bump();
    });
}

//! One transaction queue per signing account (design §2.5). The client asks the node for the
//! account's nonce each time it sends, so two transactions sent at once from one key would get
//! the same nonce: a [`TxQueue`] owns the account's [`Client`] and sends the transactions it is
//! given one at a time, in order, each simulated first (a revert comes back explained and
//! costs nothing), then sent and awaited. Each caller gets its own receipt or error.
//!
//! A transaction whose caller stopped waiting (dropped the future) before its turn is not
//! sent. [`TxQueue::stop`] lets the transaction being sent finish; the ones still queued get
//! [`ServiceError::QueueStopped`].

use crate::error::{Result, ServiceError};
use alloy_primitives::Address;
use poco_client::{Client, Tx};
use poco_contracts::alloy::rpc::types::TransactionReceipt;
use std::sync::{Arc, Mutex};
use tokio::{
    sync::{mpsc, oneshot, watch},
    task::JoinHandle,
};

/// One queued transaction and where its outcome goes.
struct Job {
    tx: Tx<'static>,
    reply: oneshot::Sender<Result<TransactionReceipt>>,
}

/// A handle on an account's transaction queue; clones share the queue.
#[derive(Clone)]
pub struct TxQueue {
    jobs: mpsc::UnboundedSender<Job>,
    client: Client,
    address: Address,
    stop: watch::Sender<bool>,
    task: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl std::fmt::Debug for TxQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TxQueue")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl TxQueue {
    /// Starts the queue of `client`'s wallet (the client must have one).
    pub fn start(client: Client) -> Result<Self> {
        let address = client
            .address()
            .map_err(|e| ServiceError::NoWallet(e.to_string()))?;
        let (jobs, queued) = mpsc::unbounded_channel();
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(client.clone(), queued, stopped));
        Ok(TxQueue {
            jobs,
            client,
            address,
            stop,
            task: Arc::new(Mutex::new(Some(task))),
        })
    }

    /// The signing account.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The account's client (for reads; send through the queue).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Queues `tx` and waits for its turn and its outcome: the receipt of the mined
    /// transaction, or why it was not sent or failed (a revert is
    /// `ServiceError::Client(ClientError::Reverted { .. })`, see [`ServiceError::is_revert`]).
    pub async fn send(&self, tx: Tx<'static>) -> Result<TransactionReceipt> {
        self.submit(tx)?
            .await
            .map_err(|_| ServiceError::QueueStopped(self.address))?
    }

    /// Queues `tx` and returns at once; the receiver gets the outcome. Dropping the receiver
    /// before the transaction's turn cancels it.
    pub fn submit(&self, tx: Tx<'static>) -> Result<oneshot::Receiver<Result<TransactionReceipt>>> {
        let (reply, outcome) = oneshot::channel();
        self.jobs
            .send(Job { tx, reply })
            .map_err(|_| ServiceError::QueueStopped(self.address))?;
        Ok(outcome)
    }

    /// Stops the queue: the transaction being sent finishes (its caller gets its receipt),
    /// the queued ones are answered [`ServiceError::QueueStopped`]. Every clone is stopped.
    pub async fn stop(&self) {
        self.stop.send_replace(true);
        let task = self.task.lock().map(|mut t| t.take()).unwrap_or(None);
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

/// The queue's task: one transaction at a time until stopped or every handle is dropped.
async fn run(
    client: Client,
    mut queued: mpsc::UnboundedReceiver<Job>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let job = tokio::select! {
            biased;
            _ = stopped.wait_for(|stop| *stop) => break,
            job = queued.recv() => match job {
                Some(job) => job,
                None => break,
            },
        };
        if job.reply.is_closed() {
            tracing::debug!("{}: cancelled by its caller before its turn", job.tx.what());
            continue;
        }
        let what = job.tx.what().to_string();
        let started = std::time::Instant::now();
        let outcome = client.send(job.tx, &()).await.map_err(ServiceError::from);
        match &outcome {
            Ok(receipt) => tracing::debug!(
                "{what}: mined in block {:?} ({:?})",
                receipt.block_number,
                started.elapsed()
            ),
            Err(e) => tracing::debug!("{what}: {e}"),
        }
        let _ = job.reply.send(outcome);
    }
    // Dropping the receiver drops the queued jobs: their callers see the queue stopped.
    queued.close();
}

//! One replicate, from CREATED to COMPLETED (design §3): the local steps run unasked while a
//! slot is held — STARTING (description from the chain, checks), APP_DOWNLOADING (image and
//! checksum), DATA_DOWNLOADING, COMPUTING, COMPUTED (error.txt, digest, zip, all persisted
//! before anything is contributed) — then the scheduler's notifications drive the rest
//! ([`act`]: contribute, reveal, upload, contribute-and-finalize, complete, abort). A
//! PLEASE_ABORT during the local steps stops them at once.

mod act;
mod compute;

use crate::{
    core::report, description::Description, error::Result, store::ResultRecord, worker::Shared,
};
use alloy_primitives::B256;
use poco_types::{
    ReplicateStatus, WorkerpoolAuthorization,
    core::{ReplicateStatusCause, ReplicateStatusDetails, TaskNotification, TaskNotificationType},
};
use std::{collections::VecDeque, path::PathBuf, sync::Arc};
use tokio::sync::{OwnedSemaphorePermit, mpsc};

/// Where a replicate's task starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    /// The local steps (a new replicate, or a recomputation after a restart).
    Compute,
    /// Waiting for the scheduler's notifications.
    Notifications,
    /// Uploading again (RESULT_UPLOADING at a restart), then notifications.
    Upload,
    /// Contributing and finalizing again (trust 1, CONTRIBUTE_AND_FINALIZE_ONGOING at a
    /// restart), then notifications.
    ContributeAndFinalize,
}

/// A replicate being driven.
pub(crate) struct Replicate {
    shared: Arc<Shared>,
    task: B256,
    authorization: WorkerpoolAuthorization,
    description: Option<Description>,
    result: Option<ResultRecord>,
    result_link: String,
    /// The status last reported.
    status: ReplicateStatus,
    /// A step failed (reported `*_FAILED`): an abort then reports FAILED.
    failed: bool,
    /// The container slot, held until COMPUTED.
    slot: Option<OwnedSemaphorePermit>,
}

/// A new replicate: the local steps, then the notifications.
pub(crate) async fn run_new(
    shared: Arc<Shared>,
    task: B256,
    mailbox: mpsc::UnboundedReceiver<TaskNotification>,
    slot: OwnedSemaphorePermit,
    live: OwnedSemaphorePermit,
) {
    let row = match shared.store.get(task).await {
        Ok(Some(row)) => row,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!("worker {:#x}: task {task}: {e}", shared.address);
            shared.close_mailbox(task);
            return;
        }
    };
    let replicate = Replicate {
        shared: shared.clone(),
        task,
        authorization: row.authorization,
        description: None,
        result: None,
        result_link: String::new(),
        status: row.status,
        failed: false,
        slot: Some(slot),
    };
    replicate.run(Entry::Compute, mailbox).await;
    drop(live);
}

impl Replicate {
    /// A replicate resumed from its stored row (§3.7).
    pub(crate) fn resumed(
        shared: Arc<Shared>,
        row: crate::store::ReplicateRow,
        status: ReplicateStatus,
    ) -> Self {
        Self {
            shared,
            task: row.task_id,
            authorization: row.authorization,
            description: row.description,
            result: row.result,
            result_link: row.result_link,
            failed: status.is_failure(),
            status,
            slot: None,
        }
    }

    /// Drives the replicate from `entry` until it is over; the mailbox is closed at the end.
    pub(crate) async fn run(
        mut self,
        entry: Entry,
        mut mailbox: mpsc::UnboundedReceiver<TaskNotification>,
    ) {
        let task = self.task;
        let shared = self.shared.clone();
        if let Err(e) = self.drive(entry, &mut mailbox).await {
            // The database or the engine failed: the replicate stays as stored, for the next
            // start's recovery.
            tracing::warn!("worker {:#x}: task {task}: {e}", shared.address);
        }
        shared.close_mailbox(task);
    }

    async fn drive(
        &mut self,
        entry: Entry,
        mailbox: &mut mpsc::UnboundedReceiver<TaskNotification>,
    ) -> Result<()> {
        let mut early = VecDeque::new();
        match entry {
            Entry::Compute => {
                let slots = self.shared.slots.clone();
                let compute = async {
                    if self.slot.is_none() {
                        // A recovered replicate waits for a slot (an abort does not wait).
                        self.slot = slots.acquire_owned().await.ok();
                    }
                    self.compute().await
                };
                let aborted = tokio::select! {
                    biased;
                    done = compute => { done?; None }
                    abort = wait_abort(mailbox, &mut early) => Some(abort),
                };
                self.slot = None;
                if let Some(abort) = aborted {
                    return self.abort(&abort).await;
                }
            }
            Entry::Notifications => {}
            Entry::Upload => self.upload().await?,
            Entry::ContributeAndFinalize => self.contribute_and_finalize().await?,
        }
        loop {
            let notification = match early.pop_front() {
                Some(notification) => notification,
                None => match mailbox.recv().await {
                    Some(notification) => notification,
                    None => return Ok(()),
                },
            };
            if self.act(&notification).await? {
                return Ok(());
            }
        }
    }

    /// Reports `status` with `details` and remembers it.
    async fn report(
        &mut self,
        status: ReplicateStatus,
        details: ReplicateStatusDetails,
    ) -> Result<()> {
        report(&self.shared, self.task, status, details).await?;
        self.status = status;
        // A data failure is contributed (error.txt), an upload failure may be retried: neither
        // ends the replicate.
        if status.is_failure()
            && !matches!(
                status,
                ReplicateStatus::DataDownloadFailed | ReplicateStatus::ResultUploadFailed
            )
        {
            self.failed = true;
        }
        Ok(())
    }

    /// Reports a failed step with its cause and message.
    async fn fail(
        &mut self,
        status: ReplicateStatus,
        cause: ReplicateStatusCause,
        message: impl Into<String>,
    ) -> Result<()> {
        let message = message.into();
        tracing::info!(
            "worker {:#x}: task {}: {status} ({cause}): {message}",
            self.shared.address,
            self.task
        );
        let details = ReplicateStatusDetails {
            cause: Some(cause),
            error_message: Some(message),
            ..Default::default()
        };
        self.report(status, details).await
    }

    /// The task's work folder.
    fn work_dir(&self) -> PathBuf {
        self.shared.config.task_dir(self.task)
    }

    /// The zipped outputs.
    fn zip_path(&self) -> PathBuf {
        self.work_dir().join(poco_types::results::RESULT_ZIP)
    }
}

/// Waits for a PLEASE_ABORT; keeps the other actionable notifications for later.
async fn wait_abort(
    mailbox: &mut mpsc::UnboundedReceiver<TaskNotification>,
    early: &mut VecDeque<TaskNotification>,
) -> TaskNotification {
    loop {
        match mailbox.recv().await {
            Some(n) if n.task_notification_type == TaskNotificationType::PleaseAbort => return n,
            Some(n) => early.push_back(n),
            None => std::future::pending::<()>().await,
        }
    }
}

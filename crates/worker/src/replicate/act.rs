//! What the scheduler's notifications make a replicate do (design §3.6): each action re-reads
//! the chain first (a stale order costs nothing), sends its transaction through the worker's
//! queue, and reports the outcome. Repeated or out-of-place notifications are ignored.

use super::Replicate;
use crate::{
    chain::{self, Receipt},
    error::{Result, WorkerError},
    upload,
};
use alloy_primitives::{Bytes, U256};
use poco_service::time::now_ms;
use poco_types::{
    ContributionStatus, ReplicateStatus as R, TaskStatus,
    core::{
        ChainReceipt, ReplicateStatusCause as Cause, ReplicateStatusDetails, TaskNotification,
        TaskNotificationType as N,
    },
    results::ResultLink,
};

/// Receipt details.
fn receipt_details(receipt: Receipt) -> ReplicateStatusDetails {
    ReplicateStatusDetails {
        chain_receipt: Some(ChainReceipt {
            block_number: receipt.block_number,
            tx_hash: Some(receipt.tx_hash),
        }),
        ..Default::default()
    }
}

impl Replicate {
    /// Carries out `notification`; true when the replicate is over.
    pub(super) async fn act(&mut self, notification: &TaskNotification) -> Result<bool> {
        match notification.task_notification_type {
            N::PleaseAbort => {
                self.abort(notification).await?;
                return Ok(true);
            }
            N::PleaseComplete => {
                self.complete().await?;
                return Ok(true);
            }
            N::PleaseContribute if self.status == R::Computed => self.contribute().await?,
            N::PleaseContributeAndFinalize if self.status == R::Computed => {
                self.contribute_and_finalize().await?
            }
            N::PleaseReveal if self.status == R::Contributed => self.reveal().await?,
            N::PleaseUpload
                if matches!(
                    self.status,
                    R::Revealed | R::ResultUploadFailed | R::ResultUploadRequested
                ) =>
            {
                self.upload().await?
            }
            _ => {}
        }
        Ok(false)
    }

    /// The chain's view of the task and of this worker's contribution, read again once on a
    /// transient failure.
    async fn state(&self) -> Result<chain::TaskState> {
        let client = self.shared.client();
        match chain::task_state(client, self.task, self.shared.address).await {
            Ok(state) => Ok(state),
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                chain::task_state(client, self.task, self.shared.address).await
            }
        }
    }

    /// PLEASE_CONTRIBUTE: checks, `contribute`, CONTRIBUTED.
    async fn contribute(&mut self) -> Result<()> {
        let Some(result) = self.result.clone() else {
            return self
                .fail(
                    R::ContributeFailed,
                    Cause::Unknown,
                    "no result to contribute",
                )
                .await;
        };
        let state = self.state().await?;
        if state.contribution != ContributionStatus::Unset {
            // Sent before a crash or by an earlier attempt: the chain has it.
            return self
                .report(R::Contributed, ReplicateStatusDetails::default())
                .await;
        }
        let worker_stake = self
            .description
            .as_ref()
            .map_or(U256::ZERO, |d| d.worker_stake);
        let refusal = if state.status == TaskStatus::Revealing {
            Some((
                Cause::ConsensusReached,
                "consensus was reached without this worker".to_owned(),
            ))
        } else if state.status != TaskStatus::Active {
            Some((
                Cause::TaskNotActive,
                format!("the task is {:?}, not ACTIVE", state.status),
            ))
        } else if state.now >= state.contribution_deadline {
            Some((
                Cause::ContributionTimeout,
                "the contribution deadline has passed".to_owned(),
            ))
        } else if state.stake < worker_stake {
            Some((
                Cause::StakeTooLow,
                format!(
                    "free stake {} nRLC is below the worker stake {worker_stake}",
                    state.stake
                ),
            ))
        } else {
            None
        };
        if let Some((cause, message)) = refusal {
            return self.fail(R::ContributeFailed, cause, message).await;
        }
        self.report(R::Contributing, ReplicateStatusDetails::default())
            .await?;
        let sent = chain::contribute(
            &self.shared.queue,
            self.task,
            result.hash,
            result.seal,
            self.authorization.signature.clone(),
        )
        .await;
        match sent {
            Ok(receipt) => {
                self.shared
                    .store
                    .set_tx(self.task, receipt.tx_hash, now_ms())
                    .await?;
                self.report(R::Contributed, receipt_details(receipt)).await
            }
            Err(e) => {
                if self
                    .state()
                    .await
                    .is_ok_and(|s| s.contribution != ContributionStatus::Unset)
                {
                    return self
                        .report(R::Contributed, ReplicateStatusDetails::default())
                        .await;
                }
                self.fail(
                    R::ContributeFailed,
                    Cause::ChainReceiptNotValid,
                    e.to_string(),
                )
                .await
            }
        }
    }

    /// PLEASE_REVEAL: checks, `reveal`, REVEALED.
    async fn reveal(&mut self) -> Result<()> {
        let Some(result) = self.result.clone() else {
            return self
                .fail(R::RevealFailed, Cause::Unknown, "no result to reveal")
                .await;
        };
        let state = self.state().await?;
        if state.contribution == ContributionStatus::Proved {
            return self
                .report(R::Revealed, ReplicateStatusDetails::default())
                .await;
        }
        if state.status != TaskStatus::Revealing
            || state.now >= state.reveal_deadline
            || state.consensus != result.hash
        {
            let message = format!(
                "cannot reveal: task {:?}, consensus {}, own hash {}",
                state.status, state.consensus, result.hash
            );
            return self.fail(R::RevealFailed, Cause::Unknown, message).await;
        }
        self.report(R::Revealing, ReplicateStatusDetails::default())
            .await?;
        match chain::reveal(&self.shared.queue, self.task, result.digest).await {
            Ok(receipt) => {
                self.shared
                    .store
                    .set_tx(self.task, receipt.tx_hash, now_ms())
                    .await?;
                self.report(R::Revealed, receipt_details(receipt)).await
            }
            Err(e) => {
                if self
                    .state()
                    .await
                    .is_ok_and(|s| s.contribution == ContributionStatus::Proved)
                {
                    return self
                        .report(R::Revealed, ReplicateStatusDetails::default())
                        .await;
                }
                self.fail(R::RevealFailed, Cause::ChainReceiptNotValid, e.to_string())
                    .await
            }
        }
    }

    /// The result link's details: link and (callback deals) callback data.
    fn link_details(&self, link: &ResultLink) -> ReplicateStatusDetails {
        ReplicateStatusDetails {
            result_link: Some(link.to_json()),
            chain_callback_data: self.result.as_ref().and_then(|r| r.callback_data.clone()),
            ..Default::default()
        }
    }

    /// Uploads the zip and stores the link.
    async fn upload_zip(&mut self) -> Result<ResultLink> {
        let link = upload::upload(&self.shared, &self.authorization, &self.zip_path()).await?;
        self.result_link = link.to_json();
        self.shared
            .store
            .set_link(self.task, &self.result_link, now_ms())
            .await?;
        Ok(link)
    }

    /// PLEASE_UPLOAD (or a restart in RESULT_UPLOADING): RESULT_UPLOADING, upload,
    /// RESULT_UPLOADED with the link.
    pub(super) async fn upload(&mut self) -> Result<()> {
        self.report(R::ResultUploading, ReplicateStatusDetails::default())
            .await?;
        match self.upload_zip().await {
            Ok(link) => {
                let details = self.link_details(&link);
                self.report(R::ResultUploaded, details).await
            }
            Err(e @ (WorkerError::Results(_) | WorkerError::Io { .. })) => {
                // The scheduler may ask again, or ask another winner.
                self.fail(
                    R::ResultUploadFailed,
                    Cause::ResultUploadFailed,
                    e.to_string(),
                )
                .await
            }
            Err(e) => Err(e),
        }
    }

    /// PLEASE_CONTRIBUTE_AND_FINALIZE (trust 1, or a restart in its middle): upload first, then
    /// `contributeAndFinalize` with the link (⚑A4, ⚑A5), CONTRIBUTE_AND_FINALIZE_DONE.
    pub(super) async fn contribute_and_finalize(&mut self) -> Result<()> {
        let Some(result) = self.result.clone() else {
            let message = "no result to contribute";
            return self
                .fail(R::ContributeAndFinalizeFailed, Cause::Unknown, message)
                .await;
        };
        let state = self.state().await?;
        let done = |state: &chain::TaskState| {
            state.status == TaskStatus::Completed && state.contribution != ContributionStatus::Unset
        };
        if done(&state) && !self.result_link.is_empty() {
            let details = ReplicateStatusDetails {
                result_link: Some(self.result_link.clone()),
                chain_callback_data: result.callback_data.clone(),
                ..Default::default()
            };
            return self.report(R::ContributeAndFinalizeDone, details).await;
        }
        let refusal = if state.status != TaskStatus::Active {
            Some((
                Cause::TaskNotActive,
                format!("the task is {:?}, not ACTIVE", state.status),
            ))
        } else if state.now >= state.contribution_deadline {
            Some((
                Cause::ContributionTimeout,
                "the contribution deadline has passed".to_owned(),
            ))
        } else if state.contributors > 0 {
            Some((
                Cause::ConsensusReached,
                "another worker contributed already".to_owned(),
            ))
        } else {
            None
        };
        if let Some((cause, message)) = refusal {
            return self
                .fail(R::ContributeAndFinalizeFailed, cause, message)
                .await;
        }
        self.report(
            R::ContributeAndFinalizeOngoing,
            ReplicateStatusDetails::default(),
        )
        .await?;
        let link = match self.upload_zip().await {
            Ok(link) => link,
            Err(e @ (WorkerError::Results(_) | WorkerError::Io { .. })) => {
                let cause = Cause::ResultUploadFailed;
                return self
                    .fail(R::ContributeAndFinalizeFailed, cause, e.to_string())
                    .await;
            }
            Err(e) => return Err(e),
        };
        let callback = result.callback_data.clone().unwrap_or_default();
        let sent = chain::contribute_and_finalize(
            &self.shared.queue,
            self.task,
            result.digest,
            Bytes::from(link.to_bytes()),
            callback,
            self.authorization.signature.clone(),
        )
        .await;
        let mut details = self.link_details(&link);
        match sent {
            Ok(receipt) => {
                self.shared
                    .store
                    .set_tx(self.task, receipt.tx_hash, now_ms())
                    .await?;
                details.chain_receipt = receipt_details(receipt).chain_receipt;
                self.report(R::ContributeAndFinalizeDone, details).await
            }
            Err(e) => {
                if self.state().await.is_ok_and(|s| done(&s)) {
                    return self.report(R::ContributeAndFinalizeDone, details).await;
                }
                let cause = Cause::ChainReceiptNotValid;
                self.fail(R::ContributeAndFinalizeFailed, cause, e.to_string())
                    .await
            }
        }
    }

    /// PLEASE_COMPLETE: the work folder goes, COMPLETING, COMPLETED.
    async fn complete(&mut self) -> Result<()> {
        self.report(R::Completing, ReplicateStatusDetails::default())
            .await?;
        self.remove_work_dir().await;
        self.report(R::Completed, ReplicateStatusDetails::default())
            .await
    }

    /// PLEASE_ABORT: the container (if any) is killed, the work folder goes, ABORTED (FAILED
    /// after a failed step) with the scheduler's cause.
    pub(super) async fn abort(&mut self, notification: &TaskNotification) -> Result<()> {
        let task = format!("{:#x}", self.task);
        let worker = format!("{:#x}", self.shared.address);
        let labels = [
            ("poco.task", task.as_str()),
            ("poco.worker", worker.as_str()),
        ];
        if let Err(e) = self.shared.engine.remove_with_labels(&labels).await {
            tracing::warn!("worker {worker}: task {task}: {e}");
        }
        self.remove_work_dir().await;
        let status = if self.failed { R::Failed } else { R::Aborted };
        let cause = Cause::from(notification.abort_cause());
        self.report(status, ReplicateStatusDetails::cause(cause))
            .await
    }

    /// Deletes the work folder (a failure is only logged: nothing depends on it anymore).
    async fn remove_work_dir(&self) {
        let work = self.work_dir();
        if let Err(e) = tokio::fs::remove_dir_all(&work).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(
                "worker {:#x}: cannot remove {}: {e}",
                self.shared.address,
                work.display()
            );
        }
    }
}

//! The local steps of a replicate (design §3.1–3.5), run unasked while a slot is held: each
//! failure is reported (START_FAILED, APP_DOWNLOAD_FAILED, COMPUTE_FAILED: no contribution;
//! a data failure or an app failure becomes error.txt and is contributed), and the result is
//! persisted before COMPUTED is reported.

use super::Replicate;
use crate::{
    description::{self, Description},
    error::{Result, WorkerError},
    executor::RunSpec,
    inputs,
    output::{self, Failure},
    store::ResultRecord,
};
use poco_service::time::now_ms;
use poco_types::{
    ReplicateStatus as R,
    core::{ComputeLogs, ReplicateStatusCause as Cause, ReplicateStatusDetails},
    result_hash, result_seal,
};
use std::{collections::BTreeMap, time::Duration};

/// Attempts of a chain read before the step fails.
const READ_ATTEMPTS: u32 = 3;

impl Replicate {
    /// STARTING → … → COMPUTED, or the failed step reported.
    pub(super) async fn compute(&mut self) -> Result<()> {
        self.report(R::Starting, ReplicateStatusDetails::default())
            .await?;
        let Some(description) = self.start().await? else {
            return Ok(());
        };
        self.report(R::Started, ReplicateStatusDetails::default())
            .await?;

        self.report(R::AppDownloading, ReplicateStatusDetails::default())
            .await?;
        let Some(image_id) = self.app_image(&description).await? else {
            return Ok(());
        };
        self.report(R::AppDownloaded, ReplicateStatusDetails::default())
            .await?;

        let work = self.work_dir();
        let (in_dir, out_dir) = (work.join("in"), work.join("out"));
        if work.exists() {
            tokio::fs::remove_dir_all(&work)
                .await
                .map_err(|e| WorkerError::io("clean", &work, e))?;
        }
        for dir in [&in_dir, &out_dir] {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| WorkerError::io("create", dir, e))?;
        }

        let mut failure = None;
        if description.has_dataset() || !description.input_files.is_empty() {
            self.report(R::DataDownloading, ReplicateStatusDetails::default())
                .await?;
            let gateway = self.shared.ipfs_gateway();
            match inputs::download(&description, &in_dir, &gateway).await? {
                Some(data_failure) => {
                    self.fail(
                        R::DataDownloadFailed,
                        data_failure.cause,
                        data_failure.message.clone(),
                    )
                    .await?;
                    failure = Some(data_failure);
                }
                None => {
                    self.report(R::DataDownloaded, ReplicateStatusDetails::default())
                        .await?
                }
            }
        }

        let mut details = ReplicateStatusDetails::default();
        if failure.is_none() {
            self.report(R::Computing, ReplicateStatusDetails::default())
                .await?;
            let spec = self.run_spec(&description, image_id, &in_dir, &out_dir);
            let outcome = match self.shared.executor.run(&spec).await {
                Ok(outcome) => outcome,
                Err(e) => {
                    return self
                        .fail(R::ComputeFailed, Cause::Unknown, e.to_string())
                        .await;
                }
            };
            tracing::info!(
                "worker {:#x}: task {}: app ran {:?}, exit code {:?}{}",
                self.shared.address,
                self.task,
                outcome.run_time,
                outcome.exit_code,
                if outcome.timed_out {
                    ", killed at its time limit"
                } else {
                    ""
                }
            );
            failure = Failure::of_run(&outcome, spec.max_run_time);
            details.exit_code = outcome.exit_code;
            details.compute_logs = Some(ComputeLogs {
                wallet_address: Some(self.shared.address),
                stdout: outcome.stdout,
                stderr: outcome.stderr,
            });
        }

        let has_callback = description.has_callback();
        let finish_dir = out_dir.clone();
        let zip_path = self.zip_path();
        let finished = tokio::task::spawn_blocking(move || -> Result<_> {
            let computed = output::finish(&finish_dir, failure, has_callback)?;
            let zip = output::zip_dir(&finish_dir)?;
            std::fs::write(&zip_path, zip).map_err(|e| WorkerError::io("write", &zip_path, e))?;
            Ok(computed)
        })
        .await
        .map_err(|e| WorkerError::Io {
            what: "finish the outputs in",
            path: out_dir.clone(),
            source: std::io::Error::other(e),
        })?;
        let computed = match finished {
            Ok(computed) => computed,
            Err(e) => {
                return self
                    .fail(R::ComputeFailed, Cause::Unknown, e.to_string())
                    .await;
            }
        };
        let record = ResultRecord {
            digest: computed.digest,
            hash: result_hash(self.task, computed.digest),
            seal: result_seal(self.shared.address, self.task, computed.digest),
            callback_data: computed.callback_data.clone(),
            exit_code: details.exit_code,
            cause: computed
                .failure
                .as_ref()
                .map(|f| f.cause.to_string())
                .unwrap_or_default(),
        };
        // The digest is durable before anything is contributed: a restart can still reveal.
        self.shared
            .store
            .set_result(self.task, &record, now_ms())
            .await?;
        self.result = Some(record);
        if let Some(failure) = &computed.failure {
            details.cause = Some(failure.cause);
            details.error_message = Some(
                computed
                    .computed_error
                    .clone()
                    .unwrap_or(failure.message.clone()),
            );
        }
        self.slot = None;
        self.report(R::Computed, details).await
    }

    /// STARTING: reads the description (kept in the database) and checks it; None when the
    /// replicate was refused (START_FAILED reported).
    async fn start(&mut self) -> Result<Option<Description>> {
        let client = self.shared.client().clone();
        let mut attempt = 1;
        let description = loop {
            match description::read(&client, self.task).await {
                Ok(description) => break description,
                Err(e @ WorkerError::Refused(_)) => {
                    self.fail(R::StartFailed, Cause::TaskNotActive, e.to_string())
                        .await?;
                    return Ok(None);
                }
                Err(e) if attempt < READ_ATTEMPTS => {
                    tracing::debug!("worker {:#x}: {e}; retrying", self.shared.address);
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                    attempt += 1;
                }
                Err(e) => {
                    self.fail(R::StartFailed, Cause::Unknown, e.to_string())
                        .await?;
                    return Ok(None);
                }
            }
        };
        self.shared
            .store
            .set_description(&description, now_ms())
            .await?;
        self.description = Some(description.clone());
        let refusal = match description::check(
            &client,
            &description,
            &self.authorization,
            self.shared.address,
        )
        .await
        {
            Ok(refusal) => refusal,
            Err(e) => Some(description::Refusal {
                cause: Cause::Unknown,
                message: e.to_string(),
            }),
        };
        if let Some(refusal) = refusal {
            self.fail(R::StartFailed, refusal.cause, refusal.message)
                .await?;
            return Ok(None);
        }
        Ok(Some(description))
    }

    /// APP_DOWNLOADING: the image present (pulled when missing) and matching its checksum
    /// (⚑A7, ⚑A8); its Id, or None when APP_DOWNLOAD_FAILED was reported.
    async fn app_image(&mut self, description: &Description) -> Result<Option<String>> {
        let engine = self.shared.engine.clone();
        let reference = description.app_image.clone();
        let mut digests = engine.image_digests(&reference).await;
        if matches!(digests, Ok(None)) {
            if let Err(e) = engine.pull(&reference).await {
                let message = format!("the image {reference} is not on this worker: {e}");
                self.fail(R::AppDownloadFailed, Cause::AppImageDownloadFailed, message)
                    .await?;
                return Ok(None);
            }
            digests = engine.image_digests(&reference).await;
        }
        let digests = match digests {
            Ok(Some(digests)) => digests,
            Ok(None) => {
                let message = format!("the image {reference} is missing after its pull");
                self.fail(R::AppDownloadFailed, Cause::AppImageDownloadFailed, message)
                    .await?;
                return Ok(None);
            }
            Err(e) => {
                self.fail(
                    R::AppDownloadFailed,
                    Cause::AppImageDownloadFailed,
                    e.to_string(),
                )
                .await?;
                return Ok(None);
            }
        };
        let checksum = description.app_checksum;
        if checksum.is_zero() {
            if !self.shared.config.allow_unchecked_images {
                let message = format!(
                    "app {:#x} has no checksum on-chain, so its image cannot be checked; this \
                     worker refuses unchecked images (--allow-unchecked-images)",
                    description.app
                );
                self.fail(R::AppDownloadFailed, Cause::AppImageBadChecksum, message)
                    .await?;
                return Ok(None);
            }
            tracing::warn!(
                "worker {:#x}: running unchecked image {reference}",
                self.shared.address
            );
        } else if !digests.matches(&format!("{checksum:x}")) {
            let message = format!(
                "the image {reference} has Id {} (manifest digests {:?}), but the app's checksum \
                 on-chain is {checksum:#x}",
                digests.id, digests.repo_digests
            );
            self.fail(R::AppDownloadFailed, Cause::AppImageBadChecksum, message)
                .await?;
            return Ok(None);
        }
        Ok(Some(digests.id))
    }

    /// The container run of §3.4.
    fn run_spec(
        &self,
        description: &Description,
        image_id: String,
        in_dir: &std::path::Path,
        out_dir: &std::path::Path,
    ) -> RunSpec {
        let config = &self.shared.config;
        let labels = BTreeMap::from([
            ("poco.task".to_owned(), format!("{:#x}", self.task)),
            (
                "poco.deal".to_owned(),
                format!("{:#x}", description.deal_id),
            ),
            (
                "poco.worker".to_owned(),
                format!("{:#x}", self.shared.address),
            ),
        ]);
        RunSpec {
            image_id,
            cmd: description.cmd(),
            env: description.env(),
            in_dir: in_dir.to_path_buf(),
            out_dir: out_dir.to_path_buf(),
            max_run_time: Duration::from_secs(description.timeref.max(1)),
            nano_cpus: (config.cpus_per_task * 1e9) as i64,
            memory: i64::try_from(config.memory_per_task).unwrap_or(i64::MAX),
            labels,
        }
    }
}

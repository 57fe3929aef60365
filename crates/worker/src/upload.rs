//! Uploading a result (design §3.6): a token from the result server for the task's
//! authorization, signed by the worker, then the zip; the answer is the result link
//! `{"storage":"ipfs","location":"/ipfs/<cid>"}` (⚑A6). Uploading the same zip again gives the
//! same CID, so retries and recoveries are harmless.

use crate::{
    error::{Result, WorkerError},
    worker::Shared,
};
use poco_client::results::{ResultsApi, ResultsApiError};
use poco_types::{WorkerpoolAuthorization, results::ResultLink};
use std::{path::Path, time::Duration};

/// Attempts while the result server is unreachable or failing.
const ATTEMPTS: u32 = 3;

/// Uploads the zip at `zip_path` for `authorization`'s task; returns its link.
pub(crate) async fn upload(
    shared: &Shared,
    authorization: &WorkerpoolAuthorization,
    zip_path: &Path,
) -> Result<ResultLink> {
    let zip = tokio::fs::read(zip_path)
        .await
        .map_err(|e| WorkerError::io("read", zip_path, e))?;
    let url = shared.results_url();
    let api = ResultsApi::new(&url).map_err(|e| WorkerError::Results(e.to_string()))?;
    let mut delay = Duration::from_millis(500);
    let mut attempt = 1;
    loop {
        match api
            .upload_zip(&shared.config.wallet, authorization, zip.clone())
            .await
        {
            Ok(link) => return Ok(link),
            Err(e) if attempt < ATTEMPTS && is_transient(&e) => {
                tracing::debug!("worker {:#x}: upload: {e}; retrying", shared.address);
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            Err(e) => return Err(WorkerError::Results(e.to_string())),
        }
    }
}

/// Whether trying again may help.
fn is_transient(error: &ResultsApiError) -> bool {
    matches!(
        error,
        ResultsApiError::Unreachable { .. } | ResultsApiError::Failed { .. }
    )
}

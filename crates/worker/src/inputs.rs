//! DATA_DOWNLOADING (design §3.3): the dataset and the input files into `in/`. The dataset is
//! `in/<dataset address>` and must hash to its on-chain checksum (zero: not checked, ⚑A8);
//! each input file is `in/0x<sha256(url)>` and has no checksum anywhere in the protocol (⚑A9).
//! A failure is the requester's problem, not the worker's: it becomes error.txt (the app is not
//! run) and the worker still contributes.

use crate::{
    description::{Description, input_file_name},
    error::{Result, WorkerError},
    output::Failure,
};
use alloy_primitives::B256;
use poco_types::core::ReplicateStatusCause;
use sha2::{Digest as _, Sha256};
use std::{path::Path, time::Duration};
use tokio::io::AsyncWriteExt as _;

/// The largest file downloaded.
pub const MAX_DOWNLOAD: u64 = 1 << 30;
/// How long one download may take.
pub const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(600);
/// Attempts per file.
const ATTEMPTS: u32 = 3;

/// Downloads the dataset and input files of `description` into `in_dir`. `ipfs_gateway` serves
/// `/ipfs/...` dataset locations. Returns the failure to write to error.txt, if any; `Err` only
/// for the worker's own faults (disk).
pub async fn download(
    description: &Description,
    in_dir: &Path,
    ipfs_gateway: &str,
) -> Result<Option<Failure>> {
    tokio::fs::create_dir_all(in_dir)
        .await
        .map_err(|e| WorkerError::io("create", in_dir, e))?;
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(DOWNLOAD_TIMEOUT)
        .user_agent(concat!("poco-worker/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| WorkerError::Config(format!("the HTTP client cannot start: {e}")))?;
    if description.has_dataset() {
        let url = dataset_url(&description.dataset_url, ipfs_gateway);
        let path = in_dir.join(format!("{:#x}", description.dataset));
        let shown = description.dataset_url.clone();
        let Some(url) = url else {
            return Ok(Some(Failure::new(
                ReplicateStatusCause::DatasetFileDownloadFailed,
                format!("{shown}: only /ipfs/… and http(s):// dataset locations are supported"),
            )));
        };
        match fetch(&http, &url, &path).await? {
            Err(reason) => {
                return Ok(Some(Failure::new(
                    ReplicateStatusCause::DatasetFileDownloadFailed,
                    format!("{shown}: {reason}"),
                )));
            }
            Ok(sha256) => {
                let expected = description.dataset_checksum;
                if expected == B256::ZERO {
                    tracing::warn!(
                        "dataset {:#x} has no checksum on-chain: its content is not checked",
                        description.dataset
                    );
                } else if sha256 != expected {
                    return Ok(Some(Failure::new(
                        ReplicateStatusCause::DatasetFileBadChecksum,
                        format!(
                            "the dataset's sha256 is {sha256:#x}, its checksum on-chain is \
                             {expected:#x}"
                        ),
                    )));
                }
            }
        }
    }
    for url in &description.input_files {
        let path = in_dir.join(input_file_name(url));
        let fetched = if url.starts_with("http://") || url.starts_with("https://") {
            fetch(&http, url, &path).await?
        } else {
            Err("only http(s):// input files are supported".to_owned())
        };
        if let Err(reason) = fetched {
            return Ok(Some(Failure::new(
                ReplicateStatusCause::InputFilesDownloadFailed,
                format!("{url}: {reason}"),
            )));
        }
    }
    Ok(None)
}

/// The URL to fetch a dataset location from: `/ipfs/<cid>` through the gateway, or itself when
/// it is http(s) (⚑A25).
pub fn dataset_url(location: &str, ipfs_gateway: &str) -> Option<String> {
    if location.starts_with("/ipfs/") {
        Some(format!("{}{location}", ipfs_gateway.trim_end_matches('/')))
    } else if location.starts_with("http://") || location.starts_with("https://") {
        Some(location.to_owned())
    } else {
        None
    }
}

/// Downloads `url` to `path` (up to [`ATTEMPTS`] times); the inner result is the file's sha256,
/// or why it could not be had (deterministic words: HTTP status, "too large", "unreachable").
async fn fetch(
    http: &reqwest::Client,
    url: &str,
    path: &Path,
) -> Result<std::result::Result<B256, String>> {
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(500 << attempt)).await;
        }
        match fetch_once(http, url, path).await? {
            Ok(sha256) => return Ok(Ok(sha256)),
            // A definite answer from the server: trying again changes nothing.
            Err((reason, false)) => return Ok(Err(reason)),
            Err((reason, true)) => last = reason,
        }
    }
    Ok(Err(last))
}

/// One attempt; the error says why and whether another attempt may help.
async fn fetch_once(
    http: &reqwest::Client,
    url: &str,
    path: &Path,
) -> Result<std::result::Result<B256, (String, bool)>> {
    let mut response = match http.get(url).send().await {
        Ok(response) => response,
        Err(e) => return Ok(Err((transport(&e), true))),
    };
    let status = response.status();
    if !status.is_success() {
        return Ok(Err((
            format!("HTTP {}", status.as_u16()),
            status.is_server_error(),
        )));
    }
    if response.content_length().is_some_and(|n| n > MAX_DOWNLOAD) {
        return Ok(Err((
            format!("larger than {} MiB", MAX_DOWNLOAD >> 20),
            false,
        )));
    }
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(|e| WorkerError::io("create", path, e))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => return Ok(Err((transport(&e), true))),
        };
        size += chunk.len() as u64;
        if size > MAX_DOWNLOAD {
            return Ok(Err((
                format!("larger than {} MiB", MAX_DOWNLOAD >> 20),
                false,
            )));
        }
        hasher.update(&chunk);
        file.write_all(&chunk)
            .await
            .map_err(|e| WorkerError::io("write", path, e))?;
    }
    file.flush()
        .await
        .map_err(|e| WorkerError::io("write", path, e))?;
    Ok(Ok(B256::from_slice(&hasher.finalize())))
}

/// A transport error in a few stable words.
fn transport(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "the download timed out".into()
    } else if error.is_connect() {
        "the server is unreachable".into()
    } else {
        "the transfer failed".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_locations() {
        assert_eq!(
            dataset_url("/ipfs/bafkreiabc", "http://127.0.0.1:3001/").as_deref(),
            Some("http://127.0.0.1:3001/ipfs/bafkreiabc")
        );
        assert_eq!(
            dataset_url("https://h/d.zip", "x").as_deref(),
            Some("https://h/d.zip")
        );
        assert_eq!(dataset_url("ftp://h/d", "x"), None);
    }
}

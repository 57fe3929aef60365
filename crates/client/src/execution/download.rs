//! Downloading a completed task's result, as the iExec SDK's `task show --download`
//! (`fetchTaskResults`): the task must be COMPLETED, its `results` a link with `storage`
//! `ipfs` and a `location`; the zip is fetched from the chain's IPFS gateway at that location
//! and, unlike the SDK, checked against the CID the location names
//! ([`crate::results::ResultsApi::download`]), then written to a file.

use super::error::{ExecutionError, Result};
use crate::{
    deals::{TaskView, decode_results},
    results::ResultsApi,
};
use alloy_primitives::B256;
use poco_types::{TaskStatus, results::ResultCid};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A result saved to disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedResult {
    /// The task.
    pub task: B256,
    /// Where the zip was written.
    pub path: PathBuf,
    /// Its location (`/ipfs/<cid>`).
    pub location: String,
    /// The CID its bytes were checked against (`None` for an iExec CIDv0, not checkable).
    pub verified: Option<ResultCid>,
    /// Its size, in bytes.
    pub size: usize,
}

/// The SDK's file name for a task's result: `name` (or the task id) with `.zip` appended
/// unless it already ends so.
pub fn result_file_name(task: B256, name: Option<&str>) -> String {
    let name = name
        .filter(|n| !n.is_empty())
        .map_or_else(|| task.to_string(), str::to_owned);
    if name.len() > 4 && name.ends_with(".zip") {
        name
    } else {
        format!("{name}.zip")
    }
}

/// Where a completed task's result is: the `location` of its result link. Fails with the
/// SDK's reasons (not completed, no result, another storage, no location).
pub fn result_location(view: &TaskView) -> Result<String> {
    if view.status != TaskStatus::Completed {
        let advice = if view.claimable() {
            format!(
                ": it missed its final deadline; `poco task claim {}` refunds the requester",
                view.id
            )
        } else if view.status == TaskStatus::Failed {
            String::new()
        } else {
            format!(
                " yet; wait for it with `poco task show {} --watch`",
                view.id
            )
        };
        return Err(ExecutionError::NotCompleted {
            task: view.id,
            status: view.status_name().to_owned(),
            advice,
        });
    }
    let results = decode_results(&view.task.results);
    let storage = results.get("storage").and_then(Value::as_str);
    let no_result = |reason: String| ExecutionError::NoResult {
        task: view.id,
        reason,
    };
    match storage {
        Some("ipfs") => {}
        Some("none") | None => {
            return Err(no_result(
                "no result was uploaded for this task (its results are empty)".to_owned(),
            ));
        }
        Some(other) => {
            return Err(no_result(format!(
                "its result is stored on {other}: download not supported"
            )));
        }
    }
    results
        .get("location")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            no_result("its results have no `location`: download not supported".to_owned())
        })
}

/// Downloads the result of the completed task `view` from `gateway`, checks it and writes it
/// to `path` (its folder created if needed).
pub async fn save(gateway: &ResultsApi, view: &TaskView, path: &Path) -> Result<SavedResult> {
    let location = result_location(view)?;
    let download = gateway.download(&location).await?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| ExecutionError::io("create the folder", parent, e))?;
    }
    // Written beside, then renamed: a reader never sees half a zip.
    let partial = path.with_extension("zip.partial");
    std::fs::write(&partial, &download.bytes)
        .map_err(|e| ExecutionError::io("write", &partial, e))?;
    std::fs::rename(&partial, path).map_err(|e| ExecutionError::io("write", path, e))?;
    Ok(SavedResult {
        task: view.id,
        path: path.to_path_buf(),
        location,
        verified: download.verified,
        size: download.bytes.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_the_sdks() {
        let task = B256::repeat_byte(0xab);
        assert_eq!(result_file_name(task, None), format!("{task}.zip"));
        assert_eq!(result_file_name(task, Some("out")), "out.zip");
        assert_eq!(result_file_name(task, Some("out.zip")), "out.zip");
        assert_eq!(result_file_name(task, Some(".zip")), ".zip.zip");
        assert_eq!(result_file_name(task, Some("dir/r")), "dir/r.zip");
    }

    fn view(status: TaskStatus, results: &[u8]) -> TaskView {
        use alloy_primitives::{Bytes, U256};
        use poco_contracts::PocoTypes;
        TaskView {
            id: B256::repeat_byte(1),
            task: PocoTypes::Task {
                status: status as u8,
                dealid: B256::repeat_byte(2),
                idx: U256::ZERO,
                timeref: U256::from(300),
                contributionDeadline: U256::from(2_100),
                revealDeadline: U256::ZERO,
                finalDeadline: U256::from(3_000),
                consensusValue: B256::ZERO,
                revealCounter: U256::ZERO,
                winnerCounter: U256::ZERO,
                contributors: Vec::new(),
                resultDigest: B256::ZERO,
                results: Bytes::copy_from_slice(results),
                resultsTimestamp: U256::ZERO,
                resultsCallback: Bytes::new(),
            },
            status,
            initialized: true,
            deal: None,
            now: 1_000,
        }
    }

    #[test]
    fn the_location_comes_from_a_completed_tasks_ipfs_link() {
        let link = br#"{"storage":"ipfs","location":"/ipfs/bafkreiabc"}"#;
        assert_eq!(
            result_location(&view(TaskStatus::Completed, link)).expect("a location"),
            "/ipfs/bafkreiabc"
        );
        let active = result_location(&view(TaskStatus::Active, link))
            .expect_err("not completed")
            .to_string();
        assert!(active.contains("is ACTIVE, not COMPLETED"), "{active}");
        assert!(active.contains("--watch"), "{active}");
        for (results, expected) in [
            (&b""[..], "no result was uploaded"),
            (
                br#"{"storage":"dropbox","location":"x"}"#,
                "stored on dropbox",
            ),
            (br#"{"storage":"ipfs"}"#, "no `location`"),
        ] {
            let error = result_location(&view(TaskStatus::Completed, results))
                .expect_err("no download")
                .to_string();
            assert!(error.contains(expected), "{error}");
        }
    }
}

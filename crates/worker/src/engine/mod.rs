//! The container engine: a Docker Engine API (Docker or Podman) over a Unix socket, pinned to
//! API 1.41 (Debian 12's Podman 4.3 and Docker ≥ 20.10 both serve it). [`discover`] finds or
//! starts one (design §6.2); [`Engine`] loads and inspects images and removes leftover
//! containers; [`DockerExecutor`] runs app containers (§3.4).

mod discover;
mod docker;
mod raw;

pub use discover::{EngineChoice, discover};
pub use docker::DockerExecutor;

use crate::error::{Result, WorkerError};
use bollard::{Docker, query_parameters::RemoveContainerOptions};
use futures::StreamExt as _;
use sha2::{Digest as _, Sha256};
use std::{collections::HashMap, io::Read as _};
use tokio::sync::Mutex;

/// A connected container engine.
pub struct Engine {
    docker: Docker,
    url: String,
    /// The socket's path (the URL without `unix://`).
    socket: String,
    version: String,
    /// `podman system service` when we started it: killed at [`Engine::shutdown`] (or drop).
    child: Mutex<Option<tokio::process::Child>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("url", &self.url)
            .field("version", &self.version)
            .finish()
    }
}

/// What identifies an image's content: its Id and its registry digests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageDigests {
    /// The Id (config digest), lowercase hex without `sha256:`.
    pub id: String,
    /// The manifest digests of its `RepoDigests` (`name@sha256:<hex>`), as lowercase hex.
    pub repo_digests: Vec<String>,
}

impl ImageDigests {
    /// Whether `checksum` (lowercase hex, no `0x`) is the Id or one of the manifest digests
    /// (design ⚑A7).
    pub fn matches(&self, checksum: &str) -> bool {
        let checksum = checksum.trim_start_matches("0x").to_ascii_lowercase();
        self.id == checksum || self.repo_digests.contains(&checksum)
    }
}

impl Engine {
    /// The bollard client.
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// The engine's URL (`unix://...`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// One line for logs and `poco up`: product, version, API version, URL, who started it.
    pub fn describe(&self) -> String {
        format!("{} at {}", self.version, self.url)
    }

    /// Loads a docker-archive (`docker save`'s format) and returns the Id of its image, lowercase
    /// hex without `sha256:`. The Id is read from the archive (the sha256 of the config its
    /// manifest names), then checked to be present in the engine.
    pub async fn load_image(&self, archive: Vec<u8>) -> Result<String> {
        let id = archive_image_id(&archive)?;
        let body = bollard::body_full(archive.into());
        let mut stream = self.docker.import_image(
            bollard::query_parameters::ImportImageOptions::default(),
            body,
            None,
        );
        while let Some(item) = stream.next().await {
            item.map_err(|e| WorkerError::engine("load an image archive", e))?;
        }
        match self.image_digests(&format!("sha256:{id}")).await? {
            Some(found) if found.id == id => Ok(id),
            Some(found) => Err(WorkerError::engine(
                "load an image archive",
                format!("the engine gave it Id {}, expected {id}", found.id),
            )),
            None => Err(WorkerError::engine(
                "load an image archive",
                format!("image {id} is not in the engine after loading"),
            )),
        }
    }

    /// The Id and manifest digests of the image `reference` (a name, or `sha256:<id>`), or None
    /// when the engine does not have it.
    pub async fn image_digests(&self, reference: &str) -> Result<Option<ImageDigests>> {
        let inspect = match self.docker.inspect_image(reference).await {
            Ok(inspect) => inspect,
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {
                return Ok(None);
            }
            Err(e) => return Err(WorkerError::engine(format!("inspect image {reference}"), e)),
        };
        let id = inspect.id.unwrap_or_default();
        let repo_digests = inspect
            .repo_digests
            .unwrap_or_default()
            .iter()
            .filter_map(|d| {
                d.rsplit_once("@sha256:")
                    .map(|(_, hex)| hex.to_ascii_lowercase())
            })
            .collect();
        Ok(Some(ImageDigests {
            id: strip_sha256(&id),
            repo_digests,
        }))
    }

    /// Pulls `reference` from its registry (`POST /images/create?fromImage=`).
    pub async fn pull(&self, reference: &str) -> Result<()> {
        let options = bollard::query_parameters::CreateImageOptions {
            from_image: Some(reference.to_owned()),
            ..Default::default()
        };
        let mut stream = self.docker.create_image(Some(options), None, None);
        while let Some(item) = stream.next().await {
            item.map_err(|e| WorkerError::engine(format!("pull {reference}"), e))?;
        }
        Ok(())
    }

    /// The ids of the containers labelled `label=value`, running or not.
    pub async fn containers_labelled(&self, label: &str, value: &str) -> Result<Vec<String>> {
        self.containers_with_labels(&[(label, value)]).await
    }

    /// The ids of the containers that have every one of `labels`, running or not.
    pub async fn containers_with_labels(&self, labels: &[(&str, &str)]) -> Result<Vec<String>> {
        let wanted: Vec<String> = labels
            .iter()
            .map(|(label, value)| format!("{label}={value}"))
            .collect();
        let filters = serde_json::json!({ "label": wanted }).to_string();
        let path = format!("/containers/json?all=1&filters={}", raw::encode(&filters));
        let list = raw::get_json(&self.socket, &path).await?;
        let ids = list
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| item.get("Id").and_then(serde_json::Value::as_str))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Ok(ids)
    }

    /// Force-removes (kills) every container labelled `label=value`, running or not; returns
    /// how many.
    pub async fn remove_labelled(&self, label: &str, value: &str) -> Result<usize> {
        self.remove_with_labels(&[(label, value)]).await
    }

    /// Force-removes every container that has all of `labels`; returns how many.
    pub async fn remove_with_labels(&self, labels: &[(&str, &str)]) -> Result<usize> {
        let containers = self.containers_with_labels(labels).await?;
        for id in &containers {
            remove_container(&self.docker, id).await?;
        }
        Ok(containers.len())
    }

    /// Stops the engine service if this process started it.
    pub async fn shutdown(&self) {
        if let Some(mut child) = self.child.lock().await.take() {
            let _ = child.kill().await;
        }
    }
}

/// `DELETE /containers/{id}?force=1&v=1`; a container already gone is fine.
pub(crate) async fn remove_container(docker: &Docker, id: &str) -> Result<()> {
    let options = RemoveContainerOptions {
        force: true,
        v: true,
        ..Default::default()
    };
    match docker.remove_container(id, Some(options)).await {
        Ok(())
        | Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(()),
        Err(e) => Err(WorkerError::engine(format!("remove container {id}"), e)),
    }
}

/// `sha256:abc` → `abc`, lowercased.
fn strip_sha256(id: &str) -> String {
    id.trim_start_matches("sha256:").to_ascii_lowercase()
}

/// The Id of the (first) image in a docker-archive: sha256 of the config file its manifest.json
/// names.
pub fn archive_image_id(archive: &[u8]) -> Result<String> {
    let bad = |cause: String| WorkerError::engine("read an image archive", cause);
    let mut files: HashMap<String, Vec<u8>> = HashMap::new();
    let mut tar = tar::Archive::new(archive);
    for entry in tar.entries().map_err(|e| bad(e.to_string()))? {
        let mut entry = entry.map_err(|e| bad(e.to_string()))?;
        let path = entry
            .path()
            .map_err(|e| bad(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        if path == "manifest.json" || path.ends_with(".json") {
            let mut data = Vec::new();
            entry
                .read_to_end(&mut data)
                .map_err(|e| bad(e.to_string()))?;
            files.insert(path.trim_start_matches("./").to_owned(), data);
        }
    }
    let manifest = files
        .get("manifest.json")
        .ok_or_else(|| bad("no manifest.json".into()))?;
    let manifest: serde_json::Value =
        serde_json::from_slice(manifest).map_err(|e| bad(format!("manifest.json: {e}")))?;
    let config = manifest[0]["Config"]
        .as_str()
        .ok_or_else(|| bad("manifest.json names no Config".into()))?;
    let config = files
        .get(config.trim_start_matches("./"))
        .ok_or_else(|| bad(format!("the config {config} is missing")))?;
    Ok(hex::encode(Sha256::digest(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_id_or_repo_digest() {
        let digests = ImageDigests {
            id: "ab".repeat(32),
            repo_digests: vec!["cd".repeat(32)],
        };
        assert!(digests.matches(&format!("0x{}", "AB".repeat(32))));
        assert!(digests.matches(&"cd".repeat(32)));
        assert!(!digests.matches(&"00".repeat(32)));
    }

    #[test]
    fn the_demo_archive_id_is_its_config_digest() {
        let archive = poco_demo_app::image_archive(poco_demo_app::REFERENCE);
        assert_eq!(
            archive_image_id(&archive).expect("an archive"),
            poco_demo_app::image_id()
        );
        assert!(archive_image_id(b"not a tar").is_err());
    }
}

//! Finding or starting the container engine (design §6.2): `--engine`/`DOCKER_HOST`, the usual
//! sockets, else `podman system service` on a private socket, else a clear "install Podman".

use super::Engine;
use crate::error::{Result, WorkerError};
use bollard::{ClientVersion, Docker};
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};
use tokio::sync::Mutex;

/// The API version every request uses (`/v1.41/...`).
const API: ClientVersion = ClientVersion {
    major_version: 1,
    minor_version: 41,
};

/// Seconds a request to the engine may take before its answer starts (waits use their own).
const REQUEST_TIMEOUT: u64 = 120;

/// How long a spawned `podman system service` may take to answer.
const SPAWN_WAIT: Duration = Duration::from_secs(30);

/// Which engine to use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum EngineChoice {
    /// `DOCKER_HOST`, the usual sockets, else start Podman (§6.2).
    #[default]
    Auto,
    /// This engine only (`unix:///path/to.sock`).
    Url(String),
}

/// Finds or starts the engine. `state_dir` is where a spawned Podman keeps its socket and log
/// (`<state_dir>/podman`, unless `POCO_PODMAN_DIR` is set).
pub async fn discover(choice: EngineChoice, state_dir: &Path) -> Result<Engine> {
    if let EngineChoice::Url(url) = choice {
        return connect(&url).await;
    }
    if let Ok(url) = std::env::var("DOCKER_HOST")
        && !url.is_empty()
    {
        return connect(&url).await;
    }
    let mut candidates = vec![PathBuf::from("/var/run/docker.sock")];
    if let Ok(runtime) = std::env::var("XDG_RUNTIME_DIR") {
        candidates.push(Path::new(&runtime).join("podman/podman.sock"));
    }
    candidates.push(PathBuf::from("/run/podman/podman.sock"));
    let dir = match std::env::var("POCO_PODMAN_DIR") {
        Ok(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => state_dir.join("podman"),
    };
    // A service already running on our private socket (scripts/podman.sh start, a previous run).
    candidates.push(dir.join("podman.sock"));
    for socket in candidates {
        if socket.exists()
            && let Ok(engine) = connect(&format!("unix://{}", socket.display())).await
        {
            return Ok(engine);
        }
    }
    spawn_podman(&dir).await
}

/// Connects to `url` (`unix://` only), pings it and checks its API version.
async fn connect(url: &str) -> Result<Engine> {
    let unreachable = |cause: String| WorkerError::EngineUnreachable {
        url: url.to_owned(),
        cause,
    };
    let Some(path) = url.strip_prefix("unix://") else {
        return Err(unreachable(
            "only unix:// engine URLs are supported (e.g. unix:///run/podman/podman.sock)".into(),
        ));
    };
    let docker = Docker::connect_with_unix(path, REQUEST_TIMEOUT, &API)
        .map_err(|e| unreachable(e.to_string()))?;
    let ping = tokio::time::timeout(Duration::from_secs(5), docker.ping()).await;
    match ping {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(unreachable(format!("no answer to /_ping ({e})"))),
        Err(_) => return Err(unreachable("no answer to /_ping in 5 s".into())),
    }
    let version = docker
        .version()
        .await
        .map_err(|e| unreachable(format!("/version: {e}")))?;
    let api = version.api_version.clone().unwrap_or_default();
    if !api_at_least_1_41(&api) {
        return Err(WorkerError::EngineTooOld {
            url: url.to_owned(),
            version: api,
        });
    }
    let product = version
        .components
        .as_ref()
        .and_then(|c| c.first())
        .map(|c| c.name.clone())
        .or_else(|| version.platform.as_ref().map(|p| p.name.clone()))
        .unwrap_or_else(|| "Docker Engine".to_owned());
    let description = format!(
        "{product} {} (API {api})",
        version.version.as_deref().unwrap_or("?")
    );
    Ok(Engine {
        docker,
        url: url.to_owned(),
        socket: path.to_owned(),
        version: description,
        child: Mutex::new(None),
    })
}

/// Whether an `ApiVersion` such as "1.41" or "1.43" is at least 1.41.
fn api_at_least_1_41(version: &str) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u64>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(major), Some(minor)) => (major, minor) >= (1, 41),
        _ => false,
    }
}

/// Starts `podman system service -t 0 unix://<dir>/podman.sock` (CONTAINERS_CONF =
/// `<dir>/containers.conf` when that file exists, as scripts/podman.sh writes it) and waits for
/// it to answer.
async fn spawn_podman(dir: &Path) -> Result<Engine> {
    let podman = find_on_path("podman").ok_or_else(|| {
        WorkerError::NoEngine(
            " (no Docker or Podman socket answered, and `podman` is not on PATH)".into(),
        )
    })?;
    std::fs::create_dir_all(dir).map_err(|e| WorkerError::io("create", dir, e))?;
    let socket = dir.join("podman.sock");
    // A socket file nobody answers on is stale (a killed service): podman would refuse it.
    let _ = std::fs::remove_file(&socket);
    let log_path = dir.join("podman.log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| WorkerError::io("open", &log_path, e))?;
    let log_err = log
        .try_clone()
        .map_err(|e| WorkerError::io("open", &log_path, e))?;
    let url = format!("unix://{}", socket.display());
    let mut command = tokio::process::Command::new(podman);
    command
        .args(["system", "service", "-t", "0", &url])
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .kill_on_drop(true);
    let conf = dir.join("containers.conf");
    if conf.exists() {
        command.env("CONTAINERS_CONF", &conf);
    }
    let mut child = command.spawn().map_err(|e| {
        WorkerError::NoEngine(format!(" (starting `podman system service` failed: {e})"))
    })?;
    let started = Instant::now();
    loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| WorkerError::io("wait for", &log_path, e))?
        {
            return Err(WorkerError::NoEngine(format!(
                " (`podman system service` exited with {status}; see {})",
                log_path.display()
            )));
        }
        if socket.exists()
            && let Ok(engine) = connect(&url).await
        {
            *engine.child.lock().await = Some(child);
            return Ok(engine.started_by_us());
        }
        if started.elapsed() > SPAWN_WAIT {
            let _ = child.kill().await;
            return Err(WorkerError::NoEngine(format!(
                " (`podman system service` did not answer within {} s; see {})",
                SPAWN_WAIT.as_secs(),
                log_path.display()
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Engine {
    /// Marks the description as a service this process started.
    fn started_by_us(mut self) -> Self {
        self.version.push_str(", started by poco");
        self
    }
}

/// The first executable `name` in PATH.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .map(|m| m.is_file())
                .unwrap_or(false)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_compare_numerically() {
        assert!(api_at_least_1_41("1.41"));
        assert!(api_at_least_1_41("1.43"));
        assert!(api_at_least_1_41("2.0"));
        assert!(!api_at_least_1_41("1.40"));
        assert!(!api_at_least_1_41("1.9"));
        assert!(!api_at_least_1_41(""));
    }

    #[tokio::test]
    async fn only_unix_urls_are_accepted() {
        let err = connect("tcp://127.0.0.1:2375").await.expect_err("refused");
        assert!(err.to_string().contains("only unix://"), "{err}");
        let err = connect("unix:///nonexistent/poco.sock")
            .await
            .expect_err("no socket");
        assert!(
            matches!(err, WorkerError::EngineUnreachable { .. }),
            "{err}"
        );
    }
}

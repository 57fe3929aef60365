//! [`DockerExecutor`]: one app run as design §3.4 says — create (image by Id, mounts, `IEXEC_*`
//! env, labels, no network, limits, no capabilities), start, wait at most the category's time
//! (then SIGKILL), collect the last 64 KiB of each log stream, remove.

use super::{Engine, remove_container};
use crate::{
    error::{Result, WorkerError},
    executor::{Executor, RunOutcome, RunSpec, log_tail},
};
use bollard::{
    Docker,
    container::LogOutput,
    models::{ContainerCreateBody, HostConfig},
    query_parameters::{CreateContainerOptions, KillContainerOptions, LogsOptions},
};
use futures::StreamExt as _;
use std::{
    collections::HashMap,
    future::Future,
    path::Path,
    pin::Pin,
    sync::Arc,
    time::{Duration, Instant},
};

/// Processes one container may run.
const PIDS_LIMIT: i64 = 1024;

/// Runs app containers on an [`Engine`].
#[derive(Clone, Debug)]
pub struct DockerExecutor {
    engine: Arc<Engine>,
}

impl DockerExecutor {
    /// An executor on `engine`.
    pub fn new(engine: Arc<Engine>) -> Self {
        Self { engine }
    }
}

impl Executor for DockerExecutor {
    fn run<'a>(
        &'a self,
        spec: &'a RunSpec,
    ) -> Pin<Box<dyn Future<Output = Result<RunOutcome>> + Send + 'a>> {
        Box::pin(run(&self.engine, spec))
    }
}

/// `poco-<task id, 12 hex>-<worker, 8 hex>`, from the labels; None without them.
fn container_name(spec: &RunSpec) -> Option<String> {
    let task = spec.labels.get("poco.task")?;
    let worker = spec.labels.get("poco.worker")?;
    let (task, worker) = (task.get(2..14)?, worker.get(2..10)?);
    Some(format!("poco-{task}-{worker}").to_ascii_lowercase())
}

/// The create request of §3.4.
fn create_body(spec: &RunSpec, in_dir: &Path, out_dir: &Path) -> ContainerCreateBody {
    let env = spec
        .env
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    let labels: HashMap<String, String> = spec
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let limit = |value: i64| (value > 0).then_some(value);
    ContainerCreateBody {
        image: Some(format!("sha256:{}", spec.image_id)),
        cmd: (!spec.cmd.is_empty()).then(|| spec.cmd.clone()),
        env: Some(env),
        labels: Some(labels),
        network_disabled: Some(true),
        host_config: Some(HostConfig {
            binds: Some(vec![
                format!("{}:/iexec_in:ro", in_dir.display()),
                format!("{}:/iexec_out:rw", out_dir.display()),
            ]),
            network_mode: Some("none".to_owned()),
            memory: limit(spec.memory),
            memory_swap: limit(spec.memory),
            nano_cpus: limit(spec.nano_cpus),
            pids_limit: Some(PIDS_LIMIT),
            cap_drop: Some(vec!["ALL".to_owned()]),
            security_opt: Some(vec!["no-new-privileges".to_owned()]),
            privileged: Some(false),
            auto_remove: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The whole run; the container is removed whatever happens once it exists.
async fn run(engine: &Engine, spec: &RunSpec) -> Result<RunOutcome> {
    let docker = engine.docker();
    let in_dir = std::path::absolute(&spec.in_dir)
        .map_err(|e| WorkerError::io("resolve", &spec.in_dir, e))?;
    let out_dir = std::path::absolute(&spec.out_dir)
        .map_err(|e| WorkerError::io("resolve", &spec.out_dir, e))?;
    prepare_dirs(&in_dir, &out_dir)?;
    let created = Instant::now();
    let id = create(docker, spec, &in_dir, &out_dir).await?;
    let outcome = start_and_wait(engine, &id, spec, created).await;
    let removed = remove_container(docker, &id).await;
    let outcome = outcome?;
    removed?;
    Ok(outcome)
}

/// `in/` exists; `out/` exists with mode 0777, so an app running as any user can write.
fn prepare_dirs(in_dir: &Path, out_dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::create_dir_all(in_dir).map_err(|e| WorkerError::io("create", in_dir, e))?;
    std::fs::create_dir_all(out_dir).map_err(|e| WorkerError::io("create", out_dir, e))?;
    std::fs::set_permissions(out_dir, std::fs::Permissions::from_mode(0o777))
        .map_err(|e| WorkerError::io("make writable", out_dir, e))
}

/// Creates the container; a leftover of the same name (a crashed run) is removed first.
async fn create(docker: &Docker, spec: &RunSpec, in_dir: &Path, out_dir: &Path) -> Result<String> {
    let name = container_name(spec);
    let options = CreateContainerOptions {
        name: name.clone(),
        ..Default::default()
    };
    let body = create_body(spec, in_dir, out_dir);
    match docker
        .create_container(Some(options.clone()), body.clone())
        .await
    {
        Ok(created) => Ok(created.id),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 409, ..
        }) if name.is_some() => {
            remove_container(docker, name.as_deref().unwrap_or_default()).await?;
            let created = docker
                .create_container(Some(options), body)
                .await
                .map_err(|e| WorkerError::engine("create the app container", e))?;
            Ok(created.id)
        }
        Err(e) => Err(WorkerError::engine("create the app container", e)),
    }
}

/// Starts, waits (killing at the time limit), inspects and reads the logs.
async fn start_and_wait(
    engine: &Engine,
    id: &str,
    spec: &RunSpec,
    created: Instant,
) -> Result<RunOutcome> {
    let docker = engine.docker();
    if let Err(e) = docker.start_container(id, None).await {
        let text = e.to_string();
        let hint = if text.contains("crun") || text.contains("cgroup") {
            " (run scripts/podman.sh ensure: runc, cgroupfs)"
        } else {
            ""
        };
        return Err(WorkerError::engine(
            "start the app container",
            format!("{text}{hint}"),
        ));
    }
    // The wait request stays open as long as the app runs: longer than the usual timeout.
    let waiter = docker
        .clone()
        .with_timeout(spec.max_run_time + Duration::from_secs(60));
    let mut wait = waiter.wait_container(id, None);
    let timed_out = match tokio::time::timeout(spec.max_run_time, wait.next()).await {
        Ok(Some(Ok(_)))
        | Ok(Some(Err(bollard::errors::Error::DockerContainerWaitError { .. })))
        | Ok(None) => false,
        Ok(Some(Err(e))) => return Err(WorkerError::engine("wait for the app container", e)),
        Err(_) => true,
    };
    drop(wait);
    if timed_out {
        kill(docker, id).await?;
    }
    let run_time = created.elapsed();
    // Read as plain JSON: Podman's states include some bollard's models refuse.
    let inspect = super::raw::get_json(&engine.socket, &format!("/containers/{id}/json")).await?;
    let state = &inspect["State"];
    let (stdout, stderr) = logs(docker, id).await?;
    Ok(RunOutcome {
        exit_code: state["ExitCode"].as_i64(),
        timed_out,
        oom_killed: state["OOMKilled"].as_bool().unwrap_or(false),
        stdout,
        stderr,
        run_time,
    })
}

/// SIGKILL, then wait (briefly) until it is no longer running.
async fn kill(docker: &Docker, id: &str) -> Result<()> {
    let options = KillContainerOptions {
        signal: "SIGKILL".to_owned(),
    };
    match docker.kill_container(id, Some(options)).await {
        Ok(())
        | Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 409, ..
        }) => {}
        Err(e) => return Err(WorkerError::engine("kill the app container", e)),
    }
    let mut wait = docker.wait_container(id, None);
    let _ = tokio::time::timeout(Duration::from_secs(30), wait.next()).await;
    Ok(())
}

/// The last 64 KiB of stdout and of stderr.
async fn logs(docker: &Docker, id: &str) -> Result<(String, String)> {
    let options = LogsOptions {
        stdout: true,
        stderr: true,
        ..Default::default()
    };
    let mut stream = docker.logs(id, Some(options));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    while let Some(item) = stream.next().await {
        match item.map_err(|e| WorkerError::engine("read the app's logs", e))? {
            LogOutput::StdErr { message } => keep_tail(&mut err, &message),
            LogOutput::StdOut { message } | LogOutput::Console { message } => {
                keep_tail(&mut out, &message)
            }
            LogOutput::StdIn { .. } => {}
        }
    }
    Ok((log_tail(&out), log_tail(&err)))
}

/// Appends, keeping the buffer bounded (twice the limit, trimmed later by `log_tail`).
fn keep_tail(buffer: &mut Vec<u8>, message: &[u8]) {
    buffer.extend_from_slice(message);
    let limit = 2 * crate::executor::LOG_LIMIT;
    if buffer.len() > limit {
        buffer.drain(..buffer.len() - limit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn spec() -> RunSpec {
        RunSpec {
            image_id: "ab".repeat(32),
            cmd: vec![],
            env: vec![("IEXEC_IN".into(), "/iexec_in".into())],
            in_dir: "/w/in".into(),
            out_dir: "/w/out".into(),
            max_run_time: Duration::from_secs(5),
            nano_cpus: 1_000_000_000,
            memory: 0,
            labels: BTreeMap::from([
                ("poco.task".to_owned(), format!("0x{}", "12".repeat(32))),
                (
                    "poco.worker".to_owned(),
                    "0xAbCdEf0123456789abcdef0123456789abcdef01".to_owned(),
                ),
            ]),
        }
    }

    #[test]
    fn container_is_named_after_task_and_worker() {
        assert_eq!(
            container_name(&spec()).as_deref(),
            Some("poco-121212121212-abcdef01")
        );
        assert_eq!(
            container_name(&RunSpec {
                labels: BTreeMap::new(),
                ..spec()
            }),
            None
        );
    }

    #[test]
    fn create_body_is_locked_down() {
        let body = create_body(&spec(), Path::new("/w/in"), Path::new("/w/out"));
        assert_eq!(
            body.image.as_deref(),
            Some(format!("sha256:{}", "ab".repeat(32)).as_str())
        );
        assert_eq!(body.cmd, None, "empty args: the image's CMD");
        assert_eq!(body.network_disabled, Some(true));
        let host = body.host_config.expect("host config");
        assert_eq!(
            host.binds,
            Some(vec![
                "/w/in:/iexec_in:ro".to_owned(),
                "/w/out:/iexec_out:rw".to_owned()
            ])
        );
        assert_eq!(host.network_mode.as_deref(), Some("none"));
        assert_eq!(host.memory, None);
        assert_eq!(host.nano_cpus, Some(1_000_000_000));
        assert_eq!(host.cap_drop, Some(vec!["ALL".to_owned()]));
        assert_eq!(host.privileged, Some(false));
    }

    #[test]
    fn keep_tail_bounds_the_buffer() {
        let mut buffer = Vec::new();
        for _ in 0..10 {
            keep_tail(&mut buffer, &vec![b'x'; crate::executor::LOG_LIMIT]);
        }
        assert_eq!(buffer.len(), 2 * crate::executor::LOG_LIMIT);
    }
}

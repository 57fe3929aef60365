//! What running one app container means to the replicate driver: a [`RunSpec`] in, a
//! [`RunOutcome`] out. [`crate::engine::DockerExecutor`] is the real implementation (design
//! §3.4); tests inject their own (a faulty worker that alters its result, §6.4).

use crate::error::Result;
use std::{collections::BTreeMap, future::Future, path::PathBuf, pin::Pin, time::Duration};

/// Runs app containers.
pub trait Executor: Send + Sync {
    /// Runs `spec` to completion (or its time limit) and reports how it ended. An app that
    /// fails or times out is an `Ok` outcome; `Err` means the worker could not run it at all
    /// (engine down, image gone): no contribution follows.
    fn run<'a>(
        &'a self,
        spec: &'a RunSpec,
    ) -> Pin<Box<dyn Future<Output = Result<RunOutcome>> + Send + 'a>>;
}

/// One container run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSpec {
    /// The image's Id, without `sha256:` (never a tag: a retag cannot swap the app).
    pub image_id: String,
    /// The command (the entrypoint's arguments); empty: the image's own CMD.
    pub cmd: Vec<String>,
    /// The environment, `IEXEC_*` (§3.4).
    pub env: Vec<(String, String)>,
    /// Host directory mounted read-only at `/iexec_in`.
    pub in_dir: PathBuf,
    /// Host directory mounted read-write at `/iexec_out`.
    pub out_dir: PathBuf,
    /// The category's maximum run time: the container is killed after it.
    pub max_run_time: Duration,
    /// CPU limit in billionths of a CPU (0: none).
    pub nano_cpus: i64,
    /// Memory limit in bytes, swap included (0: none).
    pub memory: i64,
    /// Labels (`poco.task`, `poco.deal`, `poco.worker`), so leftovers can be found and removed.
    pub labels: BTreeMap<String, String>,
}

/// How a run ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunOutcome {
    /// The exit code, when the container exited (None when killed on timeout before reporting).
    pub exit_code: Option<i64>,
    /// Killed because it ran longer than `max_run_time`.
    pub timed_out: bool,
    /// Killed by the kernel for using more than its memory limit.
    pub oom_killed: bool,
    /// The last 64 KiB of its standard output.
    pub stdout: String,
    /// The last 64 KiB of its standard error.
    pub stderr: String,
    /// From container creation to its exit.
    pub run_time: Duration,
}

impl RunOutcome {
    /// Whether the app ended by itself with exit code 0.
    pub fn succeeded(&self) -> bool {
        !self.timed_out && !self.oom_killed && self.exit_code == Some(0)
    }
}

/// The most of each log stream kept and reported (the scheduler caps at the same size).
pub const LOG_LIMIT: usize = 64 * 1024;

/// The last [`LOG_LIMIT`] bytes of `bytes` as text, cut at a character boundary.
pub fn log_tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.len() <= LOG_LIMIT {
        return text.into_owned();
    }
    let mut start = text.len() - LOG_LIMIT;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_tail_keeps_the_end_on_a_char_boundary() {
        assert_eq!(log_tail(b"short"), "short");
        let mut long = "é".repeat(LOG_LIMIT);
        long.push('!');
        let tail = log_tail(long.as_bytes());
        assert!(tail.len() <= LOG_LIMIT);
        assert!(tail.ends_with("é!"));
    }

    #[test]
    fn success_needs_exit_zero_without_kill() {
        let ok = RunOutcome {
            exit_code: Some(0),
            ..Default::default()
        };
        assert!(ok.succeeded());
        assert!(
            !RunOutcome {
                timed_out: true,
                ..ok.clone()
            }
            .succeeded()
        );
        assert!(
            !RunOutcome {
                exit_code: Some(3),
                ..ok.clone()
            }
            .succeeded()
        );
        assert!(
            !RunOutcome {
                exit_code: None,
                ..ok
            }
            .succeeded()
        );
    }
}

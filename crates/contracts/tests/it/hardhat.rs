//! Hardhat's node (bench/hardhat, installed by `npm ci` there; scripts/test.sh does it) as an
//! independent EVM to deploy to: spawned on a free port, waited for until it answers
//! JSON-RPC, killed when dropped. Its output goes to a temporary file, shown if it fails to
//! start (a pipe nobody reads would fill up with Hardhat's per-request log and stall it).

use crate::common::{free_port, reader};
use poco_contracts::alloy::providers::Provider;
use std::{
    fs::File,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// How long Hardhat may take to answer its first request (it loads ~100 MB of JavaScript).
const STARTUP: Duration = Duration::from_secs(60);
/// Attempts, in case another process takes the free port between our probe and Hardhat's bind.
const ATTEMPTS: usize = 3;

/// A running Hardhat node.
pub struct HardhatNode {
    child: Child,
    url: String,
    _log_dir: tempfile::TempDir,
}

impl HardhatNode {
    /// Starts a node and waits until it answers. Fails the test, saying how to install
    /// Hardhat, when it is not installed.
    pub async fn start() -> Self {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/hardhat");
        let bin = dir.join("node_modules/.bin/hardhat");
        assert!(
            bin.exists(),
            "Hardhat is not installed ({} is missing): run `cd bench/hardhat && npm ci` \
             (scripts/test.sh does it)",
            bin.display()
        );
        let mut failures = Vec::new();
        for _ in 0..ATTEMPTS {
            match Self::try_start(&dir, &bin).await {
                Ok(node) => return node,
                Err(failure) => failures.push(failure),
            }
        }
        panic!(
            "Hardhat's node did not start:\n{}",
            failures.join("\n---\n")
        );
    }

    async fn try_start(dir: &Path, bin: &Path) -> Result<Self, String> {
        let port = free_port();
        let log_dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
        let log_path = log_dir.path().join("hardhat.log");
        let log = File::create(&log_path).map_err(|e| format!("log file: {e}"))?;
        let log_err = log.try_clone().map_err(|e| format!("log file: {e}"))?;
        let child = Command::new(bin)
            .args(["node", "--hostname", "127.0.0.1", "--port"])
            .arg(port.to_string())
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
        let mut node = HardhatNode {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _log_dir: log_dir,
        };
        let provider = reader(&node.url);
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = node.child.try_wait() {
                return Err(format!("exited with {status}:\n{}", read_log(&log_path)));
            }
            if let Ok(chain_id) = provider.get_chain_id().await {
                assert_eq!(chain_id, 31337, "bench/hardhat's chain id");
                return Ok(node);
            }
            if start.elapsed() > STARTUP {
                let _ = node.child.kill();
                return Err(format!(
                    "no answer on {} after {STARTUP:?}:\n{}",
                    node.url,
                    read_log(&log_path)
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Its JSON-RPC URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for HardhatNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_log(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| format!("(no log: {e})"))
}

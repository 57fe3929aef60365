//! The data directory of a local stack, file by file, and the lock that keeps two `poco up`
//! from sharing one:
//!
//! ```text
//! up.lock  stack.json  chain/state.json  market.sqlite  results.sqlite  results/blobs/
//! scheduler.sqlite  workers/<i>/  podman/
//! ```

use crate::error::{Result, StackError};
use std::{
    fs::File,
    path::{Path, PathBuf},
};

/// Paths inside a stack's data directory.
#[derive(Clone, Debug)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    /// The layout rooted at `root` (nothing is created).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The data directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The record of what setup made (`stack.json`).
    pub fn record(&self) -> PathBuf {
        self.root.join("stack.json")
    }

    /// The chain's state file, saved periodically and at stop.
    pub fn chain_state(&self) -> PathBuf {
        self.root.join("chain").join("state.json")
    }

    /// A service's SQLite database (`market`, `results`, `scheduler`).
    pub fn sqlite(&self, service: &str) -> PathBuf {
        self.root.join(format!("{service}.sqlite"))
    }

    /// The result storage's blobs.
    pub fn blobs(&self) -> PathBuf {
        self.root.join("results").join("blobs")
    }

    /// Worker `index`'s directory (its database and task folders).
    pub fn worker(&self, index: usize) -> PathBuf {
        self.root.join("workers").join(index.to_string())
    }

    /// Where a private Podman API is started when the stack has to start one.
    pub fn podman(&self) -> PathBuf {
        self.root.join("podman")
    }

    /// Creates the directory (and removes what was there first when `fresh`), then takes its
    /// lock, held until the returned file is dropped.
    pub fn prepare(&self, fresh: bool) -> Result<File> {
        if fresh && self.root.exists() {
            // Only what a stack writes is removed: a wrong --data-dir must not wipe a home.
            for name in [
                "stack.json",
                "chain",
                "market.sqlite",
                "results.sqlite",
                "results",
                "scheduler.sqlite",
                "workers",
            ] {
                let path = self.root.join(name);
                let removed = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                match removed {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(StackError::io("removing", path)(e));
                    }
                    _ => {}
                }
            }
            for suffix in ["-wal", "-shm"] {
                for service in ["market", "results", "scheduler"] {
                    let _ =
                        std::fs::remove_file(self.root.join(format!("{service}.sqlite{suffix}")));
                }
            }
        }
        for dir in [self.root.clone(), self.root.join("chain"), self.blobs()] {
            std::fs::create_dir_all(&dir).map_err(StackError::io("creating", dir.clone()))?;
        }
        let path = self.root.join("up.lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(StackError::io("opening", path.clone()))?;
        match lock.try_lock() {
            Ok(()) => Ok(lock),
            Err(std::fs::TryLockError::WouldBlock) => Err(StackError::Locked(self.root.clone())),
            Err(std::fs::TryLockError::Error(e)) => Err(StackError::io("locking", path)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_stack_on_the_same_directory_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let layout = Layout::new(dir.path());
        let _held = layout.prepare(false).expect("first lock");
        let second = Layout::new(dir.path()).prepare(false);
        assert!(matches!(second, Err(StackError::Locked(_))), "{second:?}");
    }

    #[test]
    fn fresh_removes_only_what_a_stack_writes() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("stack.json"), "{}").expect("write");
        std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
        drop(Layout::new(dir.path()).prepare(true).expect("prepared"));
        assert!(!dir.path().join("stack.json").exists());
        assert!(dir.path().join("notes.txt").exists());
    }
}

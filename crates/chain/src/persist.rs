//! State files: the whole chain (blocks, receipts, newest state, clock) in a versioned JSON
//! document, written atomically (temporary file, fsync, rename) so a crash mid-save leaves the
//! previous file intact.

use crate::{ChainError, Result, backend::SavedChain};
use serde::{Deserialize, Serialize};
use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

/// The `format` marker of a state file.
pub const FORMAT: &str = "poco-chain-state";
/// The version this build writes and reads.
pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct StateFile {
    format: String,
    version: u32,
    chain: SavedChain,
}

#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u32>,
}

/// Loads the chain saved at `path`; `None` when there is no file yet.
pub fn load(path: &Path) -> Result<Option<SavedChain>> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ChainError::StateIo {
                path: path.to_owned(),
                source,
            });
        }
    };
    let bad = |reason: String| ChainError::StateFormat {
        path: path.to_owned(),
        reason,
    };
    let header: Header =
        serde_json::from_slice(&bytes).map_err(|e| bad(format!("not JSON: {e}")))?;
    if header.format.as_deref() != Some(FORMAT) {
        return Err(bad(format!("its format is not \"{FORMAT}\"")));
    }
    match header.version {
        Some(VERSION) => {}
        Some(v) => {
            return Err(bad(format!(
                "it is version {v}, this build reads version {VERSION}"
            )));
        }
        None => return Err(bad("it has no version".to_owned())),
    }
    let file: StateFile = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    Ok(Some(file.chain))
}

/// Saves `chain` at `path` atomically.
pub fn save(path: &Path, chain: SavedChain) -> Result<()> {
    let io = |source| ChainError::StateIo {
        path: path.to_owned(),
        source,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_owned);
    fs::create_dir_all(&dir).map_err(io)?;
    let file = StateFile {
        format: FORMAT.to_owned(),
        version: VERSION,
        chain,
    };
    let json = serde_json::to_vec(&file).map_err(|e| ChainError::StateFormat {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    let mut tmp = tempfile_in(&dir, path).map_err(io)?;
    tmp.1.write_all(&json).map_err(io)?;
    tmp.1.sync_all().map_err(io)?;
    fs::rename(&tmp.0, path).map_err(io)?;
    // Make the rename itself durable.
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn tempfile_in(dir: &Path, target: &Path) -> std::io::Result<(PathBuf, fs::File)> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".to_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)?;
    Ok((tmp, file))
}

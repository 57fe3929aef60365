//! COMPUTED (design §3.5): from the app's `out/` to what the worker contributes — checking
//! computed.json (paths must stay inside `out/`), writing `error.txt` when the app or its
//! inputs failed, the result digest, and the deterministic `iexec_out.zip`.
//!
//! The rules are deterministic: honest workers given the same app outputs produce the same
//! error line, digest and zip bytes (hence the same CID).

use crate::{
    error::{Result, WorkerError},
    executor::RunOutcome,
};
use alloy_primitives::{B256, Bytes};
use poco_types::{
    callback_digest,
    core::ReplicateStatusCause,
    digest_fs::result_digest,
    results::{COMPUTED_FILE, ComputedFile, ERROR_FILE, error_line},
};
use std::{
    fs,
    io::Write as _,
    path::{Path, PathBuf},
    time::Duration,
};

/// Why there is no app result, written to `error.txt` as `CAUSE: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The iExec cause (`APP_COMPUTE_FAILED`...).
    pub cause: ReplicateStatusCause,
    /// A deterministic message: no paths, times or logs.
    pub message: String,
}

impl Failure {
    /// A failure with this cause and message.
    pub fn new(cause: ReplicateStatusCause, message: impl Into<String>) -> Self {
        Self {
            cause,
            message: message.into(),
        }
    }

    /// The failure a run ended with, if it did not succeed: timeout, memory, exit code.
    pub fn of_run(outcome: &RunOutcome, max_run_time: Duration) -> Option<Self> {
        if outcome.timed_out {
            return Some(Self::new(
                ReplicateStatusCause::AppComputeTimeout,
                format!(
                    "the app ran longer than the category's {} s and was stopped",
                    max_run_time.as_secs()
                ),
            ));
        }
        if outcome.oom_killed {
            return Some(Self::new(
                ReplicateStatusCause::AppComputeFailed,
                "the app was killed for using more memory than the worker allows",
            ));
        }
        match outcome.exit_code {
            Some(0) => None,
            Some(code) => Some(Self::new(
                ReplicateStatusCause::AppComputeFailed,
                format!("the app exited with code {code}"),
            )),
            None => Some(Self::new(
                ReplicateStatusCause::AppComputeFailed,
                "the app stopped without an exit code",
            )),
        }
    }

    /// The app's computed.json is missing or invalid.
    pub fn no_computed() -> Self {
        Self::new(
            ReplicateStatusCause::ComputedFileNotFound,
            "the app wrote no valid /iexec_out/computed.json",
        )
    }
}

/// What a replicate contributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Computed {
    /// The result digest (`resultDigest` of `reveal` and `contributeAndFinalize`).
    pub digest: B256,
    /// The callback data to finalize with (callback deals only; may be empty).
    pub callback_data: Option<Bytes>,
    /// The failure written to error.txt, if any.
    pub failure: Option<Failure>,
    /// Why computed.json was refused, for the requester's debugging (not in error.txt).
    pub computed_error: Option<String>,
}

/// Turns `out_dir` into a result: `failure` (of the inputs or the run) or an invalid
/// computed.json writes error.txt and a computed.json pointing at it; then the digest. A deal
/// with a callback (`has_callback`) digests the callback data (empty if none, ⚑A22).
pub fn finish(out_dir: &Path, failure: Option<Failure>, has_callback: bool) -> Result<Computed> {
    fs::create_dir_all(out_dir).map_err(|e| WorkerError::io("create", out_dir, e))?;
    // Links and special files could point the digest or the zip at host files: they go.
    remove_non_regular(out_dir)?;
    let mut computed_error = None;
    let checked = match &failure {
        Some(_) => None,
        None => match check_computed(out_dir, has_callback) {
            Ok(valid) => Some(valid),
            Err(reason) => {
                computed_error = Some(reason);
                None
            }
        },
    };
    let (valid, failure) = match checked {
        Some(valid) => (valid, None),
        None => {
            let failure = failure.unwrap_or_else(Failure::no_computed);
            (write_error(out_dir, &failure)?, Some(failure))
        }
    };
    let (digest, callback_data) = if has_callback {
        let data = valid.file.callback_data.clone().unwrap_or_default();
        (callback_digest(&data), Some(data))
    } else {
        let path = valid
            .host_path
            .as_deref()
            .expect("checked: a path without a callback");
        let digest = result_digest(path).map_err(|e| WorkerError::io("hash", path, e))?;
        (digest, None)
    };
    Ok(Computed {
        digest,
        callback_data,
        failure,
        computed_error,
    })
}

/// A computed.json that passed the checks.
struct Valid {
    file: ComputedFile,
    /// The output on the host, canonical and inside `out/` (None: callback data only).
    host_path: Option<PathBuf>,
}

/// Reads and checks `out/computed.json`: it parses, its output path (if any) stays inside
/// `out/` once links are resolved and exists; without a callback deal, a path is required.
fn check_computed(out_dir: &Path, has_callback: bool) -> Result<Valid, String> {
    let bytes = fs::read(out_dir.join(COMPUTED_FILE))
        .map_err(|e| format!("cannot read /iexec_out/{COMPUTED_FILE}: {e}"))?;
    let file = ComputedFile::parse(&bytes).map_err(|e| e.to_string())?;
    let relative = file.relative_output_path().map_err(|e| e.to_string())?;
    let host_path = match &relative {
        None => None,
        Some(relative) => {
            let shown = file.deterministic_output_path.clone().unwrap_or_default();
            let root = out_dir
                .canonicalize()
                .map_err(|e| format!("/iexec_out: {e}"))?;
            let path = out_dir
                .join(relative)
                .canonicalize()
                .map_err(|_| format!("the deterministic output path {shown:?} does not exist"))?;
            if !path.starts_with(&root) {
                return Err(format!(
                    "the deterministic output path {shown:?} leaves /iexec_out"
                ));
            }
            Some(path)
        }
    };
    if !has_callback && host_path.is_none() {
        return Err(
            "computed.json has no deterministic-output-path and the deal has no \
                    callback: there is nothing to digest"
                .into(),
        );
    }
    if has_callback && host_path.is_none() && file.callback_data.is_none() {
        return Err("computed.json gives neither an output path nor callback data".into());
    }
    Ok(Valid { file, host_path })
}

/// Writes `error.txt` and a computed.json pointing at it (the app's other outputs stay).
fn write_error(out_dir: &Path, failure: &Failure) -> Result<Valid> {
    let error_path = out_dir.join(ERROR_FILE);
    let _ = fs::remove_file(&error_path);
    fs::write(&error_path, error_line(failure.cause, &failure.message))
        .map_err(|e| WorkerError::io("write", &error_path, e))?;
    let file = ComputedFile::for_error_file();
    let computed_path = out_dir.join(COMPUTED_FILE);
    let _ = fs::remove_file(&computed_path);
    fs::write(&computed_path, file.to_json_bytes())
        .map_err(|e| WorkerError::io("write", &computed_path, e))?;
    Ok(Valid {
        file,
        host_path: Some(error_path),
    })
}

/// Removes symbolic links and special files (FIFOs, sockets, devices) under `dir`, without
/// following links.
fn remove_non_regular(dir: &Path) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| WorkerError::io("list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| WorkerError::io("list", dir, e))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| WorkerError::io("inspect", &path, e))?;
        if kind.is_dir() {
            remove_non_regular(&path)?;
        } else if !kind.is_file() {
            fs::remove_file(&path).map_err(|e| WorkerError::io("remove", &path, e))?;
        }
    }
    Ok(())
}

/// Zips `out_dir` deterministically: regular files only, sorted by path, `/`-separated names,
/// mtime 1980-01-01, mode 0644, deflate level 6. The same outputs always give the same bytes.
pub fn zip_dir(out_dir: &Path) -> Result<Vec<u8>> {
    let mut files = Vec::new();
    collect_files(out_dir, "", &mut files)?;
    files.sort();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(zip::DateTime::DEFAULT)
        .system(zip::System::Unix)
        .unix_permissions(0o644);
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let zip_error = |e: zip::result::ZipError| WorkerError::io("zip", out_dir, e.into());
    for name in files {
        let path = out_dir.join(&name);
        let data = fs::read(&path).map_err(|e| WorkerError::io("read", &path, e))?;
        writer
            .start_file(name.as_str(), options)
            .map_err(zip_error)?;
        writer
            .write_all(&data)
            .map_err(|e| WorkerError::io("zip", &path, e))?;
    }
    Ok(writer.finish().map_err(zip_error)?.into_inner())
}

/// Appends the regular files under `dir` as `prefix`-relative, `/`-joined names.
fn collect_files(dir: &Path, prefix: &str, files: &mut Vec<String>) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| WorkerError::io("list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| WorkerError::io("list", dir, e))?;
        let kind = entry
            .file_type()
            .map_err(|e| WorkerError::io("inspect", entry.path(), e))?;
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if kind.is_dir() {
            collect_files(&entry.path(), &format!("{name}/"), files)?;
        } else if kind.is_file() {
            files.push(name);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

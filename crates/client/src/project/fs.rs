//! Reading and writing the project's JSON files: parse errors that say where, and atomic writes
//! in the SDK's layout.

use super::json::{JsonObject, JsonValue};
use crate::error::{ClientError, Result};
use std::{
    fs,
    io::{self, Write as _},
    path::{Path, PathBuf},
};

/// The text of a project file: `JSON.stringify(value, null, 2)`, exactly as the SDK's
/// `saveJSONToFile` writes it (two-space indent, no trailing newline).
pub fn file_text(value: &JsonValue) -> String {
    value.stringify_pretty()
}

/// Reads and parses `path`; `None` when it does not exist.
pub fn read_optional(path: &Path) -> Result<Option<JsonValue>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ClientError::ProjectIo {
                action: "read",
                file: path.to_path_buf(),
                source,
            });
        }
    };
    // A UTF-8 byte order mark (some Windows editors write one) is not JSON.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    JsonValue::parse(text)
        .map(Some)
        .map_err(|e| ClientError::ProjectJson {
            file: path.to_path_buf(),
            line: e.line,
            column: e.column,
            message: e.message,
        })
}

/// Reads and parses `path`, which must exist (`create_with` names the command creating it).
pub fn read_required(path: &Path, create_with: &'static str) -> Result<JsonValue> {
    read_optional(path)?.ok_or_else(|| ClientError::ProjectFileMissing {
        file: path.to_path_buf(),
        create_with,
    })
}

/// The top-level object of a project file.
pub fn expect_object(path: &Path, value: JsonValue) -> Result<JsonObject> {
    match value {
        JsonValue::Object(object) => Ok(object),
        other => Err(ClientError::ProjectValue {
            file: path.to_path_buf(),
            key: "(top level)".into(),
            value: abbreviate(&other),
            reason: format!("is {}, not a JSON object", other.kind()),
        }),
    }
}

/// A value as shown in an error message: its compact JSON, cut when long.
pub fn abbreviate(value: &JsonValue) -> String {
    const MAX: usize = 120;
    let text = value.stringify();
    if text.chars().count() <= MAX {
        return text;
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

/// Writes `value` to `path` atomically: a temporary file in the same directory, flushed to disk,
/// then renamed over `path`, so that a crash leaves either the old file or the new one. Creates
/// the directory when missing.
pub fn write_atomic(path: &Path, value: &JsonValue) -> Result<()> {
    let io_error = |action: &'static str, file: &Path| {
        let file = file.to_path_buf();
        move |source| ClientError::ProjectIo {
            action,
            file,
            source,
        }
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(io_error("create the directory of", path))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "project.json".into());
    let temp = dir.join(format!(
        ".{name}.{}.{:016x}.tmp",
        std::process::id(),
        rand::random::<u64>()
    ));
    let written = (|| -> io::Result<()> {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(file_text(value).as_bytes())?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if let Err(source) = written {
        let _ = fs::remove_file(&temp);
        return Err(io_error("write", path)(source));
    }
    // Make the rename itself durable. Directories cannot be opened for syncing everywhere
    // (Windows), and the file is already complete either way.
    if let Ok(dir) = fs::File::open(&dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Writes a new file: refuses to replace an existing one unless `force`.
pub fn write_new(path: &Path, value: &JsonValue, force: bool) -> Result<()> {
    if !force && path.exists() {
        return Err(ClientError::ProjectFileExists {
            file: path.to_path_buf(),
        });
    }
    write_atomic(path, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_atomically_in_the_sdk_layout_and_reads_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub").join("x.json");
        let value = JsonValue::parse(r#"{"a":[1,2],"b":{}}"#).expect("valid");
        write_atomic(&path, &value).expect("written");
        let text = fs::read_to_string(&path).expect("readable");
        assert_eq!(text, "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}");
        assert_eq!(read_optional(&path).expect("read"), Some(value.clone()));
        // No temporary file left behind.
        let names: Vec<_> = fs::read_dir(path.parent().expect("dir"))
            .expect("listable")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["x.json"]);
        assert!(matches!(
            write_new(&path, &value, false),
            Err(ClientError::ProjectFileExists { .. })
        ));
        write_new(&path, &JsonValue::Null, true).expect("forced");
        assert_eq!(fs::read_to_string(&path).expect("readable"), "null");
    }

    #[test]
    fn missing_and_malformed_files_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("iexec.json");
        assert_eq!(read_optional(&path).expect("missing is fine"), None);
        let e = read_required(&path, "poco init").expect_err("missing");
        let message = e.to_string();
        assert!(message.contains("iexec.json not found"), "{message}");
        assert!(message.contains("`poco init`"), "{message}");

        fs::write(&path, "\u{feff}{\n  \"a\": 1,\n}").expect("writable");
        let e = read_required(&path, "poco init").expect_err("malformed");
        assert!(
            matches!(
                &e,
                ClientError::ProjectJson {
                    line: 3,
                    column: 1,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .contains("iexec.json is not valid JSON at line 3, column 1")
        );

        let e = expect_object(&path, JsonValue::from(vec![])).expect_err("not an object");
        assert!(
            e.to_string().contains("is an array, not a JSON object"),
            "{e}"
        );
    }
}

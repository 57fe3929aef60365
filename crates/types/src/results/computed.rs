//! `/iexec_out/computed.json`, the app's description of its result (spec §1):
//! `{"deterministic-output-path": "/iexec_out/…", "callback-data": "0x…", "error-message": "…"}`.
//! Keys it does not know (iExec's TEE fields `task-id`, `result-digest`, `enclave-signature`)
//! are ignored. A result needs an output path under `/iexec_out` or callback data.

use super::{IEXEC_OUT, error::ResultFormatError};
use alloy_primitives::{Bytes, hex};
use serde::Serialize;
use serde_json::{Map, Value};
use std::path::{Component, Path, PathBuf};

/// A parsed computed.json.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ComputedFile {
    /// Where the deterministic result is, as the app sees it (`/iexec_out` or under it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deterministic_output_path: Option<String>,
    /// The callback data for the deal's callback contract (non-empty; `"0x"` reads as none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_data: Option<Bytes>,
    /// A message the app gives about a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

impl ComputedFile {
    /// The computed.json a worker writes when the app failed: it points at `error.txt`.
    pub fn for_error_file() -> Self {
        Self {
            deterministic_output_path: Some(format!("{IEXEC_OUT}/{}", super::ERROR_FILE)),
            ..Self::default()
        }
    }

    /// Reads computed.json's bytes. `null` and empty strings count as absent. Fails when the
    /// bytes are not a JSON object, a field has the wrong type, callback data is not `0x` hex,
    /// the output path is not under `/iexec_out`, or neither an output path nor callback data
    /// is given.
    pub fn parse(bytes: &[u8]) -> Result<Self, ResultFormatError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| ResultFormatError::ComputedJson {
                reason: e.to_string(),
            })?;
        let Value::Object(object) = value else {
            return Err(ResultFormatError::ComputedJson {
                reason: format!("it is a JSON {}", kind(&value)),
            });
        };
        let deterministic_output_path = string_field(&object, "deterministic-output-path")?;
        if let Some(path) = &deterministic_output_path {
            relative_output_path(path)?;
        }
        let callback_data = match string_field(&object, "callback-data")? {
            None => None,
            Some(text) => {
                let digits = text
                    .strip_prefix("0x")
                    .or_else(|| text.strip_prefix("0X"))
                    .ok_or_else(|| ResultFormatError::ComputedField {
                        field: "callback-data",
                        reason: format!("must be 0x followed by hex digits, not {text:?}"),
                    })?;
                let bytes = hex::decode(digits).map_err(|e| ResultFormatError::ComputedField {
                    field: "callback-data",
                    reason: format!("must be 0x followed by hex digits ({e})"),
                })?;
                (!bytes.is_empty()).then(|| Bytes::from(bytes))
            }
        };
        let error_message = string_field(&object, "error-message")?;
        if deterministic_output_path.is_none() && callback_data.is_none() {
            return Err(ResultFormatError::ComputedEmpty);
        }
        Ok(Self {
            deterministic_output_path,
            callback_data,
            error_message,
        })
    }

    /// The output path relative to `/iexec_out` (empty for `/iexec_out` itself), when given.
    pub fn relative_output_path(&self) -> Result<Option<PathBuf>, ResultFormatError> {
        self.deterministic_output_path
            .as_deref()
            .map(relative_output_path)
            .transpose()
    }

    /// The compact JSON bytes (keys in kebab-case, absent fields left out).
    pub fn to_json_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a struct of strings and bytes serializes")
    }
}

/// `path` (as the app wrote it) relative to `/iexec_out`: an empty path for `/iexec_out`
/// itself. Refuses relative paths, paths outside `/iexec_out` and any `..` (a path that could
/// climb out once joined to the worker's directory). Symbolic links are the caller's to check
/// on disk.
pub fn relative_output_path(path: &str) -> Result<PathBuf, ResultFormatError> {
    let refuse = |reason: &str| ResultFormatError::OutputPath {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    let rest = Path::new(path)
        .strip_prefix(IEXEC_OUT)
        .map_err(|_| refuse("is not under /iexec_out"))?;
    let mut relative = PathBuf::new();
    for component in rest.components() {
        match component {
            Component::Normal(part) => relative.push(part),
            Component::CurDir => {}
            _ => return Err(refuse("contains `..`")),
        }
    }
    Ok(relative)
}

/// A string field: `None` when absent, null or empty.
fn string_field(
    object: &Map<String, Value>,
    field: &'static str,
) -> Result<Option<String>, ResultFormatError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(ResultFormatError::ComputedField {
            field,
            reason: format!("must be a string, not a JSON {}", kind(other)),
        }),
    }
}

/// "number", "array"...
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_apps_write() {
        let file = ComputedFile::parse(
            br#"{"deterministic-output-path":"/iexec_out/result.txt","task-id":"0x12"}"#,
        )
        .expect("valid");
        assert_eq!(
            file.deterministic_output_path.as_deref(),
            Some("/iexec_out/result.txt")
        );
        assert_eq!(
            file.relative_output_path().expect("valid"),
            Some(PathBuf::from("result.txt"))
        );
        assert_eq!(file.callback_data, None);

        let file = ComputedFile::parse(
            br#"{"callback-data":"0x00ff","deterministic-output-path":null,"error-message":"x"}"#,
        )
        .expect("valid");
        assert_eq!(file.callback_data, Some(Bytes::from(vec![0x00, 0xff])));
        assert_eq!(file.deterministic_output_path, None);
        assert_eq!(file.error_message.as_deref(), Some("x"));
        assert_eq!(file.relative_output_path().expect("valid"), None);

        let whole = ComputedFile::parse(br#"{"deterministic-output-path":"/iexec_out"}"#)
            .expect("the whole directory");
        assert_eq!(
            whole.relative_output_path().expect("valid"),
            Some(PathBuf::new())
        );
    }

    #[test]
    fn refuses_with_the_fix() {
        let cases: [(&[u8], &str); 9] = [
            (b"not json", "is not a JSON object"),
            (b"[1]", "it is a JSON array"),
            (
                b"{}",
                "neither `deterministic-output-path` nor `callback-data`",
            ),
            (
                br#"{"callback-data":"0x","deterministic-output-path":""}"#,
                "neither",
            ),
            (
                br#"{"deterministic-output-path":3}"#,
                "`deterministic-output-path` must be a string, not a JSON number",
            ),
            (
                br#"{"callback-data":"1234"}"#,
                "`callback-data` must be 0x followed by hex digits",
            ),
            (br#"{"callback-data":"0x123"}"#, "hex digits"),
            (
                br#"{"deterministic-output-path":"/etc/passwd"}"#,
                "\"/etc/passwd\" is not under /iexec_out",
            ),
            (
                br#"{"deterministic-output-path":"/iexec_out/../etc/passwd"}"#,
                "contains `..`",
            ),
        ];
        for (bytes, expected) in cases {
            let error = ComputedFile::parse(bytes).expect_err("refused");
            assert!(
                error.to_string().contains(expected),
                "{}: {error}",
                String::from_utf8_lossy(bytes)
            );
        }
        for bad in ["iexec_out/a", "/iexec_outside", "/iexec_out/a/../../b", "/"] {
            assert!(relative_output_path(bad).is_err(), "{bad}");
        }
        assert_eq!(
            relative_output_path("/iexec_out/./a/b").expect("valid"),
            PathBuf::from("a/b")
        );
    }

    #[test]
    fn the_error_file_json_is_compact() {
        let file = ComputedFile::for_error_file();
        assert_eq!(
            file.to_json_bytes(),
            br#"{"deterministic-output-path":"/iexec_out/error.txt"}"#
        );
        assert_eq!(
            ComputedFile::parse(&file.to_json_bytes()).expect("valid"),
            file
        );
        let with_callback = ComputedFile {
            callback_data: Some(Bytes::from(vec![1, 2])),
            ..ComputedFile::default()
        };
        assert_eq!(
            with_callback.to_json_bytes(),
            br#"{"callback-data":"0x0102"}"#
        );
    }
}

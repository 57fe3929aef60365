//! What can be wrong with a result's formats (CID, computed.json, result link), and the one line
//! of `error.txt`.

use std::fmt::Display;

/// A CID, computed.json or result link that is not what the protocol expects.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResultFormatError {
    /// The text is not a CID at all (bad multibase, bad varints, trailing bytes).
    #[error("{input:?} is not a CID: {reason}")]
    CidSyntax {
        /// The text given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A CIDv0 (`Qm…`, dag-pb): iExec's IPFS results, which Poco cannot check byte for byte.
    #[error(
        "{input:?} is a CIDv0 (dag-pb, as iExec's IPFS stores results); Poco results are CIDv1 raw sha2-256 (bafkrei…)"
    )]
    CidV0 {
        /// The text given.
        input: String,
    },
    /// A valid CID of another kind (codec or hash) than Poco's raw sha2-256 CIDv1.
    #[error(
        "{input:?} is a CID with {reason}; Poco results are CIDv1 with the raw codec (0x55) and a sha2-256 hash (bafkrei…)"
    )]
    CidKind {
        /// The text given.
        input: String,
        /// Which part differs ("codec 0x70", "hash function 0x13"...).
        reason: String,
    },
    /// computed.json is not a JSON object.
    #[error(
        "computed.json is not a JSON object ({reason}): the app must write {{\"deterministic-output-path\": \"/iexec_out/…\"}} or {{\"callback-data\": \"0x…\"}}"
    )]
    ComputedJson {
        /// What the parser said.
        reason: String,
    },
    /// A field of computed.json has the wrong type or form.
    #[error("computed.json's `{field}` {reason}")]
    ComputedField {
        /// The field (`deterministic-output-path`, `callback-data`, `error-message`).
        field: &'static str,
        /// What is wrong, starting with a verb ("must be a string").
        reason: String,
    },
    /// computed.json gives neither an output path nor callback data.
    #[error(
        "computed.json gives neither `deterministic-output-path` nor `callback-data`: the app must name its result file (under /iexec_out) or return callback data"
    )]
    ComputedEmpty,
    /// The deterministic output path is not inside `/iexec_out`.
    #[error(
        "the deterministic output path {path:?} {reason}: it must be /iexec_out or a path under it"
    )]
    OutputPath {
        /// The path given.
        path: String,
        /// Why it is refused, starting with a verb.
        reason: String,
    },
    /// A task's `results` bytes are not a result link Poco can follow.
    #[error("the result link {link:?} {reason}")]
    ResultLink {
        /// The link as text (lossy UTF-8).
        link: String,
        /// Why it cannot be followed, starting with a verb.
        reason: String,
    },
    /// A result upload body is not iExec's `ResultModel`.
    #[error("the result upload is not a ResultModel: {reason}")]
    ResultModel {
        /// What the parser said.
        reason: String,
    },
}

/// The content of `error.txt`: one line `CAUSE: message` ended by a newline (design §3.5,
/// **⚑A11**). `cause` is an iExec `ReplicateStatusCause` name (`APP_COMPUTE_FAILED`...), written
/// with its `Display`. The message must be deterministic (no paths, times or logs: every honest
/// worker must write the same bytes); line breaks in it become spaces so it stays one line.
pub fn error_line(cause: impl Display, message: &str) -> String {
    let message: String = message
        .trim()
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    format!("{cause}: {message}\n")
}

/// The cause and message of an `error.txt` line written by [`error_line`]; `None` when the text
/// is not such a line (no `CAUSE: ` prefix of capitals, digits and underscores).
pub fn parse_error_line(text: &str) -> Option<(String, String)> {
    let line = text.strip_suffix('\n').unwrap_or(text);
    let (cause, message) = line.split_once(": ")?;
    let well_formed = !cause.is_empty()
        && cause
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && !message.contains('\n');
    well_formed.then(|| (cause.to_owned(), message.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_are_one_deterministic_line() {
        assert_eq!(
            error_line("APP_COMPUTE_FAILED", "the app exited with code 3"),
            "APP_COMPUTE_FAILED: the app exited with code 3\n"
        );
        assert_eq!(
            error_line("INPUT_FILES_DOWNLOAD_FAILED", " https://h/f:\nHTTP 404\r\n"),
            "INPUT_FILES_DOWNLOAD_FAILED: https://h/f: HTTP 404\n"
        );
        let line = error_line("APP_COMPUTE_TIMEOUT", "stopped after 5 s");
        assert_eq!(
            parse_error_line(&line),
            Some((
                "APP_COMPUTE_TIMEOUT".to_owned(),
                "stopped after 5 s".to_owned()
            ))
        );
        assert_eq!(parse_error_line("hello: world\n"), None);
        assert_eq!(parse_error_line("NO_SEPARATOR\n"), None);
        assert_eq!(parse_error_line("A: b\nc\n"), None);
    }
}

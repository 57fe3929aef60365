//! Results on stdout. Human output by default; with `--raw`, one JSON object per command,
//! `{"ok": true, ...}` on stdout on success and `{"ok": false, "error": {...}}` on stderr on
//! failure (the iExec SDK's convention, so scripts written for `iexec --raw` read ours). The fields of each
//! command's object are documented in docs/cli.md.

use serde_json::{Map, Value};
use std::io::Write;

/// Where a command's result goes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Output {
    raw: bool,
}

impl Output {
    pub(crate) fn new(raw: bool) -> Self {
        Self { raw }
    }

    /// Prints the result: `human` as is, or `raw`'s fields after `"ok": true`. `raw` must be a
    /// JSON object.
    pub(crate) fn success(&self, human: impl std::fmt::Display, raw: Value) {
        if self.raw {
            let mut object = Map::new();
            object.insert("ok".to_owned(), Value::Bool(true));
            match raw {
                Value::Object(fields) => object.extend(fields),
                Value::Null => {}
                other => {
                    object.insert("result".to_owned(), other);
                }
            }
            print_line(&Value::Object(object).to_string());
        } else {
            let human = human.to_string();
            if !human.is_empty() {
                print_line(human.trim_end_matches('\n'));
            }
        }
    }

    /// Prints a failure on stderr: `error: ...`, or with `--raw` the JSON
    /// `{"ok": false, "command", "error": {name, message}}`, where the iExec SDK prints it
    /// (stdout stays empty, so a script reading stdout never mistakes it for a result).
    pub(crate) fn failure(&self, error: &anyhow::Error) {
        if self.raw {
            let command: Vec<String> = std::env::args()
                .take_while(|arg| !arg.starts_with('-'))
                .take(3)
                .collect();
            let command = match command.split_first() {
                Some((_, rest)) => format!("poco {}", rest.join(" ")),
                None => "poco".to_owned(),
            };
            let value = serde_json::json!({
                "ok": false,
                "command": command.trim_end(),
                "error": { "name": error_name(error), "message": format!("{error:#}") },
            });
            eprintln!("{value}");
        } else {
            eprintln!("error: {error:#}");
        }
    }
}

/// A stable name for the error kind (the `ClientError` variant when there is one).
fn error_name(error: &anyhow::Error) -> String {
    for cause in error.chain() {
        if let Some(client) = cause.downcast_ref::<poco_client::ClientError>() {
            let debug = format!("{client:?}");
            let name: String = debug.chars().take_while(|c| c.is_alphanumeric()).collect();
            return name;
        }
    }
    "Error".to_owned()
}

fn print_line(line: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed stdout (`poco ... | head`) is not worth a panic.
    let _ = writeln!(stdout, "{line}");
}

/// Aligned `key: value` lines, the human form of most results.
#[derive(Default)]
pub(crate) struct Fields {
    rows: Vec<(String, String)>,
}

impl Fields {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds a row.
    pub(crate) fn row(mut self, key: impl Into<String>, value: impl std::fmt::Display) -> Self {
        self.rows.push((key.into(), value.to_string()));
        self
    }

    /// Adds a row in place.
    pub(crate) fn push(&mut self, key: impl Into<String>, value: impl std::fmt::Display) {
        self.rows.push((key.into(), value.to_string()));
    }
}

impl std::fmt::Display for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let width = self.rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
        for (key, value) in &self.rows {
            writeln!(f, "{:<width$} {value}", format!("{key}:"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_align_on_the_longest_key() {
        let text = Fields::new()
            .row("address", "0xab")
            .row("ETH", 1)
            .to_string();
        assert_eq!(text, "address: 0xab\nETH:     1\n");
    }
}

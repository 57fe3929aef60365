//! Two reads done without bollard's typed models: Podman reports container states Docker's API
//! does not list (`stopped`, `configured`), which bollard's enums refuse to deserialize. A
//! plain HTTP/1.0 GET over the Unix socket (no chunked encoding, the server closes at the end)
//! read as JSON values is enough for listing containers and reading how one ended.

use crate::error::{Result, WorkerError};
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// How long one of these reads may take.
const TIMEOUT: Duration = Duration::from_secs(60);
/// The largest answer read.
const MAX_ANSWER: u64 = 16 << 20;

/// `GET /v1.41{path}` on the engine's socket, as JSON.
pub(crate) async fn get_json(socket: &str, path: &str) -> Result<Value> {
    let what = format!("GET {path}");
    let exchange = async {
        let mut stream = tokio::net::UnixStream::connect(socket)
            .await
            .map_err(|e| WorkerError::engine(&what, e))?;
        let request = format!("GET /v1.41{path} HTTP/1.0\r\nHost: docker\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| WorkerError::engine(&what, e))?;
        let mut answer = Vec::new();
        stream
            .take(MAX_ANSWER)
            .read_to_end(&mut answer)
            .await
            .map_err(|e| WorkerError::engine(&what, e))?;
        Ok::<_, WorkerError>(answer)
    };
    let answer = tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| WorkerError::engine(&what, "no answer in time"))??;
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| WorkerError::engine(&what, "not an HTTP answer"))?;
    let head = String::from_utf8_lossy(&answer[..split]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .unwrap_or(0);
    let body = &answer[split + 4..];
    if !(200..300).contains(&status) {
        let message = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_owned());
        return Err(WorkerError::engine(
            &what,
            format!("HTTP {status}: {message}"),
        ));
    }
    serde_json::from_slice(body).map_err(|e| WorkerError::engine(&what, format!("not JSON: {e}")))
}

/// Percent-encodes a query value.
pub(crate) fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode(r#"{"label":["a=b"]}"#),
            "%7B%22label%22%3A%5B%22a%3Db%22%5D%7D"
        );
    }
}

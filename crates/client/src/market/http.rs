//! The HTTP exchange with the market: requests with `chainId`, and replies read as the iExec
//! API writes them (`{"ok": true, ...}`, or `{"ok": false, "error": "..."}` with a 4xx/5xx),
//! each failure turned into its [`ClientError`].

use super::MarketApi;
use crate::error::{ClientError, Result};
use reqwest::{Method, StatusCode, header};
use serde_json::Value;

impl MarketApi {
    /// `GET path?chainId&query`.
    pub(super) async fn get(&self, path: &str, query: &[(String, String)]) -> Result<Value> {
        self.send(Method::GET, path, query, None, None).await
    }

    /// A request to `path` with `chainId` and `query`, a JSON `body` and an `Authorization`
    /// header when given; the JSON reply when it says `ok`.
    pub(super) async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
        authorization: Option<&str>,
    ) -> Result<Value> {
        let mut pairs = vec![("chainId".to_owned(), self.chain_id.to_string())];
        pairs.extend_from_slice(query);
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.url))
            .query(&pairs)
            .header(header::ACCEPT, "application/json");
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(authorization) = authorization {
            request = request.header(header::AUTHORIZATION, authorization);
        }
        let response = request
            .send()
            .await
            .map_err(|e| ClientError::MarketUnreachable {
                url: self.url.clone(),
                cause: transport_cause(&e),
            })?;
        let status = response.status();
        let json = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json"));
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::MarketUnreachable {
                url: self.url.clone(),
                cause: format!("the answer was cut: {}", transport_cause(&e)),
            })?;
        reply(&self.url, status, json, &bytes)
    }
}

/// The connection failure in plain words (reqwest's text names the URL and nests causes).
fn transport_cause(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "no answer in time".to_owned();
    }
    if error.is_connect() {
        let mut source = std::error::Error::source(error);
        let mut last = None;
        while let Some(cause) = source {
            last = Some(cause.to_string());
            source = cause.source();
        }
        return match last {
            Some(cause) => format!("connection failed: {cause}"),
            None => "connection failed".to_owned(),
        };
    }
    error.to_string()
}

/// Reads a reply: the JSON when the status is a success and `ok` is not false, else the error
/// the status and the market's `error` message make.
pub(super) fn reply(url: &str, status: StatusCode, json: bool, bytes: &[u8]) -> Result<Value> {
    let value: Option<Value> = if json {
        serde_json::from_slice(bytes).ok()
    } else {
        None
    };
    let message = value
        .as_ref()
        .and_then(|v| v.get("error"))
        .map(|e| match e {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        });
    if status.is_server_error() {
        return Err(ClientError::MarketFailed {
            url: url.to_owned(),
            status: status.as_u16(),
            message: message.unwrap_or_else(|| reason(status)),
        });
    }
    if !status.is_success() {
        return Err(match message {
            Some(message) => ClientError::MarketRefused {
                url: url.to_owned(),
                status: status.as_u16(),
                message,
            },
            None => ClientError::MarketResponse {
                url: url.to_owned(),
                reason: format!("HTTP {} without the API's error message", reason(status)),
            },
        });
    }
    let Some(value) = value else {
        return Err(ClientError::MarketResponse {
            url: url.to_owned(),
            reason: if json {
                "the body is not valid JSON".to_owned()
            } else {
                "the answer is not JSON".to_owned()
            },
        });
    };
    if value.get("ok") == Some(&Value::Bool(false)) {
        return Err(ClientError::MarketRefused {
            url: url.to_owned(),
            status: status.as_u16(),
            message: message.unwrap_or_else(|| "the request failed (no reason given)".to_owned()),
        });
    }
    Ok(value)
}

/// `404 Not Found`.
fn reason(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(text) => format!("{} {text}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://127.0.0.1:3000";

    #[test]
    fn ok_replies_are_returned() {
        let value =
            reply(URL, StatusCode::OK, true, br#"{"ok":true,"version":"1"}"#).expect("an ok reply");
        assert_eq!(value["version"], "1");
    }

    #[test]
    fn refusals_carry_the_markets_message() {
        let error = reply(
            URL,
            StatusCode::BAD_REQUEST,
            true,
            br#"{"ok":false,"error":"this market serves chain 31337, not chain 1"}"#,
        )
        .expect_err("refused");
        assert!(
            matches!(error, ClientError::MarketRefused { status: 400, .. }),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "the market at http://127.0.0.1:3000 says: this market serves chain 31337, not chain 1"
        );
        let error = reply(URL, StatusCode::OK, true, br#"{"ok":false,"error":"no"}"#)
            .expect_err("ok false");
        assert!(matches!(error, ClientError::MarketRefused { .. }));
    }

    #[test]
    fn server_errors_and_foreign_answers_are_told_apart() {
        let error = reply(
            URL,
            StatusCode::INTERNAL_SERVER_ERROR,
            true,
            br#"{"ok":false,"error":"the market's database failed: disk full"}"#,
        )
        .expect_err("failed");
        assert!(
            error
                .to_string()
                .contains("failed (HTTP 500): the market's database failed")
        );
        let error = reply(URL, StatusCode::BAD_GATEWAY, false, b"<html>").expect_err("failed");
        assert!(error.to_string().contains("502 Bad Gateway"), "{error}");
        let error = reply(URL, StatusCode::OK, false, b"<html>").expect_err("not JSON");
        assert!(matches!(error, ClientError::MarketResponse { .. }));
        let error = reply(URL, StatusCode::NOT_FOUND, false, b"Not Found").expect_err("foreign");
        assert!(error.to_string().contains("404 Not Found"), "{error}");
    }
}

//! The HTTP exchange with a scheduler: one request, its reply read whole, and the reply turned
//! into the value or the [`CoreApiError`] its status and message make.

use super::{CoreApi, CoreApiError, Result};
use reqwest::{Method, StatusCode, header};
use serde::de::DeserializeOwned;
use std::time::Duration;

/// A request body.
#[derive(Clone, Copy, Debug)]
pub(super) enum Body<'a> {
    /// None (GET).
    None,
    /// An empty POST body.
    Empty,
    /// JSON.
    Json(&'a serde_json::Value),
}

/// A reply, read whole.
#[derive(Debug)]
pub(super) struct Reply {
    url: String,
    what: String,
    pub(super) status: StatusCode,
    pub(super) body: Vec<u8>,
}

impl CoreApi {
    /// Sends one request; only a transport failure is an error here.
    #[allow(clippy::too_many_arguments)] // One private call site shape, all of them needed.
    pub(super) async fn send(
        &self,
        what: &str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Body<'_>,
        authorization: Option<&str>,
        timeout: Duration,
    ) -> Result<Reply> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.url))
            .timeout(timeout)
            .header(header::ACCEPT, "application/json, text/plain");
        if !query.is_empty() {
            request = request.query(query);
        }
        request = match body {
            Body::None => request,
            Body::Empty => request.header(header::CONTENT_LENGTH, "0"),
            Body::Json(value) => request.json(value),
        };
        if let Some(authorization) = authorization {
            request = request.header(header::AUTHORIZATION, authorization);
        }
        let unreachable = |e: reqwest::Error| CoreApiError::Unreachable {
            url: self.url.clone(),
            cause: transport_cause(&e),
        };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        let body = response.bytes().await.map_err(unreachable)?.to_vec();
        Ok(Reply {
            url: self.url.clone(),
            what: what.to_string(),
            status,
            body,
        })
    }
}

impl Reply {
    /// The reply when its status is a success; else the refusal or failure it says.
    pub(super) fn success(self) -> Result<Self> {
        if self.status.is_server_error() {
            return Err(CoreApiError::Failed {
                url: self.url.clone(),
                what: self.what.clone(),
                status: self.status.as_u16(),
                message: self.message(),
            });
        }
        if !self.status.is_success() {
            return Err(CoreApiError::Refused {
                url: self.url.clone(),
                what: self.what.clone(),
                status: self.status.as_u16(),
                message: self.message(),
            });
        }
        Ok(self)
    }

    /// The server's message: the JSON `error` (`{"ok":false,"error":...}`), or a short text
    /// body, or the status text.
    pub(super) fn message(&self) -> String {
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&self.body) {
            for key in ["error", "message"] {
                if let Some(text) = value.get(key).and_then(|v| v.as_str()) {
                    return text.to_string();
                }
            }
        }
        let text = String::from_utf8_lossy(&self.body);
        let text = text.trim();
        if !text.is_empty() && text.len() <= 300 && !text.starts_with('<') {
            return text.to_string();
        }
        match self.status.canonical_reason() {
            Some(reason) => format!("{} {reason}", self.status.as_u16()),
            None => self.status.as_u16().to_string(),
        }
    }

    /// The body as text (a JSON string's content when the body is one).
    pub(super) fn text(&self) -> Result<String> {
        let text = std::str::from_utf8(&self.body)
            .map_err(|_| self.unexpected("the answer is not UTF-8 text"))?
            .trim();
        if text.starts_with('"')
            && let Ok(inner) = serde_json::from_str::<String>(text)
        {
            return Ok(inner);
        }
        Ok(text.to_string())
    }

    /// The body as JSON of type `T`.
    pub(super) fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| self.unexpected(&e.to_string()))
    }

    /// A [`CoreApiError::Response`] for this reply.
    pub(super) fn unexpected(&self, reason: &str) -> CoreApiError {
        CoreApiError::Response {
            url: self.url.clone(),
            what: self.what.clone(),
            reason: reason.to_string(),
        }
    }
}

/// The connection failure in plain words (reqwest's text names the URL and nests causes).
fn transport_cause(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "no answer in time".to_owned();
    }
    let mut source = std::error::Error::source(error);
    let mut last = None;
    while let Some(cause) = source {
        last = Some(cause.to_string());
        source = cause.source();
    }
    match (error.is_connect(), last) {
        (true, Some(cause)) => format!("connection failed: {cause}"),
        (true, None) => "connection failed".to_owned(),
        (false, Some(cause)) => cause,
        (false, None) => error.to_string(),
    }
}

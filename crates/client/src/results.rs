//! A client of the result server (iExec's result proxy and IPFS gateway, served by `poco
//! results`; design `execution.md` §4, spec `offchain.md` §5).
//!
//! Workers get an upload token for one task with the pool owner's authorization and their own
//! signature ([`ResultsApi::token`]), upload the zipped outputs ([`ResultsApi::upload`], or both
//! at once with [`ResultsApi::upload_zip`]) and get back the [`ResultLink`] to finalize with.
//! The scheduler asks which CID a task's result has ([`ResultsApi::ipfs_hash`]). Requesters
//! download `/ipfs/<cid>` from the chain's IPFS gateway ([`ResultsApi::download`]), which checks
//! that the bytes hash to the CID: a lying gateway is caught.
//!
//! Failures are [`ResultsApiError`]s, each saying what to do.

use crate::chains::ChainConf;
use alloy_primitives::B256;
use alloy_signer::Signer;
use poco_types::{
    WorkerpoolAuthorization,
    results::{IPFS_PREFIX, ResultCid, ResultFormatError, ResultLink, ResultModel},
    signature::sign_eip191_async,
};
use reqwest::{Method, RequestBuilder, StatusCode, header};
use std::time::Duration;

/// How long a small request (token, hash, version) may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an upload or a download may take.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(600);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest download accepted by default (the server's default upload limit is 100 MiB).
pub const DEFAULT_MAX_DOWNLOAD: u64 = 1 << 30;

/// The result server's answers that are not success.
#[derive(Debug, thiserror::Error)]
pub enum ResultsApiError {
    /// The URL given is not an http(s) URL.
    #[error(
        "the result server URL `{url}` is not an http(s) URL: fix `resultProxy`/`ipfsGateway` in chain.json (or the option given)"
    )]
    Url {
        /// The URL given.
        url: String,
    },
    /// The chain has no result server (`resultProxy`) or no IPFS gateway (`ipfsGateway`).
    #[error(
        "chain `{chain}` has no `{key}` in chain.json: start a result server with `poco results` and set `{key}` to its URL"
    )]
    NotConfigured {
        /// The chain's name.
        chain: String,
        /// `resultProxy` or `ipfsGateway`.
        key: &'static str,
    },
    /// Nothing answered (server down, wrong URL, network).
    #[error(
        "cannot reach the result server at {url} ({cause}). Is it running? Start it with `poco results`, or fix `resultProxy`/`ipfsGateway` in chain.json"
    )]
    Unreachable {
        /// The server's URL.
        url: String,
        /// What the transport said.
        cause: String,
    },
    /// The server refused the request (4xx) and said why.
    #[error("the result server at {url} refused (HTTP {status}): {message}")]
    Refused {
        /// The server's URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// The server failed (5xx).
    #[error(
        "the result server at {url} failed (HTTP {status}): {message}. Try again; if it persists, look at its log"
    )]
    Failed {
        /// The server's URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The server's message, or the status text.
        message: String,
    },
    /// The answer is not what the API gives.
    #[error(
        "the result server at {url} answered something unexpected ({reason}): check that the URL points at a Poco or iExec result server"
    )]
    Response {
        /// The server's URL.
        url: String,
        /// What is wrong with the answer.
        reason: String,
    },
    /// The gateway has nothing at this location.
    #[error(
        "{url}{location} was not found: the result is not (or no longer) stored there; check the chain's `ipfsGateway`"
    )]
    NotFound {
        /// The gateway's URL.
        url: String,
        /// The location asked for.
        location: String,
    },
    /// The downloaded bytes do not hash to the CID they were asked by.
    #[error(
        "the bytes served at {url}{location} are not the result: their CID is {actual}. The gateway is broken or lying; try another `ipfsGateway`"
    )]
    CidMismatch {
        /// The gateway's URL.
        url: String,
        /// The location asked for.
        location: String,
        /// The CID of the bytes received.
        actual: ResultCid,
    },
    /// The download is larger than the limit.
    #[error("{url}{location} is larger than {limit} bytes: refusing to download it")]
    TooLarge {
        /// The gateway's URL.
        url: String,
        /// The location asked for.
        location: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A CID, a result link or a location is malformed.
    #[error(transparent)]
    Format(#[from] ResultFormatError),
    /// The worker's wallet could not sign the token request.
    #[error("the wallet cannot sign the result token request: {0}")]
    Sign(#[from] poco_types::TypesError),
}

/// The result of this module.
pub type Result<T, E = ResultsApiError> = std::result::Result<T, E>;

/// A downloaded result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Download {
    /// The bytes (a zip).
    pub bytes: Vec<u8>,
    /// The CID they were checked against: `None` when the location's CID is not a Poco CID
    /// (a CIDv0 of iExec's IPFS), which cannot be checked byte for byte.
    pub verified: Option<ResultCid>,
}

/// The result server (or IPFS gateway) at one URL.
#[derive(Clone, Debug)]
pub struct ResultsApi {
    url: String,
    http: reqwest::Client,
}

impl ResultsApi {
    /// The server at `url` (`http://host:port`, a trailing `/` or not).
    pub fn new(url: &str) -> Result<Self> {
        let trimmed = url.trim().trim_end_matches('/');
        let parsed = reqwest::Url::parse(trimmed).map_err(|_| ResultsApiError::Url {
            url: url.to_owned(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(ResultsApiError::Url {
                url: url.to_owned(),
            });
        }
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("poco/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ResultsApiError::Unreachable {
                url: trimmed.to_owned(),
                cause: format!("the HTTP client cannot start: {e}"),
            })?;
        Ok(Self {
            url: trimmed.to_owned(),
            http,
        })
    }

    /// The result server of `chain` (its `resultProxy`): for uploads and `ipfshash`.
    pub fn for_chain(chain: &ChainConf) -> Result<Self> {
        Self::configured(chain, chain.result_proxy.as_deref(), "resultProxy")
    }

    /// The IPFS gateway of `chain` (its `ipfsGateway`): for downloads.
    pub fn gateway_for_chain(chain: &ChainConf) -> Result<Self> {
        Self::configured(chain, chain.ipfs_gateway.as_deref(), "ipfsGateway")
    }

    fn configured(chain: &ChainConf, url: Option<&str>, key: &'static str) -> Result<Self> {
        let url = url.filter(|url| !url.trim().is_empty()).ok_or_else(|| {
            ResultsApiError::NotConfigured {
                chain: chain.name.clone(),
                key,
            }
        })?;
        Self::new(url)
    }

    /// The base URL, without a trailing `/`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `POST /v1/results/token`: an upload token for the task of `authorization` (the pool
    /// owner's), asked by `worker`, whose EIP-191 signature of the authorization's message goes
    /// in the `Authorization` header.
    pub async fn token<S>(
        &self,
        worker: &S,
        authorization: &WorkerpoolAuthorization,
    ) -> Result<String>
    where
        S: Signer + Send + Sync + ?Sized,
    {
        let signature = sign_eip191_async(worker, &authorization.message()).await?;
        let request = self
            .request(Method::POST, "/v1/results/token", REQUEST_TIMEOUT)
            .header(header::AUTHORIZATION, signature.to_string())
            .json(authorization);
        let (_, body) = self.exchange(request).await?;
        let token = text(&self.url, &body)?;
        if token.is_empty() {
            return Err(self.unexpected("the token is empty"));
        }
        Ok(token)
    }

    /// `POST /v1/results` with a token from [`ResultsApi::token`]: stores `model.zip` and
    /// returns its link. The location the server answers must be the zip's CID.
    pub async fn upload(&self, token: &str, model: &ResultModel) -> Result<ResultLink> {
        let request = self
            .request(Method::POST, "/v1/results", TRANSFER_TIMEOUT)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .json(model);
        let (_, body) = self.exchange(request).await?;
        let location = text(&self.url, &body)?;
        let expected = ResultCid::of(&model.zip);
        let answered = location
            .strip_prefix(IPFS_PREFIX)
            .map(ResultCid::parse)
            .transpose()?;
        if answered != Some(expected) {
            return Err(self.unexpected(&format!(
                "it stored the zip at {location:?}, not at {}",
                expected.location()
            )));
        }
        Ok(ResultLink::ipfs(&expected))
    }

    /// Asks a token for `authorization`'s task and uploads `zip` for it, in one go.
    pub async fn upload_zip<S>(
        &self,
        worker: &S,
        authorization: &WorkerpoolAuthorization,
        zip: Vec<u8>,
    ) -> Result<ResultLink>
    where
        S: Signer + Send + Sync + ?Sized,
    {
        let token = self.token(worker, authorization).await?;
        self.upload(&token, &ResultModel::new(authorization.chain_task_id, zip))
            .await
    }

    /// `HEAD /v1/results/{taskId}` with a token: whether a result is stored for the task.
    pub async fn is_stored(&self, token: &str, task_id: B256) -> Result<bool> {
        let request = self
            .request(
                Method::HEAD,
                &format!("/v1/results/{task_id}"),
                REQUEST_TIMEOUT,
            )
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        match self.exchange(request).await {
            Ok(_) => Ok(true),
            Err(ResultsApiError::Refused { status: 404, .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// `GET /v1/results/{taskId}/ipfshash`: the hash of the task's stored result as the server
    /// writes it (a Poco server answers the CID, iExec's the bare IPFS hash), or `None` when it
    /// stores none.
    pub async fn ipfs_hash(&self, task_id: B256) -> Result<Option<String>> {
        let request = self.request(
            Method::GET,
            &format!("/v1/results/{task_id}/ipfshash"),
            REQUEST_TIMEOUT,
        );
        match self.exchange(request).await {
            Ok((_, body)) => {
                let hash = text(&self.url, &body)?;
                Ok((!hash.is_empty()).then_some(hash))
            }
            Err(ResultsApiError::Refused { status: 404, .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// `GET /version`: the server's version.
    pub async fn version(&self) -> Result<String> {
        let request = self
            .request(Method::GET, "/version", REQUEST_TIMEOUT)
            .header(header::ACCEPT, "application/json");
        let (_, body) = self.exchange(request).await?;
        let value: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|_| self.unexpected("the version is not JSON"))?;
        value
            .get("version")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| self.unexpected("the answer has no `version`"))
    }

    /// Downloads `location` (`/ipfs/<cid>`, as a result link gives it) from this gateway, at
    /// most [`DEFAULT_MAX_DOWNLOAD`] bytes, and checks the bytes against the CID when it is a
    /// Poco CID.
    pub async fn download(&self, location: &str) -> Result<Download> {
        self.download_limited(location, DEFAULT_MAX_DOWNLOAD).await
    }

    /// [`ResultsApi::download`] with a size limit, in bytes.
    pub async fn download_limited(&self, location: &str, limit: u64) -> Result<Download> {
        let cid_text =
            location
                .strip_prefix(IPFS_PREFIX)
                .ok_or_else(|| ResultFormatError::ResultLink {
                    link: location.to_owned(),
                    reason: "has a location that does not start with /ipfs/".to_owned(),
                })?;
        let expected = match ResultCid::parse(cid_text.trim_end_matches('/')) {
            Ok(cid) => Some(cid),
            // iExec's results: downloadable, not checkable.
            Err(ResultFormatError::CidV0 { .. } | ResultFormatError::CidKind { .. }) => None,
            Err(error) => return Err(error.into()),
        };
        let request = self
            .request(Method::GET, location, TRANSFER_TIMEOUT)
            .header(header::ACCEPT, "application/zip");
        let mut response = request.send().await.map_err(|e| self.unreachable(&e))?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            return Err(ResultsApiError::NotFound {
                url: self.url.clone(),
                location: location.to_owned(),
            });
        }
        if !status.is_success() {
            let body = response.bytes().await.unwrap_or_default();
            return Err(self.status_error(status, &body));
        }
        let too_large = || ResultsApiError::TooLarge {
            url: self.url.clone(),
            location: location.to_owned(),
            limit,
        };
        if response.content_length().is_some_and(|len| len > limit) {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.unreachable(&e))? {
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        if let Some(expected) = expected {
            let actual = ResultCid::of(&bytes);
            if actual != expected {
                return Err(ResultsApiError::CidMismatch {
                    url: self.url.clone(),
                    location: location.to_owned(),
                    actual,
                });
            }
        }
        Ok(Download {
            bytes,
            verified: expected,
        })
    }

    fn request(&self, method: Method, path: &str, timeout: Duration) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.url))
            .timeout(timeout)
    }

    /// Sends a request; the status and body of a success, or the error a failure makes.
    async fn exchange(&self, request: RequestBuilder) -> Result<(StatusCode, Vec<u8>)> {
        let response = request.send().await.map_err(|e| self.unreachable(&e))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.unreachable(&e))?
            .to_vec();
        if status.is_success() {
            Ok((status, body))
        } else {
            Err(self.status_error(status, &body))
        }
    }

    fn status_error(&self, status: StatusCode, body: &[u8]) -> ResultsApiError {
        let message = error_message(body).unwrap_or_else(|| reason(status));
        if status.is_server_error() {
            ResultsApiError::Failed {
                url: self.url.clone(),
                status: status.as_u16(),
                message,
            }
        } else {
            ResultsApiError::Refused {
                url: self.url.clone(),
                status: status.as_u16(),
                message,
            }
        }
    }

    fn unreachable(&self, error: &reqwest::Error) -> ResultsApiError {
        ResultsApiError::Unreachable {
            url: self.url.clone(),
            cause: transport_cause(error),
        }
    }

    fn unexpected(&self, reason: &str) -> ResultsApiError {
        ResultsApiError::Response {
            url: self.url.clone(),
            reason: reason.to_owned(),
        }
    }
}

/// A text answer, trimmed (a JSON string is unquoted: some servers send `"…"`).
fn text(url: &str, body: &[u8]) -> Result<String> {
    let text = std::str::from_utf8(body).map_err(|_| ResultsApiError::Response {
        url: url.to_owned(),
        reason: "the answer is not text".to_owned(),
    })?;
    let text = text.trim();
    Ok(serde_json::from_str::<String>(text).unwrap_or_else(|_| text.to_owned()))
}

/// The message of a `{"ok":false,"error":"…"}` body, or a short text body.
fn error_message(body: &[u8]) -> Option<String> {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        return match value.get("error") {
            Some(serde_json::Value::String(text)) => Some(text.clone()),
            Some(other) => Some(other.to_string()),
            None => None,
        };
    }
    let text = std::str::from_utf8(body).ok()?.trim();
    (!text.is_empty() && text.len() <= 500 && !text.starts_with('<')).then(|| text.to_owned())
}

/// `404 Not Found`.
fn reason(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(text) => format!("{} {text}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// The connection failure in plain words.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_chains_configured() {
        let api = ResultsApi::new("http://127.0.0.1:3001/").expect("valid");
        assert_eq!(api.url(), "http://127.0.0.1:3001");
        for bad in ["", "127.0.0.1:3001", "ftp://x", "not a url"] {
            assert!(
                matches!(ResultsApi::new(bad), Err(ResultsApiError::Url { .. })),
                "{bad}"
            );
        }
        let mut chain = ChainConf::dev();
        assert_eq!(
            ResultsApi::for_chain(&chain).expect("dev").url(),
            crate::chains::DEV_RESULT_PROXY
        );
        assert_eq!(
            ResultsApi::gateway_for_chain(&chain).expect("dev").url(),
            crate::chains::DEV_IPFS_GATEWAY
        );
        chain.name = "other".into();
        chain.ipfs_gateway = None;
        let error = ResultsApi::gateway_for_chain(&chain).expect_err("none");
        assert!(
            error
                .to_string()
                .contains("chain `other` has no `ipfsGateway`"),
            "{error}"
        );
    }

    #[test]
    fn server_messages_are_read() {
        assert_eq!(
            error_message(br#"{"ok":false,"error":"the task is not yours"}"#).as_deref(),
            Some("the task is not yours")
        );
        assert_eq!(
            error_message(b"plain words").as_deref(),
            Some("plain words")
        );
        assert_eq!(error_message(b"<html>"), None);
        assert_eq!(text("u", b" \"/ipfs/x\"\n").expect("text"), "/ipfs/x");
        assert_eq!(text("u", b"/ipfs/x").expect("text"), "/ipfs/x");
    }

    #[tokio::test]
    async fn a_server_that_is_not_running_is_unreachable() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let api = ResultsApi::new(&format!("http://127.0.0.1:{port}")).expect("valid");
        let error = api.version().await.expect_err("nothing listens");
        assert!(
            matches!(error, ResultsApiError::Unreachable { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("poco results"), "{error}");
        let error = api.download("/ipns/x").await.expect_err("not ipfs");
        assert!(matches!(error, ResultsApiError::Format(_)), "{error:?}");
    }
}

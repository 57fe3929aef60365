//! A client of the scheduler's API (iExec core's routes, design `execution.md` §2.1), for
//! workers and for the CLI (`task debug`, `app run --watch`).
//!
//! Workers give it their wallet ([`CoreApi::with_wallet`]): it logs in on first use
//! (challenge, then the EIP-191 signature of keccak256 of the challenge's bytes, design ⚑A1),
//! keeps the JWT, and logs in again once when a route answers 401. Requesters read a task's
//! public view ([`CoreApi::task`]) and, signing iExec core's EIP-712 challenge, its logs
//! ([`CoreApi::logs`]). [`workerpool_api`] finds a pool's scheduler through iExec Compass's
//! route, which Poco's scheduler serves itself.
//!
//! Failures are [`CoreApiError`]s that tell an unreachable scheduler (retry later) from a
//! refusal (fix something).

mod error;
mod http;
#[cfg(test)]
mod tests;

use crate::chains::ChainConf;
use alloy_primitives::{Address, B256};
use alloy_signer::Signer;
use alloy_signer_local::PrivateKeySigner;
pub use error::{CoreApiError, Result};
use http::{Body, Reply};
use poco_types::{
    challenge::{LogsChallenge, sign_login_async},
    core::{
        LoginSignature, PublicConfiguration, ReplicateStatusUpdate, ReplicateTaskSummary,
        TaskLogsModel, TaskModel, TaskNotification, TaskNotificationType, WorkerModel,
        WorkerpoolApi,
    },
};
use reqwest::{Method, StatusCode};
use std::time::Duration;
use tokio::sync::Mutex;

/// How long a request may take, beyond the long-poll wait it asks for.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest long-poll wait the scheduler grants.
pub const MAX_WAIT: Duration = Duration::from_secs(30);

/// How the scheduler took a status update (its HTTP status).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateReception {
    /// 200: recorded.
    Accepted,
    /// 208: the replicate already had this status (a retry): delivered.
    AlreadyReported,
    /// 202: unknown replicate or a transition the scheduler refuses; the action is
    /// PLEASE_ABORT.
    Refused,
}

/// The scheduler's answer to a status update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdateAnswer {
    /// What to do next.
    pub action: TaskNotificationType,
    /// How the update was taken.
    pub reception: UpdateReception,
}

/// A client of one scheduler.
#[derive(Debug)]
pub struct CoreApi {
    url: String,
    http: reqwest::Client,
    wallet: Option<PrivateKeySigner>,
    token: Mutex<Option<String>>,
}

impl CoreApi {
    /// A client of the scheduler at `url` (`http(s)://host:port`, trailing `/` ignored).
    pub fn new(url: &str) -> Result<Self> {
        let trimmed = url.trim().trim_end_matches('/');
        let valid = reqwest::Url::parse(trimmed).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        });
        if !valid {
            return Err(CoreApiError::Url {
                url: url.to_string(),
            });
        }
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| CoreApiError::Unreachable {
                url: trimmed.to_string(),
                cause: format!("cannot build an HTTP client: {e}"),
            })?;
        Ok(CoreApi {
            url: trimmed.to_string(),
            http,
            wallet: None,
            token: Mutex::new(None),
        })
    }

    /// The same client, logging in with `wallet` for the worker routes.
    pub fn with_wallet(mut self, wallet: PrivateKeySigner) -> Self {
        self.wallet = Some(wallet);
        self
    }

    /// The scheduler's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The wallet, if any.
    pub fn wallet(&self) -> Option<Address> {
        self.wallet.as_ref().map(|w| w.address())
    }

    // Public routes ----------------------------------------------------------------------------

    /// `GET /workers/config`.
    pub async fn config(&self) -> Result<PublicConfiguration> {
        self.get("read the configuration", "/workers/config", &[])
            .await?
            .json()
    }

    /// `GET /version`: the scheduler's version.
    pub async fn version(&self) -> Result<String> {
        let reply = self.get("read the version", "/version", &[]).await?;
        let value: serde_json::Value = reply.json()?;
        value
            .get("version")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| reply.unexpected("no version"))
    }

    /// `GET /tasks/{taskId}`: the scheduler's view of a task; `None` when it does not know it
    /// (yet).
    pub async fn task(&self, task_id: B256) -> Result<Option<TaskModel>> {
        let what = "read the task";
        let reply = self
            .request(
                what,
                Method::GET,
                &format!("/tasks/{task_id}"),
                &[],
                Body::None,
                None,
            )
            .await?;
        if reply.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        reply.success()?.json().map(Some)
    }

    /// `GET /tasks/logs/challenge?chainId&address`: the EIP-712 challenge the requester signs.
    pub async fn logs_challenge(&self, chain_id: u64, address: Address) -> Result<LogsChallenge> {
        let query = [
            ("chainId", chain_id.to_string()),
            ("address", address.to_checksum(None)),
        ];
        let reply = self
            .get("get a logs challenge", "/tasks/logs/challenge", &query)
            .await?;
        let value: serde_json::Value = reply.json()?;
        let challenge = LogsChallenge::from_typed_data(&value)?;
        if challenge.chain_id != chain_id {
            return Err(reply.unexpected(&format!(
                "a challenge for chain {}, not {chain_id}",
                challenge.chain_id
            )));
        }
        Ok(challenge)
    }

    /// The compute logs of a task, for its requester: the challenge, signed by `requester`,
    /// then `GET /tasks/{taskId}/logs` with `Authorization: <hash>_<signature>_<address>`.
    pub async fn logs<S: Signer + Sync>(
        &self,
        task_id: B256,
        chain_id: u64,
        requester: &S,
    ) -> Result<TaskLogsModel> {
        let challenge = self.logs_challenge(chain_id, requester.address()).await?;
        let authorization = challenge.authorize_async(requester).await?.to_header();
        self.request(
            "read the task's logs",
            Method::GET,
            &format!("/tasks/{task_id}/logs"),
            &[],
            Body::None,
            Some(&authorization),
        )
        .await?
        .success()?
        .json()
    }

    // Worker routes ----------------------------------------------------------------------------

    /// Logs in (challenge, signature, JWT) and keeps the token; returns it.
    pub async fn login(&self) -> Result<String> {
        let mut token = self.token.lock().await;
        let fresh = self.login_exchange().await?;
        *token = Some(fresh.clone());
        Ok(fresh)
    }

    /// The token to use: the kept one unless it is `stale` (refused) or there is none, else a
    /// new one. Logins are serialized (the token's lock is held meanwhile): the scheduler's
    /// challenge is single use, so two logins at once would refuse each other.
    async fn token(&self, stale: Option<&str>) -> Result<String> {
        let mut token = self.token.lock().await;
        if let Some(current) = token.as_deref()
            && Some(current) != stale
        {
            return Ok(current.to_string());
        }
        let fresh = self.login_exchange().await?;
        *token = Some(fresh.clone());
        Ok(fresh)
    }

    /// One login exchange.
    async fn login_exchange(&self) -> Result<String> {
        let wallet = self.wallet.as_ref().ok_or(CoreApiError::NoWallet)?;
        let address = wallet.address();
        let query = [("walletAddress", address.to_checksum(None))];
        let reply = self
            .get("give a login challenge", "/workers/challenge", &query)
            .await?;
        let text = reply.text()?;
        let challenge: B256 = text
            .parse()
            .map_err(|_| reply.unexpected("the challenge is not 0x + 64 hex digits"))?;
        let signature = sign_login_async(wallet, &challenge).await?;
        let body = serde_json::to_value(LoginSignature { value: signature })
            .expect("a signature serializes");
        let reply = self
            .request(
                "log in",
                Method::POST,
                "/workers/login",
                &query,
                Body::Json(&body),
                None,
            )
            .await?;
        if reply.status == StatusCode::UNAUTHORIZED || reply.status == StatusCode::FORBIDDEN {
            return Err(CoreApiError::LoginRefused {
                url: self.url.clone(),
                wallet: address,
                message: reply.message(),
            });
        }
        let reply = reply.success()?;
        let token = reply.text()?;
        if token.is_empty() {
            return Err(reply.unexpected("an empty token"));
        }
        Ok(token)
    }

    /// `POST /workers/register`: the stored worker.
    pub async fn register(&self, model: &WorkerModel) -> Result<WorkerModel> {
        let body = serde_json::to_value(model).expect("a worker model serializes");
        self.authed(
            "register",
            Method::POST,
            "/workers/register",
            &[],
            Body::Json(&body),
        )
        .await?
        .success()?
        .json()
    }

    /// `POST /workers/ping`: the hash of the public configuration (reload it when it changes).
    pub async fn ping(&self) -> Result<String> {
        self.authed("ping", Method::POST, "/workers/ping", &[], Body::Empty)
            .await?
            .success()?
            .text()
    }

    /// `GET /workers/computing`: the tasks of this worker's replicates the scheduler thinks
    /// are active.
    pub async fn computing(&self) -> Result<Vec<B256>> {
        self.authed(
            "list the computing replicates",
            Method::GET,
            "/workers/computing",
            &[],
            Body::None,
        )
        .await?
        .success()?
        .json()
    }

    /// `GET /replicates/available?blockNumber[&waitMs]`: a replicate to run, or `None` (204),
    /// waiting up to `wait` (at most [`MAX_WAIT`]) for one.
    pub async fn available(
        &self,
        block_number: u64,
        wait: Option<Duration>,
    ) -> Result<Option<ReplicateTaskSummary>> {
        let query = poll_query(block_number, wait);
        let reply = self
            .authed_waiting("ask for a replicate", "/replicates/available", &query, wait)
            .await?
            .success()?;
        if reply.status == StatusCode::NO_CONTENT || reply.body.is_empty() {
            return Ok(None);
        }
        reply.json().map(Some)
    }

    /// `GET /replicates/interrupted?blockNumber[&waitMs]`: what the scheduler wants done
    /// about this worker's live replicates, waiting up to `wait` while there is nothing.
    pub async fn interrupted(
        &self,
        block_number: u64,
        wait: Option<Duration>,
    ) -> Result<Vec<TaskNotification>> {
        let query = poll_query(block_number, wait);
        let reply = self
            .authed_waiting(
                "ask for notifications",
                "/replicates/interrupted",
                &query,
                wait,
            )
            .await?
            .success()?;
        if reply.status == StatusCode::NO_CONTENT || reply.body.is_empty() {
            return Ok(Vec::new());
        }
        reply.json()
    }

    /// `POST /replicates/{taskId}/updateStatus`: the next action, and how the update was
    /// taken (200 accepted, 208 already reported, 202 refused).
    pub async fn update_status(
        &self,
        task_id: B256,
        update: &ReplicateStatusUpdate,
    ) -> Result<UpdateAnswer> {
        let body = serde_json::to_value(update).expect("a status update serializes");
        let what = format!("report {} for task {task_id}", update.status);
        let reply = self
            .authed(
                &what,
                Method::POST,
                &format!("/replicates/{task_id}/updateStatus"),
                &[],
                Body::Json(&body),
            )
            .await?
            .success()?;
        let reception = match reply.status.as_u16() {
            208 => UpdateReception::AlreadyReported,
            202 => UpdateReception::Refused,
            _ => UpdateReception::Accepted,
        };
        let action = reply.text()?.parse::<TaskNotificationType>().map_err(|e| {
            reply.unexpected(&format!("the next action is not a notification type: {e}"))
        })?;
        Ok(UpdateAnswer { action, reception })
    }

    // Plumbing ---------------------------------------------------------------------------------

    async fn get(&self, what: &str, path: &str, query: &[(&str, String)]) -> Result<Reply> {
        self.request(what, Method::GET, path, query, Body::None, None)
            .await?
            .success()
    }

    /// A worker route, with the token (logging in first when there is none, and again once
    /// on 401).
    async fn authed(
        &self,
        what: &str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Body<'_>,
    ) -> Result<Reply> {
        self.authed_timeout(what, method, path, query, body, REQUEST_TIMEOUT)
            .await
    }

    async fn authed_waiting(
        &self,
        what: &str,
        path: &str,
        query: &[(&str, String)],
        wait: Option<Duration>,
    ) -> Result<Reply> {
        let timeout = REQUEST_TIMEOUT + wait.unwrap_or_default().min(MAX_WAIT);
        self.authed_timeout(what, Method::GET, path, query, Body::None, timeout)
            .await
    }

    async fn authed_timeout(
        &self,
        what: &str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Body<'_>,
        timeout: Duration,
    ) -> Result<Reply> {
        let token = self.token(None).await?;
        let bearer = format!("Bearer {token}");
        let reply = self
            .send(
                what,
                method.clone(),
                path,
                query,
                body,
                Some(&bearer),
                timeout,
            )
            .await?;
        if reply.status != StatusCode::UNAUTHORIZED {
            return Ok(reply);
        }
        tracing::debug!(
            "the scheduler refused the token ({}): logging in again",
            reply.message()
        );
        let token = self.token(Some(&token)).await?;
        let bearer = format!("Bearer {token}");
        self.send(what, method, path, query, body, Some(&bearer), timeout)
            .await
    }

    async fn request(
        &self,
        what: &str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Body<'_>,
        authorization: Option<&str>,
    ) -> Result<Reply> {
        self.send(
            what,
            method,
            path,
            query,
            body,
            authorization,
            REQUEST_TIMEOUT,
        )
        .await
    }
}

/// `blockNumber` and, when waiting, `waitMs`.
fn poll_query(block_number: u64, wait: Option<Duration>) -> Vec<(&'static str, String)> {
    let mut query = vec![("blockNumber", block_number.to_string())];
    if let Some(wait) = wait.filter(|w| !w.is_zero()) {
        let ms = wait.min(MAX_WAIT).as_millis();
        query.push(("waitMs", ms.to_string()));
    }
    query
}

/// The API URL of `workerpool`'s scheduler, from the Compass at `compass` (iExec Compass's
/// `GET /{chainId}/workerpools/{address}` → `{apiUrl}`).
pub async fn workerpool_api(compass: &str, chain_id: u64, workerpool: Address) -> Result<String> {
    let api = CoreApi::new(compass)?;
    let reply = api
        .request(
            "look the workerpool up",
            Method::GET,
            &format!("/{chain_id}/workerpools/{}", workerpool.to_checksum(None)),
            &[],
            Body::None,
            None,
        )
        .await?;
    if reply.status == StatusCode::NOT_FOUND {
        return Err(CoreApiError::UnknownWorkerpool {
            url: api.url,
            workerpool,
        });
    }
    let found: WorkerpoolApi = reply.success()?.json()?;
    Ok(found.api_url)
}

/// The scheduler of `workerpool` on `chain`: `override_url` when given, else the chain's
/// Compass's answer.
pub async fn for_workerpool(
    chain: &ChainConf,
    workerpool: Address,
    override_url: Option<&str>,
) -> Result<CoreApi> {
    if let Some(url) = override_url {
        return CoreApi::new(url);
    }
    let compass = chain
        .compass
        .as_deref()
        .ok_or_else(|| CoreApiError::NoCompass {
            chain: chain.name.clone(),
        })?;
    CoreApi::new(&workerpool_api(compass, chain.id, workerpool).await?)
}

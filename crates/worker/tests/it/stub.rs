//! A minimal scripted scheduler and result storage over real HTTP, so the worker is tested
//! without the other crates: iExec core's worker routes with a simplified next-action rule that
//! reads the chain (the real one is poco-scheduler's), and the result proxy's token, upload and
//! `/ipfs/` routes storing zips in memory.

use alloy_primitives::{Address, B256, Bytes};
use alloy_signer_local::PrivateKeySigner;
use axum::{
    Json, Router,
    body::Bytes as Body,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use poco_contracts::{
    PocoHub,
    alloy::providers::{DynProvider, Provider as _, ProviderBuilder},
    dev,
};
use poco_types::{
    ReplicateStatus as R, TaskStatus, WorkerpoolAuthorization,
    core::{
        PublicConfiguration, ReplicateStatusUpdate, ReplicateTaskSummary, TaskAbortCause,
        TaskNotification, TaskNotificationExtra, TaskNotificationType as N, WorkerModel,
    },
    results::{ResultCid, ResultModel},
};
use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// What the scripted scheduler knows and does.
#[derive(Default)]
pub(crate) struct Script {
    /// Tasks to hand out, in order (each to any one worker).
    pub(crate) queue: VecDeque<B256>,
    /// Status updates received: (task, worker, update), in order.
    pub(crate) updates: Vec<(B256, Address, ReplicateStatusUpdate)>,
    /// Current status per (task, worker).
    pub(crate) status: BTreeMap<(B256, Address), R>,
    /// Answer PLEASE_WAIT to COMPUTED while set (to stop a replicate there).
    pub(crate) hold_computed: bool,
    /// Answer 503 to every worker route while set (the scheduler is "down").
    pub(crate) offline: bool,
    /// Tasks to abort (PLEASE_ABORT through the notifications) with this cause.
    pub(crate) abort: HashMap<B256, TaskAbortCause>,
    /// The chosen uploader per task.
    pub(crate) uploader: HashMap<B256, Address>,
    /// The result link an uploader reported, per task.
    pub(crate) links: HashMap<B256, String>,
    /// Registered workers.
    pub(crate) registered: Vec<WorkerModel>,
}

/// The running stubs.
#[derive(Clone)]
pub(crate) struct Stub {
    pub(crate) script: Arc<Mutex<Script>>,
    /// Stored result zips by CID.
    pub(crate) blobs: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    pub(crate) scheduler_url: String,
    pub(crate) results_url: String,
    pool_owner: PrivateKeySigner,
    pool: Address,
    chain_url: String,
}

impl Stub {
    /// Starts both stubs for `pool` (owned by `pool_owner`) on the chain at `chain_url`.
    pub(crate) async fn start(
        chain_url: &str,
        pool_owner: PrivateKeySigner,
        pool: Address,
    ) -> Self {
        let results = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let scheduler = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let stub = Stub {
            script: Arc::default(),
            blobs: Arc::default(),
            scheduler_url: format!("http://{}", scheduler.local_addr().expect("addr")),
            results_url: format!("http://{}", results.local_addr().expect("addr")),
            pool_owner,
            pool,
            chain_url: chain_url.to_owned(),
        };
        let results_app = Router::new()
            .route("/v1/results/token", post(token))
            .route("/v1/results", post(upload))
            .route("/ipfs/{cid}", get(ipfs))
            .route("/files/{name}", get(file))
            .with_state(stub.clone());
        let scheduler_app = Router::new()
            .route("/workers/config", get(config))
            .route("/workers/challenge", get(challenge))
            .route("/workers/login", post(login))
            .route("/workers/register", post(register))
            .route("/workers/ping", post(ping))
            .route("/workers/computing", get(computing))
            .route("/replicates/available", get(available))
            .route("/replicates/interrupted", get(interrupted))
            .route("/replicates/{task}/updateStatus", post(update_status))
            .with_state(stub.clone());
        tokio::spawn(async move { axum::serve(results, results_app).await });
        tokio::spawn(async move { axum::serve(scheduler, scheduler_app).await });
        stub
    }

    fn provider(&self) -> DynProvider {
        ProviderBuilder::new()
            .connect_http(self.chain_url.parse().expect("URL"))
            .erased()
    }

    /// Hands `task` out to the next worker asking.
    pub(crate) fn supply(&self, task: B256) {
        self.script
            .lock()
            .expect("not poisoned")
            .queue
            .push_back(task);
    }

    /// The statuses `worker` reported for `task`, in order.
    pub(crate) fn statuses(&self, task: B256, worker: Address) -> Vec<R> {
        let script = self.script.lock().expect("not poisoned");
        script
            .updates
            .iter()
            .filter(|(t, w, _)| *t == task && *w == worker)
            .map(|(_, _, u)| u.status)
            .collect()
    }

    /// The last update `worker` reported for `task` with `status`.
    pub(crate) fn update(
        &self,
        task: B256,
        worker: Address,
        status: R,
    ) -> Option<ReplicateStatusUpdate> {
        let script = self.script.lock().expect("not poisoned");
        script
            .updates
            .iter()
            .rev()
            .find(|(t, w, u)| *t == task && *w == worker && u.status == status)
            .map(|(_, _, u)| u.clone())
    }

    /// Waits (60 s at most) until `worker`'s replicate of `task` reports `status`.
    pub(crate) async fn wait_for(&self, task: B256, worker: Address, status: R) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(60) {
            if self.statuses(task, worker).contains(&status) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let all: Vec<_> = {
            let script = self.script.lock().expect("not poisoned");
            script
                .updates
                .iter()
                .map(|(t, w, u)| (*t == task, *w, u.status))
                .collect()
        };
        panic!(
            "{worker} never reported {status} for {task}: {:?}; all updates (this task?, worker, \
             status): {all:?}",
            self.statuses(task, worker)
        );
    }

    /// The next action for `worker` on `task` (a simplified version of the scheduler's rule).
    async fn next_action(&self, task: B256, worker: Address) -> (N, Option<TaskAbortCause>) {
        let (status, abort, uploader, hold) = {
            let script = self.script.lock().expect("not poisoned");
            (
                script.status.get(&(task, worker)).copied(),
                script.abort.get(&task).copied(),
                script.uploader.get(&task).copied(),
                script.hold_computed,
            )
        };
        let Some(status) = status else {
            return (N::PleaseAbort, None);
        };
        if matches!(status, R::Completed | R::Failed | R::Aborted) {
            return (N::PleaseContinue, None);
        }
        if let Some(cause) = abort {
            return (N::PleaseAbort, Some(cause));
        }
        if status.is_failure() && !matches!(status, R::ResultUploadFailed | R::DataDownloadFailed) {
            return (N::PleaseAbort, None);
        }
        let hub = PocoHub::new(dev::HUB, self.provider());
        let view = hub.viewTask(task).call().await.expect("viewTask");
        let chain = TaskStatus::try_from(view.status).expect("a status");
        let deal = hub.viewDeal(view.dealid).call().await.expect("viewDeal");
        let trust = u64::try_from(deal.trust).expect("small");
        match status {
            R::Computed if hold => (N::PleaseWait, None),
            R::Computed | R::Recovering if chain == TaskStatus::Active => {
                if status == R::Recovering {
                    (N::PleaseContinue, None)
                } else if trust <= 1 {
                    (N::PleaseContributeAndFinalize, None)
                } else {
                    (N::PleaseContribute, None)
                }
            }
            R::Computed => (N::PleaseAbort, Some(TaskAbortCause::ConsensusReached)),
            R::Contributed if chain == TaskStatus::Revealing => {
                let contribution = hub
                    .viewContribution(task, worker)
                    .call()
                    .await
                    .expect("viewContribution");
                if contribution.resultHash == view.consensusValue {
                    (N::PleaseReveal, None)
                } else {
                    (N::PleaseAbort, Some(TaskAbortCause::NotInConsensus))
                }
            }
            R::Revealed | R::ResultUploaded | R::ContributeAndFinalizeDone
                if chain == TaskStatus::Completed =>
            {
                (N::PleaseComplete, None)
            }
            R::Revealed => {
                let chosen = {
                    let mut script = self.script.lock().expect("not poisoned");
                    *script.uploader.entry(task).or_insert(worker)
                };
                if chosen == worker && uploader.is_none() {
                    (N::PleaseUpload, None)
                } else {
                    (N::PleaseWait, None)
                }
            }
            R::ResultUploaded if view.revealCounter == view.winnerCounter => {
                let link = self
                    .script
                    .lock()
                    .expect("not poisoned")
                    .links
                    .get(&task)
                    .cloned();
                if let Some(link) = link {
                    let owner = self.pool_owner.address();
                    // Two answers may race to finalize: the second reverts, which is fine.
                    let sent = hub
                        .finalize(task, Bytes::from(link.into_bytes()), Bytes::new())
                        .from(owner)
                        .send()
                        .await;
                    if let Ok(pending) = sent {
                        let _ = pending.get_receipt().await;
                    }
                    let view = hub.viewTask(task).call().await.expect("viewTask");
                    if view.status == TaskStatus::Completed as u8 {
                        return (N::PleaseComplete, None);
                    }
                }
                (N::PleaseWait, None)
            }
            _ => (N::PleaseContinue, None),
        }
    }
}

/// The wallet a bearer token stands for (the token is the wallet itself).
fn wallet_of(headers: &axum::http::HeaderMap) -> Option<Address> {
    let value = headers.get("authorization")?.to_str().ok()?;
    value.strip_prefix("Bearer ")?.parse().ok()
}

fn down() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "down for the test").into_response()
}

async fn config(State(stub): State<Stub>) -> Json<PublicConfiguration> {
    Json(PublicConfiguration {
        chain_id: 31337,
        hub: dev::HUB,
        worker_pool_address: stub.pool,
        scheduler_public_address: stub.pool_owner.address(),
        result_repository_url: stub.results_url.clone(),
        ipfs_gateway_url: stub.results_url.clone(),
        ask_for_replicate_period: 1000,
        ping_period: 1000,
        worker_lost_after: 3000,
        required_worker_version: String::new(),
    })
}

async fn challenge() -> String {
    format!("{:#x}", B256::random())
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct WalletQuery {
    wallet_address: Address,
}

async fn login(Query(query): Query<WalletQuery>) -> String {
    format!("{:#x}", query.wallet_address)
}

async fn register(State(stub): State<Stub>, Json(model): Json<WorkerModel>) -> Json<WorkerModel> {
    stub.script
        .lock()
        .expect("not poisoned")
        .registered
        .push(model.clone());
    Json(model)
}

async fn ping() -> String {
    "0x00".into()
}

async fn computing(State(stub): State<Stub>, headers: axum::http::HeaderMap) -> Json<Vec<B256>> {
    let Some(wallet) = wallet_of(&headers) else {
        return Json(vec![]);
    };
    let script = stub.script.lock().expect("not poisoned");
    Json(
        script
            .status
            .iter()
            .filter(|((_, w), s)| {
                *w == wallet && !matches!(s, R::Completed | R::Failed | R::Aborted)
            })
            .map(|((t, _), _)| *t)
            .collect(),
    )
}

async fn available(State(stub): State<Stub>, headers: axum::http::HeaderMap) -> Response {
    let Some(wallet) = wallet_of(&headers) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(500) {
        let task = {
            let mut script = stub.script.lock().expect("not poisoned");
            if script.offline {
                return down();
            }
            // A worker takes part in a task at most once.
            let position = script
                .queue
                .iter()
                .position(|task| !script.status.contains_key(&(*task, wallet)));
            let task = position.and_then(|i| script.queue.remove(i));
            if let Some(task) = task {
                script.status.insert((task, wallet), R::Created);
            }
            task
        };
        if let Some(task) = task {
            let authorization =
                WorkerpoolAuthorization::sign(&stub.pool_owner, wallet, task, Address::ZERO)
                    .expect("signs");
            let summary = ReplicateTaskSummary {
                workerpool_authorization: authorization,
                sms_url: None,
            };
            return Json(summary).into_response();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn interrupted(State(stub): State<Stub>, headers: axum::http::HeaderMap) -> Response {
    let Some(wallet) = wallet_of(&headers) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let start = Instant::now();
    loop {
        let tasks: Vec<B256> = {
            let script = stub.script.lock().expect("not poisoned");
            if script.offline {
                return down();
            }
            script
                .status
                .keys()
                .filter(|(_, w)| *w == wallet)
                .map(|(t, _)| *t)
                .collect()
        };
        let mut list = Vec::new();
        for task in tasks {
            let (kind, cause) = stub.next_action(task, wallet).await;
            if !matches!(kind, N::PleaseContinue | N::PleaseWait) {
                list.push(TaskNotification {
                    chain_task_id: task,
                    workers_address: vec![wallet],
                    task_notification_type: kind,
                    task_notification_extra: TaskNotificationExtra {
                        task_abort_cause: cause,
                        ..Default::default()
                    },
                });
            }
        }
        if !list.is_empty() || start.elapsed() > Duration::from_millis(500) {
            return Json(list).into_response();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn update_status(
    State(stub): State<Stub>,
    headers: axum::http::HeaderMap,
    Path(task): Path<B256>,
    Json(update): Json<ReplicateStatusUpdate>,
) -> Response {
    let Some(wallet) = wallet_of(&headers) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    {
        let mut script = stub.script.lock().expect("not poisoned");
        if script.offline {
            return down();
        }
        if !script.status.contains_key(&(task, wallet)) {
            return (StatusCode::ACCEPTED, Json(N::PleaseAbort)).into_response();
        }
        if script.status.get(&(task, wallet)) == Some(&update.status) {
            return (StatusCode::ALREADY_REPORTED, Json(N::PleaseWait)).into_response();
        }
        if update.status == R::ResultUploaded
            && let Some(link) = update.details.as_ref().and_then(|d| d.result_link.clone())
        {
            script.links.insert(task, link);
        }
        script.status.insert((task, wallet), update.status);
        script.updates.push((task, wallet, update));
    }
    let (kind, _) = stub.next_action(task, wallet).await;
    Json(kind).into_response()
}

async fn token(body: Body) -> Response {
    match serde_json::from_slice::<WorkerpoolAuthorization>(&body) {
        Ok(authorization) => format!("token-{:#x}", authorization.chain_task_id).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

async fn upload(State(stub): State<Stub>, body: Body) -> Response {
    let model = match ResultModel::parse(&body) {
        Ok(model) => model,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    let cid = ResultCid::of(&model.zip);
    stub.blobs
        .lock()
        .expect("not poisoned")
        .insert(cid.to_string(), model.zip);
    cid.location().into_response()
}

/// Test input files: `/files/<name>` answers `content of <name>`, except `missing` (404).
async fn file(Path(name): Path<String>) -> Response {
    if name == "missing" {
        return StatusCode::NOT_FOUND.into_response();
    }
    format!("content of {name}").into_response()
}

async fn ipfs(State(stub): State<Stub>, Path(cid): Path<String>) -> Response {
    match stub.blobs.lock().expect("not poisoned").get(&cid) {
        Some(zip) => zip.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

//! [`CoreApi`] against a scripted scheduler speaking real HTTP on a loopback port: login and
//! re-login on 401, each route's shape, status codes, logs with the EIP-712 challenge, Compass,
//! and the errors of an unreachable or refusing scheduler.

use super::*;
use alloy_primitives::keccak256;
use poco_types::{
    ReplicateStatus, WorkerpoolAuthorization,
    challenge::{LogsAuthorization, recover_login},
};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex as StdMutex};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

const TASK: B256 = B256::repeat_byte(0x11);
const CHAIN_ID: u64 = 31337;

fn worker() -> PrivateKeySigner {
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
        .parse()
        .expect("dev key 1")
}

fn requester() -> PrivateKeySigner {
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"
        .parse()
        .expect("dev key 2")
}

/// What the stub remembers.
#[derive(Default)]
struct State {
    login_challenge: Option<B256>,
    logins: u32,
    token: Option<String>,
    logs_challenge: Option<LogsChallenge>,
    available_calls: u32,
    last_query: String,
}

/// A request as the stub read it.
struct Request {
    method: String,
    path: String,
    query: String,
    authorization: Option<String>,
    body: Vec<u8>,
}

fn query_param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.to_string())
    })
}

/// The scripted scheduler's answer: (status, content type, body).
fn answer(state: &StubState, req: &Request) -> (u16, &'static str, String) {
    let mut s = state.lock().expect("lock");
    s.last_query = req.query.clone();
    let text = |code, body: String| (code, "text/plain", body);
    let json = |code, body: Value| (code, "application/json", body.to_string());
    let refuse = |code, msg: &str| {
        (
            code,
            "application/json",
            json!({"ok": false, "error": msg}).to_string(),
        )
    };
    let wallet = worker().address();
    let authed = req
        .authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Bearer "))
        == s.token.as_deref()
        && s.token.is_some();
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/workers/config") => json(
            200,
            json!({
                "chainId": CHAIN_ID, "hub": Address::repeat_byte(1), "workerPoolAddress": Address::repeat_byte(2),
                "schedulerPublicAddress": Address::repeat_byte(3), "resultRepositoryURL": "http://127.0.0.1:3001",
                "ipfsGatewayURL": "http://127.0.0.1:3001", "askForReplicatePeriod": 5000, "pingPeriod": 1000,
                "workerLostAfter": 3000, "requiredWorkerVersion": "",
            }),
        ),
        ("GET", "/version") => json(200, json!({"version": "9.9.9"})),
        ("GET", "/workers/challenge") => {
            let challenge = keccak256(format!("challenge {}", s.logins));
            s.login_challenge = Some(challenge);
            text(200, challenge.to_string())
        }
        ("POST", "/workers/login") => {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
            let sig: alloy_primitives::Bytes =
                serde_json::from_value(body["value"].clone()).unwrap_or_default();
            let Some(challenge) = s.login_challenge.take() else {
                return refuse(401, "no challenge");
            };
            let claimed = query_param(&req.query, "walletAddress").unwrap_or_default();
            match recover_login(&challenge, &sig) {
                Ok(a) if a == wallet && claimed.eq_ignore_ascii_case(&a.to_string()) => {
                    s.logins += 1;
                    let token = format!("jwt-{}", s.logins);
                    s.token = Some(token.clone());
                    text(200, token)
                }
                _ => refuse(401, "bad signature"),
            }
        }
        (_, path) if path.starts_with("/workers/") || path.starts_with("/replicates/") => {
            if !authed {
                return refuse(401, "log in again");
            }
            match (req.method.as_str(), path) {
                ("POST", "/workers/register") => {
                    let mut body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                    body["lastAliveDate"] = json!(123);
                    json(200, body)
                }
                ("POST", "/workers/ping") => text(200, "0xconfighash".into()),
                ("GET", "/workers/computing") => json(200, json!([TASK])),
                ("GET", "/replicates/available") => {
                    s.available_calls += 1;
                    if s.available_calls == 1 {
                        return (204, "text/plain", String::new());
                    }
                    let auth =
                        WorkerpoolAuthorization::sign(&requester(), wallet, TASK, Address::ZERO)
                            .expect("signs");
                    json(
                        200,
                        json!({"workerpoolAuthorization": auth, "smsUrl": null}),
                    )
                }
                ("GET", "/replicates/interrupted") => json(
                    200,
                    json!([{"chainTaskId": TASK, "workersAddress": [wallet],
                            "taskNotificationType": "PLEASE_ABORT",
                            "taskNotificationExtra": {"blockNumber": 0, "taskAbortCause": "WORKER_LOST"}}]),
                ),
                ("POST", p) if p == format!("/replicates/{TASK}/updateStatus") => {
                    let update: ReplicateStatusUpdate =
                        serde_json::from_slice(&req.body).expect("a status update");
                    match update.status {
                        ReplicateStatus::Computed => json(200, json!("PLEASE_CONTRIBUTE")),
                        ReplicateStatus::Contributed => json(208, json!("PLEASE_WAIT")),
                        _ => json(202, json!("PLEASE_ABORT")),
                    }
                }
                _ => refuse(404, "no such route"),
            }
        }
        ("GET", "/tasks/logs/challenge") => {
            let chain_id = query_param(&req.query, "chainId")
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let challenge = LogsChallenge::from_bytes(chain_id, [5u8; 32]);
            s.logs_challenge = Some(challenge.clone());
            json(200, challenge.typed_data())
        }
        ("GET", p) if p == format!("/tasks/{TASK}/logs") => {
            let Some(challenge) = s.logs_challenge.take() else {
                return refuse(401, "no challenge");
            };
            let Some(header) = req.authorization.as_deref() else {
                return refuse(401, "no authorization");
            };
            match LogsAuthorization::parse(header).and_then(|a| a.verify(&challenge)) {
                Ok(a) if a == requester().address() => json(
                    200,
                    json!({"computeLogsList": [{"walletAddress": wallet, "stdout": "hi", "stderr": ""}]}),
                ),
                Ok(_) => refuse(403, "only the requester may read the logs"),
                Err(e) => refuse(401, &e.to_string()),
            }
        }
        ("GET", p) if p == format!("/tasks/{TASK}") => json(
            200,
            json!({"chainTaskId": TASK, "dealId": B256::repeat_byte(2), "taskIndex": 0, "trust": 1,
                   "currentStatus": "RUNNING", "dateStatusList": [], "replicates": []}),
        ),
        ("GET", p) if p.starts_with("/tasks/") => refuse(404, "unknown task"),
        ("GET", p)
            if p == format!(
                "/{CHAIN_ID}/workerpools/{}",
                Address::repeat_byte(2).to_checksum(None)
            ) =>
        {
            json(200, json!({"apiUrl": "http://127.0.0.1:13000"}))
        }
        ("GET", "/boom") => refuse(500, "disk full"),
        _ => refuse(404, "no such route"),
    }
}

type StubState = Arc<StdMutex<State>>;

/// Serves `answer` on a loopback port; returns its URL and state.
async fn stub() -> (String, StubState) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    let state: StubState = Arc::default();
    let shared = state.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let state = shared.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                let head_end = loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
                let mut lines = head.lines();
                let mut first = lines.next().unwrap_or_default().split(' ');
                let method = first.next().unwrap_or_default().to_string();
                let target = first.next().unwrap_or_default().to_string();
                let mut length = 0;
                let mut authorization = None;
                for line in lines {
                    if let Some((name, value)) = line.split_once(':') {
                        match name.trim().to_ascii_lowercase().as_str() {
                            "content-length" => length = value.trim().parse().unwrap_or(0),
                            "authorization" => authorization = Some(value.trim().to_string()),
                            _ => {}
                        }
                    }
                }
                while buffer.len() < head_end + length {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                }
                let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                let request = Request {
                    method,
                    path: path.to_string(),
                    query: query.to_string(),
                    authorization,
                    body: buffer[head_end..].to_vec(),
                };
                let (code, content_type, body) = answer(&state, &request);
                let reply = format!(
                    "HTTP/1.1 {code} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (url, state)
}

#[tokio::test]
async fn a_worker_logs_in_once_and_again_after_a_401() {
    let (url, state) = stub().await;
    let api = CoreApi::new(&format!("{url}/"))
        .expect("valid")
        .with_wallet(worker());
    assert_eq!(api.url(), url);
    let config = api.config().await.expect("config");
    assert_eq!(config.chain_id, CHAIN_ID);
    assert_eq!(api.version().await.expect("version"), "9.9.9");

    // The first worker route logs in.
    assert_eq!(api.ping().await.expect("ping"), "0xconfighash");
    assert_eq!(state.lock().expect("lock").logins, 1);
    assert_eq!(api.computing().await.expect("computing"), vec![TASK]);
    assert_eq!(state.lock().expect("lock").logins, 1, "the token is kept");

    // The scheduler forgets the token (restart with another secret): one 401, one login.
    state.lock().expect("lock").token = Some("rotated".into());
    let model = WorkerModel {
        name: "w".into(),
        wallet_address: worker().address(),
        os: "linux".into(),
        cpu: "x86_64".into(),
        cpu_nb: 2,
        max_nb_tasks: None,
        memory_size: 1024,
        gpu_enabled: false,
        tee_enabled: false,
        last_alive_date: None,
    };
    let stored = api.register(&model).await.expect("registered");
    assert_eq!(stored.last_alive_date, Some(123));
    assert_eq!(state.lock().expect("lock").logins, 2);
}

#[tokio::test]
async fn replicates_notifications_and_status_codes() {
    let (url, state) = stub().await;
    let api = CoreApi::new(&url).expect("valid").with_wallet(worker());
    assert_eq!(
        api.available(7, Some(Duration::from_millis(250)))
            .await
            .expect("asked"),
        None,
        "204"
    );
    assert_eq!(
        state.lock().expect("lock").last_query,
        "blockNumber=7&waitMs=250"
    );
    let summary = api
        .available(8, Some(Duration::from_secs(600)))
        .await
        .expect("asked")
        .expect("a replicate");
    assert_eq!(summary.workerpool_authorization.chain_task_id, TASK);
    assert!(
        summary
            .workerpool_authorization
            .is_signed_by(requester().address())
    );
    assert_eq!(
        state.lock().expect("lock").last_query,
        "blockNumber=8&waitMs=30000",
        "the wait is capped"
    );

    let notes = api.interrupted(8, None).await.expect("notifications");
    assert_eq!(
        notes[0].abort_cause(),
        poco_types::core::TaskAbortCause::WorkerLost
    );
    assert_eq!(state.lock().expect("lock").last_query, "blockNumber=8");

    for (status, action, reception) in [
        (
            ReplicateStatus::Computed,
            TaskNotificationType::PleaseContribute,
            UpdateReception::Accepted,
        ),
        (
            ReplicateStatus::Contributed,
            TaskNotificationType::PleaseWait,
            UpdateReception::AlreadyReported,
        ),
        (
            ReplicateStatus::Revealed,
            TaskNotificationType::PleaseAbort,
            UpdateReception::Refused,
        ),
    ] {
        let answer = api
            .update_status(TASK, &ReplicateStatusUpdate::worker(status, 1))
            .await
            .expect("answered");
        assert_eq!(answer, UpdateAnswer { action, reception }, "{status}");
    }
}

#[tokio::test]
async fn tasks_logs_and_compass_for_requesters() {
    let (url, _) = stub().await;
    let api = CoreApi::new(&url).expect("valid");
    let task = api.task(TASK).await.expect("read").expect("known");
    assert_eq!(
        task.current_status,
        poco_types::core::CoreTaskStatus::Running
    );
    assert_eq!(api.task(B256::repeat_byte(9)).await.expect("read"), None);

    let logs = api.logs(TASK, CHAIN_ID, &requester()).await.expect("logs");
    assert_eq!(logs.compute_logs_list[0].stdout, "hi");
    let e = api
        .logs(TASK, CHAIN_ID, &worker())
        .await
        .expect_err("not the requester");
    assert!(
        matches!(&e, CoreApiError::Refused { status: 403, message, .. } if message.contains("only the requester")),
        "{e}"
    );

    assert_eq!(
        workerpool_api(&url, CHAIN_ID, Address::repeat_byte(2))
            .await
            .expect("known"),
        "http://127.0.0.1:13000"
    );
    assert!(matches!(
        workerpool_api(&url, CHAIN_ID, Address::repeat_byte(3)).await,
        Err(CoreApiError::UnknownWorkerpool { .. })
    ));
    let mut chain = ChainConf {
        compass: Some(url.clone()),
        ..ChainConf::dev()
    };
    let found = for_workerpool(&chain, Address::repeat_byte(2), None)
        .await
        .expect("found");
    assert_eq!(found.url(), "http://127.0.0.1:13000");
    let given = for_workerpool(&chain, Address::repeat_byte(3), Some("http://x:1"))
        .await
        .expect("the override wins");
    assert_eq!(given.url(), "http://x:1");
    chain.compass = None;
    assert!(matches!(
        for_workerpool(&chain, Address::repeat_byte(2), None).await,
        Err(CoreApiError::NoCompass { .. })
    ));
}

#[tokio::test]
async fn failures_say_what_failed() {
    for bad in ["", "127.0.0.1:13000", "ftp://x", "http://"] {
        assert!(
            matches!(CoreApi::new(bad), Err(CoreApiError::Url { .. })),
            "{bad}"
        );
    }
    // Nothing listens on port 1.
    let down = CoreApi::new("http://127.0.0.1:1")
        .expect("valid")
        .with_wallet(worker());
    let e = down.ping().await.expect_err("unreachable");
    assert!(matches!(e, CoreApiError::Unreachable { .. }), "{e}");
    assert!(e.to_string().contains("poco scheduler"), "{e}");

    let (url, _) = stub().await;
    let no_wallet = CoreApi::new(&url).expect("valid");
    assert!(matches!(
        no_wallet.ping().await,
        Err(CoreApiError::NoWallet)
    ));
    let wrong = CoreApi::new(&url).expect("valid").with_wallet(requester());
    let e = wrong.login().await.expect_err("refused");
    assert!(
        matches!(&e, CoreApiError::LoginRefused { message, .. } if message == "bad signature"),
        "{e}"
    );
    let e = no_wallet.get("break", "/boom", &[]).await.expect_err("500");
    assert!(
        matches!(&e, CoreApiError::Failed { status: 500, message, .. } if message == "disk full"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_calls_log_in_once() {
    let (url, state) = stub().await;
    let api = Arc::new(CoreApi::new(&url).expect("valid").with_wallet(worker()));
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move { api.ping().await })
        })
        .collect();
    for call in calls {
        call.await.expect("ends").expect("pinged");
    }
    assert_eq!(state.lock().expect("lock").logins, 1);
}

//! A scripted worker: it speaks the scheduler's HTTP API as a real worker would (login,
//! register, long polls, status updates) and sends real `contribute`, `reveal` and
//! `contributeAndFinalize` transactions with the hashes of `poco_types::contribution` and the
//! authorization the scheduler gave it. It computes nothing: the test says which digest.

use crate::common::{Env, read};
use alloy_primitives::{Address, B256, Bytes};
use alloy_signer_local::PrivateKeySigner;
use poco_client::{Client, Tx};
use poco_contracts::alloy::rpc::types::TransactionReceipt;
use poco_types::{
    ReplicateStatus, WorkerpoolAuthorization,
    challenge::sign_login,
    core::{
        ChainReceipt, ReplicateStatusDetails, ReplicateStatusUpdate, ReplicateTaskSummary,
        TaskNotification, TaskNotificationType, WorkerModel,
    },
    result_hash, result_seal,
    results::{ResultCid, ResultLink},
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub(crate) struct FakeWorker {
    pub(crate) signer: PrivateKeySigner,
    pub(crate) base: String,
    pub(crate) token: String,
    pub(crate) client: Client,
    http: reqwest::Client,
}

/// A result link for `digest` (any well-formed CID).
pub(crate) fn link_for(digest: B256) -> String {
    ResultLink::ipfs(&ResultCid::from_sha256(digest)).to_json()
}

impl FakeWorker {
    /// Dev account `i`, logged in and registered.
    pub(crate) async fn start(env: &Env, i: usize) -> Self {
        let signer = env.signers()[i].clone();
        let client = Client::connect(env.chain.clone(), Some(signer.clone()))
            .await
            .expect("the worker connects");
        let mut worker = Self {
            signer,
            base: env.url(),
            token: String::new(),
            client,
            http: reqwest::Client::new(),
        };
        worker.token = worker.login().await;
        worker.register().await;
        worker
    }

    pub(crate) fn address(&self) -> Address {
        self.signer.address()
    }

    /// Points at a (restarted) scheduler.
    pub(crate) fn at(&mut self, env: &Env) {
        self.base = env.url();
    }

    /// A fresh token.
    pub(crate) async fn login(&self) -> String {
        let wallet = self.address();
        let challenge = self
            .http
            .get(format!(
                "{}/workers/challenge?walletAddress={wallet}",
                self.base
            ))
            .send()
            .await
            .expect("sent");
        assert_eq!(challenge.status(), 200);
        let challenge: B256 = challenge
            .text()
            .await
            .expect("text")
            .parse()
            .expect("32 bytes");
        let signature = sign_login(&self.signer, &challenge).expect("signs");
        let reply = self
            .http
            .post(format!(
                "{}/workers/login?walletAddress={wallet}",
                self.base
            ))
            .json(&json!({ "value": signature }))
            .send()
            .await
            .expect("sent");
        assert_eq!(reply.status(), 200);
        reply.text().await.expect("a token")
    }

    pub(crate) async fn register(&self) -> Value {
        let model = WorkerModel {
            name: format!("fake-{}", self.address()),
            wallet_address: self.address(),
            os: "linux".into(),
            cpu: "x86_64".into(),
            cpu_nb: 2,
            max_nb_tasks: Some(2),
            memory_size: 1024,
            gpu_enabled: false,
            tee_enabled: false,
            last_alive_date: None,
        };
        let (status, body) = self
            .post(
                "/workers/register",
                &serde_json::to_value(model).expect("json"),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let reply = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("sent");
        read(reply).await
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, Value) {
        let reply = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("sent");
        read(reply).await
    }

    pub(crate) async fn ping(&self) -> (u16, Value) {
        self.post("/workers/ping", &Value::Null).await
    }

    /// `GET /replicates/available`, held up to `wait_ms`.
    pub(crate) async fn available(&self, wait_ms: u64) -> Option<WorkerpoolAuthorization> {
        let (status, body) = self
            .get(&format!(
                "/replicates/available?blockNumber=0&waitMs={wait_ms}"
            ))
            .await;
        match status {
            200 => {
                let summary: ReplicateTaskSummary =
                    serde_json::from_value(body).expect("a ReplicateTaskSummary");
                Some(summary.workerpool_authorization)
            }
            204 => None,
            _ => panic!("available answered {status}: {body}"),
        }
    }

    /// `GET /replicates/interrupted`, held up to `wait_ms`.
    pub(crate) async fn interrupted(&self, wait_ms: u64) -> Vec<TaskNotification> {
        let (status, body) = self
            .get(&format!(
                "/replicates/interrupted?blockNumber=0&waitMs={wait_ms}"
            ))
            .await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(body).expect("notifications")
    }

    /// Waits for a notification of `kind` about `task`.
    pub(crate) async fn wait_for(
        &self,
        task: B256,
        kind: TaskNotificationType,
    ) -> TaskNotification {
        let start = Instant::now();
        let mut seen = Vec::new();
        while start.elapsed() < Duration::from_secs(30) {
            for n in self.interrupted(2_000).await {
                if n.chain_task_id == task && n.task_notification_type == kind {
                    return n;
                }
                seen.push(n.task_notification_type);
            }
        }
        panic!(
            "{} never got {kind} for {task}; saw {seen:?}",
            self.address()
        );
    }

    /// Reports `status` with `details`: (HTTP status, next action).
    pub(crate) async fn update(
        &self,
        task: B256,
        status: ReplicateStatus,
        details: Option<ReplicateStatusDetails>,
    ) -> (u16, TaskNotificationType) {
        let mut update = ReplicateStatusUpdate::worker(status, 0);
        if let Some(details) = details {
            update = update.with_details(details);
        }
        let (code, body) = self
            .post(
                &format!("/replicates/{task}/updateStatus"),
                &serde_json::to_value(update).expect("json"),
            )
            .await;
        let kind = serde_json::from_value(body.clone())
            .unwrap_or_else(|_| panic!("updateStatus answered {code}: {body}"));
        (code, kind)
    }

    /// Reports the local steps up to COMPUTED (with an exit code and logs); returns the answer
    /// to COMPUTED.
    pub(crate) async fn compute(&self, task: B256) -> TaskNotificationType {
        use ReplicateStatus::*;
        for status in [Starting, Started, AppDownloading, AppDownloaded, Computing] {
            let (code, next) = self.update(task, status, None).await;
            assert_eq!(
                (code, next),
                (200, TaskNotificationType::PleaseContinue),
                "{status}"
            );
        }
        let details = ReplicateStatusDetails {
            exit_code: Some(0),
            compute_logs: Some(poco_types::core::ComputeLogs {
                wallet_address: None,
                stdout: format!("hello from {}", self.address()),
                stderr: String::new(),
            }),
            ..Default::default()
        };
        let (code, next) = self.update(task, Computed, Some(details)).await;
        assert_eq!(code, 200);
        next
    }

    async fn send(
        &self,
        what: &str,
        request: poco_contracts::alloy::rpc::types::TransactionRequest,
    ) -> TransactionReceipt {
        self.client
            .send(Tx::new(what.to_owned(), request), &())
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"))
    }

    /// `contribute` with `digest`'s hash and seal.
    pub(crate) async fn contribute(
        &self,
        auth: &WorkerpoolAuthorization,
        digest: B256,
    ) -> TransactionReceipt {
        let task = auth.chain_task_id;
        let hub = self.client.hub();
        let call = hub.contribute(
            task,
            result_hash(task, digest),
            result_seal(self.address(), task, digest),
            Address::ZERO,
            Bytes::new(),
            auth.signature.clone(),
        );
        self.send("contribute", call.into_transaction_request())
            .await
    }

    /// `reveal` of `digest`.
    pub(crate) async fn reveal(&self, task: B256, digest: B256) -> TransactionReceipt {
        let hub = self.client.hub();
        let call = hub.reveal(task, digest);
        self.send("reveal", call.into_transaction_request()).await
    }

    /// `contributeAndFinalize` with `digest` and its result link.
    pub(crate) async fn contribute_and_finalize(
        &self,
        auth: &WorkerpoolAuthorization,
        digest: B256,
    ) -> TransactionReceipt {
        let hub = self.client.hub();
        let call = hub.contributeAndFinalize(
            auth.chain_task_id,
            digest,
            Bytes::from(link_for(digest).into_bytes()),
            Bytes::new(),
            Address::ZERO,
            Bytes::new(),
            auth.signature.clone(),
        );
        self.send("contributeAndFinalize", call.into_transaction_request())
            .await
    }

    /// Details with a receipt.
    pub(crate) fn receipt(receipt: &TransactionReceipt) -> ReplicateStatusDetails {
        ReplicateStatusDetails {
            chain_receipt: Some(ChainReceipt {
                block_number: receipt.block_number.unwrap_or_default(),
                tx_hash: Some(receipt.transaction_hash),
            }),
            ..Default::default()
        }
    }

    /// Contributes (trust > 1): CONTRIBUTING, the transaction, CONTRIBUTED; returns the answer.
    pub(crate) async fn contribute_flow(
        &self,
        auth: &WorkerpoolAuthorization,
        digest: B256,
    ) -> TaskNotificationType {
        let task = auth.chain_task_id;
        let (code, _) = self.update(task, ReplicateStatus::Contributing, None).await;
        assert_eq!(code, 200);
        let receipt = self.contribute(auth, digest).await;
        let (code, next) = self
            .update(
                task,
                ReplicateStatus::Contributed,
                Some(Self::receipt(&receipt)),
            )
            .await;
        assert_eq!(code, 200);
        next
    }

    /// Reveals: REVEALING, the transaction, REVEALED; returns the answer.
    pub(crate) async fn reveal_flow(&self, task: B256, digest: B256) -> TaskNotificationType {
        let (code, _) = self.update(task, ReplicateStatus::Revealing, None).await;
        assert_eq!(code, 200);
        let receipt = self.reveal(task, digest).await;
        let (code, next) = self
            .update(
                task,
                ReplicateStatus::Revealed,
                Some(Self::receipt(&receipt)),
            )
            .await;
        assert_eq!(code, 200);
        next
    }

    /// Uploads (pretends to): RESULT_UPLOADING, RESULT_UPLOADED with the link; returns the
    /// answer.
    pub(crate) async fn upload_flow(&self, task: B256, digest: B256) -> TaskNotificationType {
        let (code, _) = self
            .update(task, ReplicateStatus::ResultUploading, None)
            .await;
        assert_eq!(code, 200);
        let details = ReplicateStatusDetails {
            result_link: Some(link_for(digest)),
            ..Default::default()
        };
        let (code, next) = self
            .update(task, ReplicateStatus::ResultUploaded, Some(details))
            .await;
        assert_eq!(code, 200);
        next
    }

    /// Completes: COMPLETING, COMPLETED.
    pub(crate) async fn complete_flow(&self, task: B256) {
        for status in [ReplicateStatus::Completing, ReplicateStatus::Completed] {
            let (code, _) = self.update(task, status, None).await;
            assert_eq!(code, 200, "{status}");
        }
    }
}

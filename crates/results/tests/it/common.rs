//! The harness: a dev chain with the protocol deployed, an app and a workerpool, funded
//! accounts, a running result server, and the on-chain steps of a task sent directly (match,
//! initialize, contribute, reveal, finalize, claim), signed with `poco_types`' hashes and a
//! `WorkerpoolAuthorization` of the pool owner.
//! Accounts: 0 admin, 1 requester, 2 app owner, 3 pool owner, 4.. workers.

use alloy_primitives::{Address, B256, Bytes};
use poco_client::results::ResultsApi;
use poco_results::{ResultServer, ResultsConfig};
use poco_testkit::{DealSpec, DevChain, postgres_database};
use poco_types::{WorkerpoolAuthorization, result_hash, result_seal};
use serde_json::Value;
use std::io::Write;

pub(crate) use poco_testkit::{APP_OWNER, POOL_OWNER, REQUESTER, TIMEREF, WORKER};
/// The pool's price per task (nRLC).
pub(crate) const POOL_PRICE: u64 = 100;
/// The server's size limit in these tests.
pub(crate) const MAX_RESULT_SIZE: u64 = 64 * 1024;

pub(crate) struct Env {
    pub(crate) dev: DevChain,
    pub(crate) app: Address,
    pub(crate) pool: Address,
    pub(crate) config: ResultsConfig,
    pub(crate) server: Option<ResultServer>,
    pub(crate) http: reqwest::Client,
}

impl std::ops::Deref for Env {
    type Target = DevChain;

    fn deref(&self) -> &DevChain {
        &self.dev
    }
}

impl Env {
    /// A chain, the app, the pool, deposits, and a running result server.
    pub(crate) async fn start() -> Self {
        let dev = DevChain::start().await;
        let chain = dev.chain_conf();
        let mut config = ResultsConfig::test()
            .with_chain(chain)
            .with_max_result_size(MAX_RESULT_SIZE);
        if let Some(url) = postgres_database("POCO_RESULTS_TEST_POSTGRES", "results_test").await {
            config = config.with_database_url(url);
        }
        let mut env = Self {
            dev,
            app: Address::ZERO,
            pool: Address::ZERO,
            config,
            server: None,
            http: reqwest::Client::new(),
        };
        let name = "results-test-app";
        env.app = env
            .create_app(
                APP_OWNER,
                name,
                "registry.local/results-test-app:1",
                alloy_primitives::keccak256(name),
            )
            .await;
        env.pool = env.create_workerpool(POOL_OWNER, "results test pool").await;
        env.deposit(REQUESTER, 1_000_000).await;
        env.deposit(POOL_OWNER, 1_000_000).await;
        for worker in WORKER..env.signers().len() {
            env.deposit(worker, 1_000).await;
        }
        env.start_server().await;
        env
    }

    /// Starts the server on its store and database.
    pub(crate) async fn start_server(&mut self) {
        assert!(self.server.is_none(), "the server runs already");
        self.server = Some(
            ResultServer::start(self.config.clone())
                .await
                .expect("the result server starts"),
        );
    }

    /// Stops the server cleanly.
    pub(crate) async fn stop_server(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("the server stops cleanly");
        }
    }

    /// The running server.
    pub(crate) fn server(&self) -> &ResultServer {
        self.server.as_ref().expect("the server runs")
    }

    /// The server's URL.
    pub(crate) fn url(&self) -> String {
        self.server().url()
    }

    /// The client library's API over the server.
    pub(crate) fn api(&self) -> ResultsApi {
        ResultsApi::new(&self.url()).expect("a valid URL")
    }

    /// Matches a deal of `volume` tasks at `trust` on the pool (category 0); its id.
    pub(crate) async fn deal(&self, trust: u64, volume: u64) -> B256 {
        self.match_deal(&DealSpec {
            app: self.app,
            app_price: 3,
            pool: self.pool,
            pool_price: POOL_PRICE,
            trust,
            volume,
            params: "{\"iexec_args\":\"hello\"}".to_owned(),
        })
        .await
    }

    /// A task of a fresh deal at `trust`, initialized.
    pub(crate) async fn task(&self, trust: u64) -> B256 {
        let deal = self.deal(trust, 1).await;
        self.initialize(deal, 0).await
    }

    /// The pool owner's authorization of worker `worker` (dev account index) for `task`.
    pub(crate) fn authorization(&self, worker: usize, task: B256) -> WorkerpoolAuthorization {
        WorkerpoolAuthorization::sign(
            &self.signers()[POOL_OWNER],
            self.address(worker),
            task,
            Address::ZERO,
        )
        .expect("signs")
    }

    /// A token for `worker` on `task`, through the client library.
    pub(crate) async fn token(&self, worker: usize, task: B256) -> String {
        self.api()
            .token(&self.signers()[worker], &self.authorization(worker, task))
            .await
            .expect("a token")
    }

    /// `contribute(task, hash, seal, 0, 0x, authorization)` by `worker`.
    pub(crate) async fn contribute(&self, worker: usize, task: B256, digest: B256) {
        let address = self.address(worker);
        let auth = self.authorization(worker, task);
        let receipt = self
            .hub()
            .contribute(
                task,
                result_hash(task, digest),
                result_seal(address, task, digest),
                Address::ZERO,
                Bytes::new(),
                auth.signature,
            )
            .from(address)
            .send()
            .await
            .expect("contribute")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "contribute reverted");
    }

    /// `reveal(task, digest)` by `worker`.
    pub(crate) async fn reveal(&self, worker: usize, task: B256, digest: B256) {
        let receipt = self
            .hub()
            .reveal(task, digest)
            .from(self.address(worker))
            .send()
            .await
            .expect("reveal")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "reveal reverted");
    }

    /// `contributeAndFinalize(task, digest, results, 0x, 0, 0x, authorization)` by `worker`.
    pub(crate) async fn contribute_and_finalize(
        &self,
        worker: usize,
        task: B256,
        digest: B256,
        results: Vec<u8>,
    ) {
        let auth = self.authorization(worker, task);
        let receipt = self
            .hub()
            .contributeAndFinalize(
                task,
                digest,
                Bytes::from(results),
                Bytes::new(),
                Address::ZERO,
                Bytes::new(),
                auth.signature,
            )
            .from(self.address(worker))
            .send()
            .await
            .expect("contributeAndFinalize")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "contributeAndFinalize reverted");
    }

    /// `claim(task)` (anyone, after the final deadline).
    pub(crate) async fn claim(&self, task: B256) {
        let receipt = self
            .hub()
            .claim(task)
            .from(self.address(REQUESTER))
            .send()
            .await
            .expect("claim")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "claim reverted");
    }

    /// A raw request to the server: `(status, headers, body)`.
    pub(crate) async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let reply = request.send().await.expect("sent");
        let status = reply.status().as_u16();
        let headers = reply.headers().clone();
        let body = reply.bytes().await.expect("a body").to_vec();
        (status, headers, body)
    }

    /// `GET path` on the server: `(status, body as text)`.
    pub(crate) async fn get_text(&self, path: &str) -> (u16, String) {
        let (status, _, body) = self
            .send(self.http.get(format!("{}{path}", self.url())))
            .await;
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// `POST /v1/results` with `token` and a raw JSON `body`: `(status, body as text)`.
    pub(crate) async fn post_result(&self, token: &str, body: &Value) -> (u16, String) {
        let (status, _, reply) = self
            .send(
                self.http
                    .post(format!("{}/v1/results", self.url()))
                    .header("Authorization", token)
                    .json(body),
            )
            .await;
        (status, String::from_utf8_lossy(&reply).into_owned())
    }
}

/// A zip of `files` (name, content): the zipped `/iexec_out` of a worker.
pub(crate) fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in files {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("entry");
        writer.write_all(content).expect("write");
    }
    writer.finish().expect("finish").into_inner()
}

/// A result whose output is `result.txt` = `text`: its zip and digest.
pub(crate) fn result(text: &str) -> (Vec<u8>, B256) {
    let zip = zip_of(&[
        (
            "computed.json",
            br#"{"deterministic-output-path":"/iexec_out/result.txt"}"#,
        ),
        ("result.txt", text.as_bytes()),
    ]);
    (zip, poco_types::sha256(text.as_bytes()))
}

/// The JSON text of an error body's `error`.
pub(crate) fn error_of(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_else(|| body.to_owned())
}

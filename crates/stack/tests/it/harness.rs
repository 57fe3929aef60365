//! The test harness: a stack with the demo app registered, a requester that deposits and
//! matches orders, and waits on the chain.

use alloy_primitives::{Address, B256, U256};
use poco_client::{Client, account};
use poco_contracts::dev::ONE_RLC;
use poco_stack::{
    Engine, Role, Stack, StackConfig,
    demo::DemoApp,
    requester::{self, Run},
};
use std::{sync::LazyLock, time::Duration};
use tokio::sync::{Mutex, MutexGuard};

/// One end-to-end test at a time: each runs a chain, five services and containers.
static SERIAL: LazyLock<Mutex<()>> = LazyLock::new(|| Mutex::new(()));

/// The demo app's price per task in these tests, nRLC.
pub(crate) const APP_PRICE: u64 = 1_000;

/// The engine to run containers on, or `None` (the test then passes, saying it was skipped),
/// unless under CI, where an engine is required.
pub(crate) fn engine() -> Option<String> {
    match std::env::var("POCO_TEST_DOCKER_HOST") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("POCO_TEST_DOCKER_HOST is not set: scripts/test.sh starts Podman and sets it")
        }
        _ => {
            eprintln!(
                "skipped: no engine (set POCO_TEST_DOCKER_HOST, e.g. with scripts/podman.sh start)"
            );
            None
        }
    }
}

/// A running stack for one test, with the demo app registered and its order published.
pub(crate) struct Env {
    pub(crate) stack: Stack,
    pub(crate) app: DemoApp,
    _serial: MutexGuard<'static, ()>,
}

impl Env {
    /// Starts a stack with `workers` workers; `None` when there is no engine.
    pub(crate) async fn start(workers: usize) -> Option<Env> {
        let url = engine()?;
        let serial = SERIAL.lock().await;
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let stack = Stack::start(
            StackConfig::test()
                .with_workers(workers)
                .with_engine(Engine::Url(url)),
        )
        .await
        .expect("the stack starts");
        let app = poco_stack::demo::install_app(&stack, APP_PRICE)
            .await
            .expect("the demo app is registered");
        Some(Env {
            stack,
            app,
            _serial: serial,
        })
    }

    pub(crate) async fn client(&self, role: Role) -> Client {
        self.stack.client(role).await.expect("client connects")
    }

    /// `who`'s free hub stake.
    pub(crate) async fn stake(&self, who: Address) -> U256 {
        account::hub_account(&self.client(Role::Admin).await, who)
            .await
            .expect("viewAccount")
            .stake
    }

    /// The requester deposits 10 RLC, then matches the demo app's order with the pool's (in
    /// `category`) for `volume` tasks at `trust`, the app getting `args`. Returns the deal id
    /// and its task ids.
    pub(crate) async fn run(
        &self,
        trust: u64,
        args: &str,
        volume: u64,
        category: u64,
    ) -> (B256, Vec<B256>) {
        let requester = self.client(Role::Requester).await;
        account::deposit(&requester, U256::from(10) * ONE_RLC, &())
            .await
            .expect("deposit");
        let run = Run {
            app: self.app.address,
            trust,
            args,
            volume,
            category,
        };
        requester::match_run(&self.stack, &run)
            .await
            .expect("matched")
    }

    /// Waits until `task` is COMPLETED or FAILED on-chain (at most `limit`), and returns it.
    pub(crate) async fn wait_final(
        &self,
        task: B256,
        limit: Duration,
    ) -> poco_client::deals::TaskView {
        requester::wait_final(&self.client(Role::Admin).await, task, limit)
            .await
            .expect("the task ends")
    }

    /// The files of `task`'s result zip, downloaded through the IPFS gateway path.
    pub(crate) async fn result_files(
        &self,
        view: &poco_client::deals::TaskView,
    ) -> Vec<(String, Vec<u8>)> {
        let link = poco_client::deals::decode_results(&view.task.results);
        let location = link["location"].as_str().expect("an IPFS location");
        let url = format!("{}{}", self.stack.record().urls.results, location);
        let bytes = reqwest::get(&url)
            .await
            .expect("download")
            .bytes()
            .await
            .expect("body");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
        let mut files = Vec::new();
        for i in 0..zip.len() {
            let mut file = zip.by_index(i).expect("entry");
            let mut content = Vec::new();
            std::io::Read::read_to_end(&mut file, &mut content).expect("read");
            files.push((file.name().expect("UTF-8 name").into_owned(), content));
        }
        files
    }

    /// One file of `task`'s result.
    pub(crate) async fn result_file(
        &self,
        view: &poco_client::deals::TaskView,
        name: &str,
    ) -> String {
        let files = self.result_files(view).await;
        let (_, content) = files.iter().find(|(n, _)| n == name).unwrap_or_else(|| {
            panic!(
                "{name} in the result: {:?}",
                files.iter().map(|f| &f.0).collect::<Vec<_>>()
            )
        });
        String::from_utf8(content.clone()).expect("UTF-8")
    }
}

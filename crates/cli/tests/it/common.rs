//! The end-to-end harness: a dev chain with the protocol deployed (in-process, on a free port),
//! and project folders in which the real `poco` binary runs with its own HOME, keystore and
//! chain.json pointing at that chain.

use poco_chain::{ChainConfig, Node};
use poco_client::keystore;
use poco_contracts::{
    DeployOptions,
    alloy::{primitives::Address, signers::local::PrivateKeySigner},
};
use serde_json::{Value, json};
use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::mpsc,
};

/// The password of every wallet the harness writes.
pub const PASSWORD: &str = "correct horse battery staple";

/// A dev chain with the protocol deployed, running on its own thread until dropped.
pub struct Stack {
    pub url: String,
    pub signers: Vec<PrivateKeySigner>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Stack {
    pub fn start() -> Self {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let node = Node::start(ChainConfig::test())
                    .await
                    .expect("chain starts");
                let signers = node.signers().to_vec();
                let options = DeployOptions::default().with_mint_each(
                    signers.iter().map(|s| s.address()),
                    poco_contracts::dev::RLC_PER_DEV_ACCOUNT,
                );
                poco_contracts::deploy(&node.http_url(), signers[0].clone(), &options)
                    .await
                    .expect("protocol deploys");
                ready_tx
                    .send((node.http_url(), signers))
                    .expect("the test waits");
                let _ = tokio::task::spawn_blocking(move || stop_rx.recv()).await;
                node.stop().await.expect("the chain stops cleanly");
            });
        });
        let (url, signers) = ready_rx.recv().expect("the chain thread reports");
        Self {
            url,
            signers,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// Dev account `index`'s address.
    pub fn address(&self, index: usize) -> Address {
        self.signers[index].address()
    }

    /// A JSON-RPC call; panics on an error reply.
    pub fn rpc(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let reply: Value = reqwest::blocking::Client::new()
            .post(&self.url)
            .json(&body)
            .send()
            .expect("request sent")
            .json()
            .expect("JSON reply");
        assert!(reply.get("error").is_none(), "{method}: {reply}");
        reply["result"].clone()
    }

    /// Moves the chain's clock forward and mines a block.
    pub fn increase_time(&self, seconds: u64) {
        self.rpc("evm_increaseTime", json!([seconds]));
        self.rpc("evm_mine", json!([]));
    }

    /// A new project folder using this chain as `dev`.
    pub fn project(&self) -> Project {
        Project::new(&self.url)
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A project folder with its own HOME (so its own ~/.ethereum/keystore) and a chain.json whose
/// `dev` chain is the test's.
pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub fn new(url: &str) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        std::fs::create_dir_all(dir.path().join("home")).expect("home");
        let chains = json!({
            "default": "dev",
            "chains": { "dev": { "host": url, "id": "31337", "hub": poco_contracts::dev::HUB } }
        });
        std::fs::write(
            dir.path().join("chain.json"),
            serde_json::to_string_pretty(&chains).expect("json"),
        )
        .expect("chain.json written");
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The keystore folder (`$HOME/.ethereum/keystore`).
    pub fn keystore_dir(&self) -> PathBuf {
        self.path().join("home/.ethereum/keystore")
    }

    /// Writes `signer`'s key as a V3 keystore (a cheap scrypt cost, for speed) in the keystore
    /// folder; it becomes the default wallet if it is the newest.
    pub fn add_wallet(&self, signer: &PrivateKeySigner) -> PathBuf {
        let file = keystore::encrypt_with(signer, PASSWORD, keystore::ScryptCost::new(10))
            .expect("encrypts");
        // Files are named by time; keep them ordered when several are written in a row.
        std::thread::sleep(std::time::Duration::from_millis(5));
        keystore::save(&self.keystore_dir(), &file).expect("saved")
    }

    /// The `poco` command, run in the project folder with its HOME and the wallet password.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_poco"));
        command
            .args(args)
            .current_dir(self.path())
            .env("HOME", self.path().join("home"))
            .env("POCO_WALLET_PASSWORD", PASSWORD)
            .env_remove("POCO_CHAIN")
            .env_remove("POCO_KEYSTORE_DIR")
            .env("NO_COLOR", "1");
        command
    }

    /// Runs `poco args...`.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("poco runs")
    }

    /// Runs `poco args... --raw`, expects success, returns the JSON.
    pub fn raw(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--raw");
        let output = self.run(&all);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "poco {} failed ({}):\nstdout: {stdout}\nstderr: {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let value: Value = serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("poco {}: not JSON ({e}): {stdout}", args.join(" ")));
        assert_eq!(value["ok"], json!(true), "{value}");
        value
    }

    /// Runs `poco args...`, expects exit code 1, returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(
            output.status.code(),
            Some(1),
            "poco {} should fail:\nstdout: {}\nstderr: {stderr}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout)
        );
        stderr
    }
}

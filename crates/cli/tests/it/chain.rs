//! `poco chain` as users run it: the banner, JSON-RPC, and state kept across a SIGTERM.

use serde_json::{Value, json};
use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

/// A running `poco chain` process, killed on drop.
struct Chain {
    child: Child,
    url: String,
    banner: Vec<String>,
}

impl Chain {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_poco"))
            .args(["chain", "--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("poco starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().expect("a first line").expect("utf-8");
        let url = first
            .strip_prefix("Listening on ")
            .expect("first line names the URL")
            .to_owned();
        // The rest of the banner, until the blank line after the protocol section or EOF.
        let mut banner = vec![first];
        for line in lines.by_ref().take(60) {
            let line = line.expect("utf-8");
            let done = line.starts_with("Derivation");
            banner.push(line);
            if done {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Self { child, url, banner }
    }

    fn call(&self, method: &str, params: Value) -> Value {
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

    /// Sends SIGTERM and waits for a clean exit.
    fn terminate(mut self) -> String {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let mut stderr = String::new();
        std::io::Read::read_to_string(
            self.child.stderr.as_mut().expect("piped stderr"),
            &mut stderr,
        )
        .expect("stderr");
        let exit = self.child.wait().expect("exits");
        assert!(
            exit.success(),
            "poco chain exits 0 on SIGTERM; stderr: {stderr}"
        );
        stderr
    }
}

impl Drop for Chain {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn banner_lists_accounts_keys_and_warns() {
    let chain = Chain::start(&["--chain-id", "1337", "--accounts", "3"]);
    let banner = chain.banner.join("\n");
    assert!(banner.contains("Chain id     1337"), "{banner}");
    assert!(
        banner.contains("(0) 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
        "{banner}"
    );
    assert!(
        banner.contains("(0) 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"),
        "{banner}"
    );
    assert!(!banner.contains("(3) 0x"), "three accounts only: {banner}");
    assert_eq!(chain.call("eth_chainId", json!([])), "0x539");
    let stderr = chain.terminate();
    assert!(
        stderr.contains("these accounts and keys are public"),
        "{stderr}"
    );
}

#[test]
fn sigterm_saves_the_state_and_a_restart_resumes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("chain.json");
    let state_arg = state.to_str().expect("utf-8 path");
    let chain = Chain::start(&["--state", state_arg, "--state-interval", "3600"]);
    let to = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    let hash = chain.call(
        "eth_sendTransaction",
        json!([{"from": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "to": to, "value": "0x2a"}]),
    );
    let head = chain.call("eth_blockNumber", json!([]));
    let balance = chain.call("eth_getBalance", json!([to, "latest"]));
    let stderr = chain.terminate();
    assert!(stderr.contains("state saved"), "{stderr}");
    assert!(state.exists());

    let chain = Chain::start(&["--state", state_arg]);
    assert_eq!(chain.call("eth_blockNumber", json!([])), head);
    assert_eq!(chain.call("eth_getBalance", json!([to, "latest"])), balance);
    assert_eq!(
        chain.call("eth_getTransactionReceipt", json!([hash]))["status"],
        "0x1"
    );
}

#[test]
fn bad_options_fail_with_a_clear_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_poco"))
        .args(["chain", "--port", "0", "--hardfork", "byzantium-plus"])
        .output()
        .expect("poco runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--hardfork \"byzantium-plus\" is not a hardfork"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "nothing on stdout for an error");

    let output = Command::new(env!("CARGO_BIN_EXE_poco"))
        .args(["chain", "--port", "0", "--block-time", "-1"])
        .output()
        .expect("poco runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--block-time must be a positive number")
    );
}

#[test]
fn a_port_in_use_is_reported() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_poco"))
        .args(["chain", "--port", &port, "--no-protocol"])
        .output()
        .expect("poco runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot listen on"), "{stderr}");
}

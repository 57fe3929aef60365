//! Node throughput over HTTP: sustained signed ERC-20 transfers with instant mining, and
//! `eth_call` per second, measured side by side against `poco chain` and Hardhat's node.
//!
//! Run with `scripts/bench-chain.sh` (it builds the release binary and installs Hardhat), or:
//! `cargo bench -p poco-chain --bench rpc -- [--senders 32] [--txs 250] [--calls 20000]
//!  [--concurrency 32] [--no-hardhat]`.
//! Both nodes run as separate processes on this machine, one at a time, and get the same load.

#![allow(missing_docs, unreachable_pub)]

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::Encodable2718;
use alloy_primitives::{Address, Bytes, TxKind, U256, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolValue, sol};
use serde_json::{Value, json};
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

sol! {
    function transfer(address to, uint256 amount) external returns (bool);
    function balanceOf(address owner) external view returns (uint256);
}

const DEPLOYER: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

struct Options {
    senders: usize,
    txs: usize,
    calls: usize,
    concurrency: usize,
    hardhat: bool,
}

fn options() -> Options {
    let mut o = Options {
        senders: 32,
        txs: 250,
        calls: 20_000,
        concurrency: 32,
        hardhat: true,
    };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let value = || {
            args.get(i + 1)
                .and_then(|v| v.parse().ok())
                .expect("a number after the option")
        };
        match args[i].as_str() {
            "--senders" => o.senders = value(),
            "--txs" => o.txs = value(),
            "--calls" => o.calls = value(),
            "--concurrency" => o.concurrency = value(),
            "--no-hardhat" => {
                o.hardhat = false;
                i -= 1;
            }
            _ => {
                i -= 1; // cargo bench passes `--bench`
            }
        }
        i += 2;
    }
    o
}

#[derive(Clone)]
struct Rpc {
    http: reqwest::Client,
    url: String,
}

impl Rpc {
    async fn call(&self, method: &str, params: Value) -> Result<Value, String> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let reply: Value = self
            .http
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        match reply.get("error") {
            Some(e) => Err(format!("{method}: {e}")),
            None => Ok(reply["result"].clone()),
        }
    }

    async fn receipt(&self, hash: &Value) -> Value {
        for _ in 0..200 {
            let r = self
                .call("eth_getTransactionReceipt", json!([hash]))
                .await
                .expect("receipt query");
            if !r.is_null() {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("no receipt for {hash}");
    }
}

struct Measured {
    tx_per_s: f64,
    calls_per_s: f64,
    call_p50_ms: f64,
    call_p99_ms: f64,
}

async fn wait_ready(rpc: &Rpc) {
    for _ in 0..300 {
        if rpc.call("eth_chainId", json!([])).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("node at {} did not come up", rpc.url);
}

async fn measure(url: &str, o: &Options) -> Measured {
    let rpc = Rpc {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()
            .expect("client"),
        url: url.to_owned(),
    };
    wait_ready(&rpc).await;
    let chain_id = u64::from_str_radix(
        rpc.call("eth_chainId", json!([]))
            .await
            .expect("chain id")
            .as_str()
            .expect("hex")
            .trim_start_matches("0x"),
        16,
    )
    .expect("hex");

    // Setup (not timed): deploy the token, fund senders with ETH and tokens.
    let artifact: Value =
        serde_json::from_str(include_str!("../../../contracts/out/TestToken.json"))
            .expect("artifact");
    let mut code: Vec<u8> = artifact["bytecode"]
        .as_str()
        .expect("bytecode")
        .parse::<Bytes>()
        .expect("hex")
        .to_vec();
    code.extend(U256::from(10u128.pow(30)).abi_encode());
    let hash = rpc
        .call(
            "eth_sendTransaction",
            json!([{"from": DEPLOYER, "data": Bytes::from(code), "gas": "0x500000"}]),
        )
        .await
        .expect("deploy");
    let receipt = rpc.receipt(&hash).await;
    let token: Address =
        serde_json::from_value(receipt["contractAddress"].clone()).expect("token address");
    let senders: Vec<PrivateKeySigner> = (0..o.senders)
        .map(|i| PrivateKeySigner::from_bytes(&keccak256(format!("poco-bench-{i}"))).expect("key"))
        .collect();
    for signer in &senders {
        rpc.call(
            "hardhat_setBalance",
            json!([signer.address(), "0x56bc75e2d63100000"]),
        )
        .await
        .expect("fund ETH");
        let data: Bytes = transferCall {
            to: signer.address(),
            amount: U256::from(10u128.pow(24)),
        }
        .abi_encode()
        .into();
        let hash = rpc
            .call(
                "eth_sendTransaction",
                json!([{"from": DEPLOYER, "to": token, "data": data, "gas": "0x30000"}]),
            )
            .await
            .expect("fund tokens");
        assert_eq!(rpc.receipt(&hash).await["status"], "0x1");
    }

    // Pre-sign every transfer so the timed part is only the node's work.
    let signed: Vec<Vec<Bytes>> = senders
        .iter()
        .enumerate()
        .map(|(s, signer)| {
            (0..o.txs)
                .map(|n| {
                    let to = Address::from_word(keccak256(format!("to-{s}-{n}")));
                    let tx = TxEip1559 {
                        chain_id,
                        nonce: n as u64,
                        gas_limit: 80_000,
                        max_fee_per_gas: 100_000_000_000,
                        max_priority_fee_per_gas: 1_000_000_000,
                        to: TxKind::Call(token),
                        value: U256::ZERO,
                        input: transferCall {
                            to,
                            amount: U256::from(1),
                        }
                        .abi_encode()
                        .into(),
                        access_list: Default::default(),
                    };
                    let signature = signer.sign_hash_sync(&tx.signature_hash()).expect("signs");
                    Bytes::from(TxEnvelope::from(tx.into_signed(signature)).encoded_2718())
                })
                .collect()
        })
        .collect();

    let total = o.senders * o.txs;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for txs in signed {
        let rpc = rpc.clone();
        tasks.push(tokio::spawn(async move {
            for raw in txs {
                rpc.call("eth_sendRawTransaction", json!([raw]))
                    .await
                    .expect("transaction accepted");
            }
        }));
    }
    for t in tasks {
        t.await.expect("sender task");
    }
    let elapsed = start.elapsed();
    // Every transfer must have been mined: each sender's nonce is its transaction count.
    for signer in &senders {
        let nonce = rpc
            .call(
                "eth_getTransactionCount",
                json!([signer.address(), "latest"]),
            )
            .await
            .expect("nonce");
        assert_eq!(
            nonce,
            json!(format!("{:#x}", o.txs)),
            "all transfers of {} mined",
            signer.address()
        );
    }
    let tx_per_s = total as f64 / elapsed.as_secs_f64();

    // eth_call: balanceOf of random holders, `concurrency` callers.
    let holders: Arc<Vec<Address>> = Arc::new(senders.iter().map(|s| s.address()).collect());
    let per_task = o.calls / o.concurrency;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..o.concurrency {
        let rpc = rpc.clone();
        let holders = holders.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_task);
            for i in 0..per_task {
                let owner = holders[(t * 7 + i) % holders.len()];
                let data: Bytes = balanceOfCall { owner }.abi_encode().into();
                let began = Instant::now();
                rpc.call("eth_call", json!([{"to": token, "data": data}, "latest"]))
                    .await
                    .expect("call");
                latencies.push(began.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.expect("call task"));
    }
    let elapsed = start.elapsed();
    latencies.sort();
    let pct = |p: f64| {
        latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)].as_secs_f64()
            * 1000.0
    };
    Measured {
        tx_per_s,
        calls_per_s: latencies.len() as f64 / elapsed.as_secs_f64(),
        call_p50_ms: pct(0.5),
        call_p99_ms: pct(0.99),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn start_poco(port: u16) -> Process {
    let bin = repo().join("target/release/poco");
    assert!(
        bin.exists(),
        "build the node first: cargo build --release -p poco"
    );
    let child = Command::new(bin)
        .args(["chain", "--quiet", "--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("poco chain starts");
    Process(child)
}

fn start_hardhat(port: u16) -> Process {
    let dir = repo().join("bench/hardhat");
    assert!(
        dir.join("node_modules/.bin/hardhat").exists(),
        "install Hardhat first: (cd bench/hardhat && npm ci)"
    );
    let child = Command::new(dir.join("node_modules/.bin/hardhat"))
        .args([
            "node",
            "--hostname",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("hardhat node starts");
    Process(child)
}

fn main() {
    let o = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "load: {} senders x {} signed ERC-20 transfers (instant mining), {} eth_call balanceOf with {} concurrent callers",
        o.senders, o.txs, o.calls, o.concurrency
    );
    let port = free_port();
    let poco = {
        let _node = start_poco(port);
        runtime.block_on(measure(&format!("http://127.0.0.1:{port}"), &o))
    };
    let hardhat = o.hardhat.then(|| {
        let port = free_port();
        let _node = start_hardhat(port);
        runtime.block_on(measure(&format!("http://127.0.0.1:{port}"), &o))
    });
    println!();
    println!("| node | transfers/s | eth_call/s | eth_call p50 | eth_call p99 |");
    println!("|---|---:|---:|---:|---:|");
    let row = |name: &str, m: &Measured| {
        println!(
            "| {name} | {:.0} | {:.0} | {:.2} ms | {:.2} ms |",
            m.tx_per_s, m.calls_per_s, m.call_p50_ms, m.call_p99_ms
        );
    };
    row("poco chain", &poco);
    if let Some(hardhat) = &hardhat {
        row("hardhat node 2.29.1", hardhat);
        println!();
        println!(
            "ratio poco/hardhat: transfers {:.2}x, eth_call {:.2}x",
            poco.tx_per_s / hardhat.tx_per_s,
            poco.calls_per_s / hardhat.calls_per_s
        );
    }
}

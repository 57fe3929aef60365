//! `poco wallet create|import|show|send-ether|send-RLC|sweep`, and the failures every command
//! shares (wrong password, missing wallet, malformed address, unknown chain, chain down), each
//! checked to send nothing.

use crate::{
    common::{PASSWORD, Project, Stack},
    fixture::block_on,
};
use poco_client::keystore;
use poco_contracts::{
    RLC,
    alloy::{
        primitives::{Address, U256, hex},
        signers::local::PrivateKeySigner,
    },
    dev,
};
use serde_json::{Value, json};

const ETHER: u128 = 1_000_000_000_000_000_000;

/// `address`'s ETH, in wei.
pub fn eth(stack: &Stack, address: Address) -> U256 {
    let balance = stack.rpc("eth_getBalance", json!([address, "latest"]));
    balance
        .as_str()
        .expect("a hex string")
        .parse()
        .expect("a quantity")
}

/// `address`'s RLC, in nRLC.
pub fn rlc(stack: &Stack, address: Address) -> U256 {
    let provider = stack.provider();
    block_on(async {
        RLC::new(dev::RLC, &provider)
            .balanceOf(address)
            .call()
            .await
            .expect("balanceOf")
    })
}

/// `address`'s transaction count: unchanged means nothing was sent.
pub fn nonce(stack: &Stack, address: Address) -> u64 {
    let count = stack.rpc("eth_getTransactionCount", json!([address, "latest"]));
    u64::from_str_radix(count.as_str().expect("hex").trim_start_matches("0x"), 16).expect("hex")
}

/// A private key as MetaMask exports it: 64 hex digits without 0x.
pub fn key_hex(signer: &PrivateKeySigner) -> String {
    hex::encode(signer.to_bytes())
}

/// The files in the project's keystore folder.
fn keystore_files(project: &Project) -> usize {
    std::fs::read_dir(project.keystore_dir()).map_or(0, |dir| dir.count())
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn create_then_show_a_fresh_wallet() {
    let stack = Stack::start();
    let project = stack.project();
    let created = project.raw(&["wallet", "create"]);
    let address: Address = created["address"]
        .as_str()
        .expect("address")
        .parse()
        .expect("an address");
    let file = std::path::PathBuf::from(created["fileName"].as_str().expect("fileName"));
    assert_eq!(file.parent(), Some(project.keystore_dir().as_path()));
    assert!(
        file.file_name()
            .expect("a name")
            .to_string_lossy()
            .starts_with("UTC--"),
        "{file:?}"
    );
    // The keystore is the one printed, and decrypts with the password to the address.
    let on_disk = keystore::load(&file).expect("a keystore");
    assert_eq!(
        serde_json::to_value(&on_disk).expect("json"),
        created["wallet"]
    );
    let signer = keystore::decrypt(&on_disk, PASSWORD).expect("decrypts");
    assert_eq!(signer.address(), address);
    assert_eq!(on_disk.crypto.kdfparams.n, Some(1 << 17));

    let shown = project.raw(&["wallet", "show"]);
    assert_eq!(shown["wallet"]["address"], json!(address.to_string()));
    insta::assert_json_snapshot!("wallet_show_fresh", shown, {
        ".wallet.address" => "[address]",
        ".address" => "[address]",
    });
    let human = stdout(&project.run(&["wallet", "show"]));
    assert!(human.contains("Wallet balances [chain 31337]:"), "{human}");
    assert!(human.contains("ETH:    0\n"), "{human}");
    assert!(human.contains(&format!("address: {address}")), "{human}");
}

#[test]
fn create_without_a_password_or_terminal_writes_nothing() {
    let project = Project::new("http://127.0.0.1:1");
    let output = project
        .command(&["wallet", "create"])
        .env_remove("POCO_WALLET_PASSWORD")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--password"), "{stderr}");
    assert_eq!(keystore_files(&project), 0);
}

#[test]
fn import_a_dev_key_then_show_what_the_chain_minted() {
    let stack = Stack::start();
    let project = stack.project();
    let signer = stack.signer(5);
    let imported = project.raw(&["wallet", "import", &key_hex(signer)]);
    assert_eq!(imported["address"], json!(signer.address().to_string()));

    let shown = project.raw(&["wallet", "show"]);
    assert_eq!(shown["balance"]["nRLC"], json!("1000000000000000"));
    assert_eq!(shown["balance"]["wei"], json!((10_000 * ETHER).to_string()));
    insta::assert_json_snapshot!("wallet_show_dev_account", shown);
    let human = stdout(&project.run(&["wallet", "show"]));
    assert!(human.contains("ETH:    10000\n"), "{human}");
    assert!(
        human.contains("nRLC:   1000000000000000 (1000000 RLC)"),
        "{human}"
    );

    // The same key again: refused without --force, nothing written.
    let stderr = project.fails(&["wallet", "import", &format!("0x{}", key_hex(signer))]);
    assert!(stderr.contains("already holds wallet"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(keystore_files(&project), 1);
    project.raw(&["wallet", "import", &key_hex(signer), "--force"]);
    assert_eq!(keystore_files(&project), 2);
}

#[test]
fn import_reads_the_key_from_stdin() {
    use std::io::Write as _;
    let project = Project::new("http://127.0.0.1:1");
    let signer = PrivateKeySigner::random();
    let mut child = project
        .command(&["wallet", "import", "--raw"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    writeln!(child.stdin.take().expect("stdin"), "0x{}", key_hex(&signer)).expect("written");
    let output = child.wait_with_output().expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let raw: Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(raw["address"], json!(signer.address().to_string()));
}

#[test]
fn a_bad_private_key_is_refused_and_never_echoed() {
    let project = Project::new("http://127.0.0.1:1");
    for bad in [
        "0x1234abcd",
        "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ffzz",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let output = project.run(&["wallet", "import", bad]);
        assert_eq!(output.status.code(), Some(1), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("private key"), "{stderr}");
        assert!(!stderr.contains(&bad[2..10]), "the key is echoed: {stderr}");
        assert!(!stdout(&output).contains(&bad[2..10]));
    }
    assert_eq!(keystore_files(&project), 0);
}

#[test]
fn show_an_address_without_a_wallet() {
    let stack = Stack::start();
    let project = stack.project();
    let shown = project.raw(&["wallet", "show", &stack.address(6).to_string()]);
    assert_eq!(shown["address"], json!(stack.address(6).to_string()));
    assert_eq!(shown["balance"]["ether"], json!("10000.0"));
    assert!(shown.get("wallet").is_none(), "{shown}");
    // And the hub account with it.
    stack.deposit(6, 42);
    let shown = project.raw(&["wallet", "show", &stack.address(6).to_string()]);
    assert_eq!(shown["account"], json!({"stake": "42", "locked": "0"}));
}

#[test]
fn show_private_key_asks_first() {
    let stack = Stack::start();
    let project = stack.project();
    let signer = stack.signer(6);
    project.add_wallet(signer);
    let stderr = project.fails(&["wallet", "show", "--show-private-key"]);
    assert!(stderr.contains("--force"), "{stderr}");
    let shown = project.raw(&["wallet", "show", "--show-private-key", "--force"]);
    assert_eq!(
        shown["wallet"]["privateKey"],
        json!(format!("0x{}", key_hex(signer)))
    );
    assert_eq!(
        shown["wallet"]["address"],
        json!(signer.address().to_string())
    );
    let public_key = shown["wallet"]["publicKey"].as_str().expect("a public key");
    assert!(
        public_key.starts_with("0x04") && public_key.len() == 132,
        "{public_key}"
    );
}

#[test]
fn send_ether_moves_exactly_the_amount() {
    let stack = Stack::start();
    let project = stack.project();
    let (from, to) = (stack.address(5), stack.address(6));
    project.add_wallet(stack.signer(5));
    let before = (eth(&stack, from), eth(&stack, to));

    let sent = project.raw(&[
        "wallet",
        "send-ether",
        "1.5",
        "--to",
        &to.to_string(),
        "--force",
    ]);
    assert_eq!(sent["amount"], json!((3 * ETHER / 2).to_string()));
    insta::assert_json_snapshot!("wallet_send_ether", sent, { ".txHash" => "[hash]" });
    assert_eq!(eth(&stack, to), before.1 + U256::from(3 * ETHER / 2));
    let spent = before.0 - eth(&stack, from);
    assert!(spent > U256::from(3 * ETHER / 2), "gas is paid too");

    // The unit apart, as the SDK writes it.
    let sent = project.raw(&[
        "wallet",
        "send-ether",
        "100",
        "gwei",
        "--to",
        &to.to_string(),
        "--force",
    ]);
    assert_eq!(sent["amount"], json!("100000000000"));
    assert_eq!(
        eth(&stack, to),
        before.1 + U256::from(3 * ETHER / 2 + 100_000_000_000)
    );
    assert_eq!(nonce(&stack, from), 2);
}

#[test]
fn send_rlc_moves_exactly_the_amount() {
    let stack = Stack::start();
    let project = stack.project();
    let (from, to) = (stack.address(5), stack.address(6));
    project.add_wallet(stack.signer(5));
    let before = (rlc(&stack, from), rlc(&stack, to));

    // A bare number is RLC, as in the SDK's send-RLC.
    let sent = project.raw(&[
        "wallet",
        "send-RLC",
        "2",
        "--to",
        &to.to_string(),
        "--force",
    ]);
    assert_eq!(sent["amount"], json!("2000000000"));
    insta::assert_json_snapshot!("wallet_send_rlc", sent, { ".txHash" => "[hash]" });
    project.raw(&[
        "wallet",
        "send-RLC",
        "300",
        "nRLC",
        "--to",
        &to.to_string(),
        "--force",
    ]);
    assert_eq!(rlc(&stack, to), before.1 + U256::from(2_000_000_300u64));
    assert_eq!(rlc(&stack, from), before.0 - U256::from(2_000_000_300u64));
}

#[test]
fn sending_more_than_held_sends_nothing() {
    let stack = Stack::start();
    let project = stack.project();
    let (from, to) = (stack.address(5), stack.address(6));
    project.add_wallet(stack.signer(5));
    let to = to.to_string();

    let stderr = project.fails(&["wallet", "send-ether", "20000", "--to", &to, "--force"]);
    assert!(
        stderr.contains("holds 10000 ETH, not the 20000 ETH you want to send"),
        "{stderr}"
    );
    let stderr = project.fails(&["wallet", "send-RLC", "2000000", "--to", &to, "--force"]);
    assert!(
        stderr.contains("holds 1000000000000000 nRLC (1000000 RLC), not the 2000000000000000 nRLC (2000000 RLC) you want to send"),
        "{stderr}"
    );
    // A fresh wallet: no RLC at all, and the hint where to get some.
    let empty = Project::new(&stack.url);
    let signer = PrivateKeySigner::random();
    empty.add_wallet(&signer);
    let stderr = empty.fails(&["wallet", "send-RLC", "5", "nRLC", "--to", &to, "--force"]);
    assert!(
        stderr.contains("holds 0 nRLC (0 RLC), not the 5 nRLC"),
        "{stderr}"
    );
    assert!(
        stderr.contains("every dev account has 1,000,000 RLC"),
        "{stderr}"
    );
    assert_eq!(nonce(&stack, from), 0);
    assert_eq!(nonce(&stack, signer.address()), 0);
}

#[test]
fn without_force_and_without_a_terminal_nothing_is_sent() {
    let stack = Stack::start();
    let project = stack.project();
    let from = stack.address(5);
    project.add_wallet(stack.signer(5));
    let to = stack.address(6).to_string();
    for args in [
        vec!["wallet", "send-ether", "1", "--to", &to],
        vec!["wallet", "send-RLC", "1", "--to", &to],
        vec!["wallet", "sweep", "--to", &to],
    ] {
        let stderr = project.fails(&args);
        assert!(stderr.contains("pass --force"), "{stderr}");
    }
    assert_eq!(nonce(&stack, from), 0);
    assert_eq!(eth(&stack, stack.address(6)), U256::from(10_000 * ETHER));
}

#[test]
fn sweep_empties_the_wallet() {
    let stack = Stack::start();
    let project = stack.project();
    let from = stack.address(7);
    project.add_wallet(stack.signer(7));
    let to = PrivateKeySigner::random().address();

    // Not to a contract, nor to itself: refused before anything is sent.
    let stderr = project.fails(&["wallet", "sweep", "--to", &dev::HUB.to_string(), "--force"]);
    assert!(stderr.contains("is a contract"), "{stderr}");
    let stderr = project.fails(&["wallet", "sweep", "--to", &from.to_string(), "--force"]);
    assert!(stderr.contains("is the wallet being swept"), "{stderr}");
    assert_eq!(nonce(&stack, from), 0);

    let swept = project.raw(&["wallet", "sweep", "--to", &to.to_string(), "--force"]);
    assert_eq!(eth(&stack, from), U256::ZERO, "{swept}");
    assert_eq!(rlc(&stack, from), U256::ZERO);
    assert_eq!(rlc(&stack, to), U256::from(1_000_000_000_000_000u64));
    assert_eq!(swept["sentWei"], json!(eth(&stack, to).to_string()));
    assert_eq!(swept["sentNRLC"], json!("1000000000000000"));
    assert_eq!(nonce(&stack, from), 2);
    insta::assert_json_snapshot!("wallet_sweep", swept, {
        ".to" => "[address]",
        ".sentWei" => "[wei]",
        ".sendERC20TxHash" => "[hash]",
        ".sendNativeTxHash" => "[hash]",
    });

    // Nothing left: no RLC to send, and no ETH for the gas.
    let again = Project::new(&stack.url);
    again.add_wallet(stack.signer(7));
    let swept = again.raw(&["wallet", "sweep", "--to", &to.to_string(), "--force"]);
    assert!(swept.get("sendERC20TxHash").is_none(), "{swept}");
    assert!(swept.get("sendNativeTxHash").is_none(), "{swept}");
    assert!(
        swept["errors"][0]
            .as_str()
            .expect("an error")
            .contains("do not cover the gas")
    );
    assert_eq!(nonce(&stack, from), 2);
}

#[test]
fn wrong_password_sends_nothing() {
    let stack = Stack::start();
    let project = stack.project();
    let from = stack.address(5);
    project.add_wallet(stack.signer(5));
    let to = stack.address(6).to_string();
    let stderr = project.fails(&[
        "wallet",
        "send-ether",
        "1",
        "--to",
        &to,
        "--force",
        "--password",
        "nope",
    ]);
    assert!(stderr.contains("wrong password"), "{stderr}");
    let output = project
        .command(&["account", "deposit", "5", "--raw"])
        .env("POCO_WALLET_PASSWORD", "nope")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    // As the iExec SDK: stdout stays empty, the JSON error is on stderr.
    assert!(output.stdout.is_empty());
    let raw: Value = serde_json::from_slice(&output.stderr).expect("JSON");
    assert_eq!(raw["ok"], json!(false));
    assert_eq!(raw["error"]["name"], json!("WrongPassword"));
    assert_eq!(nonce(&stack, from), 0);
}

#[test]
fn a_missing_wallet_says_how_to_make_one() {
    let project = Project::new("http://127.0.0.1:1");
    for args in [
        vec!["wallet", "show"],
        vec![
            "wallet",
            "send-ether",
            "1",
            "--to",
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "--force",
        ],
        vec!["account", "show"],
        vec!["account", "deposit", "5"],
    ] {
        let stderr = project.fails(&args);
        assert!(stderr.contains("no wallet in"), "{stderr}");
        assert!(stderr.contains("poco wallet create"), "{stderr}");
    }
    let missing = project.path().join("nope.json");
    let stderr = project.fails(&[
        "wallet",
        "show",
        "--wallet-file",
        &missing.display().to_string(),
    ]);
    assert!(stderr.contains("no keystore file at"), "{stderr}");
}

#[test]
fn malformed_addresses_are_explained() {
    let stack = Stack::start();
    let project = stack.project();
    project.add_wallet(stack.signer(5));
    for args in [
        vec!["wallet", "show", "0x12"],
        vec!["wallet", "send-ether", "1", "--to", "0x12", "--force"],
        vec!["wallet", "send-RLC", "1", "--to", "bob", "--force"],
        vec![
            "wallet",
            "sweep",
            "--to",
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C9",
            "--force",
        ],
        vec!["account", "allowance", "0xzz"],
        vec!["account", "approve", "5", "0x12", "--force"],
    ] {
        let stderr = project.fails(&args);
        assert!(
            stderr.contains("is not an address") || stderr.contains("wrong checksum"),
            "{stderr}"
        );
    }
    let stderr = project.fails(&["wallet", "show", "0x12"]);
    assert!(
        stderr.contains("an address is 0x followed by 40 hex digits"),
        "{stderr}"
    );
    assert_eq!(nonce(&stack, stack.address(5)), 0);
}

#[test]
fn malformed_amounts_are_explained() {
    let stack = Stack::start();
    let project = stack.project();
    project.add_wallet(stack.signer(5));
    let to = stack.address(6).to_string();
    let stderr = project.fails(&[
        "wallet",
        "send-ether",
        "1.5 dollars",
        "--to",
        &to,
        "--force",
    ]);
    assert!(stderr.contains("is not an amount of ETH"), "{stderr}");
    let stderr = project.fails(&["wallet", "send-ether", "0", "--to", &to, "--force"]);
    assert!(stderr.contains("nothing to send"), "{stderr}");
    let stderr = project.fails(&[
        "wallet", "send-RLC", "1.5", "bananas", "--to", &to, "--force",
    ]);
    assert!(stderr.contains("unknown unit"), "{stderr}");
    assert_eq!(nonce(&stack, stack.address(5)), 0);
}

#[test]
fn unknown_chain_lists_the_known_ones() {
    let project = Project::new("http://127.0.0.1:1");
    project.add_wallet(&PrivateKeySigner::random());
    for args in [
        vec!["wallet", "show", "--chain", "nope"],
        vec!["account", "show", "--chain", "nope"],
        vec![
            "wallet",
            "send-ether",
            "1",
            "--to",
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "--chain",
            "nope",
            "--force",
        ],
    ] {
        let stderr = project.fails(&args);
        assert!(
            stderr.contains("unknown chain `nope`: the known chains are dev"),
            "{stderr}"
        );
    }
}

#[test]
fn a_chain_that_is_down_is_named() {
    // chain.json's dev points at a port where nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a port")
        .local_addr()
        .expect("an address")
        .port();
    let project = Project::new(&format!("http://127.0.0.1:{port}"));
    project.add_wallet(&PrivateKeySigner::random());
    for args in [
        vec!["wallet", "show"],
        vec![
            "wallet",
            "send-RLC",
            "1",
            "--to",
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "--force",
        ],
        vec!["account", "deposit", "5"],
        vec![
            "account",
            "allowance",
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        ],
    ] {
        let stderr = project.fails(&args);
        assert!(stderr.contains("cannot reach chain `dev`"), "{stderr}");
    }
}

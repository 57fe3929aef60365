//! `poco app|dataset|workerpool init|deploy|show|count|transfer` against a dev chain, the same
//! life for each kind: init into iexec.json, deploy at the predicted address (deployed.json in
//! the SDK's format), deploy again (recorded, nothing sent), show by address, index and
//! default, count, transfer; and the refusals (wrong owner in iexec.json, transfer by another
//! wallet, unknown or malformed address, index past the last) with exit code 1 and nothing
//! sent.

use crate::{
    common::{Project, Stack},
    deal::nonce,
    fixture::block_on,
};
use poco_contracts::{
    AppRegistry, DatasetRegistry, WorkerpoolRegistry,
    alloy::primitives::{Address, B256, Bytes},
    dev,
};
use serde_json::{Value, json};

/// The owner of what the tests deploy (the project's default wallet).
const OWNER: usize = 2;
/// Another wallet of the project.
const OTHER: usize = 5;

pub fn read_json(project: &Project, file: &str) -> Value {
    let text = std::fs::read_to_string(project.path().join(file)).expect("file exists");
    serde_json::from_str(&text).expect("JSON")
}

pub fn write_json(project: &Project, file: &str, value: &Value) {
    let text = serde_json::to_string_pretty(value).expect("JSON");
    std::fs::write(project.path().join(file), text).expect("written");
}

/// A chain and a project with the wallets of OTHER and OWNER (the default, added last).
fn setup() -> (Stack, Project) {
    let stack = Stack::start();
    let project = stack.project();
    project.add_wallet(stack.signer(OTHER));
    project.add_wallet(stack.signer(OWNER));
    (stack, project)
}

/// The address the registry predicts for the template `init` writes (owned by OWNER).
fn predicted(stack: &Stack, kind: &str) -> Address {
    let owner = stack.address(OWNER);
    let provider = stack.provider();
    let checksum = |hex: &str| hex.parse::<B256>().expect("bytes32");
    block_on(async {
        match kind {
            "app" => {
                AppRegistry::new(dev::APP_REGISTRY, &provider)
                    .predictApp(
                        owner,
                        "hello-world".into(),
                        "DOCKER".into(),
                        // A Docker image is not a multiaddr: its UTF-8 bytes.
                        Bytes::from(&b"iexechub/python-hello-world:8.0.4"[..]),
                        checksum(
                            "0xb0b664b7a6d249f81c067a9262b1763144eeb3ca63e553567f71673442ce9e84",
                        ),
                        Bytes::new(),
                    )
                    .call()
                    .await
            }
            "dataset" => DatasetRegistry::new(dev::DATASET_REGISTRY, &provider)
                .predictDataset(
                    owner,
                    "my-dataset".into(),
                    // `/ipfs/Qm…` as a binary multiaddr, as the SDK registers it.
                    "0xa5032212207237a7f4091a74ae95514890fa86a2e8a36037c350ea71c06a34c8cbe25a5057"
                        .parse()
                        .expect("hex"),
                    B256::ZERO,
                )
                .call()
                .await,
            _ => {
                WorkerpoolRegistry::new(dev::WORKERPOOL_REGISTRY, &provider)
                    .predictWorkerpool(owner, "my-workerpool".into())
                    .call()
                    .await
            }
        }
        .expect("predict")
    })
}

/// The whole life of one kind.
fn lifecycle(kind: &str) {
    let (stack, project) = setup();
    let owner = stack.address(OWNER);
    let other = stack.address(OTHER);

    // init: iexec.json must exist; then the template, owned by the wallet.
    let error = project.fails(&[kind, "init"]);
    assert!(
        error.contains("iexec.json not found") && error.contains("poco init"),
        "{error}"
    );
    write_json(&project, "iexec.json", &json!({ "description": "test" }));
    let init = project.raw(&[kind, "init"]);
    insta::assert_json_snapshot!(format!("{kind}_init"), init);
    assert_eq!(read_json(&project, "iexec.json")[kind], init[kind]);

    // deploy: at the predicted address, recorded in deployed.json as the SDK writes it.
    let deployed = project.raw(&[kind, "deploy", "--force"]);
    insta::assert_json_snapshot!(format!("{kind}_deploy"), deployed, { ".txHash" => "[hash]" });
    let address: Address = deployed["address"]
        .as_str()
        .expect("address")
        .parse()
        .expect("address");
    assert_eq!(address, predicted(&stack, kind));
    let file = std::fs::read_to_string(project.path().join("deployed.json")).expect("written");
    assert_eq!(
        file,
        format!(
            "{{\n  \"{kind}\": {{\n    \"31337\": \"{}\"\n  }}\n}}",
            address.to_checksum(None)
        )
    );

    // deploy again: nothing sent, the address recorded anew.
    std::fs::remove_file(project.path().join("deployed.json")).expect("removed");
    let before = nonce(&stack, OWNER);
    let again = project.raw(&[kind, "deploy", "--force"]);
    assert_eq!(
        again,
        json!({ "ok": true, "address": address.to_checksum(None), "alreadyRegistered": true })
    );
    assert_eq!(nonce(&stack, OWNER), before);
    assert_eq!(
        read_json(&project, "deployed.json"),
        json!({ kind: { "31337": address.to_checksum(None) } })
    );
    let human = project.run(&[kind, "deploy", "--force"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("already registered") && text.contains("nothing was sent"),
        "{text}"
    );

    // show: deployed.json's by default, by address, by index (own or --user's).
    let shown = project.raw(&[kind, "show"]);
    insta::assert_json_snapshot!(format!("{kind}_show"), shown);
    assert_eq!(project.raw(&[kind, "show", &address.to_string()]), shown);
    assert_eq!(project.raw(&[kind, "show", "0"]), shown);
    let as_user = project.raw(&[
        kind,
        "show",
        "0",
        "--user",
        &owner.to_string(),
        "--wallet-address",
        &other.to_string(),
    ]);
    assert_eq!(as_user, shown);
    let human = project.run(&[kind, "show"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains(&address.to_string()) && text.contains("owner:"),
        "{text}"
    );

    // count.
    let count = project.raw(&[kind, "count"]);
    insta::assert_json_snapshot!(format!("{kind}_count"), count);
    assert_eq!(
        project.raw(&[kind, "count", "--user", &other.to_string()])["count"],
        "0"
    );

    // Refusals: an index past the last, unknown and malformed addresses.
    let error = project.fails(&[kind, "show", "1"]);
    assert!(
        error.contains(&format!("has 1 {kind}(s)")) && error.contains("index 1"),
        "{error}"
    );
    let unknown = Address::repeat_byte(0x42);
    let error = project.fails(&[kind, "show", &unknown.to_string()]);
    assert!(
        error.contains(&format!(
            "{unknown} is not a registered {kind} on chain dev"
        )),
        "{error}"
    );
    let error = project.fails(&[kind, "show", "0x1234"]);
    assert!(error.contains("`0x1234` is not an address"), "{error}");
    let error = project.fails(&[kind, "show", "latest"]);
    assert!(error.contains("neither an address"), "{error}");
    let error = project.fails(&[
        kind,
        "transfer",
        "0x1234",
        "--to",
        &other.to_string(),
        "--force",
    ]);
    assert!(error.contains("is not an address"), "{error}");

    // Deploying another owner's entry from this wallet: refused, nothing sent.
    let mut conf = read_json(&project, "iexec.json");
    conf[kind]["owner"] = json!(other);
    write_json(&project, "iexec.json", &conf);
    let error = project.fails(&[kind, "deploy", "--force"]);
    assert!(
        error.contains(&format!("your wallet is {owner}")),
        "{error}"
    );
    assert_eq!(nonce(&stack, OWNER), before);

    // Transfer by a wallet that does not own it: refused, nothing sent.
    let (address_text, other_text) = (address.to_string(), other.to_string());
    let transfer = [
        kind,
        "transfer",
        &address_text,
        "--to",
        &other_text,
        "--force",
    ];
    let before_other = nonce(&stack, OTHER);
    let error = project.fails(&[&transfer[..], &["--wallet-address", &other_text]].concat());
    assert!(
        error.contains(&format!("belongs to {owner}, not to your wallet {other}")),
        "{error}"
    );
    assert_eq!(nonce(&stack, OTHER), before_other);

    // Transfer by the owner: the owner changes.
    let transferred = project.raw(&transfer);
    insta::assert_json_snapshot!(format!("{kind}_transfer"), transferred, { ".txHash" => "[hash]" });
    let shown = project.raw(&[kind, "show", &address.to_string()]);
    assert_eq!(shown[kind]["owner"], json!(other.to_checksum(None)));
    assert_eq!(project.raw(&[kind, "count"])["count"], "0");
    assert_eq!(
        project.raw(&[kind, "count", "--user", &other.to_string()])["count"],
        "1"
    );
}

#[test]
fn app_lifecycle() {
    lifecycle("app");
}

#[test]
fn dataset_lifecycle() {
    lifecycle("dataset");
}

#[test]
fn workerpool_lifecycle() {
    lifecycle("workerpool");
}

#[test]
fn tee_app_init_and_deploy_keep_the_enclave() {
    let (_stack, project) = setup();
    write_json(&project, "iexec.json", &json!({}));
    let init = project.raw(&["app", "init", "--tee-framework", "gramine"]);
    assert_eq!(init["app"]["mrenclave"]["framework"], "GRAMINE");
    project.raw(&["app", "deploy", "--force"]);
    let shown = project.raw(&["app", "show"]);
    let mrenclave: Value =
        serde_json::from_str(shown["app"]["appMREnclave"].as_str().expect("text")).expect("JSON");
    assert_eq!(mrenclave, init["app"]["mrenclave"]);
    assert_eq!(shown["app"]["appMultiaddr"], init["app"]["multiaddr"]);
}

#[test]
fn show_without_anything_deployed_says_to_deploy() {
    let (_stack, project) = setup();
    let error = project.fails(&["workerpool", "show"]);
    assert!(
        error.contains("no workerpool deployed on chain 31337"),
        "{error}"
    );
    assert!(error.contains("poco workerpool deploy"), "{error}");
}

#[test]
fn dataset_init_encrypted_makes_the_folders() {
    let (_stack, project) = setup();
    write_json(&project, "iexec.json", &json!({}));
    project.raw(&["dataset", "init", "--encrypted"]);
    for dir in [
        "datasets/original",
        "datasets/encrypted",
        ".secrets/datasets",
    ] {
        assert!(project.path().join(dir).is_dir(), "{dir}");
    }
}

#[test]
fn deploy_checks_iexec_json_first_and_sends_nothing() {
    let (stack, project) = setup();
    let error = project.fails(&["app", "deploy", "--force"]);
    assert!(
        error.contains("iexec.json not found") && error.contains("poco init"),
        "{error}"
    );
    write_json(&project, "iexec.json", &json!({}));
    let error = project.fails(&["app", "deploy", "--force"]);
    assert!(
        error.contains("has no `app`: run `poco app init`"),
        "{error}"
    );
    project.raw(&["app", "init"]);
    let before = nonce(&stack, OWNER);
    for (field, value, words) in [
        ("type", json!("WASM"), "the only type is \"DOCKER\""),
        ("checksum", json!("0x1234"), "is not a bytes32"),
        ("multiaddr", json!(""), "`app.multiaddr`"),
        ("name", json!(" "), "`app.name`"),
        (
            "owner",
            json!("0x0000000000000000000000000000000000000000"),
            "your wallet is",
        ),
    ] {
        let mut conf = read_json(&project, "iexec.json");
        let good = conf["app"][field].clone();
        conf["app"][field] = value;
        write_json(&project, "iexec.json", &conf);
        let error = project.fails(&["app", "deploy", "--force"]);
        assert!(error.contains(words), "{field}: {error}");
        conf["app"][field] = good;
        write_json(&project, "iexec.json", &conf);
    }
    let mut conf = read_json(&project, "iexec.json");
    conf["app"]
        .as_object_mut()
        .expect("object")
        .remove("checksum");
    write_json(&project, "iexec.json", &conf);
    let error = project.fails(&["app", "deploy", "--force"]);
    assert!(error.contains("has no `app.checksum`"), "{error}");
    assert_eq!(nonce(&stack, OWNER), before);
}

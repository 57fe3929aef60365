//! `poco init`: iexec.json, chain.json and a wallet; existing files kept unless --force.

use crate::common::{PASSWORD, Project};
use poco_client::{
    keystore,
    project::{JsonValue, templates},
};
use serde_json::{Value, json};

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("the file exists")).expect("JSON")
}

#[test]
fn init_writes_the_project_files_and_a_wallet() {
    // The harness's project folder has a chain.json already; start the project in a new one.
    let project = Project::new("http://127.0.0.1:1");
    let raw = project.raw(&["init", "--project", "my-app"]);
    insta::assert_json_snapshot!("init", raw, {
        ".walletAddress" => "[address]",
        ".walletFile" => "[file]",
    });
    let dir = project.path().join("my-app");
    assert_eq!(
        read_json(&dir.join("iexec.json")),
        JsonValue::Object(templates::main()).to_serde()
    );
    let chains = read_json(&dir.join("chain.json"));
    assert_eq!(chains["default"], json!("dev"));
    assert_eq!(chains["chains"]["dev"]["id"], json!("31337"));
    assert_eq!(
        chains["chains"]["dev"]["host"],
        json!("http://127.0.0.1:8545")
    );

    let file = std::path::PathBuf::from(raw["walletFile"].as_str().expect("walletFile"));
    assert_eq!(file.parent(), Some(project.keystore_dir().as_path()));
    let signer = keystore::decrypt(&keystore::load(&file).expect("a keystore"), PASSWORD)
        .expect("decrypts with the password");
    assert_eq!(json!(signer.address().to_string()), raw["walletAddress"]);

    let human = String::from_utf8_lossy(
        &project
            .run(&["init", "--project", "other", "--skip-wallet"])
            .stdout,
    )
    .into_owned();
    assert!(human.contains("Wrote other/iexec.json"), "{human}");
    assert!(
        human.contains("Wrote other/chain.json (chains; the built-in default is `dev`)"),
        "{human}"
    );
}

#[test]
fn init_keeps_existing_files_without_force() {
    let project = Project::new("http://127.0.0.1:1");
    let chain_json =
        std::fs::read_to_string(project.path().join("chain.json")).expect("chain.json");
    // The test's chain.json (like one brought from an iExec project) is kept; iexec.json is added.
    let output = project.run(&["init", "--skip-wallet"]);
    assert!(output.status.success());
    let human = String::from_utf8_lossy(&output.stdout);
    assert!(human.contains("Kept the existing ./chain.json"), "{human}");
    assert!(human.contains("Wrote ./iexec.json"), "{human}");
    assert_eq!(
        std::fs::read_to_string(project.path().join("chain.json")).expect("chain.json"),
        chain_json
    );
    assert!(project.path().join("iexec.json").exists());

    // An edited iexec.json survives a second init too.
    std::fs::write(project.path().join("iexec.json"), "{\"mine\": true}").expect("edited");
    project.raw(&["init", "--skip-wallet"]);
    assert_eq!(
        read_json(&project.path().join("iexec.json")),
        json!({"mine": true})
    );

    // --force replaces both.
    let raw = project.raw(&["init", "--force", "--skip-wallet"]);
    assert_eq!(
        raw,
        json!({"ok": true, "configFile": "./iexec.json", "chainConfigFile": "./chain.json"})
    );
    assert!(
        !project.keystore_dir().exists(),
        "--skip-wallet writes no wallet"
    );
    assert_eq!(
        read_json(&project.path().join("chain.json"))["default"],
        json!("dev")
    );
    assert!(read_json(&project.path().join("iexec.json"))["mine"].is_null());
}

#[test]
fn init_without_a_password_writes_nothing() {
    let project = Project::new("http://127.0.0.1:1");
    let output = project
        .command(&["init", "--project", "fresh"])
        .env_remove("POCO_WALLET_PASSWORD")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--password"), "{stderr}");
    assert!(!project.path().join("fresh").exists());
}

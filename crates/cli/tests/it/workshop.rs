//! The iExec workshop (shared/spec/journey.md) with `poco` in place of `iexec`, on the dev
//! chain: a ready wallet, balances, an app and a workerpool registered and their orders signed,
//! the requester's first fill refused because the hub account is empty (with the advice to
//! deposit), the deposit, the deal, following it (`deal show`, `work show`), and, with no worker
//! to run it (the scheduler and workers come with `poco up`), the claim after the final deadline
//! that refunds the requester in full.

use crate::{
    common::Stack,
    fixture::{APP_OWNER, POOL_OWNER, REQUESTER},
};
use serde_json::Value;

fn s(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

/// Edits iexec.json as the workshop's users do by hand.
fn set_order_field(project: &crate::common::Project, order: &str, field: &str, value: &str) {
    let path = project.path().join("iexec.json");
    let mut conf: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("iexec.json")).expect("JSON");
    conf["order"][order][field] = Value::String(value.to_owned());
    std::fs::write(&path, serde_json::to_string_pretty(&conf).expect("JSON")).expect("written");
}

#[test]
fn the_workshop_runs_with_poco() {
    let stack = Stack::start();
    let project = stack.project();
    // The workshop hands out ready wallet files; here, one per party.
    for party in [REQUESTER, APP_OWNER, POOL_OWNER] {
        project.add_wallet(stack.signer(party));
    }
    let as_party = |party: usize| stack.address(party).to_string();
    let requester = as_party(REQUESTER);
    let app_owner = as_party(APP_OWNER);
    let pool_owner = as_party(POOL_OWNER);

    // 1. Install and check.
    assert!(project.run(&["--version"]).status.success());
    assert!(project.run(&["--help"]).status.success());

    // 2. The wallet and its balances.
    let output = project.run(&["wallet", "show", "--wallet-address", &requester]);
    let human = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{human}");
    assert!(human.contains(&requester), "{human}");
    assert!(human.contains("nRLC"), "{human}");

    // An iExec project folder: iexec.json (chain.json is the test's).
    project.raw(&["init", "--skip-wallet"]);

    // The app developer registers the app and signs an app order.
    project.raw(&["app", "init", "--wallet-address", &app_owner]);
    let app = project.raw(&["app", "deploy", "--wallet-address", &app_owner, "--force"]);
    let app = s(&app["address"]);
    project.raw(&["order", "init", "--app", "--wallet-address", &app_owner]);
    set_order_field(&project, "apporder", "appprice", "5");
    project.raw(&[
        "order",
        "sign",
        "--app",
        "--wallet-address",
        &app_owner,
        "--force",
    ]);

    // The pool manager registers a pool, stakes, and signs a workerpool order.
    project.raw(&["workerpool", "init", "--wallet-address", &pool_owner]);
    let pool = project.raw(&[
        "workerpool",
        "deploy",
        "--wallet-address",
        &pool_owner,
        "--force",
    ]);
    let pool = s(&pool["address"]);
    project.raw(&[
        "account",
        "deposit",
        "1000",
        "--wallet-address",
        &pool_owner,
        "--force",
    ]);
    project.raw(&[
        "order",
        "init",
        "--workerpool",
        "--wallet-address",
        &pool_owner,
    ]);
    set_order_field(&project, "workerpoolorder", "workerpoolprice", "10");
    project.raw(&[
        "order",
        "sign",
        "--workerpool",
        "--wallet-address",
        &pool_owner,
        "--force",
    ]);

    // 5. The requester's first try fails: the RLC is in the wallet, not in the hub account.
    project.raw(&["order", "init", "--buy", "--wallet-address", &requester]);
    set_order_field(&project, "requestorder", "appmaxprice", "5");
    set_order_field(&project, "requestorder", "workerpoolmaxprice", "10 nRLC");
    let error = project.fails(&["order", "fill", "--wallet-address", &requester, "--force"]);
    assert!(error.contains("poco account deposit"), "{error}");

    // Deposit, then the deal goes through.
    project.raw(&[
        "account",
        "deposit",
        "1000",
        "--wallet-address",
        &requester,
        "--force",
    ]);
    let before = stack.account(stack.address(REQUESTER));
    let filled = project.raw(&["order", "fill", "--wallet-address", &requester, "--force"]);
    let after_fill = stack.account(stack.address(REQUESTER));
    assert_eq!(
        after_fill.0,
        before.0 - alloy_primitives::U256::from(15),
        "15 nRLC escrowed"
    );
    assert_eq!(after_fill.1, alloy_primitives::U256::from(15), "and locked");
    let deal = s(&filled["dealid"]);
    assert!(deal.starts_with("0x") && deal.len() == 66, "{filled}");

    // "My trades": the deal and its task.
    let shown = project.raw(&["deal", "show", &deal]);
    let shown_text = shown.to_string().to_lowercase();
    assert!(shown_text.contains(&app.to_lowercase()), "{shown}");
    assert!(shown_text.contains(&pool.to_lowercase()), "{shown}");
    let task = poco_types::task_id(
        deal.parse().expect("a deal id"),
        alloy_primitives::U256::ZERO,
    )
    .to_string();
    let work = project.raw(&["work", "show", &task, "--deal", &deal]);
    assert!(work.to_string().contains("UNSET"), "{work}");

    // Nobody runs it here: past the final deadline the requester claims and gets it all back.
    let early = project.fails(&[
        "task",
        "claim",
        &task,
        "--deal",
        &deal,
        "--wallet-address",
        &requester,
        "--force",
    ]);
    assert!(early.contains("deadline"), "{early}");
    stack.increase_time(10 * 24 * 3600);
    project.raw(&[
        "deal",
        "claim",
        &deal,
        "--wallet-address",
        &requester,
        "--force",
    ]);
    assert_eq!(
        stack.account(stack.address(REQUESTER)),
        before,
        "refunded in full"
    );
}

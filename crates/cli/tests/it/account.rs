//! `poco account deposit|withdraw|show|approve|allowance|revoke`, with exact amounts, and the
//! refusals that send nothing.

use crate::{
    common::{Project, Stack},
    fixture::REQUESTER,
    wallet::{nonce, rlc},
};
use poco_contracts::alloy::{primitives::U256, signers::local::PrivateKeySigner};
use serde_json::json;

#[test]
fn deposit_show_withdraw() {
    let stack = Stack::start();
    let project = stack.project();
    let me = stack.address(5);
    project.add_wallet(stack.signer(5));
    let held = rlc(&stack, me);

    let deposited = project.raw(&["account", "deposit", "1000"]);
    insta::assert_json_snapshot!("account_deposit", deposited, { ".txHash" => "[hash]" });
    assert_eq!(stack.account(me), (U256::from(1000), U256::ZERO));
    assert_eq!(rlc(&stack, me), held - U256::from(1000));
    assert_eq!(nonce(&stack, me), 1, "one transaction: approveAndCall");

    // With the unit apart, as the SDK writes it.
    let deposited = project.raw(&["account", "deposit", "1.5", "RLC"]);
    assert_eq!(deposited["amount"], json!("1500000000"));
    let shown = project.raw(&["account", "show"]);
    insta::assert_json_snapshot!("account_show", shown);
    let human = String::from_utf8_lossy(&project.run(&["account", "show"]).stdout).into_owned();
    assert!(
        human.contains("stake:  1500001000 nRLC (1.500001 RLC)"),
        "{human}"
    );

    let withdrawn = project.raw(&["account", "withdraw", "500"]);
    assert_eq!(withdrawn["amount"], json!("500"));
    assert_eq!(
        stack.account(me),
        (U256::from(1_500_000_500u64), U256::ZERO)
    );
    assert_eq!(rlc(&stack, me), held - U256::from(1_500_000_500u64));

    // Anyone's account, read-only.
    let other = Project::new(&stack.url);
    let shown = other.raw(&["account", "show", &me.to_string()]);
    assert_eq!(
        shown["balance"],
        json!({"stake": "1500000500", "locked": "0"})
    );
}

#[test]
fn withdrawing_more_than_free_sends_nothing() {
    let stack = Stack::start();
    let project = stack.project();
    let me = stack.address(REQUESTER);
    project.add_wallet(stack.signer(REQUESTER));
    // A deal locks the requester's 10 nRLC.
    stack.deal(1, 1);
    assert_eq!(stack.account(me), (U256::ZERO, U256::from(10)));
    let sent = nonce(&stack, me);
    let stderr = project.fails(&["account", "withdraw", "5"]);
    assert!(
        stderr.contains(
            "has 0 nRLC free (10 nRLC locked in running deals), not the 5 nRLC you want to withdraw"
        ),
        "{stderr}"
    );
    assert_eq!(nonce(&stack, me), sent);

    stack.deposit(REQUESTER, 3);
    let sent = nonce(&stack, me);
    let stderr = project.fails(&["account", "withdraw", "1 RLC"]);
    assert!(stderr.contains("withdraw at most 3 nRLC"), "{stderr}");
    let stderr = project.fails(&["account", "withdraw", "0"]);
    assert!(stderr.contains("the amount to withdraw is 0"), "{stderr}");
    assert_eq!(nonce(&stack, me), sent);
    assert_eq!(stack.account(me), (U256::from(3), U256::from(10)));
}

#[test]
fn depositing_more_than_held_sends_nothing() {
    let stack = Stack::start();
    let project = stack.project();
    let me = stack.address(5);
    project.add_wallet(stack.signer(5));
    let stderr = project.fails(&["account", "deposit", "2000000 RLC"]);
    assert!(
        stderr.contains("holds 1000000000000000 nRLC (1000000 RLC), not the 2000000000000000 nRLC (2000000 RLC) you want to deposit: deposit at most 1000000000000000 nRLC"),
        "{stderr}"
    );
    assert_eq!(nonce(&stack, me), 0);

    // A wallet without RLC is told where to get some.
    let empty = Project::new(&stack.url);
    let signer = PrivateKeySigner::random();
    empty.add_wallet(&signer);
    let stderr = empty.fails(&["account", "deposit", "5"]);
    assert!(
        stderr.contains("holds 0 nRLC (0 RLC), not the 5 nRLC"),
        "{stderr}"
    );
    assert!(
        stderr.contains("get some first (on the dev chain every dev account has 1,000,000 RLC"),
        "{stderr}"
    );
    assert_eq!(nonce(&stack, signer.address()), 0);
    assert_eq!(stack.account(me), (U256::ZERO, U256::ZERO));
}

#[test]
fn approve_allowance_revoke() {
    let stack = Stack::start();
    let project = stack.project();
    let (me, spender) = (stack.address(5), stack.address(6).to_string());
    project.add_wallet(stack.signer(5));

    // Approving asks first: refused without a terminal and without --force.
    let stderr = project.fails(&["account", "approve", "1000", &spender]);
    assert!(stderr.contains("pass --force"), "{stderr}");
    assert_eq!(nonce(&stack, me), 0);

    let approved = project.raw(&["account", "approve", "1000", &spender, "--force"]);
    insta::assert_json_snapshot!("account_approve", approved, { ".txHash" => "[hash]" });
    let allowance = project.raw(&["account", "allowance", &spender]);
    insta::assert_json_snapshot!("account_allowance", allowance);
    assert_eq!(allowance["amount"], json!("1000"));
    // The unit apart, after the spender as in the SDK; replaces the previous allowance.
    project.raw(&["account", "approve", "2", &spender, "RLC", "--force"]);
    // Anyone can read it, naming the owner.
    let other = Project::new(&stack.url);
    let read = other.raw(&["account", "allowance", &spender, &me.to_string()]);
    assert_eq!(read["amount"], json!("2000000000"));
    let read = other.raw(&["account", "allowance", &spender, "--user", &me.to_string()]);
    assert_eq!(read["amount"], json!("2000000000"));

    let revoked = project.raw(&["account", "revoke", &spender]);
    assert!(revoked["txHash"].is_string(), "{revoked}");
    assert_eq!(
        project.raw(&["account", "allowance", &spender])["amount"],
        json!("0")
    );
    assert_eq!(nonce(&stack, me), 3);
    let stderr = project.fails(&["account", "approve", "0", &spender, "--force"]);
    assert!(stderr.contains("poco account revoke"), "{stderr}");
}

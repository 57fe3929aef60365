//! `poco category init|create|show|count` against a dev chain: the five categories of a dev
//! deployment, creation by the hub's owner (dev account 0) and its refusal for another wallet
//! (nothing sent), and unknown indexes.

use crate::{
    assets::{read_json, write_json},
    common::Stack,
    deal::nonce,
};
use serde_json::json;

const ADMIN: usize = 0;
const SOMEONE: usize = 1;

#[test]
fn categories() {
    let stack = Stack::start();
    let project = stack.project();
    project.add_wallet(stack.signer(ADMIN));
    project.add_wallet(stack.signer(SOMEONE));
    let admin = stack.address(ADMIN).to_string();
    let someone = stack.address(SOMEONE).to_string();

    // A dev deployment has five.
    let count = project.raw(&["category", "count"]);
    insta::assert_json_snapshot!("category_count", count);
    let shown = project.raw(&["category", "show", "0"]);
    insta::assert_json_snapshot!("category_show", shown);
    let human = project.run(&["category", "show", "0"]);
    let text = String::from_utf8_lossy(&human.stdout);
    // XS: 300 s; tasks contribute within 7× and can be claimed after 10×.
    assert!(text.contains("35 min") && text.contains("50 min"), "{text}");

    // Unknown and malformed indexes.
    let error = project.fails(&["category", "show", "5"]);
    assert!(
        error.contains("there is no category 5 on chain dev: it has 5"),
        "{error}"
    );
    let error = project.fails(&["category", "show", "one"]);
    assert!(error.contains("not a category index"), "{error}");

    // init needs iexec.json, then writes the template.
    let error = project.fails(&["category", "init"]);
    assert!(error.contains("poco init"), "{error}");
    write_json(&project, "iexec.json", &json!({}));
    let init = project.raw(&["category", "init"]);
    insta::assert_json_snapshot!("category_init", init);
    assert_eq!(
        read_json(&project, "iexec.json")["category"],
        init["category"]
    );

    // Someone else than the hub's owner: refused, nothing sent.
    let before = nonce(&stack, SOMEONE);
    let error = project.fails(&["category", "create", "--force"]);
    assert!(
        error.contains(&format!(
            "only the hub's owner {admin} can create categories; your wallet is {someone}"
        )),
        "{error}"
    );
    assert_eq!(nonce(&stack, SOMEONE), before);

    // The hub's owner.
    let created = project.raw(&["category", "create", "--force", "--wallet-address", &admin]);
    insta::assert_json_snapshot!("category_create", created, { ".txHash" => "[hash]" });
    assert_eq!(project.raw(&["category", "count"])["count"], "6");
    let shown = project.raw(&["category", "show", "5"]);
    assert_eq!(shown["category"], init["category"]);
}

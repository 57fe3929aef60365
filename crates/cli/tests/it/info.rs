//! `poco info`: the deployment's addresses, read from the hub, as the SDK prints them.

use crate::common::Stack;
use poco_contracts::dev;

#[test]
fn info_shows_every_address_of_the_deployment() {
    let stack = Stack::start();
    let project = stack.project();
    let info = project.raw(&["info"]);
    insta::assert_json_snapshot!("info", info, { ".host" => "[host]" });
    assert_eq!(info["hubAddress"], dev::HUB.to_string());
    assert_eq!(info["rlcAddress"], dev::RLC.to_string());
    assert_eq!(info["appRegistryAddress"], dev::APP_REGISTRY.to_string());
    let human = String::from_utf8_lossy(&project.run(&["info"]).stdout).into_owned();
    assert!(human.contains(&dev::HUB.to_string()), "{human}");
}

#[test]
fn info_on_a_chain_that_is_down_says_so() {
    let project = crate::common::Project::new("http://127.0.0.1:1");
    let error = project.fails(&["info"]);
    assert!(error.contains("cannot reach chain `dev`"), "{error}");
}

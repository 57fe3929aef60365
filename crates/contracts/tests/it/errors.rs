//! Deployments that cannot succeed fail with an error naming the step and the cause.

use crate::common::{free_port, poco_node, poco_node_with};
use poco_chain::{ChainConfig, executor::parse_hardfork};
use poco_contracts::{
    DeployError, DeployOptions, Step,
    alloy::{
        primitives::{Address, U256},
        signers::local::PrivateKeySigner,
    },
    deploy,
};

#[tokio::test]
async fn an_unreachable_endpoint_is_reported_as_such() {
    let url = format!("http://127.0.0.1:{}", free_port());
    let error = deploy(&url, PrivateKeySigner::random(), &DeployOptions::default())
        .await
        .expect_err("nothing listens there");
    assert!(
        matches!(error, DeployError::Unreachable { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("cannot reach"), "{error}");
}

#[tokio::test]
async fn a_malformed_url_is_refused() {
    let error = deploy(
        "not a url",
        PrivateKeySigner::random(),
        &DeployOptions::default(),
    )
    .await
    .expect_err("not a URL");
    assert!(matches!(error, DeployError::InvalidUrl { .. }), "{error:?}");
}

#[tokio::test]
async fn a_key_without_funds_is_refused_before_anything_is_sent() {
    let node = poco_node().await;
    let broke = PrivateKeySigner::random();
    let error = deploy(&node.http_url(), broke.clone(), &DeployOptions::default())
        .await
        .expect_err("cannot pay");
    match &error {
        DeployError::InsufficientFunds {
            step,
            admin,
            balance,
            needed,
        } => {
            assert_eq!(*step, Step::Preflight);
            assert_eq!(*admin, broke.address());
            assert_eq!(*balance, U256::ZERO);
            assert!(needed.is_some_and(|n| n > U256::ZERO));
        }
        other => panic!("expected InsufficientFunds, got {other:?}"),
    }
    assert!(error.to_string().contains("fund it"), "{error}");
    assert_eq!(node.backend().head(), 0, "nothing was mined");
}

#[tokio::test]
async fn a_pre_cancun_chain_rejects_the_code() {
    // Shanghai has PUSH0 but not Cancun's MCOPY/TSTORE; London has neither.
    for hardfork in ["london", "shanghai"] {
        let spec = parse_hardfork(hardfork).expect("a hardfork revm knows");
        let node = poco_node_with(ChainConfig::test().with_spec(spec)).await;
        let error = deploy(
            &node.http_url(),
            node.signers()[0].clone(),
            &DeployOptions::default(),
        )
        .await
        .expect_err("pre-Cancun chain");
        assert!(
            matches!(error, DeployError::CodeRejected { .. }),
            "{hardfork}: {error:?}"
        );
        assert!(error.to_string().contains("Cancun"), "{error}");
        assert!(
            matches!(
                error,
                DeployError::CodeRejected {
                    step: Step::Preflight,
                    ..
                }
            ),
            "{hardfork}: refused before anything is sent: {error:?}"
        );
        assert_eq!(node.backend().head(), 0, "{hardfork}: nothing was mined");
    }
}

#[tokio::test]
async fn a_revert_names_the_step_and_decodes_the_custom_error() {
    // RLC refuses to mint to the zero address with OpenZeppelin's ERC20InvalidReceiver.
    let node = poco_node().await;
    let error = deploy(
        &node.http_url(),
        node.signers()[0].clone(),
        &DeployOptions::default().with_mint(Address::ZERO, U256::from(1)),
    )
    .await
    .expect_err("mint to zero reverts");
    match &error {
        DeployError::Reverted { step, reason } => {
            assert_eq!(*step, Step::Mint(Address::ZERO));
            assert_eq!(reason, &format!("ERC20InvalidReceiver({})", Address::ZERO));
        }
        other => panic!("expected Reverted, got {other:?}"),
    }
}

#[tokio::test]
async fn an_incomplete_hub_is_reported_not_reused() {
    // A first deployment that created no category stands for one interrupted half-way.
    let node = poco_node().await;
    let admin = node.signers()[0].clone();
    deploy(
        &node.http_url(),
        admin.clone(),
        &DeployOptions::default().with_categories(Vec::new()),
    )
    .await
    .expect("deploys without categories");
    let error = deploy(&node.http_url(), admin, &DeployOptions::default())
        .await
        .expect_err("the hub lacks the default categories");
    match &error {
        DeployError::PartialDeployment { hub, reason } => {
            assert_eq!(*hub, poco_contracts::dev::HUB);
            assert_eq!(reason, "0 categories of 5");
        }
        other => panic!("expected PartialDeployment, got {other:?}"),
    }
}

//! Deployments by dev account 0 land at the same documented addresses on every fresh chain, and
//! deploying again returns the existing deployment instead of a second hub.

use crate::common::{dev_addresses, poco_node, poco_node_with};
use poco_chain::ChainConfig;
use poco_contracts::{DeployOptions, Deployment, deploy, deploy_report, dev};

#[tokio::test]
async fn two_fresh_chains_get_the_same_addresses() {
    let (a, b) = (
        poco_node().await,
        poco_node_with(ChainConfig::test().with_chain_id(1337)).await,
    );
    let options = DeployOptions::dev(dev_addresses());
    let first = deploy(&a.http_url(), a.signers()[0].clone(), &options)
        .await
        .expect("deploys on the first chain");
    let second = deploy(&b.http_url(), b.signers()[0].clone(), &options)
        .await
        .expect("deploys on the second chain");
    assert_eq!(first.chain_id, 31337);
    assert_eq!(second.chain_id, 1337);
    // Everything but the chain id: CREATE addresses depend on the deployer and its nonce only.
    assert_eq!(
        Deployment {
            chain_id: 0,
            ..first.clone()
        },
        Deployment {
            chain_id: 0,
            ..second
        }
    );
    let predicted = Deployment::predict(31337, dev::ADMIN, 0);
    assert_eq!(first.hub, dev::HUB);
    assert_eq!(first.facets, predicted.facets);
    assert_eq!(
        Deployment {
            block_number: 0,
            ..first
        },
        predicted
    );
}

#[tokio::test]
async fn deploying_twice_returns_the_existing_deployment() {
    let node = poco_node().await;
    let admin = node.signers()[0].clone();
    let options = DeployOptions::dev(dev_addresses());
    let first = deploy_report(&node.http_url(), admin.clone(), &options)
        .await
        .expect("deploys");
    let head = node.backend().head();
    let again = deploy_report(&node.http_url(), admin.clone(), &options)
        .await
        .expect("finds it");
    assert!(again.reused);
    assert!(again.gas.is_empty());
    assert_eq!(again.deployment, first.deployment);
    assert_eq!(
        node.backend().head(),
        head,
        "nothing was sent, nothing minted twice"
    );

    // Asked not to reuse, a second, independent hub is deployed after the first one's nonces.
    let fresh = deploy_report(
        &node.http_url(),
        admin,
        &DeployOptions::default().with_reuse_existing(false),
    )
    .await
    .expect("deploys a second hub");
    assert!(!fresh.reused);
    assert_ne!(fresh.deployment.hub, first.deployment.hub);
    let nonce = 15 + 5 + 1 + 3 + 10; // the first deployment's transactions
    assert_eq!(
        Deployment {
            block_number: 0,
            ..fresh.deployment
        },
        Deployment::predict(31337, dev::ADMIN, nonce)
    );
}

#[tokio::test]
async fn a_chain_restarted_from_its_state_file_keeps_its_deployment() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = ChainConfig::test().with_state_path(Some(dir.path().join("chain.json")));
    let options = DeployOptions::dev(dev_addresses());

    let node = poco_node_with(config.clone()).await;
    let first = deploy_report(&node.http_url(), node.signers()[0].clone(), &options)
        .await
        .expect("deploys");
    assert!(!first.reused);
    node.stop().await.expect("stops and saves its state");

    let node = poco_node_with(config).await;
    let head = node.backend().head();
    let again = deploy_report(&node.http_url(), node.signers()[0].clone(), &options)
        .await
        .expect("finds the deployment in the restored state");
    assert!(again.reused);
    assert_eq!(again.deployment, first.deployment, "block number included");
    assert_eq!(node.backend().head(), head, "nothing redeployed or minted");
    crate::wiring::check_wiring(
        &crate::common::reader(&node.http_url()),
        &again.deployment,
        31337,
    )
    .await;
}

#[tokio::test]
async fn a_provider_without_wallet_deploys_through_the_nodes_keys() {
    // deploy_with_provider and eth_sendTransaction: poco chain signs for its dev accounts.
    let node = poco_node().await;
    let provider = crate::common::reader(&node.http_url());
    let report =
        poco_contracts::deploy_with_provider(&provider, dev::ADMIN, &DeployOptions::default())
            .await
            .expect("deploys");
    assert_eq!(report.deployment.hub, dev::HUB);
    assert_eq!(report.gas.len(), 24);
}

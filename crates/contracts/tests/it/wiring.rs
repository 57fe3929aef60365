//! A deployment on a fresh poco chain is wired as contracts/README.md says: the hub knows its
//! token and registries, has the five categories, signs orders under the iExec domain, and the
//! dev accounts got their RLC.

use crate::common::{dev_addresses, poco_node, reader};
use poco_contracts::{
    App, AppRegistry, DatasetRegistry, DeployOptions, Deployment, FACETS, PocoHub, RLC,
    WorkerpoolRegistry,
    alloy::{
        primitives::{Address, Bytes, FixedBytes, U256},
        providers::DynProvider,
    },
    deploy_report, dev,
};
use poco_types::Category;

/// Checks everything a deployment by dev account 0 with `DeployOptions::dev` must satisfy,
/// on any chain.
pub async fn check_wiring(provider: &DynProvider, deployment: &Deployment, chain_id: u64) {
    let hub = PocoHub::new(deployment.hub, provider);
    assert_eq!(hub.token().call().await.expect("token()"), deployment.rlc);
    assert_eq!(
        hub.appregistry().call().await.expect("appregistry()"),
        deployment.app_registry
    );
    assert_eq!(
        hub.datasetregistry()
            .call()
            .await
            .expect("datasetregistry()"),
        deployment.dataset_registry
    );
    assert_eq!(
        hub.workerpoolregistry()
            .call()
            .await
            .expect("workerpoolregistry()"),
        deployment.workerpool_registry
    );
    assert_eq!(hub.owner().call().await.expect("owner()"), dev::ADMIN);
    assert_eq!(deployment.chain_id, chain_id);

    // Categories: poco-types' defaults, in order.
    assert_eq!(
        hub.countCategory().call().await.expect("countCategory()"),
        U256::from(5)
    );
    for (id, expected) in Category::defaults().into_iter().enumerate() {
        let category = hub
            .viewCategory(U256::from(id))
            .call()
            .await
            .expect("viewCategory");
        assert_eq!(category.name, expected.name);
        assert_eq!(category.description, "{}");
        assert_eq!(
            category.workClockTimeRef,
            U256::from(expected.work_clock_time_ref)
        );
    }
    let names: Vec<String> = Category::defaults().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["XS", "S", "M", "L", "XL"]);

    // The EIP-712 domain poco-types signs under.
    let domain = hub.domain().call().await.expect("domain()");
    assert_eq!(domain.name, "iExecODB");
    assert_eq!(domain.version, "5.0.0");
    assert_eq!(domain.chainId, U256::from(chain_id));
    assert_eq!(domain.verifyingContract, deployment.hub);
    assert_eq!(
        hub.eip712domain_separator()
            .call()
            .await
            .expect("eip712domain_separator()"),
        poco_types::domain(chain_id, deployment.hub).separator()
    );

    // SRLC and RLC.
    assert_eq!(hub.name().call().await.expect("name()"), "Staked RLC");
    assert_eq!(hub.symbol().call().await.expect("symbol()"), "SRLC");
    assert_eq!(hub.decimals().call().await.expect("decimals()"), 9);
    assert_eq!(
        hub.totalSupply().call().await.expect("totalSupply()"),
        U256::ZERO
    );
    let rlc = RLC::new(deployment.rlc, provider);
    assert_eq!(rlc.name().call().await.expect("name()"), "iExec RLC Token");
    assert_eq!(rlc.symbol().call().await.expect("symbol()"), "RLC");
    assert_eq!(rlc.decimals().call().await.expect("decimals()"), 9);
    assert_eq!(rlc.owner().call().await.expect("owner()"), dev::ADMIN);

    // Registries: names, symbols, initialized, owned by the admin.
    let apps = AppRegistry::new(deployment.app_registry, provider);
    let datasets = DatasetRegistry::new(deployment.dataset_registry, provider);
    let pools = WorkerpoolRegistry::new(deployment.workerpool_registry, provider);
    assert_eq!(
        apps.name().call().await.expect("name()"),
        "iExec Application Registry (V5)"
    );
    assert_eq!(apps.symbol().call().await.expect("symbol()"), "iExecAppsV5");
    assert_eq!(
        datasets.name().call().await.expect("name()"),
        "iExec Dataset Registry (V5)"
    );
    assert_eq!(
        datasets.symbol().call().await.expect("symbol()"),
        "iExecDatasetsV5"
    );
    assert_eq!(
        pools.name().call().await.expect("name()"),
        "iExec Workerpool Registry (V5)"
    );
    assert_eq!(
        pools.symbol().call().await.expect("symbol()"),
        "iExecWorkerpoolV5"
    );
    assert!(apps.initialized().call().await.expect("initialized()"));
    assert!(datasets.initialized().call().await.expect("initialized()"));
    assert!(pools.initialized().call().await.expect("initialized()"));
    assert_eq!(apps.owner().call().await.expect("owner()"), dev::ADMIN);

    // The facets: one per table entry, each routing its own selectors.
    assert_eq!(deployment.facets.len(), FACETS.len());
    let loupe = hub.facetAddresses().call().await.expect("facetAddresses()");
    assert_eq!(loupe.len(), FACETS.len());
    for facet in &FACETS {
        let address = deployment.facets[facet.name];
        assert!(loupe.contains(&address), "{} not in the loupe", facet.name);
        for selector in facet.selectors {
            assert_eq!(
                hub.facetAddress(FixedBytes(*selector))
                    .call()
                    .await
                    .expect("facetAddress"),
                address,
                "a selector of {}",
                facet.name
            );
        }
    }

    // The dev accounts' RLC: 10^15 nRLC each, the admin also holds the initial supply.
    for (i, account) in dev_addresses().into_iter().enumerate() {
        let expected = if i == 0 {
            dev::RLC_PER_DEV_ACCOUNT + dev::INITIAL_RLC_SUPPLY
        } else {
            dev::RLC_PER_DEV_ACCOUNT
        };
        assert_eq!(
            rlc.balanceOf(account).call().await.expect("balanceOf"),
            expected,
            "RLC of dev account {i}"
        );
    }
    assert_eq!(
        rlc.totalSupply().call().await.expect("totalSupply()"),
        dev::INITIAL_RLC_SUPPLY + dev::RLC_PER_DEV_ACCOUNT * U256::from(10)
    );
}

#[tokio::test]
async fn a_dev_deployment_is_wired_as_documented() {
    let node = poco_node().await;
    let report = deploy_report(
        &node.http_url(),
        node.signers()[0].clone(),
        &DeployOptions::dev(dev_addresses()),
    )
    .await
    .expect("deploys");
    assert!(!report.reused);
    let deployment = &report.deployment;
    assert_eq!(deployment.hub, dev::HUB);
    assert_eq!(deployment.rlc, dev::RLC);
    assert_eq!(deployment.app_registry, dev::APP_REGISTRY);
    assert_eq!(deployment.dataset_registry, dev::DATASET_REGISTRY);
    assert_eq!(deployment.workerpool_registry, dev::WORKERPOOL_REGISTRY);
    assert_eq!(
        deployment.block_number, 1,
        "the first transaction of the chain"
    );
    check_wiring(&reader(&node.http_url()), deployment, 31337).await;

    // 15 creations, configure, 5 categories, 3 initializations, 10 mints.
    assert_eq!(report.gas.len(), 15 + 1 + 5 + 3 + 10);
    let total: u64 = report.gas.iter().map(|(_, gas)| gas).sum();
    let minting: u64 = report.gas[24..].iter().map(|(_, gas)| gas).sum();
    for (step, gas) in &report.gas {
        eprintln!("{:<60} {gas:>10}", step.to_string());
    }
    eprintln!("total {total} (without minting {})", total - minting);
    assert!(
        total - minting < poco_contracts::deploy::DEPLOYMENT_GAS,
        "DEPLOYMENT_GAS must cover a deployment"
    );
}

#[tokio::test]
async fn registries_create_entries_owned_by_their_owner() {
    // The registries deployed with their entry masters work end to end (createApp through
    // the CREATE2 proxy, ownership read back through the ERC-721).
    let node = poco_node().await;
    let deployment = poco_contracts::deploy(
        &node.http_url(),
        node.signers()[0].clone(),
        &DeployOptions::default(),
    )
    .await
    .expect("deploys");
    let provider = crate::common::wallet_provider(&node.http_url());
    let owner = dev_addresses()[2];
    let apps = AppRegistry::new(deployment.app_registry, &provider);
    let checksum = FixedBytes::<32>::repeat_byte(7);
    let image = Bytes::from_static(b"registry/app:1.0");
    let predicted = apps
        .predictApp(
            owner,
            "my-app".into(),
            "DOCKER".into(),
            image.clone(),
            checksum,
            Bytes::new(),
        )
        .call()
        .await
        .expect("predictApp");
    apps.createApp(
        owner,
        "my-app".into(),
        "DOCKER".into(),
        image,
        checksum,
        Bytes::new(),
    )
    .from(owner)
    .send()
    .await
    .expect("createApp sent")
    .get_receipt()
    .await
    .expect("createApp mined");
    assert!(
        apps.isRegistered(predicted)
            .call()
            .await
            .expect("isRegistered")
    );
    let app = App::new(predicted, &provider);
    assert_eq!(app.owner().call().await.expect("owner()"), owner);
    assert_eq!(app.m_appName().call().await.expect("m_appName()"), "my-app");
    assert_eq!(
        apps.ownerOf(U256::from_be_slice(predicted.as_slice()))
            .call()
            .await
            .expect("ownerOf"),
        owner
    );
    assert_ne!(predicted, Address::ZERO);
}

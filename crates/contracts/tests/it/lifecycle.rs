//! A complete trust-1 task on a deployed protocol, from deposits to payment, with every
//! party's balance checked to the nRLC: the proof that a deployment works, run on Hardhat's
//! node (an EVM we did not write) and on poco chain.

use crate::{
    common::{dev_addresses, dev_signers, reader, wallet_provider},
    hardhat::HardhatNode,
};
use poco_contracts::{
    AppRegistry, DeployOptions, Deployment, PocoHub, PocoTypes, RLC, WorkerpoolRegistry,
    alloy::{
        primitives::{Address, B256, Bytes, U256, keccak256},
        providers::{DynProvider, Provider},
        rpc::types::TransactionReceipt,
    },
    convert::no_dataset_order,
    deploy_report, dev,
};
use poco_types::{
    AppOrder, RequestOrder, SignedAppOrder, SignedRequestOrder, SignedWorkerpoolOrder, TaskStatus,
    WorkerpoolAuthorization, WorkerpoolOrder, deal_id, task_id,
};

const APP_PRICE: U256 = U256::from_limbs([2_000_000_000, 0, 0, 0]); // 2 RLC
const POOL_PRICE: U256 = U256::from_limbs([10_000_000_000, 0, 0, 0]); // 10 RLC
const DEPOSIT: U256 = U256::from_limbs([1_000_000_000_000, 0, 0, 0]); // 1,000 RLC

/// Waits for a sent call and checks it succeeded.
async fn mined<F, E>(what: &str, sent: F) -> TransactionReceipt
where
    F: std::future::Future<
            Output = Result<
                poco_contracts::alloy::providers::PendingTransactionBuilder<
                    poco_contracts::alloy::network::Ethereum,
                >,
                E,
            >,
        >,
    E: std::fmt::Display,
{
    let pending = match sent.await {
        Ok(pending) => pending,
        Err(e) => panic!("{what}: {e}"),
    };
    let receipt = pending
        .get_receipt()
        .await
        .unwrap_or_else(|e| panic!("{what}: no receipt: {e}"));
    assert!(receipt.status(), "{what} failed on chain");
    receipt
}

/// `(stake, locked)` of `account` on the hub.
async fn account(hub: &PocoHub::PocoHubInstance<&DynProvider>, who: Address) -> (U256, U256) {
    let a = hub.viewAccount(who).call().await.expect("viewAccount");
    (a.stake, a.locked)
}

/// Runs one trust-1 task on `deployment` at `url`: dev account 1 requests, 2 owns the app, 4
/// owns the workerpool, 5 works. Every dev account must hold RLC.
pub async fn run_trust1_task(url: &str, deployment: &Deployment) {
    let provider = wallet_provider(url);
    let signers = dev_signers();
    let [requester, app_owner, pool_owner, worker] =
        [&signers[1], &signers[2], &signers[4], &signers[5]];
    let (requester_a, app_owner_a, pool_owner_a, worker_a) = (
        requester.address(),
        app_owner.address(),
        pool_owner.address(),
        worker.address(),
    );
    let chain_id = provider.get_chain_id().await.expect("chain id");
    let hub = PocoHub::new(deployment.hub, &provider);
    let rlc = RLC::new(deployment.rlc, &provider);

    // Deposits: approve + deposit for the requester, approveAndCall for the pool owner.
    mined(
        "approve",
        rlc.approve(deployment.hub, DEPOSIT)
            .from(requester_a)
            .send(),
    )
    .await;
    mined("deposit", hub.deposit(DEPOSIT).from(requester_a).send()).await;
    mined(
        "approveAndCall",
        rlc.approveAndCall(deployment.hub, DEPOSIT, Bytes::new())
            .from(pool_owner_a)
            .send(),
    )
    .await;
    assert_eq!(account(&hub, requester_a).await, (DEPOSIT, U256::ZERO));
    assert_eq!(account(&hub, pool_owner_a).await, (DEPOSIT, U256::ZERO));

    // The app and the workerpool, at their predicted addresses.
    let apps = AppRegistry::new(deployment.app_registry, &provider);
    let checksum = keccak256("registry/app:1.0");
    let image = Bytes::from_static(b"registry/app:1.0");
    let app = apps
        .predictApp(
            app_owner_a,
            "my-app".into(),
            "DOCKER".into(),
            image.clone(),
            checksum,
            Bytes::new(),
        )
        .call()
        .await
        .expect("predictApp");
    mined(
        "createApp",
        apps.createApp(
            app_owner_a,
            "my-app".into(),
            "DOCKER".into(),
            image,
            checksum,
            Bytes::new(),
        )
        .from(app_owner_a)
        .send(),
    )
    .await;
    let pools = WorkerpoolRegistry::new(deployment.workerpool_registry, &provider);
    let pool = pools
        .predictWorkerpool(pool_owner_a, "my-pool".into())
        .call()
        .await
        .expect("predictWorkerpool");
    mined(
        "createWorkerpool",
        pools
            .createWorkerpool(pool_owner_a, "my-pool".into())
            .from(pool_owner_a)
            .send(),
    )
    .await;

    // The four orders, signed with poco-types under the hub's domain; no dataset.
    let domain = poco_types::domain(chain_id, deployment.hub);
    let app_order = SignedAppOrder::sign(
        AppOrder {
            app,
            appprice: APP_PRICE,
            volume: U256::from(1),
            salt: B256::repeat_byte(1),
            ..Default::default()
        },
        &domain,
        app_owner,
    )
    .expect("app order signed");
    let pool_order = SignedWorkerpoolOrder::sign(
        WorkerpoolOrder {
            workerpool: pool,
            workerpoolprice: POOL_PRICE,
            volume: U256::from(1),
            category: U256::ZERO,
            trust: U256::from(1),
            salt: B256::repeat_byte(2),
            ..Default::default()
        },
        &domain,
        pool_owner,
    )
    .expect("workerpool order signed");
    let request = SignedRequestOrder::sign(
        RequestOrder {
            app,
            appmaxprice: APP_PRICE,
            workerpoolmaxprice: POOL_PRICE,
            requester: requester_a,
            volume: U256::from(1),
            category: U256::ZERO,
            trust: U256::from(1),
            beneficiary: requester_a,
            salt: B256::repeat_byte(3),
            ..Default::default()
        },
        &domain,
        requester,
    )
    .expect("request order signed");
    let request_hash = request.hash(&domain);

    let before = [
        account(&hub, requester_a).await,
        account(&hub, app_owner_a).await,
        account(&hub, pool_owner_a).await,
        account(&hub, worker_a).await,
    ];
    let receipt = mined(
        "matchOrders",
        hub.matchOrders(
            app_order.into(),
            no_dataset_order(),
            pool_order.into(),
            PocoTypes::RequestOrder::from(request),
        )
        .from(requester_a)
        .send(),
    )
    .await;
    let matched = receipt
        .logs()
        .iter()
        .find_map(|log| log.log_decode::<PocoHub::OrdersMatched>().ok())
        .expect("OrdersMatched emitted")
        .inner
        .data;
    let dealid = deal_id(request_hash, U256::ZERO);
    assert_eq!(matched.dealid, dealid);
    assert_eq!(matched.requestHash, request_hash);
    assert_eq!(matched.datasetHash, B256::ZERO);
    let deal = hub.viewDeal(dealid).call().await.expect("viewDeal");
    assert_eq!(deal.app.owner, app_owner_a);
    assert_eq!(deal.workerpool.owner, pool_owner_a);
    let ratio = deal.schedulerRewardRatio;
    assert_eq!(ratio, U256::from(1), "a new workerpool's default policy");

    // Matched: the requester's price and 30% of the pool price from the pool owner are locked.
    let pool_stake = POOL_PRICE * U256::from(30) / U256::from(100);
    let task_price = APP_PRICE + POOL_PRICE;
    assert_eq!(
        account(&hub, requester_a).await,
        (before[0].0 - task_price, before[0].1 + task_price)
    );
    assert_eq!(
        account(&hub, pool_owner_a).await,
        (before[2].0 - pool_stake, before[2].1 + pool_stake)
    );

    mined(
        "initialize",
        hub.initialize(dealid, U256::ZERO).from(worker_a).send(),
    )
    .await;
    let taskid = task_id(dealid, U256::ZERO);
    let task = hub.viewTask(taskid).call().await.expect("viewTask");
    assert_eq!(task.status, TaskStatus::Active as u8);

    let digest = keccak256("the result");
    let results = Bytes::from_static(b"ipfs://QmResults");
    let authorization = WorkerpoolAuthorization::sign(pool_owner, worker_a, taskid, Address::ZERO)
        .expect("authorization signed");
    mined(
        "contributeAndFinalize",
        hub.contributeAndFinalize(
            taskid,
            digest,
            results.clone(),
            Bytes::new(),
            Address::ZERO,
            Bytes::new(),
            authorization.signature,
        )
        .from(worker_a)
        .send(),
    )
    .await;

    let task = hub.viewTask(taskid).call().await.expect("viewTask");
    assert_eq!(task.status, TaskStatus::Completed as u8);
    assert_eq!(task.results, results);
    assert_eq!(task.resultDigest, digest);
    assert_eq!(task.contributors, [worker_a]);

    // Paid: to the nRLC.
    let worker_share = POOL_PRICE * (U256::from(100) - ratio) / U256::from(100);
    assert_eq!(worker_share, U256::from(9_900_000_000u64));
    assert_eq!(
        account(&hub, requester_a).await,
        (before[0].0 - task_price, before[0].1),
        "requester charged app + pool price, nothing left locked"
    );
    assert_eq!(
        account(&hub, app_owner_a).await,
        (before[1].0 + APP_PRICE, before[1].1),
        "app owner got the app price"
    );
    assert_eq!(
        account(&hub, worker_a).await,
        (before[3].0 + worker_share, before[3].1),
        "worker got the pool price minus the scheduler's ratio"
    );
    assert_eq!(
        account(&hub, pool_owner_a).await,
        (before[2].0 + POOL_PRICE - worker_share, before[2].1),
        "pool owner got the rest and its stake back"
    );
    // The escrow holds exactly the SRLC in circulation.
    assert_eq!(
        rlc.balanceOf(deployment.hub)
            .call()
            .await
            .expect("balanceOf"),
        hub.totalSupply().call().await.expect("totalSupply")
    );
    assert_eq!(
        hub.totalSupply().call().await.expect("totalSupply"),
        DEPOSIT * U256::from(2)
    );
}

#[tokio::test]
async fn deploys_to_hardhat_and_runs_a_task() {
    let node = HardhatNode::start().await;
    let signers = dev_signers();
    let report = deploy_report(
        node.url(),
        signers[0].clone(),
        &DeployOptions::dev(dev_addresses()),
    )
    .await
    .expect("deploys to Hardhat");
    assert!(!report.reused);
    // The same EVM rules: every step costs what it costs on poco chain.
    let poco = crate::common::poco_node().await;
    let reference = deploy_report(
        &poco.http_url(),
        signers[0].clone(),
        &DeployOptions::dev(dev_addresses()),
    )
    .await
    .expect("deploys to poco chain");
    assert_eq!(
        report.gas, reference.gas,
        "gas per step, Hardhat vs poco chain"
    );
    // Hardhat's node is a fresh chain too: the same addresses as poco chain's.
    assert_eq!(
        Deployment {
            block_number: 0,
            ..report.deployment.clone()
        },
        Deployment::predict(31337, dev::ADMIN, 0)
    );
    crate::wiring::check_wiring(&reader(node.url()), &report.deployment, 31337).await;
    run_trust1_task(node.url(), &report.deployment).await;

    // Deploying again finds it.
    let again = deploy_report(
        node.url(),
        signers[0].clone(),
        &DeployOptions::dev(dev_addresses()),
    )
    .await
    .expect("finds the deployment");
    assert!(again.reused);
    assert_eq!(again.deployment, report.deployment);
}

#[tokio::test]
async fn runs_a_task_on_poco_chain() {
    let node = crate::common::poco_node().await;
    let deployment = poco_contracts::deploy(
        &node.http_url(),
        node.signers()[0].clone(),
        &DeployOptions::dev(dev_addresses()),
    )
    .await
    .expect("deploys");
    run_trust1_task(&node.http_url(), &deployment).await;
}

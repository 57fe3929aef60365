//! The rest of the hub's surface: ERC-1271 signers, sponsored matches, deal volume, callbacks that fail, batch calls, admin and escrow variants.
//!
//! Like `paths.rs`, every expected amount is computed here from the spec's formulas
//! (`/work/shared/spec/protocol.md` §6–7), never read back from the contracts. Accounts the
//! fixture's snapshot does not know (the admin, contract wallets) are checked one by one.

use crate::fixture::{APP_PRICE, DEPOSIT, POOL_PRICE, Protocol, RLC_UNIT, u};
use poco_contracts::{
    PocoHub,
    alloy::{
        primitives::{Address, B256, Bytes, U256, keccak256},
        signers::local::PrivateKeySigner,
    },
    convert::no_dataset_order,
};
use poco_types::{
    SignedAppOrder, SignedRequestOrder, TaskStatus,
    constants::{
        DEFAULT_SCHEDULER_REWARD_RATIO, FINAL_DEADLINE_RATIO, KITTY_ADDRESS, WORKERPOOL_STAKE_RATIO,
    },
    deal_id, task_id,
};

alloy::sol!(
    #[sol(rpc)]
    TestERC1271Wallet,
    "../../contracts/out/TestERC1271Wallet.json"
);

alloy::sol!(
    #[sol(rpc)]
    TestBadCallback,
    "../../contracts/out/TestBadCallback.json"
);

/// Category 0's work clock time reference, in seconds (XS).
const TIMEREF: u64 = 300;
/// What one default task costs its payer: app price + pool price (no dataset).
const TASK_PRICE: u64 = APP_PRICE + POOL_PRICE;
/// The pool owner's stake per task: pool price × 30 / 100.
const POOL_STAKE: u64 = POOL_PRICE * WORKERPOOL_STAKE_RATIO / 100;
/// The worker's reward on a single-contributor task: the pool price minus the scheduler's 1%.
const WORKER_REWARD: u64 = POOL_PRICE * (100 - DEFAULT_SCHEDULER_REWARD_RATIO) / 100;

/// `x` nRLC as a signed delta.
fn i(x: u64) -> i128 {
    x.into()
}

/// A new app owned by `owner`, which may be a contract: the registry lets anyone create an
/// entry for any owner, so the transaction is sent by `sender` (a dev account that can sign).
async fn create_app_for(p: &Protocol, owner: Address, sender: Address) -> Address {
    let name = format!("app-{}", p.fresh());
    let image = Bytes::from(format!("registry/{name}:1.0").into_bytes());
    let checksum = keccak256(&image);
    let app = p
        .apps
        .predictApp(
            owner,
            name.clone(),
            "DOCKER".to_owned(),
            image.clone(),
            checksum,
            Bytes::new(),
        )
        .call()
        .await
        .expect("predictApp");
    p.send(
        p.apps
            .createApp(
                owner,
                name,
                "DOCKER".to_owned(),
                image,
                checksum,
                Bytes::new(),
            )
            .from(sender),
    )
    .await
    .expect("createApp for a contract owner");
    app
}

/// Runs task `idx` of `deal` on the trust-1 fast path with `worker`, with callback data
/// `data` (its digest is keccak256(data), as the hub requires with a callback).
async fn fast_task(
    p: &Protocol,
    deal: B256,
    idx: u64,
    worker: &PrivateKeySigner,
    data: &[u8],
) -> B256 {
    let task = p.initialize(deal, idx).await.expect("initialize");
    p.contribute_and_finalize(worker, task, keccak256(data), b"ipfs://r", data)
        .await
        .expect("contributeAndFinalize");
    task
}

#[tokio::test]
async fn an_erc1271_wallet_owns_an_app() {
    let p = Protocol::start().await;
    // The wallet accepts the app owner's key: the EOA signs, the contract owns.
    let wallet = TestERC1271Wallet::deploy(p.provider.clone(), p.app_owner())
        .await
        .expect("TestERC1271Wallet deploys");
    let wallet = *wallet.address();
    let app = create_app_for(&p, wallet, p.app_owner()).await;
    let mut orders = p.orders();
    orders.app.app = app;
    orders.request.app = app;
    let (signed_app, _, pool, request) = p.sign(&orders);
    let hash = p.hash(&orders.app);

    // Signed by another key: the wallet answers 0xffffffff, the hub refuses the order.
    let forged = SignedAppOrder::sign(orders.app.clone(), &p.domain, p.signer(p.dataset_owner()))
        .expect("signs");
    let verify = |sign: Bytes| p.hub.verifySignature(wallet, hash, sign);
    assert!(
        !verify(forged.sign.clone())
            .call()
            .await
            .expect("verifySignature"),
        "another key's signature is not the wallet's"
    );
    assert!(
        verify(signed_app.sign.clone())
            .call()
            .await
            .expect("verifySignature"),
        "the wallet accepts its EOA's signature"
    );
    assert_eq!(
        p.match_signed(forged, None, pool.clone(), request.clone())
            .await
            .expect_err("forged app order"),
        "iExecV5-matchOrders-0x21"
    );

    let before = p.snapshot().await;
    let (deal, _) = p
        .match_signed(signed_app, None, pool, request)
        .await
        .expect("the wallet's app order matches");
    let d = p.view_deal(deal).await;
    assert_eq!((d.app.pointer, d.app.owner), (app, wallet));

    let worker = p.worker(0);
    fast_task(&p, deal, 0, worker, b"").await;
    // The wallet (not its EOA) is paid the app price; the EOA's account does not move.
    assert_eq!(p.account(wallet).await, (u(APP_PRICE), U256::ZERO));
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(TASK_PRICE), 0),
                (worker.address(), i(WORKER_REWARD), 0),
                (p.pool_owner(), i(POOL_PRICE - WORKER_REWARD), 0),
            ],
        )
        .await;
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn an_erc1271_wallet_requests() {
    let p = Protocol::start().await;
    let wallet = TestERC1271Wallet::deploy(p.provider.clone(), p.requester())
        .await
        .expect("TestERC1271Wallet deploys");
    let wallet = *wallet.address();
    // The requester's EOA funds its wallet's account: a contract cannot call deposit here.
    let funds = 100 * RLC_UNIT;
    p.send(
        p.rlc
            .approve(p.deployment.hub, u(funds))
            .from(p.requester()),
    )
    .await
    .expect("approve");
    p.send(p.hub.depositFor(u(funds), wallet).from(p.requester()))
        .await
        .expect("depositFor the wallet");

    let mut orders = p.orders();
    orders.request.requester = wallet;
    orders.request.beneficiary = wallet;
    // `sign` signs the request with the requester's EOA: exactly what the wallet accepts.
    let (app, _, pool, request) = p.sign(&orders);
    let forged = SignedRequestOrder::sign(
        orders.request.clone(),
        &p.domain,
        p.signer(p.dataset_owner()),
    )
    .expect("signs");
    assert_eq!(
        p.match_signed(app.clone(), None, pool.clone(), forged)
            .await
            .expect_err("forged request"),
        "iExecV5-matchOrders-0x50"
    );

    let before = p.snapshot().await;
    let (deal, _) = p
        .match_signed(app, None, pool, request)
        .await
        .expect("the wallet's request matches");
    let d = p.view_deal(deal).await;
    assert_eq!(
        (d.requester, d.sponsor, d.beneficiary),
        (wallet, wallet, wallet)
    );
    // The wallet pays, not the EOA that sent the match.
    assert_eq!(
        p.account(wallet).await,
        (u(funds - TASK_PRICE), u(TASK_PRICE))
    );

    let worker = p.worker(0);
    fast_task(&p, deal, 0, worker, b"").await;
    assert_eq!(p.account(wallet).await, (u(funds - TASK_PRICE), U256::ZERO));
    before
        .assert_deltas(
            &p,
            &[
                (p.app_owner(), i(APP_PRICE), 0),
                (worker.address(), i(WORKER_REWARD), 0),
                (p.pool_owner(), i(POOL_PRICE - WORKER_REWARD), 0),
            ],
        )
        .await;
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn a_sponsor_pays_and_is_refunded() {
    let p = Protocol::start().await;
    // The admin is the sponsor: a dev account that is none of the deal's parties.
    let sponsor = p.admin();
    p.deposit(sponsor, u(DEPOSIT)).await;
    let orders = p.orders().with_volume(2);
    let (app, _, pool, request) = p.sign(&orders);
    let request_hash = p.hash(&orders.request);

    let before = p.snapshot().await;
    let receipt = p
        .send(
            p.hub
                .sponsorMatchOrders(app.into(), no_dataset_order(), pool.into(), request.into())
                .from(sponsor),
        )
        .await
        .expect("sponsorMatchOrders");
    let deal = deal_id(request_hash, U256::ZERO);
    let sponsored = receipt
        .logs()
        .iter()
        .find_map(|log| log.log_decode::<PocoHub::DealSponsored>().ok())
        .expect("DealSponsored emitted")
        .inner
        .data;
    assert_eq!((sponsored.dealId, sponsored.sponsor), (deal, sponsor));
    let d = p.view_deal(deal).await;
    assert_eq!((d.requester, d.sponsor), (p.requester(), sponsor));

    // The sponsor's stake is locked for both tasks; the requester's does not move.
    assert_eq!(
        p.account(sponsor).await,
        (u(DEPOSIT - 2 * TASK_PRICE), u(2 * TASK_PRICE))
    );
    before
        .assert_deltas(
            &p,
            &[(p.pool_owner(), -i(2 * POOL_STAKE), i(2 * POOL_STAKE))],
        )
        .await;

    // Task 0 completes: the sponsor pays it.
    let worker = p.worker(0);
    fast_task(&p, deal, 0, worker, b"").await;
    assert_eq!(
        p.account(sponsor).await,
        (u(DEPOSIT - 2 * TASK_PRICE), u(TASK_PRICE))
    );

    // Task 1 expires: the claim refunds the sponsor, and the pool's stake goes to the kitty.
    let task = p.initialize(deal, 1).await.expect("initialize");
    p.increase_time(FINAL_DEADLINE_RATIO * TIMEREF + 1).await;
    p.claim(task).await.expect("claim");
    assert_eq!(p.view_task(task).await.status, TaskStatus::Failed as u8);
    assert_eq!(
        p.account(sponsor).await,
        (u(DEPOSIT - TASK_PRICE), U256::ZERO)
    );
    before
        .assert_deltas(
            &p,
            &[
                (p.app_owner(), i(APP_PRICE), 0),
                (worker.address(), i(WORKER_REWARD), 0),
                (
                    p.pool_owner(),
                    i(POOL_PRICE - WORKER_REWARD) - i(POOL_STAKE),
                    0,
                ),
                (KITTY_ADDRESS, 0, i(POOL_STAKE)),
            ],
        )
        .await;
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn compute_deal_volume_predicts_the_match() {
    let p = Protocol::start().await;
    // Volumes app 5, pool 3, request 4: the pool order is the limit.
    let mut orders = p.orders();
    orders.app.volume = u(5);
    orders.pool.volume = u(3);
    orders.request.volume = u(4);
    let (app, _, pool, request) = p.sign(&orders);
    let volume = |app: SignedAppOrder,
                  pool: poco_types::SignedWorkerpoolOrder,
                  request: SignedRequestOrder| {
        p.hub
            .computeDealVolume(app.into(), no_dataset_order(), pool.into(), request.into())
    };
    let predicted = volume(app.clone(), pool.clone(), request.clone())
        .call()
        .await
        .expect("computeDealVolume");
    assert_eq!(predicted, u(3));

    let before = p.snapshot().await;
    let (deal, receipt) = p
        .match_signed(app.clone(), None, pool.clone(), request.clone())
        .await
        .expect("match");
    let matched = receipt
        .logs()
        .iter()
        .find_map(|log| log.log_decode::<PocoHub::OrdersMatched>().ok())
        .expect("OrdersMatched emitted")
        .inner
        .data;
    assert_eq!(matched.volume, predicted);
    let d = p.view_deal(deal).await;
    assert_eq!((d.botFirst, d.botSize), (u(0), predicted));

    // The pool order is consumed: nothing left to match.
    let left = volume(app.clone(), pool.clone(), request.clone())
        .call()
        .await
        .expect("computeDealVolume");
    assert_eq!(left, U256::ZERO);
    assert_eq!(
        p.match_signed(app.clone(), None, pool, request.clone())
            .await
            .expect_err("consumed"),
        "iExecV5-matchOrders-0x60"
    );

    // A fresh pool order: the request has 1 left of its 4 (the app order 2 of its 5).
    let mut fresh = orders.clone();
    fresh.pool.volume = u(5);
    fresh.pool.salt = p.fresh_salt();
    let (_, _, pool, _) = p.sign(&fresh);
    let predicted = volume(app.clone(), pool.clone(), request.clone())
        .call()
        .await
        .expect("computeDealVolume");
    assert_eq!(predicted, u(1));
    let (deal, _) = p
        .match_signed(app, None, pool, request)
        .await
        .expect("match the rest");
    let d = p.view_deal(deal).await;
    assert_eq!((d.botFirst, d.botSize), (u(3), u(1)));

    // Four tasks locked in all, no more.
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(4 * TASK_PRICE), i(4 * TASK_PRICE)),
                (p.pool_owner(), -i(4 * POOL_STAKE), i(4 * POOL_STAKE)),
            ],
        )
        .await;
}

/// Runs one task of a callback deal and checks it completed and paid everyone exactly as a
/// task without callback: whatever the callback did must not matter. `full` runs contribute,
/// reveal and finalize instead of the fast path.
async fn task_pays_despite_callback(p: &Protocol, deal: B256, idx: u64, full: bool) -> B256 {
    let worker = p.worker(0);
    let data = format!("callback data {idx}").into_bytes();
    let digest = keccak256(&data);
    let before = p.snapshot().await;
    let task = p.initialize(deal, idx).await.expect("initialize");
    if full {
        p.contribute(worker, task, digest)
            .await
            .expect("contribute");
        p.reveal(worker, task, digest).await.expect("reveal");
        p.finalize(task, b"ipfs://r", &data)
            .await
            .expect("finalize does not revert with the callback");
    } else {
        p.contribute_and_finalize(worker, task, digest, b"ipfs://r", &data)
            .await
            .expect("contributeAndFinalize does not revert with the callback");
    }
    assert_eq!(p.view_task(task).await.status, TaskStatus::Completed as u8);
    assert_eq!(
        p.hub.resultFor(task).call().await.expect("resultFor"),
        Bytes::from(data)
    );
    // The requester's price was locked at the match: only the unlock-and-pay shows here.
    before
        .assert_deltas(
            p,
            &[
                (p.requester(), 0, -i(TASK_PRICE)),
                (p.app_owner(), i(APP_PRICE), 0),
                (worker.address(), i(WORKER_REWARD), 0),
                (
                    p.pool_owner(),
                    i(POOL_PRICE - WORKER_REWARD) + i(POOL_STAKE),
                    -i(POOL_STAKE),
                ),
            ],
        )
        .await;
    task
}

#[tokio::test]
async fn failing_callbacks_do_not_block_finalize() {
    let p = Protocol::start().await;
    let callback = TestBadCallback::deploy(p.provider.clone(), 1)
        .await
        .expect("TestBadCallback deploys");
    let mut orders = p.orders().with_volume(4);
    orders.request.callback = *callback.address();
    let (deal, _) = p.match_orders(&orders).await.expect("match");
    let calls = || async { callback.calls().call().await.expect("calls") };

    // Task 0: the callback reverts (fast path).
    task_pays_despite_callback(&p, deal, 0, false).await;
    assert_eq!(calls().await, U256::ZERO);

    // Task 1: the callback burns all its gas (contribute, reveal, finalize).
    p.send(callback.setMode(2).from(p.admin()))
        .await
        .expect("setMode");
    task_pays_despite_callback(&p, deal, 1, true).await;
    assert_eq!(calls().await, U256::ZERO);

    // Task 2: a callback needing ~200,000 gas runs out with the default 100,000.
    assert_eq!(
        p.hub.callbackgas().call().await.expect("callbackgas"),
        u(100_000)
    );
    p.send(callback.setMode(3).from(p.admin()))
        .await
        .expect("setMode");
    let t2 = task_pays_despite_callback(&p, deal, 2, false).await;
    assert_eq!(calls().await, U256::ZERO);
    assert_eq!(
        callback
            .ballast(t2, U256::ZERO)
            .call()
            .await
            .expect("ballast"),
        U256::ZERO,
        "the out-of-gas callback's writes were rolled back"
    );

    // Only the admin sets the callback gas; raised, the same callback completes.
    let refused = p
        .send(p.hub.setCallbackGas(u(300_000)).from(p.requester()))
        .await
        .expect_err("not the owner");
    assert!(refused.starts_with("NotContractOwner("), "{refused}");
    p.send(p.hub.setCallbackGas(u(300_000)).from(p.admin()))
        .await
        .expect("setCallbackGas");
    assert_eq!(
        p.hub.callbackgas().call().await.expect("callbackgas"),
        u(300_000)
    );
    let t3 = task_pays_despite_callback(&p, deal, 3, false).await;
    assert_eq!(calls().await, u(1));
    assert_eq!(callback.lastId().call().await.expect("lastId"), t3);
    assert_eq!(
        callback.ballast(t3, u(7)).call().await.expect("ballast"),
        u(1)
    );
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn batch_initialize_and_claim() {
    let p = Protocol::start().await;
    let before = p.snapshot().await;
    let (deal, _) = p
        .match_orders(&p.orders().with_volume(3))
        .await
        .expect("match");

    let refused = p
        .send(
            p.hub
                .initializeArray(vec![deal, deal], vec![u(0)])
                .from(p.pool_owner()),
        )
        .await
        .expect_err("mismatched arrays");
    assert_eq!(refused, "LengthMismatch()");
    p.send(
        p.hub
            .initializeArray(vec![deal, deal], vec![u(0), u(1)])
            .from(p.pool_owner()),
    )
    .await
    .expect("initializeArray");
    let tasks = [task_id(deal, u(0)), task_id(deal, u(1))];
    for task in tasks {
        assert_eq!(p.view_task(task).await.status, TaskStatus::Active as u8);
    }
    // One already initialized task reverts the whole batch.
    assert_eq!(
        p.send(
            p.hub
                .initializeArray(vec![deal, deal], vec![u(2), u(1)])
                .from(p.pool_owner()),
        )
        .await
        .expect_err("task 1 exists"),
        "iExecV5-initialize-0x02"
    );
    let t2 = task_id(deal, u(2));
    assert_eq!(p.view_task(t2).await.status, 0, "rolled back");

    // Before the final deadline nothing is claimable.
    assert_eq!(
        p.send(p.hub.claimArray(tasks.to_vec()).from(p.requester()))
            .await
            .expect_err("too early"),
        "iExecV5-claim-0x02"
    );
    p.increase_time(FINAL_DEADLINE_RATIO * TIMEREF + 1).await;
    p.send(p.hub.claimArray(tasks.to_vec()).from(p.requester()))
        .await
        .expect("claimArray");

    // Task 2 was never initialized: initialize and claim it in one call.
    assert_eq!(
        p.send(
            p.hub
                .initializeAndClaimArray(vec![deal], vec![])
                .from(p.requester()),
        )
        .await
        .expect_err("mismatched arrays"),
        "LengthMismatch()"
    );
    p.send(
        p.hub
            .initializeAndClaimArray(vec![deal], vec![u(2)])
            .from(p.requester()),
    )
    .await
    .expect("initializeAndClaimArray");
    for task in [tasks[0], tasks[1], t2] {
        assert_eq!(p.view_task(task).await.status, TaskStatus::Failed as u8);
    }

    // The requester is made whole; the pool's three stakes are frozen in the kitty.
    before
        .assert_deltas(
            &p,
            &[
                (p.pool_owner(), -i(3 * POOL_STAKE), 0),
                (KITTY_ADDRESS, 0, i(3 * POOL_STAKE)),
            ],
        )
        .await;
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn deposit_for_and_withdraw_to() {
    let p = Protocol::start().await;
    let payer = p.admin();
    let supply = p.hub.totalSupply().call().await.expect("totalSupply");
    let payer_rlc = p.rlc_balance(payer).await;
    let before = p.snapshot().await;

    // depositFor: the payer's RLC becomes the requester's stake.
    p.send(
        p.rlc
            .approve(p.deployment.hub, u(10 * RLC_UNIT))
            .from(payer),
    )
    .await
    .expect("approve");
    p.send(p.hub.depositFor(u(3 * RLC_UNIT), p.requester()).from(payer))
        .await
        .expect("depositFor");

    // depositForArray: two targets in one call; mismatched arrays are refused.
    assert_eq!(
        p.send(
            p.hub
                .depositForArray(vec![u(RLC_UNIT)], vec![p.app_owner(), p.dataset_owner()])
                .from(payer),
        )
        .await
        .expect_err("mismatched arrays"),
        "LengthMismatch()"
    );
    p.send(
        p.hub
            .depositForArray(
                vec![u(RLC_UNIT), u(2 * RLC_UNIT)],
                vec![p.app_owner(), p.dataset_owner()],
            )
            .from(payer),
    )
    .await
    .expect("depositForArray");
    assert_eq!(p.rlc_balance(payer).await, payer_rlc - u(6 * RLC_UNIT));
    assert_eq!(p.account(payer).await, (U256::ZERO, U256::ZERO));

    // withdrawTo: the requester's stake leaves as RLC to the worker's wallet.
    let worker = p.worker(0).address();
    let worker_rlc = p.rlc_balance(worker).await;
    let requester_rlc = p.rlc_balance(p.requester()).await;
    p.send(
        p.hub
            .withdrawTo(u(5 * RLC_UNIT), worker)
            .from(p.requester()),
    )
    .await
    .expect("withdrawTo");
    assert_eq!(p.rlc_balance(worker).await, worker_rlc + u(5 * RLC_UNIT));
    assert_eq!(p.rlc_balance(p.requester()).await, requester_rlc);

    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), i(3 * RLC_UNIT) - i(5 * RLC_UNIT), 0),
                (p.app_owner(), i(RLC_UNIT), 0),
                (p.dataset_owner(), i(2 * RLC_UNIT), 0),
            ],
        )
        .await;
    assert_eq!(
        p.hub.totalSupply().call().await.expect("totalSupply"),
        supply + u(RLC_UNIT),
        "6 RLC in, 5 out"
    );
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn ownership_moves_the_admin_rights() {
    let p = Protocol::start().await;
    let (old, new) = (p.admin(), p.dataset_owner());
    let count = p.hub.countCategory().call().await.expect("countCategory");
    assert_eq!(count, u(5), "the deploy creates XS..XL");

    let refused = p
        .send(p.hub.transferOwnership(new).from(new))
        .await
        .expect_err("not the owner");
    assert!(refused.starts_with("NotContractOwner("), "{refused}");
    p.send(p.hub.transferOwnership(new).from(old))
        .await
        .expect("transferOwnership");
    assert_eq!(p.hub.owner().call().await.expect("owner"), new);

    let create = |from: Address| {
        p.hub
            .createCategory("XXL".to_owned(), "{\"gpu\":1}".to_owned(), u(100_000))
            .from(from)
    };
    let refused = p.send(create(old)).await.expect_err("old owner");
    assert!(refused.starts_with("NotContractOwner("), "{refused}");
    let receipt = p.send(create(new)).await.expect("the new owner creates");
    let created = receipt
        .logs()
        .iter()
        .find_map(|log| log.log_decode::<PocoHub::CreateCategory>().ok())
        .expect("CreateCategory emitted")
        .inner
        .data;
    assert_eq!(created.catid, u(5));
    assert_eq!(
        p.hub.countCategory().call().await.expect("countCategory"),
        u(6)
    );
    let category = p.hub.viewCategory(u(5)).call().await.expect("viewCategory");
    assert_eq!(
        (
            category.name.as_str(),
            category.description.as_str(),
            category.workClockTimeRef
        ),
        ("XXL", "{\"gpu\":1}", u(100_000))
    );
    // The old owner lost the other admin rights too.
    assert!(
        p.send(p.hub.setCallbackGas(u(1)).from(old)).await.is_err(),
        "the old owner cannot set the callback gas"
    );
}

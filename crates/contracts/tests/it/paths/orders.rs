//! Order mechanics: volume and split requests, presign and cancel, restrictions, the TEE bit, and the fixture itself.

use super::*;

#[tokio::test]
async fn volume_and_one_request_split_over_several_deals() {
    let p = Protocol::start().await;
    let worker = p.worker(0);
    // A price whose 30% has a fraction: stakes truncate per task, before the volume.
    let pool_price = 10 * RLC_UNIT + 3;
    let mut orders = p.orders();
    orders.app.volume = u(3);
    orders.request.volume = u(3);
    orders.request.workerpoolmaxprice = u(pool_price);
    orders.pool.workerpoolprice = u(pool_price);
    orders.pool.volume = u(2);
    let request_hash = p.hash(&orders.request);
    let before = p.snapshot().await;

    // First deal: the pool order's volume (2) is the smallest.
    let (first, _) = p.match_orders(&orders).await.expect("match 1");
    assert_eq!(first, deal_id(request_hash, U256::ZERO));
    let d = p.view_deal(first).await;
    assert_eq!((d.botFirst, d.botSize), (u(0), u(2)));
    let price = APP_PRICE + pool_price;
    let stake = pool_stake(pool_price);
    assert_eq!(stake, 3 * RLC_UNIT, "truncated per task");
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(2 * price), i(2 * price)),
                (p.pool_owner(), -i(2 * stake), i(2 * stake)),
            ],
        )
        .await;

    // Second deal: a new pool order; what is left of the request (1) is the smallest.
    let mut second_orders = orders.clone();
    second_orders.pool.volume = u(5);
    second_orders.pool.salt = p.fresh_salt();
    let (second, _) = p.match_orders(&second_orders).await.expect("match 2");
    assert_eq!(second, deal_id(request_hash, u(2)));
    let d = p.view_deal(second).await;
    assert_eq!((d.botFirst, d.botSize), (u(2), u(1)));
    assert_eq!(
        p.hub
            .viewConsumed(request_hash)
            .call()
            .await
            .expect("viewConsumed"),
        u(3)
    );
    let mut third = second_orders.clone();
    third.pool.salt = p.fresh_salt();
    assert_eq!(
        p.match_orders(&third).await.expect_err("request used up"),
        "iExecV5-matchOrders-0x60"
    );

    // Task indices follow the request: 0, 1 in the first deal, 2 in the second.
    assert_eq!(
        p.initialize(second, 0)
            .await
            .expect_err("index of the first deal"),
        "iExecV5-initialize-0x01"
    );
    assert_eq!(
        p.initialize(first, 2)
            .await
            .expect_err("index of the second deal"),
        "iExecV5-initialize-0x01"
    );
    for (deal, idx) in [(first, 0), (first, 1), (second, 2)] {
        let task = p.initialize(deal, idx).await.expect("initialize");
        assert_eq!(task, task_id(deal, u(idx)));
        p.contribute_and_finalize(worker, task, p.fresh_b256(), b"ipfs://r", b"")
            .await
            .expect("contributeAndFinalize");
    }
    assert_eq!(
        p.initialize(first, 0)
            .await
            .expect_err("already initialized"),
        "iExecV5-initialize-0x02"
    );

    let reward = workers_part(pool_price);
    assert_eq!(reward, 9_900_000_002, "rounded down");
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(3 * price), 0),
                (p.app_owner(), i(3 * APP_PRICE), 0),
                (worker.address(), i(3 * reward), 0),
                (p.pool_owner(), i(3 * (pool_price - reward)), 0),
            ],
        )
        .await;
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn presigned_orders_match_and_cancelled_orders_do_not() {
    let p = Protocol::start().await;
    let orders = p.orders();
    let (_, _, pool, request) = p.sign(&orders);

    // Unsigned orders do not match...
    let unsigned_app = SignedAppOrder::unsigned(orders.app.clone());
    let unsigned_request = SignedRequestOrder::unsigned(orders.request.clone());
    assert_eq!(
        p.match_signed(unsigned_app.clone(), None, pool.clone(), request.clone())
            .await
            .expect_err("app order not signed"),
        "iExecV5-matchOrders-0x21"
    );

    // ...until presigned: the app owner sends SIGN itself; the requester's SIGN is relayed by
    // someone else with the requester's signature of the operation.
    let op = orders.app.clone().into_operation_with_sign(
        Bytes::new(),
        OrderOperation::Sign,
        Bytes::new(),
    );
    p.send(p.hub.manageAppOrder(op.into()).from(p.app_owner()))
        .await
        .expect("presign app order");
    let sign = poco_types::orders::operation::sign_operation(
        &orders.request,
        OrderOperation::Sign,
        &p.domain,
        p.signer(p.requester()),
    )
    .expect("operation signed");
    let op =
        orders
            .request
            .clone()
            .into_operation_with_sign(Bytes::new(), OrderOperation::Sign, sign);
    p.send(
        p.hub
            .manageRequestOrder(op.into())
            .from(p.worker(4).address()),
    )
    .await
    .expect("relayed presign");
    for (hash, owner) in [
        (p.hash(&orders.app), p.app_owner()),
        (p.hash(&orders.request), p.requester()),
    ] {
        assert_eq!(
            p.hub
                .viewPresigned(hash)
                .call()
                .await
                .expect("viewPresigned"),
            owner
        );
    }
    let before = p.snapshot().await;
    let (deal, _) = p
        .match_signed(unsigned_app, None, pool, unsigned_request)
        .await
        .expect("presigned orders match");
    let price = APP_PRICE + POOL_PRICE;
    let stake = pool_stake(POOL_PRICE);
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(price), i(price)),
                (p.pool_owner(), -i(stake), i(stake)),
            ],
        )
        .await;
    assert_eq!(p.view_deal(deal).await.requester, p.requester());

    // Cancel: a closed app order (signed, never used) has no volume left.
    let mut fresh = p.orders();
    fresh.app.volume = u(10);
    let op = fresh.app.clone().into_operation_with_sign(
        Bytes::new(),
        OrderOperation::Close,
        Bytes::new(),
    );
    p.send(p.hub.manageAppOrder(op.into()).from(p.app_owner()))
        .await
        .expect("close app order");
    assert_eq!(
        p.hub
            .viewConsumed(p.hash(&fresh.app))
            .call()
            .await
            .expect("viewConsumed"),
        u(10)
    );
    let before = p.snapshot().await;
    assert_eq!(
        p.match_orders(&fresh).await.expect_err("closed"),
        "iExecV5-matchOrders-0x60"
    );
    // Only the owner (or its signature) closes an order.
    let mut other = p.orders();
    other.request.salt = p.fresh_salt();
    let op = other.request.clone().into_operation_with_sign(
        Bytes::new(),
        OrderOperation::Close,
        Bytes::new(),
    );
    assert_eq!(
        p.send(p.hub.manageRequestOrder(op.into()).from(p.app_owner()))
            .await
            .expect_err("not the requester"),
        "iExecV5-manageRequestOrder-0x01"
    );
    before.assert_deltas(&p, &[]).await;
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn restrictions_select_who_may_match() {
    let p = Protocol::start().await;
    let other_pool = p.create_workerpool(p.pool_owner()).await;

    // Every restriction pointing at the right party: the match goes through.
    let mut orders = p.orders();
    orders.app.workerpoolrestrict = p.pool;
    orders.app.requesterrestrict = p.requester();
    orders.pool.apprestrict = p.app;
    orders.pool.requesterrestrict = p.requester();
    orders.request.workerpool = p.pool;
    let before = p.snapshot().await;
    let (deal, _) = p.match_orders(&orders).await.expect("restricted match");
    assert_eq!(p.view_deal(deal).await.workerpool.pointer, p.pool);

    // Pointing elsewhere: refused, with the restriction's own code, and nothing moves.
    type Restrict = fn(&mut Orders, Address);
    let cases: [(Restrict, &str); 5] = [
        (|o, x| o.request.workerpool = x, "0x12"),
        (|o, x| o.app.workerpoolrestrict = x, "0x14"),
        (|o, x| o.app.requesterrestrict = x, "0x15"),
        (|o, x| o.pool.apprestrict = x, "0x19"),
        (|o, x| o.pool.requesterrestrict = x, "0x1b"),
    ];
    let after_match = p.snapshot().await;
    for (restrict, code) in cases {
        let mut o = p.orders();
        restrict(&mut o, other_pool);
        assert_eq!(
            p.match_orders(&o).await.expect_err("restricted"),
            format!("iExecV5-matchOrders-{code}")
        );
    }
    after_match.assert_deltas(&p, &[]).await;
    let price = APP_PRICE + POOL_PRICE;
    let stake = pool_stake(POOL_PRICE);
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(price), i(price)),
                (p.pool_owner(), -i(stake), i(stake)),
            ],
        )
        .await;
}

#[tokio::test]
async fn the_tee_bit() {
    let p = Protocol::start().await;
    let tee = Tag::TEE.0;
    let worker = p.worker(0);

    // A TEE request needs a TEE workerpool (0x06) and a TEE app order (0x07).
    let mut orders = p.orders().with_volume(2);
    orders.request.tag = tee;
    assert_eq!(
        p.match_orders(&orders).await.expect_err("pool lacks TEE"),
        "iExecV5-matchOrders-0x06"
    );
    orders.pool.tag = tee;
    assert_eq!(
        p.match_orders(&orders)
            .await
            .expect_err("app order lacks TEE"),
        "iExecV5-matchOrders-0x07"
    );
    orders.app.tag = tee;
    let before = p.snapshot().await;
    let (deal, _) = p.match_orders(&orders).await.expect("TEE match");
    assert_eq!(p.view_deal(deal).await.tag, tee);

    // Contributions need an enclave challenge, and the enclave's own signature.
    let task = p.initialize(deal, 0).await.expect("initialize");
    let digest = p.fresh_b256();
    assert_eq!(
        p.contribute(worker, task, digest)
            .await
            .expect_err("no enclave"),
        "iExecV5-contribute-0x05"
    );
    let enclave = PrivateKeySigner::random();
    let impostor = PrivateKeySigner::random();
    let hash = result_hash(task, digest);
    let seal = poco_types::result_seal(worker.address(), task, digest);
    let forged = poco_types::contribution::sign_enclave(&impostor, hash, seal).expect("signs");
    let call = p.hub.contribute(
        task,
        hash,
        seal,
        enclave.address(),
        forged,
        p.authorize(worker.address(), task, enclave.address()),
    );
    assert_eq!(
        p.send(call.from(worker.address()))
            .await
            .expect_err("not the enclave's signature"),
        "iExecV5-contribute-0x06"
    );
    // An authorization for another enclave does not cover this one.
    let enclave_sign = poco_types::contribution::sign_enclave(&enclave, hash, seal).expect("signs");
    let call = p.hub.contribute(
        task,
        hash,
        seal,
        enclave.address(),
        enclave_sign,
        p.authorize(worker.address(), task, impostor.address()),
    );
    assert_eq!(
        p.send(call.from(worker.address()))
            .await
            .expect_err("authorization for another enclave"),
        "iExecV5-contribute-0x07"
    );
    p.contribute_tee(worker, task, digest, &enclave)
        .await
        .expect("TEE contribution");
    let c = p.view_contribution(task, worker.address()).await;
    assert_eq!(c.enclaveChallenge, enclave.address());
    p.reveal(worker, task, digest).await.expect("reveal");
    p.finalize(task, b"ipfs://tee", b"")
        .await
        .expect("finalize");

    // The fast path too: with the enclave, and not without.
    let task = p.initialize(deal, 1).await.expect("initialize");
    let digest = p.fresh_b256();
    assert_eq!(
        p.contribute_and_finalize(worker, task, digest, b"ipfs://tee", b"")
            .await
            .expect_err("no enclave"),
        "iExecV5-contributeAndFinalize-0x06"
    );
    let hash = result_hash(task, digest);
    let seal = poco_types::result_seal(worker.address(), task, digest);
    let call = p.hub.contributeAndFinalize(
        task,
        digest,
        Bytes::from_static(b"ipfs://tee"),
        Bytes::new(),
        enclave.address(),
        poco_types::contribution::sign_enclave(&enclave, hash, seal).expect("signs"),
        p.authorize(worker.address(), task, enclave.address()),
    );
    p.send(call.from(worker.address()))
        .await
        .expect("TEE fast path");
    assert_eq!(p.view_task(task).await.status, TaskStatus::Completed as u8);

    let reward = workers_part(POOL_PRICE);
    before
        .assert_deltas(
            &p,
            &[
                (p.requester(), -i(2 * (APP_PRICE + POOL_PRICE)), 0),
                (p.app_owner(), i(2 * APP_PRICE), 0),
                (worker.address(), i(2 * reward), 0),
                (p.pool_owner(), i(2 * (POOL_PRICE - reward)), 0),
            ],
        )
        .await;
    p.assert_escrow_invariant().await;
}

/// The fixture's deposits are what the balance checks above assume.
#[tokio::test]
async fn the_fixture_funds_every_party() {
    let p = Protocol::start().await;
    for who in [p.requester(), p.pool_owner(), p.worker(4).address()] {
        assert_eq!(p.account(who).await, (u(DEPOSIT), U256::ZERO));
    }
    assert_eq!(p.account(p.app_owner()).await, (U256::ZERO, U256::ZERO));
    assert_eq!(p.kitty().await, U256::ZERO);
}

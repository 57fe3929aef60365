//! matchOrders rejections 0x00 to 0x60, and manage*Order by someone else.

use super::*;

#[tokio::test]
async fn the_untouched_orders_match() {
    // The control for every matchOrders test below: each changes one thing in these orders.
    let p = Protocol::start().await;
    p.match_orders(&p.orders())
        .await
        .expect("the default orders match");
    p.match_orders(&with_dataset(&p))
        .await
        .expect("the default orders with a dataset match");
}

#[tokio::test]
async fn match_0x00_category_mismatch() {
    let p = Protocol::start().await;
    let mut o = p.orders();
    o.pool.category = u(1);
    match_rejected(&p, &o, &mo("0x00")).await;
}

#[tokio::test]
async fn match_0x01_unknown_category() {
    let p = Protocol::start().await;
    let count = p.hub.countCategory().call().await.expect("countCategory");
    let mut o = p.orders();
    o.pool.category = count;
    o.request.category = count;
    match_rejected(&p, &o, &mo("0x01")).await;
}

#[tokio::test]
async fn match_0x02_request_trust_above_the_pools() {
    let p = Protocol::start().await;
    let mut o = p.orders();
    o.request.trust = u(2);
    match_rejected(&p, &o, &mo("0x02")).await;
}

#[tokio::test]
async fn match_0x03_app_price_above_max() {
    let p = Protocol::start().await;
    let mut o = p.orders();
    o.app.appprice = u(APP_PRICE + 1);
    match_rejected(&p, &o, &mo("0x03")).await;
}

#[tokio::test]
async fn match_0x04_dataset_price_above_max() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let mut o = with_dataset(&p);
    o.request.datasetmaxprice -= u(1);
    match_rejected(&p, &o, &mo("0x04")).await;

    // Without a dataset the zeroed dataset order's price is still checked.
    let (app, _, pool, request) = p.sign(&p.orders());
    let mut no_dataset = no_dataset_order();
    no_dataset.datasetprice = u(1);
    let before = p.snapshot().await;
    let call = r
        .hub
        .matchOrders(app.into(), no_dataset, pool.into(), request.into())
        .from(p.requester());
    assert_reverted(p.send(call).await, &mo("0x04"), "matchOrders");
    before.assert_deltas(&p, &[]).await;
}

#[tokio::test]
async fn a_dataset_price_without_a_dataset_is_refused() {
    // The request allows it, so 0x04 passes; nobody could be paid it, so the hub refuses.
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let mut o = p.orders();
    o.request.datasetmaxprice = u(1);
    let (app, _, pool, request) = p.sign(&o);
    let mut no_dataset = no_dataset_order();
    no_dataset.datasetprice = u(1);
    let before = p.snapshot().await;
    let call = r
        .hub
        .matchOrders(app.into(), no_dataset, pool.into(), request.into())
        .from(p.requester());
    assert_reverted(p.send(call).await, "ValueOutOfRange(1)", "matchOrders");
    before.assert_deltas(&p, &[]).await;
}

#[tokio::test]
async fn match_0x05_workerpool_price_above_max() {
    let p = Protocol::start().await;
    let mut o = p.orders();
    o.pool.workerpoolprice = u(POOL_PRICE + 1);
    match_rejected(&p, &o, &mo("0x05")).await;
}

#[tokio::test]
async fn match_0x06_pool_lacks_a_requested_tag_bit() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    // Asked by the request, by the app order, or by the dataset order: the pool has none.
    let mut o = p.orders();
    o.request.tag = Tag::GPU.0;
    match_rejected(&p, &o, &mo("0x06")).await;
    let mut o = p.orders();
    o.app.tag = Tag::GPU.0;
    match_rejected(&p, &o, &mo("0x06")).await;
    let mut o = with_dataset(&p);
    dataset_mut(&mut o).tag = Tag::GPU.0;
    match_rejected(&p, &o, &mo("0x06")).await;
    // The pool offers GPU but not TEE.
    let mut o = p.orders();
    o.pool.tag = Tag::GPU.0;
    o.request.tag = (Tag::GPU | Tag::TEE).0;
    o.app.tag = Tag::TEE.0;
    match_rejected(&p, &o, &mo("0x06")).await;

    // Without a dataset, the zeroed dataset order's tag is still OR-ed in.
    let (app, _, pool, request) = p.sign(&p.orders());
    let mut no_dataset = no_dataset_order();
    no_dataset.tag = Tag::GPU.0;
    let before = p.snapshot().await;
    let call = r
        .hub
        .matchOrders(app.into(), no_dataset, pool.into(), request.into())
        .from(p.requester());
    assert_reverted(p.send(call).await, &mo("0x06"), "matchOrders");
    before.assert_deltas(&p, &[]).await;
}

#[tokio::test]
async fn match_0x07_tee_requested_but_app_order_not_tee() {
    let p = Protocol::start().await;
    let mut o = p.orders();
    o.pool.tag = Tag::TEE.0;
    o.request.tag = Tag::TEE.0;
    match_rejected(&p, &o, &mo("0x07")).await;
}

#[tokio::test]
async fn match_0x10_request_app_differs() {
    let p = Protocol::start().await;
    let other_app = p.create_app(p.app_owner()).await;
    let mut o = p.orders();
    o.request.app = other_app;
    match_rejected(&p, &o, &mo("0x10")).await;
}

#[tokio::test]
async fn match_0x11_request_dataset_differs() {
    let p = Protocol::start().await;
    let other_dataset = p.create_dataset(p.dataset_owner()).await;
    let mut o = with_dataset(&p);
    o.request.dataset = other_dataset;
    match_rejected(&p, &o, &mo("0x11")).await;
    // The request wants a dataset, no dataset order is given.
    let mut o = p.orders();
    o.request.dataset = p.dataset;
    match_rejected(&p, &o, &mo("0x11")).await;
}

#[tokio::test]
async fn match_0x12_request_workerpool_restriction() {
    let p = Protocol::start().await;
    let mut o = p.orders();
    o.request.workerpool = STRANGER;
    match_rejected(&p, &o, &mo("0x12")).await;
}

/// The restriction checks 0x13..0x1b: each restricts one order to a stranger.
#[tokio::test]
async fn match_0x13_to_0x1b_order_restrictions() {
    let p = Protocol::start().await;
    type Restrict = fn(&mut Orders);
    let cases: [(&str, Restrict); 9] = [
        ("0x13", |o| o.app.datasetrestrict = STRANGER),
        ("0x14", |o| o.app.workerpoolrestrict = STRANGER),
        ("0x15", |o| o.app.requesterrestrict = STRANGER),
        ("0x16", |o| dataset_mut(o).apprestrict = STRANGER),
        ("0x17", |o| dataset_mut(o).workerpoolrestrict = STRANGER),
        ("0x18", |o| dataset_mut(o).requesterrestrict = STRANGER),
        ("0x19", |o| o.pool.apprestrict = STRANGER),
        ("0x1a", |o| o.pool.datasetrestrict = STRANGER),
        ("0x1b", |o| o.pool.requesterrestrict = STRANGER),
    ];
    for (code, restrict) in cases {
        let mut o = with_dataset(&p);
        restrict(&mut o);
        match_rejected(&p, &o, &mo(code)).await;
    }

    // A restriction to the actual counterpart is met: the same orders, restricted to each other,
    // match.
    let mut o = with_dataset(&p);
    o.request.workerpool = p.pool;
    o.app.datasetrestrict = p.dataset;
    o.app.workerpoolrestrict = p.pool;
    o.app.requesterrestrict = p.requester();
    dataset_mut(&mut o).apprestrict = p.app;
    dataset_mut(&mut o).workerpoolrestrict = p.pool;
    dataset_mut(&mut o).requesterrestrict = p.requester();
    o.pool.apprestrict = p.app;
    o.pool.datasetrestrict = p.dataset;
    o.pool.requesterrestrict = p.requester();
    p.match_orders(&o)
        .await
        .expect("orders restricted to each other match");
}

#[tokio::test]
async fn match_0x20_app_not_registered() {
    let p = Protocol::start().await;
    let mut o = p.orders();
    o.app.app = STRANGER;
    o.request.app = STRANGER;
    match_rejected(&p, &o, &mo("0x20")).await;
}

#[tokio::test]
async fn match_0x21_app_order_not_signed_by_the_app_owner() {
    let p = Protocol::start().await;
    let o = p.orders();
    let (_, _, pool, request) = p.sign(&o);
    let by_requester =
        SignedAppOrder::sign(o.app.clone(), &p.domain, p.signer(p.requester())).expect("signs");
    signed_match_rejected(
        &p,
        (by_requester, None, pool.clone(), request.clone()),
        &mo("0x21"),
    )
    .await;
    let unsigned = SignedAppOrder::unsigned(o.app.clone());
    signed_match_rejected(&p, (unsigned, None, pool, request), &mo("0x21")).await;
}

#[tokio::test]
async fn match_0x30_dataset_not_registered() {
    let p = Protocol::start().await;
    let mut order = p.dataset_order();
    order.dataset = STRANGER;
    let o = p.orders().with_dataset(order);
    match_rejected(&p, &o, &mo("0x30")).await;
}

#[tokio::test]
async fn match_0x31_dataset_order_not_signed_by_the_dataset_owner() {
    let p = Protocol::start().await;
    let o = with_dataset(&p);
    let (app, dataset, pool, request) = p.sign(&o);
    let by_app_owner = SignedDatasetOrder::sign(
        dataset.expect("a dataset order").order,
        &p.domain,
        p.signer(p.app_owner()),
    )
    .expect("signs");
    signed_match_rejected(&p, (app, Some(by_app_owner), pool, request), &mo("0x31")).await;
}

#[tokio::test]
async fn match_0x40_workerpool_not_registered() {
    let p = Protocol::start().await;
    let mut o = p.orders();
    o.pool.workerpool = STRANGER;
    match_rejected(&p, &o, &mo("0x40")).await;
}

#[tokio::test]
async fn match_0x41_workerpool_order_not_signed_by_the_pool_owner() {
    let p = Protocol::start().await;
    let o = p.orders();
    let (app, _, _, request) = p.sign(&o);
    let by_worker =
        SignedWorkerpoolOrder::sign(o.pool.clone(), &p.domain, p.worker(0)).expect("signs");
    signed_match_rejected(&p, (app, None, by_worker, request), &mo("0x41")).await;
}

#[tokio::test]
async fn match_0x50_request_not_signed_by_the_requester() {
    let p = Protocol::start().await;
    let o = p.orders();
    let (app, _, pool, _) = p.sign(&o);
    let by_pool_owner =
        SignedRequestOrder::sign(o.request.clone(), &p.domain, p.signer(p.pool_owner()))
            .expect("signs");
    signed_match_rejected(&p, (app, None, pool, by_pool_owner), &mo("0x50")).await;
}

#[tokio::test]
async fn match_0x60_the_same_orders_twice() {
    let p = Protocol::start().await;
    let signed = p.sign(&with_dataset(&p));
    let (a, d, w, r) = signed.clone();
    p.match_signed(a, d, w, r)
        .await
        .expect("the first match goes through");
    signed_match_rejected(&p, signed, &mo("0x60")).await;
}

#[tokio::test]
async fn match_0x60_one_consumed_order() {
    // The app order's only unit went to a first deal; the second match has a fresh pool order
    // and request, but the app order has nothing left.
    let p = Protocol::start().await;
    let first = p.orders();
    p.match_orders(&first)
        .await
        .expect("the first match goes through");
    let mut second = p.orders().with_volume(5);
    second.app = first.app.clone();
    match_rejected(&p, &second, &mo("0x60")).await;
}

#[tokio::test]
async fn match_0x60_zero_volume() {
    let p = Protocol::start().await;
    let mut o = p.orders();
    o.request.volume = U256::ZERO;
    match_rejected(&p, &o, &mo("0x60")).await;
}

#[tokio::test]
async fn match_0x60_closed_orders_of_each_kind() {
    let p = Protocol::start().await;
    for kind in ["app", "dataset", "workerpool", "request"] {
        let o = with_dataset(&p);
        let dataset = o.dataset.clone().expect("a dataset order");
        let hub = &p.hub;
        let (call, hash, volume) = match kind {
            "app" => (
                p.send(
                    hub.manageAppOrder(close(o.app.clone()).into())
                        .from(p.app_owner()),
                )
                .await,
                p.hash(&o.app),
                o.app.volume,
            ),
            "dataset" => (
                p.send(
                    hub.manageDatasetOrder(close(dataset.clone()).into())
                        .from(p.dataset_owner()),
                )
                .await,
                p.hash(&dataset),
                dataset.volume,
            ),
            "workerpool" => (
                p.send(
                    hub.manageWorkerpoolOrder(close(o.pool.clone()).into())
                        .from(p.pool_owner()),
                )
                .await,
                p.hash(&o.pool),
                o.pool.volume,
            ),
            _ => (
                p.send(
                    hub.manageRequestOrder(close(o.request.clone()).into())
                        .from(p.requester()),
                )
                .await,
                p.hash(&o.request),
                o.request.volume,
            ),
        };
        call.unwrap_or_else(|e| panic!("the owner closes its {kind} order: {e}"));
        assert_eq!(
            consumed(&p, &[hash]).await,
            [volume],
            "a closed {kind} order is fully consumed"
        );
        match_rejected(&p, &o, &mo("0x60")).await;
    }
}

/// The owner's CLOSE operation on `order` (sent by the owner, so no operation signature).
fn close<O: Order>(order: O) -> O::OperationWithSign {
    order.into_operation_with_sign(Bytes::new(), OrderOperation::Close, Bytes::new())
}

#[tokio::test]
async fn manage_order_0x01_by_someone_else() {
    // Neither the owner sending it nor the owner's signature: refused for each kind.
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let o = with_dataset(&p);
    let dataset = o.dataset.clone().expect("a dataset order");
    let stranger = p.worker(0).address();
    let hub = &r.hub;
    let presign = |kind| format!("iExecV5-manage{kind}Order-0x01");
    let sign = OrderOperation::Sign;
    let cases: [(Tx, String, B256); 4] = [
        (
            p.send(
                hub.manageAppOrder(
                    o.app
                        .clone()
                        .into_operation_with_sign(Bytes::new(), sign, Bytes::new())
                        .into(),
                )
                .from(stranger),
            )
            .await,
            presign("App"),
            p.hash(&o.app),
        ),
        (
            p.send(
                hub.manageDatasetOrder(
                    dataset
                        .clone()
                        .into_operation_with_sign(Bytes::new(), sign, Bytes::new())
                        .into(),
                )
                .from(stranger),
            )
            .await,
            presign("Dataset"),
            p.hash(&dataset),
        ),
        (
            p.send(
                hub.manageWorkerpoolOrder(
                    o.pool
                        .clone()
                        .into_operation_with_sign(Bytes::new(), sign, Bytes::new())
                        .into(),
                )
                .from(stranger),
            )
            .await,
            presign("Workerpool"),
            p.hash(&o.pool),
        ),
        (
            p.send(
                hub.manageRequestOrder(
                    o.request
                        .clone()
                        .into_operation_with_sign(Bytes::new(), sign, Bytes::new())
                        .into(),
                )
                .from(stranger),
            )
            .await,
            presign("Request"),
            p.hash(&o.request),
        ),
    ];
    for (outcome, reason, hash) in cases {
        assert_reverted(outcome, &reason, "manage*Order by a stranger");
        let presigned = hub.viewPresigned(hash).call().await.expect("viewPresigned");
        assert_eq!(presigned, Address::ZERO, "{reason}: nothing presigned");
    }
}

//! Every matchOrders rejection (0x00 to 0x60) and every lifecycle precondition reverts, with its
//! reason.
//!
//! Each test starts from orders (or a task) that would go through, changes the one thing the
//! check is about, and asserts three things: the transaction reverts, the reason is exactly the
//! one contracts/README.md lists (the checks run in a fixed order, so the code also proves which
//! check fired), and nothing moved on chain: no party's `(stake, locked)`, no order's consumed
//! volume, no task's state. The escrow's errors must name the account and the amounts.

use crate::fixture::{APP_PRICE, DEPOSIT, Orders, POOL_PRICE, Protocol, RLC_UNIT, Tx, u};
use poco_contracts::{
    PocoHub,
    alloy::{
        network::EthereumWallet,
        primitives::{Address, B256, Bytes, U256, keccak256},
        providers::{DynProvider, Provider, ProviderBuilder},
        signers::local::PrivateKeySigner,
        sol_types::SolValue,
    },
    convert::no_dataset_order,
    describe_revert,
};
use poco_types::{
    Order, OrderOperation, SignedAppOrder, SignedDatasetOrder, SignedRequestOrder,
    SignedWorkerpoolOrder, Tag, contribution::sign_enclave, deal_id, result_hash, result_seal,
    task_id,
};
use std::future::Future;

/// Category 0's (XS) reference time: contributions close after 7 of them, reveals 2 after the
/// consensus, the task after 10.
const TIMEREF: u64 = 300;
/// Past a task's contribution deadline, before its final deadline.
const PAST_CONTRIBUTION_DEADLINE: u64 = 7 * TIMEREF + 100;
/// Past the reveal deadline of a consensus reached right after the match.
const PAST_REVEAL_DEADLINE: u64 = 2 * TIMEREF + 100;
/// Past a task's final deadline.
const PAST_FINAL_DEADLINE: u64 = 10 * TIMEREF + 100;

/// An address nobody registered and no order names: "someone else" in restrictions.
const STRANGER: Address = Address::repeat_byte(0x77);

/// `iExecV5-matchOrders-0xNN`.
fn mo(code: &str) -> String {
    format!("iExecV5-matchOrders-{code}")
}

/// Asserts that `outcome` is a revert with exactly `reason`.
fn assert_reverted<T: std::fmt::Debug>(outcome: Result<T, String>, reason: &str, what: &str) {
    match outcome {
        Ok(done) => panic!("{what} should revert with {reason:?}, but it went through: {done:?}"),
        Err(actual) => assert_eq!(actual, reason, "{what}: revert reason"),
    }
}

// ------------------------------------------------------- sending what must revert

/// The hub bound to a provider, as the fixture's is.
pub(crate) type Hub = PocoHub::PocoHubInstance<DynProvider>;

/// The four orders of a match, signed (the dataset order optional).
pub(crate) type SignedOrders = (
    SignedAppOrder,
    Option<SignedDatasetOrder>,
    SignedWorkerpoolOrder,
    SignedRequestOrder,
);

/// The fixture's transaction helpers, sent through a second provider that asks the node for the
/// nonce of every transaction. Transactions expected to revert go through it, never through the
/// fixture's provider: that one caches nonces (alloy's `CachedNonceManager`) and counts one for
/// a transaction that reverted at gas estimation and was never sent, so the next transaction of
/// that account would carry a nonce the chain waits for forever.
pub(crate) struct Reverting<'a> {
    p: &'a Protocol,
    /// The hub through the nonce-fetching provider.
    pub(crate) hub: Hub,
}

impl<'a> Reverting<'a> {
    /// The nonce-fetching view of `p`'s hub.
    pub(crate) fn new(p: &'a Protocol) -> Self {
        let mut signers = p.signers.iter().cloned();
        let mut wallet = EthereumWallet::new(signers.next().expect("ten dev accounts"));
        for signer in signers {
            wallet.register_signer(signer);
        }
        let provider = ProviderBuilder::default()
            .with_gas_estimation()
            .with_simple_nonce_management()
            .with_chain_id(p.chain_id)
            .wallet(wallet)
            .connect_http(p.node.http_url().parse().expect("node URL parses"))
            .erased();
        Reverting {
            p,
            hub: PocoHub::new(p.deployment.hub, provider),
        }
    }

    /// `matchOrders` sent by the requester.
    pub(crate) async fn match_signed(
        &self,
        app: SignedAppOrder,
        dataset: Option<SignedDatasetOrder>,
        pool: SignedWorkerpoolOrder,
        request: SignedRequestOrder,
    ) -> Tx {
        let dataset = dataset.map_or_else(no_dataset_order, Into::into);
        let call = self
            .hub
            .matchOrders(app.into(), dataset, pool.into(), request.into())
            .from(self.p.requester());
        self.p.send(call).await
    }

    /// `initialize(deal, idx)` sent by the pool owner.
    async fn initialize(&self, deal: B256, idx: u64) -> Tx {
        let call = self.hub.initialize(deal, u(idx));
        self.p.send(call.from(self.p.pool_owner())).await
    }

    /// An honest contribution of `digest` by `worker`, no enclave.
    async fn contribute(&self, worker: &PrivateKeySigner, task: B256, digest: B256) -> Tx {
        let w = worker.address();
        RawContribution::honest(self.p, w, task, digest)
            .send(self.p, &self.hub, w, task)
            .await
    }

    /// An honest TEE contribution of `digest` by `worker` through `enclave`.
    async fn contribute_tee(
        &self,
        worker: &PrivateKeySigner,
        task: B256,
        digest: B256,
        enclave: &PrivateKeySigner,
    ) -> Tx {
        let w = worker.address();
        let mut c = RawContribution::honest(self.p, w, task, digest);
        c.enclave = enclave.address();
        c.enclave_sign = sign_enclave(enclave, c.hash, c.seal).expect("enclave signs");
        c.authorization = self.p.authorize(w, task, enclave.address());
        c.send(self.p, &self.hub, w, task).await
    }

    /// `worker` reveals `digest`.
    async fn reveal(&self, worker: &PrivateKeySigner, task: B256, digest: B256) -> Tx {
        let call = self.hub.reveal(task, digest);
        self.p.send(call.from(worker.address())).await
    }

    /// The pool owner finalizes.
    async fn finalize(&self, task: B256, results: &[u8], callback: &[u8]) -> Tx {
        let call = self.hub.finalize(
            task,
            Bytes::copy_from_slice(results),
            Bytes::copy_from_slice(callback),
        );
        self.p.send(call.from(self.p.pool_owner())).await
    }

    /// `worker` takes the fast path with the scheduler's authorization, no enclave.
    async fn contribute_and_finalize(
        &self,
        worker: &PrivateKeySigner,
        task: B256,
        digest: B256,
        results: &[u8],
        callback: &[u8],
    ) -> Tx {
        let w = worker.address();
        let call = self.hub.contributeAndFinalize(
            task,
            digest,
            Bytes::copy_from_slice(results),
            Bytes::copy_from_slice(callback),
            Address::ZERO,
            Bytes::new(),
            self.p.authorize(w, task, Address::ZERO),
        );
        self.p.send(call.from(w)).await
    }

    /// The pool owner reopens.
    async fn reopen(&self, task: B256) -> Tx {
        self.p
            .send(self.hub.reopen(task).from(self.p.pool_owner()))
            .await
    }

    /// The requester claims.
    async fn claim(&self, task: B256) -> Tx {
        self.p
            .send(self.hub.claim(task).from(self.p.requester()))
            .await
    }
}

// ------------------------------------------------------------------ matchOrders

/// The consumed volume of each order hash.
async fn consumed(p: &Protocol, hashes: &[B256]) -> Vec<U256> {
    let mut out = Vec::new();
    for hash in hashes {
        out.push(
            p.hub
                .viewConsumed(*hash)
                .call()
                .await
                .expect("viewConsumed"),
        );
    }
    out
}

/// Matches already signed orders and asserts the match reverts with `reason` and changes
/// nothing: stakes, consumed volumes, and no deal at the id the match would have made.
pub(crate) async fn signed_match_rejected(
    p: &Protocol,
    (app, dataset, pool, request): SignedOrders,
    reason: &str,
) {
    let request_hash = request.hash(&p.domain);
    let mut hashes = vec![app.hash(&p.domain), pool.hash(&p.domain), request_hash];
    if let Some(dataset) = &dataset {
        hashes.push(dataset.hash(&p.domain));
    }
    let consumed_before = consumed(p, &hashes).await;
    let before = p.snapshot().await;

    let outcome = Reverting::new(p)
        .match_signed(app, dataset, pool, request)
        .await;
    assert_reverted(outcome, reason, "matchOrders");

    before.assert_deltas(p, &[]).await;
    assert_eq!(
        consumed(p, &hashes).await,
        consumed_before,
        "a rejected match consumes no order"
    );
    let deal = p.view_deal(deal_id(request_hash, consumed_before[2])).await;
    assert_eq!(deal.botSize, U256::ZERO, "a rejected match stores no deal");
    assert_eq!(
        deal.requester,
        Address::ZERO,
        "a rejected match stores no deal"
    );
}

/// Signs `orders` with their default owners and asserts the match is rejected with `reason`.
async fn match_rejected(p: &Protocol, orders: &Orders, reason: &str) {
    signed_match_rejected(p, p.sign(orders), reason).await;
}

/// The dataset order of orders made [`with_dataset`].
fn dataset_mut(o: &mut Orders) -> &mut poco_types::DatasetOrder {
    o.dataset.as_mut().expect("a dataset order")
}

/// The default orders with the default dataset order.
fn with_dataset(p: &Protocol) -> Orders {
    p.orders().with_dataset(p.dataset_order())
}

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

// ----------------------------------------------------------------------- escrow

#[tokio::test]
async fn withdrawing_more_than_the_stake_names_the_shortfall() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let who = p.requester();
    let rlc_before = p.rlc_balance(who).await;
    let before = p.snapshot().await;
    let outcome = p.send(r.hub.withdraw(u(DEPOSIT + 1)).from(who)).await;
    assert_reverted(
        outcome,
        &format!("InsufficientStake({who}, {DEPOSIT}, {})", DEPOSIT + 1),
        "withdraw",
    );
    before.assert_deltas(&p, &[]).await;
    assert_eq!(p.rlc_balance(who).await, rlc_before, "no RLC left the hub");
    p.assert_escrow_invariant().await;
}

#[tokio::test]
async fn matching_beyond_the_requesters_stake_names_the_requester() {
    // 100 tasks at 12 RLC need 1,200 RLC; the requester has 1,000.
    let p = Protocol::start().await;
    let o = p.orders().with_volume(100);
    let needed = (APP_PRICE + POOL_PRICE) * 100;
    match_rejected(
        &p,
        &o,
        &format!("InsufficientStake({}, {DEPOSIT}, {needed})", p.requester()),
    )
    .await;
}

#[tokio::test]
async fn matching_beyond_the_pool_owners_stake_names_the_pool_owner() {
    // The pool owner keeps 2 RLC; its 30% stake on a 10 RLC task is 3 RLC.
    let p = Protocol::start().await;
    let keep = 2 * RLC_UNIT;
    p.send(p.hub.withdraw(u(DEPOSIT - keep)).from(p.pool_owner()))
        .await
        .expect("the pool owner withdraws");
    let stake = POOL_PRICE * 30 / 100;
    match_rejected(
        &p,
        &p.orders(),
        &format!("InsufficientStake({}, {keep}, {stake})", p.pool_owner()),
    )
    .await;
}

#[tokio::test]
async fn contributing_without_the_worker_stake_names_the_worker() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders().with_trust(3)).await;
    let worker = p.worker(0);
    p.send(p.hub.withdraw(u(DEPOSIT)).from(worker.address()))
        .await
        .expect("the worker withdraws everything");
    let stake = POOL_PRICE * 30 / 100;
    rejected_on(
        &p,
        task,
        &format!("InsufficientStake({}, 0, {stake})", worker.address()),
        r.contribute(worker, task, digest(1)),
    )
    .await;
}

// -------------------------------------------------------------------- lifecycle

/// A result digest, distinct per `n`.
fn digest(n: u8) -> B256 {
    keccak256([b'd', n])
}

/// Matches `orders` into a deal.
async fn deal_of(p: &Protocol, orders: &Orders) -> B256 {
    p.match_orders(orders).await.expect("the orders match").0
}

/// Matches `orders` and initializes task 0.
async fn task_of(p: &Protocol, orders: &Orders) -> B256 {
    let deal = deal_of(p, orders).await;
    p.initialize(deal, 0).await.expect("task 0 initializes")
}

/// TEE orders: the app order, the pool and the request all carry the TEE bit.
fn tee_orders(p: &Protocol) -> Orders {
    let mut o = p.orders();
    o.app.tag = Tag::TEE.0;
    o.pool.tag = Tag::TEE.0;
    o.request.tag = Tag::TEE.0;
    o
}

/// Sends `tx` and asserts it reverts with exactly `reason` while no party's `(stake, locked)`
/// and nothing of `task` changes.
async fn rejected_on<T: std::fmt::Debug>(
    p: &Protocol,
    task: B256,
    reason: &str,
    tx: impl Future<Output = Result<T, String>>,
) {
    let before = p.snapshot().await;
    let task_before = p.view_task(task).await.abi_encode();
    assert_reverted(tx.await, reason, reason);
    before.assert_deltas(p, &[]).await;
    assert_eq!(
        p.view_task(task).await.abi_encode(),
        task_before,
        "{reason}: the task is unchanged"
    );
}

/// A `contribute` call with every argument under the test's control.
struct RawContribution {
    hash: B256,
    seal: B256,
    enclave: Address,
    enclave_sign: Bytes,
    authorization: Bytes,
}

impl RawContribution {
    /// What an honest worker sends for `digest` (no enclave).
    fn honest(p: &Protocol, worker: Address, task: B256, digest: B256) -> Self {
        RawContribution {
            hash: result_hash(task, digest),
            seal: result_seal(worker, task, digest),
            enclave: Address::ZERO,
            enclave_sign: Bytes::new(),
            authorization: p.authorize(worker, task, Address::ZERO),
        }
    }

    /// Sends it from `worker` through `hub`.
    async fn send(self, p: &Protocol, hub: &Hub, worker: Address, task: B256) -> Tx {
        let call = hub.contribute(
            task,
            self.hash,
            self.seal,
            self.enclave,
            self.enclave_sign,
            self.authorization,
        );
        p.send(call.from(worker)).await
    }
}

/// A `contributeAndFinalize` call with every argument under the test's control.
struct RawFastPath {
    digest: B256,
    callback: Bytes,
    enclave: Address,
    enclave_sign: Bytes,
    authorization: Bytes,
}

impl RawFastPath {
    /// What an honest worker sends for `digest` (no enclave, no callback data).
    fn honest(p: &Protocol, worker: Address, task: B256, digest: B256) -> Self {
        RawFastPath {
            digest,
            callback: Bytes::new(),
            enclave: Address::ZERO,
            enclave_sign: Bytes::new(),
            authorization: p.authorize(worker, task, Address::ZERO),
        }
    }

    /// Sends it from `worker` through `hub`.
    async fn send(self, p: &Protocol, hub: &Hub, worker: Address, task: B256) -> Tx {
        let call = hub.contributeAndFinalize(
            task,
            self.digest,
            Bytes::from_static(b"ipfs://results"),
            self.callback,
            self.enclave,
            self.enclave_sign,
            self.authorization,
        );
        p.send(call.from(worker)).await
    }
}

// ---- initialize

#[tokio::test]
async fn initialize_0x01_index_outside_the_deal() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let deal = deal_of(&p, &p.orders().with_volume(2)).await;
    let reason = "iExecV5-initialize-0x01";
    rejected_on(&p, task_id(deal, u(2)), reason, r.initialize(deal, 2)).await;
    let unknown = keccak256("no such deal");
    rejected_on(&p, task_id(unknown, u(0)), reason, r.initialize(unknown, 0)).await;
    // The control: indexes 0 and 1 exist.
    p.initialize(deal, 1).await.expect("index 1 is in the deal");
}

#[tokio::test]
async fn initialize_0x02_already_initialized() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let deal = deal_of(&p, &p.orders()).await;
    let task = p.initialize(deal, 0).await.expect("first initialize");
    rejected_on(&p, task, "iExecV5-initialize-0x02", r.initialize(deal, 0)).await;
}

// ---- contribute

#[tokio::test]
async fn contribute_0x01_task_not_active() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let reason = "iExecV5-contribute-0x01";
    // Never initialized.
    let deal = deal_of(&p, &p.orders()).await;
    let unset = task_id(deal, u(0));
    rejected_on(
        &p,
        unset,
        reason,
        r.contribute(p.worker(0), unset, digest(1)),
    )
    .await;
    // Already in the reveal phase (trust 1: the first contribution is the consensus).
    let task = p.initialize(deal, 0).await.expect("initialized");
    p.contribute(p.worker(0), task, digest(1))
        .await
        .expect("contributes");
    rejected_on(&p, task, reason, r.contribute(p.worker(1), task, digest(1))).await;
}

#[tokio::test]
async fn contribute_0x02_contribution_deadline_passed() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    p.increase_time(PAST_CONTRIBUTION_DEADLINE).await;
    rejected_on(
        &p,
        task,
        "iExecV5-contribute-0x02",
        r.contribute(p.worker(0), task, digest(1)),
    )
    .await;
}

#[tokio::test]
async fn contribute_0x03_worker_already_contributed() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders().with_trust(3)).await;
    p.contribute(p.worker(0), task, digest(1))
        .await
        .expect("first contribution");
    rejected_on(
        &p,
        task,
        "iExecV5-contribute-0x03",
        r.contribute(p.worker(0), task, digest(2)),
    )
    .await;
}

#[tokio::test]
async fn contribute_0x04_zero_result_hash_or_seal() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    let w = p.worker(0).address();
    let reason = "iExecV5-contribute-0x04";
    let mut zero_hash = RawContribution::honest(&p, w, task, digest(1));
    zero_hash.hash = B256::ZERO;
    rejected_on(&p, task, reason, zero_hash.send(&p, &r.hub, w, task)).await;
    let mut zero_seal = RawContribution::honest(&p, w, task, digest(1));
    zero_seal.seal = B256::ZERO;
    rejected_on(&p, task, reason, zero_seal.send(&p, &r.hub, w, task)).await;
}

#[tokio::test]
async fn contribute_0x05_tee_deal_without_enclave() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &tee_orders(&p)).await;
    rejected_on(
        &p,
        task,
        "iExecV5-contribute-0x05",
        r.contribute(p.worker(0), task, digest(1)),
    )
    .await;
}

#[tokio::test]
async fn contribute_0x06_bad_enclave_signature() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &tee_orders(&p)).await;
    let w = p.worker(0).address();
    let enclave = PrivateKeySigner::random();
    let impostor = PrivateKeySigner::random();
    let mut c = RawContribution::honest(&p, w, task, digest(1));
    c.enclave = enclave.address();
    c.enclave_sign = sign_enclave(&impostor, c.hash, c.seal).expect("signs");
    c.authorization = p.authorize(w, task, enclave.address());
    rejected_on(
        &p,
        task,
        "iExecV5-contribute-0x06",
        c.send(&p, &r.hub, w, task),
    )
    .await;
    // The control: the enclave's own signature goes through.
    p.contribute_tee(p.worker(0), task, digest(1), &enclave)
        .await
        .expect("a TEE contribution signed by its enclave");
}

#[tokio::test]
async fn contribute_0x07_bad_authorization() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders().with_trust(3)).await;
    let w = p.worker(0);
    let reason = "iExecV5-contribute-0x07";
    // Signed by the worker itself instead of the scheduler.
    let mut c = RawContribution::honest(&p, w.address(), task, digest(1));
    c.authorization =
        poco_types::WorkerpoolAuthorization::sign(w, w.address(), task, Address::ZERO)
            .expect("signs")
            .signature;
    rejected_on(&p, task, reason, c.send(&p, &r.hub, w.address(), task)).await;
    // The scheduler's authorization, but for another worker.
    let mut c = RawContribution::honest(&p, w.address(), task, digest(1));
    c.authorization = p.authorize(p.worker(1).address(), task, Address::ZERO);
    rejected_on(&p, task, reason, c.send(&p, &r.hub, w.address(), task)).await;
    // With a TEE broker set, an enclave contribution needs the broker's authorization.
    let tee_task = task_of(&p, &tee_orders(&p)).await;
    let broker = PrivateKeySigner::random();
    p.send(p.hub.setTeeBroker(broker.address()).from(p.admin()))
        .await
        .expect("the admin sets a TEE broker");
    rejected_on(
        &p,
        tee_task,
        reason,
        r.contribute_tee(w, tee_task, digest(1), &PrivateKeySigner::random()),
    )
    .await;
}

// ---- reveal

#[tokio::test]
async fn reveal_0x01_task_not_revealing() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders().with_trust(3)).await;
    p.contribute(p.worker(0), task, digest(1))
        .await
        .expect("contributes without reaching consensus");
    rejected_on(
        &p,
        task,
        "iExecV5-reveal-0x01",
        r.reveal(p.worker(0), task, digest(1)),
    )
    .await;
}

#[tokio::test]
async fn reveal_0x02_reveal_deadline_passed() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    p.contribute(p.worker(0), task, digest(1))
        .await
        .expect("contributes");
    p.increase_time(PAST_REVEAL_DEADLINE).await;
    rejected_on(
        &p,
        task,
        "iExecV5-reveal-0x02",
        r.reveal(p.worker(0), task, digest(1)),
    )
    .await;
}

#[tokio::test]
async fn reveal_0x03_no_contribution() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    p.contribute(p.worker(0), task, digest(1))
        .await
        .expect("contributes");
    rejected_on(
        &p,
        task,
        "iExecV5-reveal-0x03",
        r.reveal(p.worker(1), task, digest(1)),
    )
    .await;
}

#[tokio::test]
async fn reveal_0x04_contribution_is_not_the_consensus() {
    // Trust 3, fresh workers (weight 2 each): the dissenter first, then three agreeing
    // contributions reach the consensus (group 8 of total 11).
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders().with_trust(3)).await;
    p.contribute(p.worker(0), task, digest(9))
        .await
        .expect("the dissenter contributes");
    for i in 1..=3 {
        p.contribute(p.worker(i), task, digest(1))
            .await
            .unwrap_or_else(|e| panic!("worker {i} contributes: {e}"));
    }
    assert_eq!(
        p.view_task(task).await.consensusValue,
        result_hash(task, digest(1)),
        "the three agreeing workers made the consensus"
    );
    rejected_on(
        &p,
        task,
        "iExecV5-reveal-0x04",
        r.reveal(p.worker(0), task, digest(9)),
    )
    .await;
}

#[tokio::test]
async fn reveal_0x05_digest_does_not_match_the_hash() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    p.contribute(p.worker(0), task, digest(1))
        .await
        .expect("contributes");
    rejected_on(
        &p,
        task,
        "iExecV5-reveal-0x05",
        r.reveal(p.worker(0), task, digest(2)),
    )
    .await;
}

#[tokio::test]
async fn reveal_0x06_seal_does_not_match() {
    // The hash is right, the seal was made for another worker.
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    let w = p.worker(0).address();
    let mut c = RawContribution::honest(&p, w, task, digest(1));
    c.seal = result_seal(p.worker(1).address(), task, digest(1));
    c.send(&p, &p.hub, w, task).await.expect("contributes");
    rejected_on(
        &p,
        task,
        "iExecV5-reveal-0x06",
        r.reveal(p.worker(0), task, digest(1)),
    )
    .await;
}

// ---- reopen

/// A trust-1 task in the reveal phase: worker 0 contributed `digest(1)`.
async fn revealing_task(p: &Protocol) -> B256 {
    let task = task_of(p, &p.orders()).await;
    p.contribute(p.worker(0), task, digest(1))
        .await
        .expect("contributes");
    task
}

#[tokio::test]
async fn reopen_0x00_not_the_scheduler() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = revealing_task(&p).await;
    p.increase_time(PAST_REVEAL_DEADLINE).await;
    for who in [p.requester(), p.worker(0).address(), p.app_owner()] {
        rejected_on(
            &p,
            task,
            "iExecV5-reopen-0x00",
            p.send(r.hub.reopen(task).from(who)),
        )
        .await;
    }
    p.reopen(task).await.expect("the scheduler reopens");
}

#[tokio::test]
async fn reopen_0x01_task_not_revealing() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    rejected_on(&p, task, "iExecV5-reopen-0x01", r.reopen(task)).await;
}

#[tokio::test]
async fn reopen_0x02_final_deadline_passed() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = revealing_task(&p).await;
    p.increase_time(PAST_FINAL_DEADLINE).await;
    rejected_on(&p, task, "iExecV5-reopen-0x02", r.reopen(task)).await;
}

#[tokio::test]
async fn reopen_0x03_reveal_deadline_not_passed_or_someone_revealed() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let reason = "iExecV5-reopen-0x03";
    let task = revealing_task(&p).await;
    rejected_on(&p, task, reason, r.reopen(task)).await;
    p.reveal(p.worker(0), task, digest(1))
        .await
        .expect("reveals");
    p.increase_time(PAST_REVEAL_DEADLINE).await;
    rejected_on(&p, task, reason, r.reopen(task)).await;
}

// ---- finalize

#[tokio::test]
async fn finalize_0x00_not_the_scheduler() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = revealing_task(&p).await;
    p.reveal(p.worker(0), task, digest(1))
        .await
        .expect("reveals");
    for who in [p.requester(), p.worker(0).address()] {
        let call = r
            .hub
            .finalize(task, Bytes::from_static(b"ipfs://x"), Bytes::new());
        rejected_on(&p, task, "iExecV5-finalize-0x00", p.send(call.from(who))).await;
    }
    p.finalize(task, b"ipfs://x", b"")
        .await
        .expect("the scheduler finalizes");
}

#[tokio::test]
async fn finalize_0x01_task_not_revealing() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    rejected_on(
        &p,
        task,
        "iExecV5-finalize-0x01",
        r.finalize(task, b"ipfs://x", b""),
    )
    .await;
}

#[tokio::test]
async fn finalize_0x02_final_deadline_passed() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = revealing_task(&p).await;
    p.reveal(p.worker(0), task, digest(1))
        .await
        .expect("reveals");
    p.increase_time(PAST_FINAL_DEADLINE).await;
    rejected_on(
        &p,
        task,
        "iExecV5-finalize-0x02",
        r.finalize(task, b"ipfs://x", b""),
    )
    .await;
}

#[tokio::test]
async fn finalize_0x03_reveals_incomplete() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let reason = "iExecV5-finalize-0x03";
    // Nobody revealed.
    let task = revealing_task(&p).await;
    rejected_on(&p, task, reason, r.finalize(task, b"ipfs://x", b"")).await;

    // Trust 3: two agreeing workers reach the consensus, one of them revealed, the reveal
    // deadline has not passed.
    let task = task_of(&p, &p.orders().with_trust(3)).await;
    for i in 0..2 {
        p.contribute(p.worker(i), task, digest(1))
            .await
            .unwrap_or_else(|e| panic!("worker {i} contributes: {e}"));
    }
    assert_eq!(p.view_task(task).await.winnerCounter, u(2), "two winners");
    p.reveal(p.worker(0), task, digest(1))
        .await
        .expect("reveals");
    rejected_on(&p, task, reason, r.finalize(task, b"ipfs://x", b"")).await;
}

#[tokio::test]
async fn finalize_0x04_bad_results_callback() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let reason = "iExecV5-finalize-0x04";
    // No callback: the callback data must be empty.
    let task = revealing_task(&p).await;
    p.reveal(p.worker(0), task, digest(1))
        .await
        .expect("reveals");
    rejected_on(&p, task, reason, r.finalize(task, b"ipfs://x", b"data")).await;

    // A callback: keccak256 of the data must be the revealed digest.
    let mut o = p.orders();
    o.request.callback = Address::repeat_byte(0xcb);
    let task = task_of(&p, &o).await;
    let data = b"the callback data";
    let callback_digest = keccak256(data);
    p.contribute(p.worker(0), task, callback_digest)
        .await
        .expect("contributes");
    p.reveal(p.worker(0), task, callback_digest)
        .await
        .expect("reveals");
    rejected_on(
        &p,
        task,
        reason,
        r.finalize(task, b"ipfs://x", b"other data"),
    )
    .await;
    rejected_on(&p, task, reason, r.finalize(task, b"ipfs://x", b"")).await;
    p.finalize(task, b"ipfs://x", data)
        .await
        .expect("the right callback data finalizes");
}

// ---- contributeAndFinalize

#[tokio::test]
async fn contribute_and_finalize_0x01_task_not_active() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let reason = "iExecV5-contributeAndFinalize-0x01";
    let deal = deal_of(&p, &p.orders()).await;
    let unset = task_id(deal, u(0));
    rejected_on(
        &p,
        unset,
        reason,
        r.contribute_and_finalize(p.worker(0), unset, digest(1), b"ipfs://x", b""),
    )
    .await;
    let task = p.initialize(deal, 0).await.expect("initialized");
    p.contribute_and_finalize(p.worker(0), task, digest(1), b"ipfs://x", b"")
        .await
        .expect("the fast path completes the task");
    rejected_on(
        &p,
        task,
        reason,
        r.contribute_and_finalize(p.worker(1), task, digest(1), b"ipfs://x", b""),
    )
    .await;
}

#[tokio::test]
async fn contribute_and_finalize_0x02_contribution_deadline_passed() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    p.increase_time(PAST_CONTRIBUTION_DEADLINE).await;
    rejected_on(
        &p,
        task,
        "iExecV5-contributeAndFinalize-0x02",
        r.contribute_and_finalize(p.worker(0), task, digest(1), b"ipfs://x", b""),
    )
    .await;
}

#[tokio::test]
async fn contribute_and_finalize_0x03_someone_already_contributed() {
    // Trust 1: a contribution reached the consensus, nobody revealed, the scheduler reopened:
    // the task is ACTIVE again but has a contributor.
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = revealing_task(&p).await;
    p.increase_time(PAST_REVEAL_DEADLINE).await;
    p.reopen(task).await.expect("the scheduler reopens");
    rejected_on(
        &p,
        task,
        "iExecV5-contributeAndFinalize-0x03",
        r.contribute_and_finalize(p.worker(1), task, digest(1), b"ipfs://x", b""),
    )
    .await;
}

#[tokio::test]
async fn contribute_and_finalize_0x04_trust_above_1() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders().with_trust(3)).await;
    rejected_on(
        &p,
        task,
        "iExecV5-contributeAndFinalize-0x04",
        r.contribute_and_finalize(p.worker(0), task, digest(1), b"ipfs://x", b""),
    )
    .await;
}

#[tokio::test]
async fn contribute_and_finalize_0x05_bad_results_callback() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let reason = "iExecV5-contributeAndFinalize-0x05";
    let task = task_of(&p, &p.orders()).await;
    rejected_on(
        &p,
        task,
        reason,
        r.contribute_and_finalize(p.worker(0), task, digest(1), b"ipfs://x", b"data"),
    )
    .await;
    let mut o = p.orders();
    o.request.callback = Address::repeat_byte(0xcb);
    let task = task_of(&p, &o).await;
    rejected_on(
        &p,
        task,
        reason,
        r.contribute_and_finalize(p.worker(0), task, digest(1), b"ipfs://x", b"data"),
    )
    .await;
}

#[tokio::test]
async fn contribute_and_finalize_0x06_tee_deal_without_enclave() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &tee_orders(&p)).await;
    rejected_on(
        &p,
        task,
        "iExecV5-contributeAndFinalize-0x06",
        r.contribute_and_finalize(p.worker(0), task, digest(1), b"ipfs://x", b""),
    )
    .await;
}

#[tokio::test]
async fn contribute_and_finalize_0x07_bad_enclave_signature() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &tee_orders(&p)).await;
    let w = p.worker(0).address();
    let enclave = PrivateKeySigner::random();
    let mut c = RawFastPath::honest(&p, w, task, digest(1));
    c.enclave = enclave.address();
    c.authorization = p.authorize(w, task, enclave.address());
    // Signed by another key over the right message.
    let (hash, seal) = (
        result_hash(task, digest(1)),
        result_seal(w, task, digest(1)),
    );
    c.enclave_sign = sign_enclave(&PrivateKeySigner::random(), hash, seal).expect("signs");
    rejected_on(
        &p,
        task,
        "iExecV5-contributeAndFinalize-0x07",
        c.send(&p, &r.hub, w, task),
    )
    .await;
    // Signed by the enclave over another digest.
    let mut c = RawFastPath::honest(&p, w, task, digest(1));
    c.enclave = enclave.address();
    c.authorization = p.authorize(w, task, enclave.address());
    let (hash, seal) = (
        result_hash(task, digest(2)),
        result_seal(w, task, digest(2)),
    );
    c.enclave_sign = sign_enclave(&enclave, hash, seal).expect("signs");
    rejected_on(
        &p,
        task,
        "iExecV5-contributeAndFinalize-0x07",
        c.send(&p, &r.hub, w, task),
    )
    .await;
}

#[tokio::test]
async fn contribute_and_finalize_0x08_bad_authorization() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    let w = p.worker(0);
    let mut c = RawFastPath::honest(&p, w.address(), task, digest(1));
    c.authorization =
        poco_types::WorkerpoolAuthorization::sign(w, w.address(), task, Address::ZERO)
            .expect("signs")
            .signature;
    rejected_on(
        &p,
        task,
        "iExecV5-contributeAndFinalize-0x08",
        c.send(&p, &r.hub, w.address(), task),
    )
    .await;
}

// ---- claim

#[tokio::test]
async fn claim_0x01_task_not_active_or_revealing() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let reason = "iExecV5-claim-0x01";
    let deal = deal_of(&p, &p.orders().with_volume(2)).await;
    let completed = p.initialize(deal, 0).await.expect("initialized");
    p.contribute_and_finalize(p.worker(0), completed, digest(1), b"ipfs://x", b"")
        .await
        .expect("completed");
    p.increase_time(PAST_FINAL_DEADLINE).await;
    // Never initialized (use initializeAndClaimArray for those).
    let unset = task_id(deal, u(1));
    rejected_on(&p, unset, reason, r.claim(unset)).await;
    // Completed.
    rejected_on(&p, completed, reason, r.claim(completed)).await;
}

#[tokio::test]
async fn claim_0x02_final_deadline_not_reached() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let reason = "iExecV5-claim-0x02";
    let active = task_of(&p, &p.orders()).await;
    rejected_on(&p, active, reason, r.claim(active)).await;
    let revealing = revealing_task(&p).await;
    rejected_on(&p, revealing, reason, r.claim(revealing)).await;
    // The control: after the deadline both are claimable.
    p.increase_time(PAST_FINAL_DEADLINE).await;
    p.claim(active).await.expect("an expired active task");
    p.claim(revealing).await.expect("an expired revealing task");
}

// ---- resultFor

/// `resultFor(task)`, or its decoded revert reason.
async fn result_for(p: &Protocol, task: B256) -> Result<Bytes, String> {
    p.hub.resultFor(task).call().await.map_err(|e| {
        e.as_revert_data()
            .map_or_else(|| e.to_string(), |data| describe_revert(&data))
    })
}

#[tokio::test]
async fn result_for_0x01_task_not_completed() {
    let p = Protocol::start().await;
    let mut o = p.orders();
    o.request.callback = Address::repeat_byte(0xcb);
    let deal = deal_of(&p, &o.with_volume(2)).await;
    let reason = "iExecV5-resultFor-0x01";
    assert_reverted(
        result_for(&p, task_id(deal, u(0))).await,
        reason,
        "resultFor of a task never initialized",
    );
    let task = p.initialize(deal, 0).await.expect("initialized");
    assert_reverted(
        result_for(&p, task).await,
        reason,
        "resultFor of an active task",
    );
    let data = b"callback data";
    p.contribute(p.worker(0), task, keccak256(data))
        .await
        .expect("contributes");
    assert_reverted(
        result_for(&p, task).await,
        reason,
        "resultFor of a revealing task",
    );
    p.reveal(p.worker(0), task, keccak256(data))
        .await
        .expect("reveals");
    p.finalize(task, b"ipfs://x", data)
        .await
        .expect("finalizes");
    assert_eq!(
        result_for(&p, task)
            .await
            .expect("a completed task has a result"),
        Bytes::from_static(data)
    );
}

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

mod escrow;
mod lifecycle;
mod match_orders;

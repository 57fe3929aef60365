//! EIP-712: order hashes computed in Rust equal the contract's, and orders signed through the
//! chain's eth_signTypedData_v4 verify on-chain.
//!
//! The Rust side is poco-types (`sol!` structs hashed by alloy); the contract side is the hub's
//! `LibOrders`; a third implementation, the node's `eth_signTypedData_v4` (alloy's dynamic
//! typed-data encoder fed JSON built from the spec's type strings), signs orders the way a
//! wallet would. All three must agree, and the hub must apply the spec's signature rules: 65- or
//! 64-byte (EIP-2098) signatures, low s only, by the **current** owner.

use crate::{
    fixture::{Orders, Protocol, u},
    rejections::Reverting,
};
use poco_contracts::{
    PocoHub,
    alloy::{
        primitives::{Address, B256, Bytes, U256, address, keccak256},
        providers::Provider,
        rpc::types::{TransactionReceipt, TransactionRequest},
        sol_types::{SolEvent, SolStruct},
    },
};
use poco_types::{
    AppOrder, DatasetOrder, Order, OrderOperation, RequestOrder, Signed, SignedAppOrder, Tag,
    WorkerpoolOrder, deal_id,
    orders::{
        AppOrderOperation, DatasetOrderOperation, RequestOrderOperation, WorkerpoolOrderOperation,
        operation::sign_operation,
    },
    signature,
};
use serde_json::{Value, json};

// The type strings of /work/shared/spec/protocol.md §4, copied verbatim.
const DOMAIN_TYPE: &str =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
const APP_ORDER_TYPE: &str = "AppOrder(address app,uint256 appprice,uint256 volume,bytes32 tag,address datasetrestrict,address workerpoolrestrict,address requesterrestrict,bytes32 salt)";
const DATASET_ORDER_TYPE: &str = "DatasetOrder(address dataset,uint256 datasetprice,uint256 volume,bytes32 tag,address apprestrict,address workerpoolrestrict,address requesterrestrict,bytes32 salt)";
const WORKERPOOL_ORDER_TYPE: &str = "WorkerpoolOrder(address workerpool,uint256 workerpoolprice,uint256 volume,bytes32 tag,uint256 category,uint256 trust,address apprestrict,address datasetrestrict,address requesterrestrict,bytes32 salt)";
const REQUEST_ORDER_TYPE: &str = "RequestOrder(address app,uint256 appmaxprice,address dataset,uint256 datasetmaxprice,address workerpool,uint256 workerpoolmaxprice,address requester,uint256 volume,bytes32 tag,uint256 category,uint256 trust,address beneficiary,address callback,string params,bytes32 salt)";

/// The secp256k1 group order n.
const SECP256K1_N: U256 = U256::from_be_bytes([
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
]);

// ------------------------------------------------------------------------ helpers

/// Orders that exercise every field: tags, restrictions naming each other, a dataset, category
/// 2, trust 5, volume 3, a callback, a beneficiary other than the requester and non-ASCII params.
fn rich_orders(p: &Protocol) -> Orders {
    let mut o = p.orders().with_dataset(p.dataset_order()).with_volume(3);
    o.app.tag = (Tag::TEE | Tag::SCONE).0;
    o.app.datasetrestrict = p.dataset;
    o.app.workerpoolrestrict = p.pool;
    o.app.requesterrestrict = p.requester();
    let dataset = o.dataset.as_mut().expect("a dataset order");
    dataset.tag = Tag::SCONE.0;
    dataset.apprestrict = p.app;
    dataset.workerpoolrestrict = p.pool;
    dataset.requesterrestrict = p.requester();
    o.pool.tag = (Tag::TEE | Tag::SCONE | Tag::GPU).0;
    o.pool.category = u(2);
    o.pool.trust = u(5);
    o.pool.apprestrict = p.app;
    o.pool.datasetrestrict = p.dataset;
    o.pool.requesterrestrict = p.requester();
    o.request.tag = Tag::GPU.0;
    o.request.category = u(2);
    o.request.trust = u(5);
    o.request.workerpool = p.pool;
    o.request.beneficiary = p.worker(4).address();
    o.request.callback = Address::repeat_byte(0xcb);
    o.request.params =
        r#"{"iexec_args":"hello wörld ✓","iexec_result_storage_provider":"ipfs"}"#.to_owned();
    o
}

/// The first `E` event of `receipt`.
fn event<E: SolEvent>(receipt: &TransactionReceipt) -> E {
    receipt
        .logs()
        .iter()
        .find_map(|log| log.log_decode::<E>().ok())
        .map(|log| log.inner.data)
        .unwrap_or_else(|| panic!("{} emitted", E::SIGNATURE))
}

/// The Rust hashes of the four orders: app, dataset, workerpool, request.
fn rust_hashes(p: &Protocol, o: &Orders) -> [B256; 4] {
    [
        p.hash(&o.app),
        p.hash(o.dataset.as_ref().expect("a dataset order")),
        p.hash(&o.pool),
        p.hash(&o.request),
    ]
}

/// Asserts the match's `OrdersMatched` names exactly the Rust hashes, and the deal id derives
/// from the Rust request hash.
fn assert_matched_hashes(p: &Protocol, receipt: &TransactionReceipt, o: &Orders, volume: u64) {
    let matched = event::<PocoHub::OrdersMatched>(receipt);
    let [app, dataset, pool, request] = rust_hashes(p, o);
    assert_eq!(matched.appHash, app, "OrdersMatched.appHash");
    assert_eq!(matched.datasetHash, dataset, "OrdersMatched.datasetHash");
    assert_eq!(matched.workerpoolHash, pool, "OrdersMatched.workerpoolHash");
    assert_eq!(matched.requestHash, request, "OrdersMatched.requestHash");
    assert_eq!(matched.volume, u(volume), "OrdersMatched.volume");
    assert_eq!(matched.dealid, deal_id(request, U256::ZERO), "deal id");
}

/// `[{name, type}]` of an EIP-712 type string `Name(type name,...)`, and `Name`.
fn parse_type(type_string: &str) -> (&str, Value) {
    let (name, rest) = type_string.split_once('(').expect("Name(");
    let members = rest.strip_suffix(')').expect("...)");
    let fields = members
        .split(',')
        .map(|member| {
            let (ty, field) = member.split_once(' ').expect("type name");
            json!({ "name": field, "type": ty })
        })
        .collect();
    (name, Value::Array(fields))
}

/// The `eth_signTypedData_v4` payload for `order` under the hub's domain, built from the spec's
/// type strings; the message is the order's SDK JSON (decimal strings, checksummed addresses).
fn typed_data<O: Order + serde::Serialize>(p: &Protocol, type_string: &str, order: &O) -> String {
    let (domain_name, domain_fields) = parse_type(DOMAIN_TYPE);
    let (primary, fields) = parse_type(type_string);
    let message = serde_json::to_value(order).expect("orders serialize");
    json!({
        "types": { domain_name: domain_fields, primary: fields },
        "primaryType": primary,
        "domain": {
            "name": "iExecODB",
            "version": "5.0.0",
            "chainId": p.chain_id,
            "verifyingContract": p.deployment.hub,
        },
        "message": message,
    })
    .to_string()
}

/// The node's `eth_signTypedData_v4` signature of `order` for dev account `signer`.
async fn node_sign<O: Order + serde::Serialize>(
    p: &Protocol,
    signer: Address,
    type_string: &str,
    order: &O,
) -> Bytes {
    p.provider
        .raw_request::<_, Bytes>(
            "eth_signTypedData_v4".into(),
            (signer, typed_data(p, type_string, order)),
        )
        .await
        .expect("the node signs typed data for its dev accounts")
}

/// The hub's `verifySignature(account, hash, sign)`.
async fn hub_verifies(p: &Protocol, account: Address, hash: B256, sign: &Bytes) -> bool {
    p.hub
        .verifySignature(account, hash, sign.clone())
        .call()
        .await
        .expect("verifySignature")
}

/// `sign` in EIP-2098 compact form (64 bytes).
fn compact(sign: &[u8]) -> Bytes {
    let sig = signature::decode(sign).expect("a valid signature");
    Bytes::copy_from_slice(&sig.as_erc2098())
}

/// `(r, s, v)` of a 65-byte signature.
fn rsv(sign: &[u8]) -> (B256, U256, u8) {
    assert_eq!(sign.len(), 65, "a 65-byte signature");
    (
        B256::from_slice(&sign[..32]),
        U256::from_be_slice(&sign[32..64]),
        sign[64],
    )
}

/// What the `ecrecover` precompile (no low-s rule) recovers from `(hash, v, r, s)`.
async fn ecrecover(p: &Protocol, hash: B256, v: u8, r: B256, s: U256) -> Address {
    let mut input = Vec::with_capacity(128);
    input.extend_from_slice(hash.as_slice());
    input.extend_from_slice(&U256::from(v).to_be_bytes::<32>());
    input.extend_from_slice(r.as_slice());
    input.extend_from_slice(&s.to_be_bytes::<32>());
    let out = p
        .provider
        .call(
            TransactionRequest::default()
                .to(address!("0x0000000000000000000000000000000000000001"))
                .input(Bytes::from(input).into()),
        )
        .await
        .expect("ecrecover precompile");
    assert_eq!(out.len(), 32, "ecrecover recovered an address");
    Address::from_slice(&out[12..])
}

// -------------------------------------------------------------------------- tests

#[test]
fn type_hashes_are_those_of_the_spec_strings() {
    let orders = [
        (
            AppOrder::eip712_encode_type(),
            AppOrder::default().eip712_type_hash(),
            APP_ORDER_TYPE,
        ),
        (
            DatasetOrder::eip712_encode_type(),
            DatasetOrder::default().eip712_type_hash(),
            DATASET_ORDER_TYPE,
        ),
        (
            WorkerpoolOrder::eip712_encode_type(),
            WorkerpoolOrder::default().eip712_type_hash(),
            WORKERPOOL_ORDER_TYPE,
        ),
        (
            RequestOrder::eip712_encode_type(),
            RequestOrder::default().eip712_type_hash(),
            REQUEST_ORDER_TYPE,
        ),
    ];
    for (encoded, hash, spec) in &orders {
        assert_eq!(encoded, spec, "type string");
        assert_eq!(*hash, keccak256(spec), "type hash of {spec}");
    }

    // The operation structs nest the order type (standard EIP-712 encoding: the referenced
    // type appended).
    let operations = [
        (
            AppOrderOperation::default().eip712_type_hash(),
            "AppOrderOperation(AppOrder order,uint256 operation)",
            APP_ORDER_TYPE,
        ),
        (
            DatasetOrderOperation::default().eip712_type_hash(),
            "DatasetOrderOperation(DatasetOrder order,uint256 operation)",
            DATASET_ORDER_TYPE,
        ),
        (
            WorkerpoolOrderOperation::default().eip712_type_hash(),
            "WorkerpoolOrderOperation(WorkerpoolOrder order,uint256 operation)",
            WORKERPOOL_ORDER_TYPE,
        ),
        (
            RequestOrderOperation::default().eip712_type_hash(),
            "RequestOrderOperation(RequestOrder order,uint256 operation)",
            REQUEST_ORDER_TYPE,
        ),
    ];
    for (hash, outer, inner) in operations {
        assert_eq!(hash, keccak256(format!("{outer}{inner}")), "{outer}");
    }

    let domain = poco_types::domain(1, Address::ZERO);
    assert_eq!(domain.encode_type(), DOMAIN_TYPE);
    assert_eq!(domain.type_hash(), keccak256(DOMAIN_TYPE));
}

#[tokio::test]
async fn the_hubs_domain_is_the_rust_domain() {
    let p = Protocol::start().await;
    let domain = p.hub.domain().call().await.expect("domain");
    assert_eq!(domain.name, "iExecODB");
    assert_eq!(domain.version, "5.0.0");
    assert_eq!(domain.chainId, u(p.chain_id));
    assert_eq!(domain.verifyingContract, p.deployment.hub);
    assert_eq!(
        p.hub
            .eip712domain_separator()
            .call()
            .await
            .expect("eip712domain_separator"),
        poco_types::domain::domain_separator(p.chain_id, p.deployment.hub)
    );
}

#[tokio::test]
async fn presigned_orders_carry_the_rust_hashes() {
    // Each owner presigns its order (manage*Order SIGN, sent by the owner): the hub's event and
    // presign record use the Rust hash, and the orders then match with no signature at all.
    let p = Protocol::start().await;
    let o = rich_orders(&p);
    let [app_hash, dataset_hash, pool_hash, request_hash] = rust_hashes(&p, &o);
    let dataset = o.dataset.clone().expect("a dataset order");
    let presign = OrderOperation::Sign;
    let hub = &p.hub;

    let receipt = p
        .send(
            hub.manageAppOrder(
                o.app
                    .clone()
                    .into_operation_with_sign(Bytes::new(), presign, Bytes::new())
                    .into(),
            )
            .from(p.app_owner()),
        )
        .await
        .expect("the app owner presigns");
    assert_eq!(event::<PocoHub::SignedAppOrder>(&receipt).appHash, app_hash);

    let receipt = p
        .send(
            hub.manageDatasetOrder(
                dataset
                    .clone()
                    .into_operation_with_sign(Bytes::new(), presign, Bytes::new())
                    .into(),
            )
            .from(p.dataset_owner()),
        )
        .await
        .expect("the dataset owner presigns");
    assert_eq!(
        event::<PocoHub::SignedDatasetOrder>(&receipt).datasetHash,
        dataset_hash
    );

    let receipt = p
        .send(
            hub.manageWorkerpoolOrder(
                o.pool
                    .clone()
                    .into_operation_with_sign(Bytes::new(), presign, Bytes::new())
                    .into(),
            )
            .from(p.pool_owner()),
        )
        .await
        .expect("the pool owner presigns");
    assert_eq!(
        event::<PocoHub::SignedWorkerpoolOrder>(&receipt).workerpoolHash,
        pool_hash
    );

    let receipt = p
        .send(
            hub.manageRequestOrder(
                o.request
                    .clone()
                    .into_operation_with_sign(Bytes::new(), presign, Bytes::new())
                    .into(),
            )
            .from(p.requester()),
        )
        .await
        .expect("the requester presigns");
    assert_eq!(
        event::<PocoHub::SignedRequestOrder>(&receipt).requestHash,
        request_hash
    );

    for (hash, owner) in [
        (app_hash, p.app_owner()),
        (dataset_hash, p.dataset_owner()),
        (pool_hash, p.pool_owner()),
        (request_hash, p.requester()),
    ] {
        assert_eq!(
            hub.viewPresigned(hash).call().await.expect("viewPresigned"),
            owner,
            "viewPresigned(rust hash)"
        );
        assert!(
            hub.verifyPresignature(owner, hash)
                .call()
                .await
                .expect("verifyPresignature")
        );
    }

    let (_, receipt) = p
        .match_signed(
            Signed::unsigned(o.app.clone()),
            Some(Signed::unsigned(dataset)),
            Signed::unsigned(o.pool.clone()),
            Signed::unsigned(o.request.clone()),
        )
        .await
        .expect("presigned orders match");
    assert_matched_hashes(&p, &receipt, &o, 3);
}

#[tokio::test]
async fn relayed_operations_hash_like_rust() {
    // Someone else (the admin) sends each owner's signed operation: the hub must hash the
    // `*OrderOperation` struct (the order type nested) exactly as poco-types does.
    let p = Protocol::start().await;
    let o = rich_orders(&p);
    let [app_hash, dataset_hash, pool_hash, request_hash] = rust_hashes(&p, &o);
    let dataset = o.dataset.clone().expect("a dataset order");
    let (d, hub, relayer) = (&p.domain, &p.hub, p.admin());
    let op = OrderOperation::Sign;

    let by = |who| p.signer(who);
    let sign_app = sign_operation(&o.app, op, d, by(p.app_owner())).expect("signs");
    let receipt = p
        .send(
            hub.manageAppOrder(
                o.app
                    .clone()
                    .into_operation_with_sign(Bytes::new(), op, sign_app)
                    .into(),
            )
            .from(relayer),
        )
        .await
        .expect("a relayed app presign");
    assert_eq!(event::<PocoHub::SignedAppOrder>(&receipt).appHash, app_hash);

    let sign_dataset = sign_operation(&dataset, op, d, by(p.dataset_owner())).expect("signs");
    let receipt = p
        .send(
            hub.manageDatasetOrder(
                dataset
                    .clone()
                    .into_operation_with_sign(Bytes::new(), op, sign_dataset)
                    .into(),
            )
            .from(relayer),
        )
        .await
        .expect("a relayed dataset presign");
    assert_eq!(
        event::<PocoHub::SignedDatasetOrder>(&receipt).datasetHash,
        dataset_hash
    );

    let sign_pool = sign_operation(&o.pool, op, d, by(p.pool_owner())).expect("signs");
    let receipt = p
        .send(
            hub.manageWorkerpoolOrder(
                o.pool
                    .clone()
                    .into_operation_with_sign(Bytes::new(), op, sign_pool)
                    .into(),
            )
            .from(relayer),
        )
        .await
        .expect("a relayed workerpool presign");
    assert_eq!(
        event::<PocoHub::SignedWorkerpoolOrder>(&receipt).workerpoolHash,
        pool_hash
    );

    let sign_request = sign_operation(&o.request, op, d, by(p.requester())).expect("signs");
    let receipt = p
        .send(
            hub.manageRequestOrder(
                o.request
                    .clone()
                    .into_operation_with_sign(Bytes::new(), op, sign_request)
                    .into(),
            )
            .from(relayer),
        )
        .await
        .expect("a relayed request presign");
    assert_eq!(
        event::<PocoHub::SignedRequestOrder>(&receipt).requestHash,
        request_hash
    );

    for (hash, owner) in [
        (app_hash, p.app_owner()),
        (dataset_hash, p.dataset_owner()),
        (pool_hash, p.pool_owner()),
        (request_hash, p.requester()),
    ] {
        assert_eq!(
            hub.viewPresigned(hash).call().await.expect("viewPresigned"),
            owner,
            "the relayed presign is recorded for the owner"
        );
    }

    // A relayed CLOSE signed by the wrong key is refused.
    let wrong = sign_operation(&o.app, OrderOperation::Close, d, by(p.requester())).expect("signs");
    let outcome = p
        .send(
            Reverting::new(&p)
                .hub
                .manageAppOrder(
                    o.app
                        .clone()
                        .into_operation_with_sign(Bytes::new(), OrderOperation::Close, wrong)
                        .into(),
                )
                .from(relayer),
        )
        .await;
    assert_eq!(
        outcome.map(|r| r.transaction_hash),
        Err("iExecV5-manageAppOrder-0x01".to_owned())
    );
}

#[tokio::test]
async fn orders_matched_carries_the_rust_hashes() {
    let p = Protocol::start().await;
    let o = rich_orders(&p);
    let (_, receipt) = p.match_orders(&o).await.expect("the rich orders match");
    assert_matched_hashes(&p, &receipt, &o, 3);
    for hash in rust_hashes(&p, &o) {
        assert_eq!(
            p.hub.viewConsumed(hash).call().await.expect("viewConsumed"),
            u(3),
            "consumed under the Rust hash"
        );
    }
}

#[tokio::test]
async fn eth_sign_typed_data_v4_signatures_verify_on_chain() {
    let p = Protocol::start().await;
    let o = rich_orders(&p);
    let dataset = o.dataset.clone().expect("a dataset order");
    let [app_hash, dataset_hash, pool_hash, request_hash] = rust_hashes(&p, &o);

    let app_sign = node_sign(&p, p.app_owner(), APP_ORDER_TYPE, &o.app).await;
    let dataset_sign = node_sign(&p, p.dataset_owner(), DATASET_ORDER_TYPE, &dataset).await;
    let pool_sign = node_sign(&p, p.pool_owner(), WORKERPOOL_ORDER_TYPE, &o.pool).await;
    let request_sign = node_sign(&p, p.requester(), REQUEST_ORDER_TYPE, &o.request).await;

    for (owner, hash, sign, kind) in [
        (p.app_owner(), app_hash, &app_sign, "app"),
        (p.dataset_owner(), dataset_hash, &dataset_sign, "dataset"),
        (p.pool_owner(), pool_hash, &pool_sign, "workerpool"),
        (p.requester(), request_hash, &request_sign, "request"),
    ] {
        assert_eq!(sign.len(), 65, "{kind}: a 65-byte signature");
        assert_eq!(
            signature::recover(&hash, sign).expect("a valid signature"),
            owner,
            "{kind}: the node signed the Rust hash"
        );
        assert!(
            hub_verifies(&p, owner, hash, sign).await,
            "{kind}: verifySignature(owner, rust hash, node signature)"
        );
    }

    let (_, receipt) = p
        .match_signed(
            Signed::new(o.app.clone(), app_sign),
            Some(Signed::new(dataset, dataset_sign)),
            Signed::new(o.pool.clone(), pool_sign),
            Signed::new(o.request.clone(), request_sign),
        )
        .await
        .expect("orders signed by the node match");
    assert_matched_hashes(&p, &receipt, &o, 3);
}

#[tokio::test]
async fn compact_and_v01_signatures_are_accepted() {
    let p = Protocol::start().await;
    let o = p.orders().with_dataset(p.dataset_order());
    let (app, dataset, pool, request) = p.sign(&o);
    let dataset = dataset.expect("a dataset order");
    let hash = p.hash(&o.app);
    let app_compact = compact(&app.sign);
    assert_eq!(app_compact.len(), 64);
    assert!(
        hub_verifies(&p, p.app_owner(), hash, &app_compact).await,
        "verifySignature accepts EIP-2098"
    );
    let (_, receipt) = p
        .match_signed(
            Signed::new(app.order, app_compact),
            Some(Signed::new(dataset.order.clone(), compact(&dataset.sign))),
            Signed::new(pool.order, compact(&pool.sign)),
            Signed::new(request.order, compact(&request.sign)),
        )
        .await
        .expect("orders with 64-byte signatures match");
    event::<PocoHub::OrdersMatched>(&receipt);

    // v as 0/1 instead of 27/28 (contracts/README.md: both accepted).
    let o = p.orders();
    let (app, _, pool, request) = p.sign(&o);
    let mut app_v01 = app.sign.to_vec();
    app_v01[64] -= 27;
    let app_v01 = Bytes::from(app_v01);
    assert!(hub_verifies(&p, p.app_owner(), p.hash(&o.app), &app_v01).await);
    p.match_signed(Signed::new(app.order, app_v01), None, pool, request)
        .await
        .expect("an app order signed with v = 0/1 matches");
}

#[tokio::test]
async fn high_s_signatures_are_rejected() {
    let p = Protocol::start().await;
    let o = p.orders();
    let (app, _, pool, request) = p.sign(&o);
    let hash = p.hash(&o.app);
    let (r, s, v) = rsv(&app.sign);
    let high_s = SECP256K1_N - s;
    let flipped_v = if v == 27 { 28 } else { 27 };
    // The malleated signature is a valid ECDSA signature of the owner...
    assert_eq!(
        ecrecover(&p, hash, flipped_v, r, high_s).await,
        p.app_owner(),
        "(r, n - s, v^1) recovers the same signer"
    );
    let mut malleated = r.to_vec();
    malleated.extend_from_slice(&high_s.to_be_bytes::<32>());
    malleated.push(flipped_v);
    let malleated = Bytes::from(malleated);
    // ...which the hub refuses: only the low-s form counts.
    assert!(
        !hub_verifies(&p, p.app_owner(), hash, &malleated).await,
        "verifySignature refuses a high-s signature"
    );
    let before = p.snapshot().await;
    let outcome = Reverting::new(&p)
        .match_signed(
            Signed::new(o.app.clone(), malleated),
            None,
            pool.clone(),
            request.clone(),
        )
        .await;
    assert_eq!(
        outcome.map(|r| r.transaction_hash),
        Err("iExecV5-matchOrders-0x21".to_owned())
    );
    before.assert_deltas(&p, &[]).await;
    p.match_signed(app, None, pool, request)
        .await
        .expect("the low-s original matches");
}

#[tokio::test]
async fn signatures_by_a_non_owner_or_for_another_domain_are_rejected() {
    let p = Protocol::start().await;
    let o = p.orders();
    let (_, _, pool, request) = p.sign(&o);
    let hash = p.hash(&o.app);
    let by_pool_owner =
        SignedAppOrder::sign(o.app.clone(), &p.domain, p.signer(p.pool_owner())).expect("signs");
    let other_chain = poco_types::domain(p.chain_id + 1, p.deployment.hub);
    let other_hub = poco_types::domain(p.chain_id, Address::repeat_byte(0x3e));
    let owner = p.signer(p.app_owner());
    let wrong_chain = SignedAppOrder::sign(o.app.clone(), &other_chain, owner).expect("signs");
    let wrong_hub = SignedAppOrder::sign(o.app.clone(), &other_hub, owner).expect("signs");
    let mut other_salt = o.app.clone();
    other_salt.salt = B256::repeat_byte(0x5a);
    let other_order = SignedAppOrder::sign(other_salt, &p.domain, owner).expect("signs");

    for (what, sign) in [
        ("signed by the pool owner", by_pool_owner.sign),
        ("signed under another chain id", wrong_chain.sign),
        ("signed under another hub", wrong_hub.sign),
        ("signed for another order", other_order.sign),
        ("a garbage signature", Bytes::from(vec![0x42; 65])),
        ("a 63-byte signature", Bytes::from(vec![0x42; 63])),
    ] {
        assert!(
            !hub_verifies(&p, p.app_owner(), hash, &sign).await,
            "verifySignature: {what}"
        );
        let before = p.snapshot().await;
        let outcome = Reverting::new(&p)
            .match_signed(
                Signed::new(o.app.clone(), sign),
                None,
                pool.clone(),
                request.clone(),
            )
            .await;
        assert_eq!(
            outcome.map(|r| r.transaction_hash),
            Err("iExecV5-matchOrders-0x21".to_owned()),
            "{what}"
        );
        before.assert_deltas(&p, &[]).await;
    }
}

#[tokio::test]
async fn the_previous_owners_signatures_are_rejected_after_a_transfer() {
    let p = Protocol::start().await;
    let old_owner = p.app_owner();
    let new_owner = p.admin();
    let o = p.orders();
    let (signed_by_old, _, pool, request) = p.sign(&o);
    // A second app order the old owner presigns on chain.
    let mut presigned = o.app.clone();
    presigned.salt = p.fresh_b256();
    p.send(
        p.hub
            .manageAppOrder(
                presigned
                    .clone()
                    .into_operation_with_sign(Bytes::new(), OrderOperation::Sign, Bytes::new())
                    .into(),
            )
            .from(old_owner),
    )
    .await
    .expect("the old owner presigns");

    let token_id = U256::from_be_slice(p.app.as_slice());
    p.send(
        p.apps
            .transferFrom(old_owner, new_owner, token_id)
            .from(old_owner),
    )
    .await
    .expect("the app NFT is transferred");
    assert_eq!(
        p.apps.ownerOf(token_id).call().await.expect("ownerOf"),
        new_owner
    );

    for (what, order) in [
        ("signed by the previous owner", signed_by_old.clone()),
        (
            "presigned by the previous owner",
            Signed::unsigned(presigned.clone()),
        ),
    ] {
        assert!(
            !p.hub
                .verifyPresignatureOrSignature(new_owner, p.hash(&order.order), order.sign.clone())
                .call()
                .await
                .expect("verifyPresignatureOrSignature"),
            "{what}: not the current owner's"
        );
        let before = p.snapshot().await;
        let outcome = Reverting::new(&p)
            .match_signed(order, None, pool.clone(), request.clone())
            .await;
        assert_eq!(
            outcome.map(|r| r.transaction_hash),
            Err("iExecV5-matchOrders-0x21".to_owned()),
            "{what}"
        );
        before.assert_deltas(&p, &[]).await;
    }

    // The new owner's signature of the same order is accepted, and the deal snapshots it.
    let signed_by_new =
        SignedAppOrder::sign(o.app.clone(), &p.domain, p.signer(new_owner)).expect("signs");
    let (deal, _) = p
        .match_signed(signed_by_new, None, pool, request)
        .await
        .expect("the current owner's signature matches");
    assert_eq!(p.view_deal(deal).await.app.owner, new_owner);
}

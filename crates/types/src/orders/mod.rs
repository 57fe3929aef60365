//! Orders: the four kinds, their EIP-712 hash (the order hash used everywhere: consumed volume,
//! presigns, events, the deal id), the signed form exchanged off-chain, the calldata form, and
//! the presign/close operations.

pub mod abi;
pub mod operation;
pub mod signed;
pub mod types;

pub use abi::{
    AppOrderOperationWithSign, AppOrderWithSign, DatasetOrderOperationWithSign,
    DatasetOrderWithSign, IexecOrders, RequestOrderOperationWithSign, RequestOrderWithSign,
    WorkerpoolOrderOperationWithSign, WorkerpoolOrderWithSign,
};
pub use operation::OrderOperation;
pub use signed::{
    Signed, SignedAppOrder, SignedDatasetOrder, SignedRequestOrder, SignedWorkerpoolOrder,
};
pub use types::{
    AppOrder, AppOrderOperation, DatasetOrder, DatasetOrderOperation, RequestOrder,
    RequestOrderOperation, WorkerpoolOrder, WorkerpoolOrderOperation,
};

use crate::tag::Tag;
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::{Eip712Domain, SolStruct};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The order hash: the full EIP-712 digest `keccak256(0x1901 ‖ domainSeparator ‖ structHash)`.
pub fn order_hash<O: SolStruct>(order: &O, domain: &Eip712Domain) -> B256 {
    order.eip712_signing_hash(domain)
}

/// Which of the four orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderKind {
    /// [`AppOrder`].
    App,
    /// [`DatasetOrder`].
    Dataset,
    /// [`WorkerpoolOrder`].
    Workerpool,
    /// [`RequestOrder`].
    Request,
}

impl OrderKind {
    /// `app`, `dataset`, `workerpool` or `request`.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderKind::App => "app",
            OrderKind::Dataset => "dataset",
            OrderKind::Workerpool => "workerpool",
            OrderKind::Request => "request",
        }
    }
}

impl fmt::Display for OrderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the four orders have in common, so that signing, hashing and market code is written once.
pub trait Order: SolStruct + Clone + fmt::Debug + PartialEq + Send + Sync + 'static {
    /// Which order this is.
    const KIND: OrderKind;
    /// The calldata form with `sign`.
    type WithSign;
    /// The EIP-712 operation struct signed for `manage*Order`.
    type Operation: SolStruct;
    /// The `manage*Order` calldata argument.
    type OperationWithSign;

    /// The resource the order sells (app, dataset, workerpool), or the requester for a request
    /// order: the address whose owner (or itself, for a request) must sign.
    fn resource(&self) -> Address;
    /// The order's volume.
    fn volume(&self) -> U256;
    /// The order's tag.
    fn tag(&self) -> Tag;
    /// The order's salt.
    fn salt(&self) -> B256;
    /// The calldata form with signature `sign`.
    fn into_with_sign(self, sign: Bytes) -> Self::WithSign;
    /// The EIP-712 struct an owner signs to apply `operation` to this order.
    fn into_operation(self, operation: OrderOperation) -> Self::Operation;
    /// The `manage*Order` argument: this order with its own signature `order_sign` (may be
    /// empty), the operation, and the owner's signature of the operation (empty when the owner
    /// sends the transaction).
    fn into_operation_with_sign(
        self,
        order_sign: Bytes,
        operation: OrderOperation,
        operation_sign: Bytes,
    ) -> Self::OperationWithSign;

    /// The order hash under `domain` (see [`order_hash`]).
    fn hash(&self, domain: &Eip712Domain) -> B256 {
        order_hash(self, domain)
    }
}

/// Implements [`Order`] for one kind; the kinds differ only in names.
macro_rules! impl_order {
    ($order:ident, $kind:ident, $with_sign:ident, $op:ident, $op_with_sign:ident, $resource:ident) => {
        impl Order for $order {
            const KIND: OrderKind = OrderKind::$kind;
            type WithSign = $with_sign;
            type Operation = $op;
            type OperationWithSign = $op_with_sign;

            fn resource(&self) -> Address {
                self.$resource
            }

            fn volume(&self) -> U256 {
                self.volume
            }

            fn tag(&self) -> Tag {
                Tag(self.tag)
            }

            fn salt(&self) -> B256 {
                self.salt
            }

            fn into_with_sign(self, sign: Bytes) -> $with_sign {
                self.with_sign(sign)
            }

            fn into_operation(self, operation: OrderOperation) -> $op {
                $op {
                    order: self,
                    operation: U256::from(operation as u8),
                }
            }

            fn into_operation_with_sign(
                self,
                order_sign: Bytes,
                operation: OrderOperation,
                operation_sign: Bytes,
            ) -> $op_with_sign {
                $op_with_sign {
                    order: self.with_sign(order_sign),
                    operation: operation as u8,
                    sign: operation_sign,
                }
            }
        }
    };
}

impl_order!(
    AppOrder,
    App,
    AppOrderWithSign,
    AppOrderOperation,
    AppOrderOperationWithSign,
    app
);
impl_order!(
    DatasetOrder,
    Dataset,
    DatasetOrderWithSign,
    DatasetOrderOperation,
    DatasetOrderOperationWithSign,
    dataset
);
impl_order!(
    WorkerpoolOrder,
    Workerpool,
    WorkerpoolOrderWithSign,
    WorkerpoolOrderOperation,
    WorkerpoolOrderOperationWithSign,
    workerpool
);
impl_order!(
    RequestOrder,
    Request,
    RequestOrderWithSign,
    RequestOrderOperation,
    RequestOrderOperationWithSign,
    requester
);

#[cfg(test)]
pub(crate) mod tests {
    //! Fixtures shared by the order tests: fixed orders and the domain the ethers v6 vectors were
    //! computed under (/tmp/ethers-vec/vectors.mjs, see the comment on each vector).

    use super::*;
    use alloy_primitives::{address, b256};

    pub(crate) fn vector_domain() -> Eip712Domain {
        crate::domain(134, address!("0x3eca1B216A7DF1C7689aEb259fFB83ADFB894E7f"))
    }

    pub(crate) fn app_order() -> AppOrder {
        AppOrder {
            app: address!("0x1111111111111111111111111111111111111111"),
            appprice: U256::from(1_500_000_000u64),
            volume: U256::from(1_000_000u64),
            tag: (Tag::TEE | Tag::SCONE).0,
            datasetrestrict: Address::ZERO,
            workerpoolrestrict: address!("0x2222222222222222222222222222222222222222"),
            requesterrestrict: Address::ZERO,
            salt: B256::repeat_byte(1),
        }
    }

    pub(crate) fn dataset_order() -> DatasetOrder {
        DatasetOrder {
            dataset: address!("0x3333333333333333333333333333333333333333"),
            datasetprice: U256::from(42),
            volume: U256::from(10),
            tag: B256::ZERO,
            apprestrict: address!("0x1111111111111111111111111111111111111111"),
            workerpoolrestrict: Address::ZERO,
            requesterrestrict: address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
            salt: B256::repeat_byte(2),
        }
    }

    pub(crate) fn workerpool_order() -> WorkerpoolOrder {
        WorkerpoolOrder {
            workerpool: address!("0x2222222222222222222222222222222222222222"),
            workerpoolprice: U256::from(100_000_000u64),
            volume: U256::from(3),
            tag: (Tag::TEE | Tag::SCONE | Tag::GPU).0,
            category: U256::from(2),
            trust: U256::from(5),
            apprestrict: Address::ZERO,
            datasetrestrict: Address::ZERO,
            requesterrestrict: Address::ZERO,
            salt: B256::repeat_byte(3),
        }
    }

    pub(crate) fn request_order() -> RequestOrder {
        RequestOrder {
            app: address!("0x1111111111111111111111111111111111111111"),
            appmaxprice: U256::from(1_500_000_000u64),
            dataset: address!("0x3333333333333333333333333333333333333333"),
            datasetmaxprice: U256::from(42),
            workerpool: Address::ZERO,
            workerpoolmaxprice: U256::from(100_000_000u64),
            requester: address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
            volume: U256::from(1),
            tag: Tag::TEE.0,
            category: U256::from(2),
            trust: U256::from(1),
            beneficiary: address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
            callback: Address::ZERO,
            params: r#"{"iexec_args":"hello wörld","iexec_result_storage_provider":"ipfs"}"#.into(),
            salt: B256::repeat_byte(4),
        }
    }

    /// ethers v6 `TypedDataEncoder.hashStruct` and `TypedDataEncoder.hash(domain, types, value)`
    /// of the four fixtures above under [`vector_domain`].
    pub(crate) const STRUCT_HASHES: [B256; 4] = [
        b256!("0xf2397b1e3cdbf70b583a47927ce3d8077b14a53e58aa268401916a877be0def2"),
        b256!("0x34bf10d81491e7e31ef670aab2e54d5e7a9761017699bf0622ae685ec1865836"),
        b256!("0xf9e9c7dcaa183cc2aca6f4c92eb81d1a43b59c3a359869e5c739cc2349a07c15"),
        b256!("0x4428d9f9451730f2c9ef044c0d1552b4854153d7c6f30e705d7d53e37eb99cfc"),
    ];
    pub(crate) const ORDER_HASHES: [B256; 4] = [
        b256!("0xe42fae5d82985b945ce78354f905619b0279b154f4f2bf309780b1f5d5b43fcc"),
        b256!("0x9bb5fb4e7daba42b2f0217e7b90241e1d4f9cf801f56dc04480fd39fefc46fb5"),
        b256!("0x9eef14422ef5f707455176b0c4b8ebb436addf42b7e34eaf1d7adff886ba62b0"),
        b256!("0xd6c0b78f5e41c21007f793074b625fc5bfc239fc48037b780f2bc80f498f9c62"),
    ];

    #[test]
    fn order_hashes_match_ethers() {
        let d = vector_domain();
        let ours = [
            (app_order().eip712_hash_struct(), app_order().hash(&d)),
            (
                dataset_order().eip712_hash_struct(),
                dataset_order().hash(&d),
            ),
            (
                workerpool_order().eip712_hash_struct(),
                workerpool_order().hash(&d),
            ),
            (
                request_order().eip712_hash_struct(),
                request_order().hash(&d),
            ),
        ];
        for (i, (structh, digest)) in ours.into_iter().enumerate() {
            assert_eq!(structh, STRUCT_HASHES[i], "struct hash of order {i}");
            assert_eq!(digest, ORDER_HASHES[i], "order hash of order {i}");
        }
        assert_eq!(order_hash(&app_order(), &d), ORDER_HASHES[0]);
    }

    #[test]
    fn the_digest_is_1901_separator_struct_hash() {
        let d = vector_domain();
        let mut preimage = vec![0x19, 0x01];
        preimage.extend_from_slice(d.separator().as_slice());
        preimage.extend_from_slice(app_order().eip712_hash_struct().as_slice());
        assert_eq!(alloy_primitives::keccak256(preimage), app_order().hash(&d));
    }

    #[test]
    fn hash_depends_on_domain_and_fields() {
        let d = vector_domain();
        let other_chain =
            crate::domain(135, address!("0x3eca1B216A7DF1C7689aEb259fFB83ADFB894E7f"));
        assert_ne!(app_order().hash(&d), app_order().hash(&other_chain));
        let mut o = app_order();
        o.salt = B256::repeat_byte(9);
        assert_ne!(o.hash(&d), app_order().hash(&d));
    }

    #[test]
    fn trait_accessors() {
        assert_eq!(AppOrder::KIND.to_string(), "app");
        assert_eq!(RequestOrder::KIND.as_str(), "request");
        assert_eq!(app_order().resource(), app_order().app);
        assert_eq!(request_order().resource(), request_order().requester);
        assert_eq!(workerpool_order().tag(), Tag::TEE | Tag::SCONE | Tag::GPU);
        assert_eq!(dataset_order().volume(), U256::from(10));
        assert_eq!(dataset_order().salt(), B256::repeat_byte(2));
        let op = app_order().into_operation(OrderOperation::Close);
        assert_eq!(op.operation, U256::from(1));
        let call =
            app_order().into_operation_with_sign(Bytes::new(), OrderOperation::Sign, Bytes::new());
        assert_eq!(call.operation, 0);
        assert_eq!(call.order.into_parts().0, app_order());
    }
}

//! The orders as the contracts take them in calldata: the hashed fields plus `bytes sign` as the
//! last member (`IexecLibOrders_v5.AppOrder` etc.), the `manage*Order` operation tuples (where
//! the operation is a Solidity enum, so `uint8`), and the order-taking hub functions.
//!
//! Other crates that declare their own `sol!` interface can convert through the Rust tuple form
//! every `sol!` struct has (`From<(Address, U256, ...)>`): the ABI depends on the member types
//! only, not on the struct names.

use super::types::{AppOrder, DatasetOrder, RequestOrder, WorkerpoolOrder};

alloy_sol_types::sol! {
    /// An app order as passed to `matchOrders`.
    #[derive(Debug, Default, PartialEq, Eq)]
    struct AppOrderWithSign {
        address app;
        uint256 appprice;
        uint256 volume;
        bytes32 tag;
        address datasetrestrict;
        address workerpoolrestrict;
        address requesterrestrict;
        bytes32 salt;
        bytes sign;
    }

    /// A dataset order as passed to `matchOrders` (all zero when the deal has no dataset).
    #[derive(Debug, Default, PartialEq, Eq)]
    struct DatasetOrderWithSign {
        address dataset;
        uint256 datasetprice;
        uint256 volume;
        bytes32 tag;
        address apprestrict;
        address workerpoolrestrict;
        address requesterrestrict;
        bytes32 salt;
        bytes sign;
    }

    /// A workerpool order as passed to `matchOrders`.
    #[derive(Debug, Default, PartialEq, Eq)]
    struct WorkerpoolOrderWithSign {
        address workerpool;
        uint256 workerpoolprice;
        uint256 volume;
        bytes32 tag;
        uint256 category;
        uint256 trust;
        address apprestrict;
        address datasetrestrict;
        address requesterrestrict;
        bytes32 salt;
        bytes sign;
    }

    /// A request order as passed to `matchOrders`.
    #[derive(Debug, Default, PartialEq, Eq)]
    struct RequestOrderWithSign {
        address app;
        uint256 appmaxprice;
        address dataset;
        uint256 datasetmaxprice;
        address workerpool;
        uint256 workerpoolmaxprice;
        address requester;
        uint256 volume;
        bytes32 tag;
        uint256 category;
        uint256 trust;
        address beneficiary;
        address callback;
        string params;
        bytes32 salt;
        bytes sign;
    }

    /// `manageAppOrder`'s argument: the order, 0 (SIGN) or 1 (CLOSE), and the owner's EIP-712
    /// signature of the [`super::AppOrderOperation`] (empty when the owner sends it).
    #[derive(Debug, Default, PartialEq, Eq)]
    struct AppOrderOperationWithSign {
        AppOrderWithSign order;
        uint8 operation;
        bytes sign;
    }

    /// `manageDatasetOrder`'s argument.
    #[derive(Debug, Default, PartialEq, Eq)]
    struct DatasetOrderOperationWithSign {
        DatasetOrderWithSign order;
        uint8 operation;
        bytes sign;
    }

    /// `manageWorkerpoolOrder`'s argument.
    #[derive(Debug, Default, PartialEq, Eq)]
    struct WorkerpoolOrderOperationWithSign {
        WorkerpoolOrderWithSign order;
        uint8 operation;
        bytes sign;
    }

    /// `manageRequestOrder`'s argument.
    #[derive(Debug, Default, PartialEq, Eq)]
    struct RequestOrderOperationWithSign {
        RequestOrderWithSign order;
        uint8 operation;
        bytes sign;
    }

    /// The hub functions that take orders.
    interface IexecOrders {
        /// Matches four orders into a deal; returns the deal id.
        function matchOrders(
            AppOrderWithSign appOrder,
            DatasetOrderWithSign datasetOrder,
            WorkerpoolOrderWithSign workerpoolOrder,
            RequestOrderWithSign requestOrder
        ) external returns (bytes32 dealid);
        /// `matchOrders` with the caller paying instead of the requester.
        function sponsorMatchOrders(
            AppOrderWithSign appOrder,
            DatasetOrderWithSign datasetOrder,
            WorkerpoolOrderWithSign workerpoolOrder,
            RequestOrderWithSign requestOrder
        ) external returns (bytes32 dealid);
        /// Presigns or closes an app order.
        function manageAppOrder(AppOrderOperationWithSign operation) external;
        /// Presigns or closes a dataset order.
        function manageDatasetOrder(DatasetOrderOperationWithSign operation) external;
        /// Presigns or closes a workerpool order.
        function manageWorkerpoolOrder(WorkerpoolOrderOperationWithSign operation) external;
        /// Presigns or closes a request order.
        function manageRequestOrder(RequestOrderOperationWithSign operation) external;
    }
}

/// Moves fields between the hashed struct (plus a separate `sign`) and the calldata struct.
macro_rules! with_sign_conversions {
    ($order:ident, $abi:ident { $($field:ident),+ }) => {
        impl $order {
            /// The calldata form of this order with signature `sign`.
            pub fn with_sign(self, sign: alloy_primitives::Bytes) -> $abi {
                $abi { $($field: self.$field,)+ sign }
            }
        }

        impl $abi {
            /// Splits the calldata form into the hashed order and its signature.
            pub fn into_parts(self) -> ($order, alloy_primitives::Bytes) {
                ($order { $($field: self.$field,)+ }, self.sign)
            }
        }
    };
}

with_sign_conversions!(
    AppOrder,
    AppOrderWithSign {
        app,
        appprice,
        volume,
        tag,
        datasetrestrict,
        workerpoolrestrict,
        requesterrestrict,
        salt
    }
);
with_sign_conversions!(
    DatasetOrder,
    DatasetOrderWithSign {
        dataset,
        datasetprice,
        volume,
        tag,
        apprestrict,
        workerpoolrestrict,
        requesterrestrict,
        salt
    }
);
with_sign_conversions!(
    WorkerpoolOrder,
    WorkerpoolOrderWithSign {
        workerpool,
        workerpoolprice,
        volume,
        tag,
        category,
        trust,
        apprestrict,
        datasetrestrict,
        requesterrestrict,
        salt
    }
);
with_sign_conversions!(
    RequestOrder,
    RequestOrderWithSign {
        app,
        appmaxprice,
        dataset,
        datasetmaxprice,
        workerpool,
        workerpoolmaxprice,
        requester,
        volume,
        tag,
        category,
        trust,
        beneficiary,
        callback,
        params,
        salt
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Address, Bytes, U256};
    use alloy_sol_types::{SolCall, SolValue};

    #[test]
    fn selectors_match_the_iexec_abi() {
        // Selectors of @iexec/poco 6.1.0's IexecInterfaceToken human-readable ABI, computed with
        // ethers v6 `Interface.getFunction(name).selector`.
        assert_eq!(
            IexecOrders::matchOrdersCall::SELECTOR,
            [0x15, 0x61, 0x94, 0xd4]
        );
        assert_eq!(
            IexecOrders::sponsorMatchOrdersCall::SELECTOR,
            [0x2f, 0x39, 0x15, 0x33]
        );
        assert_eq!(
            IexecOrders::manageAppOrderCall::SELECTOR,
            [0xb2, 0xb0, 0x7e, 0x66]
        );
        assert_eq!(
            IexecOrders::manageDatasetOrderCall::SELECTOR,
            [0x4b, 0x74, 0x71, 0x06]
        );
        assert_eq!(
            IexecOrders::manageWorkerpoolOrderCall::SELECTOR,
            [0x7e, 0x34, 0xa0, 0x77]
        );
        assert_eq!(
            IexecOrders::manageRequestOrderCall::SELECTOR,
            [0x8d, 0xd9, 0x71, 0xd5]
        );
    }

    #[test]
    fn calldata_form_round_trips() {
        let order = RequestOrder {
            app: Address::repeat_byte(1),
            volume: U256::from(3),
            params: "{\"iexec_args\":\"x\"}".into(),
            ..Default::default()
        };
        let sign = Bytes::from(vec![7u8; 65]);
        let abi = order.clone().with_sign(sign.clone());
        assert_eq!(abi.sign, sign);
        let decoded = RequestOrderWithSign::abi_decode(&abi.abi_encode()).expect("round trip");
        assert_eq!(decoded.into_parts(), (order, sign));
    }
}

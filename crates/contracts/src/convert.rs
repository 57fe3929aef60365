//! Conversions between poco-types' orders (what the market, the SDK files and the signers use)
//! and the hub bindings' [`PocoTypes`] structs (what `matchOrders` and `manage*Order` take), so
//! a signed order goes to the hub with a plain `.into()`:
//!
//! ```
//! use poco_contracts::PocoTypes;
//! use poco_types::{AppOrder, SignedAppOrder};
//!
//! let signed = SignedAppOrder::unsigned(AppOrder::default());
//! let for_the_hub: PocoTypes::AppOrder = signed.into();
//! assert!(for_the_hub.sign.is_empty());
//! ```
//!
//! The two sides are separate `sol!` declarations of the same Solidity structs; the fields are
//! copied by name, so a renamed field on either side fails to compile instead of mis-encoding.

use crate::bindings::hub::PocoTypes;
use poco_types::orders as types;

/// `From` in both directions between a poco-types calldata struct and the hub's, plus `From`
/// the off-chain `Signed<Order>` form.
macro_rules! order_conversions {
    ($ours:ident, $hub:ident, $signed:ident { $($field:ident),+ }) => {
        impl From<types::$ours> for PocoTypes::$hub {
            fn from(order: types::$ours) -> Self {
                PocoTypes::$hub { $($field: order.$field,)+ }
            }
        }

        impl From<PocoTypes::$hub> for types::$ours {
            fn from(order: PocoTypes::$hub) -> Self {
                types::$ours { $($field: order.$field,)+ }
            }
        }

        impl From<poco_types::$signed> for PocoTypes::$hub {
            fn from(signed: poco_types::$signed) -> Self {
                types::$ours::from(signed).into()
            }
        }
    };
}

order_conversions!(
    AppOrderWithSign,
    AppOrder,
    SignedAppOrder {
        app,
        appprice,
        volume,
        tag,
        datasetrestrict,
        workerpoolrestrict,
        requesterrestrict,
        salt,
        sign
    }
);
order_conversions!(
    DatasetOrderWithSign,
    DatasetOrder,
    SignedDatasetOrder {
        dataset,
        datasetprice,
        volume,
        tag,
        apprestrict,
        workerpoolrestrict,
        requesterrestrict,
        salt,
        sign
    }
);
order_conversions!(
    WorkerpoolOrderWithSign,
    WorkerpoolOrder,
    SignedWorkerpoolOrder {
        workerpool,
        workerpoolprice,
        volume,
        tag,
        category,
        trust,
        apprestrict,
        datasetrestrict,
        requesterrestrict,
        salt,
        sign
    }
);
order_conversions!(
    RequestOrderWithSign,
    RequestOrder,
    SignedRequestOrder {
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
        salt,
        sign
    }
);

/// `From` a poco-types `manage*Order` argument to the hub's.
macro_rules! operation_conversions {
    ($($ours:ident => $hub:ident),+ $(,)?) => {
        $(
            impl From<types::$ours> for PocoTypes::$hub {
                fn from(operation: types::$ours) -> Self {
                    PocoTypes::$hub {
                        order: operation.order.into(),
                        operation: operation.operation,
                        sign: operation.sign,
                    }
                }
            }
        )+
    };
}

operation_conversions!(
    AppOrderOperationWithSign => AppOrderOperation,
    DatasetOrderOperationWithSign => DatasetOrderOperation,
    WorkerpoolOrderOperationWithSign => WorkerpoolOrderOperation,
    RequestOrderOperationWithSign => RequestOrderOperation,
);

/// The empty dataset order `matchOrders` takes for a deal without a dataset (all zero, no
/// signature).
pub fn no_dataset_order() -> PocoTypes::DatasetOrder {
    types::DatasetOrderWithSign::default().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::{
        primitives::{Address, Bytes, U256},
        sol_types::SolValue,
    };

    #[test]
    fn the_two_encodings_are_identical() {
        let ours = poco_types::RequestOrder {
            app: Address::repeat_byte(1),
            volume: U256::from(3),
            params: "{\"iexec_args\":\"x\"}".into(),
            ..Default::default()
        }
        .with_sign(Bytes::from(vec![7u8; 65]));
        let hub: PocoTypes::RequestOrder = ours.clone().into();
        assert_eq!(hub.abi_encode(), ours.abi_encode());
        assert_eq!(types::RequestOrderWithSign::from(hub), ours);
    }

    #[test]
    fn no_dataset_is_all_zero() {
        let order = no_dataset_order();
        assert_eq!(order.dataset, Address::ZERO);
        assert!(order.sign.is_empty());
    }
}

//! Orders from a party's side, shared by the CLI, the market and the scheduler: signing them
//! after checking what the chain can tell ([`manage`]; the iexec.json templates they come from
//! are read by [`crate::project`]), cancelling them, reading their on-chain status
//! ([`status`]), and filling them: building the request on the fly, checking in advance
//! everything `matchOrders` checks ([`preflight`]) and sending the match ([`fill`]).
//!
//! [`HubOrder`] gives the four kinds what the hub needs of each (the `manage*Order` call, the
//! `Closed*Order` event, the registry); [`AnySigned`] holds any signed order for code that
//! handles the four alike.

pub mod fill;
pub mod manage;
pub mod preflight;
pub mod status;

use crate::client::Client;
use crate::error::{ClientError, Result};
use poco_contracts::{
    AppRegistry, PocoHub,
    alloy::{
        primitives::{Address, B256, Bytes, U256},
        providers::DynProvider,
        rpc::types::TransactionRequest,
        sol_types::{Eip712Domain, SolEvent},
    },
};
use poco_types::{
    AppOrder, DatasetOrder, Order, OrderKind, OrderOperation, RequestOrder, Signed, WorkerpoolOrder,
};
use serde::{Serialize, de::DeserializeOwned};

pub use fill::{Filled, OrderSet};
pub use status::{OrderState, OrderStatus};

/// The hub's instance type, as [`Client::hub`] returns it.
pub type Hub = PocoHub::PocoHubInstance<DynProvider>;

/// What the hub needs of each of the four orders.
pub trait HubOrder: Order + Serialize + DeserializeOwned {
    /// The order's name in the SDK's files: `apporder`, `datasetorder`, ...
    const ORDER_NAME: &'static str;

    /// The `manage*Order` transaction applying `operation` to `signed`, sent by the owner
    /// itself (so without an operation signature).
    fn manage_request(
        hub: &Hub,
        signed: Signed<Self>,
        operation: OrderOperation,
    ) -> TransactionRequest;

    /// The topic of the `Closed*Order(bytes32 hash)` event.
    fn closed_topic() -> B256;

    /// The order with `salt`.
    fn with_salt(self, salt: B256) -> Self;

    /// Wraps a signed order of this kind.
    fn wrap(signed: Signed<Self>) -> AnySigned;

    /// Unwraps a signed order of this kind.
    fn unwrap(any: AnySigned) -> Option<Signed<Self>>;
}

/// Implements [`HubOrder`] for one kind.
macro_rules! hub_order {
    ($order:ident, $name:literal, $manage:ident, $closed:ident, $variant:ident) => {
        impl HubOrder for $order {
            const ORDER_NAME: &'static str = $name;

            fn manage_request(
                hub: &Hub,
                signed: Signed<Self>,
                operation: OrderOperation,
            ) -> TransactionRequest {
                let argument =
                    signed
                        .order
                        .into_operation_with_sign(signed.sign, operation, Bytes::new());
                hub.$manage(argument.into()).into_transaction_request()
            }

            fn closed_topic() -> B256 {
                PocoHub::$closed::SIGNATURE_HASH
            }

            fn with_salt(mut self, salt: B256) -> Self {
                self.salt = salt;
                self
            }

            fn wrap(signed: Signed<Self>) -> AnySigned {
                AnySigned::$variant(signed)
            }

            fn unwrap(any: AnySigned) -> Option<Signed<Self>> {
                match any {
                    AnySigned::$variant(signed) => Some(signed),
                    _ => None,
                }
            }
        }
    };
}

hub_order!(AppOrder, "apporder", manageAppOrder, ClosedAppOrder, App);
hub_order!(
    DatasetOrder,
    "datasetorder",
    manageDatasetOrder,
    ClosedDatasetOrder,
    Dataset
);
hub_order!(
    WorkerpoolOrder,
    "workerpoolorder",
    manageWorkerpoolOrder,
    ClosedWorkerpoolOrder,
    Workerpool
);
hub_order!(
    RequestOrder,
    "requestorder",
    manageRequestOrder,
    ClosedRequestOrder,
    Request
);

/// Any signed order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnySigned {
    /// An app order.
    App(Signed<AppOrder>),
    /// A dataset order.
    Dataset(Signed<DatasetOrder>),
    /// A workerpool order.
    Workerpool(Signed<WorkerpoolOrder>),
    /// A request order.
    Request(Signed<RequestOrder>),
}

/// Runs `$body` with `$signed` bound to the inner `Signed<O>` of any kind.
macro_rules! each_kind {
    ($any:expr, $signed:ident => $body:expr) => {
        match $any {
            AnySigned::App($signed) => $body,
            AnySigned::Dataset($signed) => $body,
            AnySigned::Workerpool($signed) => $body,
            AnySigned::Request($signed) => $body,
        }
    };
}

impl AnySigned {
    /// Which kind.
    pub fn kind(&self) -> OrderKind {
        match self {
            AnySigned::App(_) => OrderKind::App,
            AnySigned::Dataset(_) => OrderKind::Dataset,
            AnySigned::Workerpool(_) => OrderKind::Workerpool,
            AnySigned::Request(_) => OrderKind::Request,
        }
    }

    /// The order hash under `domain`.
    pub fn hash(&self, domain: &Eip712Domain) -> B256 {
        each_kind!(self, signed => signed.hash(domain))
    }

    /// The order's volume.
    pub fn volume(&self) -> U256 {
        each_kind!(self, signed => signed.order.volume())
    }

    /// The SDK's JSON form (the order's fields and `sign`).
    pub fn to_json(&self) -> serde_json::Value {
        each_kind!(self, signed => serde_json::to_value(signed)
            .expect("orders serialize to JSON"))
    }

    /// Reads the SDK's JSON form of a `kind` order (orders.json, the market).
    pub fn from_json(kind: OrderKind, json: &serde_json::Value) -> Result<Self> {
        fn read<O: HubOrder>(json: &serde_json::Value) -> Result<AnySigned> {
            serde_json::from_value::<Signed<O>>(json.clone())
                .map(O::wrap)
                .map_err(|e| {
                    ClientError::InvalidOrder(format!("the {} is not valid: {e}", O::ORDER_NAME))
                })
        }
        match kind {
            OrderKind::App => read::<AppOrder>(json),
            OrderKind::Dataset => read::<DatasetOrder>(json),
            OrderKind::Workerpool => read::<WorkerpoolOrder>(json),
            OrderKind::Request => read::<RequestOrder>(json),
        }
    }
}

/// The SDK's name of a kind's order: `apporder`, `datasetorder`, `workerpoolorder`,
/// `requestorder`.
pub fn order_name(kind: OrderKind) -> &'static str {
    match kind {
        OrderKind::App => AppOrder::ORDER_NAME,
        OrderKind::Dataset => DatasetOrder::ORDER_NAME,
        OrderKind::Workerpool => WorkerpoolOrder::ORDER_NAME,
        OrderKind::Request => RequestOrder::ORDER_NAME,
    }
}

/// The registered owner of an app, dataset or workerpool, or `None` when `resource` is not
/// registered. `kind` must not be [`OrderKind::Request`].
pub async fn registered_owner(
    client: &Client,
    kind: OrderKind,
    resource: Address,
) -> Result<Option<Address>> {
    if resource == Address::ZERO {
        return Ok(None);
    }
    let hub = client.hub();
    let registry = match kind {
        OrderKind::App => hub.appregistry().call().await,
        OrderKind::Dataset => hub.datasetregistry().call().await,
        OrderKind::Workerpool => hub.workerpoolregistry().call().await,
        OrderKind::Request => {
            return Err(ClientError::InvalidInput(
                "a request order has no registry entry".to_owned(),
            ));
        }
    }
    .map_err(|e| crate::client::rpc("read the registry's address", e))?;
    // The three registries share the ERC-721 ABI.
    let registry = AppRegistry::new(registry, client.provider().clone());
    let registered = registry
        .isRegistered(resource)
        .call()
        .await
        .map_err(|e| crate::client::rpc("read the registry", e))?;
    if !registered {
        return Ok(None);
    }
    let owner = registry
        .ownerOf(U256::from_be_bytes(resource.into_word().0))
        .call()
        .await
        .map_err(|e| crate::client::rpc("read the owner of a registry entry", e))?;
    Ok(Some(owner))
}

/// The command that registers a resource of `kind`, for error messages.
pub(crate) fn deploy_command(kind: OrderKind) -> String {
    format!("poco {kind} deploy")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_signed_round_trips_through_json() {
        let order = AppOrder {
            app: Address::repeat_byte(0x11),
            volume: U256::from(3),
            ..Default::default()
        };
        let any = AnySigned::App(Signed::unsigned(order));
        let json = any.to_json();
        assert_eq!(json["volume"], "3");
        assert_eq!(
            AnySigned::from_json(OrderKind::App, &json).expect("valid"),
            any
        );
        assert_eq!(any.kind(), OrderKind::App);
        assert_eq!(any.volume(), U256::from(3));
        let error =
            AnySigned::from_json(OrderKind::Workerpool, &json).expect_err("not a pool order");
        assert!(error.to_string().contains("workerpoolorder"), "{error}");
    }

    #[test]
    fn names_are_the_sdks() {
        assert_eq!(order_name(OrderKind::Request), "requestorder");
        assert_eq!(
            AppOrder::closed_topic(),
            PocoHub::ClosedAppOrder::SIGNATURE_HASH
        );
    }
}

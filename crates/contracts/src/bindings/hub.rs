//! The hub: the one address clients talk to (iExec's "hub" / `IexecInterfaceToken`), typed from
//! `contracts/out/PocoHub.json`, the Diamond's and every facet's ABI merged.
//!
//! `PocoHub::new(address, provider)` gives an instance with a method per function
//! (`hub.token()`, `hub.matchOrders(..)`, ...), and the module holds the calls, events
//! (`PocoHub::OrdersMatched`, `PocoHub::TaskFinalize`, ...), custom errors
//! (`PocoHub::PocoHubErrors`) and, in [`PocoTypes`], the structs (orders, `Deal`, `Task`,
//! `Account`, `Category`, ...).

#![allow(missing_docs, clippy::too_many_arguments)]

alloy::sol!(
    #[sol(rpc)]
    PocoHub,
    "../../contracts/out/PocoHub.json"
);

#[cfg(test)]
mod tests {
    use super::PocoHub;

    #[test]
    fn the_merged_abi_has_no_code_of_its_own() {
        // What bindings/mod.rs promises: the hub is deployed as the Diamond plus facets.
        assert!(PocoHub::BYTECODE.is_empty());
        assert!(PocoHub::DEPLOYED_BYTECODE.is_empty());
    }
}

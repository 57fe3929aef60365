//! What deploying the hub needs: the ERC-2535 `Diamond` proxy and the ten facets holding the
//! hub's code, each typed from its artifact, plus [`FACETS`], the table the deployment walks
//! (name, creation code and function selectors of each facet, in the README's deploy order).

use alloy::primitives::{Bytes, FixedBytes};

/// Declares one module per contract (each `sol!` emits its own copy of the libraries its
/// structs come from, which would clash in a shared module) and re-exports the contract.
macro_rules! contracts {
    ($($module:ident: $name:ident = $path:literal;)+) => {
        $(
            #[doc = concat!("`", stringify!($name), "`, generated from `contracts/out/", stringify!($name), ".json`.")]
            pub mod $module {
                #![allow(missing_docs, clippy::too_many_arguments)]
                alloy::sol!(#[sol(rpc)] $name, $path);
            }
            pub use $module::$name;
        )+
    };
}

contracts! {
    diamond_proxy: Diamond = "../../contracts/out/Diamond.json";
    diamond_cut_facet: DiamondCutFacet = "../../contracts/out/DiamondCutFacet.json";
    diamond_loupe_facet: DiamondLoupeFacet = "../../contracts/out/DiamondLoupeFacet.json";
    configuration_facet: ConfigurationFacet = "../../contracts/out/ConfigurationFacet.json";
    escrow_token_facet: EscrowTokenFacet = "../../contracts/out/EscrowTokenFacet.json";
    category_facet: CategoryFacet = "../../contracts/out/CategoryFacet.json";
    order_management_facet: OrderManagementFacet = "../../contracts/out/OrderManagementFacet.json";
    match_orders_facet: MatchOrdersFacet = "../../contracts/out/MatchOrdersFacet.json";
    task_facet: TaskFacet = "../../contracts/out/TaskFacet.json";
    finalize_facet: FinalizeFacet = "../../contracts/out/FinalizeFacet.json";
    accessors_facet: AccessorsFacet = "../../contracts/out/AccessorsFacet.json";
}

/// One facet as the deployment uses it.
#[derive(Clone, Copy, Debug)]
pub struct FacetArtifact {
    /// The contract name (`TaskFacet`), also its key in [`crate::Deployment::facets`].
    pub name: &'static str,
    /// Creation code (the facets take no constructor arguments).
    pub bytecode: &'static Bytes,
    /// Every function selector of the facet's ABI, sorted: the Diamond routes exactly these to
    /// the facet.
    pub selectors: &'static [[u8; 4]],
}

impl FacetArtifact {
    /// The selectors as the `bytes4[]` the Diamond's cut takes.
    pub fn selector_words(&self) -> Vec<FixedBytes<4>> {
        self.selectors.iter().copied().map(FixedBytes).collect()
    }
}

/// Declares [`FACETS`] from the facets' generated `Calls` enums, whose `SELECTORS` are computed
/// by `sol!` from the ABI at compile time.
macro_rules! facet_table {
    ($($module:ident: $name:ident / $calls:ident),+ $(,)?) => {
        /// The ten facets in the README's deploy (and cut) order.
        pub static FACETS: [FacetArtifact; 10] = [
            $(FacetArtifact {
                name: stringify!($name),
                bytecode: &$module::$name::BYTECODE,
                selectors: $module::$name::$calls::SELECTORS,
            }),+
        ];
    };
}

facet_table! {
    diamond_cut_facet: DiamondCutFacet / DiamondCutFacetCalls,
    diamond_loupe_facet: DiamondLoupeFacet / DiamondLoupeFacetCalls,
    configuration_facet: ConfigurationFacet / ConfigurationFacetCalls,
    escrow_token_facet: EscrowTokenFacet / EscrowTokenFacetCalls,
    category_facet: CategoryFacet / CategoryFacetCalls,
    order_management_facet: OrderManagementFacet / OrderManagementFacetCalls,
    match_orders_facet: MatchOrdersFacet / MatchOrdersFacetCalls,
    task_facet: TaskFacet / TaskFacetCalls,
    finalize_facet: FinalizeFacet / FinalizeFacetCalls,
    accessors_facet: AccessorsFacet / AccessorsFacetCalls,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::hub::PocoHub;
    use alloy::sol_types::SolInterface;
    use std::collections::BTreeSet;

    #[test]
    fn facets_cover_the_hub_abi_exactly_once() {
        let mut seen = BTreeSet::new();
        for facet in &FACETS {
            assert!(
                !facet.selectors.is_empty(),
                "{} has no functions",
                facet.name
            );
            assert!(!facet.bytecode.is_empty(), "{} has no code", facet.name);
            for selector in facet.selectors {
                assert!(
                    seen.insert(*selector),
                    "selector {selector:02x?} of {} is in two facets",
                    facet.name
                );
            }
        }
        let hub: BTreeSet<[u8; 4]> = PocoHub::PocoHubCalls::SELECTORS.iter().copied().collect();
        assert_eq!(seen, hub, "the facets' selectors must be the hub's ABI");
        assert_eq!(PocoHub::PocoHubCalls::COUNT, hub.len());
    }

    #[test]
    fn facets_follow_the_readme_order() {
        let names: Vec<&str> = FACETS.iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                "DiamondCutFacet",
                "DiamondLoupeFacet",
                "ConfigurationFacet",
                "EscrowTokenFacet",
                "CategoryFacet",
                "OrderManagementFacet",
                "MatchOrdersFacet",
                "TaskFacet",
                "FinalizeFacet",
                "AccessorsFacet",
            ]
        );
    }
}

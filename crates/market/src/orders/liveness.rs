//! What keeps a published order matchable besides its volume, as one rule for publishing
//! ([`super::publish`], which refuses an order that breaks it) and the chain watcher (which
//! marks an order DEAD when the chain breaks it later, and OPEN again when it holds again):
//! - an app, dataset or workerpool order is signed by the resource's registered owner
//!   ([`owned_resource`]);
//! - a workerpool owner's free stake covers `workerpool_stake_ratio`% of the price for each
//!   task left, and a requester's covers the full price of each task left ([`stake_needed`]).

use alloy_primitives::{Address, U256};
use poco_client::orders::AnySigned;
use poco_types::OrderKind;

/// What the owner's free stake must cover for `remaining` tasks of `order` (`ratio`: the hub's
/// `workerpool_stake_ratio`, in %, read only for workerpool orders), with the rule in words;
/// `None` for app and dataset orders, which need no stake.
pub fn stake_needed(order: &AnySigned, ratio: U256, remaining: U256) -> Option<(U256, String)> {
    match order {
        AnySigned::Workerpool(s) => {
            let per_task = s.order.workerpoolprice.saturating_mul(ratio) / U256::from(100);
            Some((
                per_task.saturating_mul(remaining),
                format!("{ratio}% of the price for each of the {remaining} tasks left"),
            ))
        }
        AnySigned::Request(s) => {
            let o = &s.order;
            let per_task = o
                .appmaxprice
                .saturating_add(o.datasetmaxprice)
                .saturating_add(o.workerpoolmaxprice);
            Some((
                per_task.saturating_mul(remaining),
                format!("the full price of the {remaining} tasks left"),
            ))
        }
        AnySigned::App(_) | AnySigned::Dataset(_) => None,
    }
}

/// The registered resource whose owner must sign `order`: its app, dataset or workerpool;
/// `None` for a request order (signed by its requester).
pub fn owned_resource(order: &AnySigned) -> Option<(OrderKind, Address)> {
    match order {
        AnySigned::App(s) => Some((OrderKind::App, s.order.app)),
        AnySigned::Dataset(s) => Some((OrderKind::Dataset, s.order.dataset)),
        AnySigned::Workerpool(s) => Some((OrderKind::Workerpool, s.order.workerpool)),
        AnySigned::Request(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poco_types::{RequestOrder, Signed, WorkerpoolOrder};

    #[test]
    fn the_stake_rule() {
        let pool = AnySigned::Workerpool(Signed::unsigned(WorkerpoolOrder {
            workerpoolprice: U256::from(10),
            ..Default::default()
        }));
        let (needed, _) = stake_needed(&pool, U256::from(30), U256::from(4)).expect("a rule");
        assert_eq!(needed, U256::from(12));
        let request = AnySigned::Request(Signed::unsigned(RequestOrder {
            appmaxprice: U256::from(1),
            datasetmaxprice: U256::from(2),
            workerpoolmaxprice: U256::from(3),
            ..Default::default()
        }));
        let (needed, _) = stake_needed(&request, U256::ZERO, U256::from(5)).expect("a rule");
        assert_eq!(needed, U256::from(30));
        assert_eq!(owned_resource(&request), None);
    }
}

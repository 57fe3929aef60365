//! The scheduler and the chain: following the hub's events ([`follow`]), reading tasks into
//! the database ([`reconcile`]), and the pool owner's transactions ([`actions`]).

pub mod actions;
pub mod follow;
pub mod reconcile;

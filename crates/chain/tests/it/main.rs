//! Integration tests of poco-chain: a node started in-process, driven over real HTTP and
//! WebSocket connections.

#![allow(unreachable_pub, dead_code)]

mod client;
mod contracts;
mod dev;
mod errors;
mod fuzz;
mod persistence;
mod rpc;
mod subscriptions;
mod transactions;

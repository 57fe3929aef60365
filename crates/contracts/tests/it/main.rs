//! Integration tests of poco-contracts: deployments on in-process poco chains and on Hardhat's
//! node, checked through the generated bindings over real JSON-RPC.

#![allow(unreachable_pub, dead_code)]

mod common;
mod determinism;
mod errors;
mod hardhat;
mod lifecycle;
mod wiring;

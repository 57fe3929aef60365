//! Integration tests of poco-contracts: deployments on in-process poco chains and on Hardhat's
//! node, checked through the generated bindings over real JSON-RPC.

#![allow(unreachable_pub, dead_code)]

mod abi;
mod common;
mod determinism;
mod eip712;
mod errors;
mod fixture;
mod gas;
mod hardhat;
mod invariants;
mod lifecycle;
mod paths;
mod rejections;
mod surface;
mod wiring;

//! End-to-end tests of the real `poco` binary.

#![allow(unreachable_pub, missing_docs, dead_code)]

mod account;
mod assets;
mod category;
mod chain;
mod common;
mod deal;
mod execution;
mod execution_follow;
mod fixture;
mod http_stub;
mod info;
mod init;
mod market;
mod market_api;
mod order;
mod task;
mod wallet;
mod workshop;

//! The scheduler against a dev chain with the protocol deployed and real deals, driven by
//! scripted workers over real HTTP that send real transactions.

mod common;
mod consensus;
mod deadlines;
mod login;
mod lost;
mod matcher;
mod restart;
mod trust1;
mod worker;

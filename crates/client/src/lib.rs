//! Poco's client library, shared by the `poco` CLI and the services that act for a party:
//! wallets as V3 keystores ([`keystore`]), the iExec SDK's project files ([`project`]: iexec.json,
//! deployed.json, orders.json) and chain file ([`chains`]: chain.json, with a built-in `dev`
//! chain), and a [`Client`] that reads the hub and sends transactions whose failures come back
//! explained ([`explain`]), and [`market::MarketApi`], the client of the market API (publish,
//! unpublish, order book).

pub mod account;
pub mod assets;
pub mod categories;
pub mod chains;
pub mod client;
pub mod core;
pub mod deals;
pub mod error;
pub mod execution;
pub mod explain;
pub mod keystore;
pub mod market;
pub mod orders;
pub mod project;
pub mod results;
pub mod tx;
pub mod wallet;

pub use client::Client;
pub use error::{ClientError, Result};
pub use tx::{Tx, TxProgress};

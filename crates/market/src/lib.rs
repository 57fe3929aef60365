//! Poco's market: an order book service wire-compatible with iExec's market API
//! (`iexecGateway`, spec `offchain.md` §3). Orders are signed off-chain and matched on-chain;
//! the market is where they meet.
//!
//! [`Market::start`] serves the API over a database that is SQLite by default
//! (`sqlite://file`, created on first start) or PostgreSQL (`postgres://...`), with the same
//! code and migrations for both ([`db`]). What works:
//! - `GET /version`, `GET /challenge?chainId&address` (EIP-712 challenge, single use, 5 min;
//!   [`auth`]);
//! - `POST /{apporders,datasetorders,workerpoolorders,requestorders}?chainId` publishes a
//!   signed order after every check of the spec ([`orders::publish`]);
//! - `PUT` on the same paths unpublishes by hash, the last, or all ([`orders::unpublish`]);
//! - `GET` on them lists OPEN orders with the SDK's filters, sort and pagination, and
//!   `GET /{kind}orders/{orderHash}` reads one ([`orders::query`]);
//! - `GET /categories[/{id}]`, from the `categories` table ([`categories`]);
//! - `GET /deals[/{dealid}]`, the deals the watcher recorded, with iExec's filters and field
//!   names ([`deals`]);
//! - `GET /stream?chainId[&kind]`: server-sent events of the book's changes (published,
//!   unpublished, updated orders; new deals), resumable with `Last-Event-ID` ([`stream`]);
//! - `GET /openapi.json`: the OpenAPI 3 document of all of the above ([`openapi`]), which
//!   scripts/schemathesis.sh checks the market against.
//!
//! A chain watcher runs with the market (`watcher`): it follows the hub's logs up to head −
//! `confirmations` and keeps every order true (remaining volume and FILLED after matches,
//! CANCELED after `Closed*Order`, DEAD — and OPEN again — as stakes and resource owners
//! change), records deals and new categories, resumes where it stopped after a restart, and
//! applies each block range exactly once.
//!
//! Errors are typed ([`MarketError`]) and become 4xx JSON `{ok: false, error}` for bad input.
//!
//! Next steps (extension points):
//! - the `poco market` subcommand and the CLI's publish/unpublish/orderbook commands;
//! - the benchmarks of the issue.

pub mod api;
pub mod auth;
pub mod categories;
pub mod config;
pub mod db;
pub mod deals;
pub mod error;
pub mod openapi;
pub mod orders;
pub mod params;
pub mod server;
pub mod stream;
pub mod time;
mod watcher;

pub use config::MarketConfig;
pub use error::{MarketError, Result};
pub use server::Market;

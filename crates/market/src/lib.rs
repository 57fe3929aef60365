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
//! - `GET /categories[/{id}]`, read from the hub.
//!
//! Errors are typed ([`MarketError`]) and become 4xx JSON `{ok: false, error}` for bad input.
//!
//! Next steps (extension points):
//! - the chain watcher: OrdersMatched (remaining, FILLED; rows into `deals`), Closed*Order
//!   (CANCELED), stake changes and registry transfers (DEAD), resuming from the `watcher`
//!   table; it updates `orders.status`/`remaining` through [`Market::pool`];
//! - `GET /deals[/{dealid}]` over the `deals` table, and counts;
//! - the live stream (WebSocket or SSE) of order events;
//! - PostgreSQL in CI (`.ci/run`), running the same tests with a `postgres://` URL;
//! - the `poco market` subcommand and the CLI's publish/unpublish/orderbook commands;
//! - `/openapi.json`, a schemathesis run, and the benchmarks of the issue.

pub mod api;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod orders;
pub mod params;
pub mod server;
pub mod time;

pub use config::MarketConfig;
pub use error::{MarketError, Result};
pub use server::Market;

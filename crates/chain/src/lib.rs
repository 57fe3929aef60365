//! Poco's embedded Ethereum dev chain.
//!
//! A complete Ethereum JSON-RPC node for laptops, CI and tests: revm executes, alloy types carry
//! blocks, transactions and receipts, and an axum server answers JSON-RPC 2.0 over HTTP (single
//! and batch) and WebSocket (with `eth_subscribe`) on one port. It starts in milliseconds inside
//! the calling process, like SQLite for a database; production points the same services at any
//! Ethereum node instead.
//!
//! ```no_run
//! # async fn run() -> poco_chain::Result<()> {
//! let node = poco_chain::Node::start(poco_chain::ChainConfig::test()).await?;
//! println!("JSON-RPC at {}", node.http_url());
//! // The node stops when `node` is dropped.
//! # Ok(()) }
//! ```

pub mod accounts;
pub mod backend;
pub mod blocks;
pub mod clock;
pub mod config;
pub mod error;
pub mod executor;
pub mod node;
pub mod persist;
pub mod pool;
pub mod rpc;
mod server;
pub mod state;
pub mod state_root;
pub mod trie;

pub use backend::Backend;
pub use config::ChainConfig;
pub use error::{ChainError, NodeError, Result};
pub use node::Node;

//! Poco's local stack: a dev chain with the protocol deployed, the market, result storage, a
//! workerpool's scheduler and its workers, in one process, kept in one data directory. It is
//! what `poco up` runs, what `poco demo` runs on, and what the end-to-end tests and execution
//! benchmarks start. Its ports default to the CLI's built-in `dev` chain's, so every `poco`
//! command works against it without a chain.json.

pub mod accounts;
pub mod config;
pub mod demo;
pub mod error;
pub mod layout;
pub mod record;
pub mod requester;
pub mod setup;
mod stack;

pub use accounts::Role;
pub use config::{Engine, Ports, StackConfig};
pub use error::{Result, StackError};
pub use layout::Layout;
pub use record::{StackRecord, Urls};
pub use stack::Stack;

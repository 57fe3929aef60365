//! poco-service against real things: SQLite files, and an in-process dev chain with the
//! protocol deployed for the transaction queue and the log follower.

mod common;
mod follow;
mod store;
mod txq;

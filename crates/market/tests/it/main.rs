//! The market's end-to-end tests: an in-process dev chain with the protocol deployed and a
//! market on a temporary SQLite file, driven over HTTP as the SDK drives iExec's market.

mod book;
mod common;
mod counts;
mod deals;
mod fixture;
mod hostile;
mod openapi;
mod publish;
mod stream;
mod watcher;

//! The result server against a real dev chain with the protocol deployed, over real HTTP:
//! tokens, each upload rule, conflicts, content checks, the sweeper, downloads by CID.

mod common;
mod consensus;
mod gateway;
mod token;
mod trust1;

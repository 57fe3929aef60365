//! Running apps, from the requester's side (the iExec SDK's `app run`, `app
//! request-execution`, `task show --download` and `task debug`):
//!
//! - [`run`]: pick the cheapest fitting orders on the market ([`select`]), build and sign the
//!   request with the SDK's params rules ([`params`]), check the requester's stake and the
//!   match, match;
//! - [`request`]: sign a request order and publish it on the market;
//! - [`watch`]: follow a run's tasks on-chain and their replicates on the scheduler;
//! - [`debug`]: find a workerpool's scheduler, and its view of a task in the SDK's shape;
//! - [`download`]: fetch a completed task's result from the IPFS gateway, its CID checked;
//!
//! Errors are [`ExecutionError`]s: each says the cause and the fix.

pub mod debug;
pub mod download;
mod error;
pub mod params;
pub mod request;
pub mod run;
pub mod select;
pub mod watch;

pub use error::{ExecutionError, Result};
pub use params::ParamsInput;
pub use request::{PreparedRequest, RequestSpec};
pub use run::{PreparedRun, RunSpec, Submitted};
pub use select::Source;
pub use watch::{RunProgress, TaskProgress};

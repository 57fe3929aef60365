//! Poco's worker: runs a workerpool's replicates in containers (Docker Engine API, Docker or
//! Podman), contributes, reveals and uploads results.
//!
//! [`Worker::start`] logs in to its scheduler, registers, and long-polls for replicates while
//! a container slot is free; each replicate reads its task from the chain, checks the app
//! image against its on-chain checksum, downloads the dataset and input files, runs the app
//! in a locked-down container ([`engine`]), turns `/iexec_out` into a digest and a
//! deterministic zip ([`output`]), then contributes, reveals, uploads and finalizes as the
//! scheduler's answers say. Everything needed to finish is in its database first, so a
//! restart finishes or gives back what it had ([`recovery`]).

pub mod chain;
pub mod config;
mod core;
pub mod description;
pub mod engine;
pub mod error;
pub mod executor;
pub mod inputs;
pub mod output;
pub mod recovery;
mod replicate;
pub mod store;
mod upload;
mod worker;

pub use config::WorkerConfig;
pub use engine::{DockerExecutor, Engine, EngineChoice};
pub use error::{Result, WorkerError};
pub use executor::{Executor, RunOutcome, RunSpec};
pub use worker::Worker;

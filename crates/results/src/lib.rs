//! Poco's result storage (`poco results`; design `docs/design/execution.md` §4, spec
//! `offchain.md` §5): iExec's result proxy API and an IPFS-style gateway path, over a
//! content-addressed store.
//!
//! A worker gets a token for one task with the pool owner's `WorkerpoolAuthorization` and its
//! own signature (`POST /v1/results/token`), uploads its zipped `/iexec_out` (`POST
//! /v1/results`) and gets back `/ipfs/<cid>`: the CIDv1 (raw, sha2-256, `bafkrei…`) of the zip,
//! which goes on chain in the result link. Uploads are checked against the chain ([`checks`]):
//! for trust > 1, only a revealed winner's zip whose content gives the revealed digest; for
//! trust 1, the worker's upload before `contributeAndFinalize` (swept if the task does not
//! complete with it) or after, checked. Anyone downloads `GET /ipfs/<cid>`.
//!
//! ```no_run
//! use poco_results::{ResultServer, ResultsConfig};
//!
//! # async fn run() -> poco_results::Result<()> {
//! let server = ResultServer::start(ResultsConfig::default().with_store("file:///var/lib/poco/results")).await?;
//! println!("results at {}", server.url());
//! server.stop().await?;
//! # Ok(()) }
//! ```

pub mod api;
pub mod auth;
pub mod chain;
pub mod checks;
pub mod config;
pub mod content;
pub mod db;
pub mod error;
pub mod server;
pub mod store;
pub mod upload;

pub use config::{DEFAULT_MAX_RESULT_SIZE, ResultsConfig};
pub use error::{Result, ResultsError};
pub use server::ResultServer;
pub use upload::SweepReport;

//! Poco's protocol contracts from Rust: typed bindings of every contract, generated at compile
//! time from the committed artifacts in `contracts/out` (no Node or solc needed to build), and
//! the deployment of the protocol on any EVM chain at the Cancun hardfork or later.
//!
//! ```no_run
//! use poco_contracts::{DeployOptions, PocoHub, deploy, dev};
//! use poco_contracts::alloy::{providers::ProviderBuilder, signers::local::PrivateKeySigner};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let admin: PrivateKeySigner =
//!     "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80".parse()?;
//! let deployment = deploy("http://127.0.0.1:8545", admin, &DeployOptions::default()).await?;
//! assert_eq!(deployment.hub, dev::HUB); // on a fresh dev chain
//!
//! let provider = ProviderBuilder::new().connect_http("http://127.0.0.1:8545".parse()?);
//! let hub = PocoHub::new(deployment.hub, &provider);
//! assert_eq!(hub.token().call().await?, deployment.rlc);
//! # Ok(()) }
//! ```
//!
//! The crate re-exports the [`alloy`] it is built with, so callers use the same provider and
//! signer types as the bindings.

pub mod bindings;
pub mod convert;
pub mod deploy;
pub mod deployment;
pub mod dev;
pub mod error;
pub mod options;
pub mod revert;

pub use alloy;
pub use bindings::{
    diamond::{
        AccessorsFacet, CategoryFacet, ConfigurationFacet, Diamond, DiamondCutFacet,
        DiamondLoupeFacet, EscrowTokenFacet, FACETS, FacetArtifact, FinalizeFacet,
        MatchOrdersFacet, OrderManagementFacet, TaskFacet,
    },
    hub::{PocoHub, PocoTypes},
    registries::{App, AppRegistry, Dataset, DatasetRegistry, Workerpool, WorkerpoolRegistry},
    token::RLC,
};
pub use deploy::{DeployReport, deploy, deploy_report, deploy_with_provider};
pub use deployment::Deployment;
pub use error::{DeployError, Result, Step};
pub use options::DeployOptions;
pub use revert::{describe_custom_error, describe_revert};

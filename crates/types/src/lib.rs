//! Poco's shared protocol types.
//!
//! Everything two Poco components must agree on byte for byte lives here, so that the chain, the
//! contracts' clients, the market, the scheduler, the worker and the CLI compute the same hashes
//! and speak the same JSON as iExec's PoCo: the four orders and their EIP-712 hashing and
//! signing, tags, categories, deal/task ids, contribution hashes, result digests, statuses and
//! RLC amounts.
//!
//! The crate does no I/O (no network, no clock, no randomness), with one documented exception:
//! [`digest_fs::result_digest`] reads a result file or directory to hash it.
//!
//! ```
//! use alloy_primitives::{Address, U256};
//! use alloy_signer_local::PrivateKeySigner;
//! use poco_types::{AppOrder, SignedAppOrder, domain};
//!
//! # fn main() -> poco_types::Result<()> {
//! let owner = PrivateKeySigner::random();
//! let domain = domain(134, Address::repeat_byte(0x3e));
//! let order = AppOrder { app: Address::repeat_byte(0x11), volume: U256::from(1), ..Default::default() };
//! let signed = SignedAppOrder::sign(order, &domain, &owner)?;
//! assert_eq!(signed.recover_signer(&domain)?, owner.address());
//! # Ok(()) }
//! ```

pub mod amount;
pub mod authorization;
pub mod category;
pub mod challenge;
pub mod constants;
pub mod contribution;
pub mod core;
pub mod digest;
pub mod digest_fs;
pub mod domain;
pub mod error;
pub mod ids;
pub mod orders;
pub mod replicate;
pub mod results;
pub mod serde_helpers;
pub mod signature;
pub mod status;
pub mod tag;

pub use amount::{format_nrlc, format_rlc, parse_nrlc};
pub use authorization::WorkerpoolAuthorization;
pub use category::Category;
pub use contribution::{enclave_message, result_hash, result_seal};
pub use digest::{callback_digest, digest_of_files, sha256};
pub use domain::{DOMAIN_NAME, DOMAIN_VERSION, domain};
pub use error::{Result, TypesError};
pub use ids::{deal_id, task_id};
pub use orders::{
    AppOrder, DatasetOrder, Order, OrderKind, OrderOperation, RequestOrder, Signed, SignedAppOrder,
    SignedDatasetOrder, SignedRequestOrder, SignedWorkerpoolOrder, WorkerpoolOrder, order_hash,
};
pub use replicate::ReplicateStatus;
pub use status::{ContributionStatus, TaskStatus};
pub use tag::Tag;

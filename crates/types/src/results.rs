//! What a task's result looks like off-chain, shared by the worker that produces it, the result
//! server that stores it and the CLI that downloads it (design `execution.md` §3.5, §3.6, §4):
//!
//! - [`ResultCid`]: the content address of an uploaded `iexec_out.zip`, a CIDv1 with the raw
//!   codec (0x55) and a sha2-256 multihash, written in base32 (`bafkrei…`, **⚑A15**);
//! - [`ComputedFile`]: the app's `/iexec_out/computed.json` (`deterministic-output-path`,
//!   `callback-data`, `error-message`), parsed with errors that say what to fix;
//! - [`ResultLink`]: the `results` bytes given to `finalize`, exactly
//!   `{"storage":"ipfs","location":"/ipfs/<cid>"}` (**⚑A6**);
//! - [`error_line`]: the one deterministic line of `error.txt` (`CAUSE: message`, **⚑A11**);
//! - [`ResultModel`]: iExec's upload body for `POST /v1/results` (the zip in base64).

pub mod computed;
pub mod content_id;
pub mod error;
pub mod link;
pub mod model;

pub use computed::{ComputedFile, relative_output_path};
pub use content_id::{ResultCid, cid_of};
pub use error::{ResultFormatError, error_line, parse_error_line};
pub use link::ResultLink;
pub use model::ResultModel;

/// Where the app's outputs are mounted in its container.
pub const IEXEC_OUT: &str = "/iexec_out";
/// Where the app's inputs are mounted in its container.
pub const IEXEC_IN: &str = "/iexec_in";
/// The name of the app's result description, in `/iexec_out`.
pub const COMPUTED_FILE: &str = "computed.json";
/// The name of the file the worker writes when the app (or its inputs) failed, in `/iexec_out`.
pub const ERROR_FILE: &str = "error.txt";
/// The name of the zipped outputs a worker uploads.
pub const RESULT_ZIP: &str = "iexec_out.zip";
/// The `storage` of a result link pointing at a CID.
pub const IPFS_STORAGE: &str = "ipfs";
/// The path prefix of a CID location (and of the gateway route serving it).
pub const IPFS_PREFIX: &str = "/ipfs/";

//! `stack.json`: what a stack's setup made and where its services are, for scripts, tests,
//! `poco demo` and a restarted `poco up`. It is written once setup is done, so a stack that
//! has a record never repeats its setup transactions.

use crate::error::{Result, StackError};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One party's account (dev keys: public knowledge).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountRecord {
    /// The role, as [`crate::Role`] displays it.
    pub role: String,
    /// Its address (EIP-55).
    pub address: String,
    /// Its private key, `0x` hex.
    pub private_key: String,
}

/// The services' URLs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Urls {
    /// JSON-RPC.
    pub chain: String,
    /// Market API (`iexecGateway`).
    pub market: String,
    /// Result storage (`resultProxy`) and IPFS gateway (`ipfsGateway`).
    pub results: String,
    /// The workerpool's scheduler (and Compass route).
    pub scheduler: String,
}

/// The record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StackRecord {
    /// Chain id.
    pub chain_id: u64,
    /// The hub.
    pub hub: String,
    /// The RLC token.
    pub rlc: String,
    /// Where the services listen (as last started).
    pub urls: Urls,
    /// The local workerpool.
    pub workerpool: String,
    /// The container engine the workers use (as last started), when there are workers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// The demo app, once `poco demo` registered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demo_app: Option<String>,
    /// The parties.
    pub accounts: Vec<AccountRecord>,
}

impl StackRecord {
    /// Reads `path`; `None` when it does not exist.
    pub fn read(path: &Path) -> Result<Option<StackRecord>> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StackError::io("reading", path)(e)),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StackError::BadRecord {
                path: path.to_path_buf(),
                cause: e.to_string(),
            })
    }

    /// Writes the record atomically (a temporary file renamed over it).
    pub fn write(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).expect("a record serializes");
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text + "\n").map_err(StackError::io("writing", &tmp))?;
        std::fs::rename(&tmp, path).map_err(StackError::io("renaming", path))
    }
}

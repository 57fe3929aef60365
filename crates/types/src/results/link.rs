//! The result link: the `results` bytes a task is finalized with, telling where its result is.
//! Poco writes exactly `{"storage":"ipfs","location":"/ipfs/<cid>"}` (compact, this key order,
//! UTF-8, **⚑A6**), the shape the iExec SDK's `task show --download` follows.

use super::{IPFS_PREFIX, IPFS_STORAGE, ResultCid, error::ResultFormatError};
use serde::{Deserialize, Serialize};

/// Where a result is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultLink {
    /// The storage kind: `ipfs` for Poco's result server (and iExec's IPFS).
    pub storage: String,
    /// The path on the storage: `/ipfs/<cid>` for `ipfs`.
    pub location: String,
}

impl ResultLink {
    /// The link to the bytes named by `cid`.
    pub fn ipfs(cid: &ResultCid) -> Self {
        Self {
            storage: IPFS_STORAGE.to_owned(),
            location: cid.location(),
        }
    }

    /// The exact bytes given to `finalize`/`contributeAndFinalize`.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("two strings serialize")
    }

    /// The link as text (the UTF-8 of [`ResultLink::to_bytes`]).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("two strings serialize")
    }

    /// Reads a task's `results` bytes: a JSON object with string `storage` and `location`
    /// (other keys ignored). Empty bytes (a task not finalized) are refused.
    pub fn parse(bytes: &[u8]) -> Result<Self, ResultFormatError> {
        let refuse = |reason: String| ResultFormatError::ResultLink {
            link: String::from_utf8_lossy(bytes).into_owned(),
            reason,
        };
        if bytes.is_empty() {
            return Err(refuse("is empty: the task has no result yet".to_owned()));
        }
        serde_json::from_slice(bytes).map_err(|e| {
            refuse(format!(
                "is not {{\"storage\": \"…\", \"location\": \"…\"}} ({e})"
            ))
        })
    }

    /// The CID of an `ipfs` link whose location is `/ipfs/<cid>` with a Poco CID; an error
    /// saying why otherwise (another storage, another path, a CIDv0...).
    pub fn cid(&self) -> Result<ResultCid, ResultFormatError> {
        let refuse = |reason: String| ResultFormatError::ResultLink {
            link: self.to_json(),
            reason,
        };
        if self.storage != IPFS_STORAGE {
            return Err(refuse(format!(
                "has storage {:?}: only \"ipfs\" results can be downloaded",
                self.storage
            )));
        }
        let text = self
            .location
            .strip_prefix(IPFS_PREFIX)
            .ok_or_else(|| refuse("has a location that does not start with /ipfs/".to_owned()))?;
        ResultCid::parse(text.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::cid_of;

    #[test]
    fn bytes_are_exactly_the_designs() {
        let cid = cid_of(b"hello poco");
        let link = ResultLink::ipfs(&cid);
        assert_eq!(
            link.to_bytes(),
            br#"{"storage":"ipfs","location":"/ipfs/bafkreifmpob22kmjp4jz5oboqa4xsjhjivgofova7rmfzd3bfvoo6diboe"}"#
        );
        assert_eq!(ResultLink::parse(&link.to_bytes()).expect("valid"), link);
        assert_eq!(link.cid().expect("ipfs"), cid);
    }

    #[test]
    fn other_links_parse_but_have_no_cid() {
        let link =
            ResultLink::parse(br#"{"storage":"ipfs","location":"/ipfs/QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR","x":1}"#)
                .expect("parses");
        assert!(matches!(link.cid(), Err(ResultFormatError::CidV0 { .. })));
        let link = ResultLink::parse(br#"{"storage":"dropbox","location":"/results/x.zip"}"#)
            .expect("parses");
        let error = link.cid().expect_err("not ipfs");
        assert!(error.to_string().contains("storage \"dropbox\""), "{error}");
        let link = ResultLink {
            storage: "ipfs".into(),
            location: "/ipns/x".into(),
        };
        assert!(link.cid().is_err());
        let error = ResultLink::parse(b"").expect_err("empty");
        assert!(error.to_string().contains("no result yet"), "{error}");
        assert!(ResultLink::parse(b"/ipfs/bafk").is_err());
        assert!(ResultLink::parse(br#"{"storage":"ipfs"}"#).is_err());
    }
}

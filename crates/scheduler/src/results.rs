//! Checking an uploaded result before finalizing with it (design §2.3): the uploader's link
//! must be a well-formed result link whose CID the result storage holds for the task
//! (`GET {results}/v1/results/{taskId}/ipfshash`). Behind a trait so tests can stub the
//! storage.

use alloy_primitives::B256;
use poco_types::results::{ResultCid, ResultLink};
use std::{future::Future, pin::Pin};

/// What a check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckOutcome {
    /// The storage holds this result for the task: finalize with it.
    Stored,
    /// The link is wrong (malformed, not stored, another CID): ask another winner.
    Refused(String),
    /// The storage could not be asked: check again later.
    Unavailable(String),
}

/// A boxed future of a [`CheckOutcome`].
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = CheckOutcome> + Send + 'a>>;

/// Checks result links.
pub trait ResultCheck: Send + Sync {
    /// Checks `link` (the bytes that will go on-chain, as text) for `task_id`.
    fn check<'a>(&'a self, task_id: B256, link: &'a str) -> CheckFuture<'a>;
}

/// Parses a result link, or says why it is not one.
pub fn parse_link(link: &str) -> Result<ResultLink, String> {
    ResultLink::parse(link.as_bytes()).map_err(|e| format!("bad result link {link:?}: {e}"))
}

/// The result storage at a URL (`poco results`, iExec's result proxy).
#[derive(Clone, Debug)]
pub struct ResultProxy {
    api: poco_client::results::ResultsApi,
}

impl ResultProxy {
    /// The storage at `url`.
    pub fn new(url: &str) -> Result<Self, String> {
        let api = poco_client::results::ResultsApi::new(url)
            .map_err(|e| format!("result proxy URL `{url}`: {e}"))?;
        Ok(Self { api })
    }
}

impl ResultCheck for ResultProxy {
    fn check<'a>(&'a self, task_id: B256, link: &'a str) -> CheckFuture<'a> {
        Box::pin(async move {
            let parsed = match parse_link(link) {
                Ok(parsed) => parsed,
                Err(why) => return CheckOutcome::Refused(why),
            };
            let cid = match parsed.cid() {
                Ok(cid) => cid,
                Err(e) => return CheckOutcome::Refused(format!("bad result location: {e}")),
            };
            match self.api.ipfs_hash(task_id).await {
                Ok(Some(stored))
                    if ResultCid::parse(stored.trim()).is_ok_and(|stored| stored == cid) =>
                {
                    CheckOutcome::Stored
                }
                Ok(Some(stored)) => CheckOutcome::Refused(format!(
                    "the result storage holds {stored} for the task, not {cid}"
                )),
                Ok(None) => {
                    CheckOutcome::Refused("the result storage holds no result for the task".into())
                }
                Err(e) => CheckOutcome::Unavailable(e.to_string()),
            }
        })
    }
}

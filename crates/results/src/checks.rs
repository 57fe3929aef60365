//! Who may get a token and store a result, decided from the chain (design §4): pure functions
//! of [`TaskFacts`], so every rule is tested without a chain.
//!
//! - A token needs the pool owner's authorization for a non-TEE task that is ACTIVE,
//!   REVEALING or COMPLETED (iExec's proxy: ACTIVE only, **⚑A26**).
//! - Trust > 1: the uploader's contribution is PROVED with the consensus hash, and the zip's
//!   content must give the revealed digest.
//! - Trust 1: either the task is ACTIVE with no contributor yet (the upload comes before
//!   `contributeAndFinalize`: only the authorization vouches for the uploader, the content
//!   cannot be checked, and the sweeper removes it if the task does not complete with it,
//!   **⚑A5**), or it is COMPLETED with the uploader as its sole contributor (content checked).

use crate::{chain::TaskFacts, error::ResultsError};
use alloy_primitives::{Address, B256};
use poco_types::{ContributionStatus, TaskStatus, WorkerpoolAuthorization};

/// How an upload is admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Before the trust-1 finalize: stored unconfirmed, content unchecked.
    Unchecked,
    /// The zip must give `digest`; stored confirmed.
    Checked {
        /// The digest revealed on chain.
        digest: B256,
    },
}

/// Whether `authorization` (whose worker signature was already checked) earns a token for its
/// task.
pub fn token_rule(
    facts: &TaskFacts,
    authorization: &WorkerpoolAuthorization,
) -> Result<(), ResultsError> {
    if authorization.enclave_challenge != Address::ZERO || facts.tag.is_tee() {
        return Err(ResultsError::Forbidden(format!(
            "task {} is a TEE task: its results are encrypted and stored through the SMS, which this server does not support",
            facts.task_id
        )));
    }
    task_allows_results(facts)?;
    let signer = authorization.recover_signer().map_err(|e| {
        ResultsError::Unauthorized(format!(
            "the workerpool authorization's signature is not valid ({e}): ask the scheduler for the task again"
        ))
    })?;
    if signer != facts.pool_owner {
        return Err(ResultsError::Unauthorized(format!(
            "the workerpool authorization is signed by {signer}, not by the deal's workerpool owner {}: only the scheduler of the task's pool can authorize an upload",
            facts.pool_owner
        )));
    }
    Ok(())
}

/// Whether the task is in a state that may have a result: ACTIVE, REVEALING or COMPLETED.
fn task_allows_results(facts: &TaskFacts) -> Result<(), ResultsError> {
    match facts.status {
        TaskStatus::Active | TaskStatus::Revealing | TaskStatus::Completed => Ok(()),
        TaskStatus::Unset => Err(ResultsError::Forbidden(format!(
            "task {} is not initialized on chain: its scheduler has not started it",
            facts.task_id
        ))),
        TaskStatus::Failed => Err(ResultsError::Forbidden(format!(
            "task {} failed (it was claimed after its final deadline): it takes no result",
            facts.task_id
        ))),
    }
}

/// Whether `worker` may store a result for the task now, and how.
pub fn upload_rule(facts: &TaskFacts, worker: Address) -> Result<Admission, ResultsError> {
    task_allows_results(facts)?;
    if facts.tag.is_tee() {
        return Err(ResultsError::Forbidden(format!(
            "task {} is a TEE task: its results go through the SMS, which this server does not support",
            facts.task_id
        )));
    }
    if facts.trust <= 1 {
        match facts.status {
            TaskStatus::Active if facts.contributors.is_empty() => return Ok(Admission::Unchecked),
            TaskStatus::Completed if facts.contributors == [worker] => {
                return Ok(Admission::Checked {
                    digest: facts.result_digest,
                });
            }
            TaskStatus::Completed => {
                return Err(ResultsError::Forbidden(format!(
                    "task {} was completed by {}, not by {worker}: only its worker stores its result",
                    facts.task_id,
                    list(&facts.contributors)
                )));
            }
            // A trust-1 task contributed through `contribute`: the general rule applies.
            _ => {}
        }
    }
    let (status, hash) = facts
        .contribution
        .unwrap_or((ContributionStatus::Unset, B256::ZERO));
    match status {
        ContributionStatus::Proved if hash == facts.consensus => Ok(Admission::Checked {
            digest: facts.result_digest,
        }),
        ContributionStatus::Proved => Err(ResultsError::Forbidden(format!(
            "{worker}'s contribution to task {} is not the consensus: only a revealed winner stores the result",
            facts.task_id
        ))),
        ContributionStatus::Contributed => Err(ResultsError::Forbidden(format!(
            "{worker} has not revealed its contribution to task {} yet: upload after revealing",
            facts.task_id
        ))),
        ContributionStatus::Rejected => Err(ResultsError::Forbidden(format!(
            "{worker}'s contribution to task {} was rejected (it did not reveal in time): it cannot store the result",
            facts.task_id
        ))),
        ContributionStatus::Unset => Err(ResultsError::Forbidden(format!(
            "{worker} has not contributed to task {}: only a revealed winner stores the result",
            facts.task_id
        ))),
    }
}

/// "0xa, 0xb" or "nobody".
fn list(addresses: &[Address]) -> String {
    if addresses.is_empty() {
        return "nobody".to_owned();
    }
    addresses
        .iter()
        .map(Address::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::Bytes;
    use alloy_signer_local::PrivateKeySigner;
    use poco_types::Tag;

    const WORKER: Address = Address::repeat_byte(0x11);
    const OTHER: Address = Address::repeat_byte(0x22);
    const CONSENSUS: B256 = B256::repeat_byte(0xC0);
    const DIGEST: B256 = B256::repeat_byte(0xD1);

    fn facts(status: TaskStatus, trust: u64) -> TaskFacts {
        TaskFacts {
            task_id: B256::repeat_byte(1),
            status,
            deal_id: B256::repeat_byte(2),
            trust,
            pool_owner: Address::repeat_byte(0x33),
            tag: Tag::NONE,
            callback: Address::ZERO,
            contributors: Vec::new(),
            consensus: CONSENSUS,
            result_digest: DIGEST,
            results: Bytes::new(),
            final_deadline: 1_000,
            contribution: None,
        }
    }

    fn forbidden(result: Result<Admission, ResultsError>, words: &str) {
        match result {
            Err(ResultsError::Forbidden(message)) => {
                assert!(message.contains(words), "{message}")
            }
            other => panic!("expected a refusal containing {words:?}, got {other:?}"),
        }
    }

    #[test]
    fn trust_one_uploads_before_finalize_or_by_its_sole_worker() {
        let active = facts(TaskStatus::Active, 1);
        assert_eq!(
            upload_rule(&active, WORKER).ok(),
            Some(Admission::Unchecked)
        );
        assert_eq!(
            upload_rule(&facts(TaskStatus::Active, 0), WORKER).ok(),
            Some(Admission::Unchecked)
        );
        let mut done = facts(TaskStatus::Completed, 1);
        done.contributors = vec![WORKER];
        assert_eq!(
            upload_rule(&done, WORKER).ok(),
            Some(Admission::Checked { digest: DIGEST })
        );
        forbidden(upload_rule(&done, OTHER), "was completed by");
        forbidden(upload_rule(&facts(TaskStatus::Failed, 1), WORKER), "failed");
        forbidden(
            upload_rule(&facts(TaskStatus::Unset, 1), WORKER),
            "not initialized",
        );
    }

    #[test]
    fn trust_above_one_needs_a_revealed_consensus_contribution() {
        let mut revealing = facts(TaskStatus::Revealing, 3);
        revealing.contributors = vec![WORKER, OTHER];
        forbidden(upload_rule(&revealing, WORKER), "has not contributed");
        revealing.contribution = Some((ContributionStatus::Contributed, CONSENSUS));
        forbidden(upload_rule(&revealing, WORKER), "has not revealed");
        revealing.contribution = Some((ContributionStatus::Rejected, CONSENSUS));
        forbidden(upload_rule(&revealing, WORKER), "rejected");
        revealing.contribution = Some((ContributionStatus::Proved, B256::repeat_byte(9)));
        forbidden(upload_rule(&revealing, WORKER), "not the consensus");
        revealing.contribution = Some((ContributionStatus::Proved, CONSENSUS));
        assert_eq!(
            upload_rule(&revealing, WORKER).ok(),
            Some(Admission::Checked { digest: DIGEST })
        );
        // Still allowed once completed (a retry after the finalize).
        let mut completed = revealing.clone();
        completed.status = TaskStatus::Completed;
        assert!(upload_rule(&completed, WORKER).is_ok());
        // ACTIVE trust 3 with no contribution: not yet.
        forbidden(
            upload_rule(&facts(TaskStatus::Active, 3), WORKER),
            "has not contributed",
        );
        let mut tee = revealing;
        tee.tag = Tag::TEE;
        forbidden(upload_rule(&tee, WORKER), "TEE");
    }

    #[test]
    fn tokens_need_the_pool_owners_authorization_of_a_live_task() {
        let owner = PrivateKeySigner::random();
        let stranger = PrivateKeySigner::random();
        let mut f = facts(TaskStatus::Active, 1);
        f.pool_owner = owner.address();
        let auth =
            WorkerpoolAuthorization::sign(&owner, WORKER, f.task_id, Address::ZERO).expect("signs");
        assert!(token_rule(&f, &auth).is_ok());
        for status in [TaskStatus::Revealing, TaskStatus::Completed] {
            f.status = status;
            assert!(token_rule(&f, &auth).is_ok(), "{status:?}");
        }
        f.status = TaskStatus::Failed;
        assert!(matches!(
            token_rule(&f, &auth),
            Err(ResultsError::Forbidden(_))
        ));
        f.status = TaskStatus::Active;
        let forged = WorkerpoolAuthorization::sign(&stranger, WORKER, f.task_id, Address::ZERO)
            .expect("signs");
        match token_rule(&f, &forged) {
            Err(ResultsError::Unauthorized(message)) => {
                assert!(
                    message.contains("not by the deal's workerpool owner"),
                    "{message}"
                )
            }
            other => panic!("{other:?}"),
        }
        let tee = WorkerpoolAuthorization::sign(&owner, WORKER, f.task_id, OTHER).expect("signs");
        assert!(matches!(
            token_rule(&f, &tee),
            Err(ResultsError::Forbidden(_))
        ));
    }
}

//! Upload tokens. `POST /v1/results/token` takes the pool owner's `WorkerpoolAuthorization`
//! and, in the `Authorization` header, the worker's EIP-191 signature of the same message
//! (`keccak256(worker ‖ taskid ‖ enclaveChallenge)`, iExec's `getChallengeForWorker`); the
//! answer is an HS256 JWT `{sub: worker, tid: taskid, aud: "poco-results", exp: 1 h}` bound to
//! that task (**⚑A2**). Uploads send it back as `Authorization: <jwt>` or `Bearer <jwt>`.

use crate::error::ResultsError;
use alloy_primitives::{Address, B256, hex};
use poco_service::jwt::{Claims, JwtKey};
use poco_types::{WorkerpoolAuthorization, signature::recover_eip191};
use std::time::Duration;

/// The audience of this server's tokens.
pub const AUDIENCE: &str = "poco-results";

/// Checks that `header` is `authorization.worker_wallet`'s signature of the authorization's
/// message.
pub fn check_worker_signature(
    header: Option<&str>,
    authorization: &WorkerpoolAuthorization,
) -> Result<(), ResultsError> {
    let header = header.map(str::trim).filter(|h| !h.is_empty()).ok_or_else(|| {
        ResultsError::Unauthorized(
            "no Authorization header: send the worker's EIP-191 signature of the authorization's message (0x + 65 bytes of hex)"
                .to_owned(),
        )
    })?;
    let signature = hex::decode(header.strip_prefix("Bearer ").unwrap_or(header).trim())
        .map_err(|_| {
            ResultsError::Unauthorized(
                "the Authorization header is not a hex signature: send the worker's EIP-191 signature of the authorization's message (0x + 65 bytes of hex)".to_owned(),
            )
        })?;
    let signer = recover_eip191(&authorization.message(), &signature).map_err(|e| {
        ResultsError::Unauthorized(format!("the worker's signature is not valid: {e}"))
    })?;
    if signer != authorization.worker_wallet {
        return Err(ResultsError::Unauthorized(format!(
            "the Authorization header is signed by {signer}, not by the authorized worker {}: sign with the worker's wallet",
            authorization.worker_wallet
        )));
    }
    Ok(())
}

/// A token for `worker` and `task`, issued at `now` (epoch seconds).
pub fn issue(key: &JwtKey, worker: Address, task: B256, now: u64, ttl: Duration) -> String {
    key.sign(&Claims::new(format!("{worker:#x}"), AUDIENCE, now, ttl).with_task(task.to_string()))
}

/// The worker and task of the token in `header` (`<jwt>` or `Bearer <jwt>`), valid at `now`.
pub fn verify(
    key: &JwtKey,
    header: Option<&str>,
    now: u64,
) -> Result<(Address, B256), ResultsError> {
    let header = header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            ResultsError::Unauthorized(
                "no Authorization header: ask a token with POST /v1/results/token and send it"
                    .to_owned(),
            )
        })?;
    let claims = key
        .verify(header, AUDIENCE, now)
        .map_err(|e| ResultsError::Unauthorized(format!("upload token refused: {e}")))?;
    let worker = claims.sub.parse().map_err(|_| {
        ResultsError::Unauthorized("the token names no worker: ask a new token".to_owned())
    })?;
    let task = claims
        .tid
        .as_deref()
        .and_then(|tid| tid.parse().ok())
        .ok_or_else(|| {
            ResultsError::Unauthorized("the token is bound to no task: ask a new token".to_owned())
        })?;
    Ok((worker, task))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_signer_local::PrivateKeySigner;
    use poco_types::signature::sign_eip191;

    #[test]
    fn the_worker_signs_the_authorization_message() {
        let owner = PrivateKeySigner::random();
        let worker = PrivateKeySigner::random();
        let task = B256::repeat_byte(5);
        let auth = WorkerpoolAuthorization::sign(&owner, worker.address(), task, Address::ZERO)
            .expect("signs");
        let signature = sign_eip191(&worker, &auth.message()).expect("signs");
        check_worker_signature(Some(&signature.to_string()), &auth).expect("valid");
        check_worker_signature(Some(&format!("Bearer {signature}")), &auth).expect("valid");
        let by_owner = sign_eip191(&owner, &auth.message()).expect("signs");
        let error = check_worker_signature(Some(&by_owner.to_string()), &auth).expect_err("owner");
        assert!(
            error.to_string().contains("not by the authorized worker"),
            "{error}"
        );
        assert!(check_worker_signature(None, &auth).is_err());
        assert!(check_worker_signature(Some("zz"), &auth).is_err());
        assert!(check_worker_signature(Some("0x1234"), &auth).is_err());
    }

    #[test]
    fn tokens_are_bound_to_a_worker_and_a_task() {
        let key = JwtKey::new(b"0123456789abcdef0123456789abcdef");
        let worker = Address::repeat_byte(0xAA);
        let task = B256::repeat_byte(3);
        let token = issue(&key, worker, task, 1_000, Duration::from_secs(3600));
        assert_eq!(
            verify(&key, Some(&token), 1_001).expect("valid"),
            (worker, task)
        );
        assert_eq!(
            verify(&key, Some(&format!("Bearer {token}")), 1_001).expect("valid"),
            (worker, task)
        );
        assert!(matches!(
            verify(&key, Some(&token), 4_600),
            Err(ResultsError::Unauthorized(_))
        ));
        assert!(
            verify(
                &JwtKey::new(b"another key, sixteen bytes+"),
                Some(&token),
                1_001
            )
            .is_err()
        );
        assert!(verify(&key, None, 1_001).is_err());
        let other_audience = key.sign(&Claims::new(
            "0xaa",
            "poco-scheduler",
            1_000,
            Duration::from_secs(60),
        ));
        assert!(verify(&key, Some(&other_audience), 1_001).is_err());
    }
}

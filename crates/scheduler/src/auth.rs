//! Workers' login (design §2.1, **⚑A1**, **⚑A2**): a random 32-byte challenge per wallet (the
//! same until used or expired, 5 minutes), signed EIP-191 over keccak256 of its bytes, traded
//! for an HS256 JWT `{sub: wallet, iat, exp, aud: "poco-scheduler"}` whose secret is kept in
//! the database, so tokens survive a restart.

use crate::{
    engine::{Shared, now_ms},
    error::{Result, SchedulerError},
    store::addr,
};
use alloy_primitives::{Address, B256};
use poco_service::jwt::Claims;
use poco_types::challenge::recover_login;
use rand::RngCore;

/// The JWT audience of the scheduler's tokens.
pub const AUDIENCE: &str = "poco-scheduler";

/// How long a challenge may be used (ms).
pub const CHALLENGE_TTL_MS: u64 = 5 * 60 * 1000;

/// 32 random bytes.
pub fn random_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// The login challenge of `wallet`: `0x` + 64 hex digits.
pub async fn challenge(shared: &Shared, wallet: Address) -> Result<String> {
    let now = now_ms();
    let fresh = B256::from(random_bytes()).to_string();
    shared
        .store
        .login_challenge(wallet, fresh, now, now + CHALLENGE_TTL_MS)
        .await
}

/// Trades `wallet`'s signature of its challenge for a token.
pub async fn login(shared: &Shared, wallet: Address, signature: &[u8]) -> Result<String> {
    let unauthorized = |why: &str| {
        SchedulerError::Unauthorized(format!(
            "login refused for {wallet}: {why}; ask GET /workers/challenge again and sign it"
        ))
    };
    let now = now_ms();
    let Some(stored) = shared.store.challenge("login", &addr(wallet)).await? else {
        return Err(unauthorized("no challenge was given"));
    };
    if stored.expires_ms <= now {
        return Err(unauthorized("the challenge expired"));
    }
    let challenge: B256 = stored
        .challenge
        .parse()
        .map_err(|_| SchedulerError::Corrupt("a login challenge is not 32 bytes".into()))?;
    match recover_login(&challenge, signature) {
        Ok(signer) if signer == wallet => {}
        Ok(signer) => {
            return Err(unauthorized(&format!("the signature is {signer}'s")));
        }
        Err(e) => return Err(unauthorized(&e.to_string())),
    }
    if shared
        .store
        .take_challenge("login", &addr(wallet), now)
        .await?
        .is_none()
    {
        return Err(unauthorized("the challenge was just used"));
    }
    let claims = Claims::new(addr(wallet), AUDIENCE, now / 1000, shared.config.jwt_ttl);
    Ok(shared.jwt.sign(&claims))
}

/// The wallet a token (an `Authorization` header value, `Bearer ` or not) stands for.
pub fn verify(shared: &Shared, header: Option<&str>) -> Result<Address> {
    let Some(token) = header else {
        return Err(SchedulerError::Unauthorized(
            "no Authorization header: log in (GET /workers/challenge, POST /workers/login) and send \
             `Authorization: Bearer <token>`"
                .into(),
        ));
    };
    let claims = shared
        .jwt
        .verify(token, AUDIENCE, now_ms() / 1000)
        .map_err(|e| SchedulerError::Unauthorized(e.to_string()))?;
    claims.sub.parse().map_err(|_| {
        SchedulerError::Unauthorized(format!(
            "the token's subject {:?} is not a wallet",
            claims.sub
        ))
    })
}

//! Single-use challenges: a worker's login challenge (the same one until used or expired) and
//! the requester's logs challenge (EIP-712, keyed by its hash).

use super::{Store, addr, big, text, uint};
use crate::error::Result;
use alloy_primitives::Address;

/// A stored challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// Who it was given to.
    pub address: String,
    /// The challenge (hex for logins, the typed data's JSON for logs).
    pub challenge: String,
    /// Until when it can be used (ms).
    pub expires_ms: u64,
}

impl Store {
    /// The login challenge of `wallet` still valid at `now_ms`, or `fresh` stored until
    /// `expires_ms`.
    pub async fn login_challenge(
        &self,
        wallet: Address,
        fresh: String,
        now_ms: u64,
        expires_ms: u64,
    ) -> Result<String> {
        let key = addr(wallet);
        if let Some(current) = self.challenge("login", &key).await?
            && current.expires_ms > now_ms
        {
            return Ok(current.challenge);
        }
        self.put_challenge("login", &key, &key, &fresh, expires_ms)
            .await?;
        Ok(fresh)
    }

    /// Stores (replaces) a challenge.
    pub async fn put_challenge(
        &self,
        kind: &str,
        key: &str,
        address: &str,
        challenge: &str,
        expires_ms: u64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO challenges (id, kind, address, challenge, expires_ms) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, \
             address = excluded.address, challenge = excluded.challenge, \
             expires_ms = excluded.expires_ms",
        )
        .bind(format!("{kind}:{key}"))
        .bind(kind.to_owned())
        .bind(address.to_owned())
        .bind(challenge.to_owned())
        .bind(big(expires_ms))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A stored challenge, if any (expired or not).
    pub async fn challenge(&self, kind: &str, key: &str) -> Result<Option<Challenge>> {
        let row =
            sqlx::query("SELECT address, challenge, expires_ms FROM challenges WHERE id = $1")
                .bind(format!("{kind}:{key}"))
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| {
            Ok(Challenge {
                address: text(&row, "address")?,
                challenge: text(&row, "challenge")?,
                expires_ms: uint(&row, "expires_ms")?,
            })
        })
        .transpose()
    }

    /// Uses a challenge up: deletes it, and returns it when it was there and valid at `now_ms`
    /// (so a challenge is accepted once, even by two requests at the same time).
    pub async fn take_challenge(
        &self,
        kind: &str,
        key: &str,
        now_ms: u64,
    ) -> Result<Option<Challenge>> {
        let Some(found) = self.challenge(kind, key).await? else {
            return Ok(None);
        };
        let deleted = sqlx::query("DELETE FROM challenges WHERE id = $1 AND challenge = $2")
            .bind(format!("{kind}:{key}"))
            .bind(found.challenge.clone())
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok((deleted > 0 && found.expires_ms > now_ms).then_some(found))
    }

    /// Deletes the challenges expired at `now_ms`.
    pub async fn purge_challenges(&self, now_ms: u64) -> Result<()> {
        sqlx::query("DELETE FROM challenges WHERE expires_ms <= $1")
            .bind(big(now_ms))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

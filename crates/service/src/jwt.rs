//! JSON Web Tokens, HS256 only (design ⚑A2): `base64url(header).base64url(claims).base64url(
//! HMAC-SHA256(secret, first two parts))`, claims `{sub, iat, exp, aud}` (+ `tid` for the
//! result storage's task-bound tokens). Verification accepts exactly the header `alg: HS256`
//! (no `none`, no other algorithm), checks the signature in constant time, then the audience
//! and the expiry, each failure a distinct [`JwtError`].
//!
//! ```
//! use poco_service::jwt::{Claims, JwtKey};
//! use std::time::Duration;
//!
//! let key = JwtKey::new(b"a secret of at least sixteen bytes");
//! let token = key.sign(&Claims::new("0xabc", "poco-scheduler", 1_000, Duration::from_secs(60)));
//! let claims = key.verify(&token, "poco-scheduler", 1_030).unwrap();
//! assert_eq!(claims.sub, "0xabc");
//! assert!(key.verify(&token, "poco-scheduler", 1_061).is_err()); // expired
//! ```

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::time::Duration;

type HmacSha256 = Hmac<Sha256>;

/// The only header this module writes and accepts (compact JSON, as written).
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// Why a token was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Not three base64url parts of JSON.
    #[error("malformed token: {0}; log in again for a new one")]
    Malformed(&'static str),
    /// The header names another algorithm than HS256 (or none).
    #[error("token algorithm {0:?} refused: only HS256 tokens issued by this service are valid")]
    Algorithm(String),
    /// The signature does not match: another service's token, an altered one, or one signed
    /// with a secret this service no longer has.
    #[error("bad token signature: the token was not issued by this service; log in again")]
    Signature,
    /// The token is for another service.
    #[error("token audience {got:?} is not {expected:?}: use a token issued by this service")]
    Audience {
        /// This service's audience.
        expected: String,
        /// The token's.
        got: String,
    },
    /// The token expired.
    #[error("token expired at {exp} (now {now}); log in again")]
    Expired {
        /// Its expiry (epoch seconds).
        exp: u64,
        /// Now (epoch seconds).
        now: u64,
    },
}

/// The claims Poco's services put in tokens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: the wallet address the token stands for (lowercase `0x` hex by convention).
    pub sub: String,
    /// Issued at (epoch seconds).
    pub iat: u64,
    /// Expiry (epoch seconds): refused from this second on.
    pub exp: u64,
    /// Audience: the service the token is for (`poco-scheduler`, `poco-results`).
    pub aud: String,
    /// The task a token is bound to (result storage tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
}

impl Claims {
    /// Claims for `sub` and `aud`, issued at `now` (epoch seconds), valid for `ttl`.
    pub fn new(sub: impl Into<String>, aud: impl Into<String>, now: u64, ttl: Duration) -> Self {
        Claims {
            sub: sub.into(),
            iat: now,
            exp: now.saturating_add(ttl.as_secs()),
            aud: aud.into(),
            tid: None,
        }
    }

    /// The same claims bound to task `tid`.
    pub fn with_task(mut self, tid: impl Into<String>) -> Self {
        self.tid = Some(tid.into());
        self
    }
}

/// An HS256 key.
#[derive(Clone)]
pub struct JwtKey {
    secret: Vec<u8>,
}

impl std::fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKey(..)")
    }
}

impl JwtKey {
    /// A key over `secret` (see [`crate::secret::load_or_create`]).
    pub fn new(secret: &[u8]) -> Self {
        JwtKey {
            secret: secret.to_vec(),
        }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.secret).expect("HMAC accepts keys of any length")
    }

    /// The signed token.
    pub fn sign(&self, claims: &Claims) -> String {
        let payload = serde_json::to_vec(claims).expect("claims serialize");
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(HEADER),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    /// The claims of `token` if it is this key's, for `audience`, and not expired at `now`
    /// (epoch seconds). Accepts a `Bearer ` prefix.
    pub fn verify(&self, token: &str, audience: &str, now: u64) -> Result<Claims, JwtError> {
        let token = token.trim();
        let token = token
            .strip_prefix("Bearer ")
            .or_else(|| token.strip_prefix("bearer "))
            .unwrap_or(token)
            .trim();
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed("expected three dot-separated parts"));
        };
        let header_json: serde_json::Value = URL_SAFE_NO_PAD
            .decode(header)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or(JwtError::Malformed("the header is not base64url JSON"))?;
        let alg = header_json
            .get("alg")
            .and_then(|a| a.as_str())
            .unwrap_or("");
        if alg != "HS256" {
            return Err(JwtError::Algorithm(alg.to_string()));
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| JwtError::Malformed("the signature is not base64url"))?;
        let mut mac = self.mac();
        mac.update(header.as_bytes());
        mac.update(b".");
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| JwtError::Signature)?;
        let claims: Claims = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or(JwtError::Malformed("the claims are not the expected JSON"))?;
        if claims.aud != audience {
            return Err(JwtError::Audience {
                expected: audience.to_string(),
                got: claims.aud,
            });
        }
        if now >= claims.exp {
            return Err(JwtError::Expired {
                exp: claims.exp,
                now,
            });
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUD: &str = "poco-scheduler";

    fn key() -> JwtKey {
        JwtKey::new(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn matches_an_independent_hs256_vector() {
        // RFC 7515-style check: the HMAC of the signing input, computed here by hand.
        let claims = Claims::new("0xabc", AUD, 1_700_000_000, Duration::from_secs(86_400));
        let token = key().sign(&claims);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
        let payload = URL_SAFE_NO_PAD.decode(parts[1]).expect("base64url");
        assert_eq!(
            String::from_utf8(payload).expect("utf-8"),
            r#"{"sub":"0xabc","iat":1700000000,"exp":1700086400,"aud":"poco-scheduler"}"#
        );
        let mut mac = key().mac();
        mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
        assert_eq!(
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()),
            parts[2]
        );
        assert_eq!(key().verify(&token, AUD, 1_700_000_001), Ok(claims.clone()));
        assert_eq!(
            key().verify(&format!("Bearer {token}"), AUD, 1_700_000_001),
            Ok(claims)
        );
    }

    #[test]
    fn refuses_with_typed_reasons() {
        let claims = Claims::new("0xabc", AUD, 100, Duration::from_secs(10)).with_task("0xt");
        let token = key().sign(&claims);
        assert_eq!(
            key()
                .verify(&token, AUD, 105)
                .expect("valid")
                .tid
                .as_deref(),
            Some("0xt")
        );
        assert_eq!(
            key().verify(&token, AUD, 110),
            Err(JwtError::Expired { exp: 110, now: 110 })
        );
        assert!(matches!(
            key().verify(&token, "poco-results", 105),
            Err(JwtError::Audience { .. })
        ));
        assert_eq!(
            JwtKey::new(b"another secret entirely!").verify(&token, AUD, 105),
            Err(JwtError::Signature)
        );
        // Altered claims keep the old signature.
        let parts: Vec<&str> = token.split('.').collect();
        let forged_claims = URL_SAFE_NO_PAD
            .encode(r#"{"sub":"0xevil","iat":100,"exp":999999,"aud":"poco-scheduler"}"#);
        let forged = format!("{}.{}.{}", parts[0], forged_claims, parts[2]);
        assert_eq!(key().verify(&forged, AUD, 105), Err(JwtError::Signature));
        // alg none.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        );
        assert_eq!(
            key().verify(&none, AUD, 105),
            Err(JwtError::Algorithm("none".into()))
        );
        for bad in ["", "a.b", "a.b.c.d", "!!.??.##"] {
            assert!(
                matches!(key().verify(bad, AUD, 105), Err(JwtError::Malformed(_))),
                "{bad}"
            );
        }
    }
}

//! A random secret drawn at a service's first start and kept in its `settings` table (see
//! [`crate::settings`] for the table), so that what it signed (JWTs) stays valid across
//! restarts. Stored as 64 hex digits (32 bytes).

use crate::{
    db::Pool,
    error::{Result, ServiceError},
    settings,
};
use rand::RngCore;

/// The settings key of the JWT secret.
pub const JWT_SECRET: &str = "jwt_secret";

/// The secret stored under `key`, drawn (32 random bytes) and stored first if there is none.
pub async fn load_or_create(pool: &Pool, key: &str) -> Result<Vec<u8>> {
    let mut fresh = [0u8; 32];
    rand::rng().fill_bytes(&mut fresh);
    let stored = settings::get_or_insert(pool, key, &hex::encode(fresh)).await?;
    let secret = hex::decode(&stored)
        .map_err(|_| ServiceError::corrupt(format!("secret {key}"), "not hex"))?;
    if secret.len() < 16 {
        return Err(ServiceError::corrupt(
            format!("secret {key}"),
            format!("{} bytes, fewer than 16", secret.len()),
        ));
    }
    Ok(secret)
}

//! Key/value settings a service keeps in its database: its JWT secret, and what it was made
//! for (chain id, hub, workerpool...), so that a database of another deployment is refused
//! instead of mixed.
//!
//! The caller's migration creates the table:
//!
//! ```sql
//! CREATE TABLE settings (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);
//! ```

use crate::{
    db::{Pool, Sql},
    error::{Result, ServiceError},
};
use sqlx::Row;

/// The value of `key`, if set.
pub async fn get(pool: &Pool, key: &str) -> Result<Option<String>> {
    let mut sql = Sql::new("SELECT value FROM settings WHERE key = ");
    sql.text(key);
    let row = sql.query().fetch_optional(pool).await?;
    Ok(row
        .map(|row| row.try_get::<String, _>("value"))
        .transpose()?)
}

/// Sets `key` to `value` (replacing any value).
pub async fn put(pool: &Pool, key: &str, value: &str) -> Result<()> {
    let mut sql = Sql::new("INSERT INTO settings (key, value) VALUES (");
    sql.text(key)
        .push(", ")
        .text(value)
        .push(") ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    sql.query().execute(pool).await?;
    Ok(())
}

/// Sets `key` to `value` unless it is set already; returns the stored value (the first
/// writer's when two race).
pub async fn get_or_insert(pool: &Pool, key: &str, value: &str) -> Result<String> {
    let mut sql = Sql::new("INSERT INTO settings (key, value) VALUES (");
    sql.text(key)
        .push(", ")
        .text(value)
        .push(") ON CONFLICT (key) DO NOTHING");
    sql.query().execute(pool).await?;
    get(pool, key)
        .await?
        .ok_or_else(|| ServiceError::corrupt(format!("setting {key}"), "missing after insert"))
}

/// Records `value` for `key` on first use; afterwards refuses a different one
/// ([`ServiceError::SettingMismatch`]): "this database belongs to another chain/pool".
pub async fn check_or_set(pool: &Pool, key: &str, value: &str) -> Result<()> {
    let stored = get_or_insert(pool, key, value).await?;
    if stored != value {
        return Err(ServiceError::SettingMismatch {
            key: key.to_string(),
            stored,
            configured: value.to_string(),
        });
    }
    Ok(())
}

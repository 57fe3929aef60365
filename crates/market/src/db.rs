//! The market's database: poco-service's sqlx `Any` pool over SQLite or PostgreSQL with the
//! market's migrations (embedded from `migrations/`, applied on start). Every statement is
//! written for both databases; [`Sql`] builds the dynamic ones.

use crate::error::{MarketError, Result};
use poco_service::{ServiceError, db};

pub use poco_service::db::{Param, Pool, Sql};

/// The embedded migrations, in order.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "order book",
        include_str!("../migrations/0001_order_book.sql"),
    ),
    (2, "watcher", include_str!("../migrations/0002_watcher.sql")),
    (
        3,
        "book indexes",
        include_str!("../migrations/0003_book_indexes.sql"),
    ),
];

/// Opens the database at `url` (a SQLite file is created when missing) and migrates it
/// (poco-service's connection, whose SQLite settings the book's queries were measured with).
pub async fn connect(url: &str) -> Result<Pool> {
    db::connect(url, &db::migrator(MIGRATIONS))
        .await
        .map_err(|e| match e {
            ServiceError::DatabaseUrl(url) => MarketError::bad(format!(
                "database URL `{url}` is neither sqlite://... nor postgres://...: fix --database-url"
            )),
            ServiceError::Database(e) => MarketError::Database(e),
            ServiceError::Migrate(e) => MarketError::Migrate(e),
            other => MarketError::Server(other.to_string()),
        })
}

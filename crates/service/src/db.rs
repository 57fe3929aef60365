//! The database: one sqlx `Any` pool over SQLite or PostgreSQL, chosen by the URL's scheme,
//! migrated on connect with the caller's embedded migrations (each service has its own
//! `migrations/` directory). Portability holds because every statement is written for both:
//! BIGINT and TEXT columns only, `$1` placeholders (SQLite reads them as numbered parameters
//! too), no dialect functions. [`Sql`] builds dynamic queries that way.
//!
//! ```no_run
//! use poco_service::db::{self, Sql};
//!
//! const MIGRATIONS: &[(i64, &str, &str)] = &[(1, "schema", "CREATE TABLE t (k TEXT NOT NULL PRIMARY KEY, n BIGINT NOT NULL)")];
//!
//! # async fn run() -> poco_service::Result<()> {
//! let pool = db::connect("sqlite://service.sqlite?mode=rwc", &db::migrator(MIGRATIONS)).await?;
//! let mut sql = Sql::new("INSERT INTO t (k, n) VALUES (");
//! sql.text("a").push(", ").int(1).push(")");
//! sql.query().execute(&pool).await?;
//! # Ok(()) }
//! ```

use crate::error::{Result, ServiceError};
use sqlx::{
    AssertSqlSafe, Executor,
    any::{AnyArguments, AnyPoolOptions},
    migrate::{Migration, MigrationType, Migrator},
    query::Query,
};
use std::{borrow::Cow, path::Path};

/// The pool type.
pub type Pool = sqlx::AnyPool;

/// A transaction on the pool.
pub type Transaction = sqlx::Transaction<'static, sqlx::Any>;

/// Each SQLite connection's settings: in WAL mode, `synchronous = NORMAL` never corrupts the
/// database and loses no commit when the service crashes (only the last commits when the
/// machine does), and saves an fsync per commit; the writer waits up to 5 s for the lock
/// instead of failing at once; each connection caches 32 MiB of pages instead of 2 MiB, so
/// the indexes the market's book queries scan stay in memory (docs/benchmarks.md).
const SQLITE_SETTINGS: &str =
    "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA cache_size = -32768";

/// The `sqlite://` URL of a database file, created when missing.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// A migrator over migrations embedded with `include_str!`: `(version, description, sql)`,
/// versions increasing from 1.
pub fn migrator(migrations: &[(i64, &'static str, &'static str)]) -> Migrator {
    Migrator::with_migrations(
        migrations
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*description),
                    MigrationType::Simple,
                    sqlx::SqlSafeStr::into_sql_str(*sql),
                    false,
                )
            })
            .collect(),
    )
}

/// Opens the database at `url` (`sqlite://path?mode=rwc` creates a missing file;
/// `sqlite::memory:` is private to one connection, so the pool then holds one) and applies
/// `migrations`.
pub async fn connect(url: &str, migrations: &Migrator) -> Result<Pool> {
    sqlx::any::install_default_drivers();
    let sqlite = url.starts_with("sqlite:");
    if !sqlite && !url.starts_with("postgres:") && !url.starts_with("postgresql:") {
        return Err(ServiceError::DatabaseUrl(url.to_string()));
    }
    let memory = sqlite && url.contains(":memory:");
    let pool = AnyPoolOptions::new()
        .max_connections(match (sqlite, memory) {
            (true, true) => 1,
            (true, false) => 4,
            (false, _) => 16,
        })
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if sqlite {
                    conn.execute(SQLITE_SETTINGS).await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await?;
    if sqlite && !memory {
        // Readers do not block the writer.
        pool.execute("PRAGMA journal_mode = WAL").await?;
    }
    migrations.run(&pool).await?;
    Ok(pool)
}

/// A u64 as a BIGINT; `what` names it in the error.
pub fn big(what: &'static str, value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| ServiceError::TooLarge { what, value })
}

/// A BIGINT read back as a u64 (negative values are corrupt).
pub fn small(what: &str, value: i64) -> Result<u64> {
    u64::try_from(value).map_err(|_| ServiceError::corrupt(what, value.to_string()))
}

/// An address as stored: lowercase `0x` hex.
pub fn lower(address: alloy_primitives::Address) -> String {
    format!("{address:#x}")
}

/// A value bound to a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Param {
    /// A BIGINT.
    Int(i64),
    /// A nullable BIGINT.
    OptInt(Option<i64>),
    /// A TEXT.
    Text(String),
}

/// A statement built piece by piece with numbered `$n` placeholders, valid on both databases.
#[derive(Clone, Debug, Default)]
pub struct Sql {
    text: String,
    params: Vec<Param>,
}

impl Sql {
    /// Starts with `text`.
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            params: Vec::new(),
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Binds `param` and appends its placeholder.
    pub fn bind(&mut self, param: Param) -> &mut Self {
        self.params.push(param);
        let placeholder = format!("${}", self.params.len());
        self.text.push_str(&placeholder);
        self
    }

    /// Binds a BIGINT.
    pub fn int(&mut self, value: i64) -> &mut Self {
        self.bind(Param::Int(value))
    }

    /// Binds a nullable BIGINT.
    pub fn opt_int(&mut self, value: Option<i64>) -> &mut Self {
        self.bind(Param::OptInt(value))
    }

    /// Binds a TEXT.
    pub fn text(&mut self, value: impl Into<String>) -> &mut Self {
        self.bind(Param::Text(value.into()))
    }

    /// Appends `v1, v2, ...` (each bound): for `IN (...)` lists and `VALUES (...)`.
    pub fn list(&mut self, values: impl IntoIterator<Item = Param>) -> &mut Self {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value);
        }
        self
    }

    /// The SQL text (for logs and tests).
    pub fn text_sql(&self) -> &str {
        &self.text
    }

    /// The statement, ready to run.
    pub fn query(&self) -> Query<'_, sqlx::Any, AnyArguments> {
        let mut query = sqlx::query(AssertSqlSafe(self.text.clone()));
        for param in &self.params {
            query = match param {
                Param::Int(value) => query.bind(*value),
                Param::OptInt(value) => query.bind(*value),
                Param::Text(value) => query.bind(value.clone()),
            };
        }
        query
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut sql = Sql::new("SELECT * FROM t WHERE a = ");
        sql.int(1)
            .push(" AND b IN (")
            .list([Param::Text("x".into()), Param::Text("y".into())]);
        sql.push(") AND c = ").opt_int(None);
        assert_eq!(
            sql.text_sql(),
            "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3) AND c = $4"
        );
    }

    #[test]
    fn numbers_round_trip_or_are_refused() {
        assert_eq!(big("n", 5).expect("fits"), 5);
        assert!(matches!(
            big("n", u64::MAX),
            Err(ServiceError::TooLarge { what: "n", .. })
        ));
        assert_eq!(small("n", 7).expect("fits"), 7);
        assert!(small("n", -1).is_err());
        assert_eq!(
            lower(
                "0x70997970C51812dc3A010C7d01b50e20d17dc79C"
                    .parse()
                    .expect("address")
            ),
            "0x70997970c51812dc3a010c7d01b50e20d17dc79c"
        );
    }
}

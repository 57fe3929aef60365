//! The database: one sqlx `Any` pool over SQLite or PostgreSQL, chosen by the URL's scheme, and
//! the migrations (embedded from `migrations/`, applied on start). Portability holds because
//! every statement the market sends is written for both: BIGINT and TEXT columns only, `$1`
//! placeholders (SQLite reads them as numbered parameters too), no dialect functions. [`Sql`]
//! builds the dynamic queries that way.

use crate::error::{MarketError, Result};
use sqlx::{
    AssertSqlSafe, Executor,
    any::{AnyArguments, AnyPoolOptions},
    migrate::{Migration, MigrationType, Migrator},
    query::Query,
};
use std::borrow::Cow;

/// The pool type.
pub type Pool = sqlx::AnyPool;

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

/// Each SQLite connection's settings. In WAL mode, `synchronous = NORMAL` still never corrupts
/// the database and loses no commit when the market crashes (only when the machine does, the
/// last commits before the crash); it saves an fsync per commit, which is most of a publish's
/// cost on SQLite. Each connection caches 32 MiB of pages instead of 2 MiB: the indexes the
/// book queries scan stay in memory. (A memory map would save copying pages, but every commit
/// that grows the file remaps it, which costs more while orders are being published.)
const SQLITE_SETTINGS: &str = "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768";

/// Opens the database at `url` (a SQLite file is created when missing) and migrates it.
pub async fn connect(url: &str) -> Result<Pool> {
    sqlx::any::install_default_drivers();
    let sqlite = url.starts_with("sqlite:");
    if !sqlite && !url.starts_with("postgres:") && !url.starts_with("postgresql:") {
        return Err(MarketError::bad(format!(
            "database URL `{url}` is neither sqlite://... nor postgres://...: fix --database-url"
        )));
    }
    let pool = AnyPoolOptions::new()
        .max_connections(if sqlite { 4 } else { 16 })
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
    if sqlite {
        // Readers do not block the writer, and the writer waits for the lock.
        pool.execute("PRAGMA journal_mode = WAL").await?;
    }
    migrator().run(&pool).await?;
    Ok(pool)
}

/// The migrator over the embedded migrations.
fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
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

/// A value bound to a query.
#[derive(Clone, Debug)]
pub enum Param {
    /// A BIGINT.
    Int(i64),
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

    /// Binds a TEXT.
    pub fn text(&mut self, value: impl Into<String>) -> &mut Self {
        self.bind(Param::Text(value.into()))
    }

    /// The statement, ready to run.
    pub fn query(&self) -> Query<'_, sqlx::Any, AnyArguments> {
        let mut query = sqlx::query(AssertSqlSafe(self.text.clone()));
        for param in &self.params {
            query = match param {
                Param::Int(value) => query.bind(*value),
                Param::Text(value) => query.bind(value.clone()),
            };
        }
        query
    }
}

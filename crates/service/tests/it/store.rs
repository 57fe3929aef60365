//! Database, settings, persisted secret and JWT over a real SQLite file.

use crate::common::{MIGRATIONS, database};
use poco_service::{
    Claims, JwtKey, ServiceError,
    db::{self, Sql},
    secret, settings,
};
use sqlx::Row;
use std::time::Duration;

#[tokio::test]
async fn migrations_apply_once_and_settings_persist() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pool = database(dir.path()).await;
    settings::put(&pool, "chain_id", "31337")
        .await
        .expect("put");
    settings::put(&pool, "chain_id", "31338")
        .await
        .expect("replace");
    assert_eq!(
        settings::get(&pool, "chain_id")
            .await
            .expect("get")
            .as_deref(),
        Some("31338")
    );
    assert_eq!(settings::get(&pool, "nothing").await.expect("get"), None);
    settings::check_or_set(&pool, "workerpool", "0xabc")
        .await
        .expect("first use records");
    settings::check_or_set(&pool, "workerpool", "0xabc")
        .await
        .expect("same value accepted");
    let e = settings::check_or_set(&pool, "workerpool", "0xdef")
        .await
        .expect_err("another pool's database");
    assert!(matches!(e, ServiceError::SettingMismatch { .. }), "{e}");
    assert!(e.to_string().contains("0xabc") && e.to_string().contains("0xdef"));
    pool.close().await;

    // Reopening runs no migration twice and keeps the data.
    let pool = database(dir.path()).await;
    assert_eq!(
        settings::get(&pool, "workerpool")
            .await
            .expect("get")
            .as_deref(),
        Some("0xabc")
    );
    let mut sql = Sql::new("INSERT INTO seen (block, log_index) VALUES (");
    sql.int(1).push(", ").int(2).push(")");
    sql.query().execute(&pool).await.expect("insert");
    let row = Sql::new("SELECT COUNT(*) AS n FROM seen")
        .query()
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(row.try_get::<i64, _>("n").expect("n"), 1);
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    database(dir.path()).await.close().await;
    let older = db::migrator(&MIGRATIONS[..1]);
    let e = db::connect(&db::sqlite_url(&dir.path().join("test.sqlite")), &older)
        .await
        .expect_err("version 2 is unknown to this migrator");
    assert!(matches!(e, ServiceError::Migrate(_)), "{e}");
}

#[tokio::test]
async fn bad_urls_are_explained() {
    let e = db::connect("mysql://x", &db::migrator(MIGRATIONS))
        .await
        .expect_err("unsupported");
    assert_eq!(
        e.to_string(),
        "database URL `mysql://x` is neither sqlite://... nor postgres://...: fix --database-url"
    );
}

#[tokio::test]
async fn in_memory_databases_work() {
    let pool = db::connect("sqlite::memory:", &db::migrator(MIGRATIONS))
        .await
        .expect("opens");
    settings::put(&pool, "k", "v").await.expect("put");
    assert_eq!(
        settings::get(&pool, "k").await.expect("get").as_deref(),
        Some("v")
    );
}

#[tokio::test]
async fn the_secret_survives_restarts_and_so_do_tokens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pool = database(dir.path()).await;
    let first = secret::load_or_create(&pool, secret::JWT_SECRET)
        .await
        .expect("drawn");
    assert_eq!(first.len(), 32);
    let token = JwtKey::new(&first).sign(&Claims::new(
        "0x70997970c51812dc3a010c7d01b50e20d17dc79c",
        "poco-scheduler",
        poco_service::time::now_secs(),
        Duration::from_secs(86_400),
    ));
    pool.close().await;

    let pool = database(dir.path()).await;
    let again = secret::load_or_create(&pool, secret::JWT_SECRET)
        .await
        .expect("read back");
    assert_eq!(again, first);
    let claims = JwtKey::new(&again)
        .verify(&token, "poco-scheduler", poco_service::time::now_secs())
        .expect("still valid after the restart");
    assert_eq!(claims.sub, "0x70997970c51812dc3a010c7d01b50e20d17dc79c");

    // Another database, another secret: the token is refused.
    let other_dir = tempfile::tempdir().expect("tempdir");
    let other = database(other_dir.path()).await;
    let other_secret = secret::load_or_create(&other, secret::JWT_SECRET)
        .await
        .expect("drawn");
    assert_ne!(other_secret, first);
    assert!(
        JwtKey::new(&other_secret)
            .verify(&token, "poco-scheduler", poco_service::time::now_secs())
            .is_err()
    );
}

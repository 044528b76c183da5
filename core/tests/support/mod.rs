//! Fresh databases for tests that must pass on every storage engine: a SQLite file in a temporary
//! directory, or a new database on the PostgreSQL cluster named by `GUARDIAN_TEST_POSTGRES_URL`
//! (`scripts/postgres.sh start` prints it).

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use guardian_core::store::Engine;
use guardian_core::Store;
use sqlx::Connection;
use tempfile::TempDir;

/// Environment variable with the URL of a PostgreSQL database whose user may create databases.
pub const POSTGRES_URL_VAR: &str = "GUARDIAN_TEST_POSTGRES_URL";

/// A migrated database that exists as long as the value.
pub struct TestDb {
    pub store: Store,
    _dir: Option<TempDir>,
    _postgres: Option<PostgresDatabase>,
}

impl TestDb {
    /// Opens a migrated database on a new SQLite file.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let store = Store::connect(&Store::sqlite_url(dir.path())).await.expect("open the SQLite file");
        store.migrate().await.expect("run the SQLite migrations");
        Self { store, _dir: Some(dir), _postgres: None }
    }

    /// Opens a migrated database on a new PostgreSQL database named after `label`. Returns `None`
    /// when `GUARDIAN_TEST_POSTGRES_URL` is unset, unless `CI=true`, where that is a failure.
    pub async fn postgres(label: &str) -> Option<Self> {
        let admin_url = postgres_url()?;
        let database = PostgresDatabase::create(&admin_url, label).await;
        let store = Store::connect(&database.url).await.expect("open the test database");
        assert_eq!(store.engine(), Engine::Postgres);
        store.migrate().await.expect("run the PostgreSQL migrations");
        Some(Self { store, _dir: None, _postgres: Some(database) })
    }

    /// Returns the database URL, to open more pools on the same database.
    pub fn postgres_url(&self) -> Option<&str> {
        self._postgres.as_ref().map(|database| database.url.as_str())
    }
}

/// Reads `GUARDIAN_TEST_POSTGRES_URL`. When it is unset, fails under `CI=true` so that CI never
/// passes without the PostgreSQL half, and otherwise prints a note and returns `None`.
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => panic!(
            "{POSTGRES_URL_VAR} is not set, but CI=true requires the PostgreSQL tests. \
             Start a cluster with: eval \"$(scripts/postgres.sh start)\""
        ),
        _ => {
            eprintln!(
                "note: skipping the PostgreSQL half because {POSTGRES_URL_VAR} is not set; \
                 start a cluster with: eval \"$(scripts/postgres.sh start)\""
            );
            None
        }
    }
}

/// A database created for one test and dropped when the test passes. A failed test keeps it
/// for inspection; the cluster of `scripts/postgres.sh` is thrown away anyway.
pub struct PostgresDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl PostgresDatabase {
    /// Creates a database with a unique name that starts with `label`.
    pub async fn create(admin_url: &str, label: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let label: String = label
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
            .take(36)
            .collect();
        let name = format!("t_{label}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));

        let mut connection = sqlx::PgConnection::connect(admin_url)
            .await
            .unwrap_or_else(|error| panic!("could not connect to {POSTGRES_URL_VAR}: {error}"));
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut connection)
            .await
            .unwrap_or_else(|error| panic!("could not create the database {name}: {error}"));
        let _ = connection.close().await;

        let mut url = url::Url::parse(admin_url).expect("GUARDIAN_TEST_POSTGRES_URL is a valid URL");
        url.set_path(&format!("/{name}"));
        Self { admin_url: admin_url.to_owned(), name, url: url.to_string() }
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept the database {} of the failed test", self.name);
            return;
        }
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop cannot await, so a thread of its own runs the statement; FORCE ends the
        // connections that the test's pool still holds.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut connection = sqlx::PgConnection::connect(&admin_url).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut connection).await?;
                connection.close().await
            })?;
            Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if let Ok(Err(error)) = dropped {
            eprintln!("could not drop the database {}: {error}", self.name);
        }
    }
}

/// Defines one test module per storage contract case, with a test `sqlite` and a test
/// `postgres` that run the same async function on a fresh database of each engine.
#[macro_export]
macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        $(
            mod $case {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$case(super::support::TestDb::sqlite().await).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(db) = super::support::TestDb::postgres(stringify!($case)).await {
                        super::$case(db).await;
                    }
                }
            }
        )*
    };
}

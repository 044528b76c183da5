//! The database: SQLite by default, through sqlx's `Any` driver so that one set of queries (with
//! `$1` placeholders, which both SQLite and PostgreSQL accept) serves every engine.

use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::AnyPool;

/// Errors that stop startup.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DATABASE_URL must start with sqlite: (PostgreSQL support is not built yet)")]
    UnsupportedUrl,
    #[error("could not open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

/// The storage engine behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
}

/// A connection pool with its engine.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
}

impl Store {
    /// Opens the database at `url`, creating a SQLite file when missing, and switches SQLite to
    /// WAL mode. Migrations are a separate step, [`Store::migrate`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        install_default_drivers();
        let engine = if url.starts_with("sqlite:") { Engine::Sqlite } else { return Err(StoreError::UnsupportedUrl) };

        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(StoreError::Connect)?;
        // WAL is a property of the database file, so setting it once here covers every connection.
        sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await.map_err(StoreError::Connect)?;
        Ok(Self { pool, engine })
    }

    /// Builds the SQLite URL of `guardian.db` in `data_dir`, creating the file on first use.
    pub fn sqlite_url(data_dir: &std::path::Path) -> String {
        format!("sqlite://{}?mode=rwc", data_dir.join("guardian.db").display())
    }

    /// Runs the migrations of this store's engine.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.engine {
            Engine::Sqlite => sqlx::migrate!("migrations/sqlite"),
        };
        migrator.run(&self.pool).await.map_err(StoreError::Migrate)
    }

    /// Returns the connection pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Returns the engine behind this store.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Checks that the database answers a query.
    pub async fn ping(&self) -> crate::Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

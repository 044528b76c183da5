//! The database: SQLite by default or PostgreSQL, through sqlx's `Any` driver so that one set of
//! queries (with `$1` placeholders, which both engines accept) serves every engine.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// How long a query waits for a pooled connection, including reconnect attempts, before it fails
/// with `PoolTimedOut`, which callers report as "temporarily unavailable".
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Maximum number of connections that one replica opens to the database.
pub const MAX_CONNECTIONS: u32 = 8;

/// Errors that stop startup.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DATABASE_URL must start with sqlite: or postgres://, but its scheme is {scheme:?}")]
    UnsupportedUrl { scheme: String },
    #[error("could not open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

/// The storage engine behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// Picks the engine from the scheme of a database URL: `sqlite:` or `postgres://` (also
    /// spelled `postgresql://`). Returns `None` for any other scheme.
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Engine::Postgres)
        } else {
            None
        }
    }
}

/// A connection pool with its engine.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
    // SQLite allows one writer at a time. Writers that collide wait in SQLite's busy handler,
    // which sleeps in growing steps: under load, replaces measured a p99 of about a second.
    // Queueing the process's write transactions here hands the lock over without sleeping.
    sqlite_writer: Arc<Mutex<()>>,
}

/// A write transaction. On SQLite it also holds the process's writer lock until it ends.
/// Dropping it without [`WriteTransaction::commit`] rolls back.
pub struct WriteTransaction {
    // Declared first so that it ends (and rolls back) before the writer lock is released.
    transaction: Transaction<'static, Any>,
    _writer: Option<OwnedMutexGuard<()>>,
}

impl WriteTransaction {
    /// Commits the transaction and releases the writer lock.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.transaction.commit().await
    }
}

impl Deref for WriteTransaction {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.transaction
    }
}

impl DerefMut for WriteTransaction {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.transaction
    }
}

impl Store {
    /// Opens the database at `url`. A SQLite file is created when missing and switched to WAL
    /// mode. Migrations are a separate step, [`Store::migrate`].
    ///
    /// PostgreSQL connections are pinged before a query uses them, so after a database restart
    /// the pool drops dead connections and opens new ones without a server restart. A SQLite
    /// connection is a file handle in this process and cannot go stale, so it skips the ping.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        install_default_drivers();
        let engine = Engine::from_url(url).ok_or_else(|| StoreError::UnsupportedUrl { scheme: url_scheme(url) })?;

        let options = AnyPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .test_before_acquire(engine == Engine::Postgres);
        let options = match engine {
            // In WAL mode, NORMAL syncs at checkpoints rather than at every commit. A commit
            // survives a crash of the process; only a power loss can undo the latest ones, and
            // the database stays consistent either way.
            Engine::Sqlite => options.after_connect(|connection, _meta| {
                Box::pin(async move {
                    connection.execute("PRAGMA synchronous = NORMAL").await?;
                    Ok(())
                })
            }),
            Engine::Postgres => options,
        };
        let pool = options.connect(url).await.map_err(StoreError::Connect)?;
        if engine == Engine::Sqlite {
            // WAL is a property of the database file, so setting it once here covers every connection.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await.map_err(StoreError::Connect)?;
        }
        Ok(Self { pool, engine, sqlite_writer: Arc::default() })
    }

    /// Begins a transaction that writes. On SQLite it first waits for the other write
    /// transactions of this process to end, for at most [`ACQUIRE_TIMEOUT`], and then fails
    /// with `PoolTimedOut` as a pool wait would.
    pub async fn begin_write(&self) -> Result<WriteTransaction, sqlx::Error> {
        let writer = match self.engine {
            Engine::Sqlite => {
                let lock = self.sqlite_writer.clone().lock_owned();
                Some(tokio::time::timeout(ACQUIRE_TIMEOUT, lock).await.map_err(|_elapsed| sqlx::Error::PoolTimedOut)?)
            }
            Engine::Postgres => None,
        };
        let transaction = self.pool.begin().await?;
        Ok(WriteTransaction { transaction, _writer: writer })
    }

    /// Builds the SQLite URL of `guardian.db` in `data_dir`, creating the file on first use.
    pub fn sqlite_url(data_dir: &std::path::Path) -> String {
        format!("sqlite://{}?mode=rwc", data_dir.join("guardian.db").display())
    }

    /// Runs the migrations of this store's engine. On PostgreSQL sqlx holds an advisory lock
    /// meanwhile, so replicas that start together apply each migration once.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.engine {
            Engine::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Engine::Postgres => sqlx::migrate!("migrations/postgres"),
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

/// Returns the scheme of a URL for error messages, never the rest, which may hold a password.
fn url_scheme(url: &str) -> String {
    match url.split_once(':') {
        Some((scheme, _)) if scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) => scheme.to_owned(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_follows_url_scheme() {
        assert_eq!(Engine::from_url("sqlite://data/guardian.db?mode=rwc"), Some(Engine::Sqlite));
        assert_eq!(Engine::from_url("sqlite::memory:"), Some(Engine::Sqlite));
        assert_eq!(Engine::from_url("postgres://guardian@127.0.0.1:5432/guardian"), Some(Engine::Postgres));
        assert_eq!(Engine::from_url("postgresql://guardian@127.0.0.1/guardian"), Some(Engine::Postgres));
        assert_eq!(Engine::from_url("mysql://127.0.0.1/guardian"), None);
        assert_eq!(Engine::from_url(""), None);
    }

    #[test]
    fn unsupported_url_error_hides_credentials() {
        let message = StoreError::UnsupportedUrl { scheme: url_scheme("mysql://user:hunter2@127.0.0.1/db") }.to_string();
        assert!(message.contains("\"mysql\""), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
        assert_eq!(url_scheme("no scheme here"), "");
    }
}

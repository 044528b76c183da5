//! The session store, kept in the same database as the console's data: SQLite or PostgreSQL.
//! Sessions in PostgreSQL are shared by every replica, so a user signed in on one replica stays
//! signed in on the others.

use std::time::Duration;

use async_trait::async_trait;
use guardian_core::store::{Engine, ACQUIRE_TIMEOUT};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::SqlitePoolOptions;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// Name of the session table. On PostgreSQL it sits in the store's default schema,
/// `tower_sessions`.
pub const SESSION_TABLE: &str = "sessions";

/// Maximum number of connections that one replica opens for sessions.
const MAX_CONNECTIONS: u32 = 4;

/// How often creating the session table is tried when replicas that start together race to
/// create it.
const MIGRATE_ATTEMPTS: u32 = 3;

/// Errors of opening the session store.
#[derive(Debug, thiserror::Error)]
pub enum SessionStoreError {
    #[error("DATABASE_URL must start with sqlite: or postgres://")]
    UnsupportedUrl,
    #[error("invalid session table name: {0}")]
    TableName(String),
    #[error("could not open the session database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("could not create the session table: {0}")]
    Migrate(#[source] sqlx::Error),
}

/// A session store on the engine of the console's database.
#[derive(Debug, Clone)]
pub enum AnySessionStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl From<SqliteStore> for AnySessionStore {
    fn from(store: SqliteStore) -> Self {
        AnySessionStore::Sqlite(store)
    }
}

impl From<PostgresStore> for AnySessionStore {
    fn from(store: PostgresStore) -> Self {
        AnySessionStore::Postgres(store)
    }
}

impl AnySessionStore {
    /// Opens the session store in the database at `url`, with a pool of its own, and creates the
    /// session table when it is missing.
    pub async fn open(url: &str) -> Result<Self, SessionStoreError> {
        match Engine::from_url(url) {
            Some(Engine::Sqlite) => {
                // A SQLite connection is a file handle that cannot go stale, so the ping that
                // sqlx runs before each use by default would only add a round trip per request.
                let pool = SqlitePoolOptions::new()
                    .max_connections(MAX_CONNECTIONS)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .test_before_acquire(false)
                    .connect(url)
                    .await
                    .map_err(SessionStoreError::Connect)?;
                let store = SqliteStore::new(pool).with_table_name(SESSION_TABLE).map_err(SessionStoreError::TableName)?;
                store.migrate().await.map_err(SessionStoreError::Migrate)?;
                Ok(AnySessionStore::Sqlite(store))
            }
            Some(Engine::Postgres) => {
                // Pinging each connection before use drops those that a database restart broke.
                let pool = PgPoolOptions::new()
                    .max_connections(MAX_CONNECTIONS)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .test_before_acquire(true)
                    .connect(url)
                    .await
                    .map_err(SessionStoreError::Connect)?;
                let store = PostgresStore::new(pool).with_table_name(SESSION_TABLE).map_err(SessionStoreError::TableName)?;
                migrate_postgres(&store).await?;
                Ok(AnySessionStore::Postgres(store))
            }
            None => Err(SessionStoreError::UnsupportedUrl),
        }
    }
}

/// Creates the PostgreSQL session schema and table. When two replicas run `CREATE ... IF NOT
/// EXISTS` at the same moment, one of them can fail with a unique violation. Its next attempt
/// then finds the table.
async fn migrate_postgres(store: &PostgresStore) -> Result<(), SessionStoreError> {
    let mut attempt = 1;
    loop {
        match store.migrate().await {
            Ok(()) => return Ok(()),
            Err(error) if attempt < MIGRATE_ATTEMPTS => {
                tracing::warn!(%error, attempt, "creating the session table failed; retrying");
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                attempt += 1;
            }
            Err(error) => return Err(SessionStoreError::Migrate(error)),
        }
    }
}

#[async_trait]
impl SessionStore for AnySessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            AnySessionStore::Sqlite(store) => store.create(record).await,
            AnySessionStore::Postgres(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            AnySessionStore::Sqlite(store) => store.save(record).await,
            AnySessionStore::Postgres(store) => store.save(record).await,
        }
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            AnySessionStore::Sqlite(store) => store.load(session_id).await,
            AnySessionStore::Postgres(store) => store.load(session_id).await,
        }
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        match self {
            AnySessionStore::Sqlite(store) => store.delete(session_id).await,
            AnySessionStore::Postgres(store) => store.delete(session_id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for AnySessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            AnySessionStore::Sqlite(store) => store.delete_expired().await,
            AnySessionStore::Postgres(store) => store.delete_expired().await,
        }
    }

    /// Deletes expired sessions every `period`. Unlike the default, which ends at the first
    /// error, a failed run is logged and the next one comes a period later, so a database outage
    /// does not stop the cleanup for good.
    async fn continuously_delete_expired(self, period: tokio::time::Duration) -> session_store::Result<()> {
        let mut interval = tokio::time::interval(period);
        // The first tick completes at once, so the first deletion runs at startup.
        interval.tick().await;
        loop {
            if let Err(error) = self.delete_expired().await {
                tracing::warn!(%error, "could not delete expired sessions; retrying in one period");
            }
            interval.tick().await;
        }
    }
}

//! The library's error type. It names what went wrong for the caller and knows nothing of HTTP
//! or Leptos; the web layer maps each variant to a status and a message once.

/// The failure of a library call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The caller is not signed in.
    #[error("not signed in")]
    Unauthorized,
    /// The caller may not do this.
    #[error("forbidden")]
    Forbidden,
    /// The named thing does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request conflicts with the current state; the text is safe to show to users.
    #[error("{0}")]
    Conflict(&'static str),
    /// The database cannot be reached or is locked; retrying later may succeed.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// Stored keys exist but cannot be decrypted with the configured master keys.
    #[error("the stored keys cannot be decrypted")]
    KeysUnreadable,
    /// A bug or an unexpected failure; the text is for the server log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        if is_unavailable(&error) {
            Error::Unavailable(error)
        } else {
            Error::Internal(error.to_string())
        }
    }
}

/// Tells whether a database error is transient: the pool or the connection is gone, or SQLite
/// reports the database busy or locked.
fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(database_error) => {
            let code = database_error.code();
            let code = code.as_deref().unwrap_or_default();
            // SQLite: 5 SQLITE_BUSY, 6 SQLITE_LOCKED (extended codes keep the low byte).
            // PostgreSQL: class 08 connection exceptions, 57P01-57P03 shutdown, 25006 read-only.
            let sqlite_busy = code.parse::<i32>().map(|code| matches!(code & 0xff, 5 | 6)).unwrap_or(false);
            sqlite_busy || code.starts_with("08") || code.starts_with("57P") || code == "25006"
        }
        _ => false,
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

//! Organizations, users and their roles, first-run setup tokens, and sign-in with throttling.
//!
//! Callers pass values that the shared validation already accepted. Passwords are hashed with
//! Argon2id on the blocking thread pool, never on the async threads.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{Error, Result, Store, DEFAULT_ORG_ID};

/// A user's role in their organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// Manages the organization's keys and members.
    Admin,
    /// Sees whether keys are configured, without controls.
    Member,
}

impl Role {
    /// Returns the name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    /// Parses a stored or typed role name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            _ => None,
        }
    }
}

/// A user of the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub email: String,
    pub role: Role,
}

/// Limits on failed sign-ins. Counters live in the database, so every replica applies them.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    /// Failures per account within the window before the account is locked.
    pub max_account_failures: i64,
    /// Failures per client address within the window before the address is locked.
    pub max_address_failures: i64,
    /// Length of the counting window and of a lock, in seconds.
    pub window_secs: i64,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self { max_account_failures: 5, max_address_failures: 20, window_secs: 15 * 60 }
    }
}

/// The reason a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown email or wrong password; the caller must not learn which.
    #[error("invalid email or password")]
    InvalidCredentials,
    /// Too many recent failures for this account or client address.
    #[error("too many failed sign-in attempts; retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: i64 },
    #[error(transparent)]
    Other(#[from] Error),
}

/// Accounts and organizations.
#[derive(Debug, Clone)]
pub struct Accounts {
    store: Store,
    limits: LoginLimits,
}

const USER_COLUMNS: &str =
    "users.id AS id, users.org_id AS org_id, organizations.name AS org_name, users.email AS email, users.role AS role";

impl Accounts {
    /// Builds the service on a migrated store.
    pub fn new(store: Store, limits: LoginLimits) -> Self {
        Self { store, limits }
    }

    /// Counts all users of all organizations.
    pub async fn user_count(&self) -> Result<i64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(self.store.pool()).await?;
        Ok(count)
    }

    /// Creates a one-time setup token while no user exists, and returns it for the server log.
    /// Returns `None` once accounts exist.
    pub async fn issue_setup_token(&self, now: i64) -> Result<Option<String>> {
        if self.user_count().await? > 0 {
            return Ok(None);
        }
        let mut bytes = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        sqlx::query("INSERT INTO setup_tokens (token_hash, created_at) VALUES ($1, $2)")
            .bind(hash_token(&token))
            .bind(now)
            .execute(self.store.pool())
            .await?;
        Ok(Some(token))
    }

    /// Creates the first administrator with a setup token. The default organization, which owns
    /// whatever was saved before accounts existed, is renamed and becomes theirs. Every setup
    /// token is spent.
    pub async fn complete_setup(
        &self,
        token: &SecretString,
        org_name: &str,
        email: &str,
        password: &SecretString,
        now: i64,
    ) -> Result<User> {
        let password_hash = hash_password(password.clone()).await?;

        let mut transaction = self.store.begin_write().await?;
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&mut *transaction).await?;
        if users > 0 {
            return Err(Error::Conflict("Setup is already complete. Sign in instead."));
        }
        let spent = sqlx::query("DELETE FROM setup_tokens WHERE token_hash = $1")
            .bind(hash_token(token.expose_secret()))
            .execute(&mut *transaction)
            .await?;
        if spent.rows_affected() == 0 {
            return Err(Error::Forbidden);
        }
        sqlx::query("DELETE FROM setup_tokens").execute(&mut *transaction).await?;
        let renamed = sqlx::query("UPDATE organizations SET name = $2 WHERE id = $1")
            .bind(DEFAULT_ORG_ID)
            .bind(org_name)
            .execute(&mut *transaction)
            .await;
        map_unique(renamed, "An organization with this name already exists.")?;
        let user_id = insert_user(&mut transaction, DEFAULT_ORG_ID, email, &password_hash, Role::Admin, now).await?;
        transaction.commit().await?;

        Ok(User { id: user_id, org_id: DEFAULT_ORG_ID, org_name: org_name.to_owned(), email: email.to_owned(), role: Role::Admin })
    }

    /// Adds a user to the named organization, creating the organization when it is new. Used by
    /// the `user add` command.
    pub async fn add_user_to_org(&self, org_name: &str, email: &str, password: &SecretString, role: Role, now: i64) -> Result<User> {
        let password_hash = hash_password(password.clone()).await?;

        let mut transaction = self.store.begin_write().await?;
        sqlx::query("INSERT INTO organizations (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(org_name)
            .bind(now)
            .execute(&mut *transaction)
            .await?;
        let org_id: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE name = $1")
            .bind(org_name)
            .fetch_one(&mut *transaction)
            .await?;
        let user_id = insert_user(&mut transaction, org_id, email, &password_hash, role, now).await?;
        transaction.commit().await?;

        Ok(User { id: user_id, org_id, org_name: org_name.to_owned(), email: email.to_owned(), role })
    }

    /// Adds a user to an existing organization (Settings → Members).
    pub async fn add_member(&self, org_id: i64, email: &str, password: &SecretString, role: Role, now: i64) -> Result<User> {
        let password_hash = hash_password(password.clone()).await?;
        let mut transaction = self.store.begin_write().await?;
        let user_id = insert_user(&mut transaction, org_id, email, &password_hash, role, now).await?;
        transaction.commit().await?;
        self.find_user(user_id).await?.ok_or(Error::NotFound("user"))
    }

    /// Loads a user with their organization, or `None` when the user was removed.
    pub async fn find_user(&self, user_id: i64) -> Result<Option<User>> {
        let query = format!("SELECT {USER_COLUMNS} FROM users JOIN organizations ON organizations.id = users.org_id WHERE users.id = $1");
        let row = sqlx::query(&query).bind(user_id).fetch_optional(self.store.pool()).await?;
        row.map(|row| user_from_row(&row)).transpose()
    }

    /// Lists the users of one organization, ordered by email.
    pub async fn list_users(&self, org_id: i64) -> Result<Vec<User>> {
        let query = format!(
            "SELECT {USER_COLUMNS} FROM users JOIN organizations ON organizations.id = users.org_id \
             WHERE users.org_id = $1 ORDER BY users.email"
        );
        let rows = sqlx::query(&query).bind(org_id).fetch_all(self.store.pool()).await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Changes a user's role within `org_id`. The last admin cannot be demoted, so an
    /// organization never loses the ability to manage itself.
    pub async fn set_role(&self, org_id: i64, user_id: i64, role: Role) -> Result<()> {
        let mut transaction = self.store.begin_write().await?;
        let current = current_role(&mut transaction, org_id, user_id).await?;
        if current == Role::Admin && role == Role::Member && admin_count(&mut transaction, org_id).await? <= 1 {
            return Err(Error::Conflict("An organization needs at least one admin. Make another user an admin first."));
        }
        sqlx::query("UPDATE users SET role = $3 WHERE id = $1 AND org_id = $2")
            .bind(user_id)
            .bind(org_id)
            .bind(role.as_str())
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Removes a user of `org_id`; their sessions end on their next request. The last admin
    /// cannot be removed.
    pub async fn remove_user(&self, org_id: i64, user_id: i64) -> Result<()> {
        let mut transaction = self.store.begin_write().await?;
        let current = current_role(&mut transaction, org_id, user_id).await?;
        if current == Role::Admin && admin_count(&mut transaction, org_id).await? <= 1 {
            return Err(Error::Conflict("An organization needs at least one admin. Make another user an admin first."));
        }
        sqlx::query("DELETE FROM users WHERE id = $1 AND org_id = $2")
            .bind(user_id)
            .bind(org_id)
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Checks an email and password, applying the failure limits per account and per client
    /// address. Every failure looks the same to the caller.
    pub async fn login(&self, email: &str, password: &SecretString, client_address: &str, now: i64) -> Result<User, LoginError> {
        let account_key = format!("account:{email}");
        let address_key = format!("address:{client_address}");
        for key in [&account_key, &address_key] {
            if let Some(until) = self.locked_until(key, now).await? {
                return Err(LoginError::Throttled { retry_after_secs: until - now });
            }
        }

        let row = sqlx::query("SELECT id, password_hash FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(self.store.pool())
            .await
            .map_err(Error::from)?;
        let (user_id, stored_hash) = match row {
            Some(row) => (Some(row.try_get::<i64, _>("id").map_err(Error::from)?), row.try_get::<String, _>("password_hash").map_err(Error::from)?),
            // Verifying against a fixed hash keeps the time of an unknown email like a wrong password.
            None => (None, String::new()),
        };
        let matches = verify_password(password.clone(), stored_hash).await?;

        match (user_id, matches) {
            (Some(user_id), true) => {
                self.clear_failures(&account_key).await?;
                self.find_user(user_id).await?.ok_or(LoginError::InvalidCredentials)
            }
            _ => {
                self.record_failure(&account_key, self.limits.max_account_failures, now).await?;
                self.record_failure(&address_key, self.limits.max_address_failures, now).await?;
                Err(LoginError::InvalidCredentials)
            }
        }
    }

    async fn locked_until(&self, key: &str, now: i64) -> Result<Option<i64>> {
        let locked_until: Option<Option<i64>> = sqlx::query_scalar("SELECT locked_until FROM login_failures WHERE scope_key = $1")
            .bind(key)
            .fetch_optional(self.store.pool())
            .await?;
        Ok(locked_until.flatten().filter(|until| *until > now))
    }

    async fn record_failure(&self, key: &str, max_failures: i64, now: i64) -> Result<()> {
        let window = self.limits.window_secs;
        // A window that ended starts over at one failure; a lock is set when the count reaches
        // the limit. One statement, so concurrent failures on several replicas all count.
        sqlx::query(
            "INSERT INTO login_failures (scope_key, failures, window_started_at, locked_until) VALUES ($1, 1, $2, NULL) \
             ON CONFLICT (scope_key) DO UPDATE SET \
               failures = CASE WHEN login_failures.window_started_at + $3 <= $2 THEN 1 ELSE login_failures.failures + 1 END, \
               window_started_at = CASE WHEN login_failures.window_started_at + $3 <= $2 THEN $2 ELSE login_failures.window_started_at END",
        )
        .bind(key)
        .bind(now)
        .bind(window)
        .execute(self.store.pool())
        .await?;
        sqlx::query("UPDATE login_failures SET locked_until = $2 + $3, failures = 0, window_started_at = $2 WHERE scope_key = $1 AND failures >= $4")
            .bind(key)
            .bind(now)
            .bind(window)
            .bind(max_failures)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }

    async fn clear_failures(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE scope_key = $1").bind(key).execute(self.store.pool()).await?;
        Ok(())
    }
}

/// Returns an Argon2id hash of a random password that nobody knows, verified for unknown emails.
fn unknown_user_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let mut password = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut password);
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(&password, &salt).map(|hash| hash.to_string()).unwrap_or_default()
    })
}

fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

async fn hash_password(password: SecretString) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| Error::Internal(format!("password hashing failed: {error}")))
    })
    .await
    .map_err(|error| Error::Internal(format!("password hashing task failed: {error}")))?
}

async fn verify_password(password: SecretString, stored_hash: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let stored_hash = if stored_hash.is_empty() { unknown_user_hash() } else { &stored_hash };
        let Ok(hash) = PasswordHash::new(stored_hash) else {
            return false;
        };
        Argon2::default().verify_password(password.expose_secret().as_bytes(), &hash).is_ok()
    })
    .await
    .map_err(|error| Error::Internal(format!("password verification task failed: {error}")))
}

async fn insert_user(
    transaction: &mut crate::store::WriteTransaction,
    org_id: i64,
    email: &str,
    password_hash: &str,
    role: Role,
    now: i64,
) -> Result<i64> {
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO users (org_id, email, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(org_id)
    .bind(email)
    .bind(password_hash)
    .bind(role.as_str())
    .bind(now)
    .fetch_one(&mut **transaction)
    .await;
    map_unique(inserted, "A user with this email already exists.")
}

async fn current_role(transaction: &mut crate::store::WriteTransaction, org_id: i64, user_id: i64) -> Result<Role> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = $1 AND org_id = $2")
        .bind(user_id)
        .bind(org_id)
        .fetch_optional(&mut **transaction)
        .await?;
    role.as_deref().and_then(Role::parse).ok_or(Error::NotFound("user"))
}

async fn admin_count(transaction: &mut crate::store::WriteTransaction, org_id: i64) -> Result<i64> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE org_id = $1 AND role = 'admin'")
        .bind(org_id)
        .fetch_one(&mut **transaction)
        .await?;
    Ok(count)
}

fn user_from_row(row: &sqlx::any::AnyRow) -> Result<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        org_name: row.try_get("org_name")?,
        email: row.try_get("email")?,
        role: Role::parse(&role).ok_or_else(|| Error::Internal(format!("unknown role {role:?} in the users table")))?,
    })
}

/// Turns a unique-constraint violation into a conflict with a message for the user.
fn map_unique<T>(result: std::result::Result<T, sqlx::Error>, message: &'static str) -> Result<T> {
    match result {
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Err(Error::Conflict(message)),
        other => other.map_err(Error::from),
    }
}

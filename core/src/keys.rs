//! An organization's AWS access key pair for Bedrock: status, save, replace and delete.
//!
//! Callers pass values that the shared validation already accepted; this module seals the secret
//! and stores it. Every query is keyed by the organization id it is given.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use secrecy::SecretString;
use sqlx::Row;

use crate::crypto::Keyring;
use crate::{Error, Result, Store};

/// Field name bound into the associated data of the sealed secret access key.
pub const SECRET_FIELD: &str = "aws_secret_access_key";

/// What an organization has saved, without the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStatus {
    /// No keys: Guardian uses the platform's default credentials.
    NotConfigured,
    /// Keys are saved and their secret decrypts with the configured master keys.
    Configured { access_key_id: String, saved_at: i64 },
    /// Keys are saved but the secret cannot be decrypted; they must be entered again.
    Unreadable { access_key_id: String, saved_at: i64 },
}

/// One `bedrock_keys` row; `sealed` is the encrypted secret.
struct StoredRow {
    access_key_id: String,
    sealed: String,
    saved_at: i64,
}

/// The organization's Bedrock keys, sealed under the master keyring.
#[derive(Debug, Clone)]
pub struct Keys {
    store: Store,
    keyring: Arc<Keyring>,
    // Rows already reported as unreadable, so the log names each one once per process.
    reported_unreadable: Arc<Mutex<HashSet<(i64, i64)>>>,
}

impl Keys {
    /// Builds the service on a migrated store.
    pub fn new(store: Store, keyring: Arc<Keyring>) -> Self {
        Self { store, keyring, reported_unreadable: Arc::default() }
    }

    /// Returns the store behind the service.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Reads the organization's key status, checking that the stored secret still decrypts.
    pub async fn status(&self, org_id: i64) -> Result<KeyStatus> {
        let Some(StoredRow { access_key_id, sealed, saved_at }) = self.fetch_row(org_id).await? else {
            return Ok(KeyStatus::NotConfigured);
        };
        match self.keyring.open(&sealed, org_id, SECRET_FIELD) {
            Ok(_secret) => Ok(KeyStatus::Configured { access_key_id, saved_at }),
            Err(error) => {
                self.report_unreadable(org_id, saved_at, &access_key_id, &error);
                Ok(KeyStatus::Unreadable { access_key_id, saved_at })
            }
        }
    }

    /// Reads and decrypts the organization's key pair. Only the credential resolver and the
    /// master-key maintenance commands call this; pages use [`Keys::status`].
    pub async fn read_pair(&self, org_id: i64) -> Result<Option<(String, SecretString)>> {
        let Some(StoredRow { access_key_id, sealed, saved_at }) = self.fetch_row(org_id).await? else {
            return Ok(None);
        };
        match self.keyring.open(&sealed, org_id, SECRET_FIELD) {
            Ok(secret) => Ok(Some((access_key_id, secret))),
            Err(error) => {
                self.report_unreadable(org_id, saved_at, &access_key_id, &error);
                Err(Error::KeysUnreadable)
            }
        }
    }

    /// Saves the first key pair of an organization. Fails with a conflict when keys exist, so
    /// that a stale form never overwrites keys saved in the meantime.
    pub async fn save(&self, org_id: i64, access_key_id: &str, secret: &SecretString, now: i64) -> Result<KeyStatus> {
        let sealed = self.keyring.seal(secret, org_id, SECRET_FIELD);

        let mut transaction = self.store.pool().begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO bedrock_keys (org_id, access_key_id, sealed_secret, saved_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (org_id) DO NOTHING",
        )
        .bind(org_id)
        .bind(access_key_id)
        .bind(&sealed)
        .bind(now)
        .execute(&mut *transaction)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(Error::Conflict("Keys were saved in the meantime. Reload the page, then use Replace."));
        }
        transaction.commit().await?;

        Ok(KeyStatus::Configured { access_key_id: access_key_id.to_owned(), saved_at: now })
    }

    /// Replaces the organization's key pair in one statement, so the old pair stays whole until
    /// the new one is committed.
    pub async fn replace(&self, org_id: i64, access_key_id: &str, secret: &SecretString, now: i64) -> Result<KeyStatus> {
        let sealed = self.keyring.seal(secret, org_id, SECRET_FIELD);

        let mut transaction = self.store.pool().begin().await?;
        let updated = sqlx::query(
            "UPDATE bedrock_keys SET access_key_id = $2, sealed_secret = $3, saved_at = $4 WHERE org_id = $1",
        )
        .bind(org_id)
        .bind(access_key_id)
        .bind(&sealed)
        .bind(now)
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(Error::NotFound("saved keys"));
        }
        transaction.commit().await?;

        Ok(KeyStatus::Configured { access_key_id: access_key_id.to_owned(), saved_at: now })
    }

    /// Deletes the organization's key pair; Guardian then uses the default credentials.
    pub async fn delete(&self, org_id: i64) -> Result<()> {
        let deleted = sqlx::query("DELETE FROM bedrock_keys WHERE org_id = $1")
            .bind(org_id)
            .execute(self.store.pool())
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(Error::NotFound("saved keys"));
        }
        Ok(())
    }

    /// Tells whether the organization finished or skipped Guardian onboarding.
    pub async fn onboarding_completed(&self, org_id: i64) -> Result<bool> {
        let completed_at: Option<i64> =
            sqlx::query_scalar("SELECT onboarding_completed_at FROM organizations WHERE id = $1")
                .bind(org_id)
                .fetch_optional(self.store.pool())
                .await?
                .ok_or(Error::NotFound("organization"))?;
        Ok(completed_at.is_some())
    }

    /// Records that the organization finished or skipped onboarding; the first time counts.
    pub async fn complete_onboarding(&self, org_id: i64, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE organizations SET onboarding_completed_at = $2 WHERE id = $1 AND onboarding_completed_at IS NULL",
        )
        .bind(org_id)
        .bind(now)
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    async fn fetch_row(&self, org_id: i64) -> Result<Option<StoredRow>> {
        let row = sqlx::query("SELECT access_key_id, sealed_secret, saved_at FROM bedrock_keys WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(self.store.pool())
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(StoredRow {
            access_key_id: row.try_get("access_key_id")?,
            sealed: row.try_get("sealed_secret")?,
            saved_at: row.try_get("saved_at")?,
        }))
    }

    fn report_unreadable(&self, org_id: i64, saved_at: i64, access_key_id: &str, error: &crate::crypto::OpenError) {
        let first_report = self
            .reported_unreadable
            .lock()
            .map(|mut reported| reported.insert((org_id, saved_at)))
            .unwrap_or(true);
        if first_report {
            tracing::error!(org_id, access_key_id, %error, "stored Bedrock keys cannot be decrypted; they must be entered again");
        }
    }
}

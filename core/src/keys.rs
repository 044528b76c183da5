//! An organization's AWS access key pair for Bedrock: status, save, replace and delete.
//!
//! Callers pass values that the shared validation already accepted; this module seals the secret
//! and stores it. Every query is keyed by the organization id it is given.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use secrecy::SecretString;
use sqlx::Row;

use crate::audit::{self, Actor, AuditAction, NewAuditEvent};
use crate::checks::CheckRecord;
use crate::crypto::Keyring;
use crate::store::WriteTransaction;
use crate::{Error, Result, Store};

/// Field name bound into the associated data of the sealed secret access key.
pub const SECRET_FIELD: &str = "aws_secret_access_key";

/// The state of an organization's saved keys, without the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStatus {
    /// No keys: Guardian uses the platform's default credentials.
    NotConfigured,
    /// Keys are saved and their secret decrypts with the configured master keys.
    Configured { access_key_id: String, saved_at: i64 },
    /// Keys are saved but the secret cannot be decrypted; they must be entered again.
    Unreadable { access_key_id: String, saved_at: i64 },
}

/// An organization's key status with the facts the API Keys page shows beside it, read in one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyOverview {
    pub status: KeyStatus,
    /// Whether the organization finished or skipped Guardian onboarding.
    pub onboarding_completed: bool,
    /// The latest connection check.
    pub last_check: Option<CheckRecord>,
    /// When Guardian last called Bedrock with the current keys.
    pub keys_last_used_at: Option<i64>,
}

/// An organization's stored key pair with the secret still encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedPair {
    pub access_key_id: String,
    sealed: String,
    saved_at: i64,
}

impl SealedPair {
    /// Returns the stored ciphertext. A replace or a master-key rotation changes it, so it
    /// identifies one stored value.
    pub fn sealed(&self) -> &str {
        &self.sealed
    }
}

/// A stored value of any organization, for the master-key maintenance commands.
struct OrgRow {
    org_id: i64,
    access_key_id: String,
    sealed: String,
}

/// The result of a replace: the new status and the access key ID it replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    pub status: KeyStatus,
    pub previous_access_key_id: String,
}

/// A stored secret that does not decrypt with the configured master keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableValue {
    pub org_id: i64,
    pub access_key_id: String,
    /// The cause, e.g. an unknown master key id. Never contains key material.
    pub reason: String,
}

/// The result of [`Keys::rotate_all`].
#[derive(Debug, Default)]
pub struct RotationReport {
    pub reencrypted: u64,
    /// Values replaced or deleted by a user while the rotation ran; they are sealed with the
    /// active key already.
    pub changed_meanwhile: u64,
    pub unreadable: Vec<UnreadableValue>,
}

/// The result of [`Keys::verify_all`].
#[derive(Debug, Default)]
pub struct VerifyReport {
    pub readable: u64,
    pub unreadable: Vec<UnreadableValue>,
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
        match self.fetch_row(org_id).await? {
            Some(stored) => Ok(self.readable_status(org_id, stored).await),
            None => Ok(KeyStatus::NotConfigured),
        }
    }

    /// Names a stored pair `Configured` when its secret decrypts, otherwise `Unreadable`.
    async fn readable_status(&self, org_id: i64, stored: SealedPair) -> KeyStatus {
        let SealedPair { access_key_id, sealed, saved_at } = stored;
        match self.keyring.open(&sealed, org_id, SECRET_FIELD) {
            Ok(_secret) => KeyStatus::Configured { access_key_id, saved_at },
            Err(error) => {
                self.report_unreadable(org_id, saved_at, &access_key_id, &error).await;
                KeyStatus::Unreadable { access_key_id, saved_at }
            }
        }
    }

    /// Reads the key status, the onboarding state, the latest check and when the keys were last
    /// used, in one query. Fails with `NotFound` for an unknown organization.
    pub async fn overview(&self, org_id: i64) -> Result<KeyOverview> {
        let row = sqlx::query(
            "SELECT o.onboarding_completed_at, k.access_key_id, k.sealed_secret, k.saved_at, k.last_used_at, \
               c.outcome, c.succeeded, c.message, c.credential_source, c.access_key_id AS check_access_key_id, c.checked_at \
             FROM organizations o \
             LEFT JOIN bedrock_keys k ON k.org_id = o.id \
             LEFT JOIN connection_checks c ON c.org_id = o.id \
             WHERE o.id = $1",
        )
        .bind(org_id)
        .fetch_optional(self.store.pool())
        .await?
        .ok_or(Error::NotFound("organization"))?;

        let stored = match row.try_get::<Option<String>, _>("access_key_id")? {
            Some(access_key_id) => Some(SealedPair {
                access_key_id,
                sealed: row.try_get("sealed_secret")?,
                saved_at: row.try_get("saved_at")?,
            }),
            None => None,
        };
        let last_check = match row.try_get::<Option<String>, _>("outcome")? {
            Some(outcome) => Some(CheckRecord {
                outcome,
                succeeded: row.try_get::<i64, _>("succeeded")? != 0,
                message: row.try_get("message")?,
                credential_source: row.try_get("credential_source")?,
                access_key_id: row.try_get("check_access_key_id")?,
                checked_at: row.try_get("checked_at")?,
            }),
            None => None,
        };
        let keys_last_used_at = row.try_get("last_used_at")?;
        let onboarding_completed = row.try_get::<Option<i64>, _>("onboarding_completed_at")?.is_some();
        let status = match stored {
            Some(stored) => self.readable_status(org_id, stored).await,
            None => KeyStatus::NotConfigured,
        };
        Ok(KeyOverview { status, onboarding_completed, last_check, keys_last_used_at })
    }

    /// Reads and decrypts the organization's key pair. Only the credential resolver and the
    /// master-key maintenance commands call this; pages use [`Keys::status`].
    pub async fn read_pair(&self, org_id: i64) -> Result<Option<(String, SecretString)>> {
        let Some(pair) = self.sealed_pair(org_id).await? else {
            return Ok(None);
        };
        let secret = self.open_pair(org_id, &pair).await?;
        Ok(Some((pair.access_key_id, secret)))
    }

    /// Reads the organization's key pair without decrypting the secret.
    pub async fn sealed_pair(&self, org_id: i64) -> Result<Option<SealedPair>> {
        self.fetch_row(org_id).await
    }

    /// Decrypts the secret of a pair that [`Keys::sealed_pair`] read for `org_id`. Fails with
    /// [`Error::KeysUnreadable`] when the master keys cannot decrypt it.
    pub async fn open_pair(&self, org_id: i64, pair: &SealedPair) -> Result<SecretString> {
        match self.keyring.open(&pair.sealed, org_id, SECRET_FIELD) {
            Ok(secret) => Ok(secret),
            Err(error) => {
                self.report_unreadable(org_id, pair.saved_at, &pair.access_key_id, &error).await;
                Err(Error::KeysUnreadable)
            }
        }
    }

    /// Saves the first key pair of an organization on behalf of the server itself.
    pub async fn save(&self, org_id: i64, access_key_id: &str, secret: &SecretString, now: i64) -> Result<KeyStatus> {
        self.save_by(org_id, &Actor::system(), access_key_id, secret, now).await
    }

    /// Saves the first key pair of an organization, records it in the audit trail and marks
    /// onboarding as finished. Fails with a conflict when keys exist, so that a stale form never
    /// overwrites keys saved in the meantime.
    pub async fn save_by(&self, org_id: i64, actor: &Actor, access_key_id: &str, secret: &SecretString, now: i64) -> Result<KeyStatus> {
        let sealed = self.keyring.seal(secret, org_id, SECRET_FIELD);

        let mut transaction = self.store.begin_write().await?;
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
        let event = NewAuditEvent {
            org_id,
            actor,
            action: AuditAction::Saved,
            access_key_id: Some(access_key_id),
            previous_access_key_id: None,
            outcome: "ok",
            occurred_at: now,
        };
        audit::record(&mut *transaction, &event).await?;
        forget_last_check(&mut transaction, org_id).await?;
        mark_onboarded(&mut transaction, org_id, now).await?;
        transaction.commit().await?;

        Ok(KeyStatus::Configured { access_key_id: access_key_id.to_owned(), saved_at: now })
    }

    /// Replaces the organization's key pair on behalf of the server itself.
    pub async fn replace(&self, org_id: i64, access_key_id: &str, secret: &SecretString, now: i64) -> Result<KeyStatus> {
        self.replace_by(org_id, &Actor::system(), access_key_id, secret, now).await.map(|replaced| replaced.status)
    }

    /// Replaces the organization's key pair in one transaction, so the old pair stays whole
    /// until the new one is committed, records the old and new key IDs, deletes the stored result
    /// of the last connection check, and marks onboarding as finished.
    pub async fn replace_by(&self, org_id: i64, actor: &Actor, access_key_id: &str, secret: &SecretString, now: i64) -> Result<Replaced> {
        let sealed = self.keyring.seal(secret, org_id, SECRET_FIELD);

        let mut transaction = self.store.begin_write().await?;
        // A no-op update first locks the row: SQLite takes its write lock at once, and a
        // PostgreSQL replace waits here for a concurrent one to commit. The next statement then
        // reads the key ID that this replace really overwrites, on both engines.
        sqlx::query("UPDATE bedrock_keys SET org_id = org_id WHERE org_id = $1")
            .bind(org_id)
            .execute(&mut *transaction)
            .await?;
        sqlx::query(
            "INSERT INTO audit_events (org_id, occurred_at, actor_user_id, actor_email, action, access_key_id, previous_access_key_id, outcome) \
             SELECT org_id, $2, $3, $4, $5, $6, access_key_id, 'ok' FROM bedrock_keys WHERE org_id = $1",
        )
        .bind(org_id)
        .bind(now)
        .bind(actor.user_id)
        .bind(&actor.email)
        .bind(AuditAction::Replaced.as_str())
        .bind(access_key_id)
        .execute(&mut *transaction)
        .await?;
        let previous_access_key_id: Option<String> =
            sqlx::query_scalar("SELECT access_key_id FROM bedrock_keys WHERE org_id = $1")
                .bind(org_id)
                .fetch_optional(&mut *transaction)
                .await?;
        let updated = sqlx::query(
            "UPDATE bedrock_keys SET access_key_id = $2, sealed_secret = $3, saved_at = $4, last_used_at = NULL WHERE org_id = $1",
        )
        .bind(org_id)
        .bind(access_key_id)
        .bind(&sealed)
        .bind(now)
        .execute(&mut *transaction)
        .await?;
        let (1, Some(previous_access_key_id)) = (updated.rows_affected(), previous_access_key_id) else {
            return Err(Error::NotFound("saved keys"));
        };
        forget_last_check(&mut transaction, org_id).await?;
        mark_onboarded(&mut transaction, org_id, now).await?;
        transaction.commit().await?;

        let status = KeyStatus::Configured { access_key_id: access_key_id.to_owned(), saved_at: now };
        Ok(Replaced { status, previous_access_key_id })
    }

    /// Deletes the organization's key pair on behalf of the server itself.
    pub async fn delete(&self, org_id: i64) -> Result<()> {
        self.delete_by(org_id, &Actor::system(), crate::unix_now()).await.map(|_| ())
    }

    /// Deletes the organization's key pair and records it; Guardian then uses the default
    /// credentials. Returns the deleted access key ID.
    pub async fn delete_by(&self, org_id: i64, actor: &Actor, now: i64) -> Result<String> {
        let mut transaction = self.store.begin_write().await?;
        let deleted: Option<String> = sqlx::query_scalar("DELETE FROM bedrock_keys WHERE org_id = $1 RETURNING access_key_id")
            .bind(org_id)
            .fetch_optional(&mut *transaction)
            .await?;
        let Some(access_key_id) = deleted else {
            return Err(Error::NotFound("saved keys"));
        };
        let event = NewAuditEvent {
            org_id,
            actor,
            action: AuditAction::Deleted,
            access_key_id: Some(&access_key_id),
            previous_access_key_id: None,
            outcome: "ok",
            occurred_at: now,
        };
        audit::record(&mut *transaction, &event).await?;
        forget_last_check(&mut transaction, org_id).await?;
        transaction.commit().await?;
        Ok(access_key_id)
    }

    /// Re-encrypts every stored secret with the active master key, one transaction per value.
    /// Values that cannot be decrypted are reported and left as they are, never deleted.
    pub async fn rotate_all(&self) -> Result<RotationReport> {
        let mut report = RotationReport::default();
        for row in self.all_rows().await? {
            let secret = match self.keyring.open(&row.sealed, row.org_id, SECRET_FIELD) {
                Ok(secret) => secret,
                Err(error) => {
                    report.unreadable.push(UnreadableValue { org_id: row.org_id, access_key_id: row.access_key_id, reason: error.to_string() });
                    continue;
                }
            };
            let resealed = self.keyring.seal(&secret, row.org_id, SECRET_FIELD);
            let mut transaction = self.store.begin_write().await?;
            // The value is only replaced if no request changed it since it was read.
            let updated = sqlx::query("UPDATE bedrock_keys SET sealed_secret = $3 WHERE org_id = $1 AND sealed_secret = $2")
                .bind(row.org_id)
                .bind(&row.sealed)
                .bind(&resealed)
                .execute(&mut *transaction)
                .await?;
            transaction.commit().await?;
            if updated.rows_affected() == 1 {
                report.reencrypted += 1;
            } else {
                report.changed_meanwhile += 1;
            }
        }
        Ok(report)
    }

    /// Lists every stored value that does not decrypt with the configured master keys, without
    /// changing anything.
    pub async fn verify_all(&self) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        for row in self.all_rows().await? {
            match self.keyring.open(&row.sealed, row.org_id, SECRET_FIELD) {
                Ok(_secret) => report.readable += 1,
                Err(error) => {
                    report.unreadable.push(UnreadableValue { org_id: row.org_id, access_key_id: row.access_key_id, reason: error.to_string() })
                }
            }
        }
        Ok(report)
    }

    async fn all_rows(&self) -> Result<Vec<OrgRow>> {
        let rows = sqlx::query("SELECT org_id, access_key_id, sealed_secret FROM bedrock_keys ORDER BY org_id")
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(OrgRow {
                    org_id: row.try_get("org_id")?,
                    access_key_id: row.try_get("access_key_id")?,
                    sealed: row.try_get("sealed_secret")?,
                })
            })
            .collect()
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
        let mut transaction = self.store.begin_write().await?;
        mark_onboarded(&mut transaction, org_id, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn fetch_row(&self, org_id: i64) -> Result<Option<SealedPair>> {
        let row = sqlx::query("SELECT access_key_id, sealed_secret, saved_at FROM bedrock_keys WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(self.store.pool())
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(SealedPair {
            access_key_id: row.try_get("access_key_id")?,
            sealed: row.try_get("sealed_secret")?,
            saved_at: row.try_get("saved_at")?,
        }))
    }

    /// Logs and audits an unreadable pair, once per pair and process.
    async fn report_unreadable(&self, org_id: i64, saved_at: i64, access_key_id: &str, error: &crate::crypto::OpenError) {
        let first_report = self
            .reported_unreadable
            .lock()
            .map(|mut reported| reported.insert((org_id, saved_at)))
            .unwrap_or(true);
        if !first_report {
            return;
        }
        tracing::error!(org_id, access_key_id, %error, "stored Bedrock keys cannot be decrypted; they must be entered again");
        let event = NewAuditEvent {
            org_id,
            actor: &Actor::system(),
            action: AuditAction::Unreadable,
            access_key_id: Some(access_key_id),
            previous_access_key_id: None,
            outcome: "cannot_decrypt",
            occurred_at: crate::unix_now(),
        };
        if let Err(error) = audit::record(self.store.pool(), &event).await {
            tracing::warn!(org_id, %error, "could not record the unreadable keys in the audit trail");
        }
    }
}

/// Removes the stored result of the latest connection check, which described the credentials
/// that a save, replace or delete puts out of use. The audit trail keeps the check.
async fn forget_last_check(transaction: &mut WriteTransaction, org_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM connection_checks WHERE org_id = $1")
        .bind(org_id)
        .execute(&mut **transaction)
        .await?;
    Ok(())
}

/// Records that the organization finished onboarding, unless it had already.
async fn mark_onboarded(transaction: &mut WriteTransaction, org_id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE organizations SET onboarding_completed_at = $2 WHERE id = $1 AND onboarding_completed_at IS NULL")
        .bind(org_id)
        .bind(now)
        .execute(&mut **transaction)
        .await?;
    Ok(())
}

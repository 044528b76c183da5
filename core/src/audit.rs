//! The audit trail of an organization's keys: saved, replaced, deleted, checked, and stored
//! keys that could not be decrypted. Entries are only ever inserted.

use sqlx::Row;

use crate::{Result, Store};

/// The author of an event: a signed-in user, or the server itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub email: String,
}

impl Actor {
    /// A signed-in user.
    pub fn user(user_id: i64, email: &str) -> Self {
        Self { user_id: Some(user_id), email: email.to_owned() }
    }

    /// The server itself, for events no user caused (checks that run by themselves, or
    /// maintenance commands).
    pub fn system() -> Self {
        Self { user_id: None, email: "system".to_owned() }
    }
}

/// The kind of change or check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Saved,
    Replaced,
    Deleted,
    Checked,
    Unreadable,
}

impl AuditAction {
    /// Returns the stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Saved => "saved",
            AuditAction::Replaced => "replaced",
            AuditAction::Deleted => "deleted",
            AuditAction::Checked => "checked",
            AuditAction::Unreadable => "unreadable",
        }
    }
}

/// One entry to record.
#[derive(Debug, Clone)]
pub struct NewAuditEvent<'a> {
    pub org_id: i64,
    pub actor: &'a Actor,
    pub action: AuditAction,
    pub access_key_id: Option<&'a str>,
    pub previous_access_key_id: Option<&'a str>,
    /// `ok`, or the outcome of a check such as `unrecognized_key`.
    pub outcome: &'a str,
    pub occurred_at: i64,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: i64,
    pub occurred_at: i64,
    pub actor_email: String,
    pub action: String,
    pub access_key_id: Option<String>,
    pub previous_access_key_id: Option<String>,
    pub outcome: String,
}

/// Inserts an entry on `executor`, usually the transaction of the change it records.
pub async fn record<'e, E>(executor: E, event: &NewAuditEvent<'_>) -> Result<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO audit_events (org_id, occurred_at, actor_user_id, actor_email, action, access_key_id, previous_access_key_id, outcome) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(event.org_id)
    .bind(event.occurred_at)
    .bind(event.actor.user_id)
    .bind(&event.actor.email)
    .bind(event.action.as_str())
    .bind(event.access_key_id)
    .bind(event.previous_access_key_id)
    .bind(event.outcome)
    .execute(executor)
    .await?;
    Ok(())
}

/// Reads an organization's audit trail.
#[derive(Debug, Clone)]
pub struct AuditLog {
    store: Store,
}

impl AuditLog {
    /// Builds the reader on a migrated store.
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Records an entry outside any other transaction.
    pub async fn record(&self, event: &NewAuditEvent<'_>) -> Result<()> {
        record(self.store.pool(), event).await
    }

    /// Returns up to `limit` entries of the organization, newest first, skipping `offset`.
    pub async fn list(&self, org_id: i64, limit: i64, offset: i64) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT id, occurred_at, actor_email, action, access_key_id, previous_access_key_id, outcome \
             FROM audit_events WHERE org_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
        )
        .bind(org_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditEvent {
                    id: row.try_get("id")?,
                    occurred_at: row.try_get("occurred_at")?,
                    actor_email: row.try_get("actor_email")?,
                    action: row.try_get("action")?,
                    access_key_id: row.try_get("access_key_id")?,
                    previous_access_key_id: row.try_get("previous_access_key_id")?,
                    outcome: row.try_get("outcome")?,
                })
            })
            .collect()
    }

    /// Counts the organization's entries.
    pub async fn count(&self, org_id: i64) -> Result<i64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE org_id = $1")
            .bind(org_id)
            .fetch_one(self.store.pool())
            .await?;
        Ok(count)
    }
}

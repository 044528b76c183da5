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

/// One page of an organization's audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPageRows {
    /// The page's entries, newest first.
    pub events: Vec<AuditEvent>,
    /// The page returned, counted from 1.
    pub page: i64,
    /// Number of all the organization's entries.
    pub total: i64,
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
        let (events, _) = self.list_with_total(org_id, limit, offset).await?;
        Ok(events)
    }

    /// Returns page `page` (counted from 1) of `page_size` entries, newest first. A page past
    /// the end gives the last page, and a page below 1 the first.
    pub async fn page(&self, org_id: i64, page: i64, page_size: i64) -> Result<AuditPageRows> {
        let page_size = page_size.max(1);
        let page = page.max(1);
        let offset = (page - 1).saturating_mul(page_size);
        let (events, total) = self.list_with_total(org_id, page_size, offset).await?;
        if !events.is_empty() || page == 1 {
            return Ok(AuditPageRows { events, page, total });
        }

        // An empty page past the end carries no total, so it takes a count and a second read.
        let total = self.count(org_id).await?;
        let last_page = ((total + page_size - 1) / page_size).max(1);
        let (events, total) = self.list_with_total(org_id, page_size, (last_page - 1) * page_size).await?;
        Ok(AuditPageRows { events, page: last_page, total })
    }

    /// Reads entries like [`AuditLog::list`], with the number of all the organization's entries
    /// from the same query (0 when no row is returned).
    async fn list_with_total(&self, org_id: i64, limit: i64, offset: i64) -> Result<(Vec<AuditEvent>, i64)> {
        let rows = sqlx::query(
            "SELECT id, occurred_at, actor_email, action, access_key_id, previous_access_key_id, outcome, \
             COUNT(*) OVER () AS total \
             FROM audit_events WHERE org_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
        )
        .bind(org_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.store.pool())
        .await?;
        let total = match rows.first() {
            Some(row) => row.try_get("total")?,
            None => 0,
        };
        let events = rows
            .iter()
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
            .collect::<Result<_>>()?;
        Ok((events, total))
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

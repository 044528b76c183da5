//! Results of connection checks, when Guardian last used an organization's keys, and the
//! per-organization rate limits of Bedrock calls.

use sqlx::Row;

use crate::{Result, Store};

/// The stored result of an organization's latest connection check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRecord {
    /// Stable name of the outcome, such as `success` or `unrecognized_key`.
    pub outcome: String,
    pub succeeded: bool,
    /// The outcome and the next step, as shown to admins.
    pub message: String,
    /// `org_keys` or `default`.
    pub credential_source: String,
    /// The access key ID the check signed with, when it used the organization's keys.
    pub access_key_id: Option<String>,
    pub checked_at: i64,
}

/// A rate limit: at most `max_requests` per `window_secs`.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub max_requests: i64,
    pub window_secs: i64,
}

/// Connection check results, key usage and rate limits.
#[derive(Debug, Clone)]
pub struct Checks {
    store: Store,
}

impl Checks {
    /// Builds the service on a migrated store.
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Stores the result of a check, replacing the previous one.
    pub async fn record(&self, org_id: i64, record: &CheckRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO connection_checks (org_id, outcome, succeeded, message, credential_source, access_key_id, checked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (org_id) DO UPDATE SET outcome = excluded.outcome, succeeded = excluded.succeeded, \
               message = excluded.message, credential_source = excluded.credential_source, \
               access_key_id = excluded.access_key_id, checked_at = excluded.checked_at",
        )
        .bind(org_id)
        .bind(&record.outcome)
        .bind(i64::from(record.succeeded))
        .bind(&record.message)
        .bind(&record.credential_source)
        .bind(&record.access_key_id)
        .bind(record.checked_at)
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    /// Returns the organization's latest check, if any.
    pub async fn latest(&self, org_id: i64) -> Result<Option<CheckRecord>> {
        let row = sqlx::query(
            "SELECT outcome, succeeded, message, credential_source, access_key_id, checked_at \
             FROM connection_checks WHERE org_id = $1",
        )
        .bind(org_id)
        .fetch_optional(self.store.pool())
        .await?;
        row.map(|row| {
            Ok(CheckRecord {
                outcome: row.try_get("outcome")?,
                succeeded: row.try_get::<i64, _>("succeeded")? != 0,
                message: row.try_get("message")?,
                credential_source: row.try_get("credential_source")?,
                access_key_id: row.try_get("access_key_id")?,
                checked_at: row.try_get("checked_at")?,
            })
        })
        .transpose()
    }

    /// Records that Guardian called Bedrock with the organization's keys `access_key_id`. A
    /// pair replaced in the meantime is left alone.
    pub async fn mark_keys_used(&self, org_id: i64, access_key_id: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE bedrock_keys SET last_used_at = $3 WHERE org_id = $1 AND access_key_id = $2")
            .bind(org_id)
            .bind(access_key_id)
            .bind(now)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }

    /// Returns when Guardian last used the organization's current keys.
    pub async fn keys_last_used(&self, org_id: i64) -> Result<Option<i64>> {
        let last_used: Option<Option<i64>> = sqlx::query_scalar("SELECT last_used_at FROM bedrock_keys WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(self.store.pool())
            .await?;
        Ok(last_used.flatten())
    }

    /// Counts one request against `limit` for `scope_key`. Returns `Ok(None)` when the request
    /// may proceed, or the seconds until the window ends when the limit is reached.
    pub async fn take_rate_limit(&self, scope_key: &str, limit: RateLimit, now: i64) -> Result<Option<i64>> {
        // One statement, so concurrent requests on several replicas all count.
        let row = sqlx::query(
            "INSERT INTO rate_limits (scope_key, window_started_at, requests) VALUES ($1, $2, 1) \
             ON CONFLICT (scope_key) DO UPDATE SET \
               requests = CASE WHEN rate_limits.window_started_at + $3 <= $2 THEN 1 ELSE rate_limits.requests + 1 END, \
               window_started_at = CASE WHEN rate_limits.window_started_at + $3 <= $2 THEN $2 ELSE rate_limits.window_started_at END \
             RETURNING window_started_at, requests",
        )
        .bind(scope_key)
        .bind(now)
        .bind(limit.window_secs)
        .fetch_one(self.store.pool())
        .await?;
        let window_started_at: i64 = row.try_get("window_started_at")?;
        let requests: i64 = row.try_get("requests")?;
        if requests > limit.max_requests {
            Ok(Some((window_started_at + limit.window_secs - now).max(1)))
        } else {
            Ok(None)
        }
    }
}

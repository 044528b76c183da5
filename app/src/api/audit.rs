//! Server function of the keys' audit trail, which every user of the organization may read.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::server;
use crate::error::ApiError;

/// Entries per page of the full audit trail.
pub const AUDIT_PAGE_SIZE: i64 = 20;

/// One audit entry as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub id: i64,
    pub occurred_at: i64,
    pub actor: String,
    /// saved, replaced, deleted, checked or unreadable.
    pub action: String,
    pub access_key_id: Option<String>,
    pub previous_access_key_id: Option<String>,
    /// `ok`, or the outcome of a check.
    pub outcome: String,
}

/// One page of the audit trail, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntryView>,
    /// 1-based page number.
    pub page: i64,
    pub total_pages: i64,
}

/// Reads one page of the caller's organization's audit trail; `page` starts at 1.
#[server(prefix = "/api", endpoint = "keys/audit")]
pub async fn audit_trail(page: i64, page_size: Option<i64>) -> Result<AuditPage, ApiError> {
    let caller = server::caller()?;
    let audit = server::audit_log()?;
    let org_id = caller.org_id();

    let page_size = page_size.unwrap_or(AUDIT_PAGE_SIZE).clamp(1, 100);
    let rows = audit.page(org_id, page, page_size).await.map_err(server::map_error(org_id))?;
    let total_pages = ((rows.total + page_size - 1) / page_size).max(1);
    let entries = rows
        .events
        .into_iter()
        .map(|event| AuditEntryView {
            id: event.id,
            occurred_at: event.occurred_at,
            actor: event.actor_email,
            action: event.action,
            access_key_id: event.access_key_id,
            previous_access_key_id: event.previous_access_key_id,
            outcome: event.outcome,
        })
        .collect();
    Ok(AuditPage { entries, page: rows.page, total_pages })
}

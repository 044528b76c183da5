//! Server-side helpers of the server functions: who is calling, the services the server
//! provides as context, and redirects for browsers without JavaScript.

use guardian_core::accounts::{Accounts, Role, User};
use guardian_core::Keys;
use leptos::prelude::*;

use crate::error::ApiError;

/// The signed-in user of a request, which the server's session middleware puts into the request
/// extensions after loading the user from the database.
#[derive(Debug, Clone)]
pub struct SignedIn(pub User);

/// The caller of a server function. Their organization always comes from the session, never
/// from anything the browser posts.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
}

impl Caller {
    /// Returns the caller's organization id.
    pub fn org_id(&self) -> i64 {
        self.user.org_id
    }

    /// Tells whether the caller administers their organization.
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// Fails unless the caller administers their organization.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            tracing::info!(user_id = self.user.id, org_id = self.user.org_id, "rejected: admin role required");
            Err(ApiError::Forbidden)
        }
    }
}

/// Returns the signed-in caller of the current request, or `Unauthorized`.
pub fn caller() -> Result<Caller, ApiError> {
    signed_in_user().map(|user| Caller { user }).ok_or(ApiError::Unauthorized)
}

/// Returns the signed-in user of the current request, if any.
pub fn signed_in_user() -> Option<User> {
    let parts = use_context::<http::request::Parts>()?;
    parts.extensions.get::<SignedIn>().map(|signed_in| signed_in.0.clone())
}

/// Returns a service that the server provides as context.
pub fn service<T: Clone + Send + Sync + 'static>() -> Result<T, ApiError> {
    use_context::<T>().ok_or_else(|| {
        tracing::error!(service = std::any::type_name::<T>(), "a service is missing from the server function context");
        ApiError::Internal
    })
}

/// Returns the keys service.
pub fn keys() -> Result<Keys, ApiError> {
    service::<Keys>()
}

/// Returns the accounts service.
pub fn accounts() -> Result<Accounts, ApiError> {
    service::<Accounts>()
}

/// Settings the server functions apply, provided as context by the server.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Saved keys older than this many days get a rotation reminder.
    pub rotation_days: i64,
}

/// Returns the server's policy settings.
pub fn policy() -> Result<Policy, ApiError> {
    service::<Policy>()
}

/// Returns the audit trail service.
pub fn audit_log() -> Result<guardian_core::audit::AuditLog, ApiError> {
    service::<guardian_core::audit::AuditLog>()
}

/// Names the caller in the audit trail.
pub fn actor(caller: &Caller) -> guardian_core::audit::Actor {
    guardian_core::audit::Actor::user(caller.user.id, &caller.user.email)
}

/// Returns the connection-check and rate-limit service.
pub fn checks() -> Result<guardian_core::checks::Checks, ApiError> {
    service::<guardian_core::checks::Checks>()
}

/// Returns the shared Bedrock service.
pub fn bedrock() -> Result<std::sync::Arc<guardian_core::Bedrock>, ApiError> {
    service::<std::sync::Arc<guardian_core::Bedrock>>()
}

/// Counts one request against an organization's rate limit, failing with a message that says
/// how long to wait once the limit is reached.
pub async fn take_rate_limit(scope: &str, org_id: i64, limit: guardian_core::checks::RateLimit, what: &str) -> Result<(), ApiError> {
    let checks = checks()?;
    let key = format!("{scope}:{org_id}");
    match checks.take_rate_limit(&key, limit, guardian_core::unix_now()).await.map_err(map_error(org_id))? {
        None => Ok(()),
        Some(retry_after_secs) => {
            tracing::warn!(org_id, scope, retry_after_secs, "rate limit reached");
            Err(ApiError::TooManyRequests(format!("Too many {what} for your organization. Wait {retry_after_secs} seconds, then try again.")))
        }
    }
}

/// Returns the session of the current request.
pub fn session() -> Result<tower_sessions::Session, ApiError> {
    let parts = use_context::<http::request::Parts>().ok_or(ApiError::Internal)?;
    parts.extensions.get::<tower_sessions::Session>().cloned().ok_or_else(|| {
        tracing::error!("the session layer is missing");
        ApiError::Internal
    })
}

/// The client's IP address, which the server's middleware resolves from the TCP peer and,
/// behind trusted proxies, `X-Forwarded-For`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub std::net::IpAddr);

/// Returns the client's address, for sign-in throttling.
pub fn client_address() -> String {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientAddress>().map(|address| address.0.to_string()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Redirects a plain form post (a browser without JavaScript) to `path`. Calls from the WASM
/// client get the result instead and update the page themselves.
pub fn redirect_form_post(path: &str) {
    if accepts_html() {
        leptos_axum::redirect(path);
    }
}

fn accepts_html() -> bool {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.headers.get(http::header::ACCEPT)?.to_str().ok().map(|accept| accept.contains("text/html")))
        .unwrap_or(false)
}

/// Returns the path of the page that posted the current request, from its `Referer`.
pub fn referer_path() -> String {
    use_context::<http::request::Parts>()
        .and_then(|parts| {
            let referer = parts.headers.get(http::header::REFERER)?.to_str().ok()?;
            let uri: http::Uri = referer.parse().ok()?;
            Some(uri.path().to_owned())
        })
        .unwrap_or_default()
}

/// Maps a library error for the browser, logging details with the organization id.
pub fn map_error(org_id: i64) -> impl Fn(guardian_core::Error) -> ApiError {
    move |error| ApiError::from_core(error, org_id)
}

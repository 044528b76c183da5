//! Sessions and authentication: the session layer, and the middleware that loads the signed-in
//! user on every request and sends anonymous visitors of pages to `/login`.

use app::api::server::SignedIn;
use app::api::SESSION_USER_KEY;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use guardian_core::accounts::Accounts;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use crate::sessions::AnySessionStore;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "guardian_session";

/// Builds the session layer: sessions in the database, expiring after `idle_minutes` without a
/// request; the cookie is `HttpOnly`, `SameSite=Lax`, and `Secure` when `secure` is set.
pub fn session_layer(store: AnySessionStore, idle_minutes: u32, secure: bool) -> SessionManagerLayer<AnySessionStore> {
    SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(i64::from(idle_minutes))))
}

/// Paths that anonymous visitors may open.
fn is_public_path(path: &str) -> bool {
    matches!(path, "/login" | "/setup" | "/healthz" | "/readyz" | "/favicon.ico" | "/favicon.svg")
        || path.starts_with("/pkg/")
        // Server functions answer `Unauthorized` themselves, as JSON or as a redirect back.
        || path.starts_with("/api/")
}

/// Loads the signed-in user into the request extensions ([`SignedIn`]) and redirects anonymous
/// page requests to `/login?next=…`. The user is read from the database on every request, so a
/// changed role or a removed user takes effect at once.
pub async fn authenticate(State(accounts): State<Accounts>, session: Session, mut request: Request, next: Next) -> Response {
    let user_id = match session.get::<i64>(SESSION_USER_KEY).await {
        Ok(user_id) => user_id,
        Err(error) => {
            tracing::warn!(%error, "could not read the session");
            return unavailable(&request);
        }
    };
    if let Some(user_id) = user_id {
        match accounts.find_user(user_id).await {
            Ok(Some(user)) => {
                touch_session(&session).await;
                request.extensions_mut().insert(SignedIn(user));
            }
            Ok(None) => {
                tracing::info!(user_id, "session of a removed user ended");
                let _ = session.flush().await;
            }
            Err(error) => {
                tracing::warn!(%error, user_id, "could not load the signed-in user");
                return unavailable(&request);
            }
        }
    }

    let signed_in = request.extensions().get::<SignedIn>().is_some();
    let path = request.uri().path();
    if !signed_in && request.method() == Method::GET && !is_public_path(path) {
        let requested = request.uri().path_and_query().map(|target| target.as_str()).unwrap_or("/");
        let next_page: String = url::form_urlencoded::byte_serialize(requested.as_bytes()).collect();
        return Redirect::to(&format!("/login?next={next_page}")).into_response();
    }
    next.run(request).await
}

/// Seconds between two saves of an active session.
const SESSION_TOUCH_SECS: i64 = 300;
/// Session key of the last time the session was saved for activity.
const SESSION_TOUCHED_KEY: &str = "touched_at";

/// Moves an active session's expiry forward. tower-sessions only updates the expiry when it
/// saves a changed session, and saving on every request would turn a locked database into 500s
/// for reads, so the session is changed at most every five minutes.
async fn touch_session(session: &Session) {
    let now = guardian_core::unix_now();
    let touched_at = session.get::<i64>(SESSION_TOUCHED_KEY).await.ok().flatten().unwrap_or(0);
    if now - touched_at >= SESSION_TOUCH_SECS {
        if let Err(error) = session.insert(SESSION_TOUCHED_KEY, now).await {
            tracing::warn!(%error, "could not refresh the session");
        }
    }
}

/// Returns a 503 response: the server functions' JSON error to calls from the WASM client, which
/// decodes every error body as JSON, and plain text to pages and form posts.
fn unavailable(request: &Request) -> Response {
    let accepts_html = request
        .headers()
        .get(axum::http::header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if request.uri().path().starts_with("/api/") && !accepts_html {
        let body = serde_json::to_string(&app::error::ApiError::Unavailable).unwrap_or_default();
        return (StatusCode::SERVICE_UNAVAILABLE, [(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response();
    }
    (StatusCode::SERVICE_UNAVAILABLE, "The service is temporarily unavailable. Try again in a moment.").into_response()
}

#[cfg(test)]
mod tests {
    use super::is_public_path;

    #[test]
    fn only_sign_in_pages_and_assets_are_public() {
        for path in ["/login", "/setup", "/healthz", "/readyz", "/pkg/guardian.js", "/api/auth/login"] {
            assert!(is_public_path(path), "{path}");
        }
        for path in ["/", "/onboarding", "/settings/ai/api-keys", "/settings/members", "/loginx"] {
            assert!(!is_public_path(path), "{path}");
        }
    }
}

//! The axum router: Leptos pages, server functions under `/api/`, static files and middleware.

use app::error::ApiError;
use app::{shell, App};
use axum::body::{to_bytes, Body};
use axum::extract::{FromRef, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use guardian_core::accounts::Accounts;
use app::api::server::Policy;
use guardian_core::audit::AuditLog;
use guardian_core::checks::Checks;
use guardian_core::{Bedrock, Keys};
use std::sync::Arc;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::auth;
use crate::client_address::{resolve_client_address, TrustedProxies};
use crate::security::{reject_cross_site, PublicOrigin};
use crate::sessions::AnySessionStore;

/// Largest request body the server reads. The key form needs well under 1 KiB.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Largest server function error body that the status mapping reads back.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// The services and settings shared by every handler.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub keys: Keys,
    pub accounts: Accounts,
    pub checks: Checks,
    pub audit: AuditLog,
    pub policy: Policy,
    pub bedrock: Arc<Bedrock>,
    pub public_origin: PublicOrigin,
    pub sessions: SessionSettings,
    pub trusted_proxies: TrustedProxies,
}

/// The session store and the session cookie's settings.
#[derive(Clone)]
pub struct SessionSettings {
    pub store: AnySessionStore,
    pub idle_minutes: u32,
    pub secure_cookies: bool,
}

/// Builds the console's router.
pub fn build(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let keys = state.keys.clone();
    let accounts = state.accounts.clone();
    let checks = state.checks.clone();
    let bedrock = state.bedrock.clone();
    let audit = state.audit.clone();
    let policy = state.policy;
    let provide_services = move || {
        provide_context(audit.clone());
        provide_context(policy);
        provide_context(keys.clone());
        provide_context(accounts.clone());
        provide_context(checks.clone());
        provide_context(bedrock.clone());
    };
    let sessions = &state.sessions;
    let session_layer = auth::session_layer(sessions.store.clone(), sessions.idle_minutes, sessions.secure_cookies);

    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/bench/bare", get(bench_bare))
        .leptos_routes_with_context(&state, routes, provide_services, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(server_fn_error_status))
        .layer(middleware::from_fn_with_state(state.accounts.clone(), auth::authenticate))
        .layer(session_layer)
        .layer(middleware::from_fn_with_state(state.public_origin.clone(), reject_cross_site))
        .layer(middleware::from_fn(buffer_request_body))
        .layer(middleware::from_fn_with_state(state.trusted_proxies.clone(), resolve_client_address))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        // The header layers wrap every layer that can answer on its own (413, 403, redirects to
        // the sign-in page, 503), so those responses carry the headers too.
        .layer(middleware::from_fn(no_store_for_pages))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

/// Returns "ok" to a signed-in user: the reference route of bench/run.sh, which costs the
/// session middleware (one session read and one user read) and nothing else.
async fn bench_bare(signed_in: Option<axum::Extension<app::api::server::SignedIn>>) -> Response {
    match signed_in {
        Some(_) => "ok".into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

async fn readyz(axum::extract::State(keys): axum::extract::State<Keys>) -> Response {
    match keys.store().ping().await {
        Ok(()) => "ready".into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// Gives server function errors their 4xx or 5xx status. Leptos answers every error with 500;
/// plain form posts are redirects and pass through unchanged.
async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !is_api || response.status() != StatusCode::INTERNAL_SERVER_ERROR || !response.headers().contains_key("serverfnerror") {
        return response;
    }

    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY_BYTES).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<ApiError>(&bytes) {
        parts.status = error.status();
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Reads the whole request body before any handler runs, so that a body over the limit without a
/// `Content-Length` (a chunked upload) is answered 413 like one with it, instead of failing
/// inside a server function as an internal error.
async fn buffer_request_body(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Err(error) if exceeds_body_limit(&error) => {
            (StatusCode::PAYLOAD_TOO_LARGE, "The request body is larger than 16 KiB.").into_response()
        }
        Err(error) => {
            tracing::info!(%error, "could not read the request body");
            (StatusCode::BAD_REQUEST, "The request body could not be read.").into_response()
        }
    }
}

/// Tells whether a body read failed on the size limit. Layers wrap body errors, so the whole
/// source chain is searched.
fn exceeds_body_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = current.source();
    }
    false
}

/// Keeps pages and server function results out of browser and proxy caches, because they show
/// credentials. Static assets under `/pkg/` stay cacheable.
async fn no_store_for_pages(request: Request, next: Next) -> Response {
    let cacheable = request.uri().path().starts_with("/pkg/");
    let mut response = next.run(request).await;
    if !cacheable {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

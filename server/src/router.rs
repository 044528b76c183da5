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
use guardian_core::checks::Checks;
use guardian_core::{Bedrock, Keys};
use std::sync::Arc;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions_sqlx_store::SqliteStore;

use crate::auth;
use crate::security::{reject_cross_site, PublicOrigin};

/// Largest request body the server reads. The key form needs well under 1 KiB.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Largest server function error body that the status mapping reads back.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub keys: Keys,
    pub accounts: Accounts,
    pub checks: Checks,
    pub bedrock: Arc<Bedrock>,
    pub public_origin: PublicOrigin,
    pub sessions: SessionSettings,
}

/// Where sessions are stored and how their cookie is set.
#[derive(Clone)]
pub struct SessionSettings {
    pub store: SqliteStore,
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
    let provide_services = move || {
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
        .leptos_routes_with_context(&state, routes, provide_services, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(server_fn_error_status))
        .layer(middleware::from_fn(no_store_for_pages))
        .layer(middleware::from_fn_with_state(state.accounts.clone(), auth::authenticate))
        .layer(session_layer)
        .layer(middleware::from_fn_with_state(state.public_origin.clone(), reject_cross_site))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
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

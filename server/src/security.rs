//! The same-origin check on state-changing requests. The pages' Content-Security-Policy is set
//! where the page's nonce is known, in `app::shell`.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The origin that users reach the console at, e.g. `http://127.0.0.1:3000`.
#[derive(Debug, Clone)]
pub struct PublicOrigin(pub String);

/// Rejects state-changing requests from other sites. A request passes when the browser marks it
/// `Sec-Fetch-Site: same-origin`, or else when its `Origin` is the console's public origin.
pub async fn reject_cross_site(State(origin): State<PublicOrigin>, request: Request, next: Next) -> Response {
    let safe_method = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe_method || is_same_origin(request.headers(), &origin.0) {
        return next.run(request).await;
    }
    tracing::warn!(method = %request.method(), path = request.uri().path(), "rejected a cross-site request");
    (StatusCode::FORBIDDEN, "Cross-site requests are not accepted. Submit the form from the console itself.").into_response()
}

fn is_same_origin(headers: &HeaderMap, public_origin: &str) -> bool {
    if headers.get("sec-fetch-site").is_some_and(|site| site == "same-origin") {
        return true;
    }
    headers.get(header::ORIGIN).is_some_and(|origin| origin == public_origin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const ORIGIN: &str = "http://127.0.0.1:3000";

    #[test]
    fn same_origin_fetch_metadata_passes() {
        let mut headers = HeaderMap::new();
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(is_same_origin(&headers, ORIGIN));
    }

    #[test]
    fn matching_origin_passes() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ORIGIN, HeaderValue::from_static(ORIGIN));
        assert!(is_same_origin(&headers, ORIGIN));
    }

    #[test]
    fn cross_site_requests_fail() {
        let mut headers = HeaderMap::new();
        assert!(!is_same_origin(&headers, ORIGIN));
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        headers.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!is_same_origin(&headers, ORIGIN));
    }
}

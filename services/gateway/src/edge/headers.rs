//! Security headers on every answer — the API, health checks, static files, errors, `404`s, and
//! the edge's own refusals (`429`, `503`). A page of the web interface sets its own
//! Content-Security-Policy (scripts and styles from Kurator's origin); everything else gets one
//! fit for JSON that lets nothing load at all. Strict-Transport-Security is sent when Kurator is
//! published over https (`server.public_url`).

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::middleware::Next;
use axum::response::Response;

/// For answers that are data, not pages: nothing may be loaded, framed or submitted.
pub const API_CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Two years, subdomains included.
pub const HSTS: &str = "max-age=63072000; includeSubDomains";

/// What the header layer needs to know.
#[derive(Clone, Copy)]
pub struct SecurityHeaders {
    /// Published over https: browsers are told to use nothing else.
    pub https: bool,
}

impl SecurityHeaders {
    pub fn from_public_url(public_url: Option<&str>) -> Self {
        Self {
            https: public_url
                .is_some_and(|url| url.trim().to_ascii_lowercase().starts_with("https://")),
        }
    }
}

/// The layer's function: adds each header the inner service did not set itself.
pub async fn add(State(config): State<SecurityHeaders>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let defaults = [
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (X_FRAME_OPTIONS, "DENY"),
        (REFERRER_POLICY, "no-referrer"),
        (CONTENT_SECURITY_POLICY, API_CONTENT_SECURITY_POLICY),
    ];
    for (name, value) in defaults {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if config.https && !headers.contains_key(STRICT_TRANSPORT_SECURITY) {
        headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsts_only_for_a_site_published_over_https() {
        assert!(SecurityHeaders::from_public_url(Some("https://kurator.example.kz")).https);
        assert!(SecurityHeaders::from_public_url(Some("HTTPS://kurator.example.kz")).https);
        assert!(!SecurityHeaders::from_public_url(Some("http://127.0.0.1:8080")).https);
        assert!(!SecurityHeaders::from_public_url(None).https);
    }
}

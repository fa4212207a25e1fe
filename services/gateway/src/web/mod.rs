//! The web interface: server-rendered pages (maud) with htmx for partial updates, served by the
//! same binary at `/`. Pages read and write through the GraphQL schema executed in-process
//! ([`gql`]), so every permission, method rule and audit record is the service layer's.
//!
//! Safety: the session lives in an HttpOnly, SameSite=Lax cookie (Secure outside development);
//! every form carries a token bound to the session; the Content-Security-Policy allows scripts
//! and styles from this origin only; no personal data goes into a URL (searches are posted).

pub mod account;
pub mod admin;
pub mod board;
pub mod calendar;
pub mod card;
pub mod cases;
pub mod comparison;
pub mod day;
pub mod export;
pub mod form;
pub mod gql;
pub mod i18n;
pub mod indicators;
pub mod pages;
pub mod plan;
pub mod platform;
pub mod session;
pub mod signals;
pub mod sso;
pub mod steps;
pub mod tokens;
pub mod variant;
pub mod visit;

use crate::AppState;
use axum::Router;
use axum::extract::Path;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

/// What the pages may load and where they may send forms.
pub const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
    frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(account::home))
        .route("/login", get(account::login_page).post(account::login))
        .route("/login/sso/callback", get(sso::callback))
        .route("/login/sso/{slug}", get(sso::start))
        .route("/logout", post(account::logout))
        .route("/logout-everywhere", post(account::logout_everywhere))
        .route("/orgs", get(account::organisations))
        .route("/lang", post(account::language))
        .route("/static/{file}", get(static_file))
        .route("/o/{slug}", get(day::home))
        .route("/o/{slug}/day", get(day::show))
        .route("/o/{slug}/notifications/read", post(day::mark_read))
        .route("/o/{slug}/signals", get(signals::journal))
        .route(
            "/o/{slug}/signals/new",
            get(signals::new_form).post(signals::register),
        )
        .route("/o/{slug}/signals/triage", post(signals::triage_preview))
        .route(
            "/o/{slug}/signals/{id}",
            get(signals::show).post(signals::decide),
        )
        .route("/o/{slug}/cases", get(cases::list).post(cases::list_posted))
        .route("/o/{slug}/cases/export.xlsx", post(export::cases_xlsx))
        .route("/o/{slug}/cases/{id}", get(card::show))
        .route("/o/{slug}/cases/{id}/print", get(card::print))
        .route("/o/{slug}/cases/{id}/assign", post(card::assign))
        .route("/o/{slug}/cases/{id}/members", post(card::add_member))
        .route(
            "/o/{slug}/cases/{id}/act",
            get(steps::form).post(steps::submit),
        )
        .route(
            "/o/{slug}/cases/{id}/close",
            get(steps::close_form).post(steps::close),
        )
        .route(
            "/o/{slug}/cases/{id}/plan",
            get(plan::editor).post(plan::revise),
        )
        .route("/o/{slug}/cases/{id}/plan/print", get(plan::print))
        .route("/o/{slug}/cases/{id}/plan.xlsx", get(export::plan_xlsx))
        .route(
            "/o/{slug}/cases/{id}/plan/{action}/done",
            post(plan::complete),
        )
        .route(
            "/o/{slug}/cases/{id}/visit",
            get(visit::form).post(visit::record_form),
        )
        .route("/o/{slug}/cases/{id}/contacts", post(visit::record_json))
        .route("/o/{slug}/board", get(board::show))
        .route("/o/{slug}/indicators", get(indicators::show))
        .route(
            "/o/{slug}/indicators/sharing",
            post(comparison::save_sharing),
        )
        .route("/analytics", get(comparison::show))
        .route("/analytics/export.csv", get(comparison::export_csv))
        .route("/analytics/export.xlsx", get(comparison::export_xlsx))
        .route("/o/{slug}/admin", get(admin::show))
        .route("/o/{slug}/admin/roles", post(admin::change_role))
        .route(
            "/o/{slug}/admin/method-roles",
            post(admin::change_method_role),
        )
        .route("/o/{slug}/admin/settings", post(admin::settings))
        .route("/o/{slug}/admin/members", post(admin::create_member))
        .route(
            "/o/{slug}/admin/tokens",
            get(tokens::show).post(tokens::create),
        )
        .route("/o/{slug}/admin/tokens/{id}/revoke", post(tokens::revoke))
        .route("/o/{slug}/admin/variant", get(variant::show))
        .route("/o/{slug}/admin/variant/draft", post(variant::save_draft))
        .route("/o/{slug}/admin/variant/publish", post(variant::publish))
        .route("/o/{slug}/admin/variant/approve", post(variant::approve))
        .route(
            "/o/{slug}/admin/variant/template",
            post(variant::load_template),
        )
        .route("/o/{slug}/admin/variant/import", post(variant::import))
        .route("/o/{slug}/admin/calendar", get(calendar::show))
        .route("/o/{slug}/admin/sso", get(sso::show).post(sso::save))
        .route("/o/{slug}/admin/sso/remove", post(sso::remove))
        .route("/o/{slug}/admin/calendar/add", post(calendar::add))
        .route("/o/{slug}/admin/calendar/remove", post(calendar::remove))
        .route(
            "/o/{slug}/admin/variant/published.toml",
            get(variant::published_file),
        )
        .route(
            "/o/{slug}/admin/variant/migration",
            get(variant::migration).post(variant::migration_posted),
        )
        .route("/platform", get(platform::show))
        .route("/platform/audit", get(platform::audit))
        .route("/platform/organisations", post(platform::create))
        .route("/platform/methodologists", post(platform::methodologist))
        .route(
            "/platform/organisations/{slug}/suspend",
            post(platform::suspend),
        )
        .route(
            "/platform/organisations/{slug}/resume",
            post(platform::resume),
        )
        .layer(axum::middleware::map_response(security_headers))
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !headers.contains_key(CACHE_CONTROL) {
        // Pages hold personal data: never kept by a shared cache or the browser's back button.
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The interface's own files, compiled into the binary.
const STATIC_FILES: &[(&str, &str, &[u8])] = &[
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/htmx.min.js"),
    ),
    (
        "kurator.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/kurator.js"),
    ),
    (
        "kurator.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/kurator.css"),
    ),
];

async fn static_file(Path(file): Path<String>) -> Response {
    match STATIC_FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => (
            [
                (CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (
                    CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=3600"),
                ),
            ],
            *bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

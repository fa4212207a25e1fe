//! The frame every page shares — header, navigation, language switch — and the pages for "not
//! found", "not allowed" and failures.

use super::gql::Refusal;
use super::i18n::Lang;
use super::session::{CSRF_FIELD, Org, Web};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// Which part of the navigation a page belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    None,
    Day,
    Signals,
    Cases,
    Board,
    Indicators,
    Admin,
}

/// A whole page.
pub fn page(web: &Web, org: Option<&Org>, section: Section, title: &str, body: Markup) -> Markup {
    let lang = web.lang;
    let csrf = web.csrf();
    let hx_headers = format!("{{\"x-csrf-token\": \"{csrf}\"}}");
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="htmx-config" content=r#"{"includeIndicatorStyles": false, "allowEval": false, "allowScriptTags": false}"#;
                title { (title) " — Kurator" }
                link rel="stylesheet" href="/static/kurator.css";
                script src="/static/htmx.min.js" defer {}
                script src="/static/kurator.js" defer {}
            }
            body hx-headers=(hx_headers) {
                a.skip href="#main" { (lang.t("skip-to-content")) }
                header.top {
                    a.brand href="/" { "Kurator" }
                    @if let Some(org) = org {
                        span.org-name { (org.name(lang)) }
                        nav aria-label=(lang.t("nav-label")) {
                            ul {
                                @if org.works_cases() {
                                    (nav_item(org, "/day", &lang.t("nav-day"), section == Section::Day))
                                    (nav_item(org, "/signals", &lang.t("nav-signals"), section == Section::Signals))
                                    (nav_item(org, "/cases", &lang.t("nav-cases"), section == Section::Cases))
                                }
                                @if org.is_lead() {
                                    (nav_item(org, "/board", &lang.t("nav-board"), section == Section::Board))
                                }
                                @if org.is_lead() || org.has(kurator_domain::Role::Methodologist) {
                                    (nav_item(org, "/indicators", &lang.t("nav-indicators"), section == Section::Indicators))
                                }
                                @if org.has(kurator_domain::Role::OrgAdmin) {
                                    (nav_item(org, "/admin", &lang.t("nav-admin"), section == Section::Admin))
                                }
                            }
                        }
                    }
                    div.account {
                        (language_switch(web))
                        @if let Some(caller) = &web.caller {
                            span.person { (caller.user.display_name) }
                            @if caller.memberships.len() > 1 {
                                a href="/orgs" { (lang.t("nav-switch-org")) }
                            }
                            form method="post" action="/logout" {
                                input type="hidden" name=(CSRF_FIELD) value=(csrf);
                                button.link type="submit" { (lang.t("nav-logout")) }
                            }
                        }
                    }
                }
                main #main tabindex="-1" {
                    (body)
                }
                (outbox_texts(lang))
            }
        }
    }
}

/// The words the outbox script shows, in the page's language (the script has none of its own).
pub fn outbox_texts(lang: Lang) -> Markup {
    html! {
        template #outbox-texts
            data-waiting=(lang.t("outbox-waiting"))
            data-sent=(lang.t("outbox-sent"))
            data-conflict=(lang.t("outbox-conflict"))
            data-send-anyway=(lang.t("outbox-send-anyway"))
            data-discard=(lang.t("outbox-discard"))
            data-saved-offline=(lang.t("outbox-saved-offline"))
            data-refused=(lang.t("outbox-refused")) {}
    }
}

fn nav_item(org: &Org, path: &str, label: &str, current: bool) -> Markup {
    html! {
        li {
            @if current {
                a href=(org.path(path)) aria-current="page" { (label) }
            } @else {
                a href=(org.path(path)) { (label) }
            }
        }
    }
}

fn language_switch(web: &Web) -> Markup {
    let lang = web.lang;
    html! {
        form.lang method="post" action="/lang" {
            input type="hidden" name=(CSRF_FIELD) value=(web.csrf());
            label for="lang-select" { (lang.t("language")) }
            select #lang-select name="lang" data-autosubmit {
                @for l in Lang::ALL {
                    option value=(l.code()) selected[l == lang] { (l.native_name()) }
                }
            }
            button.small type="submit" { (lang.t("language-apply")) }
        }
    }
}

/// The one answer for a case, signal or organisation that does not exist and one the person may
/// not see: nothing tells the two apart.
pub fn not_found(web: &Web) -> Response {
    let lang = web.lang;
    let body = html! {
        h1 { (lang.t("not-found-title")) }
        p { (lang.t("not-found-text")) }
        p { a href="/" { (lang.t("back-home")) } }
    };
    (
        StatusCode::NOT_FOUND,
        page(web, None, Section::None, &lang.t("not-found-title"), body),
    )
        .into_response()
}

pub fn forbidden(web: &Web, org: Option<&Org>, message: &str) -> Response {
    let lang = web.lang;
    let body = html! {
        h1 { (lang.t("forbidden-title")) }
        p { (message) }
    };
    (
        StatusCode::FORBIDDEN,
        page(web, org, Section::None, &lang.t("forbidden-title"), body),
    )
        .into_response()
}

pub fn failure(web: &Web, org: Option<&Org>) -> Response {
    let lang = web.lang;
    let body = html! {
        h1 { (lang.t("failure-title")) }
        p { (lang.t("failure-text")) }
        @if !web.request_id.is_empty() {
            p.muted { (lang.t("failure-request-id")) " " code { (web.request_id) } }
        }
    };
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        page(web, org, Section::None, &lang.t("failure-title"), body),
    )
        .into_response()
}

/// The page for a refusal that is not about a form's input.
pub fn refused(web: &Web, org: Option<&Org>, refusal: Refusal) -> Response {
    match refusal {
        Refusal::Unauthenticated => Redirect::to("/login").into_response(),
        Refusal::NotFound => not_found(web),
        Refusal::Forbidden(message) => forbidden(web, org, &message),
        Refusal::Internal(_) => failure(web, org),
        other => {
            let lang = web.lang;
            let body = html! {
                h1 { (lang.t("refused-title")) }
                (reasons(lang, &other.messages()))
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                page(web, org, Section::None, &lang.t("refused-title"), body),
            )
                .into_response()
        }
    }
}

/// Refusal reasons, as the person reads them above a form.
pub fn reasons(lang: Lang, messages: &[String]) -> Markup {
    html! {
        @if !messages.is_empty() {
            div.refusal role="alert" {
                p { strong { (lang.t("refused-because")) } }
                ul {
                    @for m in messages { li { (m) } }
                }
            }
        }
    }
}

/// The form token field.
pub fn csrf_field(web: &Web) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(web.csrf()); }
}

/// A moment in the organisation's time zone.
pub fn when(org: &Org, at: &DateTime<Utc>) -> String {
    let tz: Tz = org.runtime.tenant().time_zone.parse().unwrap_or(Tz::UTC);
    at.with_timezone(&tz).format("%d.%m.%Y %H:%M").to_string()
}

pub fn day(org: &Org, at: &DateTime<Utc>) -> String {
    let tz: Tz = org.runtime.tenant().time_zone.parse().unwrap_or(Tz::UTC);
    at.with_timezone(&tz).format("%d.%m.%Y").to_string()
}

/// A timestamp from the API.
pub fn parse_time(value: &serde_json::Value) -> Option<DateTime<Utc>> {
    value
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

pub fn raw(text: &'static str) -> PreEscaped<&'static str> {
    PreEscaped(text)
}

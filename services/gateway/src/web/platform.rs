//! The platform administrator's page: every organisation with where its data lives and whether
//! it is suspended; a new organisation (from a template or a variant file, on a placement, with
//! its first administrator); suspending and resuming. And the platform's own audit trail
//! (`/platform/audit`), newest first, a page at a time.

use super::form::Fields;
use super::gql::Refusal;
use super::pages::{self, Section, csrf_field, page};
use super::session::Web;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use serde_json::{Value, json};

const LIST: &str = "query { organisations { slug name nameKk nameEn timeZone preset placement suspended createdAt }
  placements { name label } }";

const TEMPLATES: [&str; 4] = ["fund", "volunteers", "state_centre", "clinic"];

fn platform_only(web: &Web) -> Option<Response> {
    match web.signed_in() {
        Err(response) => Some(response),
        Ok(caller) if !caller.user.is_platform_admin => {
            Some(pages::forbidden(web, None, &web.lang.t("platform-only")))
        }
        Ok(_) => None,
    }
}

pub async fn show(web: Web) -> Response {
    render(&web, None, &[], StatusCode::OK).await
}

async fn render(
    web: &Web,
    typed: Option<&Fields>,
    reasons: &[String],
    status: StatusCode,
) -> Response {
    if let Some(refused) = platform_only(web) {
        return refused;
    }
    let lang = web.lang;
    let data = match web.gql(None, LIST, json!({})).await {
        Ok(data) => data,
        Err(refusal) => return pages::refused(web, None, refusal),
    };
    let organisations: Vec<&Value> = data["organisations"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let placements: Vec<&Value> = data["placements"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let typed_text = |name: &str| typed.map(|f| f.text(name)).unwrap_or_default();
    let body = html! {
        h1 { (lang.t("platform-title")) }
        section aria-labelledby="platform-orgs" {
            h2 #platform-orgs { (lang.t("platform-organisations")) }
            table.list {
                thead { tr {
                    th scope="col" { (lang.t("platform-organisation")) }
                    th scope="col" { (lang.t("platform-template")) }
                    th scope="col" { (lang.t("platform-placement")) }
                    th scope="col" { (lang.t("platform-state")) }
                } }
                tbody { @for o in &organisations {
                    @let slug = o["slug"].as_str().unwrap_or_default();
                    tr {
                        th scope="row" {
                            (lang.pick(o["name"].as_str().unwrap_or_default(), o["nameKk"].as_str(), o["nameEn"].as_str()))
                            br; span.muted { (slug) ", " (o["timeZone"].as_str().unwrap_or_default()) }
                        }
                        td { (o["preset"].as_str().unwrap_or_default()) }
                        td { (o["placement"].as_str().unwrap_or_default()) }
                        td {
                            @if o["suspended"] == true {
                                strong { (lang.t("platform-suspended")) }
                                form.inline method="post" action=(format!("/platform/organisations/{slug}/resume")) {
                                    (csrf_field(web))
                                    button.small type="submit" { (lang.t("platform-resume")) }
                                }
                            } @else {
                                (lang.t("platform-active"))
                                form.inline method="post" action=(format!("/platform/organisations/{slug}/suspend")) {
                                    (csrf_field(web))
                                    button.small type="submit" { (lang.t("platform-suspend")) }
                                }
                            }
                        }
                    }
                } }
            }
        }
        p { a href="/platform/audit" { (lang.t("platform-audit-link")) } }
        section aria-labelledby="platform-methodologists" {
            h2 #platform-methodologists { (lang.t("platform-methodologists")) }
            p.muted { (lang.t("platform-methodologists-hint")) }
            form.inline method="post" action="/platform/methodologists" {
                (csrf_field(web))
                label for="methodologist-login" { (lang.t("login-login")) }
                input #methodologist-login name="login" required autocomplete="off";
                label for="methodologist-on" { (lang.t("platform-methodologist-role")) }
                select #methodologist-on name="methodologist" {
                    option value="true" { (lang.t("platform-methodologist-grant")) }
                    option value="false" { (lang.t("platform-methodologist-revoke")) }
                }
                button.small type="submit" { (lang.t("sharing-save")) }
            }
        }
        section aria-labelledby="platform-new" {
            h2 #platform-new { (lang.t("platform-new")) }
            (pages::reasons(lang, reasons))
            form method="post" action="/platform/organisations" {
                (csrf_field(web))
                label for="org-slug" { (lang.t("platform-slug")) }
                input #org-slug name="slug" required pattern="[a-z][a-z0-9_]{1,39}" value=(typed_text("slug"));
                @for (code, key) in [("ru", "platform-name-ru"), ("kk", "platform-name-kk"), ("en", "platform-name-en")] {
                    label for=(format!("org-name-{code}")) { (lang.t(key)) }
                    input id=(format!("org-name-{code}")) name=(format!("name_{code}")) required value=(typed_text(&format!("name_{code}")));
                }
                label for="org-template" { (lang.t("platform-template")) }
                select #org-template name="template" {
                    @for t in TEMPLATES { option value=(t) selected[typed_text("template") == t] { (t) } }
                }
                label for="org-document" { (lang.t("platform-document")) }
                textarea #org-document name="document" rows="6" spellcheck="false" { (typed_text("document")) }
                label for="org-zone" { (lang.t("platform-time-zone")) }
                input #org-zone name="time_zone" placeholder="Europe/Moscow" value=(typed_text("time_zone"));
                label for="org-calendar" { (lang.t("platform-calendar")) }
                select #org-calendar name="calendar" {
                    option value="" { (lang.t("platform-as-variant")) }
                    @for c in ["ru", "kz"] { option value=(c) selected[typed_text("calendar") == c] { (c) } }
                }
                label for="org-placement" { (lang.t("platform-placement")) }
                select #org-placement name="placement" {
                    @for p in &placements {
                        @let name = p["name"].as_str().unwrap_or_default();
                        option value=(name) selected[typed_text("placement") == name] { (p["label"].as_str().unwrap_or_default()) }
                    }
                }
                fieldset {
                    legend { (lang.t("platform-first-admin")) }
                    label for="org-admin-login" { (lang.t("login-login")) }
                    input #org-admin-login name="admin_login" required autocomplete="off" value=(typed_text("admin_login"));
                    label for="org-admin-name" { (lang.t("admin-display-name")) }
                    input #org-admin-name name="admin_name" value=(typed_text("admin_name"));
                    label for="org-admin-password" { (lang.t("admin-initial-password")) }
                    input #org-admin-password name="admin_password" type="password" autocomplete="new-password";
                    p.muted { (lang.t("platform-first-admin-hint")) }
                }
                button.primary type="submit" { (lang.t("platform-create")) }
            }
        }
    };
    (
        status,
        page(web, None, Section::None, &lang.t("platform-title"), body),
    )
        .into_response()
}

pub async fn create(web: Web, form: Fields) -> Response {
    if let Some(refused) = platform_only(&web) {
        return refused;
    }
    if !form.csrf_ok(&web) {
        return pages::forbidden(&web, None, &web.lang.t("form-expired"));
    }
    let raw = |name: &str| Some(form.raw(name)).filter(|v| !v.trim().is_empty());
    let variant = match raw("document") {
        Some(document) => {
            json!({ "document": document, "format": if document.trim_start().starts_with('{') { "JSON" } else { "TOML" } })
        }
        None => json!({ "template": form.text("template") }),
    };
    let input = json!({
        "slug": form.text("slug"),
        "names": { "ru": form.text("name_ru"), "kk": form.text("name_kk"), "en": form.text("name_en") },
        "timeZone": form.get("time_zone"),
        "calendar": form.get("calendar"),
        "placement": form.get("placement"),
        "variant": variant,
        "firstAdmin": {
            "login": form.text("admin_login"),
            "displayName": form.get("admin_name"),
            "password": raw("admin_password"),
        }
    });
    let answer = web
        .gql(
            None,
            "mutation($input: NewOrganisationInput!) { createOrganisation(input: $input) { organisation { slug } } }",
            json!({ "input": input }),
        )
        .await;
    match answer {
        Ok(_) => Redirect::to("/platform").into_response(),
        Err(refusal @ (Refusal::Rejected(_) | Refusal::Conflict { .. })) => {
            render(
                &web,
                Some(&form),
                &refusal.messages(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(refusal) => pages::refused(&web, None, refusal),
    }
}

/// A platform administrator's form that runs one mutation and returns to the platform page.
async fn run(web: Web, form: Fields, document: &str, variables: Value) -> Response {
    if let Some(refused) = platform_only(&web) {
        return refused;
    }
    if !form.csrf_ok(&web) {
        return pages::forbidden(&web, None, &web.lang.t("form-expired"));
    }
    match web.gql(None, document, variables).await {
        Ok(_) => Redirect::to("/platform").into_response(),
        Err(refusal) => pages::refused(&web, None, refusal),
    }
}

async fn change(web: Web, slug: String, form: Fields, mutation: &str) -> Response {
    let document = format!("mutation($slug: String!) {{ {mutation}(slug: $slug) {{ slug }} }}");
    run(web, form, &document, json!({ "slug": slug })).await
}

pub async fn suspend(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    change(web, slug, form, "suspendOrganisation").await
}

pub async fn resume(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    change(web, slug, form, "resumeOrganisation").await
}

/// Makes a person a methodologist of the platform, or no longer one.
pub async fn methodologist(web: Web, form: Fields) -> Response {
    let variables =
        json!({ "login": form.text("login"), "on": form.text("methodologist") == "true" });
    run(
        web,
        form,
        "mutation($login: String!, $on: Boolean!) { setPlatformMethodologist(login: $login, methodologist: $on) { login } }",
        variables,
    )
    .await
}

const TRAIL: &str = "query($first: Int, $after: String) {
  platformAuditTrail(first: $first, after: $after) {
    entries { at actorId actorLogin action entity entityId before after }
    pageInfo { hasNextPage endCursor } } }";

/// Entries on one page of the trail.
const TRAIL_PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct TrailQuery {
    /// Where the page continues: the previous page's last entry.
    after: Option<String>,
}

/// The platform's own audit trail, newest first, with a link to the next (older) page.
pub async fn audit(web: Web, Query(query): Query<TrailQuery>) -> Response {
    if let Some(refused) = platform_only(&web) {
        return refused;
    }
    let lang = web.lang;
    let after = query.after.filter(|a| !a.is_empty());
    let variables = json!({ "first": TRAIL_PAGE, "after": after });
    let data = match web.gql(None, TRAIL, variables).await {
        Ok(data) => data,
        Err(refusal) => return pages::refused(&web, None, refusal),
    };
    let trail = &data["platformAuditTrail"];
    let entries: Vec<&Value> = trail["entries"].as_array().into_iter().flatten().collect();
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let body = html! {
        h1 { (lang.t("platform-audit-title")) }
        p { a href="/platform" { (lang.t("platform-audit-back")) } }
        p.muted { (lang.t("platform-audit-hint")) }
        @if entries.is_empty() {
            p { (lang.t("platform-audit-empty")) }
        } @else {
            table.list {
                thead { tr {
                    th scope="col" { (lang.t("platform-audit-at")) }
                    th scope="col" { (lang.t("platform-audit-actor")) }
                    th scope="col" { (lang.t("platform-audit-action")) }
                    th scope="col" { (lang.t("platform-audit-entity")) }
                    th scope="col" { (lang.t("platform-audit-before")) }
                    th scope="col" { (lang.t("platform-audit-after")) }
                } }
                tbody { @for e in &entries {
                    @let action = text(&e["action"]);
                    tr {
                        td { @if let Some(at) = pages::parse_time(&e["at"]) {
                            time datetime=(at.to_rfc3339()) { (at.format("%d.%m.%Y %H:%M:%S UTC")) }
                        } }
                        td { (e["actorLogin"].as_str().or(e["actorId"].as_str()).unwrap_or("—")) }
                        td {
                            (lang.t_or(&format!("platform-audit-action-{}", action.replace('.', "-")), &action))
                            br; span.muted { code { (action) } }
                        }
                        td { (text(&e["entity"])) br; span.muted { (text(&e["entityId"])) } }
                        td { code { (text(&e["before"])) } }
                        td { code { (text(&e["after"])) } }
                    }
                } }
            }
        }
        @if trail["pageInfo"]["hasNextPage"] == true {
            @if let Some(cursor) = trail["pageInfo"]["endCursor"].as_str() {
                @let next = url::form_urlencoded::Serializer::new(String::new()).append_pair("after", cursor).finish();
                p { a rel="next" href=(format!("/platform/audit?{next}")) { (lang.t("platform-audit-next")) } }
            }
        }
    };
    page(
        &web,
        None,
        Section::None,
        &lang.t("platform-audit-title"),
        body,
    )
    .into_response()
}

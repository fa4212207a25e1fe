//! The organisation's API tokens, for its administrator: the list (name, role, created, expires,
//! last used, revoked), a form to create one — its secret is shown on the answer page once and
//! never again — and revoking one. The rules and the audit trail are the service's, reached
//! through the same GraphQL operations integrations use.

use super::form::Fields;
use super::gql::Refusal;
use super::pages::{self, Section, csrf_field, page};
use super::session::{Org, Web};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde_json::{Value, json};

const TOKENS: &str =
    "{ apiTokens { id name role createdAt expiresAt lastUsedAt revokedAt active } }";

use super::admin::{ROLES, form_role};

pub async fn show(web: Web, Path(slug): Path<String>) -> Response {
    let org = match web.org(&slug).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    render(&web, &org, None, &[], StatusCode::OK).await
}

/// The page; `secret` is the token just created (shown this once).
async fn render(
    web: &Web,
    org: &Org,
    secret: Option<(&str, &str)>,
    errors: &[String],
    status: StatusCode,
) -> Response {
    let lang = web.lang;
    if !org.has(kurator_domain::Role::OrgAdmin) {
        return pages::forbidden(web, Some(org), &lang.t("admin-only"));
    }
    let data = match web.gql(Some(&org.slug), TOKENS, json!({})).await {
        Ok(data) => data,
        Err(refusal) => return pages::refused(web, Some(org), refusal),
    };
    let tokens: Vec<&Value> = data["apiTokens"].as_array().into_iter().flatten().collect();
    let at = |value: &Value| {
        pages::parse_time(value)
            .map(|t| pages::when(org, &t))
            .unwrap_or_else(|| lang.t("tokens-never"))
    };
    let body = html! {
        h1 { (lang.t("tokens-title")) }
        nav.actions {
            a.button href=(org.path("/admin")) { (lang.t("nav-admin")) }
        }
        p.muted { (lang.t("tokens-intro")) }
        (pages::reasons(lang, errors))
        @if let Some((name, secret)) = secret {
            section.notice aria-labelledby="token-secret" role="status" {
                h2 #token-secret { (lang.f("tokens-created-title", &[("name", name.to_owned().into())])) }
                p { (lang.t("tokens-secret-once")) }
                pre { code { (secret) } }
            }
        }
        section aria-labelledby="tokens-list" {
            h2 #tokens-list { (lang.t("tokens-list")) }
            @if tokens.is_empty() {
                p.muted { (lang.t("tokens-none")) }
            } @else {
                table.list {
                    thead { tr {
                        th scope="col" { (lang.t("tokens-name")) }
                        th scope="col" { (lang.t("tokens-role")) }
                        th scope="col" { (lang.t("tokens-created")) }
                        th scope="col" { (lang.t("tokens-expires")) }
                        th scope="col" { (lang.t("tokens-last-used")) }
                        th scope="col" { (lang.t("tokens-status")) }
                    } }
                    tbody { @for t in &tokens {
                        @let id = t["id"].as_str().unwrap_or_default();
                        tr {
                            th scope="row" { (t["name"].as_str().unwrap_or_default()) }
                            td { (lang.t(&format!("role-{}", t["role"].as_str().unwrap_or_default()))) }
                            td { (at(&t["createdAt"])) }
                            td { (at(&t["expiresAt"])) }
                            td { (at(&t["lastUsedAt"])) }
                            td {
                                @if !t["revokedAt"].is_null() {
                                    (lang.t("tokens-revoked")) " " span.muted { (at(&t["revokedAt"])) }
                                } @else if t["active"] == true {
                                    (lang.t("tokens-active"))
                                    form.inline method="post" action=(org.path(&format!("/admin/tokens/{id}/revoke"))) {
                                        (csrf_field(web))
                                        button.small.link type="submit" aria-label=(format!("{} {}", lang.t("tokens-revoke"), t["name"].as_str().unwrap_or_default())) { (lang.t("tokens-revoke")) }
                                    }
                                } @else {
                                    (lang.t("tokens-expired"))
                                }
                            }
                        }
                    } }
                }
            }
        }
        section aria-labelledby="tokens-new" {
            h2 #tokens-new { (lang.t("tokens-new")) }
            form method="post" action=(org.path("/admin/tokens")) {
                (csrf_field(web))
                div.field {
                    label for="token-name" { (lang.t("tokens-name")) }
                    input #token-name type="text" name="name" required maxlength="120" autocomplete="off";
                }
                div.field {
                    label for="token-role" { (lang.t("tokens-role")) }
                    select #token-role name="role" {
                        @for (key, _) in ROLES { option value=(key) selected[key == "curator"] { (lang.t(&format!("role-{key}"))) } }
                    }
                }
                div.field {
                    label for="token-days" { (lang.t("tokens-days")) }
                    input #token-days type="number" name="days" required min="1" max="365" value="90";
                }
                button.primary type="submit" { (lang.t("tokens-create")) }
            }
        }
    };
    (
        status,
        page(
            web,
            Some(org),
            Section::Admin,
            &lang.t("tokens-title"),
            body,
        ),
    )
        .into_response()
}

pub async fn create(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let role = form_role(&form).unwrap_or("CURATOR");
    let answer = web
        .gql(
            Some(&slug),
            "mutation($n: String!, $r: TenantRole!, $d: Int!) { createApiToken(name: $n, role: $r, expiresInDays: $d) { secret token { name } } }",
            json!({
                "n": form.text("name"),
                "r": role,
                "d": form.int("days").and_then(|d| i32::try_from(d).ok()).unwrap_or(0),
            }),
        )
        .await;
    match answer {
        Ok(data) => {
            let created = &data["createApiToken"];
            let name = created["token"]["name"].as_str().unwrap_or_default();
            let secret = created["secret"].as_str().unwrap_or_default();
            render(&web, &org, Some((name, secret)), &[], StatusCode::CREATED).await
        }
        Err(refusal) => finish_refused(web, org, refusal).await,
    }
}

pub async fn revoke(web: Web, Path((slug, id)): Path<(String, String)>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let answer = web
        .gql(
            Some(&slug),
            "mutation($id: ID!) { revokeApiToken(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    match answer {
        Ok(_) => Redirect::to(&org.path("/admin/tokens")).into_response(),
        Err(refusal) => finish_refused(web, org, refusal).await,
    }
}

async fn finish_refused(web: Web, org: Org, refusal: Refusal) -> Response {
    match refusal {
        refusal @ (Refusal::Rejected(_) | Refusal::Conflict { .. }) => {
            render(
                &web,
                &org,
                None,
                &refusal.messages(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        refusal => pages::refused(&web, Some(&org), refusal),
    }
}

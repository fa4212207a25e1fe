//! The organisation administrator's page: members, platform roles, method roles, settings.

use super::form::Fields;
use super::gql::Refusal;
use super::pages::{self, Section, csrf_field, page};
use super::session::{Org, Web};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde_json::{Value, json};

const ADMIN: &str = "query { members { id login displayName roles methodRoles }
  organisationSettings { version caseloadCapsMode } }";

/// The GraphQL name of the role a form chose (`role`), if it is one of the organisation's.
pub(super) fn form_role(form: &Fields) -> Option<&'static str> {
    ROLES
        .iter()
        .find(|(key, _)| Some(*key) == form.get("role"))
        .map(|(_, value)| *value)
}

/// The organisation's roles: their key and their GraphQL name.
pub(super) const ROLES: [(&str, &str); 5] = [
    ("org_admin", "ORG_ADMIN"),
    ("supervisor", "SUPERVISOR"),
    ("curator", "CURATOR"),
    ("specialist", "SPECIALIST"),
    ("methodologist", "METHODOLOGIST"),
];

pub async fn show(web: Web, Path(slug): Path<String>) -> Response {
    let org = match web.org(&slug).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    render(&web, &org, &[], StatusCode::OK).await
}

async fn render(web: &Web, org: &Org, errors: &[String], status: StatusCode) -> Response {
    let lang = web.lang;
    if !org.has(kurator_domain::Role::OrgAdmin) {
        return pages::forbidden(web, Some(org), &lang.t("admin-only"));
    }
    let data = match web.gql(Some(&org.slug), ADMIN, json!({})).await {
        Ok(data) => data,
        Err(refusal) => return pages::refused(web, Some(org), refusal),
    };
    let variant = org.runtime.current_variant().ok().cloned();
    let method_roles: Vec<(String, String)> = variant
        .as_ref()
        .map(|v| {
            v.doc()
                .roles
                .iter()
                .map(|r| (r.key.clone(), lang.text(&r.name)))
                .collect()
        })
        .unwrap_or_default();
    let method_name = |key: &str| {
        method_roles
            .iter()
            .find(|(k, _)| k == key)
            .map_or_else(|| key.to_owned(), |(_, n)| n.clone())
    };
    let members: Vec<&Value> = data["members"].as_array().into_iter().flatten().collect();
    let settings = &data["organisationSettings"];
    let body = html! {
        h1 { (lang.t("nav-admin")) }
        nav.actions {
            a.button href=(org.path("/admin/variant")) { (lang.t("variant-title")) }
            a.button href=(org.path("/admin/variant/migration")) { (lang.t("variant-migration")) }
            a.button href=(org.path("/admin/calendar")) { (lang.t("calendar-link")) }
            a.button href=(org.path("/admin/tokens")) { (lang.t("tokens-title")) }
            a.button href=(org.path("/admin/sso")) { (lang.t("sso-title")) }
        }
        (pages::reasons(lang, errors))
        section aria-labelledby="admin-members" {
            h2 #admin-members { (lang.t("admin-members")) }
            table.list {
                thead { tr {
                    th scope="col" { (lang.t("admin-person")) }
                    th scope="col" { (lang.t("admin-roles")) }
                    th scope="col" { (lang.t("admin-method-roles")) }
                } }
                tbody {
                    @for m in &members {
                        @let id = m["id"].as_str().unwrap_or_default();
                        tr {
                            th scope="row" { (m["displayName"].as_str().unwrap_or_default()) br; span.muted { (m["login"].as_str().unwrap_or_default()) } }
                            td {
                                ul.plain {
                                    @for r in m["roles"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                                        li {
                                            (lang.t(&format!("role-{r}")))
                                            form.inline method="post" action=(org.path("/admin/roles")) {
                                                (csrf_field(web))
                                                input type="hidden" name="user" value=(id);
                                                input type="hidden" name="role" value=(r);
                                                input type="hidden" name="grant" value="0";
                                                button.small.link type="submit" aria-label=(format!("{} {}", lang.t("admin-revoke"), lang.t(&format!("role-{r}")))) { (lang.t("admin-revoke")) }
                                            }
                                        }
                                    }
                                }
                                form.inline method="post" action=(org.path("/admin/roles")) {
                                    (csrf_field(web))
                                    input type="hidden" name="user" value=(id);
                                    input type="hidden" name="grant" value="1";
                                    label.visually-hidden for=(format!("role-{id}")) { (lang.t("admin-grant-role")) }
                                    select id=(format!("role-{id}")) name="role" {
                                        @for (key, _) in ROLES { option value=(key) { (lang.t(&format!("role-{key}"))) } }
                                    }
                                    button.small type="submit" { (lang.t("admin-grant")) }
                                }
                            }
                            td {
                                ul.plain {
                                    @for r in m["methodRoles"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                                        li {
                                            (method_name(r))
                                            form.inline method="post" action=(org.path("/admin/method-roles")) {
                                                (csrf_field(web))
                                                input type="hidden" name="user" value=(id);
                                                input type="hidden" name="role" value=(r);
                                                input type="hidden" name="grant" value="0";
                                                button.small.link type="submit" aria-label=(format!("{} {}", lang.t("admin-revoke"), method_name(r))) { (lang.t("admin-revoke")) }
                                            }
                                        }
                                    }
                                }
                                form.inline method="post" action=(org.path("/admin/method-roles")) {
                                    (csrf_field(web))
                                    input type="hidden" name="user" value=(id);
                                    input type="hidden" name="grant" value="1";
                                    label.visually-hidden for=(format!("mrole-{id}")) { (lang.t("admin-grant-method-role")) }
                                    select id=(format!("mrole-{id}")) name="role" {
                                        @for (key, name) in &method_roles { option value=(key) { (name) } }
                                    }
                                    button.small type="submit" { (lang.t("admin-grant")) }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="admin-new-member" {
            h2 #admin-new-member { (lang.t("admin-new-member")) }
            form method="post" action=(org.path("/admin/members")) {
                (csrf_field(web))
                div.field {
                    label for="new-login" { (lang.t("login-login")) }
                    input #new-login type="text" name="login" required autocomplete="off";
                }
                div.field {
                    label for="new-name" { (lang.t("admin-display-name")) }
                    input #new-name type="text" name="display_name" required;
                }
                div.field {
                    label for="new-email" { (lang.t("admin-email")) }
                    input #new-email type="email" name="email" autocomplete="off" aria-describedby="new-email-hint";
                    p.muted #new-email-hint { (lang.t("admin-email-hint")) }
                }
                div.field {
                    label for="new-password" { (lang.t("admin-initial-password")) }
                    input #new-password type="password" name="password" required autocomplete="new-password";
                }
                div.field {
                    label for="new-role" { (lang.t("admin-roles")) }
                    select #new-role name="role" {
                        @for (key, _) in ROLES { option value=(key) selected[key == "curator"] { (lang.t(&format!("role-{key}"))) } }
                    }
                }
                button.primary type="submit" { (lang.t("admin-create-member")) }
            }
        }
        section aria-labelledby="admin-settings" {
            h2 #admin-settings { (lang.t("admin-settings")) }
            form method="post" action=(org.path("/admin/settings")) {
                (csrf_field(web))
                input type="hidden" name="version" value=(settings["version"]);
                div.field {
                    label for="caps-mode" { (lang.t("admin-caps-mode")) }
                    select #caps-mode name="caps_mode" {
                        @let current = settings["caseloadCapsMode"].as_str().unwrap_or_default();
                        option value="" selected[current.is_empty()] { (lang.t("admin-caps-variant")) }
                        option value="INDEPENDENT" selected[current == "INDEPENDENT"] { (lang.t("admin-caps-independent")) }
                        option value="WEIGHTED" selected[current == "WEIGHTED"] { (lang.t("admin-caps-weighted")) }
                    }
                }
                button.primary type="submit" { (lang.t("admin-save")) }
            }
        }
    };
    (
        status,
        page(web, Some(org), Section::Admin, &lang.t("nav-admin"), body),
    )
        .into_response()
}

async fn finish(web: Web, org: Org, answer: Result<Value, Refusal>) -> Response {
    match answer {
        Ok(_) => Redirect::to(&org.path("/admin")).into_response(),
        Err(refusal @ (Refusal::Rejected(_) | Refusal::Conflict { .. })) => {
            render(
                &web,
                &org,
                &refusal.messages(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(refusal) => pages::refused(&web, Some(&org), refusal),
    }
}

pub async fn change_role(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let role = form_role(&form).unwrap_or_default();
    let mutation = if form.get("grant") == Some("1") {
        "grantRole"
    } else {
        "revokeRole"
    };
    let answer = web
        .gql(
            Some(&slug),
            &format!("mutation($user: ID!, $role: TenantRole!) {{ {mutation}(userId: $user, role: $role) {{ id }} }}"),
            json!({ "user": form.text("user"), "role": role }),
        )
        .await;
    finish(web, org, answer).await
}

pub async fn change_method_role(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let mutation = if form.get("grant") == Some("1") {
        "grantMethodRole"
    } else {
        "revokeMethodRole"
    };
    let answer = web
        .gql(
            Some(&slug),
            &format!(
                "mutation($user: ID!, $role: String!) {{ {mutation}(userId: $user, role: $role) }}"
            ),
            json!({ "user": form.text("user"), "role": form.text("role") }),
        )
        .await;
    finish(web, org, answer).await
}

pub async fn settings(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let answer = web
        .gql(
            Some(&slug),
            "mutation($version: Int!, $mode: CaseloadCapsMode) { updateOrganisationSettings(version: $version, caseloadCapsMode: $mode) { version } }",
            json!({ "version": form.int("version").unwrap_or_default(), "mode": form.get("caps_mode") }),
        )
        .await;
    finish(web, org, answer).await
}

pub async fn create_member(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let role = form_role(&form).unwrap_or("CURATOR");
    let password = form.raw("password");
    let answer = web
        .gql(
            Some(&slug),
            "mutation($login: String!, $name: String!, $password: String!, $role: TenantRole!, $email: String) { createMember(login: $login, displayName: $name, password: $password, role: $role, email: $email) { id } }",
            json!({ "login": form.text("login"), "name": form.text("display_name"), "password": password, "role": role, "email": form.get("email") }),
        )
        .await;
    finish(web, org, answer).await
}

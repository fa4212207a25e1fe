//! Single sign-on in the web interface: the sign-in through an organisation's provider (start
//! and callback, ending in the same session cookie as a password sign-in) and the organisation
//! administrator's settings page. The rules live in the service (`kurator_auth::oidc`,
//! `kurator_casework::sso`); these handlers translate.

use super::form::Fields;
use super::gql::Refusal;
use super::pages::{self, Section, csrf_field, page};
use super::session::{Org, SESSION_COOKIE, Web, set_cookie, with_cookie};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kurator_auth::oidc::login::{Callback, SIGN_IN_TTL};
use kurator_auth::oidc::{SsoError, SsoRefusal};
use kurator_domain::TenantSlug;
use maud::html;
use serde::Deserialize;
use serde_json::{Value, json};

/// The browser's half of a sign-in under way: a random value whose digest the server keeps
/// with the sign-in, so that only the browser that started it can finish it.
pub const SSO_BINDING_COOKIE: &str = "kurator_sso";

#[derive(Deserialize)]
pub struct StartQuery {
    #[serde(rename = "return")]
    return_to: Option<String>,
}

/// `/login/sso/{slug}`: sends the browser to the organisation's provider.
pub async fn start(
    web: Web,
    Path(slug): Path<String>,
    Query(query): Query<StartQuery>,
) -> Response {
    let Ok(slug) = TenantSlug::parse(&slug) else {
        return pages::not_found(&web);
    };
    let runtime = match web.state.inner.tenants.find(&slug).await {
        Ok(Some(runtime)) => runtime,
        Ok(None) => return pages::not_found(&web),
        Err(err) => {
            tracing::error!(error = %err, "organisation could not be opened");
            return pages::failure(&web, None);
        }
    };
    let started = web
        .state
        .inner
        .sso_login
        .start(runtime.tenant(), query.return_to.as_deref())
        .await;
    match started {
        Ok(started) => with_cookie(
            Redirect::to(&started.authorize_url).into_response(),
            set_cookie(
                SSO_BINDING_COOKIE,
                &started.binding,
                SIGN_IN_TTL.as_secs() as i64,
                true,
                web.secure_cookies(),
            ),
        ),
        Err(err) => refused(&web, err),
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

/// `/login/sso/callback`: the provider sends the browser back here with a code.
pub async fn callback(web: Web, Query(query): Query<CallbackQuery>) -> Response {
    let inner = &web.state.inner;
    let finished = kurator_casework::sso::finish_sign_in(
        &inner.sso_login,
        &inner.tenants,
        &inner.control,
        web.cookie(SSO_BINDING_COOKIE),
        Callback {
            state: query.state.as_deref(),
            code: query.code.as_deref(),
            error: query.error.as_deref(),
            iss: query.iss.as_deref(),
        },
    )
    .await;
    let signed_in = match finished {
        Ok(signed_in) => signed_in,
        Err(err) => return spent(&web, refused(&web, err)),
    };
    // A session the browser held before is ended: after signing in it has only the new one.
    if let Some(session) = web.caller.as_ref().and_then(|c| c.session.as_ref())
        && let Err(err) = inner.sessions.revoke(session).await
    {
        tracing::warn!(error = %err, "the previous session was not revoked");
    }
    let next = match signed_in.return_to {
        Some(path) => path,
        None => match inner.tenants.find_by_id(signed_in.tenant).await {
            Ok(Some(runtime)) => format!("/o/{}/day", runtime.tenant().slug),
            _ => "/".to_owned(),
        },
    };
    let ttl = inner.settings.auth.session_ttl_minutes as i64 * 60;
    let response = with_cookie(
        Redirect::to(&next).into_response(),
        set_cookie(
            SESSION_COOKIE,
            signed_in.token.expose(),
            ttl,
            true,
            web.secure_cookies(),
        ),
    );
    spent(&web, response)
}

/// Clears the binding cookie: a sign-in is finished once, whatever its outcome.
fn spent(web: &Web, response: Response) -> Response {
    with_cookie(
        response,
        set_cookie(SSO_BINDING_COOKIE, "", 0, true, web.secure_cookies()),
    )
}

/// The page for a sign-in that did not succeed, with its code.
fn refused(web: &Web, err: SsoError) -> Response {
    let lang = web.lang;
    let refusal = match err {
        SsoError::Refused(refusal) => refusal,
        other => {
            tracing::error!(error = %other, "single sign-on failed");
            return pages::failure(web, None);
        }
    };
    tracing::info!(code = refusal.code(), "single sign-on refused");
    let (ru, en) = refusal.texts();
    let message = match lang.messages() {
        kurator_method::problem::Language::En => en,
        kurator_method::problem::Language::Ru => ru,
    };
    let status = match refusal {
        SsoRefusal::NotConfigured => StatusCode::NOT_FOUND,
        SsoRefusal::ProviderRefused(_) | SsoRefusal::ExchangeFailed(_) => StatusCode::BAD_GATEWAY,
        _ => StatusCode::FORBIDDEN,
    };
    let body = html! {
        div.narrow {
            h1 { (lang.t("sso-refused-title")) }
            div.refusal role="alert" data-code=(refusal.code()) { p { (message) } }
            p { a href="/login" { (lang.t("sso-try-again")) } }
        }
    };
    (
        status,
        page(web, None, Section::None, &lang.t("sso-refused-title"), body),
    )
        .into_response()
}

const SETTINGS: &str = "query { ssoSettings { version label issuer clientId hasClientSecret
  emailClaim nameClaim allowedDomains passwordRoles addressAllowlist authorizationEndpoint
  discoveredAt } ssoRedirectUri }";

const ROLES: [&str; 5] = [
    "org_admin",
    "supervisor",
    "curator",
    "specialist",
    "methodologist",
];
const EMAIL_CLAIMS: [&str; 2] = ["email", "preferred_username"];
const NAME_CLAIMS: [&str; 4] = ["name", "preferred_username", "nickname", "given_and_family"];

/// `/o/{slug}/admin/sso`: the organisation administrator's single sign-on settings.
pub async fn show(web: Web, Path(slug): Path<String>) -> Response {
    let org = match web.org(&slug).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    render(&web, &org, None, &[], StatusCode::OK).await
}

async fn render(
    web: &Web,
    org: &Org,
    sent: Option<&Fields>,
    errors: &[String],
    status: StatusCode,
) -> Response {
    let lang = web.lang;
    if !org.has(kurator_domain::Role::OrgAdmin) {
        return pages::forbidden(web, Some(org), &lang.t("admin-only"));
    }
    let data = match web.gql(Some(&org.slug), SETTINGS, json!({})).await {
        Ok(data) => data,
        Err(refusal) => return pages::refused(web, Some(org), refusal),
    };
    let saved = &data["ssoSettings"];
    let configured = saved.is_object();
    // What the form shows: what was just sent (after a refusal), else what is saved.
    let value = |field: &str, key: &str| -> String {
        match sent {
            Some(form) => form.text(field),
            None => saved[key].as_str().unwrap_or_default().to_owned(),
        }
    };
    let list = |field: &str, key: &str| -> String {
        match sent {
            Some(form) => form.text(field),
            None => saved[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n"),
        }
    };
    let password_roles: Vec<String> = match sent {
        Some(form) => form.all("password_roles"),
        None if configured => saved["passwordRoles"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        None => vec!["org_admin".to_owned()],
    };
    let email_claim = Some(value("email_claim", "emailClaim")).filter(|v| !v.is_empty());
    let name_claim = Some(value("name_claim", "nameClaim")).filter(|v| !v.is_empty());
    let version = saved["version"].as_i64().unwrap_or(0);
    let body = html! {
        h1 { (lang.t("sso-title")) }
        p.muted { (lang.t("sso-intro")) }
        (pages::reasons(lang, errors))
        @if configured {
            p.notice {
                (lang.t("sso-configured")) " "
                @if let Some(endpoint) = saved["authorizationEndpoint"].as_str() { code { (endpoint) } }
            }
        } @else {
            p { (lang.t("sso-none")) }
        }
        p { (lang.t("sso-redirect-uri")) " " code { (data["ssoRedirectUri"].as_str().unwrap_or_default()) } }
        form method="post" action=(org.path("/admin/sso")) {
            (csrf_field(web))
            input type="hidden" name="version" value=(version);
            div.field {
                label for="sso-label" { (lang.t("sso-label")) }
                input #sso-label type="text" name="label" value=(value("label", "label")) required maxlength="120";
            }
            div.field {
                label for="sso-issuer" { (lang.t("sso-issuer")) }
                input #sso-issuer type="text" inputmode="url" name="issuer" value=(value("issuer", "issuer")) required;
            }
            div.field {
                label for="sso-client-id" { (lang.t("sso-client-id")) }
                input #sso-client-id type="text" name="client_id" value=(value("client_id", "clientId")) required autocomplete="off";
            }
            div.field {
                label for="sso-client-secret" { (lang.t("sso-client-secret")) }
                input #sso-client-secret type="password" name="client_secret" autocomplete="new-password" required[!configured];
                @if configured { p.muted { (lang.t("sso-client-secret-keep")) } }
            }
            div.field {
                label for="sso-email-claim" { (lang.t("sso-email-claim")) }
                select #sso-email-claim name="email_claim" {
                    @for claim in EMAIL_CLAIMS { option value=(claim) selected[email_claim.as_deref() == Some(claim)] { (claim) } }
                }
            }
            div.field {
                label for="sso-name-claim" { (lang.t("sso-name-claim")) }
                select #sso-name-claim name="name_claim" {
                    @for claim in NAME_CLAIMS { option value=(claim) selected[name_claim.as_deref() == Some(claim)] { (claim) } }
                }
            }
            div.field {
                label for="sso-domains" { (lang.t("sso-allowed-domains")) }
                textarea #sso-domains name="allowed_domains" rows="3" aria-describedby="sso-domains-hint" { (list("allowed_domains", "allowedDomains")) }
                p.muted #sso-domains-hint { (lang.t("sso-allowed-domains-hint")) }
            }
            fieldset {
                legend { (lang.t("sso-password-roles")) }
                p.muted { (lang.t("sso-password-roles-hint")) }
                @for role in ROLES {
                    label.check {
                        input type="checkbox" name="password_roles" value=(role) checked[password_roles.iter().any(|r| r == role)];
                        " " (lang.t(&format!("role-{role}")))
                    }
                }
            }
            div.field {
                label for="sso-allowlist" { (lang.t("sso-allowlist")) }
                textarea #sso-allowlist name="address_allowlist" rows="2" aria-describedby="sso-allowlist-hint" { (list("address_allowlist", "addressAllowlist")) }
                p.muted #sso-allowlist-hint { (lang.t("sso-allowlist-hint")) }
            }
            button.primary type="submit" { (lang.t("sso-save")) }
        }
        @if configured {
            form method="post" action=(org.path("/admin/sso/remove")) {
                (csrf_field(web))
                button.link type="submit" { (lang.t("sso-remove")) }
            }
        }
    };
    (
        status,
        page(web, Some(org), Section::Admin, &lang.t("sso-title"), body),
    )
        .into_response()
}

/// One entry per line or comma.
fn entries(text: &str) -> Vec<String> {
    text.split([',', '\n', '\r', ' '])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect()
}

pub async fn save(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let secret = form.raw("client_secret");
    let input = json!({
        "version": form.int("version").unwrap_or(0),
        "label": form.text("label"),
        "issuer": form.text("issuer"),
        "clientId": form.text("client_id"),
        "clientSecret": if secret.is_empty() { Value::Null } else { Value::from(secret) },
        "emailClaim": form.text("email_claim"),
        "nameClaim": form.text("name_claim"),
        "allowedDomains": entries(&form.text("allowed_domains")),
        "passwordRoles": form.all("password_roles"),
        "addressAllowlist": entries(&form.text("address_allowlist")),
    });
    let answer = web
        .gql(
            Some(&slug),
            "mutation($input: SsoSettingsInput!) { saveSsoSettings(input: $input) { version } }",
            json!({ "input": input }),
        )
        .await;
    match answer {
        Ok(_) => Redirect::to(&org.path("/admin/sso")).into_response(),
        Err(refusal @ (Refusal::Rejected(_) | Refusal::Conflict { .. })) => {
            render(
                &web,
                &org,
                Some(&form),
                &refusal.messages(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => pages::refused(&web, Some(&org), other),
    }
}

pub async fn remove(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    match web
        .gql(Some(&slug), "mutation { removeSsoSettings }", json!({}))
        .await
    {
        Ok(_) => Redirect::to(&org.path("/admin/sso")).into_response(),
        Err(other) => pages::refused(&web, Some(&org), other),
    }
}

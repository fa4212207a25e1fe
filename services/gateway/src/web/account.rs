//! Signing in and out, the choice of organisation, the language switch.

use super::form::Fields;
use super::gql::Refusal;
use super::i18n::Lang;
use super::pages::{self, Section, csrf_field, page};
use super::session::{
    LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE, Web, set_cookie, with_cookie,
};
use axum::extract::Query;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::header::REFERER;
use axum::response::{IntoResponse, Redirect, Response};
use kurator_domain::TenantSlug;
use maud::html;
use rand::RngCore;
use serde_json::json;

/// `/`: the person's organisation (or the choice of one), or the sign-in page.
pub async fn home(web: Web) -> Response {
    let Some(caller) = &web.caller else {
        return Redirect::to("/login").into_response();
    };
    let mut slugs: Vec<String> = Vec::new();
    for m in caller.memberships.iter() {
        if let Ok(Some(runtime)) = web.state.inner.tenants.find_by_id(m.tenant_id).await {
            slugs.push(runtime.tenant().slug.to_string());
        }
    }
    slugs.dedup();
    match slugs.as_slice() {
        [one] => Redirect::to(&format!("/o/{one}/day")).into_response(),
        [] if caller.user.is_platform_admin => Redirect::to("/platform").into_response(),
        [] if caller.user.is_platform_methodologist => Redirect::to("/analytics").into_response(),
        _ => Redirect::to("/orgs").into_response(),
    }
}

#[derive(serde::Deserialize)]
pub struct LoginQuery {
    /// The organisation whose sign-in page this is: its single sign-on is offered.
    org: Option<String>,
    #[serde(rename = "return")]
    return_to: Option<String>,
}

/// `/login`, or `/login?org={slug}`: an organisation with single sign-on gets its button
/// («Войти через …») above the password form, which stays for break-glass accounts.
pub async fn login_page(web: Web, Query(query): Query<LoginQuery>) -> Response {
    if web.caller.is_some() {
        return Redirect::to("/").into_response();
    }
    let sso = match query.org.as_deref().map(TenantSlug::parse) {
        Some(Ok(slug)) => sso_button(&web, &slug, query.return_to.as_deref()).await,
        _ => None,
    };
    login_form(&web, None, "", StatusCode::OK, sso)
}

/// The organisation's sign-in button: its provider's label and where it starts.
async fn sso_button(
    web: &Web,
    slug: &TenantSlug,
    return_to: Option<&str>,
) -> Option<(String, String)> {
    let runtime = web.state.inner.tenants.find(slug).await.ok().flatten()?;
    let label = web
        .state
        .inner
        .sso_login
        .provider_label(runtime.tenant().id)
        .await
        .unwrap_or_else(|err| {
            tracing::warn!(error = %err, "single sign-on settings not read");
            None
        })?;
    let mut href = format!("/login/sso/{slug}");
    if let Some(path) = return_to.and_then(kurator_auth::oidc::login::relative_return) {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("return", &path);
        href.push('?');
        href.push_str(&query.finish());
    }
    Some((label, href))
}

fn login_form(
    web: &Web,
    error: Option<&str>,
    login: &str,
    status: StatusCode,
    sso: Option<(String, String)>,
) -> Response {
    let lang = web.lang;
    // A fresh double-submit token when the browser has none yet.
    let (token, new_cookie) = match web.cookie(LOGIN_CSRF_COOKIE) {
        Some(t) if t.len() == 64 => (t.to_owned(), None),
        _ => {
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            let token = hex::encode(bytes);
            let cookie = set_cookie(LOGIN_CSRF_COOKIE, &token, 3600, true, web.secure_cookies());
            (token, Some(cookie))
        }
    };
    let body = html! {
        div.narrow {
            h1 { (lang.t("login-title")) }
            p.muted { (lang.t("login-intro")) }
            @if let Some(error) = error {
                div.refusal role="alert" { p { (error) } }
            }
            @if let Some((label, href)) = &sso {
                p { a.button.primary #sso-sign-in href=(href) { (lang.f("login-sso", &[("provider", label.as_str().into())])) } }
                p.muted { (lang.t("login-sso-or")) }
            }
            form method="post" action="/login" {
                input type="hidden" name="_csrf" value=(token);
                div.field {
                    label for="login" { (lang.t("login-login")) }
                    input #login type="text" name="login" value=(login) autocomplete="username" required autofocus;
                }
                div.field {
                    label for="password" { (lang.t("login-password")) }
                    input #password type="password" name="password" autocomplete="current-password" required;
                }
                button.primary type="submit" { (lang.t("login-submit")) }
            }
        }
    };
    let response = (
        status,
        page(web, None, Section::None, &lang.t("login-title"), body),
    )
        .into_response();
    match new_cookie {
        Some(cookie) => with_cookie(response, cookie),
        None => response,
    }
}

/// Signs in through the API's own `login` (same throttling, same session).
pub async fn login(web: Web, form: Fields) -> Response {
    let lang = web.lang;
    let sent = form.get("_csrf");
    let expected = web.cookie(LOGIN_CSRF_COOKIE);
    if sent.is_none() || sent != expected {
        return login_form(
            &web,
            Some(&lang.t("form-expired")),
            "",
            StatusCode::FORBIDDEN,
            None,
        );
    }
    let login = form.text("login");
    let password = form.raw("password");
    let answer = web
        .gql(
            None,
            "mutation($login: String!, $password: String!) { login(login: $login, password: $password) { token } }",
            json!({ "login": login, "password": password }),
        )
        .await;
    match answer {
        Ok(data) => {
            let token = data["login"]["token"].as_str().unwrap_or_default();
            let ttl = web.state.inner.settings.auth.session_ttl_minutes as i64 * 60;
            let cookie = set_cookie(SESSION_COOKIE, token, ttl, true, web.secure_cookies());
            let response = Redirect::to("/").into_response();
            let response = with_cookie(response, cookie);
            // The pre-login token is spent.
            with_cookie(
                response,
                set_cookie(LOGIN_CSRF_COOKIE, "", 0, true, web.secure_cookies()),
            )
        }
        Err(Refusal::Rejected(reasons))
            if reasons.iter().any(|r| r.code == "too_many_attempts") =>
        {
            login_form(
                &web,
                Some(&lang.t("login-throttled")),
                &login,
                StatusCode::TOO_MANY_REQUESTS,
                None,
            )
        }
        Err(Refusal::Rejected(reasons))
            if reasons.iter().any(|r| r.code == "sso_password_not_allowed") =>
        {
            login_form(
                &web,
                Some(&lang.t("login-sso-required")),
                &login,
                StatusCode::FORBIDDEN,
                None,
            )
        }
        Err(Refusal::Unauthenticated) | Err(Refusal::Rejected(_)) => login_form(
            &web,
            Some(&lang.t("login-wrong")),
            &login,
            StatusCode::UNAUTHORIZED,
            None,
        ),
        Err(other) => pages::refused(&web, None, other),
    }
}

fn signed_out(web: &Web) -> Response {
    with_cookie(
        Redirect::to("/login").into_response(),
        set_cookie(SESSION_COOKIE, "", 0, true, web.secure_cookies()),
    )
}

pub async fn logout(web: Web, form: Fields) -> Response {
    if web.caller.is_none() {
        return signed_out(&web);
    }
    if !form.csrf_ok(&web) {
        return pages::forbidden(&web, None, &web.lang.t("form-expired"));
    }
    match web.gql(None, "mutation { logout }", json!({})).await {
        Ok(_) | Err(Refusal::Unauthenticated) => signed_out(&web),
        Err(other) => pages::refused(&web, None, other),
    }
}

/// Ends every session of the person, on every device.
pub async fn logout_everywhere(web: Web, form: Fields) -> Response {
    if web.caller.is_none() {
        return signed_out(&web);
    }
    if !form.csrf_ok(&web) {
        return pages::forbidden(&web, None, &web.lang.t("form-expired"));
    }
    match web
        .gql(None, "mutation { logoutEverywhere }", json!({}))
        .await
    {
        Ok(_) | Err(Refusal::Unauthenticated) => signed_out(&web),
        Err(other) => pages::refused(&web, None, other),
    }
}

/// The choice of organisation, for a person who works in several.
pub async fn organisations(web: Web) -> Response {
    let caller = match web.signed_in() {
        Ok(c) => c.clone(),
        Err(r) => return r,
    };
    let lang = web.lang;
    let mut orgs: Vec<(String, String, Vec<String>)> = Vec::new();
    for m in caller.memberships.iter() {
        let Ok(Some(runtime)) = web.state.inner.tenants.find_by_id(m.tenant_id).await else {
            continue;
        };
        let tenant = runtime.tenant();
        let slug = tenant.slug.to_string();
        let role = lang.t(&format!("role-{}", m.role.as_str()));
        match orgs.iter_mut().find(|(s, _, _)| *s == slug) {
            Some((_, _, roles)) => roles.push(role),
            None => orgs.push((
                slug,
                lang.pick(
                    &tenant.name_ru,
                    Some(&tenant.name_kk),
                    Some(&tenant.name_en),
                )
                .to_owned(),
                vec![role],
            )),
        }
    }
    let body = html! {
        h1 { (lang.t("orgs-title")) }
        @if orgs.is_empty() {
            p { (lang.t("orgs-none")) }
        }
        @if caller.user.is_platform_admin {
            p { a.button href="/platform" { (lang.t("platform-title")) } }
        }
        @if caller.user.is_platform_methodologist {
            p { a.button href="/analytics" { (lang.t("compare-title")) } }
        }
        ul.cards {
            @for (slug, name, roles) in &orgs {
                li.card {
                    a href=(format!("/o/{slug}/day")) { strong { (name) } }
                    p.muted { (roles.join(", ")) }
                }
            }
        }
        form method="post" action="/logout-everywhere" {
            (csrf_field(&web))
            button.link type="submit" { (lang.t("logout-everywhere")) }
        }
    };
    page(&web, None, Section::None, &lang.t("orgs-title"), body).into_response()
}

/// Remembers the chosen language (a year, on this device) and returns to the page.
pub async fn language(web: Web, headers: HeaderMap, form: Fields) -> Response {
    let lang = form.get("lang").and_then(Lang::parse).unwrap_or_default();
    // Back to the same page of this site; never to another origin.
    let back = headers
        .get(REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .map(|u| u.path().to_owned())
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    if web.caller.is_some() && !form.csrf_ok(&web) {
        return pages::forbidden(&web, None, &web.lang.t("form-expired"));
    }
    with_cookie(
        Redirect::to(&back).into_response(),
        set_cookie(
            LANG_COOKIE,
            lang.code(),
            365 * 24 * 3600,
            false,
            web.secure_cookies(),
        ),
    )
}

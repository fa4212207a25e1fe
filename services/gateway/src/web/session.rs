//! Who is looking at a page: the cookie session, the person's language and the organisation the
//! page is about. The session cookie holds the same opaque token a GraphQL client sends as a
//! bearer token, so sign-in, throttling, expiry and logout are the API's.

use super::i18n::Lang;
use super::pages;
use crate::AppState;
use crate::graphql::REQUEST_ID_HEADER;
use crate::graphql::context::Caller;
use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use kurator_auth::SessionToken;
use kurator_casework::TenantRuntime;
use kurator_domain::{Role, TenantSlug};
use sha2::{Digest, Sha256};
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "kurator_session";
pub const LANG_COOKIE: &str = "kurator_lang";
/// The login form's double-submit token: there is no session yet to bind it to.
pub const LOGIN_CSRF_COOKIE: &str = "kurator_login_csrf";
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// One page request: the application, the person (if signed in) and their language.
#[derive(Clone)]
pub struct Web {
    pub state: AppState,
    pub lang: Lang,
    pub caller: Option<Caller>,
    pub request_id: String,
    cookies: Vec<(String, String)>,
}

impl FromRequestParts<AppState> for Web {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let cookies = cookies(&parts.headers);
        let cookie = |name: &str| {
            cookies
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let lang = cookie(LANG_COOKIE)
            .and_then(Lang::parse)
            .unwrap_or_else(|| from_accept_language(&parts.headers));
        let request_id = parts
            .headers
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let caller = match cookie(SESSION_COOKIE).and_then(SessionToken::parse) {
            Some(token) => state
                .inner
                .callers
                .resolve(token)
                .await
                .unwrap_or_else(|err| {
                    tracing::warn!(code = %err.code, "session not resolved");
                    None
                }),
            None => None,
        };
        Ok(Web {
            state: state.clone(),
            lang,
            caller,
            request_id,
            cookies,
        })
    }
}

impl Web {
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The signed-in person, or a redirect to the sign-in page.
    // The refusal is the page a handler returns at once; it is made once per request.
    #[allow(clippy::result_large_err)]
    pub fn signed_in(&self) -> Result<&Caller, Response> {
        self.caller
            .as_ref()
            .ok_or_else(|| Redirect::to("/login").into_response())
    }

    /// The form token of this session: a digest of the session token, which only this browser
    /// holds (the cookie is HttpOnly), so another site cannot know it.
    pub fn csrf(&self) -> String {
        match &self.caller {
            Some(caller) => caller
                .session
                .as_ref()
                .map(|token| csrf_of(token.expose()))
                .unwrap_or_default(),
            None => self
                .cookie(LOGIN_CSRF_COOKIE)
                .map(str::to_owned)
                .unwrap_or_default(),
        }
    }

    /// Whether a form (or an htmx request's header) carries this session's token.
    pub fn csrf_ok(&self, sent: Option<&str>) -> bool {
        let expected = self.csrf();
        !expected.is_empty()
            && sent.is_some_and(|sent| constant_time_eq(sent.as_bytes(), expected.as_bytes()))
    }

    /// Cookies are `Secure` everywhere but in development on plain HTTP.
    pub fn secure_cookies(&self) -> bool {
        self.state.inner.settings.is_production()
    }

    /// The organisation `slug` as the person sees it: their roles there. Someone with no role in
    /// it gets the same «не найдено» page as for an organisation that does not exist.
    #[allow(clippy::result_large_err)]
    pub async fn org(&self, slug: &str) -> Result<Org, Response> {
        let not_found = || pages::not_found(self).into_response();
        let slug = TenantSlug::parse(slug).map_err(|_| not_found())?;
        // Someone not signed in goes to the organisation's sign-in page (its single sign-on).
        let caller = self
            .caller
            .as_ref()
            .ok_or_else(|| Redirect::to(&format!("/login?org={slug}")).into_response())?;
        let runtime = match self.state.inner.tenants.find(&slug).await {
            Ok(Some(runtime)) => runtime,
            Ok(None) => return Err(not_found()),
            Err(err) => {
                tracing::error!(error = %err, "organisation could not be opened");
                return Err(pages::failure(self, None));
            }
        };
        let roles = caller.roles_in(runtime.tenant().id);
        if roles.is_empty() {
            return Err(not_found());
        }
        Ok(Org {
            slug: slug.to_string(),
            runtime,
            roles,
        })
    }
}

impl Web {
    /// [`Web::org`] for a submitted form, which must carry the session's token: a form from
    /// anywhere else is refused before anything is read or written.
    #[allow(clippy::result_large_err)]
    pub async fn org_posting(
        &self,
        slug: &str,
        form: &super::form::Fields,
    ) -> Result<Org, Response> {
        let org = self.org(slug).await?;
        if !form.csrf_ok(self) {
            return Err(pages::forbidden(
                self,
                Some(&org),
                &self.lang.t("form-expired"),
            ));
        }
        Ok(org)
    }
}

/// An organisation the person works in, for one request.
#[derive(Clone)]
pub struct Org {
    pub slug: String,
    pub runtime: Arc<TenantRuntime>,
    pub roles: Vec<Role>,
}

impl Org {
    pub fn name(&self, lang: Lang) -> String {
        let tenant = self.runtime.tenant();
        lang.pick(
            &tenant.name_ru,
            Some(tenant.name_kk.as_str()),
            Some(tenant.name_en.as_str()),
        )
        .to_owned()
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Supervisors and administrators: the whole organisation's cases, the board.
    pub fn is_lead(&self) -> bool {
        self.has(Role::Supervisor) || self.has(Role::OrgAdmin)
    }

    pub fn works_cases(&self) -> bool {
        self.roles.iter().any(|r| r.sees_case_data())
    }

    /// A path inside the organisation's part of the interface.
    pub fn path(&self, rest: &str) -> String {
        format!("/o/{}{rest}", self.slug)
    }
}

pub fn csrf_of(token: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(b"kurator-form-token:");
    digest.update(token.as_bytes());
    hex::encode(digest.finalize())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((k.trim().to_owned(), v.trim().to_owned()))
        })
        .take(64)
        .collect()
}

/// The interface language from `Accept-Language` when no choice is remembered: Kazakh or
/// English when asked for first, Russian otherwise.
fn from_accept_language(headers: &HeaderMap) -> Lang {
    let header = headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    header
        .split(',')
        .take(8)
        .filter_map(|item| {
            let tag = item.split(';').next()?.trim().to_ascii_lowercase();
            Lang::parse(tag.split('-').next()?)
        })
        .next()
        .unwrap_or_default()
}

/// A `Set-Cookie` header value.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_seconds: i64,
    http_only: bool,
    secure: bool,
) -> HeaderValue {
    let mut cookie = format!("{name}={value}; Path=/; Max-Age={max_age_seconds}; SameSite=Lax");
    if http_only {
        cookie.push_str("; HttpOnly");
    }
    if secure {
        cookie.push_str("; Secure");
    }
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Adds `Set-Cookie` to a response.
pub fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(SET_COOKIE, cookie);
    response
}

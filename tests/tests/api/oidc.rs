//! Single sign-on against a real OpenID Connect provider (`oidc-provider` 9 on loopback, see
//! `tests/oidc/`): the fund's administrator configures it, an invited curator signs in through it
//! and gets a working session; a wrong or replayed `state`, a `nonce` that is not the sign-in's,
//! a missing PKCE verifier, a callback in another browser, a wrong issuer, an unverified or
//! uninvited e-mail, a provider on a loopback address without the allowlist and a return address
//! that is not relative are each refused.

use kurator_tests::oidc::{CLIENT_ID, CLIENT_SECRET, OidcProvider};
use kurator_tests::{Backend, TestApp, spawn_app};
use reqwest::header::{LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Each test on the embedded default, on PostgreSQL (the control plane the settings and bindings
/// live in) and with Redis (where sign-ins under way and sessions are kept).
macro_rules! oidc_suites {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(kurator_tests::Backend::embedded()).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(backend) = kurator_tests::Backend::postgres().await else { return };
                    super::$name(backend).await
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(backend) = kurator_tests::Backend::redis() else { return };
                    super::$name(backend).await
                }
            )*
        }
    };
}

oidc_suites!(
    an_invited_curator_signs_in_through_the_provider_and_gets_a_working_session,
    a_wrong_or_replayed_state_is_refused,
    a_callback_in_another_browser_is_refused,
    a_nonce_that_is_not_the_sign_ins_is_refused,
    a_missing_pkce_verifier_is_refused,
    a_wrong_issuer_is_refused_when_saved,
    an_unverified_or_uninvited_email_is_not_linked,
    a_provider_on_a_loopback_address_needs_the_allowlist,
    a_return_address_that_is_not_relative_is_ignored,
    password_sign_in_is_refused_once_sso_is_required_except_for_break_glass_roles,
    the_administrator_configures_single_sign_on_on_the_web_page,
    an_existing_member_given_an_email_is_linked_at_the_first_sign_in,
);

const SAVE: &str = "mutation($input: SsoSettingsInput!) {
  saveSsoSettings(input: $input) { version issuer clientId hasClientSecret authorizationEndpoint
    passwordRoles redirectUri } }";

struct Sso {
    app: TestApp,
    provider: OidcProvider,
    admin: String,
}

fn settings(issuer: &str, allowlist: &[&str]) -> Value {
    json!({
        "version": 0,
        "label": "Тестовый поставщик",
        "issuer": issuer,
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
        "emailClaim": "email",
        "nameClaim": "name",
        "allowedDomains": ["fund.example"],
        "passwordRoles": ["org_admin"],
        "addressAllowlist": allowlist,
    })
}

/// The fund with single sign-on through a provider on loopback (allowed by its allowlist), and
/// two people invited by e-mail: a curator whose e-mail the provider verified and one whose it
/// did not.
async fn configured(backend: Backend) -> Option<Sso> {
    let app = spawn_app(backend).await;
    let provider = OidcProvider::start(&format!("{}/login/sso/callback", app.address)).await?;
    let admin = app.login("fund.admin").await;
    let saved = app
        .graphql_for_tenant(
            SAVE,
            json!({ "input": settings(&provider.issuer, &["127.0.0.1"]) }),
            Some(&admin),
            Some("fund"),
        )
        .await;
    let saved = &saved.data()["saveSsoSettings"];
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["hasClientSecret"], true);
    assert_eq!(
        saved["authorizationEndpoint"],
        format!("{}/auth", provider.issuer)
    );
    for (login, email) in [
        ("anna.sso", "Anna.Petrova@fund.example"),
        ("boris.sso", "boris.sokolov@fund.example"),
    ] {
        let created = app
            .graphql_for_tenant(
                "mutation($login: String!, $email: String) {
                  createMember(login: $login, displayName: $login, password: \"a long password 1\",
                    role: CURATOR, email: $email) { id email } }",
                json!({ "login": login, "email": email }),
                Some(&admin),
                Some("fund"),
            )
            .await;
        assert_eq!(
            created.data()["createMember"]["email"],
            email.to_lowercase()
        );
    }
    Some(Sso {
        app,
        provider,
        admin,
    })
}

/// A browser: cookies kept, redirects not followed (each step is looked at).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        // A fresh connection per request, as the provider's interaction closes its own.
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("no Location: {}", response.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

fn param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `url` with `name` set to `value` (removed when `None`).
fn with_param(url: &str, name: &str, value: Option<&str>) -> String {
    let mut url = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut query = url.query_pairs_mut();
        query.clear();
        for (k, v) in &pairs {
            query.append_pair(k, v);
        }
        if let Some(value) = value {
            query.append_pair(name, value);
        }
    }
    url.to_string()
}

impl Sso {
    /// Starts signing in to the fund at Kurator: the provider's authorization address.
    async fn start(&self, client: &reqwest::Client, return_to: Option<&str>) -> String {
        let mut url = format!("{}/login/sso/fund", self.app.address);
        if let Some(path) = return_to {
            url = format!("{url}?return={}", urlencode(path));
        }
        let answer = client.get(url).send().await.unwrap();
        assert_eq!(answer.status(), 303, "the sign-in starts");
        let authorize = location(&answer);
        assert!(authorize.starts_with(&self.provider.issuer), "{authorize}");
        assert_eq!(
            param(&authorize, "code_challenge_method").as_deref(),
            Some("S256")
        );
        assert!(param(&authorize, "state").is_some() && param(&authorize, "nonce").is_some());
        authorize
    }

    /// Signs `account` in at the provider from `authorize`: the callback address it sends the
    /// browser back to.
    async fn at_provider(
        &self,
        client: &reqwest::Client,
        authorize: &str,
        account: &str,
    ) -> String {
        let base = url::Url::parse(&self.provider.issuer).unwrap();
        let mut next = authorize.to_owned();
        for _ in 0..10 {
            let answer = client.get(&next).send().await.unwrap();
            assert!(
                answer.status().is_redirection(),
                "provider answered {}: {}",
                answer.status(),
                answer.text().await.unwrap()
            );
            let to = base.join(&location(&answer)).unwrap();
            if to.as_str().starts_with(&self.app.address) {
                return to.to_string();
            }
            if let Some(uid) = to.path().strip_prefix("/interaction/") {
                let done = client
                    .post(base.join(&format!("/interaction/{uid}/login")).unwrap())
                    .form(&[("login", account)])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(done.status(), 303, "the provider signs {account} in");
                next = base.join(&location(&done)).unwrap().to_string();
            } else {
                next = to.to_string();
            }
        }
        panic!("the provider never sent the browser back");
    }

    /// The whole sign-in: Kurator's answer at the callback.
    async fn sign_in(&self, client: &reqwest::Client, account: &str) -> reqwest::Response {
        let authorize = self.start(client, None).await;
        let callback = self.at_provider(client, &authorize, account).await;
        client.get(callback).send().await.unwrap()
    }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The session token a response sets.
fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("kurator_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .filter(|v| !v.is_empty())
}

/// A refused sign-in: its status and code.
async fn refused(response: reqwest::Response, code: &str) {
    let status = response.status();
    let page = response.text().await.unwrap();
    assert!(
        status.is_client_error() || status.is_server_error(),
        "{status}: {page}"
    );
    assert!(
        page.contains(&format!("data-code=\"{code}\"")),
        "expected {code}: {page}"
    );
}

async fn me(app: &TestApp, token: &str) -> Value {
    app.graphql("query { me { login } }", json!({}), Some(token))
        .await
        .data()["me"]
        .clone()
}

async fn an_invited_curator_signs_in_through_the_provider_and_gets_a_working_session(
    backend: Backend,
) {
    let Some(sso) = configured(backend).await else {
        return;
    };
    // The fund's sign-in page offers its provider.
    let page = sso.app.get("/login?org=fund").await.text().await.unwrap();
    assert!(page.contains("Войти через Тестовый поставщик"), "{page}");
    // An anonymous visitor to the fund's pages is sent to that page.
    let anonymous = browser()
        .get(format!("{}/o/fund/day", sso.app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&anonymous), "/login?org=fund");

    let client = browser();
    let answer = sso.sign_in(&client, "anna").await;
    assert_eq!(answer.status(), 303);
    assert_eq!(location(&answer), "/o/fund/day");
    let first = session_cookie(&answer).expect("a session cookie");
    assert_eq!(me(&sso.app, &first).await["login"], "anna.sso");
    let day = client
        .get(format!("{}/o/fund/day", sso.app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(day.status(), 200, "the session opens the fund's day page");

    // Signing in again (now by the bound subject) gives a new session; the old one is ended.
    let again = sso.sign_in(&client, "anna").await;
    assert_eq!(again.status(), 303);
    let second = session_cookie(&again).expect("a session cookie");
    assert_ne!(first, second);
    assert_eq!(me(&sso.app, &second).await["login"], "anna.sso");
    let old = sso
        .app
        .graphql("query { me { login } }", json!({}), Some(&first))
        .await;
    assert_eq!(old.error_code(), "UNAUTHENTICATED");

    // The link and the configuration are in the fund's audit trail.
    let trail = sso
        .app
        .graphql_for_tenant(
            "query { auditLog { action } }",
            json!({}),
            Some(&sso.admin),
            Some("fund"),
        )
        .await;
    let actions = trail.body.to_string();
    assert!(actions.contains("sso.configure"), "{actions}");
    assert!(actions.contains("sso.link_account"), "{actions}");
}

async fn a_wrong_or_replayed_state_is_refused(backend: Backend) {
    let Some(sso) = configured(backend).await else {
        return;
    };
    let client = browser();
    let authorize = sso.start(&client, None).await;
    let callback = sso.at_provider(&client, &authorize, "anna").await;
    // The genuine callback works once …
    let answer = client.get(&callback).send().await.unwrap();
    assert_eq!(answer.status(), 303);
    assert!(session_cookie(&answer).is_some());
    // … and only once.
    refused(
        client.get(&callback).send().await.unwrap(),
        "sso_flow_unknown",
    )
    .await;
    // A state Kurator never sent, in a browser with a sign-in of its own under way.
    let client = browser();
    let authorize = sso.start(&client, None).await;
    let callback = sso.at_provider(&client, &authorize, "anna").await;
    let forged = with_param(&callback, "state", Some("not-the-state-kurator-sent"));
    let answer = client.get(forged).send().await.unwrap();
    assert!(session_cookie(&answer).is_none());
    refused(answer, "sso_flow_unknown").await;
    // No state at all.
    let bare = with_param(&callback, "state", None);
    refused(client.get(bare).send().await.unwrap(), "sso_flow_unknown").await;
}

async fn a_callback_in_another_browser_is_refused(backend: Backend) {
    let Some(sso) = configured(backend).await else {
        return;
    };
    let client = browser();
    let authorize = sso.start(&client, None).await;
    let callback = sso.at_provider(&client, &authorize, "anna").await;
    let answer = browser().get(&callback).send().await.unwrap();
    assert!(session_cookie(&answer).is_none());
    refused(answer, "sso_flow_foreign").await;
}

async fn a_nonce_that_is_not_the_sign_ins_is_refused(backend: Backend) {
    let Some(sso) = configured(backend).await else {
        return;
    };
    // The authorization request is tampered with on its way: the provider puts another nonce
    // (or none) into the ID token than the one Kurator keeps for this sign-in.
    for nonce in [Some("a-nonce-from-another-sign-in"), None] {
        let client = browser();
        let authorize = sso.start(&client, None).await;
        let tampered = with_param(&authorize, "nonce", nonce);
        let callback = sso.at_provider(&client, &tampered, "anna").await;
        let answer = client.get(callback).send().await.unwrap();
        assert!(session_cookie(&answer).is_none());
        refused(answer, "sso_nonce_mismatch").await;
    }
}

async fn a_missing_pkce_verifier_is_refused(backend: Backend) {
    let Some(sso) = configured(backend).await else {
        return;
    };
    // The verifier kept for the sign-in is gone.
    let client = browser();
    let authorize = sso.start(&client, None).await;
    let state = param(&authorize, "state").unwrap();
    let key = format!(
        "sso-sign-in:{}",
        hex::encode(Sha256::digest(state.as_bytes()))
    );
    let cache = &sso.app.state.inner.cache;
    let mut pending: Value =
        serde_json::from_str(&cache.get(&key).await.unwrap().unwrap()).unwrap();
    pending.as_object_mut().unwrap().remove("pkce_verifier");
    cache
        .set(
            &key,
            &pending.to_string(),
            std::time::Duration::from_secs(600),
        )
        .await
        .unwrap();
    let callback = sso.at_provider(&client, &authorize, "anna").await;
    refused(
        client.get(callback).send().await.unwrap(),
        "sso_exchange_failed",
    )
    .await;

    // The code was issued for another challenge than Kurator's: the provider refuses the
    // verifier Kurator sends.
    let client = browser();
    let authorize = sso.start(&client, None).await;
    let other = with_param(
        &authorize,
        "code_challenge",
        Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
    );
    let callback = sso.at_provider(&client, &other, "anna").await;
    let answer = client.get(callback).send().await.unwrap();
    assert!(session_cookie(&answer).is_none());
    refused(answer, "sso_exchange_failed").await;
}

async fn a_wrong_issuer_is_refused_when_saved(backend: Backend) {
    let Some(sso) = configured(backend).await else {
        return;
    };
    // The provider calls itself http://127.0.0.1:port; reached as localhost it is another issuer.
    let mut input = settings(
        &format!("http://localhost:{}", sso.provider.port),
        &["localhost", "127.0.0.1", "::1"],
    );
    input["version"] = json!(1);
    let answer = sso
        .app
        .graphql_for_tenant(
            SAVE,
            json!({ "input": input }),
            Some(&sso.admin),
            Some("fund"),
        )
        .await;
    assert_eq!(answer.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        answer.errors()[0]["extensions"]["details"]["problems"][0]["code"],
        "sso_issuer_mismatch",
        "{:#}",
        answer.body
    );
    // Nothing changed: the settings are still the first ones.
    let kept = sso
        .app
        .graphql_for_tenant(
            "query { ssoSettings { version issuer } }",
            json!({}),
            Some(&sso.admin),
            Some("fund"),
        )
        .await;
    assert_eq!(kept.data()["ssoSettings"]["version"], 1);
    assert_eq!(kept.data()["ssoSettings"]["issuer"], sso.provider.issuer);
}

async fn an_unverified_or_uninvited_email_is_not_linked(backend: Backend) {
    let Some(sso) = configured(backend).await else {
        return;
    };
    // Boris was invited, but the provider does not vouch for his e-mail.
    let answer = sso.sign_in(&browser(), "boris").await;
    assert!(session_cookie(&answer).is_none());
    refused(answer, "sso_email_unverified").await;
    // A verified e-mail of a domain the fund does not allow.
    let answer = sso.sign_in(&browser(), "stranger").await;
    refused(answer, "sso_email_domain_not_allowed").await;
    // With every domain allowed, still nobody was invited with it.
    let mut input = settings(&sso.provider.issuer, &["127.0.0.1"]);
    input["version"] = json!(1);
    input["allowedDomains"] = json!([]);
    input["clientSecret"] = Value::Null;
    sso.app
        .graphql_for_tenant(
            SAVE,
            json!({ "input": input }),
            Some(&sso.admin),
            Some("fund"),
        )
        .await
        .data();
    let answer = sso.sign_in(&browser(), "stranger").await;
    refused(answer, "sso_account_unknown").await;
}

async fn a_provider_on_a_loopback_address_needs_the_allowlist(backend: Backend) {
    let app = spawn_app(backend).await;
    let Some(provider) = OidcProvider::start(&format!("{}/login/sso/callback", app.address)).await
    else {
        return;
    };
    let admin = app.login("fund.admin").await;
    let localhost = format!("http://localhost:{}", provider.port);
    for issuer in [provider.issuer.as_str(), localhost.as_str()] {
        let answer = app
            .graphql_for_tenant(
                SAVE,
                json!({ "input": settings(issuer, &[]) }),
                Some(&admin),
                Some("fund"),
            )
            .await;
        assert_eq!(answer.error_code(), "BAD_USER_INPUT", "{issuer}");
        let problem = &answer.errors()[0]["extensions"]["details"]["problems"][0];
        assert_eq!(
            problem["code"], "sso_address_not_allowed",
            "{:#}",
            answer.body
        );
        assert_eq!(problem["field"], "issuer");
    }
    let none = app
        .graphql_for_tenant(
            "query { ssoSettings { version } }",
            json!({}),
            Some(&admin),
            Some("fund"),
        )
        .await;
    assert_eq!(none.data()["ssoSettings"], Value::Null, "nothing was saved");
    // Only the organisation's administrator configures it.
    let supervisor = app.login("fund.supervisor").await;
    let answer = app
        .graphql_for_tenant(
            SAVE,
            json!({ "input": settings(&provider.issuer, &["127.0.0.1"]) }),
            Some(&supervisor),
            Some("fund"),
        )
        .await;
    assert_eq!(answer.error_code(), "FORBIDDEN");
}

async fn a_return_address_that_is_not_relative_is_ignored(backend: Backend) {
    let Some(sso) = configured(backend).await else {
        return;
    };
    for (asked, landed) in [
        ("https://evil.example/o/fund/day", "/o/fund/day"),
        ("//evil.example/o/fund/day", "/o/fund/day"),
        ("/o/fund/cases", "/o/fund/cases"),
    ] {
        let client = browser();
        let authorize = sso.start(&client, Some(asked)).await;
        let callback = sso.at_provider(&client, &authorize, "anna").await;
        let answer = client.get(callback).send().await.unwrap();
        assert_eq!(answer.status(), 303);
        assert_eq!(location(&answer), landed, "asked for {asked}");
    }
}

async fn password_sign_in_is_refused_once_sso_is_required_except_for_break_glass_roles(
    backend: Backend,
) {
    let Some(sso) = configured(backend).await else {
        return;
    };
    // A curator's password no longer signs in: the fund requires single sign-on of curators.
    let answer = sso.app.try_login("anna.sso", "a long password 1").await;
    assert_eq!(answer.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        answer.errors()[0]["extensions"]["details"]["problems"][0]["code"],
        "sso_password_not_allowed"
    );
    let answer = sso
        .app
        .try_login("fund.curator", kurator_tests::app::DEMO_PASSWORD)
        .await;
    assert_eq!(answer.error_code(), "BAD_USER_INPUT");
    // A wrong password is still just wrong.
    let answer = sso.app.try_login("anna.sso", "not the password").await;
    assert_eq!(answer.error_code(), "UNAUTHENTICATED");
    // The administrator keeps a break-glass password.
    sso.app.login("fund.admin").await;
    // Once single sign-on is off, passwords sign in again.
    let removed = sso
        .app
        .graphql_for_tenant(
            "mutation { removeSsoSettings }",
            json!({}),
            Some(&sso.admin),
            Some("fund"),
        )
        .await;
    assert_eq!(removed.data()["removeSsoSettings"], true);
    sso.app.login("fund.curator").await;
}

async fn the_administrator_configures_single_sign_on_on_the_web_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let Some(provider) = OidcProvider::start(&format!("{}/login/sso/callback", app.address)).await
    else {
        return;
    };
    let admin = app.web_session("fund.admin").await;
    let url = format!("{}/o/fund/admin/sso", app.address);
    let page = admin.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Единый вход не настроен"), "{page}");
    assert!(page.contains(&format!("{}/login/sso/callback", app.address)));
    let token = kurator_tests::app::form_token(&page);
    let form = |allowlist: &'static str| {
        vec![
            ("_csrf", token.clone()),
            ("version", "0".to_owned()),
            ("label", "Keycloak фонда".to_owned()),
            ("issuer", provider.issuer.clone()),
            ("client_id", CLIENT_ID.to_owned()),
            ("client_secret", CLIENT_SECRET.to_owned()),
            ("email_claim", "email".to_owned()),
            ("name_claim", "name".to_owned()),
            ("allowed_domains", "fund.example".to_owned()),
            ("password_roles", "org_admin".to_owned()),
            ("password_roles", "supervisor".to_owned()),
            ("address_allowlist", allowlist.to_owned()),
        ]
    };
    // Without the allowlist the loopback provider is refused, in Russian, and nothing is saved.
    let answer = admin.post(&url).form(&form("")).send().await.unwrap();
    assert_eq!(answer.status(), 422);
    let page = answer.text().await.unwrap();
    assert!(page.contains("внутренний"), "{page}");
    let answer = admin
        .post(&url)
        .form(&form("127.0.0.1"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303, "{}", answer.text().await.unwrap());
    let page = admin.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Единый вход настроен"), "{page}");
    assert!(page.contains(&format!("{}/auth", provider.issuer)));
    assert!(!page.contains(CLIENT_SECRET), "the secret is never shown");
    // The fund's sign-in page offers it; a curator is not let onto the settings page.
    let login = app.get("/login?org=fund").await.text().await.unwrap();
    assert!(login.contains("Войти через Keycloak фонда"), "{login}");
    let curator = app.web_session("fund.supervisor").await;
    let answer = curator.get(&url).send().await.unwrap();
    assert_eq!(answer.status(), 403);
}

async fn an_existing_member_given_an_email_is_linked_at_the_first_sign_in(backend: Backend) {
    let Some(sso) = configured(backend).await else {
        return;
    };
    let members = sso
        .app
        .graphql_for_tenant(
            "query { members { id login } }",
            json!({}),
            Some(&sso.admin),
            Some("fund"),
        )
        .await;
    let id_of = |login: &str| {
        members.data()["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["login"] == login)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    const SET: &str = "mutation($u: ID!, $e: String) { setMemberEmail(userId: $u, email: $e) }";
    // The demo curator takes over the invitation of the SSO curator created by `configured`.
    let anna = id_of("anna.sso");
    sso.app
        .graphql_for_tenant(
            SET,
            json!({ "u": anna, "e": null }),
            Some(&sso.admin),
            Some("fund"),
        )
        .await
        .data();
    let curator = id_of("fund.curator");
    let set = sso
        .app
        .graphql_for_tenant(
            SET,
            json!({ "u": curator, "e": " Anna.Petrova@Fund.example " }),
            Some(&sso.admin),
            Some("fund"),
        )
        .await;
    assert_eq!(set.data()["setMemberEmail"], "anna.petrova@fund.example");
    let answer = sso.sign_in(&browser(), "anna").await;
    assert_eq!(answer.status(), 303);
    let token = session_cookie(&answer).unwrap();
    assert_eq!(me(&sso.app, &token).await["login"], "fund.curator");
    // A bad address is a coded problem; the curator, signed in, may not set one.
    let bad = sso
        .app
        .graphql_for_tenant(
            SET,
            json!({ "u": curator, "e": "no address" }),
            Some(&sso.admin),
            Some("fund"),
        )
        .await;
    assert_eq!(
        bad.errors()[0]["extensions"]["details"]["problems"][0]["code"],
        "email_invalid"
    );
    let answer = sso
        .app
        .graphql_for_tenant(
            SET,
            json!({ "u": curator, "e": null }),
            Some(&token),
            Some("fund"),
        )
        .await;
    assert_eq!(answer.error_code(), "FORBIDDEN");
}

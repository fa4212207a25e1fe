//! A running application and a client for it.

use crate::Backend;
use crate::graphql::GqlResponse;
use kurator_gateway::Application;
use kurator_platform::Settings;
use serde_json::{Value, json};
use std::sync::Once;

pub const DEMO_PASSWORD: &str = "kurator-demo";

pub struct TestApp {
    pub address: String,
    pub backend: Backend,
    pub client: reqwest::Client,
    pub banner: String,
    /// The running application's services, for what a client cannot see (statement counts).
    pub state: kurator_gateway::AppState,
    server: tokio::task::JoinHandle<()>,
}

static TELEMETRY: Once = Once::new();

fn init_test_logs() {
    TELEMETRY.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            let settings = Settings::defaults_with(json!({})).unwrap();
            if let Ok(guard) = kurator_platform::telemetry::init(&settings.telemetry) {
                std::mem::forget(guard);
            }
        }
    });
}

/// Starts the application on `backend` with the default settings.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, json!({})).await
}

/// Starts the application with `overrides` merged over the backend's settings.
pub async fn spawn_app_with(backend: Backend, overrides: Value) -> TestApp {
    init_test_logs();
    let mut settings = backend.settings_json();
    merge(&mut settings, overrides);
    let settings = Settings::defaults_with(settings).unwrap();
    let application = Application::build(settings).await.unwrap();
    let address = format!("http://127.0.0.1:{}", application.port());
    let banner = application.banner();
    let state = application.state().clone();
    let server = tokio::spawn(async move {
        let _ = application.run_until_stopped().await;
    });
    TestApp {
        address,
        backend,
        client: reqwest::Client::new(),
        banner,
        state,
        server,
    }
}

fn merge(base: &mut Value, overrides: Value) {
    match (base, overrides) {
        (Value::Object(base), Value::Object(overrides)) => {
            for (key, value) in overrides {
                merge(base.entry(key).or_insert(Value::Null), value);
            }
        }
        (base, value) => *base = value,
    }
}

impl TestApp {
    /// Stops serving; the data stays for another `spawn_app` on the same backend.
    pub async fn stop(self) -> Backend {
        self.server.abort();
        let _ = self.server.await;
        self.backend
    }

    pub async fn graphql(&self, query: &str, variables: Value, token: Option<&str>) -> GqlResponse {
        self.graphql_for_tenant(query, variables, token, None).await
    }

    pub async fn graphql_for_tenant(
        &self,
        query: &str,
        variables: Value,
        token: Option<&str>,
        tenant: Option<&str>,
    ) -> GqlResponse {
        self.graphql_with_headers(query, variables, token, tenant, &[])
            .await
    }

    /// Like [`TestApp::graphql_for_tenant`], with extra headers (e.g. `Accept-Language`).
    pub async fn graphql_with_headers(
        &self,
        query: &str,
        variables: Value,
        token: Option<&str>,
        tenant: Option<&str>,
        headers: &[(&str, &str)],
    ) -> GqlResponse {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(tenant) = tenant {
            request = request.header("X-Kurator-Tenant", tenant);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        GqlResponse::from_response(request.send().await.unwrap()).await
    }

    /// Signs in and returns the token; panics when sign-in fails.
    pub async fn login(&self, login: &str) -> String {
        let response = self.try_login(login, DEMO_PASSWORD).await;
        response.data()["login"]["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn try_login(&self, login: &str, password: &str) -> GqlResponse {
        self.graphql(
            "mutation($login: String!, $password: String!) {
                login(login: $login, password: $password) { token expiresAt }
            }",
            json!({ "login": login, "password": password }),
            None,
        )
        .await
    }

    /// The runtime of one tenant: its database handle, its statement counter.
    pub fn tenant_runtime(&self, slug: &str) -> std::sync::Arc<kurator_casework::TenantRuntime> {
        let slug = kurator_domain_slug(slug);
        self.state
            .inner
            .tenants
            .by_slug(&slug)
            .unwrap_or_else(|| panic!("no tenant {slug}"))
    }

    /// SQL statements run so far on one tenant's database.
    pub fn tenant_statements(&self, slug: &str) -> u64 {
        let slug = kurator_domain_slug(slug);
        self.state
            .inner
            .tenants
            .by_slug(&slug)
            .map(|t| t.statements_executed())
            .unwrap_or(0)
    }

    /// A browser-like client (cookies, no redirects followed) signed in as `login` through the
    /// web interface's sign-in form.
    pub async fn web_session(&self, login: &str) -> reqwest::Client {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = client
            .get(format!("{}/login", self.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let answer = client
            .post(format!("{}/login", self.address))
            .form(&[
                ("_csrf", form_token(&page).as_str()),
                ("login", login),
                ("password", DEMO_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 303, "signed in as {login}");
        client
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }
}

fn kurator_domain_slug(slug: &str) -> kurator_domain::TenantSlug {
    kurator_domain::TenantSlug::parse(slug).unwrap()
}

/// The form token of the last form on a page (the sign-in form comes after the language switch).
pub fn form_token(page: &str) -> String {
    let start = page.rfind("name=\"_csrf\" value=\"").unwrap() + 20;
    page[start..start + 64].to_owned()
}

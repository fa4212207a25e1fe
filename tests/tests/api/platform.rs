//! The platform around the API: health, request ids, GraphiQL, limits, coded errors, restarts.

use kurator_tests::app::spawn_app_with;
use kurator_tests::{Backend, spawn_app, suites};
use serde_json::json;

suites!(
    readiness_checks_every_database_and_the_cache_and_names_them_only_to_the_platform_administrator,
    every_response_carries_a_request_id,
    graphiql_is_served_outside_production_only,
    malformed_and_oversized_requests_get_coded_errors,
    queries_deeper_than_the_limit_are_refused,
    restarting_keeps_data_and_seeding_never_duplicates,
    demo_organisations_hold_example_work_at_different_stages,
    browsers_on_other_sites_are_let_in_only_from_allowed_origins,
);

async fn readiness_checks_every_database_and_the_cache_and_names_them_only_to_the_platform_administrator(
    backend: Backend,
) {
    let expected_cache = if backend.redis.is_some() {
        "cache:redis"
    } else {
        "cache:in-process"
    };
    let app = spawn_app(backend).await;
    assert_eq!(app.get("/health/live").await.status(), 200);

    // Anybody learns whether the replica is ready, and nothing more: the checks would name every
    // organisation on the platform.
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body, json!({ "status": "ready" }));
    let curator = app.login("fund.curator").await;
    let told = app
        .client
        .get(format!("{}/health/ready", app.address))
        .bearer_auth(&curator)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = told.json().await.unwrap();
    assert_eq!(body, json!({ "status": "ready" }));

    // The platform administrator is told what was checked.
    let admin = app.login("admin").await;
    let told = app
        .client
        .get(format!("{}/health/ready", app.address))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(told.status(), 200);
    let body: serde_json::Value = told.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    for check in [
        "control_plane",
        "tenant:fund",
        "tenant:volunteers",
        "tenant:state_centre",
        "tenant:clinic",
        expected_cache,
    ] {
        assert_eq!(body["checks"][check], "ok", "{check} in {body:#}");
    }
}

async fn every_response_carries_a_request_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.graphql("{ me { login } }", json!({}), None).await;
    let header = response.request_id.clone().expect("x-request-id header");
    assert_eq!(response.body["extensions"]["requestId"], header);
    let other = app.graphql("{ me { login } }", json!({}), None).await;
    assert_ne!(other.request_id, response.request_id);

    let health = app.get("/health/live").await;
    assert!(health.headers().contains_key("x-request-id"));
}

async fn graphiql_is_served_outside_production_only(backend: Backend) {
    let app = spawn_app(backend.clone()).await;
    let page = app.get("/graphql").await;
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("graphiql")
    );
    let backend = app.stop().await;

    // Production requires the key that seals stored secrets.
    let production = spawn_app_with(
        backend,
        json!({
            "environment": "production",
            "auth": { "secrets_key": "a3VyYXRvci10ZXN0LXNlY3JldHMta2V5LTMyYnl0ZXM=" },
        }),
    )
    .await;
    assert_eq!(production.get("/graphql").await.status(), 405);
    // And no introspection in production.
    let token = production.login("fund.admin").await;
    let introspection = production
        .graphql("{ __schema { types { name } } }", json!({}), Some(&token))
        .await;
    assert_eq!(
        introspection.body["data"]["__schema"],
        serde_json::Value::Null
    );
}

async fn malformed_and_oversized_requests_get_coded_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let url = format!("{}/graphql", app.address);

    let not_json = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{ this is not json")
        .send()
        .await
        .unwrap();
    assert!(not_json.status().is_success() || not_json.status().is_client_error());
    let body: serde_json::Value = not_json.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    let syntax = app.graphql("{ me { login ", json!({}), None).await;
    assert_eq!(syntax.error_code(), "BAD_USER_INPUT");

    let unknown_field = app.graphql("{ secrets }", json!({}), None).await;
    assert_eq!(unknown_field.error_code(), "BAD_USER_INPUT");

    let huge = "x".repeat(2 * 1024 * 1024);
    let oversized = app
        .client
        .post(&url)
        .json(&json!({ "query": "{ me { login } }", "variables": { "pad": huge } }))
        .send()
        .await
        .unwrap();
    assert_eq!(oversized.status(), 413);
    let body: serde_json::Value = oversized.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

async fn queries_deeper_than_the_limit_are_refused(backend: Backend) {
    let app = spawn_app_with(backend, json!({ "graphql": { "max_depth": 3 } })).await;
    let token = app.login("fund.curator").await;
    let shallow = app
        .graphql("{ me { login } }", json!({}), Some(&token))
        .await;
    assert!(shallow.errors().is_empty());
    let deep = app
        .graphql(
            "{ me { memberships { tenant { slug } } } }",
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(deep.error_code(), "BAD_USER_INPUT");
    assert_eq!(deep.body["data"], serde_json::Value::Null);
}

async fn restarting_keeps_data_and_seeding_never_duplicates(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("admin").await;
    let first = app
        .graphql("{ tenants { id slug } }", json!({}), Some(&admin))
        .await;
    let first = first.data()["tenants"].clone();
    assert_eq!(first.as_array().unwrap().len(), 4);
    let backend = app.stop().await;

    let again = spawn_app(backend).await;
    let admin = again.login("admin").await;
    let second = again
        .graphql("{ tenants { id slug } }", json!({}), Some(&admin))
        .await;
    // Same tenants with the same ids: nothing was seeded twice.
    assert_eq!(second.data()["tenants"], first);
    let curator = again.login("fund.curator").await;
    let me = again
        .graphql("{ me { memberships { role } } }", json!({}), Some(&curator))
        .await;
    assert_eq!(
        me.data()["me"]["memberships"],
        json!([{ "role": "curator" }])
    );
}

async fn demo_organisations_hold_example_work_at_different_stages(backend: Backend) {
    let with_examples = json!({ "demo": { "example_cases": true } });
    let app = spawn_app_with(backend, with_examples.clone()).await;
    let mut stages = std::collections::BTreeSet::new();
    let mut signals = 0;
    for tenant in ["fund", "volunteers", "state_centre", "clinic"] {
        let token = app.login(&format!("{tenant}.supervisor")).await;
        let answer = app
            .graphql_for_tenant(
                "{ cases { edges { node { stage { key } } } } signals { id } }",
                json!({}),
                Some(&token),
                Some(tenant),
            )
            .await;
        let data = answer.data();
        for edge in data["cases"]["edges"].as_array().unwrap() {
            stages.insert(format!(
                "{tenant}:{}",
                edge["node"]["stage"]["key"].as_str().unwrap()
            ));
        }
        signals += data["signals"].as_array().unwrap().len();
    }
    assert!(stages.len() >= 5, "{stages:?}");
    let backend = app.stop().await;

    // Restarting seeds nothing twice.
    let again = spawn_app_with(backend, with_examples).await;
    let mut after = 0;
    for tenant in ["fund", "volunteers", "state_centre", "clinic"] {
        let token = again.login(&format!("{tenant}.supervisor")).await;
        let answer = again
            .graphql_for_tenant("{ signals { id } }", json!({}), Some(&token), Some(tenant))
            .await;
        after += answer.data()["signals"].as_array().unwrap().len();
    }
    assert_eq!(after, signals);
}

/// A browser on another site may call the API only when its origin is configured: by default
/// CORS is closed, and an allowed origin is let in with the API's methods and headers only.
async fn browsers_on_other_sites_are_let_in_only_from_allowed_origins(backend: Backend) {
    async fn preflight(app: &kurator_tests::TestApp, origin: &str) -> reqwest::Response {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
            .await
            .unwrap()
    }
    let closed = spawn_app(backend.clone()).await;
    let answer = preflight(&closed, "https://partner.example").await;
    assert!(
        !answer.headers().contains_key("access-control-allow-origin"),
        "{:?}",
        answer.headers()
    );

    let open = spawn_app_with(
        backend,
        json!({ "server": { "cors_allowed_origins": ["https://partner.example"] } }),
    )
    .await;
    let answer = preflight(&open, "https://partner.example").await;
    assert_eq!(
        answer.headers()["access-control-allow-origin"],
        "https://partner.example"
    );
    let methods = answer.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        methods.contains("POST") && !methods.contains("DELETE"),
        "{methods}"
    );
    let answer = preflight(&open, "https://elsewhere.example").await;
    assert!(!answer.headers().contains_key("access-control-allow-origin"));
}

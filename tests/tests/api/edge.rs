//! The edge: rate limits per client address and overall for signing in and for the API (in this
//! process, and in Redis under the `redis` suite), failed logins held back however many arrive
//! at once, security headers on every answer, the request timeout and the concurrency limit.

use kurator_tests::app::{DEMO_PASSWORD, spawn_app_with};
use kurator_tests::{Backend, TestApp, suites};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

suites!(
    fifty_parallel_wrong_passwords_get_no_more_than_the_free_attempts_evaluated,
    an_unknown_login_past_its_free_attempts_is_refused_without_hashing,
    sign_ins_over_the_per_address_limit_get_429_with_retry_after,
    the_api_limit_holds_per_address_and_overall_behind_a_trusted_proxy,
    a_client_cannot_choose_its_address_without_a_trusted_proxy,
    every_answer_carries_the_security_headers,
    a_slow_request_gets_503_after_the_timeout,
    over_the_concurrency_limit_a_request_waits_its_turn,
);

const LOGIN: &str = "mutation($login: String!, $password: String!) {
    login(login: $login, password: $password) { token }
}";

fn limits(sign_in: (u32, u32), api: (u32, u32)) -> Value {
    json!({
        "server": {
            "rate_limit": {
                "sign_in": { "per_address": sign_in.0, "overall": sign_in.1, "window_seconds": 3600 },
                "api": { "per_address": api.0, "overall": api.1, "window_seconds": 3600 },
            },
        },
    })
}

fn problem_code(answer: &kurator_tests::GqlResponse) -> Value {
    answer.errors()[0]["extensions"]["details"]["problems"][0]["code"].clone()
}

async fn fifty_parallel_wrong_passwords_get_no_more_than_the_free_attempts_evaluated(
    backend: Backend,
) {
    let app = spawn_app_with(backend, json!({ "auth": { "throttle_free_attempts": 5 } })).await;
    let attempts = (0..50).map(|i| {
        let app = &app;
        async move { app.try_login("fund.curator", &format!("guess-{i}")).await }
    });
    let answers = futures::future::join_all(attempts).await;
    let evaluated = answers
        .iter()
        .filter(|a| a.error_code() == "UNAUTHENTICATED" && problem_code(a).is_null())
        .count();
    let refused = answers
        .iter()
        .filter(|a| problem_code(a) == "too_many_attempts")
        .count();
    assert_eq!(evaluated, 5, "wrong passwords checked");
    assert_eq!(refused, 45);
    // The right password is refused too while the login is held back.
    let right = app.try_login("fund.curator", DEMO_PASSWORD).await;
    assert_eq!(problem_code(&right), "too_many_attempts");
}

async fn an_unknown_login_past_its_free_attempts_is_refused_without_hashing(backend: Backend) {
    let app = spawn_app_with(backend, json!({ "auth": { "throttle_free_attempts": 3 } })).await;
    // The free attempts: an unknown login costs what a known one does (a hash is checked).
    let mut evaluated = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let answer = app.try_login("nobody.here", "guess").await;
        evaluated.push(started.elapsed());
        assert_eq!(answer.error_message(), "Неверный логин или пароль");
    }
    // Past them: refused at once, before the database is read or a hash computed.
    let mut refused = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let answer = app.try_login("nobody.here", "guess").await;
        refused.push(started.elapsed());
        assert_eq!(problem_code(&answer), "too_many_attempts");
    }
    evaluated.sort();
    refused.sort();
    let (evaluated, refused) = (evaluated[1], refused[5]);
    assert!(
        refused * 2 < evaluated,
        "a refusal took {refused:?}, a checked attempt {evaluated:?}"
    );
}

async fn sign_ins_over_the_per_address_limit_get_429_with_retry_after(backend: Backend) {
    let app = spawn_app_with(backend, limits((3, 100), (0, 0))).await;
    for _ in 0..3 {
        let answer = app
            .graphql(
                LOGIN,
                json!({ "login": "fund.curator", "password": DEMO_PASSWORD }),
                None,
            )
            .await;
        assert!(answer.errors().is_empty(), "{:#}", answer.body);
    }
    // The fourth sign-in from this address, through the API or the web form, is refused…
    let refused = post_login(&app, &[("Accept-Language", "en")]).await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "rate_limited");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Too many requests")
    );
    let web = app
        .client
        .post(format!("{}/login", app.address))
        .form(&[("login", "fund.curator"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(web.status(), 429);
    let body: Value = web.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Слишком много запросов")
    );
    // …while the API goes on answering: other requests are not sign-ins.
    let health = app.graphql("{ __typename }", json!({}), None).await;
    assert_eq!(health.status, 200);
    assert!(health.errors().is_empty(), "{:#}", health.body);
}

async fn post_login(app: &TestApp, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({
            "query": LOGIN,
            "variables": { "login": "fund.curator", "password": DEMO_PASSWORD },
        }));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

async fn api_call(app: &TestApp, forwarded_for: Option<&str>) -> u16 {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": "{ __typename }" }));
    if let Some(address) = forwarded_for {
        request = request.header("X-Forwarded-For", address);
    }
    request.send().await.unwrap().status().as_u16()
}

async fn the_api_limit_holds_per_address_and_overall_behind_a_trusted_proxy(backend: Backend) {
    let mut settings = limits((0, 0), (2, 5));
    settings["server"]["trusted_proxies"] = json!(["127.0.0.1"]);
    let app = spawn_app_with(backend, settings).await;
    // Per address: the client the proxy names, not the proxy.
    assert_eq!(api_call(&app, Some("198.51.100.1")).await, 200);
    assert_eq!(api_call(&app, Some("198.51.100.1")).await, 200);
    assert_eq!(api_call(&app, Some("198.51.100.1")).await, 429);
    // A forged entry to the left of what the proxy appended changes nothing.
    assert_eq!(api_call(&app, Some("203.0.113.5, 198.51.100.1")).await, 429);
    // Overall: five requests in the window from whoever; the sixth is refused.
    assert_eq!(api_call(&app, Some("198.51.100.2")).await, 200);
    assert_eq!(api_call(&app, Some("198.51.100.3")).await, 200);
    assert_eq!(api_call(&app, Some("198.51.100.4")).await, 200);
    assert_eq!(api_call(&app, Some("198.51.100.5")).await, 429);
    // Health checks are never limited.
    assert_eq!(app.get("/health/live").await.status(), 200);
}

async fn a_client_cannot_choose_its_address_without_a_trusted_proxy(backend: Backend) {
    let app = spawn_app_with(backend, limits((0, 0), (2, 0))).await;
    assert_eq!(api_call(&app, Some("198.51.100.1")).await, 200);
    assert_eq!(api_call(&app, Some("198.51.100.2")).await, 200);
    assert_eq!(api_call(&app, Some("198.51.100.3")).await, 429);
}

fn assert_security_headers(response: &reqwest::Response, what: &str, https: bool) {
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(headers["x-frame-options"], "DENY", "{what}");
    assert!(headers.contains_key("referrer-policy"), "{what}");
    assert!(headers.contains_key("content-security-policy"), "{what}");
    assert_eq!(
        headers.contains_key("strict-transport-security"),
        https,
        "{what}"
    );
}

async fn every_answer_carries_the_security_headers(backend: Backend) {
    let app = spawn_app_with(
        backend,
        json!({ "server": { "public_url": "https://kurator.example.kz" } }),
    )
    .await;
    for path in [
        "/health/live",
        "/health/ready",
        "/no/such/page",
        "/static/htmx.min.js",
        "/login",
    ] {
        let response = app.get(path).await;
        assert_security_headers(&response, path, true);
    }
    let api = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": "{ me { login } }" }))
        .send()
        .await
        .unwrap();
    assert_security_headers(&api, "graphql", true);
    assert_eq!(
        api.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    );
    let broken = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("Content-Type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_security_headers(&broken, "a broken request", true);

    // Without https, no Strict-Transport-Security.
    let backend = app.stop().await;
    let plain = spawn_app_with(backend, json!({})).await;
    assert_security_headers(&plain.get("/health/live").await, "http", false);
}

/// Opens a connection and starts a `/graphql` request whose body never finishes arriving.
async fn slow_request(app: &TestApp) -> tokio::net::TcpStream {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"query\":"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

async fn status_of(mut stream: tokio::net::TcpStream) -> String {
    let mut answer = vec![0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("an answer within ten seconds")
        .unwrap();
    String::from_utf8_lossy(&answer[..read])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

async fn a_slow_request_gets_503_after_the_timeout(backend: Backend) {
    let app = spawn_app_with(
        backend,
        json!({ "server": { "request_timeout_seconds": 1 } }),
    )
    .await;
    let started = Instant::now();
    let stream = slow_request(&app).await;
    let status = status_of(stream).await;
    assert!(status.contains(" 503 "), "{status}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "answered after {took:?}"
    );
}

async fn over_the_concurrency_limit_a_request_waits_its_turn(backend: Backend) {
    let app = spawn_app_with(
        backend,
        json!({ "server": { "request_timeout_seconds": 1, "max_concurrent_requests": 1 } }),
    )
    .await;
    // The one slot is taken by a request that will only end with the timeout…
    let started = Instant::now();
    let slow = slow_request(&app).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // …so the next one waits for it, then is served.
    let waiting = app.get("/health/live").await;
    assert_eq!(waiting.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "served after {:?}, before the slot was free",
        started.elapsed()
    );
    assert!(status_of(slow).await.contains(" 503 "));
    // With the slot free again, a request is served at once.
    let started = Instant::now();
    assert_eq!(app.get("/health/live").await.status(), 200);
    assert!(started.elapsed() < Duration::from_millis(900));
}

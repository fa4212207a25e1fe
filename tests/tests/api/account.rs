//! Signing in and out, `me` and `tenants`.

use kurator_tests::app::{DEMO_PASSWORD, form_token, spawn_app_with};
use kurator_tests::{Backend, spawn_app, suites};
use serde_json::json;
use std::time::{Duration, Instant};

suites!(
    a_demo_curator_signs_in_and_sees_themselves,
    a_wrong_password_and_an_unknown_account_get_the_same_answer,
    anonymous_callers_are_unauthenticated,
    logout_ends_the_session,
    tenants_lists_only_the_callers_organisations,
    repeated_failed_logins_are_refused_until_the_window_ends,
);

const ME: &str = "{ me { login displayName isPlatformAdmin memberships { role roleLabel tenant { slug name timeZone preset } } } }";

async fn a_demo_curator_signs_in_and_sees_themselves(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login("fund.curator").await;

    let me = app.graphql(ME, json!({}), Some(&token)).await;
    let me = &me.data()["me"];
    assert_eq!(me["login"], "fund.curator");
    assert_eq!(me["displayName"], "Анна Петрова");
    assert_eq!(me["isPlatformAdmin"], false);
    assert_eq!(
        me["memberships"],
        json!([{
            "role": "curator",
            "roleLabel": "Куратор случая",
            "tenant": {
                "slug": "fund",
                "name": "Благотворительный фонд «Дети наши»",
                "timeZone": "Europe/Moscow",
                "preset": "fund"
            }
        }])
    );
}

async fn a_wrong_password_and_an_unknown_account_get_the_same_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let wrong_password = app.try_login("fund.curator", "not-the-password").await;
    let unknown_account = app.try_login("nobody.here", DEMO_PASSWORD).await;
    let malformed_login = app.try_login("x", DEMO_PASSWORD).await;

    for response in [&wrong_password, &unknown_account, &malformed_login] {
        assert_eq!(response.status, 200);
        assert_eq!(response.error_code(), "UNAUTHENTICATED");
        assert_eq!(response.body["data"], serde_json::Value::Null);
    }
    // Same message, same shape: nothing tells whether "fund.curator" exists.
    assert_eq!(wrong_password.errors(), unknown_account.errors());
    assert_eq!(wrong_password.errors(), malformed_login.errors());
    assert_eq!(wrong_password.error_message(), "Неверный логин или пароль");
}

async fn anonymous_callers_are_unauthenticated(backend: Backend) {
    let app = spawn_app(backend).await;
    let no_token = app.graphql(ME, json!({}), None).await;
    assert_eq!(no_token.error_code(), "UNAUTHENTICATED");
    let forged = app.graphql(ME, json!({}), Some(&"ab".repeat(32))).await;
    assert_eq!(forged.error_code(), "UNAUTHENTICATED");
    let garbage = app.graphql(ME, json!({}), Some("not a token at all")).await;
    assert_eq!(garbage.error_code(), "UNAUTHENTICATED");
    let tenants = app.graphql("{ tenants { slug } }", json!({}), None).await;
    assert_eq!(tenants.error_code(), "UNAUTHENTICATED");
}

async fn logout_ends_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login("clinic.supervisor").await;
    assert!(
        app.graphql(ME, json!({}), Some(&token))
            .await
            .errors()
            .is_empty()
    );

    let logout = app
        .graphql("mutation { logout }", json!({}), Some(&token))
        .await;
    assert_eq!(logout.data()["logout"], true);

    let after = app.graphql(ME, json!({}), Some(&token)).await;
    assert_eq!(after.error_code(), "UNAUTHENTICATED");
}

async fn tenants_lists_only_the_callers_organisations(backend: Backend) {
    let app = spawn_app(backend).await;
    let query = "{ tenants { slug name } }";

    let curator = app.login("state_centre.curator").await;
    let visible = app.graphql(query, json!({}), Some(&curator)).await;
    assert_eq!(
        visible.data()["tenants"],
        json!([{ "slug": "state_centre", "name": "ОКУ «Льговский центр социальной помощи семье и детям «Доверие»" }])
    );

    let admin = app.login("admin").await;
    let all = app.graphql(query, json!({}), Some(&admin)).await;
    let slugs: Vec<_> = all.data()["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].clone())
        .collect();
    assert_eq!(
        slugs,
        [
            json!("clinic"),
            json!("fund"),
            json!("state_centre"),
            json!("volunteers")
        ]
    );
}

async fn repeated_failed_logins_are_refused_until_the_window_ends(backend: Backend) {
    let window = Duration::from_secs(4);
    let app = spawn_app_with(
        backend,
        json!({ "auth": { "throttle_free_attempts": 2, "throttle_window_seconds": window.as_secs() } }),
    )
    .await;
    let started = Instant::now();
    for _ in 0..2 {
        let wrong = app.try_login("volunteers.curator", "wrong").await;
        assert_eq!(wrong.error_code(), "UNAUTHENTICATED");
    }
    // The third attempt, even with the right password, is refused at once, not slowed down.
    let refused = app.try_login("volunteers.curator", DEMO_PASSWORD).await;
    assert_eq!(refused.error_code(), "UNAUTHENTICATED");
    assert_eq!(
        refused.errors()[0]["extensions"]["details"]["problems"][0]["code"],
        "too_many_attempts",
        "{:#}",
        refused.body
    );
    assert!(
        refused.errors()[0]["extensions"]["details"]["retryAfterSeconds"]
            .as_u64()
            .unwrap()
            >= 1
    );

    // The web form says so too.
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let page = browser
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let web = browser
        .post(format!("{}/login", app.address))
        .form(&[
            ("_csrf", form_token(&page).as_str()),
            ("login", "volunteers.curator"),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(web.status(), 429);
    assert!(
        web.text()
            .await
            .unwrap()
            .contains("Слишком много неудачных попыток входа")
    );

    // Another account is not affected by someone else's failures.
    let other = app.try_login("volunteers.supervisor", DEMO_PASSWORD).await;
    assert!(other.errors().is_empty(), "{:#}", other.body);

    // Once the window has passed the person signs in, and a success clears the count.
    tokio::time::sleep((window + Duration::from_millis(300)).saturating_sub(started.elapsed()))
        .await;
    let signed_in = app.try_login("volunteers.curator", DEMO_PASSWORD).await;
    assert!(signed_in.errors().is_empty(), "{:#}", signed_in.body);
    for _ in 0..2 {
        app.try_login("volunteers.curator", "wrong").await;
    }
    let after_success = app.try_login("volunteers.curator", "wrong").await;
    assert_eq!(
        after_success.errors()[0]["extensions"]["details"]["problems"][0]["code"],
        "too_many_attempts"
    );
}

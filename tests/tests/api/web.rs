//! The web interface's safety over plain HTTP: session cookies, form tokens, headers, no personal
//! data in addresses; and the API it relies on for offline visits (idempotent contacts, refusal
//! when the case changed meanwhile) and for "sign out everywhere".

use kurator_tests::app::form_token;
use kurator_tests::casework::{Worker, demo_family};
use kurator_tests::{Backend, TestApp, spawn_app, suites};
use serde_json::json;

suites!(
    pages_are_served_with_a_strict_policy_and_httponly_session,
    a_form_without_the_sessions_token_changes_nothing,
    a_retried_contact_is_recorded_once,
    a_contact_for_a_case_that_changed_meanwhile_is_refused,
    signing_out_everywhere_ends_every_session,
    case_lists_and_plans_export_to_excel,
);

async fn pages_are_served_with_a_strict_policy_and_httponly_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let login = app.get("/login").await;
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let csp = login.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let answer = client
        .post(format!("{}/login", app.address))
        .form(&[
            ("_csrf", form_token(&page).as_str()),
            ("login", "fund.curator"),
            ("password", kurator_tests::app::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let session = answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("kurator_session="))
        .unwrap();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    let day = client
        .get(format!("{}/o/fund/day", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(day.headers()["cache-control"], "no-store");
    let html = day.text().await.unwrap();
    // No inline script anywhere: every <script> has a source on this origin.
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script src=\"/static/").count()
    );
    // The case list's search is posted, never put in the address.
    let list = client
        .get(format!("{}/o/fund/cases", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("id=\"case-filters\" method=\"post\""),
        "{list}"
    );
}

async fn a_form_without_the_sessions_token_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let (curator, case) = curators_case(&app, "Токенов").await;
    let client = app.web_session("fund.curator").await;
    for token in [
        "",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let answer = client
            .post(format!("{}/o/fund/cases/{case}/visit", app.address))
            .form(&[
                ("_csrf", token),
                ("kind", "home_visit"),
                ("at", "2026-04-07T10:00"),
                ("notes", "подделка"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 403);
    }
    let records = curator
        .ok(
            "query($id: ID!) { case(id: $id) { records(kind: \"contact\") { id } } }",
            json!({ "id": case }),
        )
        .await;
    assert_eq!(records["case"]["records"], json!([]));
}

/// A fund family opened by the supervisor for `fund.curator`, who is returned with the case id.
async fn curators_case<'a>(app: &'a TestApp, surname: &str) -> (Worker<'a>, String) {
    let curator = Worker::sign_in(app, "fund.curator").await;
    let supervisor = Worker::sign_in(app, "fund.supervisor").await;
    let opened = supervisor
        .open_case(
            demo_family(surname),
            json!({}),
            "2026-04-06T07:00:00Z",
            Some(&curator.user_id),
        )
        .await;
    let case = opened.data()["openCase"]["id"].as_str().unwrap().to_owned();
    (curator, case)
}

const RECORD: &str = "mutation($c: ID!, $k: String, $seen: SeenCaseInput) {
  recordContact(caseId: $c, input: { kind: \"home_visit\", data: { notes: \"визит\" } },
                idempotencyKey: $k, seen: $seen) { id } }";

async fn a_retried_contact_is_recorded_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (curator, case) = curators_case(&app, "Повторов").await;
    let first = curator
        .ok(RECORD, json!({ "c": case, "k": "visit-1" }))
        .await;
    let again = curator
        .ok(RECORD, json!({ "c": case, "k": "visit-1" }))
        .await;
    assert_eq!(first["recordContact"]["id"], again["recordContact"]["id"]);
    let other = curator
        .ok(RECORD, json!({ "c": case, "k": "visit-2" }))
        .await;
    assert_ne!(first["recordContact"]["id"], other["recordContact"]["id"]);
    let records = curator
        .ok(
            "query($id: ID!) { case(id: $id) { records(kind: \"contact\") { id } } }",
            json!({ "id": case }),
        )
        .await;
    assert_eq!(records["case"]["records"].as_array().unwrap().len(), 2);
}

async fn a_contact_for_a_case_that_changed_meanwhile_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (curator, case) = curators_case(&app, "Переменов").await;
    let now = curator
        .ok(
            "query($id: ID!) { case(id: $id) { status stage { key } } }",
            json!({ "id": case }),
        )
        .await["case"]
        .clone();
    assert_ne!(now["stage"]["key"], "first_visit");
    // The phone saw another stage: the case has moved on since.
    let refused = curator
        .gql(
            RECORD,
            json!({ "c": case, "k": "late-1", "seen": { "stage": "first_visit", "status": "intake" } }),
        )
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT", "{:#}", refused.body);
    assert_eq!(
        refused.errors()[0]["extensions"]["details"]["problems"][0]["code"],
        "case_changed_meanwhile"
    );
    let records = curator
        .ok(
            "query($id: ID!) { case(id: $id) { records(kind: \"contact\") { id } } }",
            json!({ "id": case }),
        )
        .await;
    assert_eq!(records["case"]["records"], json!([]), "nothing written");
    // Sent again with what the case is now (the person chose to), it is recorded.
    let sent = curator
        .gql(
            RECORD,
            json!({ "c": case, "k": "late-1", "seen": { "stage": now["stage"]["key"], "status": now["status"] } }),
        )
        .await;
    assert!(sent.errors().is_empty(), "{:#}", sent.body);
}

async fn signing_out_everywhere_ends_every_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = app.login("fund.curator").await;
    let desk = app.login("fund.curator").await;
    let other = app.login("fund.supervisor").await;
    let ended = app
        .graphql("mutation { logoutEverywhere }", json!({}), Some(&phone))
        .await;
    assert!(ended.errors().is_empty(), "{:#}", ended.body);
    for token in [&phone, &desk] {
        let me = app.graphql("{ me { id } }", json!({}), Some(token)).await;
        assert_eq!(me.error_code(), "UNAUTHENTICATED");
    }
    let me = app.graphql("{ me { id } }", json!({}), Some(&other)).await;
    assert!(me.errors().is_empty(), "another person's session goes on");
    // A new sign-in works again.
    let again = app.login("fund.curator").await;
    let me = app.graphql("{ me { id } }", json!({}), Some(&again)).await;
    assert!(me.errors().is_empty());
}

async fn case_lists_and_plans_export_to_excel(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_curator, case) = curators_case(&app, "Выгрузкин").await;
    let client = app.web_session("fund.curator").await;
    let list = client
        .get(format!("{}/o/fund/cases", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = form_token(&list);
    let export = client
        .post(format!("{}/o/fund/cases/export.xlsx", app.address))
        .form(&[("_csrf", token.as_str()), ("mine", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    assert_eq!(
        export.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = export.bytes().await.unwrap();
    // An XLSX file is a zip archive: it starts with the local file header «PK\x03\x04».
    assert_eq!(&bytes[..4], b"PK\x03\x04");
    // Without the form's token there is no export.
    let refused = client
        .post(format!("{}/o/fund/cases/export.xlsx", app.address))
        .form(&[("mine", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let plan = client
        .get(format!("{}/o/fund/cases/{case}/plan.xlsx", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(plan.status(), 200);
    assert_eq!(&plan.bytes().await.unwrap()[..4], b"PK\x03\x04");
    // Another organisation's person gets nothing.
    let other = app.web_session("clinic.curator").await;
    let foreign = other
        .get(format!("{}/o/fund/cases/{case}/plan.xlsx", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 404);
}

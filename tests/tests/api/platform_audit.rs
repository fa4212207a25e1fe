//! The platform's own audit trail (журнал действий платформы): a change made on the platform as a
//! whole — a methodologist of the platform appointed or relieved, an organisation created,
//! suspended or resumed — is written to it with the change, with who made it and the values
//! before and after; only platform administrators read it, newest first, a page at a time; and a
//! change whose record cannot be written does not happen.

use chrono::{DateTime, Utc};
use kurator_tests::app::{DEMO_PASSWORD, form_token};
use kurator_tests::{Backend, GqlResponse, TestApp, db_suites, spawn_app};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::collections::HashSet;

db_suites!(
    appointing_and_relieving_a_methodologist_of_the_platform_is_in_its_trail_with_who_and_before_and_after,
    creating_suspending_and_resuming_an_organisation_is_in_the_platform_trail_and_in_its_own,
    only_platform_administrators_read_the_platform_trail,
    the_trail_is_paged_newest_first_and_every_entry_comes_once,
    a_change_whose_record_cannot_be_written_does_not_happen,
    the_platform_trail_page_lists_changes_for_the_platform_administrator_only,
);

const TRAIL: &str = "query($first: Int, $after: String) {
    platformAuditTrail(first: $first, after: $after) {
        entries { id at actorId actorLogin action entity entityId before after requestId }
        pageInfo { hasNextPage endCursor }
    } }";

const SET_METHODOLOGIST: &str = "mutation($login: String!, $on: Boolean!) {
    setPlatformMethodologist(login: $login, methodologist: $on) { id login methodologist } }";

async fn trail(app: &TestApp, token: &str, first: Option<i64>, after: Option<&str>) -> GqlResponse {
    app.graphql(
        TRAIL,
        json!({ "first": first, "after": after }),
        Some(token),
    )
    .await
}

/// Every entry of the trail, newest first, read in one page.
async fn entries(app: &TestApp, token: &str) -> Vec<Value> {
    let answer = trail(app, token, Some(100), None).await;
    answer.data()["platformAuditTrail"]["entries"]
        .as_array()
        .unwrap()
        .clone()
}

fn at(entry: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(entry["at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn json_text(value: &Value) -> Value {
    serde_json::from_str(
        value
            .as_str()
            .unwrap_or_else(|| panic!("JSON text: {value}")),
    )
    .unwrap()
}

fn problem_code(answer: &GqlResponse) -> String {
    assert_eq!(answer.error_code(), "BAD_USER_INPUT", "{:#}", answer.body);
    answer.errors()[0]["extensions"]["details"]["problems"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn set_methodologist(app: &TestApp, token: &str, login: &str, on: bool) -> GqlResponse {
    app.graphql(
        SET_METHODOLOGIST,
        json!({ "login": login, "on": on }),
        Some(token),
    )
    .await
}

async fn my_id(app: &TestApp, token: &str) -> Value {
    app.graphql("{ me { id } }", json!({}), Some(token))
        .await
        .data()["me"]["id"]
        .clone()
}

async fn appointing_and_relieving_a_methodologist_of_the_platform_is_in_its_trail_with_who_and_before_and_after(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.login("admin").await;
    let admin_id = my_id(&app, &admin).await;
    assert_eq!(entries(&app, &admin).await, Vec::<Value>::new());

    let granted = set_methodologist(&app, &admin, "fund.curator", true).await;
    let curator_id = granted.data()["setPlatformMethodologist"]["id"].clone();
    let taken = set_methodologist(&app, &admin, "fund.curator", false).await;
    assert!(taken.errors().is_empty(), "{:#}", taken.body);
    // Asking for what already holds changes nothing and writes nothing.
    let again = set_methodologist(&app, &admin, "fund.curator", false).await;
    assert!(again.errors().is_empty(), "{:#}", again.body);

    let trail = entries(&app, &admin).await;
    assert_eq!(trail.len(), 2, "{trail:#?}");
    let (revoke, grant) = (&trail[0], &trail[1]);
    assert_eq!(grant["action"], "platform_methodologist.grant");
    assert_eq!(revoke["action"], "platform_methodologist.revoke");
    for (entry, answer, was, is) in [
        (grant, &granted, false, true),
        (revoke, &taken, true, false),
    ] {
        assert_eq!(entry["actorId"], admin_id);
        assert_eq!(entry["actorLogin"], "admin");
        assert_eq!(entry["entity"], "user");
        assert_eq!(entry["entityId"], curator_id);
        assert_eq!(
            json_text(&entry["before"]),
            json!({ "login": "fund.curator", "platformMethodologist": was })
        );
        assert_eq!(
            json_text(&entry["after"]),
            json!({ "login": "fund.curator", "platformMethodologist": is })
        );
        assert_eq!(entry["requestId"].as_str(), answer.request_id.as_deref());
    }
    assert!(at(revoke) >= at(grant));
}

fn sixth() -> Value {
    json!({
        "slug": "sixth",
        "names": { "ru": "Центр «Шестой»", "kk": "«Алтыншы» орталығы", "en": "Centre Six" },
        "variant": { "template": "volunteers" },
        "firstAdmin": {
            "login": "sixth.head",
            "displayName": "Ирина Шестакова",
            "password": DEMO_PASSWORD
        }
    })
}

async fn creating_suspending_and_resuming_an_organisation_is_in_the_platform_trail_and_in_its_own(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.login("admin").await;
    let admin_id = my_id(&app, &admin).await;
    let created = app
        .graphql(
            "mutation($input: NewOrganisationInput!) {
                createOrganisation(input: $input) { organisation { id } firstAdminId } }",
            json!({ "input": sixth() }),
            Some(&admin),
        )
        .await;
    let organisation = created.data()["createOrganisation"]["organisation"]["id"].clone();
    let first_admin = created.data()["createOrganisation"]["firstAdminId"].clone();
    for mutation in [
        "suspendOrganisation",
        "suspendOrganisation",
        "resumeOrganisation",
    ] {
        let changed = app
            .graphql(
                &format!("mutation {{ {mutation}(slug: \"sixth\") {{ suspended }} }}"),
                json!({}),
                Some(&admin),
            )
            .await;
        assert!(changed.errors().is_empty(), "{:#}", changed.body);
    }
    // Suspending what is already suspended changes nothing and writes nothing.
    let trail = entries(&app, &admin).await;
    let actions: Vec<&str> = trail
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "organisation.resume",
            "organisation.suspend",
            "organisation.create"
        ]
    );
    for entry in &trail {
        assert_eq!(entry["entity"], "organisation");
        assert_eq!(entry["entityId"], organisation);
        assert_eq!(entry["actorId"], admin_id);
        assert_eq!(entry["actorLogin"], "admin");
    }
    let create = &trail[2];
    assert_eq!(create["before"], Value::Null);
    let after = json_text(&create["after"]);
    assert_eq!(after["slug"], "sixth");
    assert_eq!(after["firstAdmin"], first_admin);
    assert_eq!(after["accountCreated"], true);
    assert_eq!(create["requestId"].as_str(), created.request_id.as_deref());
    assert_eq!(
        json_text(&trail[1]["before"]),
        json!({ "slug": "sixth", "suspended": false })
    );
    assert_eq!(
        json_text(&trail[1]["after"]),
        json!({ "slug": "sixth", "suspended": true })
    );
    assert_eq!(
        json_text(&trail[0]["after"]),
        json!({ "slug": "sixth", "suspended": false })
    );

    // The organisation's own trail keeps its records as before.
    let head = app.login("sixth.head").await;
    let own = app
        .graphql_for_tenant(
            "{ auditLog { action entityId } }",
            json!({}),
            Some(&head),
            Some("sixth"),
        )
        .await;
    let own: Vec<&str> = own.data()["auditLog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "organisation.create",
        "organisation.suspend",
        "organisation.resume",
    ] {
        assert!(own.contains(&action), "{action} in {own:?}");
    }
}

async fn only_platform_administrators_read_the_platform_trail(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("admin").await;
    let granted = set_methodologist(&app, &admin, "fund.curator", true).await;
    let granted_id = granted.data()["setPlatformMethodologist"]["id"].clone();
    for login in [
        "methodologist",
        "fund.admin",
        "fund.supervisor",
        "fund.curator",
    ] {
        let token = app.login(login).await;
        let refused = trail(&app, &token, None, None).await;
        assert_eq!(
            refused.error_code(),
            "FORBIDDEN",
            "{login}: {:#}",
            refused.body
        );
        assert_eq!(refused.body["data"], Value::Null, "{login}");
        // Named organisation or not.
        let refused = app
            .graphql_for_tenant(TRAIL, json!({}), Some(&token), Some("fund"))
            .await;
        assert_eq!(refused.error_code(), "FORBIDDEN", "{login}");
        // Nor do they appoint anybody.
        let refused = set_methodologist(&app, &token, "fund.specialist", true).await;
        assert_eq!(refused.error_code(), "FORBIDDEN", "{login}");
    }
    // The one change made is the only one recorded.
    let recorded = entries(&app, &admin).await;
    assert_eq!(recorded.len(), 1, "{recorded:#?}");
    assert_eq!(recorded[0]["entityId"], granted_id);
    let anonymous = app.graphql(TRAIL, json!({}), None).await;
    assert_eq!(anonymous.error_code(), "UNAUTHENTICATED");
    // Refused before anything else: a bad cursor is not even looked at.
    let methodologist = app.login("methodologist").await;
    let refused = trail(&app, &methodologist, Some(0), Some("nonsense")).await;
    assert_eq!(refused.error_code(), "FORBIDDEN");
}

async fn the_trail_is_paged_newest_first_and_every_entry_comes_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("admin").await;
    // Eleven changes: on and off, for three people.
    for round in 0..4 {
        for login in ["fund.curator", "fund.supervisor", "clinic.curator"] {
            if round == 3 && login == "clinic.curator" {
                continue;
            }
            let on = round % 2 == 0;
            let answer = set_methodologist(&app, &admin, login, on).await;
            assert!(answer.errors().is_empty(), "{:#}", answer.body);
        }
    }
    let all = entries(&app, &admin).await;
    assert_eq!(all.len(), 11);

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let answer = trail(&app, &admin, Some(3), after.as_deref()).await;
        let page = &answer.data()["platformAuditTrail"];
        let entries = page["entries"].as_array().unwrap();
        assert!(entries.len() <= 3);
        seen.extend(entries.iter().map(|e| e["id"].clone()));
        pages += 1;
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = Some(page["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
        assert!(pages < 10, "the pages never end");
    }
    assert_eq!(pages, 4);
    let ids: Vec<Value> = all.iter().map(|e| e["id"].clone()).collect();
    assert_eq!(seen, ids, "every entry once, newest first");
    assert_eq!(
        seen.iter()
            .map(|v| v.to_string())
            .collect::<HashSet<_>>()
            .len(),
        11
    );
    let times: Vec<_> = all.iter().map(at).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");

    // A cursor that is no cursor, or names no entry, is refused; so is a page out of range.
    for cursor in ["not-a-cursor", "0196b4a2-0000-7000-8000-000000000000", ""] {
        let refused = trail(&app, &admin, Some(3), Some(cursor)).await;
        assert_eq!(problem_code(&refused), "unknown_cursor", "{cursor}");
        assert_eq!(
            refused.errors()[0]["extensions"]["details"]["problems"][0]["field"],
            "after"
        );
    }
    for first in [0, -1, 101] {
        let refused = trail(&app, &admin, Some(first), None).await;
        assert_eq!(problem_code(&refused), "page_size_out_of_range", "{first}");
    }
    let most = trail(&app, &admin, Some(100), None).await;
    assert!(most.errors().is_empty());
}

async fn control_database(backend: &Backend) -> DatabaseConnection {
    Database::connect(backend.control_url()).await.unwrap()
}

/// Makes the platform's trail refuse every new entry (`true`), or accept them again.
async fn refuse_trail_writes(db: &DatabaseConnection, refuse: bool) {
    let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    let statements: &[&str] = match (postgres, refuse) {
        (false, true) => &[
            "CREATE TRIGGER refuse_trail BEFORE INSERT ON platform_audit \
             BEGIN SELECT RAISE(ABORT, 'the platform trail is unavailable'); END",
        ],
        (false, false) => &["DROP TRIGGER refuse_trail"],
        (true, true) => &[
            "CREATE FUNCTION refuse_trail() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'the platform trail is unavailable'; END $$",
            "CREATE TRIGGER refuse_trail BEFORE INSERT ON platform_audit \
             FOR EACH ROW EXECUTE FUNCTION refuse_trail()",
        ],
        (true, false) => &[
            "DROP TRIGGER refuse_trail ON platform_audit",
            "DROP FUNCTION refuse_trail()",
        ],
    };
    for statement in statements {
        db.execute_unprepared(statement).await.unwrap();
    }
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
}

async fn a_change_whose_record_cannot_be_written_does_not_happen(backend: Backend) {
    let app = spawn_app(backend.clone()).await;
    let control = control_database(&backend).await;
    let admin = app.login("admin").await;
    let methodologists = "SELECT count(*) FROM users \
         WHERE login = 'fund.curator' AND is_platform_methodologist";

    refuse_trail_writes(&control, true).await;
    let refused = set_methodologist(&app, &admin, "fund.curator", true).await;
    assert!(!refused.errors().is_empty(), "{:#}", refused.body);
    assert_eq!(count(&control, methodologists).await, 0);
    let refused = app
        .graphql(
            "mutation { suspendOrganisation(slug: \"volunteers\") { suspended } }",
            json!({}),
            Some(&admin),
        )
        .await;
    assert!(!refused.errors().is_empty(), "{:#}", refused.body);
    assert_eq!(
        count(
            &control,
            "SELECT count(*) FROM tenants WHERE slug = 'volunteers' AND suspended_at IS NOT NULL"
        )
        .await,
        0
    );
    // Nor does its record for the organisation's own trail wait in the outbox.
    assert_eq!(
        count(
            &control,
            "SELECT count(*) FROM audit_outbox WHERE action = 'organisation.suspend'"
        )
        .await,
        0
    );

    refuse_trail_writes(&control, false).await;
    let granted = set_methodologist(&app, &admin, "fund.curator", true).await;
    assert!(granted.errors().is_empty(), "{:#}", granted.body);
    assert_eq!(count(&control, methodologists).await, 1);
    assert_eq!(
        count(&control, "SELECT count(*) FROM platform_audit").await,
        1
    );
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let answer = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}

/// The `href` of the page's «Далее» link, unescaped.
fn next_link(shown: &str) -> Option<String> {
    let start = shown.find("rel=\"next\" href=\"")? + 17;
    let end = start + shown[start..].find('"')?;
    Some(shown[start..end].replace("&amp;", "&"))
}

async fn the_platform_trail_page_lists_changes_for_the_platform_administrator_only(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.web_session("admin").await;
    let (status, platform) = page(&admin, &app, "/platform").await;
    assert_eq!(status, 200);
    assert!(platform.contains("href=\"/platform/audit\""), "{platform}");
    let (status, empty) = page(&admin, &app, "/platform/audit").await;
    assert_eq!(status, 200);
    assert!(empty.contains("Журнал действий платформы"), "{empty}");
    assert!(empty.contains("Записей пока нет"));

    // Fifty-one changes, made on the platform page's own form: one page of fifty, then one more.
    let token = form_token(&platform);
    for n in 0..51 {
        let on = if n % 2 == 0 { "true" } else { "false" };
        let answer = admin
            .post(format!("{}/platform/methodologists", app.address))
            .form(&[
                ("_csrf", token.as_str()),
                ("login", "fund.curator"),
                ("methodologist", on),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 303);
    }
    let (status, first) = page(&admin, &app, "/platform/audit").await;
    assert_eq!(status, 200);
    assert!(first.contains("Назначен методист платформы"), "{first}");
    assert!(first.contains("Снята роль методиста платформы"));
    assert!(first.contains("fund.curator"));
    assert_eq!(first.matches("<code>platform_methodologist.").count(), 50);
    // Newest first: the last change (the 51st, a grant) heads the list.
    let newest = first.find("platform_methodologist.grant").unwrap();
    assert!(newest < first.find("platform_methodologist.revoke").unwrap());
    assert!(first.contains("Далее"));
    let next = next_link(&first).expect("a link to the next page");
    let (status, second) = page(&admin, &app, &next).await;
    assert_eq!(status, 200);
    assert_eq!(second.matches("<code>platform_methodologist.").count(), 1);
    assert!(next_link(&second).is_none(), "the last page has no «Далее»");

    // Nobody else has this page.
    for login in ["fund.curator", "fund.admin", "methodologist"] {
        let other = app.web_session(login).await;
        let (status, _) = page(&other, &app, "/platform/audit").await;
        assert_eq!(status, 403, "{login}");
    }
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/platform/audit", app.address))
        .send()
        .await
        .unwrap();
    assert_ne!(anonymous.status(), 200);
}

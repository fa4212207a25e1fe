//! The platform administrator runs organisations while the platform runs: a sixth organisation
//! is created from a template or from a file of its own and serves requests at once — on this
//! replica and on another one — with its own database, first version of its method and first
//! administrator; a suspended one is closed to everybody and keeps its data; bad input is refused
//! with every reason and nothing is made.

use kurator_tests::app::DEMO_PASSWORD;
use kurator_tests::casework::{Worker, demo_family};
use kurator_tests::{Backend, GqlResponse, TestApp, db_suites, spawn_app};
use serde_json::{Value, json};

db_suites!(
    a_sixth_organisation_created_by_the_platform_administrator_serves_requests_at_once,
    an_organisation_starts_from_a_variant_file_of_its_own,
    a_suspended_organisation_is_closed_to_everybody_and_keeps_its_data,
    bad_organisations_are_refused_with_every_reason_and_nothing_is_made,
);

const CREATE: &str = "mutation($input: NewOrganisationInput!) {
    createOrganisation(input: $input) {
        organisation { id slug name nameKk nameEn timeZone preset placement suspended }
        firstAdminId accountCreated
    } }";
const ORGANISATIONS: &str = "{ organisations { slug placement suspended } }";

fn sixth(template: &str) -> Value {
    json!({
        "slug": "sixth",
        "names": {
            "ru": "Центр «Шестой»",
            "kk": "«Алтыншы» орталығы",
            "en": "Centre Six"
        },
        "variant": { "template": template },
        "firstAdmin": {
            "login": "sixth.head",
            "displayName": "Ирина Шестакова",
            "password": DEMO_PASSWORD
        }
    })
}

async fn platform_admin(app: &TestApp) -> String {
    app.login("admin").await
}

async fn create(app: &TestApp, token: &str, input: Value) -> GqlResponse {
    app.graphql(CREATE, json!({ "input": input }), Some(token))
        .await
}

fn codes(response: &GqlResponse) -> Vec<(String, Option<String>)> {
    let mut out: Vec<_> = response.errors()[0]["extensions"]["details"]["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("problems in {:#}", response.body))
        .iter()
        .map(|p| {
            (
                p["code"].as_str().unwrap_or_default().to_owned(),
                p["field"].as_str().map(str::to_owned),
            )
        })
        .collect();
    out.sort();
    out
}

async fn slugs(app: &TestApp, token: &str) -> Vec<String> {
    let listed = app.graphql(ORGANISATIONS, json!({}), Some(token)).await;
    assert!(listed.errors().is_empty(), "{:#}", listed.body);
    listed.data()["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["slug"].as_str().unwrap().to_owned())
        .collect()
}

/// The signal a centre's curator registers about a family and its head accepts: a case under the
/// organisation's first version of the state centre's method.
async fn accepted_case(curator: &Worker<'_>, head: &Worker<'_>, surname: &str) -> String {
    let registered = curator
        .register_signal(json!({
            "receivedAt": "2026-03-02T07:00:00Z",
            "source": "school",
            "channel": "call",
            "requester": { "name": "Социальный педагог школы №1", "relation": "педагог" },
            "subject": { "name": format!("{surname} Илья"), "birthDate": "2018-02-03", "sex": "m", "address": "г. Курск" },
            "parents": { "mother": { "name": format!("{surname}а Анна"), "whereabouts": "г. Курск", "occupation": "продавец" } },
            "grounds": "Ребёнок приходит в школу голодным",
            "followUp": "Посещение семьи специалистом центра",
            "triage": { "classifications": [{ "key": "family_category", "value": "tzhs" }] }
        }))
        .await;
    assert!(registered.errors().is_empty(), "{:#}", registered.body);
    let signal = registered.data()["registerSignal"]["id"].as_str().unwrap();
    let decided = head
        .decide_signal(
            signal,
            1,
            json!({ "kind": "ACCEPT", "family": demo_family(surname) }),
            "2026-03-02T09:00:00Z",
        )
        .await;
    assert!(decided.errors().is_empty(), "{:#}", decided.body);
    decided.data()["decideSignal"]["caseId"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn a_sixth_organisation_created_by_the_platform_administrator_serves_requests_at_once(
    backend: Backend,
) {
    let app = spawn_app(backend.clone()).await;
    // A second replica over the same databases, started before the organisation exists.
    let other = spawn_app(backend).await;
    let admin = platform_admin(&app).await;

    let placements = app
        .graphql("{ placements { name label } }", json!({}), Some(&admin))
        .await;
    assert_eq!(placements.data()["placements"][0]["name"], "default");

    let created = create(&app, &admin, sixth("state_centre")).await;
    assert!(created.errors().is_empty(), "{:#}", created.body);
    let made = &created.data()["createOrganisation"];
    assert_eq!(made["organisation"]["slug"], "sixth");
    assert_eq!(made["organisation"]["nameKk"], "«Алтыншы» орталығы");
    assert_eq!(made["organisation"]["preset"], "state_centre");
    assert_eq!(made["organisation"]["placement"], "default");
    assert_eq!(made["organisation"]["timeZone"], "Europe/Moscow");
    assert_eq!(made["accountCreated"], true);
    assert!(slugs(&app, &admin).await.contains(&"sixth".to_owned()));

    // Its first administrator signs in and works there at once: takes on a curator, who
    // registers a signal that the head accepts as a case under the organisation's own method.
    let head = Worker::sign_in(&app, "sixth.head").await;
    assert_eq!(head.tenant, "sixth");
    let member = head
        .gql(
            "mutation($p: String!) { createMember(login: \"sixth.curator\", displayName: \"Олег Шестов\",
                password: $p, role: CURATOR) { id } }",
            json!({ "p": DEMO_PASSWORD }),
        )
        .await;
    assert!(member.errors().is_empty(), "{:#}", member.body);
    let curator = Worker::sign_in(&app, "sixth.curator").await;
    let case_id = accepted_case(&curator, &head, "Шестаков").await;
    let card = head.case(&case_id, "2026-03-03T09:00:00Z").await;
    assert_eq!(card["variantVersion"], 1);
    assert_eq!(card["status"], "open");

    // The other replica had never heard of it: it serves it on the first request.
    let there = Worker::sign_in(&other, "sixth.head").await;
    assert_eq!(there.tenant, "sixth");
    let same = there.case(&case_id, "2026-03-03T09:00:00Z").await;
    assert_eq!(same["id"], case_id.as_str());

    // The creation is the first entry of the organisation's own audit trail.
    let trail = head
        .ok(
            "{ auditLog(action: \"organisation.create\") { action actorId } }",
            json!({}),
        )
        .await;
    let actions: Vec<&str> = trail["auditLog"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"organisation.create"), "{actions:?}");

    // Nobody else has any role there.
    let fund_admin = Worker::sign_in(&app, "fund.admin").await;
    let refused = fund_admin
        .gql_as_tenant("sixth", "{ cases(first: 5) { totalCount } }", json!({}))
        .await;
    assert_eq!(refused.error_code(), "FORBIDDEN");
    // And only the platform administrator creates organisations.
    let mut seventh = sixth("fund");
    seventh["slug"] = json!("seventh");
    let refused = create(&app, &fund_admin.token, seventh).await;
    assert_eq!(refused.error_code(), "FORBIDDEN");
}

async fn an_organisation_starts_from_a_variant_file_of_its_own(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = platform_admin(&app).await;
    let school =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/school.toml")).unwrap();
    let mut input = sixth("");
    input["variant"] = json!({ "document": school, "format": "TOML" });
    // The head already works elsewhere: the existing account gets the role, keeping its password.
    input["firstAdmin"] = json!({ "login": "clinic.admin" });
    input["timeZone"] = json!("Asia/Aqtobe");
    let created = create(&app, &admin, input).await;
    assert!(created.errors().is_empty(), "{:#}", created.body);
    let made = &created.data()["createOrganisation"];
    assert_eq!(made["organisation"]["preset"], "uploaded:school_service");
    assert_eq!(made["organisation"]["timeZone"], "Asia/Aqtobe");
    assert_eq!(made["accountCreated"], false);

    let head = Worker::sign_in(&app, "clinic.admin").await;
    let variant = head
        .gql_as_tenant("sixth", "{ variant { key version timeZone } }", json!({}))
        .await;
    assert!(variant.errors().is_empty(), "{:#}", variant.body);
    assert_eq!(variant.data()["variant"]["key"], "school_service");
    assert_eq!(variant.data()["variant"]["timeZone"], "Asia/Aqtobe");
    // Still the clinic's administrator too.
    let clinic = head
        .gql_as_tenant("clinic", "{ variant { key } }", json!({}))
        .await;
    assert!(clinic.errors().is_empty(), "{:#}", clinic.body);
}

async fn a_suspended_organisation_is_closed_to_everybody_and_keeps_its_data(backend: Backend) {
    let app = spawn_app(backend.clone()).await;
    let admin = platform_admin(&app).await;
    let created = create(&app, &admin, sixth("state_centre")).await;
    assert!(created.errors().is_empty(), "{:#}", created.body);
    let head = Worker::sign_in(&app, "sixth.head").await;
    head.gql(
        "mutation($p: String!) { createMember(login: \"sixth.curator\", displayName: \"Олег Шестов\",
            password: $p, role: CURATOR) { id } }",
        json!({ "p": DEMO_PASSWORD }),
    )
    .await;
    let curator = Worker::sign_in(&app, "sixth.curator").await;
    let case_id = accepted_case(&curator, &head, "Шестаков").await;
    // A deadline worker of its own, as `kurator worker` runs beside the replicas.
    let worker = kurator_gateway::app::build_worker(&app.state.inner.settings)
        .await
        .unwrap();
    let worked = |run: &[(String, kurator_casework::worker::TenantRun)]| {
        run.iter().any(|(slug, _)| slug == "sixth")
    };
    assert!(worked(&worker.run_once(chrono::Utc::now()).await.unwrap()));

    let suspended = app
        .graphql(
            "mutation { suspendOrganisation(slug: \"sixth\") { slug suspended suspendedAt } }",
            json!({}),
            Some(&admin),
        )
        .await;
    assert!(suspended.errors().is_empty(), "{:#}", suspended.body);
    assert_eq!(suspended.data()["suspendOrganisation"]["suspended"], true);
    // The worker sends it nothing from its next run on.
    assert!(!worked(&worker.run_once(chrono::Utc::now()).await.unwrap()));

    // Sessions signed in before the suspension reach nothing of it, on the next request.
    for worker in [&head, &curator] {
        let refused = worker
            .gql(
                "{ case(id: \"00000000-0000-0000-0000-000000000000\") { id } }",
                json!({}),
            )
            .await;
        assert_eq!(refused.error_code(), "NOT_FOUND", "{:#}", refused.body);
        let refused = worker
            .gql(
                &format!("{{ case(id: \"{case_id}\") {{ id }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(refused.error_code(), "NOT_FOUND", "{:#}", refused.body);
        let me = worker
            .ok("{ me { memberships { tenant { slug } } } }", json!({}))
            .await;
        assert_eq!(me["me"]["memberships"], json!([]));
    }
    // Nor does a new sign-in, nor another replica started now.
    let again = Worker::sign_in(&app, "sixth.head").await;
    assert_eq!(again.tenant, "");
    let other = spawn_app(backend).await;
    let there = other.login("sixth.head").await;
    let refused = other
        .graphql_for_tenant(
            "{ cases(first: 5) { totalCount } }",
            json!({}),
            Some(&there),
            Some("sixth"),
        )
        .await;
    assert_eq!(refused.error_code(), "NOT_FOUND", "{:#}", refused.body);
    let listed = app.graphql(ORGANISATIONS, json!({}), Some(&admin)).await;
    let sixth = listed.data()["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["slug"] == "sixth")
        .cloned()
        .unwrap();
    assert_eq!(sixth["suspended"], true);

    // Resumed, it has everything it had.
    let resumed = app
        .graphql(
            "mutation { resumeOrganisation(slug: \"sixth\") { suspended } }",
            json!({}),
            Some(&admin),
        )
        .await;
    assert!(resumed.errors().is_empty(), "{:#}", resumed.body);
    assert_eq!(resumed.data()["resumeOrganisation"]["suspended"], false);
    assert!(worked(&worker.run_once(chrono::Utc::now()).await.unwrap()));
    let card = head.case(&case_id, "2026-03-03T09:00:00Z").await;
    assert_eq!(card["id"], case_id.as_str());
    let trail = head.ok("{ auditLog { action } }", json!({})).await;
    let actions: Vec<&str> = trail["auditLog"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"organisation.suspend"), "{actions:?}");
    assert!(actions.contains(&"organisation.resume"), "{actions:?}");
}

async fn bad_organisations_are_refused_with_every_reason_and_nothing_is_made(backend: Backend) {
    let app = spawn_app(backend.clone()).await;
    let admin = platform_admin(&app).await;
    let before = slugs(&app, &admin).await;

    // Everything wrong at once: every reason, with its field.
    let refused = create(
        &app,
        &admin,
        json!({
            "slug": "Sixth-Org",
            "names": { "ru": "", "kk": "Алтыншы", "en": "Six" },
            "timeZone": "Europe/Atlantis",
            "variant": { "template": "school" },
            "placement": "mars",
            "firstAdmin": { "login": "sixth.head", "displayName": "", "password": "short" }
        }),
    )
    .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT", "{:#}", refused.body);
    let problems = codes(&refused);
    for expected in [
        ("organisation_slug_invalid", "slug"),
        ("invalid_length", "names.ru"),
        ("template_unknown", "template"),
        ("invalid_length", "firstAdmin.displayName"),
        ("invalid_length", "firstAdmin.password"),
    ] {
        assert!(
            problems.contains(&(expected.0.to_owned(), Some(expected.1.to_owned()))),
            "{expected:?} in {problems:?}"
        );
    }

    // A slug that exists.
    let mut taken = sixth("fund");
    taken["slug"] = json!("fund");
    let refused = create(&app, &admin, taken).await;
    assert_eq!(
        codes(&refused),
        vec![(
            "organisation_slug_taken".to_owned(),
            Some("slug".to_owned())
        )]
    );

    // A placement the platform does not have, an unknown zone and calendar.
    let mut elsewhere = sixth("clinic");
    elsewhere["placement"] = json!("mars");
    elsewhere["calendar"] = json!("by");
    let refused = create(&app, &admin, elsewhere).await;
    let problems = codes(&refused);
    assert!(problems.contains(&("placement_unknown".to_owned(), Some("placement".to_owned()))));
    assert!(problems.contains(&("calendar_unknown".to_owned(), Some("calendar".to_owned()))));

    // An invalid variant file: every problem with its path.
    let mut file = sixth("");
    file["variant"] = json!({ "document": "key = \"x\"\nversion = 1\n", "format": "TOML" });
    let refused = create(&app, &admin, file).await;
    assert!(
        codes(&refused)
            .iter()
            .any(|(code, field)| code == "variant_invalid" && field.is_some()),
        "{:#}",
        refused.body
    );

    // A database already there under that name is never taken over.
    let url = backend.tenant_url("taken");
    if backend.postgres.is_some() {
        let server = kurator_store::connect(&backend.control_url(), 1)
            .await
            .unwrap();
        let name = url.rsplit('/').next().unwrap().to_owned();
        sea_orm::ConnectionTrait::execute_unprepared(&server, &format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
    } else {
        let path = backend.data_dir.path().join("tenants");
        std::fs::create_dir_all(&path).unwrap();
        std::fs::write(path.join("taken.sqlite"), b"").unwrap();
    }
    let mut over = sixth("fund");
    over["slug"] = json!("taken");
    let refused = create(&app, &admin, over).await;
    assert_eq!(
        codes(&refused),
        vec![(
            "organisation_database_exists".to_owned(),
            Some("slug".to_owned())
        )]
    );

    // Nothing was made: no organisation, no account, no database for the refused slugs.
    assert_eq!(slugs(&app, &admin).await, before);
    assert_eq!(
        app.try_login("sixth.head", DEMO_PASSWORD)
            .await
            .error_code(),
        "UNAUTHENTICATED"
    );
    if backend.postgres.is_none() {
        let dir = backend.data_dir.path().join("tenants");
        for slug in ["sixth", "seventh"] {
            assert!(!dir.join(format!("{slug}.sqlite")).exists(), "{slug}");
        }
    }
}

/// Placement across servers: an organisation created on another PostgreSQL server (a second
/// cluster on another port, as a Kazakh organisation's data lives in Kazakhstan) has its database
/// there and nowhere else, and serves requests at once.
mod second_server {
    use super::{create, platform_admin, sixth};
    use kurator_tests::Backend;
    use kurator_tests::app::spawn_app_with;
    use kurator_tests::backend::{ensure_app_roles, second_server};
    use kurator_tests::casework::Worker;
    use sea_orm::ConnectionTrait;
    use serde_json::json;

    async fn has_database(url: &str, name: &str) -> bool {
        let server = kurator_store::connect(url, 1).await.unwrap();
        let found = server
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT 1 FROM pg_database WHERE datname = $1",
                [name.into()],
            ))
            .await
            .unwrap()
            .is_some();
        server.close().await.unwrap();
        found
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_organisation_placed_on_a_second_server_keeps_its_data_there() {
        let Some(second) = second_server() else {
            return;
        };
        let Some(backend) = Backend::postgres().await else {
            return;
        };
        let first = std::env::var(kurator_tests::backend::DATABASE_URL_VAR).unwrap();
        let prefix = backend.postgres.as_ref().unwrap().prefix().to_owned();
        let server = kurator_store::connect(&second, 1).await.unwrap();
        ensure_app_roles(&server).await;
        server.close().await.unwrap();
        let base = second
            .split('?')
            .next()
            .unwrap()
            .rsplit_once('/')
            .unwrap()
            .0
            .to_owned();
        let app = spawn_app_with(
            backend,
            json!({ "database": { "placements": { "kz": {
                "label": "Казахстан",
                "tenant_url_template": format!("{base}/{prefix}_{{tenant}}"),
            } } } }),
        )
        .await;
        let admin = platform_admin(&app).await;
        let placements = app
            .graphql("{ placements { name label } }", json!({}), Some(&admin))
            .await;
        assert_eq!(
            placements.data()["placements"],
            json!([
                { "name": "default", "label": "Основной сервер баз данных" },
                { "name": "kz", "label": "Казахстан" }
            ])
        );

        let mut input = sixth("clinic");
        input["placement"] = json!("kz");
        let created = create(&app, &admin, input).await;
        let name = format!("{prefix}_sixth");
        // Removed again whatever the outcome.
        struct DropOnSecond(String, String);
        impl Drop for DropOnSecond {
            fn drop(&mut self) {
                let (url, name) = (self.0.clone(), self.1.clone());
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(async move {
                        if let Ok(server) = kurator_store::connect(&url, 1).await {
                            let _ = server
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                })
                .join();
            }
        }
        let _cleanup = DropOnSecond(second.clone(), name.clone());
        assert!(created.errors().is_empty(), "{:#}", created.body);
        assert_eq!(
            created.data()["createOrganisation"]["organisation"]["placement"],
            "kz"
        );
        assert!(has_database(&second, &name).await, "on the second server");
        assert!(!has_database(&first, &name).await, "not on the first");
        // The rest stays on the first server.
        for other in ["control", "fund", "clinic"] {
            let other = format!("{prefix}_{other}");
            assert!(has_database(&first, &other).await, "{other} on the first");
            assert!(
                !has_database(&second, &other).await,
                "{other} not on the second"
            );
        }

        let head = Worker::sign_in(&app, "sixth.head").await;
        let variant = head.ok("{ variant { key timeZone } }", json!({})).await;
        assert_eq!(variant["variant"]["key"], "clinic");
        assert_eq!(variant["variant"]["timeZone"], "Asia/Almaty");
    }
}

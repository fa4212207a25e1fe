//! A fifth organisation with a method of its own — an invented school psychological service
//! (`tests/data/school.toml`) unlike any of the four presets — runs a case from the signal to
//! post-support with no change to Kurator's code: its variant is data.

use kurator_auth::password::hash_password;
use kurator_domain::{LoginName, Role, TenantSlug};
use kurator_store::control::{NewTenant, NewUser, repo};
use kurator_tests::app::DEMO_PASSWORD;
use kurator_tests::casework::{Worker, obligation, version};
use kurator_tests::{Backend, GqlResponse, db_suites, spawn_app};
use serde_json::{Value, json};

db_suites!(a_fifth_organisation_runs_a_case_from_signal_to_post_support_on_its_own_variant);

/// The school's people: login, name, roles in the organisation.
const PEOPLE: [(&str, &str, &[Role]); 3] = [
    (
        "school.head",
        "Айгерим Садыкова",
        &[Role::OrgAdmin, Role::Supervisor],
    ),
    ("school.psychologist", "Мадина Ержанова", &[Role::Curator]),
    ("school.pedagogue", "Ержан Абенов", &[Role::Curator]),
];

/// Adds the school to the control plane with its own variant file and its people, as a
/// platform operator would.
async fn add_school(backend: &Backend) {
    let control = kurator_store::connect(&backend.control_url(), 2)
        .await
        .unwrap();
    let variant = format!(
        "file:{}/data/school.toml",
        std::env::var("CARGO_MANIFEST_DIR").unwrap()
    );
    let slug = TenantSlug::parse("school").unwrap();
    let url = backend.tenant_url("school");
    let tenant = repo::insert_tenant(
        &control,
        NewTenant {
            id: kurator_domain::TenantId::new(),
            slug: &slug,
            name_ru: "Школьная психологическая служба",
            name_kk: "Мектептің психологиялық қызметі",
            name_en: "School psychological service",
            preset: &variant,
            database_url: &url,
            time_zone: "Asia/Almaty",
            placement: kurator_platform::config::DEFAULT_PLACEMENT,
        },
    )
    .await
    .unwrap();
    let hash = hash_password(DEMO_PASSWORD).unwrap();
    for (login, name, roles) in PEOPLE {
        let login = LoginName::parse(login).unwrap();
        let user = repo::insert_user(
            &control,
            NewUser {
                login: &login,
                display_name: name,
                password_hash: Some(&hash),
                is_platform_admin: false,
                email: None,
            },
        )
        .await
        .unwrap();
        for role in roles {
            repo::insert_membership(&control, user.id, tenant.id, *role)
                .await
                .unwrap();
        }
    }
    control.close().await.unwrap();
}

fn act(role: &str, at: &str) -> Value {
    json!({ "actingAs": role, "at": at })
}

async fn step(who: &Worker<'_>, case: &str, v: i64, step: &str, input: Value) -> i64 {
    let done = who.step(case, v, step, input).await;
    assert!(done.errors().is_empty(), "{step}: {:#}", done.body);
    version(&done, "performStep")
}

async fn move_to(who: &Worker<'_>, case: &str, v: i64, to: &str, input: Value) -> i64 {
    let moved = who.move_case(case, v, to, input).await;
    assert!(moved.errors().is_empty(), "{to}: {:#}", moved.body);
    version(&moved, "moveCase")
}

fn ok<'r>(response: &'r GqlResponse, what: &str) -> &'r Value {
    assert!(response.errors().is_empty(), "{what}: {:#}", response.body);
    &response.body["data"]
}

async fn a_fifth_organisation_runs_a_case_from_signal_to_post_support_on_its_own_variant(
    backend: Backend,
) {
    // The platform runs with the four demo organisations; the school joins, and Kurator starts
    // again — with no other change.
    let app = spawn_app(backend).await;
    let backend = app.stop().await;
    add_school(&backend).await;
    let app = spawn_app(backend).await;

    let head = Worker::sign_in(&app, "school.head").await;
    let psychologist = Worker::sign_in(&app, "school.psychologist").await;
    let pedagogue = Worker::sign_in(&app, "school.pedagogue").await;
    assert_eq!(head.tenant, "school");
    for (who, role) in [
        (&head, "deputy_head"),
        (&psychologist, "school_psychologist"),
        (&pedagogue, "social_pedagogue"),
    ] {
        head.grant_method_role(&who.user_id, role).await;
    }

    // The method is read over the API, as the school wrote it.
    let variant = head
        .ok("{ variant { key caseSubject stages { key } } }", json!({}))
        .await;
    assert_eq!(variant["variant"]["key"], "school_service");
    assert_eq!(variant["variant"]["caseSubject"], "CHILD");
    assert_eq!(variant["variant"]["stages"].as_array().unwrap().len(), 7);

    // Monday 7 September 2026, 09:00 in Almaty: a class teacher refers a pupil.
    let registered = pedagogue
        .register_signal(json!({
            "receivedAt": "2026-09-07T04:00:00Z",
            "source": "class_teacher",
            "channel": "in_person",
            "requester": { "name": "Классный руководитель 5 «Б»" },
            "subject": { "name": "Ученик 5 «Б» класса" },
            "parents": {},
            "grounds": "Конфликты с одноклассниками, пропуски уроков",
            "followUp": "Встреча с психологом",
            "triage": { "classifications": [{ "key": "concern_level", "value": "serious" }] }
        }))
        .await;
    let signal = ok(&registered, "registerSignal")["registerSignal"].clone();
    assert_eq!(signal["riskBand"], "high");
    let decided = head
        .decide_signal(
            signal["id"].as_str().unwrap(),
            1,
            json!({ "kind": "ACCEPT", "family": { "pupil": "Ученик 5 «Б»" } }),
            "2026-09-07T05:00:00Z",
        )
        .await;
    let case = ok(&decided, "decideSignal")["decideSignal"]["caseId"]
        .as_str()
        .unwrap()
        .to_owned();
    let assigned = head.assign_curator(&case, 1, &psychologist.user_id).await;
    let v = ok(&assigned, "assignCurator")["assignCurator"]["case"]["version"]
        .as_i64()
        .unwrap();
    let card = psychologist.case(&case, "2026-09-07T06:00:00Z").await;
    assert_eq!(card["status"], "intake");
    assert_eq!(card["stage"]["key"], "referral");

    // Accepting the referral registered it (its first step); its own rules follow.
    let v = move_to(
        &psychologist,
        &case,
        v,
        "first_meeting",
        act("school_psychologist", "2026-09-07T07:00:00Z"),
    )
    .await;
    // The first meeting within 5 calendar days of the referral — by Saturday 12 September …
    let card = psychologist.case(&case, "2026-09-08T04:00:00Z").await;
    assert_eq!(
        obligation(&card, "deadline:meet_pupil")["due"],
        "2026-09-12T18:59:59+00:00"
    );
    let v = step(
        &psychologist,
        &case,
        v,
        "meet_pupil",
        act("school_psychologist", "2026-09-09T05:00:00Z"),
    )
    .await;
    // … and the deputy head decides on support; the psychologist cannot.
    let decide = |role: &str, person: &str| {
        let mut input = act(role, "2026-09-10T05:00:00Z");
        input["decisions"] = json!([{ "key": "support_decision", "votes": [
            { "role": "deputy_head", "person": person, "choice": "support" }
        ] }]);
        input
    };
    let posing = psychologist
        .step(
            &case,
            v,
            "decide_support",
            decide("deputy_head", &psychologist.user_id),
        )
        .await;
    assert_eq!(posing.error_code(), "FORBIDDEN");
    let v = step(
        &head,
        &case,
        v,
        "decide_support",
        decide("deputy_head", &head.user_id),
    )
    .await;
    // Support opens the case.
    let moved = psychologist
        .move_case(
            &case,
            v,
            "support",
            act("school_psychologist", "2026-09-10T06:00:00Z"),
        )
        .await;
    assert_eq!(ok(&moved, "moveCase")["moveCase"]["status"], "open");
    let v = version(&moved, "moveCase");
    let revised = psychologist
        .gql(
            "mutation($c: ID!, $v: Int!, $i: PlanRevisionInput!) { revisePlan(caseId: $c, version: $v, input: $i) { version } }",
            json!({ "c": case, "v": v, "i": {
                "meetingDate": "2026-09-11T05:00:00Z",
                "participants": ["Психолог", "Мать", "Классный руководитель"],
                "actions": [{ "title": "Еженедельные консультации", "deadline": "2026-12-25T12:00:00Z",
                    "responsibleUserId": psychologist.user_id, "owner": "organisation" }]
            } }),
        )
        .await;
    let v = version(&revised, "revisePlan");
    let v = step(
        &psychologist,
        &case,
        v,
        "agree_plan",
        act("school_psychologist", "2026-09-11T06:00:00Z"),
    )
    .await;
    let session = psychologist
        .gql(
            "mutation($c: ID!) { recordContact(caseId: $c, input: { kind: \"session\", at: \"2026-09-14T05:00:00Z\" }) { id } }",
            json!({ "c": case }),
        )
        .await;
    ok(&session, "recordContact");
    let review = psychologist
        .gql(
            "mutation($c: ID!) { recordMonitoring(caseId: $c, input: { kind: \"term_review\", at: \"2026-10-23T05:00:00Z\" }) { id } }",
            json!({ "c": case }),
        )
        .await;
    ok(&review, "recordMonitoring");
    let v = move_to(
        &psychologist,
        &case,
        v,
        "review",
        act("school_psychologist", "2026-10-26T05:00:00Z"),
    )
    .await;
    let v = step(
        &psychologist,
        &case,
        v,
        "review_progress",
        act("school_psychologist", "2026-10-26T06:00:00Z"),
    )
    .await;
    let v = move_to(
        &psychologist,
        &case,
        v,
        "closing",
        act("school_psychologist", "2026-12-14T05:00:00Z"),
    )
    .await;
    let v = step(
        &psychologist,
        &case,
        v,
        "final_meeting",
        act("school_psychologist", "2026-12-15T05:00:00Z"),
    )
    .await;

    // Closing: both of its criteria, then check-ins for 30 days to 3 months.
    let close = "mutation($c: ID!, $v: Int!, $i: CloseCaseInput!) { closeCase(caseId: $c, version: $v, input: $i) { version status stage { key } postSupportUntil } }";
    let partial = psychologist
        .gql(
            close,
            json!({ "c": case, "v": v, "i": { "confirmed": ["goals_met"], "actingAs": "school_psychologist", "at": "2026-12-15T06:00:00Z" } }),
        )
        .await;
    assert_eq!(partial.error_code(), "BAD_USER_INPUT");
    let closed = psychologist
        .gql(
            close,
            json!({ "c": case, "v": v, "i": {
                "confirmed": ["goals_met", "pupil_settled"], "outcomes": ["settled"],
                "actingAs": "school_psychologist", "at": "2026-12-15T06:00:00Z"
            } }),
        )
        .await;
    let closed = ok(&closed, "closeCase")["closeCase"].clone();
    assert_eq!(closed["status"], "post_support");
    assert_eq!(closed["stage"]["key"], "check_ins");
    assert_eq!(closed["postSupportUntil"], "2027-03-15T18:59:59+00:00");
    let v = closed["version"].as_i64().unwrap();
    let end = "mutation($c: ID!, $v: Int!, $at: DateTime) { endPostSupport(caseId: $c, version: $v, at: $at) { status } }";
    let early = psychologist
        .gql(
            end,
            json!({ "c": case, "v": v, "at": "2026-12-30T05:00:00Z" }),
        )
        .await;
    assert_eq!(
        early.error_message(),
        "пост-сопровождение длится не менее 30 дней: до 14.01.2027"
    );
    let ended = psychologist
        .gql(
            end,
            json!({ "c": case, "v": v, "at": "2027-01-20T05:00:00Z" }),
        )
        .await;
    assert_eq!(
        ok(&ended, "endPostSupport")["endPostSupport"]["status"],
        "closed"
    );
}

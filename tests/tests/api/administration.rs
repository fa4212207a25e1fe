//! The organisation's administration: its administrator manages its people, their roles and its
//! settings; nobody else does.

use kurator_tests::casework::{Worker, demo_family};
use kurator_tests::{Backend, db_suites, spawn_app};
use serde_json::json;

db_suites!(
    an_administrator_creates_a_member_who_can_then_sign_in,
    only_the_administrator_manages_people_and_roles,
    the_caseload_caps_reading_is_the_organisations_setting,
);

const CREATE: &str = "mutation($l: String!, $n: String!, $p: String!, $r: TenantRole!) {
    createMember(login: $l, displayName: $n, password: $p, role: $r) { id login roles }
}";
const GRANT: &str =
    "mutation($u: ID!, $r: TenantRole!) { grantRole(userId: $u, role: $r) { id roles } }";
const REVOKE: &str =
    "mutation($u: ID!, $r: TenantRole!) { revokeRole(userId: $u, role: $r) { id roles } }";

async fn an_administrator_creates_a_member_who_can_then_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let created = admin
        .gql(CREATE, json!({ "l": "clinic.new.worker", "n": "Алия Серикова", "p": "длинный-пароль-1", "r": "CURATOR" }))
        .await;
    assert_eq!(created.data()["createMember"]["roles"], json!(["curator"]));
    let token = app
        .try_login("clinic.new.worker", "длинный-пароль-1")
        .await
        .data()["login"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = app
        .graphql(
            "{ me { memberships { role tenant { slug } } } }",
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(
        me.data()["me"]["memberships"],
        json!([{ "role": "curator", "tenant": { "slug": "clinic" } }])
    );

    let again = admin
        .gql(CREATE, json!({ "l": "clinic.new.worker", "n": "Другая", "p": "длинный-пароль-2", "r": "CURATOR" }))
        .await;
    assert_eq!(again.error_code(), "CONFLICT");
    let weak = admin
        .gql(
            CREATE,
            json!({ "l": "clinic.weak", "n": "Слабый пароль", "p": "123", "r": "CURATOR" }),
        )
        .await;
    assert_eq!(weak.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        app.try_login("clinic.weak", "123").await.error_code(),
        "UNAUTHENTICATED"
    );
}

async fn only_the_administrator_manages_people_and_roles(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "fund.admin").await;
    let specialist = Worker::sign_in(&app, "fund.specialist").await;
    let foreigner = Worker::sign_in(&app, "clinic.curator").await;
    for login in [
        "fund.supervisor",
        "fund.curator",
        "fund.specialist",
        "fund.methodologist",
    ] {
        let worker = Worker::sign_in(&app, login).await;
        let create = worker
            .gql(CREATE, json!({ "l": format!("{login}.x"), "n": "Кто-то", "p": "длинный-пароль-1", "r": "CURATOR" }))
            .await;
        assert_eq!(create.error_code(), "FORBIDDEN", "{login}");
        let grant = worker
            .gql(GRANT, json!({ "u": specialist.user_id, "r": "ORG_ADMIN" }))
            .await;
        assert_eq!(grant.error_code(), "FORBIDDEN", "{login}");
        let settings = worker
            .gql("mutation { updateOrganisationSettings(version: 0, caseloadCapsMode: INDEPENDENT) { version } }", json!({}))
            .await;
        assert_eq!(settings.error_code(), "FORBIDDEN", "{login}");
    }
    let supervisor = Worker::sign_in(&app, "fund.supervisor").await;
    assert!(
        supervisor
            .gql("{ members { login roles } }", json!({}))
            .await
            .errors()
            .is_empty()
    );
    let curator = Worker::sign_in(&app, "fund.curator").await;
    assert_eq!(
        curator
            .gql("{ members { login } }", json!({}))
            .await
            .error_code(),
        "FORBIDDEN"
    );

    let granted = admin
        .gql(GRANT, json!({ "u": specialist.user_id, "r": "CURATOR" }))
        .await;
    let member = granted.data()["grantRole"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == specialist.user_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(member["roles"].as_array().unwrap().len(), 2);
    let revoked = admin
        .gql(REVOKE, json!({ "u": specialist.user_id, "r": "CURATOR" }))
        .await;
    assert!(revoked.errors().is_empty(), "{:#}", revoked.body);
    let last = admin
        .gql(
            REVOKE,
            json!({ "u": specialist.user_id, "r": "SPECIALIST" }),
        )
        .await;
    assert_eq!(last.error_code(), "BAD_USER_INPUT");
    let own = admin
        .gql(REVOKE, json!({ "u": admin.user_id, "r": "ORG_ADMIN" }))
        .await;
    assert_eq!(own.error_code(), "BAD_USER_INPUT");
    // Someone of another organisation is not found here, like an id of nobody.
    let foreign = admin
        .gql(GRANT, json!({ "u": foreigner.user_id, "r": "CURATOR" }))
        .await;
    let nobody = admin
        .gql(
            GRANT,
            json!({ "u": uuid::Uuid::new_v4().to_string(), "r": "CURATOR" }),
        )
        .await;
    assert_eq!(foreign.error_code(), "NOT_FOUND");
    assert_eq!(
        foreign.errors()[0]["message"],
        nobody.errors()[0]["message"]
    );
}

async fn the_caseload_caps_reading_is_the_organisations_setting(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "state_centre.admin").await;
    let supervisor = Worker::sign_in(&app, "state_centre.supervisor").await;
    let curator = Worker::sign_in(&app, "state_centre.curator").await;
    let settings = admin
        .ok(
            "{ organisationSettings { version caseloadCapsMode } }",
            json!({}),
        )
        .await;
    assert_eq!(
        settings["organisationSettings"],
        json!({ "version": 0, "caseloadCapsMode": null })
    );

    for n in 0..6 {
        let opened = supervisor
            .open_case(
                demo_family(&format!("Зайцев{n}")),
                json!({ "family_category": "sop" }),
                "2026-04-06T07:00:00Z",
                Some(&curator.user_id),
            )
            .await;
        assert!(opened.errors().is_empty());
    }
    let tzhs = supervisor
        .open_case(
            demo_family("Киселёв"),
            json!({ "family_category": "tzhs" }),
            "2026-04-06T07:00:00Z",
            None,
        )
        .await;
    let tzhs_id = tzhs.data()["openCase"]["id"].as_str().unwrap().to_owned();
    // seed 003 §1.8, weighted reading (the preset's default): six СОП families are a full load.
    let refused = supervisor
        .assign_curator(&tzhs_id, 1, &curator.user_id)
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");

    let update = "mutation($v: Int!, $m: CaseloadCapsMode) { updateOrganisationSettings(version: $v, caseloadCapsMode: $m) { version caseloadCapsMode } }";
    let changed = admin
        .gql(update, json!({ "v": 0, "m": "INDEPENDENT" }))
        .await;
    assert_eq!(
        changed.data()["updateOrganisationSettings"],
        json!({ "version": 1, "caseloadCapsMode": "INDEPENDENT" })
    );
    let stale = admin.gql(update, json!({ "v": 0, "m": "WEIGHTED" })).await;
    assert_eq!(stale.error_code(), "CONFLICT");

    // seed 003 §1.8, independent reading: the ТЖС cap (12) is separate from the СОП cap (6).
    let allowed = supervisor
        .assign_curator(&tzhs_id, 1, &curator.user_id)
        .await;
    assert!(allowed.errors().is_empty(), "{:#}", allowed.body);
    let seventh = supervisor
        .open_case(
            demo_family("Соколов"),
            json!({ "family_category": "sop" }),
            "2026-04-06T07:00:00Z",
            None,
        )
        .await;
    let seventh_id = seventh.data()["openCase"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = supervisor
        .assign_curator(&seventh_id, 1, &curator.user_id)
        .await;
    assert_eq!(
        refused.error_message(),
        "Куратор ведёт 6 семей в СОП из 6 допустимых"
    );
}

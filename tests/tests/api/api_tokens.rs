//! API tokens for integrations: an organisation administrator makes one with a role and an
//! expiry, sees its secret once, lists and revokes it; a request with it acts in that role in that
//! organisation only, and every use is in the organisation's audit trail.

use kurator_tests::app::form_token;
use kurator_tests::casework::Worker;
use kurator_tests::{Backend, GqlResponse, TestApp, db_suites, spawn_app};
use serde_json::{Value, json};

db_suites!(
    a_token_is_shown_once_works_in_its_role_and_every_use_is_audited,
    an_expired_token_is_refused,
    a_revoked_token_is_refused_at_once,
    a_token_never_reaches_another_organisation,
    a_curator_token_does_no_administration_and_no_token_manages_tokens,
    a_bad_token_request_is_refused_with_a_code_and_writes_nothing,
    the_administrator_creates_and_revokes_a_token_on_the_web_page,
);

const CREATE: &str = "mutation($n: String!, $r: TenantRole!, $d: Int!) {
    createApiToken(name: $n, role: $r, expiresInDays: $d) {
        secret
        token { id name role createdBy createdAt expiresAt lastUsedAt revokedAt active }
    }
}";
const LIST: &str =
    "{ apiTokens { id name role createdBy createdAt expiresAt lastUsedAt revokedAt active } }";
const REVOKE: &str = "mutation($id: ID!) { revokeApiToken(id: $id) { id revokedAt active } }";
/// Supervisors and administrators only.
const MEMBERS: &str = "{ members { id login } }";
const USES: &str = "{ auditLog(action: \"api_token.use\") { action actorId entity entityId } }";

/// Creates a token as `admin`; answers (id, secret).
async fn create(admin: &Worker<'_>, role: &str) -> (String, String) {
    let created = admin
        .gql(
            CREATE,
            json!({ "n": "Интеграция с 1С", "r": role, "d": 30 }),
        )
        .await;
    assert!(created.errors().is_empty(), "{:#}", created.body);
    let created = &created.data()["createApiToken"];
    (
        created["token"]["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

async fn with_token(app: &TestApp, secret: &str, tenant: &str, query: &str) -> GqlResponse {
    app.graphql_for_tenant(query, json!({}), Some(secret), Some(tenant))
        .await
}

async fn uses(admin: &Worker<'_>) -> Vec<Value> {
    let log = admin.gql(USES, json!({})).await;
    log.data()["auditLog"].as_array().unwrap().clone()
}

async fn a_token_is_shown_once_works_in_its_role_and_every_use_is_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let (id, secret) = create(&admin, "SUPERVISOR").await;
    assert!(secret.starts_with("krt_") && secret.len() == 47, "{secret}");

    for _ in 0..2 {
        let members = with_token(&app, &secret, &admin.tenant, MEMBERS).await;
        assert!(members.errors().is_empty(), "{:#}", members.body);
        assert!(!members.data()["members"].as_array().unwrap().is_empty());
    }

    // Listed with its scope and last use, never with its secret.
    let list = admin.gql(LIST, json!({})).await;
    assert!(!list.body.to_string().contains(&secret));
    let listed = &list.data()["apiTokens"][0];
    assert_eq!(listed["id"], id.as_str());
    assert_eq!(listed["role"], "supervisor");
    assert_eq!(listed["active"], true);
    assert_eq!(listed["createdBy"], admin.user_id.as_str());
    assert!(listed["lastUsedAt"].is_string(), "{listed:#}");
    assert!(listed["revokedAt"].is_null());

    // Both uses are in the organisation's trail, on behalf of the administrator who made it.
    let uses = uses(&admin).await;
    assert_eq!(uses.len(), 2, "{uses:#?}");
    for entry in &uses {
        assert_eq!(entry["entity"], "api_token");
        assert_eq!(entry["entityId"], id.as_str());
        assert_eq!(entry["actorId"], admin.user_id.as_str());
    }
    let created = admin
        .gql(
            "{ auditLog(action: \"api_token.create\") { entityId after } }",
            json!({}),
        )
        .await;
    let created = &created.data()["auditLog"][0];
    assert_eq!(created["entityId"], id.as_str());
    assert!(!created.to_string().contains(&secret));
}

async fn an_expired_token_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let (id, secret) = create(&admin, "SUPERVISOR").await;
    assert!(
        with_token(&app, &secret, &admin.tenant, MEMBERS)
            .await
            .errors()
            .is_empty()
    );

    // A month passes: the expiry moves to the past.
    use kurator_store::control::api_token::entity::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    Entity::update_many()
        .col_expr(
            Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .filter(Column::Id.eq(uuid::Uuid::parse_str(&id).unwrap()))
        .exec(&app.state.inner.control)
        .await
        .unwrap();

    let refused = with_token(&app, &secret, &admin.tenant, MEMBERS).await;
    assert_eq!(refused.error_code(), "UNAUTHENTICATED");
    let list = admin.gql(LIST, json!({})).await;
    assert_eq!(list.data()["apiTokens"][0]["active"], false);
    assert_eq!(uses(&admin).await.len(), 1, "the refused request is no use");
}

async fn a_revoked_token_is_refused_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let (id, secret) = create(&admin, "SUPERVISOR").await;
    assert!(
        with_token(&app, &secret, &admin.tenant, MEMBERS)
            .await
            .errors()
            .is_empty()
    );

    let revoked = admin.gql(REVOKE, json!({ "id": id })).await;
    assert!(revoked.errors().is_empty(), "{:#}", revoked.body);
    assert_eq!(revoked.data()["revokeApiToken"]["active"], false);
    let refused = with_token(&app, &secret, &admin.tenant, MEMBERS).await;
    assert_eq!(refused.error_code(), "UNAUTHENTICATED");

    let revocations = admin
        .gql(
            "{ auditLog(action: \"api_token.revoke\") { entityId actorId } }",
            json!({}),
        )
        .await;
    assert_eq!(revocations.data()["auditLog"][0]["entityId"], id.as_str());
    // Revoking again changes nothing and records nothing.
    admin.gql(REVOKE, json!({ "id": id })).await;
    let again = admin
        .gql(
            "{ auditLog(action: \"api_token.revoke\") { entityId } }",
            json!({}),
        )
        .await;
    assert_eq!(again.data()["auditLog"].as_array().unwrap().len(), 1);
}

async fn a_token_never_reaches_another_organisation(backend: Backend) {
    let app = spawn_app(backend).await;
    let clinic_admin = Worker::sign_in(&app, "clinic.admin").await;
    let fund_admin = Worker::sign_in(&app, "fund.admin").await;
    let (clinic_token, secret) = create(&clinic_admin, "ORG_ADMIN").await;

    let elsewhere = with_token(&app, &secret, &fund_admin.tenant, MEMBERS).await;
    assert_eq!(elsewhere.error_code(), "FORBIDDEN");
    let nowhere = with_token(&app, &secret, "no_such_org", MEMBERS).await;
    assert_eq!(nowhere.error_code(), "NOT_FOUND");
    // The other organisation's token list and trail are out of reach too.
    let tokens = with_token(&app, &secret, &fund_admin.tenant, LIST).await;
    assert_eq!(tokens.error_code(), "FORBIDDEN");
    // And the other organisation's administrator cannot revoke it.
    let revoke = fund_admin.gql(REVOKE, json!({ "id": clinic_token })).await;
    assert_eq!(revoke.error_code(), "NOT_FOUND");
    assert!(uses(&fund_admin).await.is_empty());
}

async fn a_curator_token_does_no_administration_and_no_token_manages_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let (_, curator_secret) = create(&admin, "CURATOR").await;
    let (_, admin_secret) = create(&admin, "ORG_ADMIN").await;
    let tenant = admin.tenant.as_str();

    let me = with_token(
        &app,
        &curator_secret,
        tenant,
        "{ me { isPlatformAdmin memberships { role } } }",
    )
    .await;
    assert_eq!(
        me.data()["me"]["memberships"],
        json!([{ "role": "curator" }])
    );
    assert_eq!(
        with_token(&app, &curator_secret, tenant, MEMBERS)
            .await
            .error_code(),
        "FORBIDDEN"
    );
    let grant = app
        .graphql_for_tenant(
            "mutation($u: ID!) { grantRole(userId: $u, role: ORG_ADMIN) { id } }",
            json!({ "u": curator.user_id }),
            Some(&curator_secret),
            Some(tenant),
        )
        .await;
    assert_eq!(grant.error_code(), "FORBIDDEN");
    assert_eq!(
        with_token(&app, &curator_secret, tenant, "{ auditLog { id } }")
            .await
            .error_code(),
        "FORBIDDEN"
    );

    // Even a token with the administrator's role manages no tokens, does no platform
    // administration, and cannot sign anyone out.
    for secret in [&curator_secret, &admin_secret] {
        assert_eq!(
            with_token(&app, secret, tenant, LIST).await.error_code(),
            "FORBIDDEN"
        );
        let create = app
            .graphql_for_tenant(
                CREATE,
                json!({ "n": "ещё один", "r": "ORG_ADMIN", "d": 365 }),
                Some(secret),
                Some(tenant),
            )
            .await;
        assert_eq!(create.error_code(), "FORBIDDEN");
        assert_eq!(
            with_token(&app, secret, tenant, "{ organisations { slug } }")
                .await
                .error_code(),
            "FORBIDDEN"
        );
        assert_eq!(
            with_token(&app, secret, tenant, "mutation { logoutEverywhere }")
                .await
                .error_code(),
            "FORBIDDEN"
        );
    }
    // The administrator's own session still works.
    assert_eq!(
        admin.gql(LIST, json!({})).await.data()["apiTokens"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

async fn a_bad_token_request_is_refused_with_a_code_and_writes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let supervisor = Worker::sign_in(&app, "clinic.supervisor").await;
    let problems = |r: &GqlResponse| -> Vec<String> {
        r.errors()[0]["extensions"]["details"]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["code"].as_str().unwrap().to_owned())
            .collect()
    };
    for days in [0, -5, 366, 10_000] {
        let answer = admin
            .gql(
                CREATE,
                json!({ "n": "интеграция", "r": "CURATOR", "d": days }),
            )
            .await;
        assert_eq!(answer.error_code(), "BAD_USER_INPUT", "{days}");
        assert_eq!(problems(&answer), ["api_token_expiry_invalid"]);
    }
    let long_name = "я".repeat(121);
    for name in ["", "   ", long_name.as_str()] {
        let answer = admin
            .gql(CREATE, json!({ "n": name, "r": "CURATOR", "d": 30 }))
            .await;
        assert_eq!(problems(&answer), ["api_token_name_invalid"]);
    }
    let not_admin = supervisor
        .gql(
            CREATE,
            json!({ "n": "интеграция", "r": "CURATOR", "d": 30 }),
        )
        .await;
    assert_eq!(not_admin.error_code(), "FORBIDDEN");
    assert_eq!(
        supervisor.gql(LIST, json!({})).await.error_code(),
        "FORBIDDEN"
    );
    let unknown = admin
        .gql(REVOKE, json!({ "id": uuid::Uuid::new_v4().to_string() }))
        .await;
    assert_eq!(unknown.error_code(), "NOT_FOUND");

    assert!(
        admin.gql(LIST, json!({})).await.data()["apiTokens"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let created = admin
        .gql(
            "{ auditLog(action: \"api_token.create\") { id } }",
            json!({}),
        )
        .await;
    assert!(created.data()["auditLog"].as_array().unwrap().is_empty());
    // A made-up token is no one.
    let forged = format!("krt_{}", "A".repeat(43));
    let me = with_token(&app, &forged, &admin.tenant, "{ me { login } }").await;
    assert_eq!(me.error_code(), "UNAUTHENTICATED");
}

async fn the_administrator_creates_and_revokes_a_token_on_the_web_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app.web_session("clinic.admin").await;
    let url = format!("{}/o/clinic/admin/tokens", app.address);
    let page = browser.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("API-токены") && page.contains("Токенов пока нет"),
        "{page}"
    );

    let created = browser
        .post(&url)
        .form(&[
            ("_csrf", form_token(&page).as_str()),
            ("name", "Выгрузка в 1С"),
            ("role", "supervisor"),
            ("days", "90"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created = created.text().await.unwrap();
    let start = created.find("krt_").expect("the secret is shown");
    let secret = &created[start..start + 47];
    assert!(
        with_token(&app, secret, "clinic", MEMBERS)
            .await
            .errors()
            .is_empty()
    );

    // Shown once: the list page never has it again.
    let listed = browser
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(listed.contains("Выгрузка в 1С") && !listed.contains(secret));
    let revoke_path = listed
        .split("action=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|action| action.ends_with("/revoke"))
        .expect("a revoke button")
        .to_owned();
    let revoked = browser
        .post(format!("{}{revoke_path}", app.address))
        .form(&[("_csrf", form_token(&listed).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 303);
    assert_eq!(
        with_token(&app, secret, "clinic", MEMBERS)
            .await
            .error_code(),
        "UNAUTHENTICATED"
    );
    let listed = browser
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(listed.contains("отозван"), "{listed}");

    // A curator's browser is not shown the page.
    let curator = app.web_session("clinic.curator").await;
    let refused = curator.get(&url).send().await.unwrap();
    assert_eq!(refused.status(), 403);
}

/// Two replicas over one Redis and one set of databases: a token revoked on one stops on the
/// other at its next request.
mod redis {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_token_revoked_on_one_replica_stops_on_the_other_at_once() {
        let Some(backend) = Backend::redis() else {
            return;
        };
        let first = spawn_app(backend.clone()).await;
        let second = spawn_app(backend).await;
        let admin = Worker::sign_in(&first, "clinic.admin").await;
        let (id, secret) = create(&admin, "SUPERVISOR").await;
        for _ in 0..3 {
            let members = with_token(&second, &secret, "clinic", MEMBERS).await;
            assert!(members.errors().is_empty(), "{:#}", members.body);
        }
        let revoked = admin.gql(REVOKE, json!({ "id": id })).await;
        assert!(revoked.errors().is_empty(), "{:#}", revoked.body);
        assert_eq!(
            with_token(&second, &secret, "clinic", MEMBERS)
                .await
                .error_code(),
            "UNAUTHENTICATED"
        );
        // Every use on the second replica is in the trail the first one reads.
        assert_eq!(uses(&admin).await.len(), 3);
    }
}

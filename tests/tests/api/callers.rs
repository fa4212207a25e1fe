//! A signed-in caller is remembered between requests (no control-plane query per request), yet a
//! role granted or revoked, a logout or a session ended elsewhere takes effect on the very next
//! request — on one replica and, over a shared Redis, on every replica.

use kurator_tests::casework::Worker;
use kurator_tests::{Backend, TestApp, spawn_app, suites};
use serde_json::json;

suites!(
    a_granted_role_works_and_a_revoked_one_stops_on_the_next_request,
    a_logged_out_session_stops_on_the_next_request,
    a_remembered_caller_costs_no_control_plane_query,
);

const GRANT: &str =
    "mutation($u: ID!, $r: TenantRole!) { grantRole(userId: $u, role: $r) { id roles } }";
const REVOKE: &str =
    "mutation($u: ID!, $r: TenantRole!) { revokeRole(userId: $u, role: $r) { id roles } }";
/// Supervisors and administrators only.
const SETTINGS: &str = "{ organisationSettings { version } }";
const MY_ROLES: &str = "{ me { memberships { role } } }";

fn roles(app_answer: &kurator_tests::GqlResponse) -> Vec<String> {
    let mut roles: Vec<String> = app_answer.data()["me"]["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap().to_owned())
        .collect();
    roles.sort();
    roles
}

/// Warms whatever the application keeps for `worker`: a few requests with the same token.
async fn call_a_few_times(worker: &Worker<'_>) {
    for _ in 0..3 {
        assert!(worker.gql(MY_ROLES, json!({})).await.errors().is_empty());
    }
}

async fn a_granted_role_works_and_a_revoked_one_stops_on_the_next_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    call_a_few_times(&curator).await;
    assert_eq!(
        curator.gql(SETTINGS, json!({})).await.error_code(),
        "FORBIDDEN"
    );

    let granted = admin
        .gql(GRANT, json!({ "u": curator.user_id, "r": "SUPERVISOR" }))
        .await;
    assert!(granted.errors().is_empty(), "{:#}", granted.body);
    let settings = curator.gql(SETTINGS, json!({})).await;
    assert!(settings.errors().is_empty(), "{:#}", settings.body);
    assert_eq!(
        roles(&curator.gql(MY_ROLES, json!({})).await),
        ["curator", "supervisor"]
    );

    let revoked = admin
        .gql(REVOKE, json!({ "u": curator.user_id, "r": "SUPERVISOR" }))
        .await;
    assert!(revoked.errors().is_empty(), "{:#}", revoked.body);
    assert_eq!(
        curator.gql(SETTINGS, json!({})).await.error_code(),
        "FORBIDDEN"
    );
    assert_eq!(roles(&curator.gql(MY_ROLES, json!({})).await), ["curator"]);
}

async fn a_logged_out_session_stops_on_the_next_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let other_session = Worker::sign_in(&app, "clinic.curator").await;
    call_a_few_times(&curator).await;
    call_a_few_times(&other_session).await;

    let logout = curator.gql("mutation { logout }", json!({})).await;
    assert_eq!(logout.data()["logout"], true);
    let after = curator.gql(MY_ROLES, json!({})).await;
    assert_eq!(after.error_code(), "UNAUTHENTICATED");
    let in_tenant = curator.gql(SETTINGS, json!({})).await;
    assert_eq!(in_tenant.error_code(), "UNAUTHENTICATED");
    // The person's other session is theirs to end separately.
    assert!(
        other_session
            .gql(MY_ROLES, json!({}))
            .await
            .errors()
            .is_empty()
    );
}

async fn a_remembered_caller_costs_no_control_plane_query(backend: Backend) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    call_a_few_times(&curator).await;
    let before = control_statements(&app);
    for _ in 0..5 {
        let typename = curator.gql("{ __typename }", json!({})).await;
        assert_eq!(typename.data()["__typename"], "Query");
        call_a_few_times(&curator).await;
    }
    assert_eq!(control_statements(&app), before);
}

fn control_statements(app: &TestApp) -> u64 {
    app.state.inner.control_statements()
}

/// Two replicas over one Redis and one set of databases: what one changes, the other sees on its
/// next request.
mod replicas {
    use super::*;
    use kurator_tests::app::spawn_app;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_change_on_one_replica_reaches_the_other_on_the_next_request() {
        let Some(backend) = Backend::redis() else {
            return;
        };
        let first = spawn_app(backend.clone()).await;
        let second = spawn_app(backend).await;
        let admin = Worker::sign_in(&first, "clinic.admin").await;
        let on_first = Worker::sign_in(&first, "clinic.curator").await;
        let on_second = Worker {
            app: &second,
            token: on_first.token.clone(),
            tenant: on_first.tenant.clone(),
            user_id: on_first.user_id.clone(),
        };
        call_a_few_times(&on_second).await;
        assert_eq!(
            on_second.gql(SETTINGS, json!({})).await.error_code(),
            "FORBIDDEN"
        );

        admin
            .gql(GRANT, json!({ "u": on_first.user_id, "r": "SUPERVISOR" }))
            .await;
        let settings = on_second.gql(SETTINGS, json!({})).await;
        assert!(settings.errors().is_empty(), "{:#}", settings.body);
        admin
            .gql(REVOKE, json!({ "u": on_first.user_id, "r": "SUPERVISOR" }))
            .await;
        assert_eq!(
            on_second.gql(SETTINGS, json!({})).await.error_code(),
            "FORBIDDEN"
        );

        call_a_few_times(&on_first).await;
        let logout = on_second.gql("mutation { logout }", json!({})).await;
        assert_eq!(logout.data()["logout"], true);
        assert_eq!(
            on_first.gql(MY_ROLES, json!({})).await.error_code(),
            "UNAUTHENTICATED"
        );
    }
}

//! Row-level security on PostgreSQL, proven from below: the application's role sees nothing
//! without the tenant set for its transaction, and cannot rewrite the audit trail.

use kurator_tests::backend::APP_LOGIN;
use kurator_tests::casework::{Worker, demo_family};
use kurator_tests::{Backend, spawn_app};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement, TransactionTrait};
use serde_json::json;

async fn count(db: &impl ConnectionTrait, table: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT count(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// The fund's database as the application's own role sees it.
async fn as_application(backend: &Backend) -> DatabaseConnection {
    let url = backend.postgres.as_ref().unwrap().url_for("fund");
    let url = url.replacen(
        "postgres://postgres@",
        &format!("postgres://{APP_LOGIN}@"),
        1,
    );
    Database::connect(url).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_tenant_setting_the_application_role_sees_no_rows() {
    let Some(backend) = Backend::postgres().await else {
        return;
    };
    let app = spawn_app(backend.clone()).await;
    let supervisor = Worker::sign_in(&app, "fund.supervisor").await;
    let opened = supervisor
        .open_case(
            demo_family("Орлов"),
            json!({}),
            "2026-04-06T07:00:00Z",
            None,
        )
        .await;
    assert!(opened.errors().is_empty(), "{:#}", opened.body);

    let db = as_application(&backend).await;
    for table in ["cases", "case_records", "audit_log", "variants"] {
        assert_eq!(count(&db, table).await, 0, "{table} without app.tenant_id");
    }

    // With the tenant set for one transaction, the same role sees the tenant's rows…
    let tenant_id = {
        let tx = db.begin().await.unwrap();
        let row = tx
            .query_one_raw(Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT tenant_id::text AS t FROM variants LIMIT 1",
            ))
            .await
            .unwrap();
        assert!(row.is_none(), "variants visible without the setting");
        tx.rollback().await.unwrap();
        let admin = Database::connect(backend.postgres.as_ref().unwrap().url_for("fund"))
            .await
            .unwrap();
        let row = admin
            .query_one_raw(Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT tenant_id::text AS t FROM variants LIMIT 1",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<String>("", "t").unwrap()
    };
    let tx = db.begin().await.unwrap();
    tx.execute_raw(Statement::from_sql_and_values(
        sea_orm::DatabaseBackend::Postgres,
        "SELECT set_config('app.tenant_id', $1, true)",
        [tenant_id.clone().into()],
    ))
    .await
    .unwrap();
    assert_eq!(count(&tx, "cases").await, 1);
    tx.commit().await.unwrap();
    // …and only for that transaction: the setting does not stay on the pooled connection.
    assert_eq!(count(&db, "cases").await, 0);

    // Another tenant's id shows nothing either.
    let tx = db.begin().await.unwrap();
    tx.execute_raw(Statement::from_sql_and_values(
        sea_orm::DatabaseBackend::Postgres,
        "SELECT set_config('app.tenant_id', $1, true)",
        [uuid::Uuid::new_v4().to_string().into()],
    ))
    .await
    .unwrap();
    assert_eq!(count(&tx, "cases").await, 0);
    tx.rollback().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_application_role_owns_nothing_and_cannot_rewrite_the_audit_trail() {
    let Some(backend) = Backend::postgres().await else {
        return;
    };
    let _app = spawn_app(backend.clone()).await;
    let db = as_application(&backend).await;

    let owned = db
        .query_one_raw(Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            format!("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public' AND tableowner = '{APP_LOGIN}'"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(owned, 0);
    let bypass = db
        .query_one_raw(Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT rolbypassrls AS b, rolsuper AS s FROM pg_roles WHERE rolname = current_user",
        ))
        .await
        .unwrap()
        .unwrap();
    assert!(!bypass.try_get::<bool>("", "b").unwrap());
    assert!(!bypass.try_get::<bool>("", "s").unwrap());

    for statement in [
        "UPDATE audit_log SET action = 'forged'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let result = db.execute_unprepared(statement).await;
        let message = result.expect_err(statement).to_string();
        assert!(
            message.contains("permission denied"),
            "{statement}: {message}"
        );
    }
}

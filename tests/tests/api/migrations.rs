//! Migrating as a step of its own: `kurator migrate` brings the control plane and every
//! organisation's database up to date under each database's migration lock, so that runs at the
//! same time take turns; a replica told not to migrate at start refuses to serve a database a
//! migration is pending for, naming the command that fixes it.

use kurator_domain::{TenantId, TenantSlug};
use kurator_gateway::app::{Application, migrate};
use kurator_platform::Settings;
use kurator_store::control::{NewTenant, repo};
use kurator_tests::{Backend, db_suites};
use sea_orm::ConnectionTrait;
use serde_json::json;

db_suites!(a_replica_that_does_not_migrate_waits_for_kurator_migrate);

fn settings(backend: &Backend) -> Settings {
    let mut json = backend.settings_json();
    json["database"]["migrate_at_start"] = json!(false);
    json["demo"] = json!({ "seed": false });
    Settings::defaults_with(json).unwrap()
}

async fn a_replica_that_does_not_migrate_waits_for_kurator_migrate(backend: Backend) {
    let settings = settings(&backend);
    let refused = Application::build(settings.clone()).await.err().unwrap();
    assert!(
        format!("{refused:#}").contains("kurator migrate"),
        "{refused:#}"
    );
    assert_eq!(migrate(&settings).await.unwrap(), Vec::<String>::new());

    // An organisation whose database nobody has migrated yet.
    let control = kurator_store::connect(&backend.control_url(), 2)
        .await
        .unwrap();
    repo::insert_tenant(
        &control,
        NewTenant {
            id: TenantId::new(),
            slug: &TenantSlug::parse("school").unwrap(),
            name_ru: "Школьная психологическая служба",
            name_kk: "Мектептің психологиялық қызметі",
            name_en: "School psychological service",
            preset: "state_centre",
            database_url: &backend.tenant_url("school"),
            time_zone: "Europe/Moscow",
            placement: "default",
        },
    )
    .await
    .unwrap();
    control.close().await.unwrap();
    let refused = Application::build(settings.clone()).await.err().unwrap();
    let message = format!("{refused:#}");
    assert!(
        message.contains("school") && message.contains("kurator migrate"),
        "{message}"
    );

    // `kurator migrate` twice at once: both succeed, each migration is applied once.
    let (first, second) = tokio::join!(migrate(&settings), migrate(&settings));
    assert_eq!(first.unwrap(), vec!["school".to_owned()]);
    assert_eq!(second.unwrap(), vec!["school".to_owned()]);
    let school = kurator_store::connect(&backend.tenant_url("school"), 1)
        .await
        .unwrap();
    let rows = school
        .query_all_raw(sea_orm::Statement::from_string(
            school.get_database_backend(),
            "SELECT version FROM seaql_migrations",
        ))
        .await
        .unwrap();
    let mut versions: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "version").unwrap())
        .collect();
    let applied = versions.len();
    versions.dedup();
    assert_eq!(versions.len(), applied);
    assert_eq!(kurator_store::pending_tenant(&school).await.unwrap(), 0);
    school.close().await.unwrap();

    let application = Application::build(settings).await.unwrap();
    let slug = TenantSlug::parse("school").unwrap();
    assert!(application.state().inner.tenants.by_slug(&slug).is_some());
}

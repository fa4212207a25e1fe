//! The floor a write is compared with: one row inserted and committed on the same database, through
//! the same driver and connection settings as the application (`kurator_store::connect`), into a
//! scratch table shaped like `case_records`.

use crate::measure::{self, Latency};
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement, TransactionTrait};
use std::time::Duration;

const TABLE: &str = "bench_raw_inserts";

pub async fn measure(
    db: &DatabaseConnection,
    requests: u32,
    budget: Duration,
) -> anyhow::Result<Latency> {
    let backend = db.get_database_backend();
    let (uuid, time, json) = match backend {
        DatabaseBackend::Postgres => ("uuid", "timestamptz", "jsonb"),
        _ => ("uuid_text", "timestamp_with_timezone_text", "json_text"),
    };
    db.execute_unprepared(&format!(
        "CREATE TABLE IF NOT EXISTS {TABLE} (id {uuid} PRIMARY KEY, tenant_id {uuid} NOT NULL, \
         case_id {uuid} NOT NULL, kind varchar(32) NOT NULL, key varchar(64) NOT NULL, \
         at {time} NOT NULL, data {json} NOT NULL, actor_id {uuid}, created_at {time} NOT NULL)"
    ))
    .await?;
    db.execute_unprepared(&format!(
        "CREATE INDEX IF NOT EXISTS {TABLE}_by_case ON {TABLE} (tenant_id, case_id, at)"
    ))
    .await?;
    let sql = match backend {
        DatabaseBackend::Postgres => format!(
            "INSERT INTO {TABLE} (id, tenant_id, case_id, kind, key, at, data, actor_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ),
        _ => format!(
            "INSERT INTO {TABLE} (id, tenant_id, case_id, kind, key, at, data, actor_id, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ),
    };
    let tenant = uuid::Uuid::now_v7();
    let case = uuid::Uuid::now_v7();
    let latency = measure::latency(requests / 10 + 3, requests, budget, |_| {
        let sql = sql.clone();
        async move {
            let now = Utc::now();
            let statement = Statement::from_sql_and_values(
                backend,
                sql,
                [
                    uuid::Uuid::now_v7().into(),
                    tenant.into(),
                    case.into(),
                    "contact".into(),
                    "home_visit".into(),
                    now.into(),
                    serde_json::json!({ "note": "Посещение по месту жительства" }).into(),
                    Some(tenant).into(),
                    now.into(),
                ],
            );
            let tx = db.begin().await.map_err(|e| e.to_string())?;
            tx.execute_raw(statement).await.map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        }
    })
    .await;
    db.execute_unprepared(&format!("DROP TABLE {TABLE}"))
        .await?;
    Ok(latency)
}

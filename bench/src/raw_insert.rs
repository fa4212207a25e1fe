//! The floor a write is compared with: one row inserted and committed on the same database, through
//! the same driver and connection settings as the application's writes (`kurator_store::connect`;
//! on SQLite `kurator_store::connect_sqlite_writer`, see `Seeder::tenant_writer`), into a scratch
//! table shaped like `case_records`.

use crate::measure::{self, Latency};
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement, TransactionTrait};
use std::time::Duration;

const TABLE: &str = "bench_raw_inserts";

/// The scratch table, and the statement that inserts one row into it.
pub struct RawInsert {
    db: DatabaseConnection,
    backend: DatabaseBackend,
    sql: String,
    tenant: uuid::Uuid,
    case: uuid::Uuid,
}

impl RawInsert {
    /// Makes the scratch table on `db`.
    pub async fn create(db: &DatabaseConnection) -> anyhow::Result<Self> {
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
        Ok(Self {
            db: db.clone(),
            backend,
            sql,
            tenant: uuid::Uuid::now_v7(),
            case: uuid::Uuid::now_v7(),
        })
    }

    /// One row inserted and committed.
    pub async fn once(&self) -> Result<(), String> {
        let now = Utc::now();
        let statement = Statement::from_sql_and_values(
            self.backend,
            self.sql.clone(),
            [
                uuid::Uuid::now_v7().into(),
                self.tenant.into(),
                self.case.into(),
                "contact".into(),
                "home_visit".into(),
                now.into(),
                serde_json::json!({ "note": "Посещение по месту жительства" }).into(),
                Some(self.tenant).into(),
                now.into(),
            ],
        );
        let tx = self.db.begin().await.map_err(|e| e.to_string())?;
        tx.execute_raw(statement).await.map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())
    }

    /// Drops the scratch table.
    pub async fn drop_table(self) -> anyhow::Result<()> {
        self.db
            .execute_unprepared(&format!("DROP TABLE {TABLE}"))
            .await?;
        Ok(())
    }
}

/// The raw insert alone, `requests` times after a warm-up.
pub async fn measure(
    db: &DatabaseConnection,
    requests: u32,
    budget: Duration,
) -> anyhow::Result<Latency> {
    let raw = RawInsert::create(db).await?;
    let latency = measure::latency(requests / 10 + 3, requests, budget, |_| raw.once()).await;
    raw.drop_table().await?;
    Ok(latency)
}

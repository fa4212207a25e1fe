//! Row-level security for tenant tables on PostgreSQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

/// The transaction-local setting that names the tenant a transaction works for. The application
/// sets it with `set_config('app.tenant_id', $1, true)` at the start of every tenant transaction.
pub const APP_TENANT_SETTING: &str = "app.tenant_id";

/// The group role whose privileges the application's login role holds on PostgreSQL.
pub const APP_ROLE: &str = "kurator_tenant_app";

/// Creates the application's group role when the server does not have it yet (a deployment
/// creates it beforehand, see `deploy/postgres/init.sql`, so that the role migrations run as
/// needs no right to create roles), and lets it use the `public` schema. A no-op on SQLite.
pub async fn ensure_app_role(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    if manager.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    // Roles are shared by the whole server; databases migrating side by side may race here.
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "DO $$ BEGIN
                 IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                     CREATE ROLE {APP_ROLE} NOLOGIN NOBYPASSRLS;
                 END IF;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
             END $$;
             GRANT USAGE ON SCHEMA public TO {APP_ROLE};"
        ))
        .await?;
    Ok(())
}

/// Grants `privileges` on `table` to the application role. Every tenant table created by a later
/// migration calls this too. A no-op on SQLite.
pub async fn grant_to_app(
    manager: &SchemaManager<'_>,
    table: &str,
    privileges: &str,
) -> Result<(), DbErr> {
    if manager.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let sql = format!("GRANT {privileges} ON {table} TO {APP_ROLE};");
    manager.get_connection().execute_unprepared(&sql).await?;
    Ok(())
}

/// Enables and forces row-level security on `table` with one policy: a row is visible and
/// writable only when its `tenant_id` equals the transaction's tenant setting. Without the
/// setting no row matches. A no-op on SQLite, where each tenant has its own database file.
pub async fn enable_tenant_rls(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let condition =
        format!("tenant_id = NULLIF(current_setting('{APP_TENANT_SETTING}', true), '')::uuid");
    let sql = format!(
        "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
         ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
         CREATE POLICY {table}_tenant_isolation ON {table}
             USING ({condition}) WITH CHECK ({condition});"
    );
    manager.get_connection().execute_unprepared(&sql).await?;
    Ok(())
}

/// Makes `table` append-only for everybody, the application included: a row once written is
/// never changed or removed (triggers `{table}_no_update`, `{table}_no_delete`; on PostgreSQL one
/// trigger and its function `{table}_append_only()`).
pub async fn make_append_only(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let sql = match manager.get_database_backend() {
        DatabaseBackend::Postgres => format!(
            "CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN RAISE EXCEPTION '{table} is append-only'; END $$;
                 CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table}
                     FOR EACH ROW EXECUTE FUNCTION {table}_append_only();"
        ),
        _ => format!(
            "CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
                 BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
                 CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                 BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
        ),
    };
    manager.get_connection().execute_unprepared(&sql).await?;
    Ok(())
}

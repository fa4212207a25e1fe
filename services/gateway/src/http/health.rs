//! Liveness and readiness probes.
//!
//! `/health/live` answers while the process serves requests. `/health/ready` checks everything
//! Kurator depends on — the control-plane database, every tenant database and the cache — and
//! answers 503 when something is down. Anybody may ask whether the replica is ready; only the
//! platform administrator (signed in, `Authorization: Bearer …`) is told what was checked, since
//! the list names every organisation on the platform. How to reach a database is never said.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

pub async fn live() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

#[tracing::instrument(skip_all)]
pub async fn ready(State(state): State<AppState>, headers: HeaderMap) -> (StatusCode, Json<Value>) {
    let services = &state.inner;
    let mut checks = serde_json::Map::new();
    let mut all_ok = true;
    let mut record = |name: String, result: Result<(), String>| {
        if let Err(err) = &result {
            tracing::warn!(check = %name, error = %err, "readiness check failed");
            all_ok = false;
        }
        checks.insert(name, json!(if result.is_ok() { "ok" } else { "down" }));
    };

    record(
        "control_plane".into(),
        services.control.ping().await.map_err(|e| e.to_string()),
    );
    for runtime in services.tenants.all() {
        let name = format!("tenant:{}", runtime.tenant().slug);
        record(name, runtime.ping().await.map_err(|e| e.to_string()));
    }
    let cache_name = format!("cache:{}", services.cache.kind());
    record(
        cache_name,
        services.cache.ping().await.map_err(|e| e.to_string()),
    );

    let status = if all_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let answer = if all_ok { "ready" } else { "not_ready" };
    let platform_admin = matches!(
        crate::graphql::resolve_caller(&state, &headers).await,
        Ok(Some(caller)) if caller.user.is_platform_admin
    );
    let body = if platform_admin {
        json!({ "status": answer, "checks": checks })
    } else {
        json!({ "status": answer })
    };
    (status, Json(body))
}

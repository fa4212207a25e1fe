//! Writing the audit trail from case work: every mutation with the values before and after, and
//! every opening of a case card.

use crate::actor::Actor;
use kurator_store::StoreError;
use kurator_store::TenantTx;
use kurator_store::tenant::audit::{self as store_audit, AuditRecord};
use serde::Serialize;
use uuid::Uuid;

pub struct Audit {
    action: &'static str,
    entity: &'static str,
    entity_id: Option<Uuid>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}

fn value(row: &impl Serialize) -> Option<serde_json::Value> {
    serde_json::to_value(row).ok()
}

impl Audit {
    pub fn created(
        action: &'static str,
        entity: &'static str,
        id: Uuid,
        after: &impl Serialize,
    ) -> Self {
        Self {
            action,
            entity,
            entity_id: Some(id),
            before: None,
            after: value(after),
        }
    }

    pub fn changed(
        action: &'static str,
        entity: &'static str,
        id: Uuid,
        before: &impl Serialize,
        after: &impl Serialize,
    ) -> Self {
        Self {
            action,
            entity,
            entity_id: Some(id),
            before: value(before),
            after: value(after),
        }
    }

    /// Families were looked up by name or case number: what was asked and which cases were shown.
    pub fn searched(what: &impl Serialize) -> Self {
        Self {
            action: "case.search",
            entity: "case",
            entity_id: None,
            before: None,
            after: value(what),
        }
    }

    /// Something was read (a case card opened).
    pub fn viewed(entity: &'static str, id: Uuid) -> Self {
        Self {
            action: "case.view",
            entity,
            entity_id: Some(id),
            before: None,
            after: None,
        }
    }
}

pub async fn record(tx: &TenantTx, actor: &Actor, audit: Audit) -> Result<(), StoreError> {
    store_audit::append(
        tx,
        AuditRecord {
            actor: Some(actor.user),
            action: audit.action,
            entity: audit.entity,
            entity_id: audit.entity_id,
            before: audit.before,
            after: audit.after,
            request_id: actor.request_id.clone(),
        },
    )
    .await
}

/// Records an administrative act on the organisation (its members, its settings) in its own
/// trail, in a transaction of its own.
pub async fn administrative(
    runtime: &crate::TenantRuntime,
    actor: &Actor,
    action: &'static str,
    entity_id: Uuid,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), StoreError> {
    let tx = runtime.begin().await?;
    let audit = Audit {
        action,
        entity: "member",
        entity_id: Some(entity_id),
        before,
        after,
    };
    record(&tx, actor, audit).await?;
    tx.commit().await
}

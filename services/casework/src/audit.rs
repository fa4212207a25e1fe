//! Writing the audit trail from case work: every mutation with the values before and after, and
//! every opening of a case card.
//!
//! A mutation's record is written in the mutation's own transaction. A card is read in a reading
//! transaction, and its view record then goes to the tenant's [`ViewWriter`], which writes the
//! records of all cards opened meanwhile in one short transaction (one commit, one sync for many
//! readers); the card is answered only once its record is committed.

use crate::actor::Actor;
use crate::runtime::{TenantRuntime, begin_writer};
use kurator_domain::TenantId;
use kurator_store::StoreError;
use kurator_store::TenantTx;
use kurator_store::tenant::audit::{self as store_audit, AuditRecord};
use sea_orm::{DatabaseConnection, DbErr};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};
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

fn audit_record(actor: &Actor, audit: Audit) -> AuditRecord {
    AuditRecord {
        actor: Some(actor.user),
        action: audit.action,
        entity: audit.entity,
        entity_id: audit.entity_id,
        before: audit.before,
        after: audit.after,
        request_id: actor.request_id.clone(),
    }
}

pub async fn record(tx: &TenantTx, actor: &Actor, audit: Audit) -> Result<(), StoreError> {
    store_audit::append(tx, audit_record(actor, audit)).await
}

/// Records that `actor` opened the card of `case`; returns once the record is committed, and
/// fails if it cannot be — a card is not shown unaudited.
pub async fn viewed(runtime: &TenantRuntime, actor: &Actor, case: Uuid) -> Result<(), StoreError> {
    runtime
        .views()
        .write(audit_record(actor, Audit::viewed("case", case)))
        .await
}

/// Most view records written in one transaction.
const MAX_VIEWS_PER_COMMIT: usize = 256;

/// The writer of card-view records of one tenant: a task that takes every record waiting, writes
/// them in one transaction (taking the writers' turn on SQLite like any writer) and tells each
/// request the outcome. While one batch commits the next gathers, so the more cards are opened
/// at once the more records share a commit; a lone reader waits for one short transaction.
pub(crate) struct ViewWriter {
    queue: mpsc::UnboundedSender<PendingView>,
}

struct PendingView {
    record: AuditRecord,
    written: oneshot::Sender<Result<(), String>>,
}

impl ViewWriter {
    /// Starts the writing task; it ends when the writer is dropped.
    pub(crate) fn start(
        db: DatabaseConnection,
        tenant: TenantId,
        turns: Option<Arc<Mutex<()>>>,
    ) -> Self {
        let (queue, pending) = mpsc::unbounded_channel();
        tokio::spawn(write_views(db, tenant, turns, pending));
        Self { queue }
    }

    pub(crate) async fn write(&self, record: AuditRecord) -> Result<(), StoreError> {
        let stopped = || StoreError::Database(DbErr::Custom("the audit writer has stopped".into()));
        let (written, outcome) = oneshot::channel();
        self.queue
            .send(PendingView { record, written })
            .map_err(|_| stopped())?;
        outcome
            .await
            .map_err(|_| stopped())?
            .map_err(|message| StoreError::Database(DbErr::Custom(message)))
    }
}

async fn write_views(
    db: DatabaseConnection,
    tenant: TenantId,
    turns: Option<Arc<Mutex<()>>>,
    mut pending: mpsc::UnboundedReceiver<PendingView>,
) {
    let mut batch = Vec::new();
    while pending.recv_many(&mut batch, MAX_VIEWS_PER_COMMIT).await > 0 {
        let (records, waiting): (Vec<_>, Vec<_>) =
            batch.drain(..).map(|p| (p.record, p.written)).unzip();
        let outcome = async {
            let tx = begin_writer(&db, tenant, turns.as_ref()).await?;
            store_audit::append_many(&tx, records).await?;
            tx.commit().await
        }
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "card views not written to the audit trail");
            err.to_string()
        });
        for written in waiting {
            let _ = written.send(outcome.clone());
        }
    }
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

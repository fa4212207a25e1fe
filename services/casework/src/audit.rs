//! Writing the audit trail from case work: every mutation with the values before and after, and
//! every opening of a case card.
//!
//! A mutation's record is written in the mutation's own transaction. A card is read in a reading
//! transaction, and its view record then goes to the tenant's [`ViewWriter`], which writes the
//! records of all cards opened meanwhile in one short transaction (one commit, one sync for many
//! readers); the card is answered only once its record is committed.

use crate::actor::Actor;
use crate::organisations::PlatformActor;
use crate::runtime::{TenantRuntime, begin_writer};
use kurator_domain::{TenantId, UserId};
use kurator_store::StoreError;
use kurator_store::TenantTx;
use kurator_store::control::{audit_outbox, platform_audit};
use kurator_store::tenant::audit::{self as store_audit, AuditRecord};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
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

/// The record [`record`] writes; also for a store function that writes it with the change itself.
pub(crate) fn audit_record(actor: &Actor, audit: Audit) -> AuditRecord {
    record_by(actor.user, actor.request_id.clone(), audit)
}

fn record_by(user: UserId, request_id: Option<String>, audit: Audit) -> AuditRecord {
    AuditRecord {
        actor: Some(user),
        action: audit.action,
        entity: audit.entity,
        entity_id: audit.entity_id,
        before: audit.before,
        after: audit.after,
        request_id,
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

/// Writes the record of a change made in the control plane (a member created, a role granted or
/// taken, an organisation created, suspended or resumed) into the control plane's outbox, inside
/// `control_tx` — the transaction making the change — so that the change and its record commit
/// together or not at all. [`deliver_outbox`] then brings it into the organisation's own trail.
pub async fn enqueue(
    control_tx: &impl ConnectionTrait,
    tenant: TenantId,
    actor: &Actor,
    audit: Audit,
) -> Result<Uuid, StoreError> {
    audit_outbox::enqueue(control_tx, tenant, audit_record(actor, audit)).await
}

/// Writes the record of a change made on the platform as a whole (a methodologist of the
/// platform appointed or relieved, an organisation created, suspended or resumed) into the
/// platform's own trail, inside `control_tx` — the transaction making the change — so that the
/// change and its record commit together or not at all. A change that concerns one organisation
/// also goes to that organisation's trail, through [`enqueue`].
pub async fn record_platform(
    control_tx: &impl ConnectionTrait,
    actor: &PlatformActor,
    audit: Audit,
) -> Result<Uuid, StoreError> {
    platform_audit::append(
        control_tx,
        record_by(actor.user, actor.request_id.clone(), audit),
    )
    .await
}

/// Most outbox records delivered in one tenant transaction.
const OUTBOX_BATCH: u64 = 200;

/// Delivers every record the outbox holds for `runtime`'s organisation into its trail, oldest
/// first, and marks them delivered. A record is written under its outbox id, so a delivery that
/// stopped between the trail's commit and the mark writes nothing twice when repeated. Called
/// right after each administrative change, and by the deadline worker for whatever could not be
/// delivered then. Answers how many records were written.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn deliver_outbox(
    runtime: &crate::TenantRuntime,
    control: &DatabaseConnection,
) -> Result<usize, StoreError> {
    let tenant = runtime.tenant().id;
    let mut written = 0;
    loop {
        let batch = audit_outbox::pending(control, tenant, OUTBOX_BATCH).await?;
        if batch.is_empty() {
            return Ok(written);
        }
        let tx = runtime.begin().await?;
        written += store_audit::append_delivered(&tx, &batch).await?;
        tx.commit().await?;
        let ids: Vec<Uuid> = batch.iter().map(|e| e.id).collect();
        audit_outbox::mark_delivered(control, tenant, &ids, chrono::Utc::now()).await?;
        if (batch.len() as u64) < OUTBOX_BATCH {
            return Ok(written);
        }
    }
}

/// [`deliver_outbox`] right after a change: the change has committed with its record in the
/// outbox, so a failure here only delays the record (the deadline worker delivers it) and is
/// logged, not returned.
pub async fn deliver_outbox_now(runtime: &crate::TenantRuntime, control: &DatabaseConnection) {
    if let Err(err) = deliver_outbox(runtime, control).await {
        tracing::warn!(error = %err, "audit records left in the outbox for the worker");
    }
}

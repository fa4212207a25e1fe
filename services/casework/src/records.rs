//! Visits, contacts and monitoring records (визиты, контакты, мониторинг) of the kinds the variant
//! names: the fund's current, monthly, quarterly and annual monitoring; the state centre's
//! intermediate and final monitoring; the clinic's contacts by placement.

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::case_file::kind;
use crate::cases::get_in_scope;
use crate::error::{CaseworkError, CaseworkResult};
use crate::forms::MAX_FIELD_LEN;
use crate::runtime::TenantRuntime;
use chrono::{DateTime, Utc};
use kurator_method::problem;
use kurator_store::tenant::cases::{self, NewRecord, RecordRow};
use kurator_store::tenant::idempotency;
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct RecordInput {
    pub kind: String,
    pub at: DateTime<Utc>,
    /// Notes, participants, findings — personal data.
    pub data: Value,
}

/// What a person saw of the case when they began recording a contact — on a phone with no
/// connection, perhaps hours before it is sent.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub stage: Option<String>,
    pub status: Option<String>,
}

/// How a contact is sent: with an idempotency key a retry returns the entry the first attempt
/// made; with what the person saw, a case that has since changed stage or status (closed,
/// moved on) refuses the entry so that the person decides, rather than it landing silently.
#[derive(Debug, Clone, Default)]
pub struct ContactOptions<'a> {
    pub idempotency_key: Option<&'a str>,
    pub seen: Option<Seen>,
}

const RECORD_CONTACT: &str = "record_contact";

/// Records a contact (visit, call, meeting) of a kind the variant declares.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn contact(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    input: RecordInput,
) -> CaseworkResult<RecordRow> {
    contact_with(runtime, actor, case_id, input, ContactOptions::default()).await
}

/// [`contact`], retried safely and checked against what the person saw.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn contact_with(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    input: RecordInput,
    options: ContactOptions<'_>,
) -> CaseworkResult<RecordRow> {
    let tx = runtime.begin().await?;
    let case = get_in_scope(&tx, actor, case_id).await?;
    if let Some(key) = options.idempotency_key
        && let Some(existing) = idempotency::find(&tx, actor.user, key, RECORD_CONTACT).await?
    {
        return Ok(cases::record(&tx, case_id, existing).await?);
    }
    let variant = runtime.variant_in(&tx, case.variant_version).await?;
    if let Some(seen) = &options.seen {
        let stage_changed = seen.stage.as_ref().is_some_and(|s| *s != case.stage);
        let status_changed = seen.status.as_ref().is_some_and(|s| *s != case.status);
        if stage_changed || status_changed {
            let stage = variant
                .stage(&case.stage)
                .map_or(case.stage.clone(), |s| s.name.ru.clone());
            let stage_en = variant
                .stage(&case.stage)
                .and_then(|s| s.name.en.clone())
                .unwrap_or_else(|| case.stage.clone());
            let status = &case.status;
            return Err(CaseworkError::rejected(problem!(
                at = "seen",
                "case_changed_meanwhile",
                "Пока запись ждала отправки, случай изменился: теперь этап «{stage}», статус «{status}». Проверьте запись и отправьте её снова или удалите",
                "While the entry waited to be sent, the case changed: it is now at stage “{stage_en}”, status “{status}”. Check the entry and send it again, or delete it"
            )));
        }
    }
    if !variant
        .doc()
        .contact_kinds
        .iter()
        .any(|k| k.key == input.kind)
    {
        let known: Vec<_> = variant
            .doc()
            .contact_kinds
            .iter()
            .map(|k| k.key.as_str())
            .collect();
        let (kind, known) = (&input.kind, known.join(", "));
        return Err(CaseworkError::rejected(problem!(
            at = "kind",
            "unknown_contact_kind",
            "kind: вид контакта «{kind}» не предусмотрен вариантом; ожидается один из: {known}",
            "kind: the variant provides no contact kind “{kind}”; expected one of: {known}"
        )));
    }
    check_data(&input.data)?;
    // A contact changes the case's record, never its row.
    let row = cases::append_record_of_audited(
        &tx,
        &case,
        NewRecord::new(case_id, kind::CONTACT, input.kind, input.at, actor.user).with(input.data),
        |row| audit::audit_record(actor, Audit::created("case.contact", "case", case_id, row)),
    )
    .await?;
    if let Some(key) = options.idempotency_key {
        idempotency::remember(&tx, actor.user, key, RECORD_CONTACT, row.id).await?;
    }
    tx.commit().await?;
    Ok(row)
}

/// Records monitoring of a kind the variant declares; the event the kind completes is recorded too,
/// so recurring monitoring obligations are met.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn monitoring(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    input: RecordInput,
) -> CaseworkResult<RecordRow> {
    check_data(&input.data)?;
    let tx = runtime.begin().await?;
    let case = get_in_scope(&tx, actor, case_id).await?;
    let variant = runtime.variant_in(&tx, case.variant_version).await?;
    let kinds = &variant.doc().monitoring_kinds;
    let Some(monitoring_kind) = kinds.iter().find(|k| k.key == input.kind) else {
        let known: Vec<&str> = kinds.iter().map(|k| k.key.as_str()).collect();
        return Err(CaseworkError::rejected(if known.is_empty() {
            problem!(
                at = "kind",
                "no_monitoring_kinds",
                "kind: вариант технологии не предусматривает записей мониторинга",
                "kind: the method variant provides no monitoring records"
            )
        } else {
            let known = known.join(", ");
            problem!(
                at = "kind",
                "unknown_monitoring_kind",
                "kind: ожидается один из видов мониторинга: {known}",
                "kind: expected one of the monitoring kinds: {known}"
            )
        }));
    };
    let completes = monitoring_kind.completes.clone();
    let row = cases::append_record(
        &tx,
        NewRecord::new(
            case_id,
            kind::MONITORING,
            input.kind.clone(),
            input.at,
            actor.user,
        )
        .with(input.data),
    )
    .await?;
    if let Some(event) = completes {
        cases::append_record(
            &tx,
            NewRecord::new(case_id, kind::EVENT, event, input.at, actor.user)
                .with(serde_json::json!({ "monitoring": row.id })),
        )
        .await?;
    }
    audit::record(
        &tx,
        actor,
        Audit::created("case.monitoring", "case", case_id, &row),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

fn check_data(data: &Value) -> CaseworkResult<()> {
    if !data.is_object() {
        return Err(CaseworkError::rejected(problem!(
            at = "data",
            "not_an_object",
            "data: ожидается объект",
            "data: an object is expected"
        )));
    }
    if data.to_string().len() > 4 * MAX_FIELD_LEN {
        return Err(CaseworkError::rejected(problem!(
            at = "data",
            "too_large",
            "data: запись слишком велика",
            "data: the record is too large"
        )));
    }
    Ok(())
}

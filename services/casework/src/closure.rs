//! Closure and after (закрытие случая, пост-сопровождение): the variant's criteria checklist,
//! outcome indicators, the post-support or follow-up period, and reopening — as a new case that
//! inherits the family's documents (fund) or as the same case through all steps again (clinic).

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::case_file::{kind, status};
use crate::cases::{get_in_scope, load_files};
use crate::error::{CaseworkError, CaseworkResult};
use crate::runtime::TenantRuntime;
use crate::steps::{is_post_support_stage, opening_stage};
use chrono::{DateTime, Utc};
use kurator_domain::UserId;
use kurator_method::obligations::post_closure_window;
use kurator_method::transitions;
use kurator_store::tenant::cases::{self, CaseRow, NewCase, NewRecord};
use serde_json::json;
use std::collections::BTreeSet;
use uuid::Uuid;

/// Domains in which a child's quality of life can improve (seed 001 §2.4).
pub const QUALITY_DOMAINS: [&str; 4] = [
    "material_wellbeing",
    "health",
    "psychological_state",
    "education",
];

/// The case, if the caller may close, decline or reopen it — its curator or a lead — and the
/// version they saw is the current one.
async fn closable(
    tx: &kurator_store::TenantTx,
    actor: &Actor,
    case_id: Uuid,
    expected_version: i32,
) -> CaseworkResult<CaseRow> {
    let case = get_in_scope(tx, actor, case_id).await?;
    if !actor.may_close(case.curator_id.map(UserId)) {
        return Err(CaseworkError::Forbidden);
    }
    if case.version != expected_version {
        return Err(CaseworkError::Stale {
            current: case.version,
        });
    }
    Ok(case)
}

#[derive(Debug, Clone)]
pub struct ClosureInput {
    /// Criteria of the variant's checklist the team confirms.
    pub confirmed: Vec<String>,
    /// Outcome indicators reached (variant outcome keys).
    pub outcomes: Vec<String>,
    /// Domains where the child's quality of life improved.
    pub improved_domains: Vec<String>,
    pub note: Option<String>,
    /// The variant role the person closes the case in (for the transition into post-support).
    pub acting_as: String,
    pub at: DateTime<Utc>,
}

#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn close(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    expected_version: i32,
    input: ClosureInput,
) -> CaseworkResult<CaseRow> {
    let tx = runtime.begin().await?;
    let case = closable(&tx, actor, case_id, expected_version).await?;
    if case.status != status::OPEN {
        return Err(CaseworkError::rejected(format!(
            "закрыть можно только открытый случай; статус случая: {}",
            case.status
        )));
    }
    let variant = runtime.variant(case.variant_version)?.clone();
    let mut problems = Vec::new();
    let criteria: Vec<String> = variant
        .doc()
        .closure
        .as_ref()
        .map(|c| c.criteria.iter().map(|k| k.key.clone()).collect())
        .unwrap_or_default();
    for key in &input.confirmed {
        if !criteria.contains(key) {
            problems.push(format!(
                "confirmed: «{key}» нет среди критериев закрытия варианта"
            ));
        }
    }
    for key in &input.outcomes {
        if !variant.doc().outcomes.iter().any(|o| &o.key == key) {
            problems.push(format!("outcomes: «{key}» нет среди результатов варианта"));
        }
    }
    for domain in &input.improved_domains {
        if !QUALITY_DOMAINS.contains(&domain.as_str()) {
            problems.push(format!(
                "improvedDomains: ожидается одно из {}",
                QUALITY_DOMAINS.join(", ")
            ));
        }
    }
    if !problems.is_empty() {
        return Err(CaseworkError::Rejected(problems));
    }
    let file = load_files(&tx, vec![case.clone()])
        .await?
        .pop()
        .ok_or(CaseworkError::NotFound)?;
    let facts = file.facts();
    let confirmed: BTreeSet<String> = input.confirmed.iter().cloned().collect();
    let check = transitions::closure_check(
        &variant,
        &confirmed,
        Some(&facts),
        input.at,
        runtime.calendar(),
    );
    if !check.allowed {
        let names: Vec<String> = check
            .missing
            .iter()
            .map(|key| {
                variant
                    .doc()
                    .closure
                    .as_ref()
                    .and_then(|c| c.criteria.iter().find(|k| &k.key == key))
                    .map_or(key.clone(), |k| k.name.ru.clone())
            })
            .collect();
        return Err(CaseworkError::Rejected(
            names
                .into_iter()
                .map(|n| format!("критерий закрытия не подтверждён: {n}"))
                .collect(),
        ));
    }

    let window = post_closure_window(&variant, input.at, runtime.calendar());
    let mut changed = case.clone();
    changed.closed_at = Some(input.at);
    changed.outcome = Some(json!({
        "confirmed": input.confirmed,
        "outcomes": input.outcomes,
        "improved_domains": input.improved_domains,
        "advisory": check.advisory,
        "missing": check.missing,
    }));
    // Where the variant continues with a post-support stage from here, closing the case moves it
    // there — through the variant's own transition and its guards.
    let post_support_stage = variant
        .doc()
        .transitions
        .iter()
        .filter(|t| t.from == case.stage && is_post_support_stage(&variant, &t.to))
        .map(|t| t.to.clone())
        .next();
    if let Some(stage) = &post_support_stage {
        transitions::check_transition(
            &variant,
            &file.state(&variant),
            stage,
            &input.acting_as,
            &Default::default(),
            input.at,
            runtime.calendar(),
        )
        .map_err(|list| CaseworkError::Rejected(list.iter().map(|r| r.message()).collect()))?;
        changed.stage = stage.clone();
        changed.stage_entered_at = input.at;
        cases::append_record(
            &tx,
            NewRecord::new(case_id, kind::STAGE, stage.clone(), input.at, actor.user)
                .with(json!({ "from": case.stage, "closure": true })),
        )
        .await?;
    }
    if window.is_some() || post_support_stage.is_some() {
        let (min, max) = window.unwrap_or((None, None));
        changed.status = status::POST_SUPPORT.into();
        changed.post_support_until = max.or(min);
        cases::append_record(
            &tx,
            NewRecord::new(
                case_id,
                kind::EVENT,
                "post_support_started",
                input.at,
                actor.user,
            )
            .with(json!({ "until_min": min, "until_max": max })),
        )
        .await?;
    } else {
        changed.status = status::CLOSED.into();
    }
    cases::append_record(
        &tx,
        NewRecord::new(case_id, kind::CLOSURE, "closed", input.at, actor.user)
            .with(json!({ "note": input.note, "outcome": changed.outcome })),
    )
    .await?;
    let after = cases::update(&tx, changed, expected_version).await?;
    audit::record(
        &tx,
        actor,
        Audit::changed("case.close", "case", case_id, &case, &after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Ends the post-support (follow-up) period.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn end_post_support(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    expected_version: i32,
    at: DateTime<Utc>,
) -> CaseworkResult<CaseRow> {
    let tx = runtime.begin().await?;
    let case = closable(&tx, actor, case_id, expected_version).await?;
    if case.status != status::POST_SUPPORT {
        return Err(CaseworkError::rejected(
            "случай не находится в пост-сопровождении",
        ));
    }
    let mut changed = case.clone();
    changed.status = status::CLOSED.into();
    changed.post_support_until = Some(at);
    if changed.closed_at.is_none() {
        changed.closed_at = Some(at);
    }
    let after = cases::update(&tx, changed, expected_version).await?;
    audit::record(
        &tx,
        actor,
        Audit::changed("case.end_post_support", "case", case_id, &case, &after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Reopens after relapse or regression, as the variant says. Returns the case that continues:
/// a new one (inheriting the family's documents) or the same one back at the restart stage.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn reopen(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    expected_version: i32,
    at: DateTime<Utc>,
) -> CaseworkResult<CaseRow> {
    let tx = runtime.begin().await?;
    let case = closable(&tx, actor, case_id, expected_version).await?;
    if case.status != status::CLOSED && case.status != status::POST_SUPPORT {
        return Err(CaseworkError::rejected(
            "открыть заново можно только закрытый случай",
        ));
    }
    let variant = runtime.variant(case.variant_version)?.clone();
    let file = load_files(&tx, vec![case.clone()])
        .await?
        .pop()
        .ok_or(CaseworkError::NotFound)?;
    let reopened = transitions::reopen(&variant, &file.state(&variant), at).ok_or_else(|| {
        CaseworkError::rejected("вариант технологии не предусматривает повторного открытия")
    })?;
    let restart = reopened.state.stage.clone();
    let opens = opening_stage(&variant)
        .and_then(|o| variant.stage_index(o))
        .zip(variant.stage_index(&restart))
        .is_some_and(|(opening, restart)| restart >= opening);
    let new_status = if opens { status::OPEN } else { status::INTAKE };

    let continuing = if reopened.new_case {
        let new_case = cases::insert(
            &tx,
            NewCase {
                id: Uuid::now_v7(),
                signal_id: case.signal_id,
                family: case.family.clone(),
                variant_key: variant.key().to_owned(),
                variant_version: case.variant_version,
                status: new_status.into(),
                stage: restart.clone(),
                curator_id: case.curator_id.map(UserId),
                attributes: case.attributes.clone(),
                opened_at: at,
                parent_case_id: Some(case.id),
            },
        )
        .await?;
        if let Some(curator) = case.curator_id {
            cases::add_member(&tx, new_case.id, UserId(curator), "curator").await?;
        }
        // Every document the family already has comes along.
        for record in file
            .records
            .iter()
            .filter(|r| r.kind == kind::ARTEFACT || r.kind == kind::CONSENT)
        {
            cases::append_record(
                &tx,
                NewRecord::new(
                    new_case.id,
                    if record.kind == kind::ARTEFACT {
                        kind::ARTEFACT
                    } else {
                        kind::CONSENT
                    },
                    record.key.clone(),
                    record.at,
                    actor.user,
                )
                .with(json!({ "inherited_from": case.id, "content": record.data })),
            )
            .await?;
        }
        let mut old = case.clone();
        old.status = status::CLOSED.into();
        let old_after = cases::update(&tx, old, expected_version).await?;
        audit::record(
            &tx,
            actor,
            Audit::changed("case.reopen_closes_old", "case", case.id, &case, &old_after),
        )
        .await?;
        audit::record(
            &tx,
            actor,
            Audit::created("case.reopen_as_new", "case", new_case.id, &new_case),
        )
        .await?;
        new_case
    } else {
        let mut changed = case.clone();
        changed.status = new_status.into();
        changed.stage = restart.clone();
        changed.stage_entered_at = at;
        changed.closed_at = None;
        changed.post_support_until = None;
        let after = cases::update(&tx, changed, expected_version).await?;
        audit::record(
            &tx,
            actor,
            Audit::changed("case.reopen", "case", case_id, &case, &after),
        )
        .await?;
        after
    };
    cases::append_record(
        &tx,
        NewRecord {
            case_id: continuing.id,
            kind: kind::REOPENED,
            key: "reopened".into(),
            at,
            data: json!({ "from_case": case.id, "new_case": reopened.new_case }),
            actor: Some(actor.user),
        },
    )
    .await?;
    cases::append_record(
        &tx,
        NewRecord {
            case_id: continuing.id,
            kind: kind::STAGE,
            key: restart,
            at,
            data: json!({ "reopened": true }),
            actor: Some(actor.user),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(continuing)
}

/// Declines a case still in intake — the decision after the first visit was not to take it. An
/// informed refusal: the reasons and where else the family can get help. The family no longer
/// counts against anyone's caseload.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn decline(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    expected_version: i32,
    reasons: String,
    alternatives: Vec<String>,
    at: DateTime<Utc>,
) -> CaseworkResult<CaseRow> {
    let mut problems = Vec::new();
    if reasons.trim().is_empty() || reasons.chars().count() > crate::forms::MAX_FIELD_LEN {
        problems.push("reasons: укажите причины отказа".to_owned());
    }
    if alternatives.iter().all(|a| a.trim().is_empty()) {
        problems.push(
            "alternatives: информированный отказ называет, куда ещё можно обратиться".to_owned(),
        );
    }
    if !problems.is_empty() {
        return Err(CaseworkError::Rejected(problems));
    }
    let tx = runtime.begin().await?;
    let case = closable(&tx, actor, case_id, expected_version).await?;
    if case.status != status::INTAKE {
        return Err(CaseworkError::rejected(
            "отказать можно только до открытия случая",
        ));
    }
    let mut changed = case.clone();
    changed.status = status::DECLINED.into();
    changed.closed_at = Some(at);
    changed.outcome =
        Some(json!({ "declined": { "reasons": reasons, "alternatives": alternatives } }));
    cases::append_record(
        &tx,
        NewRecord {
            case_id,
            kind: kind::CLOSURE,
            key: "declined".into(),
            at,
            data: json!({ "reasons": reasons, "alternatives": alternatives }),
            actor: Some(actor.user),
        },
    )
    .await?;
    let after = cases::update(&tx, changed, expected_version).await?;
    audit::record(
        &tx,
        actor,
        Audit::changed("case.decline", "case", case_id, &case, &after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

//! Moving open cases to a newer published version of the variant («перевод открытых случаев на
//! новую версию»). The dry run reports per case: its stage before and after (the same key when the
//! new version has it, otherwise the administrator's mapping, otherwise a person must decide),
//! the obligations added, removed or moved with their new due dates, and those overdue at once.
//! Applying it moves case by case, each in its own transaction, recording the state before in the
//! case's trail; a case already on the target version is skipped, so a run stopped half-way is
//! simply run again.

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::case_file::{CaseFile, kind};
use crate::cases::load_files;
use crate::deadlines;
use crate::error::{CaseworkError, CaseworkResult};
use crate::runtime::TenantRuntime;
use chrono::{DateTime, Utc};
use kurator_method::obligations::{Obligation, Status};
use kurator_method::problem;
use kurator_method::versioning::MigrationReport;
use kurator_method::{Problem, Variant};
use kurator_store::TenantTx;
use kurator_store::tenant::cases::{self, NewRecord};
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

/// Where the cases of a stage the new version no longer has go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageMapping {
    pub from: String,
    pub to: String,
}

/// What moving one case would do.
#[derive(Debug, Clone)]
pub struct CaseMigration {
    pub case_id: Uuid,
    pub number: Option<i64>,
    pub curator: Option<Uuid>,
    pub status: String,
    pub from_version: i32,
    pub stage_from: String,
    /// `None` when a person must decide.
    pub stage_to: Option<String>,
    /// Why the case cannot be moved automatically.
    pub needs_decision: Option<Problem>,
    pub report: MigrationReport,
    /// Open obligations that are overdue under the new version and were not before.
    pub overdue_at_once: Vec<Obligation>,
}

/// The dry run, or what a run did.
#[derive(Debug, Clone)]
pub struct MigrationPlan {
    pub to_version: u32,
    /// Every active case on an older version, with what moving it changes.
    pub cases: Vec<CaseMigration>,
    /// Applied runs: the cases this run moved (the others were on the version already, or need
    /// a decision).
    pub moved: Vec<Uuid>,
}

/// The target version, checked: published, and newer than some published version.
async fn target(
    runtime: &TenantRuntime,
    tx: &TenantTx,
    to_version: i32,
    mapping: &[StageMapping],
) -> CaseworkResult<Arc<Variant>> {
    let Ok(variant) = runtime.variant_in(tx, to_version).await else {
        return Err(CaseworkError::rejected(problem!(
            at = "toVersion",
            "migration_version_unknown",
            "Версия {to_version} варианта не опубликована",
            "Variant version {to_version} is not published"
        )));
    };
    let oldest = runtime.published_versions().first().copied().unwrap_or(0);
    if i64::from(to_version) <= i64::from(oldest) {
        return Err(CaseworkError::rejected(problem!(
            at = "toVersion",
            "migration_not_newer",
            "Версия {to_version} не новее ни одной опубликованной версии: переводить не на что",
            "Version {to_version} is not newer than any published version: there is nothing to move"
        )));
    }
    let problems: Vec<Problem> = mapping
        .iter()
        .enumerate()
        .filter(|(_, m)| variant.stage(&m.to).is_none())
        .map(|(i, m)| {
            let to = &m.to;
            problem!(
                at = format!("stageMapping[{i}].to"),
                "migration_stage_unknown",
                "В версии {to_version} нет этапа «{to}»",
                "Version {to_version} has no stage “{to}”"
            )
        })
        .collect();
    if !problems.is_empty() {
        return Err(CaseworkError::Rejected(problems));
    }
    Ok(variant.clone())
}

fn needs_mapping(stage: &str, to_version: i32) -> Problem {
    problem!(
        at = "stageMapping",
        "migration_stage_unmapped",
        "Этапа «{stage}» нет в версии {to_version}: укажите, на какой этап перевести случай",
        "Version {to_version} has no stage “{stage}”: map it to one of its stages"
    )
}

/// What moving `file` to `new` would do at `now`.
fn plan_case(
    runtime: &TenantRuntime,
    old: &Variant,
    new: &Variant,
    file: &CaseFile,
    mapping: &[StageMapping],
    now: DateTime<Utc>,
) -> CaseMigration {
    let case = &file.case;
    let stage_to = if new.stage(&case.stage).is_some() {
        Some(case.stage.clone())
    } else {
        mapping
            .iter()
            .find(|m| m.from == case.stage)
            .map(|m| m.to.clone())
    };
    let to_version = i32::try_from(new.version()).unwrap_or(i32::MAX);
    let needs_decision = stage_to
        .is_none()
        .then(|| needs_mapping(&case.stage, to_version));
    let calendar = runtime.calendar();
    let before = deadlines::evaluate(old, &calendar, file, now);
    let mut moved_file = file.clone();
    if let Some(stage) = &stage_to {
        moved_file.case.stage = stage.clone();
    }
    let after = deadlines::evaluate(new, &calendar, &moved_file, now);
    let mut report = MigrationReport {
        from_version: old.version(),
        to_version: new.version(),
        added: vec![],
        removed: vec![],
        moved: vec![],
        slip_before_days: before.slip_days(),
        slip_after_days: after.slip_days(),
        slip_exceeded_after: after.slip_exceeded,
    };
    let mut overdue_at_once = Vec::new();
    // An obligation already met stays in the past: a new due date for it changes nothing, only
    // a changed verdict (met on time, met late) does.
    for o in &before.obligations {
        match after.obligations.iter().find(|x| x.kind == o.kind) {
            None if o.status.is_open() => report.removed.push(o.clone()),
            None => {}
            Some(n) if n.status != o.status || (n.due != o.due && o.status.is_open()) => {
                if n.status == Status::Overdue && o.status != Status::Overdue {
                    overdue_at_once.push(n.clone());
                }
                report.moved.push((o.clone(), n.clone()));
            }
            Some(_) => {}
        }
    }
    for n in &after.obligations {
        if !before.obligations.iter().any(|x| x.kind == n.kind) {
            if n.status == Status::Overdue {
                overdue_at_once.push(n.clone());
            }
            report.added.push(n.clone());
        }
    }
    CaseMigration {
        case_id: case.id,
        number: case.number,
        curator: case.curator_id,
        status: case.status.clone(),
        from_version: case.variant_version,
        stage_from: case.stage.clone(),
        stage_to,
        needs_decision,
        report,
        overdue_at_once,
    }
}

/// The dry run: every active case on an older version than `to_version`, with what moving it
/// would change. Writes nothing.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, to_version))]
pub async fn preview(
    runtime: &TenantRuntime,
    actor: &Actor,
    to_version: i32,
    mapping: &[StageMapping],
    now: DateTime<Utc>,
) -> CaseworkResult<MigrationPlan> {
    actor.require_org_admin()?;
    let tx = runtime.read().await?;
    let new = target(runtime, &tx, to_version, mapping).await?;
    let rows = cases::active_before_version(&tx, to_version).await?;
    let files = load_files(&tx, rows).await?;
    let mut planned = Vec::with_capacity(files.len());
    for file in &files {
        let old = runtime.variant_in(&tx, file.case.variant_version).await?;
        planned.push(plan_case(runtime, old, &new, file, mapping, now));
    }
    tx.commit().await?;
    Ok(MigrationPlan {
        to_version: new.version(),
        cases: planned,
        moved: Vec::new(),
    })
}

/// Moves every active case on an older version to `to_version`, each in its own transaction.
/// Cases that need a decision stay where they are and are listed; a case moved meanwhile (or by
/// an earlier, interrupted run) is skipped.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, to_version))]
pub async fn apply(
    runtime: &TenantRuntime,
    actor: &Actor,
    to_version: i32,
    mapping: &[StageMapping],
    now: DateTime<Utc>,
) -> CaseworkResult<MigrationPlan> {
    actor.require_org_admin()?;
    let tx = runtime.read().await?;
    let new = target(runtime, &tx, to_version, mapping).await?;
    let ids: Vec<Uuid> = cases::active_before_version(&tx, to_version)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    tx.commit().await?;
    let mut result = MigrationPlan {
        to_version: new.version(),
        cases: Vec::new(),
        moved: Vec::new(),
    };
    for id in ids {
        if let Some(planned) = move_case(runtime, actor, &new, id, mapping, now).await? {
            if planned.needs_decision.is_none() {
                result.moved.push(planned.case_id);
                if runtime.migration_failpoint() == Some(result.moved.len()) {
                    return Err(CaseworkError::Variant(format!(
                        "migration failpoint after {} cases",
                        result.moved.len()
                    )));
                }
            }
            result.cases.push(planned);
        }
    }
    Ok(result)
}

/// Moves one case in its own transaction; `None` when it needs no move any more.
async fn move_case(
    runtime: &TenantRuntime,
    actor: &Actor,
    new: &Variant,
    id: Uuid,
    mapping: &[StageMapping],
    now: DateTime<Utc>,
) -> CaseworkResult<Option<CaseMigration>> {
    let tx = runtime.begin().await?;
    let case = cases::get_for_update(&tx, id).await?;
    let to_version = i32::try_from(new.version()).unwrap_or(i32::MAX);
    let active = matches!(case.status.as_str(), "intake" | "open" | "post_support");
    if case.variant_version >= to_version || !active {
        tx.commit().await?;
        return Ok(None);
    }
    let old = runtime.variant_in(&tx, case.variant_version).await?.clone();
    let file = load_files(&tx, vec![case.clone()])
        .await?
        .pop()
        .ok_or(CaseworkError::NotFound)?;
    let planned = plan_case(runtime, &old, new, &file, mapping, now);
    let Some(stage_to) = planned.stage_to.clone() else {
        tx.commit().await?;
        return Ok(Some(planned));
    };
    let mut changed = case.clone();
    changed.variant_version = to_version;
    if stage_to != case.stage {
        changed.stage = stage_to.clone();
        changed.stage_entered_at = now;
        cases::append_record(
            &tx,
            NewRecord::new(id, kind::STAGE, stage_to.clone(), now, actor.user)
                .with(json!({ "from": case.stage, "migration": to_version })),
        )
        .await?;
    }
    cases::append_record(
        &tx,
        NewRecord::new(
            id,
            kind::VARIANT_MIGRATION,
            to_version.to_string(),
            now,
            actor.user,
        )
        .with(json!({
            "from_version": case.variant_version,
            "to_version": to_version,
            "stage_before": case.stage,
            "stage_after": stage_to,
            "stage_entered_at_before": case.stage_entered_at,
            "added": planned.report.added.iter().map(|o| o.kind.to_string()).collect::<Vec<_>>(),
            "removed": planned.report.removed.iter().map(|o| o.kind.to_string()).collect::<Vec<_>>(),
            "moved": planned.report.moved.iter().map(|(o, n)| json!({
                "obligation": o.kind.to_string(), "due_before": o.due, "due_after": n.due,
            })).collect::<Vec<_>>(),
        })),
    )
    .await?;
    let after = cases::update(&tx, changed, case.version).await?;
    audit::record(
        &tx,
        actor,
        Audit::changed("case.variant_migration", "case", id, &case, &after),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(planned))
}

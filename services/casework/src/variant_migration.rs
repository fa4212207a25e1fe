//! Moving open cases to a newer published version of the variant («перевод открытых случаев на
//! новую версию»). The dry run reports per case: its stage before and after (the same key when the
//! new version has it, otherwise the administrator's mapping), the obligations added, removed or
//! moved with their new due dates, those overdue at once and whose they are, the requirements of
//! its (new) stage it now does not meet, and whether a person must decide about it, with the
//! reasons:
//!
//! - `migration_stage_unmapped` — its stage is gone and the mapping does not cover it: there is no
//!   stage to move it to, so applying leaves it on its version (the only reason that does);
//! - `migration_overdue_at_once` — an obligation is overdue the moment it moves (someone must
//!   decide whether to catch up or to record why not), naming whose it is;
//! - `migration_requirement_blocks_move` — the new version requires something the case does not
//!   have and every next move out of its stage waits for it.
//!
//! Applying it moves case by case, each in its own transaction, recording the state before in the
//! case's trail; a case already on the target version is skipped, so a run stopped half-way is
//! simply run again. The report as a table (CSV, XLSX) is [`report`].

pub mod report;

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::case_file::{CaseFile, kind};
use crate::cases::load_files;
use crate::deadlines;
use crate::error::{CaseworkError, CaseworkResult};
use crate::runtime::TenantRuntime;
use chrono::{DateTime, Utc};
use kurator_method::obligations::{Obligation, ObligationKind, Status};
use kurator_method::problem;
use kurator_method::versioning::requirements::now_unmet;
use kurator_method::versioning::{MigrationReport, NeededFor, Requirement, RequirementKind};
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

/// Whose an obligation is: who is reminded of it and answers for it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Responsible {
    /// The case's curator; before there is one, the people on the case.
    pub people: Vec<Uuid>,
    /// Nobody is on the case: the organisation's supervisors.
    pub supervisors: bool,
    /// For a step's deadline: the variant's roles that do the step (empty: any role).
    pub method_roles: Vec<String>,
}

/// An obligation overdue the moment the case moves, and whose it is.
#[derive(Debug, Clone)]
pub struct OverdueAtOnce {
    pub obligation: Obligation,
    pub responsible: Responsible,
}

/// Why a person must decide about a case.
#[derive(Debug, Clone)]
pub struct DecisionReason {
    /// `migration_stage_unmapped`, `migration_overdue_at_once` or
    /// `migration_requirement_blocks_move`, with the sentence for a person.
    pub problem: Problem,
    /// Applying the migration leaves the case on its version until this is resolved.
    pub keeps_case: bool,
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
    /// `None` when there is no stage to move it to (its stage is gone and unmapped).
    pub stage_to: Option<String>,
    /// Why a person must decide about the case; empty when nobody must.
    pub decisions: Vec<DecisionReason>,
    pub report: MigrationReport,
    /// Open obligations that are overdue under the new version and were not before.
    pub overdue_at_once: Vec<OverdueAtOnce>,
    /// What the new version requires at the case's (new) stage that the case does not have and
    /// did not lack under its old version.
    pub requirements_now_unmet: Vec<Requirement>,
}

impl CaseMigration {
    /// A person must decide something about this case.
    pub fn needs_decision(&self) -> bool {
        !self.decisions.is_empty()
    }

    /// Applying the migration leaves the case on its version.
    pub fn stays(&self) -> bool {
        self.decisions.iter().any(|d| d.keeps_case)
    }
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

/// An obligation's name in Russian and in English.
fn obligation_name(variant: &Variant, kind: &ObligationKind) -> (String, String) {
    let text = |t: &kurator_method::Text| (t.ru.clone(), t.en.clone().unwrap_or(t.ru.clone()));
    match kind {
        ObligationKind::Deadline { step } => variant
            .step(step)
            .map_or((step.clone(), step.clone()), |(_, s)| text(&s.name)),
        ObligationKind::Recurring { key, n } => {
            let (ru, en) = variant
                .recurring(key)
                .map_or((key.clone(), key.clone()), |r| text(&r.name));
            (format!("{ru} (№{n})"), format!("{en} (#{n})"))
        }
        ObligationKind::StageLimit { stage, .. } => {
            let (ru, en) = variant
                .stage(stage)
                .map_or((stage.clone(), stage.clone()), |s| text(&s.name));
            (
                format!("предельная длительность этапа «{ru}»"),
                format!("the longest stay in stage “{en}”"),
            )
        }
        ObligationKind::CaseDuration => (
            "предельная длительность случая".into(),
            "the longest duration of the case".into(),
        ),
    }
}

/// Whose an obligation of `file` is under `variant`: the curator, else the people on the case,
/// else the supervisors (as the deadline worker reminds them), and a step's method roles.
fn responsible(variant: &Variant, file: &CaseFile, kind: &ObligationKind) -> Responsible {
    let people: Vec<Uuid> = match file.case.curator_id {
        Some(curator) => vec![curator],
        None => {
            let mut on_case: Vec<Uuid> = file
                .members
                .iter()
                .filter(|m| m.ended_at.is_none())
                .map(|m| m.user_id)
                .collect();
            on_case.sort();
            on_case.dedup();
            on_case
        }
    };
    let method_roles = match kind {
        ObligationKind::Deadline { step } => variant
            .step(step)
            .map(|(_, s)| s.roles.clone())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    Responsible {
        supervisors: people.is_empty(),
        people,
        method_roles,
    }
}

fn overdue_reason(variant: &Variant, overdue: &OverdueAtOnce) -> Problem {
    let (name_ru, name_en) = obligation_name(variant, &overdue.obligation.kind);
    let due = overdue.obligation.due.to_rfc3339();
    let r = &overdue.responsible;
    let (mut whose_ru, mut whose_en) = if r.supervisors {
        (
            "руководители организации (на случае никого нет)".to_owned(),
            "the organisation's supervisors (nobody is on the case)".to_owned(),
        )
    } else if r.people.len() == 1 {
        ("куратор случая".to_owned(), "the case's curator".to_owned())
    } else {
        (
            "люди на случае".to_owned(),
            "the people on the case".to_owned(),
        )
    };
    if !r.method_roles.is_empty() {
        let roles = r.method_roles.join(", ");
        whose_ru.push_str(&format!("; шаг выполняют роли: {roles}"));
        whose_en.push_str(&format!("; the step is done by: {roles}"));
    }
    problem!(
        "migration_overdue_at_once",
        "«{name_ru}» сразу станет просроченным (срок {due}); отвечает: {whose_ru}",
        "“{name_en}” is overdue at once (due {due}); whose: {whose_en}"
    )
}

fn requirement_reason(requirement: &Requirement) -> Problem {
    let what = requirement.summary();
    let kind = requirement.kind.as_str();
    let key = &requirement.key;
    match (&requirement.kind, &requirement.needed_for) {
        (RequirementKind::Step, _) => problem!(
            "migration_requirement_blocks_move",
            "В новой версии обязателен шаг «{key}», которого в случае нет: без него этап не покинуть ({what})",
            "The new version requires step “{key}”, which the case has not done: it cannot leave its stage without it ({what})"
        ),
        (_, Some(NeededFor::Move(to))) => problem!(
            "migration_requirement_blocks_move",
            "Для перехода на этап «{to}» новая версия требует {kind} «{key}», которого в случае нет ({what})",
            "To move on to stage “{to}” the new version requires {kind} “{key}”, which the case lacks ({what})"
        ),
        _ => problem!(
            "migration_requirement_blocks_move",
            "Новая версия требует {kind} «{key}», которого в случае нет, и без него этап не покинуть ({what})",
            "The new version requires {kind} “{key}”, which the case lacks, and it cannot leave its stage without it ({what})"
        ),
    }
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
    let mut decisions: Vec<DecisionReason> = Vec::new();
    if stage_to.is_none() {
        decisions.push(DecisionReason {
            problem: needs_mapping(&case.stage, to_version),
            keeps_case: true,
        });
    }
    let calendar = runtime.calendar();
    let before = deadlines::evaluate(old, &calendar, file, now);
    // The case as it would be: on the new stage (entered now, as applying records it).
    let mut moved_file = file.clone();
    if let Some(stage) = &stage_to
        && *stage != case.stage
    {
        moved_file.case.stage = stage.clone();
        moved_file.case.stage_entered_at = now;
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
    let mut overdue: Vec<Obligation> = Vec::new();
    // An obligation already met stays in the past: a new due date for it changes nothing, only
    // a changed verdict (met on time, met late) does.
    for o in &before.obligations {
        match after.obligations.iter().find(|x| x.kind == o.kind) {
            None if o.status.is_open() => report.removed.push(o.clone()),
            None => {}
            Some(n) if n.status != o.status || (n.due != o.due && o.status.is_open()) => {
                if n.status == Status::Overdue && o.status != Status::Overdue {
                    overdue.push(n.clone());
                }
                report.moved.push((o.clone(), n.clone()));
            }
            Some(_) => {}
        }
    }
    for n in &after.obligations {
        if !before.obligations.iter().any(|x| x.kind == n.kind) {
            if n.status == Status::Overdue {
                overdue.push(n.clone());
            }
            report.added.push(n.clone());
        }
    }
    let overdue_at_once: Vec<OverdueAtOnce> = overdue
        .into_iter()
        .map(|obligation| OverdueAtOnce {
            responsible: responsible(new, file, &obligation.kind),
            obligation,
        })
        .collect();
    for o in &overdue_at_once {
        decisions.push(DecisionReason {
            problem: overdue_reason(new, o),
            keeps_case: false,
        });
    }
    let requirements_now_unmet = if stage_to.is_some() {
        now_unmet(old, &file.state(old), new, &moved_file.state(new))
    } else {
        Vec::new()
    };
    for r in requirements_now_unmet.iter().filter(|r| r.blocks_next_move) {
        decisions.push(DecisionReason {
            problem: requirement_reason(r),
            keeps_case: false,
        });
    }
    CaseMigration {
        case_id: case.id,
        number: case.number,
        curator: case.curator_id,
        status: case.status.clone(),
        from_version: case.variant_version,
        stage_from: case.stage.clone(),
        stage_to,
        decisions,
        report,
        overdue_at_once,
        requirements_now_unmet,
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
            if !planned.stays() {
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
            "overdue_at_once": planned.overdue_at_once.iter().map(|o| o.obligation.kind.to_string()).collect::<Vec<_>>(),
            "requirements_now_unmet": planned.requirements_now_unmet.iter().map(Requirement::summary).collect::<Vec<_>>(),
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

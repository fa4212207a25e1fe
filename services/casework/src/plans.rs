//! Plans (индивидуальный план): created and revised, every revision kept with its meeting date and
//! participants; actions with deadline, responsible person or outside organisation, whose action
//! it is (organisation or family), completion mark and result.

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::cases::{get_in_scope, get_in_scope_for_update};
use crate::error::{CaseworkError, CaseworkResult, Language, Problem};
use crate::forms::MAX_FIELD_LEN;
use crate::runtime::TenantRuntime;
use chrono::{DateTime, Utc};
use kurator_method::problem;
use kurator_method::schema::PLAN_ACTION_OWNERS;
use kurator_store::tenant::cases;
use kurator_store::tenant::plans::{self, ActionRow, NewAction, RevisionRow};
use serde_json::{Value, json};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct ActionInput {
    pub title: String,
    pub deadline: DateTime<Utc>,
    /// A person (user id) or an outside organisation, by name.
    pub responsible: Value,
    /// `organisation` or `family`.
    pub owner: String,
}

#[derive(Debug, Clone)]
pub struct RevisionInput {
    pub meeting_date: DateTime<Utc>,
    pub participants: Vec<String>,
    pub actions: Vec<ActionInput>,
}

/// Every problem with a revision as the variant sees it: whose actions the plan must hold.
fn variant_problems(variant: &kurator_method::Variant, input: &RevisionInput) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Some(rules) = &variant.doc().plan {
        for owner in &rules.requires_owners {
            if !input.actions.iter().any(|a| &a.owner == owner) {
                problems.push(match owner.as_str() {
                    "family" => problem!(
                        at = "actions",
                        "family_actions_missing",
                        "actions: в плане должны быть действия семьи (родителей), не только организации",
                        "actions: the plan must have actions of the family (parents), not only of the organisation"
                    ),
                    _ => problem!(
                        at = "actions",
                        "organisation_actions_missing",
                        "actions: в плане должны быть действия организации, не только семьи",
                        "actions: the plan must have actions of the organisation, not only of the family"
                    ),
                });
            }
        }
    }
    problems
}

/// The plan is drawn up from the stage where a step of the variant produces it; before that it
/// cannot be recorded.
fn check_stage(variant: &kurator_method::Variant, stage: &str) -> CaseworkResult<()> {
    let Some(plan_stage) = variant.plan_stage() else {
        return Ok(());
    };
    let reached = variant
        .stage_index(&plan_stage.key)
        .zip(variant.stage_index(stage))
        .is_none_or(|(plan, current)| current >= plan);
    if reached {
        Ok(())
    } else {
        let current = |language| {
            variant.stage(stage).map_or_else(
                || stage.to_owned(),
                |s| s.name.in_language(language).to_owned(),
            )
        };
        let (current_ru, current_en) = (current(Language::Ru), current(Language::En));
        let (plan_ru, plan_en) = (
            &plan_stage.name.ru,
            plan_stage.name.in_language(Language::En),
        );
        Err(CaseworkError::rejected(problem!(
            "plan_stage_not_reached",
            "план составляется на этапе «{plan_ru}»; случай на этапе «{current_ru}»",
            "the plan is drawn up at stage “{plan_en}”; the case is at stage “{current_en}”"
        )))
    }
}

fn problems(input: &RevisionInput) -> Vec<Problem> {
    let mut problems = Vec::new();
    if input.participants.is_empty() {
        problems.push(problem!(
            at = "participants",
            "participants_missing",
            "participants: укажите участников встречи, на которой согласован план",
            "participants: name the participants of the meeting that agreed the plan"
        ));
    }
    if input.actions.is_empty() {
        problems.push(problem!(
            at = "actions",
            "actions_missing",
            "actions: в плане должно быть хотя бы одно действие",
            "actions: the plan must have at least one action"
        ));
    }
    if input.actions.len() > 500 {
        problems.push(problem!(
            at = "actions",
            "too_many",
            "actions: не более 500 действий",
            "actions: at most 500 actions"
        ));
    }
    for (i, action) in input.actions.iter().enumerate() {
        if action.title.trim().is_empty() || action.title.chars().count() > MAX_FIELD_LEN {
            problems.push(problem!(
                at = format!("actions[{i}].title"),
                "invalid_length",
                "actions[{i}].title: от 1 до {MAX_FIELD_LEN} символов",
                "actions[{i}].title: 1 to {MAX_FIELD_LEN} characters"
            ));
        }
        if !PLAN_ACTION_OWNERS.contains(&action.owner.as_str()) {
            problems.push(problem!(
                at = format!("actions[{i}].owner"),
                "unknown_action_owner",
                "actions[{i}].owner: ожидается organisation или family",
                "actions[{i}].owner: organisation or family is expected"
            ));
        }
        if !action.responsible.is_object() {
            problems.push(problem!(
                at = format!("actions[{i}].responsible"),
                "responsible_missing",
                "actions[{i}].responsible: укажите ответственного",
                "actions[{i}].responsible: name who is responsible"
            ));
        }
    }
    problems
}

/// Adds a revision of the plan (the first one creates it).
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn revise(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    expected_version: i32,
    input: RevisionInput,
) -> CaseworkResult<(RevisionRow, Vec<ActionRow>)> {
    let found = problems(&input);
    if !found.is_empty() {
        return Err(CaseworkError::Rejected(found));
    }
    let tx = runtime.begin().await?;
    let case = get_in_scope_for_update(&tx, actor, case_id).await?;
    if case.version != expected_version {
        return Err(CaseworkError::Stale {
            current: case.version,
        });
    }
    let variant = runtime.variant_in(&tx, case.variant_version).await?;
    check_stage(variant, &case.stage)?;
    let found = variant_problems(variant, &input);
    if !found.is_empty() {
        return Err(CaseworkError::Rejected(found));
    }
    let actions = input
        .actions
        .into_iter()
        .map(|a| NewAction {
            title: a.title,
            deadline: a.deadline,
            responsible: a.responsible,
            owner: a.owner,
        })
        .collect();
    // The version moves first, so a concurrent revision based on the same version is refused
    // as stale before it can take the next revision number.
    cases::update(&tx, case.clone(), expected_version).await?;
    let (revision, rows) = plans::insert_revision(
        &tx,
        case_id,
        input.meeting_date,
        json!(input.participants),
        actor.user,
        actions,
    )
    .await?;
    audit::record(
        &tx,
        actor,
        Audit::created(
            "plan.revise",
            "case",
            case_id,
            &json!({ "revision": revision, "actions": rows }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok((revision, rows))
}

/// Marks a plan action done (or reopens it) with its result.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, action = %action_id))]
pub async fn complete_action(
    runtime: &TenantRuntime,
    actor: &Actor,
    action_id: Uuid,
    expected_version: i32,
    done_at: Option<DateTime<Utc>>,
    result: Option<String>,
) -> CaseworkResult<ActionRow> {
    if result
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_FIELD_LEN)
    {
        return Err(CaseworkError::rejected(problem!(
            at = "result",
            "too_long",
            "result: не более {MAX_FIELD_LEN} символов",
            "result: at most {MAX_FIELD_LEN} characters"
        )));
    }
    // The role first: someone who sees no case data learns nothing about which actions exist.
    actor.case_scope()?;
    let tx = runtime.begin().await?;
    let before = plans::get_action(&tx, action_id).await?;
    // Scope is the case's: an action of a case the caller cannot see is not found.
    get_in_scope(&tx, actor, before.case_id).await?;
    let after = plans::complete_action(&tx, action_id, expected_version, done_at, result).await?;
    audit::record(
        &tx,
        actor,
        Audit::changed(
            "plan.complete_action",
            "case",
            before.case_id,
            &before,
            &after,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

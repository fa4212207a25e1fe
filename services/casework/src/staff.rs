//! Method roles belong to people (роли по технологии). The organisation's administrator assigns
//! the variant's roles — senior curator, psychologist, coordinator, working-group member… — to
//! members; a member may hold several. A person acts only in a role they hold, and the votes,
//! rulings and conference participants of a decision name members (by id) who hold the role they
//! are recorded in. People from outside the organisation are recorded with their organisation,
//! never as members.

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::error::{CaseworkError, CaseworkResult, Problem};
use crate::runtime::TenantRuntime;
use chrono::Utc;
use kurator_domain::UserId;
use kurator_method::Variant;
use kurator_method::decisions::DecisionRecord;
use kurator_method::problem;
use kurator_store::TenantTx;
use kurator_store::tenant::staff_roles;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// The method roles of the tenant's people: user → roles.
pub type RolesByPerson = BTreeMap<Uuid, BTreeSet<String>>;

/// Checks that `acting_as` is a role of the variant (else `BAD_USER_INPUT`) and that the caller
/// holds it (else `FORBIDDEN`).
pub async fn require_acting_as(
    tx: &TenantTx,
    actor: &Actor,
    variant: &Variant,
    acting_as: &str,
) -> CaseworkResult<()> {
    if variant.role(acting_as).is_none() {
        return Err(CaseworkError::rejected(unknown_role(acting_as)));
    }
    let held = staff_roles::held(tx, actor.user).await?;
    if held.iter().any(|r| r == acting_as) {
        Ok(())
    } else {
        Err(CaseworkError::Forbidden)
    }
}

/// `actingAs` names no role of the variant.
pub fn unknown_role(acting_as: &str) -> Problem {
    problem!(
        at = "actingAs",
        "unknown_role",
        "actingAs: в варианте технологии нет роли «{acting_as}»",
        "actingAs: the method variant has no role “{acting_as}”"
    )
}

/// Every problem with the people named in `decisions`: each vote, ruling and participant must be
/// a member of the organisation (by id) holding the role they are recorded in.
pub async fn check_people(
    tx: &TenantTx,
    variant: &Variant,
    decisions: &BTreeMap<String, DecisionRecord>,
) -> CaseworkResult<Vec<Problem>> {
    let mut named: Vec<(String, &str, &str)> = Vec::new();
    for (key, record) in decisions {
        for vote in record.votes.iter().chain(&record.rulings) {
            named.push((format!("decisions.{key}"), &vote.person, &vote.role));
        }
        for (i, participant) in record.participants.iter().enumerate() {
            // People from outside the organisation are recorded with it, never as members.
            if participant.outside().is_some() {
                if participant.person.trim().is_empty() {
                    return Ok(vec![problem!(
                        at = format!("decisions.{key}.participants[{i}]"),
                        "outside_participant_unnamed",
                        "decisions.{key}.participants[{i}]: укажите имя представителя другой организации",
                        "decisions.{key}.participants[{i}]: give the name of the other organisation's representative"
                    )]);
                }
                continue;
            }
            named.push((
                format!("decisions.{key}.participants"),
                &participant.person,
                &participant.role,
            ));
        }
    }
    if named.is_empty() {
        return Ok(Vec::new());
    }
    let mut problems = Vec::new();
    let mut ids = Vec::new();
    for (path, person, _) in &named {
        match Uuid::parse_str(person) {
            Ok(id) => ids.push(id),
            Err(_) => problems.push(problem!(
                at = path,
                "not_a_member",
                "{path}: «{person}» — не сотрудник организации; укажите id сотрудника, а для представителя другой организации — его организацию (organisation)",
                "{path}: “{person}” is not a member of the organisation; give a member's id, or for a representative of another organisation, their organisation (organisation)"
            )),
        }
    }
    ids.sort();
    ids.dedup();
    let holders = roles_of(tx, Some(&ids)).await?;
    for (path, person, role) in &named {
        let Ok(id) = Uuid::parse_str(person) else {
            continue;
        };
        if variant.role(role).is_none() {
            problems.push(problem!(
                at = path,
                "unknown_role",
                "{path}: в варианте технологии нет роли «{role}»",
                "{path}: the method variant has no role “{role}”"
            ));
        } else if !holders.get(&id).is_some_and(|roles| roles.contains(*role)) {
            problems.push(problem!(
                at = path,
                "role_not_held",
                "{path}: сотрудник {person} не назначен на роль «{role}»",
                "{path}: member {person} does not hold role “{role}”"
            ));
        }
    }
    Ok(problems)
}

/// The method roles held by `users` (by all the tenant's people when `None`).
pub async fn roles_of(tx: &TenantTx, users: Option<&[Uuid]>) -> CaseworkResult<RolesByPerson> {
    let mut map = RolesByPerson::new();
    for row in staff_roles::of_users(tx, users).await? {
        map.entry(row.user_id).or_default().insert(row.role_key);
    }
    Ok(map)
}

/// Who holds which method role: supervisors and organisation administrators.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn list(runtime: &TenantRuntime, actor: &Actor) -> CaseworkResult<RolesByPerson> {
    actor.require_lead()?;
    let tx = runtime.read().await?;
    let map = roles_of(&tx, None).await?;
    tx.commit().await?;
    Ok(map)
}

/// The caller's own method roles.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn mine(runtime: &TenantRuntime, actor: &Actor) -> CaseworkResult<Vec<String>> {
    let tx = runtime.read().await?;
    let held = staff_roles::held(&tx, actor.user).await?;
    tx.commit().await?;
    Ok(held)
}

/// Gives a member one of the variant's roles; the organisation administrator only. `user` must
/// already be a member of the organisation (the caller checks membership in the control plane).
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn grant(
    runtime: &TenantRuntime,
    actor: &Actor,
    user: UserId,
    role: &str,
) -> CaseworkResult<Vec<String>> {
    actor.require_org_admin()?;
    let variant = runtime.current_variant()?;
    if variant.role(role).is_none() {
        let known: Vec<&str> = variant.doc().roles.iter().map(|r| r.key.as_str()).collect();
        let known = known.join(", ");
        return Err(CaseworkError::rejected(problem!(
            at = "role",
            "unknown_role",
            "role: в варианте технологии нет роли «{role}»; есть: {known}",
            "role: the method variant has no role “{role}”; there are: {known}"
        )));
    }
    change(runtime, actor, user, role, true).await
}

/// Takes a method role from a member; the organisation administrator only.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn revoke(
    runtime: &TenantRuntime,
    actor: &Actor,
    user: UserId,
    role: &str,
) -> CaseworkResult<Vec<String>> {
    actor.require_org_admin()?;
    change(runtime, actor, user, role, false).await
}

/// Grants or revokes, audited when it changes anything; the roles held afterwards.
async fn change(
    runtime: &TenantRuntime,
    actor: &Actor,
    user: UserId,
    role: &str,
    grant: bool,
) -> CaseworkResult<Vec<String>> {
    let tx = runtime.begin().await?;
    let before = staff_roles::held(&tx, user).await?;
    let changed = if grant {
        staff_roles::grant(&tx, user, role, Some(actor.user), Utc::now()).await?
    } else {
        staff_roles::revoke(&tx, user, role).await?
    };
    let after = staff_roles::held(&tx, user).await?;
    if changed {
        let action = if grant {
            "staff.grant_method_role"
        } else {
            "staff.revoke_method_role"
        };
        audit::record(
            &tx,
            actor,
            Audit::changed(
                action,
                "user",
                user.0,
                &json!({ "method_roles": before }),
                &json!({ "method_roles": after }),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

//! Moving open cases to a newer variant version over GraphQL: `variantMigrationPreview` and
//! `applyVariantMigration`, each answering the per-case report and the same report to download
//! as CSV and as XLSX (base64). What a case needs, and whether a person must decide about it, are
//! the casework service's ([`variant_migration`]); the downloads are made from its one table
//! ([`report`]); these types translate.

use crate::AppState;
use crate::graphql::casework::tenant_actor;
use crate::graphql::casework::types::{Obligation, ObligationStatus, label};
use crate::graphql::error::{ApiError, ApiResult};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use base64::Engine;
use chrono::{DateTime, Utc};
use kurator_casework::TenantRuntime;
use kurator_casework::variant_migration::{
    self, CaseMigration, MigrationPlan, OverdueAtOnce, StageMapping, report,
};
use kurator_method::Variant;
use kurator_method::obligations::Obligation as EngineObligation;
use kurator_method::versioning::{NeededFor, Requirement};
use kurator_store::control::repo;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

#[derive(InputObject)]
pub struct StageMappingInput {
    /// A stage of the old version that the new one does not have.
    pub from: String,
    /// A stage of the new version.
    pub to: String,
}

fn mapping(input: Option<Vec<StageMappingInput>>) -> Vec<StageMapping> {
    input
        .unwrap_or_default()
        .into_iter()
        .map(|m| StageMapping {
            from: m.from,
            to: m.to,
        })
        .collect()
}

/// An obligation before and after the move.
#[derive(SimpleObject)]
pub struct MovedObligation {
    pub before: Obligation,
    pub after: Obligation,
}

/// An obligation overdue the moment the case moves, and whose it is.
#[derive(SimpleObject)]
pub struct OverdueObligation {
    pub key: String,
    pub label: String,
    pub from: DateTime<Utc>,
    pub due: DateTime<Utc>,
    pub status: ObligationStatus,
    /// Whose it is: the case's curator; before there is one, the people on the case.
    pub responsible_ids: Vec<ID>,
    /// Nobody is on the case: the organisation's supervisors answer for it.
    pub supervisors_responsible: bool,
    /// For a step's deadline: the variant's roles that do the step (empty: any role).
    pub method_roles: Vec<String>,
}

/// Why a person must decide about a case.
#[derive(SimpleObject)]
pub struct MigrationDecisionReason {
    /// `migration_stage_unmapped`, `migration_overdue_at_once`,
    /// `migration_requirement_blocks_move`.
    pub code: String,
    pub message: String,
    /// Applying leaves the case on its version until this is resolved (a stage to map).
    pub keeps_case: bool,
}

/// Something the new version requires at the case's (new) stage that the case does not have.
#[derive(SimpleObject)]
pub struct UnmetRequirement {
    /// `step`, `artefact`, `consent` or `decision`.
    pub kind: String,
    pub key: String,
    /// For a decision: the outcome it must have had.
    pub outcome: Option<String>,
    /// The step that needs it (`null` for a required step itself, or when a move needs it).
    pub for_step: Option<String>,
    /// The stage a move to which needs it.
    pub for_move_to: Option<String>,
    /// Every next move out of the stage waits for it.
    pub blocks_next_move: bool,
    /// One line: `artefact:family_letter for step:family_meeting`.
    pub summary: String,
}

impl From<&Requirement> for UnmetRequirement {
    fn from(r: &Requirement) -> Self {
        let (for_step, for_move_to) = match &r.needed_for {
            Some(NeededFor::Step(step)) => (Some(step.clone()), None),
            Some(NeededFor::Move(to)) => (None, Some(to.clone())),
            None => (None, None),
        };
        Self {
            kind: r.kind.as_str().to_owned(),
            key: r.key.clone(),
            outcome: r.outcome.clone(),
            for_step,
            for_move_to,
            blocks_next_move: r.blocks_next_move,
            summary: r.summary(),
        }
    }
}

/// What moving one case does.
#[derive(SimpleObject)]
pub struct CaseMigrationReport {
    pub case_id: ID,
    pub number: Option<i64>,
    /// The case's curator, whose the obligations are.
    pub curator_id: Option<ID>,
    pub status: String,
    pub from_version: i32,
    pub stage_from: String,
    /// `null` when there is no stage to move it to (`staysOnVersion`).
    pub stage_to: Option<String>,
    /// A person must decide something about this case (`decisionReasons`).
    pub needs_decision: bool,
    /// Applying leaves the case on its version (its stage is gone and unmapped).
    pub stays_on_version: bool,
    /// Why a person must decide.
    pub decision_reasons: Vec<MigrationDecisionReason>,
    /// The reasons' messages in one line.
    pub reason: Option<String>,
    pub added: Vec<Obligation>,
    pub removed: Vec<Obligation>,
    pub moved: Vec<MovedObligation>,
    /// Obligations overdue at once under the new version, and whose they are.
    pub overdue_at_once: Vec<OverdueObligation>,
    /// What the new version requires at the case's (new) stage that the case does not have and
    /// did not lack under its old version.
    pub requirements_now_unmet: Vec<UnmetRequirement>,
}

fn obligation(variant: &Variant, o: &EngineObligation) -> Obligation {
    Obligation {
        key: o.kind.to_string(),
        label: label(variant, &o.kind),
        from: o.from,
        due: o.due,
        status: o.status.into(),
        met_at: o.met_at,
    }
}

fn overdue(variant: &Variant, o: &OverdueAtOnce) -> OverdueObligation {
    OverdueObligation {
        key: o.obligation.kind.to_string(),
        label: label(variant, &o.obligation.kind),
        from: o.obligation.from,
        due: o.obligation.due,
        status: o.obligation.status.into(),
        responsible_ids: o
            .responsible
            .people
            .iter()
            .map(|u| ID(u.to_string()))
            .collect(),
        supervisors_responsible: o.responsible.supervisors,
        method_roles: o.responsible.method_roles.clone(),
    }
}

fn case_report(
    old: Option<&Arc<Variant>>,
    new: &Variant,
    c: &CaseMigration,
) -> CaseMigrationReport {
    let old = old.map_or(new, |v| &**v);
    let language = crate::graphql::language::current();
    let reasons: Vec<MigrationDecisionReason> = c
        .decisions
        .iter()
        .map(|d| MigrationDecisionReason {
            code: d.problem.code.to_owned(),
            message: d.problem.message(language).to_owned(),
            keeps_case: d.keeps_case,
        })
        .collect();
    let reason = (!reasons.is_empty()).then(|| {
        reasons
            .iter()
            .map(|r| r.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    });
    CaseMigrationReport {
        case_id: ID(c.case_id.to_string()),
        number: c.number,
        curator_id: c.curator.map(|u| ID(u.to_string())),
        status: c.status.clone(),
        from_version: c.from_version,
        stage_from: c.stage_from.clone(),
        stage_to: c.stage_to.clone(),
        needs_decision: c.needs_decision(),
        stays_on_version: c.stays(),
        decision_reasons: reasons,
        reason,
        added: c.report.added.iter().map(|o| obligation(new, o)).collect(),
        removed: c
            .report
            .removed
            .iter()
            .map(|o| obligation(old, o))
            .collect(),
        moved: c
            .report
            .moved
            .iter()
            .map(|(b, a)| MovedObligation {
                before: obligation(old, b),
                after: obligation(new, a),
            })
            .collect(),
        overdue_at_once: c.overdue_at_once.iter().map(|o| overdue(new, o)).collect(),
        requirements_now_unmet: c.requirements_now_unmet.iter().map(Into::into).collect(),
    }
}

/// A dry run, or what a run did.
pub struct VariantMigration {
    runtime: Arc<TenantRuntime>,
    plan: MigrationPlan,
}

/// The organisation's people by name, for the downloads.
async fn names(ctx: &Context<'_>, runtime: &TenantRuntime) -> ApiResult<HashMap<Uuid, String>> {
    let state = ctx
        .data::<AppState>()
        .map_err(|_| ApiError::unauthenticated())?;
    let members = repo::members_of_tenant(&state.inner.control, runtime.tenant().id).await?;
    Ok(members
        .into_iter()
        .map(|(user, _)| (user.id.0, user.display_name))
        .collect())
}

impl VariantMigration {
    async fn table(&self, ctx: &Context<'_>) -> ApiResult<report::Table> {
        let names = names(ctx, &self.runtime).await?;
        Ok(report::table(
            &self.plan,
            &names,
            crate::graphql::language::current(),
        ))
    }
}

#[Object]
impl VariantMigration {
    async fn to_version(&self) -> i32 {
        i32::try_from(self.plan.to_version).unwrap_or(i32::MAX)
    }

    async fn cases(&self) -> Vec<CaseMigrationReport> {
        let to = i32::try_from(self.plan.to_version).unwrap_or(i32::MAX);
        let Ok(new) = self.runtime.variant(to) else {
            return Vec::new();
        };
        self.plan
            .cases
            .iter()
            .map(|c| case_report(self.runtime.variant(c.from_version).ok(), new, c))
            .collect()
    }

    /// Cases this run moved (a run resumed after a crash lists only the ones it moved itself).
    async fn moved(&self) -> Vec<ID> {
        self.plan
            .moved
            .iter()
            .map(|id| ID(id.to_string()))
            .collect()
    }

    /// Cases a person must decide about (`CaseMigrationReport.decisionReasons`); applying moves
    /// them unless they also stay (`staying`).
    async fn needs_decision(&self) -> Vec<ID> {
        self.plan
            .cases
            .iter()
            .filter(|c| c.needs_decision())
            .map(|c| ID(c.case_id.to_string()))
            .collect()
    }

    /// Cases that stay on their version until a person maps their stage.
    async fn staying(&self) -> Vec<ID> {
        self.plan
            .cases
            .iter()
            .filter(|c| c.stays())
            .map(|c| ID(c.case_id.to_string()))
            .collect()
    }

    /// The report as CSV (a header line, then one line per case), to download.
    async fn csv(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(self.table(ctx).await?.csv())
    }

    /// The same report as an XLSX workbook, base64-encoded, to download
    /// (`application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`).
    async fn xlsx(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let bytes = self.table(ctx).await?.xlsx().map_err(ApiError::from)?;
        Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
    }
}

#[derive(Default)]
pub struct VariantMigrationQuery;

#[Object]
impl VariantMigrationQuery {
    /// Dry run of moving every open case on an older version to `toVersion` at `asOf` (now by
    /// default). Writes nothing.
    async fn variant_migration_preview(
        &self,
        ctx: &Context<'_>,
        to_version: i32,
        stage_mapping: Option<Vec<StageMappingInput>>,
        as_of: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<VariantMigration> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let plan = variant_migration::preview(
            &runtime,
            &actor,
            to_version,
            &mapping(stage_mapping),
            as_of.unwrap_or_else(Utc::now),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(VariantMigration { runtime, plan })
    }
}

#[derive(Default)]
pub struct VariantMigrationMutation;

#[Object]
impl VariantMigrationMutation {
    /// Moves every open case on an older version to `toVersion`, case by case; resumable. Cases
    /// whose stage the new version lacks and `stageMapping` does not map stay and are listed.
    async fn apply_variant_migration(
        &self,
        ctx: &Context<'_>,
        to_version: i32,
        stage_mapping: Option<Vec<StageMappingInput>>,
        as_of: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<VariantMigration> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let plan = variant_migration::apply(
            &runtime,
            &actor,
            to_version,
            &mapping(stage_mapping),
            as_of.unwrap_or_else(Utc::now),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(VariantMigration { runtime, plan })
    }
}

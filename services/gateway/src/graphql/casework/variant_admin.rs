//! The organisation administrator's variant work over GraphQL: `variantDraft`,
//! `saveVariantDraft`, `variantDraftDiff`, `publishVariantDraft`, `variantMigrationPreview` and
//! `applyVariantMigration`. Permissions, validation, the audit trail and the engine's comparison
//! are the casework service's ([`variant_drafts`], [`variant_migration`]); these types translate.

use crate::graphql::casework::tenant_actor;
use crate::graphql::casework::types::{Obligation, label};
use crate::graphql::casework::variant::VariantView;
use crate::graphql::error::ApiError;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use kurator_casework::variant_drafts::{self, Draft, DraftFormat};
use kurator_casework::variant_migration::{self, CaseMigration, MigrationPlan, StageMapping};
use kurator_casework::variant_view::PublishedVariant;
use kurator_method::Variant;
use kurator_method::obligations::Obligation as EngineObligation;
use kurator_method::versioning::{Change, ClassedChange};
use std::sync::Arc;

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum VariantFormat {
    Toml,
    Json,
}

impl From<VariantFormat> for DraftFormat {
    fn from(f: VariantFormat) -> Self {
        match f {
            VariantFormat::Toml => DraftFormat::Toml,
            VariantFormat::Json => DraftFormat::Json,
        }
    }
}

impl From<DraftFormat> for VariantFormat {
    fn from(f: DraftFormat) -> Self {
        match f {
            DraftFormat::Toml => VariantFormat::Toml,
            DraftFormat::Json => VariantFormat::Json,
        }
    }
}

/// The organisation's draft of its next variant version.
pub struct VariantDraft {
    draft: Draft,
    published_versions: Vec<u32>,
}

#[Object]
impl VariantDraft {
    /// For `saveVariantDraft(expectedVersion)` and `publishVariantDraft(expectedDraftVersion)`.
    async fn version(&self) -> i32 {
        self.draft.version
    }
    /// Whether there is a current draft (none before the first save, nor after a publication).
    async fn exists(&self) -> bool {
        self.draft.variant.is_some()
    }
    async fn format(&self) -> Option<VariantFormat> {
        self.draft.format.map(Into::into)
    }
    /// The text as saved.
    async fn source(&self) -> Option<&str> {
        self.draft.source.as_deref()
    }
    /// The draft as structure, like `variant`.
    async fn variant(&self) -> Option<VariantView> {
        self.draft.variant.clone().map(|variant| {
            VariantView(PublishedVariant {
                variant,
                published_versions: self.published_versions.clone(),
            })
        })
    }
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.draft.updated_at
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
#[graphql(remote = "kurator_method::versioning::Impact")]
pub enum ChangeImpact {
    /// Open cases keep working as before.
    Safe,
    /// Open cases may be affected: review the migration preview.
    Breaking,
}

/// One change between the published version and the draft.
#[derive(SimpleObject)]
pub struct VariantChange {
    /// Items named by key: `stages[diagnostic].steps[inform_working_group].deadline.within.working_days`.
    pub path: String,
    pub kind: ChangeKind,
    /// The value before (`null` when added), as JSON text.
    pub from: Option<String>,
    /// The value after (`null` when removed), as JSON text.
    pub to: Option<String>,
    pub impact: ChangeImpact,
    /// Why: `deadline_lengthened`, `stage_removed`, `label`…
    pub reason: String,
}

impl From<ClassedChange> for VariantChange {
    fn from(c: ClassedChange) -> Self {
        let impact = ChangeImpact::from(c.impact);
        let reason = c.reason.to_owned();
        let (path, kind, from, to) = match c.change {
            Change::Added { path, value } => (path, ChangeKind::Added, None, Some(value)),
            Change::Removed { path, value } => (path, ChangeKind::Removed, Some(value), None),
            Change::Changed { path, from, to } => (path, ChangeKind::Changed, Some(from), Some(to)),
        };
        Self {
            path,
            kind,
            from,
            to,
            impact,
            reason,
        }
    }
}

#[derive(SimpleObject)]
pub struct VariantDraftDiff {
    pub published_version: i32,
    pub draft_version: i32,
    /// Whether some change is breaking for open cases.
    pub breaking: bool,
    pub changes: Vec<VariantChange>,
}

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
    /// `null` when a person must decide (`needsDecision`).
    pub stage_to: Option<String>,
    pub needs_decision: bool,
    /// Why the case cannot be moved automatically.
    pub reason: Option<String>,
    pub added: Vec<Obligation>,
    pub removed: Vec<Obligation>,
    pub moved: Vec<MovedObligation>,
    /// Obligations overdue at once under the new version.
    pub overdue_at_once: Vec<Obligation>,
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

fn report(old: Option<&Arc<Variant>>, new: &Variant, c: CaseMigration) -> CaseMigrationReport {
    let old = old.map_or(new, |v| &**v);
    CaseMigrationReport {
        case_id: ID(c.case_id.to_string()),
        number: c.number,
        curator_id: c.curator.map(|u| ID(u.to_string())),
        status: c.status,
        from_version: c.from_version,
        stage_from: c.stage_from,
        stage_to: c.stage_to,
        needs_decision: c.needs_decision.is_some(),
        reason: c
            .needs_decision
            .map(|p| p.message(crate::graphql::language::current()).to_owned()),
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
        overdue_at_once: c
            .overdue_at_once
            .iter()
            .map(|o| obligation(new, o))
            .collect(),
    }
}

/// A dry run, or what a run did.
#[derive(SimpleObject)]
pub struct VariantMigration {
    pub to_version: i32,
    pub cases: Vec<CaseMigrationReport>,
    /// Cases this run moved (a run resumed after a crash lists only the ones it moved itself).
    pub moved: Vec<ID>,
    /// Cases that stay on their version until a person decides (map their stage).
    pub needs_decision: Vec<ID>,
    /// The same report as CSV (one line per case), to download.
    pub csv: String,
}

/// One CSV field, quoted when it needs to be.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

fn obligations_csv(list: &[Obligation]) -> String {
    list.iter()
        .map(|o| format!("{} {}", o.key, o.due.to_rfc3339()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The report as CSV: case, stages, decision, and the obligations added, removed, moved and
/// overdue at once with their due instants.
fn csv(cases: &[CaseMigrationReport]) -> String {
    let mut out = String::from(
        "case_number,case_id,status,from_version,stage_from,stage_to,needs_decision,reason,added,removed,moved,overdue_at_once\n",
    );
    for c in cases {
        let moved = c
            .moved
            .iter()
            .map(|m| {
                format!(
                    "{} {} -> {}",
                    m.before.key,
                    m.before.due.to_rfc3339(),
                    m.after.due.to_rfc3339()
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let fields = [
            c.number.map(|n| n.to_string()).unwrap_or_default(),
            c.case_id.to_string(),
            c.status.clone(),
            c.from_version.to_string(),
            c.stage_from.clone(),
            c.stage_to.clone().unwrap_or_default(),
            c.needs_decision.to_string(),
            c.reason.clone().unwrap_or_default(),
            obligations_csv(&c.added),
            obligations_csv(&c.removed),
            moved,
            obligations_csv(&c.overdue_at_once),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

fn migration(runtime: &kurator_casework::TenantRuntime, plan: MigrationPlan) -> VariantMigration {
    let to = i32::try_from(plan.to_version).unwrap_or(i32::MAX);
    let new = runtime.variant(to).ok().cloned();
    let needs_decision = plan
        .cases
        .iter()
        .filter(|c| c.needs_decision.is_some())
        .map(|c| ID(c.case_id.to_string()))
        .collect();
    let cases: Vec<CaseMigrationReport> = match &new {
        Some(new) => plan
            .cases
            .into_iter()
            .map(|c| report(runtime.variant(c.from_version).ok(), new, c))
            .collect(),
        None => Vec::new(),
    };
    VariantMigration {
        to_version: to,
        csv: csv(&cases),
        cases,
        moved: plan.moved.iter().map(|id| ID(id.to_string())).collect(),
        needs_decision,
    }
}

#[derive(SimpleObject)]
pub struct VariantPublication {
    /// The new version's number; new cases start under it.
    pub version: i32,
    pub variant: VariantView,
}

#[derive(Default)]
pub struct VariantAdminQuery;

#[Object]
impl VariantAdminQuery {
    /// The organisation's current variant draft (organisation administrators).
    async fn variant_draft(&self, ctx: &Context<'_>) -> async_graphql::Result<VariantDraft> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let draft = variant_drafts::current(&runtime, &actor)
            .await
            .map_err(ApiError::from)?;
        Ok(VariantDraft {
            draft,
            published_versions: runtime.published_versions(),
        })
    }

    /// The draft against the current published version, each change safe or breaking for open
    /// cases.
    async fn variant_draft_diff(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<VariantDraftDiff> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let diff = variant_drafts::diff(&runtime, &actor)
            .await
            .map_err(ApiError::from)?;
        Ok(VariantDraftDiff {
            published_version: i32::try_from(diff.published_version).unwrap_or(i32::MAX),
            draft_version: diff.draft_version,
            breaking: diff.breaking(),
            changes: diff.changes.into_iter().map(Into::into).collect(),
        })
    }

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
        Ok(migration(&runtime, plan))
    }
}

#[derive(Default)]
pub struct VariantAdminMutation;

#[Object]
impl VariantAdminMutation {
    /// Saves the draft of the next version (organisation administrators). Every validation
    /// problem is answered with its path (`BAD_USER_INPUT`, code `variant_invalid`); a stale
    /// `expectedVersion` is `CONFLICT`; nothing is written unless the whole draft is valid.
    /// Without `expectedVersion` there must be no current draft.
    async fn save_variant_draft(
        &self,
        ctx: &Context<'_>,
        document: String,
        format: VariantFormat,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<VariantDraft> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let draft =
            variant_drafts::save(&runtime, &actor, document, format.into(), expected_version)
                .await
                .map_err(ApiError::from)?;
        Ok(VariantDraft {
            draft,
            published_versions: runtime.published_versions(),
        })
    }

    /// Publishes the draft as the next version; new cases start under it.
    async fn publish_variant_draft(
        &self,
        ctx: &Context<'_>,
        expected_draft_version: i32,
    ) -> async_graphql::Result<VariantPublication> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let published = variant_drafts::publish(&runtime, &actor, expected_draft_version)
            .await
            .map_err(ApiError::from)?;
        Ok(VariantPublication {
            version: i32::try_from(published.version).unwrap_or(i32::MAX),
            variant: VariantView(PublishedVariant {
                variant: published.variant,
                published_versions: runtime.published_versions(),
            }),
        })
    }

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
        Ok(migration(&runtime, plan))
    }
}

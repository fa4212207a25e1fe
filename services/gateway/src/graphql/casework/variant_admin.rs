//! The organisation administrator's variant work over GraphQL: `variantDraft`,
//! `saveVariantDraft`, `variantDraftDiff`, `publishVariantDraft` and `approveVariantPublication`
//! (the four-eyes rule). Permissions, validation, the audit trail and the engine's comparison are
//! the casework service's ([`variant_drafts`], [`variant_publication`]); these types translate.
//! Moving open cases is [`super::variant_migration`]; templates, export and import are
//! [`super::variant_templates`].

use crate::AppState;
use crate::graphql::casework::tenant_actor;
use crate::graphql::casework::variant::VariantView;
use crate::graphql::error::ApiError;
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use kurator_casework::TenantRuntime;
use kurator_casework::variant_drafts::{self, Draft, DraftFormat};
use kurator_casework::variant_publication::{
    self, PendingPublication, Publication, PublishOutcome,
};
use kurator_casework::variant_view::PublishedVariant;
use kurator_domain::UserId;
use kurator_method::versioning::{Change, ClassedChange, MappingBreak, VocabularyWarning};
use kurator_store::control::repo;

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
    pub(crate) draft: Draft,
    pub(crate) published_versions: Vec<u32>,
}

impl VariantDraft {
    pub(crate) fn new(draft: Draft, runtime: &TenantRuntime) -> Self {
        Self {
            draft,
            published_versions: runtime.published_versions(),
        }
    }
}

/// A request to publish a draft version that waits for a second administrator.
pub struct PendingVariantPublication(PendingPublication);

#[Object]
impl PendingVariantPublication {
    /// The draft version the request approves; a draft saved since makes it stale.
    async fn draft_version(&self) -> i32 {
        self.0.draft_version
    }
    /// The administrator who asked; another one approves.
    async fn requested_by(&self) -> ID {
        ID(self.0.requested_by.to_string())
    }
    /// Their name, as colleagues see it.
    async fn requested_by_name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let state = ctx.data::<AppState>()?;
        let user = repo::find_user(&state.inner.control, UserId(self.0.requested_by))
            .await
            .map_err(ApiError::from)?;
        Ok(user.map(|u| u.display_name))
    }
    async fn requested_at(&self) -> DateTime<Utc> {
        self.0.requested_at
    }
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
    /// Under the four-eyes rule: the request to publish this very draft version, waiting for
    /// another administrator (`approveVariantPublication`); `null` when there is none.
    async fn pending_publication(&self) -> Option<PendingVariantPublication> {
        self.draft
            .pending_publication
            .clone()
            .map(PendingVariantPublication)
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

/// A mapping onto the shared vocabulary that the draft breaks: indicators that compare
/// organisations count by it. Publishing warns and goes ahead.
#[derive(SimpleObject)]
pub struct VocabularyMappingWarning {
    /// `vocabulary_mapping_changed`, `vocabulary_mapping_removed` or
    /// `vocabulary_mapping_missing`.
    pub code: String,
    /// `stage`, `band`, `classification_value` or `outcome`.
    pub item: String,
    /// The item's key.
    pub key: String,
    /// Its path: `stages[diagnostic].phase`.
    pub path: String,
    /// The canonical term before (`null` when it had none).
    pub from: Option<String>,
    /// The canonical term now (`null` when removed or unmapped).
    pub to: Option<String>,
    pub message: String,
}

impl From<&VocabularyWarning> for VocabularyMappingWarning {
    fn from(w: &VocabularyWarning) -> Self {
        let problem = w.problem();
        let (from, to) = match &w.change {
            MappingBreak::Removed { canonical } => (Some(canonical.clone()), None),
            MappingBreak::Remapped { from, to } => (Some(from.clone()), Some(to.clone())),
            MappingBreak::Unmapped => (None, None),
        };
        Self {
            code: problem.code.to_owned(),
            item: w.item.as_str().to_owned(),
            key: w.key.clone(),
            path: w.path.clone(),
            from,
            to,
            message: problem
                .message(crate::graphql::language::current())
                .to_owned(),
        }
    }
}

fn warnings(list: &[VocabularyWarning]) -> Vec<VocabularyMappingWarning> {
    list.iter().map(Into::into).collect()
}

#[derive(SimpleObject)]
pub struct VariantDraftDiff {
    pub published_version: i32,
    pub draft_version: i32,
    /// Whether some change is breaking for open cases.
    pub breaking: bool,
    pub changes: Vec<VariantChange>,
    /// Mappings onto the shared vocabulary the draft breaks.
    pub vocabulary_warnings: Vec<VocabularyMappingWarning>,
}

/// What `publishVariantDraft` or `approveVariantPublication` did.
#[derive(SimpleObject)]
pub struct VariantPublication {
    /// A new version was published (`false`: a request waits for a second administrator).
    pub published: bool,
    /// The new version's number; new cases start under it. `null` while awaiting approval.
    pub version: Option<i32>,
    pub variant: Option<VariantView>,
    /// Under the four-eyes rule: the request recorded, waiting for another administrator.
    pub pending_publication: Option<PendingVariantPublication>,
    /// Mappings onto the shared vocabulary the new version breaks (it is published all the same).
    pub vocabulary_warnings: Vec<VocabularyMappingWarning>,
}

fn published(runtime: &TenantRuntime, p: Publication) -> VariantPublication {
    VariantPublication {
        published: true,
        version: Some(i32::try_from(p.version).unwrap_or(i32::MAX)),
        vocabulary_warnings: warnings(&p.vocabulary_warnings),
        variant: Some(VariantView(PublishedVariant {
            variant: p.variant,
            published_versions: runtime.published_versions(),
        })),
        pending_publication: None,
    }
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
        Ok(VariantDraft::new(draft, &runtime))
    }

    /// The draft against the current published version, each change safe or breaking for open
    /// cases, and the mappings onto the shared vocabulary it breaks.
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
            vocabulary_warnings: warnings(&diff.vocabulary_warnings),
            changes: diff.changes.into_iter().map(Into::into).collect(),
        })
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
        Ok(VariantDraft::new(draft, &runtime))
    }

    /// Publishes the draft as the next version; new cases start under it. With the organisation's
    /// four-eyes rule on (`publishNeedsSecondAdmin`) it records the caller's request instead,
    /// and another administrator approves it (`approveVariantPublication`). Either way the
    /// answer lists the mappings onto the shared vocabulary the draft breaks.
    async fn publish_variant_draft(
        &self,
        ctx: &Context<'_>,
        expected_draft_version: i32,
    ) -> async_graphql::Result<VariantPublication> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let outcome = variant_publication::publish(&runtime, &actor, expected_draft_version)
            .await
            .map_err(ApiError::from)?;
        Ok(match outcome {
            PublishOutcome::Published(p) => published(&runtime, p),
            PublishOutcome::AwaitingApproval {
                pending,
                vocabulary_warnings,
            } => VariantPublication {
                published: false,
                version: None,
                variant: None,
                pending_publication: Some(PendingVariantPublication(pending)),
                vocabulary_warnings: warnings(&vocabulary_warnings),
            },
        })
    }

    /// Publishes the draft another administrator asked to publish (the four-eyes rule).
    /// Refused for the one who asked (`publication_needs_second_admin`), without a request
    /// (`publication_not_requested`), and when the draft changed since the request
    /// (`publication_request_stale`); a stale `expectedDraftVersion` is `CONFLICT`.
    async fn approve_variant_publication(
        &self,
        ctx: &Context<'_>,
        expected_draft_version: i32,
    ) -> async_graphql::Result<VariantPublication> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let publication = variant_publication::approve(&runtime, &actor, expected_draft_version)
            .await
            .map_err(ApiError::from)?;
        Ok(published(&runtime, publication))
    }
}

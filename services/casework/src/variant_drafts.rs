//! The organisation administrator's work on the method variant («вариант технологии»): a draft of
//! the next version (TOML or JSON, validated like `kurator variant check`, every problem with its
//! path), and the typed diff between the draft and the published version with each change classed
//! safe or breaking for open cases and every mapping onto the shared vocabulary it breaks.
//! Publishing it is [`crate::variant_publication`]; starting it from a template or another
//! organisation's file is [`crate::variant_templates`]; moving open cases is
//! [`crate::variant_migration`].

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::error::{CaseworkError, CaseworkResult};
use crate::runtime::TenantRuntime;
use crate::variant_publication::{self, PendingPublication};
use kurator_method::problem;
use kurator_method::validate::ValidationErrors;
use kurator_method::versioning::{
    ClassedChange, VocabularyWarning, classified_diff, vocabulary_warnings,
};
use kurator_method::{Problem, Variant};
use kurator_store::tenant::variant_drafts::{self as store, DraftRow};
use std::sync::Arc;

/// How a draft is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftFormat {
    Toml,
    Json,
}

impl DraftFormat {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "toml" => Some(Self::Toml),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Toml => "toml",
            Self::Json => "json",
        }
    }
}

/// The organisation's current draft. `variant` is `None` when there is none (never saved, or
/// published since); `version` still counts, for the next save.
#[derive(Debug, Clone)]
pub struct Draft {
    pub version: i32,
    pub format: Option<DraftFormat>,
    pub source: Option<String>,
    pub variant: Option<Arc<Variant>>,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// A request to publish this very draft version that waits for a second administrator.
    pub pending_publication: Option<PendingPublication>,
}

pub(crate) fn from_row(row: DraftRow) -> CaseworkResult<Draft> {
    let variant = match &row.document {
        Some(document) => Some(Arc::new(
            Variant::from_json_str(&document.to_string())
                .map_err(|e| CaseworkError::Variant(e.to_string()))?,
        )),
        None => None,
    };
    let present = variant.is_some();
    Ok(Draft {
        version: row.version,
        format: DraftFormat::parse(&row.format).filter(|_| present),
        source: present.then_some(row.source),
        updated_at: (row.version > 0).then_some(row.updated_at),
        variant,
        pending_publication: None,
    })
}

/// Every validation problem of a variant document, each at its path in the document.
pub fn validation_problems(errors: &ValidationErrors) -> Vec<Problem> {
    errors
        .iter()
        .map(|e| {
            let (path, message) = (&e.path, &e.message);
            let field = if path.is_empty() {
                "document".to_owned()
            } else {
                format!("document.{path}")
            };
            problem!(
                at = field,
                "variant_invalid",
                "Ошибка в варианте ({path}): {message}",
                "Problem in the variant ({path}): {message}"
            )
        })
        .collect()
}

/// Parses and validates a draft; the problems as a coded refusal.
pub fn parse(source: &str, format: DraftFormat) -> CaseworkResult<Variant> {
    let parsed = match format {
        DraftFormat::Toml => Variant::from_toml_str(source),
        DraftFormat::Json => Variant::from_json_str(source),
    };
    parsed.map_err(|errors| CaseworkError::Rejected(validation_problems(&errors)))
}

/// The current draft, read by the organisation administrator.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn current(runtime: &TenantRuntime, actor: &Actor) -> CaseworkResult<Draft> {
    actor.require_org_admin()?;
    let tx = runtime.read().await?;
    let row = store::get(&tx).await?;
    let pending = variant_publication::pending(&tx, &row).await?;
    tx.commit().await?;
    Ok(Draft {
        pending_publication: pending,
        ..from_row(row)?
    })
}

/// Saves the draft if it is valid and the draft's version is still `expected_version` (`None`:
/// there must be no current draft). An invalid draft writes nothing and answers every problem.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn save(
    runtime: &TenantRuntime,
    actor: &Actor,
    source: String,
    format: DraftFormat,
    expected_version: Option<i32>,
) -> CaseworkResult<Draft> {
    actor.require_org_admin()?;
    let variant = parse(&source, format)?;
    let published = runtime.current_variant()?;
    if variant.key() != published.key() {
        let (key, published) = (variant.key(), published.key());
        return Err(CaseworkError::rejected(problem!(
            at = "document.key",
            "variant_key_changed",
            "Ключ варианта «{key}» не совпадает с опубликованным «{published}»",
            "The variant key “{key}” differs from the published “{published}”"
        )));
    }
    write(
        runtime,
        actor,
        &variant,
        source,
        format,
        expected_version,
        "variant.draft.save",
    )
    .await
}

/// Stores a validated draft with its text, checking the draft version as [`save`] does, and
/// records `action` in the audit trail.
pub(crate) async fn write(
    runtime: &TenantRuntime,
    actor: &Actor,
    variant: &Variant,
    source: String,
    format: DraftFormat,
    expected_version: Option<i32>,
    action: &'static str,
) -> CaseworkResult<Draft> {
    let document =
        serde_json::to_value(variant.doc()).map_err(|e| CaseworkError::Variant(e.to_string()))?;
    let tx = runtime.begin().await?;
    let before = store::get(&tx).await?;
    let expected = match expected_version {
        Some(version) => version,
        None if before.document.is_none() => before.version,
        None => {
            return Err(CaseworkError::Stale {
                current: before.version,
            });
        }
    };
    if before.version != expected {
        return Err(CaseworkError::Stale {
            current: before.version,
        });
    }
    let after = store::put(
        &tx,
        expected,
        format.as_str(),
        source,
        Some(document),
        actor.user,
    )
    .await?;
    audit::record(
        &tx,
        actor,
        Audit::changed(
            action,
            "variant_draft",
            runtime.tenant().id.0,
            &before,
            &after,
        ),
    )
    .await?;
    tx.commit().await?;
    from_row(after)
}

pub(crate) fn no_draft() -> CaseworkError {
    CaseworkError::rejected(problem!(
        "variant_draft_missing",
        "Черновика варианта нет: сначала сохраните черновик",
        "There is no variant draft: save one first"
    ))
}

/// The draft compared with the published version it would follow.
#[derive(Debug, Clone)]
pub struct DraftDiff {
    pub published_version: u32,
    pub draft_version: i32,
    pub changes: Vec<ClassedChange>,
    /// Mappings onto the shared vocabulary the draft breaks (publishing warns, and goes ahead).
    pub vocabulary_warnings: Vec<VocabularyWarning>,
}

impl DraftDiff {
    pub fn breaking(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.impact == kurator_method::versioning::Impact::Breaking)
    }
}

/// What the draft changes against the current published version, each change classed.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn diff(runtime: &TenantRuntime, actor: &Actor) -> CaseworkResult<DraftDiff> {
    let draft = current(runtime, actor).await?;
    let variant = draft.variant.ok_or_else(no_draft)?;
    let published = runtime.current_variant()?;
    let mut doc = variant.doc().clone();
    // The draft's own `version` field is set on publication; it is no change of the method.
    doc.version = published.version();
    let draft_variant =
        Variant::from_doc(doc).map_err(|e| CaseworkError::Rejected(validation_problems(&e)))?;
    Ok(DraftDiff {
        published_version: published.version(),
        draft_version: draft.version,
        changes: classified_diff(published, &draft_variant),
        vocabulary_warnings: vocabulary_warnings(published, &draft_variant),
    })
}

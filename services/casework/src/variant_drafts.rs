//! The organisation administrator's work on the method variant («вариант технологии»): a draft of
//! the next version (TOML or JSON, validated like `kurator variant check`, every problem with its
//! path), the typed diff between the draft and the published version with each change classed
//! safe or breaking for open cases, and publication of the draft as a new immutable version that
//! new cases start under. Moving open cases is [`crate::variant_migration`].

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::error::{CaseworkError, CaseworkResult};
use crate::runtime::TenantRuntime;
use kurator_method::problem;
use kurator_method::validate::ValidationErrors;
use kurator_method::versioning::{ClassedChange, classified_diff};
use kurator_method::{Problem, Variant};
use kurator_store::TenantTx;
use kurator_store::tenant::variant_drafts::{self as store, DraftRow};
use kurator_store::tenant::variants;
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
}

fn from_row(row: DraftRow) -> CaseworkResult<Draft> {
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
    tx.commit().await?;
    from_row(row)
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
            "variant.draft.save",
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

fn no_draft() -> CaseworkError {
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
    })
}

/// A version just published.
#[derive(Debug, Clone)]
pub struct Publication {
    pub version: u32,
    pub variant: Arc<Variant>,
}

async fn latest_stored(tx: &TenantTx) -> CaseworkResult<i32> {
    Ok(variants::all(tx)
        .await?
        .iter()
        .map(|row| row.version)
        .max()
        .unwrap_or(0))
}

/// Publishes the draft as the next version (latest + 1, its `version` field set to it) and clears
/// the draft, in one transaction; new cases start under it at once on this replica. Open and
/// closed cases stay on their versions.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn publish(
    runtime: &TenantRuntime,
    actor: &Actor,
    expected_draft_version: i32,
) -> CaseworkResult<Publication> {
    actor.require_org_admin()?;
    let tx = runtime.begin().await?;
    let before = store::get(&tx).await?;
    if before.version != expected_draft_version {
        return Err(CaseworkError::Stale {
            current: before.version,
        });
    }
    let document = before.document.clone().ok_or_else(no_draft)?;
    let variant = Variant::from_json_str(&document.to_string())
        .map_err(|e| CaseworkError::Rejected(validation_problems(&e)))?;
    let version = latest_stored(&tx).await? + 1;
    let mut doc = variant.doc().clone();
    doc.version = u32::try_from(version).unwrap_or(u32::MAX);
    let variant =
        Variant::from_doc(doc).map_err(|e| CaseworkError::Rejected(validation_problems(&e)))?;
    let stored =
        serde_json::to_value(variant.doc()).map_err(|e| CaseworkError::Variant(e.to_string()))?;
    let row = variants::publish(&tx, variant.key(), version, stored, Some(actor.user)).await?;
    let after = store::put(
        &tx,
        expected_draft_version,
        &before.format,
        String::new(),
        None,
        actor.user,
    )
    .await?;
    audit::record(
        &tx,
        actor,
        Audit::created(
            "variant.publish",
            "variant",
            runtime.tenant().id.0,
            &serde_json::json!({
                "key": row.key,
                "version": row.version,
                "draft_version": before.version,
                "draft_version_after": after.version,
            }),
        ),
    )
    .await?;
    tx.commit().await?;
    runtime.reload_variants().await?;
    let variant = runtime.variant(version)?.clone();
    Ok(Publication {
        version: variant.version(),
        variant,
    })
}

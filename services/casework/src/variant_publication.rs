//! Publishing the organisation's variant draft as a new immutable version («публикация версии
//! варианта»), which new cases start under; open and closed cases stay on theirs.
//!
//! With the four-eyes rule on (`publish_needs_second_admin`, an organisation setting), the first
//! administrator's `publish` only records a request naming the draft version they approve; another
//! administrator's [`approve`] publishes it. Nobody approves their own request, and a draft saved
//! after the request makes it stale. Both steps are in the audit trail.
//!
//! Every publication (and every request) reports the mappings onto the shared vocabulary the new
//! version breaks: it goes ahead, and the warnings are in its answer and in its audit record.

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::error::{CaseworkError, CaseworkResult};
use crate::runtime::TenantRuntime;
use crate::settings;
use crate::variant_drafts::{no_draft, validation_problems};
use chrono::{DateTime, Utc};
use kurator_domain::UserId;
use kurator_method::Variant;
use kurator_method::problem;
use kurator_method::versioning::{VocabularyWarning, vocabulary_warnings};
use kurator_store::TenantTx;
use kurator_store::tenant::variant_drafts::{self as drafts, DraftRow};
use kurator_store::tenant::variant_publication_requests as requests;
use kurator_store::tenant::variants;
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

/// A version just published.
#[derive(Debug, Clone)]
pub struct Publication {
    pub version: u32,
    pub variant: Arc<Variant>,
    pub vocabulary_warnings: Vec<VocabularyWarning>,
    /// Under the four-eyes rule: who asked for it (the approver is the caller).
    pub requested_by: Option<Uuid>,
}

/// A request to publish a draft version, waiting for a second administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPublication {
    pub draft_version: i32,
    pub requested_by: Uuid,
    pub requested_at: DateTime<Utc>,
}

/// What `publish` did.
#[derive(Debug, Clone)]
pub enum PublishOutcome {
    Published(Publication),
    /// The four-eyes rule is on: the request waits for another administrator.
    AwaitingApproval {
        pending: PendingPublication,
        vocabulary_warnings: Vec<VocabularyWarning>,
    },
}

/// The request that still holds for `draft`: one made for its current version, while it has a
/// document.
pub(crate) async fn pending(
    tx: &TenantTx,
    draft: &DraftRow,
) -> CaseworkResult<Option<PendingPublication>> {
    if draft.document.is_none() {
        return Ok(None);
    }
    Ok(requests::get(tx)
        .await?
        .filter(|r| r.draft_version == draft.version)
        .map(|r| PendingPublication {
            draft_version: r.draft_version,
            requested_by: r.requested_by,
            requested_at: r.requested_at,
        }))
}

/// The current draft at `expected_draft_version`, as a variant; a stale version is a conflict.
async fn draft_at(
    tx: &TenantTx,
    expected_draft_version: i32,
) -> CaseworkResult<(DraftRow, Variant)> {
    let draft = drafts::get(tx).await?;
    if draft.version != expected_draft_version {
        return Err(CaseworkError::Stale {
            current: draft.version,
        });
    }
    let document = draft.document.clone().ok_or_else(no_draft)?;
    let variant = Variant::from_json_str(&document.to_string())
        .map_err(|e| CaseworkError::Rejected(validation_problems(&e)))?;
    Ok((draft, variant))
}

fn warnings_json(warnings: &[VocabularyWarning]) -> serde_json::Value {
    json!(
        warnings
            .iter()
            .map(|w| json!({ "code": w.problem().code, "path": w.path }))
            .collect::<Vec<_>>()
    )
}

/// Publishes the draft at `expected_draft_version` — or, with the four-eyes rule on, records the
/// caller's request to publish it (asking again replaces the request).
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn publish(
    runtime: &TenantRuntime,
    actor: &Actor,
    expected_draft_version: i32,
) -> CaseworkResult<PublishOutcome> {
    actor.require_org_admin()?;
    let tx = runtime.begin().await?;
    let (draft, variant) = draft_at(&tx, expected_draft_version).await?;
    let warnings = vocabulary_warnings(runtime.current_variant()?, &variant);
    if !settings::load(&tx)
        .await?
        .settings
        .publish_needs_second_admin
    {
        let publication = publish_in(runtime, &tx, actor, &draft, variant, warnings, None).await?;
        tx.commit().await?;
        return finish(runtime, publication)
            .await
            .map(PublishOutcome::Published);
    }
    let row = requests::put(&tx, draft.version, actor.user).await?;
    audit::record(
        &tx,
        actor,
        Audit::created(
            "variant.publication.request",
            "variant_draft",
            runtime.tenant().id.0,
            &json!({
                "draft_version": row.draft_version,
                "requested_at": row.requested_at,
                "vocabulary_warnings": warnings_json(&warnings),
            }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(PublishOutcome::AwaitingApproval {
        pending: PendingPublication {
            draft_version: row.draft_version,
            requested_by: row.requested_by,
            requested_at: row.requested_at,
        },
        vocabulary_warnings: warnings,
    })
}

/// A second administrator publishes what another asked to publish: the draft at
/// `expected_draft_version`, which must be the version the request names.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn approve(
    runtime: &TenantRuntime,
    actor: &Actor,
    expected_draft_version: i32,
) -> CaseworkResult<Publication> {
    actor.require_org_admin()?;
    let tx = runtime.begin().await?;
    let (draft, variant) = draft_at(&tx, expected_draft_version).await?;
    let Some(request) = requests::get(&tx).await? else {
        return Err(CaseworkError::rejected(problem!(
            at = "expectedDraftVersion",
            "publication_not_requested",
            "Публикацию этого черновика никто не запрашивал: сначала нужен запрос (publishVariantDraft)",
            "Nobody asked to publish this draft: it needs a request first (publishVariantDraft)"
        )));
    };
    if request.draft_version != draft.version {
        let (requested, current) = (request.draft_version, draft.version);
        return Err(CaseworkError::rejected(problem!(
            at = "expectedDraftVersion",
            "publication_request_stale",
            "Запрос касался версии черновика {requested}, а черновик с тех пор изменён (версия {current}): нужен новый запрос",
            "The request was for draft version {requested}, and the draft has changed since (version {current}): it needs a new request"
        )));
    }
    if request.requested_by == actor.user.0 {
        return Err(CaseworkError::rejected(problem!(
            "publication_needs_second_admin",
            "Публикацию, которую вы запросили, утверждает другой администратор организации",
            "Another organisation administrator approves the publication you asked for"
        )));
    }
    let warnings = vocabulary_warnings(runtime.current_variant()?, &variant);
    let publication = publish_in(
        runtime,
        &tx,
        actor,
        &draft,
        variant,
        warnings,
        Some(UserId(request.requested_by)),
    )
    .await?;
    tx.commit().await?;
    finish(runtime, publication).await
}

/// Stores the draft as the next version (latest + 1, its `version` field set to it) and clears
/// the draft, in the caller's transaction.
async fn publish_in(
    runtime: &TenantRuntime,
    tx: &TenantTx,
    actor: &Actor,
    draft: &DraftRow,
    variant: Variant,
    warnings: Vec<VocabularyWarning>,
    requested_by: Option<UserId>,
) -> CaseworkResult<Publication> {
    let version = variants::all(tx)
        .await?
        .iter()
        .map(|row| row.version)
        .max()
        .unwrap_or(0)
        + 1;
    let mut doc = variant.doc().clone();
    doc.version = u32::try_from(version).unwrap_or(u32::MAX);
    let variant =
        Variant::from_doc(doc).map_err(|e| CaseworkError::Rejected(validation_problems(&e)))?;
    let stored =
        serde_json::to_value(variant.doc()).map_err(|e| CaseworkError::Variant(e.to_string()))?;
    let row = variants::publish(tx, variant.key(), version, stored, Some(actor.user)).await?;
    let after = drafts::put(
        tx,
        draft.version,
        &draft.format,
        String::new(),
        None,
        actor.user,
    )
    .await?;
    audit::record(
        tx,
        actor,
        Audit::created(
            "variant.publish",
            "variant",
            runtime.tenant().id.0,
            &json!({
                "key": row.key,
                "version": row.version,
                "draft_version": draft.version,
                "draft_version_after": after.version,
                "requested_by": requested_by.map(|u| u.0),
                "approved_by": requested_by.map(|_| actor.user.0),
                "vocabulary_warnings": warnings_json(&warnings),
            }),
        ),
    )
    .await?;
    Ok(Publication {
        version: u32::try_from(version).unwrap_or(u32::MAX),
        variant: Arc::new(variant),
        vocabulary_warnings: warnings,
        requested_by: requested_by.map(|u| u.0),
    })
}

/// After the commit: this replica learns the new version, and new cases start under it.
async fn finish(runtime: &TenantRuntime, publication: Publication) -> CaseworkResult<Publication> {
    runtime.reload_variants().await?;
    let variant = runtime
        .variant(i32::try_from(publication.version).unwrap_or(i32::MAX))?
        .clone();
    Ok(Publication {
        version: variant.version(),
        variant,
        ..publication
    })
}

//! Variants as templates («шаблоны вариантов»): the four presets shipped with Kurator, and any
//! organisation's published version exported as a file, to start another organisation's draft
//! from.
//!
//! A template is a method, not an organisation: importing one keeps this organisation's identity
//! — its variant key (cases and versions are filed under it), its organisation's name, time zone
//! and production calendar — and takes everything else from the file, the method's own name
//! included. When the file says otherwise, the draft is
//! saved as the file's content rewritten with those four fields (the canonical TOML or JSON of
//! it; comments are lost); otherwise as the text given. Saving another organisation's file
//! through `save` is still refused with `variant_key_changed`, which catches a file pasted into
//! the wrong organisation.

use crate::actor::Actor;
use crate::error::{CaseworkError, CaseworkResult};
use crate::runtime::TenantRuntime;
use crate::variant_drafts::{self, Draft, DraftFormat, validation_problems};
use crate::variant_view;
use kurator_method::schema::Text;
use kurator_method::{Variant, presets, problem};

/// One preset offered as a template.
#[derive(Debug, Clone)]
pub struct Template {
    pub key: &'static str,
    pub name: Text,
    pub organisation: Option<Text>,
    pub version: u32,
    pub calendar: String,
    pub time_zone: String,
}

/// A variant as a file to download.
#[derive(Debug, Clone)]
pub struct VariantFile {
    /// `fund-v3.toml`
    pub file_name: String,
    pub format: DraftFormat,
    pub content: String,
}

fn unknown_template(key: &str) -> CaseworkError {
    let known = presets::names().join(", ");
    CaseworkError::rejected(problem!(
        at = "key",
        "variant_template_unknown",
        "Шаблона «{key}» нет; есть: {known}",
        "There is no template “{key}”; there are: {known}"
    ))
}

fn preset(key: &str) -> CaseworkResult<Variant> {
    presets::load(key).map_err(|_| unknown_template(key))
}

/// The presets offered as templates; everyone who may read the variant may read them.
#[tracing::instrument(skip_all)]
pub fn templates(actor: &Actor) -> CaseworkResult<Vec<Template>> {
    actor.require_variant_reader()?;
    presets::names()
        .into_iter()
        .map(|key| {
            let variant = preset(key)?;
            let doc = variant.doc();
            Ok(Template {
                key,
                name: doc.name.clone(),
                organisation: doc.organisation.clone(),
                version: doc.version,
                calendar: doc.calendar.clone(),
                time_zone: doc.time_zone.clone(),
            })
        })
        .collect()
}

/// A preset's TOML file as shipped.
#[tracing::instrument(skip_all, fields(key))]
pub fn template(actor: &Actor, key: &str) -> CaseworkResult<VariantFile> {
    actor.require_variant_reader()?;
    let content = presets::source(key).ok_or_else(|| unknown_template(key))?;
    Ok(VariantFile {
        file_name: format!("{key}.toml"),
        format: DraftFormat::Toml,
        content: content.to_owned(),
    })
}

fn text(variant: &Variant, format: DraftFormat) -> CaseworkResult<String> {
    match format {
        DraftFormat::Toml => variant
            .to_toml()
            .map_err(|e| CaseworkError::Variant(e.to_string())),
        DraftFormat::Json => Ok(variant.to_json()),
    }
}

/// A published version (the current one when `version` is `None`) as a file.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, version = ?version))]
pub fn export(
    runtime: &TenantRuntime,
    actor: &Actor,
    version: Option<i32>,
    format: DraftFormat,
) -> CaseworkResult<VariantFile> {
    let published = variant_view::published(runtime, actor, version)?;
    let variant = &published.variant;
    Ok(VariantFile {
        file_name: format!(
            "{}-v{}.{}",
            variant.key(),
            variant.version(),
            format.as_str()
        ),
        format,
        content: text(variant, format)?,
    })
}

/// `variant` with this organisation's identity; `None` when it has it already.
fn as_ours(runtime: &TenantRuntime, variant: &Variant) -> CaseworkResult<Option<Variant>> {
    let ours = runtime.current_variant()?.doc();
    let theirs = variant.doc();
    if theirs.key == ours.key
        && theirs.organisation == ours.organisation
        && theirs.time_zone == ours.time_zone
        && theirs.calendar == ours.calendar
    {
        return Ok(None);
    }
    let mut doc = theirs.clone();
    doc.key = ours.key.clone();
    doc.organisation = ours.organisation.clone();
    doc.time_zone = ours.time_zone.clone();
    doc.calendar = ours.calendar.clone();
    Variant::from_doc(doc)
        .map(Some)
        .map_err(|e| CaseworkError::Rejected(validation_problems(&e)))
}

async fn save_as_ours(
    runtime: &TenantRuntime,
    actor: &Actor,
    variant: Variant,
    source: String,
    format: DraftFormat,
    expected_version: Option<i32>,
    action: &'static str,
) -> CaseworkResult<Draft> {
    let (variant, source) = match as_ours(runtime, &variant)? {
        Some(ours) => {
            let source = text(&ours, format)?;
            (ours, source)
        }
        None => (variant, source),
    };
    variant_drafts::write(
        runtime,
        actor,
        &variant,
        source,
        format,
        expected_version,
        action,
    )
    .await
}

/// Saves a variant file — another organisation's export, say — as this organisation's draft, with
/// this organisation's identity. Validation and the draft version are checked as by
/// [`variant_drafts::save`].
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn import(
    runtime: &TenantRuntime,
    actor: &Actor,
    source: String,
    format: DraftFormat,
    expected_version: Option<i32>,
) -> CaseworkResult<Draft> {
    actor.require_org_admin()?;
    let variant = variant_drafts::parse(&source, format)?;
    save_as_ours(
        runtime,
        actor,
        variant,
        source,
        format,
        expected_version,
        "variant.draft.import",
    )
    .await
}

/// Saves a preset as this organisation's draft, with this organisation's identity.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, key))]
pub async fn from_template(
    runtime: &TenantRuntime,
    actor: &Actor,
    key: &str,
    expected_version: Option<i32>,
) -> CaseworkResult<Draft> {
    actor.require_org_admin()?;
    let variant = preset(key)?;
    let source = presets::source(key)
        .ok_or_else(|| unknown_template(key))?
        .to_owned();
    save_as_ours(
        runtime,
        actor,
        variant,
        source,
        DraftFormat::Toml,
        expected_version,
        "variant.draft.from_template",
    )
    .await
}

//! Variants as templates over GraphQL: `variantTemplates` and `variantTemplate(key)` (the four
//! presets), `exportVariant(version, format)` (a published version as a file),
//! `importVariantDraft` (a file, such as another organisation's export, as this organisation's
//! draft) and `saveVariantDraftFromTemplate(key)`. What an import keeps of this organisation
//! (its variant key, organisation, time zone and calendar) is the casework service's
//! ([`variant_templates`]); these types translate.

use crate::graphql::casework::tenant_actor;
use crate::graphql::casework::variant::Text;
use crate::graphql::casework::variant_admin::{VariantDraft, VariantFormat};
use crate::graphql::error::ApiError;
use async_graphql::{Context, Object, SimpleObject};
use kurator_casework::variant_templates::{self, Template, VariantFile as File};

/// A preset offered as a template for an organisation's draft.
#[derive(SimpleObject)]
pub struct VariantTemplate {
    /// `fund`, `volunteers`, `state_centre`, `clinic`.
    pub key: String,
    pub name: Text,
    /// The organisation the preset was written for.
    pub organisation: Option<Text>,
    pub version: i32,
    /// Production calendar region the preset uses (`ru`, `kz`); an import keeps the
    /// organisation's own.
    pub calendar: String,
    pub time_zone: String,
}

impl From<Template> for VariantTemplate {
    fn from(t: Template) -> Self {
        Self {
            key: t.key.to_owned(),
            name: (&t.name).into(),
            organisation: t.organisation.as_ref().map(Into::into),
            version: i32::try_from(t.version).unwrap_or(i32::MAX),
            calendar: t.calendar,
            time_zone: t.time_zone,
        }
    }
}

/// A variant as a file: what to save it as, and its text.
#[derive(SimpleObject)]
pub struct VariantFile {
    /// `fund-v3.toml`
    pub file_name: String,
    pub format: VariantFormat,
    /// The file's text, for `importVariantDraft` in another organisation.
    pub content: String,
}

impl From<File> for VariantFile {
    fn from(f: File) -> Self {
        Self {
            file_name: f.file_name,
            format: f.format.into(),
            content: f.content,
        }
    }
}

#[derive(Default)]
pub struct VariantTemplateQuery;

#[Object]
impl VariantTemplateQuery {
    /// The presets offered as templates (everyone who may read the variant).
    async fn variant_templates(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<VariantTemplate>> {
        let (_, actor) = tenant_actor(ctx).await?;
        let list = variant_templates::templates(&actor).map_err(ApiError::from)?;
        Ok(list.into_iter().map(Into::into).collect())
    }

    /// One preset's TOML file as shipped; an unknown key is `variant_template_unknown`.
    async fn variant_template(
        &self,
        ctx: &Context<'_>,
        key: String,
    ) -> async_graphql::Result<VariantFile> {
        let (_, actor) = tenant_actor(ctx).await?;
        Ok(variant_templates::template(&actor, &key)
            .map_err(ApiError::from)?
            .into())
    }

    /// A published version of the organisation's variant (the current one by default) as a file
    /// to download, TOML by default; the same text `variant { toml }` gives.
    async fn export_variant(
        &self,
        ctx: &Context<'_>,
        version: Option<i32>,
        format: Option<VariantFormat>,
    ) -> async_graphql::Result<VariantFile> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let format = format.unwrap_or(VariantFormat::Toml);
        Ok(
            variant_templates::export(&runtime, &actor, version, format.into())
                .map_err(ApiError::from)?
                .into(),
        )
    }
}

#[derive(Default)]
pub struct VariantTemplateMutation;

#[Object]
impl VariantTemplateMutation {
    /// Saves a variant file — another organisation's `exportVariant`, say — as this
    /// organisation's draft (organisation administrators). The file keeps its method; the draft
    /// takes this organisation's variant key, organisation, time zone and calendar. Validation and
    /// `expectedVersion` as in `saveVariantDraft`.
    async fn import_variant_draft(
        &self,
        ctx: &Context<'_>,
        document: String,
        format: VariantFormat,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<VariantDraft> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let draft =
            variant_templates::import(&runtime, &actor, document, format.into(), expected_version)
                .await
                .map_err(ApiError::from)?;
        Ok(VariantDraft::new(draft, &runtime))
    }

    /// Saves a preset (`variantTemplates`) as this organisation's draft, with this
    /// organisation's variant key, organisation, time zone and calendar.
    async fn save_variant_draft_from_template(
        &self,
        ctx: &Context<'_>,
        key: String,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<VariantDraft> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let draft = variant_templates::from_template(&runtime, &actor, &key, expected_version)
            .await
            .map_err(ApiError::from)?;
        Ok(VariantDraft::new(draft, &runtime))
    }
}

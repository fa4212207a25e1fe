//! The platform administrator's organisations: create one while the platform runs, list them,
//! suspend and resume; and the platform's own audit trail (`platformAuditTrail`). The decisions
//! are the casework service's ([`organisations`], [`platform_trail`]); this only translates, and
//! tells every replica to read the people of a suspended or resumed organisation again.

use crate::AppState;
use crate::graphql::casework::variant_admin::VariantFormat;
use crate::graphql::context::RequestContext;
use crate::graphql::error::{ApiError, ApiResult};
use async_graphql::connection::PageInfo;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use kurator_casework::organisations::{
    self, FirstAdmin, NewOrganisation, PlatformActor, StartingVariant,
};
use kurator_casework::platform_trail::{self, TrailEntry};
use kurator_domain::{TenantSlug, UserId};
use kurator_store::control::TenantRow;

#[derive(Default)]
pub struct PlatformQuery;

#[derive(Default)]
pub struct PlatformMutation;

/// An organisation as the platform administrator sees it (never its database address).
#[derive(SimpleObject)]
pub struct Organisation {
    pub id: ID,
    pub slug: String,
    pub name: String,
    pub name_kk: String,
    pub name_en: String,
    pub time_zone: String,
    /// The template (preset) it started from, or `uploaded:<key>`.
    pub preset: String,
    /// Where its data lives.
    pub placement: String,
    pub suspended: bool,
    pub suspended_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<&TenantRow> for Organisation {
    fn from(row: &TenantRow) -> Self {
        Self {
            id: ID(row.id.to_string()),
            slug: row.slug.to_string(),
            name: row.name_ru.clone(),
            name_kk: row.name_kk.clone(),
            name_en: row.name_en.clone(),
            time_zone: row.time_zone.clone(),
            preset: row.preset.clone(),
            placement: row.placement.clone(),
            suspended: row.is_suspended(),
            suspended_at: row.suspended_at,
            created_at: row.created_at,
        }
    }
}

/// A database server or region an organisation's data can live on.
#[derive(SimpleObject)]
pub struct Placement {
    pub name: String,
    pub label: String,
}

#[derive(InputObject)]
pub struct OrganisationNames {
    pub ru: String,
    pub kk: String,
    pub en: String,
}

/// The method a new organisation starts with: a template (one of the presets) or a file.
#[derive(InputObject)]
pub struct StartingVariantInput {
    /// `fund`, `volunteers`, `state_centre` or `clinic`.
    pub template: Option<String>,
    /// A variant file of the organisation's own.
    pub document: Option<String>,
    pub format: Option<VariantFormat>,
}

#[derive(InputObject)]
pub struct FirstAdminInput {
    /// An existing account gets the administrator's role; otherwise one is created.
    pub login: String,
    /// For a new account.
    pub display_name: Option<String>,
    /// For a new account: 10 characters or more.
    pub password: Option<String>,
}

#[derive(InputObject)]
pub struct NewOrganisationInput {
    /// Short stable name: 2–40 lower-case latin letters, digits or `_`.
    pub slug: String,
    pub names: OrganisationNames,
    /// Unset: the starting variant's (e.g. `Europe/Moscow`).
    pub time_zone: Option<String>,
    /// Production calendar `ru` or `kz`; unset: the starting variant's.
    pub calendar: Option<String>,
    pub variant: StartingVariantInput,
    /// Unset: `default`.
    pub placement: Option<String>,
    pub first_admin: FirstAdminInput,
}

#[derive(SimpleObject)]
pub struct CreatedOrganisation {
    pub organisation: Organisation,
    pub first_admin_id: ID,
    /// `false` when an existing account was given the role.
    pub account_created: bool,
}

/// One change made on the platform as a whole, as the platform's trail holds it.
#[derive(SimpleObject)]
pub struct PlatformAuditEntry {
    pub id: ID,
    /// When the change was made.
    pub at: DateTime<Utc>,
    /// Who made it.
    pub actor_id: Option<ID>,
    /// Their login, while their account exists.
    pub actor_login: Option<String>,
    /// `platform_methodologist.grant`, `platform_methodologist.revoke`, `organisation.create`,
    /// `organisation.suspend` or `organisation.resume`.
    pub action: String,
    /// `user` or `organisation`.
    pub entity: String,
    pub entity_id: Option<ID>,
    /// The values before the change, as JSON text (none for a creation).
    pub before: Option<String>,
    /// The values after the change, as JSON text.
    pub after: Option<String>,
    pub request_id: Option<String>,
}

impl From<TrailEntry> for PlatformAuditEntry {
    fn from(e: TrailEntry) -> Self {
        let json = |value: Option<serde_json::Value>| value.map(|v| v.to_string());
        Self {
            id: ID(e.entry.id.to_string()),
            at: e.entry.at,
            actor_id: e.entry.actor.map(|a| ID(a.to_string())),
            actor_login: e.actor_login,
            action: e.entry.action,
            entity: e.entry.entity,
            entity_id: e.entry.entity_id.map(|id| ID(id.to_string())),
            before: json(e.entry.before),
            after: json(e.entry.after),
            request_id: e.entry.request_id,
        }
    }
}

/// A page of the platform's trail, newest first; `pageInfo.endCursor` continues it.
#[derive(SimpleObject)]
pub struct PlatformAuditConnection {
    pub entries: Vec<PlatformAuditEntry>,
    pub page_info: PageInfo,
}

fn platform_actor<'c>(ctx: &Context<'c>) -> ApiResult<(&'c AppState, PlatformActor)> {
    let request = ctx
        .data::<RequestContext>()
        .map_err(|_| ApiError::unauthenticated())?;
    let state = ctx
        .data::<AppState>()
        .map_err(|_| ApiError::unauthenticated())?;
    let caller = request.caller()?;
    Ok((
        state,
        PlatformActor {
            user: caller.user.id,
            is_platform_admin: caller.user.is_platform_admin,
            request_id: Some(request.request_id.clone()),
        },
    ))
}

fn starting(input: StartingVariantInput) -> StartingVariant {
    match (input.template, input.document) {
        (_, Some(source)) => StartingVariant::Document {
            source,
            format: input.format.unwrap_or(VariantFormat::Toml).into(),
        },
        (Some(key), None) => StartingVariant::Template(key),
        // No template named: the service answers `template_unknown` with the choices.
        (None, None) => StartingVariant::Template(String::new()),
    }
}

/// Every replica reads these people again on their next request.
async fn people_changed(state: &AppState, people: Vec<UserId>) -> ApiResult<()> {
    for user in people {
        state.inner.callers.user_changed(user).await?;
    }
    Ok(())
}

/// Suspends (`true`) or resumes the organisation `slug`; every replica reads its people again.
async fn change_suspension(
    ctx: &Context<'_>,
    slug: &str,
    suspend: bool,
) -> ApiResult<Organisation> {
    let (state, actor) = platform_actor(ctx)?;
    let slug = TenantSlug::parse(slug).map_err(|_| ApiError::not_found())?;
    let (tenants, control) = (&state.inner.tenants, &state.inner.control);
    let (row, people) = if suspend {
        organisations::suspend(tenants, control, &actor, &slug).await
    } else {
        organisations::resume(tenants, control, &actor, &slug).await
    }
    .map_err(ApiError::from)?;
    people_changed(state, people).await?;
    Ok(Organisation::from(&row))
}

#[Object]
impl PlatformQuery {
    /// Every organisation on the platform, suspended ones too (platform administrators).
    async fn organisations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Organisation>> {
        let (state, actor) = platform_actor(ctx)?;
        let rows = organisations::list(&state.inner.control, &actor)
            .await
            .map_err(ApiError::from)?;
        Ok(rows.iter().map(Organisation::from).collect())
    }

    /// The platform's own audit trail, newest first: methodologists of the platform appointed
    /// and relieved, organisations created, suspended and resumed (platform administrators).
    async fn platform_audit_trail(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most this many entries, newest first (default 50, at most 100).")]
        first: Option<i64>,
        #[graphql(
            desc = "The previous page's `pageInfo.endCursor`: the page continues behind it."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<PlatformAuditConnection> {
        let (state, actor) = platform_actor(ctx)?;
        let page = platform_trail::platform_audit_trail(
            &state.inner.control,
            &actor,
            first,
            after.as_deref(),
        )
        .await
        .map_err(ApiError::from)?;
        let page_info = PageInfo {
            has_previous_page: after.is_some(),
            has_next_page: page.has_next,
            start_cursor: page.entries.first().map(|e| e.entry.id.to_string()),
            end_cursor: page.end_cursor(),
        };
        Ok(PlatformAuditConnection {
            entries: page
                .entries
                .into_iter()
                .map(PlatformAuditEntry::from)
                .collect(),
            page_info,
        })
    }

    /// Where a new organisation's data can live (platform administrators).
    async fn placements(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Placement>> {
        let (state, actor) = platform_actor(ctx)?;
        let list =
            organisations::placements(&state.inner.settings, &actor).map_err(ApiError::from)?;
        Ok(list
            .into_iter()
            .map(|(name, label)| Placement { name, label })
            .collect())
    }
}

#[Object]
impl PlatformMutation {
    /// Creates an organisation: its database on the placement chosen, its first published
    /// variant, its first administrator. It serves requests at once, on every replica.
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: NewOrganisationInput,
    ) -> async_graphql::Result<CreatedOrganisation> {
        let (state, actor) = platform_actor(ctx)?;
        let new = NewOrganisation {
            slug: input.slug,
            name_ru: input.names.ru,
            name_kk: input.names.kk,
            name_en: input.names.en,
            time_zone: input.time_zone,
            calendar: input.calendar,
            variant: starting(input.variant),
            placement: input
                .placement
                .unwrap_or_else(|| kurator_platform::config::DEFAULT_PLACEMENT.to_owned()),
            first_admin: FirstAdmin {
                login: input.first_admin.login,
                display_name: input.first_admin.display_name,
                password: input.first_admin.password,
            },
        };
        let created = organisations::create(
            &state.inner.tenants,
            &state.inner.control,
            &state.inner.settings,
            &actor,
            new,
        )
        .await
        .map_err(ApiError::from)?;
        people_changed(state, vec![created.first_admin]).await?;
        Ok(CreatedOrganisation {
            organisation: Organisation::from(created.runtime.tenant()),
            first_admin_id: ID(created.first_admin.to_string()),
            account_created: created.account_created,
        })
    }

    /// Suspends an organisation: nobody reaches it and no reminder goes out; its data stays.
    async fn suspend_organisation(
        &self,
        ctx: &Context<'_>,
        slug: String,
    ) -> async_graphql::Result<Organisation> {
        Ok(change_suspension(ctx, &slug, true).await?)
    }

    /// Lifts a suspension.
    async fn resume_organisation(
        &self,
        ctx: &Context<'_>,
        slug: String,
    ) -> async_graphql::Result<Organisation> {
        Ok(change_suspension(ctx, &slug, false).await?)
    }
}

//! The organisation's administration: its people and roles, and its settings. People live in the
//! control plane; every change is also written to the organisation's own audit trail (see
//! `kurator_casework::members`).

use crate::AppState;
use crate::graphql::casework::{STAFF, require_staff, tenant_actor};
use crate::graphql::error::{ApiError, ApiResult};
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use kurator_casework::members::{self, NewMember};
use kurator_casework::settings::{self, SettingsChange};
use kurator_casework::staff;
use kurator_domain::{Role, UserId};
use kurator_method::schema::CapsMode;
use kurator_store::control::repo;

#[derive(Default)]
pub struct AdministrationQuery;

#[derive(Default)]
pub struct AdministrationMutation;

/// Roles a person can hold in an organisation.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum TenantRole {
    OrgAdmin,
    Supervisor,
    Curator,
    Specialist,
    Methodologist,
}

impl From<TenantRole> for Role {
    fn from(role: TenantRole) -> Self {
        match role {
            TenantRole::OrgAdmin => Role::OrgAdmin,
            TenantRole::Supervisor => Role::Supervisor,
            TenantRole::Curator => Role::Curator,
            TenantRole::Specialist => Role::Specialist,
            TenantRole::Methodologist => Role::Methodologist,
        }
    }
}

/// How the variant's per-category caseload caps are read.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum CaseloadCapsMode {
    /// Each category has its own cap.
    Independent,
    /// One full load: a family of a category takes 1/cap of it.
    Weighted,
}

#[derive(SimpleObject)]
pub struct Member {
    pub id: ID,
    pub login: String,
    pub display_name: String,
    /// The e-mail the person was invited with: their first single sign-on is linked by it.
    pub email: Option<String>,
    pub roles: Vec<String>,
    /// The method variant's roles the person holds (senior curator, psychologist, coordinator…):
    /// the roles they may act in.
    pub method_roles: Vec<String>,
}

/// A member of the organisation's staff, as colleagues see them.
#[derive(SimpleObject)]
pub struct Colleague {
    pub id: ID,
    pub display_name: String,
    pub roles: Vec<String>,
}

#[derive(SimpleObject)]
pub struct OrganisationSettings {
    /// Send it back with a change; a stale one gets `CONFLICT`.
    pub version: i32,
    /// Unset: as the method variant says.
    pub caseload_caps_mode: Option<CaseloadCapsMode>,
    /// Publishing a variant draft needs a second organisation administrator's approval
    /// (`approveVariantPublication`).
    pub publish_needs_second_admin: bool,
}

fn settings_out(s: settings::Settings) -> OrganisationSettings {
    OrganisationSettings {
        version: s.version,
        caseload_caps_mode: s.settings.caseload_caps_mode.map(|m| match m {
            CapsMode::Independent => CaseloadCapsMode::Independent,
            CapsMode::Weighted => CaseloadCapsMode::Weighted,
        }),
        publish_needs_second_admin: s.settings.publish_needs_second_admin,
    }
}

async fn members_of(
    ctx: &Context<'_>,
    runtime: &kurator_casework::TenantRuntime,
    actor: &kurator_casework::Actor,
) -> ApiResult<Vec<Member>> {
    let state = ctx
        .data::<AppState>()
        .map_err(|_| ApiError::unauthenticated())?;
    let members = repo::members_of_tenant(&state.inner.control, runtime.tenant().id).await?;
    let mut method_roles = staff::list(runtime, actor).await?;
    Ok(members
        .into_iter()
        .map(|(user, roles)| Member {
            id: ID(user.id.to_string()),
            method_roles: method_roles
                .remove(&user.id.0)
                .map(|r| r.into_iter().collect())
                .unwrap_or_default(),
            login: user.login,
            display_name: user.display_name,
            email: user.email,
            roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
        })
        .collect())
}

/// A member of this organisation who works on cases; anyone else is not found.
async fn staff_member(
    ctx: &Context<'_>,
    runtime: &kurator_casework::TenantRuntime,
    user_id: &ID,
) -> ApiResult<UserId> {
    let user = uuid::Uuid::parse_str(user_id.as_str())
        .map(UserId)
        .map_err(|_| ApiError::not_found())?;
    require_staff(ctx, runtime, user, &STAFF).await?;
    Ok(user)
}

#[Object]
impl AdministrationQuery {
    /// The organisation's people and their roles: supervisors and administrators.
    async fn members(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Member>> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        actor.require_lead().map_err(ApiError::from)?;
        Ok(members_of(ctx, &runtime, &actor).await?)
    }

    /// The organisation's staff by name, for everyone who works on cases: who the curator, the
    /// psychologist or the team on a case is. No logins, no method roles.
    async fn colleagues(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Colleague>> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        actor.case_scope().map_err(ApiError::from)?;
        let state = ctx.data::<AppState>()?;
        let members = repo::members_of_tenant(&state.inner.control, runtime.tenant().id)
            .await
            .map_err(ApiError::from)?;
        Ok(members
            .into_iter()
            .filter(|(_, roles)| roles.iter().any(|r| STAFF.contains(r)))
            .map(|(user, roles)| Colleague {
                id: ID(user.id.to_string()),
                display_name: user.display_name,
                roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
            })
            .collect())
    }

    /// The method roles the caller holds in this organisation: the roles they may act in.
    async fn my_method_roles(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        Ok(staff::mine(&runtime, &actor)
            .await
            .map_err(ApiError::from)?)
    }

    /// The organisation's settings: supervisors and administrators.
    async fn organisation_settings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<OrganisationSettings> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        Ok(settings_out(
            settings::get(&runtime, &actor)
                .await
                .map_err(ApiError::from)?,
        ))
    }
}

#[Object]
impl AdministrationMutation {
    /// Creates an account with a role in this organisation (organisation administrators).
    /// `email` invites the person for single sign-on: their first sign-in through the
    /// organisation's provider is linked to this account when the provider vouches for it.
    async fn create_member(
        &self,
        ctx: &Context<'_>,
        login: String,
        display_name: String,
        password: String,
        role: TenantRole,
        email: Option<String>,
    ) -> async_graphql::Result<Member> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let state = ctx.data::<AppState>()?;
        let new = NewMember {
            login,
            display_name,
            password,
            email,
            role: role.into(),
        };
        let user = members::create(&runtime, &state.inner.control, &actor, new)
            .await
            .map_err(ApiError::from)?;
        Ok(Member {
            id: ID(user.id.to_string()),
            login: user.login,
            display_name: user.display_name,
            email: user.email,
            roles: vec![Role::from(role).as_str().to_owned()],
            method_roles: Vec::new(),
        })
    }

    /// Gives a member one of the method variant's roles (senior curator, psychologist,
    /// coordinator, working-group member…); organisation administrators. Returns the roles the
    /// member holds now.
    async fn grant_method_role(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        role: String,
    ) -> async_graphql::Result<Vec<String>> {
        change_method_role(ctx, user_id, role, true).await
    }

    /// Takes a method role from a member; organisation administrators.
    async fn revoke_method_role(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        role: String,
    ) -> async_graphql::Result<Vec<String>> {
        change_method_role(ctx, user_id, role, false).await
    }

    /// Gives a member of this organisation another role (organisation administrators).
    async fn grant_role(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        role: TenantRole,
    ) -> async_graphql::Result<Vec<Member>> {
        change_role(ctx, user_id, role, true).await
    }

    /// Takes a role away; an administrator cannot take away their own administration.
    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        role: TenantRole,
    ) -> async_graphql::Result<Vec<Member>> {
        change_role(ctx, user_id, role, false).await
    }

    /// Changes the organisation's settings (organisation administrators), with the version seen.
    /// `caseloadCapsMode` is replaced as given (absent: as the variant says);
    /// `publishNeedsSecondAdmin` is kept when absent.
    async fn update_organisation_settings(
        &self,
        ctx: &Context<'_>,
        version: i32,
        caseload_caps_mode: Option<CaseloadCapsMode>,
        publish_needs_second_admin: Option<bool>,
    ) -> async_graphql::Result<OrganisationSettings> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let new = SettingsChange {
            caseload_caps_mode: caseload_caps_mode.map(|m| match m {
                CaseloadCapsMode::Independent => CapsMode::Independent,
                CaseloadCapsMode::Weighted => CapsMode::Weighted,
            }),
            publish_needs_second_admin,
        };
        let saved = settings::update(&runtime, &actor, version, new)
            .await
            .map_err(ApiError::from)?;
        Ok(settings_out(saved))
    }
}

/// Grants or revokes a method role. The administrator is asked for first, so that nobody else
/// learns from the answer which ids are the organisation's people.
async fn change_method_role(
    ctx: &Context<'_>,
    user_id: ID,
    role: String,
    grant: bool,
) -> async_graphql::Result<Vec<String>> {
    let (runtime, actor) = tenant_actor(ctx).await?;
    actor.require_org_admin().map_err(ApiError::from)?;
    let user = staff_member(ctx, &runtime, &user_id).await?;
    let held = if grant {
        staff::grant(&runtime, &actor, user, &role).await
    } else {
        staff::revoke(&runtime, &actor, user, &role).await
    };
    Ok(held.map_err(ApiError::from)?)
}

async fn change_role(
    ctx: &Context<'_>,
    user_id: ID,
    role: TenantRole,
    grant: bool,
) -> async_graphql::Result<Vec<Member>> {
    let (runtime, actor) = tenant_actor(ctx).await?;
    let state = ctx.data::<AppState>()?;
    let user = uuid::Uuid::parse_str(user_id.as_str())
        .map(UserId)
        .map_err(|_| ApiError::not_found())?;
    let role = Role::from(role);
    let changed = members::change_role(&runtime, &state.inner.control, &actor, user, role, grant)
        .await
        .map_err(ApiError::from)?;
    if changed {
        // Their sessions on every replica carry the new roles from their next request.
        state.inner.callers.user_changed(user).await?;
    }
    Ok(members_of(ctx, &runtime, &actor).await?)
}

//! Signing in and out, and who am I: `login`, `logout`, `me`, `tenants`.

use crate::AppState;
use crate::graphql::context::RequestContext;
use crate::graphql::error::{ApiError, ApiResult};
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use kurator_auth::PasswordLoginError;
use kurator_auth::password::MAX_PASSWORD_LEN;
use kurator_store::control::{TenantRow, repo};

#[derive(Default)]
pub struct AccountQuery;

#[derive(Default)]
pub struct AccountMutation;

/// An organisation on the platform, as its members see it.
#[derive(SimpleObject, Clone)]
pub struct Tenant {
    pub id: ID,
    /// Short stable name, sent in the `X-Kurator-Tenant` header.
    pub slug: String,
    pub name: String,
    pub name_kk: String,
    pub name_en: String,
    pub time_zone: String,
    /// The method variant preset the organisation started from.
    pub preset: String,
}

impl From<&TenantRow> for Tenant {
    fn from(row: &TenantRow) -> Self {
        Self {
            id: ID(row.id.to_string()),
            slug: row.slug.to_string(),
            name: row.name_ru.clone(),
            name_kk: row.name_kk.clone(),
            name_en: row.name_en.clone(),
            time_zone: row.time_zone.clone(),
            preset: row.preset.clone(),
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct Membership {
    pub tenant: Tenant,
    /// `org_admin`, `supervisor`, `curator`, `specialist` or `methodologist`.
    pub role: String,
    /// The role's name in Russian.
    pub role_label: String,
}

#[derive(SimpleObject, Clone)]
pub struct Me {
    pub id: ID,
    pub login: String,
    pub display_name: String,
    pub is_platform_admin: bool,
    pub memberships: Vec<Membership>,
}

#[derive(SimpleObject)]
pub struct LoginPayload {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub me: Me,
}

async fn me_of(state: &AppState, user: &kurator_store::control::UserRow) -> ApiResult<Me> {
    let memberships = repo::memberships_of(&state.inner.control, user.id).await?;
    Ok(build_me(state, user, &memberships).await)
}

async fn build_me(
    state: &AppState,
    user: &kurator_store::control::UserRow,
    memberships: &[kurator_store::control::MembershipRow],
) -> Me {
    let mut list = Vec::new();
    for m in memberships {
        // An organisation created by another replica is opened here on first sight.
        let Ok(Some(runtime)) = state.inner.tenants.find_by_id(m.tenant_id).await else {
            continue;
        };
        list.push(Membership {
            tenant: Tenant::from(runtime.tenant()),
            role: m.role.as_str().to_owned(),
            role_label: m.role.label_ru().to_owned(),
        });
    }
    let memberships = list;
    Me {
        id: ID(user.id.to_string()),
        login: user.login.clone(),
        display_name: user.display_name.clone(),
        is_platform_admin: user.is_platform_admin,
        memberships,
    }
}

#[Object]
impl AccountQuery {
    /// The signed-in person and their roles in each organisation.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Me> {
        let request = ctx.data::<RequestContext>()?;
        let state = ctx.data::<AppState>()?;
        let caller = request.caller()?;
        Ok(build_me(state, &caller.user, &caller.memberships).await)
    }

    /// The organisations the caller may see: their own, or all for a platform administrator.
    async fn tenants(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Tenant>> {
        let request = ctx.data::<RequestContext>()?;
        let state = ctx.data::<AppState>()?;
        let caller = request.caller()?;
        let visible = state
            .inner
            .tenants
            .all()
            .into_iter()
            .filter(|runtime| {
                caller.user.is_platform_admin
                    || caller
                        .memberships
                        .iter()
                        .any(|m| m.tenant_id == runtime.tenant().id)
            })
            .map(|runtime| Tenant::from(runtime.tenant()))
            .collect();
        Ok(visible)
    }
}

#[Object]
impl AccountMutation {
    /// Signs in with a local account. A wrong login and a wrong password get the same
    /// `UNAUTHENTICATED` answer; repeated failures for one login are slowed down.
    async fn login(
        &self,
        ctx: &Context<'_>,
        login: String,
        password: String,
    ) -> async_graphql::Result<LoginPayload> {
        let state = ctx.data::<AppState>()?;
        if login.len() > 256 || password.len() > MAX_PASSWORD_LEN {
            return Err(ApiError::invalid_credentials().into());
        }
        let (token, session) = state
            .inner
            .password_login
            .login(&login, &password)
            .await
            .map_err(|err| match err {
                PasswordLoginError::InvalidCredentials => ApiError::invalid_credentials(),
                PasswordLoginError::Throttled { retry_after } => {
                    ApiError::too_many_attempts(retry_after)
                }
                PasswordLoginError::SingleSignOnRequired => {
                    let refusal = kurator_auth::oidc::SsoRefusal::PasswordNotAllowed;
                    ApiError::bad_input(kurator_casework::sso::refusal_problem(&refusal, "login"))
                }
                other => ApiError::internal(&other),
            })?;
        let user = repo::find_user(&state.inner.control, session.user_id)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(ApiError::invalid_credentials)?;
        let me = me_of(state, &user).await?;
        Ok(LoginPayload {
            token: token.expose().to_owned(),
            expires_at: session.expires_at,
            me,
        })
    }

    /// Ends every session of the caller, on every device; their tokens stop working at once.
    async fn logout_everywhere(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let request = ctx.data::<RequestContext>()?;
        let state = ctx.data::<AppState>()?;
        let caller = request.caller()?;
        let token = caller.session()?;
        state
            .inner
            .sessions
            .end_all(caller.user.id)
            .await
            .map_err(ApiError::from)?;
        state.inner.callers.forget(token);
        Ok(true)
    }

    /// Ends the caller's session; the token stops working at once.
    async fn logout(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let request = ctx.data::<RequestContext>()?;
        let state = ctx.data::<AppState>()?;
        let caller = request.caller()?;
        let token = caller.session()?;
        state
            .inner
            .sessions
            .revoke(token)
            .await
            .map_err(ApiError::from)?;
        state.inner.callers.forget(token);
        Ok(true)
    }
}

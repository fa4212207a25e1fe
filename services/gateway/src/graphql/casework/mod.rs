//! Case work over GraphQL, for the tenant named in `X-Kurator-Tenant`. Resolvers are thin: they
//! turn input into the casework service's terms and its answers into GraphQL types; scope checks,
//! the method engine, transactions and the audit trail are the service's.

pub mod calendar;
pub mod cases;
pub mod intake;
pub mod spending;
pub mod types;
pub mod variant;
pub mod variant_admin;
pub mod variant_migration;
pub mod variant_templates;
pub mod work;

use crate::AppState;
use crate::graphql::context::RequestContext;
use crate::graphql::error::{ApiError, ApiResult, ErrorCode};
use async_graphql::{Context, ID, TypeDirective};
use kurator_casework::{Actor, CaseworkError, TenantRuntime};
use kurator_domain::{Role, UserId};
use kurator_method::problem;
use kurator_store::control::repo;
use std::sync::Arc;
use uuid::Uuid;

/// Marks a field that holds personal data (персональные данные): names, addresses, dates of
/// birth, free-text notes. Such values never go to logs or traces.
#[TypeDirective(location = "FieldDefinition", location = "InputFieldDefinition")]
pub fn personalData() {}

/// The tenant runtime the request is for, and the caller acting in it. An unknown tenant is
/// `NOT_FOUND`; a tenant the caller holds no role in is `FORBIDDEN`.
pub async fn tenant_actor(ctx: &Context<'_>) -> ApiResult<(Arc<TenantRuntime>, Actor)> {
    let request = ctx
        .data::<RequestContext>()
        .map_err(|_| ApiError::unauthenticated())?;
    let state = ctx
        .data::<AppState>()
        .map_err(|_| ApiError::unauthenticated())?;
    let caller = request.caller()?;
    let slug = request.tenant.as_ref().ok_or_else(|| {
        ApiError::bad_input(problem!(
            "tenant_missing",
            "Укажите организацию в заголовке X-Kurator-Tenant",
            "Name the organisation in the X-Kurator-Tenant header"
        ))
    })?;
    let runtime = state
        .inner
        .tenants
        .find(slug)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let roles = caller.roles_in(runtime.tenant().id);
    if roles.is_empty() {
        return Err(ApiError::forbidden());
    }
    let actor = Actor {
        user: caller.user.id,
        roles,
        request_id: Some(request.request_id.clone()),
        api_token: caller.api_token,
    };
    Ok((runtime, actor))
}

impl From<CaseworkError> for ApiError {
    fn from(err: CaseworkError) -> Self {
        match err {
            CaseworkError::NotFound => ApiError::not_found(),
            CaseworkError::Forbidden => ApiError::forbidden(),
            CaseworkError::Rejected(problems) => ApiError::rejected(problems),
            CaseworkError::Stale { current } => ApiError::new(
                ErrorCode::Conflict,
                "Запись уже изменена другим пользователем: обновите её и повторите",
                "The record has been changed by someone else: reload it and try again",
            )
            .with_detail("currentVersion", current.into()),
            CaseworkError::Conflict(_) => ApiError::conflict(),
            other => ApiError::internal(&other),
        }
    }
}

/// Parses an id sent by a client; a malformed one is simply not found.
pub fn parse_id(id: &ID) -> ApiResult<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| ApiError::not_found())
}

pub fn parse_user(id: &ID) -> ApiResult<UserId> {
    Uuid::parse_str(id.as_str()).map(UserId).map_err(|_| {
        ApiError::bad_input(problem!(
            "invalid_user_id",
            "Некорректный идентификатор пользователя",
            "Malformed user id"
        ))
    })
}

/// Refuses a person who holds none of `roles` in the tenant: cases are given only to the
/// organisation's own staff. An unknown person and another organisation's are not found, like
/// any other id that is not this tenant's.
pub async fn require_staff(
    ctx: &Context<'_>,
    runtime: &TenantRuntime,
    user: UserId,
    roles: &[Role],
) -> ApiResult<()> {
    let state = ctx
        .data::<AppState>()
        .map_err(|_| ApiError::unauthenticated())?;
    let memberships = repo::memberships_of(&state.inner.control, user).await?;
    let fits = memberships
        .iter()
        .any(|m| m.tenant_id == runtime.tenant().id && roles.contains(&m.role));
    if fits {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// Roles of people who work on cases.
pub const STAFF: [Role; 4] = [
    Role::Curator,
    Role::Specialist,
    Role::Supervisor,
    Role::OrgAdmin,
];

/// Checks the length of an idempotency key.
pub fn idempotency_key(key: &Option<String>) -> ApiResult<Option<&str>> {
    match key.as_deref() {
        Some(k) if k.is_empty() || k.len() > kurator_store::tenant::idempotency::MAX_KEY_LEN => {
            Err(ApiError::bad_input(problem!(
                at = "idempotencyKey",
                "invalid_length",
                "idempotencyKey: от 1 до 128 символов",
                "idempotencyKey: 1 to 128 characters"
            )))
        }
        other => Ok(other),
    }
}

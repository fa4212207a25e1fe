//! API tokens of the organisation named in `X-Kurator-Tenant`: listed, created (the secret is
//! answered once) and revoked by its administrators. Who may, what is valid and the audit trail
//! are the casework service's ([`kurator_casework::api_tokens`]).

use crate::AppState;
use crate::graphql::administration::TenantRole;
use crate::graphql::casework::{parse_id, tenant_actor};
use crate::graphql::error::ApiError;
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use kurator_casework::api_tokens::{self, NewToken};

#[derive(Default)]
pub struct ApiTokenQuery;

#[derive(Default)]
pub struct ApiTokenMutation;

/// A token of an integration, as listed: never its secret.
#[derive(SimpleObject)]
pub struct ApiToken {
    pub id: ID,
    pub name: String,
    /// The organisation role the token acts in.
    pub role: String,
    pub created_by: ID,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Neither revoked nor expired.
    pub active: bool,
}

/// A token just made. The secret is shown this once; Kurator keeps only its digest.
#[derive(SimpleObject)]
pub struct CreatedApiToken {
    pub token: ApiToken,
    /// Send as `Authorization: Bearer krt_…`.
    pub secret: String,
}

fn token_out(token: api_tokens::ApiToken) -> ApiToken {
    ApiToken {
        active: token.is_live(Utc::now()),
        id: ID(token.id.to_string()),
        name: token.name,
        role: token.role.as_str().to_owned(),
        created_by: ID(token.created_by.to_string()),
        created_at: token.created_at,
        expires_at: token.expires_at,
        last_used_at: token.last_used_at,
        revoked_at: token.revoked_at,
    }
}

#[Object]
impl ApiTokenQuery {
    /// The organisation's API tokens, newest first; administrators only.
    async fn api_tokens(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ApiToken>> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let state = ctx.data::<AppState>()?;
        let tokens = api_tokens::list(&state.inner.control, &runtime, &actor)
            .await
            .map_err(ApiError::from)?;
        Ok(tokens.into_iter().map(token_out).collect())
    }
}

#[Object]
impl ApiTokenMutation {
    /// Creates a token for an integration, acting in `role` in this organisation until it expires
    /// (`expiresInDays`, at most 365) or is revoked.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        name: String,
        role: TenantRole,
        expires_in_days: i32,
    ) -> async_graphql::Result<CreatedApiToken> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let state = ctx.data::<AppState>()?;
        let issued = api_tokens::create(
            &state.inner.control,
            &runtime,
            &actor,
            NewToken {
                name,
                role: role.into(),
                expires_in_days: i64::from(expires_in_days),
            },
        )
        .await
        .map_err(ApiError::from)?;
        Ok(CreatedApiToken {
            token: token_out(issued.token),
            secret: issued.secret,
        })
    }

    /// Revokes a token: it stops working at its next request, on every replica.
    async fn revoke_api_token(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ApiToken> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let state = ctx.data::<AppState>()?;
        let token = api_tokens::revoke(&state.inner.control, &runtime, &actor, parse_id(&id)?)
            .await
            .map_err(ApiError::from)?;
        Ok(token_out(token))
    }
}

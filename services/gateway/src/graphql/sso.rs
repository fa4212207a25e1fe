//! The organisation's single sign-on settings over GraphQL. The service decides who may read
//! and change them (organisation administrators) and audits every change; this only translates.

use crate::AppState;
use crate::graphql::casework::tenant_actor;
use crate::graphql::error::ApiError;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use kurator_casework::sso::{self, SsoSettingsChange, SsoSettingsView};
use kurator_domain::UserId;

#[derive(Default)]
pub struct SsoQuery;

#[derive(Default)]
pub struct SsoMutation;

/// How the organisation's people sign in through its own OpenID Connect provider. The client
/// secret is never shown: only whether one is stored.
#[derive(SimpleObject)]
pub struct SsoSettings {
    /// Send it back with a change; a stale one gets `CONFLICT`.
    pub version: i32,
    /// The provider's name on the sign-in button («Войти через …»).
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub has_client_secret: bool,
    /// The ID-token claim that is the person's e-mail: `email` or `preferred_username`.
    pub email_claim: String,
    /// The claim that is their name: `name`, `preferred_username`, `nickname` or
    /// `given_and_family`.
    pub name_claim: String,
    /// E-mail domains a first sign-in may be linked from; empty: any.
    pub allowed_domains: Vec<String>,
    /// Roles whose holders may still sign in with a password (break-glass accounts).
    pub password_roles: Vec<String>,
    /// Internal host names and addresses the provider may be reached at.
    pub address_allowlist: Vec<String>,
    /// From the discovery run when the settings were saved.
    pub authorization_endpoint: Option<String>,
    pub discovered_at: DateTime<Utc>,
    /// The address to register with the provider as the redirect URI.
    pub redirect_uri: String,
}

#[derive(InputObject)]
pub struct SsoSettingsInput {
    /// The version seen; `0` when the organisation has none yet.
    pub version: i32,
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    /// Unset or empty: keep the stored secret.
    pub client_secret: Option<String>,
    #[graphql(default_with = "String::from(\"email\")")]
    pub email_claim: String,
    #[graphql(default_with = "String::from(\"name\")")]
    pub name_claim: String,
    #[graphql(default)]
    pub allowed_domains: Vec<String>,
    #[graphql(default)]
    pub password_roles: Vec<String>,
    #[graphql(default)]
    pub address_allowlist: Vec<String>,
}

fn out(view: SsoSettingsView, redirect_uri: &str) -> SsoSettings {
    SsoSettings {
        version: view.version,
        label: view.label,
        issuer: view.issuer,
        client_id: view.client_id,
        has_client_secret: view.has_client_secret,
        email_claim: view.email_claim,
        name_claim: view.name_claim,
        allowed_domains: view.allowed_domains,
        password_roles: view.password_roles,
        address_allowlist: view.address_allowlist,
        authorization_endpoint: view.authorization_endpoint,
        discovered_at: view.discovered_at,
        redirect_uri: redirect_uri.to_owned(),
    }
}

#[Object]
impl SsoQuery {
    /// The organisation's single sign-on, if configured (organisation administrators).
    async fn sso_settings(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<SsoSettings>> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let state = ctx.data::<AppState>()?;
        let view = sso::get(&state.inner.control, &runtime, &actor)
            .await
            .map_err(ApiError::from)?;
        let redirect = state.inner.sso_login.redirect_uri();
        Ok(view.map(|v| out(v, redirect)))
    }

    /// The address to register with a provider as the redirect URI.
    async fn sso_redirect_uri(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let state = ctx.data::<AppState>()?;
        Ok(state.inner.sso_login.redirect_uri().to_owned())
    }
}

#[Object]
impl SsoMutation {
    /// Configures single sign-on (organisation administrators). Discovery runs now, against
    /// the issuer; the settings are saved only when it succeeds.
    async fn save_sso_settings(
        &self,
        ctx: &Context<'_>,
        input: SsoSettingsInput,
    ) -> async_graphql::Result<SsoSettings> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let state = ctx.data::<AppState>()?;
        let change = SsoSettingsChange {
            version: input.version,
            label: input.label,
            issuer: input.issuer,
            client_id: input.client_id,
            client_secret: input.client_secret,
            email_claim: input.email_claim,
            name_claim: input.name_claim,
            allowed_domains: input.allowed_domains,
            password_roles: input.password_roles,
            address_allowlist: input.address_allowlist,
        };
        let login = &state.inner.sso_login;
        let saved = sso::save(&state.inner.control, login, &runtime, &actor, change)
            .await
            .map_err(ApiError::from)?;
        Ok(out(saved, login.redirect_uri()))
    }

    /// Records the e-mail a member is invited with for single sign-on (organisation
    /// administrators); empty or absent clears it. Answers the e-mail as stored.
    async fn set_member_email(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        email: Option<String>,
    ) -> async_graphql::Result<Option<String>> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let state = ctx.data::<AppState>()?;
        let user = uuid::Uuid::parse_str(user_id.as_str())
            .map(UserId)
            .map_err(|_| ApiError::not_found())?;
        Ok(sso::set_member_email(
            &state.inner.control,
            &runtime,
            &actor,
            user,
            email.as_deref(),
        )
        .await
        .map_err(ApiError::from)?)
    }

    /// Turns single sign-on off (organisation administrators); answers whether it was on.
    async fn remove_sso_settings(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let state = ctx.data::<AppState>()?;
        Ok(sso::remove(&state.inner.control, &runtime, &actor)
            .await
            .map_err(ApiError::from)?)
    }
}

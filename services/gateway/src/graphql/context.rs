//! The per-request context every resolver reads: who is calling, for which tenant, under which
//! request id. Built once in the HTTP handler from the `Authorization: Bearer …` and
//! `X-Kurator-Tenant` headers.

use crate::graphql::error::{ApiError, ApiResult};
use kurator_auth::SessionToken;
use kurator_domain::{Role, TenantSlug};
use kurator_store::control::{MembershipRow, UserRow};
use std::sync::Arc;

/// The signed-in person (without their password hash) and their memberships, shared with the
/// replica's [`crate::callers::Callers`] — or an integration with an API token: then the
/// administrator who made the token, with the token's one role in its one organisation as their
/// only membership, and never a platform administrator.
#[derive(Clone)]
pub struct Caller {
    pub user: Arc<UserRow>,
    pub memberships: Arc<Vec<MembershipRow>>,
    /// The session's token; none for an integration with an API token.
    pub session: Option<SessionToken>,
    /// The API token the request came with (its id).
    pub api_token: Option<uuid::Uuid>,
}

impl Caller {
    /// The session behind the request: signing out concerns people, not integrations.
    pub fn session(&self) -> ApiResult<&SessionToken> {
        self.session.as_ref().ok_or_else(ApiError::forbidden)
    }

    pub fn roles_in(&self, tenant: kurator_domain::TenantId) -> Vec<Role> {
        self.memberships
            .iter()
            .filter(|m| m.tenant_id == tenant)
            .map(|m| m.role)
            .collect()
    }
}

#[derive(Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub caller: Option<Caller>,
    /// The tenant named by the `X-Kurator-Tenant` header, if any and if well-formed.
    pub tenant: Option<TenantSlug>,
}

impl RequestContext {
    pub fn caller(&self) -> ApiResult<&Caller> {
        self.caller.as_ref().ok_or_else(ApiError::unauthenticated)
    }
}

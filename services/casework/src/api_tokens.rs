//! API tokens (токены API) for an organisation's integrations.
//!
//! An organisation administrator, signed in themselves, creates a token with a name, one of the
//! organisation's roles as its scope (never one they could not grant a person) and an expiry of at
//! most a year. The secret — `krt_` and 43 characters of 256 random bits — is answered once, at
//! creation; only its SHA-256 is kept. The list shows name, scope, creation, expiry, last use and
//! revocation, never the secret.
//!
//! A request with the token acts in the token's organisation only, in the token's role, on behalf
//! of the administrator who made it — and only while that administrator is still an active
//! administrator there. The token is read from the control plane on every request, so a
//! revocation stops it on every replica at the next request. Every use is recorded in the
//! organisation's audit trail (`api_token.use`, with the request id), through the tenant's
//! batching audit writer; a use that cannot be recorded is refused.

use crate::TenantRuntime;
use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::error::{CaseworkError, CaseworkResult};
use crate::registry::TenantRegistry;
use base64::Engine;
use chrono::{DateTime, Utc};
use kurator_domain::{Role, TenantId, UserId};
use kurator_method::problem;
use kurator_store::control::api_token::{self as store, ApiTokenRow, NewApiToken};
use kurator_store::control::{UserRow, repo};
use kurator_store::tenant::audit::AuditRecord;
use rand::RngCore;
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use uuid::Uuid;

/// What every token starts with, so that one found in a log or a repository is recognised.
pub const PREFIX: &str = "krt_";
/// The longest a token may live.
pub const MAX_LIFETIME_DAYS: i64 = 365;
/// Longest token name.
pub const MAX_NAME_CHARS: usize = 120;
/// `last_used_at` is written at most this often per token.
const TOUCH_EVERY_SECONDS: i64 = 60;

/// A token as its organisation's administrators see it.
#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    fn from_row(row: ApiTokenRow) -> CaseworkResult<Self> {
        let role = Role::parse(&row.role)
            .map_err(|e| CaseworkError::Conflict(format!("stored token role is invalid: {e}")))?;
        Ok(Self {
            id: row.id,
            name: row.name,
            role,
            created_by: UserId(row.created_by),
            created_at: row.created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        })
    }

    /// Neither revoked nor expired at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }

    fn audited(&self) -> serde_json::Value {
        json!({
            "name": self.name,
            "role": self.role.as_str(),
            "expires_at": self.expires_at,
            "revoked_at": self.revoked_at,
        })
    }
}

/// A new token: shown once.
pub struct IssuedToken {
    pub token: ApiToken,
    /// The secret to send as `Authorization: Bearer krt_…`; not kept anywhere.
    pub secret: String,
}

pub struct NewToken {
    pub name: String,
    pub role: Role,
    pub expires_in_days: i64,
}

fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Whether `value` has the shape of a token (it may still be unknown).
pub fn looks_like_token(value: &str) -> bool {
    value.strip_prefix(PREFIX).is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

fn validate(actor: &Actor, new: &NewToken) -> CaseworkResult<String> {
    let mut problems = Vec::new();
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        problems.push(problem!(
            at = "name",
            "api_token_name_invalid",
            "name: название токена — от 1 до {MAX_NAME_CHARS} символов",
            "name: a token's name has 1 to {MAX_NAME_CHARS} characters"
        ));
    }
    if !(1..=MAX_LIFETIME_DAYS).contains(&new.expires_in_days) {
        problems.push(problem!(
            at = "expiresInDays",
            "api_token_expiry_invalid",
            "expiresInDays: срок действия токена — от 1 до {MAX_LIFETIME_DAYS} дней",
            "expiresInDays: a token lives 1 to {MAX_LIFETIME_DAYS} days"
        ));
    }
    if !actor.may_grant(new.role) {
        let role = new.role.as_str();
        problems.push(problem!(
            at = "role",
            "api_token_role_not_allowed",
            "role: токену нельзя дать роль «{role}»",
            "role: a token cannot be given the role “{role}”"
        ));
    }
    if problems.is_empty() {
        Ok(name)
    } else {
        Err(CaseworkError::Rejected(problems))
    }
}

/// Creates a token; the secret is in the answer and nowhere else.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn create(
    control: &DatabaseConnection,
    runtime: &TenantRuntime,
    actor: &Actor,
    new: NewToken,
) -> CaseworkResult<IssuedToken> {
    actor.require_token_manager()?;
    let name = validate(actor, &new)?;
    let secret = new_secret();
    let now = Utc::now();
    // The token and the record of its creation commit together (the audit outbox).
    let tx = control.begin().await?;
    let row = store::insert(
        &tx,
        NewApiToken {
            id: Uuid::now_v7(),
            tenant: runtime.tenant().id,
            name: &name,
            role: new.role.as_str(),
            secret_hash: &digest(&secret),
            created_by: actor.user,
            created_at: now,
            expires_at: now + chrono::Duration::days(new.expires_in_days),
        },
    )
    .await?;
    let token = ApiToken::from_row(row)?;
    audit::enqueue(
        &tx,
        runtime.tenant().id,
        actor,
        Audit::created("api_token.create", "api_token", token.id, &token.audited()),
    )
    .await?;
    tx.commit().await?;
    audit::deliver_outbox_now(runtime, control).await;
    tracing::info!(token = %token.id, role = token.role.as_str(), "API token created");
    Ok(IssuedToken { token, secret })
}

/// The organisation's tokens, newest first.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn list(
    control: &DatabaseConnection,
    runtime: &TenantRuntime,
    actor: &Actor,
) -> CaseworkResult<Vec<ApiToken>> {
    actor.require_token_manager()?;
    store::of_tenant(control, runtime.tenant().id)
        .await?
        .into_iter()
        .map(ApiToken::from_row)
        .collect()
}

/// Revokes a token of this organisation; it stops working on every replica at its next request.
/// Revoking a revoked token changes nothing and is not recorded again.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn revoke(
    control: &DatabaseConnection,
    runtime: &TenantRuntime,
    actor: &Actor,
    id: Uuid,
) -> CaseworkResult<ApiToken> {
    actor.require_token_manager()?;
    let tenant = runtime.tenant().id;
    let before = store::find_in_tenant(control, tenant, id)
        .await?
        .ok_or(CaseworkError::NotFound)
        .and_then(ApiToken::from_row)?;
    // The revocation and its record commit together (the audit outbox).
    let tx = control.begin().await?;
    let revoked = store::revoke(&tx, tenant, id, actor.user, Utc::now()).await?;
    let after = store::find_in_tenant(&tx, tenant, id)
        .await?
        .ok_or(CaseworkError::NotFound)
        .and_then(ApiToken::from_row)?;
    if revoked {
        audit::enqueue(
            &tx,
            tenant,
            actor,
            Audit::changed(
                "api_token.revoke",
                "api_token",
                id,
                &before.audited(),
                &after.audited(),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    if revoked {
        audit::deliver_outbox_now(runtime, control).await;
        tracing::info!(token = %id, "API token revoked");
    }
    Ok(after)
}

/// An integration's request, authenticated by its token.
pub struct Authenticated {
    pub token: ApiToken,
    pub tenant: TenantId,
    pub runtime: Arc<TenantRuntime>,
    /// The administrator who made the token, on whose behalf it acts.
    pub on_behalf_of: UserRow,
}

/// The token behind `secret`, when it is live, its organisation reachable and its maker still an
/// active administrator there; the use is recorded in the organisation's trail before it is
/// answered. `None` for anything else — the caller is then as anonymous as with a wrong password.
#[tracing::instrument(skip_all)]
pub async fn authenticate(
    control: &DatabaseConnection,
    tenants: &TenantRegistry,
    secret: &str,
    request_id: Option<&str>,
) -> CaseworkResult<Option<Authenticated>> {
    if !looks_like_token(secret) {
        return Ok(None);
    }
    let Some(row) = store::find_by_hash(control, &digest(secret)).await? else {
        return Ok(None);
    };
    let tenant = TenantId(row.tenant_id);
    let token = ApiToken::from_row(row)?;
    let now = Utc::now();
    if !token.is_live(now) {
        return Ok(None);
    }
    let Some(runtime) = tenants.find_by_id(tenant).await? else {
        return Ok(None);
    };
    let Some(mut maker) = repo::find_user(control, token.created_by)
        .await?
        .filter(|u| u.is_active)
    else {
        return Ok(None);
    };
    let still_admin = repo::memberships_of(control, maker.id)
        .await?
        .iter()
        .any(|m| m.tenant_id == tenant && m.role == Role::OrgAdmin);
    if !still_admin {
        return Ok(None);
    }
    maker.password_hash = None;
    runtime
        .views()
        .write(AuditRecord {
            actor: Some(token.created_by),
            action: "api_token.use",
            entity: "api_token",
            entity_id: Some(token.id),
            before: None,
            after: Some(json!({ "name": token.name, "role": token.role.as_str() })),
            request_id: request_id.map(str::to_owned),
        })
        .await?;
    store::touch(
        control,
        token.id,
        now,
        chrono::Duration::seconds(TOUCH_EVERY_SECONDS),
    )
    .await?;
    Ok(Some(Authenticated {
        token,
        tenant,
        runtime,
        on_behalf_of: maker,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_new_secret_is_recognisable_and_random() {
        let (a, b) = (new_secret(), new_secret());
        assert!(looks_like_token(&a), "{a}");
        assert_ne!(a, b);
        assert_ne!(digest(&a), digest(&b));
        assert_eq!(digest(&a).len(), 64);
        assert!(!looks_like_token("krt_short"));
        assert!(!looks_like_token(&a.replace(PREFIX, "xyz_")));
    }
}

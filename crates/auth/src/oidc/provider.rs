//! An organisation's provider: the claim mapping, discovery when the settings are saved, and the
//! client rebuilt at each sign-in from what discovery stored.

use super::http::{Allowlist, ProviderHttp, ProviderHttpError, check_url};
use super::{SsoError, SsoRefusal};
use kurator_domain::{Role, UserId};
use kurator_store::control::{repo, sso};
use openidconnect::core::CoreIdTokenClaims;
use openidconnect::core::{CoreJsonWebKeySet, CoreProviderMetadata};
use openidconnect::{DiscoveryError, IssuerUrl};
use sea_orm::ConnectionTrait;
use std::time::Duration;

/// Which ID-token claim carries the person's e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailClaim {
    Email,
    /// Providers (Entra) that give the mail address as the user name.
    PreferredUsername,
}

impl EmailClaim {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "email" => Some(EmailClaim::Email),
            "preferred_username" => Some(EmailClaim::PreferredUsername),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EmailClaim::Email => "email",
            EmailClaim::PreferredUsername => "preferred_username",
        }
    }

    pub fn read(self, claims: &CoreIdTokenClaims) -> Option<String> {
        let value = match self {
            EmailClaim::Email => claims.email().map(|e| e.as_str().to_owned()),
            EmailClaim::PreferredUsername => claims.preferred_username().map(|u| u.to_string()),
        }?;
        let value = value.trim().to_lowercase();
        value.contains('@').then_some(value)
    }
}

/// Which ID-token claim carries the person's display name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameClaim {
    Name,
    PreferredUsername,
    Nickname,
    /// `given_name` and `family_name` together.
    GivenAndFamily,
}

impl NameClaim {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "name" => Some(NameClaim::Name),
            "preferred_username" => Some(NameClaim::PreferredUsername),
            "nickname" => Some(NameClaim::Nickname),
            "given_and_family" => Some(NameClaim::GivenAndFamily),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NameClaim::Name => "name",
            NameClaim::PreferredUsername => "preferred_username",
            NameClaim::Nickname => "nickname",
            NameClaim::GivenAndFamily => "given_and_family",
        }
    }

    pub fn read(self, claims: &CoreIdTokenClaims) -> Option<String> {
        let value = match self {
            NameClaim::Name => claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
            NameClaim::PreferredUsername => claims.preferred_username().map(|u| u.to_string()),
            NameClaim::Nickname => claims
                .nickname()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
            NameClaim::GivenAndFamily => {
                let given = claims.given_name().and_then(|n| n.get(None));
                let family = claims.family_name().and_then(|n| n.get(None));
                match (given, family) {
                    (Some(g), Some(f)) => Some(format!("{} {}", g.as_str(), f.as_str())),
                    (Some(given), None) => Some(given.to_string()),
                    (None, Some(family)) => Some(family.to_string()),
                    (None, None) => None,
                }
            }
        }?;
        let value = value.trim().to_owned();
        (!value.is_empty()).then_some(value)
    }
}

/// What discovery found: the provider's metadata and signing keys, as JSON to store.
#[derive(Debug, Clone)]
pub struct Discovered {
    pub metadata: String,
    pub jwks: String,
    pub authorization_endpoint: String,
}

/// The issuer as typed, when it is an http(s) address without query or fragment.
pub fn parse_issuer(issuer: &str) -> Result<url::Url, SsoRefusal> {
    let url = url::Url::parse(issuer.trim()).map_err(|_| SsoRefusal::InvalidIssuer)?;
    let ok = matches!(url.scheme(), "https" | "http")
        && url.host().is_some()
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none()
        && issuer.trim().len() <= 500;
    ok.then_some(url).ok_or(SsoRefusal::InvalidIssuer)
}

fn http_refusal(err: ProviderHttpError) -> SsoRefusal {
    match err {
        ProviderHttpError::AddressNotAllowed(host) => SsoRefusal::AddressNotAllowed(host),
        ProviderHttpError::Request(why) => SsoRefusal::DiscoveryFailed(why),
    }
}

/// Runs discovery against `issuer` through the guarded client: the provider must call itself by
/// exactly this issuer. Answers what to store.
#[tracing::instrument(skip_all, fields(issuer = %issuer))]
pub async fn discover(
    issuer: &str,
    allowlist: &[String],
    timeout: Duration,
) -> Result<Discovered, SsoError> {
    let url = parse_issuer(issuer)?;
    let allowlist = Allowlist::new(allowlist);
    check_url(&allowlist, &url).await.map_err(http_refusal)?;
    let http = ProviderHttp::new(allowlist, timeout).map_err(http_refusal)?;
    let issuer_url =
        IssuerUrl::new(issuer.trim().to_owned()).map_err(|_| SsoRefusal::InvalidIssuer)?;
    let metadata = CoreProviderMetadata::discover_async(issuer_url, &http)
        .await
        .map_err(|err| match err {
            DiscoveryError::Request(e) => http_refusal(e),
            DiscoveryError::Validation(why) if why.contains("issuer") => {
                SsoRefusal::IssuerMismatch(found_issuer(&why))
            }
            DiscoveryError::Response(status, _, _) => {
                SsoRefusal::DiscoveryFailed(format!("HTTP {status}"))
            }
            other => SsoRefusal::DiscoveryFailed(other.to_string()),
        })?;
    // Pinned exactly, byte for byte: the ID token's `iss` is compared with this same string.
    if metadata.issuer().as_str() != issuer.trim() {
        return Err(SsoRefusal::IssuerMismatch(metadata.issuer().to_string()).into());
    }
    let jwks =
        serde_json::to_string(metadata.jwks()).map_err(|e| SsoError::Internal(e.to_string()))?;
    let authorization_endpoint = metadata.authorization_endpoint().to_string();
    let metadata =
        serde_json::to_string(&metadata).map_err(|e| SsoError::Internal(e.to_string()))?;
    Ok(Discovered {
        metadata,
        jwks,
        authorization_endpoint,
    })
}

/// The issuer the provider named, from the library's validation message.
fn found_issuer(message: &str) -> String {
    message
        .split('`')
        .nth(1)
        .unwrap_or("?")
        .chars()
        .take(200)
        .collect()
}

/// The stored metadata with its signing keys, as the sign-in uses it.
pub fn stored_metadata(row: &sso::SsoRow) -> Result<CoreProviderMetadata, SsoError> {
    let metadata: CoreProviderMetadata = serde_json::from_str(&row.metadata)
        .map_err(|e| SsoError::Internal(format!("stored provider metadata: {e}")))?;
    let jwks: CoreJsonWebKeySet = serde_json::from_str(&row.jwks)
        .map_err(|e| SsoError::Internal(format!("stored provider keys: {e}")))?;
    Ok(metadata.set_jwks(jwks))
}

/// Whether `user` must sign in through single sign-on: some organisation they belong to has it
/// configured and none of their roles there is one it lets keep a password (break-glass).
#[tracing::instrument(skip_all, fields(user = %user))]
pub async fn password_refused(db: &impl ConnectionTrait, user: UserId) -> Result<bool, SsoError> {
    let memberships = repo::memberships_of(db, user).await?;
    let mut tenants: Vec<_> = memberships.iter().map(|m| m.tenant_id).collect();
    tenants.dedup();
    if tenants.is_empty() {
        return Ok(false);
    }
    for settings in sso::settings_of_many(db, &tenants).await? {
        let keeps_password = memberships.iter().any(|m| {
            m.tenant_id == settings.tenant_id
                && settings.password_roles.iter().any(|r| r == m.role.as_str())
        });
        if !keeps_password {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The roles a break-glass password may be kept for.
pub fn parse_role(value: &str) -> Option<Role> {
    Role::parse(value)
        .ok()
        .filter(|r| *r != Role::PlatformAdmin)
}

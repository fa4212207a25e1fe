//! The sign-in: authorization code with PKCE (S256), `state` and `nonce`.
//!
//! Starting keeps what the callback needs — the PKCE verifier, the nonce, the organisation, its
//! provider and a digest of a random value set as a cookie in this browser — in the shared cache
//! under the state's digest, for ten minutes. The callback takes it out (so a state works once),
//! checks the browser's value, exchanges the code with the verifier, verifies the ID token
//! against the stored keys, the pinned issuer, the client id and the nonce, and finds the account
//! by (issuer, subject) — or links an invited person by a verified e-mail — then opens a fresh
//! session like a password login's.

use super::http::{Allowlist, ProviderHttp};
use super::provider::{EmailClaim, NameClaim, stored_metadata};
use super::secrets::SecretBox;
use super::{SsoError, SsoRefusal};
use crate::session::{LoginMethod, Session, SessionStore, SessionToken, VerifiedIdentity};
use kurator_domain::{TenantId, UserId};
use kurator_platform::cache::SharedCache;
use kurator_store::StoreError;
use kurator_store::control::{TenantRow, audit_outbox, repo, sso};
use kurator_store::tenant::audit::AuditRecord;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use rand::RngCore;
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// How long a started sign-in may be finished.
pub const SIGN_IN_TTL: Duration = Duration::from_secs(10 * 60);

/// Longest return path kept.
const MAX_RETURN_LEN: usize = 512;

/// What the callback needs, kept between the start and the callback.
#[derive(Serialize, Deserialize)]
struct Pending {
    tenant: uuid::Uuid,
    issuer: String,
    client_id: String,
    /// SHA-256 of the value set as a cookie in the browser that started.
    binding: String,
    pkce_verifier: Option<String>,
    nonce: Option<String>,
    return_to: Option<String>,
}

/// A started sign-in: where to send the browser, and the value to set as its cookie.
pub struct StartedSignIn {
    pub authorize_url: String,
    pub binding: String,
}

/// A finished sign-in.
#[derive(Debug)]
pub struct SignedIn {
    pub token: SessionToken,
    pub session: Session,
    pub tenant: TenantId,
    /// A relative path inside Kurator to continue at, when one was asked for.
    pub return_to: Option<String>,
    /// Set when this sign-in bound the provider's account to a Kurator account: (issuer,
    /// subject, e-mail).
    pub linked: Option<(String, String, String)>,
}

/// `path` when it is a relative path inside an organisation's pages (`/o/…`): never another
/// host (`//host`, `/\host`), never an absolute address.
pub fn relative_return(path: &str) -> Option<String> {
    let ok = path.starts_with("/o/")
        && path.len() <= MAX_RETURN_LEN
        && !path.contains('\\')
        && !path.contains("//")
        && !path.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then(|| path.to_owned())
}

fn digest(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

fn flow_key(state: &str) -> String {
    format!("sso-sign-in:{}", digest(state))
}

fn internal(err: impl std::fmt::Display) -> SsoError {
    SsoError::Internal(err.to_string())
}

#[derive(Clone)]
pub struct SsoLogin {
    control: DatabaseConnection,
    cache: SharedCache,
    sessions: SessionStore,
    secrets: SecretBox,
    redirect_uri: String,
    timeout: Duration,
}

impl SsoLogin {
    /// `redirect_uri`: Kurator's callback as the providers know it
    /// (`https://kurator.example/login/sso/callback`).
    pub fn new(
        control: DatabaseConnection,
        cache: SharedCache,
        sessions: SessionStore,
        secrets: SecretBox,
        redirect_uri: String,
        timeout: Duration,
    ) -> Self {
        Self {
            control,
            cache,
            sessions,
            secrets,
            redirect_uri,
            timeout,
        }
    }

    pub fn secrets(&self) -> &SecretBox {
        &self.secrets
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The label of the organisation's provider for its sign-in button, when it has one.
    #[tracing::instrument(skip_all, fields(tenant = %tenant))]
    pub async fn provider_label(&self, tenant: TenantId) -> Result<Option<String>, SsoError> {
        Ok(sso::settings_of(&self.control, tenant)
            .await?
            .map(|row| row.label))
    }

    fn client(
        &self,
        row: &sso::SsoRow,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        SsoError,
    > {
        let metadata = stored_metadata(row)?;
        let secret = self
            .secrets
            .open(&row.client_secret_sealed)
            .map_err(internal)?;
        let redirect = RedirectUrl::new(self.redirect_uri.clone()).map_err(internal)?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(row.client_id.clone()),
            Some(ClientSecret::new(secret)),
        )
        .set_redirect_uri(redirect))
    }

    /// Starts signing in to `tenant` through its provider.
    #[tracing::instrument(skip_all, fields(tenant = %tenant.slug))]
    pub async fn start(
        &self,
        tenant: &TenantRow,
        return_to: Option<&str>,
    ) -> Result<StartedSignIn, SsoError> {
        if tenant.is_suspended() {
            return Err(SsoRefusal::NotConfigured.into());
        }
        let row = sso::settings_of(&self.control, tenant.id)
            .await?
            .ok_or(SsoRefusal::NotConfigured)?;
        let client = self.client(&row)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let binding = hex::encode(bytes);
        let pending = Pending {
            tenant: tenant.id.0,
            issuer: row.issuer,
            client_id: row.client_id,
            binding: digest(&binding),
            pkce_verifier: Some(verifier.secret().clone()),
            nonce: Some(nonce.secret().clone()),
            return_to: return_to.and_then(relative_return),
        };
        let value = serde_json::to_string(&pending).map_err(internal)?;
        self.cache
            .set(&flow_key(state.secret()), &value, SIGN_IN_TTL)
            .await?;
        Ok(StartedSignIn {
            authorize_url: url.to_string(),
            binding,
        })
    }

    /// Finishes a sign-in at the callback: `binding` is the browser's cookie; `state`, `code`,
    /// `error` and `iss` are the callback's parameters.
    #[tracing::instrument(skip_all)]
    pub async fn finish(
        &self,
        binding: Option<&str>,
        callback: Callback<'_>,
    ) -> Result<SignedIn, SsoError> {
        let state = callback.state.ok_or(SsoRefusal::FlowUnknown)?;
        // Taken out before anything else: whatever happens next, this state is spent.
        let pending: Pending = self
            .cache
            .take(&flow_key(state))
            .await?
            .and_then(|raw| serde_json::from_str(&raw).ok())
            .ok_or(SsoRefusal::FlowUnknown)?;
        let same_browser = binding
            .map(digest)
            .is_some_and(|d| constant_time_eq(d.as_bytes(), pending.binding.as_bytes()));
        if !same_browser {
            return Err(SsoRefusal::FlowForeign.into());
        }
        if let Some(error) = callback.error {
            let error: String = error.chars().take(100).collect();
            return Err(SsoRefusal::ProviderRefused(error).into());
        }
        let tenant = TenantId(pending.tenant);
        let row = sso::settings_of(&self.control, tenant)
            .await?
            .filter(|row| row.issuer == pending.issuer && row.client_id == pending.client_id)
            .ok_or(SsoRefusal::ProviderChanged)?;
        // RFC 9207: a provider that names itself in the callback must name the pinned issuer.
        if let Some(iss) = callback.iss
            && iss != row.issuer
        {
            return Err(SsoRefusal::IdTokenInvalid("iss".into()).into());
        }
        let code = callback
            .code
            .ok_or_else(|| SsoRefusal::ProviderRefused("no code".into()))?;
        let verifier = pending
            .pkce_verifier
            .ok_or_else(|| SsoRefusal::ExchangeFailed("no PKCE verifier".into()))?;
        let nonce = pending.nonce.ok_or(SsoRefusal::NonceMismatch)?;

        let client = self.client(&row)?;
        let http = ProviderHttp::new(Allowlist::new(&row.address_allowlist), self.timeout)
            .map_err(internal)?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| SsoRefusal::ExchangeFailed(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(verifier))
            .request_async(&http)
            .await
            .map_err(|e| SsoRefusal::ExchangeFailed(exchange_error(&e)))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| SsoRefusal::IdTokenInvalid("no ID token".into()))?;
        let verifier = client.id_token_verifier();
        let claims = id_token
            .claims(&verifier, &Nonce::new(nonce))
            .map_err(|e| match e {
                ClaimsVerificationError::InvalidNonce(_) => SsoRefusal::NonceMismatch,
                other => SsoRefusal::IdTokenInvalid(other.to_string()),
            })?;
        if claims.issuer().as_str() != row.issuer {
            return Err(SsoRefusal::IdTokenInvalid("iss".into()).into());
        }
        let subject = claims.subject().as_str().to_owned();

        let (user, linked) = match sso::bound_account(&self.control, &row.issuer, &subject).await? {
            Some((user, _)) => (user, None),
            None => {
                let email = EmailClaim::parse(&row.email_claim)
                    .unwrap_or(EmailClaim::Email)
                    .read(claims)
                    .ok_or(SsoRefusal::AccountUnknown)?;
                if claims.email_verified() != Some(true) {
                    return Err(SsoRefusal::EmailUnverified.into());
                }
                let domain = email.rsplit('@').next().unwrap_or_default();
                if !row.allowed_domains.is_empty()
                    && !row.allowed_domains.iter().any(|d| d == domain)
                {
                    return Err(SsoRefusal::EmailDomainNotAllowed.into());
                }
                let invited = sso::members_with_email(&self.control, tenant, &email).await?;
                let [user] = invited.as_slice() else {
                    return Err(SsoRefusal::AccountUnknown.into());
                };
                // The binding and the record of it for the organisation's trail commit together
                // (the control plane's audit outbox); the organisation's trail gets it delivered.
                let tx = self.control.begin().await.map_err(StoreError::from)?;
                sso::bind(&tx, &row.issuer, &subject, *user, tenant).await?;
                audit_outbox::enqueue(
                    &tx,
                    tenant,
                    AuditRecord {
                        actor: Some(*user),
                        action: "sso.link_account",
                        entity: "user",
                        entity_id: Some(user.0),
                        before: None,
                        after: Some(serde_json::json!({
                            "issuer": row.issuer, "subject": subject, "email": email
                        })),
                        request_id: None,
                    },
                )
                .await?;
                tx.commit().await.map_err(StoreError::from)?;
                let name = NameClaim::parse(&row.name_claim)
                    .unwrap_or(NameClaim::Name)
                    .read(claims);
                tracing::info!(user = %user, name = ?name, "single sign-on account linked");
                (*user, Some((row.issuer.clone(), subject.clone(), email)))
            }
        };
        self.require_member(user, tenant).await?;
        let (token, session) = self
            .sessions
            .create(VerifiedIdentity {
                user_id: user,
                method: LoginMethod::Oidc {
                    issuer: row.issuer.clone(),
                },
            })
            .await?;
        tracing::info!(user = %user, "signed in through single sign-on");
        Ok(SignedIn {
            token,
            session,
            tenant,
            return_to: pending.return_to,
            linked,
        })
    }

    /// The account is active and still belongs to the organisation.
    async fn require_member(&self, user: UserId, tenant: TenantId) -> Result<(), SsoError> {
        let active = repo::find_user(&self.control, user)
            .await?
            .is_some_and(|u| u.is_active);
        let member = repo::memberships_of(&self.control, user)
            .await?
            .iter()
            .any(|m| m.tenant_id == tenant);
        if active && member {
            Ok(())
        } else {
            Err(SsoRefusal::AccountUnknown.into())
        }
    }
}

/// The callback's parameters.
#[derive(Debug, Default, Clone, Copy)]
pub struct Callback<'a> {
    pub state: Option<&'a str>,
    pub code: Option<&'a str>,
    pub error: Option<&'a str>,
    pub iss: Option<&'a str>,
}

fn exchange_error<E: std::error::Error>(err: &E) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(300).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_relative_paths_inside_an_organisation_are_kept() {
        assert_eq!(
            relative_return("/o/fund/day").as_deref(),
            Some("/o/fund/day")
        );
        for refused in [
            "https://evil.example/o/fund",
            "//evil.example/o/",
            "/o//evil.example",
            "/\\evil.example",
            "/o/fund\\..\\",
            "/platform",
            "o/fund",
            "/o/fund/day\n",
            "",
        ] {
            assert_eq!(relative_return(refused), None, "{refused:?}");
        }
    }
}

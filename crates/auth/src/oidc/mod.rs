//! Single sign-on (единый вход) through an organisation's own OpenID Connect provider — a
//! regional Keycloak, Microsoft Entra, Google Workspace.
//!
//! - [`provider`]: what an administrator configures, checked by running discovery when the
//!   settings are saved; the discovered metadata and signing keys are stored with the settings
//!   and read from there at every sign-in.
//! - [`login`]: the sign-in itself — authorization code with PKCE (S256), `state` and `nonce`,
//!   single-use for ten minutes and bound to the browser, the organisation and its provider —
//!   ending in the same opaque session a password login gets.
//! - [`http`]: the client the provider is reached with (no redirects, no internal addresses
//!   unless allowed, a timeout).
//! - [`secrets`]: the client secret is stored sealed.

pub mod http;
pub mod login;
pub mod provider;
pub mod secrets;

pub use login::{SignedIn, SsoLogin, StartedSignIn};
pub use provider::{Discovered, EmailClaim, NameClaim};
pub use secrets::SecretBox;

use kurator_platform::CacheError;
use kurator_store::StoreError;

/// Why single sign-on or its configuration was refused. Each has a stable code and a sentence in
/// Russian and in English for the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsoRefusal {
    /// The organisation has no single sign-on.
    NotConfigured,
    /// The issuer is not an http(s) address without query or fragment.
    InvalidIssuer,
    /// The provider's host is (or resolves to) an internal address the allowlist does not name.
    AddressNotAllowed(String),
    /// The provider calls itself by another issuer than the one configured.
    IssuerMismatch(String),
    /// Discovery did not succeed: unreachable, or not an OpenID Connect provider.
    DiscoveryFailed(String),
    /// The `state` is unknown, expired or already used.
    FlowUnknown,
    /// The sign-in was started in another browser.
    FlowForeign,
    /// The organisation's provider changed while the sign-in was under way.
    ProviderChanged,
    /// The provider answered the sign-in with an error.
    ProviderRefused(String),
    /// The code could not be exchanged (a wrong or missing PKCE verifier, an expired code).
    ExchangeFailed(String),
    /// The ID token did not verify (signature, issuer, audience, expiry).
    IdTokenInvalid(String),
    /// The ID token's `nonce` is missing or is not the one this sign-in sent.
    NonceMismatch,
    /// No account is bound and the provider does not vouch for the e-mail.
    EmailUnverified,
    /// The e-mail's domain is not among the organisation's allowed domains.
    EmailDomainNotAllowed,
    /// No account is bound and nobody was invited with this e-mail.
    AccountUnknown,
    /// The person's organisation requires single sign-on; their password does not sign in.
    PasswordNotAllowed,
}

impl SsoRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            SsoRefusal::NotConfigured => "sso_not_configured",
            SsoRefusal::InvalidIssuer => "sso_invalid_issuer",
            SsoRefusal::AddressNotAllowed(_) => "sso_address_not_allowed",
            SsoRefusal::IssuerMismatch(_) => "sso_issuer_mismatch",
            SsoRefusal::DiscoveryFailed(_) => "sso_discovery_failed",
            SsoRefusal::FlowUnknown => "sso_flow_unknown",
            SsoRefusal::FlowForeign => "sso_flow_foreign",
            SsoRefusal::ProviderChanged => "sso_provider_changed",
            SsoRefusal::ProviderRefused(_) => "sso_provider_refused",
            SsoRefusal::ExchangeFailed(_) => "sso_exchange_failed",
            SsoRefusal::IdTokenInvalid(_) => "sso_id_token_invalid",
            SsoRefusal::NonceMismatch => "sso_nonce_mismatch",
            SsoRefusal::EmailUnverified => "sso_email_unverified",
            SsoRefusal::EmailDomainNotAllowed => "sso_email_domain_not_allowed",
            SsoRefusal::AccountUnknown => "sso_account_unknown",
            SsoRefusal::PasswordNotAllowed => "sso_password_not_allowed",
        }
    }

    /// The sentence in Russian and in English.
    pub fn texts(&self) -> (String, String) {
        let pair = |ru: &str, en: &str| (ru.to_owned(), en.to_owned());
        match self {
            SsoRefusal::NotConfigured => pair(
                "В этой организации не настроен единый вход",
                "This organisation has no single sign-on",
            ),
            SsoRefusal::InvalidIssuer => pair(
                "issuer: укажите адрес поставщика входа (http или https, без ? и #)",
                "issuer: give the identity provider's address (http or https, no ? or #)",
            ),
            SsoRefusal::AddressNotAllowed(host) => (
                format!(
                    "issuer: адрес {host} — внутренний (loopback, частная или локальная сеть); обращаться к нему можно, только если он указан в списке разрешённых адресов"
                ),
                format!(
                    "issuer: {host} is an internal address (loopback, private or link-local); it is reached only when the allowlist names it"
                ),
            ),
            SsoRefusal::IssuerMismatch(found) => (
                format!(
                    "issuer: поставщик называет себя «{found}», а не так, как указано; укажите issuer точно"
                ),
                format!(
                    "issuer: the provider calls itself “{found}”, not as configured; give the issuer exactly"
                ),
            ),
            SsoRefusal::DiscoveryFailed(why) => (
                format!("issuer: настройки поставщика входа не получены ({why})"),
                format!("issuer: the identity provider's metadata could not be read ({why})"),
            ),
            SsoRefusal::FlowUnknown => pair(
                "Вход не начат, устарел или уже завершён; начните вход заново",
                "This sign-in was not started, has expired or is already finished; start again",
            ),
            SsoRefusal::FlowForeign => pair(
                "Вход начат в другом браузере; начните вход заново",
                "This sign-in was started in another browser; start again",
            ),
            SsoRefusal::ProviderChanged => pair(
                "Настройки единого входа изменились во время входа; начните вход заново",
                "The single sign-on settings changed during the sign-in; start again",
            ),
            SsoRefusal::ProviderRefused(why) => (
                format!("Поставщик входа отказал: {why}"),
                format!("The identity provider refused: {why}"),
            ),
            SsoRefusal::ExchangeFailed(why) => (
                format!("Поставщик входа не подтвердил вход ({why})"),
                format!("The identity provider did not confirm the sign-in ({why})"),
            ),
            SsoRefusal::IdTokenInvalid(why) => (
                format!("Ответ поставщика входа не прошёл проверку ({why})"),
                format!("The identity provider's answer did not verify ({why})"),
            ),
            SsoRefusal::NonceMismatch => pair(
                "Ответ поставщика входа относится к другому входу (nonce не совпадает)",
                "The identity provider's answer belongs to another sign-in (the nonce does not match)",
            ),
            SsoRefusal::EmailUnverified => pair(
                "Поставщик входа не подтвердил адрес электронной почты; учётная запись не связана",
                "The identity provider has not verified the e-mail address; no account was linked",
            ),
            SsoRefusal::EmailDomainNotAllowed => pair(
                "Адреса электронной почты этого домена не допущены к входу в организацию",
                "E-mail addresses of this domain may not sign in to the organisation",
            ),
            SsoRefusal::AccountUnknown => pair(
                "Учётная запись не найдена: попросите администратора организации пригласить вас с этим адресом электронной почты",
                "No account was found: ask the organisation's administrator to invite you with this e-mail address",
            ),
            SsoRefusal::PasswordNotAllowed => pair(
                "Ваша организация входит через единый вход; войдите через поставщика входа организации",
                "Your organisation signs in with single sign-on; sign in through the organisation's identity provider",
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("single sign-on refused: {}", .0.code())]
    Refused(SsoRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("single sign-on: {0}")]
    Internal(String),
}

impl From<SsoRefusal> for SsoError {
    fn from(refusal: SsoRefusal) -> Self {
        SsoError::Refused(refusal)
    }
}

//! Local accounts: login name and password, checked against an Argon2id hash.
//!
//! A failed login never says why. An unknown account, a wrong password, a disabled account and an
//! account without a password all end in the same error after the same work: for unknown accounts
//! the password is checked against a dummy hash, so the answer time does not give them away.
//!
//! Before any of that, the attempt is reserved with the [`LoginThrottle`]: once a login name has
//! used its free attempts, known and unknown names alike are refused before the database is read
//! or a hash computed, so a flood of guesses costs no Argon2 work.

use crate::session::{LoginMethod, Session, SessionStore, SessionToken, VerifiedIdentity};
use crate::throttle::{LoginThrottle, Reservation};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use kurator_domain::LoginName;
use kurator_platform::CacheError;
use kurator_store::StoreError;
use kurator_store::control::repo;
use sea_orm::DatabaseConnection;

#[derive(Debug, thiserror::Error)]
pub enum PasswordLoginError {
    /// Wrong login or password — deliberately not more specific.
    #[error("invalid login or password")]
    InvalidCredentials,
    /// Too many failed attempts for this login name: refused without checking the password.
    #[error("too many failed attempts; try again in {} s", retry_after.as_secs())]
    Throttled { retry_after: std::time::Duration },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("password hashing: {0}")]
    Hashing(String),
    /// The password is right, but an organisation the person belongs to requires single sign-on
    /// and none of their roles there keeps a password (break-glass).
    #[error("single sign-on is required")]
    SingleSignOnRequired,
}

impl From<crate::oidc::SsoError> for PasswordLoginError {
    fn from(err: crate::oidc::SsoError) -> Self {
        match err {
            crate::oidc::SsoError::Store(e) => PasswordLoginError::Store(e),
            crate::oidc::SsoError::Cache(e) => PasswordLoginError::Cache(e),
            other => PasswordLoginError::Hashing(other.to_string()),
        }
    }
}

/// Hashes a password with Argon2id and a fresh random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, PasswordLoginError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordLoginError::Hashing(e.to_string()))
}

fn verify(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// Longest password accepted; longer input is refused before any hashing work.
pub const MAX_PASSWORD_LEN: usize = 1024;

#[derive(Clone)]
pub struct PasswordLogin {
    control: DatabaseConnection,
    sessions: SessionStore,
    throttle: LoginThrottle,
    dummy_hash: String,
}

impl PasswordLogin {
    pub fn new(
        control: DatabaseConnection,
        sessions: SessionStore,
        throttle: LoginThrottle,
    ) -> Result<Self, PasswordLoginError> {
        let dummy_hash = hash_password("kurator: an account that does not exist")?;
        Ok(Self {
            control,
            sessions,
            throttle,
            dummy_hash,
        })
    }

    #[tracing::instrument(skip_all)]
    pub async fn login(
        &self,
        login: &str,
        password: &str,
    ) -> Result<(SessionToken, Session), PasswordLoginError> {
        let login = LoginName::parse(login);
        // Throttle on the normalised name when it parses, on the raw input otherwise.
        let throttle_key = match &login {
            Ok(name) => name.as_str().to_owned(),
            Err(_) => String::from("invalid-login"),
        };
        if let Reservation::Refused { retry_after } = self.throttle.reserve(&throttle_key).await? {
            tracing::info!("sign-in refused: too many failed attempts");
            return Err(PasswordLoginError::Throttled { retry_after });
        }

        let user = match &login {
            Ok(name) => repo::find_user_by_login(&self.control, name).await?,
            Err(_) => None,
        };
        let hash = user
            .as_ref()
            .filter(|u| u.is_active)
            .and_then(|u| u.password_hash.clone())
            .unwrap_or_else(|| self.dummy_hash.clone());
        let password = password
            .chars()
            .take(MAX_PASSWORD_LEN + 1)
            .collect::<String>();
        let matches = password.len() <= MAX_PASSWORD_LEN
            && tokio::task::spawn_blocking(move || verify(&password, &hash))
                .await
                .map_err(|e| PasswordLoginError::Hashing(e.to_string()))?;

        let verified = match user {
            Some(user) if matches && user.is_active && user.password_hash.is_some() => user,
            // The attempt was counted when it was reserved.
            _ => return Err(PasswordLoginError::InvalidCredentials),
        };
        self.throttle.reset(&throttle_key).await?;
        if crate::oidc::provider::password_refused(&self.control, verified.id).await? {
            tracing::info!(user = %verified.id, "password sign-in refused: single sign-on required");
            return Err(PasswordLoginError::SingleSignOnRequired);
        }
        let issued = self
            .sessions
            .create(VerifiedIdentity {
                user_id: verified.id,
                method: LoginMethod::Password,
            })
            .await?;
        tracing::info!(user = %verified.id, "signed in");
        Ok(issued)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify("correct horse", &hash));
        assert!(!verify("wrong horse", &hash));
        assert!(!verify("correct horse", "not a hash"));
    }
}

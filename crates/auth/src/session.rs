//! Server-side sessions. The client holds only an opaque random token; the store keeps the
//! session under the token's SHA-256, so a leaked cache dump does not yield usable tokens.
//!
//! Next to the sessions the store keeps each person's *generation*: a value replaced
//! ([`SessionStore::user_changed`]) whenever something a session carries changes — their roles
//! or memberships, their account being disabled. Whoever keeps what it learnt about a caller
//! (the gateway keeps the person and their memberships in each replica) keeps it with the
//! generation it was read at, and reads it again once the generation has moved; the counter lives
//! in the shared cache, so every replica sees the change on its next request.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use kurator_domain::UserId;
use kurator_platform::CacheError;
use kurator_platform::cache::SharedCache;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::time::Duration;

/// How the person proved who they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LoginMethod {
    Password,
    /// Single sign-on through a tenant's OpenID Connect provider.
    Oidc {
        issuer: String,
    },
}

/// What a login method hands over once it has verified a person.
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    pub user_id: UserId,
    pub method: LoginMethod,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub user_id: UserId,
    pub method: LoginMethod,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The bearer token. Its `Debug` form hides the value.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(hex::encode(bytes))
    }

    /// Accepts what a client sent; anything that is not 64 hex digits is no token of ours.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        (value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Self(value.to_ascii_lowercase()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The token's SHA-256: what the session is stored (and a resolved caller kept) under.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }

    fn storage_key(&self) -> String {
        format!("session:{}", hex::encode(self.digest()))
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

#[derive(Clone)]
pub struct SessionStore {
    cache: SharedCache,
    ttl: Duration,
}

impl SessionStore {
    pub fn new(cache: SharedCache, ttl: Duration) -> Self {
        Self { cache, ttl }
    }

    #[tracing::instrument(skip_all, fields(user = %identity.user_id))]
    pub async fn create(
        &self,
        identity: VerifiedIdentity,
    ) -> Result<(SessionToken, Session), CacheError> {
        let now = Utc::now();
        let session = Session {
            user_id: identity.user_id,
            method: identity.method,
            created_at: now,
            expires_at: now
                + ChronoDuration::from_std(self.ttl).unwrap_or(ChronoDuration::hours(12)),
        };
        let token = SessionToken::generate();
        let value = serde_json::to_string(&session).map_err(|e| CacheError::new(e.to_string()))?;
        self.cache
            .set(&token.storage_key(), &value, self.ttl)
            .await?;
        Ok((token, session))
    }

    /// The live session for `token`, or `None` when it is unknown, revoked or expired.
    #[tracing::instrument(skip_all)]
    pub async fn resolve(&self, token: &SessionToken) -> Result<Option<Session>, CacheError> {
        let Some(value) = self.cache.get(&token.storage_key()).await? else {
            return Ok(None);
        };
        let session: Session = match serde_json::from_str(&value) {
            Ok(session) => session,
            Err(_) => return Ok(None),
        };
        if session.expires_at <= Utc::now() {
            return Ok(None);
        }
        let since = self.cache.get(&ended_before_key(session.user_id)).await?;
        Ok(started_after(&session, since.as_deref()).then_some(session))
    }

    /// Ends every session `user` has, on every device ("выйти на всех устройствах"): sessions
    /// created before now stop resolving, wherever they were kept.
    #[tracing::instrument(skip_all, fields(user = %user))]
    pub async fn end_all(&self, user: UserId) -> Result<(), CacheError> {
        let now = Utc::now().timestamp_micros();
        self.cache
            .set(&ended_before_key(user), &now.to_string(), self.ttl)
            .await?;
        self.user_changed(user).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn revoke(&self, token: &SessionToken) -> Result<(), CacheError> {
        self.cache.delete(&token.storage_key()).await
    }

    /// The generation of `user`: 0 until anything about them changes.
    pub async fn generation(&self, user: UserId) -> Result<u64, CacheError> {
        Ok(parse_generation(
            self.cache.get(&generation_key(user)).await?,
        ))
    }

    /// The live session for `token` — held to be `user`'s — with `user`'s generation, in one
    /// round trip; `None` when the session is unknown, revoked, expired or someone else's.
    #[tracing::instrument(skip_all)]
    pub async fn recheck(
        &self,
        token: &SessionToken,
        user: UserId,
    ) -> Result<Option<(Session, u64)>, CacheError> {
        let (session_key, generation_key, ended_key) = (
            token.storage_key(),
            generation_key(user),
            ended_before_key(user),
        );
        let mut values = self
            .cache
            .get_many(&[&session_key, &generation_key, &ended_key])
            .await?
            .into_iter();
        let (Some(Some(session)), generation, ended) = (
            values.next(),
            values.next().flatten(),
            values.next().flatten(),
        ) else {
            return Ok(None);
        };
        let Ok(session) = serde_json::from_str::<Session>(&session) else {
            return Ok(None);
        };
        let live = session.user_id == user
            && session.expires_at > Utc::now()
            && started_after(&session, ended.as_deref());
        Ok(live.then(|| (session, parse_generation(generation))))
    }

    /// Moves `user` to a new generation: what anyone kept about their sessions is stale from
    /// the next request on. Call it after every change to the person's roles, memberships or
    /// status has been committed.
    #[tracing::instrument(skip_all, fields(user = %user))]
    pub async fn user_changed(&self, user: UserId) -> Result<(), CacheError> {
        // A fresh random value rather than a count: when the entry expires (after far longer than
        // anyone keeps what they read beside a generation) and is written again, it cannot come
        // back to a value someone still holds. 0 stands for "never changed".
        let generation = rand::rng().next_u64().max(1);
        let ttl = self.ttl.max(MIN_GENERATION_TTL);
        self.cache
            .set(&generation_key(user), &generation.to_string(), ttl)
            .await
    }
}

/// The shortest time a generation is kept after the person last changed.
const MIN_GENERATION_TTL: Duration = Duration::from_secs(24 * 60 * 60);

fn generation_key(user: UserId) -> String {
    format!("user-generation:{user}")
}

fn ended_before_key(user: UserId) -> String {
    format!("sessions-ended-before:{user}")
}

/// Whether `session` began after the person last ended all their sessions (`ended`, in
/// microseconds since the epoch).
fn started_after(session: &Session, ended: Option<&str>) -> bool {
    ended
        .and_then(|v| v.parse::<i64>().ok())
        .is_none_or(|ended| session.created_at.timestamp_micros() > ended)
}

fn parse_generation(value: Option<String>) -> u64 {
    value.and_then(|v| v.parse().ok()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kurator_platform::cache::InProcessCache;
    use std::sync::Arc;

    fn store(ttl: Duration) -> SessionStore {
        SessionStore::new(Arc::new(InProcessCache::new()), ttl)
    }

    #[tokio::test]
    async fn a_created_session_resolves_until_revoked() {
        let store = store(Duration::from_secs(60));
        let user_id = UserId::new();
        let (token, _) = store
            .create(VerifiedIdentity {
                user_id,
                method: LoginMethod::Password,
            })
            .await
            .unwrap();
        let session = store.resolve(&token).await.unwrap().unwrap();
        assert_eq!(session.user_id, user_id);
        store.revoke(&token).await.unwrap();
        assert!(store.resolve(&token).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn an_expired_session_does_not_resolve() {
        let store = store(Duration::from_millis(10));
        let (token, _) = store
            .create(VerifiedIdentity {
                user_id: UserId::new(),
                method: LoginMethod::Password,
            })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(store.resolve(&token).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_recheck_sees_the_generation_move_and_the_session_end() {
        let store = store(Duration::from_secs(60));
        let (user, someone_else) = (UserId::new(), UserId::new());
        let (token, _) = store
            .create(VerifiedIdentity {
                user_id: user,
                method: LoginMethod::Password,
            })
            .await
            .unwrap();
        let (_, first) = store.recheck(&token, user).await.unwrap().unwrap();
        assert_eq!(first, 0);
        assert_eq!(store.generation(user).await.unwrap(), 0);
        store.user_changed(user).await.unwrap();
        let (_, second) = store.recheck(&token, user).await.unwrap().unwrap();
        assert_ne!(second, first);
        assert_eq!(store.generation(user).await.unwrap(), second);
        store.user_changed(user).await.unwrap();
        assert_ne!(store.generation(user).await.unwrap(), second);
        // A token is only ever its own person's.
        assert!(store.recheck(&token, someone_else).await.unwrap().is_none());
        store.revoke(&token).await.unwrap();
        assert!(store.recheck(&token, user).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn an_expired_session_does_not_pass_a_recheck() {
        let store = store(Duration::from_millis(10));
        let user = UserId::new();
        let (token, _) = store
            .create(VerifiedIdentity {
                user_id: user,
                method: LoginMethod::Password,
            })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(store.recheck(&token, user).await.unwrap().is_none());
    }

    #[test]
    fn tokens_are_64_hex_digits_and_hidden_in_debug() {
        let token = SessionToken::generate();
        assert!(SessionToken::parse(token.expose()).is_some());
        assert!(SessionToken::parse("not a token").is_none());
        assert!(!format!("{token:?}").contains(token.expose()));
    }
}

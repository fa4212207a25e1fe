//! Who is calling: the person and memberships behind a bearer token, kept in this replica so that
//! a request needs no control-plane query.
//!
//! What is kept for a token is the person's row and memberships, with the person's generation
//! (see [`kurator_auth::session`]) at the time they were read. Every request still asks the
//! shared cache, in one round trip, whether the session is live and what the generation is now:
//! a logout (the session is gone), an expiry, a role granted or revoked or an account disabled
//! (the generation has moved) takes effect on the next request on every replica. Nothing is kept
//! longer than [`MAX_AGE`] either.

use crate::graphql::context::Caller;
use crate::graphql::error::ApiError;
use kurator_auth::{Session, SessionStore, SessionToken};
use kurator_domain::UserId;
use kurator_store::control::{MembershipRow, UserRow, repo};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The longest a caller is kept without being read again from the control plane: a safety net
/// for a change whose generation could not be moved (the shared cache was unreachable).
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// The most callers kept; past it the oldest are dropped.
const CAPACITY: usize = 50_000;

pub struct Callers {
    sessions: SessionStore,
    control: DatabaseConnection,
    /// By the token's SHA-256; the token itself is not kept.
    known: Mutex<HashMap<[u8; 32], Known>>,
}

#[derive(Clone)]
struct Known {
    user: Arc<UserRow>,
    memberships: Arc<Vec<MembershipRow>>,
    generation: u64,
    read_at: Instant,
}

impl Callers {
    pub fn new(sessions: SessionStore, control: DatabaseConnection) -> Self {
        Self {
            sessions,
            control,
            known: Mutex::new(HashMap::new()),
        }
    }

    /// The signed-in person behind `token`, or `None` when the session is unknown, ended or
    /// expired, or the account is disabled.
    pub async fn resolve(&self, token: SessionToken) -> Result<Option<Caller>, ApiError> {
        let digest = token.digest();
        let known = self
            .lock()
            .get(&digest)
            .filter(|k| k.read_at.elapsed() < MAX_AGE)
            .cloned();
        let (session, generation) = match known {
            Some(known) => match self.sessions.recheck(&token, known.user.id).await? {
                Some((_, generation)) if generation == known.generation => {
                    return Ok(Some(Caller {
                        user: known.user,
                        memberships: known.memberships,
                        session: Some(token),
                        api_token: None,
                    }));
                }
                Some(current) => current,
                None => {
                    self.forget(&token);
                    return Ok(None);
                }
            },
            None => {
                let Some(session) = self.sessions.resolve(&token).await? else {
                    return Ok(None);
                };
                // Read before the person, so that a change committed meanwhile leaves what is
                // read here with a generation already old.
                let generation = self.sessions.generation(session.user_id).await?;
                (session, generation)
            }
        };
        self.load(token, digest, session, generation).await
    }

    async fn load(
        &self,
        token: SessionToken,
        digest: [u8; 32],
        session: Session,
        generation: u64,
    ) -> Result<Option<Caller>, ApiError> {
        let user = repo::find_user(&self.control, session.user_id).await?;
        let Some(mut user) = user.filter(|u| u.is_active) else {
            self.forget(&token);
            return Ok(None);
        };
        // A caller never needs the password hash; it is not kept.
        user.password_hash = None;
        let memberships = repo::memberships_of(&self.control, user.id).await?;
        let known = Known {
            user: Arc::new(user),
            memberships: Arc::new(memberships),
            generation,
            read_at: Instant::now(),
        };
        {
            let mut map = self.lock();
            if map.len() >= CAPACITY {
                map.retain(|_, k| k.read_at.elapsed() < MAX_AGE);
                if map.len() >= CAPACITY {
                    map.clear();
                }
            }
            map.insert(digest, known.clone());
        }
        Ok(Some(Caller {
            user: known.user,
            memberships: known.memberships,
            session: Some(token),
            api_token: None,
        }))
    }

    /// Drops what this replica keeps for `token` (the others see the session gone).
    pub fn forget(&self, token: &SessionToken) {
        self.lock().remove(&token.digest());
    }

    /// Moves `user` to a new generation after a change to their roles, memberships or status:
    /// every replica reads them again on their next request.
    pub async fn user_changed(&self, user: UserId) -> Result<(), ApiError> {
        Ok(self.sessions.user_changed(user).await?)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Known>> {
        // The map holds no invariant a panicking holder could break.
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

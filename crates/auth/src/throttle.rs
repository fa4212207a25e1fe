//! Holding back repeated failed logins for one login name.
//!
//! Attempts are counted per login name — whether or not such an account exists, so the throttle
//! itself tells an attacker nothing. An attempt is *reserved* before the password is checked: the
//! count is incremented atomically (in Redis, or in this process) and only an attempt whose
//! reservation falls within the free attempts is evaluated at all. Every further attempt is
//! refused at once, without hashing, until the window (counted from the first failure) ends or a
//! successful sign-in clears the count. Parallel guesses therefore get no more evaluations than
//! sequential ones: at most `free_attempts` per window, however many arrive at once.

use kurator_platform::CacheError;
use kurator_platform::cache::SharedCache;
use sha2::{Digest, Sha256};
use std::time::Duration;

#[derive(Clone)]
pub struct LoginThrottle {
    cache: SharedCache,
    free_attempts: u32,
    window: Duration,
}

/// Whether an attempt may be evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Within the free attempts: check the password.
    Granted,
    /// Locked out: refuse without checking anything; try again after this long at the latest.
    Refused { retry_after: Duration },
}

impl LoginThrottle {
    pub fn new(cache: SharedCache, free_attempts: u32, window: Duration) -> Self {
        Self {
            cache,
            free_attempts,
            window,
        }
    }

    fn key(login: &str) -> String {
        format!(
            "login-attempts:{}",
            hex::encode(Sha256::digest(login.as_bytes()))
        )
    }

    /// Reserves one attempt for `login`: counts it first, then answers whether it may go on.
    pub async fn reserve(&self, login: &str) -> Result<Reservation, CacheError> {
        let reserved = self.cache.increment(&Self::key(login), self.window).await?;
        if reserved <= u64::from(self.free_attempts) {
            Ok(Reservation::Granted)
        } else {
            Ok(Reservation::Refused {
                retry_after: self.window,
            })
        }
    }

    /// Attempts counted for `login` in the current window (refused ones included).
    pub async fn attempts(&self, login: &str) -> Result<u64, CacheError> {
        let value = self.cache.get(&Self::key(login)).await?;
        Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// A successful sign-in: the count starts again.
    pub async fn reset(&self, login: &str) -> Result<(), CacheError> {
        self.cache.delete(&Self::key(login)).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use kurator_platform::cache::InProcessCache;
    use std::sync::Arc;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(Arc::new(InProcessCache::new()), 3, Duration::from_secs(900))
    }

    #[tokio::test]
    async fn the_free_attempts_are_granted_then_every_further_one_is_refused() {
        let t = throttle();
        for _ in 0..3 {
            assert_eq!(
                t.reserve("fund.curator").await.unwrap(),
                Reservation::Granted
            );
        }
        assert!(matches!(
            t.reserve("fund.curator").await.unwrap(),
            Reservation::Refused { .. }
        ));
        assert_eq!(
            t.reserve("clinic.curator").await.unwrap(),
            Reservation::Granted
        );
        t.reset("fund.curator").await.unwrap();
        assert_eq!(t.attempts("fund.curator").await.unwrap(), 0);
        assert_eq!(
            t.reserve("fund.curator").await.unwrap(),
            Reservation::Granted
        );
    }

    #[tokio::test]
    async fn parallel_reservations_grant_no_more_than_the_free_attempts() {
        let t = throttle();
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let t = t.clone();
                tokio::spawn(async move { t.reserve("fund.curator").await.unwrap() })
            })
            .collect();
        let mut granted = 0;
        for task in tasks {
            if task.await.unwrap() == Reservation::Granted {
                granted += 1;
            }
        }
        assert_eq!(granted, 3);
    }
}

//! Slowing down repeated failed logins for one account.
//!
//! Failures are counted per login name — whether or not such an account exists, so the delay
//! itself tells an attacker nothing. After the free attempts, each further attempt waits
//! `base · 2^(extra failures)` up to a ceiling, before the password is even checked.

use kurator_platform::CacheError;
use kurator_platform::cache::SharedCache;
use sha2::{Digest, Sha256};
use std::time::Duration;

#[derive(Clone)]
pub struct LoginThrottle {
    cache: SharedCache,
    free_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    window: Duration,
}

impl LoginThrottle {
    pub fn new(
        cache: SharedCache,
        free_attempts: u32,
        base_delay: Duration,
        max_delay: Duration,
        window: Duration,
    ) -> Self {
        Self {
            cache,
            free_attempts,
            base_delay,
            max_delay,
            window,
        }
    }

    fn key(login: &str) -> String {
        format!(
            "login-failures:{}",
            hex::encode(Sha256::digest(login.as_bytes()))
        )
    }

    /// The wait owed before another attempt for `login`, given `failures` recent failures.
    pub fn delay_for(&self, failures: u64) -> Duration {
        let extra = failures.saturating_sub(u64::from(self.free_attempts));
        if extra == 0 {
            return Duration::ZERO;
        }
        let factor = 1u32
            .checked_shl((extra - 1).min(16) as u32)
            .unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    pub async fn failures(&self, login: &str) -> Result<u64, CacheError> {
        let value = self.cache.get(&Self::key(login)).await?;
        Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    pub async fn record_failure(&self, login: &str) -> Result<u64, CacheError> {
        self.cache.increment(&Self::key(login), self.window).await
    }

    pub async fn reset(&self, login: &str) -> Result<(), CacheError> {
        self.cache.delete(&Self::key(login)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kurator_platform::cache::InProcessCache;
    use std::sync::Arc;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(
            Arc::new(InProcessCache::new()),
            3,
            Duration::from_millis(500),
            Duration::from_secs(8),
            Duration::from_secs(900),
        )
    }

    #[test]
    fn delay_grows_after_the_free_attempts_and_is_capped() {
        let t = throttle();
        assert_eq!(t.delay_for(0), Duration::ZERO);
        assert_eq!(t.delay_for(3), Duration::ZERO);
        assert_eq!(t.delay_for(4), Duration::from_millis(500));
        assert_eq!(t.delay_for(5), Duration::from_millis(1000));
        assert_eq!(t.delay_for(6), Duration::from_millis(2000));
        assert_eq!(t.delay_for(50), Duration::from_secs(8));
        assert_eq!(t.delay_for(u64::MAX), Duration::from_secs(8));
    }

    #[tokio::test]
    async fn failures_are_counted_per_login_and_reset() {
        let t = throttle();
        t.record_failure("fund.curator").await.unwrap();
        t.record_failure("fund.curator").await.unwrap();
        assert_eq!(t.failures("fund.curator").await.unwrap(), 2);
        assert_eq!(t.failures("clinic.curator").await.unwrap(), 0);
        t.reset("fund.curator").await.unwrap();
        assert_eq!(t.failures("fund.curator").await.unwrap(), 0);
    }
}

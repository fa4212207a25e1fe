//! Leases: at most one holder of a named lease at a time, for a time to live the holder renews.
//! The deadline worker takes one per tenant, so across replicas exactly one worker is active for
//! each organisation. Redis in production (`SET`-if-absent and renew-if-mine, atomically in a Lua
//! script), a map in the process for the embedded default.

use crate::cache::CacheError;
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[async_trait]
pub trait Leases: Send + Sync {
    /// Takes the lease `name` for `holder`, or renews it when `holder` already has it, for `ttl`.
    /// `false` when someone else holds it.
    async fn acquire(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, CacheError>;
    /// Gives the lease up, if `holder` has it.
    async fn release(&self, name: &str, holder: &str) -> Result<(), CacheError>;
    /// `"redis"` or `"in-process"`.
    fn kind(&self) -> &'static str;
}

pub type SharedLeases = Arc<dyn Leases>;

/// The embedded default: leases between the workers of one process.
#[derive(Default)]
pub struct InProcessLeases {
    held: Mutex<HashMap<String, (String, Instant)>>,
}

impl InProcessLeases {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Leases for InProcessLeases {
    async fn acquire(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, CacheError> {
        let mut held = self.held.lock().await;
        let now = Instant::now();
        match held.get(name) {
            Some((other, expires)) if other != holder && *expires > now => Ok(false),
            _ => {
                held.insert(name.to_owned(), (holder.to_owned(), now + ttl));
                Ok(true)
            }
        }
    }

    async fn release(&self, name: &str, holder: &str) -> Result<(), CacheError> {
        let mut held = self.held.lock().await;
        if held.get(name).is_some_and(|(h, _)| h == holder) {
            held.remove(name);
        }
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "in-process"
    }
}

/// Production: leases in Redis, shared by every replica.
pub struct RedisLeases {
    connection: redis::aio::ConnectionManager,
    prefix: String,
}

const ACQUIRE: &str = r"
local current = redis.call('GET', KEYS[1])
if current == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
";

const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

impl RedisLeases {
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, CacheError> {
        let client = redis::Client::open(url)?;
        let connection = redis::aio::ConnectionManager::new(client).await?;
        Ok(Self {
            connection,
            prefix: format!("{prefix}lease:"),
        })
    }
}

#[async_trait]
impl Leases for RedisLeases {
    async fn acquire(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, CacheError> {
        let mut conn = self.connection.clone();
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let taken: i64 = redis::Script::new(ACQUIRE)
            .key(format!("{}{name}", self.prefix))
            .arg(holder)
            .arg(millis)
            .invoke_async(&mut conn)
            .await?;
        Ok(taken == 1)
    }

    async fn release(&self, name: &str, holder: &str) -> Result<(), CacheError> {
        let mut conn = self.connection.clone();
        let _: i64 = redis::Script::new(RELEASE)
            .key(format!("{}{name}", self.prefix))
            .arg(holder)
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "redis"
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_holder_at_a_time_until_the_lease_runs_out() {
        let leases = InProcessLeases::new();
        let ttl = Duration::from_millis(30);
        assert!(leases.acquire("t", "a", ttl).await.unwrap());
        assert!(!leases.acquire("t", "b", ttl).await.unwrap());
        assert!(leases.acquire("t", "a", ttl).await.unwrap());
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(leases.acquire("t", "b", ttl).await.unwrap());
        leases.release("t", "a").await.unwrap();
        assert!(!leases.acquire("t", "a", ttl).await.unwrap());
        leases.release("t", "b").await.unwrap();
        assert!(leases.acquire("t", "a", ttl).await.unwrap());
    }
}

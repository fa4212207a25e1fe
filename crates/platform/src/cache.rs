//! The key–value cache behind sessions and rate-limit counters: Redis in production, a map in the
//! process for the embedded default. Values are strings with a time to live; every key is prefixed
//! with the deployment's namespace.

use async_trait::async_trait;
use redis::AsyncCommands;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[derive(Debug, thiserror::Error)]
#[error("cache: {0}")]
pub struct CacheError(String);

impl CacheError {
    pub fn new(message: impl Into<String>) -> Self {
        CacheError(message.into())
    }
}

impl From<redis::RedisError> for CacheError {
    fn from(err: redis::RedisError) -> Self {
        CacheError(err.to_string())
    }
}

#[async_trait]
pub trait Cache: Send + Sync {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError>;
    /// Several values in one round trip, in the order of `keys`.
    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<String>>, CacheError> {
        let mut values = Vec::with_capacity(keys.len());
        for key in keys {
            values.push(self.get(key).await?);
        }
        Ok(values)
    }
    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError>;
    async fn delete(&self, key: &str) -> Result<(), CacheError>;
    /// Reads and deletes in one step: of two callers taking the same key, only one gets it.
    async fn take(&self, key: &str) -> Result<Option<String>, CacheError>;
    /// Adds one to a counter, (re)starting its time to live when it is created; returns the count.
    async fn increment(&self, key: &str, ttl: Duration) -> Result<u64, CacheError>;
    /// Answers when the backing store is reachable.
    async fn ping(&self) -> Result<(), CacheError>;
    /// `"redis"` or `"in-process"`, for the readiness report.
    fn kind(&self) -> &'static str;
}

pub type SharedCache = Arc<dyn Cache>;

/// The embedded default: entries live in this process and vanish when it stops.
#[derive(Default)]
pub struct InProcessCache {
    entries: Mutex<HashMap<String, (String, Instant)>>,
}

impl InProcessCache {
    pub fn new() -> Self {
        Self::default()
    }

    fn live(entry: Option<&(String, Instant)>) -> Option<&String> {
        entry
            .filter(|(_, expires)| *expires > Instant::now())
            .map(|(value, _)| value)
    }
}

#[async_trait]
impl Cache for InProcessCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        let entries = self.entries.lock().await;
        Ok(Self::live(entries.get(key)).cloned())
    }

    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<String>>, CacheError> {
        let entries = self.entries.lock().await;
        Ok(keys
            .iter()
            .map(|key| Self::live(entries.get(*key)).cloned())
            .collect())
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        let mut entries = self.entries.lock().await;
        let now = Instant::now();
        entries.retain(|_, (_, expires)| *expires > now);
        entries.insert(key.to_owned(), (value.to_owned(), now + ttl));
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), CacheError> {
        self.entries.lock().await.remove(key);
        Ok(())
    }

    async fn take(&self, key: &str) -> Result<Option<String>, CacheError> {
        let mut entries = self.entries.lock().await;
        let value = Self::live(entries.get(key)).cloned();
        entries.remove(key);
        Ok(value)
    }

    async fn increment(&self, key: &str, ttl: Duration) -> Result<u64, CacheError> {
        let mut entries = self.entries.lock().await;
        let current = Self::live(entries.get(key)).and_then(|v| v.parse::<u64>().ok());
        let (count, expires) = match (current, entries.get(key)) {
            (Some(count), Some((_, expires))) => (count + 1, *expires),
            _ => (1, Instant::now() + ttl),
        };
        entries.insert(key.to_owned(), (count.to_string(), expires));
        Ok(count)
    }

    async fn ping(&self) -> Result<(), CacheError> {
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "in-process"
    }
}

/// Production: a multiplexed, auto-reconnecting connection to Redis.
pub struct RedisCache {
    connection: redis::aio::ConnectionManager,
    prefix: String,
}

impl RedisCache {
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, CacheError> {
        let client = redis::Client::open(url)?;
        let connection = redis::aio::ConnectionManager::new(client).await?;
        Ok(Self {
            connection,
            prefix: prefix.to_owned(),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        let mut conn = self.connection.clone();
        Ok(conn.get(self.key(key)).await?)
    }

    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<String>>, CacheError> {
        let mut conn = self.connection.clone();
        let keys: Vec<String> = keys.iter().map(|key| self.key(key)).collect();
        Ok(redis::cmd("MGET").arg(&keys).query_async(&mut conn).await?)
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        let mut conn = self.connection.clone();
        let seconds = ttl.as_secs().max(1);
        let () = conn.set_ex(self.key(key), value, seconds).await?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), CacheError> {
        let mut conn = self.connection.clone();
        let () = conn.del(self.key(key)).await?;
        Ok(())
    }

    async fn take(&self, key: &str) -> Result<Option<String>, CacheError> {
        let mut conn = self.connection.clone();
        Ok(redis::cmd("GETDEL")
            .arg(self.key(key))
            .query_async(&mut conn)
            .await?)
    }

    async fn increment(&self, key: &str, ttl: Duration) -> Result<u64, CacheError> {
        let mut conn = self.connection.clone();
        let key = self.key(key);
        let (count,): (u64,) = redis::pipe()
            .atomic()
            .incr(&key, 1u64)
            .expire(&key, ttl.as_secs().max(1) as i64)
            .arg("NX")
            .ignore()
            .query_async(&mut conn)
            .await?;
        Ok(count)
    }

    async fn ping(&self) -> Result<(), CacheError> {
        let mut conn = self.connection.clone();
        let _: String = redis::cmd("PING").query_async(&mut conn).await?;
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "redis"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn in_process_entries_expire() {
        let cache = InProcessCache::new();
        cache
            .set("a", "1", Duration::from_millis(20))
            .await
            .unwrap();
        assert_eq!(cache.get("a").await.unwrap().as_deref(), Some("1"));
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(cache.get("a").await.unwrap(), None);
    }

    #[tokio::test]
    async fn in_process_counters_count_within_their_window() {
        let cache = InProcessCache::new();
        assert_eq!(
            cache.increment("n", Duration::from_secs(60)).await.unwrap(),
            1
        );
        assert_eq!(
            cache.increment("n", Duration::from_secs(60)).await.unwrap(),
            2
        );
        cache.delete("n").await.unwrap();
        cache
            .set("once", "v", Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(cache.take("once").await.unwrap().as_deref(), Some("v"));
        assert_eq!(cache.take("once").await.unwrap(), None);
        assert_eq!(
            cache.increment("n", Duration::from_secs(60)).await.unwrap(),
            1
        );
    }
}

//! Rate limits per client address and overall, separately for signing in and for the API.
//!
//! Every request except health checks and the interface's static files counts against the API
//! limits (`server.rate_limit.api`); a sign-in — the web form's `POST /login`, or a GraphQL
//! request whose mutation selects `login` — counts against the sign-in limits
//! (`server.rate_limit.sign_in`) too. Over a limit the answer is `429 Too Many Requests` with
//! `Retry-After` and the coded error `rate_limited`, before any work is done.
//!
//! Where the counts live: with `redis.url` set, in Redis, shared by every replica, as fixed
//! windows (`INCR` + `EXPIRE` of a key per address and window); in the embedded default, in this
//! process, with `governor`'s GCRA limiters (the same number per window, refilled evenly). When
//! Redis cannot be reached the request is let through and the failure logged: the limits protect
//! the service, they must not take it down.

use crate::edge::client;
use crate::graphql::language::{self, Language};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use kurator_platform::cache::SharedCache;
use kurator_platform::config::{RateLimit, ServerSettings};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What is limited: signing in, or everything served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    SignIn,
    Api,
}

impl Class {
    fn as_str(self) -> &'static str {
        match self {
            Class::SignIn => "sign-in",
            Class::Api => "api",
        }
    }
}

/// The limits of one class.
enum Counter {
    InProcess(InProcess),
    Shared(Shared),
}

/// The embedded default's counters.
struct InProcess {
    per_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    overall: Option<DefaultDirectRateLimiter>,
    checks: AtomicU64,
    /// Made once: making the clock calibrates it (CPUID), which on every request cost more than
    /// the rest of the check.
    clock: DefaultClock,
}

/// Counters in the shared cache (Redis), per fixed window.
struct Shared {
    cache: SharedCache,
    class: Class,
    limit: RateLimit,
}

/// Every this many checks, addresses not seen for a window are forgotten.
const FORGET_EVERY: u64 = 4096;

fn quota(per_window: u32, window: Duration) -> Option<Quota> {
    let burst = NonZeroU32::new(per_window)?;
    Quota::with_period(window / per_window).map(|q| q.allow_burst(burst))
}

impl InProcess {
    fn new(limit: RateLimit) -> Self {
        let window = Duration::from_secs(limit.window_seconds.max(1));
        Self {
            per_address: quota(limit.per_address, window).map(RateLimiter::keyed),
            overall: quota(limit.overall, window).map(RateLimiter::direct),
            checks: AtomicU64::new(0),
            clock: DefaultClock::default(),
        }
    }

    fn check(&self, address: Option<IpAddr>) -> Option<Duration> {
        let clock = &self.clock;
        if let (Some(limiter), Some(address)) = (&self.per_address, address) {
            if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
            if let Err(not_until) = limiter.check_key(&address) {
                return Some(not_until.wait_time_from(clock.now()));
            }
        }
        if let Some(limiter) = &self.overall
            && let Err(not_until) = limiter.check()
        {
            return Some(not_until.wait_time_from(clock.now()));
        }
        None
    }
}

impl Shared {
    async fn check(&self, address: Option<IpAddr>) -> Option<Duration> {
        let window = self.limit.window_seconds.max(1);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let index = now.as_secs() / window;
        let retry_after = Duration::from_secs((index + 1) * window).saturating_sub(now)
            + Duration::from_millis(1);
        let ttl = Duration::from_secs(window + 1);
        let class = self.class.as_str();
        if let (Some(address), true) = (address, self.limit.per_address > 0) {
            let key = format!("rate:{class}:{address}:{index}");
            if self.over(&key, ttl, self.limit.per_address).await {
                return Some(retry_after);
            }
        }
        if self.limit.overall > 0 {
            let key = format!("rate:{class}:all:{index}");
            if self.over(&key, ttl, self.limit.overall).await {
                return Some(retry_after);
            }
        }
        None
    }

    async fn over(&self, key: &str, ttl: Duration, limit: u32) -> bool {
        match self.cache.increment(key, ttl).await {
            Ok(count) => count > u64::from(limit),
            Err(err) => {
                tracing::warn!(error = %err, "rate limit not counted: the shared cache failed");
                false
            }
        }
    }
}

impl Counter {
    fn new(limit: RateLimit, class: Class, shared: Option<&SharedCache>) -> Self {
        match shared {
            Some(cache) => Counter::Shared(Shared {
                cache: cache.clone(),
                class,
                limit,
            }),
            None => Counter::InProcess(InProcess::new(limit)),
        }
    }

    async fn check(&self, address: Option<IpAddr>) -> Option<Duration> {
        match self {
            Counter::InProcess(counter) => counter.check(address),
            Counter::Shared(counter) => counter.check(address).await,
        }
    }
}

/// The rate limits of one replica, as the layer's state.
pub struct RateLimits {
    trusted_proxies: Vec<IpAddr>,
    sign_in: Counter,
    api: Counter,
    /// A GraphQL body larger than this is not read here (the API refuses it anyway).
    max_body_bytes: usize,
}

impl RateLimits {
    /// Limits from the `server` settings; counted in `shared` (Redis) when given, in this
    /// process otherwise.
    pub fn new(
        server: &ServerSettings,
        max_body_bytes: usize,
        shared: Option<&SharedCache>,
    ) -> Self {
        Self {
            trusted_proxies: server.trusted_proxies.clone(),
            sign_in: Counter::new(server.rate_limit.sign_in, Class::SignIn, shared),
            api: Counter::new(server.rate_limit.api, Class::Api, shared),
            max_body_bytes,
        }
    }
}

/// The layer's function.
pub async fn limit(
    State(limits): State<Arc<RateLimits>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path.starts_with("/health/") || path.starts_with("/static/") {
        return next.run(request).await;
    }
    let address = client::address(&request, &limits.trusted_proxies);
    let language = language::from_accept_language(
        request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let (request, class) = classify(request, limits.max_body_bytes).await;
    if class == Class::SignIn
        && let Some(wait) = limits.sign_in.check(address).await
    {
        tracing::info!(client = ?address, "sign-in over its rate limit");
        return too_many_requests(wait, language);
    }
    if let Some(wait) = limits.api.check(address).await {
        tracing::info!(client = ?address, "request over its rate limit");
        return too_many_requests(wait, language);
    }
    next.run(request).await
}

/// Whether `request` signs in; a GraphQL body is read (within the API's size limit) to see its
/// operations, and put back for the API.
async fn classify(request: Request, max_body_bytes: usize) -> (Request, Class) {
    if request.method() != Method::POST {
        return (request, Class::Api);
    }
    match request.uri().path() {
        "/login" => (request, Class::SignIn),
        "/graphql" => {
            let declared = request
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok());
            if declared.is_some_and(|len| len > max_body_bytes) {
                return (request, Class::Api);
            }
            let (parts, body) = request.into_parts();
            match axum::body::to_bytes(body, max_body_bytes).await {
                Ok(bytes) => {
                    let class = if selects_login(&bytes) {
                        Class::SignIn
                    } else {
                        Class::Api
                    };
                    (Request::from_parts(parts, Body::from(bytes)), class)
                }
                // Too large or broken off: the API answers an empty body as a bad request.
                Err(_) => (Request::from_parts(parts, Body::empty()), Class::Api),
            }
        }
        _ => (request, Class::Api),
    }
}

/// Whether a GraphQL request body (one request or a batch) runs a mutation selecting `login`.
fn selects_login(body: &Bytes) -> bool {
    // Most requests never name `login`: they are told without parsing anything. A body with a
    // JSON escape could spell it otherwise (`\u006cogin`), so it is parsed.
    let names = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
    if !names(b"login") && !names(b"\\u") {
        return false;
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return false;
    };
    let requests = match &value {
        serde_json::Value::Array(items) => items.iter().collect::<Vec<_>>(),
        single => vec![single],
    };
    requests.into_iter().any(|request| {
        request
            .get("query")
            .and_then(|q| q.as_str())
            .is_some_and(query_selects_login)
    })
}

fn query_selects_login(query: &str) -> bool {
    use async_graphql::parser::types::{OperationType, Selection, SelectionSet};
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    fn selects(
        set: &SelectionSet,
        document: &async_graphql::parser::types::ExecutableDocument,
        depth: usize,
    ) -> bool {
        if depth > 8 {
            return false;
        }
        set.items.iter().any(|item| match &item.node {
            Selection::Field(field) => field.node.name.node.as_str() == "login",
            Selection::InlineFragment(fragment) => {
                selects(&fragment.node.selection_set.node, document, depth + 1)
            }
            Selection::FragmentSpread(spread) => document
                .fragments
                .get(&spread.node.fragment_name.node)
                .is_some_and(|f| selects(&f.node.selection_set.node, document, depth + 1)),
        })
    }
    document.operations.iter().any(|(_, operation)| {
        operation.node.ty == OperationType::Mutation
            && selects(&operation.node.selection_set.node, &document, 0)
    })
}

/// `429` with `Retry-After` (whole seconds, at least one) and the coded error.
fn too_many_requests(wait: Duration, language: Language) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let problem = kurator_method::problem!(
        "rate_limited",
        "Слишком много запросов: повторите через {seconds} с",
        "Too many requests: try again in {seconds} s"
    );
    let message = problem.message(language);
    let body = serde_json::json!({
        "errors": [{
            "message": message,
            "extensions": {
                "code": problem.code,
                "details": {
                    "retryAfterSeconds": seconds,
                    "problems": [{ "code": problem.code, "field": null, "message": message }],
                    "reasons": [message],
                },
            },
        }],
    });
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_login_mutation_is_a_sign_in_however_it_is_written() {
        for query in [
            "mutation { login(login: \"a\", password: \"b\") { token } }",
            "mutation M($l: String!) { first: login(login: $l, password: \"x\") { token } }",
            "mutation { ... on Mutation { login(login: \"a\", password: \"b\") { token } } }",
            "mutation { ...L } fragment L on Mutation { login(login: \"a\", password: \"b\") { token } }",
        ] {
            assert!(query_selects_login(query), "{query}");
        }
        for query in [
            "{ me { login } }",
            "query { login }",
            "mutation { logout }",
            "not graphql at all",
        ] {
            assert!(!query_selects_login(query), "{query}");
        }
        let batch = Bytes::from_static(
            br#"[{"query":"{ me { id } }"},{"query":"mutation { login(login: \"a\", password: \"b\") { token } }"}]"#,
        );
        assert!(selects_login(&batch));
        // Spelt with a JSON escape, it is still a sign-in; a body that never names it is not.
        let escaped = Bytes::from_static(
            br#"{"query":"mutation { \u006cogin(login: \"a\", password: \"b\") { token } }"}"#,
        );
        assert!(selects_login(&escaped));
        assert!(!selects_login(&Bytes::from_static(
            br#"{"query":"{ __typename }"}"#
        )));
    }

    #[test]
    fn in_process_limits_hold_per_address_and_overall() {
        let counter = InProcess::new(RateLimit {
            per_address: 2,
            overall: 3,
            window_seconds: 60,
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(counter.check(Some(a)).is_none());
        assert!(counter.check(Some(a)).is_none());
        let wait = counter.check(Some(a)).unwrap();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert!(counter.check(Some(b)).is_none());
        // The fourth request let through at all exceeds the overall limit.
        assert!(counter.check(Some(b)).is_some());
    }

    #[test]
    fn the_refusal_says_when_to_come_back_in_whole_seconds() {
        let response = too_many_requests(Duration::from_millis(1200), Language::Ru);
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }
}

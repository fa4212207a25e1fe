//! Latencies and throughput: samples sorted, percentiles by nearest rank, failures counted apart.

use std::future::Future;
use std::time::{Duration, Instant};

/// The latencies of one operation, with how many of its requests failed.
#[derive(Debug, Clone, Default)]
pub struct Latency {
    sorted_ms: Vec<f64>,
    pub errors: usize,
    /// The first failure, to print.
    pub first_error: Option<String>,
}

impl Latency {
    pub fn from_samples(mut ms: Vec<f64>, errors: usize, first_error: Option<String>) -> Self {
        ms.sort_by(f64::total_cmp);
        Self {
            sorted_ms: ms,
            errors,
            first_error,
        }
    }

    pub fn count(&self) -> usize {
        self.sorted_ms.len() + self.errors
    }

    /// The `p`-th percentile (0–100) of the successful requests, by nearest rank.
    pub fn percentile(&self, p: f64) -> Option<f64> {
        if self.sorted_ms.is_empty() {
            return None;
        }
        let rank = (p / 100.0 * self.sorted_ms.len() as f64).ceil() as usize;
        let index = rank.clamp(1, self.sorted_ms.len()) - 1;
        self.sorted_ms.get(index).copied()
    }

    pub fn p50(&self) -> Option<f64> {
        self.percentile(50.0)
    }

    pub fn p99(&self) -> Option<f64> {
        self.percentile(99.0)
    }
}

/// Runs `op` `warmup` times unmeasured, then up to `requests` times measured, one at a time,
/// stopping early when `budget` is spent (after at least three measured requests).
pub async fn latency<F, Fut>(warmup: u32, requests: u32, budget: Duration, mut op: F) -> Latency
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let started = Instant::now();
    for i in 0..warmup {
        let _ = op(i).await;
        if started.elapsed() > budget / 4 {
            break;
        }
    }
    let started = Instant::now();
    let mut samples = Vec::with_capacity(requests as usize);
    let mut errors = 0;
    let mut first_error = None;
    for i in 0..requests {
        let t = Instant::now();
        let outcome = op(warmup + i).await;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        match outcome {
            Ok(()) => samples.push(ms),
            Err(e) => {
                errors += 1;
                first_error.get_or_insert(e);
            }
        }
        if i >= 2 && started.elapsed() > budget {
            break;
        }
    }
    Latency::from_samples(samples, errors, first_error)
}

/// Two operations measured in turn — `a`, then `b`, then `a` again — so that whatever else the
/// machine is doing weighs on both alike; a ratio of their percentiles then compares them, not
/// two moments of the machine. `warmup` pairs unmeasured, then up to `pairs`, stopping early when
/// `budget` is spent.
pub async fn paired<A, AF, B, BF>(
    warmup: u32,
    pairs: u32,
    budget: Duration,
    mut a: A,
    mut b: B,
) -> (Latency, Latency)
where
    A: FnMut(u32) -> AF,
    AF: Future<Output = Result<(), String>>,
    B: FnMut(u32) -> BF,
    BF: Future<Output = Result<(), String>>,
{
    for i in 0..warmup {
        let _ = a(i).await;
        let _ = b(i).await;
    }
    let started = Instant::now();
    let mut samples = (Vec::new(), Vec::new());
    let mut errors = (0, 0);
    let mut first_error = (None, None);
    for i in 0..pairs {
        let t = Instant::now();
        match a(warmup + i).await {
            Ok(()) => samples.0.push(t.elapsed().as_secs_f64() * 1000.0),
            Err(e) => {
                errors.0 += 1;
                first_error.0.get_or_insert(e);
            }
        }
        let t = Instant::now();
        match b(warmup + i).await {
            Ok(()) => samples.1.push(t.elapsed().as_secs_f64() * 1000.0),
            Err(e) => {
                errors.1 += 1;
                first_error.1.get_or_insert(e);
            }
        }
        if i >= 2 && started.elapsed() > budget {
            break;
        }
    }
    (
        Latency::from_samples(samples.0, errors.0, first_error.0),
        Latency::from_samples(samples.1, errors.1, first_error.1),
    )
}

/// Requests per second with `clients` concurrent clients, each running `op` in a loop until
/// `requests` have been made in all (or `budget` is spent).
#[derive(Debug, Clone, Copy)]
pub struct Throughput {
    pub per_second: f64,
    pub requests: usize,
    pub errors: usize,
}

pub async fn throughput<F, Fut>(
    clients: usize,
    requests: usize,
    budget: Duration,
    op: F,
) -> Throughput
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let next = next.clone();
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let (mut done, mut errors) = (0usize, 0usize);
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= requests || started.elapsed() > budget {
                    break;
                }
                match op(i).await {
                    Ok(()) => done += 1,
                    Err(_) => errors += 1,
                }
            }
            (done, errors)
        }));
    }
    let (mut done, mut errors) = (0, 0);
    for task in tasks {
        if let Ok((d, e)) = task.await {
            done += d;
            errors += e;
        }
    }
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    Throughput {
        per_second: done as f64 / seconds,
        requests: done + errors,
        errors,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let latency = Latency::from_samples((1..=100).rev().map(f64::from).collect(), 0, None);
        assert_eq!(latency.p50(), Some(50.0));
        assert_eq!(latency.p99(), Some(99.0));
        assert_eq!(latency.percentile(100.0), Some(100.0));
        let one = Latency::from_samples(vec![7.0], 2, None);
        assert_eq!(
            (one.p50(), one.p99(), one.count()),
            (Some(7.0), Some(7.0), 3)
        );
        assert_eq!(Latency::default().p99(), None);
    }
}

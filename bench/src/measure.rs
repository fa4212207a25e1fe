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
    let mut samples = Samples::default();
    for i in 0..requests {
        let t = Instant::now();
        let outcome = op(warmup + i).await;
        samples.add(t, outcome);
        if i >= 2 && started.elapsed() > budget {
            break;
        }
    }
    samples.latency()
}

/// Two operations measured in turn, in blocks — `block` of `a`, then `block` of `b`, and again —
/// so that whatever else the machine is doing weighs on both alike; a ratio of their percentiles
/// then compares them, not two moments of the machine. `warmup` of each unmeasured, then until
/// `count` of each are measured or `budget` is spent.
///
/// The first request of each block is not measured: the two write from different connections,
/// and on SQLite a write from another connection empties a connection's page cache, which the
/// first request after the switch pays for. Neither operation meets that in service, where no
/// other program writes between a person's requests.
pub async fn paired<A, AF, B, BF>(
    warmup: u32,
    count: u32,
    block: u32,
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
    let block = block.max(2);
    let started = Instant::now();
    let (mut first, mut second) = (Samples::default(), Samples::default());
    let mut i = warmup;
    while (first.measured() < count || second.measured() < count) && started.elapsed() <= budget {
        for n in 0..block {
            let t = Instant::now();
            let outcome = a(i + n).await;
            if n > 0 && first.measured() < count {
                first.add(t, outcome);
            }
        }
        for n in 0..block {
            let t = Instant::now();
            let outcome = b(i + n).await;
            if n > 0 && second.measured() < count {
                second.add(t, outcome);
            }
        }
        i += block;
    }
    (first.latency(), second.latency())
}

/// Latencies being gathered.
#[derive(Default)]
struct Samples {
    ms: Vec<f64>,
    errors: usize,
    first_error: Option<String>,
}

impl Samples {
    fn add(&mut self, started: Instant, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => self.ms.push(started.elapsed().as_secs_f64() * 1000.0),
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }

    fn measured(&self) -> u32 {
        u32::try_from(self.ms.len() + self.errors).unwrap_or(u32::MAX)
    }

    fn latency(self) -> Latency {
        Latency::from_samples(self.ms, self.errors, self.first_error)
    }
}

/// Requests per second with `clients` concurrent clients, each running `op` in a loop.
#[derive(Debug, Clone, Copy, Default)]
pub struct Throughput {
    pub per_second: f64,
    pub requests: usize,
    pub errors: usize,
}

/// Throughput over a fixed time: every client runs `op` for `warmup` unmeasured, then the
/// requests that start and end within the next `measure` are counted. A fixed count would not
/// do: one small enough for the slow operations is over in a few dozen milliseconds for the fast
/// ones, too short to say anything.
pub async fn throughput<F, Fut>(
    clients: usize,
    warmup: Duration,
    measure: Duration,
    op: F,
) -> Throughput
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let end = warmup + measure;
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let next = next.clone();
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let (mut done, mut errors) = (0usize, 0usize);
            loop {
                let at = started.elapsed();
                if at >= end {
                    break;
                }
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let outcome = op(i).await;
                if at < warmup || started.elapsed() > end {
                    continue;
                }
                match outcome {
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
    Throughput {
        per_second: done as f64 / measure.as_secs_f64().max(1e-9),
        requests: done + errors,
        errors,
    }
}

/// Two throughputs measured in turn: `rounds` rounds, each `measure / rounds` of `a` then of `b`
/// (after `warmup` in the first round, a fifth of it in the others), summed. Whatever else the
/// machine does in those seconds — a checkpoint after seeding, another program — weighs on both
/// alike, so their ratio compares the two operations, not two moments of the machine.
pub async fn throughput_in_turn<A, AF, B, BF>(
    clients: usize,
    warmup: Duration,
    measure: Duration,
    rounds: u32,
    a: A,
    b: B,
) -> (Throughput, Throughput)
where
    A: Fn(usize) -> AF + Clone + Send + 'static,
    AF: Future<Output = Result<(), String>> + Send,
    B: Fn(usize) -> BF + Clone + Send + 'static,
    BF: Future<Output = Result<(), String>> + Send,
{
    let rounds = rounds.max(1);
    let slice = measure / rounds;
    let mut sums = [Throughput::default(); 2];
    for round in 0..rounds {
        let warm = if round == 0 { warmup } else { warmup / 5 };
        let first = throughput(clients, warm, slice, a.clone()).await;
        let second = throughput(clients, warm, slice, b.clone()).await;
        for (sum, one) in sums.iter_mut().zip([first, second]) {
            sum.requests += one.requests;
            sum.errors += one.errors;
            sum.per_second += one.per_second / f64::from(rounds);
        }
    }
    (sums[0], sums[1])
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

    #[tokio::test]
    async fn in_turn_in_blocks_the_first_after_each_switch_is_not_counted() {
        let calls = std::cell::RefCell::new(Vec::new());
        let (a, b) = paired(
            1,
            6,
            3,
            Duration::from_secs(60),
            |i| {
                calls.borrow_mut().push(('a', i));
                async { Ok(()) }
            },
            |i| {
                calls.borrow_mut().push(('b', i));
                async { Err("refused".to_owned()) }
            },
        )
        .await;
        // Warm-up a, b; then blocks of three, two of each measured: three blocks for six.
        let order: String = calls.borrow().iter().map(|(op, _)| *op).collect();
        assert_eq!(order, "abaaabbbaaabbbaaabbb");
        assert_eq!((a.count(), a.errors), (6, 0));
        assert_eq!((b.count(), b.errors), (6, 6));
        assert_eq!(b.first_error.as_deref(), Some("refused"));
    }

    #[tokio::test]
    async fn throughput_counts_only_the_measured_window() {
        let counted = throughput(
            2,
            Duration::from_millis(50),
            Duration::from_millis(200),
            |_| async {
                tokio::time::sleep(Duration::from_millis(10)).await;
                Ok(())
            },
        )
        .await;
        // Two clients, 10 ms a request, 200 ms measured: about 40, never the warm-up's too.
        assert!(
            (20..=42).contains(&counted.requests),
            "{}",
            counted.requests
        );
        assert_eq!(counted.errors, 0);
        assert!((counted.per_second - counted.requests as f64 / 0.2).abs() < 1e-6);
    }

    #[tokio::test]
    async fn two_throughputs_in_turn_are_summed_over_the_rounds() {
        let order = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (slow, fast) = {
            let (a, b) = (order.clone(), order.clone());
            throughput_in_turn(
                1,
                Duration::from_millis(20),
                Duration::from_millis(300),
                3,
                move |_| {
                    let a = a.clone();
                    async move {
                        a.lock().unwrap().push('a');
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok(())
                    }
                },
                move |_| {
                    let b = b.clone();
                    async move {
                        b.lock().unwrap().push('b');
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        Ok(())
                    }
                },
            )
            .await
        };
        // a's requests, then b's, three times over.
        let order = order.lock().unwrap().clone();
        let switches = order.as_bytes().windows(2).filter(|w| w[0] != w[1]).count();
        assert_eq!(switches, 5, "{order}");
        // One client: at most 50/s at 20 ms a request, 200/s at 5 ms; 100 ms of each a round, the
        // request a round ends in not counted.
        assert!((25.0..=55.0).contains(&slow.per_second), "{slow:?}");
        assert!((80.0..=210.0).contains(&fast.per_second), "{fast:?}");
        assert!(fast.per_second > 2.0 * slow.per_second, "{fast:?} {slow:?}");
    }
}

//! Every figure, then every ratio of issue 9 with PASS or FAIL against its target.

use crate::measure::{Latency, Throughput};
use crate::run::{BackendFigures, SizeFigures};
use std::fmt::Write;

/// A ratio and its target.
#[derive(Debug, Clone)]
pub struct Check {
    pub backend: &'static str,
    pub what: String,
    /// `None` when a figure is missing (every request failed, or a single size was run).
    pub value: Option<f64>,
    pub limit: f64,
    /// `true`: the value must be at most the limit; `false`: at least.
    pub at_most: bool,
    pub note: String,
}

impl Check {
    pub fn passed(&self) -> bool {
        match self.value {
            Some(v) if self.at_most => v <= self.limit,
            Some(v) => v >= self.limit,
            None => false,
        }
    }
}

fn total(value: Option<i64>) -> String {
    value.map_or_else(|| "?".to_owned(), |v| v.to_string())
}

fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}"))
}

fn latency_row(out: &mut String, name: &str, l: &Latency) {
    let errors = if l.errors > 0 {
        format!(
            "  {} of {} failed: {}",
            l.errors,
            l.count(),
            l.first_error
                .as_deref()
                .unwrap_or("")
                .chars()
                .take(160)
                .collect::<String>()
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "    {name:<40} p50 {:>9} ms   p99 {:>9} ms   n={}{errors}",
        ms(l.p50()),
        ms(l.p99()),
        l.count()
    );
}

fn throughput_row(out: &mut String, name: &str, t: &Throughput) {
    let errors = if t.errors > 0 {
        format!("  ({} failed)", t.errors)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "    {name:<40} {:>9.1} requests/s   n={}{errors}",
        t.per_second, t.requests
    );
}

/// Both p99s, when every request of both succeeded.
fn p99_ratio(large: &Latency, small: &Latency) -> Option<f64> {
    if large.errors > 0 || small.errors > 0 {
        return None;
    }
    Some(large.p99()? / small.p99()?)
}

fn failures_note(large: &Latency, small: &Latency) -> String {
    match (large.errors, small.errors) {
        (0, 0) => String::new(),
        (l, s) => format!("failed requests: {s} at the smallest size, {l} at the largest"),
    }
}

/// One latency figure of a size.
type Figure = fn(&SizeFigures) -> &Latency;

pub fn checks(figures: &BackendFigures) -> Vec<Check> {
    let backend = figures.kind.name();
    let mut checks = Vec::new();
    if let (Some(small), Some(large)) = (figures.sizes.first(), figures.sizes.last())
        && figures.sizes.len() > 1
    {
        let growth: [(&str, Figure, f64); 6] = [
            ("curator's first page", |s| &s.my_first_page, 1.5),
            (
                "supervisor's overdue first page",
                |s| &s.overdue_first_page,
                1.5,
            ),
            ("case card", |s| &s.case_card, 1.5),
            ("board", |s| &s.board, 2.0),
            ("recordContact", |s| &s.record_contact, 1.5),
            ("registerSignal", |s| &s.register_signal, 1.5),
        ];
        for (name, figure, limit) in growth {
            checks.push(Check {
                backend,
                what: format!(
                    "{name}: p99 at {} ÷ p99 at {} cases",
                    large.size, small.size
                ),
                value: p99_ratio(figure(large), figure(small)),
                limit,
                at_most: true,
                note: failures_note(figure(large), figure(small)),
            });
        }
        checks.push(Check {
            backend,
            what: format!(
                "memory after listing {} ÷ after listing {} cases",
                large.size, small.size
            ),
            value: Some(large.rss_after_listing_mib / small.rss_after_listing_mib.max(1e-9)),
            limit: 1.2,
            at_most: true,
            note: format!(
                "{:.0} MiB → {:.0} MiB",
                small.rss_after_listing_mib, large.rss_after_listing_mib
            ),
        });
    }
    if let Some(large) = figures.sizes.last() {
        let contact = &figures.contact_paired;
        checks.push(Check {
            backend,
            what: format!(
                "recordContact p99 ÷ raw INSERT + COMMIT p99, in turn (at {} cases)",
                large.size
            ),
            value: (contact.errors == 0)
                .then(|| Some(contact.p99()? / figures.raw_insert.p99()?))
                .flatten(),
            limit: 5.0,
            at_most: true,
            note: format!(
                "{} ms vs {} ms",
                ms(contact.p99()),
                ms(figures.raw_insert.p99())
            ),
        });
    }
    checks.push(Check {
        backend,
        what: "authenticated { __typename } ÷ /health/live throughput".into(),
        value: (figures.typename.errors == 0)
            .then(|| figures.typename.per_second / figures.health_live.per_second.max(1e-9)),
        limit: 0.5,
        at_most: false,
        note: format!(
            "{:.0}/s vs {:.0}/s",
            figures.typename.per_second, figures.health_live.per_second
        ),
    });
    checks.push(Check {
        backend,
        what: "case cards: 8 clients ÷ 1 client throughput".into(),
        value: (figures.card_eight_clients.errors == 0 && figures.card_one_client.errors == 0)
            .then(|| {
                figures.card_eight_clients.per_second / figures.card_one_client.per_second.max(1e-9)
            }),
        limit: 1.5,
        at_most: false,
        note: format!(
            "{:.0}/s vs {:.0}/s",
            figures.card_eight_clients.per_second, figures.card_one_client.per_second
        ),
    });
    checks
}

/// The figures of one backend, as printed.
pub fn figures_text(figures: &BackendFigures) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "== {} — state centre, {:.0} s in all; server memory at start {:.0} MiB",
        figures.kind.name(),
        figures.seconds,
        figures.rss_at_start_mib
    );
    for size in &figures.sizes {
        let _ = writeln!(
            out,
            "  {} cases (seeding +{} records, +{} open obligations, +{} results of obligations: \
             {:.1} s); the curator's list holds {}, the overdue list {}; memory after listing \
             {:.0} MiB",
            size.size,
            size.records,
            size.obligations,
            size.results,
            size.seed_seconds,
            total(size.mine_total),
            total(size.overdue_total),
            size.rss_after_listing_mib
        );
        latency_row(
            &mut out,
            "curator's first page (mine, 50)",
            &size.my_first_page,
        );
        latency_row(
            &mut out,
            "supervisor's first page (overdue, 50)",
            &size.overdue_first_page,
        );
        latency_row(&mut out, "case card", &size.case_card);
        latency_row(&mut out, "board", &size.board);
        latency_row(&mut out, "recordContact", &size.record_contact);
        latency_row(&mut out, "registerSignal", &size.register_signal);
    }
    let largest = figures.sizes.last().map_or(0, |s| s.size);
    let _ = writeln!(out, "  at {largest} cases:");
    throughput_row(
        &mut out,
        "{ __typename } (authenticated, 8 clients)",
        &figures.typename,
    );
    throughput_row(&mut out, "/health/live (8 clients)", &figures.health_live);
    throughput_row(&mut out, "case card, 1 client", &figures.card_one_client);
    throughput_row(
        &mut out,
        "case card, 8 clients",
        &figures.card_eight_clients,
    );
    latency_row(
        &mut out,
        "recordContact, in turn with:",
        &figures.contact_paired,
    );
    latency_row(&mut out, "raw INSERT + COMMIT", &figures.raw_insert);
    out
}

pub fn checks_text(checks: &[Check]) -> String {
    let mut out = String::from("== Targets (issue 9, item 6)\n");
    for check in checks {
        let relation = if check.at_most { "≤" } else { "≥" };
        let value = check
            .value
            .map_or_else(|| "n/a".to_owned(), |v| format!("{v:.2}"));
        let verdict = if check.passed() { "PASS" } else { "FAIL" };
        let note = if check.note.is_empty() {
            String::new()
        } else {
            format!("  ({})", check.note)
        };
        let _ = writeln!(
            out,
            "  {verdict}  [{}] {}: {value} (target {relation} {}){note}",
            check.backend, check.what, check.limit
        );
    }
    out
}

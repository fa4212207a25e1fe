//! Benchmark: every obligation and deadline of one case with a year of history — a clinic case
//! (weekly-then-monthly home visits, plan reviews) and a fund case (plan actions every week or
//! so, quarterly and annual monitoring, all step deadlines). Target: ≤ 20 µs per case.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use kurator_method::obligations::{CaseFacts, evaluate};
use kurator_method::{Calendar, presets};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 13, 7, 0, 0).unwrap()
}

fn fund_case() -> CaseFacts {
    let t = t0();
    let mut f = CaseFacts::opened(t + Duration::days(7))
        .attribute("complexity", "medium")
        .event("signal_received", t)
        .event("visit_team_assigned", t + Duration::hours(5))
        .event("first_visit_done", t + Duration::days(2))
        .event("visit_report_submitted", t + Duration::days(3))
        .event("intake_decision_made", t + Duration::days(6))
        .event("case_folder_created", t + Duration::days(8))
        .event("documents_signed", t + Duration::days(20))
        .event("plan_agreed", t + Duration::days(30));
    for i in 0..40 {
        f = f.plan_action(t + Duration::days(32 + i * 8));
        f = f.contact("meeting", t + Duration::days(31 + i * 8));
    }
    for q in 1..=4 {
        f = f.event("quarterly_monitoring_done", t + Duration::days(7 + q * 88));
        f = f.event("plan_corrected", t + Duration::days(9 + q * 88));
    }
    f
}

fn clinic_case() -> CaseFacts {
    let t = t0();
    let mut f = CaseFacts::opened(t)
        .attribute("placement", "parents")
        .attribute("risk", "medium")
        .event("request_registered", t - Duration::days(2))
        .event("primary_assessment_done", t - Duration::days(1))
        .event("comprehensive_assessment_done", t + Duration::days(30))
        .event("plan_agreed", t + Duration::days(35))
        .event("plan_reviewed", t + Duration::days(200));
    for i in 0..4 {
        f = f.contact("home_visit", t + Duration::days(6 + i * 7));
    }
    for i in 0..11 {
        f = f
            .contact("home_visit", t + Duration::days(55 + i * 28))
            .contact("phone_call", t + Duration::days(60 + i * 28));
    }
    f
}

fn bench(c: &mut Criterion) {
    let now = t0() + Duration::days(365);
    for (name, facts) in [("fund", fund_case()), ("clinic", clinic_case())] {
        let v = presets::load(name).unwrap();
        let cal = Calendar::for_variant(&v).unwrap();
        let n = evaluate(&v, &facts, now, &cal).obligations.len();
        c.bench_function(
            &format!("evaluate {name} case, one year of history ({n} obligations)"),
            |b| {
                b.iter(|| {
                    evaluate(
                        black_box(&v),
                        black_box(&facts),
                        black_box(now),
                        black_box(&cal),
                    )
                })
            },
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

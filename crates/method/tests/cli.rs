//! `kurator variant check` and `kurator variant diff`, as the gateway binary calls them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kurator_method::{cli, presets};

const BROKEN: &str = include_str!("data/broken.toml");

#[test]
fn checking_the_broken_variant_lists_every_error_with_its_path_and_fails() {
    let (out, code) = cli::check("broken.toml", BROKEN);
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    let expected = [
        "broken.toml: calendar: unknown calendar region \"by\": expected one of \"ru\", \"kz\"",
        "broken.toml: stages[1].steps[0].roles[0]: unknown role \"psychologist\": expected one of \"curator\"",
        "broken.toml: stages[1].steps[1].deadline.after: unknown event \"report_submitted\": expected a declared event or one of \"case_opened\", \"case_closed\", \"post_support_started\"",
        "broken.toml: stages[3].phase: missing canonical phase: every stage must map onto one of intake, assessment, planning, implementation, monitoring, closure, post_support",
        "broken.toml: transitions[1].to: unknown stage \"closing\": expected one of \"closure\", \"intake\", \"orphan\", \"visit\"",
        "broken.toml: stages[2]: stage \"orphan\" is unreachable: no chain of transitions leads to it from the first stage \"intake\"",
        "broken.toml: stages[3]: stage \"closure\" is unreachable: no chain of transitions leads to it from the first stage \"intake\"",
        "broken.toml: stages[2]: stage \"orphan\" is a dead end: expected a transition out of it (only closure or post-support stages may end a case)",
        "broken.toml: scoring[0].bands[2].canonical: unknown canonical risk band \"severe\": expected one of none, low, medium, high",
        "broken.toml: scoring[0].bands[1].min: band \"medium\" (3–4) overlaps band \"low\" (2–3)",
        "broken.toml: scoring[0].bands[2].min: gap: scores 5–5 fall into no band",
        "broken.toml: caseload.min_total: contradictory caseload: at least 15 but at most 10 cases",
        "broken.toml: caseload.sub_limits[0].max: contradictory caseload: sub-limit 12 is above the total maximum 10",
        "broken.toml: 13 error(s)",
    ];
    assert_eq!(lines, expected);
}

#[test]
fn checking_a_preset_prints_a_short_summary_and_succeeds() {
    let (out, code) = cli::check("clinic.toml", presets::source("clinic").unwrap());
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("clinic.toml: ok\nvariant \"clinic\" version 1"));
    assert!(out.contains("7 stages, 13 steps"));
}

#[test]
fn an_unknown_field_is_reported_with_its_path() {
    let src = presets::source("fund")
        .unwrap()
        .replacen("optional = true", "optinal = true", 1);
    let (out, code) = cli::check("fund.toml", &src);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("fund.toml: stages[2].steps[2].optinal: unknown field `optinal`"),
        "{out}"
    );
}

#[test]
fn diff_lists_a_moved_deadline_by_stage_and_step_key() {
    let old = presets::source("fund").unwrap();
    let new = old.replacen("version = 1", "version = 2", 1).replacen(
        "within = { working_days = 3 }, source = \"seed 000 §6 table 1, step «Выезд в семью»",
        "within = { working_days = 5 }, source = \"seed 000 §6 table 1, step «Выезд в семью»",
        1,
    );
    let (out, code) = cli::diff("fund-v1.toml", old, "fund-v2.toml", &new);
    assert_eq!(code, 1);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "fund v1 → fund v2",
            "~ stages[first_visit].steps[visit_family].deadline.within.working_days: 3 → 5",
            "~ version: 1 → 2",
            "2 change(s)"
        ]
    );
    assert_eq!(
        cli::diff("a.toml", old, "b.toml", old),
        ("fund v1 → fund v1\nno changes\n".to_string(), 0)
    );
}

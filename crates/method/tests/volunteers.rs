//! The «volunteers» preset against seed 001 («Помощь семьям в сложной жизненной ситуации»).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{msk, preset};
use kurator_method::caseload::{self, CaseloadDecision, CuratorLoad, LoadCase, Proposed};
use kurator_method::decisions::{self, DecisionRecord, DecisionStatus, Vote};
use kurator_method::obligations::{CaseFacts, evaluate};
use kurator_method::scoring::ClassificationHistory;
use kurator_method::transitions::{self, CaseState, Provided, StepRejection};
use kurator_method::vocabulary::Readiness;

// seed 001 §1.6: no rigid time limits for the support or its stages — a variant with no deadlines.
#[test]
fn a_variant_with_no_deadlines_is_valid_and_a_year_long_case_owes_nothing() {
    let (v, cal) = preset("volunteers");
    assert_eq!(v.deadlines().count(), 0);
    assert!(v.doc().recurring.is_empty());
    let mut facts = CaseFacts::opened(msk("2024-06-01 10:00"))
        .event("request_received", msk("2024-05-20 10:00"));
    for m in 1..=12 {
        facts = facts.plan_action(msk(&format!("2024-{:02}-15 10:00", (m % 12) + 1)));
    }
    assert!(
        evaluate(&v, &facts, msk("2025-06-01 10:00"), &cal)
            .obligations
            .is_empty()
    );
}

// seed 001 §2.7: no more than 15 families per case manager.
#[test]
fn a_case_manager_with_fifteen_families_cannot_take_another() {
    let (v, _) = preset("volunteers");
    let load = |n| CuratorLoad {
        active: (0..n).map(|_| LoadCase::default()).collect(),
        post_support: 0,
    };
    assert_eq!(
        caseload::evaluate(&v, &load(14), &Proposed::default()),
        CaseloadDecision::Allowed
    );
    assert_eq!(
        caseload::evaluate(&v, &load(15), &Proposed::default()),
        CaseloadDecision::Refused("Куратор ведёт 15 семей из 15 допустимых".into())
    );
}

// seed 001 §6.2: a case opens only after a team vote on the first-visit report.
#[test]
fn a_case_opens_only_after_the_team_votes_to_open_it() {
    let (v, cal) = preset("volunteers");
    let def = v.decision("open_case_vote").unwrap();
    let rec = DecisionRecord {
        votes: vec![
            Vote::new("case_manager", "Анна", "open"),
            Vote::new("team", "Команда", "open"),
            Vote::new("coordinator", "Ирина", "decline"),
        ],
        ..Default::default()
    };
    assert_eq!(
        decisions::evaluate(def, &rec),
        DecisionStatus::Decided {
            outcome: "open".into(),
            by: "team".into()
        }
    );
    let mut state = CaseState::at("first_visit");
    state.completed_steps = ["visit", "vote_to_open"].map(String::from).into();
    let now = msk("2025-03-10 10:00");
    let blocked = transitions::check_transition(
        &v,
        &state,
        "assessment",
        "case_manager",
        &Provided::default(),
        now,
        &cal,
    );
    assert_eq!(
        blocked.unwrap_err(),
        vec![StepRejection::MissingDecision {
            decision: "open_case_vote".into()
        }]
    );
    let opened = transitions::check_transition(
        &v,
        &state,
        "assessment",
        "case_manager",
        &Provided::default().decision("open_case_vote", "open"),
        now,
        &cal,
    );
    assert!(opened.is_ok());
}

// seed 001 §1.6: a case can move between types; the type is part of monitoring.
#[test]
fn a_motivational_case_becomes_ordinary_and_the_history_keeps_both() {
    let (v, _) = preset("volunteers");
    let mut h = ClassificationHistory::new(&v, "case_type").unwrap();
    h.record(&v, msk("2024-01-10 10:00"), "motivational")
        .unwrap();
    h.record(&v, msk("2024-06-01 10:00"), "ordinary").unwrap();
    assert!(h.record(&v, msk("2024-07-01 10:00"), "hopeless").is_err());
    assert_eq!(
        h.history.at(msk("2024-03-01 10:00")).map(String::as_str),
        Some("motivational")
    );
    assert_eq!(h.history.current().map(String::as_str), Some("ordinary"));
    let changes: Vec<_> = h
        .history
        .changes()
        .map(|c| (c.from.cloned(), c.to.clone()))
        .collect();
    assert_eq!(
        changes,
        vec![
            (None, "motivational".to_string()),
            (Some("motivational".to_string()), "ordinary".to_string())
        ]
    );
}

// seed 001 §2.3, §3.3: the five stages of readiness to change, tracked over time.
#[test]
fn readiness_to_change_has_the_five_transtheoretical_stages_and_is_tracked() {
    let (v, _) = preset("volunteers");
    let c = v.classification("readiness").unwrap();
    assert!(c.tracked);
    let canon: Vec<Readiness> = c
        .values
        .iter()
        .filter_map(|x| x.canonical.as_deref().and_then(Readiness::parse))
        .collect();
    assert_eq!(canon, Readiness::ALL.to_vec());
    assert_eq!(c.values[1].name.ru, "Сомнения");
}

// seed 001 §2.4, §4.1: 26 of 32 families (81%) in 2019.
#[test]
fn the_baseline_indicator_for_2019_is_26_of_32_families() {
    let (v, _) = preset("volunteers");
    let ind = v
        .doc()
        .indicators
        .iter()
        .find(|i| i.key == "families_child_safe")
        .unwrap();
    let b = ind.baseline.iter().find(|b| b.year == 2019).unwrap();
    assert_eq!((b.numerator, b.denominator), (26, 32));
    assert_eq!((b.numerator * 100 + b.denominator / 2) / b.denominator, 81);
}

// seed 001 §2.4: parental rights restored are counted «от всех семей, которым оказывали
// поддержку в отчётном году» — over every family supported, not only the closed ones; the other
// social results over the cases closed in the year.
#[test]
fn parental_rights_are_counted_over_every_family_supported_in_the_year() {
    use kurator_method::schema::{IndicatorPopulation, IndicatorUnit};
    let (v, _) = preset("volunteers");
    let of = |key: &str| {
        v.doc()
            .indicators
            .iter()
            .find(|i| i.key == key)
            .unwrap_or_else(|| panic!("{key}"))
    };
    for (key, unit) in [
        ("families_rights_restored", IndicatorUnit::Families),
        ("children_rights_restored", IndicatorUnit::Children),
    ] {
        let indicator = of(key);
        assert_eq!(indicator.outcome, "rights_restored");
        assert_eq!(indicator.unit, unit);
        assert_eq!(indicator.population, IndicatorPopulation::SupportedInPeriod);
    }
    for key in [
        "families_child_safe",
        "children_child_safe",
        "children_quality_of_life",
    ] {
        assert_eq!(of(key).population, IndicatorPopulation::ClosedInPeriod);
    }
}

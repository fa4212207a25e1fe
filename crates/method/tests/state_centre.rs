//! The «state_centre» preset against seed 003 (ОКУ «Льговский центр «Доверие», приказ № 70).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::{msk, preset};
use kurator_method::caseload::{
    self, CaseloadDecision, CuratorLoad, LoadCase, Proposed, with_caps_mode,
};
use kurator_method::obligations::{CaseFacts, ObligationKind, Status, evaluate};
use kurator_method::schema::CapsMode;
use kurator_method::transitions::{self, CaseState, Provided, StepRejection};

fn families(sop: usize, tzhs: usize, support: usize) -> CuratorLoad {
    let mut active = Vec::new();
    for (n, cat) in [(sop, "sop"), (tzhs, "tzhs"), (support, "needs_support")] {
        active.extend((0..n).map(|_| LoadCase::with("family_category", cat)));
    }
    CuratorLoad {
        active,
        post_support: 0,
    }
}

fn new_family(cat: &str) -> Proposed {
    Proposed {
        case: LoadCase::with("family_category", cat),
        post_support: false,
    }
}

// seed 003 §3.1: inform the working group within 5 working days; §1.5.2, §3.1: the draft
// programme within 10 working days of receiving the information.
#[test]
fn working_group_within_5_and_draft_programme_within_10_working_days_around_the_may_holidays() {
    let (v, cal) = preset("state_centre");
    let facts = CaseFacts::opened(msk("2025-04-30 10:00"))
        .event("information_received", msk("2025-04-30 10:00"));
    let ev = evaluate(&v, &facts, msk("2025-05-06 10:00"), &cal);
    // after Wed 30 Apr: 1–2 May off, 5, 6, 7 worked, 8–9 May off, 12, 13 …
    assert_eq!(
        ev.deadline("inform_working_group").unwrap().due,
        msk("2025-05-13 23:59:59")
    );
    assert_eq!(
        ev.deadline("present_draft_programme").unwrap().due,
        msk("2025-05-20 23:59:59")
    );
}

// seed 003 §1.5.2: the approved programme goes to all bodies concerned within 3 working days.
#[test]
fn approved_programme_is_sent_within_3_working_days_of_approval() {
    let (v, cal) = preset("state_centre");
    let facts = CaseFacts::opened(msk("2025-05-05 10:00"))
        .event("information_received", msk("2025-05-05 10:00"))
        .event("programme_approved", msk("2025-05-15 16:00"))
        .event("programme_sent", msk("2025-05-21 09:00"));
    let ev = evaluate(&v, &facts, msk("2025-05-22 10:00"), &cal);
    let o = ev.deadline("send_programme").unwrap();
    assert_eq!(o.due, msk("2025-05-20 23:59:59"));
    assert_eq!(o.status, Status::MetLate);
}

// seed 003 §1.8, both readings of the caps; the preset defaults to the weighted one.
#[test]
fn a_state_centre_curator_with_five_sop_families_and_one_tzhs_family_cannot_take_another_sop_family()
 {
    let (v, _) = preset("state_centre");
    assert_eq!(
        v.caseload().unwrap().categories.as_ref().unwrap().mode,
        CapsMode::Weighted
    );
    let d = caseload::evaluate(&v, &families(5, 1, 0), &new_family("sop"));
    assert_eq!(
        d,
        CaseloadDecision::Refused("Куратор ведёт 5 семей в СОП и 1 семью в ТЖС — это 0,92 полной нагрузки; ещё одна семья в СОП (1/6 нагрузки) даст 1,08 из 1 допустимой".into())
    );
    // read as independent caps, the sixth СОП family fits
    let independent = with_caps_mode(v.caseload().unwrap(), CapsMode::Independent);
    assert_eq!(
        caseload::evaluate_policy(&v, &independent, &families(5, 1, 0), &new_family("sop")),
        CaseloadDecision::Allowed
    );
}

#[test]
fn with_independent_caps_six_sop_families_are_the_limit() {
    let (v, _) = preset("state_centre");
    let independent = with_caps_mode(v.caseload().unwrap(), CapsMode::Independent);
    let d = caseload::evaluate_policy(&v, &independent, &families(6, 11, 23), &new_family("sop"));
    assert_eq!(
        d,
        CaseloadDecision::Refused("Куратор ведёт 6 семей в СОП из 6 допустимых".into())
    );
    assert_eq!(
        caseload::evaluate_policy(&v, &independent, &families(6, 11, 23), &new_family("tzhs")),
        CaseloadDecision::Allowed
    );
    let d = caseload::evaluate_policy(&v, &independent, &families(0, 12, 0), &new_family("tzhs"));
    assert_eq!(
        d,
        CaseloadDecision::Refused("Куратор ведёт 12 семей в ТЖС из 12 допустимых".into())
    );
    let d = caseload::evaluate_policy(
        &v,
        &independent,
        &families(0, 0, 24),
        &new_family("needs_support"),
    );
    assert_eq!(
        d,
        CaseloadDecision::Refused(
            "Куратор ведёт 24 семьи нуждающихся в поддержке из 24 допустимых".into()
        )
    );
}

#[test]
fn weighted_capacity_counts_a_sop_family_as_1_6_a_tzhs_family_as_1_12_and_a_support_family_as_1_24()
{
    let (v, _) = preset("state_centre");
    // 3/6 + 5/12 + 1/24 = 23/24: one more support family makes exactly a full load
    assert_eq!(
        caseload::evaluate(&v, &families(3, 5, 1), &new_family("needs_support")),
        CaseloadDecision::Allowed
    );
    assert!(!caseload::evaluate(&v, &families(3, 5, 1), &new_family("tzhs")).is_allowed());
    assert!(
        !caseload::evaluate(&v, &families(0, 0, 24), &new_family("needs_support")).is_allowed()
    );
    assert!(caseload::evaluate(&v, &families(0, 11, 0), &new_family("tzhs")).is_allowed());
}

// seed 003 §3.1: home visit at least once a month.
#[test]
fn the_family_is_visited_at_home_at_least_monthly() {
    let (v, cal) = preset("state_centre");
    let facts = CaseFacts::opened(msk("2025-01-15 10:00"))
        .event("information_received", msk("2025-01-15 10:00"))
        .contact("home_visit", msk("2025-02-10 11:00"))
        .contact("phone_call", msk("2025-03-05 11:00"))
        .contact("home_visit", msk("2025-03-20 11:00"));
    let ev = evaluate(&v, &facts, msk("2025-04-01 10:00"), &cal);
    let visits: Vec<_> = ev
        .recurring("monthly_home_visit")
        .map(|o| (o.due, o.status))
        .collect();
    assert_eq!(
        visits,
        vec![
            (msk("2025-02-15 23:59:59"), Status::Met),
            (msk("2025-03-10 23:59:59"), Status::MetLate), // a phone call is not a visit
            (msk("2025-04-20 23:59:59"), Status::Upcoming),
        ]
    );
}

// seed 003 §1.5.3: the activity stage lasts at most 1 year.
#[test]
fn the_activity_stage_lasts_at_most_a_year() {
    let (v, cal) = preset("state_centre");
    let facts =
        CaseFacts::opened(msk("2025-01-15 10:00")).stage("activity", msk("2025-02-01 10:00"));
    let ev = evaluate(&v, &facts, msk("2026-02-02 10:00"), &cal);
    let o = ev
        .find(&ObligationKind::StageLimit {
            stage: "activity".into(),
            n: 1,
        })
        .unwrap();
    assert_eq!(
        (o.due, o.status),
        (msk("2026-02-01 23:59:59"), Status::Overdue)
    );
}

// seed 003 §1.5.4: the reflective stage lasts 1 to 3 months.
#[test]
fn the_reflective_stage_cannot_end_before_a_month_and_is_overdue_after_three() {
    let (v, cal) = preset("state_centre");
    let mut state = CaseState::at("reflective");
    state.stage_entered_at = Some(msk("2025-06-02 10:00"));
    state.completed_steps = ["final_monitoring", "decide_continue_or_stop"]
        .map(String::from)
        .into();
    state
        .decisions
        .insert("continue_or_stop".into(), "stop".into());
    let early = transitions::check_transition(
        &v,
        &state,
        "supporting",
        "family_curator",
        &Provided::default(),
        msk("2025-06-20 10:00"),
        &cal,
    );
    assert_eq!(
        early.unwrap_err(),
        vec![StepRejection::StageTooShort {
            stage: "reflective".into(),
            until: msk("2025-07-02 23:59:59")
        }]
    );
    assert!(
        transitions::check_transition(
            &v,
            &state,
            "supporting",
            "family_curator",
            &Provided::default(),
            msk("2025-07-03 10:00"),
            &cal
        )
        .is_ok()
    );
    let facts =
        CaseFacts::opened(msk("2025-01-15 10:00")).stage("reflective", msk("2025-06-02 10:00"));
    let ev = evaluate(&v, &facts, msk("2025-09-03 10:00"), &cal);
    let o = ev
        .find(&ObligationKind::StageLimit {
            stage: "reflective".into(),
            n: 1,
        })
        .unwrap();
    assert_eq!(
        (o.due, o.status),
        (msk("2025-09-02 23:59:59"), Status::Overdue)
    );
}

// seed 003 §1.5.5: the supporting stage lasts no more than 1 month.
#[test]
fn the_supporting_stage_lasts_at_most_a_month() {
    let (v, cal) = preset("state_centre");
    let facts = CaseFacts::opened(msk("2025-01-15 10:00"))
        .stage("supporting", msk("2025-07-03 10:00"))
        .stage("closed", msk("2025-07-30 10:00"));
    let ev = evaluate(&v, &facts, msk("2025-08-10 10:00"), &cal);
    let o = ev
        .find(&ObligationKind::StageLimit {
            stage: "supporting".into(),
            n: 1,
        })
        .unwrap();
    assert_eq!(
        (o.due, o.status, o.met_at),
        (
            msk("2025-08-03 23:59:59"),
            Status::Met,
            Some(msk("2025-07-30 10:00"))
        )
    );
}

// seed 003 §6.1.2: no antisocial-behaviour facts for at least 3 months.
#[test]
fn no_antisocial_behaviour_for_three_months_is_checked_from_the_facts() {
    let (v, cal) = preset("state_centre");
    let facts = CaseFacts::opened(msk("2025-01-15 10:00"))
        .event("antisocial_behaviour_fact", msk("2025-03-10 10:00"));
    let none = BTreeSet::new();
    let before = transitions::closure_check(&v, &none, Some(&facts), msk("2025-06-09 10:00"), &cal);
    assert!(
        before
            .missing
            .contains(&"no_antisocial_behaviour".to_string())
    );
    assert!(
        before.allowed && before.advisory,
        "the state centre's criteria inform the working group's decision"
    );
    let after = transitions::closure_check(&v, &none, Some(&facts), msk("2025-06-11 10:00"), &cal);
    assert!(after.met.contains(&"no_antisocial_behaviour".to_string()));
}

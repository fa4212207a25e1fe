//! The «clinic» preset against seed 004 (СОП социального работника ПМСП, Республика Казахстан).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{almaty, preset};
use kurator_method::obligations::{CaseFacts, Status, evaluate, post_closure_window};
use kurator_method::schema::ReopeningMode;
use kurator_method::scoring;
use kurator_method::transitions::{self, CaseState};
use kurator_method::vocabulary::RiskBand;

// seed 004 §7, 1-этап: urgent protective action within one hour for a high-risk child.
#[test]
fn a_high_risk_child_gets_urgent_protective_action_within_one_hour() {
    let (v, cal) = preset("clinic");
    let facts = CaseFacts::opened(almaty("2025-03-03 10:00"))
        .attribute("risk", "high")
        .event("request_registered", almaty("2025-03-03 10:00"))
        .event("high_risk_identified", almaty("2025-03-03 10:00"));
    let o = |now| {
        evaluate(&v, &facts, now, &cal)
            .deadline("urgent_protection")
            .cloned()
            .unwrap()
    };
    assert_eq!(
        o(almaty("2025-03-03 10:10")).due,
        almaty("2025-03-03 11:00")
    );
    assert_eq!(
        o(almaty("2025-03-03 10:10")).status,
        Status::Due,
        "the reminder window of the clinic is one hour"
    );
    assert_eq!(o(almaty("2025-03-03 11:05")).status, Status::Overdue);
    let done = facts
        .clone()
        .event("urgent_action_taken", almaty("2025-03-03 10:40"));
    assert_eq!(
        evaluate(&v, &done, almaty("2025-03-03 12:00"), &cal)
            .deadline("urgent_protection")
            .unwrap()
            .status,
        Status::Met
    );
}

#[test]
fn a_medium_risk_child_has_no_one_hour_deadline_but_a_primary_assessment() {
    let (v, cal) = preset("clinic");
    let facts = CaseFacts::opened(almaty("2025-03-03 10:00"))
        .attribute("risk", "medium")
        .event("request_registered", almaty("2025-03-03 10:00"));
    assert!(
        evaluate(&v, &facts, almaty("2025-03-03 12:00"), &cal)
            .deadline("urgent_protection")
            .is_none()
    );
    let mut state = CaseState::at("urgent_or_primary");
    state.attributes.insert("risk".into(), "medium".into());
    assert!(
        transitions::check_step(
            &v,
            &state,
            "urgent_protection",
            "social_worker",
            &Default::default()
        )
        .is_err()
    );
    let ok = transitions::check_step(
        &v,
        &state,
        "primary_assessment",
        "social_worker",
        &transitions::Provided::default().decision("primary_assessment_result", "confirmed"),
    );
    assert!(ok.is_ok());
}

// seed 004 §7, 1-этап: high / medium / low levels mapped onto the canonical bands.
#[test]
fn triage_levels_map_onto_canonical_risk_bands() {
    let (v, _) = preset("clinic");
    for (level, band) in [
        ("high", RiskBand::High),
        ("medium", RiskBand::Medium),
        ("low", RiskBand::Low),
        ("none", RiskBand::None),
    ] {
        let value = scoring::classify(&v, "risk", level).unwrap();
        assert_eq!(
            value.canonical.as_deref().and_then(RiskBand::parse),
            Some(band)
        );
    }
    assert!(scoring::classify(&v, "risk", "extreme").is_err());
}

// seed 004 §7, 3-этап: the comprehensive assessment within at most 6 weeks.
#[test]
fn the_comprehensive_assessment_is_due_six_weeks_after_the_file_is_opened() {
    let (v, cal) = preset("clinic");
    let ev = evaluate(
        &v,
        &CaseFacts::opened(almaty("2025-03-03 10:00")),
        almaty("2025-03-10 10:00"),
        &cal,
    );
    assert_eq!(
        ev.deadline("comprehensive_assessment").unwrap().due,
        almaty("2025-04-14 23:59:59")
    );
}

// seed 004 §7, 3-этап «Реализация»: with parents — weekly in the first month, then monthly.
#[test]
fn a_child_with_parents_is_visited_weekly_in_the_first_month_then_monthly() {
    let (v, cal) = preset("clinic");
    let mut facts = CaseFacts::opened(almaty("2025-03-03 09:00")).attribute("placement", "parents");
    for day in [
        "2025-03-07",
        "2025-03-14",
        "2025-03-21",
        "2025-03-28",
        "2025-04-25",
    ] {
        facts = facts.contact("home_visit", almaty(&format!("{day} 11:00")));
    }
    let ev = evaluate(&v, &facts, almaty("2025-05-01 10:00"), &cal);
    let dues: Vec<_> = ev
        .recurring("contact_with_parents")
        .map(|o| (o.due, o.status))
        .collect();
    assert_eq!(
        dues,
        vec![
            (almaty("2025-03-10 23:59:59"), Status::Met),
            (almaty("2025-03-14 23:59:59"), Status::Met),
            (almaty("2025-03-21 23:59:59"), Status::Met),
            (almaty("2025-03-28 23:59:59"), Status::Met),
            // the first month ends on 3 April: from then on, monthly
            (almaty("2025-04-28 23:59:59"), Status::Met),
            (almaty("2025-05-25 23:59:59"), Status::Upcoming),
        ]
    );
    let late = CaseFacts::opened(almaty("2025-03-03 09:00")).attribute("placement", "parents");
    assert_eq!(
        evaluate(&v, &late, almaty("2025-03-12 10:00"), &cal)
            .recurring("contact_with_parents")
            .next()
            .map(|o| o.status),
        Some(Status::Overdue)
    );
}

// seed 004 §7, 3-этап «Реализация»: extended family — monthly for the first 3 months, then as needed.
#[test]
fn a_child_in_the_extended_family_is_visited_monthly_for_three_months_only() {
    let (v, cal) = preset("clinic");
    let facts = CaseFacts::opened(almaty("2025-03-03 09:00"))
        .attribute("placement", "extended_family")
        .contact("home_visit", almaty("2025-03-30 11:00"))
        .contact("home_visit", almaty("2025-04-28 11:00"))
        .contact("home_visit", almaty("2025-05-27 11:00"));
    let ev = evaluate(&v, &facts, almaty("2025-09-01 10:00"), &cal);
    let dues: Vec<_> = ev
        .recurring("contact_with_extended_family")
        .map(|o| (o.due, o.status))
        .collect();
    assert_eq!(
        dues,
        vec![
            (almaty("2025-04-03 23:59:59"), Status::Met),
            (almaty("2025-04-30 23:59:59"), Status::Met),
            (almaty("2025-05-28 23:59:59"), Status::Met)
        ],
        "after three months nothing more is owed"
    );
}

// seed 004 §7, 3-этап «Реализация»: institution or foster family — phone contact monthly.
#[test]
fn a_child_in_an_institution_gets_a_monthly_phone_call_and_no_home_visits() {
    let (v, cal) = preset("clinic");
    let facts = CaseFacts::opened(almaty("2025-03-03 09:00"))
        .attribute("placement", "institution")
        .contact("phone_call", almaty("2025-03-25 11:00"));
    let ev = evaluate(&v, &facts, almaty("2025-04-01 10:00"), &cal);
    let calls: Vec<_> = ev
        .recurring("phone_contact_placement")
        .map(|o| (o.due, o.status))
        .collect();
    assert_eq!(
        calls,
        vec![
            (almaty("2025-04-03 23:59:59"), Status::Met),
            (almaty("2025-04-25 23:59:59"), Status::Upcoming)
        ]
    );
    assert_eq!(ev.recurring("contact_with_parents").count(), 0);
}

// seed 004 §7, 3-этап «Пересмотр»: the plan is reviewed every six months.
#[test]
fn the_plan_is_reviewed_every_six_months() {
    let (v, cal) = preset("clinic");
    let facts = CaseFacts::opened(almaty("2025-03-03 09:00"))
        .event("plan_agreed", almaty("2025-04-01 10:00"))
        .event("plan_reviewed", almaty("2025-09-25 10:00"));
    let ev = evaluate(&v, &facts, almaty("2025-10-01 10:00"), &cal);
    let reviews: Vec<_> = ev
        .recurring("plan_review")
        .map(|o| (o.due, o.status))
        .collect();
    assert_eq!(
        reviews,
        vec![
            (almaty("2025-10-01 23:59:59"), Status::Met),
            (almaty("2026-03-25 23:59:59"), Status::Upcoming)
        ]
    );
}

// seed 004 §7, 4-этап: follow-up for 3 to 6 months after closure.
#[test]
fn follow_up_after_closure_lasts_three_to_six_months() {
    let (v, cal) = preset("clinic");
    let w = post_closure_window(&v, almaty("2025-09-10 15:00"), &cal).unwrap();
    assert_eq!(
        w,
        (
            Some(almaty("2025-12-10 23:59:59")),
            Some(almaty("2026-03-10 23:59:59"))
        )
    );
}

// seed 004 §7, 4-этап: on relapse the case is reopened and goes through all steps again.
#[test]
fn on_relapse_the_same_case_goes_through_all_steps_again() {
    let (v, _) = preset("clinic");
    let mut closed = CaseState::at("follow_up");
    closed.opened_at = Some(almaty("2025-03-03 09:00"));
    closed.completed_steps = [
        "register_request",
        "open_file",
        "comprehensive_assessment",
        "close_file",
    ]
    .map(String::from)
    .into();
    closed.artefacts = ["personal_file", "comprehensive_assessment_report"]
        .map(String::from)
        .into();
    let r = transitions::reopen(&v, &closed, almaty("2026-01-15 10:00")).unwrap();
    assert_eq!(r.mode, ReopeningMode::SameCaseAllSteps);
    assert!(!r.new_case);
    assert_eq!(r.state.stage, "registration");
    assert!(r.state.completed_steps.is_empty());
    assert_eq!(r.state.opened_at, closed.opened_at, "the same case");
    assert!(r.state.artefacts.contains("personal_file"));
}

// seed 004 Appendix 3: the sections of the comprehensive assessment report.
#[test]
fn the_comprehensive_assessment_report_has_the_sections_of_appendix_3() {
    let (v, _) = preset("clinic");
    let a = v.artefact("comprehensive_assessment_report").unwrap();
    let sections: Vec<&str> = a.sections.iter().map(|s| s.name.ru.as_str()).collect();
    assert_eq!(sections.len(), 10);
    assert_eq!(sections[0], "Информация о ребёнке и семье");
    assert_eq!(sections[9], "Подпись и комментарии семьи");
    let analysis = a.sections.iter().find(|s| s.key == "analysis").unwrap();
    assert_eq!(
        analysis.fields.len(),
        7,
        "strengths, concerns, consequences, response, safety, change, help"
    );
}

// seed 004 §3: «детей в возрасте 0-5 лет»; Appendix 1: «Дата рождения или приблизительный
// возраст». Completed years: the range ends on the day before the 6th birthday.
#[test]
fn the_clinic_works_with_children_from_birth_to_the_day_before_their_sixth_birthday() {
    use chrono::NaiveDate;
    use kurator_method::age::{self, AgeProblem, StatedAge};
    use serde_json::json;

    let (v, _) = preset("clinic");
    let spec = v.doc().subject_age.clone().unwrap();
    assert_eq!((spec.min_years, spec.max_years), (0, 5));
    assert_eq!(spec.field, "birth_date");
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let on = day("2026-04-06");
    let check =
        |value: serde_json::Value| age::check(&spec, &json!({ "birth_date": value }), on, true);
    assert_eq!(check(json!("2020-04-07")), Ok(()));
    assert_eq!(
        check(json!("2020-04-06")),
        Err(AgeProblem::OutOfRange { years: 6 })
    );
    assert_eq!(check(json!("2024-02-29")), Ok(()));
    assert_eq!(check(json!("2026-04-07")), Err(AgeProblem::BornLater));
    assert_eq!(check(json!("шесть")), Err(AgeProblem::Unreadable));
    assert_eq!(check(json!("")), Err(AgeProblem::Missing));
    // the camelCase spelling of GraphQL clients is read too
    assert_eq!(
        age::check(&spec, &json!({ "birthDate": "7 лет" }), on, true),
        Err(AgeProblem::OutOfRange { years: 7 })
    );
    // when a case is opened from a request already checked, only the range is checked again
    assert_eq!(age::check(&spec, &json!({}), on, false), Ok(()));

    for (text, months) in [
        ("3", 36),
        ("3 года", 36),
        ("около 4 лет", 48),
        ("1 год 2 мес.", 14),
        ("1,5 года", 18),
        ("8 месяцев", 8),
        ("3 недели", 0),
        ("новорождённый", 0),
        ("5 лет 11 месяцев", 71),
        ("2 жас", 24),
    ] {
        assert_eq!(
            age::parse_text(text),
            Some(StatedAge::Approximate { months }),
            "{text}"
        );
    }
    assert_eq!(
        age::parse_text("15.01.2023"),
        Some(StatedAge::BirthDate(day("2023-01-15")))
    );
    for text in ["", "пять лет", "1 год 2", "3 4"] {
        assert_eq!(age::parse_text(text), None, "{text}");
    }
    assert_eq!(
        [1, 2, 5, 11, 21, 22, 112].map(age::years_ru),
        [
            "1 год",
            "2 года",
            "5 лет",
            "11 лет",
            "21 год",
            "22 года",
            "112 лет"
        ]
    );
}

#[test]
fn an_age_range_that_accepts_nobody_is_reported_with_its_path() {
    let src = kurator_method::presets::source("clinic").unwrap().replacen(
        "subject_age = { max_years = 5, field = \"birth_date\"",
        "subject_age = { min_years = 6, max_years = 5, field = \"Birth date\"",
        1,
    );
    let errs = kurator_method::Variant::from_toml_str(&src).unwrap_err();
    assert!(errs.has_path("subject_age.min_years"), "{errs}");
    assert!(errs.has_path("subject_age.field"), "{errs}");
}

// seed 004 §7, 1-этап: urgent action «в течение одного часа» once high risk is identified — also
// when a medium risk turns out to be high later, during the primary assessment.
#[test]
fn the_one_hour_deadline_counts_from_when_the_risk_became_high() {
    use std::collections::BTreeMap;
    let (v, cal) = preset("clinic");
    let attrs = |risk: &str| BTreeMap::from([("risk".to_string(), risk.to_string())]);
    assert_eq!(
        v.attribute_events(&BTreeMap::new(), &attrs("high")),
        ["high_risk_identified"]
    );
    assert_eq!(
        v.attribute_events(&attrs("medium"), &attrs("high")),
        ["high_risk_identified"]
    );
    assert!(
        v.attribute_events(&attrs("high"), &attrs("high"))
            .is_empty()
    );
    assert!(
        v.attribute_events(&attrs("high"), &attrs("medium"))
            .is_empty()
    );

    let facts = CaseFacts::opened(almaty("2025-03-03 10:00"))
        .attribute("risk", "high")
        .event("request_registered", almaty("2025-03-03 10:00"))
        .event("high_risk_identified", almaty("2025-03-05 15:20"));
    let o = evaluate(&v, &facts, almaty("2025-03-05 15:30"), &cal)
        .deadline("urgent_protection")
        .cloned()
        .unwrap();
    assert_eq!(
        (o.from, o.due),
        (almaty("2025-03-05 15:20"), almaty("2025-03-05 16:20"))
    );
    assert_eq!(o.status, Status::Due);
}

// seed 004 §7, 3-этап «Реализация»: the cadence depends on where the child lives; when the
// placement changes, «еженедельно в первый месяц» counts again from the change.
#[test]
fn a_change_of_placement_starts_the_contact_cadence_again() {
    use std::collections::BTreeMap;
    let (v, cal) = preset("clinic");
    let placement = |p: &str| BTreeMap::from([("placement".to_string(), p.to_string())]);
    assert_eq!(
        v.attribute_events(&placement("institution"), &placement("parents")),
        ["placement_changed"]
    );
    // home with the parents since 3 March; monthly contacts by May; back from the extended
    // family on 2 June
    let facts = CaseFacts::opened(almaty("2025-03-03 09:00"))
        .attribute("placement", "parents")
        .event("placement_changed", almaty("2025-03-03 09:00"))
        .contact("home_visit", almaty("2025-03-07 11:00"))
        .contact("home_visit", almaty("2025-05-20 11:00"))
        .event("placement_changed", almaty("2025-06-02 09:00"));
    let ev = evaluate(&v, &facts, almaty("2025-06-03 10:00"), &cal);
    let first = ev.recurring("contact_with_parents").next().unwrap();
    assert_eq!(first.from, almaty("2025-06-02 09:00"));
    assert_eq!(first.due, almaty("2025-06-09 23:59:59"), "weekly again");
    assert_eq!(first.status, Status::Upcoming);
}

// seed 004 §7, 3-этап «Пересмотр»: «Совещание согласует дату следующего пересмотра» — the next
// review is due on the date the meeting set, and a review after that date is late.
#[test]
fn the_next_review_is_due_on_the_date_the_meeting_set() {
    use chrono::NaiveDate;
    let (v, cal) = preset("clinic");
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let facts = CaseFacts::opened(almaty("2026-04-06 11:00"))
        .event("plan_agreed", almaty("2026-04-20 09:00"))
        .event("plan_reviewed", almaty("2026-07-01 09:00"))
        .schedule("plan_review", almaty("2026-07-01 09:00"), day("2026-08-14"))
        .event("plan_reviewed", almaty("2026-09-01 09:00"))
        .schedule("plan_review", almaty("2026-09-01 09:00"), day("2026-11-20"));
    let ev = evaluate(&v, &facts, almaty("2026-09-02 10:00"), &cal);
    let reviews: Vec<_> = ev
        .recurring("plan_review")
        .map(|o| (o.due, o.status))
        .collect();
    assert_eq!(
        reviews,
        vec![
            (almaty("2026-10-20 23:59:59"), Status::Met),
            (almaty("2026-08-14 23:59:59"), Status::MetLate),
            (almaty("2026-11-20 23:59:59"), Status::Upcoming),
        ]
    );
    let rule = v
        .decision("plan_review_meeting")
        .and_then(|d| d.sets_next.clone())
        .unwrap();
    assert_eq!(rule.max, kurator_method::Span::months(6));
    assert_eq!(rule.sooner[0].max, kurator_method::Span::months(3));
    assert!(!rule.applies_to("close"));

    // the review meeting is held again in the same stage
    let mut state = CaseState::at("implementation");
    state.completed_steps.insert("review_plan".into());
    let again = transitions::check_step(
        &v,
        &state,
        "review_plan",
        "supervisor",
        &transitions::Provided::default()
            .decision("plan_review_meeting", "continue_with_corrections"),
    );
    assert!(again.is_ok(), "{again:?}");
}

#[test]
fn a_next_date_rule_naming_unknown_things_is_reported_with_its_path() {
    let src = kurator_method::presets::source("clinic")
        .unwrap()
        .replacen("recurring = \"plan_review\"\nmax = { months = 6 }", "recurring = \"plan_reveiw\"\nmax = { months = 2 }", 1)
        .replacen("outcomes = [\"continue_with_corrections\", \"extend_institution_stay\", \"separate_from_family\"]", "outcomes = [\"carry_on\"]", 1);
    let errs = kurator_method::Variant::from_toml_str(&src).unwrap_err();
    let i = kurator_method::presets::load("clinic")
        .unwrap()
        .doc()
        .decisions
        .iter()
        .position(|d| d.key == "plan_review_meeting")
        .unwrap();
    for path in ["recurring", "sooner[0].max", "outcomes[0]"] {
        assert!(
            errs.has_path(&format!("decisions[{i}].sets_next.{path}")),
            "{path}: {errs}"
        );
    }
}

// seed 004 §7, 2-этап: «информация не подтвердилась» → the «Неподтверждённые обращения» journal.
#[test]
fn a_not_confirmed_primary_assessment_ends_the_case_in_the_unconfirmed_journal() {
    use kurator_method::vocabulary::JournalKind;
    let (v, _) = preset("clinic");
    let ends = &v.decision("primary_assessment_result").unwrap().ends_case;
    assert_eq!(ends.len(), 1);
    assert_eq!(ends[0].outcome, "not_confirmed");
    let journal = v
        .doc()
        .journals
        .iter()
        .find(|j| j.key == ends[0].journal)
        .unwrap();
    assert_eq!(
        journal.canonical.as_deref().and_then(JournalKind::parse),
        Some(JournalKind::Unconfirmed)
    );
    assert_eq!(
        JournalKind::Unconfirmed.signal_status(),
        Some("not_confirmed")
    );

    let src = kurator_method::presets::source("clinic").unwrap();
    let wrong = src
        .replacen(
            "ends_case = [{ outcome = \"not_confirmed\", journal = \"unconfirmed_requests\" }]",
            "ends_case = [{ outcome = \"unconfirmed\", journal = \"visitor_log\" }]",
            1,
        )
        .replacen("canonical = \"visitors\"", "canonical = \"guests\"", 1);
    let errs = kurator_method::Variant::from_toml_str(&wrong).unwrap_err();
    let i = v
        .doc()
        .decisions
        .iter()
        .position(|d| d.key == "primary_assessment_result")
        .unwrap();
    assert!(
        errs.has_path(&format!("decisions[{i}].ends_case[0].outcome")),
        "{errs}"
    );
    assert!(
        errs.has_path(&format!("decisions[{i}].ends_case[0].journal")),
        "{errs}"
    );
    assert!(errs.has_path("journals[0].canonical"), "{errs}");
}

// seed 004 §7, 3-этап: an inter-agency review brings in representatives of other agencies; its
// record goes to every participant.
#[test]
fn an_inter_agency_review_needs_another_organisation_at_the_table() {
    use kurator_method::decisions::{self, DecisionRecord, DecisionStatus, Participant};
    let (v, _) = preset("clinic");
    let def = v.decision("inter_agency_meeting").unwrap();
    assert!(def.minutes_to_participants);
    let staff = |role: &str| Participant {
        person: format!("{role}-id"),
        role: role.into(),
        organisation: None,
    };
    let mut rec = DecisionRecord {
        participants: vec![staff("social_worker"), staff("psychologist")],
        recorded: Some("measures_agreed".into()),
        ..Default::default()
    };
    assert!(matches!(
        decisions::evaluate(def, &rec),
        DecisionStatus::Invalid { reasons } if reasons[0].contains("других организаций и ведомств: 0")
    ));
    rec.participants.push(Participant {
        person: "Жумабаева А. К.".into(),
        role: "инспектор ПДН".into(),
        organisation: Some("ОП Алатауского района".into()),
    });
    assert!(matches!(
        decisions::evaluate(def, &rec),
        DecisionStatus::Decided { .. }
    ));
    // an outside representative does not stand in for the clinic's social worker
    rec.participants[0].organisation = Some("Акимат".into());
    assert!(matches!(
        decisions::evaluate(def, &rec),
        DecisionStatus::Invalid { reasons } if reasons.iter().any(|r| r.contains("social_worker"))
    ));

    // held again, the review needs its own decision and record
    let mut state = CaseState::at("assessment_and_plan");
    state.completed_steps.extend([
        "agree_inter_agency_review".into(),
        "inter_agency_review".into(),
    ]);
    state.artefacts.insert("inter_agency_record".into());
    state
        .decisions
        .insert("inter_agency_meeting".into(), "measures_agreed".into());
    let errs = transitions::check_step(
        &v,
        &state,
        "inter_agency_review",
        "social_worker",
        &Default::default(),
    )
    .unwrap_err();
    assert_eq!(errs.len(), 2, "{errs:?}");
}

// seed 004 §7, 1-этап: a missed hour alerts the supervisor at once — declared by the variant.
#[test]
fn a_missed_urgent_protection_escalates_to_the_supervisor() {
    let (v, _) = preset("clinic");
    let escalation = &v.doc().escalations[0];
    assert_eq!(escalation.step.as_deref(), Some("urgent_protection"));
    assert_eq!(escalation.notify_roles, ["supervisor"]);
}

#[test]
fn an_escalation_naming_what_does_not_exist_is_reported_with_its_path() {
    let src = kurator_method::presets::source("clinic")
        .unwrap()
        .replacen(
            "step = \"urgent_protection\"\nnotify_roles = [\"supervisor\"]",
            "step = \"no_such_step\"\nnotify_roles = [\"janitor\"]\nnotify_method_roles = [\"nobody\"]",
            1,
        )
        .replacen("on = \"overdue\"", "on = \"slip_exceeded\"", 1);
    let errs = kurator_method::Variant::from_toml_str(&src).unwrap_err();
    for path in [
        "escalations[0].on",
        "escalations[0].notify_roles[0]",
        "escalations[0].notify_method_roles[0]",
    ] {
        assert!(errs.has_path(path), "{path}: {errs}");
    }
}

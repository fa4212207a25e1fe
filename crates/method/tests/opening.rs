//! Where a case opens and where its intake starts: every preset names the stage that opens the
//! case and the event that marks a signal's reception, and validation refuses contradictions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kurator_method::{Variant, presets};

#[test]
fn every_preset_opens_cases_in_exactly_one_stage_and_names_its_intake_event() {
    let expected = [
        // seed 000 §6 table 1, stage «Открытие случая»
        ("fund", "case_opening", "signal_received"),
        // seed 001 §6.2: the case opens after the team vote on the first-visit report
        ("volunteers", "assessment", "request_received"),
        // seed 003 §1.5, §3.1: deadlines count from receipt of the information about the family
        ("state_centre", "diagnostic", "information_received"),
        // seed 004 §7, step 3: the file is opened for the comprehensive assessment
        ("clinic", "assessment_and_plan", "request_registered"),
    ];
    for (name, opening, intake_event) in expected {
        let variant = presets::load(name).unwrap();
        let opening_stages: Vec<_> = variant
            .stages()
            .iter()
            .filter(|s| s.opens_case)
            .map(|s| s.key.as_str())
            .collect();
        assert_eq!(opening_stages, [opening], "{name}");
        assert_eq!(
            variant.doc().intake_event.as_deref(),
            Some(intake_event),
            "{name}"
        );
    }
}

#[test]
fn two_opening_stages_and_an_unknown_intake_event_are_reported_with_their_paths() {
    let source = presets::source("fund").unwrap();
    let broken = source
        .replace(
            "intake_event = \"signal_received\"",
            "intake_event = \"rumour_heard\"",
        )
        .replacen(
            "phase = \"planning\"\n",
            "phase = \"planning\"\nopens_case = true\n",
            1,
        );
    let errors = Variant::from_toml_str(&broken).unwrap_err();
    let paths: Vec<_> = errors.0.iter().map(|e| e.path.as_str()).collect();
    assert!(paths.contains(&"intake_event"), "{errors:?}");
    assert!(
        paths.iter().any(|p| p.ends_with(".opens_case")),
        "{errors:?}"
    );
}

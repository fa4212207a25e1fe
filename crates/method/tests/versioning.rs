//! Versioning, the shared vocabulary and the JSON form of variants.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{msk, preset};
use kurator_method::obligations::{CaseFacts, ObligationKind};
use kurator_method::versioning::{Catalog, PublishError, migration_report};
use kurator_method::vocabulary::{Phase, RiskBand};
use kurator_method::{Variant, presets};

fn fund_v2_with_five_day_visits() -> Variant {
    let src = presets::source("fund")
        .unwrap()
        .replacen("version = 1", "version = 2", 1)
        .replacen(
            "within = { working_days = 3 }, source = \"seed 000 §6 table 1, step «Выезд в семью»",
            "within = { working_days = 5 }, source = \"seed 000 §6 table 1, step «Выезд в семью»",
            1,
        )
        .replace(
            "[[recurring]]\nkey = \"annual_monitoring\"",
            "[[recurring]]\nkey = \"half_year_review\"",
        );
    Variant::from_toml_str(&src).unwrap()
}

#[test]
fn a_published_version_is_immutable_and_publishing_means_a_new_number() {
    let (v1, _) = preset("fund");
    let mut catalog = Catalog::new();
    catalog.publish(v1.clone()).unwrap();
    assert!(
        catalog.publish(v1.clone()).is_ok(),
        "publishing the same content again changes nothing"
    );
    let changed = Variant::from_toml_str(&presets::source("fund").unwrap().replacen(
        "max_total = 15",
        "max_total = 14",
        1,
    ))
    .unwrap();
    assert_eq!(
        catalog.publish(changed).unwrap_err(),
        PublishError::AlreadyPublished {
            key: "fund".into(),
            version: 1
        }
    );
    catalog.publish(fund_v2_with_five_day_visits()).unwrap();
    assert_eq!(catalog.versions("fund"), vec![1, 2]);
    assert_eq!(
        catalog.get("fund", 1).unwrap().doc(),
        v1.doc(),
        "cases pinned to version 1 keep it"
    );
    assert_eq!(catalog.latest("fund").unwrap().version(), 2);
}

#[test]
fn migrating_an_open_case_reports_moved_added_and_removed_obligations() {
    let (v1, cal) = preset("fund");
    let v2 = fund_v2_with_five_day_visits();
    let facts = CaseFacts::opened(msk("2025-03-03 10:00"))
        .event("signal_received", msk("2025-03-03 10:00"));
    let report = migration_report(&v1, &v2, &facts, msk("2025-03-04 10:00"), &cal);
    let moved: Vec<_> = report
        .moved
        .iter()
        .map(|(a, b)| (a.kind.clone(), a.due, b.due))
        .collect();
    assert_eq!(
        moved,
        vec![(
            ObligationKind::Deadline {
                step: "visit_family".into()
            },
            msk("2025-03-06 23:59:59"),
            msk("2025-03-10 23:59:59")
        )]
    );
    assert_eq!(
        report
            .removed
            .iter()
            .map(|o| o.kind.to_string())
            .collect::<Vec<_>>(),
        vec!["recurring:annual_monitoring#1"]
    );
    assert_eq!(
        report
            .added
            .iter()
            .map(|o| o.kind.to_string())
            .collect::<Vec<_>>(),
        vec!["recurring:half_year_review#1"]
    );
    assert!(migration_report(&v1, &v1, &facts, msk("2025-03-04 10:00"), &cal).is_noop());
}

#[test]
fn every_preset_maps_its_stages_bands_categories_and_outcomes_onto_the_shared_vocabulary() {
    for name in presets::names() {
        let (v, _) = preset(name);
        for s in v.stages() {
            assert!(
                s.phase.as_deref().and_then(Phase::parse).is_some(),
                "{name}: {}",
                s.key
            );
        }
        for t in &v.doc().scoring {
            for b in &t.bands {
                assert!(
                    b.canonical.as_deref().and_then(RiskBand::parse).is_some(),
                    "{name}: {}",
                    b.key
                );
            }
        }
        assert!(
            v.doc()
                .classifications
                .iter()
                .all(|c| c.values.iter().all(|x| x.canonical.is_some())),
            "{name}"
        );
        assert!(
            !v.doc().outcomes.is_empty() && v.doc().outcomes.iter().all(|o| o.canonical.is_some()),
            "{name}"
        );
    }
}

#[test]
fn a_variant_without_a_canonical_phase_is_rejected() {
    let src = presets::source("volunteers")
        .unwrap()
        .replacen("phase = \"intake\"\n", "", 1);
    let errs = Variant::from_toml_str(&src).unwrap_err();
    assert!(errs.has_path("stages[0].phase"), "{errs}");
}

#[test]
fn the_json_form_served_over_the_api_reads_back_to_the_same_variant() {
    for name in presets::names() {
        let (v, _) = preset(name);
        let back = Variant::from_json_str(&v.to_json()).unwrap();
        assert_eq!(back, v, "{name}");
    }
    let bad =
        Variant::from_json_str("{\"key\": \"x\", \"version\": 1, \"colour\": 3}").unwrap_err();
    assert_eq!(bad.0[0].path, "colour");
}

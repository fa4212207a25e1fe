use kurator_method::presets;
use kurator_method::vocabulary::{Outcome, RiskBand};

use super::*;
use crate::disclosure::Share;

fn shared() -> Catalogue {
    Catalogue::shared().expect("the shared catalogue is valid")
}

fn mapping(preset: &str) -> VariantMapping {
    VariantMapping::of(&presets::load(preset).expect("the preset is valid"))
}

/// The keys of the current indicators that are comparable, and what the others miss.
fn verdicts(preset: &str) -> (Vec<String>, Vec<(String, Vec<Requirement>)>) {
    let catalogue = shared();
    let mut comparable = Vec::new();
    let mut not = Vec::new();
    for (indicator, verdict) in catalogue.comparability(&mapping(preset)) {
        match verdict {
            Comparability::Comparable => comparable.push(indicator.key.clone()),
            Comparability::NotComparable { missing } => not.push((indicator.key.clone(), missing)),
        }
    }
    (comparable, not)
}

#[test]
fn the_catalogue_holds_every_shared_indicator_of_the_issue() {
    let catalogue = shared();
    let keys: Vec<&str> = catalogue.current().iter().map(|i| i.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "cases_opened",
            "cases_closed",
            "closed_child_safe_in_family",
            "children_safe_in_family",
            "children_quality_of_life_improved",
            "parental_rights_restored",
            "median_length_of_support",
            "deadlines_met_on_time",
            "reopened_within_12_months",
            "risk_band_at_opening",
            "risk_band_at_closure",
            "curators_within_caseload_cap",
        ]
    );
    for indicator in catalogue.current() {
        assert_eq!(indicator.version, 1, "{}", indicator.key);
        assert!(!indicator.name.kk.is_empty(), "{}", indicator.key);
    }
}

#[test]
fn the_risk_band_categories_are_the_canonical_bands() {
    let catalogue = shared();
    let bands = catalogue
        .stratification("risk_band")
        .expect("risk_band is a stratification");
    let keys: Vec<&str> = bands.categories.iter().map(|c| c.key.as_str()).collect();
    let canonical: Vec<&str> = RiskBand::ALL.iter().map(|b| b.key()).collect();
    assert_eq!(keys, canonical);
}

#[test]
fn parental_rights_restored_counts_over_every_family_supported_not_only_the_closed() {
    // seed 001 §2.4, indicator 2: «от всех семей, которым оказывали поддержку в отчетном году».
    let catalogue = shared();
    let indicator = catalogue
        .latest("parental_rights_restored")
        .expect("in the catalogue");
    assert_eq!(indicator.period_rule, PeriodRule::SupportedInPeriod);
    assert!(!indicator.period_rule.additive());
    let safe = catalogue
        .latest("closed_child_safe_in_family")
        .expect("in the catalogue");
    assert_eq!(safe.period_rule, PeriodRule::ClosedInMonth);
}

#[test]
fn the_fund_compares_on_process_risk_and_caseload_but_not_on_the_volunteers_outcomes() {
    let (comparable, not) = verdicts("fund");
    assert_eq!(
        comparable,
        [
            "cases_opened",
            "cases_closed",
            "median_length_of_support",
            "deadlines_met_on_time",
            "reopened_within_12_months",
            "risk_band_at_opening",
            "risk_band_at_closure",
            "curators_within_caseload_cap",
        ]
    );
    assert_eq!(
        not,
        [
            (
                "closed_child_safe_in_family".to_owned(),
                vec![Requirement::Outcome(Outcome::ChildSafeInFamily)]
            ),
            (
                "children_safe_in_family".to_owned(),
                vec![Requirement::Outcome(Outcome::ChildSafeInFamily)]
            ),
            (
                "children_quality_of_life_improved".to_owned(),
                vec![Requirement::QualityDomains]
            ),
            (
                "parental_rights_restored".to_owned(),
                vec![Requirement::Outcome(Outcome::ParentalRightsRestored)]
            ),
        ]
    );
}

#[test]
fn the_volunteers_have_no_deadlines_no_risk_bands_and_no_reopening_to_compare() {
    let (comparable, not) = verdicts("volunteers");
    assert_eq!(
        comparable,
        [
            "cases_opened",
            "cases_closed",
            "closed_child_safe_in_family",
            "children_safe_in_family",
            "children_quality_of_life_improved",
            "parental_rights_restored",
            "median_length_of_support",
            "curators_within_caseload_cap",
        ]
    );
    assert_eq!(
        not,
        [
            (
                "deadlines_met_on_time".to_owned(),
                vec![Requirement::Deadlines]
            ),
            (
                "reopened_within_12_months".to_owned(),
                vec![Requirement::Reopening]
            ),
            (
                "risk_band_at_opening".to_owned(),
                vec![Requirement::RiskBands]
            ),
            (
                "risk_band_at_closure".to_owned(),
                vec![Requirement::RiskBands]
            ),
        ]
    );
}

#[test]
fn the_state_centre_maps_its_family_categories_onto_risk_bands_and_has_no_reopening() {
    let (comparable, not) = verdicts("state_centre");
    assert_eq!(
        comparable,
        [
            "cases_opened",
            "cases_closed",
            "median_length_of_support",
            "deadlines_met_on_time",
            "risk_band_at_opening",
            "risk_band_at_closure",
            "curators_within_caseload_cap",
        ]
    );
    let not: Vec<&str> = not.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        not,
        [
            "closed_child_safe_in_family",
            "children_safe_in_family",
            "children_quality_of_life_improved",
            "parental_rights_restored",
            "reopened_within_12_months",
        ]
    );
}

#[test]
fn the_clinic_has_no_caseload_cap_to_compare_against() {
    let (comparable, not) = verdicts("clinic");
    assert_eq!(
        comparable,
        [
            "cases_opened",
            "cases_closed",
            "median_length_of_support",
            "deadlines_met_on_time",
            "reopened_within_12_months",
            "risk_band_at_opening",
            "risk_band_at_closure",
        ]
    );
    assert!(not.contains(&(
        "curators_within_caseload_cap".to_owned(),
        vec![Requirement::CaseloadCap]
    )));
    assert_eq!(not.len(), 5);
}

#[test]
fn a_missing_mapping_is_named_in_both_languages() {
    let text = Requirement::Deadlines.describe(Language::Ru);
    assert_eq!(text, "сроки шагов или периодические обязательства");
    let text = Requirement::Outcome(Outcome::ChildSafeInFamily).describe(Language::En);
    assert!(text.contains("child_safe_in_family"));
}

#[test]
fn the_volunteers_own_indicators_are_shared_ones_and_give_the_seed_figures() {
    // seed 001 §4.1: 2019 — 26/32 families, 65/81 children safe, 61/81 improved; 2021 — 31/37,
    // 67/89, 61/89 («83 %, 75 %, 68,5 %»).
    let catalogue = shared();
    let variant = presets::load("volunteers").expect("valid");
    let mut found = Vec::new();
    let mut alone = Vec::new();
    for own in &variant.doc().indicators {
        let Some(shared) = catalogue.equivalent_of(&variant, own) else {
            alone.push(own.key.as_str());
            continue;
        };
        let shares: Vec<String> = own
            .baseline
            .iter()
            .filter(|b| b.year != 2020)
            .filter_map(|b| Share::of(b.numerator, b.denominator))
            .map(|s| s.to_string())
            .collect();
        found.push((own.key.as_str(), shared.key.as_str(), shares));
    }
    assert_eq!(
        found,
        [
            (
                "families_child_safe",
                "closed_child_safe_in_family",
                vec!["81.3%".to_owned(), "83.8%".to_owned()]
            ),
            (
                "children_child_safe",
                "children_safe_in_family",
                vec!["80.2%".to_owned(), "75.3%".to_owned()]
            ),
            (
                "children_quality_of_life",
                "children_quality_of_life_improved",
                vec!["75.3%".to_owned(), "68.5%".to_owned()]
            ),
            // seed 001 §2.4: over every family supported in the year; §4.1 publishes no value.
            (
                "families_rights_restored",
                "parental_rights_restored",
                Vec::new()
            ),
        ]
    );
    // The catalogue counts parental rights by family only: the children's figure is the
    // variant's own.
    assert_eq!(alone, ["children_rights_restored"]);
}

#[test]
fn an_indicator_is_found_by_key_and_version() {
    let src = r#"
[[indicators]]
key = "cases_opened"
version = 1
name = { ru = "Открыто", kk = "Ашылған", en = "Opened" }
unit = "cases"
measure = "count"
numerator = { ru = "Открытые", en = "Opened" }
period_rule = "events_in_month"
population = "cases_opened"
source = "test"

[[indicators]]
key = "cases_opened"
version = 2
name = { ru = "Открыто впервые", kk = "Алғаш ашылған", en = "Opened for the first time" }
unit = "cases"
measure = "count"
numerator = { ru = "Открытые впервые", en = "Opened for the first time" }
period_rule = "events_in_month"
population = "cases_opened"
source = "test"
"#;
    let catalogue = Catalogue::from_toml_str(src).expect("valid");
    assert_eq!(catalogue.indicators().len(), 2);
    assert_eq!(catalogue.current().len(), 1);
    assert_eq!(catalogue.latest("cases_opened").map(|i| i.version), Some(2));
    assert_eq!(
        catalogue.get("cases_opened", 1).map(|i| i.name.en.as_str()),
        Some("Opened")
    );
}

#[test]
fn an_inconsistent_catalogue_is_refused() {
    let src = r#"
[[indicators]]
key = "x"
version = 1
name = { ru = "x", kk = "x", en = "x" }
unit = "cases"
measure = "share"
numerator = { ru = "x", en = "x" }
period_rule = "closed_in_month"
population = "cases_closed"
source = "test"

[[indicators]]
key = "x"
version = 1
name = { ru = "x", kk = "", en = "x" }
unit = "cases"
measure = "distribution"
numerator = { ru = "x", en = "x" }
denominator = { ru = "x", en = "x" }
period_rule = "closed_in_month"
population = " "
source = "test"
"#;
    let Err(CatalogueError::Invalid(errors)) = Catalogue::from_toml_str(src) else {
        panic!("the catalogue is refused");
    };
    let joined = errors.join("\n");
    assert!(joined.contains("states its denominator"), "{joined}");
    assert!(
        joined.contains("the same key and version twice"),
        "{joined}"
    );
    assert!(joined.contains("needs ru, kk and en"), "{joined}");
    assert!(joined.contains("name the population"), "{joined}");
    assert!(joined.contains("names the stratification"), "{joined}");
}

#[test]
fn the_table_kind_follows_the_measure() {
    let catalogue = shared();
    let kind = |key: &str| catalogue.latest(key).map(Indicator::table_kind);
    assert_eq!(kind("closed_child_safe_in_family"), Some(TableKind::Shares));
    assert_eq!(kind("risk_band_at_opening"), Some(TableKind::Counts));
    assert_eq!(kind("cases_opened"), Some(TableKind::Counts));
}

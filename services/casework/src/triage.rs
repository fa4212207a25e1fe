//! Triage and scoring at intake, by the tenant's variant: classifications (the clinic's risk
//! level, the state centre's family category, the volunteers' case type) and score tables (the
//! fund's complexity score). Their results become the case's attributes.

use kurator_method::schema::ClassificationPurpose;
use kurator_method::scoring;
use kurator_method::{Problem, Variant};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TriageInput {
    /// Classification key → chosen value, e.g. `risk` → `high`.
    #[serde(default)]
    pub classifications: BTreeMap<String, String>,
    /// Score table key → criterion → points, e.g. `complexity` → `distance` → 2.
    #[serde(default)]
    pub scores: BTreeMap<String, BTreeMap<String, u32>>,
    /// Score table key → measured criterion → value in the criterion's unit, e.g. `complexity` →
    /// `distance` → 95 (km); the variant's levels turn it into points.
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, f64>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Triage {
    /// Attribute → value for the case: classification values and score bands.
    pub attributes: BTreeMap<String, String>,
    pub scores: Vec<ScoreResult>,
    /// The canonical risk band (`none`, `low`, `medium`, `high`) when the variant triages risk.
    pub canonical_risk: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScoreResult {
    pub table: String,
    pub total: u32,
    pub band: String,
    pub canonical: String,
    /// Points per criterion, those turned from measured values included.
    #[serde(default)]
    pub points: BTreeMap<String, u32>,
    /// The measured values given (criterion → value in its unit).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, f64>,
}

impl Triage {
    pub fn risk_band(&self) -> Option<String> {
        self.canonical_risk.clone()
    }

    pub fn to_json(&self) -> Value {
        json!({ "attributes": self.attributes, "scores": self.scores, "canonical_risk": self.canonical_risk })
    }
}

/// Applies the variant's tables to `input`; every problem is reported with its path.
pub fn evaluate(variant: &Variant, input: &TriageInput) -> Result<Triage, Vec<Problem>> {
    let mut triage = Triage::default();
    let mut problems = Vec::new();
    let mut risk_from_level = false;
    for (key, value) in &input.classifications {
        match scoring::classify(variant, key, value) {
            Ok(class_value) => {
                triage
                    .attributes
                    .insert(key.clone(), class_value.key.clone());
                // A risk level — or, where a variant triages by family category, the category —
                // gives the canonical risk band; a risk level wins over a category.
                match variant.classification(key).map(|c| c.purpose) {
                    Some(ClassificationPurpose::Risk) => {
                        triage.canonical_risk = class_value.canonical.clone();
                        risk_from_level = true;
                    }
                    Some(ClassificationPurpose::Category) if !risk_from_level => {
                        triage.canonical_risk = class_value.canonical.clone();
                    }
                    _ => {}
                }
            }
            Err(err) => problems.push(err.problem(&format!("triage.classifications.{key}"))),
        }
    }
    let no_points = BTreeMap::new();
    let no_values = BTreeMap::new();
    let tables: std::collections::BTreeSet<&String> =
        input.scores.keys().chain(input.values.keys()).collect();
    for table in tables {
        let points = input.scores.get(table).unwrap_or(&no_points);
        let values = input.values.get(table).unwrap_or(&no_values);
        match scoring::score_with_values(variant, table, points, values) {
            Ok(score) => {
                let canonical = serde_json::to_value(score.canonical)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                triage.attributes.insert(table.clone(), score.band.clone());
                if triage.canonical_risk.is_none() {
                    triage.canonical_risk = Some(canonical.clone());
                }
                triage.scores.push(ScoreResult {
                    table: table.clone(),
                    total: score.total,
                    band: score.band,
                    canonical,
                    points: score.points,
                    values: values.clone(),
                });
            }
            Err(errors) => {
                for err in errors {
                    problems.push(err.problem(&format!("triage.scores.{table}")));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(triage)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_fund_scores_complexity_into_its_bands() {
        // seed 000 §11: five criteria of 1–3 points; 13–15 is high complexity.
        let fund = kurator_method::presets::load("fund").unwrap();
        let table = fund.score_table("complexity").unwrap();
        let points = table.criteria.iter().map(|c| (c.key.clone(), 3)).collect();
        let input = TriageInput {
            scores: BTreeMap::from([("complexity".to_string(), points)]),
            ..Default::default()
        };
        let triage = evaluate(&fund, &input).unwrap();
        assert_eq!(triage.scores[0].total, 15);
        assert_eq!(triage.attributes["complexity"], "high");
    }

    #[test]
    fn unknown_classifications_and_values_are_reported_with_their_path() {
        let clinic = kurator_method::presets::load("clinic").unwrap();
        let input = TriageInput {
            classifications: BTreeMap::from([
                ("risk".to_string(), "catastrophic".to_string()),
                ("horoscope".to_string(), "leo".to_string()),
            ]),
            ..Default::default()
        };
        let problems = evaluate(&clinic, &input).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|p| p.ru.starts_with("triage.classifications.risk:")
                    && p.field.as_deref() == Some("triage.classifications.risk"))
        );
    }
}

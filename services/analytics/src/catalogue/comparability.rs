//! Whether an indicator means the same thing in an organisation as everywhere else: what it
//! requires of the method variant's mapping onto the shared vocabulary, what a variant maps, and
//! the verdict — comparable, or «not comparable» with what is missing (never a 0).

use std::collections::BTreeSet;

use kurator_method::schema::ClassificationPurpose;
use kurator_method::vocabulary::{Outcome, Phase, RiskBand};
use kurator_method::{Language, Variant};
use serde::{Deserialize, Serialize};

/// Something an indicator needs the variant to map onto the shared vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// A stage mapped onto this canonical phase.
    Phase(Phase),
    /// An outcome of closure mapped onto this canonical outcome.
    Outcome(Outcome),
    /// A risk level, family category or complexity score mapped onto the canonical risk bands.
    RiskBands,
    /// Domains in which the child's quality of life is followed (seed 001 §2.4).
    QualityDomains,
    /// Step deadlines or recurring obligations: without them nothing is due, so nothing can be
    /// met on time — a variant with no deadlines (volunteers) is not 100 % punctual.
    Deadlines,
    /// A declared way to reopen a case: without it a family that comes back starts an unrelated
    /// case, and a reopening cannot be told from a first opening.
    Reopening,
    /// A caseload cap per curator: a total cap, or caps per category.
    CaseloadCap,
}

impl Requirement {
    /// What the requirement asks of the variant, as a methodologist reads it.
    pub fn describe(self, language: Language) -> String {
        match (self, language) {
            (Requirement::Phase(p), Language::Ru) => {
                format!("этап, сопоставленный с общей фазой «{}»", p.key())
            }
            (Requirement::Phase(p), Language::En) => {
                format!("a stage mapped onto the canonical phase “{}”", p.key())
            }
            (Requirement::Outcome(o), Language::Ru) => {
                format!(
                    "результат, сопоставленный с общим результатом «{}»",
                    o.key()
                )
            }
            (Requirement::Outcome(o), Language::En) => {
                format!("an outcome mapped onto the canonical outcome “{}”", o.key())
            }
            (Requirement::RiskBands, Language::Ru) => {
                "уровень риска, категория или сложность, сопоставленные с общими уровнями риска"
                    .into()
            }
            (Requirement::RiskBands, Language::En) => {
                "a risk level, category or complexity scale mapped onto the canonical risk bands"
                    .into()
            }
            (Requirement::QualityDomains, Language::Ru) => "области качества жизни ребёнка".into(),
            (Requirement::QualityDomains, Language::En) => {
                "domains of the child's quality of life".into()
            }
            (Requirement::Deadlines, Language::Ru) => {
                "сроки шагов или периодические обязательства".into()
            }
            (Requirement::Deadlines, Language::En) => {
                "step deadlines or recurring obligations".into()
            }
            (Requirement::Reopening, Language::Ru) => "порядок повторного открытия случая".into(),
            (Requirement::Reopening, Language::En) => "a way to reopen a case".into(),
            (Requirement::CaseloadCap, Language::Ru) => "норма нагрузки на куратора".into(),
            (Requirement::CaseloadCap, Language::En) => "a caseload cap per curator".into(),
        }
    }
}

/// What a variant maps onto the shared vocabulary, as far as indicators are concerned.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VariantMapping {
    pub phases: BTreeSet<Phase>,
    pub outcomes: BTreeSet<Outcome>,
    pub risk_bands: bool,
    pub quality_domains: bool,
    pub deadlines: bool,
    pub reopening: bool,
    pub caseload_cap: bool,
}

impl VariantMapping {
    /// The mapping of a validated variant. Validation already makes every stage name a phase and
    /// every outcome, risk value and score band name its canonical counterpart; this reads them.
    pub fn of(variant: &Variant) -> VariantMapping {
        let doc = variant.doc();
        let phases = doc
            .stages
            .iter()
            .filter_map(|s| s.phase.as_deref().and_then(Phase::parse))
            .collect();
        let outcomes = doc
            .outcomes
            .iter()
            .filter_map(|o| o.canonical.as_deref().and_then(Outcome::parse))
            .collect();
        let risk_classification = doc.classifications.iter().any(|c| {
            matches!(
                c.purpose,
                ClassificationPurpose::Risk | ClassificationPurpose::Category
            ) && !c.values.is_empty()
                && c.values
                    .iter()
                    .all(|v| v.canonical.as_deref().and_then(RiskBand::parse).is_some())
        });
        let risk_score = doc.scoring.iter().any(|t| {
            !t.bands.is_empty()
                && t.bands
                    .iter()
                    .all(|b| b.canonical.as_deref().and_then(RiskBand::parse).is_some())
        });
        let deadlines = doc
            .stages
            .iter()
            .any(|s| s.steps.iter().any(|st| st.deadline.is_some()))
            || doc
                .recurring
                .iter()
                .any(|r| !r.cadence.is_empty() || r.cadence_set_at_closure)
            || doc.decisions.iter().any(|d| d.sets_next.is_some());
        let caseload_cap = doc
            .caseload
            .as_ref()
            .is_some_and(|c| c.max_total.is_some() || c.categories.is_some());
        VariantMapping {
            phases,
            outcomes,
            risk_bands: risk_classification || risk_score,
            quality_domains: !doc.quality_domains.is_empty(),
            deadlines,
            reopening: doc.reopening.is_some(),
            caseload_cap,
        }
    }

    /// Whether the mapping provides `requirement`.
    pub fn provides(&self, requirement: Requirement) -> bool {
        match requirement {
            Requirement::Phase(p) => self.phases.contains(&p),
            Requirement::Outcome(o) => self.outcomes.contains(&o),
            Requirement::RiskBands => self.risk_bands,
            Requirement::QualityDomains => self.quality_domains,
            Requirement::Deadlines => self.deadlines,
            Requirement::Reopening => self.reopening,
            Requirement::CaseloadCap => self.caseload_cap,
        }
    }
}

/// Whether an indicator is comparable for an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Comparability {
    Comparable,
    /// «Не сопоставимо»: shown as such, never as 0; `missing` lists what the variant does not map.
    NotComparable {
        missing: Vec<Requirement>,
    },
}

impl Comparability {
    pub fn is_comparable(&self) -> bool {
        matches!(self, Comparability::Comparable)
    }
}

/// Whether an indicator requiring `requires` is comparable for a variant with `mapping`.
pub fn comparability(requires: &[Requirement], mapping: &VariantMapping) -> Comparability {
    let missing: Vec<Requirement> = requires
        .iter()
        .copied()
        .filter(|r| !mapping.provides(*r))
        .collect();
    if missing.is_empty() {
        Comparability::Comparable
    } else {
        Comparability::NotComparable { missing }
    }
}

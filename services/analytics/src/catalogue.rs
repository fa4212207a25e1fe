//! The indicator catalogue («каталог показателей»): the shared indicators every organisation
//! computes on the shared vocabulary, each with its numerator, denominator and period rule, and
//! what it requires of the organisation's method variant to be comparable.
//!
//! The catalogue is a data file, `catalogue/indicators.toml`, embedded in the binary and
//! validated when loaded ([`Catalogue::shared`]). An indicator is identified by key and version;
//! a published version is never edited, a changed definition is a new version beside it.

mod comparability;
mod period;

use std::collections::BTreeSet;

use kurator_method::schema::IndicatorUnit;
use kurator_method::vocabulary::Outcome;
use kurator_method::{Language, Variant};
use serde::{Deserialize, Serialize};

pub use comparability::{Comparability, Requirement, VariantMapping, comparability};
pub use period::PeriodRule;

use crate::disclosure::TableKind;

const SHARED: &str = include_str!("../catalogue/indicators.toml");

/// A name in the three interface languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    pub ru: String,
    pub kk: String,
    pub en: String,
}

/// What a numerator or denominator counts, in Russian and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    pub ru: String,
    pub en: String,
}

impl Definition {
    pub fn in_language(&self, language: Language) -> &str {
        match language {
            Language::Ru => &self.ru,
            Language::En => &self.en,
        }
    }
}

/// What an indicator counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Cases: a family's case file (fund, volunteers, state centre) or a child's (clinic).
    Cases,
    Children,
    /// Deadlines and recurring obligations.
    Obligations,
    Curators,
}

/// How an indicator's figure is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// A count with no denominator.
    Count,
    /// A numerator over a denominator.
    Share,
    /// Counts over the categories of a stratification (`over`), each a share of their total.
    Distribution,
}

/// A variant's own indicator (`[[indicators]]`) that is this shared indicator: the same canonical
/// outcome, counted in the same unit, over the same population — the cases closed in the period
/// for an indicator of closures, every case supported in it for one of supported cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Equivalent {
    pub outcome: Outcome,
    pub unit: IndicatorUnit,
}

/// One version of a shared indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub key: String,
    pub version: u32,
    pub name: Label,
    pub unit: Unit,
    pub measure: Measure,
    /// For a distribution: the stratification whose categories are its cells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over: Option<String>,
    /// The strata the figures may be broken down by; `none` is the total alone.
    #[serde(default = "only_none")]
    pub strata: Vec<String>,
    pub numerator: Definition,
    /// Absent for a count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<Definition>,
    pub period_rule: PeriodRule,
    /// The people, cases or deadlines the indicator counts over in a period: a count's total, a
    /// share's or a distribution's denominator (`cases_closed`: the cohort of cases closed in the
    /// month, and the children of those cases). Indicators of one population are protected
    /// together when published (`crate::disclosure::protect_together`), so that none gives back
    /// what another suppressed.
    pub population: String,
    /// What the variant must map for the indicator to be comparable.
    #[serde(default)]
    pub requires: Vec<Requirement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equivalent: Option<Equivalent>,
    pub source: String,
}

fn only_none() -> Vec<String> {
    vec![NONE.to_owned()]
}

/// The stratum of the total alone.
pub const NONE: &str = "none";

impl Indicator {
    /// Whether the indicator is comparable for an organisation whose variant maps `mapping`.
    pub fn comparability(&self, mapping: &VariantMapping) -> Comparability {
        comparability(&self.requires, mapping)
    }

    /// The kind of table its figures go through disclosure control as.
    pub fn table_kind(&self) -> TableKind {
        match self.measure {
            Measure::Share => TableKind::Shares,
            Measure::Count | Measure::Distribution => TableKind::Counts,
        }
    }
}

/// A category of a stratification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub key: String,
    pub name: Label,
}

/// A stratification: the child's age band, sex, a risk band, a length of support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stratification {
    pub key: String,
    pub name: Label,
    pub categories: Vec<Category>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueDoc {
    #[serde(default)]
    strata: Vec<Stratification>,
    #[serde(default)]
    indicators: Vec<Indicator>,
}

/// A catalogue that cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("the catalogue is not valid TOML: {0}")]
    Syntax(String),
    #[error("the catalogue is invalid: {}", .0.join("; "))]
    Invalid(Vec<String>),
}

/// A validated indicator catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    strata: Vec<Stratification>,
    indicators: Vec<Indicator>,
}

impl Catalogue {
    /// The shared catalogue, `catalogue/indicators.toml`.
    pub fn shared() -> Result<Catalogue, CatalogueError> {
        Catalogue::from_toml_str(SHARED)
    }

    /// Parses and validates a catalogue.
    pub fn from_toml_str(src: &str) -> Result<Catalogue, CatalogueError> {
        let doc: CatalogueDoc =
            toml::from_str(src).map_err(|e| CatalogueError::Syntax(e.to_string()))?;
        let errors = validate(&doc);
        if !errors.is_empty() {
            return Err(CatalogueError::Invalid(errors));
        }
        Ok(Catalogue {
            strata: doc.strata,
            indicators: doc.indicators,
        })
    }

    /// Every version of every indicator, in the order of the file.
    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    /// The latest version of each indicator, in the order of the file.
    pub fn current(&self) -> Vec<&Indicator> {
        let mut seen = BTreeSet::new();
        self.indicators
            .iter()
            .filter(|i| seen.insert(i.key.as_str()))
            .filter_map(|i| self.latest(&i.key))
            .collect()
    }

    /// One version of an indicator.
    pub fn get(&self, key: &str, version: u32) -> Option<&Indicator> {
        self.indicators
            .iter()
            .find(|i| i.key == key && i.version == version)
    }

    /// The latest version of an indicator.
    pub fn latest(&self, key: &str) -> Option<&Indicator> {
        self.indicators
            .iter()
            .filter(|i| i.key == key)
            .max_by_key(|i| i.version)
    }

    pub fn stratification(&self, key: &str) -> Option<&Stratification> {
        self.strata.iter().find(|s| s.key == key)
    }

    /// The current indicators and whether each is comparable for a variant with `mapping`.
    pub fn comparability(&self, mapping: &VariantMapping) -> Vec<(&Indicator, Comparability)> {
        self.current()
            .into_iter()
            .map(|i| (i, i.comparability(mapping)))
            .collect()
    }

    /// The shared indicator that a variant's own indicator (`[[indicators]]`) is, if any: the same
    /// canonical outcome in the same unit.
    pub fn equivalent_of(
        &self,
        variant: &Variant,
        own: &kurator_method::schema::Indicator,
    ) -> Option<&Indicator> {
        let outcome = variant
            .doc()
            .outcomes
            .iter()
            .find(|o| o.key == own.outcome)?
            .canonical
            .as_deref()
            .and_then(Outcome::parse)?;
        use kurator_method::schema::IndicatorPopulation;
        self.current().into_iter().find(|i| {
            let population = match i.period_rule {
                PeriodRule::SupportedInPeriod => IndicatorPopulation::SupportedInPeriod,
                _ => IndicatorPopulation::ClosedInPeriod,
            };
            i.equivalent
                .is_some_and(|e| e.outcome == outcome && e.unit == own.unit)
                && population == own.population
        })
    }
}

fn validate(doc: &CatalogueDoc) -> Vec<String> {
    let mut errors = Vec::new();
    let mut err = |m: String| errors.push(m);
    let label_complete = |l: &Label| [&l.ru, &l.kk, &l.en].iter().all(|s| !s.trim().is_empty());
    for (i, s) in doc.strata.iter().enumerate() {
        if doc.strata[..i].iter().any(|o| o.key == s.key) || s.key == NONE {
            err(format!("strata[{i}]: key «{}» is not unique", s.key));
        }
        if !label_complete(&s.name) {
            err(format!("strata «{}»: the name needs ru, kk and en", s.key));
        }
        if s.categories.len() < 2 {
            err(format!("strata «{}»: needs at least two categories", s.key));
        }
        for (j, c) in s.categories.iter().enumerate() {
            if s.categories[..j].iter().any(|o| o.key == c.key) {
                err(format!("strata «{}»: category «{}» twice", s.key, c.key));
            }
            if !label_complete(&c.name) {
                err(format!(
                    "strata «{}»: category «{}» needs ru, kk and en",
                    s.key, c.key
                ));
            }
        }
    }
    let known = |key: &str| doc.strata.iter().any(|s| s.key == key);
    for (n, i) in doc.indicators.iter().enumerate() {
        let at = format!("indicators[{n}] «{}» v{}", i.key, i.version);
        if doc.indicators[..n]
            .iter()
            .any(|o| o.key == i.key && o.version == i.version)
        {
            err(format!("{at}: the same key and version twice"));
        }
        if i.version == 0 {
            err(format!("{at}: versions start at 1"));
        }
        if i.population.trim().is_empty() {
            err(format!("{at}: name the population it counts over"));
        }
        if !label_complete(&i.name) {
            err(format!("{at}: the name needs ru, kk and en"));
        }
        let defined = |d: &Definition| !d.ru.trim().is_empty() && !d.en.trim().is_empty();
        if !defined(&i.numerator) {
            err(format!("{at}: the numerator needs ru and en"));
        }
        match (i.measure, &i.denominator) {
            (Measure::Count, Some(_)) => err(format!("{at}: a count has no denominator")),
            (Measure::Share | Measure::Distribution, None) => err(format!(
                "{at}: a share or distribution states its denominator"
            )),
            (_, Some(d)) if !defined(d) => err(format!("{at}: the denominator needs ru and en")),
            _ => {}
        }
        match (i.measure, &i.over) {
            (Measure::Distribution, None) => err(format!(
                "{at}: a distribution names the stratification it is over"
            )),
            (Measure::Distribution, Some(over)) if !known(over) => {
                err(format!("{at}: unknown stratification «{over}»"))
            }
            (Measure::Count | Measure::Share, Some(_)) => err(format!(
                "{at}: only a distribution is over a stratification"
            )),
            _ => {}
        }
        if !i.strata.iter().any(|s| s == NONE) {
            err(format!(
                "{at}: the stratum «none» (the total) is always published"
            ));
        }
        for s in &i.strata {
            if s != NONE && !known(s) {
                err(format!("{at}: unknown stratum «{s}»"));
            }
        }
        if i.measure == Measure::Distribution && i.strata.len() > 1 {
            err(format!(
                "{at}: a distribution is not broken down further (its cells are its categories)"
            ));
        }
        if i.source.trim().is_empty() {
            err(format!("{at}: the source is required"));
        }
    }
    errors
}

#[cfg(test)]
mod tests;

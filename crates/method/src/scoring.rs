//! Scoring and triage: score tables (criteria → points → band, e.g. the fund's complexity),
//! classifications (the clinic's risk triage, the state centre's family categories, the
//! volunteers' case types and readiness stages), and [`History`] of how a case's band or
//! category changed over time (it is part of monitoring).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::schema::{Band, ClassValue, ScoreCriterion, ScoreLevel, ScoreTable};
use crate::vocabulary::RiskBand;
use crate::{Problem, Variant};

#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
pub enum ScoringError {
    #[error("в варианте технологии нет шкалы «{0}»")]
    UnknownTable(String),
    #[error("в варианте технологии нет классификации «{0}»")]
    UnknownClassification(String),
    #[error("в шкале нет критерия «{0}»")]
    UnknownCriterion(String),
    #[error("критерий «{0}»: не указаны баллы")]
    MissingCriterion(String),
    #[error("критерий «{criterion}»: {points} баллов вне диапазона {min}–{max}")]
    OutOfRange {
        criterion: String,
        points: u32,
        min: u32,
        max: u32,
    },
    #[error("сумма {0} баллов не попадает ни в один уровень шкалы")]
    NoBand(u32),
    #[error("в классификации «{classification}» нет значения «{value}»")]
    UnknownValue {
        classification: String,
        value: String,
    },
    #[error("критерий «{0}» оценивается баллами, а не измеренным значением")]
    NotMeasured(String),
    #[error("критерий «{0}»: укажите либо баллы, либо измеренное значение, но не то и другое")]
    PointsAndValue(String),
    #[error("критерий «{criterion}»: значение {value} {unit} не попадает ни в один уровень")]
    NoLevel {
        criterion: String,
        value: f64,
        unit: String,
    },
    #[error("критерий «{0}»: измеренное значение должно быть неотрицательным числом")]
    InvalidValue(String),
}

impl ScoringError {
    /// A stable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            ScoringError::UnknownTable(_) => "unknown_score_table",
            ScoringError::UnknownClassification(_) => "unknown_classification",
            ScoringError::UnknownCriterion(_) => "unknown_criterion",
            ScoringError::MissingCriterion(_) => "missing_criterion",
            ScoringError::OutOfRange { .. } => "points_out_of_range",
            ScoringError::NoBand(_) => "no_score_band",
            ScoringError::UnknownValue { .. } => "unknown_classification_value",
            ScoringError::NotMeasured(_) => "criterion_not_measured",
            ScoringError::PointsAndValue(_) => "points_and_value",
            ScoringError::NoLevel { .. } => "no_score_level",
            ScoringError::InvalidValue(_) => "invalid_measured_value",
        }
    }

    /// The sentence in English (the Russian one is the `Display`).
    pub fn english(&self) -> String {
        match self {
            ScoringError::UnknownTable(t) => format!("the method variant has no scale “{t}”"),
            ScoringError::UnknownClassification(c) => {
                format!("the method variant has no classification “{c}”")
            }
            ScoringError::UnknownCriterion(c) => format!("the scale has no criterion “{c}”"),
            ScoringError::MissingCriterion(c) => format!("criterion “{c}”: no points given"),
            ScoringError::OutOfRange {
                criterion,
                points,
                min,
                max,
            } => format!("criterion “{criterion}”: {points} points outside {min}–{max}"),
            ScoringError::NoBand(sum) => {
                format!("a total of {sum} points falls in no band of the scale")
            }
            ScoringError::UnknownValue {
                classification,
                value,
            } => format!("classification “{classification}” has no value “{value}”"),
            ScoringError::NotMeasured(c) => {
                format!("criterion “{c}” is scored in points, not by a measured value")
            }
            ScoringError::PointsAndValue(c) => {
                format!("criterion “{c}”: give either points or a measured value, not both")
            }
            ScoringError::NoLevel {
                criterion,
                value,
                unit,
            } => format!("criterion “{criterion}”: value {value} {unit} falls in no level"),
            ScoringError::InvalidValue(c) => {
                format!("criterion “{c}”: the measured value must be a non-negative number")
            }
        }
    }

    /// The error as an API problem about the input at `field`, each sentence prefixed with it.
    pub fn problem(&self, field: &str) -> Problem {
        Problem::new(
            self.code(),
            format!("{field}: {self}"),
            format!("{field}: {}", self.english()),
        )
        .at(field)
    }
}

/// The result of scoring a case on one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub table: String,
    pub total: u32,
    /// The variant's own band key (`low`, `medium`, `high`).
    pub band: String,
    pub canonical: RiskBand,
    /// Points per criterion, including those turned from measured values.
    pub points: BTreeMap<String, u32>,
}

/// The level a measured value falls into, e.g. the fund's distance «от 80 до 110 км» for 95 km.
pub fn level_for(criterion: &ScoreCriterion, value: f64) -> Result<&ScoreLevel, ScoringError> {
    if !criterion.levels.iter().any(ScoreLevel::is_measured) {
        return Err(ScoringError::NotMeasured(criterion.key.clone()));
    }
    if !value.is_finite() || value < 0.0 {
        return Err(ScoringError::InvalidValue(criterion.key.clone()));
    }
    criterion
        .levels
        .iter()
        .find(|l| l.is_measured() && l.contains(value))
        .ok_or_else(|| ScoringError::NoLevel {
            criterion: criterion.key.clone(),
            value,
            unit: criterion.unit.clone().unwrap_or_default(),
        })
}

/// The band a total falls into.
pub fn band_for(table: &ScoreTable, total: u32) -> Option<&Band> {
    table
        .bands
        .iter()
        .find(|b| b.min <= total && total <= b.max)
}

/// Scores a case: every criterion of the table needs points within its range.
pub fn score(
    variant: &Variant,
    table: &str,
    points: &BTreeMap<String, u32>,
) -> Result<Score, Vec<ScoringError>> {
    score_with_values(variant, table, points, &BTreeMap::new())
}

/// Scores a case from points and, for measured criteria, measured values (the fund's distance in
/// km), which the criterion's levels turn into points. Each criterion needs one or the other.
pub fn score_with_values(
    variant: &Variant,
    table: &str,
    points: &BTreeMap<String, u32>,
    values: &BTreeMap<String, f64>,
) -> Result<Score, Vec<ScoringError>> {
    let t = variant
        .score_table(table)
        .ok_or_else(|| vec![ScoringError::UnknownTable(table.to_string())])?;
    let mut errors = Vec::new();
    for key in points.keys().chain(values.keys()) {
        if !t.criteria.iter().any(|c| &c.key == key)
            && !errors.contains(&ScoringError::UnknownCriterion(key.clone()))
        {
            errors.push(ScoringError::UnknownCriterion(key.clone()));
        }
    }
    let mut total = 0;
    let mut given = BTreeMap::new();
    for c in &t.criteria {
        let p = match (points.get(&c.key), values.get(&c.key)) {
            (Some(_), Some(_)) => {
                errors.push(ScoringError::PointsAndValue(c.key.clone()));
                continue;
            }
            (Some(&p), None) => p,
            (None, Some(&v)) => match level_for(c, v) {
                Ok(level) => level.points,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            },
            (None, None) => {
                errors.push(ScoringError::MissingCriterion(c.key.clone()));
                continue;
            }
        };
        if p < c.min || p > c.max {
            errors.push(ScoringError::OutOfRange {
                criterion: c.key.clone(),
                points: p,
                min: c.min,
                max: c.max,
            });
        } else {
            total += p;
            given.insert(c.key.clone(), p);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let band = band_for(t, total).ok_or_else(|| vec![ScoringError::NoBand(total)])?;
    let canonical = band
        .canonical
        .as_deref()
        .and_then(RiskBand::parse)
        .unwrap_or(RiskBand::None);
    Ok(Score {
        table: t.key.clone(),
        total,
        band: band.key.clone(),
        canonical,
        points: given,
    })
}

/// Looks up a classification value (a triage level, a family category, a case type…).
pub fn classify<'v>(
    variant: &'v Variant,
    classification: &str,
    value: &str,
) -> Result<&'v ClassValue, ScoringError> {
    let c = variant
        .classification(classification)
        .ok_or_else(|| ScoringError::UnknownClassification(classification.to_string()))?;
    c.values
        .iter()
        .find(|v| v.key == value)
        .ok_or_else(|| ScoringError::UnknownValue {
            classification: classification.to_string(),
            value: value.to_string(),
        })
}

/// A value that changes over time, every change kept (bands, categories, case types, readiness).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History<T> {
    entries: Vec<(DateTime<Utc>, T)>,
}

impl<T> Default for History<T> {
    fn default() -> Self {
        History {
            entries: Vec::new(),
        }
    }
}

/// One change in a [`History`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change<'a, T> {
    pub at: DateTime<Utc>,
    pub from: Option<&'a T>,
    pub to: &'a T,
}

impl<T: PartialEq> History<T> {
    pub fn new() -> Self {
        History {
            entries: Vec::new(),
        }
    }
    /// Records a value from `at` on. Recording the value already in force changes nothing.
    pub fn record(&mut self, at: DateTime<Utc>, value: T) {
        if self.at(at) == Some(&value) {
            return;
        }
        let pos = self.entries.partition_point(|(t, _)| *t <= at);
        self.entries.insert(pos, (at, value));
    }
    /// The value in force at `t`.
    pub fn at(&self, t: DateTime<Utc>) -> Option<&T> {
        let pos = self.entries.partition_point(|(x, _)| *x <= t);
        pos.checked_sub(1).map(|i| &self.entries[i].1)
    }
    pub fn current(&self) -> Option<&T> {
        self.entries.last().map(|(_, v)| v)
    }
    /// Every change in time order.
    pub fn changes(&self) -> impl Iterator<Item = Change<'_, T>> {
        self.entries.iter().enumerate().map(|(i, (at, v))| Change {
            at: *at,
            from: i.checked_sub(1).map(|j| &self.entries[j].1),
            to: v,
        })
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The history of one classification of one case, checked against the variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassificationHistory {
    pub classification: String,
    pub history: History<String>,
}

impl ClassificationHistory {
    pub fn new(variant: &Variant, classification: &str) -> Result<Self, ScoringError> {
        variant
            .classification(classification)
            .ok_or_else(|| ScoringError::UnknownClassification(classification.to_string()))?;
        Ok(ClassificationHistory {
            classification: classification.to_string(),
            history: History::new(),
        })
    }
    /// Records a move to `value` (a value the classification declares).
    pub fn record(
        &mut self,
        variant: &Variant,
        at: DateTime<Utc>,
        value: &str,
    ) -> Result<(), ScoringError> {
        classify(variant, &self.classification, value)?;
        self.history.record(at, value.to_string());
        Ok(())
    }
}

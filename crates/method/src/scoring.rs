//! Scoring and triage: score tables (criteria → points → band, e.g. the fund's complexity),
//! classifications (the clinic's risk triage, the state centre's family categories, the
//! volunteers' case types and readiness stages), and [`History`] of how a case's band or
//! category changed over time (it is part of monitoring).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Variant;
use crate::schema::{Band, ClassValue, ScoreTable};
use crate::vocabulary::RiskBand;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum ScoringError {
    #[error("unknown score table \"{0}\"")]
    UnknownTable(String),
    #[error("unknown classification \"{0}\"")]
    UnknownClassification(String),
    #[error("unknown criterion \"{0}\"")]
    UnknownCriterion(String),
    #[error("criterion \"{0}\" has no points")]
    MissingCriterion(String),
    #[error("criterion \"{criterion}\": {points} points is outside {min}–{max}")]
    OutOfRange {
        criterion: String,
        points: u32,
        min: u32,
        max: u32,
    },
    #[error("a total of {0} falls into no band")]
    NoBand(u32),
    #[error("\"{classification}\" has no value \"{value}\"")]
    UnknownValue {
        classification: String,
        value: String,
    },
}

/// The result of scoring a case on one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub table: String,
    pub total: u32,
    /// The variant's own band key (`low`, `medium`, `high`).
    pub band: String,
    pub canonical: RiskBand,
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
    let t = variant
        .score_table(table)
        .ok_or_else(|| vec![ScoringError::UnknownTable(table.to_string())])?;
    let mut errors = Vec::new();
    for key in points.keys() {
        if !t.criteria.iter().any(|c| &c.key == key) {
            errors.push(ScoringError::UnknownCriterion(key.clone()));
        }
    }
    let mut total = 0;
    for c in &t.criteria {
        match points.get(&c.key) {
            None => errors.push(ScoringError::MissingCriterion(c.key.clone())),
            Some(&p) if p < c.min || p > c.max => errors.push(ScoringError::OutOfRange {
                criterion: c.key.clone(),
                points: p,
                min: c.min,
                max: c.max,
            }),
            Some(&p) => total += p,
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

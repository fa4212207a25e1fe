//! Per-case norms that are not deadlines: the yearly spending limit (fund: 500 000 RUB per case
//! per year; above it a separate approval is needed), the case year it counts in, and amounts as
//! a Russian reader writes them.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::Variant;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CostCheck {
    /// The variant sets no limit.
    NoLimit,
    WithinLimit {
        left_minor: u64,
    },
    /// Spending would pass the limit: the named decision must approve it.
    NeedsApproval {
        over_by_minor: u64,
        decision: Option<String>,
    },
}

/// Checks a case's spending in the current year (minor units) plus a planned expense.
pub fn check_cost(variant: &Variant, spent_this_year_minor: u64, planned_minor: u64) -> CostCheck {
    let Some(limit) = &variant.doc().cost_limit else {
        return CostCheck::NoLimit;
    };
    let total = spent_this_year_minor.saturating_add(planned_minor);
    if total <= limit.max_minor_per_year {
        CostCheck::WithinLimit {
            left_minor: limit.max_minor_per_year - total,
        }
    } else {
        CostCheck::NeedsApproval {
            over_by_minor: total - limit.max_minor_per_year,
            decision: limit.over_limit_decision.clone(),
        }
    }
}

/// The first day of case year `year` (1 for the year that starts on the opening day). A year
/// opened on 29 February starts its anniversaries on 28 February.
pub fn case_year_start(opened_on: NaiveDate, year: u32) -> Option<NaiveDate> {
    let months = year.checked_sub(1)?.checked_mul(12)?;
    opened_on.checked_add_months(Months::new(months))
}

/// The case year `on` falls in: 1 from the opening day to the day before its first anniversary,
/// 2 for the next twelve months, and so on; `None` before the opening day.
pub fn case_year(opened_on: NaiveDate, on: NaiveDate) -> Option<u32> {
    if on < opened_on {
        return None;
    }
    let mut year = u32::try_from(on.year() - opened_on.year()).ok()? + 1;
    while year > 1 && case_year_start(opened_on, year).is_none_or(|start| start > on) {
        year -= 1;
    }
    while case_year_start(opened_on, year + 1).is_some_and(|next| next <= on) {
        year += 1;
    }
    Some(year)
}

/// The first and the last day of case year `year`.
pub fn case_year_days(opened_on: NaiveDate, year: u32) -> Option<(NaiveDate, NaiveDate)> {
    let first = case_year_start(opened_on, year)?;
    let last = case_year_start(opened_on, year + 1)?.pred_opt()?;
    Some((first, last))
}

/// An amount in minor units as Russian text: «480 000 ₽», «1 234,50 ₸», «12,00 EUR».
pub fn format_minor(minor: u64, currency: &str) -> String {
    let major = (minor / 100).to_string();
    let cents = minor % 100;
    let mut grouped = String::with_capacity(major.len() + major.len() / 3);
    for (i, digit) in major.chars().enumerate() {
        if i > 0 && (major.len() - i).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(digit);
    }
    if cents != 0 {
        grouped.push_str(&format!(",{cents:02}"));
    }
    let sign = match currency {
        "RUB" => "₽",
        "KZT" => "₸",
        other => other,
    };
    format!("{grouped} {sign}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_case_year_runs_from_the_opening_day_to_the_day_before_its_anniversary() {
        let opened = day("2026-04-13");
        assert_eq!(case_year(opened, day("2026-04-12")), None);
        assert_eq!(case_year(opened, day("2026-04-13")), Some(1));
        assert_eq!(case_year(opened, day("2026-12-31")), Some(1));
        assert_eq!(case_year(opened, day("2027-01-01")), Some(1));
        assert_eq!(case_year(opened, day("2027-04-12")), Some(1));
        assert_eq!(case_year(opened, day("2027-04-13")), Some(2));
        assert_eq!(case_year(opened, day("2029-04-13")), Some(4));
        assert_eq!(
            case_year_days(opened, 2),
            Some((day("2027-04-13"), day("2028-04-12")))
        );
    }

    #[test]
    fn a_case_opened_on_29_february_has_its_anniversaries_on_28_february() {
        let opened = day("2028-02-29");
        assert_eq!(case_year(opened, day("2029-02-27")), Some(1));
        assert_eq!(case_year(opened, day("2029-02-28")), Some(2));
        assert_eq!(case_year(opened, day("2032-02-29")), Some(5));
    }

    #[test]
    fn amounts_read_grouped_by_thousands_with_the_currency_sign() {
        assert_eq!(format_minor(50_000_000, "RUB"), "500 000 ₽");
        assert_eq!(format_minor(48_000_000, "RUB"), "480 000 ₽");
        assert_eq!(format_minor(123_450, "KZT"), "1 234,50 ₸");
        assert_eq!(format_minor(1, "RUB"), "0,01 ₽");
        assert_eq!(format_minor(1_200, "EUR"), "12 EUR");
    }
}

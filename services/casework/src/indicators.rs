//! The organisation's own indicators («показатели организации»), computed inside the
//! organisation from its own database, on the shared catalogue (`kurator_analytics::catalogue`):
//! exact numerators and denominators per calendar month of the organisation's time zone, and for
//! the whole period. The organisation's administrators, supervisors and methodologists see them
//! exact; what leaves the organisation for comparison goes through disclosure control first.
//!
//! An indicator the organisation's variant does not map is «not comparable» and carries no
//! figures — never 0.
//!
//! Children are the family members recorded with the role `child`. Closures record outcomes per
//! case: an outcome recorded at a family's closure (the child lives safely in the birth family,
//! the quality of life improved in a domain) counts for each child of that family.

use crate::actor::Actor;
use crate::error::{CaseworkError, CaseworkResult};
use crate::runtime::TenantRuntime;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use kurator_analytics::catalogue::{
    Catalogue, Comparability, Indicator, Label, Measure, NONE, PeriodRule, Unit, VariantMapping,
    comparability,
};
use kurator_method::Variant;
use kurator_method::problem;
use kurator_method::vocabulary::Outcome;
use kurator_store::tenant::cases::{self, IndicatorCase};

/// The shared indicators computed from the organisation's records today, in catalogue order.
/// The others of the catalogue (deadlines met, reopening, risk bands, length of support, caseload)
/// are not computed yet and are not listed.
pub const COMPUTED: &[&str] = &[
    "cases_opened",
    "cases_closed",
    "closed_child_safe_in_family",
    "children_safe_in_family",
    "children_quality_of_life_improved",
    "parental_rights_restored",
    "median_length_of_support",
];

/// Earliest and latest year asked about.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A count, or a numerator over its denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Figure {
    pub numerator: u64,
    /// `None` for a count.
    pub denominator: Option<u64>,
}

impl Figure {
    /// The share in per cent, one decimal, half up; `None` for a count or an empty denominator.
    pub fn percent(&self) -> Option<f64> {
        let denominator = self.denominator.filter(|d| *d > 0)?;
        let tenths = (self.numerator * 1000 * 2 + denominator) / (denominator * 2);
        Some(tenths as f64 / 10.0)
    }
}

/// One month's figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthFigure {
    pub year: i32,
    pub month: u32,
    pub figure: Figure,
}

/// One indicator of the organisation for the period asked.
#[derive(Debug, Clone)]
pub struct OwnIndicator {
    pub indicator: Indicator,
    pub comparability: Comparability,
    /// Every month of the period, empty when not comparable.
    pub months: Vec<MonthFigure>,
    /// The whole period: months added up, or — for «supported in the period» — counted over
    /// the period itself. `None` when not comparable.
    pub period: Option<Figure>,
    /// The same figures broken down by each stratum the catalogue allows for the indicator
    /// (children by sex and by age band at closure); their categories add up to the total.
    pub strata: Vec<StratumFigures>,
    /// For a distribution over ordered bands: the band in which the cumulative share of the
    /// period reaches one half; `None` when nothing was counted.
    pub median: Option<String>,
}

/// The category in which the cumulative count of the period reaches half the total.
fn median_category(stratum: &StratumFigures) -> Option<String> {
    let total: u64 = stratum.categories.iter().map(|c| c.period.numerator).sum();
    if total == 0 {
        return None;
    }
    let mut cumulative = 0;
    stratum.categories.iter().find_map(|c| {
        cumulative += c.period.numerator;
        (cumulative * 2 >= total).then(|| c.category.clone())
    })
}

/// An indicator's figures broken down by one stratum.
#[derive(Debug, Clone)]
pub struct StratumFigures {
    /// The catalogue's stratification key (`sex`, `age_band`).
    pub stratum: String,
    pub name: Label,
    pub categories: Vec<CategoryFigures>,
}

#[derive(Debug, Clone)]
pub struct CategoryFigures {
    pub category: String,
    pub name: Label,
    pub months: Vec<MonthFigure>,
    pub period: Figure,
}

/// A child of a family, as the strata see them.
struct Child {
    /// `female`, `male` or `unknown` (the catalogue's categories of `sex`).
    sex: &'static str,
    born: Option<NaiveDate>,
}

impl Child {
    /// The child's category of `stratum` on `day` (`none`: the total alone).
    fn category(&self, stratum: &str, day: NaiveDate) -> &'static str {
        match stratum {
            SEX => self.sex,
            AGE_BAND => match self.born.and_then(|born| day.years_since(born)) {
                Some(0..=2) => "0_2",
                Some(3..=6) => "3_6",
                Some(7..=10) => "7_10",
                Some(11..=14) => "11_14",
                Some(15..=17) => "15_17",
                _ => "unknown",
            },
            _ => NONE,
        }
    }
}

const SEX: &str = "sex";
const AGE_BAND: &str = "age_band";
const LENGTH_OF_SUPPORT: &str = "length_of_support";

/// The band of completed months from `opened` to `closed` (the catalogue's `length_of_support`).
fn length_band(opened: NaiveDate, closed: NaiveDate) -> &'static str {
    let months = (closed.year() - opened.year()) * 12 + closed.month() as i32
        - opened.month() as i32
        - i32::from(closed.day() < opened.day());
    match months {
        ..3 => "under_3_months",
        3..6 => "3_6_months",
        6..12 => "6_12_months",
        12..18 => "12_18_months",
        18..24 => "18_24_months",
        _ => "24_months_or_more",
    }
}

fn child(member: &serde_json::Value) -> Child {
    let text = |key: &str| member.get(key).and_then(|v| v.as_str()).unwrap_or_default();
    let sex = match text("sex").trim().to_lowercase().as_str() {
        "f" | "female" | "ж" | "жен" | "женский" => "female",
        "m" | "male" | "м" | "муж" | "мужской" => "male",
        _ => "unknown",
    };
    Child {
        sex,
        born: NaiveDate::parse_from_str(text("birthDate"), "%Y-%m-%d").ok(),
    }
}

/// What one case brings to the figures, read once.
struct Facts {
    opened: Option<NaiveDate>,
    closed: Option<NaiveDate>,
    /// Supported from, to (inclusive, local days).
    supported: (NaiveDate, Option<NaiveDate>),
    children: Vec<Child>,
    outcomes: Vec<Outcome>,
    improved: bool,
}

fn facts(case: &IndicatorCase, variant: &Variant, tz: Tz) -> Facts {
    let local = |at: DateTime<Utc>| at.with_timezone(&tz).date_naive();
    use crate::case_file::status::{DECLINED, INTAKE};
    // A request that never became a case — still in intake, or declined after the first visit —
    // was neither opened nor closed.
    let was_opened = case.status != INTAKE && case.status != DECLINED;
    let opened = was_opened.then(|| local(case.opened_at));
    let closed = case.closed_at.filter(|_| was_opened).map(local);
    let children = case
        .family
        .get("members")
        .and_then(|m| m.as_array())
        .map(|members| {
            members
                .iter()
                .filter(|m| m.get("role").and_then(|r| r.as_str()) == Some("child"))
                .map(child)
                .collect()
        })
        .unwrap_or_default();
    let recorded = |key: &str| {
        case.outcome
            .as_ref()
            .and_then(|o| o.get(key))
            .and_then(|v| v.as_array())
            .map(|values| {
                values
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let outcomes: Vec<Outcome> = recorded("outcomes")
        .iter()
        .filter_map(|key| variant.doc().outcomes.iter().find(|o| &o.key == key))
        .filter_map(|o| o.canonical.as_deref().and_then(Outcome::parse))
        .collect();
    let improved =
        !recorded("improved_domains").is_empty() || outcomes.contains(&Outcome::WellbeingImproved);
    Facts {
        opened,
        closed,
        supported: (local(case.opened_at), closed),
        children,
        outcomes,
        improved,
    }
}

/// The first local day of each month of `year`, and the first day of the next year.
fn month_starts(year: i32) -> Vec<NaiveDate> {
    (1..=12)
        .filter_map(|m| NaiveDate::from_ymd_opt(year, m, 1))
        .chain(NaiveDate::from_ymd_opt(year + 1, 1, 1))
        .collect()
}

/// The figure of `key` over the local days `[from, to)`, for the children of category
/// `category` of `stratum` (`none`: every child).
fn figure(
    key: &str,
    cases: &[Facts],
    (from, to): (NaiveDate, NaiveDate),
    (stratum, category): (&str, &str),
) -> Figure {
    let within = |day: Option<NaiveDate>| day.is_some_and(|d| d >= from && d < to);
    let closed: Vec<&Facts> = cases.iter().filter(|c| within(c.closed)).collect();
    // Children are counted as they were when their family's case closed.
    let children = |cases: &[&Facts]| {
        cases
            .iter()
            .map(|c| {
                let day = c.closed.unwrap_or(from);
                c.children
                    .iter()
                    .filter(|child| child.category(stratum, day) == category)
                    .count() as u64
            })
            .sum::<u64>()
    };
    let share = |numerator: u64, denominator: u64| Figure {
        numerator,
        denominator: Some(denominator),
    };
    match key {
        "cases_opened" => Figure {
            numerator: cases.iter().filter(|c| within(c.opened)).count() as u64,
            denominator: None,
        },
        "cases_closed" => Figure {
            numerator: closed.len() as u64,
            denominator: None,
        },
        "closed_child_safe_in_family" => share(
            closed
                .iter()
                .filter(|c| c.outcomes.contains(&Outcome::ChildSafeInFamily))
                .count() as u64,
            closed.len() as u64,
        ),
        "children_safe_in_family" => {
            let safe: Vec<&Facts> = closed
                .iter()
                .copied()
                .filter(|c| c.outcomes.contains(&Outcome::ChildSafeInFamily))
                .collect();
            share(children(&safe), children(&closed))
        }
        "children_quality_of_life_improved" => {
            let improved: Vec<&Facts> = closed.iter().copied().filter(|c| c.improved).collect();
            share(children(&improved), children(&closed))
        }
        "median_length_of_support" => match stratum {
            LENGTH_OF_SUPPORT => share(
                closed
                    .iter()
                    .filter(|c| {
                        c.opened
                            .zip(c.closed)
                            .is_some_and(|(o, d)| length_band(o, d) == category)
                    })
                    .count() as u64,
                closed.len() as u64,
            ),
            _ => Figure {
                numerator: closed.len() as u64,
                denominator: None,
            },
        },
        "parental_rights_restored" => {
            // Every family supported on at least one day of the period, closed or not.
            let supported: Vec<&Facts> = cases
                .iter()
                .filter(|c| c.opened.is_some())
                .filter(|c| c.supported.0 < to && c.supported.1.is_none_or(|end| end >= from))
                .collect();
            share(
                supported
                    .iter()
                    .filter(|c| within(c.closed))
                    .filter(|c| c.outcomes.contains(&Outcome::ParentalRightsRestored))
                    .count() as u64,
                supported.len() as u64,
            )
        }
        _ => Figure::default(),
    }
}

/// An indicator's figure for each month starting in `starts` and for the whole period, for one
/// stratum's category.
fn figures(
    indicator: &Indicator,
    cases: &[Facts],
    starts: &[NaiveDate],
    cell: (&str, &str),
) -> (Vec<MonthFigure>, Figure) {
    let key = indicator.key.as_str();
    let months: Vec<MonthFigure> = starts
        .windows(2)
        .map(|w| MonthFigure {
            year: w[0].year(),
            month: w[0].month(),
            figure: figure(key, cases, (w[0], w[1]), cell),
        })
        .collect();
    let period = match (indicator.period_rule, starts.first(), starts.last()) {
        (PeriodRule::SupportedInPeriod, Some(first), Some(last)) => {
            figure(key, cases, (*first, *last), cell)
        }
        _ => sum(&months),
    };
    (months, period)
}

/// Adds up the months of a period.
fn sum(months: &[MonthFigure]) -> Figure {
    months.iter().fold(Figure::default(), |total, m| Figure {
        numerator: total.numerator + m.figure.numerator,
        denominator: match (total.denominator, m.figure.denominator) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        },
    })
}

/// The organisation's exact figures for `year`, per month and for the year, for its
/// administrators, supervisors and methodologists.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, year))]
pub async fn own(
    runtime: &TenantRuntime,
    actor: &Actor,
    year: i32,
) -> CaseworkResult<Vec<OwnIndicator>> {
    actor.require_own_figures()?;
    if !YEARS.contains(&year) {
        let (min, max) = (YEARS.start(), YEARS.end());
        return Err(CaseworkError::rejected(problem!(
            at = "year",
            "invalid_year",
            "year: от {min} до {max}",
            "year: {min} to {max}"
        )));
    }
    compute(runtime, year).await
}

/// The organisation's exact figures for `year`, computed for the organisation itself: its own
/// staff through [`own`], and the nightly publication, which protects them before anything
/// leaves (`crate::publication`).
pub(crate) async fn compute(
    runtime: &TenantRuntime,
    year: i32,
) -> CaseworkResult<Vec<OwnIndicator>> {
    let catalogue = Catalogue::shared().map_err(|e| CaseworkError::Variant(e.to_string()))?;
    let variant = runtime.current_variant()?.clone();
    let tz: Tz = variant
        .doc()
        .time_zone
        .parse()
        .map_err(|_| CaseworkError::Variant("the variant's time zone is unknown".into()))?;
    let starts = month_starts(year);
    let instant = |day: NaiveDate| {
        tz.from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| CaseworkError::Variant("a month without a first moment".into()))
    };
    let (first, last) = match (starts.first(), starts.last()) {
        (Some(first), Some(last)) => (instant(*first)?, instant(*last)?),
        _ => return Ok(Vec::new()),
    };
    let tx = runtime.begin().await?;
    let rows = cases::supported_between(&tx, first, last).await?;
    tx.commit().await?;
    let cases: Vec<Facts> = rows.iter().map(|c| facts(c, &variant, tz)).collect();

    let mapping = VariantMapping::of(&variant);
    let mut own = Vec::new();
    for key in COMPUTED {
        let Some(indicator) = catalogue.latest(key) else {
            continue;
        };
        let verdict = comparability(&indicator.requires, &mapping);
        if verdict != Comparability::Comparable {
            own.push(OwnIndicator {
                indicator: indicator.clone(),
                comparability: verdict,
                months: Vec::new(),
                period: None,
                strata: Vec::new(),
                median: None,
            });
            continue;
        }
        let (months, period) = figures(indicator, &cases, &starts, (NONE, NONE));
        // A distribution is broken down by its own categories; children's figures by the
        // strata the catalogue allows them.
        let breakdowns: Vec<&str> = match indicator.measure {
            Measure::Distribution => indicator.over.iter().map(String::as_str).collect(),
            _ if indicator.unit == Unit::Children => indicator
                .strata
                .iter()
                .map(String::as_str)
                .filter(|stratum| *stratum != NONE)
                .collect(),
            _ => Vec::new(),
        };
        let strata: Vec<StratumFigures> = breakdowns
            .into_iter()
            .filter_map(|stratum| catalogue.stratification(stratum))
            .map(|stratification| StratumFigures {
                stratum: stratification.key.clone(),
                name: stratification.name.clone(),
                categories: stratification
                    .categories
                    .iter()
                    .map(|category| {
                        let cell = (stratification.key.as_str(), category.key.as_str());
                        let (months, period) = figures(indicator, &cases, &starts, cell);
                        CategoryFigures {
                            category: category.key.clone(),
                            name: category.name.clone(),
                            months,
                            period,
                        }
                    })
                    .collect(),
            })
            .collect();
        let median = match indicator.measure {
            Measure::Distribution => strata.first().and_then(median_category),
            _ => None,
        };
        own.push(OwnIndicator {
            indicator: indicator.clone(),
            comparability: verdict,
            months,
            period: Some(period),
            strata,
            median,
        });
    }
    Ok(own)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_length_of_support_counts_completed_months() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            length_band(day(2019, 4, 7), day(2019, 7, 6)),
            "under_3_months"
        );
        assert_eq!(length_band(day(2019, 4, 7), day(2019, 7, 7)), "3_6_months");
        assert_eq!(
            length_band(day(2019, 4, 7), day(2019, 11, 7)),
            "6_12_months"
        );
        assert_eq!(length_band(day(2019, 4, 7), day(2020, 4, 6)), "6_12_months");
        assert_eq!(
            length_band(day(2019, 4, 7), day(2020, 4, 7)),
            "12_18_months"
        );
        assert_eq!(
            length_band(day(2019, 1, 31), day(2020, 7, 31)),
            "18_24_months"
        );
        assert_eq!(
            length_band(day(2019, 1, 1), day(2021, 1, 1)),
            "24_months_or_more"
        );
    }

    #[test]
    fn shares_are_rounded_half_up_to_one_decimal() {
        let share = |n, d| Figure {
            numerator: n,
            denominator: Some(d),
        };
        // seed 001 §4.1, 2019: 26 of 32 families, 65 and 61 of 81 children.
        assert_eq!(share(26, 32).percent(), Some(81.3));
        assert_eq!(share(65, 81).percent(), Some(80.2));
        assert_eq!(share(61, 81).percent(), Some(75.3));
        // 2021: 31 of 37, 67 and 61 of 89.
        assert_eq!(share(31, 37).percent(), Some(83.8));
        assert_eq!(share(67, 89).percent(), Some(75.3));
        assert_eq!(share(61, 89).percent(), Some(68.5));
        assert_eq!(share(1, 8).percent(), Some(12.5));
        assert_eq!(share(0, 0).percent(), None);
        let count = Figure {
            numerator: 3,
            denominator: None,
        };
        assert_eq!(count.percent(), None);
    }
}

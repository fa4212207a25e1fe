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
use crate::case_file::kind::{ATTRIBUTE, CLOSURE, REOPENED};
use crate::error::{CaseworkError, CaseworkResult};
use crate::runtime::TenantRuntime;
use chrono::{DateTime, Datelike, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use kurator_analytics::catalogue::{
    Catalogue, Comparability, Indicator, Label, Measure, NONE, PeriodRule, Unit, VariantMapping,
    comparability,
};
use kurator_method::Variant;
use kurator_method::caseload::{self, CuratorLoad, LoadCase, Proposed};
use kurator_method::problem;
use kurator_method::schema::{
    CaseloadPolicy, ClassificationPurpose, Indicator as VariantIndicator, IndicatorPopulation,
    IndicatorUnit,
};
use kurator_method::vocabulary::{Outcome, RiskBand};
use kurator_store::tenant::cases::{self, IndicatorCase, IndicatorRecord};
use kurator_store::tenant::obligations;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The shared indicators computed from the organisation's records, in catalogue order.
pub const COMPUTED: &[&str] = &[
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
    /// The figure can still grow on its own: the month's cohort is followed after it ends (cases
    /// reopened within 12 months of closure) and the follow-up has not ended yet.
    pub provisional: bool,
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
    /// For a cohort followed after the period (reopening within 12 months): the local day until
    /// which the period's figure can still grow; `None` once it is final or for other rules.
    pub provisional_until: Option<NaiveDate>,
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
#[derive(Clone)]
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
const RISK_BAND: &str = "risk_band";

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
#[derive(Clone)]
struct Facts {
    id: Uuid,
    status: String,
    opened: Option<NaiveDate>,
    closed: Option<NaiveDate>,
    opened_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    post_support_until: Option<DateTime<Utc>>,
    curator: Option<Uuid>,
    /// Supported from, to (inclusive, local days).
    supported: (NaiveDate, Option<NaiveDate>),
    children: Vec<Child>,
    outcomes: Vec<Outcome>,
    /// The variant's own outcome keys recorded at closure.
    recorded: Vec<String>,
    improved: bool,
    /// The case's attributes now.
    attributes: BTreeMap<String, String>,
    /// Every change of an attribute: when, which, and the value it had before.
    changes: Vec<(DateTime<Utc>, String, Option<String>)>,
}

impl Facts {
    /// The value of attribute `key` at `at`: the value before the first change after `at`, or
    /// the value now when it has not changed since.
    fn attribute_at(&self, key: &str, at: DateTime<Utc>) -> Option<String> {
        match self
            .changes
            .iter()
            .find(|(when, k, _)| *when > at && k == key)
        {
            Some((_, _, before)) => before.clone(),
            None => self.attributes.get(key).cloned(),
        }
    }

    /// Every attribute as it was at `at`.
    fn attributes_at(&self, at: DateTime<Utc>) -> BTreeMap<String, String> {
        let mut keys: Vec<&String> = self.attributes.keys().collect();
        keys.extend(self.changes.iter().map(|(_, k, _)| k));
        keys.into_iter()
            .filter_map(|k| self.attribute_at(k, at).map(|v| (k.clone(), v)))
            .collect()
    }
}

/// What a closure recorded (`outcome` of the case, or of its closure record): the canonical
/// outcomes, the variant's own outcome keys, and whether the quality of life improved.
fn closure_outcome(
    outcome: Option<&serde_json::Value>,
    variant: &Variant,
) -> (Vec<Outcome>, Vec<String>, bool) {
    let recorded = |key: &str| {
        outcome
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
    let keys = recorded("outcomes");
    let outcomes: Vec<Outcome> = keys
        .iter()
        .filter_map(|key| variant.doc().outcomes.iter().find(|o| &o.key == key))
        .filter_map(|o| o.canonical.as_deref().and_then(Outcome::parse))
        .collect();
    let improved =
        !recorded("improved_domains").is_empty() || outcomes.contains(&Outcome::WellbeingImproved);
    (outcomes, keys, improved)
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
    let (outcomes, recorded_outcomes, improved) = closure_outcome(case.outcome.as_ref(), variant);
    let attributes = case
        .attributes
        .as_object()
        .map(crate::attribute_events::strings)
        .unwrap_or_default();
    Facts {
        id: case.id,
        status: case.status.clone(),
        opened,
        closed,
        opened_at: case.opened_at,
        closed_at: case.closed_at.filter(|_| was_opened),
        post_support_until: case.post_support_until,
        curator: case.curator_id,
        supported: (local(case.opened_at), closed),
        children,
        outcomes,
        recorded: recorded_outcomes,
        improved,
        attributes,
        changes: Vec::new(),
    }
}

/// The variant's scale that maps onto the canonical risk bands (`risk_bands` of the catalogue):
/// the attribute that holds it and the canonical band of each of its values. A risk or category
/// classification comes first, then a score table (stored by band).
fn risk_scale(variant: &Variant) -> Option<(String, BTreeMap<String, &'static str>)> {
    let doc = variant.doc();
    let band = |canonical: Option<&str>| canonical.and_then(RiskBand::parse).map(RiskBand::key);
    let classification = doc
        .classifications
        .iter()
        .filter(|c| {
            matches!(
                c.purpose,
                ClassificationPurpose::Risk | ClassificationPurpose::Category
            ) && !c.values.is_empty()
        })
        .find_map(|c| {
            let values: Option<BTreeMap<String, &'static str>> = c
                .values
                .iter()
                .map(|v| band(v.canonical.as_deref()).map(|b| (v.key.clone(), b)))
                .collect();
            values.map(|v| (c.key.clone(), v))
        });
    classification.or_else(|| {
        doc.scoring
            .iter()
            .filter(|t| !t.bands.is_empty())
            .find_map(|t| {
                let values: Option<BTreeMap<String, &'static str>> = t
                    .bands
                    .iter()
                    .map(|b| band(b.canonical.as_deref()).map(|c| (b.key.clone(), c)))
                    .collect();
                values.map(|v| (t.key.clone(), v))
            })
    })
}

/// A closure of a case (an entry `closure` of its record) — a case reopened as the same case
/// (clinic) keeps every closure it had, though its row holds only the last.
struct Closure {
    case_id: Uuid,
    at: DateTime<Utc>,
    day: NaiveDate,
    /// What the closure recorded.
    outcome: Option<serde_json::Value>,
}

/// Everything the figures of a period are computed from.
struct Data {
    cases: Vec<Facts>,
    /// Every closure of the period of a case that was opened, as the case was at that closure:
    /// closed that day, with what that closure recorded. A case reopened as the same case
    /// (clinic) and closed again is in it twice.
    closed: Vec<Facts>,
    closures: Vec<Closure>,
    /// The case a reopening came from (the same case, or the one a new case continues) and when.
    reopenings: Vec<(Uuid, DateTime<Utc>)>,
    risk: Option<(String, BTreeMap<String, &'static str>)>,
    caseload: Option<CaseloadPolicy>,
    /// Step deadlines and recurring obligations that fell due or were met: the local day each
    /// was due, and whether it was met by its due instant.
    due: Vec<(NaiveDate, bool)>,
    variant: std::sync::Arc<Variant>,
    tz: Tz,
}

impl Data {
    /// The first instant of local day `day`.
    fn instant(&self, day: NaiveDate) -> Option<DateTime<Utc>> {
        self.tz
            .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The canonical risk band of a case at `at`, if its scale value is recorded.
    fn risk_band_at(&self, case: &Facts, at: DateTime<Utc>) -> Option<&'static str> {
        let (key, bands) = self.risk.as_ref()?;
        case.attribute_at(key, at)
            .and_then(|value| bands.get(&value).copied())
    }

    /// Curators holding at least one case (active, in intake or in post-support) at `at`, and
    /// those of them whose caseload is within the variant's cap — by the same arithmetic that
    /// decides an assignment: each held case, taken out and proposed again, must be allowed.
    fn curators_within_cap(&self, at: DateTime<Utc>) -> Figure {
        use crate::case_file::status::{DECLINED, POST_SUPPORT};
        let mut held: BTreeMap<Uuid, (Vec<LoadCase>, u32)> = BTreeMap::new();
        for case in self.cases.iter().filter(|c| c.status != DECLINED) {
            let Some(curator) = case.curator else {
                continue;
            };
            // A request in intake counts from its registration (its `opened_at` until opened).
            let active = case.opened_at < at && case.closed_at.is_none_or(|c| c >= at);
            // Post-support ends when it is ended, or when the family's work restarts.
            let reopened = |closed: DateTime<Utc>| {
                self.reopenings
                    .iter()
                    .any(|(from, when)| *from == case.id && *when > closed && *when < at)
            };
            let post_support = case.closed_at.is_some_and(|c| c < at && !reopened(c))
                && (case.status == POST_SUPPORT
                    || case.post_support_until.is_some_and(|until| until > at));
            let entry = held.entry(curator).or_default();
            if active {
                entry.0.push(LoadCase {
                    attributes: case.attributes_at(at),
                });
            } else if post_support {
                entry.1 += 1;
            }
        }
        held.retain(|_, (active, post)| !active.is_empty() || *post > 0);
        let within = held
            .values()
            .filter(|(active, post)| match &self.caseload {
                None => true,
                Some(policy) => within_cap(&self.variant, policy, active, *post),
            })
            .count();
        Figure {
            numerator: within as u64,
            denominator: Some(held.len() as u64),
        }
    }
}

/// Whether a curator holding `active` cases and `post_support` families in post-support is
/// within the policy: none of the cases, taken out and proposed again, would be refused.
fn within_cap(
    variant: &Variant,
    policy: &CaseloadPolicy,
    active: &[LoadCase],
    post_support: u32,
) -> bool {
    // A case with no category yet is refused for that, not for the load it makes.
    let over = |assessment: caseload::Assessment| {
        assessment
            .refusals
            .iter()
            .any(|p| p.code != "caseload_category_missing")
    };
    let active_ok = (0..active.len()).all(|i| {
        let mut others = active.to_vec();
        let case = others.remove(i);
        let load = CuratorLoad {
            active: others,
            post_support,
        };
        let proposed = Proposed {
            case,
            post_support: false,
        };
        !over(caseload::assess(variant, policy, &load, &proposed))
    });
    let post_ok = post_support == 0 || {
        let load = CuratorLoad {
            active: active.to_vec(),
            post_support: post_support - 1,
        };
        let proposed = Proposed {
            case: LoadCase {
                attributes: BTreeMap::new(),
            },
            post_support: true,
        };
        !over(caseload::assess(variant, policy, &load, &proposed))
    };
    active_ok && post_ok
}

/// The first local day of each month of `year`, and the first day of the next year.
fn month_starts(year: i32) -> Vec<NaiveDate> {
    (1..=12)
        .filter_map(|m| NaiveDate::from_ymd_opt(year, m, 1))
        .chain(NaiveDate::from_ymd_opt(year + 1, 1, 1))
        .collect()
}

/// The figure of `key` over the local days `[from, to)`, for the cases or children of category
/// `category` of `stratum` (`none`: all of them).
fn figure(
    key: &str,
    data: &Data,
    (from, to): (NaiveDate, NaiveDate),
    (stratum, category): (&str, &str),
) -> Figure {
    let cases = &data.cases;
    let within = |day: Option<NaiveDate>| day.is_some_and(|d| d >= from && d < to);
    let closed: Vec<&Facts> = data.closed.iter().filter(|c| within(c.closed)).collect();
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
    // A distribution over risk bands: the cases of the cohort whose band at `at` is recorded,
    // and those of them in `category`.
    let by_risk_band = |cohort: Vec<(&Facts, DateTime<Utc>)>| {
        let bands: Vec<&'static str> = cohort
            .iter()
            .filter_map(|(case, at)| data.risk_band_at(case, *at))
            .collect();
        match stratum {
            RISK_BAND => share(
                bands.iter().filter(|b| **b == category).count() as u64,
                bands.len() as u64,
            ),
            _ => Figure {
                numerator: bands.len() as u64,
                denominator: None,
            },
        }
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
            let restored: std::collections::BTreeSet<Uuid> = closed
                .iter()
                .filter(|k| k.outcomes.contains(&Outcome::ParentalRightsRestored))
                .map(|k| k.id)
                .collect();
            share(
                supported
                    .iter()
                    .filter(|c| restored.contains(&c.id))
                    .count() as u64,
                supported.len() as u64,
            )
        }
        "deadlines_met_on_time" => {
            let due: Vec<bool> = data
                .due
                .iter()
                .filter(|(day, _)| within(Some(*day)))
                .map(|(_, on_time)| *on_time)
                .collect();
            share(
                due.iter().filter(|on_time| **on_time).count() as u64,
                due.len() as u64,
            )
        }
        "reopened_within_12_months" => {
            // Every closure of the month — a case reopened as the same case keeps the earlier
            // closure in its record — and those followed by a reopening from that case (the
            // same case, or a new case of the family) within 12 months.
            let cohort: Vec<&Closure> = data
                .closures
                .iter()
                .filter(|c| within(Some(c.day)))
                .collect();
            let reopened = cohort
                .iter()
                .filter(|closure| {
                    let until = closure.at.checked_add_months(Months::new(12));
                    data.reopenings.iter().any(|(case, at)| {
                        *case == closure.case_id
                            && *at > closure.at
                            && until.is_some_and(|until| *at <= until)
                    })
                })
                .count();
            share(reopened as u64, cohort.len() as u64)
        }
        "risk_band_at_opening" => by_risk_band(
            cases
                .iter()
                .filter(|c| within(c.opened))
                .map(|c| (c, c.opened_at))
                .collect(),
        ),
        "risk_band_at_closure" => by_risk_band(
            closed
                .iter()
                .filter_map(|c| c.closed_at.map(|at| (*c, at)))
                .collect(),
        ),
        "curators_within_caseload_cap" => match data.instant(to) {
            Some(end) => data.curators_within_cap(end),
            None => Figure::default(),
        },
        _ => Figure::default(),
    }
}

/// An indicator's figure for each month starting in `starts` and for the whole period, for one
/// stratum's category.
fn figures(
    indicator: &Indicator,
    data: &Data,
    starts: &[NaiveDate],
    cell: (&str, &str),
    today: NaiveDate,
) -> (Vec<MonthFigure>, Figure) {
    let key = indicator.key.as_str();
    let follow_up = Months::new(indicator.period_rule.follow_up_months());
    let months: Vec<MonthFigure> = starts
        .windows(2)
        .map(|w| MonthFigure {
            year: w[0].year(),
            month: w[0].month(),
            figure: figure(key, data, (w[0], w[1]), cell),
            provisional: follow_up != Months::new(0)
                && w[1]
                    .checked_add_months(follow_up)
                    .is_none_or(|end| end > today),
        })
        .collect();
    let period = match (indicator.period_rule, starts.first(), starts.last()) {
        (PeriodRule::SupportedInPeriod, Some(first), Some(last)) => {
            figure(key, data, (*first, *last), cell)
        }
        // The state at the period's end.
        (PeriodRule::MonthEndSnapshot, _, _) => months.last().map(|m| m.figure).unwrap_or_default(),
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
    check_year(year)?;
    compute(runtime, year).await
}

fn check_year(year: i32) -> CaseworkResult<()> {
    if YEARS.contains(&year) {
        return Ok(());
    }
    let (min, max) = (YEARS.start(), YEARS.end());
    Err(CaseworkError::rejected(problem!(
        at = "year",
        "invalid_year",
        "year: от {min} до {max}",
        "year: {min} to {max}"
    )))
}

/// Everything the figures of `year` are computed from, read in one transaction: the months'
/// first days (and the next year's), and today in the organisation's time zone.
async fn load(
    runtime: &TenantRuntime,
    year: i32,
) -> CaseworkResult<Option<(Data, Vec<NaiveDate>, NaiveDate)>> {
    let variant = runtime.current_variant()?.clone();
    let tz = variant.time_zone();
    let starts = month_starts(year);
    let instant = |day: NaiveDate| {
        tz.from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| CaseworkError::Variant("a month without a first moment".into()))
    };
    let (first, last) = match (starts.first(), starts.last()) {
        (Some(first), Some(last)) => (instant(*first)?, instant(*last)?),
        _ => return Ok(None),
    };
    // Reopenings are followed for 12 months after the last closure of the period.
    let followed_until = last
        .checked_add_months(Months::new(12))
        .ok_or_else(|| CaseworkError::Variant("a year without its follow-up".into()))?;
    let tx = runtime.begin().await?;
    let rows = cases::supported_between(&tx, first, last).await?;
    let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
    let changes = cases::indicator_records_of(&tx, &ids, &[ATTRIBUTE]).await?;
    let closures = cases::records_between(&tx, &[CLOSURE], first, last).await?;
    let reopenings = cases::records_between(&tx, &[REOPENED], first, followed_until).await?;
    let settings = crate::settings::load(&tx).await?;
    let due = obligations::due_between(&tx, first, last, Utc::now()).await?;
    tx.commit().await?;
    let mut cases: Vec<Facts> = rows.iter().map(|c| facts(c, &variant, tz)).collect();
    let mut by_case: BTreeMap<Uuid, Vec<IndicatorRecord>> = BTreeMap::new();
    for change in changes {
        by_case.entry(change.case_id).or_default().push(change);
    }
    for case in &mut cases {
        case.changes = by_case
            .remove(&case.id)
            .unwrap_or_default()
            .into_iter()
            .map(|r| {
                let before = r
                    .data
                    .get("from")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned);
                (r.at, r.key, before)
            })
            .collect();
    }
    let data = Data {
        cases,
        closed: Vec::new(),
        closures: closures
            .into_iter()
            .map(|r| Closure {
                case_id: r.case_id,
                at: r.at,
                day: r.at.with_timezone(&tz).date_naive(),
                outcome: r.data.get("outcome").cloned(),
            })
            .collect(),
        reopenings: reopenings
            .into_iter()
            .filter_map(|r| {
                let from = r.data.get("from_case").and_then(|v| v.as_str())?;
                Some((Uuid::parse_str(from).ok()?, r.at))
            })
            .collect(),
        risk: risk_scale(&variant),
        caseload: crate::settings::caseload_policy(&variant, &settings.settings),
        due: due
            .into_iter()
            .map(|o| {
                let day = o.due_at.with_timezone(&tz).date_naive();
                (day, o.met_at.is_some_and(|met| met <= o.due_at))
            })
            .collect(),
        variant: variant.clone(),
        tz,
    };
    let mut data = data;
    closed_cohort(&mut data);
    let today = Utc::now().with_timezone(&tz).date_naive();
    Ok(Some((data, starts, today)))
}

/// Builds [`Data::closed`] from the closure records, and counts a case reopened as the same case
/// and back in intake (clinic) as opened: it was, before its closure.
fn closed_cohort(data: &mut Data) {
    let local = |at: DateTime<Utc>| at.with_timezone(&data.tz).date_naive();
    let closed_before: std::collections::BTreeSet<Uuid> =
        data.closures.iter().map(|c| c.case_id).collect();
    for case in &mut data.cases {
        if case.opened.is_none()
            && closed_before.contains(&case.id)
            && case.status == crate::case_file::status::INTAKE
        {
            case.opened = Some(local(case.opened_at));
            case.supported = (local(case.opened_at), None);
        }
    }
    let by_id: BTreeMap<Uuid, &Facts> = data
        .cases
        .iter()
        .filter(|c| c.opened.is_some())
        .map(|c| (c.id, c))
        .collect();
    let mut closed = Vec::new();
    for closure in &data.closures {
        let Some(case) = by_id.get(&closure.case_id) else {
            continue;
        };
        let (outcomes, recorded, improved) =
            closure_outcome(closure.outcome.as_ref(), &data.variant);
        closed.push(Facts {
            closed: Some(closure.day),
            closed_at: Some(closure.at),
            outcomes,
            recorded,
            improved,
            ..(*case).clone()
        });
    }
    data.closed = closed;
}

/// The organisation's exact figures for `year`, computed for the organisation itself: its own
/// staff through [`own`], and the nightly publication, which protects them before anything
/// leaves (`crate::publication`).
pub(crate) async fn compute(
    runtime: &TenantRuntime,
    year: i32,
) -> CaseworkResult<Vec<OwnIndicator>> {
    let catalogue = Catalogue::shared().map_err(|e| CaseworkError::Variant(e.to_string()))?;
    let Some((data, starts, today)) = load(runtime, year).await? else {
        return Ok(Vec::new());
    };
    let variant = data.variant.clone();
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
                provisional_until: None,
            });
            continue;
        }
        let (months, period) = figures(indicator, &data, &starts, (NONE, NONE), today);
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
                        let (months, period) = figures(indicator, &data, &starts, cell, today);
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
        let follow_up = Months::new(indicator.period_rule.follow_up_months());
        let provisional_until = match starts.last() {
            Some(end) if follow_up != Months::new(0) => end
                .checked_add_months(follow_up)
                .filter(|until| *until > today),
            _ => None,
        };
        own.push(OwnIndicator {
            indicator: indicator.clone(),
            comparability: verdict,
            months,
            period: Some(period),
            strata,
            median,
            provisional_until,
        });
    }
    Ok(own)
}

/// One of the variant's own social-result indicators (`[[indicators]]`) for a year, exact.
#[derive(Debug, Clone)]
pub struct VariantIndicatorFigures {
    pub indicator: VariantIndicator,
    /// Every month of the year.
    pub months: Vec<MonthFigure>,
    /// The year: the months added up for the cases closed in it; counted over the year itself
    /// for the families supported in it.
    pub period: Figure,
    /// What the practice itself published for the year, where the variant records it.
    pub baseline: Option<Figure>,
}

/// The figure of a variant's indicator over the local days `[from, to)`: the cases (or their
/// children) of its population, and those of them whose closure within the period recorded
/// its outcome. An outcome the variant maps onto «quality of life improved» is also recorded by
/// naming the domains that improved.
fn variant_figure(
    indicator: &VariantIndicator,
    data: &Data,
    (from, to): (NaiveDate, NaiveDate),
) -> Figure {
    let within = |day: Option<NaiveDate>| day.is_some_and(|d| d >= from && d < to);
    let improvement = data
        .variant
        .doc()
        .outcomes
        .iter()
        .find(|o| o.key == indicator.outcome)
        .and_then(|o| o.canonical.as_deref())
        .and_then(Outcome::parse)
        == Some(Outcome::WellbeingImproved);
    let closed: Vec<&Facts> = data.closed.iter().filter(|c| within(c.closed)).collect();
    let has = |c: &Facts| c.recorded.contains(&indicator.outcome) || (improvement && c.improved);
    let cohort: Vec<&Facts> = match indicator.population {
        IndicatorPopulation::ClosedInPeriod => closed.clone(),
        IndicatorPopulation::SupportedInPeriod => data
            .cases
            .iter()
            .filter(|c| c.opened.is_some())
            .filter(|c| c.supported.0 < to && c.supported.1.is_none_or(|end| end >= from))
            .collect(),
    };
    let counted: Vec<&Facts> = match indicator.population {
        IndicatorPopulation::ClosedInPeriod => closed.iter().copied().filter(|c| has(c)).collect(),
        // A family supported in the period whose closure in it recorded the outcome.
        IndicatorPopulation::SupportedInPeriod => {
            let recorded: std::collections::BTreeSet<Uuid> =
                closed.iter().filter(|k| has(k)).map(|k| k.id).collect();
            cohort
                .iter()
                .copied()
                .filter(|c| recorded.contains(&c.id))
                .collect()
        }
    };
    let size = |cases: &[&Facts]| match indicator.unit {
        IndicatorUnit::Families => cases.len() as u64,
        IndicatorUnit::Children => cases.iter().map(|c| c.children.len() as u64).sum(),
    };
    Figure {
        numerator: size(&counted),
        denominator: Some(size(&cohort)),
    }
}

/// The variant's own social-result indicators for `year`, exact, per month of the
/// organisation's time zone and for the year, each beside what the practice published for that
/// year where the variant records it: for the organisation's administrators, supervisors and
/// methodologists. They are the organisation's own and are not compared across organisations.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, year))]
pub async fn variant_own(
    runtime: &TenantRuntime,
    actor: &Actor,
    year: i32,
) -> CaseworkResult<Vec<VariantIndicatorFigures>> {
    actor.require_own_figures()?;
    check_year(year)?;
    let Some((data, starts, _)) = load(runtime, year).await? else {
        return Ok(Vec::new());
    };
    let (Some(first), Some(last)) = (starts.first(), starts.last()) else {
        return Ok(Vec::new());
    };
    Ok(data
        .variant
        .doc()
        .indicators
        .iter()
        .map(|indicator| {
            let months: Vec<MonthFigure> = starts
                .windows(2)
                .map(|w| MonthFigure {
                    year: w[0].year(),
                    month: w[0].month(),
                    figure: variant_figure(indicator, &data, (w[0], w[1])),
                    provisional: false,
                })
                .collect();
            let period = match indicator.population {
                IndicatorPopulation::ClosedInPeriod => sum(&months),
                IndicatorPopulation::SupportedInPeriod => {
                    variant_figure(indicator, &data, (*first, *last))
                }
            };
            let baseline = indicator
                .baseline
                .iter()
                .find(|b| b.year == year)
                .map(|b| Figure {
                    numerator: b.numerator.into(),
                    denominator: Some(b.denominator.into()),
                });
            VariantIndicatorFigures {
                indicator: indicator.clone(),
                months,
                period,
                baseline,
            }
        })
        .collect())
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

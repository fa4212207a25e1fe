//! Publication of the organisation's indicators for comparison («публикация показателей»), and
//! the comparison methodologists read (issue 12).
//!
//! - **Consent.** Nothing leaves an organisation unless its administrator opted in, for the
//!   organisation ([`SharingConsent::share`]) and for each indicator; only indicators the
//!   organisation computes and its variant makes comparable can be chosen. Withdrawing removes
//!   the published tables at the next publication.
//! - **Inside the organisation.** [`publish`] computes the organisation's exact figures from its
//!   own database ([`crate::indicators`]), builds its tables — for an indicator whose months add
//!   up to its year, the year with its months as cells; otherwise one table
//!   per month, the indicator's first stratification with its total or the total alone — protects
//!   them together with [`kurator_analytics::disclosure::protect_together`] (a month suppressed in
//!   one table of a population is suppressed in all) and pushes only the protected tables into
//!   the analytics store. The deadline worker does it every night for the current month and the
//!   months before it (`analytics.months`); months not yet closed (the 10th of the next month) are
//!   provisional, closed ones get a new revision when their figures change. A computation that
//!   fails leaves the last good figures, marked stale.
//! - **Who compares.** Methodologists of the platform ([`PlatformViewer`]) — not members of any
//!   organisation — read [`compare`]: published, disclosure-controlled figures only. An
//!   organisation's own staff read their exact figures through [`crate::indicators::own`].

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::error::{CaseworkError, CaseworkResult};
use crate::indicators::{self, COMPUTED, MonthFigure, OwnIndicator, StratumFigures};
use crate::runtime::TenantRuntime;
use crate::settings::{self, SharingConsent, TenantSettings};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use kurator_analytics::catalogue::PeriodRule;
use kurator_analytics::catalogue::{Catalogue, Comparability, Indicator, VariantMapping};
use kurator_analytics::compare::{self, Comparison};
use kurator_analytics::disclosure::{
    CLOSED, DisclosureRules, Flows, Linked, OPENED, ProtectedTable, SUPPORTED, Slot, Table,
    TableKind, protect_together, supported_publishable, withhold,
};
use kurator_analytics::store::{AnalyticsStore, Batch, NewTable, Published, StoreError};
use kurator_domain::UserId;
use kurator_method::problem;
use kurator_platform::config::AnalyticsSettings;
use kurator_store::tenant::cases;
use kurator_store::tenant::settings as store;
use std::collections::BTreeMap;

/// Most months one comparison covers.
pub const MAX_MONTHS: usize = 36;

fn analytics_error(err: StoreError) -> CaseworkError {
    match err {
        StoreError::Database(db) => CaseworkError::Store(kurator_store::StoreError::Database(db)),
        StoreError::Malformed(detail) => CaseworkError::Internal(detail),
    }
}

fn catalogue() -> CaseworkResult<Catalogue> {
    Catalogue::shared().map_err(|e| CaseworkError::Variant(e.to_string()))
}

/// The disclosure rules of the deployment; each may only be raised above its default.
pub fn rules(settings: &AnalyticsSettings) -> Result<DisclosureRules, String> {
    DisclosureRules::new(
        settings.k,
        settings.rounding_base,
        settings.rate_min_denominator,
        settings.pooled_min_organisations,
    )
    .map_err(|e| e.to_string())
}

/// An indicator the administrator may choose to share, and whether it can be.
#[derive(Debug, Clone)]
pub struct Choice {
    pub indicator: Indicator,
    pub comparability: Comparability,
    /// Computed by Kurator today and comparable for this organisation's variant.
    pub shareable: bool,
    pub shared: bool,
}

/// The organisation's consent as its staff see it.
#[derive(Debug, Clone)]
pub struct Sharing {
    pub share: bool,
    pub choices: Vec<Choice>,
    /// The organisation settings' version, for the next change.
    pub version: i32,
}

fn choices(runtime: &TenantRuntime, consent: &SharingConsent) -> CaseworkResult<Vec<Choice>> {
    let catalogue = catalogue()?;
    let mapping = VariantMapping::of(runtime.current_variant()?);
    Ok(catalogue
        .comparability(&mapping)
        .into_iter()
        .map(|(indicator, comparability)| Choice {
            shareable: comparability == Comparability::Comparable
                && COMPUTED.contains(&indicator.key.as_str()),
            shared: consent.share && consent.indicators.contains(&indicator.key),
            indicator: indicator.clone(),
            comparability,
        })
        .collect())
}

/// What the organisation shares: read by those who see its exact figures (administrators,
/// supervisors, its methodologists).
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn sharing(runtime: &TenantRuntime, actor: &Actor) -> CaseworkResult<Sharing> {
    actor.require_own_figures()?;
    let tx = runtime.read().await?;
    let current = settings::load(&tx).await?;
    tx.commit().await?;
    let consent = current.settings.sharing.clone().unwrap_or_default();
    Ok(Sharing {
        share: consent.share,
        choices: choices(runtime, &consent)?,
        version: current.version,
    })
}

/// Changes the consent: the organisation's administrator only, with the settings' version they
/// saw. Every indicator named must be one the organisation computes and its variant makes
/// comparable; nothing is written otherwise.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn set_sharing(
    runtime: &TenantRuntime,
    actor: &Actor,
    expected_version: i32,
    share: bool,
    indicators: &[String],
) -> CaseworkResult<Sharing> {
    actor.require_org_admin()?;
    let all = choices(runtime, &SharingConsent::default())?;
    let mut problems = Vec::new();
    let mut chosen: Vec<String> = Vec::new();
    for (i, key) in indicators.iter().enumerate() {
        match all.iter().find(|c| &c.indicator.key == key) {
            None => problems.push(problem!(
                at = format!("indicators[{i}]"),
                "unknown_indicator",
                "показателя «{key}» нет в каталоге",
                "the catalogue has no indicator «{key}»"
            )),
            Some(c) if !c.shareable => problems.push(problem!(
                at = format!("indicators[{i}]"),
                "indicator_not_shareable",
                "показатель «{key}» не сопоставим для варианта организации или ещё не рассчитывается",
                "the indicator «{key}» is not comparable for the organisation's variant or not computed yet"
            )),
            Some(_) if !chosen.contains(key) => chosen.push(key.clone()),
            Some(_) => {}
        }
    }
    if !problems.is_empty() {
        return Err(CaseworkError::Rejected(problems));
    }
    let tx = runtime.begin().await?;
    let before = settings::load(&tx).await?;
    if before.version != expected_version {
        return Err(CaseworkError::Stale {
            current: before.version,
        });
    }
    let consent = SharingConsent {
        share,
        indicators: chosen,
    };
    let after = TenantSettings {
        sharing: Some(consent.clone()),
        ..before.settings.clone()
    };
    let value = serde_json::to_value(&after).map_err(|e| CaseworkError::Variant(e.to_string()))?;
    let row = store::put(&tx, expected_version, value, actor.user).await?;
    audit::record(
        &tx,
        actor,
        Audit::changed(
            "analytics.sharing",
            "tenant",
            runtime.tenant().id.0,
            &before.settings.sharing.clone().unwrap_or_default(),
            &consent,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Sharing {
        share: consent.share,
        choices: choices(runtime, &consent)?,
        version: row.version,
    })
}

/// The months a night's publication covers, newest last: the current month of `local` and the
/// `count - 1` before it.
fn recent_months(local: NaiveDate, count: u32) -> Vec<(i32, u32)> {
    let mut months = Vec::new();
    let (mut y, mut m) = (local.year(), local.month());
    for _ in 0..count.max(1) {
        months.push((y, m));
        (y, m) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    }
    months.reverse();
    months
}

/// A month closes on the 10th of the next month: from then on a change makes a new revision.
pub fn month_closed(year: i32, month: u32, local_today: NaiveDate) -> bool {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 10).is_some_and(|closes| local_today >= closes)
}

fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn month_of(months: &[MonthFigure], year: i32, month: u32) -> Option<&MonthFigure> {
    months.iter().find(|m| m.year == year && m.month == month)
}

/// A table of `own`'s kind from its categories' exact figures: shares, or counts.
fn table_from(
    own: &OwnIndicator,
    cells: impl Iterator<Item = (String, indicators::Figure)>,
) -> Option<Table> {
    match own.indicator.table_kind() {
        TableKind::Shares => Table::shares(cells.map(|(c, f)| {
            (
                c,
                saturate(f.numerator),
                saturate(f.denominator.unwrap_or(0)),
            )
        })),
        TableKind::Counts => Table::counts(cells.map(|(c, f)| (c, saturate(f.numerator)))),
    }
    .ok()
}

/// The table of one indicator and month: the indicator's first stratification (its categories
/// add up to the total), or the total alone — one table per indicator and month, since a
/// month's second stratification would be another table holding the same month.
fn table_of(own: &OwnIndicator, year: i32, month: u32) -> Option<(String, Table)> {
    if let Some(stratum) = own.strata.first() {
        let cells = stratum.categories.iter().map(|c| {
            let f = month_of(&c.months, year, month)
                .map(|m| m.figure)
                .unwrap_or_default();
            (c.category.clone(), f)
        });
        return Some((stratum.stratum.clone(), table_from(own, cells)?));
    }
    let figure = month_of(&own.months, year, month)?.figure;
    Some((
        kurator_analytics::catalogue::NONE.to_owned(),
        total_table(own, figure)?,
    ))
}

/// A table of `own`'s kind holding its total alone.
fn total_table(own: &OwnIndicator, figure: indicators::Figure) -> Option<Table> {
    match own.indicator.table_kind() {
        TableKind::Shares => Table::share_total(
            saturate(figure.numerator),
            saturate(figure.denominator.unwrap_or(0)),
        )
        .ok(),
        TableKind::Counts => Some(Table::count_total(saturate(figure.numerator))),
    }
}

pub use kurator_analytics::compare::BY_MONTH;

/// For an indicator whose months add up to its year (events, closures, deadlines of the month)
/// and that is not a distribution: the year as one table whose cells are its twelve months and
/// whose total is the year. Protecting the months and the year together is what keeps a
/// withheld month from being worked out as the year minus the others. The children's strata are
/// published for the year ([`Pending::year_breakdown`]), not month by month: a month's children
/// by sex would be a second table holding the month.
fn year_by_month(own: &OwnIndicator, year: i32) -> Option<Table> {
    if !own.indicator.period_rule.additive()
        || own.indicator.measure == kurator_analytics::catalogue::Measure::Distribution
    {
        return None;
    }
    let cells = (1..=12).map(|m| {
        let f = month_of(&own.months, year, m)
            .map(|f| f.figure)
            .unwrap_or_default();
        (format!("{year:04}-{m:02}"), f)
    });
    table_from(own, cells)
}

/// One table of the night's publication before its protection: what it will be stored as, and
/// the slots of shared populations its counts fill.
struct Pending {
    indicator: String,
    version: u32,
    /// `Some(year)`: a year whose cells are its months; `None`: one month's table.
    year: Option<i32>,
    month: String,
    stratum: String,
    closed: bool,
    /// A count of cases of the indicator's population (cases opened, cases closed): its total
    /// is the population's size in the period.
    counts_cases: bool,
    linked: Linked,
}

fn counts_cases(own: &OwnIndicator) -> bool {
    own.indicator.measure == kurator_analytics::catalogue::Measure::Count
        && own.indicator.unit == kurator_analytics::catalogue::Unit::Cases
}

impl Pending {
    /// A year of `own` as one table of its months ([`year_by_month`]): each month fills the
    /// slot of the indicator's population in that month, the total the slot of the year.
    fn year(own: &OwnIndicator, year: i32, table: Table, today: NaiveDate) -> Pending {
        let population = own.indicator.population.as_str();
        let cells = table
            .cells()
            .iter()
            .map(|(month, _)| Some(Slot::new(population, month)))
            .collect();
        Pending {
            indicator: own.indicator.key.clone(),
            version: own.indicator.version,
            year: Some(year),
            month: format!("{year:04}"),
            stratum: BY_MONTH.to_owned(),
            closed: month_closed(year, 12, today),
            counts_cases: counts_cases(own),
            linked: Linked {
                table,
                cells,
                total: Some(Slot::new(population, &format!("{year:04}"))),
            },
        }
    }

    /// A year of `own` broken down by one of its strata (children by sex, by age band): the
    /// same total as the year of months, so it fills the year's slot, and its categories are a
    /// breakdown of it — withheld whole when the year is suppressed or one of its cells is small.
    fn year_breakdown(
        own: &OwnIndicator,
        year: i32,
        stratum: &StratumFigures,
        today: NaiveDate,
    ) -> Option<Pending> {
        let cells = stratum
            .categories
            .iter()
            .map(|c| (c.category.clone(), c.period));
        let table = table_from(own, cells)?;
        let period = format!("{year:04}");
        Some(Pending {
            indicator: own.indicator.key.clone(),
            version: own.indicator.version,
            year: None,
            month: period.clone(),
            stratum: stratum.stratum.clone(),
            closed: month_closed(year, 12, today),
            counts_cases: false,
            linked: Linked {
                cells: vec![None; table.cells().len()],
                table,
                total: Some(Slot::new(&own.indicator.population, &period)),
            },
        })
    }

    /// One month of `own` ([`table_of`]): its total fills the slot of the indicator's
    /// population in the month; its categories are a breakdown of it.
    fn month(
        own: &OwnIndicator,
        (y, m): (i32, u32),
        stratum: String,
        table: Table,
        today: NaiveDate,
    ) -> Pending {
        let month = format!("{y:04}-{m:02}");
        let cells = vec![None; table.cells().len()];
        Pending {
            indicator: own.indicator.key.clone(),
            version: own.indicator.version,
            year: None,
            month: month.clone(),
            stratum,
            closed: month_closed(y, m, today),
            counts_cases: false,
            linked: Linked {
                table,
                cells,
                total: Some(Slot::new(&own.indicator.population, &month)),
            },
        }
    }

    /// A year of an indicator counted over the cases supported in it (parental rights restored
    /// among every family supported in the year): the year's figure as one table, filling the
    /// slot of the supported cases in the year. Not month by month — see [`carried_over`].
    fn supported_year(own: &OwnIndicator, year: i32, today: NaiveDate) -> Option<Pending> {
        let table = total_table(own, own.period?)?;
        let period = format!("{year:04}");
        Some(Pending {
            indicator: own.indicator.key.clone(),
            version: own.indicator.version,
            year: None,
            month: period.clone(),
            stratum: kurator_analytics::catalogue::NONE.to_owned(),
            closed: month_closed(year, 12, today),
            counts_cases: false,
            linked: Linked {
                cells: Vec::new(),
                table,
                total: Some(Slot::new(&own.indicator.population, &period)),
            },
        })
    }

    /// The stored tables: a month's table as it is; a year's as one table per month that has
    /// begun (its cell, as the total of a table of its own) and the year's (every month a cell).
    fn stored(self, protected: ProtectedTable, today: NaiveDate) -> Vec<NewTable> {
        let publication = protected.publication();
        let new = |month: String, stratum: &str, closed: bool, publication| NewTable {
            indicator: self.indicator.clone(),
            version: self.version,
            month,
            stratum: stratum.to_owned(),
            closed,
            publication,
        };
        let Some(year) = self.year else {
            return vec![new(
                self.month.clone(),
                &self.stratum,
                self.closed,
                publication,
            )];
        };
        let begun = |m: u32| (year, m) <= (today.year(), today.month());
        let mut out: Vec<NewTable> = publication
            .cells
            .iter()
            .zip(1..=12)
            .filter(|(_, m)| begun(*m))
            .map(|((month, cell), m)| {
                new(
                    month.clone(),
                    kurator_analytics::catalogue::NONE,
                    month_closed(year, m, today),
                    kurator_analytics::disclosure::ProtectedTable {
                        cells: Vec::new(),
                        total: *cell,
                    },
                )
            })
            .collect();
        if begun(1) {
            out.push(new(self.month.clone(), BY_MONTH, self.closed, publication));
        }
        out
    }
}

/// Computes the organisation's indicators for the recent months, protects them and publishes
/// the shared ones into the analytics store; on failure the store keeps the last good figures,
/// marked stale. The deadline worker calls it every night, with no person behind it.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn publish(
    runtime: &TenantRuntime,
    analytics: &AnalyticsStore,
    settings: &AnalyticsSettings,
    now: DateTime<Utc>,
) -> CaseworkResult<Published> {
    let tenant = runtime.tenant();
    let name = tenant.name_ru.clone();
    let variant_name = runtime
        .current_variant()
        .map(|v| v.doc().name.ru.clone())
        .unwrap_or_default();
    match batch(runtime, settings, now).await {
        Ok(batch) => analytics.publish(&batch).await.map_err(analytics_error),
        Err(err) => {
            analytics
                .mark_stale(tenant.id.0, &name, &variant_name, now)
                .await
                .map_err(analytics_error)?;
            Err(err)
        }
    }
}

/// The tables of one year of the indicators the organisation shares: a year of months for those
/// that add up, each with its breakdowns; the year alone for those counted over the cases
/// supported in it; and each of `months` falling in the year for the rest.
fn year_pending(
    own: &[OwnIndicator],
    consent: &SharingConsent,
    year: i32,
    months: &[(i32, u32)],
    today: NaiveDate,
) -> Vec<Pending> {
    let mut pending = Vec::new();
    for indicator in own
        .iter()
        .filter(|i| i.comparability == Comparability::Comparable)
        .filter(|i| consent.indicators.contains(&i.indicator.key))
    {
        if indicator.indicator.period_rule == PeriodRule::SupportedInPeriod {
            pending.extend(Pending::supported_year(indicator, year, today));
            continue;
        }
        if let Some(by_month) = year_by_month(indicator, year) {
            pending.push(Pending::year(indicator, year, by_month, today));
            // The year by each stratum the catalogue allows (children by sex and by age
            // band); a month is not broken down — it would sit in two tables.
            pending.extend(
                indicator
                    .strata
                    .iter()
                    .filter_map(|s| Pending::year_breakdown(indicator, year, s, today)),
            );
            continue;
        }
        for (y, m) in months.iter().filter(|(y, _)| *y == year) {
            if let Some((stratum, table)) = table_of(indicator, *y, *m) {
                pending.push(Pending::month(indicator, (*y, *m), stratum, table, today));
            }
        }
    }
    pending
}

/// Whether `year`'s total of cases opened and of cases closed are published among `pending`,
/// protected as `protected`.
fn flows(pending: &[Pending], protected: &[ProtectedTable], year: i32) -> Flows {
    let published = |population: &str| {
        let slot = Slot::new(population, &format!("{year:04}"));
        pending.iter().zip(protected).any(|(p, t)| {
            p.counts_cases
                && p.linked.total.as_ref() == Some(&slot)
                && t.total.numerator.is_published()
        })
    };
    Flows {
        opened: published(OPENED),
        closed: published(CLOSED),
    }
}

/// Withholds the year of cases supported wherever publishing it could give a suppressed
/// opening or closure back ([`supported_publishable`]): it needs the openings and closures of
/// every year since the organisation's first case published, which for years before the night's
/// are protected again from the organisation's figures as their own night published them.
async fn carried_over(
    runtime: &TenantRuntime,
    rules: &DisclosureRules,
    consent: &SharingConsent,
    years: &[i32],
    pending: &[Pending],
    protected: &mut [ProtectedTable],
    today: NaiveDate,
) -> CaseworkResult<()> {
    let supported: Vec<usize> = pending
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p.linked
                .total
                .as_ref()
                .is_some_and(|s| s.population == SUPPORTED)
        })
        .map(|(i, _)| i)
        .collect();
    if supported.is_empty() {
        return Ok(());
    }
    let tx = runtime.read().await?;
    let first = cases::first_opened_at(&tx).await?;
    tx.commit().await?;
    let tz = runtime.current_variant()?.time_zone();
    let Some(first) = first.map(|at| at.with_timezone(&tz).year()) else {
        return Ok(());
    };
    let mut history: BTreeMap<i32, Flows> = BTreeMap::new();
    for i in supported {
        let Some(year) = pending[i]
            .linked
            .total
            .as_ref()
            .and_then(|s| s.period.parse().ok())
        else {
            continue;
        };
        for y in first..=year {
            if history.contains_key(&y) {
                continue;
            }
            let figures = if years.contains(&y) {
                flows(pending, protected, y)
            } else {
                let own = indicators::compute(runtime, y).await?;
                let before = year_pending(&own, consent, y, &[], today);
                let linked: Vec<Linked> = before.iter().map(|p| p.linked.clone()).collect();
                flows(&before, &protect_together(&linked, rules), y)
            };
            history.insert(y, figures);
        }
        let years: Vec<Flows> = (first..=year)
            .filter_map(|y| history.get(&y).copied())
            .collect();
        if !supported_publishable(&years) {
            protected[i] = withhold(&pending[i].linked.table);
        }
    }
    Ok(())
}

async fn batch(
    runtime: &TenantRuntime,
    settings: &AnalyticsSettings,
    now: DateTime<Utc>,
) -> CaseworkResult<Batch> {
    let rules = rules(settings).map_err(CaseworkError::Variant)?;
    let variant = runtime.current_variant()?.clone();
    let tz = variant.time_zone();
    let tx = runtime.read().await?;
    let consent = settings::load(&tx)
        .await?
        .settings
        .sharing
        .unwrap_or_default();
    tx.commit().await?;
    let today = now.with_timezone(&tz).date_naive();
    let months = recent_months(today, settings.months);
    let mut pending = Vec::new();
    let mut years: Vec<i32> = months.iter().map(|(y, _)| *y).collect();
    years.dedup();
    if consent.share && !consent.indicators.is_empty() {
        for &year in &years {
            let own = indicators::compute(runtime, year).await?;
            pending.extend(year_pending(&own, &consent, year, &months, today));
        }
    }
    // Every table of the night together: what one suppresses, none publishes.
    let linked: Vec<Linked> = pending.iter().map(|p| p.linked.clone()).collect();
    let mut protected = protect_together(&linked, &rules);
    carried_over(
        runtime,
        &rules,
        &consent,
        &years,
        &pending,
        &mut protected,
        today,
    )
    .await?;
    let tables: Vec<NewTable> = pending
        .into_iter()
        .zip(protected)
        .flat_map(|(p, protected)| p.stored(protected, today))
        .collect();
    let tenant = runtime.tenant();
    Ok(Batch {
        organisation_id: tenant.id.0,
        name: tenant.name_ru.clone(),
        variant: variant.doc().name.ru.clone(),
        sharing: consent.share,
        shared: consent.indicators,
        tables,
        at: now,
    })
}

/// Who reads the comparison: a person of the platform, not of an organisation.
#[derive(Debug, Clone, Copy)]
pub struct PlatformViewer {
    pub user: UserId,
    /// A methodologist of the platform.
    pub methodologist: bool,
}

impl PlatformViewer {
    /// Comparing organisations: methodologists of the platform only. Organisations' own staff
    /// read their exact figures in their organisation; the platform administrator runs the
    /// platform and compares nothing.
    pub fn require_methodologist(&self) -> CaseworkResult<()> {
        if self.methodologist {
            Ok(())
        } else {
            Err(CaseworkError::Forbidden)
        }
    }
}

/// The indicators a methodologist can compare: the current catalogue.
pub fn comparable_indicators(viewer: &PlatformViewer) -> CaseworkResult<Vec<Indicator>> {
    viewer.require_methodologist()?;
    Ok(catalogue()?.current().into_iter().cloned().collect())
}

/// One indicator compared across the organisations that share it, from `first` to `last`
/// (`YYYY-MM`, at most [`MAX_MONTHS`]), on published figures, with the pooled figure where at
/// least `pooled_min_organisations` contribute: month by month, and by the years the months
/// fall in (published for indicators whose months add up to their year).
#[tracing::instrument(skip_all, fields(indicator = key))]
pub async fn compare(
    viewer: &PlatformViewer,
    analytics: &AnalyticsStore,
    settings: &AnalyticsSettings,
    key: &str,
    first: &str,
    last: &str,
) -> CaseworkResult<(Indicator, Comparison, Comparison)> {
    viewer.require_methodologist()?;
    let catalogue = catalogue()?;
    let Some(indicator) = catalogue.latest(key).cloned() else {
        return Err(CaseworkError::rejected(problem!(
            at = "indicator",
            "unknown_indicator",
            "показателя «{key}» нет в каталоге",
            "the catalogue has no indicator «{key}»"
        )));
    };
    let Some(months) = compare::months_between(first, last, MAX_MONTHS) else {
        return Err(CaseworkError::rejected(problem!(
            at = "from",
            "invalid_period",
            "период: месяцы в виде ГГГГ-ММ, начало не позже конца, не более {MAX_MONTHS} месяцев",
            "period: months as YYYY-MM, the first not after the last, at most {MAX_MONTHS} months"
        )));
    };
    let rules = rules(settings).map_err(CaseworkError::Variant)?;
    let organisations = analytics.organisations().await.map_err(analytics_error)?;
    let (Some(from), Some(to)) = (months.first(), months.last()) else {
        return Err(CaseworkError::Internal("an empty period".into()));
    };
    let tables = analytics
        .latest_tables(key, from, to)
        .await
        .map_err(analytics_error)?;
    let mut years: Vec<String> = months.iter().map(|m| m[..4].to_owned()).collect();
    years.dedup();
    let (Some(first_year), Some(last_year)) = (years.first(), years.last()) else {
        return Err(CaseworkError::Internal("an empty period".into()));
    };
    // Between «2025» and «2026» sort the months of 2025 too: only the years' own tables.
    let year_tables: Vec<_> = analytics
        .latest_tables(key, first_year, last_year)
        .await
        .map_err(analytics_error)?
        .into_iter()
        .filter(|t| t.month.len() == 4)
        .collect();
    let by_month = compare::compare(&indicator, months, &organisations, &tables, &rules);
    let by_year = compare::compare(&indicator, years, &organisations, &year_tables, &rules);
    Ok((indicator, by_month, by_year))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_closes_on_the_tenth_of_the_next() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert!(!month_closed(2026, 10, day(2026, 11, 9)));
        assert!(month_closed(2026, 10, day(2026, 11, 10)));
        assert!(!month_closed(2026, 12, day(2027, 1, 9)));
        assert!(month_closed(2026, 12, day(2027, 1, 10)));
        assert!(!month_closed(2026, 11, day(2026, 11, 30)));
    }

    #[test]
    fn a_night_covers_the_current_month_and_those_before_it() {
        let day = NaiveDate::from_ymd_opt(2026, 2, 3).unwrap();
        assert_eq!(
            recent_months(day, 4),
            [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]
        );
        assert_eq!(recent_months(day, 0), [(2026, 2)]);
    }
}

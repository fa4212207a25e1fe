//! Comparison across organisations («сравнение организаций»): one indicator, month by month,
//! for every organisation that shares it, on what each published — never an exact figure — with
//! the pooled figure where enough organisations contribute ([`crate::disclosure::pool`]).

use serde::Serialize;

use crate::catalogue::Indicator;
use crate::disclosure::{
    Contribution, Counts, DisclosureRules, ProtectedCell, ProtectedTable, PublicReason, pool,
};
use crate::store::{Organisation, StoredTable};

/// The stratum of a year's table whose cells are its months.
pub const BY_MONTH: &str = "month";

/// A published table's categories, each with its figure.
pub type Categories = Vec<(String, ProtectedCell<PublicReason>)>;

/// One organisation's published figure for one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthCell {
    pub month: String,
    /// The month has not closed yet: the figure may still change.
    pub provisional: bool,
    /// 0 while provisional; from 1 once closed.
    pub revision: u32,
    /// The table's total: the figure compared.
    pub total: ProtectedCell<PublicReason>,
    /// The published categories of the table's stratification (for a distribution, its bands;
    /// for a year, its months).
    pub categories: Categories,
    /// The same total broken down by each other stratum published for the period (a year's
    /// children by sex and by age band), each with its categories.
    pub strata: Vec<(String, Categories)>,
}

/// Whether a stored table is the one a period is compared on: the total alone, a year's months,
/// or a distribution's own categories — not a further breakdown of the same total.
fn primary(indicator: &Indicator, table: &StoredTable) -> bool {
    table.stratum == crate::catalogue::NONE
        || table.stratum == BY_MONTH
        || indicator.over.as_deref() == Some(table.stratum.as_str())
}

/// One organisation's row of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    pub name: String,
    pub variant: String,
    /// «данные на …».
    pub data_as_of: Option<chrono::DateTime<chrono::Utc>>,
    /// Its last computation failed; these are its last good figures.
    pub stale: bool,
    /// One per month of the comparison, `None` where nothing was published.
    pub cells: Vec<Option<MonthCell>>,
}

/// The pooled figure of one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PooledMonth {
    pub month: String,
    /// How many organisations contribute (their own figure is published and not empty).
    pub organisations: u32,
    pub cell: ProtectedCell<PublicReason>,
}

/// One indicator compared across organisations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub key: String,
    pub version: u32,
    pub months: Vec<String>,
    pub series: Vec<Series>,
    pub pooled: Vec<PooledMonth>,
}

/// The months from `first` to `last` (`YYYY-MM`), at most `limit` of them; `None` when either
/// is not a month or `last` comes before `first`.
pub fn months_between(first: &str, last: &str, limit: usize) -> Option<Vec<String>> {
    let parse = |m: &str| -> Option<(i32, u32)> {
        let (y, mo) = m.split_once('-')?;
        if y.len() != 4 || mo.len() != 2 {
            return None;
        }
        let (y, mo) = (y.parse().ok()?, mo.parse().ok()?);
        (1..=12).contains(&mo).then_some((y, mo))
    };
    let (mut y, mut m) = parse(first)?;
    let end = parse(last)?;
    if (y, m) > end {
        return None;
    }
    let mut months = Vec::new();
    while (y, m) <= end {
        if months.len() == limit {
            return None;
        }
        months.push(format!("{y:04}-{m:02}"));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    Some(months)
}

fn public(cell: ProtectedCell) -> ProtectedCell<PublicReason> {
    ProtectedTable {
        cells: Vec::new(),
        total: cell,
    }
    .publication()
    .total
}

/// Compares `indicator` over `months` across the organisations that share it, from the latest
/// stored tables (any others are ignored).
pub fn compare(
    indicator: &Indicator,
    months: Vec<String>,
    organisations: &[Organisation],
    tables: &[StoredTable],
    rules: &DisclosureRules,
) -> Comparison {
    let series: Vec<Series> = organisations
        .iter()
        .filter(|o| o.sharing && o.shared.contains(&indicator.key))
        .map(|o| Series {
            name: o.name.clone(),
            variant: o.variant.clone(),
            data_as_of: o.data_as_of,
            stale: o.stale,
            cells: months
                .iter()
                .map(|month| {
                    let of_month = || {
                        tables.iter().filter(|t| {
                            t.organisation_id == o.id
                                && t.indicator == indicator.key
                                && t.version == indicator.version
                                && &t.month == month
                        })
                    };
                    of_month()
                        .find(|t| primary(indicator, t))
                        .map(|t| MonthCell {
                            month: month.clone(),
                            provisional: t.provisional,
                            revision: t.revision,
                            total: t.publication.total,
                            categories: t.publication.cells.clone(),
                            strata: of_month()
                                .filter(|s| !primary(indicator, s))
                                .map(|s| (s.stratum.clone(), s.publication.cells.clone()))
                                .collect(),
                        })
                })
                .collect(),
        })
        .collect();
    let pooled = months
        .iter()
        .enumerate()
        .map(|(i, month)| {
            let contributions: Vec<Contribution> = series
                .iter()
                .filter_map(|s| s.cells[i].as_ref())
                .map(|cell| {
                    let published = cell.total.counts_published();
                    Contribution {
                        counts: Counts {
                            numerator: cell.total.numerator.value().unwrap_or(0),
                            denominator: cell.total.denominator.map(|d| d.value().unwrap_or(0)),
                        },
                        published,
                    }
                })
                .collect();
            let pooled = pool(&contributions, rules);
            PooledMonth {
                month: month.clone(),
                organisations: pooled.organisations,
                cell: public(pooled.cell),
            }
        })
        .collect();
    Comparison {
        key: indicator.key.clone(),
        version: indicator.version,
        months,
        series,
        pooled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_run_from_the_first_to_the_last_across_years() {
        assert_eq!(
            months_between("2025-11", "2026-02", 36).unwrap(),
            ["2025-11", "2025-12", "2026-01", "2026-02"]
        );
        assert!(months_between("2026-02", "2025-11", 36).is_none());
        assert!(months_between("2026-13", "2026-12", 36).is_none());
        assert!(months_between("2026-1", "2026-12", 36).is_none());
        assert!(months_between("2020-01", "2026-12", 36).is_none());
    }
}

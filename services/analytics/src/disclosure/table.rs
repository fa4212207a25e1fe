//! The input of disclosure control: the true figures of one indicator version for one month,
//! as a one-dimensional table — the categories of one stratification (age band, sex, risk band,
//! length of support) and their total — and the share a rate is published as.

use serde::{Deserialize, Serialize};

/// The true counts of one cell: the numerator, and for a share indicator its denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Counts {
    pub numerator: u32,
    /// `None` in a table of counts, whose cells are shares of the table's total.
    pub denominator: Option<u32>,
}

/// What a table's cells are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    /// Each cell is a share with its own numerator and denominator: «closed cases where the child
    /// lives safely in the birth family / closed cases», by the child's age band.
    Shares,
    /// Each cell is a count, published with its share of the total: cases opened by risk band.
    Counts,
}

/// A one-dimensional table of true figures: categories with a marginal total. The categories of
/// a stratification are exhaustive (an «unknown» category where the stratum is not recorded), so
/// the total is the sum of the cells. A table without categories is the stratum «none»: only
/// the total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    kind: TableKind,
    cells: Vec<(String, Counts)>,
    total: Counts,
}

/// A table that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("category «{0}» appears twice")]
    DuplicateCategory(String),
    #[error(
        "in «{category}» the numerator {numerator} is larger than the denominator {denominator}"
    )]
    NumeratorAboveDenominator {
        category: String,
        numerator: u32,
        denominator: u32,
    },
    #[error("the total does not fit in 32 bits")]
    TotalTooLarge,
}

impl Table {
    /// A table of shares: `(category, numerator, denominator)` per cell, the total summed.
    pub fn shares<S: Into<String>>(
        cells: impl IntoIterator<Item = (S, u32, u32)>,
    ) -> Result<Table, TableError> {
        let cells = cells
            .into_iter()
            .map(|(c, n, d)| {
                (
                    c.into(),
                    Counts {
                        numerator: n,
                        denominator: Some(d),
                    },
                )
            })
            .collect();
        Table::build(TableKind::Shares, cells)
    }

    /// A table of counts: `(category, count)` per cell, the total summed.
    pub fn counts<S: Into<String>>(
        cells: impl IntoIterator<Item = (S, u32)>,
    ) -> Result<Table, TableError> {
        let cells = cells
            .into_iter()
            .map(|(c, n)| {
                (
                    c.into(),
                    Counts {
                        numerator: n,
                        denominator: None,
                    },
                )
            })
            .collect();
        Table::build(TableKind::Counts, cells)
    }

    /// The stratum «none» of a share indicator: only the total.
    pub fn share_total(numerator: u32, denominator: u32) -> Result<Table, TableError> {
        let mut table = Table::shares(Vec::<(String, u32, u32)>::new())?;
        check_fraction("total", numerator, Some(denominator))?;
        table.total = Counts {
            numerator,
            denominator: Some(denominator),
        };
        Ok(table)
    }

    /// The stratum «none» of a count indicator: only the total.
    pub fn count_total(count: u32) -> Table {
        Table {
            kind: TableKind::Counts,
            cells: Vec::new(),
            total: Counts {
                numerator: count,
                denominator: None,
            },
        }
    }

    fn build(kind: TableKind, cells: Vec<(String, Counts)>) -> Result<Table, TableError> {
        let mut numerator: u64 = 0;
        let mut denominator: u64 = 0;
        for (i, (category, counts)) in cells.iter().enumerate() {
            if cells[..i].iter().any(|(c, _)| c == category) {
                return Err(TableError::DuplicateCategory(category.clone()));
            }
            check_fraction(category, counts.numerator, counts.denominator)?;
            numerator += u64::from(counts.numerator);
            denominator += u64::from(counts.denominator.unwrap_or(0));
        }
        let fits = |n: u64| u32::try_from(n).map_err(|_| TableError::TotalTooLarge);
        let total = Counts {
            numerator: fits(numerator)?,
            denominator: match kind {
                TableKind::Shares => Some(fits(denominator)?),
                TableKind::Counts => None,
            },
        };
        Ok(Table { kind, cells, total })
    }

    pub fn kind(&self) -> TableKind {
        self.kind
    }
    /// The cells, in the order given.
    pub fn cells(&self) -> &[(String, Counts)] {
        &self.cells
    }
    pub fn total(&self) -> Counts {
        self.total
    }
}

fn check_fraction(
    category: &str,
    numerator: u32,
    denominator: Option<u32>,
) -> Result<(), TableError> {
    match denominator {
        Some(d) if numerator > d => Err(TableError::NumeratorAboveDenominator {
            category: category.to_owned(),
            numerator,
            denominator: d,
        }),
        _ => Ok(()),
    }
}

/// A share published with one decimal of a percent: 26 of 32 is 81.3 %. Kept as tenths of a
/// percent, computed from the true counts with exact integer arithmetic, half up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Share {
    tenths_of_percent: u32,
}

impl Share {
    /// `numerator / denominator`, or `None` over a zero denominator.
    pub fn of(numerator: u32, denominator: u32) -> Option<Share> {
        if denominator == 0 {
            return None;
        }
        let (n, d) = (u64::from(numerator), u64::from(denominator));
        // round(1000 n / d) half up = floor((2000 n + d) / 2d)
        let tenths = (2000 * n + d) / (2 * d);
        u32::try_from(tenths)
            .ok()
            .map(|tenths_of_percent| Share { tenths_of_percent })
    }

    /// The share in tenths of a percent: 813 for 81.3 %.
    pub fn tenths_of_percent(&self) -> u32 {
        self.tenths_of_percent
    }

    /// The share as a person reads it in Russian: «81,3 %».
    pub fn russian(&self) -> String {
        format!(
            "{},{} %",
            self.tenths_of_percent / 10,
            self.tenths_of_percent % 10
        )
    }
}

impl std::fmt::Display for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{}%",
            self.tenths_of_percent / 10,
            self.tenths_of_percent % 10
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_is_the_sum_of_the_cells() {
        let table = Table::shares([("female", 12, 40), ("male", 9, 30)]).expect("valid");
        assert_eq!(
            table.total(),
            Counts {
                numerator: 21,
                denominator: Some(70)
            }
        );
    }

    #[test]
    fn a_numerator_above_its_denominator_is_refused() {
        let err = Table::shares([("female", 12, 10)]).expect_err("12 of 10");
        assert!(matches!(err, TableError::NumeratorAboveDenominator { .. }));
        assert!(Table::share_total(3, 2).is_err());
    }

    #[test]
    fn a_category_appears_once() {
        let err = Table::counts([("low", 1), ("low", 2)]).expect_err("duplicate");
        assert_eq!(err, TableError::DuplicateCategory("low".into()));
    }

    #[test]
    fn the_volunteers_shares_read_as_the_seed_publishes_them() {
        // seed 001 §4.1: 26 of 32 families, 65 of 81 children, 61 of 89 children («68,5 %»).
        let share = |n, d| Share::of(n, d).map(|s| s.to_string());
        assert_eq!(share(26, 32).as_deref(), Some("81.3%"));
        assert_eq!(share(65, 81).as_deref(), Some("80.2%"));
        assert_eq!(share(61, 89).as_deref(), Some("68.5%"));
        assert_eq!(
            Share::of(61, 89).map(|s| s.russian()).as_deref(),
            Some("68,5 %")
        );
        assert_eq!(Share::of(1, 0), None);
    }
}

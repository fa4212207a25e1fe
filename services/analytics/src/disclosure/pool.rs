//! Pooled figures across organisations («сводный показатель»): one cell — an indicator version,
//! a month, a category — summed over the organisations that contribute to it.

use serde::{Deserialize, Serialize};

use super::protect::{Disclosed, ProtectedCell, ProtectedTable, Reason};
use super::rules::DisclosureRules;
use super::table::{Counts, Share, Table};

/// One organisation's cell: its true counts and whether its own disclosure control published
/// every count of the cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contribution {
    pub counts: Counts,
    pub published: bool,
}

impl Contribution {
    /// The contribution of `category` (the total when `None`) of an organisation's table, given
    /// what [`super::protect`] made of it; `None` when the table has no such category.
    pub fn of(
        table: &Table,
        protected: &ProtectedTable,
        category: Option<&str>,
    ) -> Option<Contribution> {
        let (counts, cell) = match category {
            None => (table.total(), &protected.total),
            Some(category) => {
                let (_, counts) = table.cells().iter().find(|(c, _)| c == category)?;
                (*counts, protected.cell(category)?)
            }
        };
        Some(Contribution {
            counts,
            published: cell.counts_published(),
        })
    }

    /// An organisation contributes when its own figure is published and is not empty.
    fn contributes(&self) -> bool {
        self.published && self.counts.denominator.unwrap_or(self.counts.numerator) > 0
    }
}

/// A pooled cell and how many organisations it sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pooled {
    pub organisations: u32,
    pub cell: ProtectedCell,
}

/// Pools one cell across organisations.
///
/// The pooled counts are the sums of the true counts of the organisations that contribute: those
/// whose own figure for the cell is published (numerator and denominator) and not empty. An
/// organisation whose figure is suppressed is left out entirely — were it added, the pooled sum
/// minus the others' published figures would give its suppressed count back. The pooled figure
/// is published only when at least `pooled_min_organisations` organisations contribute; then the
/// same rules as for one organisation apply: small counts suppressed, counts rounded, the share
/// computed from the true sums and shown over a denominator that reaches the threshold.
pub fn pool(contributions: &[Contribution], rules: &DisclosureRules) -> Pooled {
    let contributing: Vec<&Contribution> =
        contributions.iter().filter(|c| c.contributes()).collect();
    let organisations = u32::try_from(contributing.len()).unwrap_or(u32::MAX);
    let has_denominator = contributions
        .first()
        .is_some_and(|c| c.counts.denominator.is_some());
    if organisations < rules.pooled_min_organisations() {
        let none = Disclosed::Suppressed {
            reason: Reason::TooFewOrganisations,
        };
        return Pooled {
            organisations,
            cell: ProtectedCell {
                numerator: none,
                denominator: has_denominator.then_some(none),
                share: has_denominator.then_some(Disclosed::Suppressed {
                    reason: Reason::TooFewOrganisations,
                }),
            },
        };
    }
    let sum = |f: &dyn Fn(&Counts) -> u32| -> u32 {
        let total: u64 = contributing.iter().map(|c| u64::from(f(&c.counts))).sum();
        u32::try_from(total).unwrap_or(u32::MAX)
    };
    let numerator = sum(&|c| c.numerator);
    let published = |n: u32| {
        if rules.is_small(n) {
            Disclosed::Suppressed {
                reason: Reason::PrimarySmallCount,
            }
        } else {
            Disclosed::Published {
                value: rules.round(n),
            }
        }
    };
    let cell = if has_denominator {
        let denominator = sum(&|c| c.denominator.unwrap_or(0));
        let numerator_out = if rules.is_small(denominator - numerator.min(denominator)) {
            Disclosed::Suppressed {
                reason: Reason::PrimarySmallCount,
            }
        } else {
            published(numerator)
        };
        let denominator_out = published(denominator);
        let share = match (numerator_out, denominator_out) {
            (_, Disclosed::Suppressed { reason }) | (Disclosed::Suppressed { reason }, _) => {
                Disclosed::Suppressed { reason }
            }
            _ if denominator < rules.rate_min_denominator() => Disclosed::Suppressed {
                reason: Reason::RateDenominatorTooSmall,
            },
            _ => match Share::of(numerator, denominator) {
                Some(value) => Disclosed::Published { value },
                None => Disclosed::Suppressed {
                    reason: Reason::RateDenominatorTooSmall,
                },
            },
        };
        ProtectedCell {
            numerator: numerator_out,
            denominator: Some(denominator_out),
            share: Some(share),
        }
    } else {
        ProtectedCell {
            numerator: published(numerator),
            denominator: None,
            share: None,
        }
    };
    Pooled {
        organisations,
        cell,
    }
}

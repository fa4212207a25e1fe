//! Primary and secondary suppression, rounding and the rate threshold applied to one table: what
//! an organisation may let out of its own database.

use serde::{Deserialize, Serialize};

use super::rules::DisclosureRules;
use super::table::{Counts, Share, Table, TableKind};

/// Why a figure is not published. This is the organisation's own record: it says which
/// suppressed count is the small one. What leaves the organisation says less — see
/// [`PublicReason`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The count is from 1 to k; in a table of shares, a count of a stratum whose numerator,
    /// denominator or denominator minus numerator is («3 of the 20 children do not live safely»
    /// is a small count as well).
    PrimarySmallCount,
    /// Suppressed so that a small count cannot be worked out from the total and the other
    /// published cells («вторичное скрытие»): a complementary cell or stratum, or the total.
    Secondary,
    /// The counts are published, but the rate's denominator is below the threshold.
    RateDenominatorTooSmall,
    /// A pooled figure to which too few organisations contribute.
    TooFewOrganisations,
}

/// Why a figure is not published, as said outside the organisation. A small count and the cells
/// suppressed to protect it are one reason, «малое число»: telling them apart would tell an
/// attacker which suppressed cell is from 1 to k and which is larger, and with the total that
/// often pins both (1 + 6 = 7 leaves only 1 and 6 when the first is at most 5 and the second at
/// least 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicReason {
    /// A small count, or a figure suppressed so that a small count cannot be worked out.
    SmallCount,
    RateDenominatorTooSmall,
    TooFewOrganisations,
}

impl Reason {
    /// The reason as said outside the organisation.
    pub fn public(self) -> PublicReason {
        match self {
            Reason::PrimarySmallCount | Reason::Secondary => PublicReason::SmallCount,
            Reason::RateDenominatorTooSmall => PublicReason::RateDenominatorTooSmall,
            Reason::TooFewOrganisations => PublicReason::TooFewOrganisations,
        }
    }
}

/// A figure after disclosure control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Disclosed<T, R = Reason> {
    Published { value: T },
    Suppressed { reason: R },
}

impl<T: Copy, R: Copy> Disclosed<T, R> {
    pub fn value(&self) -> Option<T> {
        match self {
            Disclosed::Published { value } => Some(*value),
            Disclosed::Suppressed { .. } => None,
        }
    }
    pub fn is_published(&self) -> bool {
        matches!(self, Disclosed::Published { .. })
    }
    pub fn reason(&self) -> Option<R> {
        match self {
            Disclosed::Published { .. } => None,
            Disclosed::Suppressed { reason } => Some(*reason),
        }
    }
    fn map_reason<S>(self, f: impl Fn(R) -> S) -> Disclosed<T, S> {
        match self {
            Disclosed::Published { value } => Disclosed::Published { value },
            Disclosed::Suppressed { reason } => Disclosed::Suppressed { reason: f(reason) },
        }
    }
}

/// One cell — or the total — after disclosure control: its counts, rounded, and its share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProtectedCell<R = Reason> {
    pub numerator: Disclosed<u32, R>,
    /// Present in a table of shares.
    pub denominator: Option<Disclosed<u32, R>>,
    /// The share: numerator over denominator in a table of shares, the cell over the total in a
    /// table of counts; absent for the total of a table of counts.
    pub share: Option<Disclosed<Share, R>>,
}

impl<R: Copy> ProtectedCell<R> {
    /// Whether every count of the cell is published.
    pub fn counts_published(&self) -> bool {
        self.numerator.is_published() && self.denominator.is_none_or(|d| d.is_published())
    }

    fn map_reason<S>(self, f: impl Fn(R) -> S + Copy) -> ProtectedCell<S> {
        ProtectedCell {
            numerator: self.numerator.map_reason(f),
            denominator: self.denominator.map(|d| d.map_reason(f)),
            share: self.share.map(|s| s.map_reason(f)),
        }
    }
}

/// A table after disclosure control, cells in the order of the input.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProtectedTable<R = Reason> {
    pub cells: Vec<(String, ProtectedCell<R>)>,
    pub total: ProtectedCell<R>,
}

/// What leaves the organisation: the protected table with the reasons it may say.
pub type Publication = ProtectedTable<PublicReason>;

impl ProtectedTable<Reason> {
    /// The table as it leaves the organisation.
    pub fn publication(&self) -> Publication {
        ProtectedTable {
            cells: self
                .cells
                .iter()
                .map(|(c, cell)| (c.clone(), cell.map_reason(Reason::public)))
                .collect(),
            total: self.total.map_reason(Reason::public),
        }
    }
}

impl<R> ProtectedTable<R> {
    /// The cell of `category`.
    pub fn cell(&self, category: &str) -> Option<&ProtectedCell<R>> {
        self.cells
            .iter()
            .find(|(c, _)| c == category)
            .map(|(_, cell)| cell)
    }
}

/// What happens to one count, or to one stratum of a table of shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Published,
    Suppressed(Reason),
}

impl Mark {
    fn is_suppressed(self) -> bool {
        matches!(self, Mark::Suppressed(_))
    }
}

const PRIMARY: Mark = Mark::Suppressed(Reason::PrimarySmallCount);
const SECONDARY: Mark = Mark::Suppressed(Reason::Secondary);

/// Marks, in place, every still published cell of `eligible` whose `value` is the smallest
/// non-zero one among them — all of them on a tie, so that the choice does not depend on the
/// order of the categories. Returns whether there was such a cell.
fn suppress_smallest(marks: &mut [Mark], eligible: &[bool], value: impl Fn(usize) -> u32) -> bool {
    let smallest = (0..marks.len())
        .filter(|&i| eligible[i] && value(i) > 0)
        .map(&value)
        .min();
    let Some(smallest) = smallest else {
        return false;
    };
    for i in 0..marks.len() {
        if eligible[i] && value(i) == smallest {
            marks[i] = SECONDARY;
        }
    }
    true
}

/// Whether a published total would pin the suppressed cells of a row that has no complement
/// left — every non-empty cell is suppressed for being small. The total then fixes only their
/// sum, and any two suppressed cells of different values can swap without changing anything
/// published, so each still has more than one value. What is left are the rows whose suppressed
/// cells are one cell, or all alike: 1 + 1 + 1 = 3 and 5 + 5 = 10 admit nothing else among small
/// counts. There the total goes. Alike cells withhold the total whatever `k` is, so a larger `k`
/// never publishes a total a smaller one withheld.
///
/// This is what lets an organisation whose every month is a small count publish its year: the
/// months stay suppressed, and the year says how many in all.
fn pinned_by_total<T: PartialEq>(marks: &[Mark], values: &[T]) -> bool {
    let mut suppressed = marks
        .iter()
        .zip(values)
        .filter(|(m, _)| m.is_suppressed())
        .map(|(_, v)| v);
    match (suppressed.next(), suppressed.next()) {
        (Some(first), Some(second)) => first == second && suppressed.all(|v| v == first),
        _ => true,
    }
}

/// Secondary suppression of one row: when a cell is suppressed, the published non-zero cells of
/// the smallest value go as well; without such a cell, the total goes when it would pin the
/// suppressed cells (see `pinned_by_total`). Zero is never a
/// complement: it protects nothing — «the other suppressed cell is 0» would be the only way to
/// make the sum.
///
/// One complement is enough because suppressed cells look alike from outside: a small cell and
/// its complement can swap values and the publication stays the same. The complement is chosen
/// even when the total is suppressed for being small itself: the cells are then protected
/// without relying on the total staying hidden, and a stricter rule never publishes what a
/// looser one suppressed.
fn protect_counts(
    values: &[u32],
    total: u32,
    rules: &DisclosureRules,
    forced: &Forced,
) -> (Vec<Mark>, Mark) {
    let mut marks: Vec<Mark> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if rules.is_small(v) {
                PRIMARY
            } else if forced.cell(i) && v > 0 {
                SECONDARY
            } else {
                Mark::Published
            }
        })
        .collect();
    let mut total_mark = if rules.is_small(total) {
        PRIMARY
    } else if forced.total && total > 0 {
        SECONDARY
    } else {
        Mark::Published
    };
    if marks.contains(&PRIMARY) || total_mark.is_suppressed() {
        let eligible: Vec<bool> = marks.iter().map(|m| *m != PRIMARY).collect();
        if !suppress_smallest(&mut marks, &eligible, |i| values[i])
            && !total_mark.is_suppressed()
            && pinned_by_total(&marks, values)
        {
            total_mark = SECONDARY;
        }
    }
    if forced.any() {
        complete(&mut marks, &mut total_mark, |i| values[i]);
    }
    (marks, total_mark)
}

/// Secondary suppression of one column where counts were forced: while the suppressed values of
/// the column would be pinned by a published total (`pinned_by_total`: fewer than two, or all
/// alike), the published non-zero cells of the smallest value go too; when there is none left,
/// the total goes. A forced cell needs no complement of its own when it can already swap with
/// another suppressed cell — which is what keeps protecting tables together from suppressing
/// one more month on every round.
fn complete(marks: &mut [Mark], total_mark: &mut Mark, value: impl Fn(usize) -> u32) {
    loop {
        let values: Vec<u32> = (0..marks.len()).map(&value).collect();
        // Suppressed zeros with nothing non-zero left to complement them: the column's total
        // is 0, «nobody», said of every cell by the total itself (as for a single table).
        let zeros = marks
            .iter()
            .zip(&values)
            .all(|(m, v)| !m.is_suppressed() || *v == 0);
        if !pinned_by_total(marks, &values) {
            return;
        }
        let eligible: Vec<bool> = marks
            .iter()
            .zip(&values)
            .map(|(m, v)| *m == Mark::Published && *v > 0)
            .collect();
        if !suppress_smallest(marks, &eligible, &value) {
            if !zeros && !total_mark.is_suppressed() {
                *total_mark = SECONDARY;
            }
            return;
        }
    }
}

/// The same for a table of shares, where the unit of suppression is the stratum: its numerator,
/// denominator and share go together.
///
/// A stratum's counts are the two columns of a two-way table — those with the outcome (the
/// numerator) and those without (the denominator minus it) — and its denominator is their sum.
/// Suppressing a numerator alone leaves the denominator to bound it, and the cells left open in
/// the other column then pin it: with 1 of 7 and 6 of 6, the total 7 of 13 admits nothing else.
/// So a stratum is small when any of its three counts is from 1 to k, and is suppressed whole.
/// Then each column is protected: the published strata with the smallest non-zero denominator,
/// the smallest non-zero numerator and the smallest non-zero complement are suppressed too
/// (whole); with no published non-empty stratum left, the total goes when it would pin the
/// suppressed strata (see `pinned_by_total`: strata that differ can swap).
fn protect_strata(
    strata: &[(u32, u32)],
    total: (u32, u32),
    rules: &DisclosureRules,
    forced: &Forced,
) -> (Vec<Mark>, Mark) {
    let small =
        |(n, d): (u32, u32)| rules.is_small(n) || rules.is_small(d) || rules.is_small(d - n);
    let mut marks: Vec<Mark> = strata
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            if small(s) {
                PRIMARY
            } else if forced.cell(i) && s.1 > 0 {
                SECONDARY
            } else {
                Mark::Published
            }
        })
        .collect();
    let mut total_mark = if small(total) {
        PRIMARY
    } else if forced.total && total.1 > 0 {
        SECONDARY
    } else {
        Mark::Published
    };
    if marks.contains(&PRIMARY) || total_mark.is_suppressed() {
        let eligible: Vec<bool> = marks
            .iter()
            .zip(strata)
            .map(|(m, &(_, d))| *m != PRIMARY && d > 0)
            .collect();
        if eligible.iter().any(|&e| e) {
            suppress_smallest(&mut marks, &eligible, |i| strata[i].1);
            suppress_smallest(&mut marks, &eligible, |i| strata[i].0);
            suppress_smallest(&mut marks, &eligible, |i| strata[i].1 - strata[i].0);
        } else if !total_mark.is_suppressed() && pinned_by_total(&marks, strata) {
            total_mark = SECONDARY;
        }
    }
    if forced.any() {
        // A stratum is a complement only while it has a denominator: an empty one is 0 of 0.
        let (n, d) = (|i: usize| strata[i].0, |i: usize| strata[i].1);
        complete(&mut marks, &mut total_mark, d);
        complete(
            &mut marks,
            &mut total_mark,
            |i| if d(i) > 0 { n(i) } else { 0 },
        );
        complete(&mut marks, &mut total_mark, |i| d(i) - n(i));
    }
    (marks, total_mark)
}

fn count(mark: Mark, value: u32, rules: &DisclosureRules) -> Disclosed<u32> {
    match mark {
        Mark::Published => Disclosed::Published {
            value: rules.round(value),
        },
        Mark::Suppressed(reason) => Disclosed::Suppressed { reason },
    }
}

/// A share over true counts: suppressed with the reason of the counts it would reveal, or when
/// the denominator is below the threshold.
fn share(
    numerator: (Mark, u32),
    denominator: (Mark, u32),
    rules: &DisclosureRules,
) -> Disclosed<Share> {
    for mark in [denominator.0, numerator.0] {
        if let Mark::Suppressed(reason) = mark {
            return Disclosed::Suppressed { reason };
        }
    }
    if denominator.1 < rules.rate_min_denominator() {
        return Disclosed::Suppressed {
            reason: Reason::RateDenominatorTooSmall,
        };
    }
    match Share::of(numerator.1, denominator.1) {
        Some(value) => Disclosed::Published { value },
        None => Disclosed::Suppressed {
            reason: Reason::RateDenominatorTooSmall,
        },
    }
}

/// Applies disclosure control to one table.
///
/// - A table of counts: a small count is suppressed, then its complements in the row (see
///   `protect_counts`); each cell's share of the total is published when the cell and the total
///   are and the true total reaches the threshold.
/// - A table of shares: a stratum with a small numerator, denominator or complement is
///   suppressed whole, then the complementary strata (see `protect_strata`); a share is
///   published when its stratum is and its true denominator reaches the threshold.
///
/// Published counts are rounded; zeros are published as 0; shares come from the true counts.
pub fn protect(table: &Table, rules: &DisclosureRules) -> ProtectedTable {
    protect_with(table, rules, &Forced::default())
}

/// Counts that must be suppressed whatever their value, because another table of the same
/// organisation suppressed the same count (see [`super::together`]): a forced cell (stratum) or
/// total is suppressed like a small one, and the usual complements follow — also for a forced
/// total, so that the published cells do not add up to it. A zero stays 0: it is 0 everywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forced {
    /// By cell, in the table's order; missing cells are not forced.
    pub cells: Vec<bool>,
    pub total: bool,
}

impl Forced {
    fn cell(&self, i: usize) -> bool {
        self.cells.get(i).copied().unwrap_or(false)
    }

    fn any(&self) -> bool {
        self.total || self.cells.iter().any(|&c| c)
    }
}

/// A table withheld whole: every count and share suppressed, zeros too. It is what a breakdown
/// of a suppressed count publishes (the lengths of support of a month whose closures are
/// suppressed): even its zeros would say something of the suppressed count.
pub fn withhold(table: &Table) -> ProtectedTable {
    let hidden = Disclosed::Suppressed {
        reason: Reason::Secondary,
    };
    let cell = |shares: bool, share: bool| ProtectedCell {
        numerator: hidden,
        denominator: shares.then_some(hidden),
        share: share.then_some(Disclosed::Suppressed {
            reason: Reason::Secondary,
        }),
    };
    let shares = table.kind() == TableKind::Shares;
    ProtectedTable {
        cells: table
            .cells()
            .iter()
            .map(|(category, _)| (category.clone(), cell(shares, true)))
            .collect(),
        total: cell(shares, shares),
    }
}

/// [`protect`], with the counts `forced` suppressed whatever their value.
pub fn protect_with(table: &Table, rules: &DisclosureRules, forced: &Forced) -> ProtectedTable {
    let cells = table.cells();
    let total = table.total();
    match table.kind() {
        TableKind::Counts => {
            let values: Vec<u32> = cells.iter().map(|(_, c)| c.numerator).collect();
            let (marks, total_mark) = protect_counts(&values, total.numerator, rules, forced);
            let out = cells
                .iter()
                .zip(marks)
                .map(|((category, c), mark)| {
                    let cell = ProtectedCell {
                        numerator: count(mark, c.numerator, rules),
                        denominator: None,
                        share: Some(share(
                            (mark, c.numerator),
                            (total_mark, total.numerator),
                            rules,
                        )),
                    };
                    (category.clone(), cell)
                })
                .collect();
            ProtectedTable {
                cells: out,
                total: ProtectedCell {
                    numerator: count(total_mark, total.numerator, rules),
                    denominator: None,
                    share: None,
                },
            }
        }
        TableKind::Shares => {
            let fraction = |c: &Counts| (c.numerator, c.denominator.unwrap_or(0));
            let strata: Vec<(u32, u32)> = cells.iter().map(|(_, c)| fraction(c)).collect();
            let (marks, total_mark) = protect_strata(&strata, fraction(&total), rules, forced);
            let cell = |(n, d): (u32, u32), mark: Mark| ProtectedCell {
                numerator: count(mark, n, rules),
                denominator: Some(count(mark, d, rules)),
                share: Some(share((mark, n), (mark, d), rules)),
            };
            let out = cells
                .iter()
                .zip(strata.iter().zip(marks))
                .map(|((category, _), (&s, mark))| (category.clone(), cell(s, mark)))
                .collect();
            ProtectedTable {
                cells: out,
                total: cell(fraction(&total), total_mark),
            }
        }
    }
}

#[cfg(test)]
mod tests;

//! Property tests of disclosure control: random tables, random (valid) rules, and an attacker
//! who knows the rules and searches by brute force for the tables they cannot tell apart from
//! the true one.
//!
//! Two attackers:
//! - the **rounding attacker** sees the publication as it is: rounded counts, shares with one
//!   decimal, suppressed cells. Every count is unknown; a published one lies in its rounding
//!   interval, a suppressed one anywhere in a range.
//! - the **exact attacker** knows more: the true value of every published count (a share with a
//!   decimal and a rounded denominator often give them back). Only the suppressed counts are
//!   unknown; a published total fixes their sum.
//!
//! A candidate table is consistent when [`protect`] makes of it exactly the same publication.
//! The tables the exact attacker cannot tell apart are among those the rounding attacker cannot,
//! so the exact attacker is the stronger test; the rounding one is what the publication shows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kurator_analytics::disclosure::{
    Contribution, Counts, DisclosureRules, Publication, Reason, Table, TableKind, pool, protect,
};
use proptest::prelude::*;

/// The true figures of a table: numerators, and denominators for a table of shares.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Truth {
    kind: TableKind,
    n: Vec<u32>,
    d: Vec<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    N(usize),
    D(usize),
    TotalN,
    TotalD,
}

impl Truth {
    fn table(&self) -> Table {
        let name = |i: usize| format!("c{i}");
        let table = match self.kind {
            TableKind::Counts => {
                Table::counts(self.n.iter().enumerate().map(|(i, &n)| (name(i), n)))
            }
            TableKind::Shares => Table::shares(
                self.n
                    .iter()
                    .zip(&self.d)
                    .enumerate()
                    .map(|(i, (&n, &d))| (name(i), n, d)),
            ),
        };
        table.expect("generated tables are valid")
    }

    fn get(&self, slot: Slot) -> u32 {
        match slot {
            Slot::N(i) => self.n[i],
            Slot::D(i) => self.d[i],
            Slot::TotalN => self.n.iter().sum(),
            Slot::TotalD => self.d.iter().sum(),
        }
    }

    fn set(&mut self, slot: Slot, value: u32) {
        match slot {
            Slot::N(i) => self.n[i] = value,
            Slot::D(i) => self.d[i] = value,
            Slot::TotalN | Slot::TotalD => unreachable!("totals are sums"),
        }
    }

    fn cell_slots(&self) -> Vec<Slot> {
        let mut slots: Vec<Slot> = (0..self.d.len()).map(Slot::D).collect();
        slots.extend((0..self.n.len()).map(Slot::N));
        slots
    }

    fn all_slots(&self) -> Vec<Slot> {
        let mut slots = self.cell_slots();
        slots.push(Slot::TotalN);
        if self.kind == TableKind::Shares {
            slots.push(Slot::TotalD);
        }
        slots
    }

    fn largest(&self) -> u32 {
        self.n.iter().chain(&self.d).copied().max().unwrap_or(0)
    }
}

/// The published value of a count, `None` when suppressed.
fn published(publication: &Publication, slot: Slot) -> Option<u32> {
    let cell = |i: usize| &publication.cells[i].1;
    match slot {
        Slot::N(i) => cell(i).numerator.value(),
        Slot::D(i) => cell(i).denominator.and_then(|d| d.value()),
        Slot::TotalN => publication.total.numerator.value(),
        Slot::TotalD => publication.total.denominator.and_then(|d| d.value()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attacker {
    Rounding,
    Exact,
}

/// The search ran out of its budget: the test cannot tell, and fails.
#[derive(Debug)]
struct Exhausted;

struct Search<'a> {
    truth: &'a Truth,
    rules: &'a DisclosureRules,
    publication: &'a Publication,
    /// Unknown cell counts, denominators first, each with its candidates (nearest first).
    vars: Vec<(Slot, Vec<u32>)>,
    /// For the exact attacker, the known sum of the unknown numerators / denominators.
    sum_n: Option<u32>,
    sum_d: Option<u32>,
    target: Slot,
    leaves: u64,
}

const BUDGET: u64 = 400_000;

impl Search<'_> {
    /// Whether some consistent table gives `target` another value than the true one: first the
    /// nearby tables — suppressed cells swapped, or shifted by a few — then every table within
    /// the bounds, depth first.
    fn another_value(mut self) -> Result<bool, Exhausted> {
        for candidate in self.nearby() {
            if self.admissible(&candidate) && self.leaf(&candidate)? {
                return Ok(true);
            }
        }
        let mut candidate = self.truth.clone();
        self.dfs(0, &mut candidate)
    }

    /// Tables near the true one: two wholly unknown cells (strata) swapped; an unknown count
    /// moved by up to 3, alone, with another unknown count of its row the other way, or with the
    /// other count of its stratum the same way.
    fn nearby(&self) -> Vec<Truth> {
        let unknown: Vec<Slot> = self.vars.iter().map(|(s, _)| *s).collect();
        let cells = self.truth.n.len();
        let whole: Vec<usize> = (0..cells)
            .filter(|&i| {
                unknown.contains(&Slot::N(i))
                    && (self.truth.kind == TableKind::Counts || unknown.contains(&Slot::D(i)))
            })
            .collect();
        let mut out = Vec::new();
        for (x, &i) in whole.iter().enumerate() {
            for &j in &whole[x + 1..] {
                let mut t = self.truth.clone();
                t.n.swap(i, j);
                if t.kind == TableKind::Shares {
                    t.d.swap(i, j);
                }
                out.push(t);
            }
        }
        let shift = |t: &mut Truth, slot: Slot, delta: i64| -> bool {
            let value = i64::from(t.get(slot)) + delta;
            match u32::try_from(value) {
                Ok(v) => {
                    t.set(slot, v);
                    true
                }
                Err(_) => false,
            }
        };
        // Every unknown cell of a table of counts moved the same way: a row of alike small
        // cells stays alike.
        if self.truth.kind == TableKind::Counts {
            for delta in [1i64, -1, 2, -2] {
                let mut t = self.truth.clone();
                if whole.iter().all(|&i| shift(&mut t, Slot::N(i), delta)) {
                    out.push(t);
                }
            }
        }
        let same_row = |a: Slot, b: Slot| matches!(a, Slot::N(_)) == matches!(b, Slot::N(_));
        let partner = |slot: Slot| match slot {
            Slot::N(i) => Slot::D(i),
            Slot::D(i) => Slot::N(i),
            other => other,
        };
        for &slot in &unknown {
            for delta in [1i64, -1, 2, -2, 3, -3] {
                let mut alone = self.truth.clone();
                if shift(&mut alone, slot, delta) {
                    out.push(alone.clone());
                    if unknown.contains(&partner(slot)) {
                        let mut both = alone.clone();
                        if shift(&mut both, partner(slot), delta) {
                            out.push(both);
                        }
                    }
                    for &other in &unknown {
                        if other != slot && same_row(slot, other) {
                            let mut moved = alone.clone();
                            if shift(&mut moved, other, -delta) {
                                out.push(moved);
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// Whether a candidate keeps what the attacker knows: the known counts, the bounds of the
    /// unknown ones and their known sums.
    fn admissible(&self, candidate: &Truth) -> bool {
        for slot in self.truth.cell_slots() {
            let value = candidate.get(slot);
            match self.vars.iter().find(|(s, _)| *s == slot) {
                None if value != self.truth.get(slot) => return false,
                Some((_, values)) if !values.contains(&value) => return false,
                _ => {}
            }
        }
        let sum = |n: bool| -> u32 {
            self.vars
                .iter()
                .filter(|(s, _)| matches!(s, Slot::N(_)) == n)
                .map(|(s, _)| candidate.get(*s))
                .sum()
        };
        self.sum_n.is_none_or(|s| sum(true) == s)
            && self.sum_d.is_none_or(|s| sum(false) == s)
            && candidate.get(self.target) != self.truth.get(self.target)
    }

    fn last_of_row(&self, j: usize) -> bool {
        let is_n = matches!(self.vars[j].0, Slot::N(_));
        !self.vars[j + 1..]
            .iter()
            .any(|(s, _)| matches!(s, Slot::N(_)) == is_n)
    }

    fn dfs(&mut self, j: usize, candidate: &mut Truth) -> Result<bool, Exhausted> {
        if j == self.vars.len() {
            return self.leaf(candidate);
        }
        let slot = self.vars[j].0;
        let fixed_sum = match slot {
            Slot::N(_) => self.sum_n,
            _ => self.sum_d,
        };
        if let Some(sum) = fixed_sum.filter(|_| self.last_of_row(j)) {
            let assigned: u32 = self.vars[..j]
                .iter()
                .filter(|(s, _)| matches!(s, Slot::N(_)) == matches!(slot, Slot::N(_)))
                .map(|(s, _)| candidate.get(*s))
                .sum();
            let Some(value) = sum.checked_sub(assigned) else {
                return Ok(false);
            };
            return self.try_value(j, slot, value, candidate);
        }
        for k in 0..self.vars[j].1.len() {
            let value = self.vars[j].1[k];
            if self.try_value(j, slot, value, candidate)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn try_value(
        &mut self,
        j: usize,
        slot: Slot,
        value: u32,
        candidate: &mut Truth,
    ) -> Result<bool, Exhausted> {
        if slot == self.target && value == self.truth.get(slot) {
            return Ok(false);
        }
        if let Slot::N(i) = slot
            && candidate.kind == TableKind::Shares
            && value > candidate.d[i]
        {
            return Ok(false);
        }
        let before = candidate.get(slot);
        candidate.set(slot, value);
        let found = self.dfs(j + 1, candidate);
        candidate.set(slot, before);
        found
    }

    fn leaf(&mut self, candidate: &Truth) -> Result<bool, Exhausted> {
        self.leaves += 1;
        if self.leaves > BUDGET {
            return Err(Exhausted);
        }
        if matches!(self.target, Slot::TotalN | Slot::TotalD)
            && candidate.get(self.target) == self.truth.get(self.target)
        {
            return Ok(false);
        }
        if candidate.kind == TableKind::Shares
            && candidate.n.iter().zip(&candidate.d).any(|(n, d)| n > d)
        {
            return Ok(false);
        }
        Ok(protect(&candidate.table(), self.rules).publication() == *self.publication)
    }
}

/// Values from 0 to `bound`, nearest to `near` first.
fn nearest_first(near: u32, bound: u32, keep: impl Fn(u32) -> bool) -> Vec<u32> {
    let mut values: Vec<u32> = (0..=bound).filter(|&v| keep(v)).collect();
    values.sort_by_key(|&v| (v.abs_diff(near), v));
    values
}

/// Whether the attacker can pin the suppressed count `target` to one value.
fn derivable(
    truth: &Truth,
    rules: &DisclosureRules,
    attacker: Attacker,
    target: Slot,
) -> Result<bool, Exhausted> {
    let publication = protect(&truth.table(), rules).publication();
    let bound = truth.largest() + 2 * rules.rounding_base();
    let mut vars = Vec::new();
    for slot in truth.cell_slots() {
        let true_value = truth.get(slot);
        match (published(&publication, slot), attacker) {
            (Some(_), Attacker::Exact) => {}
            (Some(shown), Attacker::Rounding) => vars.push((
                slot,
                nearest_first(true_value, bound, |v| rules.round(v) == shown),
            )),
            (None, _) => vars.push((slot, nearest_first(true_value, bound, |_| true))),
        }
    }
    let known_sum = |total: Slot, cells: &dyn Fn(Slot) -> bool| {
        published(&publication, total)?;
        let published_cells: u32 = truth
            .cell_slots()
            .into_iter()
            .filter(|s| cells(*s) && published(&publication, *s).is_some())
            .map(|s| truth.get(s))
            .sum();
        Some(truth.get(total) - published_cells)
    };
    let (sum_n, sum_d) = match attacker {
        Attacker::Rounding => (None, None),
        Attacker::Exact => (
            known_sum(Slot::TotalN, &|s| matches!(s, Slot::N(_))),
            known_sum(Slot::TotalD, &|s| matches!(s, Slot::D(_))),
        ),
    };
    let search = Search {
        truth,
        rules,
        publication: &publication,
        vars,
        sum_n,
        sum_d,
        target,
        leaves: 0,
    };
    search.another_value().map(|another| !another)
}

/// Every suppressed count of the table, cells and totals — but the numerators of a table whose
/// published total numerator is 0: «nobody had the outcome» is then said of every stratum by the
/// total itself, about a published total denominator of more than k people.
fn suppressed(truth: &Truth, rules: &DisclosureRules) -> Vec<Slot> {
    let publication = protect(&truth.table(), rules).publication();
    let nobody = truth.kind == TableKind::Shares
        && published(&publication, Slot::TotalN).is_some()
        && truth.get(Slot::TotalN) == 0;
    truth
        .all_slots()
        .into_iter()
        .filter(|s| published(&publication, *s).is_none())
        .filter(|s| !(nobody && matches!(s, Slot::N(_))))
        .collect()
}

// ------------------------------------------------------------------ generators

/// Counts as a child-welfare organisation has them in a month: often 0, often small.
fn count(max: u32) -> impl Strategy<Value = u32> {
    prop_oneof![
        2 => Just(0u32),
        5 => 1u32..=7,
        3 => 8u32..=max,
    ]
}

fn rules() -> impl Strategy<Value = DisclosureRules> {
    (
        prop_oneof![4 => Just(5u32), 1 => 6u32..=7],
        prop_oneof![4 => Just(5u32), 1 => Just(10u32)],
        prop_oneof![4 => Just(20u32), 1 => Just(30u32)],
        3u32..=5,
    )
        .prop_map(|(k, base, rate, pooled)| {
            DisclosureRules::new(k, base, rate, pooled).expect("generated rules are not looser")
        })
}

fn counts_table(cells: std::ops::RangeInclusive<usize>, max: u32) -> impl Strategy<Value = Truth> {
    prop::collection::vec(count(max), cells).prop_map(|n| Truth {
        kind: TableKind::Counts,
        n,
        d: Vec::new(),
    })
}

fn shares_table(cells: std::ops::RangeInclusive<usize>, max: u32) -> impl Strategy<Value = Truth> {
    prop::collection::vec(
        count(max).prop_flat_map(|d| {
            prop_oneof![
                Just(0u32).boxed(),
                Just(d).boxed(),
                (0..=d).boxed(),
                (d.saturating_sub(3)..=d).boxed(),
            ]
            .prop_map(move |n| (n, d))
        }),
        cells,
    )
    .prop_map(|cells| Truth {
        kind: TableKind::Shares,
        n: cells.iter().map(|c| c.0).collect(),
        d: cells.iter().map(|c| c.1).collect(),
    })
}

/// A year of a small organisation published as one table: its twelve months are the cells, the
/// year the total, and most months are small counts.
fn year_of_months() -> impl Strategy<Value = Truth> {
    let month = || prop_oneof![2 => Just(0u32), 3 => Just(1u32), 5 => 1u32..=4, 2 => 1u32..=9];
    prop_oneof![
        4 => prop::collection::vec(month(), 12),
        // Every month alike, some of them empty.
        1 => (1u32..=7, prop::collection::vec(prop::bool::weighted(0.8), 12)).prop_map(
            |(v, open)| open.into_iter().map(|o| if o { v } else { 0 }).collect()
        ),
    ]
    .prop_map(|n| Truth {
        kind: TableKind::Counts,
        n,
        d: Vec::new(),
    })
}

fn any_table() -> impl Strategy<Value = Truth> {
    prop_oneof![counts_table(1..=5, 40), shares_table(1..=4, 40)]
}

// ------------------------------------------------------------------ (a) nothing small is published

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_published_count_is_from_one_to_k(truth in any_table(), rules in rules()) {
        let out = protect(&truth.table(), &rules);
        let publication = out.publication();
        for slot in truth.all_slots() {
            if published(&publication, slot).is_some() {
                let value = truth.get(slot);
                prop_assert!(!rules.is_small(value), "{slot:?} = {value} published");
            }
        }
        // nor is a numerator whose complement in its denominator is small
        if truth.kind == TableKind::Shares {
            for (i, (_, cell)) in out.cells.iter().enumerate() {
                if cell.numerator.is_published() {
                    prop_assert!(!rules.is_small(truth.d[i] - truth.n[i]));
                }
            }
        }
    }

    #[test]
    fn a_published_share_has_its_counts_published_over_the_threshold(
        truth in shares_table(1..=4, 60),
        rules in rules(),
    ) {
        let out = protect(&truth.table(), &rules);
        for (i, (_, cell)) in out.cells.iter().enumerate() {
            if let Some(share) = cell.share.and_then(|s| s.value()) {
                prop_assert!(cell.counts_published());
                prop_assert!(truth.d[i] >= rules.rate_min_denominator());
                let exact = f64::from(truth.n[i]) * 100.0 / f64::from(truth.d[i]);
                prop_assert!((f64::from(share.tenths_of_percent()) / 10.0 - exact).abs() <= 0.05 + 1e-9);
            }
        }
    }
}

// ------------------------------------------------------------------ (b) nothing suppressed is derivable

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The exact attacker against tables of counts.
    #[test]
    fn no_suppressed_count_is_derivable_even_from_exact_published_counts(
        truth in counts_table(2..=5, 30),
        rules in rules(),
    ) {
        for slot in suppressed(&truth, &rules) {
            let pinned = derivable(&truth, &rules, Attacker::Exact, slot);
            prop_assert!(matches!(pinned, Ok(false)), "{slot:?} of {truth:?}: {pinned:?}");
        }
    }

    /// The exact attacker against tables of shares: numerators, denominators and their totals.
    #[test]
    fn no_suppressed_numerator_or_denominator_is_derivable_from_exact_published_counts(
        truth in shares_table(2..=3, 25),
        rules in rules(),
    ) {
        for slot in suppressed(&truth, &rules) {
            let pinned = derivable(&truth, &rules, Attacker::Exact, slot);
            prop_assert!(matches!(pinned, Ok(false)), "{slot:?} of {truth:?}: {pinned:?}");
        }
    }

    /// The exact attacker against a year of twelve months, most of them small: the year is
    /// published when the small months differ, and no month can be worked out from it.
    #[test]
    fn no_month_is_derivable_from_a_published_year(
        truth in year_of_months(),
        rules in rules(),
    ) {
        for slot in suppressed(&truth, &rules) {
            let pinned = derivable(&truth, &rules, Attacker::Exact, slot);
            prop_assert!(matches!(pinned, Ok(false)), "{slot:?} of {truth:?}: {pinned:?}");
        }
    }

    /// The rounding attacker, who sees the publication as it is, against tables of counts.
    #[test]
    fn no_suppressed_count_is_derivable_from_the_rounded_publication(
        truth in counts_table(2..=3, 25),
        rules in rules(),
    ) {
        for slot in suppressed(&truth, &rules) {
            let pinned = derivable(&truth, &rules, Attacker::Rounding, slot);
            prop_assert!(matches!(pinned, Ok(false)), "{slot:?} of {truth:?}: {pinned:?}");
        }
    }

    /// The rounding attacker against tables of shares.
    #[test]
    fn no_suppressed_share_count_is_derivable_from_the_rounded_publication(
        truth in shares_table(2..=2, 20),
        rules in rules(),
    ) {
        for slot in suppressed(&truth, &rules) {
            let pinned = derivable(&truth, &rules, Attacker::Rounding, slot);
            prop_assert!(matches!(pinned, Ok(false)), "{slot:?} of {truth:?}: {pinned:?}");
        }
    }
}

/// One closure a month for a year: 12 in all is not small, but published it would say that
/// every month is 1 — nothing else of twelve small counts makes 12. The year is withheld.
#[test]
fn a_year_of_one_closure_a_month_withholds_the_year() {
    let rules = DisclosureRules::default();
    let truth = Truth {
        kind: TableKind::Counts,
        n: vec![1; 12],
        d: Vec::new(),
    };
    let publication = protect(&truth.table(), &rules).publication();
    assert_eq!(published(&publication, Slot::TotalN), None);
    for slot in suppressed(&truth, &rules) {
        assert!(matches!(
            derivable(&truth, &rules, Attacker::Exact, slot),
            Ok(false)
        ));
    }
    // Months of 1 and 2 can swap: the year (16, rounded to 15) is published.
    let mut varied = truth.clone();
    varied.n[..4].fill(2);
    let publication = protect(&varied.table(), &rules).publication();
    assert_eq!(published(&publication, Slot::TotalN), Some(15));
    for slot in suppressed(&varied, &rules) {
        assert!(matches!(
            derivable(&varied, &rules, Attacker::Exact, slot),
            Ok(false)
        ));
    }
}

// ------------------------------------------------------------------ (c) deterministic and monotone

/// Which counts are suppressed.
fn suppression_pattern(truth: &Truth, rules: &DisclosureRules) -> Vec<bool> {
    let publication = protect(&truth.table(), rules).publication();
    truth
        .all_slots()
        .into_iter()
        .map(|s| published(&publication, s).is_none())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_same_table_is_always_protected_the_same_way(truth in any_table(), rules in rules()) {
        let table = truth.table();
        prop_assert_eq!(protect(&table, &rules), protect(&table, &rules));
    }

    #[test]
    fn the_order_of_the_categories_does_not_matter(
        (truth, order) in any_table().prop_flat_map(|t| {
            let n = t.n.len();
            (Just(t), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
        }),
        rules in rules(),
    ) {
        let permuted = Truth {
            kind: truth.kind,
            n: order.iter().map(|&i| truth.n[i]).collect(),
            d: if truth.d.is_empty() { Vec::new() } else { order.iter().map(|&i| truth.d[i]).collect() },
        };
        let original = protect(&truth.table(), &rules);
        let reordered = protect(&permuted.table(), &rules);
        prop_assert_eq!(original.total, reordered.total);
        for (j, &i) in order.iter().enumerate() {
            prop_assert_eq!(original.cells[i].1, reordered.cells[j].1);
        }
    }

    #[test]
    fn a_larger_k_never_publishes_what_a_smaller_one_suppressed(
        truth in any_table(),
        k in 5u32..=8,
        more in 0u32..=4,
    ) {
        let loose = DisclosureRules::new(k, 5, 20, 3).expect("valid");
        let strict = DisclosureRules::new(k + more, 5, 20, 3).expect("valid");
        let before = suppression_pattern(&truth, &loose);
        let after = suppression_pattern(&truth, &strict);
        for (slot, (b, a)) in truth.all_slots().iter().zip(before.iter().zip(&after)) {
            prop_assert!(!b || *a, "{slot:?} suppressed with k = {k} but published with k = {}", k + more);
        }
    }

    #[test]
    fn a_higher_rate_threshold_never_publishes_a_share_a_lower_one_withheld(
        truth in shares_table(1..=4, 60),
        more in 0u32..=30,
    ) {
        let loose = DisclosureRules::default();
        let strict = DisclosureRules::new(5, 5, 20 + more, 3).expect("valid");
        let a = protect(&truth.table(), &loose);
        let b = protect(&truth.table(), &strict);
        for ((_, x), (_, y)) in a.cells.iter().zip(&b.cells) {
            let published = |c: &kurator_analytics::disclosure::ProtectedCell| c.share.is_some_and(|s| s.is_published());
            prop_assert!(published(x) || !published(y));
        }
    }
}

// ------------------------------------------------------------------ (d) pooled figures

fn contribution() -> impl Strategy<Value = Contribution> {
    (count(60), any::<bool>(), 0u32..=100).prop_map(|(d, published, pct)| Contribution {
        counts: Counts {
            numerator: d * pct / 100,
            denominator: Some(d),
        },
        published,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_pooled_figure_with_too_few_organisations_is_never_published(
        contributions in prop::collection::vec(contribution(), 0..=7),
        rules in rules(),
    ) {
        let pooled = pool(&contributions, &rules);
        let contributing = contributions
            .iter()
            .filter(|c| c.published && c.counts.denominator.unwrap_or(0) > 0)
            .count();
        prop_assert_eq!(pooled.organisations as usize, contributing);
        if contributing < rules.pooled_min_organisations() as usize {
            prop_assert_eq!(pooled.cell.numerator.reason(), Some(Reason::TooFewOrganisations));
            if let Some(d) = pooled.cell.denominator {
                prop_assert_eq!(d.reason(), Some(Reason::TooFewOrganisations));
            }
            if let Some(s) = pooled.cell.share {
                prop_assert_eq!(s.reason(), Some(Reason::TooFewOrganisations));
            }
        }
        if let Some(n) = pooled.cell.numerator.value() {
            prop_assert!(contributing >= rules.pooled_min_organisations() as usize);
            let true_sum: u32 = contributions
                .iter()
                .filter(|c| c.published)
                .map(|c| c.counts.numerator)
                .sum();
            prop_assert!(!rules.is_small(true_sum));
            prop_assert_eq!(n, rules.round(true_sum));
        }
    }

    /// An organisation whose own figure is suppressed has no effect on the pooled figure, so
    /// nothing about it can be worked out by differencing.
    #[test]
    fn a_suppressed_organisation_cannot_be_read_off_the_pooled_figure(
        organisations in prop::collection::vec(shares_table(1..=3, 40), 3..=6),
        replacement in shares_table(1..=3, 40),
        rules in rules(),
    ) {
        let pooled_total = |orgs: &[Truth]| {
            let contributions: Vec<Contribution> = orgs
                .iter()
                .map(|o| {
                    let table = o.table();
                    let out = protect(&table, &rules);
                    Contribution::of(&table, &out, None).expect("the total")
                })
                .collect();
            pool(&contributions, &rules)
        };
        let first = pooled_total(&organisations);
        // Replace every organisation whose total is suppressed by another whose total is
        // suppressed as well: the pooled figure stays the same.
        let replacement_suppressed = !Contribution::of(
            &replacement.table(),
            &protect(&replacement.table(), &rules),
            None,
        )
        .expect("the total")
        .published;
        if replacement_suppressed {
            let changed: Vec<Truth> = organisations
                .iter()
                .map(|o| {
                    let out = protect(&o.table(), &rules);
                    if out.total.counts_published() { o.clone() } else { replacement.clone() }
                })
                .collect();
            prop_assert_eq!(first, pooled_total(&changed));
        }
    }
}

//! The tables an organisation publishes in one night, protected together: a count that two
//! tables share is published in both or suppressed in both (see the module documentation of
//! [`super`], «Tables of one organisation protected together»).

use std::collections::BTreeSet;

use super::protect::{Forced, ProtectedTable, protect_with, withhold};
use super::rules::DisclosureRules;
use super::table::Table;

/// The size of a shared population in one period: `population` is the catalogue's (the cohort
/// of cases closed, say), `period` a month (`YYYY-MM`) or a year (`YYYY`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot {
    pub population: String,
    pub period: String,
}

impl Slot {
    pub fn new(population: &str, period: &str) -> Slot {
        Slot {
            population: population.to_owned(),
            period: period.to_owned(),
        }
    }
}

/// One table with the slots its counts fill: a table of months has a slot per cell (each month)
/// and one for its total (the year); a month's breakdown (by length of support, by risk band)
/// has a slot for its total only — its cells are a breakdown of that slot.
#[derive(Debug, Clone)]
pub struct Linked {
    pub table: Table,
    /// The slot of each cell, in the table's order; `None` for a cell that is the table's own.
    pub cells: Vec<Option<Slot>>,
    pub total: Option<Slot>,
}

impl Linked {
    fn forced(&self, hidden: &BTreeSet<Slot>) -> Forced {
        let is_hidden = |slot: &Option<Slot>| slot.as_ref().is_some_and(|s| hidden.contains(s));
        Forced {
            cells: self.cells.iter().map(is_hidden).collect(),
            total: is_hidden(&self.total),
        }
    }

    /// Whether the table breaks a slot down into cells of its own.
    fn breakdown(&self) -> bool {
        self.total.is_some()
            && !self.table.cells().is_empty()
            && self.cells.iter().all(Option::is_none)
    }

    /// Whether the table is a breakdown with a small cell — in a table of shares, a stratum whose
    /// numerator, denominator or complement is small. Such a breakdown is withheld whole and
    /// never suppresses its total elsewhere: its total is a count of another table, published
    /// or suppressed there for its own value. Protected on its own, a breakdown's total would go
    /// when its small cells are alike (4 and 4) and stay when they differ (3 and 4) — and an
    /// attacker who knows the rule would learn from the month's suppression something of the
    /// month itself. Withheld whole, it says only that one of its cells is small, which leaves
    /// every cell more than one value whatever the total.
    fn small_breakdown(&self, rules: &DisclosureRules) -> bool {
        let small = |n: u32| rules.is_small(n);
        self.breakdown()
            && self.table.cells().iter().any(|(_, c)| match c.denominator {
                Some(d) => small(c.numerator) || small(d) || small(d - c.numerator),
                None => small(c.numerator),
            })
    }

    /// The slots this protection suppresses.
    fn suppressed(&self, protected: &ProtectedTable) -> Vec<Slot> {
        let mut out: Vec<Slot> = self
            .cells
            .iter()
            .zip(&protected.cells)
            .filter(|(_, (_, cell))| !cell.counts_published())
            .filter_map(|(slot, _)| slot.clone())
            .collect();
        if !protected.total.counts_published()
            && let Some(slot) = &self.total
        {
            out.push(slot.clone());
        }
        out
    }
}

/// Protects `tables` together, in their order: each with [`super::protect`]'s rules, every slot
/// suppressed in one table suppressed in all (with their complements again) until nothing more
/// is suppressed. A breakdown of a slot (a month's closures by length of support) is published
/// whole, or withheld whole — zeros too — when its slot is suppressed or one of its cells is
/// small; it suppresses nothing elsewhere.
pub fn protect_together(tables: &[Linked], rules: &DisclosureRules) -> Vec<ProtectedTable> {
    let mut hidden: BTreeSet<Slot> = BTreeSet::new();
    loop {
        let mut grew = false;
        for linked in tables {
            if linked.breakdown() {
                continue;
            }
            let protected = protect_with(&linked.table, rules, &linked.forced(&hidden));
            for slot in linked.suppressed(&protected) {
                grew |= hidden.insert(slot);
            }
        }
        if !grew {
            break;
        }
    }
    tables
        .iter()
        .map(|linked| {
            let total_hidden = linked.total.as_ref().is_some_and(|s| hidden.contains(s));
            if linked.breakdown() && (total_hidden || linked.small_breakdown(rules)) {
                withhold(&linked.table)
            } else {
                protect_with(&linked.table, rules, &linked.forced(&hidden))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disclosure::Disclosed;

    fn months(values: &[u32]) -> Vec<(String, u32)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("2026-{:02}", i + 1), *v))
            .collect()
    }

    fn year_of(population: &str, table: Table) -> Linked {
        let cells = table
            .cells()
            .iter()
            .map(|(month, _)| Some(Slot::new(population, month)))
            .collect();
        Linked {
            table,
            cells,
            total: Some(Slot::new(population, "2026")),
        }
    }

    #[test]
    fn a_complement_suppressed_in_one_table_is_not_published_by_another() {
        let rules = DisclosureRules::default();
        // Cases closed: March is small (2), so its complement, the smallest other month (7 in
        // April), is suppressed too. April's lengths of support, protected apart, would publish
        // their total 7 — and March would be the year minus the published months minus 7.
        let closed = year_of(
            "closed",
            Table::counts(months(&[9, 8, 2, 7, 10, 12])).expect("valid"),
        );
        let april_lengths = Linked {
            table: Table::counts([("under_3", 3u32), ("3_6", 4), ("6_12", 0)]).expect("valid"),
            cells: vec![None, None, None],
            total: Some(Slot::new("closed", "2026-04")),
        };
        let alone = crate::disclosure::protect(&april_lengths.table, &rules);
        assert!(alone.total.counts_published(), "protected apart: {alone:?}");
        let out = protect_together(&[closed, april_lengths], &rules);
        let cell = |month: &str| {
            out[0]
                .cell(month)
                .map(|c| c.counts_published())
                .expect("month")
        };
        assert!(!cell("2026-03") && !cell("2026-04"));
        assert!(cell("2026-01") && cell("2026-05"), "{:?}", out[0]);
        // April's breakdown is withheld whole, its zero too.
        assert!(!out[1].total.counts_published());
        assert!(out[1].cells.iter().all(|(_, c)| !c.counts_published()));
    }

    #[test]
    fn tables_of_one_cohort_suppress_the_same_months() {
        let rules = DisclosureRules::default();
        // The cohort of closed cases, and the share of them where the child is safe: March is
        // small in the first (3 closed), April in the second (8 of 10 safe: 2 are not).
        let closed = year_of(
            "closed",
            Table::counts(months(&[12, 11, 3, 10, 15])).expect("valid"),
        );
        let safe = year_of(
            "closed",
            Table::shares([
                ("2026-01", 10u32, 12u32),
                ("2026-02", 0, 11),
                ("2026-03", 0, 3),
                ("2026-04", 8, 10),
                ("2026-05", 15, 15),
            ])
            .expect("valid"),
        );
        let out = protect_together(&[closed, safe], &rules);
        let hidden = |table: &ProtectedTable| -> Vec<String> {
            table
                .cells
                .iter()
                .filter(|(_, c)| !c.counts_published())
                .map(|(m, _)| m.clone())
                .collect()
        };
        assert_eq!(hidden(&out[0]), hidden(&out[1]));
        assert!(hidden(&out[0]).contains(&"2026-03".to_owned()));
        assert!(hidden(&out[0]).contains(&"2026-04".to_owned()));
        // Published counts agree wherever both publish.
        for ((month, a), (_, b)) in out[0].cells.iter().zip(&out[1].cells) {
            if a.counts_published() {
                assert_eq!(Some(a.numerator), b.denominator, "{month}");
            }
        }
        assert_eq!(
            out[0].total.counts_published(),
            out[1].total.counts_published()
        );
    }

    #[test]
    fn a_total_suppressed_elsewhere_takes_a_complement_with_it() {
        let rules = DisclosureRules::default();
        // Every month of the first table is small and alike: its year is withheld. The second
        // table, over another population's months, publishes everything — but its total is the
        // same slot, so it goes, and with it the smallest month, lest the months add up to it.
        let first = Linked {
            table: Table::counts(months(&[1, 1, 1, 1, 1, 1, 1, 1])).expect("valid"),
            cells: vec![None; 8],
            total: Some(Slot::new("closed", "2026")),
        };
        let second = Linked {
            table: Table::counts([("a", 6u32), ("b", 2)]).expect("valid"),
            cells: vec![None, None],
            total: Some(Slot::new("closed", "2026")),
        };
        let out = protect_together(&[first, second], &rules);
        assert!(matches!(
            out[0].total.numerator,
            Disclosed::Suppressed { .. }
        ));
        // The second is a breakdown of the withheld year: withheld whole.
        assert!(out[1].cells.iter().all(|(_, c)| !c.counts_published()));
        // Forced alone (not a breakdown), the total takes the smallest cells with it — two that
        // differ, so that the cells stay protected were the total known.
        let forced = Forced {
            cells: vec![false, false, false],
            total: true,
        };
        let table = Table::counts([("a", 6u32), ("b", 9), ("c", 12)]).expect("valid");
        let protected = protect_with(&table, &rules, &forced);
        assert!(!protected.total.counts_published());
        assert!(!protected.cell("a").expect("a").counts_published());
        assert!(!protected.cell("b").expect("b").counts_published());
        assert!(protected.cell("c").expect("c").counts_published());
    }
}

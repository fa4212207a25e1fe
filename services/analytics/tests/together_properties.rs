//! Property tests of tables protected together: an organisation's cases closed month by month
//! (a table of counts), the share of them where the child lives safely (a table of shares whose
//! denominators are the same counts) and the first month's closures by length of support (a
//! breakdown of that month's count). An attacker who knows the rules and every published count
//! exactly enumerates every world — the months' closures, the safe cases, the breakdown — that
//! makes the same publication, and no suppressed count has only one value among them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kurator_analytics::disclosure::{
    DisclosureRules, Linked, ProtectedTable, Publication, Slot, Table, protect_together,
};
use proptest::prelude::*;

const MONTHS: usize = 3;
/// The largest count an attacker tries for a suppressed one.
const BOUND: u32 = 10;

/// One organisation's world: closures per month, safe cases among them, and how the first
/// month's closures split between two lengths of support.
#[derive(Debug, Clone, PartialEq, Eq)]
struct World {
    closed: [u32; MONTHS],
    safe: [u32; MONTHS],
    short: u32,
}

fn month(i: usize) -> String {
    format!("2026-{:02}", i + 1)
}

impl World {
    fn tables(&self) -> Vec<Linked> {
        let slots = || {
            (0..MONTHS)
                .map(|i| Some(Slot::new("closed", &month(i))))
                .collect()
        };
        let year = || Some(Slot::new("closed", "2026"));
        vec![
            Linked {
                table: Table::counts((0..MONTHS).map(|i| (month(i), self.closed[i])))
                    .expect("valid"),
                cells: slots(),
                total: year(),
            },
            Linked {
                table: Table::shares((0..MONTHS).map(|i| (month(i), self.safe[i], self.closed[i])))
                    .expect("valid"),
                cells: slots(),
                total: year(),
            },
            Linked {
                table: Table::counts([
                    ("under_3_months", self.short),
                    ("3_months_and_more", self.closed[0] - self.short),
                ])
                .expect("valid"),
                cells: vec![None, None],
                total: Some(Slot::new("closed", &month(0))),
            },
        ]
    }

    fn protected(&self, rules: &DisclosureRules) -> Vec<ProtectedTable> {
        protect_together(&self.tables(), rules)
    }

    /// What the exact attacker sees: the publication, and the true value of every published
    /// count.
    fn view(&self, rules: &DisclosureRules) -> (Vec<Publication>, Vec<Option<u32>>) {
        let protected = self.protected(rules);
        let mut exact = Vec::new();
        for (linked, table) in self.tables().iter().zip(&protected) {
            let cells = linked.table.cells().iter().zip(&table.cells);
            for ((_, counts), (_, cell)) in cells {
                exact.push(cell.numerator.is_published().then_some(counts.numerator));
                if let (Some(d), Some(shown)) = (counts.denominator, cell.denominator) {
                    exact.push(shown.is_published().then_some(d));
                }
            }
            let total = linked.table.total();
            exact.push(
                table
                    .total
                    .numerator
                    .is_published()
                    .then_some(total.numerator),
            );
            if let (Some(d), Some(shown)) = (total.denominator, table.total.denominator) {
                exact.push(shown.is_published().then_some(d));
            }
        }
        (protected.iter().map(|t| t.publication()).collect(), exact)
    }

    /// The suppressed counts of the world, by name — but the safe cases of a year whose
    /// published total of safe cases is 0: «nobody» is then said of every month by the total.
    fn suppressed(&self, rules: &DisclosureRules) -> Vec<(&'static str, usize)> {
        let protected = self.protected(rules);
        let nobody =
            protected[1].total.numerator.is_published() && self.safe.iter().sum::<u32>() == 0;
        let mut out = Vec::new();
        for i in 0..MONTHS {
            if !protected[0].cells[i].1.counts_published() {
                out.push(("closed", i));
            }
            if !protected[1].cells[i].1.counts_published() && !nobody {
                out.push(("safe", i));
            }
        }
        if !protected[2].cells[0].1.counts_published() {
            out.push(("short", 0));
        }
        out
    }

    fn get(&self, (what, i): (&str, usize)) -> u32 {
        match what {
            "closed" => self.closed[i],
            "safe" => self.safe[i],
            _ => self.short,
        }
    }
}

/// Worlds near `truth`: two suppressed months swapped whole (closures, safe cases, and the
/// first month's breakdown made anew), and suppressed counts moved by up to 3, alone or against
/// another of their kind.
fn nearby(truth: &World, hidden: &[(&'static str, usize)]) -> Vec<World> {
    let mut out = Vec::new();
    let months: Vec<usize> = hidden
        .iter()
        .filter(|(what, _)| *what == "closed")
        .map(|(_, i)| *i)
        .collect();
    for (x, &i) in months.iter().enumerate() {
        for &j in &months[x + 1..] {
            let mut w = truth.clone();
            w.closed.swap(i, j);
            w.safe.swap(i, j);
            for short in 0..=w.closed[0] {
                out.push(World { short, ..w.clone() });
            }
        }
    }
    let shift = |w: &mut World, (what, i): (&str, usize), delta: i64| -> bool {
        let value = match what {
            "closed" => &mut w.closed[i],
            "safe" => &mut w.safe[i],
            _ => &mut w.short,
        };
        match u32::try_from(i64::from(*value) + delta) {
            Ok(v) => {
                *value = v;
                true
            }
            Err(_) => false,
        }
    };
    for &slot in hidden {
        for delta in [1i64, -1, 2, -2, 3, -3] {
            let mut alone = truth.clone();
            if !shift(&mut alone, slot, delta) {
                continue;
            }
            out.push(alone.clone());
            for &other in hidden.iter().filter(|o| **o != slot && o.0 == slot.0) {
                let mut moved = alone.clone();
                if shift(&mut moved, other, -delta) {
                    out.push(moved);
                }
            }
        }
    }
    out.retain(|w| {
        w.closed.iter().all(|c| *c <= BOUND)
            && w.safe.iter().zip(&w.closed).all(|(s, c)| s <= c)
            && w.short <= w.closed[0]
    });
    out
}

/// Whether some world the exact attacker cannot tell from `truth` gives `slot` another value:
/// the nearby worlds first, then every world with the suppressed counts from 0 to [`BOUND`]
/// whose sums are those the published totals fix.
fn another_value(truth: &World, rules: &DisclosureRules, slot: (&'static str, usize)) -> bool {
    let seen = truth.view(rules);
    let hidden = truth.suppressed(rules);
    let differs = |w: &World| w.get(slot) != truth.get(slot) && w.view(rules) == seen;
    if nearby(truth, &hidden).iter().any(differs) {
        return true;
    }
    let protected = truth.protected(rules);
    let open = |table: usize, i: usize| !protected[table].cells[i].1.counts_published();
    let range = |hidden: bool, value: u32| if hidden { 0..=BOUND } else { value..=value };
    let closed_sum = protected[0]
        .total
        .numerator
        .is_published()
        .then(|| truth.closed.iter().sum::<u32>());
    let safe_sum = protected[1]
        .total
        .numerator
        .is_published()
        .then(|| truth.safe.iter().sum::<u32>());
    for c0 in range(open(0, 0), truth.closed[0]) {
        for c1 in range(open(0, 1), truth.closed[1]) {
            let last = match closed_sum {
                Some(sum) => match sum.checked_sub(c0 + c1) {
                    Some(c2) if open(0, 2) || c2 == truth.closed[2] => c2..=c2,
                    _ => continue,
                },
                None => range(open(0, 2), truth.closed[2]),
            };
            for c2 in last {
                let closed = [c0, c1, c2];
                for s0 in range(open(1, 0), truth.safe[0]).filter(|s| *s <= c0) {
                    for s1 in range(open(1, 1), truth.safe[1]).filter(|s| *s <= c1) {
                        let last = match safe_sum {
                            Some(sum) => match sum.checked_sub(s0 + s1) {
                                Some(s2) if open(1, 2) || s2 == truth.safe[2] => s2..=s2,
                                _ => continue,
                            },
                            None => range(open(1, 2), truth.safe[2]),
                        };
                        for s2 in last.filter(|s| *s <= c2) {
                            for short in range(open(2, 0), truth.short).filter(|s| *s <= c0) {
                                let world = World {
                                    closed,
                                    safe: [s0, s1, s2],
                                    short,
                                };
                                if differs(&world) {
                                    return true;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    false
}

fn world() -> impl Strategy<Value = World> {
    let count = || prop_oneof![1 => Just(0u32), 3 => 1u32..=5, 2 => 6u32..=9];
    (
        prop::array::uniform3(count()),
        any::<[u8; 3]>(),
        any::<u8>(),
    )
        .prop_map(|(closed, fractions, split)| World {
            closed,
            safe: std::array::from_fn(|i| u32::from(fractions[i]) % (closed[i] + 1)),
            short: u32::from(split) % (closed[0] + 1),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_suppressed_count_of_tables_protected_together_is_derivable(truth in world()) {
        let rules = DisclosureRules::default();
        let suppressed = truth.suppressed(&rules);
        if suppressed.is_empty() {
            return Ok(());
        }
        for slot in suppressed {
            prop_assert!(
                another_value(&truth, &rules, slot),
                "{slot:?} = {} is derivable in {truth:?}",
                truth.get(slot)
            );
        }
    }
}

/// The world where protecting apart gives a month away: March small, April its complement in
/// the closures, April's breakdown would publish April.
#[test]
fn a_complement_is_not_given_away_by_a_breakdown() {
    let rules = DisclosureRules::default();
    let truth = World {
        closed: [7, 2, 9],
        safe: [0, 0, 0],
        short: 3,
    };
    let suppressed = truth.suppressed(&rules);
    assert!(suppressed.contains(&("closed", 0)), "{suppressed:?}");
    assert!(suppressed.contains(&("closed", 1)), "{suppressed:?}");
    for slot in suppressed {
        assert!(another_value(&truth, &rules, slot), "{slot:?}");
    }
}

/// Worlds where a breakdown that suppressed its month elsewhere gave the month away: the first
/// month's lengths of support split 4 and 4 (alike, so its total went) or 3 and 5, 1 and 5 (all
/// small), and the attacker who knows the rule learned from the month's suppression how it
/// split — with the complement chosen next to it, only one value was left. A breakdown is now
/// published whole or withheld whole and suppresses nothing elsewhere.
#[test]
fn a_breakdown_does_not_give_its_month_away_by_suppressing_it() {
    let rules = DisclosureRules::default();
    for truth in [
        World {
            closed: [8, 8, 7],
            safe: [0, 0, 0],
            short: 4,
        },
        World {
            closed: [8, 6, 7],
            safe: [8, 6, 7],
            short: 3,
        },
        World {
            closed: [6, 8, 9],
            safe: [0, 8, 0],
            short: 1,
        },
    ] {
        let suppressed = truth.suppressed(&rules);
        assert!(
            suppressed.contains(&("short", 0)),
            "{truth:?}: {suppressed:?}"
        );
        for slot in suppressed {
            assert!(another_value(&truth, &rules, slot), "{slot:?} in {truth:?}");
        }
    }
}

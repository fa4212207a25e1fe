//! The cases supported in a year next to the openings and closures of the same organisation
//! (`disclosure::supported_publishable`): an attacker who knows the rules, knows that the
//! organisation carried nothing into its first year, and sees every published count exactly,
//! enumerates every world of three years — openings and closures of each year, from 0 to
//! [`BOUND`] — and groups those that publish the same. No suppressed opening or closure has only
//! one value in its group; without the rule, one has.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use kurator_analytics::disclosure::{
    DisclosureRules, Flows, Publication, Table, protect, supported_publishable, withhold,
};

const YEARS: usize = 3;
/// The largest count a world holds.
const BOUND: u32 = 9;
/// Worlds checked: every count at most this, so that the worlds an attacker needs to tell them
/// apart stay within [`BOUND`].
const CHECKED: u32 = 6;

/// What a year of openings or closures publishes, as one table of its month, for every count
/// from 0 to [`BOUND`]; and what the cases supported publish, by count.
struct Published {
    flows: Vec<(bool, u32)>,
    supported: Vec<(bool, u32)>,
    withheld: u32,
}

impl Published {
    fn new(rules: &DisclosureRules) -> Published {
        let mut seen: Vec<Publication> = Vec::new();
        let mut id = |publication: Publication| -> u32 {
            if let Some(i) = seen.iter().position(|p| *p == publication) {
                return u32::try_from(i).unwrap();
            }
            seen.push(publication);
            u32::try_from(seen.len() - 1).unwrap()
        };
        let mut flows = Vec::new();
        for n in 0..=BOUND {
            let table = Table::counts([("2026-01", n)]).unwrap();
            let protected = protect(&table, rules);
            flows.push((
                protected.total.numerator.is_published(),
                id(protected.publication()),
            ));
        }
        let mut supported = Vec::new();
        // Enough for three years of openings.
        for n in 0..=(BOUND * YEARS as u32) {
            let table = Table::share_total(0, n).unwrap();
            let protected = protect(&table, rules);
            supported.push((
                protected.total.counts_published(),
                id(protected.publication()),
            ));
        }
        let withheld = id(withhold(&Table::share_total(0, 0).unwrap()).publication());
        Published {
            flows,
            supported,
            withheld,
        }
    }
}

/// One world: the openings and closures of each year.
#[derive(Clone, Copy)]
struct World {
    opened: [u32; YEARS],
    closed: [u32; YEARS],
}

impl World {
    /// The cases supported each year, or `None` when the world closes more than it supports.
    fn supported(&self) -> Option<[u32; YEARS]> {
        let mut carried = 0;
        let mut out = [0; YEARS];
        for ((supported, opened), closed) in out.iter_mut().zip(self.opened).zip(self.closed) {
            *supported = carried + opened;
            carried = supported.checked_sub(closed)?;
        }
        Some(out)
    }

    /// What the attacker sees: for each year, the openings, the closures and the cases
    /// supported — each an exact count when published, else what its publication says.
    fn view(
        &self,
        published: &Published,
        rule: fn(&[Flows]) -> bool,
    ) -> Option<([u32; 3 * YEARS], [bool; 2 * YEARS])> {
        let supported = self.supported()?;
        let hidden = |id: u32| 1_000 + id;
        let mut view = [0; 3 * YEARS];
        let mut secret = [false; 2 * YEARS];
        let mut history = Vec::new();
        for y in 0..YEARS {
            let (o_pub, o_id) = published.flows[self.opened[y] as usize];
            let (c_pub, c_id) = published.flows[self.closed[y] as usize];
            view[3 * y] = if o_pub { self.opened[y] } else { hidden(o_id) };
            view[3 * y + 1] = if c_pub { self.closed[y] } else { hidden(c_id) };
            secret[2 * y] = !o_pub;
            secret[2 * y + 1] = !c_pub;
            history.push(Flows {
                opened: o_pub,
                closed: c_pub,
            });
            let (s_pub, s_id) = published.supported[supported[y] as usize];
            view[3 * y + 2] = if !rule(&history) {
                hidden(published.withheld)
            } else if s_pub {
                supported[y]
            } else {
                hidden(s_id)
            };
        }
        Some((view, secret))
    }

    fn count(&self, i: usize) -> u32 {
        if i.is_multiple_of(2) {
            self.opened[i / 2]
        } else {
            self.closed[i / 2]
        }
    }
}

/// For every group of worlds that publish the same: the least and greatest value of each
/// suppressed count, and whether a checked world is in it.
#[derive(Clone, Copy)]
struct Group {
    least: [u32; 2 * YEARS],
    most: [u32; 2 * YEARS],
    secret: [bool; 2 * YEARS],
    checked: Option<World>,
}

/// The first checked world with a suppressed count that has one value in its group, and which.
fn derivable(rules: &DisclosureRules, rule: fn(&[Flows]) -> bool) -> Option<(String, usize)> {
    let published = Published::new(rules);
    let mut groups: HashMap<[u32; 3 * YEARS], Group> = HashMap::new();
    let values = BOUND + 1;
    let worlds = values.pow(2 * YEARS as u32);
    for n in 0..worlds {
        let mut rest = n;
        let mut counts = [0u32; 2 * YEARS];
        for c in &mut counts {
            *c = rest % values;
            rest /= values;
        }
        let world = World {
            opened: std::array::from_fn(|y| counts[2 * y]),
            closed: std::array::from_fn(|y| counts[2 * y + 1]),
        };
        let Some((view, secret)) = world.view(&published, rule) else {
            continue;
        };
        let group = groups.entry(view).or_insert(Group {
            least: [u32::MAX; 2 * YEARS],
            most: [0; 2 * YEARS],
            secret,
            checked: None,
        });
        for i in 0..2 * YEARS {
            group.least[i] = group.least[i].min(world.count(i));
            group.most[i] = group.most[i].max(world.count(i));
        }
        if group.checked.is_none() && counts.iter().all(|c| *c <= CHECKED) {
            group.checked = Some(world);
        }
    }
    let mut found: Vec<(String, usize)> = groups
        .values()
        .filter_map(|g| {
            let world = g.checked?;
            let i = (0..2 * YEARS).find(|&i| g.secret[i] && g.least[i] == g.most[i])?;
            Some((
                format!("opened {:?}, closed {:?}", world.opened, world.closed),
                i,
            ))
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

#[test]
fn no_suppressed_opening_or_closure_is_derivable_from_the_cases_supported() {
    let rules = DisclosureRules::default();
    assert_eq!(derivable(&rules, supported_publishable), None);
}

#[test]
fn without_the_rule_the_cases_supported_give_a_suppressed_count_back() {
    // The cases supported published whenever their own table allows: the first year carries
    // nothing in, so its cases supported are its openings.
    fn always(years: &[Flows]) -> bool {
        !years.is_empty()
    }
    let rules = DisclosureRules::default();
    let found = derivable(&rules, always);
    // For instance: nothing opened in the first year, 1 in the second, 6 in the third; the
    // third year supports 7, and 7 − 6 gives the second year's suppressed 1 back.
    assert!(
        found.is_some(),
        "the attacker found nothing without the rule"
    );
}

#[test]
fn stricter_rules_keep_the_cases_supported_from_giving_anything_away() {
    let rules = DisclosureRules::new(6, 10, 30, 4).unwrap();
    assert_eq!(derivable(&rules, supported_publishable), None);
}

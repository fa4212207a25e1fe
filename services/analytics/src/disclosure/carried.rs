//! Counts of different populations tied together by the cases carried from one year into the
//! next (see the module documentation of [`super`], «Cases supported in a year»).
//!
//! The cases supported in a year are those carried in from the year before and those opened in
//! it, and what is carried in is what was supported the year before less what closed then:
//!
//! ```text
//! S(Y) = A(Y) + O(Y),   A(Y) = S(Y−1) − C(Y−1),   A(first year) = 0
//! ```
//!
//! so `S(Y) − S(Y−1) = O(Y) − C(Y−1)`, and in general `S(Y) = O(Y) + Σ (O − C)` over every year
//! since the organisation's first. Published next to its openings and closures, a year's
//! supported cases would tie a suppressed year of openings to the closures of the year before
//! — or, at the very start, give the openings back outright. So the supported cases of a year
//! are published only when everything in that sum is published anyway: the openings of the
//! year itself, and the openings and closures of every year before it since the organisation's
//! first ([`supported_publishable`]). Then a published `S(Y)` only gives away the cases carried
//! in, `A(Y)`, which no table publishes or suppresses, and no suppressed opening or closure
//! enters any identity with it (`tests/carried_properties.rs`).

/// The population of the cases opened in a period (catalogue `population`).
pub const OPENED: &str = "cases_opened";
/// The population of the cases closed in a period.
pub const CLOSED: &str = "cases_closed";
/// The population of the cases supported on at least one day of a period.
pub const SUPPORTED: &str = "cases_supported";

/// What the organisation publishes of one year's flows: whether the year's totals of cases
/// opened and of cases closed are published (not suppressed, not withheld, and shared at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flows {
    pub opened: bool,
    pub closed: bool,
}

/// Whether the cases supported in the last year of `years` may be published, `years` running
/// from the organisation's first year (the year of its first case) to that year: only when
/// every year before it published its openings and its closures, and the year itself its
/// openings. An empty history publishes nothing.
pub fn supported_publishable(years: &[Flows]) -> bool {
    let Some((last, before)) = years.split_last() else {
        return false;
    };
    last.opened && before.iter().all(|y| y.opened && y.closed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: Flows = Flows {
        opened: true,
        closed: true,
    };

    #[test]
    fn the_first_year_needs_its_openings_only() {
        assert!(supported_publishable(&[Flows {
            opened: true,
            closed: false
        }]));
        assert!(!supported_publishable(&[Flows {
            opened: false,
            closed: true
        }]));
        assert!(!supported_publishable(&[]));
    }

    #[test]
    fn a_year_suppressed_once_keeps_every_later_year_from_publishing() {
        let gap = Flows {
            opened: true,
            closed: false,
        };
        assert!(supported_publishable(&[BOTH, BOTH, BOTH]));
        assert!(!supported_publishable(&[BOTH, gap, BOTH, BOTH]));
        assert!(!supported_publishable(&[gap, BOTH, BOTH]));
    }
}

//! Disclosure control («защита от раскрытия»), applied inside an organisation before any figure
//! leaves it, and again to pooled figures across organisations.
//!
//! The input is one [`Table`]: the true figures of one indicator version for one month, by the
//! categories of one stratification with their total. [`protect`] returns a [`ProtectedTable`]
//! in which every count and share is [`Disclosed::Published`] or [`Disclosed::Suppressed`] with
//! a [`Reason`]; [`ProtectedTable::publication`] is what leaves the organisation.
//!
//! # The rules ([`DisclosureRules`], defaults in brackets)
//!
//! - **Primary suppression.** A count from 1 to `k` (5) is small and suppressed. In a table of
//!   shares a stratum is small when its numerator, its denominator or the denominator minus the
//!   numerator is: «3 of the 40 children do not live safely» names a group of 3 just as «3
//!   children» does. A small stratum is suppressed whole — numerator, denominator and share — so
//!   a suppressed denominator suppresses its numerator and share, and the other way round (see
//!   below why a numerator cannot go alone).
//! - **Zero is published as 0.** A zero describes nobody: no person can be recognised in an empty
//!   cell, and suppressing zeros would hide most cells of small organisations for nothing. A zero
//!   is never chosen as a complementary cell, since it protects nothing. One consequence is
//!   accepted: a published total of 0 («nobody in the organisation had the outcome», about more
//!   than k people, or the total would be suppressed) says it of every stratum too.
//! - **Secondary suppression.** When a row has a suppressed cell, its published non-zero cells of
//!   the smallest value are suppressed too — all of them when several share that value, so the
//!   choice does not depend on the order of the categories. When there is no such cell — every
//!   non-empty cell is small — the total goes only if it would pin them: one suppressed cell, or
//!   all alike (1 + 1 + 1 = 3 admits nothing else); cells that differ can swap under a published
//!   total. A year whose every month is small is published this way. In a table of shares each
//!   column gets its complement: the published strata with the smallest non-zero denominator,
//!   numerator, and denominator minus numerator are suppressed (whole). Complements are chosen even when the total is suppressed for its own small count:
//!   the cells then do not rely on the total staying hidden, and a stricter rule never publishes
//!   what a looser one suppressed.
//! - **Suppressed cells look alike from outside.** The organisation records why each cell is
//!   suppressed ([`Reason`]); the publication says only «малое число» ([`PublicReason::SmallCount`])
//!   for a small count and for its complements alike. Were the two told apart, the sum of a small
//!   cell and its complement (the total minus the published cells) would pin both whenever it is
//!   `k + 2` or less: 1 + 6 = 7 admits only 1 and 6 — even through rounding, since a published 5
//!   for a total that is not small means 6 or 7. With the reasons merged, a small cell (stratum)
//!   and its complement can swap values without changing anything published, which is why one
//!   complement per column is enough.
//! - **Why a numerator is not suppressed alone.** A stratum's numerator and its complement are
//!   the two columns of a two-way table whose row sum, the denominator, would stay published.
//!   The brute-force attacker of the property tests found what that allows: with 1 of 7 and 6 of
//!   6 and the total 7 of 13, the second numerator can neither grow (6 is its denominator),
//!   shrink (5 is small) nor give a child away (a complement of 1 is small) — the first is
//!   pinned at 1. Suppressing strata whole keeps every swap open.
//! - **Rounding.** Published counts are rounded to the nearest multiple of `rounding_base` (5);
//!   with the default base there are no ties, and with an even base a tie goes up. Each count is
//!   rounded on its own, so a rounded total need not equal the sum of the rounded cells.
//!   Rounding is a second layer only: the suppression above keeps every suppressed cell
//!   undetermined even when the published counts are known exactly — and they can be, because a
//!   share is computed from the true counts and published with a decimal, which together with a
//!   rounded denominator often gives the counts back.
//! - **Shares.** A share (one decimal of a percent, from the true counts, half up) is published
//!   only when its counts are and its true denominator reaches `rate_min_denominator` (20). In a
//!   table of counts each cell's share of the total follows the same rule, the total being the
//!   denominator.
//! - **Pooled figures.** [`pool`] sums the true counts of the organisations whose own figure for
//!   the cell is published and not empty, and publishes the sum only when at least
//!   `pooled_min_organisations` (3) of them contribute; then the same small-count, rounding and
//!   share rules apply. An organisation whose figure is suppressed is left out: the pooled sum
//!   minus the others' published figures would give its count back.
//!
//! # What the property tests show (`tests/disclosure_properties.rs`)
//!
//! For random tables and rules: no published count is from 1 to k before rounding; for every
//! suppressed count — cells and totals — the tables an attacker who knows these rules cannot
//! tell apart from the true one (found by brute force, re-running [`protect`] on each candidate)
//! give that count more than one value, both when the attacker sees the rounded publication and
//! when they know every published count exactly; stricter rules only suppress more; the same
//! table is always protected the same way, whatever the order of its categories; a pooled figure
//! with fewer contributing organisations than the minimum is never published, and a suppressed
//! organisation has no effect on it. `tests/together_properties.rs` does the same for tables
//! protected together — closures by month, the share of them where the child is safe, and the
//! first month's closures by length of support — and fails when they are protected apart.
//!
//! # Tables of one organisation protected together ([`protect_together`])
//!
//! Several indicators count the same people in the same period: the cases closed in March are
//! the cell «March» of cases closed, the denominator of the share of them where the child lives
//! safely, and the total of March's lengths of support. Protected apart, one table could publish
//! what another suppressed — a complement suppressed in one is the published total of another,
//! and the small cell it protects is then the year minus the rest. So the tables an organisation
//! publishes in one night are protected together: every count of a shared population in a
//! period (a [`Slot`]: the cohort of cases closed, and everything counted over it, in March) is
//! suppressed in every table if it is in one, with each table's complements again, until
//! nothing more is suppressed. A breakdown of a count (March's closures by length of support) is
//! published whole or withheld whole, zeros too: withheld when its count is suppressed, or when
//! one of its cells is small — and it never suppresses its count elsewhere. (Were it to, its
//! own rule — a total goes when the small cells are alike, 4 and 4, and stays when they differ —
//! would tell the attacker something of the month from the month's very suppression; the
//! property test found such a month of 8, split 4 and 4, given away.) Then two months
//! suppressed in the cohort's tables can swap everything counted over them and every table
//! publishes the same — the argument that protects a single table.
//!
//! # Cases supported in a year ([`supported_publishable`])
//!
//! Counts of different populations are linked too: the cases supported in a year are those
//! carried in from the year before (supported then, not closed then) and those opened in it.
//! Published next to openings and closures, they would tie a suppressed year of openings to the
//! closures of the year before — and, the first year carrying nothing in, give that year's
//! openings back outright. So the cases supported are published for whole years only (a month
//! would tie suppressed months together the same way), and a year's only when its openings and
//! the openings and closures of every year before it since the organisation's first are
//! published: everything the identity holds is then public but what is carried in, which no
//! table publishes. A supported year withheld by this rule stays withheld for every later year
//! of the organisation. `tests/carried_properties.rs` enumerates every world of three years and
//! shows no suppressed opening or closure has only one value among those that publish the same,
//! and that without the rule one does.
//!
//! # Not covered here
//!
//! - Two stratifications of the same indicator and month share their total — and the stratum
//!   «none» is that total. An organisation publishes one table per indicator and month: one
//!   stratification (whose total is the stratum «none»), or «none» alone.
//! - Differences between revisions of a month can reveal a small change. (A year and its months
//!   are one table — `kurator_casework::publication` — so they are not two overlapping periods.)
//! - A year of 1–5 cases supported is withheld as a small count; where [`supported_publishable`]
//!   holds it is the year's published openings plus every earlier year's openings less closures,
//!   so it is no secret there. What the rule keeps is the openings and closures suppressed.

mod carried;
mod pool;
mod protect;
mod rules;
mod table;
mod together;

pub use carried::{CLOSED, Flows, OPENED, SUPPORTED, supported_publishable};
pub use pool::{Contribution, Pooled, pool};
pub use protect::{
    Disclosed, Forced, ProtectedCell, ProtectedTable, PublicReason, Publication, Reason, protect,
    protect_with, withhold,
};
pub use rules::{DisclosureRules, RulesError};
pub use table::{Counts, Share, Table, TableError, TableKind};
pub use together::{Linked, Slot, protect_together};

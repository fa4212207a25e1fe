//! Worked examples of disclosure control with the default rules (k = 5, rounding to 5, shares
//! over at least 20, pooled over at least 3 organisations).

use super::*;

fn rules() -> DisclosureRules {
    DisclosureRules::default()
}

fn published<T: Copy>(d: Disclosed<T>) -> T {
    d.value().expect("published")
}

fn reason<T: Copy>(d: Disclosed<T>) -> Reason {
    d.reason().expect("suppressed")
}

fn cell<'a>(t: &'a ProtectedTable, category: &str) -> &'a ProtectedCell {
    t.cell(category).expect("the category is in the table")
}

#[test]
fn the_volunteers_2019_families_are_published_rounded_with_their_exact_share() {
    // seed 001 §4.1: 26 of 32 families closed in 2019 live safely with the child.
    let table = Table::share_total(26, 32).expect("valid");
    let out = protect(&table, &rules());
    assert_eq!(published(out.total.numerator), 25);
    assert_eq!(out.total.denominator.map(published), Some(30));
    assert_eq!(
        out.total.share.map(published).map(|s| s.to_string()),
        Some("81.3%".to_owned())
    );
}

#[test]
fn three_cases_of_low_risk_are_suppressed_and_so_is_the_smallest_other_band() {
    let table =
        Table::counts([("none", 0), ("low", 3), ("medium", 12), ("high", 40)]).expect("valid");
    let out = protect(&table, &rules());
    assert_eq!(published(cell(&out, "none").numerator), 0);
    assert_eq!(
        reason(cell(&out, "low").numerator),
        Reason::PrimarySmallCount
    );
    assert_eq!(reason(cell(&out, "medium").numerator), Reason::Secondary);
    assert_eq!(published(cell(&out, "high").numerator), 40);
    assert_eq!(published(out.total.numerator), 55);
    // 40 of 55, from the true counts
    let high_share = cell(&out, "high").share.map(published);
    assert_eq!(high_share.map(|s| s.tenths_of_percent()), Some(727));
    assert_eq!(
        cell(&out, "low").share.map(reason),
        Some(Reason::PrimarySmallCount)
    );
}

#[test]
fn the_published_figures_do_not_say_which_suppressed_cell_is_the_small_one() {
    let table =
        Table::counts([("none", 0), ("low", 3), ("medium", 12), ("high", 40)]).expect("valid");
    let public = protect(&table, &rules()).publication();
    let low = public.cell("low").map(|c| c.numerator);
    let medium = public.cell("medium").map(|c| c.numerator);
    assert_eq!(low, medium);
    assert_eq!(
        low,
        Some(Disclosed::Suppressed {
            reason: PublicReason::SmallCount
        })
    );
}

#[test]
fn cells_tied_for_the_smallest_value_are_all_suppressed() {
    let table = Table::counts([("a", 3), ("b", 12), ("c", 12), ("d", 40)]).expect("valid");
    let out = protect(&table, &rules());
    assert_eq!(reason(cell(&out, "b").numerator), Reason::Secondary);
    assert_eq!(reason(cell(&out, "c").numerator), Reason::Secondary);
    assert!(cell(&out, "d").numerator.is_published());
}

#[test]
fn when_every_cell_is_small_and_they_differ_the_total_is_published() {
    // 3 + 4 + 0: no cell is left to complement the small ones, but 3 and 4 can swap, so the
    // total (7, rounded to 5) pins neither.
    let table = Table::counts([("a", 3), ("b", 4), ("c", 0)]).expect("valid");
    let out = protect(&table, &rules());
    assert_eq!(published(out.total.numerator), 5);
    assert_eq!(reason(cell(&out, "a").numerator), Reason::PrimarySmallCount);
    assert_eq!(reason(cell(&out, "b").numerator), Reason::PrimarySmallCount);
    assert_eq!(published(cell(&out, "c").numerator), 0);
    // A share of 7 is below the threshold of 20.
    assert_eq!(
        cell(&out, "c").share.map(reason),
        Some(Reason::RateDenominatorTooSmall)
    );
}

#[test]
fn when_every_cell_is_small_and_alike_the_total_is_suppressed() {
    // 3 + 3 + 0 = 6 and 5 + 5 = 10: among small counts nothing else makes these sums.
    for table in [
        Table::counts([("a", 3), ("b", 3), ("c", 0)]).expect("valid"),
        Table::counts([("a", 5), ("b", 5)]).expect("valid"),
    ] {
        let out = protect(&table, &rules());
        assert_eq!(reason(out.total.numerator), Reason::Secondary);
        assert_eq!(reason(cell(&out, "a").numerator), Reason::PrimarySmallCount);
    }
}

#[test]
fn a_year_of_small_months_publishes_the_year() {
    // Cases closed month by month in a small organisation: every month is suppressed, the year
    // is published (27, rounded to 25).
    let months = [2, 1, 3, 2, 0, 4, 2, 1, 3, 2, 4, 3];
    let names: Vec<String> = (1..=12).map(|m| format!("2026-{m:02}")).collect();
    let table = Table::counts(names.iter().map(String::as_str).zip(months)).expect("valid");
    let out = protect(&table, &rules());
    assert_eq!(published(out.total.numerator), 25);
    for (name, value) in names.iter().zip(months) {
        let month = cell(&out, name).numerator;
        if value == 0 {
            assert_eq!(published(month), 0);
        } else {
            assert_eq!(reason(month), Reason::PrimarySmallCount, "{name}");
        }
    }
}

#[test]
fn strata_that_are_all_small_publish_the_total_when_they_differ() {
    // 2 of 4 and 3 of 5: both strata small, the total 5 of 9 is small too; 4 of 9 and 3 of 15
    // are small strata with a total of 7 of 24 that is not.
    let table = Table::shares([("a", 4, 9), ("b", 3, 15)]).expect("valid");
    let out = protect(&table, &rules());
    assert!(!cell(&out, "a").numerator.is_published());
    assert!(!cell(&out, "b").numerator.is_published());
    assert_eq!(published(out.total.numerator), 5);
    assert_eq!(out.total.denominator.map(published), Some(25));
    // Two alike strata withhold the total.
    let alike = Table::shares([("a", 4, 9), ("b", 4, 9)]).expect("valid");
    let out = protect(&alike, &rules());
    assert_eq!(
        out.total.numerator.reason(),
        Some(Reason::Secondary),
        "{out:?}"
    );
}

#[test]
fn a_small_total_suppresses_the_table() {
    let table = Table::counts([("a", 2), ("b", 1), ("c", 0)]).expect("valid");
    let out = protect(&table, &rules());
    assert_eq!(reason(out.total.numerator), Reason::PrimarySmallCount);
    assert!(!cell(&out, "a").numerator.is_published());
    assert!(!cell(&out, "b").numerator.is_published());
}

#[test]
fn a_small_complement_of_the_numerator_suppresses_the_stratum() {
    // 18 of 20 girls live safely: the 2 who do not are a small count.
    let table =
        Table::shares([("female", 18, 20), ("male", 30, 45), ("unknown", 0, 0)]).expect("valid");
    let out = protect(&table, &rules());
    let female = cell(&out, "female");
    assert_eq!(reason(female.numerator), Reason::PrimarySmallCount);
    assert_eq!(
        female.denominator.map(reason),
        Some(Reason::PrimarySmallCount)
    );
    assert_eq!(female.share.map(reason), Some(Reason::PrimarySmallCount));
    // the only other stratum with anybody in it protects the girls
    let male = cell(&out, "male");
    assert_eq!(reason(male.numerator), Reason::Secondary);
    assert_eq!(male.denominator.map(reason), Some(Reason::Secondary));
    let unknown = cell(&out, "unknown");
    assert_eq!(published(unknown.numerator), 0);
    assert_eq!(
        unknown.share.map(reason),
        Some(Reason::RateDenominatorTooSmall)
    );
    assert_eq!(published(out.total.numerator), 50);
    assert_eq!(out.total.denominator.map(published), Some(65));
    assert_eq!(
        out.total.share.map(published).map(|s| s.to_string()),
        Some("73.8%".to_owned())
    );
}

#[test]
fn a_stratum_is_suppressed_whole_not_count_by_count() {
    // Were only the numerators suppressed, 1 of 7 and 6 of 6 with the total 7 of 13 would admit
    // nothing else: the second numerator cannot exceed its published 6, nor drop to 5 and be
    // small, nor give up a child without leaving a small complement.
    let table = Table::shares([("female", 1, 7), ("male", 6, 6)]).expect("valid");
    let out = protect(&table, &rules());
    for category in ["female", "male"] {
        let c = cell(&out, category);
        assert!(!c.numerator.is_published(), "{category}");
        assert!(
            c.denominator.is_some_and(|d| !d.is_published()),
            "{category}"
        );
    }
    assert_eq!(published(out.total.numerator), 5);
    assert_eq!(out.total.denominator.map(published), Some(15));
}

#[test]
fn a_small_denominator_suppresses_its_numerator_and_share() {
    let table = Table::shares([("female", 3, 4), ("male", 20, 40)]).expect("valid");
    let out = protect(&table, &rules());
    let female = cell(&out, "female");
    assert_eq!(
        female.denominator.map(reason),
        Some(Reason::PrimarySmallCount)
    );
    assert!(!female.numerator.is_published());
    assert_eq!(female.share.map(reason), Some(Reason::PrimarySmallCount));
    let male = cell(&out, "male");
    assert_eq!(male.denominator.map(reason), Some(Reason::Secondary));
    assert_eq!(reason(male.numerator), Reason::Secondary);
    // 23 of 44
    assert_eq!(published(out.total.numerator), 25);
    assert_eq!(out.total.denominator.map(published), Some(45));
    assert_eq!(
        out.total
            .share
            .map(published)
            .map(|s| s.tenths_of_percent()),
        Some(523)
    );
}

#[test]
fn each_column_of_a_table_of_shares_gets_its_complement() {
    // a: 2 of 30 is small. The smallest denominator elsewhere is c (25), the smallest numerator
    // b (8), the smallest non-zero complement d (40 - 30 = 10): all three are suppressed.
    let table =
        Table::shares([("a", 2, 30), ("b", 8, 50), ("c", 12, 25), ("d", 30, 40)]).expect("valid");
    let out = protect(&table, &rules());
    let suppressed: Vec<&str> = out
        .cells
        .iter()
        .filter(|(_, c)| !c.numerator.is_published())
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(suppressed, ["a", "b", "c", "d"]);
    let table =
        Table::shares([("a", 2, 30), ("b", 20, 50), ("c", 20, 40), ("d", 40, 70)]).expect("valid");
    let out = protect(&table, &rules());
    // c has the smallest denominator (40) and complement (20), b and c tie on the numerator
    // (20): d stays published.
    assert!(cell(&out, "d").counts_published());
    assert!(!cell(&out, "b").numerator.is_published());
    assert!(!cell(&out, "c").numerator.is_published());
}

#[test]
fn a_share_over_fewer_than_twenty_is_withheld_while_its_counts_are_published() {
    let table = Table::share_total(8, 15).expect("valid");
    let out = protect(&table, &rules());
    assert_eq!(published(out.total.numerator), 10);
    assert_eq!(out.total.denominator.map(published), Some(15));
    assert_eq!(
        out.total.share.map(reason),
        Some(Reason::RateDenominatorTooSmall)
    );
}

#[test]
fn zero_is_published_as_zero() {
    let table = Table::share_total(0, 25).expect("valid");
    let out = protect(&table, &rules());
    assert_eq!(published(out.total.numerator), 0);
    assert_eq!(
        out.total
            .share
            .map(published)
            .map(|s| s.tenths_of_percent()),
        Some(0)
    );
}

#[test]
fn a_stricter_k_suppresses_more() {
    let table = Table::counts([("a", 7), ("b", 30)]).expect("valid");
    assert!(
        cell(&protect(&table, &rules()), "a")
            .numerator
            .is_published()
    );
    let strict = DisclosureRules::new(10, 5, 20, 3).expect("valid");
    let out = protect(&table, &strict);
    assert_eq!(reason(cell(&out, "a").numerator), Reason::PrimarySmallCount);
    assert_eq!(reason(cell(&out, "b").numerator), Reason::Secondary);
}

mod pooled {
    use super::*;
    use crate::disclosure::{Contribution, Counts, pool};

    fn from(n: u32, d: u32, published: bool) -> Contribution {
        Contribution {
            counts: Counts {
                numerator: n,
                denominator: Some(d),
            },
            published,
        }
    }

    #[test]
    fn three_organisations_pool_their_true_counts() {
        let pooled = pool(
            &[from(26, 32, true), from(31, 37, true), from(12, 20, true)],
            &rules(),
        );
        assert_eq!(pooled.organisations, 3);
        assert_eq!(published(pooled.cell.numerator), 70); // 69
        assert_eq!(pooled.cell.denominator.map(published), Some(90)); // 89
        assert_eq!(
            pooled.cell.share.map(published).map(|s| s.to_string()),
            Some("77.5%".to_owned())
        );
    }

    #[test]
    fn two_organisations_are_too_few() {
        let pooled = pool(&[from(26, 32, true), from(31, 37, true)], &rules());
        assert_eq!(reason(pooled.cell.numerator), Reason::TooFewOrganisations);
        assert_eq!(
            pooled.cell.share.map(reason),
            Some(Reason::TooFewOrganisations)
        );
    }

    #[test]
    fn an_organisation_whose_figure_is_suppressed_does_not_contribute() {
        // Were its 3 of 4 added, the pooled total minus the others' figures would give it back.
        let pooled = pool(
            &[
                from(26, 32, true),
                from(31, 37, true),
                from(12, 20, true),
                from(3, 4, false),
            ],
            &rules(),
        );
        assert_eq!(pooled.organisations, 3);
        assert_eq!(pooled.cell.denominator.map(published), Some(90));
    }

    #[test]
    fn an_organisation_with_nothing_to_count_does_not_contribute() {
        let pooled = pool(
            &[from(26, 32, true), from(31, 37, true), from(0, 0, true)],
            &rules(),
        );
        assert_eq!(pooled.organisations, 2);
        assert!(!pooled.cell.numerator.is_published());
    }

    #[test]
    fn a_contribution_is_read_from_an_organisations_protected_table() {
        let table = Table::shares([("female", 3, 4), ("male", 20, 40)]).expect("valid");
        let out = protect(&table, &rules());
        let female = Contribution::of(&table, &out, Some("female")).expect("in the table");
        assert!(!female.published);
        let total = Contribution::of(&table, &out, None).expect("the total");
        assert_eq!(total.counts.denominator, Some(44));
        assert!(total.published);
        assert_eq!(Contribution::of(&table, &out, Some("other")), None);
    }
}

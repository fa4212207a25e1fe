//! Property tests of the calendar arithmetic: working days never land on a day off, results are
//! monotonic in n, and time-zone edges (DST, day boundaries) come out right.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use kurator_method::{Calendar, Span};
use proptest::prelude::*;

fn zones() -> impl Strategy<Value = Tz> {
    prop_oneof![
        Just(chrono_tz::Europe::Moscow),
        Just(chrono_tz::Asia::Almaty),
        Just(chrono_tz::Europe::Berlin),
        Just(chrono_tz::America::New_York),
        Just(chrono_tz::Asia::Kamchatka)
    ]
}

fn instants() -> impl Strategy<Value = DateTime<Utc>> {
    // 2024-12-01 … 2027-11-30
    (1_733_011_200i64..1_827_619_200i64).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap())
}

fn calendar(region: &str, tz: Tz) -> Calendar {
    Calendar::region(region, tz).unwrap()
}

proptest! {
    #[test]
    fn adding_working_days_never_lands_on_a_day_off(t in instants(), n in 0u32..60, tz in zones(), kz in any::<bool>()) {
        let cal = calendar(if kz { "kz" } else { "ru" }, tz);
        let due = cal.add_working_days(t, n);
        let local = due.with_timezone(&tz);
        prop_assert!(cal.is_working_day(local.date_naive()));
        prop_assert_eq!((local.hour(), local.minute(), local.second()), (23, 59, 59));
        if n > 0 {
            prop_assert_eq!(cal.working_days_between(cal.local_date(t), local.date_naive()), n);
        }
    }

    #[test]
    fn working_day_deadlines_are_monotonic_in_n(t in instants(), n in 0u32..40, tz in zones()) {
        let cal = calendar("ru", tz);
        // n = 0 on a day off and n = 1 both mean the next working day; from 1 on, strictly increasing
        prop_assert!(cal.add_working_days(t, n) <= cal.add_working_days(t, n + 1));
        prop_assert!(cal.add_working_days(t, n + 1) < cal.add_working_days(t, n + 2));
        prop_assert!(cal.add_working_days(t, n + 1) > t);
    }

    #[test]
    fn calendar_days_keep_the_local_wall_clock_time_across_dst(t in instants(), n in 0u32..400, tz in zones()) {
        let cal = calendar("ru", tz);
        let r = cal.add_calendar_days(t, n);
        let (a, b) = (t.with_timezone(&tz), r.with_timezone(&tz));
        prop_assert_eq!(b.date_naive(), a.date_naive() + Duration::days(i64::from(n)));
        // the wall time is kept unless it fell into a DST gap, which moves it forward
        let same = a.time() == b.time();
        let moved_forward = b.time() > a.time() && (b.time() - a.time()) <= Duration::hours(1);
        prop_assert!(same || moved_forward, "{a} + {n}d = {b}");
    }

    #[test]
    fn hours_are_exact_elapsed_time(t in instants(), n in 0u32..2000, tz in zones()) {
        let cal = calendar("kz", tz);
        prop_assert_eq!(cal.add_hours(t, n) - t, Duration::hours(i64::from(n)));
    }

    #[test]
    fn months_are_monotonic_and_clamp_to_the_month_end(t in instants(), n in 0u32..30, tz in zones()) {
        let cal = calendar("ru", tz);
        let (a, b) = (cal.add_months(t, n), cal.add_months(t, n + 1));
        prop_assert!(a < b);
        let day = b.with_timezone(&tz).date_naive().day0() + 1;
        prop_assert!(day <= t.with_timezone(&tz).date_naive().day0() + 1);
    }

    #[test]
    fn day_based_spans_end_at_the_end_of_a_local_day(t in instants(), d in 1u32..100, tz in zones()) {
        let cal = calendar("ru", tz);
        let due = cal.add_span(t, &Span::calendar_days(d)).with_timezone(&tz);
        prop_assert_eq!(due.date_naive(), t.with_timezone(&tz).date_naive() + Duration::days(i64::from(d)));
        prop_assert_eq!(due.with_timezone(&Utc) + Duration::seconds(1), cal.start_of_day(due.date_naive() + Duration::days(1)));
    }
}

use chrono::Datelike;

#[test]
fn end_of_day_on_the_night_europe_moves_clocks_forward_is_23_59_59_local() {
    let cal = Calendar::weekends_only(chrono_tz::Europe::Berlin);
    let d = NaiveDate::from_ymd_opt(2025, 3, 30).unwrap(); // 02:00 → 03:00
    let eod = cal.end_of_day(d);
    assert_eq!(eod, Utc.with_ymd_and_hms(2025, 3, 30, 21, 59, 59).unwrap());
    // a day with 23 hours: start to end is 23 h minus a second
    assert_eq!(
        eod - cal.start_of_day(d),
        Duration::hours(23) - Duration::seconds(1)
    );
}

#[test]
fn a_signal_at_23_30_utc_is_already_the_next_day_in_almaty() {
    let cal = Calendar::region("kz", chrono_tz::Asia::Almaty).unwrap();
    // 2025-03-06 23:30 UTC is Friday 7 March 04:30 in Almaty (UTC+5); 8 March is a holiday on
    // Saturday, moved to Monday 10 March: the first working day after is Tuesday 11 March
    let t = Utc.with_ymd_and_hms(2025, 3, 6, 23, 30, 0).unwrap();
    assert_eq!(
        cal.local_date(t),
        NaiveDate::from_ymd_opt(2025, 3, 7).unwrap()
    );
    assert_eq!(
        cal.nth_working_day_after(cal.local_date(t), 1),
        NaiveDate::from_ymd_opt(2025, 3, 11).unwrap()
    );
}

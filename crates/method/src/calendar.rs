//! The tenant's production calendar («производственный календарь»): time zone, weekly days off,
//! public holidays and transferred working days, and the deadline arithmetic built on it.
//!
//! Rules (also in `docs/method/variants.md`):
//! - `hours` are exact elapsed time: 24 hours after 10:00 is 10:00 the next day, whatever the
//!   local clock did in between.
//! - `calendar_days`, `weeks`, `months`, `years` move the local date and keep the local time; a
//!   month step clamps to the month's last day (31 Jan + 1 month = 28/29 Feb). A local time that
//!   falls into a DST gap moves forward past the gap.
//! - `working_days`: the n-th working day strictly after the local date of the start. A deadline
//!   measured in working days ends at the **end of that local working day** (23:59:59): "within
//!   3 working days of the signal" received on Friday evening means by the end of Wednesday.
//! - A deadline measured in whole days or longer (no `hours` part) ends at the end of its local
//!   day as well; a deadline with an `hours` part is exact.
//!
//! Shipped data: `calendars/ru.toml` and `calendars/kz.toml` for 2025–2027, each citing its acts
//! (header comment and `source`, which [`Calendar::source`] gives). An organisation's own
//! holidays and transferred working days ([`DayKind`]) go on top with [`Calendar::add_holiday`] /
//! [`Calendar::add_working_day`] (the organisation's calendar in case work), or as a file with
//! [`Calendar::with_extra`].

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
    Weekday,
};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::schema::Span;

/// Calendar regions shipped with the engine.
pub const REGIONS: [&str; 2] = ["ru", "kz"];

const RU: &str = include_str!("../calendars/ru.toml");
const KZ: &str = include_str!("../calendars/kz.toml");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("unknown calendar region \"{0}\": expected \"ru\" or \"kz\"")]
    UnknownRegion(String),
    #[error("calendar file: {0}")]
    Parse(String),
    #[error("{path}: \"{value}\" is not a date: expected YYYY-MM-DD")]
    BadDate { path: String, value: String },
    #[error(
        "weekend[{index}]: \"{value}\" is not a weekday: expected mon, tue, wed, thu, fri, sat or sun"
    )]
    BadWeekday { index: usize, value: String },
    #[error("unknown time zone \"{0}\"")]
    BadTimeZone(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    #[serde(default)]
    #[allow(dead_code)]
    region: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    default_time_zone: Option<String>,
    /// The acts the file's days come from, for people reading the calendar.
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    weekend: Option<Vec<String>>,
    #[serde(default)]
    holidays: Vec<DayEntry>,
    #[serde(default)]
    working_days: Vec<DayEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DayEntry {
    date: String,
    #[serde(default)]
    name: Option<String>,
}

/// A production calendar in one time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    tz: Tz,
    /// index by `Weekday::num_days_from_monday`
    weekend: [bool; 7],
    holidays: BTreeMap<NaiveDate, String>,
    working_days: BTreeMap<NaiveDate, String>,
    /// The acts the listed days come from (the `source` of the file read last that has one).
    source: Option<String>,
}

/// What a listed day of a calendar is: a public holiday (праздничный / нерабочий день) or a
/// transferred working day (перенесённый рабочий день — a weekend day worked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DayKind {
    Holiday,
    WorkingDay,
}

impl DayKind {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "holiday" => Some(Self::Holiday),
            "working_day" => Some(Self::WorkingDay),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Holiday => "holiday",
            Self::WorkingDay => "working_day",
        }
    }
}

fn parse_weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    })
}

impl Calendar {
    /// Saturday and Sunday off, no holidays.
    pub fn weekends_only(tz: Tz) -> Calendar {
        let mut weekend = [false; 7];
        weekend[5] = true;
        weekend[6] = true;
        Calendar {
            tz,
            weekend,
            holidays: BTreeMap::new(),
            working_days: BTreeMap::new(),
            source: None,
        }
    }

    /// The shipped calendar of a region (`ru`, `kz`) in the given time zone.
    pub fn region(region: &str, tz: Tz) -> Result<Calendar, CalendarError> {
        let src = match region {
            "ru" => RU,
            "kz" => KZ,
            other => return Err(CalendarError::UnknownRegion(other.to_string())),
        };
        Calendar::weekends_only(tz).with_extra(src)
    }

    /// The calendar a variant names, in the variant's time zone.
    pub fn for_variant(variant: &crate::Variant) -> Result<Calendar, CalendarError> {
        Calendar::region(variant.calendar_region(), variant.time_zone())
    }

    /// Adds the holidays and working days of a calendar file (the format of `calendars/ru.toml`).
    /// A `weekend` list, if present, replaces the weekly days off. A date listed as a working day
    /// stops being a holiday and the other way round — the later entry wins.
    pub fn with_extra(mut self, extra_toml: &str) -> Result<Calendar, CalendarError> {
        let file: CalendarFile = toml::from_str(extra_toml)
            .map_err(|e| CalendarError::Parse(e.message().to_string()))?;
        if let Some(w) = &file.weekend {
            let mut weekend = [false; 7];
            for (index, d) in w.iter().enumerate() {
                let day = parse_weekday(d).ok_or_else(|| CalendarError::BadWeekday {
                    index,
                    value: d.clone(),
                })?;
                weekend[day.num_days_from_monday() as usize] = true;
            }
            self.weekend = weekend;
        }
        if let Some(source) = file.source {
            self.source = Some(source);
        }
        for (i, h) in file.holidays.iter().enumerate() {
            let date = parse_date(&h.date, || format!("holidays[{i}].date"))?;
            self.add_holiday(date, h.name.clone().unwrap_or_default());
        }
        for (i, w) in file.working_days.iter().enumerate() {
            let date = parse_date(&w.date, || format!("working_days[{i}].date"))?;
            self.add_working_day(date, w.name.clone().unwrap_or_default());
        }
        Ok(self)
    }

    /// Makes `date` a day off.
    pub fn add_holiday(&mut self, date: NaiveDate, name: impl Into<String>) {
        self.working_days.remove(&date);
        self.holidays.insert(date, name.into());
    }

    /// Makes `date` a working day (a transferred working Saturday, say).
    pub fn add_working_day(&mut self, date: NaiveDate, name: impl Into<String>) {
        self.holidays.remove(&date);
        self.working_days.insert(date, name.into());
    }

    /// Lists `date` as `kind` (see [`Calendar::add_holiday`], [`Calendar::add_working_day`]).
    pub fn add(&mut self, kind: DayKind, date: NaiveDate, name: impl Into<String>) {
        match kind {
            DayKind::Holiday => self.add_holiday(date, name),
            DayKind::WorkingDay => self.add_working_day(date, name),
        }
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The acts the listed days come from, as the shipped file cites them.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// Whether `date` is one of the weekly days off (whatever is listed for it).
    pub fn is_weekend(&self, date: NaiveDate) -> bool {
        self.weekend[date.weekday().num_days_from_monday() as usize]
    }

    /// How `date` is listed, with the name it is listed under; `None` for an ordinary day.
    pub fn listed(&self, date: NaiveDate) -> Option<(DayKind, &str)> {
        if let Some(name) = self.working_days.get(&date) {
            return Some((DayKind::WorkingDay, name));
        }
        self.holidays
            .get(&date)
            .map(|name| (DayKind::Holiday, name.as_str()))
    }

    /// Every listed day from `from` to `to` inclusive, in date order.
    pub fn listed_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Vec<(NaiveDate, DayKind, &str)> {
        let mut days: Vec<_> = self
            .holidays
            .range(from..=to)
            .map(|(d, n)| (*d, DayKind::Holiday, n.as_str()))
            .chain(
                self.working_days
                    .range(from..=to)
                    .map(|(d, n)| (*d, DayKind::WorkingDay, n.as_str())),
            )
            .collect();
        days.sort_by_key(|(d, kind, _)| (*d, *kind));
        days
    }

    /// The same days off in another time zone.
    pub fn in_time_zone(&self, tz: Tz) -> Calendar {
        Calendar { tz, ..self.clone() }
    }

    pub fn holidays(&self) -> impl Iterator<Item = (&NaiveDate, &String)> {
        self.holidays.iter()
    }

    pub fn transferred_working_days(&self) -> impl Iterator<Item = (&NaiveDate, &String)> {
        self.working_days.iter()
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.working_days.contains_key(&date) {
            return true;
        }
        if self.holidays.contains_key(&date) {
            return false;
        }
        !self.weekend[date.weekday().num_days_from_monday() as usize]
    }

    /// The local date of an instant.
    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// The instant of a local wall-clock time; a time inside a DST gap moves forward past the
    /// gap, an ambiguous time takes the earlier instant.
    pub fn resolve_local(&self, local: NaiveDateTime) -> DateTime<Utc> {
        let mut probe = local;
        for _ in 0..(4 * 24) {
            match self.tz.from_local_datetime(&probe) {
                LocalResult::Single(t) => return t.with_timezone(&Utc),
                LocalResult::Ambiguous(a, b) => return a.min(b).with_timezone(&Utc),
                LocalResult::None => probe += Duration::minutes(15),
            }
        }
        // unreachable for real zones; fall back to reading the wall time as UTC
        Utc.from_utc_datetime(&local)
    }

    /// The first instant of a local day.
    pub fn start_of_day(&self, date: NaiveDate) -> DateTime<Utc> {
        self.resolve_local(date.and_time(NaiveTime::MIN))
    }

    /// The last second of a local day (23:59:59 local, or just before the next day starts).
    pub fn end_of_day(&self, date: NaiveDate) -> DateTime<Utc> {
        match date.succ_opt() {
            Some(next) => self.start_of_day(next) - Duration::seconds(1),
            None => self.resolve_local(date.and_time(NaiveTime::MIN)),
        }
    }

    pub fn add_hours(&self, t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        t + Duration::hours(i64::from(n))
    }

    /// Same local time, `n` local dates later.
    pub fn add_calendar_days(&self, t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let local = t.with_timezone(&self.tz).naive_local();
        self.resolve_local(local + Duration::days(i64::from(n)))
    }

    pub fn add_weeks(&self, t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        self.add_calendar_days(t, n.saturating_mul(7))
    }

    /// Same local time, `n` months later; the day clamps to the month's end.
    pub fn add_months(&self, t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let local = t.with_timezone(&self.tz).naive_local();
        let date = local
            .date()
            .checked_add_months(chrono::Months::new(n))
            .unwrap_or(NaiveDate::MAX);
        self.resolve_local(date.and_time(local.time()))
    }

    /// The n-th working day strictly after `date`; for n = 0, `date` itself if it is a working
    /// day, else the next working day.
    pub fn nth_working_day_after(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut d = date;
        if n == 0 {
            while !self.is_working_day(d) {
                d = d.succ_opt().unwrap_or(d);
                if d == NaiveDate::MAX {
                    break;
                }
            }
            return d;
        }
        let mut left = n;
        while left > 0 {
            match d.succ_opt() {
                Some(next) => d = next,
                None => break,
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// End of the n-th working day after the local date of `t` (see the module rules).
    pub fn add_working_days(&self, t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        self.end_of_day(self.nth_working_day_after(self.local_date(t), n))
    }

    /// Number of working days in the local dates (a, b], i.e. after `a` up to and including `b`.
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> u32 {
        let mut n = 0;
        let mut d = a;
        while d < b {
            match d.succ_opt() {
                Some(next) => d = next,
                None => break,
            }
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    /// Applies a [`Span`] to an instant: the deadline rule of this module.
    pub fn add_span(&self, t: DateTime<Utc>, span: &Span) -> DateTime<Utc> {
        let mut r = t;
        let months = span.years.saturating_mul(12).saturating_add(span.months);
        if months > 0 {
            r = self.add_months(r, months);
        }
        let days = span
            .weeks
            .saturating_mul(7)
            .saturating_add(span.calendar_days);
        if days > 0 {
            r = self.add_calendar_days(r, days);
        }
        if span.working_days > 0 {
            r = self.add_working_days(r, span.working_days);
        }
        if span.hours > 0 {
            r = self.add_hours(r, span.hours);
        }
        if span.is_day_based() && span.working_days == 0 {
            r = self.end_of_day(self.local_date(r));
        }
        r
    }
}

fn parse_date(s: &str, path: impl Fn() -> String) -> Result<NaiveDate, CalendarError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| CalendarError::BadDate {
        path: path(),
        value: s.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn russian_calendar_knows_the_transferred_working_saturday_of_2025() {
        let cal = Calendar::region("ru", chrono_tz::Europe::Moscow);
        let cal = cal.as_ref().ok();
        assert_eq!(
            cal.map(|c| c.is_working_day(d("2025-11-01"))),
            Some(true),
            "Saturday 1 Nov 2025 is worked"
        );
        assert_eq!(
            cal.map(|c| c.is_working_day(d("2025-11-03"))),
            Some(false),
            "…and Monday 3 Nov is off"
        );
        assert_eq!(
            cal.map(|c| c.is_working_day(d("2025-11-04"))),
            Some(false),
            "Unity Day"
        );
        assert_eq!(
            cal.map(|c| c.is_working_day(d("2025-05-08"))),
            Some(false),
            "23 Feb moved to 8 May"
        );
        assert_eq!(cal.map(|c| c.is_working_day(d("2025-01-09"))), Some(true));
    }

    #[test]
    fn kazakh_calendar_knows_nauryz_and_the_worked_sunday() {
        let cal = Calendar::region("kz", chrono_tz::Asia::Almaty).ok();
        for day in [
            "2025-03-21",
            "2025-03-24",
            "2025-03-25",
            "2025-12-16",
            "2025-01-03",
        ] {
            assert_eq!(
                cal.as_ref().map(|c| c.is_working_day(d(day))),
                Some(false),
                "{day}"
            );
        }
        assert_eq!(
            cal.as_ref().map(|c| c.is_working_day(d("2025-01-05"))),
            Some(true)
        );
    }

    #[test]
    fn both_shipped_calendars_cover_2025_to_2027_and_cite_their_acts() {
        for (region, text, acts) in [
            ("ru", RU, ["Labour Code", "decree No. 1335"]),
            ("kz", KZ, ["\"On holidays\" No. 267-II", "Labour Code"]),
        ] {
            let header: String = text
                .lines()
                .take_while(|line| line.starts_with('#'))
                .collect::<Vec<_>>()
                .join("\n");
            assert!(header.contains("Sources:"), "{region}: {header}");
            for act in acts {
                assert!(header.contains(act), "{region} names {act}: {header}");
            }
            let cal = Calendar::region(region, chrono_tz::UTC).unwrap();
            assert!(
                cal.source().is_some_and(|s| s.contains("Трудовой кодекс")),
                "{region}: {:?}",
                cal.source()
            );
            for year in 2025..=2027 {
                let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
                let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
                let days = cal.listed_between(first, last);
                assert!(
                    days.first()
                        .is_some_and(|(d, kind, _)| *d == first && *kind == DayKind::Holiday),
                    "{region} {year}: New Year"
                );
                let months: std::collections::BTreeSet<u32> =
                    days.iter().map(|(d, _, _)| d.month()).collect();
                assert!(
                    days.len() >= 12 && months.contains(&5) && months.iter().any(|m| *m >= 11),
                    "{region} {year} is listed through the year: {days:?}"
                );
                assert!(
                    days.iter().all(|(_, _, name)| !name.is_empty()),
                    "{region} {year}: every day is named"
                );
            }
        }
    }

    #[test]
    fn listed_days_say_what_they_are() {
        let cal = Calendar::region("ru", chrono_tz::Europe::Moscow).unwrap();
        assert_eq!(
            cal.listed(d("2025-11-01")).map(|(k, _)| k),
            Some(DayKind::WorkingDay)
        );
        assert_eq!(
            cal.listed(d("2025-11-04")),
            Some((DayKind::Holiday, "День народного единства"))
        );
        assert_eq!(cal.listed(d("2025-11-05")), None);
        assert!(cal.is_weekend(d("2025-11-01")) && !cal.is_weekend(d("2025-11-05")));
        for kind in [DayKind::Holiday, DayKind::WorkingDay] {
            assert_eq!(DayKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(DayKind::parse("weekend"), None);
    }

    #[test]
    fn unknown_region_is_refused() {
        assert_eq!(
            Calendar::region("by", chrono_tz::UTC),
            Err(CalendarError::UnknownRegion("by".into()))
        );
    }

    #[test]
    fn admin_extension_adds_a_regional_holiday_and_reports_bad_dates() {
        let base = Calendar::region("ru", chrono_tz::Europe::Moscow).ok();
        let extended = base.clone().map(|c| {
            c.with_extra("[[holidays]]\ndate = \"2025-09-03\"\nname = \"Региональный праздник\"\n")
        });
        assert_eq!(
            extended
                .as_ref()
                .map(|r| r.as_ref().map(|c| c.is_working_day(d("2025-09-03"))).ok()),
            Some(Some(false))
        );
        let bad = base.map(|c| c.with_extra("[[working_days]]\ndate = \"2025-13-01\"\n"));
        assert!(matches!(bad, Some(Err(CalendarError::BadDate { .. }))));
    }
}

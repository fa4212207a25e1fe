//! The organisation administrator's work on the organisation's production calendar: read a
//! year (the shipped days with the act they come from, and the organisation's own), add a public
//! holiday or a transferred working day, remove one of the organisation's own days. Every change
//! names the calendar revision it was made against (a stale one is refused), is appended to the
//! organisation's calendar history and its audit trail in one transaction, and is in force for
//! every deadline computed after it ([`crate::calendar`]). Deadlines already stored for a case
//! are computed again the next time the case changes.

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::calendar::{ChangeAction, OwnDay, OwnDays};
use crate::error::{CaseworkError, CaseworkResult};
use crate::runtime::TenantRuntime;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use kurator_domain::UserId;
use kurator_method::calendar::{Calendar, DayKind};
use kurator_method::{Problem, problem};
use kurator_store::TenantTx;
use kurator_store::tenant::calendar::{self as store, CalendarChangeRow, NewCalendarChange};

/// The years an organisation's calendar can hold days for.
pub const FIRST_YEAR: i32 = 2000;
pub const LAST_YEAR: i32 = 2100;
/// The longest name of a day, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Where a day of the calendar comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum DaySource {
    /// The shipped calendar of the region; `act` is what its file cites.
    Shipped { act: Option<String> },
    /// Added by the organisation.
    Organisation {
        revision: i32,
        added_by: UserId,
        added_at: DateTime<Utc>,
    },
}

/// One listed day: a public holiday or a transferred working day.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: String,
    pub source: DaySource,
}

impl CalendarDay {
    /// Only the organisation's own days can be removed; shipped ones are the law's.
    pub fn removable(&self) -> bool {
        matches!(self.source, DaySource::Organisation { .. })
    }
}

/// One change of the organisation's calendar, as its history keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarChange {
    pub revision: i32,
    pub date: NaiveDate,
    pub kind: DayKind,
    pub action: ChangeAction,
    pub name: String,
    pub changed_by: UserId,
    pub changed_at: DateTime<Utc>,
}

/// The organisation's calendar for one year.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarYear {
    pub year: i32,
    /// The shipped calendar's region (`ru`, `kz`).
    pub region: String,
    /// IANA name of the time zone days are counted in.
    pub time_zone: String,
    /// Send it back with a change; a stale one is refused.
    pub revision: i32,
    /// Every listed day of the year, in date order: the shipped ones, and the organisation's own
    /// in their place where it listed a day itself.
    pub days: Vec<CalendarDay>,
    /// The organisation's changes to this year, oldest first, removals included.
    pub changes: Vec<CalendarChange>,
}

/// A day an administrator lists.
#[derive(Debug, Clone)]
pub struct NewDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

fn year_out_of_range(year: i32) -> Problem {
    problem!(
        at = "year",
        "calendar_year_out_of_range",
        "Год {year} вне допустимого диапазона {FIRST_YEAR}–{LAST_YEAR}",
        "The year {year} is outside {FIRST_YEAR}–{LAST_YEAR}"
    )
}

fn date_problem(date: NaiveDate) -> Option<Problem> {
    (!(FIRST_YEAR..=LAST_YEAR).contains(&date.year())).then(|| {
        let date = date.format("%d.%m.%Y");
        problem!(
            at = "date",
            "calendar_date_out_of_range",
            "Дата {date} вне допустимого диапазона {FIRST_YEAR}–{LAST_YEAR} гг.",
            "The date {date} is outside the years {FIRST_YEAR}–{LAST_YEAR}"
        )
    })
}

/// The organisation's calendar for `year`; everyone who works in the organisation may read it
/// (it holds no personal data).
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, year))]
pub async fn year(
    runtime: &TenantRuntime,
    actor: &Actor,
    year: i32,
) -> CaseworkResult<CalendarYear> {
    actor.require_variant_reader()?;
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(CaseworkError::rejected(year_out_of_range(year)));
    }
    let tx = runtime.read().await?;
    let rows = store::changes(&tx).await?;
    tx.commit().await?;
    let own = OwnDays::replay(&rows)?;
    let answer = compose(runtime, year, &own, &rows)?;
    // What this replica holds catches up with what it just read.
    runtime.organisation_calendar().install(own);
    Ok(answer)
}

/// Lists a public holiday or a transferred working day, if the calendar is still at
/// `expected_revision`; the year of the day as it stands after. Organisation administrators
/// only. A holiday goes on a day that is not listed as one yet; a transferred working day on a
/// weekly day off that is not already worked. A day the organisation listed itself is changed by
/// removing it first.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn add_day(
    runtime: &TenantRuntime,
    actor: &Actor,
    day: NewDay,
    expected_revision: i32,
) -> CaseworkResult<CalendarYear> {
    actor.require_org_admin()?;
    let name = day.name.trim().to_owned();
    let mut problems: Vec<Problem> = date_problem(day.date).into_iter().collect();
    if name.is_empty() {
        problems.push(problem!(
            at = "name",
            "calendar_name_empty",
            "Укажите название дня (например, «Курбан айт»)",
            "Name the day (e.g. “Kurban ait”)"
        ));
    } else if name.chars().count() > MAX_NAME_CHARS {
        problems.push(problem!(
            at = "name",
            "too_long",
            "name: не более {MAX_NAME_CHARS} символов",
            "name: at most {MAX_NAME_CHARS} characters"
        ));
    }
    if !problems.is_empty() {
        return Err(CaseworkError::Rejected(problems));
    }

    let tx = runtime.begin().await?;
    let (rows, own) = at_revision(&tx, expected_revision).await?;
    let calendar = own.apply_to(runtime.organisation_calendar().shipped());
    if let Some(problem) = conflict_with_calendar(&calendar, &own, &day) {
        return Err(CaseworkError::rejected(problem));
    }
    let row = store::append(
        &tx,
        expected_revision,
        NewCalendarChange {
            day: day.date,
            kind: day.kind.as_str(),
            action: ChangeAction::Add.as_str(),
            name,
            changed_by: actor.user,
        },
    )
    .await?;
    audit::record(
        &tx,
        actor,
        Audit::created("calendar.day.add", "calendar_change", row.id, &row),
    )
    .await?;
    tx.commit().await?;
    finish(runtime, day.date.year(), rows, row)
}

/// Removes a day the organisation listed itself, if the calendar is still at
/// `expected_revision`; the shipped calendar applies to the date again. Organisation
/// administrators only. The history keeps the day and its removal.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn remove_day(
    runtime: &TenantRuntime,
    actor: &Actor,
    date: NaiveDate,
    expected_revision: i32,
) -> CaseworkResult<CalendarYear> {
    actor.require_org_admin()?;
    if let Some(problem) = date_problem(date) {
        return Err(CaseworkError::rejected(problem));
    }
    let tx = runtime.begin().await?;
    let (rows, own) = at_revision(&tx, expected_revision).await?;
    let Some(removed) = own.get(date).cloned() else {
        let shown = date.format("%d.%m.%Y");
        return Err(CaseworkError::rejected(problem!(
            at = "date",
            "calendar_day_not_own",
            "{shown} не добавлен организацией: удалить можно только дни, добавленные организацией",
            "{shown} was not added by the organisation: only its own days can be removed"
        )));
    };
    let row = store::append(
        &tx,
        expected_revision,
        NewCalendarChange {
            day: date,
            kind: removed.kind.as_str(),
            action: ChangeAction::Remove.as_str(),
            name: removed.name.clone(),
            changed_by: actor.user,
        },
    )
    .await?;
    audit::record(
        &tx,
        actor,
        Audit::changed(
            "calendar.day.remove",
            "calendar_change",
            row.id,
            &removed,
            &row,
        ),
    )
    .await?;
    tx.commit().await?;
    finish(runtime, date.year(), rows, row)
}

/// The organisation's changes and days, refused as stale unless the calendar is at `expected`.
async fn at_revision(
    tx: &TenantTx,
    expected: i32,
) -> CaseworkResult<(Vec<CalendarChangeRow>, OwnDays)> {
    let rows = store::changes(tx).await?;
    let own = OwnDays::replay(&rows)?;
    if own.revision() != expected {
        return Err(CaseworkError::Stale {
            current: own.revision(),
        });
    }
    Ok((rows, own))
}

/// Why `day` cannot be listed on `calendar` as it stands, if it cannot.
fn conflict_with_calendar(calendar: &Calendar, own: &OwnDays, day: &NewDay) -> Option<Problem> {
    let shown = day.date.format("%d.%m.%Y");
    if let Some(listed) = own.get(day.date) {
        let name = &listed.name;
        return Some(problem!(
            at = "date",
            "calendar_day_already_listed",
            "{shown} уже добавлен организацией («{name}»): чтобы изменить его, сначала удалите",
            "{shown} is already listed by the organisation (“{name}”): remove it first to change it"
        ));
    }
    let listed = calendar.listed(day.date);
    match day.kind {
        DayKind::Holiday => match listed {
            Some((DayKind::Holiday, name)) => Some(problem!(
                at = "date",
                "calendar_already_holiday",
                "{shown} уже праздничный день («{name}»)",
                "{shown} is already a holiday (“{name}”)"
            )),
            _ => None,
        },
        DayKind::WorkingDay if !calendar.is_weekend(day.date) => Some(problem!(
            at = "date",
            "calendar_working_day_not_weekend",
            "{shown} не выходной день недели: рабочим можно сделать только выходной (перенос)",
            "{shown} is not a weekly day off: only a day off can become a transferred working day"
        )),
        DayKind::WorkingDay => match listed {
            Some((DayKind::WorkingDay, name)) => Some(problem!(
                at = "date",
                "calendar_already_working_day",
                "{shown} уже рабочий день («{name}»)",
                "{shown} is already a working day (“{name}”)"
            )),
            _ => None,
        },
    }
}

/// After a change committed: the runtime's calendar swapped to it, and the year of the change.
fn finish(
    runtime: &TenantRuntime,
    year: i32,
    mut rows: Vec<CalendarChangeRow>,
    row: CalendarChangeRow,
) -> CaseworkResult<CalendarYear> {
    rows.push(row);
    let own = OwnDays::replay(&rows)?;
    let answer = compose(runtime, year, &own, &rows)?;
    runtime.organisation_calendar().install(own);
    Ok(answer)
}

fn compose(
    runtime: &TenantRuntime,
    year: i32,
    own: &OwnDays,
    rows: &[CalendarChangeRow],
) -> CaseworkResult<CalendarYear> {
    let calendar = runtime.organisation_calendar();
    let shipped = calendar.shipped();
    let act = shipped.source().map(str::to_owned);
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Err(CaseworkError::rejected(year_out_of_range(year)));
    };
    let mut days: Vec<CalendarDay> = shipped
        .listed_between(first, last)
        .into_iter()
        .filter(|(date, _, _)| own.get(*date).is_none())
        .map(|(date, kind, name)| CalendarDay {
            date,
            kind,
            name: name.to_owned(),
            source: DaySource::Shipped { act: act.clone() },
        })
        .chain(own.in_year(year).map(own_day))
        .collect();
    days.sort_by_key(|d| (d.date, d.kind));
    let changes = rows
        .iter()
        .filter(|r| r.day.year() == year)
        .filter_map(|r| {
            Some(CalendarChange {
                revision: r.revision,
                date: r.day,
                kind: DayKind::parse(&r.kind)?,
                action: ChangeAction::parse(&r.action)?,
                name: r.name.clone(),
                changed_by: UserId(r.changed_by),
                changed_at: r.changed_at,
            })
        })
        .collect();
    Ok(CalendarYear {
        year,
        region: calendar.region().to_owned(),
        time_zone: shipped.tz().name().to_owned(),
        revision: own.revision(),
        days,
        changes,
    })
}

fn own_day(day: &OwnDay) -> CalendarDay {
    CalendarDay {
        date: day.date,
        kind: day.kind,
        name: day.name.clone(),
        source: DaySource::Organisation {
            revision: day.revision,
            added_by: day.added_by,
            added_at: day.added_at,
        },
    }
}

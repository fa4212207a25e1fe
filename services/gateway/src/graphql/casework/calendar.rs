//! The organisation's production calendar over GraphQL: `calendar(year)`, `addCalendarDay` and
//! `removeCalendarDay`. Permissions, validation, revisions, the audit trail and putting the
//! change in force are the casework service's ([`calendar_admin`]); these types translate.

use crate::graphql::casework::tenant_actor;
use crate::graphql::error::ApiError;
use crate::graphql::language::{self, Language};
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use kurator_casework::calendar::ChangeAction;
use kurator_casework::calendar_admin::{self, CalendarYear, DaySource, NewDay};
use kurator_method::calendar::DayKind;

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum CalendarDayKind {
    /// A public holiday: a day off.
    Holiday,
    /// A transferred working day: a weekly day off that is worked.
    WorkingDay,
}

impl From<CalendarDayKind> for DayKind {
    fn from(kind: CalendarDayKind) -> Self {
        match kind {
            CalendarDayKind::Holiday => DayKind::Holiday,
            CalendarDayKind::WorkingDay => DayKind::WorkingDay,
        }
    }
}

impl From<DayKind> for CalendarDayKind {
    fn from(kind: DayKind) -> Self {
        match kind {
            DayKind::Holiday => CalendarDayKind::Holiday,
            DayKind::WorkingDay => CalendarDayKind::WorkingDay,
        }
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum CalendarChangeAction {
    Added,
    Removed,
}

/// A listed day of the calendar.
#[derive(SimpleObject)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub kind: CalendarDayKind,
    pub name: String,
    /// Where the day comes from: the act the shipped calendar cites, or «добавлено
    /// организацией» / "added by the organisation".
    pub source: String,
    /// Whether the organisation added it (and so may remove it).
    pub removable: bool,
    /// For the organisation's own days: who added it, when, at which revision.
    pub added_by: Option<ID>,
    pub added_at: Option<DateTime<Utc>>,
    pub revision: Option<i32>,
}

/// One change the organisation made, as its calendar history keeps it.
#[derive(SimpleObject)]
pub struct CalendarChange {
    pub revision: i32,
    pub date: NaiveDate,
    pub kind: CalendarDayKind,
    pub action: CalendarChangeAction,
    pub name: String,
    pub changed_by: ID,
    pub changed_at: DateTime<Utc>,
}

/// The organisation's production calendar for one year.
#[derive(SimpleObject)]
pub struct OrganisationCalendar {
    pub year: i32,
    /// The shipped calendar's region: `ru` or `kz`.
    pub region: String,
    /// IANA time zone days are counted in.
    pub time_zone: String,
    /// Send it back as `expectedRevision` with a change; a stale one is `CONFLICT`.
    pub revision: i32,
    /// Holidays and transferred working days of the year, in date order (weekly days off are
    /// not listed).
    pub days: Vec<CalendarDay>,
    /// The organisation's changes to this year, oldest first, removals included.
    pub changes: Vec<CalendarChange>,
}

fn source(source: &DaySource, language: Language) -> String {
    match (source, language) {
        (DaySource::Shipped { act: Some(act) }, _) => act.clone(),
        (DaySource::Shipped { act: None }, Language::Ru) => "поставляемый календарь".into(),
        (DaySource::Shipped { act: None }, Language::En) => "shipped calendar".into(),
        (DaySource::Organisation { .. }, Language::Ru) => "добавлено организацией".into(),
        (DaySource::Organisation { .. }, Language::En) => "added by the organisation".into(),
    }
}

impl From<CalendarYear> for OrganisationCalendar {
    fn from(year: CalendarYear) -> Self {
        let language = language::current();
        Self {
            year: year.year,
            region: year.region,
            time_zone: year.time_zone,
            revision: year.revision,
            days: year
                .days
                .into_iter()
                .map(|day| {
                    let removable = day.removable();
                    let (added_by, added_at, revision) = match &day.source {
                        DaySource::Organisation {
                            revision,
                            added_by,
                            added_at,
                        } => (
                            Some(ID(added_by.to_string())),
                            Some(*added_at),
                            Some(*revision),
                        ),
                        DaySource::Shipped { .. } => (None, None, None),
                    };
                    CalendarDay {
                        date: day.date,
                        kind: day.kind.into(),
                        name: day.name,
                        source: source(&day.source, language),
                        removable,
                        added_by,
                        added_at,
                        revision,
                    }
                })
                .collect(),
            changes: year
                .changes
                .into_iter()
                .map(|c| CalendarChange {
                    revision: c.revision,
                    date: c.date,
                    kind: c.kind.into(),
                    action: match c.action {
                        ChangeAction::Add => CalendarChangeAction::Added,
                        ChangeAction::Remove => CalendarChangeAction::Removed,
                    },
                    name: c.name,
                    changed_by: ID(c.changed_by.to_string()),
                    changed_at: c.changed_at,
                })
                .collect(),
        }
    }
}

#[derive(Default)]
pub struct CalendarQuery;

#[Object]
impl CalendarQuery {
    /// The organisation's production calendar for `year` (2000–2100): the shipped days with the
    /// act they come from and the organisation's own. Everyone who works in the organisation.
    async fn calendar(
        &self,
        ctx: &Context<'_>,
        year: i32,
    ) -> async_graphql::Result<OrganisationCalendar> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let year = calendar_admin::year(&runtime, &actor, year)
            .await
            .map_err(ApiError::from)?;
        Ok(year.into())
    }
}

#[derive(Default)]
pub struct CalendarMutation;

#[Object]
impl CalendarMutation {
    /// Lists a public holiday or a transferred working day in the organisation's calendar
    /// (organisation administrators); deadlines computed from now on use it. Answers the day's
    /// year as it stands after. A stale `expectedRevision` is `CONFLICT`.
    async fn add_calendar_day(
        &self,
        ctx: &Context<'_>,
        date: NaiveDate,
        kind: CalendarDayKind,
        name: String,
        expected_revision: i32,
    ) -> async_graphql::Result<OrganisationCalendar> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let day = NewDay {
            date,
            kind: kind.into(),
            name,
        };
        let year = calendar_admin::add_day(&runtime, &actor, day, expected_revision)
            .await
            .map_err(ApiError::from)?;
        Ok(year.into())
    }

    /// Removes a day the organisation listed itself (organisation administrators); the shipped
    /// calendar applies to the date again. A stale `expectedRevision` is `CONFLICT`.
    async fn remove_calendar_day(
        &self,
        ctx: &Context<'_>,
        date: NaiveDate,
        expected_revision: i32,
    ) -> async_graphql::Result<OrganisationCalendar> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let year = calendar_admin::remove_day(&runtime, &actor, date, expected_revision)
            .await
            .map_err(ApiError::from)?;
        Ok(year.into())
    }
}

//! The organisation's production calendar («производственный календарь организации») as case
//! work uses it: the shipped calendar of its region (`crates/method/calendars/*.toml`) with the
//! organisation's own public holidays and transferred working days on top. Its administrator
//! changes them ([`crate::calendar_admin`]); every change is the organisation's next calendar
//! revision, stored as an append-only row (`calendar_changes`).
//!
//! The runtime holds the calendar at the revision it knows and swaps it whole after a change, so
//! a reader gets one consistent calendar (an [`Arc<Calendar>`]) and never waits for a writer.
//!
//! **Another replica's change.** Deadlines are stored by the obligations keeper inside the
//! transaction that changes a case ([`crate::obligations::Keeper`]). Before computing them the
//! keeper asks, in that same transaction, for the organisation's latest calendar revision — one
//! lookup at the end of the unique `(tenant_id, revision)` index — and reloads the changes only
//! when the stored revision is newer than the one it holds ([`OrganisationCalendar::current_in`]).
//! That is exact: a change committed before the case's transaction reads the revision is seen
//! (PostgreSQL: each statement of a read-committed transaction sees what was committed before it;
//! SQLite: the writer holds the database's write lock), so no deadline computed after a change,
//! on any replica, uses the calendar before it. The alternatives were weaker: a notification
//! (PostgreSQL `LISTEN/NOTIFY`, Redis pub/sub) arrives some time after the commit, is lost while
//! a replica reconnects and needs a second mechanism on SQLite; a time-to-live re-read is wrong
//! for up to its time to live. The price — one indexed single-row read per writing transaction
//! that touched a case — is small beside the statements that recompute the case's obligations.
//! Reads that only show a computed deadline (a case card) use this replica's calendar, which any
//! writing transaction, the deadline worker or a read of the calendar brings up to date.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use kurator_domain::UserId;
use kurator_method::calendar::{Calendar, DayKind};
use kurator_store::tenant::calendar::{self as store, CalendarChangeRow};
use kurator_store::{StoreError, TenantTx};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

/// What a change does to a day of the organisation's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeAction {
    /// The organisation lists the day (a holiday, a transferred working day).
    Add,
    /// The organisation takes back a day it listed; the shipped calendar applies again.
    Remove,
}

impl ChangeAction {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "add" => Some(Self::Add),
            "remove" => Some(Self::Remove),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Remove => "remove",
        }
    }
}

/// A day the organisation itself listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnDay {
    pub date: NaiveDate,
    #[serde(serialize_with = "kind_name")]
    pub kind: DayKind,
    pub name: String,
    /// The calendar revision that added it.
    pub revision: i32,
    pub added_by: UserId,
    pub added_at: DateTime<Utc>,
}

fn kind_name<S: serde::Serializer>(kind: &DayKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.as_str())
}

/// The organisation's own days at one revision: its changes replayed in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OwnDays {
    revision: i32,
    days: BTreeMap<NaiveDate, OwnDay>,
}

impl OwnDays {
    /// Replays stored changes, oldest first. A row this version cannot read (an unknown kind or
    /// action) is an error rather than a silently different calendar.
    pub fn replay(rows: &[CalendarChangeRow]) -> Result<Self, StoreError> {
        let mut own = OwnDays::default();
        for row in rows {
            let unreadable = || {
                StoreError::Database(sea_orm::DbErr::Custom(format!(
                    "calendar change {}: kind \"{}\", action \"{}\"",
                    row.revision, row.kind, row.action
                )))
            };
            let kind = DayKind::parse(&row.kind).ok_or_else(unreadable)?;
            match ChangeAction::parse(&row.action).ok_or_else(unreadable)? {
                ChangeAction::Add => {
                    own.days.insert(
                        row.day,
                        OwnDay {
                            date: row.day,
                            kind,
                            name: row.name.clone(),
                            revision: row.revision,
                            added_by: UserId(row.changed_by),
                            added_at: row.changed_at,
                        },
                    );
                }
                ChangeAction::Remove => {
                    own.days.remove(&row.day);
                }
            }
            own.revision = own.revision.max(row.revision);
        }
        Ok(own)
    }

    /// The organisation's calendar revision: how many changes it made.
    pub fn revision(&self) -> i32 {
        self.revision
    }

    pub fn get(&self, date: NaiveDate) -> Option<&OwnDay> {
        self.days.get(&date)
    }

    /// The organisation's days of one year, in date order.
    pub fn in_year(&self, year: i32) -> impl Iterator<Item = &OwnDay> {
        self.days.values().filter(move |d| d.date.year() == year)
    }

    /// `shipped` with these days on top.
    pub fn apply_to(&self, shipped: &Calendar) -> Calendar {
        let mut calendar = shipped.clone();
        for day in self.days.values() {
            calendar.add(day.kind, day.date, day.name.clone());
        }
        calendar
    }
}

/// The calendar at one revision.
struct Snapshot {
    own: Arc<OwnDays>,
    calendar: Arc<Calendar>,
}

/// The organisation's calendar as one replica knows it; the runtime and the obligations keeper
/// share it.
pub struct OrganisationCalendar {
    region: String,
    shipped: Calendar,
    current: RwLock<Arc<Snapshot>>,
}

impl OrganisationCalendar {
    /// `shipped` is the region's calendar in the organisation's time zone.
    pub fn new(region: impl Into<String>, shipped: Calendar, own: OwnDays) -> Self {
        let calendar = Arc::new(own.apply_to(&shipped));
        Self {
            region: region.into(),
            shipped,
            current: RwLock::new(Arc::new(Snapshot {
                own: Arc::new(own),
                calendar,
            })),
        }
    }

    /// The shipped calendar's region (`ru`, `kz`).
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The shipped calendar alone.
    pub fn shipped(&self) -> &Calendar {
        &self.shipped
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The calendar at the newest revision this replica knows.
    pub fn current(&self) -> Arc<Calendar> {
        self.snapshot().calendar.clone()
    }

    /// The organisation's own days at the newest revision this replica knows.
    pub fn own(&self) -> Arc<OwnDays> {
        self.snapshot().own.clone()
    }

    /// Makes `own` current unless this replica already knows a newer (or the same) revision;
    /// returns the calendar now current.
    pub fn install(&self, own: OwnDays) -> Arc<Calendar> {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if own.revision > current.own.revision {
            let calendar = Arc::new(own.apply_to(&self.shipped));
            *current = Arc::new(Snapshot {
                own: Arc::new(own),
                calendar,
            });
        }
        current.calendar.clone()
    }

    /// The current calendar as `tx` sees it: this replica's, after one indexed lookup of the
    /// stored revision; when another replica (or a change not installed yet) made a newer one,
    /// the organisation's changes are read and the calendar swapped first. See the module
    /// comment for why this is the check.
    pub async fn current_in(&self, tx: &TenantTx) -> Result<Arc<Calendar>, StoreError> {
        let revision = store::revision(tx).await?;
        self.at_revision(tx, revision).await
    }

    /// [`OrganisationCalendar::current_in`], where `revision` — the stored revision as `tx`
    /// sees it — was read with other things.
    pub async fn at_revision(
        &self,
        tx: &TenantTx,
        revision: i32,
    ) -> Result<Arc<Calendar>, StoreError> {
        let known = self.snapshot();
        if revision <= known.own.revision {
            return Ok(known.calendar.clone());
        }
        let own = OwnDays::replay(&store::changes(tx).await?)?;
        Ok(self.install(own))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn change(revision: i32, day: &str, kind: &str, action: &str) -> CalendarChangeRow {
        CalendarChangeRow {
            id: Uuid::now_v7(),
            tenant_id: Uuid::nil(),
            revision,
            day: d(day),
            kind: kind.into(),
            action: action.into(),
            name: format!("change {revision}"),
            changed_by: Uuid::nil(),
            changed_at: Utc::now(),
        }
    }

    #[test]
    fn the_organisations_days_are_its_changes_replayed_and_a_newer_revision_replaces_them() {
        let shipped = Calendar::region("kz", chrono_tz::Asia::Almaty).unwrap();
        let cal = OrganisationCalendar::new("kz", shipped, OwnDays::default());
        assert!(cal.current().is_working_day(d("2027-05-17")));

        let rows = vec![
            change(1, "2027-05-17", "holiday", "add"),
            change(2, "2027-05-15", "working_day", "add"),
            change(3, "2027-05-15", "working_day", "remove"),
        ];
        let own = OwnDays::replay(&rows).unwrap();
        assert_eq!(own.revision(), 3);
        assert_eq!(own.in_year(2027).count(), 1);
        let now = cal.install(own.clone());
        assert!(!now.is_working_day(d("2027-05-17")));
        assert!(
            !now.is_working_day(d("2027-05-15")),
            "Saturday is off again"
        );

        // An older revision arriving late changes nothing.
        let older = OwnDays::replay(&rows[..1]).unwrap();
        cal.install(older);
        assert_eq!(cal.own().revision(), 3);

        let unknown = change(4, "2027-05-18", "weekend", "add");
        assert!(OwnDays::replay(&[unknown]).is_err());
    }
}

//! Obligations of one case: one-off deadlines of steps («сроки»), recurring obligations (visits,
//! contacts, plan actions, monitoring, reviews), stage and case duration limits — each with its
//! due instant and status — and the case's accumulated deadline slip.
//!
//! Semantics:
//! - A step deadline counts from the **latest** occurrence (up to `now`) of its `after` event and
//!   is met by the first occurrence of the step's `completes` event at or after that moment.
//!   Steps whose `when` condition does not match the case attributes have no deadline.
//! - A recurring obligation is *rolling*: the first is due one period after the latest
//!   `starts_after` event (or the latest `restarts_on` event, if later — the cadence then starts
//!   again from its first phase and earlier records no longer count); each later one is due one period after the last satisfying record
//!   (contact, plan action or event). Several records inside one period all count; the next period
//!   runs from the latest of them. The period in force is that of the cadence phase the last
//!   record falls in; if the due date would pass the end of that phase, the next phase's period
//!   applies; after the last bounded phase nothing more is due. The chain ends at the first
//!   obligation not yet met (upcoming, due or overdue), at a `stops_at` event, or at closure.
//! - A decision may set the date of the next occurrence (a [`Schedule`], e.g. the clinic's review
//!   meeting): the record it came with ends its period, and the next occurrence is due at the end
//!   of that local day instead of one period later.
//! - Slip: for each step deadline met late, the delay; for each one still open past its due
//!   instant, `now − due`. Recurring obligations do not add to the slip (the fund's norm counts
//!   «задержки сроков этапов»).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::Variant;
use crate::calendar::Calendar;
use crate::schema::{CadencePhase, Condition, Recurring, Span};

/// A dated named event of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEvent {
    pub name: String,
    pub at: DateTime<Utc>,
}

/// A performed contact (visit, phone call) of a kind the variant declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub kind: String,
    pub at: DateTime<Utc>,
}

/// A date a decision set for the next occurrence of a recurring obligation (clinic: the review
/// meeting sets the date of the next review).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub recurring: String,
    /// When the decision was taken.
    pub set_at: DateTime<Utc>,
    /// The local date the next occurrence is due by (at the end of that day).
    pub due: NaiveDate,
}

/// The moment a case entered a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageEntry {
    pub stage: String,
    pub entered_at: DateTime<Utc>,
}

/// What the engine needs to know about one case to compute its obligations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFacts {
    /// Built-in event `case_opened`.
    pub opened_at: DateTime<Utc>,
    #[serde(default)]
    pub events: Vec<CaseEvent>,
    /// Current attribute values: placement, risk, family_category, complexity band, case type…
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub stages: Vec<StageEntry>,
    /// Completion dates of plan actions.
    #[serde(default)]
    pub plan_actions: Vec<DateTime<Utc>>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// Built-in event `case_closed`.
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// Built-in event `post_support_started`.
    #[serde(default)]
    pub post_support_started_at: Option<DateTime<Utc>>,
    /// When post-support (follow-up) ended, if it has.
    #[serde(default)]
    pub post_support_ended_at: Option<DateTime<Utc>>,
    /// How often to be in touch after closure, as set at closure.
    #[serde(default)]
    pub closure_cadence: Option<Span>,
    /// Dates decisions set for the next occurrence of recurring obligations.
    #[serde(default)]
    pub schedules: Vec<Schedule>,
}

impl CaseFacts {
    pub fn opened(at: DateTime<Utc>) -> CaseFacts {
        CaseFacts {
            opened_at: at,
            events: Vec::new(),
            attributes: BTreeMap::new(),
            stages: Vec::new(),
            plan_actions: Vec::new(),
            contacts: Vec::new(),
            closed_at: None,
            post_support_started_at: None,
            post_support_ended_at: None,
            closure_cadence: None,
            schedules: Vec::new(),
        }
    }
    /// A date set at `set_at` for the next occurrence of `recurring`.
    pub fn schedule(mut self, recurring: &str, set_at: DateTime<Utc>, due: NaiveDate) -> Self {
        self.schedules.push(Schedule {
            recurring: recurring.to_string(),
            set_at,
            due,
        });
        self
    }
    pub fn event(mut self, name: &str, at: DateTime<Utc>) -> Self {
        self.events.push(CaseEvent {
            name: name.to_string(),
            at,
        });
        self
    }
    pub fn attribute(mut self, key: &str, value: &str) -> Self {
        self.attributes.insert(key.to_string(), value.to_string());
        self
    }
    pub fn contact(mut self, kind: &str, at: DateTime<Utc>) -> Self {
        self.contacts.push(Contact {
            kind: kind.to_string(),
            at,
        });
        self
    }
    pub fn plan_action(mut self, at: DateTime<Utc>) -> Self {
        self.plan_actions.push(at);
        self
    }
    pub fn stage(mut self, stage: &str, at: DateTime<Utc>) -> Self {
        self.stages.push(StageEntry {
            stage: stage.to_string(),
            entered_at: at,
        });
        self
    }
    pub fn closed(mut self, at: DateTime<Utc>) -> Self {
        self.closed_at = Some(at);
        self
    }

    /// Every occurrence of an event, built-ins included, in no particular order.
    pub fn occurrences<'a>(&'a self, name: &'a str) -> impl Iterator<Item = DateTime<Utc>> + 'a {
        let builtin = match name {
            "case_opened" => Some(self.opened_at),
            "case_closed" => self.closed_at,
            "post_support_started" => self.post_support_started_at,
            _ => None,
        };
        builtin.into_iter().chain(
            self.events
                .iter()
                .filter(move |e| e.name == name)
                .map(|e| e.at),
        )
    }

    /// The latest occurrence of an event at or before `now`.
    pub fn latest(&self, name: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.occurrences(name).filter(|t| *t <= now).max()
    }

    /// The first occurrence of an event at or after `from` (and not after `now`).
    pub fn first_from(
        &self,
        name: &str,
        from: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        self.occurrences(name)
            .filter(|t| *t >= from && *t <= now)
            .min()
    }

    /// Whether the case attributes satisfy a condition (absent condition: yes).
    pub fn matches(&self, cond: Option<&Condition>) -> bool {
        match cond {
            None => true,
            Some(c) => self
                .attributes
                .get(&c.attribute)
                .is_some_and(|v| c.any_of.iter().any(|x| x == v)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not yet due and outside the reminder window.
    Upcoming,
    /// Open, due within the reminder window.
    Due,
    /// Open and past due.
    Overdue,
    Met,
    MetLate,
}

impl Status {
    pub fn is_open(self) -> bool {
        matches!(self, Status::Upcoming | Status::Due | Status::Overdue)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ObligationKind {
    /// The deadline of a step.
    Deadline { step: String },
    /// The n-th (from 1) occurrence of a recurring obligation.
    Recurring { key: String, n: u32 },
    /// The maximum length of the n-th (from 1) stay in a stage.
    StageLimit { stage: String, n: u32 },
    /// The maximum length of the whole case.
    CaseDuration,
}

impl std::fmt::Display for ObligationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObligationKind::Deadline { step } => write!(f, "deadline:{step}"),
            ObligationKind::Recurring { key, n } => write!(f, "recurring:{key}#{n}"),
            ObligationKind::StageLimit { stage, n } => write!(f, "stage:{stage}#{n}"),
            ObligationKind::CaseDuration => f.write_str("case_duration"),
        }
    }
}

/// One thing the case owes, by when, and whether it was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Obligation {
    pub kind: ObligationKind,
    /// The moment it counts from.
    pub from: DateTime<Utc>,
    pub due: DateTime<Utc>,
    pub status: Status,
    pub met_at: Option<DateTime<Utc>>,
}

impl Obligation {
    /// How late it was met, or how late it is now; zero when on time.
    pub fn delay(&self, now: DateTime<Utc>) -> Duration {
        let end = self.met_at.unwrap_or(now);
        if end > self.due {
            end - self.due
        } else {
            Duration::zero()
        }
    }
}

/// All obligations of a case at `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub obligations: Vec<Obligation>,
    /// Accumulated delay over step deadlines.
    pub slip: Duration,
    pub slip_limit: Option<Duration>,
    pub slip_exceeded: bool,
}

impl Evaluation {
    /// The slip in whole days, rounded up (a delay of 1 hour counts as 1 day).
    pub fn slip_days(&self) -> i64 {
        let secs = self.slip.num_seconds();
        (secs + 86_399) / 86_400
    }
    pub fn open(&self) -> impl Iterator<Item = &Obligation> {
        self.obligations.iter().filter(|o| o.status.is_open())
    }
    pub fn find(&self, kind: &ObligationKind) -> Option<&Obligation> {
        self.obligations.iter().find(|o| &o.kind == kind)
    }
    /// The obligation of a step deadline.
    pub fn deadline(&self, step: &str) -> Option<&Obligation> {
        self.obligations
            .iter()
            .find(|o| matches!(&o.kind, ObligationKind::Deadline { step: s } if s == step))
    }
    /// Every occurrence of a recurring obligation, in order.
    pub fn recurring<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Obligation> + 'a {
        self.obligations.iter().filter(
            move |o| matches!(&o.kind, ObligationKind::Recurring { key: k, .. } if k == key),
        )
    }
}

/// A span as a fixed duration, for limits and windows (months count 730 h).
pub fn span_as_duration(s: &Span) -> Duration {
    Duration::hours(i64::try_from(s.approx_hours()).unwrap_or(i64::MAX / 3_600_000))
}

fn open_status(due: DateTime<Utc>, now: DateTime<Utc>, window: Duration) -> Status {
    if now > due {
        Status::Overdue
    } else if due - now <= window {
        Status::Due
    } else {
        Status::Upcoming
    }
}

/// How long before its due instant an obligation counts as due (the variant's reminder window,
/// 24 hours unless it says otherwise).
pub fn reminder_window(variant: &Variant) -> Duration {
    variant
        .doc()
        .reminder_window
        .as_ref()
        .map_or(Duration::hours(24), span_as_duration)
}

/// Computes every obligation of a case at `now` on calendar `cal`.
pub fn evaluate(
    variant: &Variant,
    facts: &CaseFacts,
    now: DateTime<Utc>,
    cal: &Calendar,
) -> Evaluation {
    let doc = variant.doc();
    let window = reminder_window(variant);
    let mut out: Vec<Obligation> = Vec::with_capacity(64);
    let mut slip = Duration::zero();

    // one-off step deadlines
    for (_, step, dl) in variant.deadlines() {
        if !facts.matches(step.when.as_ref()) {
            continue;
        }
        let Some(from) = facts.latest(&dl.after, now) else {
            continue;
        };
        let due = cal.add_span(from, &dl.within);
        let met_at = step
            .completes
            .as_deref()
            .and_then(|e| facts.first_from(e, from, now));
        let status = match met_at {
            Some(t) if t <= due => Status::Met,
            Some(_) => Status::MetLate,
            None => {
                if facts.closed_at.is_some_and(|c| c <= now && c < due) {
                    continue; // closed before it fell due: no longer owed
                }
                open_status(due, now, window)
            }
        };
        let o = Obligation {
            kind: ObligationKind::Deadline {
                step: step.key.clone(),
            },
            from,
            due,
            status,
            met_at,
        };
        slip += o.delay(now);
        out.push(o);
    }

    // recurring obligations
    for r in &doc.recurring {
        if facts.matches(r.when.as_ref()) {
            recurring(r, facts, now, cal, window, &mut out);
        }
    }

    // stage limits
    let mut entries: Vec<&StageEntry> = facts
        .stages
        .iter()
        .filter(|e| e.entered_at <= now)
        .collect();
    entries.sort_by_key(|e| e.entered_at);
    let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        let n = seen.entry(e.stage.as_str()).or_insert(0);
        *n += 1;
        let Some(max) = variant
            .stage(&e.stage)
            .and_then(|s| s.duration.as_ref())
            .and_then(|d| d.max.as_ref())
        else {
            continue;
        };
        let due = cal.add_span(e.entered_at, max);
        let left = entries
            .get(i + 1)
            .map(|x| x.entered_at)
            .or(facts.closed_at.filter(|c| *c <= now));
        let status = match left {
            Some(t) if t <= due => Status::Met,
            Some(_) => Status::MetLate,
            None => open_status(due, now, window),
        };
        out.push(Obligation {
            kind: ObligationKind::StageLimit {
                stage: e.stage.clone(),
                n: *n,
            },
            from: e.entered_at,
            due,
            status,
            met_at: left,
        });
    }

    // case duration, unless the case runs under a scenario with no duration limit
    let unlimited = facts
        .attributes
        .get(crate::schema::SCENARIO_ATTRIBUTE)
        .and_then(|key| doc.scenarios.iter().find(|s| &s.key == key))
        .is_some_and(|s| s.no_duration_limit);
    if let Some(max) = doc
        .case_duration
        .as_ref()
        .and_then(|d| d.max.as_ref())
        .filter(|_| !unlimited)
    {
        let due = cal.add_span(facts.opened_at, max);
        let met_at = facts.closed_at.filter(|c| *c <= now);
        let status = match met_at {
            Some(t) if t <= due => Status::Met,
            Some(_) => Status::MetLate,
            None => open_status(due, now, window),
        };
        out.push(Obligation {
            kind: ObligationKind::CaseDuration,
            from: facts.opened_at,
            due,
            status,
            met_at,
        });
    }

    let slip_limit = doc.slip.as_ref().map(|s| span_as_duration(&s.max));
    let slip_exceeded = slip_limit.is_some_and(|l| slip > l);
    Evaluation {
        obligations: out,
        slip,
        slip_limit,
        slip_exceeded,
    }
}

fn recurring(
    r: &Recurring,
    facts: &CaseFacts,
    now: DateTime<Utc>,
    cal: &Calendar,
    window: Duration,
    out: &mut Vec<Obligation>,
) {
    let Some(started) = facts.latest(&r.starts_after, now) else {
        return;
    };
    let cadence: Vec<CadencePhase> = if r.cadence_set_at_closure {
        match facts.closure_cadence {
            Some(every) => vec![CadencePhase { every, until: None }],
            None => return,
        }
    } else {
        r.cadence.clone()
    };
    // a restart event after the start begins the cadence again from its first phase
    let start = r
        .restarts_on
        .iter()
        .filter_map(|e| facts.latest(e, now))
        .fold(started, DateTime::max);
    // the chain ends at the first stop event after the start, or at closure (or, for an
    // obligation that goes on through post-support, when post-support ends)
    let end = if r.through_post_support && facts.post_support_started_at.is_some() {
        facts.post_support_ended_at
    } else {
        facts.closed_at
    };
    let stop = r
        .stops_at
        .iter()
        .filter_map(|e| facts.first_from(e, start, now))
        .chain(end.filter(|c| *c >= start))
        .min();
    let mut records: Vec<DateTime<Utc>> = if !r.satisfied_by.contacts.is_empty() {
        facts
            .contacts
            .iter()
            .filter(|c| r.satisfied_by.contacts.contains(&c.kind))
            .map(|c| c.at)
            .collect()
    } else if r.satisfied_by.plan_actions {
        facts.plan_actions.clone()
    } else if let Some(e) = &r.satisfied_by.event {
        facts.occurrences(e).collect()
    } else {
        Vec::new()
    };
    records.retain(|t| *t > start && *t <= now);
    records.sort_unstable();
    let phase_ends: Vec<Option<DateTime<Utc>>> = cadence
        .iter()
        .map(|p| p.until.as_ref().map(|u| cal.add_span(start, u)))
        .collect();

    // dates set by decisions, each for the occurrence after the record it came with
    let schedules: Vec<(DateTime<Utc>, NaiveDate)> = facts
        .schedules
        .iter()
        .filter(|x| x.recurring == r.key && x.set_at >= start && x.set_at <= now)
        .map(|x| (x.set_at, x.due))
        .collect();

    let mut last = start;
    // the `last` of the previous occurrence: a date set after it and up to `last` applies now
    let mut previous: Option<DateTime<Utc>> = None;
    let mut idx = 0usize;
    let mut n = 0u32;
    loop {
        let scheduled = schedules
            .iter()
            .filter(|(t, _)| *t <= last && previous.map_or(*t >= last, |p| *t > p))
            .max_by_key(|(t, _)| *t)
            .map(|(_, date)| cal.end_of_day(*date));
        // the phase the last record falls in, moving on while the due date would pass its end
        let mut due = None;
        for (p, phase) in cadence.iter().enumerate() {
            let d = cal.add_span(last, &phase.every);
            match phase_ends[p] {
                None => {
                    due = Some(d);
                    break;
                }
                Some(end) if last < end && d <= end => {
                    due = Some(d);
                    break;
                }
                // phase over, or the due date would pass its end: the next phase applies
                Some(_) => continue,
            }
        }
        let Some(due) = scheduled.or(due) else {
            return;
        };
        if stop.is_some_and(|s| due > s) {
            // stopped before this one fell due; records until the stop were already counted
            return;
        }
        n += 1;
        let kind = ObligationKind::Recurring {
            key: r.key.clone(),
            n,
        };
        match records.get(idx) {
            Some(&first) if first <= due => {
                let mut latest = first;
                let mut before = last;
                while let Some(&t) = records.get(idx) {
                    if t > due {
                        break;
                    }
                    latest = t;
                    idx += 1;
                    // a record that came with a date for the next one ends the period
                    if schedules.iter().any(|(s, _)| *s > before && *s <= t) {
                        break;
                    }
                    before = t;
                }
                out.push(Obligation {
                    kind,
                    from: last,
                    due,
                    status: Status::Met,
                    met_at: Some(first),
                });
                previous = Some(last);
                last = latest;
            }
            Some(&late) => {
                idx += 1;
                out.push(Obligation {
                    kind,
                    from: last,
                    due,
                    status: Status::MetLate,
                    met_at: Some(late),
                });
                previous = Some(last);
                last = late;
            }
            None => {
                out.push(Obligation {
                    kind,
                    from: last,
                    due,
                    status: open_status(due, now, window),
                    met_at: None,
                });
                return;
            }
        }
        if n > 10_000 {
            return; // a guard against degenerate cadences; no real case comes near
        }
    }
}

/// (earliest end, latest end) of a period; `None` where the variant sets no bound.
pub type Window = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The post-closure follow-up window: (earliest end, latest end) after `closed_at`.
pub fn post_closure_window(
    variant: &Variant,
    closed_at: DateTime<Utc>,
    cal: &Calendar,
) -> Option<Window> {
    variant.doc().post_closure.as_ref().map(|b| {
        (
            b.min.as_ref().map(|s| cal.add_span(closed_at, s)),
            b.max.as_ref().map(|s| cal.add_span(closed_at, s)),
        )
    })
}

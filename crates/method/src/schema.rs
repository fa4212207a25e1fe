//! The variant document («вариант технологии») as written by a methodologist: plain serde types
//! with `deny_unknown_fields`, read from TOML (presets) or JSON (the API).
//!
//! These types say nothing about consistency — a parsed document may still name an unknown role
//! or leave a gap between score bands. [`crate::Variant`] is the validated, compiled form; only
//! it is handed to the rest of the engine. Keys are stable English identifiers (`snake_case`);
//! every human-readable label is a [`Text`] with Russian first, Kazakh and English as translations.

use serde::{Deserialize, Serialize};

/// A label in the three interface languages. Russian is required, the others are translations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub ru: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl Text {
    /// The label in `language`, or the Russian one when the variant gives no translation.
    pub fn in_language(&self, language: crate::Language) -> &str {
        match language {
            crate::Language::Ru => &self.ru,
            crate::Language::En => self.en.as_deref().unwrap_or(&self.ru),
        }
    }
}

/// A length of time as a sum of parts, e.g. `{ months = 1, calendar_days = 15 }` for the fund's
/// «не более 1,5 месяцев». Parts are applied largest first (years, months, weeks, calendar days,
/// working days, hours); see [`crate::calendar::Calendar::add_span`] for the exact rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Span {
    #[serde(skip_serializing_if = "is_zero")]
    pub years: u32,
    #[serde(skip_serializing_if = "is_zero")]
    pub months: u32,
    #[serde(skip_serializing_if = "is_zero")]
    pub weeks: u32,
    #[serde(skip_serializing_if = "is_zero")]
    pub calendar_days: u32,
    #[serde(skip_serializing_if = "is_zero")]
    pub working_days: u32,
    #[serde(skip_serializing_if = "is_zero")]
    pub hours: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn yes() -> bool {
    true
}

impl Span {
    pub const fn hours(n: u32) -> Self {
        Span {
            years: 0,
            months: 0,
            weeks: 0,
            calendar_days: 0,
            working_days: 0,
            hours: n,
        }
    }
    pub const fn calendar_days(n: u32) -> Self {
        Span {
            years: 0,
            months: 0,
            weeks: 0,
            calendar_days: n,
            working_days: 0,
            hours: 0,
        }
    }
    pub const fn working_days(n: u32) -> Self {
        Span {
            years: 0,
            months: 0,
            weeks: 0,
            calendar_days: 0,
            working_days: n,
            hours: 0,
        }
    }
    pub const fn weeks(n: u32) -> Self {
        Span {
            years: 0,
            months: 0,
            weeks: n,
            calendar_days: 0,
            working_days: 0,
            hours: 0,
        }
    }
    pub const fn months(n: u32) -> Self {
        Span {
            years: 0,
            months: n,
            weeks: 0,
            calendar_days: 0,
            working_days: 0,
            hours: 0,
        }
    }

    pub fn is_zero(&self) -> bool {
        *self == Span::default()
    }

    /// A rough length in hours, used only to compare spans during validation (min ≤ max,
    /// increasing phase ends). A month counts 730 h, a year 8766 h, a working day 7/5 of a day.
    pub fn approx_hours(&self) -> u64 {
        u64::from(self.years) * 8766
            + u64::from(self.months) * 730
            + u64::from(self.weeks) * 168
            + u64::from(self.calendar_days) * 24
            + u64::from(self.working_days) * 24 * 7 / 5
            + u64::from(self.hours)
    }

    /// True when the span is measured in whole days or longer (no hours part): such deadlines
    /// end at the end of the local day.
    pub fn is_day_based(&self) -> bool {
        self.hours == 0 && !self.is_zero()
    }
}

/// The Russian word for `n` of something: `one` (1, 21…), `few` (2–4, 22–24…), `many` (the rest).
pub fn russian_plural<'a>(n: u32, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    match (n % 10, n % 100) {
        (1, m) if m != 11 => one,
        (2..=4, m) if !(12..=14).contains(&m) => few,
        _ => many,
    }
}

impl Span {
    /// The span as a person reads it in Russian: «3 месяца», «1 год и 6 месяцев».
    pub fn russian(&self) -> String {
        let parts = [
            (self.years, ("год", "года", "лет")),
            (self.months, ("месяц", "месяца", "месяцев")),
            (self.weeks, ("неделя", "недели", "недель")),
            (self.calendar_days, ("день", "дня", "дней")),
            (
                self.working_days,
                ("рабочий день", "рабочих дня", "рабочих дней"),
            ),
            (self.hours, ("час", "часа", "часов")),
        ];
        let words: Vec<String> = parts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, (one, few, many))| format!("{n} {}", russian_plural(*n, one, few, many)))
            .collect();
        match words.as_slice() {
            [] => "0".to_owned(),
            [only] => only.clone(),
            [init @ .., last] => format!("{} и {last}", init.join(", ")),
        }
    }
}

impl Span {
    /// The span as read in English: «3 months», «1 year and 6 months».
    pub fn english(&self) -> String {
        let parts = [
            (self.years, "year"),
            (self.months, "month"),
            (self.weeks, "week"),
            (self.calendar_days, "day"),
            (self.working_days, "working day"),
            (self.hours, "hour"),
        ];
        let words: Vec<String> = parts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, word)| {
                if *n == 1 {
                    format!("1 {word}")
                } else {
                    format!("{n} {word}s")
                }
            })
            .collect();
        match words.as_slice() {
            [] => "0".to_owned(),
            [only] => only.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }
}

impl Span {
    /// The span after «не менее», «не более», «в течение» (genitive): «3 месяцев», «1 года и
    /// 6 месяцев».
    pub fn russian_genitive(&self) -> String {
        let parts = [
            (self.years, ("года", "лет")),
            (self.months, ("месяца", "месяцев")),
            (self.weeks, ("недели", "недель")),
            (self.calendar_days, ("дня", "дней")),
            (self.working_days, ("рабочего дня", "рабочих дней")),
            (self.hours, ("часа", "часов")),
        ];
        let words: Vec<String> = parts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, (one, many))| {
                let word = if n % 10 == 1 && n % 100 != 11 {
                    one
                } else {
                    many
                };
                format!("{n} {word}")
            })
            .collect();
        match words.as_slice() {
            [] => "0".to_owned(),
            [only] => only.clone(),
            [init @ .., last] => format!("{} и {last}", init.join(", ")),
        }
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts = [
            (self.years, "years"),
            (self.months, "months"),
            (self.weeks, "weeks"),
            (self.calendar_days, "calendar_days"),
            (self.working_days, "working_days"),
            (self.hours, "hours"),
        ];
        let mut first = true;
        for (n, unit) in parts {
            if n > 0 {
                if !first {
                    f.write_str(" + ")?;
                }
                write!(f, "{n} {unit}")?;
                first = false;
            }
        }
        if first {
            f.write_str("0")?;
        }
        Ok(())
    }
}

/// Whom a case file is about: the fund keeps one per family, the clinic one per child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CaseSubject {
    #[default]
    Family,
    Child,
}

/// The ages a variant works with, in completed years (clinic, seed 004 §3: «детей в возрасте
/// 0-5 лет»). `max_years = 5` includes a child of 5 years and 11 months and ends on the day before
/// the 6th birthday — the way Russian and Kazakh documents count an age.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectAge {
    #[serde(default, skip_serializing_if = "is_zero")]
    pub min_years: u32,
    pub max_years: u32,
    /// The field of the request form's subject — and of the description of a case opened without
    /// a request — that holds the date of birth or approximate age (clinic: `birth_date`,
    /// Appendix 1 «Дата рождения или приблизительный возраст»).
    pub field: String,
    /// Whether a request or case that does not say the age is refused (default: yes).
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The whole variant document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantDoc {
    /// Stable identifier of the variant within a tenant, e.g. `fund`.
    pub key: String,
    /// Published version number; publishing a change means a larger number.
    pub version: u32,
    pub name: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<Text>,
    /// Where the rules come from (document, edition), for the people who audit the variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// IANA time zone name, e.g. `Europe/Moscow`.
    pub time_zone: String,
    /// Production calendar region: `ru` or `kz`.
    pub calendar: String,
    #[serde(default)]
    pub case_subject: CaseSubject,
    /// The ages the variant works with (clinic: children 0–5); requests and cases for anyone
    /// outside are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_age: Option<SubjectAge>,
    /// How long before a deadline it counts as "due" rather than "upcoming" (default 24 hours).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder_window: Option<Span>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventDef>,
    /// The event that marks the moment a signal or the information about a family was received
    /// (fund: `signal_received`; state centre: `information_received`). Kurator records it at the
    /// signal's reception time when a case starts, so deadlines counted from it start there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intake_event: Option<String>,
    /// The form a signal is registered on, where the organisation has one (clinic: its Appendix 1
    /// `request_form`); an artefact with sections. Signals then carry it, checked for its
    /// required fields, and the case opened from one holds it as its first document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intake_form: Option<String>,
    /// The decisions the organisation takes on a signal, among [`SIGNAL_DECISIONS`] (clinic:
    /// accept, not confirmed, one-time help; fund: accept, informed refusal, redirect, one-time
    /// help); empty means all of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signal_decisions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact_kinds: Vec<ContactKind>,
    /// Kinds of monitoring the organisation records (fund: current, monthly, quarterly, annual;
    /// state centre: intermediate and final).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub monitoring_kinds: Vec<MonitoringKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttributeDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artefacts: Vec<Artefact>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub journals: Vec<Journal>,
    #[serde(default)]
    pub stages: Vec<Stage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitions: Vec<Transition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<DecisionDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recurring: Vec<Recurring>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scoring: Vec<ScoreTable>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classifications: Vec<Classification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caseload: Option<CaseloadPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closure: Option<Closure>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<OutcomeDef>,
    /// Rules for the plan (индивидуальный план) beyond its actions' fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanRules>,
    /// Domains in which a child's quality of life is followed and can improve (volunteers:
    /// material well-being, health, psychological state, education — seed 001 §2.4).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quality_domains: Vec<NamedValue>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<Indicator>,
    /// Duration of the whole case from opening to closure (fund: 3 months – 1.5 years).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_duration: Option<PeriodBounds>,
    /// Post-closure follow-up («пост-сопровождение», «прослеживание»).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_closure: Option<PeriodBounds>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopening: Option<Reopening>,
    /// Limit on the accumulated deadline slip of one case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slip: Option<SlipPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_limit: Option<CostLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_norms: Option<StaffNorms>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<Scenario>,
    /// Who is alerted, beyond the curator's own reminders, when an obligation is not met or the
    /// case's slip passes its limit (эскалация): the deadline worker sends these at once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalations: Vec<Escalation>,
}

/// What sets off an escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationTrigger {
    /// An obligation (the step's deadline, the recurring obligation, or any obligation when
    /// neither is named) falls overdue.
    Overdue,
    /// The case's accumulated deadline slip passes the variant's `[slip]` limit.
    SlipExceeded,
}

/// An escalation the variant declares: when, and whom to alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    pub key: String,
    pub name: Text,
    pub on: EscalationTrigger,
    /// With `on = "overdue"`: the step whose deadline it watches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// With `on = "overdue"`: the recurring obligation it watches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurring: Option<String>,
    /// Platform roles alerted: `supervisor`, `org_admin`, `curator` (the case's own curator).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify_roles: Vec<String>,
    /// Method roles of the variant alerted (everyone in the organisation who holds one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify_method_roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The platform roles an escalation may alert.
pub const ESCALATION_PLATFORM_ROLES: [&str; 3] = ["supervisor", "org_admin", "curator"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub key: String,
    pub name: Text,
}

/// A named moment in a case («сигнал получен», «отчёт сдан»). Besides the declared ones, every
/// variant may use the built-in events [`BUILTIN_EVENTS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventDef {
    pub key: String,
    pub name: Text,
    /// Kurator records the event itself whenever a case attribute changes to a listed value —
    /// at triage when the case starts, or later through an attribute change (clinic: high risk
    /// identified; the child's placement changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_attribute: Option<AttributeChange>,
}

/// A change of a case attribute (a declared attribute, classification or score band) to one of
/// the listed values; with no values listed, any change to a new value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeChange {
    pub attribute: String,
    #[serde(default, rename = "in", skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<String>,
}

impl AttributeChange {
    /// Whether going from `before` to `after` is such a change.
    pub fn matches(&self, before: Option<&str>, after: Option<&str>) -> bool {
        match after {
            Some(new) if before != Some(new) => {
                self.any_of.is_empty() || self.any_of.iter().any(|v| v == new)
            }
            _ => false,
        }
    }
}

/// Decisions on a signal Kurator knows: accept it into work, informed refusal, redirect to another
/// organisation, not confirmed (the unconfirmed journal), one-time help (the visitors' journal).
pub const SIGNAL_DECISIONS: [&str; 5] = [
    "accept",
    "refuse",
    "redirect",
    "not_confirmed",
    "one_time_help",
];

/// Events every case has without declaring them: opening, closure, start of post-support.
pub const BUILTIN_EVENTS: [&str; 3] = ["case_opened", "case_closed", "post_support_started"];

/// A kind of contact with the family that recurring obligations count (home visit, phone call).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactKind {
    pub key: String,
    pub name: Text,
}

/// A kind of monitoring («мониторинг»): recording it may complete an event, which is what meets
/// a recurring monitoring obligation (fund: quarterly monitoring → `quarterly_monitoring_done`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitoringKind {
    pub key: String,
    pub name: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completes: Option<String>,
}

/// A case attribute with a closed list of values (e.g. the clinic's placement of the child).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeDef {
    pub key: String,
    pub name: Text,
    pub values: Vec<NamedValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedValue {
    pub key: String,
    pub name: Text,
}

/// A condition on a case attribute. The attribute is a declared attribute, a classification
/// or a score table (then the values are its bands).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub attribute: String,
    #[serde(default, rename = "in")]
    pub any_of: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtefactKind {
    Form,
    Report,
    Plan,
    Contract,
    Consent,
    Act,
    Protocol,
    Document,
}

/// A form or document a step needs or produces, optionally with a structured layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artefact {
    pub key: String,
    pub name: Text,
    pub kind: ArtefactKind,
    /// Reference into the source document, e.g. "Приложение 3".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appendix: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub key: String,
    pub name: Text,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    LongText,
    Date,
    Time,
    Number,
    Boolean,
    Choice,
    Person,
    Signature,
    Table,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub key: String,
    pub name: Text,
    pub kind: FieldKind,
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
}

/// An append-only register («журнал»).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Journal {
    pub key: String,
    pub name: Text,
    /// Which of the shared journals it is (see [`crate::vocabulary::JournalKind`]): `signals`,
    /// `unconfirmed` or `visitors`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical: Option<String>,
}

/// Rules every revision of the plan must follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PlanRules {
    /// Whose actions the plan must hold, each at least once: `organisation` (the organisation's
    /// own actions) and/or `family` (the parents'); fund: both (seed 000 §6 table 1, stage 4).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_owners: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Whose an action of the plan is: the organisation's own, or the family's (the parents').
pub const PLAN_ACTION_OWNERS: [&str; 2] = ["organisation", "family"];

/// Minimum and/or maximum length of a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PeriodBounds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Span>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Span>,
    /// When set, the minimum is a guideline («ориентир»), not a hard stop: falling short of it is
    /// a warning that a person holding this role acknowledges (fund §13 norms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A stage («этап») of the method: an ordered group of steps mapped onto a canonical phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub key: String,
    pub name: Text,
    /// Canonical phase (see [`crate::vocabulary::Phase`]); required by validation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<PeriodBounds>,
    /// Entering this stage opens the case («открытие случая»): the built-in `case_opened` event.
    /// Stages before it are intake — signal work, first visit, the decision to take the case.
    /// At most one stage has it; without one the case opens in the first stage.
    #[serde(default, skip_serializing_if = "is_false")]
    pub opens_case: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
}

/// A step («шаг») inside a stage: who may do it, what it needs, what it produces, by when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub key: String,
    pub name: Text,
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
    /// Roles that may perform the step; empty means any role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Steps of the same stage that must be done first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_artefacts: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_consents: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_decision: Option<DecisionRequirement>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub produces: Vec<String>,
    /// The event recorded when the step is done; it is what meets the step's deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
    /// The step applies only to cases matching this condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// The step may be done again during the same stay in its stage (plan reviews, meetings).
    #[serde(default, skip_serializing_if = "is_false")]
    pub repeatable: bool,
}

/// "Within `within` after event `after`".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    pub after: String,
    pub within: Span,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequirement {
    pub decision: String,
    /// The outcome the decision must have had; absent means any recorded outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TransitionKind {
    #[default]
    Forward,
    /// Going back, e.g. monitoring → plan correction.
    Loop,
    /// Leaving the main line, e.g. straight to closure when a family is referred elsewhere.
    Exit,
    /// Closing the case («закрытие случая»): taken only by `closeCase`, with the closure
    /// checklist (or the transition's `ground`). Its target is a post-support stage (the case
    /// moves into post-support) or a closure stage (the case is closed).
    Closing,
    /// Informed refusal before the case is opened («информированный отказ»): taken only by
    /// `declineCase`, typically after the decision not to take the case.
    Refusal,
}

impl TransitionKind {
    /// Closing and refusal transitions end the active case; only `closeCase` and `declineCase`
    /// take them.
    pub fn ends_case(self) -> bool {
        matches!(self, TransitionKind::Closing | TransitionKind::Refusal)
    }
}

/// A move between stages and its guards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub kind: TransitionKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_decision: Option<DecisionRequirement>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_artefacts: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_consents: Vec<String>,
    /// Whether every required step of `from` must be done first (default: yes).
    #[serde(default = "yes")]
    pub requires_steps: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// A closing transition taken on an alternative ground of the closure checklist (fund:
    /// `contract_terminated`): the ground must be confirmed, and then it replaces the criteria.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ground: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    /// One role decides.
    Single,
    /// The listed roles vote; without consensus the question goes up the escalation chain.
    TeamVote,
    /// A conference («консилиум», «совещание») with recorded participants and decisions.
    Conference,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum VoteRule {
    #[default]
    Unanimous,
    Majority,
}

/// A decision procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionDef {
    pub key: String,
    pub name: Text,
    pub procedure: Procedure,
    /// Single: the one deciding role. Team vote: the voters. Conference: who leads it.
    pub deciders: Vec<String>,
    #[serde(default)]
    pub rule: VoteRule,
    /// Roles to escalate to, in order, when a team vote reaches no consensus.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalation: Vec<String>,
    /// Conference: roles that must take part.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_participants: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_participants: Option<u32>,
    /// Conference: how many other organisations or agencies must be represented (clinic: an
    /// inter-agency review of the case needs at least one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_organisations: Option<u32>,
    /// Conference: the record of its decisions is sent to every participant — Kurator records
    /// the sending, with every participant as a recipient.
    #[serde(default, skip_serializing_if = "is_false")]
    pub minutes_to_participants: bool,
    pub outcomes: Vec<String>,
    /// Journals or artefacts the decision is written into.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recorded_in: Vec<String>,
    /// Outcomes that end the work on the request before a case is opened, with the journal the
    /// request is entered in (clinic: the primary assessment did not confirm the concern — the
    /// «Неподтверждённые обращения» journal, no file, no support).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ends_case: Vec<CaseEnd>,
    /// The decision agrees the date by which the next occurrence of a recurring obligation is
    /// due (clinic: the review meeting sets the date of the next review).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sets_next: Option<NextDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// An outcome of a decision that ends the case before it opens, and the journal (one with a
/// canonical kind that has entries: `unconfirmed` or `visitors`) its request is entered in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseEnd {
    pub outcome: String,
    pub journal: String,
}

/// How a decision sets the next due date of a recurring obligation: no later than `max` after
/// the decision — or the shortest `sooner` limit whose condition the case meets (clinic: sooner
/// at high risk) — and then the obligation is due at the end of that local day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextDate {
    /// The recurring obligation whose next occurrence the date sets.
    pub recurring: String,
    pub max: Span,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sooner: Vec<SoonerLimit>,
    /// The outcomes with which a date is set (default: every outcome); with the others — e.g.
    /// closing the case — none is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<String>,
    /// Whether the decision must set the date (default: yes).
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl NextDate {
    /// Whether a decision with `outcome` sets the date.
    pub fn applies_to(&self, outcome: &str) -> bool {
        self.outcomes.is_empty() || self.outcomes.iter().any(|o| o == outcome)
    }
}

/// A shorter limit for cases that meet a condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SoonerLimit {
    pub when: Condition,
    pub max: Span,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// What satisfies a recurring obligation: one of contacts of the listed kinds, a completed plan
/// action, or a named event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Satisfier {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub plan_actions: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
}

/// One phase of a cadence: "every `every`", until `until` after the start (open-ended if absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CadencePhase {
    pub every: Span,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Span>,
}

/// A recurring obligation (visits, contacts, monitoring, reviews).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recurring {
    pub key: String,
    pub name: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// The event the cadence counts from (its latest occurrence).
    pub starts_after: String,
    /// Events after which the cadence starts again from its first phase, once it has started
    /// (clinic: the child's placement changed — «еженедельно в первый месяц» counts again).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restarts_on: Vec<String>,
    /// Events that end the obligation (the case closing always does).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stops_at: Vec<String>,
    pub satisfied_by: Satisfier,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cadence: Vec<CadencePhase>,
    /// The obligation goes on through post-support until it ends, instead of stopping at
    /// closure (state centre: the monthly home visit in the supporting stage, seed 003 §1.5.5).
    #[serde(default, skip_serializing_if = "is_false")]
    pub through_post_support: bool,
    /// The cadence is set when the case is closed (fund: post-support contacts «с
    /// установленной при закрытии периодичностью», seed 000 §6 table 1); `cadence` stays empty.
    #[serde(default, skip_serializing_if = "is_false")]
    pub cadence_set_at_closure: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A scoring table: criteria give points, the sum falls into a band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreTable {
    pub key: String,
    pub name: Text,
    pub criteria: Vec<ScoreCriterion>,
    pub bands: Vec<Band>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreCriterion {
    pub key: String,
    pub name: Text,
    pub min: u32,
    pub max: u32,
    /// The unit a measured criterion is given in (e.g. `km` for the fund's distance). With a unit,
    /// every level carries bounds and a measured value is turned into that level's points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Descriptions of the levels, and for a measured criterion the range of values each covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<ScoreLevel>,
}

/// One level of a criterion. On a measured criterion its range is given by at most one lower
/// bound — `from` (the value itself included) or `above` (excluded) — and at most one upper
/// bound — `to` (included) or `below` (excluded); a missing bound leaves that side open.
/// The fund's «до 80 км» is `below = 80`, «от 80 до 110 км» is `from = 80, to = 110`,
/// «более 110 км» is `above = 110`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreLevel {
    pub points: u32,
    pub name: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<f64>,
}

impl ScoreLevel {
    /// Whether the level has a range of values (a level of a measured criterion).
    pub fn is_measured(&self) -> bool {
        self.from.is_some() || self.above.is_some() || self.to.is_some() || self.below.is_some()
    }

    /// Whether a measured value falls into this level's range.
    pub fn contains(&self, value: f64) -> bool {
        self.from.is_none_or(|b| value >= b)
            && self.above.is_none_or(|b| value > b)
            && self.to.is_none_or(|b| value <= b)
            && self.below.is_none_or(|b| value < b)
    }

    /// The lower bound and whether it is included; `None` when open.
    pub fn lower(&self) -> Option<(f64, bool)> {
        self.from
            .map(|b| (b, true))
            .or(self.above.map(|b| (b, false)))
    }

    /// The upper bound and whether it is included; `None` when open.
    pub fn upper(&self) -> Option<(f64, bool)> {
        self.to
            .map(|b| (b, true))
            .or(self.below.map(|b| (b, false)))
    }
}

/// A closed range of total points, mapped onto a canonical risk band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub key: String,
    pub name: Text,
    pub min: u32,
    pub max: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassificationPurpose {
    /// A family or case category (state centre: СОП, ТЖС, needing support).
    Category,
    /// A triage risk level chosen by criteria lists (clinic: high/medium/low).
    Risk,
    /// A case type (volunteers: ordinary, motivational, social palliative).
    CaseType,
    /// Parent's readiness to change (transtheoretical model).
    Readiness,
}

/// A closed list of values a case is put into (category, risk level, case type, readiness).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Classification {
    pub key: String,
    pub name: Text,
    pub purpose: ClassificationPurpose,
    /// Whether changes are kept as history (they are part of monitoring).
    #[serde(default, skip_serializing_if = "is_false")]
    pub tracked: bool,
    /// Whether case lists and boards can be filtered by it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub filterable: bool,
    pub values: Vec<ClassValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassValue {
    pub key: String,
    pub name: Text,
    /// Canonical value; its vocabulary depends on the classification's purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical: Option<String>,
    /// How a caseload message names families of this value ("в СОП").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caseload_label: Option<String>,
    /// Criteria (free text) that put a case into this value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CapsMode {
    /// Each category has its own cap, checked separately.
    Independent,
    /// One full load: a family of category c takes 1/cap(c) of it; the sum must stay ≤ 1.
    #[default]
    Weighted,
}

/// Russian noun forms for counting cases in messages (одна семья, две семьи, пять семей).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Noun {
    pub one: String,
    pub few: String,
    pub many: String,
}

/// Caseload rules for one curator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseloadPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_total: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_total: Option<u32>,
    /// Above this the assignment is allowed with a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimum: Option<u32>,
    /// Post-support cases held on top of the active ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_support_allowance: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<CategoryCaps>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_limits: Vec<SubLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noun: Option<Noun>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryCaps {
    /// The classification whose values are capped.
    pub classification: String,
    #[serde(default)]
    pub mode: CapsMode,
    pub caps: Vec<CategoryCap>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryCap {
    pub value: String,
    pub max: u32,
}

/// At most `max` active cases whose `attribute` is one of `values` (fund: ≤ 5 high complexity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubLimit {
    pub attribute: String,
    #[serde(rename = "in")]
    pub values: Vec<String>,
    pub max: u32,
    /// Words for the message: "сложных" → "Куратор ведёт 5 сложных случаев из 5 допустимых".
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ClosureMode {
    /// Every criterion must be met (or one alternative ground).
    #[default]
    All,
    /// The criteria inform the decision; nothing is enforced.
    Advisory,
}

/// Closure criteria checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    #[serde(default)]
    pub mode: ClosureMode,
    pub criteria: Vec<ClosureCriterion>,
    /// Grounds that allow closure on their own (fund: the contract was terminated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<ClosureCriterion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClosureCriterion {
    pub key: String,
    pub name: Text,
    /// Checked from the facts: no occurrence of `event` for at least `for_at_least`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet: Option<Quiet>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quiet {
    pub event: String,
    pub for_at_least: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeDef {
    pub key: String,
    pub name: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorUnit {
    Families,
    Children,
}

/// Over whom a variant's indicator is counted: its denominator, and the cases whose recorded
/// outcome makes the numerator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorPopulation {
    /// The cases closed in the reporting period, and their children («от всех случаев,
    /// завершённых в отчётном году», seed 001 §2.4).
    #[default]
    ClosedInPeriod,
    /// Every case supported on at least one day of the period, closed or not, and its children
    /// («от всех семей, которым оказывали поддержку в отчётном году», seed 001 §2.4); the
    /// numerator is those whose outcome was recorded (at a closure) within the period.
    SupportedInPeriod,
}

impl IndicatorPopulation {
    fn is_default(&self) -> bool {
        *self == IndicatorPopulation::default()
    }
}

/// A social-result indicator of the variant: the share of its population (by default the cases
/// closed in the reporting year) whose closure records an outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub key: String,
    pub name: Text,
    pub outcome: String,
    pub unit: IndicatorUnit,
    #[serde(default, skip_serializing_if = "IndicatorPopulation::is_default")]
    pub population: IndicatorPopulation,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub baseline: Vec<Baseline>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub year: i32,
    pub numerator: u32,
    pub denominator: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReopeningMode {
    /// A new case is opened that inherits every document the family already has (fund).
    NewCaseInheritsDocuments,
    /// The same case is reopened and goes through all steps again (clinic).
    SameCaseAllSteps,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reopening {
    pub mode: ReopeningMode,
    /// The stage the reopened (or new) case starts in.
    pub restart_stage: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlipPolicy {
    pub max: Span,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Spending on a case (расходы по случаю) and its limit per case per year, in minor units
/// (kopecks, tiyn). The year is the case's own: it starts on the day the case was opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostLimit {
    pub max_minor_per_year: u64,
    /// ISO 4217 code; every spending entry of a case is in this currency.
    pub currency: String,
    /// The categories spending is recorded under (fund, §13: material help, services, other).
    /// Without categories a case's spending is not recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<SpendingCategory>,
    /// The decision that allows spending above the limit; without it the limit is hard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over_limit_decision: Option<String>,
    /// The outcome of `over_limit_decision` that allows the spend; any other outcome refuses it.
    #[serde(default = "approve")]
    pub approving_outcome: String,
    /// Whose approval it is, in the Russian genitive, for messages: «нужно отдельное согласование
    /// руководителя направления».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

fn approve() -> String {
    "approve".into()
}

/// A category of spending on a case (material help, services, other).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpendingCategory {
    pub key: String,
    pub name: Text,
    /// What belongs here and what does not (fund, §9: material help is goods, never money).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffNorms {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_hours_per_year: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervisions_per_year: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vacation_days_per_year: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A way of working with a family (one-time help, emergency, permanent support).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub key: String,
    pub name: Text,
    /// Whether a full case is opened.
    #[serde(default = "yes")]
    pub full_case: bool,
    /// Whether the curator may act without prior approvals (emergency): the decisions a step or
    /// move needs are recorded afterwards, and until then the case is flagged.
    #[serde(default, skip_serializing_if = "is_false")]
    pub skips_approvals: bool,
    /// Support with no duration limit (fund: permanent support until the youngest child comes of
    /// age): the case is never overdue for its duration.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_duration_limit: bool,
}

/// The case attribute that names the scenario a case runs under (one of the variant's
/// `scenarios`).
pub const SCENARIO_ATTRIBUTE: &str = "scenario";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_in_russian() {
        assert_eq!(Span::months(3).russian(), "3 месяца");
        assert_eq!(Span::months(6).russian(), "6 месяцев");
        assert_eq!(Span::working_days(1).russian(), "1 рабочий день");
        assert_eq!(Span::weeks(22).russian(), "22 недели");
        let year_and_a_half = Span {
            years: 1,
            months: 6,
            ..Span::default()
        };
        assert_eq!(year_and_a_half.russian(), "1 год и 6 месяцев");
        assert_eq!(Span::hours(11).russian(), "11 часов");
    }

    #[test]
    fn spans_read_in_russian_after_at_least() {
        assert_eq!(Span::months(3).russian_genitive(), "3 месяцев");
        assert_eq!(Span::months(1).russian_genitive(), "1 месяца");
        assert_eq!(Span::months(6).russian_genitive(), "6 месяцев");
        assert_eq!(Span::working_days(21).russian_genitive(), "21 рабочего дня");
    }
}

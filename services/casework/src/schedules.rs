//! Dates a decision sets for the next occurrence of a recurring obligation (the variant's
//! `sets_next`): the clinic's review meeting agrees the date of the next plan review — no later
//! than six months after it, sooner at high risk (seed 004 §7, 3-этап). A date past the limit, or
//! a missing one the variant requires, is refused; an accepted one is kept in the case's record
//! and the next occurrence falls due at the end of that local day.

use crate::case_file::kind;
use crate::error::{CaseworkResult, Language, Problem};
use crate::steps::StepInput;
use chrono::{DateTime, NaiveDate, Utc};
use kurator_domain::UserId;
use kurator_method::Variant;
use kurator_method::calendar::Calendar;
use kurator_method::decisions::{self, DecisionStatus};
use kurator_method::problem;
use kurator_method::schema::{Condition, Span};
use kurator_store::TenantTx;
use kurator_store::tenant::cases::{self, NewRecord};
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

/// A date accepted for the next occurrence of a recurring obligation.
#[derive(Debug, Clone)]
pub struct Scheduled {
    pub decision: String,
    pub recurring: String,
    pub due: NaiveDate,
}

fn date_ru(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// «6 мес.», «1 г. 6 мес.», «10 раб. дн.».
fn span_ru(s: &Span) -> String {
    let parts = [
        (s.years, "г."),
        (s.months, "мес."),
        (s.weeks, "нед."),
        (s.calendar_days, "дн."),
        (s.working_days, "раб. дн."),
        (s.hours, "ч"),
    ];
    parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// «“Степень риска” — “Высокий риск…”», by the variant's names in `language`.
fn condition_in(variant: &Variant, c: &Condition, value: &str, language: Language) -> String {
    let doc = variant.doc();
    let (name, value_name) = if let Some(class) = variant.classification(&c.attribute) {
        (
            class.name.in_language(language).to_owned(),
            class
                .values
                .iter()
                .find(|v| v.key == value)
                .map(|v| v.name.in_language(language).to_owned()),
        )
    } else if let Some(attr) = doc.attributes.iter().find(|a| a.key == c.attribute) {
        (
            attr.name.in_language(language).to_owned(),
            attr.values
                .iter()
                .find(|v| v.key == value)
                .map(|v| v.name.in_language(language).to_owned()),
        )
    } else {
        (c.attribute.clone(), None)
    };
    let value = value_name.unwrap_or_else(|| value.to_owned());
    match language {
        Language::Ru => format!("«{name}» — «{value}»"),
        Language::En => format!("“{name}” — “{value}”"),
    }
}

/// Checks the dates the decisions of `input` set, for a case with `attributes`; every problem
/// names its decision.
pub fn check(
    variant: &Variant,
    calendar: &Calendar,
    attributes: &BTreeMap<String, String>,
    input: &StepInput,
) -> Result<Vec<Scheduled>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut scheduled = Vec::new();
    let decided_on = calendar.local_date(input.at);
    for (key, record) in &input.decisions {
        let Some(def) = variant.decision(key) else {
            continue; // reported with the decision itself
        };
        let path = format!("decisions.{key}.nextDate");
        let outcome = match decisions::evaluate(def, record) {
            DecisionStatus::Decided { outcome, .. } => Some(outcome),
            _ => None,
        };
        let rule = def
            .sets_next
            .as_ref()
            .filter(|n| outcome.as_deref().is_some_and(|o| n.applies_to(o)));
        let (name_ru, name_en) = (&def.name.ru, def.name.in_language(Language::En));
        let Some(rule) = rule else {
            if let Some(date) = record.next_date {
                let (with_ru, with_en) = outcome.as_deref().map_or_else(Default::default, |o| {
                    (format!(" с итогом «{o}»"), format!(" with outcome “{o}”"))
                });
                let date = date_ru(date);
                problems.push(problem!(
                    at = &path,
                    "next_date_not_set_by_decision",
                    "{path}: решение «{name_ru}»{with_ru} не назначает дату следующего раза, а указано {date}",
                    "{path}: decision “{name_en}”{with_en} sets no next date, but {date} was given"
                ));
            }
            continue;
        };
        let recurring = |language| {
            variant
                .recurring(&rule.recurring)
                .map_or(rule.recurring.clone(), |r| {
                    r.name.in_language(language).to_owned()
                })
        };
        let (recurring_ru, recurring_en) = (recurring(Language::Ru), recurring(Language::En));
        // the shortest limit that applies to this case
        let mut limit = (
            calendar.local_date(calendar.add_span(input.at, &rule.max)),
            &rule.max,
            None,
        );
        for sooner in &rule.sooner {
            let Some(value) = attributes.get(&sooner.when.attribute) else {
                continue;
            };
            if !sooner.when.any_of.contains(value) {
                continue;
            }
            let date = calendar.local_date(calendar.add_span(input.at, &sooner.max));
            if date < limit.0 {
                limit = (date, &sooner.max, Some((&sooner.when, value)));
            }
        }
        let (latest, span, because) = limit;
        let why_ru = match because {
            Some((c, value)) => format!(
                "{} после решения, так как {}",
                span_ru(span),
                condition_in(variant, c, value, Language::Ru)
            ),
            None => format!("{} после решения", span_ru(span)),
        };
        let why_en = match because {
            Some((c, value)) => format!(
                "{} after the decision, since {}",
                span.english(),
                condition_in(variant, c, value, Language::En)
            ),
            None => format!("{} after the decision", span.english()),
        };
        let latest_day = date_ru(latest);
        match record.next_date {
            None if rule.required => problems.push(problem!(
                at = &path,
                "next_date_missing",
                "{path}: решение «{name_ru}» назначает дату: «{recurring_ru}» — укажите её, не позднее {latest_day} ({why_ru})",
                "{path}: decision “{name_en}” sets a date: “{recurring_en}” — give it, no later than {latest_day} ({why_en})"
            )),
            None => {}
            Some(date) if date <= decided_on => {
                let (date, decided) = (date_ru(date), date_ru(decided_on));
                problems.push(problem!(
                    at = &path,
                    "next_date_too_early",
                    "{path}: {date} — не позже дня решения {decided}: ожидается более поздняя дата",
                    "{path}: {date} is not after the day of the decision {decided}: a later date is expected"
                ))
            }
            Some(date) if date > latest => {
                let date = date_ru(date);
                problems.push(problem!(
                    at = &path,
                    "next_date_too_late",
                    "{path}: {date} позже допустимого: «{recurring_ru}» — не позднее {latest_day} ({why_ru})",
                    "{path}: {date} is later than allowed: “{recurring_en}” — no later than {latest_day} ({why_en})"
                ))
            }
            Some(date) => scheduled.push(Scheduled {
                decision: key.clone(),
                recurring: rule.recurring.clone(),
                due: date,
            }),
        }
    }
    if problems.is_empty() {
        Ok(scheduled)
    } else {
        Err(problems)
    }
}

/// Keeps the accepted dates in the case's record.
pub async fn write(
    tx: &TenantTx,
    case_id: Uuid,
    actor: UserId,
    at: DateTime<Utc>,
    scheduled: &[Scheduled],
) -> CaseworkResult<()> {
    for s in scheduled {
        let record = NewRecord::new(case_id, kind::SCHEDULE, s.recurring.clone(), at, actor)
            .with(json!({ "due": s.due, "decision": s.decision }));
        cases::append_record(tx, record).await?;
    }
    Ok(())
}

//! Dates a decision sets for the next occurrence of a recurring obligation (the variant's
//! `sets_next`): the clinic's review meeting agrees the date of the next plan review — no later
//! than six months after it, sooner at high risk (seed 004 §7, 3-этап). A date past the limit, or
//! a missing one the variant requires, is refused; an accepted one is kept in the case's record
//! and the next occurrence falls due at the end of that local day.

use crate::case_file::kind;
use crate::error::CaseworkResult;
use crate::steps::StepInput;
use chrono::{DateTime, NaiveDate, Utc};
use kurator_domain::UserId;
use kurator_method::Variant;
use kurator_method::calendar::Calendar;
use kurator_method::decisions::{self, DecisionStatus};
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

/// «“Степень риска” — “Высокий риск…”», by the variant's names.
fn condition_ru(variant: &Variant, c: &Condition, value: &str) -> String {
    let doc = variant.doc();
    let (name, value_name) = if let Some(class) = variant.classification(&c.attribute) {
        (
            class.name.ru.clone(),
            class
                .values
                .iter()
                .find(|v| v.key == value)
                .map(|v| v.name.ru.clone()),
        )
    } else if let Some(attr) = doc.attributes.iter().find(|a| a.key == c.attribute) {
        (
            attr.name.ru.clone(),
            attr.values
                .iter()
                .find(|v| v.key == value)
                .map(|v| v.name.ru.clone()),
        )
    } else {
        (c.attribute.clone(), None)
    };
    format!(
        "«{name}» — «{}»",
        value_name.unwrap_or_else(|| value.to_owned())
    )
}

/// Checks the dates the decisions of `input` set, for a case with `attributes`; every problem
/// names its decision.
pub fn check(
    variant: &Variant,
    calendar: &Calendar,
    attributes: &BTreeMap<String, String>,
    input: &StepInput,
) -> Result<Vec<Scheduled>, Vec<String>> {
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
        let Some(rule) = rule else {
            if let Some(date) = record.next_date {
                problems.push(format!(
                    "{path}: решение «{}»{} не назначает дату следующего раза, а указано {}",
                    def.name.ru,
                    outcome
                        .as_deref()
                        .map(|o| format!(" с итогом «{o}»"))
                        .unwrap_or_default(),
                    date_ru(date)
                ));
            }
            continue;
        };
        let recurring = variant
            .recurring(&rule.recurring)
            .map_or(rule.recurring.clone(), |r| r.name.ru.clone());
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
                limit = (
                    date,
                    &sooner.max,
                    Some(condition_ru(variant, &sooner.when, value)),
                );
            }
        }
        let (latest, span, because) = limit;
        let why = match because {
            Some(condition) => format!("{} после решения, так как {condition}", span_ru(span)),
            None => format!("{} после решения", span_ru(span)),
        };
        match record.next_date {
            None if rule.required => problems.push(format!(
                "{path}: решение «{}» назначает дату: «{recurring}» — укажите её, не позднее {} ({why})",
                def.name.ru,
                date_ru(latest)
            )),
            None => {}
            Some(date) if date <= decided_on => problems.push(format!(
                "{path}: {} — не позже дня решения {}: ожидается более поздняя дата",
                date_ru(date),
                date_ru(decided_on)
            )),
            Some(date) if date > latest => problems.push(format!(
                "{path}: {} позже допустимого: «{recurring}» — не позднее {} ({why})",
                date_ru(date),
                date_ru(latest)
            )),
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

//! Spending on a case (расходы по случаю): each spend in minor units (kopecks, tiyn), under a
//! category of the case's method variant, in the variant's currency. Where the variant limits
//! spending per case per year (fund, seed 000 §13: 500 000 RUB), a spend that would take the
//! year past the limit is refused unless it carries the variant's over-limit decision with its
//! approving outcome, decided by a member holding the deciding role (fund: the head of direction,
//! §6 table 1, stage «Корректировка»). The decision goes into the case record and the spend
//! refers to it.
//!
//! **The year is the case's own**, counted from the day the case was opened in the variant's
//! time zone (opened on 13 April 2026: 13.04.2026–12.04.2027, then 13.04.2027–12.04.2028), not the
//! calendar year. §13 sets the cost «на один случай … в год»: a norm of the case, next to its
//! duration (3 months to 1.5 years) and its annual monitoring (extend or close); with calendar
//! years a case opened in November would get a second full limit in January.

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::case_file::{kind, status};
use crate::cases::{get_in_scope, get_in_scope_for_update};
use crate::error::{CaseworkError, CaseworkResult, Language, Problem};
use crate::forms::MAX_FIELD_LEN;
use crate::runtime::TenantRuntime;
use chrono::{NaiveDate, Utc};
use kurator_domain::UserId;
use kurator_method::Variant;
use kurator_method::decisions::{self, DecisionRecord, DecisionStatus};
use kurator_method::norms::{self, CostCheck};
use kurator_method::problem;
use kurator_method::schema::CostLimit;
use kurator_store::TenantTx;
use kurator_store::tenant::cases::{self, CaseRow, NewRecord, RecordRow};
use kurator_store::tenant::idempotency;
use kurator_store::tenant::spending::{self, NewSpending, SpendingRow};
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The largest single spend accepted, in minor units (one billion roubles, tenge…): a guard
/// against slips of the keyboard and against overflow, far above any yearly limit.
pub const MAX_AMOUNT_MINOR: i64 = 100_000_000_000;

const OPERATION: &str = "record_spending";

/// A spend as the person recording it describes it.
#[derive(Debug, Clone)]
pub struct SpendingInput {
    /// In minor units (kopecks, tiyn); above zero.
    pub amount_minor: i64,
    /// Must be the variant's currency.
    pub currency: String,
    /// A category of the variant (`cost_limit.categories`).
    pub category: String,
    /// The day the money was spent, in the organisation's time zone.
    pub spent_on: NaiveDate,
    /// Free text; may hold personal data.
    pub note: Option<String>,
    /// The variant's over-limit decision, when the spend needs one.
    pub approval: Option<Approval>,
}

/// A decision recorded with a spend: the key of the variant's over-limit decision and what was
/// decided (a single decider's vote, a team's votes…).
#[derive(Debug, Clone)]
pub struct Approval {
    pub key: String,
    pub record: DecisionRecord,
}

/// A spend with the case year it counts in.
#[derive(Debug, Clone)]
pub struct SpendingEntry {
    pub row: SpendingRow,
    pub case_year: u32,
}

/// The spending of one case year against the limit.
#[derive(Debug, Clone)]
pub struct YearTotal {
    /// 1 for the year from the opening day, 2 for the next…
    pub year: u32,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub spent_minor: i64,
    /// Category key → spent, in the variant's order of categories (unknown ones last).
    pub by_category: Vec<(String, i64)>,
    /// `None` where the variant sets no limit.
    pub limit_minor: Option<i64>,
    /// What is left under the limit (never below zero).
    pub left_minor: Option<i64>,
    /// By how much approved spending went past the limit.
    pub over_minor: Option<i64>,
}

/// A case's spending: every entry, and the totals of each case year that has spending, and of
/// the current one while the case is open or in post-support.
#[derive(Debug, Clone)]
pub struct CaseSpending {
    pub currency: Option<String>,
    pub limit_minor_per_year: Option<i64>,
    pub entries: Vec<SpendingEntry>,
    pub years: Vec<YearTotal>,
}

fn opened_on(variant: &Variant, case: &CaseRow) -> NaiveDate {
    case.opened_at
        .with_timezone(&variant.time_zone())
        .date_naive()
}

fn today(variant: &Variant) -> NaiveDate {
    Utc::now().with_timezone(&variant.time_zone()).date_naive()
}

fn limit_i64(limit: &CostLimit) -> i64 {
    i64::try_from(limit.max_minor_per_year).unwrap_or(i64::MAX)
}

fn minor(amount: i64, currency: &str) -> String {
    norms::format_minor(u64::try_from(amount).unwrap_or(0), currency)
}

fn day(date: NaiveDate) -> String {
    date.format("%d.%m.%Y").to_string()
}

fn year_of(opened_on: NaiveDate, row: &SpendingRow) -> u32 {
    // Every spend is checked to fall on or after the opening day; should the opening day ever
    // move past one, it counts in the first year.
    norms::case_year(opened_on, row.spent_on).unwrap_or(1)
}

fn entry(opened_on: NaiveDate, row: SpendingRow) -> SpendingEntry {
    SpendingEntry {
        case_year: year_of(opened_on, &row),
        row,
    }
}

/// Every problem with the spend itself, before anything is read from the case's spending.
fn problems(
    limit: &CostLimit,
    input: &SpendingInput,
    opened_on: NaiveDate,
    today: NaiveDate,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    if input.amount_minor <= 0 {
        problems.push(problem!(
            at = "amountMinor",
            "amount_not_positive",
            "amountMinor: сумма расхода должна быть больше нуля",
            "amountMinor: the amount must be greater than zero"
        ));
    } else if input.amount_minor > MAX_AMOUNT_MINOR {
        let max = minor(MAX_AMOUNT_MINOR, &limit.currency);
        problems.push(problem!(
            at = "amountMinor",
            "amount_too_large",
            "amountMinor: не более {max} за один расход",
            "amountMinor: at most {max} per spend"
        ));
    }
    if input.currency != limit.currency {
        let (expected, given) = (&limit.currency, &input.currency);
        problems.push(problem!(
            at = "currency",
            "wrong_currency",
            "currency: расходы по случаю записываются в {expected}, а не в «{given}»",
            "currency: a case's spending is recorded in {expected}, not “{given}”"
        ));
    }
    if !limit.categories.iter().any(|c| c.key == input.category) {
        let known = |language| {
            limit
                .categories
                .iter()
                .map(|c| format!("{} ({})", c.key, c.name.in_language(language)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (known_ru, known_en, category) =
            (known(Language::Ru), known(Language::En), &input.category);
        problems.push(problem!(
            at = "category",
            "unknown_spending_category",
            "category: категории расходов «{category}» нет в варианте технологии; есть: {known_ru}",
            "category: the method variant has no spending category “{category}”; there are: {known_en}"
        ));
    }
    let spent_on = day(input.spent_on);
    if input.spent_on < opened_on {
        let opened = day(opened_on);
        problems.push(problem!(
            at = "spentOn",
            "spent_before_opening",
            "spentOn: {spent_on} — раньше открытия случая ({opened})",
            "spentOn: {spent_on} is before the case was opened ({opened})"
        ));
    } else if input.spent_on > today {
        problems.push(problem!(
            at = "spentOn",
            "spent_in_future",
            "spentOn: {spent_on} ещё не наступило: записывается расход, который уже сделан",
            "spentOn: {spent_on} has not come yet: only a spend already made is recorded"
        ));
    }
    if input
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_FIELD_LEN)
    {
        problems.push(problem!(
            at = "note",
            "too_long",
            "note: не более {MAX_FIELD_LEN} символов",
            "note: at most {MAX_FIELD_LEN} characters"
        ));
    }
    if let Some(approval) = &input.approval {
        match &limit.over_limit_decision {
            None => problems.push(problem!(
                at = "approval",
                "approval_not_provided",
                "approval: вариант технологии не предусматривает согласования расходов сверх норматива",
                "approval: the method variant provides no approval of spending over the limit"
            )),
            Some(key) if *key != approval.key => {
                let given = &approval.key;
                problems.push(problem!(
                    at = "approval.key",
                    "wrong_approval_decision",
                    "approval.key: ожидается решение «{key}», а не «{given}»",
                    "approval.key: decision “{key}” is expected, not “{given}”"
                ))
            }
            Some(_) => {}
        }
    }
    problems
}

/// Checks the approval recorded with a spend: the people it names hold the roles they are
/// recorded in, the procedure reached its approving outcome. Returns what goes into the case
/// record; refuses with every reason otherwise (a rejection included).
async fn check_approval(
    tx: &TenantTx,
    variant: &Variant,
    limit: &CostLimit,
    approval: &Approval,
) -> CaseworkResult<serde_json::Value> {
    let def = variant.decision(&approval.key).ok_or_else(|| {
        let key = &approval.key;
        CaseworkError::rejected(problem!(
            at = "approval.key",
            "unknown_decision",
            "approval.key: такой процедуры решения нет в варианте: «{key}»",
            "approval.key: the variant has no such decision procedure: “{key}”"
        ))
    })?;
    let named = BTreeMap::from([(approval.key.clone(), approval.record.clone())]);
    let prefix = format!("decisions.{}", approval.key);
    let people = crate::staff::check_people(tx, variant, &named).await?;
    if !people.is_empty() {
        return Err(CaseworkError::Rejected(
            people
                .into_iter()
                .map(|p| Problem {
                    field: p.field.map(|f| f.replacen(&prefix, "approval", 1)),
                    ru: p.ru.replacen(&prefix, "approval", 1),
                    en: p.en.replacen(&prefix, "approval", 1),
                    ..p
                })
                .collect(),
        ));
    }
    let mut invalid = Vec::new();
    let status = decisions::evaluate_with_problems(def, &approval.record, &mut invalid);
    let (name_ru, name_en) = (&def.name.ru, def.name.in_language(Language::En));
    match &status {
        DecisionStatus::Decided { outcome, .. } if *outcome == limit.approving_outcome => {
            Ok(json!({ "outcome": outcome, "status": status, "record": approval.record }))
        }
        DecisionStatus::Decided { outcome, .. } => Err(CaseworkError::rejected(problem!(
            at = "approval",
            "spend_not_approved",
            "approval: расход не согласован — «{name_ru}»: {outcome}",
            "approval: the spend is not approved — “{name_en}”: {outcome}"
        ))),
        DecisionStatus::Invalid { .. } => Err(CaseworkError::Rejected(
            invalid
                .into_iter()
                .map(|p| {
                    Problem {
                        ru: format!("approval: {}", p.ru),
                        en: format!("approval: {}", p.en),
                        ..p
                    }
                    .at("approval")
                })
                .collect(),
        )),
        DecisionStatus::Pending { waiting_for } => {
            let waiting = waiting_for.join(", ");
            Err(CaseworkError::rejected(problem!(
                at = "approval",
                "decision_pending",
                "approval: решение «{name_ru}» ещё не принято; решает: {waiting}",
                "approval: decision “{name_en}” is not taken yet; it is up to: {waiting}"
            )))
        }
        DecisionStatus::Escalated { to } => Err(CaseworkError::rejected(problem!(
            at = "approval",
            "decision_escalated",
            "approval: решение «{name_ru}» не принято — вопрос передан роли {to}",
            "approval: decision “{name_en}” is not taken — it was passed to role {to}"
        ))),
        DecisionStatus::Deadlocked => Err(CaseworkError::rejected(problem!(
            at = "approval",
            "decision_deadlocked",
            "approval: решение «{name_ru}» не принято: согласия нет",
            "approval: decision “{name_en}” is not taken: there is no agreement"
        ))),
    }
}

/// The refusal of a spend that would take the case year past the limit.
fn over_limit(
    variant: &Variant,
    limit: &CostLimit,
    year: (NaiveDate, NaiveDate),
    spent: i64,
    amount: i64,
) -> CaseworkError {
    let name = |key: &str, language| {
        variant
            .decision(key)
            .map_or(key, |d| d.name.in_language(language))
            .to_owned()
    };
    let (then_ru, then_en) = match (&limit.over_limit_decision, &limit.approval_by) {
        (Some(_), Some(by)) => (
            format!("нужно отдельное согласование {by}"),
            format!("a separate approval by {by} is needed"),
        ),
        (Some(key), None) => (
            format!(
                "нужно отдельное согласование: «{}»",
                name(key, Language::Ru)
            ),
            format!(
                "a separate approval is needed: “{}”",
                name(key, Language::En)
            ),
        ),
        (None, _) => (
            "вариант технологии не допускает расходов сверх норматива".to_owned(),
            "the method variant allows no spending over the limit".to_owned(),
        ),
    };
    let (from, to) = (day(year.0), day(year.1));
    let cap = minor(limit_i64(limit), &limit.currency);
    let (spent, amount) = (
        minor(spent, &limit.currency),
        minor(amount, &limit.currency),
    );
    CaseworkError::rejected(problem!(
        at = "amountMinor",
        "over_spending_limit",
        "Расходы по случаю за год с {from} по {to} превысят норматив {cap}: уже {spent}, запрошено {amount} — {then_ru}",
        "The case's spending for the year {from} to {to} would exceed the limit {cap}: {spent} so far, {amount} requested — {then_en}"
    ))
}

/// Records a spend on a case: by its curator or a lead, while the case is open or in
/// post-support, within the yearly limit or with the approval the variant names. The case row
/// stays locked until the end, so two concurrent spends cannot together pass the limit. Refused
/// with every reason, writing nothing; a retry with the same `idempotency_key` returns the entry
/// the first one recorded.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn record(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    input: SpendingInput,
    idempotency_key: Option<&str>,
) -> CaseworkResult<SpendingEntry> {
    actor.case_scope()?;
    let tx = runtime.begin().await?;
    if let Some(key) = idempotency_key
        && let Some(existing) = idempotency::find(&tx, actor.user, key, OPERATION).await?
    {
        let row = spending::get(&tx, existing).await?;
        let case = get_in_scope(&tx, actor, row.case_id).await?;
        let variant = runtime.variant_in(&tx, case.variant_version).await?;
        tx.rollback().await?;
        return Ok(entry(opened_on(variant, &case), row));
    }
    let case = get_in_scope_for_update(&tx, actor, case_id).await?;
    if !actor.may_record_spending(case.curator_id.map(UserId)) {
        return Err(CaseworkError::Forbidden);
    }
    if case.status != status::OPEN && case.status != status::POST_SUPPORT {
        let (ru, en) = if case.status == status::INTAKE {
            ("ещё не открыт", "is not open yet")
        } else {
            ("закрыт", "is closed")
        };
        return Err(CaseworkError::rejected(problem!(
            "case_not_active",
            "случай {ru}: расходы записываются по открытому случаю и на пост-сопровождении",
            "the case {en}: spending is recorded on an open case and in post-support"
        )));
    }
    let variant = runtime.variant_in(&tx, case.variant_version).await?.clone();
    let limit = variant
        .doc()
        .cost_limit
        .as_ref()
        .filter(|l| !l.categories.is_empty())
        .ok_or_else(|| {
            CaseworkError::rejected(problem!(
                "spending_not_provided",
                "вариант технологии не предусматривает учёт расходов по случаю: в нём нет категорий расходов",
                "the method variant provides no spending records for a case: it has no spending categories"
            ))
        })?;
    let opened_on = opened_on(&variant, &case);
    let found = problems(limit, &input, opened_on, today(&variant));
    if !found.is_empty() {
        return Err(CaseworkError::Rejected(found));
    }
    let year = norms::case_year(opened_on, input.spent_on).unwrap_or(1);
    let year_days = norms::case_year_days(opened_on, year)
        .ok_or_else(|| CaseworkError::Variant(format!("case year {year} out of range")))?;
    let spent: i64 = spending::of_case(&tx, case_id)
        .await?
        .iter()
        .filter(|r| year_of(opened_on, r) == year)
        .map(|r| r.amount_minor)
        .sum();
    let approval = match &input.approval {
        Some(approval) => Some(check_approval(&tx, &variant, limit, approval).await?),
        None => None,
    };
    let check = norms::check_cost(
        &variant,
        u64::try_from(spent).unwrap_or(0),
        u64::try_from(input.amount_minor).unwrap_or(0),
    );
    if matches!(check, CostCheck::NeedsApproval { .. }) && approval.is_none() {
        return Err(over_limit(
            &variant,
            limit,
            year_days,
            spent,
            input.amount_minor,
        ));
    }

    let approval_record: Option<RecordRow> = match (approval, &input.approval) {
        (Some(mut data), Some(given)) => {
            let spend = json!({
                "amount_minor": input.amount_minor,
                "currency": input.currency,
                "category": input.category,
                "spent_on": input.spent_on,
                "case_year": year,
                "spent_in_year_minor": spent,
                "limit_minor": limit_i64(limit),
            });
            if let Some(map) = data.as_object_mut() {
                map.insert("spending".into(), spend);
            }
            let record = NewRecord::new(
                case_id,
                kind::DECISION,
                given.key.clone(),
                Utc::now(),
                actor.user,
            )
            .with(data);
            Some(cases::append_record(&tx, record).await?)
        }
        _ => None,
    };
    let row = spending::insert(
        &tx,
        NewSpending {
            case_id,
            amount_minor: input.amount_minor,
            currency: input.currency,
            category: input.category,
            spent_on: input.spent_on,
            note: input.note,
            recorded_by: actor.user,
            approval_record_id: approval_record.as_ref().map(|r| r.id),
        },
    )
    .await?;
    if let Some(key) = idempotency_key {
        idempotency::remember(&tx, actor.user, key, OPERATION, row.id).await?;
    }
    audit::record(
        &tx,
        actor,
        Audit::created(
            "case.record_spending",
            "case",
            case_id,
            &json!({ "spending": row, "case_year": year, "approval": approval_record }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(entry(opened_on, row))
}

/// The case's spending with the totals of each case year against the limit: for everyone who
/// sees the case.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn of_case(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
) -> CaseworkResult<CaseSpending> {
    let tx = runtime.read().await?;
    let case = get_in_scope(&tx, actor, case_id).await?;
    let rows = spending::of_case(&tx, case_id).await?;
    tx.commit().await?;
    let variant = runtime.variant(case.variant_version)?;
    Ok(summarise(variant, &case, rows, today(variant)))
}

/// Entries with their case years, and the totals of every year that has spending — and of the
/// year `today` falls in while the case is open or in post-support.
pub fn summarise(
    variant: &Variant,
    case: &CaseRow,
    rows: Vec<SpendingRow>,
    today: NaiveDate,
) -> CaseSpending {
    let limit = variant.doc().cost_limit.as_ref();
    let opened_on = opened_on(variant, case);
    let entries: Vec<SpendingEntry> = rows.into_iter().map(|r| entry(opened_on, r)).collect();
    let mut years: BTreeMap<u32, Vec<&SpendingEntry>> = BTreeMap::new();
    for e in &entries {
        years.entry(e.case_year).or_default().push(e);
    }
    let active = case.status == status::OPEN || case.status == status::POST_SUPPORT;
    if active && let Some(current) = norms::case_year(opened_on, today) {
        years.entry(current).or_default();
    }
    let order: Vec<&str> = limit
        .map(|l| l.categories.iter().map(|c| c.key.as_str()).collect())
        .unwrap_or_default();
    let years = years
        .into_iter()
        .filter_map(|(year, list)| {
            let (first_day, last_day) = norms::case_year_days(opened_on, year)?;
            let spent_minor: i64 = list.iter().map(|e| e.row.amount_minor).sum();
            let mut by_category: Vec<(String, i64)> = Vec::new();
            for e in &list {
                match by_category.iter_mut().find(|(k, _)| *k == e.row.category) {
                    Some((_, sum)) => *sum += e.row.amount_minor,
                    None => by_category.push((e.row.category.clone(), e.row.amount_minor)),
                }
            }
            by_category
                .sort_by_key(|(k, _)| order.iter().position(|o| o == k).unwrap_or(order.len()));
            let limit_minor = limit.map(limit_i64);
            Some(YearTotal {
                year,
                first_day,
                last_day,
                spent_minor,
                by_category,
                limit_minor,
                left_minor: limit_minor.map(|l| (l - spent_minor).max(0)),
                over_minor: limit_minor.map(|l| (spent_minor - l).max(0)),
            })
        })
        .collect();
    CaseSpending {
        currency: limit.map(|l| l.currency.clone()),
        limit_minor_per_year: limit.map(limit_i64),
        entries,
        years,
    }
}

//! Spending on a case over GraphQL: `recordSpending`, and the types of `Case.spending` — entries
//! and the totals of each case year against the variant's limit. Amounts travel as
//! [`MinorUnits`], a string of digits, since GraphQL `Int` holds only 32 bits.

use super::cases::reload;
use super::types::Case;
use super::work::DecisionInput;
use super::{parse_id, personalData, tenant_actor};
use crate::graphql::error::{ApiError, ApiResult};
use async_graphql::{
    Context, ID, InputObject, InputValueError, InputValueResult, Object, Scalar, ScalarType,
    SimpleObject, Value,
};
use chrono::{DateTime, NaiveDate, Utc};
use kurator_casework::spending::{self, Approval, CaseSpending, SpendingEntry, YearTotal};
use kurator_method::Variant;
use kurator_method::problem;

/// An amount in minor units (kopecks, tiyn) as a string of digits: `"48000000"` is 480 000 ₽.
/// A 64-bit integer, which GraphQL `Int` (32 bits) cannot hold; accepted as a string or an `Int`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinorUnits(pub i64);

const MINOR_UNITS: &str =
    "ожидается сумма в копейках (тиынах) — целое число строкой, например \"3000000\"";

#[Scalar]
impl ScalarType for MinorUnits {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => s
                .parse::<i64>()
                .map(MinorUnits)
                .map_err(|_| InputValueError::custom(MINOR_UNITS)),
            Value::Number(n) => n
                .as_i64()
                .map(MinorUnits)
                .ok_or_else(|| InputValueError::custom(MINOR_UNITS)),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

#[derive(Default)]
pub struct SpendingMutation;

/// A spend on a case.
#[derive(InputObject)]
pub struct SpendingInput {
    /// Above zero, in minor units: `"3000000"` is 30 000 ₽.
    pub amount_minor: MinorUnits,
    /// The variant's currency (ISO 4217, e.g. `RUB`).
    pub currency: String,
    /// A category of the variant's `costLimit.categories` (fund: material_help, services, other).
    pub category: String,
    /// The day the money was spent (not later than today).
    pub spent_on: NaiveDate,
    #[graphql(directive = personalData::apply())]
    pub note: Option<String>,
    /// The variant's over-limit decision (fund: `cost_over_limit`, decided by the head of
    /// direction), needed when the spend takes the case year past the limit.
    pub approval: Option<DecisionInput>,
}

impl SpendingInput {
    fn into_service(self) -> ApiResult<spending::SpendingInput> {
        let approval = match self.approval {
            Some(d) if d.votes.len() + d.rulings.len() + d.participants.len() > 50 => {
                return Err(ApiError::bad_input(problem!(
                    at = "approval",
                    "too_many_inputs",
                    "approval: слишком много голосов и участников в одном решении",
                    "approval: too many votes and participants in one decision"
                )));
            }
            Some(d) => {
                let (key, record) = d.into_service();
                Some(Approval { key, record })
            }
            None => None,
        };
        Ok(spending::SpendingInput {
            amount_minor: self.amount_minor.0,
            currency: self.currency,
            category: self.category,
            spent_on: self.spent_on,
            note: self.note,
            approval,
        })
    }
}

/// One spend on a case (расход по случаю).
#[derive(SimpleObject)]
#[graphql(name = "SpendingEntry")]
pub struct SpendingRecord {
    pub id: ID,
    pub amount_minor: MinorUnits,
    pub currency: String,
    pub category: String,
    /// The category's Russian name in the case's variant.
    pub category_name: String,
    pub spent_on: NaiveDate,
    /// The case year it counts in: 1 from the opening day, 2 from its first anniversary…
    pub case_year: i32,
    #[graphql(directive = personalData::apply())]
    pub note: Option<String>,
    pub recorded_by: ID,
    /// The case record (kind `decision`) of the approval above the yearly limit.
    pub approval_record_id: Option<ID>,
    pub created_at: DateTime<Utc>,
}

fn category_name(variant: Option<&Variant>, key: &str) -> String {
    variant
        .and_then(|v| v.doc().cost_limit.as_ref())
        .and_then(|l| l.categories.iter().find(|c| c.key == key))
        .map_or_else(|| key.to_owned(), |c| c.name.ru.clone())
}

fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl SpendingRecord {
    fn new(variant: Option<&Variant>, entry: SpendingEntry) -> Self {
        let row = entry.row;
        Self {
            id: ID(row.id.to_string()),
            amount_minor: MinorUnits(row.amount_minor),
            category_name: category_name(variant, &row.category),
            currency: row.currency,
            category: row.category,
            spent_on: row.spent_on,
            case_year: int(entry.case_year),
            note: row.note,
            recorded_by: ID(row.recorded_by.to_string()),
            approval_record_id: row.approval_record_id.map(|r| ID(r.to_string())),
            created_at: row.created_at,
        }
    }
}

#[derive(SimpleObject)]
pub struct SpendingCategoryTotal {
    pub category: String,
    pub name: String,
    pub spent_minor: MinorUnits,
}

/// One case year's spending against the limit.
#[derive(SimpleObject)]
pub struct SpendingYear {
    /// 1 from the opening day, 2 from its first anniversary…
    pub year: i32,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub spent_minor: MinorUnits,
    pub by_category: Vec<SpendingCategoryTotal>,
    /// Empty where the variant sets no limit.
    pub limit_minor: Option<MinorUnits>,
    /// What is left under the limit (never below zero).
    pub left_minor: Option<MinorUnits>,
    /// By how much approved spending went past the limit.
    pub over_minor: Option<MinorUnits>,
}

impl SpendingYear {
    fn new(variant: Option<&Variant>, total: YearTotal) -> Self {
        Self {
            year: int(total.year),
            first_day: total.first_day,
            last_day: total.last_day,
            spent_minor: MinorUnits(total.spent_minor),
            by_category: total
                .by_category
                .into_iter()
                .map(|(category, spent)| SpendingCategoryTotal {
                    name: category_name(variant, &category),
                    category,
                    spent_minor: MinorUnits(spent),
                })
                .collect(),
            limit_minor: total.limit_minor.map(MinorUnits),
            left_minor: total.left_minor.map(MinorUnits),
            over_minor: total.over_minor.map(MinorUnits),
        }
    }
}

/// Spending on a case: every entry, and the totals of each case year with spending and of the
/// current one while the case is open or in post-support. The year is the case's own, from the
/// day it was opened.
#[derive(SimpleObject)]
#[graphql(name = "CaseSpending")]
pub struct CaseSpendingView {
    pub currency: Option<String>,
    pub limit_minor_per_year: Option<MinorUnits>,
    pub entries: Vec<SpendingRecord>,
    pub years: Vec<SpendingYear>,
}

impl CaseSpendingView {
    pub fn new(variant: Option<&Variant>, spending: CaseSpending) -> Self {
        Self {
            currency: spending.currency,
            limit_minor_per_year: spending.limit_minor_per_year.map(MinorUnits),
            entries: spending
                .entries
                .into_iter()
                .map(|e| SpendingRecord::new(variant, e))
                .collect(),
            years: spending
                .years
                .into_iter()
                .map(|y| SpendingYear::new(variant, y))
                .collect(),
        }
    }
}

#[derive(SimpleObject)]
pub struct RecordSpendingPayload {
    pub entry: SpendingRecord,
    /// The case, with its spending after this entry.
    pub case: Case,
}

#[Object]
impl SpendingMutation {
    /// Records a spend on a case: by its curator or a lead, while the case is open or in
    /// post-support. A spend that takes the case year past the variant's limit needs its
    /// over-limit decision with the approving outcome (fund: the head of direction's approval);
    /// otherwise it is refused with the sums (`BAD_USER_INPUT`) and nothing is written.
    async fn record_spending(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: SpendingInput,
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<RecordSpendingPayload> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let key = super::idempotency_key(&idempotency_key)?;
        let id = parse_id(&case_id)?;
        let entry = spending::record(&runtime, &actor, id, input.into_service()?, key)
            .await
            .map_err(ApiError::from)?;
        let case = reload(ctx, entry.row.case_id).await?;
        let variant = runtime.variant(case.file.case.variant_version).ok();
        Ok(RecordSpendingPayload {
            entry: SpendingRecord::new(variant.map(|v| &**v), entry),
            case,
        })
    }
}

//! Per-case norms that are not deadlines: the yearly spending limit (fund: 500 000 RUB per case
//! per year; above it a separate approval is needed).

use serde::{Deserialize, Serialize};

use crate::Variant;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CostCheck {
    /// The variant sets no limit.
    NoLimit,
    WithinLimit {
        left_minor: u64,
    },
    /// Spending would pass the limit: the named decision must approve it.
    NeedsApproval {
        over_by_minor: u64,
        decision: Option<String>,
    },
}

/// Checks a case's spending in the current year (minor units) plus a planned expense.
pub fn check_cost(variant: &Variant, spent_this_year_minor: u64, planned_minor: u64) -> CostCheck {
    let Some(limit) = &variant.doc().cost_limit else {
        return CostCheck::NoLimit;
    };
    let total = spent_this_year_minor.saturating_add(planned_minor);
    if total <= limit.max_minor_per_year {
        CostCheck::WithinLimit {
            left_minor: limit.max_minor_per_year - total,
        }
    } else {
        CostCheck::NeedsApproval {
            over_by_minor: total - limit.max_minor_per_year,
            decision: limit.over_limit_decision.clone(),
        }
    }
}

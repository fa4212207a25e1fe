//! Period rules («правило периода»): which cases, events or obligations an indicator's figure
//! for a period counts, and whether the figures of months add up to a year's.

use kurator_method::Language;
use serde::{Deserialize, Serialize};

/// How an indicator's figure for a period is counted. Figures are computed per calendar month in
/// the organisation's time zone; a rule that does not add up over months is computed for a year
/// as a period of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodRule {
    /// Events that happen in the month (a case opened, a case closed).
    EventsInMonth,
    /// The cohort of cases closed in the month, whatever their outcome.
    ClosedInMonth,
    /// Cases supported on at least one day of the period (open, not yet closed). A case supported
    /// for a year is one case of the year and one of each of its twelve months.
    SupportedInPeriod,
    /// Deadlines and recurring obligations falling due in the month.
    DueInMonth,
    /// The cohort of cases closed in the month, followed for 12 months after closure: the figure
    /// is provisional until 12 months after the month's end.
    #[serde(rename = "closed_in_month_followed_12_months")]
    ClosedInMonthFollowed12Months,
    /// The state at the end of the month's last day.
    MonthEndSnapshot,
}

impl PeriodRule {
    /// Whether the numerators and denominators of a year's months add up to the year's: each
    /// event, closed case or due obligation belongs to exactly one month. A case supported for
    /// several months, or a month-end state, does not — a year is then computed for the year.
    pub fn additive(self) -> bool {
        match self {
            PeriodRule::EventsInMonth
            | PeriodRule::ClosedInMonth
            | PeriodRule::DueInMonth
            | PeriodRule::ClosedInMonthFollowed12Months => true,
            PeriodRule::SupportedInPeriod | PeriodRule::MonthEndSnapshot => false,
        }
    }

    /// Months after the end of the period during which the figure can still grow on its own
    /// (besides corrections of the data): 12 for the reopening cohort.
    pub fn follow_up_months(self) -> u32 {
        match self {
            PeriodRule::ClosedInMonthFollowed12Months => 12,
            _ => 0,
        }
    }

    /// The rule as a methodologist reads it.
    pub fn describe(self, language: Language) -> &'static str {
        match (self, language) {
            (PeriodRule::EventsInMonth, Language::Ru) => {
                "События месяца; месяцы складываются в год"
            }
            (PeriodRule::EventsInMonth, Language::En) => {
                "Events of the month; months add up to the year"
            }
            (PeriodRule::ClosedInMonth, Language::Ru) => {
                "Случаи, закрытые в месяце; месяцы складываются в год"
            }
            (PeriodRule::ClosedInMonth, Language::En) => {
                "Cases closed in the month; months add up to the year"
            }
            (PeriodRule::SupportedInPeriod, Language::Ru) => {
                "Случаи, сопровождавшиеся хотя бы один день периода; год считается за год, а не суммой месяцев"
            }
            (PeriodRule::SupportedInPeriod, Language::En) => {
                "Cases supported on at least one day of the period; a year is computed for the year, not summed from months"
            }
            (PeriodRule::DueInMonth, Language::Ru) => {
                "Сроки, наступающие в месяце; месяцы складываются в год"
            }
            (PeriodRule::DueInMonth, Language::En) => {
                "Deadlines falling due in the month; months add up to the year"
            }
            (PeriodRule::ClosedInMonthFollowed12Months, Language::Ru) => {
                "Случаи, закрытые в месяце, под наблюдением 12 месяцев после закрытия; до их истечения значение предварительное"
            }
            (PeriodRule::ClosedInMonthFollowed12Months, Language::En) => {
                "Cases closed in the month, followed for 12 months after closure; provisional until then"
            }
            (PeriodRule::MonthEndSnapshot, Language::Ru) => {
                "Состояние на конец последнего дня месяца; год — состояние на конец года"
            }
            (PeriodRule::MonthEndSnapshot, Language::En) => {
                "The state at the end of the month's last day; a year is the state at the year's end"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_supported_in_a_year_are_not_the_sum_of_its_months() {
        assert!(!PeriodRule::SupportedInPeriod.additive());
        assert!(PeriodRule::ClosedInMonth.additive());
    }

    #[test]
    fn the_reopening_cohort_is_followed_for_a_year() {
        assert_eq!(
            PeriodRule::ClosedInMonthFollowed12Months.follow_up_months(),
            12
        );
        assert_eq!(PeriodRule::ClosedInMonth.follow_up_months(), 0);
    }
}

//! The age of the person a case is about («возраст ребёнка»), read from what the intake form says
//! — a date of birth or an approximate age (seed 004, Appendix 1: «Дата рождения или
//! приблизительный возраст») — and checked against the ages the variant works with
//! ([`SubjectAge`], e.g. the clinic's children 0–5).
//!
//! Ages are counted in completed years, the way Russian and Kazakh documents state them: a child
//! of 5 years and 11 months is «5 лет», so the range 0–5 ends the day before the 6th birthday.

use chrono::{Datelike, NaiveDate};
use serde_json::Value;

use crate::Problem;
use crate::schema::SubjectAge;

/// What a form says about a person's age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatedAge {
    /// «2023-01-15», «15.01.2023».
    BirthDate(NaiveDate),
    /// «3», «3 года», «1 год 2 мес.», «8 месяцев», «новорождённый», in whole months.
    Approximate { months: u32 },
}

impl StatedAge {
    /// Completed years on `on`; `None` for a date of birth after `on`.
    pub fn completed_years(&self, on: NaiveDate) -> Option<u32> {
        match *self {
            StatedAge::BirthDate(born) => {
                if born > on {
                    return None;
                }
                let mut years = on.year() - born.year();
                if (on.month(), on.day()) < (born.month(), born.day()) {
                    years -= 1;
                }
                u32::try_from(years).ok()
            }
            StatedAge::Approximate { months } => Some(months / 12),
        }
    }
}

/// Reads a date of birth or an approximate age from a form value (text or a number of years).
pub fn parse(value: &Value) -> Option<StatedAge> {
    match value {
        Value::String(s) => parse_text(s),
        Value::Number(n) => {
            let years = n.as_f64()?;
            approximate_months(years, 12.0)
        }
        _ => None,
    }
}

fn approximate_months(amount: f64, months_per_unit: f64) -> Option<StatedAge> {
    let months = (amount * months_per_unit).floor();
    if !months.is_finite() || !(0.0..=1_800.0).contains(&months) {
        return None;
    }
    // within 0..=1800, the cast is exact
    Some(StatedAge::Approximate {
        months: months as u32,
    })
}

/// Reads «2023-01-15», «15.01.2023», «3», «3 года», «1 год 2 мес.», «1,5 года», «8 месяцев»,
/// «3 недели», «около 4 лет», «3 жас», «новорождённый».
pub fn parse_text(text: &str) -> Option<StatedAge> {
    let s = text.trim().to_lowercase();
    if s.is_empty() {
        return None;
    }
    let date_part = s.split(['t', ' ']).next().unwrap_or_default();
    for format in ["%Y-%m-%d", "%d.%m.%Y"] {
        if let Ok(date) = NaiveDate::parse_from_str(date_part, format) {
            return Some(StatedAge::BirthDate(date));
        }
    }
    if s.starts_with("новорожд") {
        return Some(StatedAge::Approximate { months: 0 });
    }
    // number–unit pairs: «1 год 2 мес.»; a bare number alone is years
    let mut tokens: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in s.chars() {
        let in_number = current.starts_with(|d: char| d.is_ascii_digit());
        let continues = if in_number {
            c.is_ascii_digit() || c == ',' || c == '.'
        } else {
            c.is_alphabetic() && !current.is_empty()
        };
        if continues {
            current.push(c);
            continue;
        }
        if !current.is_empty() {
            tokens.push(std::mem::take(&mut current));
        }
        if c.is_ascii_digit() || c.is_alphabetic() {
            current.push(c);
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    const FILLERS: [&str; 5] = ["около", "примерно", "приблизительно", "ок", "прибл"];
    let mut months = 0.0_f64;
    let mut pending: Option<f64> = None;
    let mut any = false;
    for token in tokens {
        let token = token.trim_end_matches(['.', ',']);
        if token.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            if pending.is_some() {
                return None; // two numbers in a row
            }
            pending = Some(token.replace(',', ".").parse::<f64>().ok()?);
        } else if let Some(per) = unit_months(token) {
            months += pending.take()? * per;
            any = true;
        } else if !FILLERS.contains(&token) {
            return None;
        }
    }
    match pending {
        Some(years) if !any => approximate_months(years, 12.0),
        Some(_) => None, // «1 год 2»: the unit of the 2 is unclear
        None if any => approximate_months(months, 1.0),
        None => None,
    }
}

/// Months in one unit named by `word`; `None` if it is no unit of age.
fn unit_months(word: &str) -> Option<f64> {
    let years = ["г", "л", "y", "yr", "yrs"];
    let months = ["м", "мес", "ай", "mo", "m"];
    let weeks = ["н", "нед", "w", "wk"];
    let days = ["д", "дн", "d"];
    if years.contains(&word)
        || ["год", "лет", "жас", "year"]
            .iter()
            .any(|p| word.starts_with(p))
    {
        Some(12.0)
    } else if months.contains(&word) || ["месяц", "month"].iter().any(|p| word.starts_with(p))
    {
        Some(1.0)
    } else if weeks.contains(&word)
        || ["недел", "week", "апта"]
            .iter()
            .any(|p| word.starts_with(p))
    {
        Some(7.0 / 30.4375)
    } else if days.contains(&word)
        || ["день", "дня", "дней", "day", "күн"]
            .iter()
            .any(|p| word.starts_with(p))
    {
        Some(1.0 / 30.4375)
    } else {
        None
    }
}

/// Why a stated age does not let the case go ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgeProblem {
    /// The form does not say it and the variant requires it.
    Missing,
    /// Neither a date nor an age.
    Unreadable,
    /// A date of birth after the date the form is about.
    BornLater,
    /// Outside the variant's range.
    OutOfRange { years: u32 },
}

/// «1 год», «2 года», «5 лет», «11 лет», «21 год».
pub fn years_ru(n: u32) -> String {
    let word = match (n % 10, n % 100) {
        (1, r) if r != 11 => "год",
        (2..=4, r) if !(12..=14).contains(&r) => "года",
        _ => "лет",
    };
    format!("{n} {word}")
}

impl AgeProblem {
    /// A sentence for the user, in Russian.
    pub fn message(&self, spec: &SubjectAge) -> String {
        let range = format!(
            "по варианту технологии работа ведётся с детьми от {} до {} включительно (до исполнения {})",
            spec.min_years,
            years_ru(spec.max_years),
            years_ru(spec.max_years + 1)
        );
        match self {
            AgeProblem::Missing => {
                format!("укажите дату рождения или приблизительный возраст: {range}")
            }
            AgeProblem::Unreadable => "ожидается дата рождения (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ) или приблизительный возраст («3», «3 года», «8 месяцев»)".to_owned(),
            AgeProblem::BornLater => "дата рождения позже даты обращения".to_owned(),
            AgeProblem::OutOfRange { years } => {
                format!("возраст — {}: {range}", years_ru(*years))
            }
        }
    }
}

impl AgeProblem {
    /// A stable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            AgeProblem::Missing => "age_missing",
            AgeProblem::Unreadable => "age_unreadable",
            AgeProblem::BornLater => "born_after_request",
            AgeProblem::OutOfRange { .. } => "age_out_of_range",
        }
    }

    /// The sentence in English.
    pub fn english(&self, spec: &SubjectAge) -> String {
        let range = format!(
            "the method variant works with children aged {} to {} inclusive (until they turn {})",
            spec.min_years,
            spec.max_years,
            spec.max_years + 1
        );
        match self {
            AgeProblem::Missing => format!("give a date of birth or an approximate age: {range}"),
            AgeProblem::Unreadable => "a date of birth (YYYY-MM-DD or DD.MM.YYYY) or an approximate age (“3”, “3 years”, “8 months”) is expected".to_owned(),
            AgeProblem::BornLater => "the date of birth is after the date of the request".to_owned(),
            AgeProblem::OutOfRange { years } => format!("age {years}: {range}"),
        }
    }

    /// The problem as the API shows it, about the age field under `path`.
    pub fn problem(&self, spec: &SubjectAge, path: &str) -> Problem {
        let field = format!("{path}.{}", spec.field);
        Problem::new(
            self.code(),
            format!("{field}: {}", self.message(spec)),
            format!("{field}: {}", self.english(spec)),
        )
        .at(field)
    }
}

/// The value of the variant's age field in a form's subject: under its key (`birth_date`) or,
/// as GraphQL clients write JSON, its camelCase spelling (`birthDate`).
pub fn stated<'a>(spec: &SubjectAge, subject: &'a Value) -> Option<&'a Value> {
    let camel: String = spec
        .field
        .split('_')
        .enumerate()
        .map(|(i, part)| {
            let mut chars = part.chars();
            match (i, chars.next()) {
                (0, _) | (_, None) => part.to_owned(),
                (_, Some(first)) => first.to_uppercase().chain(chars).collect(),
            }
        })
        .collect();
    subject
        .get(&spec.field)
        .or_else(|| subject.get(&camel))
        .filter(|v| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()))
}

/// Checks the age a form states against the variant's range, on the date `on` (the day of the
/// request, in the variant's time zone). With `require` false a missing or unreadable value is
/// let through (the check was made when the request was registered).
pub fn check(
    spec: &SubjectAge,
    subject: &Value,
    on: NaiveDate,
    require: bool,
) -> Result<(), AgeProblem> {
    let Some(value) = stated(spec, subject) else {
        return if require && spec.required {
            Err(AgeProblem::Missing)
        } else {
            Ok(())
        };
    };
    let Some(age) = parse(value) else {
        return if require {
            Err(AgeProblem::Unreadable)
        } else {
            Ok(())
        };
    };
    let years = age.completed_years(on).ok_or(AgeProblem::BornLater)?;
    if years < spec.min_years || years > spec.max_years {
        return Err(AgeProblem::OutOfRange { years });
    }
    Ok(())
}

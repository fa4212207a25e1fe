//! A refusal in the words a client can act on: a stable snake_case `code` (e.g.
//! `missing_decision`), the input path it concerns (`field`, e.g. `attributes.family_category`),
//! and the sentence for a person in Russian and in English. The engine and the case-work service
//! build problems; the API picks the language the client asked for.
//!
//! Every code is listed in `docs/errors.md`; a test fails when one is produced but not listed.

use serde::Serialize;

/// The language a message is shown in. Russian is the default; English when the client asks for
/// it. There is no Kazakh catalogue yet: a client asking for `kk` gets Russian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum Language {
    #[default]
    Ru,
    En,
}

/// One thing wrong with a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Stable, snake_case; clients match on it.
    pub code: &'static str,
    /// The input path the problem concerns, in the API's casing, when there is one.
    pub field: Option<String>,
    pub ru: String,
    pub en: String,
}

impl Problem {
    pub fn new(code: &'static str, ru: impl Into<String>, en: impl Into<String>) -> Self {
        Problem {
            code,
            field: None,
            ru: ru.into(),
            en: en.into(),
        }
    }

    /// The same problem, about the input at `field`.
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn message(&self, language: Language) -> &str {
        match language {
            Language::Ru => &self.ru,
            Language::En => &self.en,
        }
    }
}

/// Builds a [`Problem`]: `problem!("code", "ru text {x}", "en text {x}")`, optionally with
/// `at = "field"` first. The texts are `format!` strings.
#[macro_export]
macro_rules! problem {
    (at = $field:expr, $code:literal, $ru:literal, $en:literal $(,)?) => {
        $crate::problem::Problem::new($code, format!($ru), format!($en)).at($field)
    };
    ($code:literal, $ru:literal, $en:literal $(,)?) => {
        $crate::problem::Problem::new($code, format!($ru), format!($en))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_speaks_both_languages() {
        let n = 3;
        let p = problem!(
            at = "first",
            "page_too_large",
            "first: до {n}",
            "first: up to {n}"
        );
        assert_eq!(p.message(Language::Ru), "first: до 3");
        assert_eq!(p.message(Language::En), "first: up to 3");
        assert_eq!(p.field.as_deref(), Some("first"));
    }
}

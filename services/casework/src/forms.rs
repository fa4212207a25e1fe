//! Structured forms: the content of an artefact (report, assessment, consent) checked against the
//! sections and fields the method variant defines for it — the clinic's comprehensive assessment
//! has the sections of its Appendix 3, the fund's first-visit report those of its set form.

use kurator_method::schema::FieldKind;
use kurator_method::{Language, Problem, Variant, problem};
use serde_json::Value;

/// Longest text accepted in one field.
pub const MAX_FIELD_LEN: usize = 20_000;

/// Every problem with `data` as the content of artefact `key`, each naming its path.
pub fn check(variant: &Variant, key: &str, data: &Value) -> Vec<Problem> {
    let Some(artefact) = variant.artefact(key) else {
        return vec![problem!(
            at = format!("artefacts.{key}"),
            "unknown_artefact",
            "artefacts.{key}: такого документа нет в варианте технологии",
            "artefacts.{key}: the method variant has no such document"
        )];
    };
    let Some(sections) = data.as_object() else {
        return vec![problem!(
            at = format!("artefacts.{key}"),
            "not_an_object",
            "artefacts.{key}: ожидается объект с разделами формы",
            "artefacts.{key}: an object with the form's sections is expected"
        )];
    };
    let mut problems = Vec::new();
    if artefact.sections.is_empty() {
        return problems;
    }
    for name in sections.keys() {
        if !artefact.sections.iter().any(|s| &s.key == name) {
            problems.push(problem!(
                at = format!("artefacts.{key}.{name}"),
                "unknown_form_section",
                "artefacts.{key}.{name}: неизвестный раздел формы",
                "artefacts.{key}.{name}: unknown section of the form"
            ));
        }
    }
    for section in &artefact.sections {
        let values = sections.get(&section.key).and_then(Value::as_object);
        if let Some(values) = values {
            for name in values.keys() {
                if !section.fields.iter().any(|f| &f.key == name) {
                    let path = format!("artefacts.{key}.{}.{name}", section.key);
                    problems.push(problem!(
                        at = &path,
                        "unknown_form_field",
                        "{path}: неизвестное поле",
                        "{path}: unknown field"
                    ));
                }
            }
        }
        for field in &section.fields {
            let path = format!("artefacts.{key}.{}.{}", section.key, field.key);
            let value = values
                .and_then(|v| v.get(&field.key))
                .filter(|v| !is_blank(v));
            match value {
                None if field.required => {
                    let (ru, en) = (&field.name.ru, field.name.in_language(Language::En));
                    problems.push(problem!(
                        at = &path,
                        "required_field_empty",
                        "{path}: обязательное поле «{ru}» не заполнено",
                        "{path}: required field “{en}” is empty"
                    ))
                }
                None => {}
                Some(value) => {
                    if let Some(problem) = kind_problem(field.kind, value) {
                        problems.push(
                            Problem {
                                ru: format!("{path}: {}", problem.ru),
                                en: format!("{path}: {}", problem.en),
                                ..problem
                            }
                            .at(&path),
                        );
                    }
                }
            }
        }
    }
    problems
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// What is wrong with a field's value for its kind, without the field's path.
fn kind_problem(kind: FieldKind, value: &Value) -> Option<Problem> {
    let wrong = |ru: &str, en: &str| Some(Problem::new("wrong_field_type", ru, en));
    match kind {
        FieldKind::Number if !value.is_number() => wrong("ожидается число", "a number is expected"),
        FieldKind::Boolean if !value.is_boolean() => {
            wrong("ожидается да/нет", "yes/no is expected")
        }
        FieldKind::Table if !value.is_array() => wrong(
            "ожидается таблица (список строк)",
            "a table (a list of rows) is expected",
        ),
        FieldKind::Number | FieldKind::Boolean | FieldKind::Table => None,
        FieldKind::Date => match value.as_str() {
            Some(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => None,
            _ => wrong(
                "ожидается дата в формате ГГГГ-ММ-ДД",
                "a date as YYYY-MM-DD is expected",
            ),
        },
        _ => match value.as_str() {
            Some(s) if s.chars().count() > MAX_FIELD_LEN => Some(Problem::new(
                "too_long",
                format!("не более {MAX_FIELD_LEN} символов"),
                format!("at most {MAX_FIELD_LEN} characters"),
            )),
            Some(_) => None,
            None => wrong("ожидается текст", "text is expected"),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn clinic() -> Variant {
        kurator_method::presets::load("clinic").unwrap()
    }

    #[test]
    fn an_empty_comprehensive_assessment_lists_every_missing_required_field() {
        // seed 004, Appendix 3: the comprehensive assessment report has its set sections.
        let problems = check(&clinic(), "comprehensive_assessment_report", &json!({}));
        assert!(!problems.is_empty());
        assert!(problems.iter().all(|p| {
            p.ru.starts_with("artefacts.comprehensive_assessment_report.")
        }));
    }

    #[test]
    fn unknown_sections_and_bad_values_are_named() {
        let problems = check(
            &clinic(),
            "comprehensive_assessment_report",
            &json!({ "gossip": { "x": 1 } }),
        );
        assert!(
            problems
                .iter()
                .any(|p| p.ru.contains("gossip: неизвестный раздел")),
            "{problems:?}"
        );
    }

    #[test]
    fn unknown_artefacts_are_refused() {
        let problems = check(&clinic(), "tea_leaves", &json!({}));
        assert_eq!(problems.len(), 1);
    }
}

//! Structured forms: the content of an artefact (report, assessment, consent) checked against the
//! sections and fields the method variant defines for it — the clinic's comprehensive assessment
//! has the sections of its Appendix 3, the fund's first-visit report those of its set form.

use kurator_method::Variant;
use kurator_method::schema::FieldKind;
use serde_json::Value;

/// Longest text accepted in one field.
pub const MAX_FIELD_LEN: usize = 20_000;

/// Every problem with `data` as the content of artefact `key`, each naming its path.
pub fn check(variant: &Variant, key: &str, data: &Value) -> Vec<String> {
    let Some(artefact) = variant.artefact(key) else {
        return vec![format!(
            "artefacts.{key}: такого документа нет в варианте технологии"
        )];
    };
    let Some(sections) = data.as_object() else {
        return vec![format!(
            "artefacts.{key}: ожидается объект с разделами формы"
        )];
    };
    let mut problems = Vec::new();
    if artefact.sections.is_empty() {
        return problems;
    }
    for name in sections.keys() {
        if !artefact.sections.iter().any(|s| &s.key == name) {
            problems.push(format!("artefacts.{key}.{name}: неизвестный раздел формы"));
        }
    }
    for section in &artefact.sections {
        let values = sections.get(&section.key).and_then(Value::as_object);
        if let Some(values) = values {
            for name in values.keys() {
                if !section.fields.iter().any(|f| &f.key == name) {
                    problems.push(format!(
                        "artefacts.{key}.{}.{name}: неизвестное поле",
                        section.key
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
                None if field.required => problems.push(format!(
                    "{path}: обязательное поле «{}» не заполнено",
                    field.name.ru
                )),
                None => {}
                Some(value) => {
                    if let Some(problem) = kind_problem(field.kind, value) {
                        problems.push(format!("{path}: {problem}"));
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

fn kind_problem(kind: FieldKind, value: &Value) -> Option<String> {
    match kind {
        FieldKind::Number => (!value.is_number()).then(|| "ожидается число".into()),
        FieldKind::Boolean => (!value.is_boolean()).then(|| "ожидается да/нет".into()),
        FieldKind::Table => (!value.is_array()).then(|| "ожидается таблица (список строк)".into()),
        FieldKind::Date => match value.as_str() {
            Some(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => None,
            _ => Some("ожидается дата в формате ГГГГ-ММ-ДД".into()),
        },
        _ => match value.as_str() {
            Some(s) if s.chars().count() > MAX_FIELD_LEN => {
                Some(format!("не более {MAX_FIELD_LEN} символов"))
            }
            Some(_) => None,
            None => Some("ожидается текст".into()),
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
        assert!(
            problems
                .iter()
                .all(|p| p.starts_with("artefacts.comprehensive_assessment_report."))
        );
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
                .any(|p| p.contains("gossip: неизвестный раздел")),
            "{problems:?}"
        );
    }

    #[test]
    fn unknown_artefacts_are_refused() {
        let problems = check(&clinic(), "tea_leaves", &json!({}));
        assert_eq!(problems.len(), 1);
    }
}

//! [`Variant`]: a validated, compiled method variant. The only way to get one is through
//! [`Variant::from_toml_str`], [`Variant::from_json_str`] or [`Variant::from_doc`], which run
//! every validation rule; afterwards the document is read-only.

use std::collections::HashMap;

use chrono_tz::Tz;

use crate::schema::*;
use crate::validate::{ValidationError, ValidationErrors, validate};

/// A validated method variant («вариант технологии»), immutable once built.
#[derive(Debug, Clone)]
pub struct Variant {
    doc: VariantDoc,
    tz: Tz,
    /// step key → (stage index, step index)
    steps: HashMap<String, (usize, usize)>,
    stages: HashMap<String, usize>,
}

impl PartialEq for Variant {
    fn eq(&self, other: &Self) -> bool {
        self.doc == other.doc
    }
}

fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn parse_error(path: String, message: String) -> ValidationErrors {
    let path = if path == "." { String::new() } else { path };
    ValidationErrors(vec![ValidationError { path, message }])
}

impl Variant {
    /// Parses and validates a TOML document (the format of presets and of `kurator variant check`).
    pub fn from_toml_str(src: &str) -> Result<Variant, ValidationErrors> {
        let de = toml::Deserializer::parse(src).map_err(|e| {
            let at = e.span().map(|s| line_col(src, s.start));
            let msg = match at {
                Some((l, c)) => {
                    format!("TOML syntax error at line {l}, column {c}: {}", e.message())
                }
                None => format!("TOML syntax error: {}", e.message()),
            };
            parse_error(String::new(), msg)
        })?;
        let doc: VariantDoc = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let msg = match inner.span().map(|s| line_col(src, s.start)) {
                Some((l, c)) => format!("{} (line {l}, column {c})", inner.message()),
                None => inner.message().to_string(),
            };
            parse_error(path, msg)
        })?;
        Variant::from_doc(doc)
    }

    /// Parses and validates a JSON document (the API format).
    pub fn from_json_str(src: &str) -> Result<Variant, ValidationErrors> {
        let mut de = serde_json::Deserializer::from_str(src);
        let doc: VariantDoc = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            parse_error(path, e.into_inner().to_string())
        })?;
        Variant::from_doc(doc)
    }

    /// Validates an already parsed document.
    pub fn from_doc(doc: VariantDoc) -> Result<Variant, ValidationErrors> {
        let errors = validate(&doc);
        if !errors.is_empty() {
            return Err(ValidationErrors(errors));
        }
        let tz: Tz = doc.time_zone.parse().map_err(|_| {
            parse_error(
                "time_zone".into(),
                format!("unknown time zone \"{}\"", doc.time_zone),
            )
        })?;
        let mut steps = HashMap::new();
        let mut stages = HashMap::new();
        for (i, st) in doc.stages.iter().enumerate() {
            stages.insert(st.key.clone(), i);
            for (j, step) in st.steps.iter().enumerate() {
                steps.insert(step.key.clone(), (i, j));
            }
        }
        Ok(Variant {
            doc,
            tz,
            steps,
            stages,
        })
    }

    /// The document as served over the API (JSON, the same schema as TOML).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// The document as TOML.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(&self.doc)
    }

    pub fn doc(&self) -> &VariantDoc {
        &self.doc
    }
    pub fn key(&self) -> &str {
        &self.doc.key
    }
    pub fn version(&self) -> u32 {
        self.doc.version
    }
    pub fn name(&self) -> &Text {
        &self.doc.name
    }
    pub fn time_zone(&self) -> Tz {
        self.tz
    }
    /// The production-calendar region (`ru`, `kz`).
    pub fn calendar_region(&self) -> &str {
        &self.doc.calendar
    }
    pub fn stages(&self) -> &[Stage] {
        &self.doc.stages
    }
    pub fn stage(&self, key: &str) -> Option<&Stage> {
        self.stages.get(key).map(|&i| &self.doc.stages[i])
    }
    pub fn stage_index(&self, key: &str) -> Option<usize> {
        self.stages.get(key).copied()
    }
    /// A step and the stage it belongs to.
    pub fn step(&self, key: &str) -> Option<(&Stage, &Step)> {
        self.steps
            .get(key)
            .map(|&(i, j)| (&self.doc.stages[i], &self.doc.stages[i].steps[j]))
    }
    /// Every step, in document order, with its stage.
    pub fn all_steps(&self) -> impl Iterator<Item = (&Stage, &Step)> {
        self.doc
            .stages
            .iter()
            .flat_map(|st| st.steps.iter().map(move |s| (st, s)))
    }
    pub fn decision(&self, key: &str) -> Option<&DecisionDef> {
        self.doc.decisions.iter().find(|d| d.key == key)
    }
    pub fn role(&self, key: &str) -> Option<&Role> {
        self.doc.roles.iter().find(|r| r.key == key)
    }
    /// The artefacts that are the plan (kind `plan`): a recorded plan revision provides them.
    pub fn plan_artefacts(&self) -> impl Iterator<Item = &str> {
        self.doc()
            .artefacts
            .iter()
            .filter(|a| a.kind == crate::schema::ArtefactKind::Plan)
            .map(|a| a.key.as_str())
    }

    /// The first stage in which a step draws up the plan (produces a plan artefact): a plan can
    /// be recorded from this stage on. `None` when no step produces one.
    pub fn plan_stage(&self) -> Option<&Stage> {
        let plans: Vec<&str> = self.plan_artefacts().collect();
        self.stages().iter().find(|stage| {
            stage
                .steps
                .iter()
                .any(|step| step.produces.iter().any(|p| plans.contains(&p.as_str())))
        })
    }

    pub fn artefact(&self, key: &str) -> Option<&Artefact> {
        self.doc.artefacts.iter().find(|a| a.key == key)
    }
    pub fn score_table(&self, key: &str) -> Option<&ScoreTable> {
        self.doc.scoring.iter().find(|t| t.key == key)
    }
    pub fn classification(&self, key: &str) -> Option<&Classification> {
        self.doc.classifications.iter().find(|c| c.key == key)
    }
    pub fn recurring(&self, key: &str) -> Option<&Recurring> {
        self.doc.recurring.iter().find(|r| r.key == key)
    }
    pub fn caseload(&self) -> Option<&CaseloadPolicy> {
        self.doc.caseload.as_ref()
    }
    /// The events an attribute change records (see [`EventDef::on_attribute`]): those whose
    /// attribute went from its value in `before` to a listed value in `after`.
    pub fn attribute_events(
        &self,
        before: &std::collections::BTreeMap<String, String>,
        after: &std::collections::BTreeMap<String, String>,
    ) -> Vec<&str> {
        self.doc
            .events
            .iter()
            .filter(|e| {
                e.on_attribute.as_ref().is_some_and(|c| {
                    c.matches(
                        before.get(&c.attribute).map(String::as_str),
                        after.get(&c.attribute).map(String::as_str),
                    )
                })
            })
            .map(|e| e.key.as_str())
            .collect()
    }
    /// Steps that carry a deadline.
    pub fn deadlines(&self) -> impl Iterator<Item = (&Stage, &Step, &Deadline)> {
        self.all_steps()
            .filter_map(|(st, s)| s.deadline.as_ref().map(|d| (st, s, d)))
    }
    /// A short human summary, as printed by `kurator variant check`.
    pub fn summary(&self) -> String {
        let d = &self.doc;
        let steps: usize = d.stages.iter().map(|s| s.steps.len()).sum();
        let mut out = format!(
            "variant \"{}\" version {} — {}\n  time zone {}, calendar \"{}\"\n  {} stages, {} steps, {} transitions, {} roles, {} events\n  {} deadlines, {} recurring obligations, {} decision procedures\n  {} score tables, {} classifications, {} artefacts, {} journals, {} outcomes\n",
            d.key,
            d.version,
            d.name.ru,
            d.time_zone,
            d.calendar,
            d.stages.len(),
            steps,
            d.transitions.len(),
            d.roles.len(),
            d.events.len(),
            self.deadlines().count(),
            d.recurring.len(),
            d.decisions.len(),
            d.scoring.len(),
            d.classifications.len(),
            d.artefacts.len(),
            d.journals.len(),
            d.outcomes.len(),
        );
        out.push_str("  stages: ");
        out.push_str(
            &d.stages
                .iter()
                .map(|s| format!("{} ({})", s.key, s.phase.as_deref().unwrap_or("?")))
                .collect::<Vec<_>>()
                .join(" → "),
        );
        out.push('\n');
        if let Some(c) = &d.caseload {
            let bounds = match (c.min_total, c.max_total) {
                (Some(a), Some(b)) => format!("{a}–{b}"),
                (None, Some(b)) => format!("≤ {b}"),
                (Some(a), None) => format!("≥ {a}"),
                (None, None) => "no total bound".into(),
            };
            out.push_str(&format!("  caseload: {bounds}"));
            if let Some(o) = c.optimum {
                out.push_str(&format!(", optimum {o}"));
            }
            if let Some(p) = c.post_support_allowance {
                out.push_str(&format!(", + {p} in post-support"));
            }
            if let Some(cats) = &c.categories {
                out.push_str(&format!(
                    ", {} caps by \"{}\" ({:?})",
                    cats.caps.len(),
                    cats.classification,
                    cats.mode
                ));
            }
            out.push('\n');
        }
        out
    }
}

//! Whether a change between two versions is safe or breaking for the cases already open under
//! the older one («безопасное» / «ломающее» изменение). Breaking: a stage or step removed, a
//! deadline shortened or added, a required field, artefact or consent added, a step made
//! mandatory, a caseload cap lowered, a decision rule or transition changed. Safe: labels and
//! sources, optional steps, lengthened deadlines, added options. What this module cannot tell is
//! breaking — an administrator should rather look once too often.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Change, diff};
use crate::Variant;

/// What a change means for open cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    Safe,
    Breaking,
}

/// A change with its impact and why (`stage_removed`, `deadline_lengthened`, `label`…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassedChange {
    pub change: Change,
    pub impact: Impact,
    /// Stable snake_case reason.
    pub reason: &'static str,
}

impl ClassedChange {
    pub fn path(&self) -> &str {
        path_of(&self.change)
    }
}

/// The diff from `old` to `new`, each change classed for open cases.
pub fn classified_diff(old: &Variant, new: &Variant) -> Vec<ClassedChange> {
    let a = serde_json::to_value(old.doc()).unwrap_or(Value::Null);
    let b = serde_json::to_value(new.doc()).unwrap_or(Value::Null);
    diff(old, new)
        .into_iter()
        .map(|change| {
            let path = path_of(&change);
            let (impact, reason) = classify(path, &change, lookup(&a, path), lookup(&b, path));
            ClassedChange {
                change,
                impact,
                reason,
            }
        })
        .collect()
}

fn path_of(change: &Change) -> &str {
    match change {
        Change::Added { path, .. }
        | Change::Removed { path, .. }
        | Change::Changed { path, .. } => path,
    }
}

/// The value at a diff path (`stages[first_visit].steps[visit_family].deadline`): a name is a
/// field, `[x]` an item by key (or by index when the items have no key).
fn lookup<'v>(root: &'v Value, path: &str) -> Option<&'v Value> {
    let mut current = root;
    for segment in path.split('.') {
        let (field, mut rest) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        if !field.is_empty() {
            current = current.get(field)?;
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let end = stripped.find(']')?;
            let index = &stripped[..end];
            rest = &stripped[end + 1..];
            let items = current.as_array()?;
            current = items
                .iter()
                .find(|item| item.get("key").and_then(Value::as_str) == Some(index))
                .or_else(|| index.parse::<usize>().ok().and_then(|i| items.get(i)))?;
        }
    }
    Some(current)
}

/// The last field name of a path (`deadline` in `stages[a].steps[b].deadline`).
fn last_field(path: &str) -> &str {
    let tail = path.rsplit('.').next().unwrap_or(path);
    tail.split('[').next().unwrap_or(tail)
}

/// Whether the path names one item of `container` (`stages[x]`).
fn is_item(path: &str, container: &str) -> bool {
    path.rsplit('.').next().is_some_and(|tail| {
        tail.strip_prefix(container).is_some_and(|rest| {
            rest.starts_with('[') && rest.ends_with(']') && !rest[1..].contains('[')
        })
    })
}

fn number(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// A length compared: longer (or newly bounded by a part added) is safe, shorter breaking.
fn length(
    old: Option<&Value>,
    new: Option<&Value>,
    safe: &'static str,
    breaking: &'static str,
) -> (Impact, &'static str) {
    match (number(old), number(new)) {
        (Some(a), Some(b)) if b >= a => (Impact::Safe, safe),
        (None, Some(_)) => (Impact::Safe, safe),
        _ => (Impact::Breaking, breaking),
    }
}

fn classify(
    path: &str,
    change: &Change,
    old: Option<&Value>,
    new: Option<&Value>,
) -> (Impact, &'static str) {
    use Impact::{Breaking, Safe};
    let field = last_field(path);
    let under = |part: &str| path.contains(part);
    // Labels, sources and references to documents never touch a case's data.
    if under(".name.") || field == "name" || matches!(field, "source" | "appendix" | "organisation")
    {
        return (Safe, "label");
    }
    if path == "version" {
        return (Safe, "version");
    }
    let added = matches!(change, Change::Added { .. });
    let removed = matches!(change, Change::Removed { .. });
    if is_item(path, "stages") {
        return if removed {
            (Breaking, "stage_removed")
        } else {
            (Safe, "stage_added")
        };
    }
    if is_item(path, "steps") {
        if removed {
            return (Breaking, "step_removed");
        }
        let optional = new
            .and_then(|s| s.get("optional"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        return if optional {
            (Safe, "optional_step_added")
        } else {
            (Breaking, "required_step_added")
        };
    }
    if field == "optional" {
        // Serialised only when true: added means the step became optional.
        return if added {
            (Safe, "step_made_optional")
        } else {
            (Breaking, "step_made_required")
        };
    }
    if field == "deadline" {
        return if removed {
            (Safe, "deadline_removed")
        } else if added {
            (Breaking, "deadline_added")
        } else {
            (Breaking, "deadline_changed")
        };
    }
    if under(".deadline.within.") {
        return length(old, new, "deadline_lengthened", "deadline_shortened");
    }
    if under(".deadline.") {
        return (Breaking, "deadline_changed");
    }
    if under("duration.max") {
        return length(old, new, "deadline_lengthened", "deadline_shortened");
    }
    if matches!(
        field,
        "requires_artefacts" | "requires_consents" | "requires_owners"
    ) {
        let before = strings(old);
        let grows = strings(new).iter().any(|item| !before.contains(item));
        return if grows {
            (Breaking, "requirement_added")
        } else {
            (Safe, "requirement_removed")
        };
    }
    if field == "requires_decision" || under(".requires_decision.") {
        return (Breaking, "decision_rule_changed");
    }
    if field == "required" {
        return if new.and_then(Value::as_bool) == Some(true) {
            (Breaking, "requirement_added")
        } else {
            (Safe, "requirement_removed")
        };
    }
    if is_item(path, "fields") {
        let required = new
            .and_then(|f| f.get("required"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        return match (removed, required) {
            (true, _) => (Breaking, "field_removed"),
            (false, true) => (Breaking, "requirement_added"),
            (false, false) => (Safe, "optional_field_added"),
        };
    }
    if path.starts_with("caseload") {
        return match (number(old), number(new)) {
            (Some(a), Some(b)) if b >= a => (Safe, "cap_raised"),
            (Some(_), Some(_)) => (Breaking, "cap_lowered"),
            (Some(_), None) if removed => (Safe, "cap_removed"),
            _ => (Breaking, "caseload_rule_changed"),
        };
    }
    if path.starts_with("transitions") && added {
        return (Safe, "transition_added");
    }
    if path.starts_with("decisions") || path.starts_with("transitions") {
        return (Breaking, "decision_rule_changed");
    }
    if is_item(path, "values") || is_item(path, "options") {
        return if removed {
            (Breaking, "option_removed")
        } else {
            (Safe, "option_added")
        };
    }
    match change {
        Change::Added { .. } => (Safe, "added"),
        Change::Removed { .. } => (Breaking, "removed"),
        Change::Changed { .. } => (Breaking, "changed"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::presets;
    use crate::schema::{Step, VariantDoc};

    fn edited(preset: &str, edit: impl FnOnce(&mut VariantDoc)) -> (Variant, Variant) {
        let old = presets::load(preset).unwrap();
        let mut doc = old.doc().clone();
        edit(&mut doc);
        doc.version += 1;
        (old, Variant::from_doc(doc).unwrap())
    }

    fn classed(old: &Variant, new: &Variant) -> Vec<(String, Impact, &'static str)> {
        classified_diff(old, new)
            .into_iter()
            .filter(|c| c.reason != "version")
            .map(|c| (c.path().to_owned(), c.impact, c.reason))
            .collect()
    }

    fn step<'d>(doc: &'d mut VariantDoc, key: &str) -> &'d mut Step {
        doc.stages
            .iter_mut()
            .flat_map(|s| s.steps.iter_mut())
            .find(|s| s.key == key)
            .unwrap()
    }

    fn set_days(doc: &mut VariantDoc, days: u32) {
        if let Some(deadline) = step(doc, "inform_working_group").deadline.as_mut() {
            deadline.within.working_days = days;
        }
    }

    #[test]
    fn the_state_centres_five_working_days_lengthened_to_seven_is_safe() {
        // seed 003 §3.1: inform the working group within 5 working days.
        let (old, new) = edited("state_centre", |doc| set_days(doc, 7));
        assert_eq!(
            classed(&old, &new),
            vec![(
                "stages[diagnostic].steps[inform_working_group].deadline.within.working_days"
                    .to_owned(),
                Impact::Safe,
                "deadline_lengthened"
            )]
        );
    }

    #[test]
    fn a_shortened_deadline_is_breaking() {
        let (old, new) = edited("state_centre", |doc| set_days(doc, 3));
        let changes = classed(&old, &new);
        assert_eq!(changes.len(), 1);
        assert_eq!(
            (changes[0].1, changes[0].2),
            (Impact::Breaking, "deadline_shortened")
        );
    }

    #[test]
    fn a_renamed_step_is_safe() {
        let (old, new) = edited("clinic", |doc| {
            doc.stages[0].steps[0].name.ru = "Новое название".into();
        });
        let changes = classed(&old, &new);
        assert_eq!(changes.len(), 1);
        assert_eq!((changes[0].1, changes[0].2), (Impact::Safe, "label"));
    }

    #[test]
    fn a_removed_stage_or_step_is_breaking() {
        for (path, reason) in [
            ("stages[follow_up]", "stage_removed"),
            ("stages[a].steps[b]", "step_removed"),
        ] {
            let change = Change::Removed {
                path: path.into(),
                value: String::new(),
            };
            assert_eq!(
                classify(path, &change, None, None),
                (Impact::Breaking, reason)
            );
        }
    }

    #[test]
    fn a_lowered_cap_is_breaking_and_an_added_option_safe() {
        let lowered = Change::Changed {
            path: "caseload.max_total".into(),
            from: "15".into(),
            to: "12".into(),
        };
        let (from, to) = (Value::from(15), Value::from(12));
        assert_eq!(
            classify("caseload.max_total", &lowered, Some(&from), Some(&to)),
            (Impact::Breaking, "cap_lowered")
        );
        let option = Change::Added {
            path: "attributes[case_type].values[respite]".into(),
            value: String::new(),
        };
        assert_eq!(
            classify("attributes[case_type].values[respite]", &option, None, None),
            (Impact::Safe, "option_added")
        );
    }

    #[test]
    fn an_optional_step_in_plan_development_is_safe_and_a_new_required_artefact_breaking() {
        let (old, new) = edited("fund", |doc| {
            if let Some(stage) = doc.stages.iter_mut().find(|s| s.key == "plan_development") {
                let mut extra = stage.steps[0].clone();
                extra.key = "family_meeting".into();
                extra.optional = true;
                extra.produces.clear();
                stage.steps.push(extra);
            }
            step(doc, "draw_up_plan")
                .requires_artefacts
                .push("charity_application".into());
        });
        let changes = classed(&old, &new);
        assert!(
            changes.contains(&(
                "stages[plan_development].steps[family_meeting]".to_owned(),
                Impact::Safe,
                "optional_step_added"
            )),
            "{changes:?}"
        );
        assert!(
            changes
                .iter()
                .any(|c| c.1 == Impact::Breaking && c.2 == "requirement_added"),
            "{changes:?}"
        );
    }
}

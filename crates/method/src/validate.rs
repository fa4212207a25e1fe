//! Validation of a parsed variant document: collects every problem at once, each with the path
//! of the offending field (`stages[3].steps[1].deadline.after`) and what was expected.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::Serialize;

use crate::schema::*;
use crate::vocabulary::{self, JournalKind, Outcome, Phase, RiskBand};

/// One problem in a variant document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationError {
    /// Path of the bad field, e.g. `stages[3].steps[1].deadline.after`; empty for the document.
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl std::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Every problem found in a variant document; never empty when returned as an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{} problem(s) in the variant:\n{}", .0.len(), render(.0))]
pub struct ValidationErrors(pub Vec<ValidationError>);

fn render(errors: &[ValidationError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl ValidationErrors {
    pub fn iter(&self) -> impl Iterator<Item = &ValidationError> {
        self.0.iter()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Whether some error is reported at exactly this path.
    pub fn has_path(&self, path: &str) -> bool {
        self.0.iter().any(|e| e.path == path)
    }
}

struct Sink(Vec<ValidationError>);

impl Sink {
    fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(ValidationError {
            path: path.into(),
            message: message.into(),
        });
    }
}

fn quoted_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let v: Vec<String> = items.into_iter().map(|s| format!("\"{s}\"")).collect();
    if v.is_empty() {
        "(none declared)".to_string()
    } else {
        v.join(", ")
    }
}

fn check_key(sink: &mut Sink, path: &str, key: &str) {
    let ok = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && key.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    if !ok {
        let at = if path.is_empty() {
            "key".to_string()
        } else {
            format!("{path}.key")
        };
        sink.err(
            at,
            format!(
                "\"{key}\" is not a valid key: expected snake_case ASCII starting with a letter"
            ),
        );
    }
}

fn check_text(sink: &mut Sink, path: &str, t: &Text) {
    if t.ru.trim().is_empty() {
        sink.err(
            format!("{path}.ru"),
            "empty Russian label: every label needs Russian text",
        );
    }
}

fn unique<'a>(sink: &mut Sink, what: &str, items: impl IntoIterator<Item = (String, &'a str)>) {
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    for (path, key) in items {
        if let Some(first) = seen.get(key) {
            sink.err(
                format!("{path}.key"),
                format!("duplicate {what} \"{key}\" (first at {first})"),
            );
        } else {
            seen.insert(key, path);
        }
    }
}

/// Names known to the document, used to check references.
struct Known<'a> {
    roles: BTreeSet<&'a str>,
    events: BTreeSet<&'a str>,
    contacts: BTreeSet<&'a str>,
    artefacts: BTreeMap<&'a str, ArtefactKind>,
    journals: BTreeSet<&'a str>,
    stages: BTreeSet<&'a str>,
    decisions: BTreeMap<&'a str, &'a DecisionDef>,
    /// attribute-like names (attributes, classifications, score tables) → allowed values
    attributes: BTreeMap<&'a str, Vec<&'a str>>,
    outcomes: BTreeSet<&'a str>,
}

impl<'a> Known<'a> {
    fn of(doc: &'a VariantDoc) -> Self {
        let mut attributes: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for a in &doc.attributes {
            attributes.insert(&a.key, a.values.iter().map(|v| v.key.as_str()).collect());
        }
        for c in &doc.classifications {
            attributes.insert(&c.key, c.values.iter().map(|v| v.key.as_str()).collect());
        }
        for t in &doc.scoring {
            attributes.insert(&t.key, t.bands.iter().map(|b| b.key.as_str()).collect());
        }
        let mut events: BTreeSet<&str> = doc.events.iter().map(|e| e.key.as_str()).collect();
        events.extend(BUILTIN_EVENTS);
        Known {
            roles: doc.roles.iter().map(|r| r.key.as_str()).collect(),
            events,
            contacts: doc.contact_kinds.iter().map(|c| c.key.as_str()).collect(),
            artefacts: doc
                .artefacts
                .iter()
                .map(|a| (a.key.as_str(), a.kind))
                .collect(),
            journals: doc.journals.iter().map(|j| j.key.as_str()).collect(),
            stages: doc.stages.iter().map(|s| s.key.as_str()).collect(),
            decisions: doc.decisions.iter().map(|d| (d.key.as_str(), d)).collect(),
            attributes,
            outcomes: doc.outcomes.iter().map(|o| o.key.as_str()).collect(),
        }
    }

    fn role(&self, sink: &mut Sink, path: String, role: &str) {
        if !self.roles.contains(role) {
            sink.err(
                path,
                format!(
                    "unknown role \"{role}\": expected one of {}",
                    quoted_list(self.roles.iter().copied())
                ),
            );
        }
    }
    fn event(&self, sink: &mut Sink, path: String, event: &str) {
        if !self.events.contains(event) {
            sink.err(
                path,
                format!(
                    "unknown event \"{event}\": expected a declared event or one of {}",
                    quoted_list(BUILTIN_EVENTS)
                ),
            );
        }
    }
    fn artefact(&self, sink: &mut Sink, path: String, key: &str) {
        if !self.artefacts.contains_key(key) {
            sink.err(
                path,
                format!("unknown artefact \"{key}\": expected one of the declared artefacts"),
            );
        }
    }
    fn consent(&self, sink: &mut Sink, path: String, key: &str) {
        match self.artefacts.get(key) {
            None => sink.err(path, format!("unknown consent \"{key}\": expected an artefact of kind \"consent\"")),
            Some(ArtefactKind::Consent) => {}
            Some(other) => sink.err(path, format!("artefact \"{key}\" is a {other:?}, not a consent: expected an artefact of kind \"consent\"")),
        }
    }
    fn journal_or_artefact(&self, sink: &mut Sink, path: String, key: &str) {
        if !self.journals.contains(key) && !self.artefacts.contains_key(key) {
            sink.err(path, format!("unknown journal or artefact \"{key}\""));
        }
    }
    fn stage(&self, sink: &mut Sink, path: String, key: &str) {
        if !self.stages.contains(key) {
            sink.err(
                path,
                format!(
                    "unknown stage \"{key}\": expected one of {}",
                    quoted_list(self.stages.iter().copied())
                ),
            );
        }
    }
    fn decision_req(&self, sink: &mut Sink, path: &str, req: &DecisionRequirement) {
        match self.decisions.get(req.decision.as_str()) {
            None => sink.err(
                format!("{path}.decision"),
                format!(
                    "unknown decision \"{}\": expected one of {}",
                    req.decision,
                    quoted_list(self.decisions.keys().copied())
                ),
            ),
            Some(d) => {
                if let Some(o) = &req.outcome
                    && !d.outcomes.iter().any(|x| x == o)
                {
                    sink.err(
                        format!("{path}.outcome"),
                        format!(
                            "decision \"{}\" has no outcome \"{o}\": expected one of {}",
                            d.key,
                            quoted_list(d.outcomes.iter().map(String::as_str))
                        ),
                    );
                }
            }
        }
    }
    fn condition(&self, sink: &mut Sink, path: &str, c: &Condition) {
        match self.attributes.get(c.attribute.as_str()) {
            None => sink.err(format!("{path}.attribute"), format!("unknown attribute \"{}\": expected a declared attribute, classification or score table", c.attribute)),
            Some(values) => {
                if c.any_of.is_empty() {
                    sink.err(format!("{path}.in"), "empty list: expected at least one value");
                }
                for (i, v) in c.any_of.iter().enumerate() {
                    if !values.contains(&v.as_str()) {
                        sink.err(format!("{path}.in[{i}]"), format!("\"{}\" has no value \"{v}\": expected one of {}", c.attribute, quoted_list(values.iter().copied())));
                    }
                }
            }
        }
    }
}

fn check_span(sink: &mut Sink, path: &str, s: &Span) {
    if s.is_zero() {
        sink.err(path, "empty span: expected at least one of years, months, weeks, calendar_days, working_days, hours");
    }
}

fn check_bounds(sink: &mut Sink, path: &str, b: &PeriodBounds) {
    if let Some(min) = &b.min {
        check_span(sink, &format!("{path}.min"), min);
    }
    if let Some(max) = &b.max {
        check_span(sink, &format!("{path}.max"), max);
    }
    match (&b.min, &b.max) {
        (Some(min), Some(max)) if min.approx_hours() > max.approx_hours() => {
            sink.err(
                format!("{path}.min"),
                format!("minimum {min} is longer than maximum {max}"),
            );
        }
        (None, None) => sink.err(path.to_string(), "expected min, max or both"),
        _ => {}
    }
}

/// Validates a parsed document. Returns every problem found.
pub fn validate(doc: &VariantDoc) -> Vec<ValidationError> {
    let mut sink = Sink(Vec::new());
    let s = &mut sink;
    let known = Known::of(doc);
    if let Some(event) = &doc.intake_event {
        known.event(s, "intake_event".to_string(), event);
    }

    check_key(s, "", &doc.key);
    if doc.version == 0 {
        s.err(
            "version",
            "version 0: expected a version number of 1 or more",
        );
    }
    check_text(s, "name", &doc.name);
    if doc.time_zone.parse::<chrono_tz::Tz>().is_err() {
        s.err("time_zone", format!("unknown time zone \"{}\": expected an IANA name such as \"Europe/Moscow\" or \"Asia/Almaty\"", doc.time_zone));
    }
    if !crate::calendar::REGIONS.contains(&doc.calendar.as_str()) {
        s.err(
            "calendar",
            format!(
                "unknown calendar region \"{}\": expected one of {}",
                doc.calendar,
                quoted_list(crate::calendar::REGIONS)
            ),
        );
    }
    if let Some(w) = &doc.reminder_window {
        check_span(s, "reminder_window", w);
    }
    if let Some(age) = &doc.subject_age {
        if age.min_years > age.max_years {
            s.err(
                "subject_age.min_years",
                format!(
                    "min_years {} is above max_years {}: no age would be accepted",
                    age.min_years, age.max_years
                ),
            );
        }
        if age.max_years > 150 {
            s.err(
                "subject_age.max_years",
                format!("{} years: expected an age in years", age.max_years),
            );
        }
        let f = &age.field;
        if f.is_empty()
            || !f.starts_with(|c: char| c.is_ascii_lowercase())
            || !f
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            s.err(
                "subject_age.field",
                format!("\"{f}\" is not a valid field key: expected snake_case ASCII, e.g. \"birth_date\""),
            );
        }
    }

    // declarations
    for (what, field, items) in [
        (
            "role",
            "roles",
            doc.roles
                .iter()
                .map(|r| (&r.key, &r.name))
                .collect::<Vec<_>>(),
        ),
        (
            "event",
            "events",
            doc.events.iter().map(|r| (&r.key, &r.name)).collect(),
        ),
        (
            "contact kind",
            "contact_kinds",
            doc.contact_kinds
                .iter()
                .map(|r| (&r.key, &r.name))
                .collect(),
        ),
        (
            "attribute",
            "attributes",
            doc.attributes.iter().map(|r| (&r.key, &r.name)).collect(),
        ),
        (
            "artefact",
            "artefacts",
            doc.artefacts.iter().map(|r| (&r.key, &r.name)).collect(),
        ),
        (
            "journal",
            "journals",
            doc.journals.iter().map(|r| (&r.key, &r.name)).collect(),
        ),
        (
            "decision",
            "decisions",
            doc.decisions.iter().map(|r| (&r.key, &r.name)).collect(),
        ),
        (
            "recurring obligation",
            "recurring",
            doc.recurring.iter().map(|r| (&r.key, &r.name)).collect(),
        ),
        (
            "outcome",
            "outcomes",
            doc.outcomes.iter().map(|r| (&r.key, &r.name)).collect(),
        ),
        (
            "indicator",
            "indicators",
            doc.indicators.iter().map(|r| (&r.key, &r.name)).collect(),
        ),
        (
            "scenario",
            "scenarios",
            doc.scenarios.iter().map(|r| (&r.key, &r.name)).collect(),
        ),
        (
            "monitoring kind",
            "monitoring_kinds",
            doc.monitoring_kinds
                .iter()
                .map(|r| (&r.key, &r.name))
                .collect(),
        ),
        (
            "quality-of-life domain",
            "quality_domains",
            doc.quality_domains
                .iter()
                .map(|r| (&r.key, &r.name))
                .collect(),
        ),
    ] {
        for (i, (key, name)) in items.iter().enumerate() {
            check_key(s, &format!("{field}[{i}]"), key);
            check_text(s, &format!("{field}[{i}].name"), name);
        }
        unique(
            s,
            what,
            items
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (format!("{field}[{i}]"), k.as_str())),
        );
    }
    for (i, e) in doc.events.iter().enumerate() {
        if let Some(change) = &e.on_attribute {
            let p = format!("events[{i}].on_attribute");
            if change.any_of.is_empty() {
                if !known.attributes.contains_key(change.attribute.as_str()) {
                    s.err(format!("{p}.attribute"), format!("unknown attribute \"{}\": expected a declared attribute, classification or score table", change.attribute));
                }
            } else {
                known.condition(
                    s,
                    &p,
                    &Condition {
                        attribute: change.attribute.clone(),
                        any_of: change.any_of.clone(),
                    },
                );
            }
        }
        if BUILTIN_EVENTS.contains(&e.key.as_str()) {
            s.err(
                format!("events[{i}].key"),
                format!("\"{}\" is a built-in event: remove the declaration", e.key),
            );
        }
    }
    for (i, a) in doc.attributes.iter().enumerate() {
        if a.values.is_empty() {
            s.err(
                format!("attributes[{i}].values"),
                "empty list: expected at least one value",
            );
        }
        unique(
            s,
            "attribute value",
            a.values
                .iter()
                .enumerate()
                .map(|(j, v)| (format!("attributes[{i}].values[{j}]"), v.key.as_str())),
        );
    }
    for (i, a) in doc.artefacts.iter().enumerate() {
        unique(
            s,
            "section",
            a.sections
                .iter()
                .enumerate()
                .map(|(j, v)| (format!("artefacts[{i}].sections[{j}]"), v.key.as_str())),
        );
        for (j, sec) in a.sections.iter().enumerate() {
            check_text(s, &format!("artefacts[{i}].sections[{j}].name"), &sec.name);
            unique(
                s,
                "field",
                sec.fields.iter().enumerate().map(|(k, f)| {
                    (
                        format!("artefacts[{i}].sections[{j}].fields[{k}]"),
                        f.key.as_str(),
                    )
                }),
            );
        }
    }
    // attribute-like names must not collide
    {
        let mut names: Vec<(String, &str)> = Vec::new();
        names.extend(
            doc.attributes
                .iter()
                .enumerate()
                .map(|(i, a)| (format!("attributes[{i}]"), a.key.as_str())),
        );
        names.extend(
            doc.classifications
                .iter()
                .enumerate()
                .map(|(i, a)| (format!("classifications[{i}]"), a.key.as_str())),
        );
        names.extend(
            doc.scoring
                .iter()
                .enumerate()
                .map(|(i, a)| (format!("scoring[{i}]"), a.key.as_str())),
        );
        unique(s, "attribute, classification or score table", names);
    }

    // stages and steps
    if doc.stages.is_empty() {
        s.err("stages", "no stages: expected at least one stage");
    }
    unique(
        s,
        "stage",
        doc.stages
            .iter()
            .enumerate()
            .map(|(i, st)| (format!("stages[{i}]"), st.key.as_str())),
    );
    let opening: Vec<usize> = (0..doc.stages.len())
        .filter(|&i| doc.stages[i].opens_case)
        .collect();
    if let [_, extra @ ..] = opening.as_slice() {
        for i in extra {
            s.err(
                format!("stages[{i}].opens_case"),
                "only one stage may open the case: the case opens once",
            );
        }
    }
    let mut all_steps: Vec<(String, &str)> = Vec::new();
    for (i, st) in doc.stages.iter().enumerate() {
        let sp = format!("stages[{i}]");
        check_key(s, &sp, &st.key);
        check_text(s, &format!("{sp}.name"), &st.name);
        match &st.phase {
            None => s.err(
                format!("{sp}.phase"),
                format!(
                    "missing canonical phase: every stage must map onto one of {}",
                    Phase::expected()
                ),
            ),
            Some(p) if Phase::parse(p).is_none() => s.err(
                format!("{sp}.phase"),
                format!(
                    "unknown phase \"{p}\": expected one of {}",
                    Phase::expected()
                ),
            ),
            _ => {}
        }
        if let Some(d) = &st.duration {
            check_bounds(s, &format!("{sp}.duration"), d);
        }
        let step_keys: BTreeSet<&str> = st.steps.iter().map(|x| x.key.as_str()).collect();
        for (j, step) in st.steps.iter().enumerate() {
            let p = format!("{sp}.steps[{j}]");
            all_steps.push((p.clone(), step.key.as_str()));
            check_key(s, &p, &step.key);
            check_text(s, &format!("{p}.name"), &step.name);
            for (k, r) in step.roles.iter().enumerate() {
                known.role(s, format!("{p}.roles[{k}]"), r);
            }
            for (k, a) in step.after.iter().enumerate() {
                if !step_keys.contains(a.as_str()) {
                    s.err(
                        format!("{p}.after[{k}]"),
                        format!(
                            "unknown step \"{a}\": expected a step of stage \"{}\"",
                            st.key
                        ),
                    );
                } else if a == &step.key {
                    s.err(format!("{p}.after[{k}]"), "a step cannot come after itself");
                }
            }
            for (k, a) in step.requires_artefacts.iter().enumerate() {
                known.artefact(s, format!("{p}.requires_artefacts[{k}]"), a);
            }
            for (k, a) in step.requires_consents.iter().enumerate() {
                known.consent(s, format!("{p}.requires_consents[{k}]"), a);
            }
            for (k, a) in step.produces.iter().enumerate() {
                known.artefact(s, format!("{p}.produces[{k}]"), a);
            }
            if let Some(r) = &step.requires_decision {
                known.decision_req(s, &format!("{p}.requires_decision"), r);
            }
            if let Some(e) = &step.completes {
                known.event(s, format!("{p}.completes"), e);
            }
            if let Some(jn) = &step.journal
                && !known.journals.contains(jn.as_str())
            {
                s.err(
                    format!("{p}.journal"),
                    format!(
                        "unknown journal \"{jn}\": expected one of {}",
                        quoted_list(known.journals.iter().copied())
                    ),
                );
            }
            if let Some(c) = &step.when {
                known.condition(s, &format!("{p}.when"), c);
            }
            if let Some(d) = &step.deadline {
                known.event(s, format!("{p}.deadline.after"), &d.after);
                check_span(s, &format!("{p}.deadline.within"), &d.within);
                if step.completes.is_none() {
                    s.err(format!("{p}.completes"), "a step with a deadline needs the event that completes it (completes = \"...\")");
                }
                if step.completes.as_deref() == Some(d.after.as_str()) {
                    s.err(format!("{p}.deadline.after"), format!("the deadline counts from \"{}\", the very event that completes the step", d.after));
                }
            }
        }
    }
    unique(s, "step", all_steps);

    // transitions and reachability
    for (i, t) in doc.transitions.iter().enumerate() {
        let p = format!("transitions[{i}]");
        known.stage(s, format!("{p}.from"), &t.from);
        known.stage(s, format!("{p}.to"), &t.to);
        for (k, r) in t.roles.iter().enumerate() {
            known.role(s, format!("{p}.roles[{k}]"), r);
        }
        if let Some(r) = &t.requires_decision {
            known.decision_req(s, &format!("{p}.requires_decision"), r);
        }
        for (k, a) in t.requires_artefacts.iter().enumerate() {
            known.artefact(s, format!("{p}.requires_artefacts[{k}]"), a);
        }
        for (k, a) in t.requires_consents.iter().enumerate() {
            known.consent(s, format!("{p}.requires_consents[{k}]"), a);
        }
        if let Some(c) = &t.when {
            known.condition(s, &format!("{p}.when"), c);
        }
        let target_phase = doc
            .stages
            .iter()
            .find(|st| st.key == t.to)
            .and_then(|st| st.phase.as_deref())
            .and_then(Phase::parse);
        match t.kind {
            TransitionKind::Closing
                if !matches!(target_phase, Some(Phase::Closure | Phase::PostSupport)) =>
            {
                s.err(
                    format!("{p}.to"),
                    format!(
                        "a closing transition ends in a closure or post-support stage, not \"{}\"",
                        t.to
                    ),
                );
            }
            TransitionKind::Refusal if target_phase != Some(Phase::Closure) => {
                s.err(
                    format!("{p}.to"),
                    format!(
                        "a refusal transition ends in a closure stage, not \"{}\"",
                        t.to
                    ),
                );
            }
            _ => {}
        }
        if let Some(ground) = &t.ground {
            if t.kind != TransitionKind::Closing {
                s.err(
                    format!("{p}.ground"),
                    "only a closing transition (kind = \"closing\") has a ground",
                );
            }
            let alternatives: Vec<&str> = doc
                .closure
                .iter()
                .flat_map(|c| c.alternatives.iter().map(|a| a.key.as_str()))
                .collect();
            if !alternatives.contains(&ground.as_str()) {
                s.err(
                    format!("{p}.ground"),
                    format!(
                        "unknown closure ground \"{ground}\": expected one of {}",
                        quoted_list(alternatives)
                    ),
                );
            }
        }
    }
    if let Some(first) = doc.stages.first() {
        let mut reached: HashSet<&str> = HashSet::from([first.key.as_str()]);
        let mut frontier = vec![first.key.as_str()];
        while let Some(cur) = frontier.pop() {
            for t in doc.transitions.iter().filter(|t| t.from == cur) {
                if reached.insert(t.to.as_str()) {
                    frontier.push(t.to.as_str());
                }
            }
        }
        for (i, st) in doc.stages.iter().enumerate().skip(1) {
            if !reached.contains(st.key.as_str()) {
                s.err(format!("stages[{i}]"), format!("stage \"{}\" is unreachable: no chain of transitions leads to it from the first stage \"{}\"", st.key, first.key));
            }
        }
        let last = doc.stages.len() - 1;
        for (i, st) in doc.stages.iter().enumerate() {
            if i != last
                && !doc.transitions.iter().any(|t| t.from == st.key)
                && doc.stages.len() > 1
            {
                let is_terminal_phase = matches!(
                    st.phase.as_deref().and_then(Phase::parse),
                    Some(Phase::Closure | Phase::PostSupport)
                );
                if !is_terminal_phase {
                    s.err(format!("stages[{i}]"), format!("stage \"{}\" is a dead end: expected a transition out of it (only closure or post-support stages may end a case)", st.key));
                }
            }
        }
    }

    // decisions
    for (i, d) in doc.decisions.iter().enumerate() {
        let p = format!("decisions[{i}]");
        if d.deciders.is_empty() {
            s.err(
                format!("{p}.deciders"),
                "empty list: expected at least one role",
            );
        }
        for (k, r) in d.deciders.iter().enumerate() {
            known.role(s, format!("{p}.deciders[{k}]"), r);
        }
        for (k, r) in d.escalation.iter().enumerate() {
            known.role(s, format!("{p}.escalation[{k}]"), r);
        }
        for (k, r) in d.required_participants.iter().enumerate() {
            known.role(s, format!("{p}.required_participants[{k}]"), r);
        }
        for (k, r) in d.recorded_in.iter().enumerate() {
            known.journal_or_artefact(s, format!("{p}.recorded_in[{k}]"), r);
        }
        if d.outcomes.is_empty() {
            s.err(
                format!("{p}.outcomes"),
                "empty list: expected the possible outcomes, e.g. [\"accept\", \"refuse\"]",
            );
        }
        if d.procedure != Procedure::Conference {
            if d.min_organisations.is_some() {
                s.err(
                    format!("{p}.min_organisations"),
                    "only a conference has participants from other organisations: use procedure = \"conference\"",
                );
            }
            if d.minutes_to_participants {
                s.err(
                    format!("{p}.minutes_to_participants"),
                    "only a conference has participants to send its minutes to: use procedure = \"conference\"",
                );
            }
        }
        match d.procedure {
            Procedure::Single if d.deciders.len() > 1 => {
                s.err(
                    format!("{p}.deciders"),
                    format!(
                        "a single-decider procedure names exactly one role, found {}",
                        d.deciders.len()
                    ),
                );
            }
            Procedure::TeamVote if d.deciders.len() < 2 => {
                s.err(
                    format!("{p}.deciders"),
                    "a team vote needs at least two voting roles",
                );
            }
            Procedure::Single | Procedure::Conference if !d.escalation.is_empty() => {
                s.err(format!("{p}.escalation"), "only a team vote escalates: remove the escalation chain or use procedure = \"team_vote\"");
            }
            _ => {}
        }
    }

    for (i, j) in doc.journals.iter().enumerate() {
        if let Some(c) = &j.canonical
            && JournalKind::parse(c).is_none()
        {
            s.err(
                format!("journals[{i}].canonical"),
                format!(
                    "unknown canonical journal \"{c}\": expected one of {}",
                    JournalKind::expected()
                ),
            );
        }
    }
    for (i, j) in doc.journals.iter().enumerate() {
        if let Some(c) = &j.canonical
            && let Some(first) = doc.journals[..i]
                .iter()
                .position(|x| x.canonical.as_ref() == Some(c))
        {
            s.err(
                format!("journals[{i}].canonical"),
                format!("\"{c}\" is already the canonical kind of journals[{first}]"),
            );
        }
    }
    for (i, d) in doc.decisions.iter().enumerate() {
        for (k, end) in d.ends_case.iter().enumerate() {
            let p = format!("decisions[{i}].ends_case[{k}]");
            if !d.outcomes.contains(&end.outcome) {
                s.err(
                    format!("{p}.outcome"),
                    format!(
                        "decision \"{}\" has no outcome \"{}\": expected one of {}",
                        d.key,
                        end.outcome,
                        quoted_list(d.outcomes.iter().map(String::as_str))
                    ),
                );
            }
            let kind = doc
                .journals
                .iter()
                .find(|j| j.key == end.journal)
                .map(|j| j.canonical.as_deref().and_then(JournalKind::parse));
            match kind {
                None => s.err(
                    format!("{p}.journal"),
                    format!(
                        "unknown journal \"{}\": expected one of {}",
                        end.journal,
                        quoted_list(known.journals.iter().copied())
                    ),
                ),
                Some(Some(k)) if k.signal_status().is_some() => {}
                Some(_) => s.err(
                    format!("{p}.journal"),
                    format!(
                        "journal \"{}\" needs canonical = \"unconfirmed\" or \"visitors\" to hold the requests a decision ends",
                        end.journal
                    ),
                ),
            }
        }
    }
    for (i, d) in doc.decisions.iter().enumerate() {
        let Some(n) = &d.sets_next else { continue };
        let p = format!("decisions[{i}].sets_next");
        if !doc.recurring.iter().any(|r| r.key == n.recurring) {
            s.err(
                format!("{p}.recurring"),
                format!(
                    "unknown recurring obligation \"{}\": expected one of {}",
                    n.recurring,
                    quoted_list(doc.recurring.iter().map(|r| r.key.as_str()))
                ),
            );
        }
        check_span(s, &format!("{p}.max"), &n.max);
        for (k, l) in n.sooner.iter().enumerate() {
            known.condition(s, &format!("{p}.sooner[{k}].when"), &l.when);
            check_span(s, &format!("{p}.sooner[{k}].max"), &l.max);
            if l.max.approx_hours() > n.max.approx_hours() {
                s.err(
                    format!("{p}.sooner[{k}].max"),
                    format!("{} is not sooner than the maximum {}", l.max, n.max),
                );
            }
        }
        for (k, o) in n.outcomes.iter().enumerate() {
            if !d.outcomes.contains(o) {
                s.err(
                    format!("{p}.outcomes[{k}]"),
                    format!(
                        "decision \"{}\" has no outcome \"{o}\": expected one of {}",
                        d.key,
                        quoted_list(d.outcomes.iter().map(String::as_str))
                    ),
                );
            }
        }
    }

    // recurring obligations
    for (i, r) in doc.recurring.iter().enumerate() {
        let p = format!("recurring[{i}]");
        known.event(s, format!("{p}.starts_after"), &r.starts_after);
        for (k, e) in r.stops_at.iter().enumerate() {
            known.event(s, format!("{p}.stops_at[{k}]"), e);
        }
        for (k, e) in r.restarts_on.iter().enumerate() {
            known.event(s, format!("{p}.restarts_on[{k}]"), e);
        }
        if let Some(c) = &r.when {
            known.condition(s, &format!("{p}.when"), c);
        }
        let sb = &r.satisfied_by;
        let n = usize::from(!sb.contacts.is_empty())
            + usize::from(sb.plan_actions)
            + usize::from(sb.event.is_some());
        if n != 1 {
            s.err(
                format!("{p}.satisfied_by"),
                "expected exactly one of contacts = [...], plan_actions = true, event = \"...\"",
            );
        }
        for (k, c) in sb.contacts.iter().enumerate() {
            if !known.contacts.contains(c.as_str()) {
                s.err(
                    format!("{p}.satisfied_by.contacts[{k}]"),
                    format!(
                        "unknown contact kind \"{c}\": expected one of {}",
                        quoted_list(known.contacts.iter().copied())
                    ),
                );
            }
        }
        if let Some(e) = &sb.event {
            known.event(s, format!("{p}.satisfied_by.event"), e);
        }
        if r.cadence_set_at_closure {
            if !r.cadence.is_empty() {
                s.err(
                    format!("{p}.cadence"),
                    "a cadence set at closure has no cadence of its own: expected none",
                );
            }
        } else if r.cadence.is_empty() {
            s.err(
                format!("{p}.cadence"),
                "empty cadence: expected at least one { every = ... }",
            );
        }
        let mut prev_until = 0u64;
        for (k, ph) in r.cadence.iter().enumerate() {
            let cp = format!("{p}.cadence[{k}]");
            check_span(s, &format!("{cp}.every"), &ph.every);
            match &ph.until {
                Some(u) => {
                    check_span(s, &format!("{cp}.until"), u);
                    if u.approx_hours() <= prev_until {
                        s.err(format!("{cp}.until"), "phases must end later and later: expected a longer span than the previous phase's");
                    }
                    prev_until = u.approx_hours();
                }
                None if k + 1 < r.cadence.len() => {
                    s.err(
                        format!("{cp}.until"),
                        "only the last phase may be open-ended: expected until = { ... }",
                    );
                }
                None => {}
            }
        }
    }

    // scoring
    unique(
        s,
        "score table",
        doc.scoring
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("scoring[{i}]"), t.key.as_str())),
    );
    for (i, t) in doc.scoring.iter().enumerate() {
        let p = format!("scoring[{i}]");
        check_key(s, &p, &t.key);
        check_text(s, &format!("{p}.name"), &t.name);
        if t.criteria.is_empty() {
            s.err(
                format!("{p}.criteria"),
                "no criteria: expected at least one",
            );
        }
        unique(
            s,
            "criterion",
            t.criteria
                .iter()
                .enumerate()
                .map(|(j, c)| (format!("{p}.criteria[{j}]"), c.key.as_str())),
        );
        for (j, c) in t.criteria.iter().enumerate() {
            if c.min > c.max {
                s.err(
                    format!("{p}.criteria[{j}].min"),
                    format!("min {} is above max {}", c.min, c.max),
                );
            }
            for (k, l) in c.levels.iter().enumerate() {
                if l.points < c.min || l.points > c.max {
                    s.err(
                        format!("{p}.criteria[{j}].levels[{k}].points"),
                        format!(
                            "{} points is outside the criterion's range {}–{}",
                            l.points, c.min, c.max
                        ),
                    );
                }
            }
            check_measured_levels(s, &format!("{p}.criteria[{j}]"), c);
        }
        let lo: u32 = t.criteria.iter().map(|c| c.min).sum();
        let hi: u32 = t.criteria.iter().map(|c| c.max).sum();
        unique(
            s,
            "band",
            t.bands
                .iter()
                .enumerate()
                .map(|(j, b)| (format!("{p}.bands[{j}]"), b.key.as_str())),
        );
        check_bands(s, &p, &t.bands, lo, hi);
    }

    // classifications
    for (i, c) in doc.classifications.iter().enumerate() {
        let p = format!("classifications[{i}]");
        check_key(s, &p, &c.key);
        check_text(s, &format!("{p}.name"), &c.name);
        if c.values.is_empty() {
            s.err(
                format!("{p}.values"),
                "empty list: expected at least one value",
            );
        }
        unique(
            s,
            "value",
            c.values
                .iter()
                .enumerate()
                .map(|(j, v)| (format!("{p}.values[{j}]"), v.key.as_str())),
        );
        for (j, v) in c.values.iter().enumerate() {
            let vp = format!("{p}.values[{j}]");
            check_key(s, &vp, &v.key);
            check_text(s, &format!("{vp}.name"), &v.name);
            match &v.canonical {
                None => s.err(format!("{vp}.canonical"), format!("missing canonical mapping for \"{}\": the shared vocabulary must cover every value", v.key)),
                Some(x) => {
                    if let Err(expected) = vocabulary::check_class_canonical(c.purpose, x) {
                        s.err(format!("{vp}.canonical"), format!("unknown canonical value \"{x}\": expected one of {expected}"));
                    }
                }
            }
        }
    }

    // caseload
    if let Some(cl) = &doc.caseload {
        check_caseload(s, cl, doc, &known);
    }

    // closure, outcomes, indicators
    if let Some(c) = &doc.closure {
        if c.criteria.is_empty() {
            s.err(
                "closure.criteria",
                "no criteria: expected the closure checklist",
            );
        }
        let all: Vec<(String, &str)> = c
            .criteria
            .iter()
            .enumerate()
            .map(|(i, x)| (format!("closure.criteria[{i}]"), x.key.as_str()))
            .chain(
                c.alternatives
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (format!("closure.alternatives[{i}]"), x.key.as_str())),
            )
            .collect();
        unique(s, "closure criterion", all);
        for (field, list) in [("criteria", &c.criteria), ("alternatives", &c.alternatives)] {
            for (i, x) in list.iter().enumerate() {
                check_text(s, &format!("closure.{field}[{i}].name"), &x.name);
                if let Some(q) = &x.quiet {
                    known.event(s, format!("closure.{field}[{i}].quiet.event"), &q.event);
                    check_span(
                        s,
                        &format!("closure.{field}[{i}].quiet.for_at_least"),
                        &q.for_at_least,
                    );
                }
            }
        }
    }
    for (i, o) in doc.outcomes.iter().enumerate() {
        match &o.canonical {
            None => s.err(
                format!("outcomes[{i}].canonical"),
                format!(
                    "missing canonical outcome: expected one of {}",
                    Outcome::expected()
                ),
            ),
            Some(x) if Outcome::parse(x).is_none() => s.err(
                format!("outcomes[{i}].canonical"),
                format!(
                    "unknown canonical outcome \"{x}\": expected one of {}",
                    Outcome::expected()
                ),
            ),
            _ => {}
        }
    }
    for (i, ind) in doc.indicators.iter().enumerate() {
        if !known.outcomes.contains(ind.outcome.as_str()) {
            s.err(
                format!("indicators[{i}].outcome"),
                format!(
                    "unknown outcome \"{}\": expected one of {}",
                    ind.outcome,
                    quoted_list(known.outcomes.iter().copied())
                ),
            );
        }
        for (k, b) in ind.baseline.iter().enumerate() {
            if b.numerator > b.denominator {
                s.err(
                    format!("indicators[{i}].baseline[{k}]"),
                    format!(
                        "{} of {}: the numerator cannot exceed the denominator",
                        b.numerator, b.denominator
                    ),
                );
            }
        }
    }

    // periods and policies
    if let Some(form) = &doc.intake_form {
        match doc.artefacts.iter().find(|a| &a.key == form) {
            None => s.err(
                "intake_form",
                format!("unknown artefact \"{form}\": expected a declared form"),
            ),
            Some(a) if a.sections.is_empty() => s.err(
                "intake_form",
                format!("artefact \"{form}\" has no sections: an intake form needs its fields"),
            ),
            Some(_) => {}
        }
    }
    for (i, d) in doc.signal_decisions.iter().enumerate() {
        if !SIGNAL_DECISIONS.contains(&d.as_str()) {
            s.err(
                format!("signal_decisions[{i}]"),
                format!(
                    "unknown decision on a signal \"{d}\": expected one of {}",
                    quoted_list(SIGNAL_DECISIONS)
                ),
            );
        }
    }
    for (i, m) in doc.monitoring_kinds.iter().enumerate() {
        if let Some(event) = &m.completes {
            known.event(s, format!("monitoring_kinds[{i}].completes"), event);
        }
    }
    if let Some(plan) = &doc.plan {
        for (i, owner) in plan.requires_owners.iter().enumerate() {
            if !PLAN_ACTION_OWNERS.contains(&owner.as_str()) {
                s.err(
                    format!("plan.requires_owners[{i}]"),
                    format!(
                        "unknown owner \"{owner}\": expected one of {}",
                        quoted_list(PLAN_ACTION_OWNERS)
                    ),
                );
            }
        }
    }
    if let Some(b) = &doc.case_duration {
        check_bounds(s, "case_duration", b);
        if let Some(role) = &b.acknowledged_by {
            known.role(s, "case_duration.acknowledged_by".into(), role);
        }
    }
    if let Some(b) = &doc.post_closure {
        check_bounds(s, "post_closure", b);
    }
    if let Some(r) = &doc.reopening {
        known.stage(s, "reopening.restart_stage".into(), &r.restart_stage);
    }
    if let Some(sl) = &doc.slip {
        check_span(s, "slip.max", &sl.max);
    }
    check_escalations(s, doc, &known);
    if let Some(cl) = &doc.cost_limit {
        if cl.currency.len() != 3 || !cl.currency.chars().all(|c| c.is_ascii_uppercase()) {
            s.err(
                "cost_limit.currency",
                format!(
                    "\"{}\" is not an ISO 4217 code: expected e.g. \"RUB\" or \"KZT\"",
                    cl.currency
                ),
            );
        }
        if cl.max_minor_per_year == 0 || i64::try_from(cl.max_minor_per_year).is_err() {
            s.err(
                "cost_limit.max_minor_per_year",
                format!(
                    "{}: expected a positive amount in minor units (kopecks, tiyn) up to {}",
                    cl.max_minor_per_year,
                    i64::MAX
                ),
            );
        }
        for (i, c) in cl.categories.iter().enumerate() {
            let path = format!("cost_limit.categories[{i}]");
            check_key(s, &path, &c.key);
            check_text(s, &format!("{path}.name"), &c.name);
            if let Some(d) = &c.description {
                check_text(s, &format!("{path}.description"), d);
            }
        }
        unique(
            s,
            "spending category",
            cl.categories
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("cost_limit.categories[{i}]"), c.key.as_str())),
        );
        match &cl.over_limit_decision {
            Some(d) => match known.decisions.get(d.as_str()) {
                None => s.err(
                    "cost_limit.over_limit_decision",
                    format!("unknown decision \"{d}\""),
                ),
                Some(def) if !def.outcomes.contains(&cl.approving_outcome) => s.err(
                    "cost_limit.approving_outcome",
                    format!(
                        "decision \"{d}\" has no outcome \"{}\": expected one of {}",
                        cl.approving_outcome,
                        quoted_list(def.outcomes.iter().map(String::as_str))
                    ),
                ),
                Some(_) => {}
            },
            None if cl.approval_by.is_some() => s.err(
                "cost_limit.approval_by",
                "no over_limit_decision: name the decision that approves spending above the limit",
            ),
            None => {}
        }
        if cl.approval_by.as_ref().is_some_and(|a| a.trim().is_empty()) {
            s.err(
                "cost_limit.approval_by",
                "empty: expected whose approval it is, e.g. \"руководителя направления\"",
            );
        }
    }

    sink.0
}

/// A measured criterion (one with a `unit`, or whose levels carry bounds): every level has a
/// range, the ranges follow each other without gap or overlap, from an open (or zero) lower end
/// to an open upper end, so every measured value falls into exactly one level.
fn check_measured_levels(s: &mut Sink, p: &str, c: &ScoreCriterion) {
    let measured = c.levels.iter().any(ScoreLevel::is_measured);
    if let Some(unit) = &c.unit
        && unit.trim().is_empty()
    {
        s.err(format!("{p}.unit"), "empty unit: expected e.g. \"km\"");
    }
    if !measured {
        if c.unit.is_some() {
            s.err(
                format!("{p}.levels"),
                "a criterion with a unit needs levels with bounds (from/above, to/below)",
            );
        }
        return;
    }
    if c.unit.is_none() {
        s.err(
            format!("{p}.unit"),
            "levels with bounds need the unit they are measured in, e.g. unit = \"km\"",
        );
    }
    let mut ranged: Vec<(usize, &ScoreLevel)> = Vec::new();
    for (k, l) in c.levels.iter().enumerate() {
        let lp = format!("{p}.levels[{k}]");
        if !l.is_measured() {
            s.err(
                lp,
                "every level of a measured criterion needs bounds (from/above, to/below)",
            );
            continue;
        }
        if l.from.is_some() && l.above.is_some() {
            s.err(
                format!("{lp}.above"),
                "two lower bounds: expected either from (included) or above (excluded)",
            );
        }
        if l.to.is_some() && l.below.is_some() {
            s.err(
                format!("{lp}.below"),
                "two upper bounds: expected either to (included) or below (excluded)",
            );
        }
        for (field, b) in [
            ("from", l.from),
            ("above", l.above),
            ("to", l.to),
            ("below", l.below),
        ] {
            if b.is_some_and(|b| !b.is_finite() || b < 0.0) {
                s.err(
                    format!("{lp}.{field}"),
                    "expected a finite number of 0 or more",
                );
            }
        }
        if let (Some((lo, lo_in)), Some((hi, hi_in))) = (l.lower(), l.upper())
            && (lo > hi || (lo == hi && !(lo_in && hi_in)))
        {
            s.err(
                lp.clone(),
                format!("empty range: no value lies between {lo} and {hi}"),
            );
        }
        ranged.push((k, l));
    }
    ranged.sort_by(|(_, a), (_, b)| {
        let key = |l: &ScoreLevel| l.lower().map_or(f64::NEG_INFINITY, |(v, _)| v);
        key(a).total_cmp(&key(b))
    });
    if let Some((k, first)) = ranged.first()
        && let Some((lo, included)) = first.lower()
        && (lo > 0.0 || !included)
    {
        s.err(
            format!("{p}.levels[{k}]"),
            format!("gap: values from 0 up to {lo} fall into no level"),
        );
    }
    for pair in ranged.windows(2) {
        let [(_, a), (k, b)] = pair else { continue };
        let at = format!("{p}.levels[{k}]");
        match (a.upper(), b.lower()) {
            (Some((hi, hi_in)), Some((lo, lo_in))) if hi == lo => match (hi_in, lo_in) {
                (true, true) => s.err(
                    at,
                    format!("levels overlap at {hi}: a value must fall into one level only"),
                ),
                (false, false) => {
                    s.err(at, format!("gap: the value {hi} falls into no level"));
                }
                _ => {}
            },
            (Some((hi, _)), Some((lo, _))) if hi < lo => {
                s.err(
                    at,
                    format!("gap: values between {hi} and {lo} fall into no level"),
                );
            }
            _ => s.err(at, "levels overlap: a value must fall into one level only"),
        }
    }
    if let Some((k, last)) = ranged.last()
        && let Some((hi, _)) = last.upper()
    {
        s.err(
            format!("{p}.levels[{k}]"),
            format!(
                "gap: values above {hi} fall into no level (leave the last level open upwards)"
            ),
        );
    }
}

fn check_bands(s: &mut Sink, p: &str, bands: &[Band], lo: u32, hi: u32) {
    if bands.is_empty() {
        s.err(
            format!("{p}.bands"),
            format!("no bands: expected bands covering {lo}–{hi}"),
        );
        return;
    }
    for (j, b) in bands.iter().enumerate() {
        let bp = format!("{p}.bands[{j}]");
        if b.min > b.max {
            s.err(
                format!("{bp}.min"),
                format!("min {} is above max {}", b.min, b.max),
            );
        }
        match &b.canonical {
            None => s.err(
                format!("{bp}.canonical"),
                format!(
                    "missing canonical risk band: expected one of {}",
                    RiskBand::expected()
                ),
            ),
            Some(x) if RiskBand::parse(x).is_none() => s.err(
                format!("{bp}.canonical"),
                format!(
                    "unknown canonical risk band \"{x}\": expected one of {}",
                    RiskBand::expected()
                ),
            ),
            _ => {}
        }
    }
    let mut order: Vec<usize> = (0..bands.len()).collect();
    order.sort_by_key(|&j| (bands[j].min, bands[j].max));
    let mut covered_to: Option<u32> = None; // highest score covered so far
    let mut prev: Option<usize> = None;
    for &j in &order {
        let b = &bands[j];
        match (covered_to, prev) {
            (None, _) if b.min > lo => {
                s.err(
                    format!("{p}.bands[{j}].min"),
                    format!(
                        "gap: scores {lo}–{} fall into no band (the criteria give {lo}–{hi})",
                        b.min - 1
                    ),
                );
            }
            (Some(to), Some(pj)) if b.min <= to => {
                s.err(
                    format!("{p}.bands[{j}].min"),
                    format!(
                        "band \"{}\" ({}–{}) overlaps band \"{}\" ({}–{})",
                        b.key, b.min, b.max, bands[pj].key, bands[pj].min, bands[pj].max
                    ),
                );
            }
            (Some(to), _) if b.min > to + 1 => {
                s.err(
                    format!("{p}.bands[{j}].min"),
                    format!("gap: scores {}–{} fall into no band", to + 1, b.min - 1),
                );
            }
            _ => {}
        }
        if covered_to.is_none_or(|to| b.max > to) {
            covered_to = Some(b.max);
            prev = Some(j);
        }
    }
    if let Some(to) = covered_to {
        if to < hi {
            let j = prev.unwrap_or(0);
            s.err(
                format!("{p}.bands[{j}].max"),
                format!(
                    "gap: scores {}–{hi} fall into no band (the criteria give {lo}–{hi})",
                    to + 1
                ),
            );
        } else if to > hi {
            let j = prev.unwrap_or(0);
            s.err(
                format!("{p}.bands[{j}].max"),
                format!("band reaches {to} but the criteria give at most {hi}"),
            );
        }
    }
}

fn check_caseload(s: &mut Sink, cl: &CaseloadPolicy, doc: &VariantDoc, known: &Known<'_>) {
    if let (Some(min), Some(max)) = (cl.min_total, cl.max_total)
        && min > max
    {
        s.err(
            "caseload.min_total",
            format!("contradictory caseload: at least {min} but at most {max} cases"),
        );
    }
    if let Some(opt) = cl.optimum
        && (cl.max_total.is_some_and(|m| opt > m) || cl.min_total.is_some_and(|m| opt < m))
    {
        s.err(
            "caseload.optimum",
            format!(
                "optimum {opt} lies outside the bounds {}–{}",
                cl.min_total.unwrap_or(0),
                cl.max_total.map_or("∞".to_string(), |m| m.to_string())
            ),
        );
    }
    if cl.max_total == Some(0) {
        s.err(
            "caseload.max_total",
            "a maximum of 0 cases forbids every assignment",
        );
    }
    if let Some(cats) = &cl.categories {
        match doc
            .classifications
            .iter()
            .find(|c| c.key == cats.classification)
        {
            None => s.err(
                "caseload.categories.classification",
                format!("unknown classification \"{}\"", cats.classification),
            ),
            Some(class) => {
                for (i, cap) in cats.caps.iter().enumerate() {
                    if !class.values.iter().any(|v| v.key == cap.value) {
                        s.err(
                            format!("caseload.categories.caps[{i}].value"),
                            format!(
                                "\"{}\" has no value \"{}\": expected one of {}",
                                class.key,
                                cap.value,
                                quoted_list(class.values.iter().map(|v| v.key.as_str()))
                            ),
                        );
                    }
                    if cap.max == 0 {
                        s.err(format!("caseload.categories.caps[{i}].max"), "a cap of 0 forbids the category entirely: remove it from the classification instead");
                    }
                    if let Some(total) = cl.max_total
                        && cap.max > total
                        && cats.mode == CapsMode::Independent
                    {
                        s.err(format!("caseload.categories.caps[{i}].max"), format!("contradictory caseload: category cap {} is above the total maximum {total}", cap.max));
                    }
                }
                unique(
                    s,
                    "category cap",
                    cats.caps
                        .iter()
                        .enumerate()
                        .map(|(i, c)| (format!("caseload.categories.caps[{i}]"), c.value.as_str())),
                );
                if cats.mode == CapsMode::Weighted {
                    for v in &class.values {
                        if !cats.caps.iter().any(|c| c.value == v.key) {
                            s.err("caseload.categories.caps", format!("weighted capacity needs a cap for every value: \"{}\" has none", v.key));
                        }
                    }
                }
            }
        }
    }
    for (i, sl) in cl.sub_limits.iter().enumerate() {
        let p = format!("caseload.sub_limits[{i}]");
        known.condition(
            s,
            &p,
            &Condition {
                attribute: sl.attribute.clone(),
                any_of: sl.values.clone(),
            },
        );
        if let Some(total) = cl.max_total
            && sl.max > total
        {
            s.err(
                format!("{p}.max"),
                format!(
                    "contradictory caseload: sub-limit {} is above the total maximum {total}",
                    sl.max
                ),
            );
        }
    }
}

fn check_escalations(s: &mut Sink, doc: &VariantDoc, known: &Known<'_>) {
    unique(
        s,
        "escalation",
        doc.escalations
            .iter()
            .enumerate()
            .map(|(i, e)| (format!("escalations[{i}]"), e.key.as_str())),
    );
    for (i, e) in doc.escalations.iter().enumerate() {
        let p = format!("escalations[{i}]");
        check_key(s, &p, &e.key);
        check_text(s, &format!("{p}.name"), &e.name);
        match e.on {
            EscalationTrigger::Overdue => {
                if e.step.is_some() && e.recurring.is_some() {
                    s.err(
                        format!("{p}.recurring"),
                        "name either a step or a recurring obligation, not both",
                    );
                }
                if let Some(step) = &e.step {
                    let found = doc
                        .stages
                        .iter()
                        .flat_map(|st| &st.steps)
                        .find(|st| &st.key == step);
                    match found {
                        None => s.err(
                            format!("{p}.step"),
                            format!("unknown step \"{step}\": expected a step of the stages"),
                        ),
                        Some(st) if st.deadline.is_none() => s.err(
                            format!("{p}.step"),
                            format!("step \"{step}\" has no deadline, so it is never overdue"),
                        ),
                        Some(_) => {}
                    }
                }
                if let Some(recurring) = &e.recurring
                    && !doc.recurring.iter().any(|r| &r.key == recurring)
                {
                    s.err(
                        format!("{p}.recurring"),
                        format!(
                            "unknown recurring obligation \"{recurring}\": expected one of {}",
                            quoted_list(doc.recurring.iter().map(|r| r.key.as_str()))
                        ),
                    );
                }
            }
            EscalationTrigger::SlipExceeded => {
                if doc.slip.is_none() {
                    s.err(
                        format!("{p}.on"),
                        "\"slip_exceeded\" needs a [slip] limit in the variant",
                    );
                }
                if e.step.is_some() || e.recurring.is_some() {
                    s.err(
                        format!("{p}.on"),
                        "\"slip_exceeded\" is about the whole case: remove step and recurring",
                    );
                }
            }
        }
        for (j, role) in e.notify_roles.iter().enumerate() {
            if !ESCALATION_PLATFORM_ROLES.contains(&role.as_str()) {
                s.err(
                    format!("{p}.notify_roles[{j}]"),
                    format!(
                        "unknown platform role \"{role}\": expected one of {}",
                        quoted_list(ESCALATION_PLATFORM_ROLES)
                    ),
                );
            }
        }
        for (j, role) in e.notify_method_roles.iter().enumerate() {
            known.role(s, format!("{p}.notify_method_roles[{j}]"), role);
        }
        if e.notify_roles.is_empty() && e.notify_method_roles.is_empty() {
            s.err(
                format!("{p}.notify_roles"),
                "alert someone: name notify_roles or notify_method_roles",
            );
        }
    }
}

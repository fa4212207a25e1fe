//! Step, move and closure forms generated from the variant: the artefacts' sections and fields,
//! consents, the decision's votes or conference participants, outcomes. A refusal shows every
//! reason above the form and keeps what was typed.

use super::card::{self, CaseView};
use super::form::{Fields, datetime_in, datetime_value};
use super::gql::{Reason, Refusal, about};
use super::i18n::Lang;
use super::pages::{self, Section, csrf_field, page};
use super::session::{Org, Web};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use kurator_method::Variant;
use kurator_method::schema::{ArtefactKind, DecisionDef, FieldKind, Procedure};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value, json};

#[derive(Deserialize)]
pub struct ActQuery {
    kind: String,
    action: String,
    #[serde(rename = "as")]
    acting_as: String,
}

/// What the form asks for: artefacts to fill, consents, a decision.
struct Needs {
    title: String,
    artefacts: Vec<String>,
    consents: Vec<String>,
    decision: Option<String>,
}

fn needs(
    lang: Lang,
    variant: &Variant,
    view: &CaseView,
    kind: &str,
    action: &str,
) -> Option<Needs> {
    if kind == "step" {
        let (_, step) = variant.step(action)?;
        let mut artefacts = step.requires_artefacts.clone();
        for p in &step.produces {
            if !artefacts.contains(p) {
                artefacts.push(p.clone());
            }
        }
        Some(Needs {
            title: lang.text(&step.name),
            artefacts,
            consents: step.requires_consents.clone(),
            decision: step.requires_decision.as_ref().map(|d| d.decision.clone()),
        })
    } else {
        let from = view.case["stage"]["key"].as_str().unwrap_or_default();
        let stage = variant.stage(action)?;
        let transition = variant
            .doc()
            .transitions
            .iter()
            .find(|t| t.from == from && t.to == action)?;
        Some(Needs {
            title: format!("{} «{}»", lang.t("card-move-to"), lang.text(&stage.name)),
            artefacts: transition.requires_artefacts.clone(),
            consents: transition.requires_consents.clone(),
            decision: transition
                .requires_decision
                .as_ref()
                .map(|d| d.decision.clone()),
        })
    }
}

pub async fn form(
    web: Web,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<ActQuery>,
) -> Response {
    let (org, view) = match card::open(&web, &slug, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    render(
        &web,
        &org,
        &view,
        &q,
        &Fields(Vec::new()),
        &[],
        StatusCode::OK,
    )
}

fn render(
    web: &Web,
    org: &Org,
    view: &CaseView,
    q: &ActQuery,
    typed: &Fields,
    reasons: &[Reason],
    status: StatusCode,
) -> Response {
    let lang = web.lang;
    let errors: Vec<String> = reasons.iter().map(|r| r.message.clone()).collect();
    let errors = errors.as_slice();
    let Some(variant) = view.variant.clone() else {
        return pages::not_found(web);
    };
    let Some(needs) = needs(lang, &variant, view, &q.kind, &q.action) else {
        return pages::not_found(web);
    };
    let zone = org.runtime.tenant().time_zone.clone();
    let at = typed
        .get("at")
        .map_or_else(|| datetime_value(Utc::now(), &zone), str::to_owned);
    let id = view.id();
    let body = html! {
        h1 { (needs.title) }
        p { a href=(org.path(&format!("/cases/{id}"))) { (view.title(lang)) } " · " (lang.t("card-acting-as")) " " (view.role_name(lang, &q.acting_as)) }
        (pages::reasons(lang, errors))
        // The missing requirements the service names, before anything is typed.
        @if let Some((_, actions)) = view.next.iter().find(|(role, _)| *role == q.acting_as) {
            @if let Some(a) = actions.as_array().into_iter().flatten().find(|a| a["action"].as_str() == Some(q.action.as_str())) {
                @let missing: Vec<&Value> = a["missing"].as_array().into_iter().flatten().collect();
                @if !missing.is_empty() && errors.is_empty() {
                    div.notice {
                        p { strong { (lang.t("act-still-missing")) } }
                        ul { @for m in missing { li { (m["message"].as_str().unwrap_or_default()) } } }
                    }
                }
            }
        }
        form method="post" action=(org.path(&format!("/cases/{id}/act?kind={}&action={}&as={}", q.kind, q.action, q.acting_as))) {
            (csrf_field(web))
            input type="hidden" name="version" value=(view.version());
            @for key in &needs.artefacts {
                @if let Some(artefact) = variant.artefact(key) {
                    @if artefact.kind == ArtefactKind::Consent {
                        div.field.check {
                            input id=(format!("consent-{key}")) type="checkbox" name="consent" value=(key) checked[typed.all("consent").contains(key)];
                            label for=(format!("consent-{key}")) { (lang.text(&artefact.name)) }
                        }
                    } @else {
                        fieldset {
                            legend { (lang.text(&artefact.name)) @if let Some(a) = &artefact.appendix { " (" (a) ")" } }
                            input type="hidden" name="artefact" value=(key);
                            @if artefact.sections.is_empty() {
                                div.field {
                                    label for=(format!("art-{key}-text")) { (lang.t("act-artefact-content")) }
                                    textarea id=(format!("art-{key}-text")) name=(format!("art.{key}.text")) rows="3" { (typed.text(&format!("art.{key}.text"))) }
                                }
                            }
                            @for section in &artefact.sections {
                                h3 { (lang.text(&section.name)) }
                                @for field in &section.fields {
                                    @let name = format!("art.{key}.{}.{}", section.key, field.key);
                                    @let fid = name.replace('.', "-");
                                    (input_for(lang, &fid, &name, &lang.text(&field.name), field.kind, field.required, typed.get(&name).unwrap_or_default(), &about(reasons, &format!("artefacts.{key}.{}.{}", section.key, field.key))))
                                }
                            }
                        }
                    }
                }
            }
            @for key in &needs.consents {
                div.field.check {
                    input id=(format!("consent-{key}")) type="checkbox" name="consent" value=(key) checked[typed.all("consent").contains(key)];
                    label for=(format!("consent-{key}")) {
                        (variant.artefact(key).map_or(key.clone(), |a| lang.text(&a.name)))
                    }
                }
            }
            @if let Some(decision) = needs.decision.as_ref().and_then(|d| variant.decision(d)) {
                (decision_fields(lang, view, decision, &q.acting_as, typed))
            }
            div.field {
                label for="act-note" { (lang.t("act-note")) }
                textarea #act-note name="note" rows="3" { (typed.text("note")) }
            }
            div.field {
                label for="act-at" { (lang.t("act-at")) }
                input #act-at type="datetime-local" name="at" value=(at) required;
            }
            @if variant.doc().case_duration.is_some() {
                div.field.check {
                    input #act-ack type="checkbox" name="acknowledged" value="case_duration" checked[typed.checked("acknowledged")];
                    label for="act-ack" { (lang.t("act-acknowledge-duration")) }
                }
            }
            button.primary type="submit" { (lang.t("act-submit")) }
        }
    };
    (
        status,
        page(web, Some(org), Section::Cases, &needs.title, body),
    )
        .into_response()
}

#[allow(clippy::too_many_arguments)]
pub fn input_for(
    lang: Lang,
    id: &str,
    name: &str,
    label: &str,
    kind: FieldKind,
    required: bool,
    value: &str,
    errors: &[&str],
) -> Markup {
    let described = (!errors.is_empty()).then(|| format!("{id}-error"));
    html! {
        div.field.invalid[!errors.is_empty()] {
            label for=(id) { (label) @if required { " *" } }
            @if let Some(error_id) = &described {
                span.error id=(error_id) { @for e in errors { (e) " " } }
            }
            @match kind {
                FieldKind::LongText | FieldKind::Table => {
                    textarea id=(id) name=(name) rows="3" required[required] aria-invalid=[described.as_ref().map(|_| "true")] aria-describedby=[described.as_deref()] { (value) }
                }
                FieldKind::Date => { input id=(id) type="date" name=(name) value=(value) required[required] aria-invalid=[described.as_ref().map(|_| "true")] aria-describedby=[described.as_deref()]; }
                FieldKind::Time => { input id=(id) type="time" name=(name) value=(value) required[required] aria-invalid=[described.as_ref().map(|_| "true")] aria-describedby=[described.as_deref()]; }
                FieldKind::Number => { input id=(id) type="number" name=(name) value=(value) required[required] aria-invalid=[described.as_ref().map(|_| "true")] aria-describedby=[described.as_deref()]; }
                FieldKind::Boolean => {
                    select id=(id) name=(name) required[required] aria-invalid=[described.as_ref().map(|_| "true")] aria-describedby=[described.as_deref()] {
                        option value="" { "—" }
                        option value="true" selected[value == "true"] { (lang.t("yes")) }
                        option value="false" selected[value == "false"] { (lang.t("no")) }
                    }
                }
                _ => { input id=(id) type="text" name=(name) value=(value) required[required] aria-invalid=[described.as_ref().map(|_| "true")] aria-describedby=[described.as_deref()]; }
            }
        }
    }
}

fn decision_fields(
    lang: Lang,
    view: &CaseView,
    decision: &DecisionDef,
    acting_as: &str,
    typed: &Fields,
) -> Markup {
    let outcome_select = |id: &str, name: &str, selected: &str| {
        html! {
            select id=(id) name=(name) {
                option value="" { (lang.t("act-no-opinion")) }
                @for o in &decision.outcomes {
                    option value=(o) selected[o == selected] { (lang.t_or(&format!("outcome-{o}"), o)) }
                }
            }
        }
    };
    let people = |id: &str, name: &str, selected: &str| {
        html! {
            select id=(id) name=(name) {
                @for (uid, person, _) in &view.colleagues {
                    option value=(uid) selected[uid == selected] { (person) }
                }
            }
        }
    };
    html! {
        fieldset {
            legend { (lang.text(&decision.name)) }
            input type="hidden" name="decision" value=(decision.key);
            @match decision.procedure {
                Procedure::Single => {
                    input type="hidden" name="vote0.role" value=(acting_as);
                    input type="hidden" name="vote0.self" value="1";
                    div.field {
                        label for="vote0-choice" { (lang.t("act-decision")) }
                        (outcome_select("vote0-choice", "vote0.choice", typed.get("vote0.choice").unwrap_or_default()))
                    }
                }
                Procedure::TeamVote => {
                    @for (i, role) in decision.deciders.iter().enumerate() {
                        div.vote {
                            input type="hidden" name=(format!("vote{i}.role")) value=(role);
                            div.field {
                                label for=(format!("vote{i}-person")) { (view.role_name(lang, role)) }
                                (people(&format!("vote{i}-person"), &format!("vote{i}.person"), typed.get(&format!("vote{i}.person")).unwrap_or_default()))
                            }
                            div.field {
                                label for=(format!("vote{i}-choice")) { (lang.t("act-vote")) }
                                (outcome_select(&format!("vote{i}-choice"), &format!("vote{i}.choice"), typed.get(&format!("vote{i}.choice")).unwrap_or_default()))
                            }
                        }
                    }
                    @for (i, role) in decision.escalation.iter().enumerate() {
                        div.vote {
                            input type="hidden" name=(format!("ruling{i}.role")) value=(role);
                            div.field {
                                label for=(format!("ruling{i}-person")) { (lang.t("act-escalation")) ": " (view.role_name(lang, role)) }
                                (people(&format!("ruling{i}-person"), &format!("ruling{i}.person"), typed.get(&format!("ruling{i}.person")).unwrap_or_default()))
                            }
                            div.field {
                                label for=(format!("ruling{i}-choice")) { (lang.t("act-ruling")) }
                                (outcome_select(&format!("ruling{i}-choice"), &format!("ruling{i}.choice"), typed.get(&format!("ruling{i}.choice")).unwrap_or_default()))
                            }
                        }
                    }
                }
                Procedure::Conference => {
                    p.hint { (lang.t("act-conference-hint")) }
                    @if !decision.required_participants.is_empty() {
                        p.hint { (lang.t("act-required-participants")) ": "
                            (decision.required_participants.iter().map(|r| view.role_name(lang, r)).collect::<Vec<_>>().join(", ")) }
                    }
                    table.participants {
                        caption { (lang.t("act-participants")) }
                        thead { tr {
                            th scope="col" { (lang.t("act-participant")) }
                            th scope="col" { (lang.t("act-participant-role")) }
                            th scope="col" { (lang.t("act-participant-organisation")) }
                        } }
                        tbody {
                            @for i in 0..8 {
                                tr {
                                    td {
                                        label.visually-hidden for=(format!("part{i}-person")) { (lang.t("act-participant")) " " (i + 1) }
                                        select id=(format!("part{i}-person")) name=(format!("part{i}.member")) {
                                            option value="" { "—" }
                                            @for (uid, person, _) in &view.colleagues {
                                                option value=(uid) selected[typed.get(&format!("part{i}.member")) == Some(uid.as_str())] { (person) }
                                            }
                                        }
                                        label.visually-hidden for=(format!("part{i}-outside")) { (lang.t("act-participant-outside")) " " (i + 1) }
                                        input id=(format!("part{i}-outside")) type="text" name=(format!("part{i}.outside")) placeholder=(lang.t("act-participant-outside")) value=(typed.text(&format!("part{i}.outside")));
                                    }
                                    td {
                                        label.visually-hidden for=(format!("part{i}-role")) { (lang.t("act-participant-role")) " " (i + 1) }
                                        select id=(format!("part{i}-role")) name=(format!("part{i}.role")) {
                                            option value="" { "—" }
                                            @if let Some(v) = &view.variant {
                                                @for r in &v.doc().roles {
                                                    option value=(r.key) selected[typed.get(&format!("part{i}.role")) == Some(r.key.as_str())] { (lang.text(&r.name)) }
                                                }
                                            }
                                        }
                                    }
                                    td {
                                        label.visually-hidden for=(format!("part{i}-org")) { (lang.t("act-participant-organisation")) " " (i + 1) }
                                        input id=(format!("part{i}-org")) type="text" name=(format!("part{i}.organisation")) value=(typed.text(&format!("part{i}.organisation")));
                                    }
                                }
                            }
                        }
                    }
                    div.field {
                        label for="recorded" { (lang.t("act-recorded-decision")) }
                        (outcome_select("recorded", "recorded", typed.get("recorded").unwrap_or_default()))
                    }
                    div.field {
                        label for="next-date" { (lang.t("act-next-date")) }
                        input #next-date type="date" name="next_date" value=(typed.text("next_date"));
                    }
                }
            }
        }
    }
}

/// The step input as the API takes it, from the form.
fn step_input(web: &Web, org: &Org, q: &ActQuery, form: &Fields) -> Value {
    let zone = org.runtime.tenant().time_zone.clone();
    let me = web
        .caller
        .as_ref()
        .map(|c| c.user.id.to_string())
        .unwrap_or_default();
    let mut artefacts = Vec::new();
    for key in form.all("artefact") {
        let mut content = Map::new();
        let prefix = format!("art.{key}.");
        for (rest, value) in form.with_prefix(&prefix) {
            match rest.split_once('.') {
                Some((section, field)) => {
                    let entry = content
                        .entry(section.to_owned())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Some(map) = entry.as_object_mut() {
                        map.insert(field.to_owned(), json!(value.trim()));
                    }
                }
                None => {
                    content.insert(rest.to_owned(), json!(value.trim()));
                }
            }
        }
        artefacts.push(json!({ "key": key, "content": content }));
    }
    let mut decisions = Vec::new();
    if let Some(key) = form.get("decision") {
        let mut votes = Vec::new();
        let mut rulings = Vec::new();
        for i in 0..20 {
            let Some(role) = form.get(&format!("vote{i}.role")) else {
                break;
            };
            let person = if form.checked(&format!("vote{i}.self")) {
                me.clone()
            } else {
                form.text(&format!("vote{i}.person"))
            };
            votes.push(json!({ "role": role, "person": person, "choice": form.get(&format!("vote{i}.choice")) }));
        }
        for i in 0..20 {
            let Some(role) = form.get(&format!("ruling{i}.role")) else {
                break;
            };
            if let Some(choice) = form.get(&format!("ruling{i}.choice")) {
                rulings.push(json!({ "role": role, "person": form.text(&format!("ruling{i}.person")), "choice": choice }));
            }
        }
        let mut participants = Vec::new();
        for i in 0..8 {
            let member = form.get(&format!("part{i}.member"));
            let outside = form.get(&format!("part{i}.outside"));
            let role = form.text(&format!("part{i}.role"));
            let organisation = form.get(&format!("part{i}.organisation"));
            match (member, outside) {
                (Some(member), _) => participants.push(json!({ "person": member, "role": role, "organisation": organisation })),
                (None, Some(name)) => participants.push(json!({ "person": name, "role": if role.is_empty() { "—".to_owned() } else { role }, "organisation": organisation })),
                (None, None) => {}
            }
        }
        decisions.push(json!({
            "key": key,
            "votes": votes,
            "rulings": rulings,
            "participants": participants,
            "recorded": form.get("recorded"),
            "nextDate": form.get("next_date"),
        }));
    }
    json!({
        "actingAs": q.acting_as,
        "artefacts": artefacts,
        "consents": form.all("consent"),
        "decisions": decisions,
        "acknowledged": form.all("acknowledged"),
        "note": form.get("note"),
        "at": form.get("at").and_then(|at| datetime_in(at, &zone)),
    })
}

pub async fn submit(
    web: Web,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<ActQuery>,
    form: Fields,
) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let input = step_input(&web, &org, &q, &form);
    let version = form.int("version").unwrap_or_default();
    let answer = if q.kind == "step" {
        web.gql(
            Some(&slug),
            "mutation($id: ID!, $version: Int!, $step: String!, $input: StepActionInput!) { performStep(caseId: $id, version: $version, step: $step, input: $input) { id } }",
            json!({ "id": id, "version": version, "step": q.action, "input": input }),
        )
        .await
    } else {
        web.gql(
            Some(&slug),
            "mutation($id: ID!, $version: Int!, $stage: String!, $input: StepActionInput!) { moveCase(caseId: $id, version: $version, toStage: $stage, input: $input) { id } }",
            json!({ "id": id, "version": version, "stage": q.action, "input": input }),
        )
        .await
    };
    match answer {
        Ok(_) => Redirect::to(&org.path(&format!("/cases/{id}"))).into_response(),
        Err(
            refusal @ (Refusal::Rejected(_) | Refusal::Conflict { .. } | Refusal::Forbidden(_)),
        ) => {
            let view = match card::load(&web, &org, &id).await {
                Ok(view) => view,
                Err(refusal) => return pages::refused(&web, Some(&org), refusal),
            };
            render(
                &web,
                &org,
                &view,
                &q,
                &form,
                &refusal.reasons(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(refusal) => pages::refused(&web, Some(&org), refusal),
    }
}

#[derive(Deserialize)]
pub struct CloseQuery {
    #[serde(rename = "as")]
    acting_as: String,
}

pub async fn close_form(
    web: Web,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<CloseQuery>,
) -> Response {
    let (org, view) = match card::open(&web, &slug, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    render_close(
        &web,
        &org,
        &view,
        &q.acting_as,
        &Fields(Vec::new()),
        &[],
        StatusCode::OK,
    )
}

fn render_close(
    web: &Web,
    org: &Org,
    view: &CaseView,
    acting_as: &str,
    typed: &Fields,
    errors: &[String],
    status: StatusCode,
) -> Response {
    let lang = web.lang;
    let Some(variant) = view.variant.clone() else {
        return pages::not_found(web);
    };
    let doc = variant.doc();
    let id = view.id();
    let zone = org.runtime.tenant().time_zone.clone();
    let at = typed
        .get("at")
        .map_or_else(|| datetime_value(Utc::now(), &zone), str::to_owned);
    let body = html! {
        h1 { (lang.t("close-title")) }
        p { a href=(org.path(&format!("/cases/{id}"))) { (view.title(lang)) } " · " (lang.t("card-acting-as")) " " (view.role_name(lang, acting_as)) }
        (pages::reasons(lang, errors))
        form method="post" action=(org.path(&format!("/cases/{id}/close?as={acting_as}"))) {
            (csrf_field(web))
            input type="hidden" name="version" value=(view.version());
            @if let Some(closure) = &doc.closure {
                fieldset {
                    legend { (lang.t("close-criteria")) }
                    @for c in closure.criteria.iter().chain(&closure.alternatives) {
                        div.field.check {
                            input id=(format!("crit-{}", c.key)) type="checkbox" name="confirmed" value=(c.key) checked[typed.all("confirmed").contains(&c.key)];
                            label for=(format!("crit-{}", c.key)) { (lang.text(&c.name)) }
                        }
                    }
                }
            }
            @if !doc.outcomes.is_empty() {
                fieldset {
                    legend { (lang.t("close-outcomes")) }
                    @for o in &doc.outcomes {
                        div.field.check {
                            input id=(format!("out-{}", o.key)) type="checkbox" name="outcome" value=(o.key) checked[typed.all("outcome").contains(&o.key)];
                            label for=(format!("out-{}", o.key)) { (lang.text(&o.name)) }
                        }
                    }
                }
            }
            @if !doc.quality_domains.is_empty() {
                fieldset {
                    legend { (lang.t("close-improved-domains")) }
                    @for d in &doc.quality_domains {
                        div.field.check {
                            input id=(format!("dom-{}", d.key)) type="checkbox" name="domain" value=(d.key) checked[typed.all("domain").contains(&d.key)];
                            label for=(format!("dom-{}", d.key)) { (lang.text(&d.name)) }
                        }
                    }
                }
            }
            div.field {
                label for="contact-weeks" { (lang.t("close-contact-every-weeks")) }
                input #contact-weeks type="number" min="0" max="52" name="contact_weeks" value=(typed.text("contact_weeks"));
                span.hint { (lang.t("close-contact-every-hint")) }
            }
            div.field.check {
                input #close-ack type="checkbox" name="acknowledged" value="case_duration" checked[typed.checked("acknowledged")];
                label for="close-ack" { (lang.t("act-acknowledge-duration")) }
            }
            div.field {
                label for="close-note" { (lang.t("act-note")) }
                textarea #close-note name="note" rows="3" { (typed.text("note")) }
            }
            div.field {
                label for="close-at" { (lang.t("act-at")) }
                input #close-at type="datetime-local" name="at" value=(at) required;
            }
            button.primary type="submit" { (lang.t("close-submit")) }
        }
    };
    (
        status,
        page(web, Some(org), Section::Cases, &lang.t("close-title"), body),
    )
        .into_response()
}

pub async fn close(
    web: Web,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<CloseQuery>,
    form: Fields,
) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let zone = org.runtime.tenant().time_zone.clone();
    let contact_every = form
        .int("contact_weeks")
        .filter(|w| *w > 0)
        .map(|weeks| json!({ "weeks": weeks }));
    let input = json!({
        "confirmed": form.all("confirmed"),
        "outcomes": form.all("outcome"),
        "improvedDomains": form.all("domain"),
        "note": form.get("note"),
        "actingAs": q.acting_as,
        "acknowledged": form.all("acknowledged"),
        "contactEvery": contact_every,
        "at": form.get("at").and_then(|at| datetime_in(at, &zone)),
    });
    let answer = web
        .gql(
            Some(&slug),
            "mutation($id: ID!, $version: Int!, $input: CloseCaseInput!) { closeCase(caseId: $id, version: $version, input: $input) { id } }",
            json!({ "id": id, "version": form.int("version").unwrap_or_default(), "input": input }),
        )
        .await;
    match answer {
        Ok(_) => Redirect::to(&org.path(&format!("/cases/{id}"))).into_response(),
        Err(
            refusal @ (Refusal::Rejected(_) | Refusal::Conflict { .. } | Refusal::Forbidden(_)),
        ) => {
            let view = match card::load(&web, &org, &id).await {
                Ok(view) => view,
                Err(refusal) => return pages::refused(&web, Some(&org), refusal),
            };
            render_close(
                &web,
                &org,
                &view,
                &q.acting_as,
                &form,
                &refusal.messages(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(refusal) => pages::refused(&web, Some(&org), refusal),
    }
}

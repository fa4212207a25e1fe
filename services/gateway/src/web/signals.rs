//! Signal journals, the intake form with the variant's fields and triage (the score and band
//! shown as it is filled in), and the decision on a signal.

use super::day::family_name;
use super::form::{Fields, datetime_in, datetime_value};
use super::gql::{Reason, Refusal, about};
use super::i18n::Lang;
use super::pages::{self, Section, csrf_field, page, parse_time};
use super::session::{Org, Web};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use kurator_casework::triage;
use kurator_method::Variant;
use kurator_method::schema::ClassificationPurpose;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const STATUSES: [&str; 6] = [
    "new",
    "accepted",
    "refused",
    "redirected",
    "not_confirmed",
    "one_time_help",
];

#[derive(Deserialize, Default)]
pub struct JournalQuery {
    status: Option<String>,
    journal: Option<String>,
}

pub async fn journal(
    web: Web,
    Path(slug): Path<String>,
    Query(q): Query<JournalQuery>,
) -> Response {
    let org = match web.org(&slug).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let lang = web.lang;
    let status = q.status.filter(|s| STATUSES.contains(&s.as_str()));
    let journal = match q.journal.as_deref() {
        Some("unconfirmed") => "UNCONFIRMED",
        Some("visitors") => "VISITORS",
        _ => "SIGNALS",
    };
    let data = match web
        .gql(
            Some(&slug),
            "query($journal: Journal!, $status: [String!]) { signals(journal: $journal, status: $status, first: 200) { id receivedAt source channel subject riskBand status caseId } }",
            json!({ "journal": journal, "status": status.as_ref().map(|s| vec![s]) }),
        )
        .await
    {
        Ok(data) => data,
        Err(refusal) => return pages::refused(&web, Some(&org), refusal),
    };
    let signals: Vec<&Value> = data["signals"].as_array().into_iter().flatten().collect();
    let body = html! {
        h1 { (lang.t("nav-signals")) }
        p { a.button.primary href=(org.path("/signals/new")) { (lang.t("signals-new")) } }
        form.filters method="get" action=(org.path("/signals")) {
            div.field {
                label for="journal" { (lang.t("signals-journal")) }
                select #journal name="journal" {
                    @for (key, value) in [("signals", "SIGNALS"), ("unconfirmed", "UNCONFIRMED"), ("visitors", "VISITORS")] {
                        option value=(key) selected[value == journal] { (lang.t(&format!("journal-{key}"))) }
                    }
                }
            }
            div.field {
                label for="signal-status" { (lang.t("col-status")) }
                select #signal-status name="status" {
                    option value="" { (lang.t("filter-any")) }
                    @for s in STATUSES {
                        option value=(s) selected[status.as_deref() == Some(s)] { (lang.t(&format!("signal-status-{s}"))) }
                    }
                }
            }
            button type="submit" { (lang.t("filter-apply")) }
        }
        @if signals.is_empty() {
            p.muted { (lang.t("signals-none")) }
        } @else {
            table.list {
                thead { tr {
                    th scope="col" { (lang.t("signals-received")) }
                    th scope="col" { (lang.t("signals-subject")) }
                    th scope="col" { (lang.t("signals-risk")) }
                    th scope="col" { (lang.t("col-status")) }
                } }
                tbody {
                    @for s in signals {
                        tr {
                            td { @if let Some(at) = parse_time(&s["receivedAt"]) { (pages::when(&org, &at)) } }
                            td { a href=(org.path(&format!("/signals/{}", s["id"].as_str().unwrap_or_default()))) { (family_name(&s["subject"])) } }
                            td { @if let Some(band) = s["riskBand"].as_str() { span class=(format!("badge risk-{band}")) { (lang.t(&format!("risk-{band}"))) } } }
                            td { (lang.t(&format!("signal-status-{}", s["status"].as_str().unwrap_or_default()))) }
                        }
                    }
                }
            }
        }
    };
    page(
        &web,
        Some(&org),
        Section::Signals,
        &lang.t("nav-signals"),
        body,
    )
    .into_response()
}

pub async fn new_form(web: Web, Path(slug): Path<String>) -> Response {
    let org = match web.org(&slug).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    render_new(&web, &org, &Fields(Vec::new()), &[], StatusCode::OK)
}

fn current_variant(org: &Org) -> Option<std::sync::Arc<Variant>> {
    org.runtime.current_variant().ok().cloned()
}

fn render_new(
    web: &Web,
    org: &Org,
    typed: &Fields,
    reasons: &[Reason],
    status: StatusCode,
) -> Response {
    let lang = web.lang;
    let errors: Vec<String> = reasons.iter().map(|r| r.message.clone()).collect();
    let errors = errors.as_slice();
    let Some(variant) = current_variant(org) else {
        return pages::failure(web, Some(org));
    };
    let doc = variant.doc();
    let zone = org.runtime.tenant().time_zone.clone();
    let received = typed
        .get("received_at")
        .map_or_else(|| datetime_value(Utc::now(), &zone), str::to_owned);
    let text = |name: &str| typed.text(name);
    let body = html! {
        h1 { (lang.t("signals-new")) }
        (pages::reasons(lang, errors))
        form method="post" action=(org.path("/signals/new")) {
            (csrf_field(web))
            input type="hidden" name="key" value=(typed.get("key").map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned));
            fieldset {
                legend { (lang.t("intake-reception")) }
                div.field {
                    label for="received_at" { (lang.t("signals-received")) }
                    input #received_at type="datetime-local" name="received_at" value=(received) required;
                }
                div.field {
                    label for="source" { (lang.t("intake-source")) }
                    select #source name="source" required {
                        @for s in ["family", "guardianship", "school", "kindergarten", "health", "police", "neighbours", "relatives", "staff", "other"] {
                            option value=(s) selected[typed.get("source") == Some(s)] { (lang.t(&format!("source-{s}"))) }
                        }
                    }
                }
                div.field {
                    label for="channel" { (lang.t("intake-channel")) }
                    select #channel name="channel" required {
                        @for c in ["call", "in_person", "messenger", "email", "written"] {
                            option value=(c) selected[typed.get("channel") == Some(c)] { (lang.t(&format!("channel-{c}"))) }
                        }
                    }
                }
            }
            fieldset {
                legend { (lang.t("intake-requester")) }
                div.field {
                    label for="requester_name" { (lang.t("field-name")) }
                    input #requester_name type="text" name="requester_name" value=(text("requester_name"));
                }
                div.field {
                    label for="requester_contact" { (lang.t("field-phone")) }
                    input #requester_contact type="text" name="requester_contact" value=(text("requester_contact"));
                }
            }
            fieldset {
                legend { (lang.t("intake-subject")) }
                div.field {
                    label for="subject_name" { (lang.t("intake-subject-name")) " *" }
                    input #subject_name type="text" name="subject_name" value=(text("subject_name")) required;
                }
                (super::steps::input_for(lang, "subject_birth_date", "subject_birth_date", &lang.t("field-birth-date"), kurator_method::schema::FieldKind::Date, false, typed.get("subject_birth_date").unwrap_or_default(), &about(reasons, "signal.subject.birth_date")))
                div.field {
                    label for="subject_address" { (lang.t("field-address")) }
                    input #subject_address type="text" name="subject_address" value=(text("subject_address"));
                }
                div.field {
                    label for="parents" { (lang.t("intake-parents")) }
                    input #parents type="text" name="parents" value=(text("parents"));
                }
            }
            div.field {
                label for="grounds" { (lang.t("intake-grounds")) " *" }
                textarea #grounds name="grounds" rows="4" required { (text("grounds")) }
            }
            div.field {
                label for="follow_up" { (lang.t("intake-follow-up")) }
                input #follow_up type="text" name="follow_up" value=(text("follow_up"));
            }
            @if let Some(form_key) = &doc.intake_form {
                @if let Some(artefact) = variant.artefact(form_key) {
                    fieldset {
                        legend { (lang.text(&artefact.name)) @if let Some(a) = &artefact.appendix { " (" (a) ")" } }
                        @for section in &artefact.sections {
                            h3 { (lang.text(&section.name)) }
                            @for field in &section.fields {
                                @let name = format!("form.{}.{}", section.key, field.key);
                                @let id = name.replace('.', "-");
                                (super::steps::input_for(lang, &id, &name, &lang.text(&field.name), field.kind, field.required, typed.get(&name).unwrap_or_default(), &about(reasons, &format!("artefacts.{form_key}.{}.{}", section.key, field.key))))
                            }
                        }
                    }
                }
            }
            div #triage hx-post=(org.path("/signals/triage")) hx-trigger="change" hx-target="#triage-result" hx-swap="innerHTML" {
                (triage_fields(lang, &variant, typed))
                div #triage-result aria-live="polite" {
                    (triage_result(lang, &variant, typed))
                }
            }
            button.primary type="submit" { (lang.t("intake-register")) }
        }
    };
    (
        status,
        page(
            web,
            Some(org),
            Section::Signals,
            &lang.t("signals-new"),
            body,
        ),
    )
        .into_response()
}

fn triage_fields(lang: Lang, variant: &Variant, typed: &Fields) -> Markup {
    let doc = variant.doc();
    html! {
        @for c in doc.classifications.iter().filter(|c| matches!(c.purpose, ClassificationPurpose::Risk | ClassificationPurpose::Category | ClassificationPurpose::CaseType)) {
            @let name = format!("class.{}", c.key);
            div.field {
                label for=(name.replace('.', "-")) { (lang.text(&c.name)) }
                select id=(name.replace('.', "-")) name=(name) {
                    option value="" { "—" }
                    @for v in &c.values {
                        option value=(v.key) selected[typed.get(&name) == Some(v.key.as_str())] { (lang.text(&v.name)) }
                    }
                }
                @for v in c.values.iter().filter(|v| !v.criteria.is_empty()) {
                    details.hint {
                        summary { (lang.text(&v.name)) ": " (lang.t("intake-criteria")) }
                        ul { @for crit in &v.criteria { li { (crit) } } }
                    }
                }
            }
        }
        @for table in &doc.scoring {
            fieldset {
                legend { (lang.text(&table.name)) }
                @for crit in &table.criteria {
                    @let name = format!("score.{}.{}", table.key, crit.key);
                    div.field {
                        label for=(name.replace('.', "-")) {
                            (lang.text(&crit.name))
                            @if let Some(unit) = &crit.unit { " (" (unit) ")" } @else { " (" (crit.min) "–" (crit.max) ")" }
                        }
                        @if crit.unit.is_some() {
                            input id=(name.replace('.', "-")) type="number" step="any" min="0" name=(name) value=(typed.text(&name));
                        } @else {
                            input id=(name.replace('.', "-")) type="number" min=(crit.min) max=(crit.max) name=(name) value=(typed.text(&name));
                        }
                    }
                }
            }
        }
    }
}

/// The triage input as the method engine takes it, from the form.
fn triage_input(variant: &Variant, form: &Fields) -> triage::TriageInput {
    let mut input = triage::TriageInput::default();
    for (key, value) in form.with_prefix("class.") {
        input
            .classifications
            .insert(key.to_owned(), value.trim().to_owned());
    }
    for (rest, value) in form.with_prefix("score.") {
        let Some((table, criterion)) = rest.split_once('.') else {
            continue;
        };
        let measured = variant
            .score_table(table)
            .and_then(|t| t.criteria.iter().find(|c| c.key == criterion))
            .is_some_and(|c| c.unit.is_some());
        if measured {
            if let Ok(v) = value.trim().replace(',', ".").parse::<f64>() {
                input
                    .values
                    .entry(table.to_owned())
                    .or_default()
                    .insert(criterion.to_owned(), v);
                input.scores.entry(table.to_owned()).or_default();
            }
        } else if let Ok(points) = value.trim().parse::<u32>() {
            input
                .scores
                .entry(table.to_owned())
                .or_default()
                .insert(criterion.to_owned(), points);
        }
    }
    input
}

/// The score and band as the method engine computes them from what is typed so far.
fn triage_result(lang: Lang, variant: &Variant, form: &Fields) -> Markup {
    let input = triage_input(variant, form);
    if input.classifications.is_empty()
        && input.scores.values().all(BTreeMap::is_empty)
        && input.values.is_empty()
    {
        return html! { p.muted { (lang.t("intake-triage-empty")) } };
    }
    match triage::evaluate(variant, &input) {
        Ok(result) => html! {
            div.triage {
                @for score in &result.scores {
                    @let table = variant.score_table(&score.table);
                    p {
                        strong { (table.map_or(score.table.clone(), |t| lang.text(&t.name))) ": " }
                        (lang.f("intake-score", &[("total", i64::from(score.total).into())]))
                        " · "
                        span class=(format!("badge risk-{}", score.canonical)) {
                            (table.and_then(|t| t.bands.iter().find(|b| b.key == score.band)).map_or(score.band.clone(), |b| lang.text(&b.name)))
                        }
                    }
                }
                @if let Some(band) = &result.canonical_risk {
                    p { (lang.t("signals-risk")) ": " span class=(format!("badge risk-{band}")) { (lang.t(&format!("risk-{band}"))) } }
                }
            }
        },
        Err(problems) => html! {
            ul.missing { @for p in problems { li { (p.message(lang.messages())) } } }
        },
    }
}

pub async fn triage_preview(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org(&slug).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let Some(variant) = current_variant(&org) else {
        return pages::failure(&web, Some(&org));
    };
    triage_result(web.lang, &variant, &form).into_response()
}

pub async fn register(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let Some(variant) = current_variant(&org) else {
        return pages::failure(&web, Some(&org));
    };
    let zone = org.runtime.tenant().time_zone.clone();
    let input = triage_input(&variant, &form);
    let classifications: Vec<Value> = input
        .classifications
        .iter()
        .map(|(k, v)| json!({ "key": k, "value": v }))
        .collect();
    let mut scores = Vec::new();
    for (table, points) in &input.scores {
        let mut list: Vec<Value> = points
            .iter()
            .map(|(c, p)| json!({ "criterion": c, "points": p }))
            .collect();
        for (c, v) in input.values.get(table).into_iter().flatten() {
            list.push(json!({ "criterion": c, "value": v }));
        }
        if !list.is_empty() {
            scores.push(json!({ "table": table, "points": list }));
        }
    }
    let mut intake_form = Map::new();
    for (rest, value) in form.with_prefix("form.") {
        if let Some((section, field)) = rest.split_once('.') {
            let entry = intake_form
                .entry(section.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(map) = entry.as_object_mut() {
                map.insert(field.to_owned(), json!(value.trim()));
            }
        }
    }
    let mut subject = Map::new();
    subject.insert("name".into(), json!(form.text("subject_name")));
    if let Some(d) = form.get("subject_birth_date") {
        subject.insert("birth_date".into(), json!(d));
    }
    if let Some(a) = form.get("subject_address") {
        subject.insert("address".into(), json!(a));
    }
    let input = json!({
        "receivedAt": form.get("received_at").and_then(|v| datetime_in(v, &zone)).unwrap_or_else(Utc::now),
        "source": form.text("source"),
        "channel": form.text("channel"),
        "requester": { "name": form.text("requester_name"), "contact": form.text("requester_contact") },
        "subject": subject,
        "parents": { "names": form.text("parents") },
        "grounds": form.text("grounds"),
        "followUp": form.text("follow_up"),
        "triage": { "classifications": classifications, "scores": scores },
        "form": if doc_has_form(&variant) { Value::Object(intake_form) } else { Value::Null },
    });
    let answer = web
        .gql(
            Some(&slug),
            "mutation($input: SignalInput!, $key: String) { registerSignal(input: $input, idempotencyKey: $key) { id } }",
            json!({ "input": input, "key": form.get("key") }),
        )
        .await;
    match answer {
        Ok(data) => Redirect::to(&org.path(&format!(
            "/signals/{}",
            data["registerSignal"]["id"].as_str().unwrap_or_default()
        )))
        .into_response(),
        Err(refusal @ (Refusal::Rejected(_) | Refusal::Conflict { .. })) => render_new(
            &web,
            &org,
            &form,
            &refusal.reasons(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(refusal) => pages::refused(&web, Some(&org), refusal),
    }
}

fn doc_has_form(variant: &Variant) -> bool {
    variant.doc().intake_form.is_some()
}

const SIGNAL: &str = "query($id: ID!) { signal(id: $id) { id version receivedAt source channel requester subject parents grounds followUp triage form riskBand status decision caseId } }";

pub async fn show(web: Web, Path((slug, id)): Path<(String, String)>) -> Response {
    let org = match web.org(&slug).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    render_signal(&web, &org, &id, &Fields(Vec::new()), &[], StatusCode::OK).await
}

async fn render_signal(
    web: &Web,
    org: &Org,
    id: &str,
    typed: &Fields,
    errors: &[String],
    status: StatusCode,
) -> Response {
    let lang = web.lang;
    let data = match web.gql(Some(&org.slug), SIGNAL, json!({ "id": id })).await {
        Ok(data) => data,
        Err(refusal) => return pages::refused(web, Some(org), refusal),
    };
    let s = &data["signal"];
    let decisions: Vec<String> = current_variant(org)
        .map(|v| v.doc().signal_decisions.clone())
        .unwrap_or_default();
    let chosen = typed.get("kind").unwrap_or("accept");
    let title = family_name(&s["subject"]);
    let body = html! {
        h1 { (lang.t("signal-title")) ": " (title) }
        (pages::reasons(lang, errors))
        div.card-grid {
            section.panel {
                h2 { (lang.t("signal-details")) }
                dl {
                    dt { (lang.t("signals-received")) } dd { @if let Some(at) = parse_time(&s["receivedAt"]) { (pages::when(org, &at)) } }
                    dt { (lang.t("intake-source")) } dd { (lang.t_or(&format!("source-{}", s["source"].as_str().unwrap_or_default()), s["source"].as_str().unwrap_or_default())) }
                    dt { (lang.t("intake-channel")) } dd { (lang.t_or(&format!("channel-{}", s["channel"].as_str().unwrap_or_default()), s["channel"].as_str().unwrap_or_default())) }
                    dt { (lang.t("col-status")) } dd { (lang.t(&format!("signal-status-{}", s["status"].as_str().unwrap_or_default()))) }
                    @if let Some(band) = s["riskBand"].as_str() {
                        dt { (lang.t("signals-risk")) } dd { span class=(format!("badge risk-{band}")) { (lang.t(&format!("risk-{band}"))) } }
                    }
                    dt { (lang.t("intake-grounds")) } dd { (s["grounds"].as_str().unwrap_or_default()) }
                }
                h3 { (lang.t("intake-subject")) }
                (super::card::json_view(lang, &s["subject"]))
                h3 { (lang.t("intake-requester")) }
                (super::card::json_view(lang, &s["requester"]))
                @if let Some(case) = s["caseId"].as_str() {
                    p { a.button.primary href=(org.path(&format!("/cases/{case}"))) { (lang.t("signal-open-case")) } }
                }
            }
            @if s["status"].as_str() == Some("new") {
                section.panel {
                    h2 { (lang.t("signal-decision")) }
                    form method="post" action=(org.path(&format!("/signals/{id}"))) {
                        (csrf_field(web))
                        input type="hidden" name="version" value=(s["version"]);
                        fieldset {
                            legend { (lang.t("signal-decision-kind")) }
                            @for d in &decisions {
                                div.field.check {
                                    input id=(format!("kind-{d}")) type="radio" name="kind" value=(d) checked[d == chosen];
                                    label for=(format!("kind-{d}")) { (lang.t(&format!("decision-{d}"))) }
                                }
                            }
                        }
                        div.field {
                            label for="family_name" { (lang.t("signal-family-name")) }
                            input #family_name type="text" name="family_name" value=(typed.get("family_name").map_or_else(|| title.clone(), str::to_owned));
                            span.hint { (lang.t("signal-family-hint")) }
                        }
                        div.field {
                            label for="reasons" { (lang.t("signal-reasons")) }
                            textarea #reasons name="reasons" rows="3" { (typed.text("reasons")) }
                        }
                        div.field {
                            label for="alternatives" { (lang.t("signal-alternatives")) }
                            textarea #alternatives name="alternatives" rows="3" { (typed.text("alternatives")) }
                            span.hint { (lang.t("signal-alternatives-hint")) }
                        }
                        div.field {
                            label for="redirect_to" { (lang.t("signal-redirect-to")) }
                            input #redirect_to type="text" name="redirect_to" value=(typed.text("redirect_to"));
                        }
                        div.field {
                            label for="help" { (lang.t("signal-help")) }
                            input #help type="text" name="help" value=(typed.text("help"));
                        }
                        button.primary type="submit" { (lang.t("signal-decide")) }
                    }
                }
            }
        }
    };
    (status, page(web, Some(org), Section::Signals, &title, body)).into_response()
}

pub async fn decide(web: Web, Path((slug, id)): Path<(String, String)>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let kind = form.text("kind");
    let graphql_kind = match kind.as_str() {
        "accept" => "ACCEPT",
        "refuse" => "REFUSE",
        "redirect" => "REDIRECT",
        "not_confirmed" => "NOT_CONFIRMED",
        _ => "ONE_TIME_HELP",
    };
    let alternatives: Vec<String> = form
        .text("alternatives")
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    let decision = json!({
        "kind": graphql_kind,
        "family": (kind == "accept").then(|| json!({ "name": form.text("family_name") })),
        "reasons": form.get("reasons"),
        "alternatives": alternatives,
        "redirectTo": form.get("redirect_to"),
        "help": form.get("help"),
    });
    let answer = web
        .gql(
            Some(&slug),
            "mutation($id: ID!, $version: Int!, $decision: SignalDecisionInput!) { decideSignal(id: $id, version: $version, decision: $decision) { caseId } }",
            json!({ "id": id, "version": form.int("version").unwrap_or_default(), "decision": decision }),
        )
        .await;
    match answer {
        Ok(data) => match data["decideSignal"]["caseId"].as_str() {
            Some(case) => Redirect::to(&org.path(&format!("/cases/{case}"))).into_response(),
            None => Redirect::to(&org.path(&format!("/signals/{id}"))).into_response(),
        },
        Err(refusal @ (Refusal::Rejected(_) | Refusal::Conflict { .. })) => {
            render_signal(
                &web,
                &org,
                &id,
                &form,
                &refusal.messages(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(refusal) => pages::refused(&web, Some(&org), refusal),
    }
}

//! The case card: stage, classifications, curator and team, status; obligations coloured by
//! status; «Что дальше» with every missing requirement; the record's timeline; the family; the
//! plan with its revisions; attribute history. Opening it is audited by the service.

use super::day::{case_title, family_name};
use super::form::Fields;
use super::gql::Refusal;
use super::i18n::Lang;
use super::pages::{self, Section, csrf_field, page, parse_time};
use super::session::{Org, Web};
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use kurator_method::Variant;
use maud::{Markup, html};
use serde_json::{Value, json};
use std::sync::Arc;

pub const CASE_FIELDS: &str = "id number version status variantVersion curatorId pendingApprovals
  stage { key name phase }
  members { userId kind addedAt endedAt }
  family attributes openedAt closedAt postSupportUntil outcome overdue slipDays
  obligations { key label from due status metAt }
  plan { id number meetingDate participants
    actions { id version title deadline responsible owner doneAt result } }
  records { id kind key at data actorId }";

/// The case with «Что дальше» for each method role the person holds, the staff's names and
/// those roles. The case is read once: the service records it as one card view.
pub async fn load(web: &Web, org: &Org, id: &str) -> Result<CaseView, Refusal> {
    let people = web
        .gql(
            Some(&org.slug),
            "query { colleagues { id displayName roles } myMethodRoles }",
            json!({}),
        )
        .await?;
    let roles: Vec<String> = people["myMethodRoles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str().map(str::to_owned))
        .collect();
    let mut args = vec!["$id: ID!".to_owned()];
    let mut fields = Vec::new();
    let mut vars = serde_json::Map::new();
    vars.insert("id".into(), json!(id));
    for (i, role) in roles.iter().enumerate() {
        args.push(format!("$r{i}: String!"));
        fields.push(format!(
            "n{i}: nextActions(actingAs: $r{i}) {{ kind action name {{ ru kk en }} ready missing {{ code message }} }}"
        ));
        vars.insert(format!("r{i}"), json!(role));
    }
    let document = format!(
        "query({}) {{ case(id: $id) {{ {CASE_FIELDS} {} }} }}",
        args.join(", "),
        fields.join(" ")
    );
    let data = web
        .gql(Some(&org.slug), &document, Value::Object(vars))
        .await?;
    Ok(CaseView::new(org, data, people, roles))
}

/// The organisation and the case a page is about, or the page to answer with instead.
pub async fn open(web: &Web, slug: &str, id: &str) -> Result<(Org, CaseView), Response> {
    let org = web.org(slug).await?;
    match load(web, &org, id).await {
        Ok(view) => Ok((org, view)),
        Err(refusal) => Err(pages::refused(web, Some(&org), refusal)),
    }
}

/// A case as the pages use it.
pub struct CaseView {
    pub case: Value,
    pub colleagues: Vec<(String, String, Vec<String>)>,
    pub my_method_roles: Vec<String>,
    /// «Что дальше» for each of those roles.
    pub next: Vec<(String, Value)>,
    pub variant: Option<Arc<Variant>>,
}

impl CaseView {
    fn new(org: &Org, mut data: Value, people: Value, my_method_roles: Vec<String>) -> Self {
        let mut case = data["case"].take();
        let next = my_method_roles
            .iter()
            .enumerate()
            .map(|(i, role)| {
                let actions = case
                    .as_object_mut()
                    .and_then(|c| c.remove(&format!("n{i}")))
                    .unwrap_or(Value::Null);
                (role.clone(), actions)
            })
            .collect();
        let colleagues = people["colleagues"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    c["id"].as_str().unwrap_or_default().to_owned(),
                    c["displayName"].as_str().unwrap_or_default().to_owned(),
                    c["roles"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|r| r.as_str().map(str::to_owned))
                        .collect(),
                )
            })
            .collect();
        let version = case["variantVersion"].as_i64().unwrap_or_default();
        let variant = org.runtime.variant(version as i32).ok().cloned();
        Self {
            case,
            colleagues,
            my_method_roles,
            next,
            variant,
        }
    }

    pub fn id(&self) -> &str {
        self.case["id"].as_str().unwrap_or_default()
    }

    pub fn version(&self) -> i64 {
        self.case["version"].as_i64().unwrap_or_default()
    }

    pub fn title(&self, lang: Lang) -> String {
        case_title(
            lang,
            self.case["number"].as_i64(),
            &family_name(&self.case["family"]),
        )
    }

    pub fn person(&self, id: Option<&str>) -> String {
        let Some(id) = id else {
            return "—".into();
        };
        self.colleagues
            .iter()
            .find(|(i, _, _)| i == id)
            .map_or_else(|| "—".into(), |(_, name, _)| name.clone())
    }

    pub fn status(&self) -> &str {
        self.case["status"].as_str().unwrap_or_default()
    }

    pub fn is_active(&self) -> bool {
        matches!(self.status(), "intake" | "open" | "post_support")
    }

    /// A variant role's name.
    pub fn role_name(&self, lang: Lang, key: &str) -> String {
        self.variant
            .as_ref()
            .and_then(|v| v.role(key))
            .map_or_else(|| key.to_owned(), |r| lang.text(&r.name))
    }
}

pub async fn show(web: Web, Path((slug, id)): Path<(String, String)>) -> Response {
    let (org, view) = match open(&web, &slug, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let lang = web.lang;
    let body = card(&web, &org, &view, &[]);
    page(&web, Some(&org), Section::Cases, &view.title(lang), body).into_response()
}

/// The card's body; `errors` are refusal reasons to show at the top (after a failed action).
pub fn card(web: &Web, org: &Org, view: &CaseView, errors: &[String]) -> Markup {
    let lang = web.lang;
    let case = &view.case;
    let status = view.status();
    let id = view.id();
    let curator = case["curatorId"].as_str();
    html! {
        div.card-head {
            h1 { (view.title(lang)) }
            p {
                span class=(format!("badge case-{status}")) { (lang.t(&format!("case-status-{status}"))) }
                " " strong { (case["stage"]["name"].as_str().unwrap_or_default()) }
                @if case["overdue"].as_bool() == Some(true) {
                    " " span.badge.overdue { (lang.t("status-overdue")) }
                }
            }
            nav.actions aria-label=(lang.t("card-actions")) {
                @if view.is_active() {
                    a.button.primary href=(org.path(&format!("/cases/{id}/visit"))) { (lang.t("card-record-visit")) }
                    a.button href=(org.path(&format!("/cases/{id}/plan"))) { (lang.t("card-plan")) }
                }
                a.button href=(org.path(&format!("/cases/{id}/print"))) { (lang.t("card-print")) }
                a.button href=(org.path(&format!("/cases/{id}/plan.xlsx"))) { (lang.t("card-plan-xlsx")) }
            }
        }
        (pages::reasons(lang, errors))
        div.card-grid {
            section.panel aria-labelledby="card-summary" {
                h2 #card-summary { (lang.t("card-summary")) }
                dl {
                    dt { (lang.t("card-curator")) } dd { (view.person(curator)) }
                    dt { (lang.t("card-opened")) }
                    dd { @if let Some(at) = parse_time(&case["openedAt"]) { (pages::day(org, &at)) } }
                    @if let Some(at) = parse_time(&case["closedAt"]) {
                        dt { (lang.t("card-closed")) } dd { (pages::day(org, &at)) }
                    }
                    @if let Some(at) = parse_time(&case["postSupportUntil"]) {
                        dt { (lang.t("card-post-support-until")) } dd { (pages::day(org, &at)) }
                    }
                    @for (key, value) in attributes(lang, view) {
                        dt { (key) } dd { (value) }
                    }
                    dt { (lang.t("card-variant-version")) } dd { (case["variantVersion"]) }
                }
                (team(lang, view))
                @if org.is_lead() && view.is_active() {
                    (assign_form(web, org, view))
                }
            }
            section.panel aria-labelledby="card-obligations" {
                h2 #card-obligations { (lang.t("card-obligations")) }
                (obligations(org, lang, case))
            }
            section.panel.wide aria-labelledby="card-next" {
                h2 #card-next { (lang.t("card-next")) }
                (next_list(org, lang, view))
            }
            section.panel aria-labelledby="card-family" {
                h2 #card-family { (lang.t("card-family")) }
                (json_view(lang, &case["family"]))
            }
            section.panel aria-labelledby="card-plan" {
                h2 #card-plan { (lang.t("card-plan")) }
                (plan_view(web, org, view, false))
            }
            section.panel.wide aria-labelledby="card-timeline" {
                h2 #card-timeline { (lang.t("card-timeline")) }
                (timeline(org, lang, view))
            }
            section.panel aria-labelledby="card-attributes" {
                h2 #card-attributes { (lang.t("card-attribute-history")) }
                (attribute_history(org, lang, view))
            }
        }
    }
}

/// The case's classifications and attributes with the variant's names.
pub fn attributes(lang: Lang, view: &CaseView) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(map) = view.case["attributes"].as_object() else {
        return out;
    };
    for (key, value) in map {
        let raw = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let named = view.variant.as_ref().and_then(|v| {
            if let Some(c) = v.classification(key) {
                let value = c
                    .values
                    .iter()
                    .find(|x| x.key == raw)
                    .map_or(raw.clone(), |x| lang.text(&x.name));
                return Some((lang.text(&c.name), value));
            }
            if let Some(t) = v.score_table(key) {
                let band = t
                    .bands
                    .iter()
                    .find(|b| b.key == raw)
                    .map_or(raw.clone(), |b| lang.text(&b.name));
                return Some((lang.text(&t.name), band));
            }
            v.doc().attributes.iter().find(|a| a.key == *key).map(|a| {
                let value = a
                    .values
                    .iter()
                    .find(|x| x.key == raw)
                    .map_or(raw.clone(), |x| lang.text(&x.name));
                (lang.text(&a.name), value)
            })
        });
        out.push(named.unwrap_or((key.clone(), raw)));
    }
    out
}

fn team(lang: Lang, view: &CaseView) -> Markup {
    let members: Vec<&Value> = view.case["members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["endedAt"].is_null())
        .collect();
    html! {
        h3 { (lang.t("card-team")) }
        @if members.is_empty() {
            p.muted { "—" }
        } @else {
            ul.plain {
                @for m in members {
                    li { (view.person(m["userId"].as_str())) " · " span.muted { (lang.t(&format!("member-{}", m["kind"].as_str().unwrap_or_default()))) } }
                }
            }
        }
    }
}

fn assign_form(web: &Web, org: &Org, view: &CaseView) -> Markup {
    let lang = web.lang;
    let curators: Vec<&(String, String, Vec<String>)> = view
        .colleagues
        .iter()
        .filter(|(_, _, roles)| roles.iter().any(|r| r == "curator"))
        .collect();
    html! {
        form.inline method="post" action=(org.path(&format!("/cases/{}/assign", view.id()))) {
            (csrf_field(web))
            input type="hidden" name="version" value=(view.version());
            label for="assign-curator" { (lang.t("card-assign-curator")) }
            select #assign-curator name="curator" {
                @for (id, name, _) in curators {
                    option value=(id) selected[view.case["curatorId"].as_str() == Some(id.as_str())] { (name) }
                }
            }
            button type="submit" { (lang.t("card-assign")) }
        }
    }
}

pub fn obligations(org: &Org, lang: Lang, case: &Value) -> Markup {
    let list: Vec<&Value> = case["obligations"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    html! {
        @if list.is_empty() {
            p.muted { (lang.t("card-no-obligations")) }
        } @else {
            table.obligations {
                thead { tr {
                    th scope="col" { (lang.t("col-obligation")) }
                    th scope="col" { (lang.t("col-due")) }
                    th scope="col" { (lang.t("col-status")) }
                } }
                tbody {
                    @for o in list {
                        @let status = o["status"].as_str().unwrap_or_default().to_ascii_lowercase();
                        tr class=(format!("ob {status}")) data-key=(o["key"].as_str().unwrap_or_default()) {
                            td { (o["label"].as_str().unwrap_or_default()) }
                            td { @if let Some(due) = parse_time(&o["due"]) { (pages::when(org, &due)) } }
                            td {
                                span class=(format!("badge {status}")) { (lang.t(&format!("status-{status}"))) }
                                @if let Some(met) = parse_time(&o["metAt"]) {
                                    " " span.muted { (pages::day(org, &met)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn next_list(org: &Org, lang: Lang, view: &CaseView) -> Markup {
    html! {
        @if !view.is_active() {
            p.muted { (lang.t("card-next-none")) }
        } @else if view.my_method_roles.is_empty() {
            p.muted { (lang.t("card-next-no-roles")) }
        }
        @for (role, actions) in &view.next {
            @let list: Vec<&Value> = actions.as_array().into_iter().flatten().collect();
            @if !list.is_empty() {
                h3 { (lang.t("card-acting-as")) " " (view.role_name(lang, role)) }
                ul.next {
                    @for a in list {
                        @let ready = a["ready"].as_bool() == Some(true);
                        @let kind = if a["kind"].as_str() == Some("TRANSITION") { "transition" } else { "step" };
                        li class=(if ready { "ready" } else { "blocked" }) {
                            @if kind == "transition" { span.muted { (lang.t("card-move-to")) " " } }
                            strong { (lang.text_json(&a["name"])) }
                            " "
                            a.button.small href=(org.path(&format!("/cases/{}/act?kind={kind}&action={}&as={role}", view.id(), a["action"].as_str().unwrap_or_default()))) {
                                (if ready { lang.t("card-do") } else { lang.t("card-open-form") })
                            }
                            @let missing: Vec<&Value> = a["missing"].as_array().into_iter().flatten().collect();
                            @if !missing.is_empty() {
                                ul.missing {
                                    @for m in missing { li { (m["message"].as_str().unwrap_or_default()) } }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if view.status() == "open" {
            @if let Some(role) = view.my_method_roles.first() {
                p { a.button href=(org.path(&format!("/cases/{}/close?as={role}", view.id()))) { (lang.t("card-close")) } }
            }
        }
    }
}

/// A JSON object as a definition list (the family, a record's data).
pub fn json_view(lang: Lang, value: &Value) -> Markup {
    html! {
        @match value {
            Value::Object(map) if !map.is_empty() => {
                dl.json {
                    @for (k, v) in map {
                        dt { (field_label(lang, k)) }
                        dd { (json_view(lang, v)) }
                    }
                }
            }
            Value::Array(items) if !items.is_empty() => {
                ul.plain { @for v in items { li { (json_view(lang, v)) } } }
            }
            Value::String(s) => { (s) }
            Value::Bool(b) => { (if *b { lang.t("yes") } else { lang.t("no") }) }
            Value::Number(n) => { (n) }
            _ => { span.muted { "—" } }
        }
    }
}

/// Common keys of family and record data in the person's language; other keys as they are.
fn field_label(lang: Lang, key: &str) -> String {
    let known = [
        "name",
        "birth_date",
        "address",
        "phone",
        "notes",
        "participants",
        "findings",
        "children",
        "parents",
        "mother",
        "father",
        "offline",
        "recorded_offline_at",
    ];
    if known.contains(&key) {
        lang.t(&format!("field-{}", key.replace('_', "-")))
    } else {
        key.to_owned()
    }
}

pub fn plan_view(web: &Web, org: &Org, view: &CaseView, print: bool) -> Markup {
    let lang = web.lang;
    let revisions: Vec<&Value> = view.case["plan"].as_array().into_iter().flatten().collect();
    let latest = revisions
        .iter()
        .map(|r| r["number"].as_i64().unwrap_or_default())
        .max();
    html! {
        @if revisions.is_empty() {
            p.muted { (lang.t("plan-none")) }
        }
        @for r in revisions.iter().rev() {
            @let current = r["number"].as_i64() == latest;
            details open[current || print] {
                summary {
                    (lang.t("plan-revision")) " " (r["number"]) " · "
                    @if let Some(at) = parse_time(&r["meetingDate"]) { (pages::day(org, &at)) }
                    @if current { " · " (lang.t("plan-current")) }
                }
                p.muted { (lang.t("plan-participants")) ": " (r["participants"].as_array().map(|p| p.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")).unwrap_or_default()) }
                table.plan {
                    thead { tr {
                        th scope="col" { (lang.t("plan-action")) }
                        th scope="col" { (lang.t("plan-deadline")) }
                        th scope="col" { (lang.t("plan-responsible")) }
                        th scope="col" { (lang.t("plan-owner")) }
                        th scope="col" { (lang.t("plan-done")) }
                    } }
                    tbody {
                        @for a in r["actions"].as_array().into_iter().flatten() {
                            tr {
                                td { (a["title"].as_str().unwrap_or_default()) }
                                td { @if let Some(at) = parse_time(&a["deadline"]) { (pages::day(org, &at)) } }
                                td { (responsible(view, &a["responsible"])) }
                                td { (lang.t(&format!("owner-{}", a["owner"].as_str().unwrap_or_default()))) }
                                td {
                                    @if let Some(done) = parse_time(&a["doneAt"]) {
                                        (pages::day(org, &done))
                                        @if let Some(result) = a["result"].as_str() { br; span.muted { (result) } }
                                    } @else if current && !print && view.is_active() {
                                        form.inline method="post" action=(org.path(&format!("/cases/{}/plan/{}/done", view.id(), a["id"].as_str().unwrap_or_default()))) {
                                            (csrf_field(web))
                                            input type="hidden" name="version" value=(a["version"]);
                                            @let field = format!("result-{}", a["id"].as_str().unwrap_or_default());
                                            label.visually-hidden for=(field) { (lang.t("plan-result")) }
                                            input id=(field) type="text" name="result" placeholder=(lang.t("plan-result"));
                                            button.small type="submit" { (lang.t("plan-mark-done")) }
                                        }
                                    } @else {
                                        "—"
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn responsible(view: &CaseView, value: &Value) -> String {
    if let Some(user) = value.get("userId").and_then(Value::as_str) {
        return view.person(Some(user));
    }
    value
        .get("organisation")
        .and_then(Value::as_str)
        .unwrap_or("—")
        .to_owned()
}

/// What a record entry is, in words: the variant's name of its step, stage, contact kind…
fn record_label(lang: Lang, view: &CaseView, record: &Value) -> String {
    let kind = record["kind"].as_str().unwrap_or_default();
    let key = record["key"].as_str().unwrap_or_default();
    let named = view.variant.as_ref().and_then(|v| match kind {
        "step" => v.step(key).map(|(_, s)| lang.text(&s.name)),
        "stage" => v.stage(key).map(|s| lang.text(&s.name)),
        "artefact" | "consent" => v.artefact(key).map(|a| lang.text(&a.name)),
        "decision" => v.decision(key).map(|d| lang.text(&d.name)),
        "contact" => v
            .doc()
            .contact_kinds
            .iter()
            .find(|c| c.key == key)
            .map(|c| lang.text(&c.name)),
        "monitoring" => v
            .doc()
            .monitoring_kinds
            .iter()
            .find(|c| c.key == key)
            .map(|c| lang.text(&c.name)),
        "event" => v
            .doc()
            .events
            .iter()
            .find(|e| e.key == key)
            .map(|e| lang.text(&e.name)),
        "attribute" => v
            .classification(key)
            .map(|c| lang.text(&c.name))
            .or_else(|| v.score_table(key).map(|t| lang.text(&t.name))),
        _ => None,
    });
    let kind_label = lang.t(&format!("record-{}", kind.replace('_', "-")));
    match named {
        Some(name) => format!("{kind_label}: {name}"),
        None if key.is_empty() => kind_label,
        None => format!("{kind_label}: {key}"),
    }
}

fn timeline(org: &Org, lang: Lang, view: &CaseView) -> Markup {
    let mut records: Vec<&Value> = view.case["records"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    records.reverse();
    html! {
        @if records.is_empty() {
            p.muted { "—" }
        } @else {
            ol.timeline {
                @for r in records {
                    li class=(format!("rec {}", r["kind"].as_str().unwrap_or_default())) {
                        span.when { @if let Some(at) = parse_time(&r["at"]) { (pages::when(org, &at)) } }
                        " " strong { (record_label(lang, view, r)) }
                        @if r["actorId"].is_string() {
                            " · " span.muted { (view.person(r["actorId"].as_str())) }
                        }
                        @if matches!(r["kind"].as_str(), Some("contact" | "monitoring" | "closure")) {
                            @if r["data"].as_object().is_some_and(|m| !m.is_empty()) {
                                details { summary { (lang.t("record-details")) } (json_view(lang, &r["data"])) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn attribute_history(org: &Org, lang: Lang, view: &CaseView) -> Markup {
    let records: Vec<&Value> = view.case["records"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["kind"].as_str() == Some("attribute"))
        .collect();
    html! {
        @if records.is_empty() {
            p.muted { (lang.t("card-no-attribute-changes")) }
        } @else {
            ul.plain {
                @for r in records {
                    li {
                        span.when { @if let Some(at) = parse_time(&r["at"]) { (pages::day(org, &at)) } }
                        " " (record_label(lang, view, r)) " → "
                        (r["data"].get("value").map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).unwrap_or_default())
                    }
                }
            }
        }
    }
}

/// The print view of the card (print CSS; no navigation).
pub async fn print(web: Web, Path((slug, id)): Path<(String, String)>) -> Response {
    let (org, view) = match open(&web, &slug, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let lang = web.lang;
    let body = html! {
        div.print {
            p.muted { (org.name(lang)) }
            h1 { (view.title(lang)) }
            p { (lang.t(&format!("case-status-{}", view.status()))) " · " (view.case["stage"]["name"].as_str().unwrap_or_default()) }
            dl {
                dt { (lang.t("card-curator")) } dd { (view.person(view.case["curatorId"].as_str())) }
                @for (key, value) in attributes(lang, &view) { dt { (key) } dd { (value) } }
            }
            h2 { (lang.t("card-family")) }
            (json_view(lang, &view.case["family"]))
            h2 { (lang.t("card-obligations")) }
            (obligations(&org, lang, &view.case))
            h2 { (lang.t("card-plan")) }
            (plan_view(&web, &org, &view, true))
            h2 { (lang.t("card-timeline")) }
            (timeline(&org, lang, &view))
        }
    };
    page(&web, Some(&org), Section::Cases, &view.title(lang), body).into_response()
}

/// A supervisor gives the case to a curator; the method's caseload rule may refuse, in its words.
pub async fn assign(web: Web, Path((slug, id)): Path<(String, String)>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let answer = web
        .gql(
            Some(&slug),
            "mutation($id: ID!, $version: Int!, $curator: ID!) { assignCurator(caseId: $id, version: $version, curatorId: $curator) { case { id } } }",
            json!({ "id": id, "version": form.int("version").unwrap_or_default(), "curator": form.text("curator") }),
        )
        .await;
    match answer {
        Ok(_) => Redirect::to(&org.path(&format!("/cases/{id}"))).into_response(),
        Err(Refusal::Rejected(reasons)) => {
            let messages: Vec<String> = reasons.into_iter().map(|r| r.message).collect();
            rerender(&web, &org, &id, &messages).await
        }
        Err(Refusal::Conflict { message, .. }) => rerender(&web, &org, &id, &[message]).await,
        Err(refusal) => pages::refused(&web, Some(&org), refusal),
    }
}

/// Adds a specialist to the case team.
pub async fn add_member(
    web: Web,
    Path((slug, id)): Path<(String, String)>,
    form: Fields,
) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let answer = web
        .gql(
            Some(&slug),
            "mutation($id: ID!, $version: Int!, $user: ID!, $kind: String!) { addCaseMember(caseId: $id, version: $version, userId: $user, kind: $kind) { id } }",
            json!({ "id": id, "version": form.int("version").unwrap_or_default(), "user": form.text("user"), "kind": form.text("kind") }),
        )
        .await;
    match answer {
        Ok(_) => Redirect::to(&org.path(&format!("/cases/{id}"))).into_response(),
        Err(Refusal::NotFound | Refusal::Unauthenticated | Refusal::Internal(_)) => {
            pages::refused(&web, Some(&org), Refusal::NotFound)
        }
        Err(refusal) => rerender(&web, &org, &id, &refusal.messages()).await,
    }
}

/// The card again, with the reasons an action was refused at its top.
pub async fn rerender(web: &Web, org: &Org, id: &str, messages: &[String]) -> Response {
    let view = match load(web, org, id).await {
        Ok(view) => view,
        Err(refusal) => return pages::refused(web, Some(org), refusal),
    };
    let body = card(web, org, &view, messages);
    (
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        page(web, Some(org), Section::Cases, &view.title(web.lang), body),
    )
        .into_response()
}

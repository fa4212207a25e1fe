//! The case list with the API's filters, search by family or case number, and paging. Filters
//! and the search are posted, never put in the address: a surname is personal data.

use super::day::{case_title, family_name};
use super::form::{Fields, date_in};
use super::gql::Refusal;
use super::i18n::Lang;
use super::pages::{self, Section, csrf_field, page, parse_time};
use super::session::{Org, Web};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde_json::{Value, json};

pub const PAGE_SIZE: i64 = 25;

pub const LIST: &str = r#"query($filter: CaseFilter!, $first: Int!, $after: String) {
  cases(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id number status family openedAt closedAt curatorId overdue attributes
      stage { name } } }
  }
  colleagues { id displayName }
}"#;

const STATUSES: [&str; 5] = ["intake", "open", "post_support", "closed", "declined"];

/// The filter as the API takes it, from the list form.
pub fn filter_of(org: &Org, form: &Fields) -> Value {
    let zone = org.runtime.tenant().time_zone.clone();
    let statuses = form.all("status");
    let attributes: Vec<Value> = form
        .with_prefix("attr.")
        .map(|(key, value)| json!({ "key": key, "value": value.trim() }))
        .collect();
    json!({
        "status": (!statuses.is_empty()).then_some(statuses),
        "mine": form.checked("mine"),
        "overdue": form.checked("overdue"),
        "dueWithinDays": form.int("due_within"),
        "curatorId": form.get("curator"),
        "attributes": attributes,
        "openedFrom": form.get("opened_from").and_then(|d| date_in(d, &zone)),
        "openedTo": form.get("opened_to").and_then(|d| date_in(d, &zone)).map(|d| d + chrono::Duration::days(1) - chrono::Duration::seconds(1)),
        "search": form.get("search"),
    })
}

pub async fn list(web: Web, Path(slug): Path<String>) -> Response {
    let org = match web.org(&slug).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    // A curator starts with their own active cases; a supervisor with the organisation's.
    let mut defaults = vec![
        ("status".to_owned(), "intake".to_owned()),
        ("status".to_owned(), "open".to_owned()),
        ("status".to_owned(), "post_support".to_owned()),
    ];
    if !org.is_lead() {
        defaults.push(("mine".into(), "1".into()));
    }
    show(web, org, Fields(defaults)).await
}

pub async fn list_posted(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    show(web, org, form).await
}

async fn show(web: Web, org: Org, form: Fields) -> Response {
    let lang = web.lang;
    let variables = json!({
        "filter": filter_of(&org, &form),
        "first": PAGE_SIZE,
        "after": form.get("after"),
    });
    let (data, errors) = match web.gql(Some(&org.slug), LIST, variables).await {
        Ok(data) => (data, Vec::new()),
        Err(refusal @ Refusal::Rejected(_)) => (Value::Null, refusal.messages()),
        Err(refusal) => return pages::refused(&web, Some(&org), refusal),
    };
    let body = html! {
        h1 { (lang.t("nav-cases")) }
        (filters(&web, &org, &form))
        (pages::reasons(lang, &errors))
        @if errors.is_empty() {
            (results(&web, &org, &form, &data))
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (
        status,
        page(&web, Some(&org), Section::Cases, &lang.t("nav-cases"), body),
    )
        .into_response()
}

fn filters(web: &Web, org: &Org, form: &Fields) -> Markup {
    let lang = web.lang;
    let statuses = form.all("status");
    let variant = org.runtime.current_variant().ok().cloned();
    html! {
        form.filters #case-filters method="post" action=(org.path("/cases")) {
            (csrf_field(web))
            div.field.grow {
                label for="search" { (lang.t("cases-search")) }
                input #search type="search" name="search" value=(form.text("search")) placeholder=(lang.t("cases-search-hint")) autocomplete="off";
            }
            fieldset.statuses {
                legend { (lang.t("col-status")) }
                @for s in STATUSES {
                    span.check {
                        input id=(format!("st-{s}")) type="checkbox" name="status" value=(s) checked[statuses.iter().any(|x| x == s)];
                        label for=(format!("st-{s}")) { (lang.t(&format!("case-status-{s}"))) }
                    }
                }
            }
            div.field.check {
                input #f-mine type="checkbox" name="mine" value="1" checked[form.checked("mine")];
                label for="f-mine" { (lang.t("cases-mine")) }
            }
            div.field.check {
                input #f-overdue type="checkbox" name="overdue" value="1" checked[form.checked("overdue")];
                label for="f-overdue" { (lang.t("cases-overdue")) }
            }
            div.field {
                label for="f-due" { (lang.t("cases-due-within")) }
                input #f-due type="number" min="0" max="366" name="due_within" value=(form.text("due_within"));
            }
            @if let Some(v) = &variant {
                @for c in v.doc().classifications.iter().filter(|c| c.filterable) {
                    @let name = format!("attr.{}", c.key);
                    div.field {
                        label for=(format!("f-{}", c.key)) { (lang.text(&c.name)) }
                        select id=(format!("f-{}", c.key)) name=(name) {
                            option value="" { (lang.t("filter-any")) }
                            @for value in &c.values {
                                option value=(value.key) selected[form.get(&name) == Some(value.key.as_str())] { (lang.text(&value.name)) }
                            }
                        }
                    }
                }
            }
            div.field {
                label for="f-from" { (lang.t("cases-opened-from")) }
                input #f-from type="date" name="opened_from" value=(form.text("opened_from"));
            }
            div.field {
                label for="f-to" { (lang.t("cases-opened-to")) }
                input #f-to type="date" name="opened_to" value=(form.text("opened_to"));
            }
            div.buttons {
                button.primary type="submit" { (lang.t("filter-apply")) }
                button type="submit" formaction=(org.path("/cases/export.xlsx")) { (lang.t("cases-export")) }
            }
        }
    }
}

fn results(web: &Web, org: &Org, form: &Fields, data: &Value) -> Markup {
    let lang = web.lang;
    let cases = &data["cases"];
    let names: Vec<(String, String)> = data["colleagues"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_owned(),
                c["displayName"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let name_of = |id: Option<&str>| {
        id.and_then(|id| names.iter().find(|(i, _)| i == id))
            .map_or_else(|| "—".to_owned(), |(_, n)| n.clone())
    };
    let edges: Vec<&Value> = cases["edges"].as_array().into_iter().flatten().collect();
    html! {
        p.muted { (lang.f("cases-found", &[("count", cases["totalCount"].as_i64().unwrap_or_default().into())])) }
        @if edges.is_empty() {
            p { (lang.t("cases-none")) }
        } @else {
            table.list #case-list {
                thead { tr {
                    th scope="col" { (lang.t("cases-case")) }
                    th scope="col" { (lang.t("cases-stage")) }
                    th scope="col" { (lang.t("card-curator")) }
                    th scope="col" { (lang.t("card-opened")) }
                    th scope="col" { (lang.t("col-status")) }
                } }
                tbody {
                    @for e in edges {
                        @let n = &e["node"];
                        tr class=(if n["overdue"].as_bool() == Some(true) { "overdue" } else { "" }) {
                            td { a href=(org.path(&format!("/cases/{}", n["id"].as_str().unwrap_or_default()))) { (case_title(lang, n["number"].as_i64(), &family_name(&n["family"]))) } }
                            td { (n["stage"]["name"].as_str().unwrap_or_default()) }
                            td { (name_of(n["curatorId"].as_str())) }
                            td { @if let Some(at) = parse_time(&n["openedAt"]) { (pages::day(org, &at)) } }
                            td {
                                (lang.t(&format!("case-status-{}", n["status"].as_str().unwrap_or_default())))
                                @if n["overdue"].as_bool() == Some(true) { " " span.badge.overdue { (lang.t("status-overdue")) } }
                            }
                        }
                    }
                }
            }
            @if cases["pageInfo"]["hasNextPage"].as_bool() == Some(true) {
                (next_page(web, org, form, cases["pageInfo"]["endCursor"].as_str().unwrap_or_default(), lang))
            }
        }
    }
}

/// The next page: the same filters posted again, with the cursor.
fn next_page(web: &Web, org: &Org, form: &Fields, cursor: &str, lang: Lang) -> Markup {
    html! {
        form method="post" action=(org.path("/cases")) {
            (csrf_field(web))
            @for (k, v) in form.0.iter().filter(|(k, _)| k != "after" && k != "_csrf") {
                input type="hidden" name=(k) value=(v);
            }
            input type="hidden" name="after" value=(cursor);
            button type="submit" { (lang.t("cases-next-page")) }
        }
    }
}

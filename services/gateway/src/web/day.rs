//! «Мой день»: the person's overdue, due-today and coming obligations across their cases, new
//! signals waiting for intake, unread notifications.

use super::form::Fields;
use super::gql::Refusal;
use super::i18n::Lang;
use super::pages::{self, Section, csrf_field, page, parse_time};
use super::session::{Org, Web};
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use maud::{Markup, html};
use serde_json::{Value, json};

pub async fn home(_web: Web, Path(slug): Path<String>) -> Response {
    Redirect::to(&format!("/o/{slug}/day")).into_response()
}

const MY_CASES: &str = r#"query Day($first: Int!) {
  cases(filter: { mine: true, status: ["intake", "open", "post_support"] }, first: $first) {
    edges { node { id number family stage { name }
      obligations { key label due status metAt }
      plan { number actions { id title deadline doneAt } } } }
  }
}"#;

const WAITING_SIGNALS: &str = r#"query { signals(status: ["new"], first: 20) {
  id receivedAt source subject riskBand } }"#;

const UNREAD: &str = r#"query { notifications(first: 10, unreadOnly: true) {
  edges { node { id kind title body caseId createdAt } } } }"#;

/// One obligation on the day's list.
struct Item {
    key: String,
    case_id: String,
    number: Option<i64>,
    family: String,
    stage: String,
    label: String,
    due: DateTime<Utc>,
    status: String,
}

pub async fn show(web: Web, Path(slug): Path<String>) -> Response {
    let org = match web.org(&slug).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let lang = web.lang;
    if !org.works_cases() {
        let body = html! {
            h1 { (org.name(lang)) }
            p { (lang.t("day-no-case-work")) }
        };
        return page(&web, Some(&org), Section::Day, &lang.t("nav-day"), body).into_response();
    }
    let cases = match web
        .gql(Some(&slug), MY_CASES, json!({ "first": 100 }))
        .await
    {
        Ok(data) => data,
        Err(refusal) => return pages::refused(&web, Some(&org), refusal),
    };
    // Intake and notifications are shown to those who may see them; a refusal hides the panel.
    let signals = web.gql(Some(&slug), WAITING_SIGNALS, json!({})).await.ok();
    let unread = match web.gql(Some(&slug), UNREAD, json!({})).await {
        Ok(data) => Some(data),
        Err(Refusal::Forbidden(_)) => None,
        Err(refusal) => return pages::refused(&web, Some(&org), refusal),
    };

    let now = Utc::now();
    let tz: Tz = org.runtime.tenant().time_zone.parse().unwrap_or(Tz::UTC);
    let end_of_today = {
        let local = now.with_timezone(&tz).date_naive() + Duration::days(1);
        local
            .and_hms_opt(0, 0, 0)
            .and_then(|d| d.and_local_timezone(tz).earliest())
            .map_or(now + Duration::hours(24), |d| d.with_timezone(&Utc))
    };
    let mut items = Vec::new();
    let mut case_count = 0;
    for edge in cases["cases"]["edges"].as_array().into_iter().flatten() {
        case_count += 1;
        let node = &edge["node"];
        for o in node["obligations"].as_array().into_iter().flatten() {
            let status = o["status"].as_str().unwrap_or_default();
            if !matches!(status, "OVERDUE" | "DUE" | "UPCOMING") {
                continue;
            }
            let Some(due) = parse_time(&o["due"]) else {
                continue;
            };
            items.push(Item {
                key: o["key"].as_str().unwrap_or_default().to_owned(),
                case_id: node["id"].as_str().unwrap_or_default().to_owned(),
                number: node["number"].as_i64(),
                family: family_name(&node["family"]),
                stage: node["stage"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                label: o["label"].as_str().unwrap_or_default().to_owned(),
                due,
                status: status.to_owned(),
            });
        }
        // The open actions of the current plan are the person's to keep too (a variant may set
        // no deadlines of its own and live by the plan's).
        let current = node["plan"]
            .as_array()
            .and_then(|revisions| revisions.iter().max_by_key(|r| r["number"].as_i64()));
        for a in current
            .and_then(|r| r["actions"].as_array())
            .into_iter()
            .flatten()
            .filter(|a| a["doneAt"].is_null())
        {
            let Some(due) = parse_time(&a["deadline"]) else {
                continue;
            };
            let status = if due < now {
                "OVERDUE"
            } else if due < end_of_today {
                "DUE"
            } else {
                "UPCOMING"
            };
            items.push(Item {
                key: format!("plan:{}", a["id"].as_str().unwrap_or_default()),
                case_id: node["id"].as_str().unwrap_or_default().to_owned(),
                number: node["number"].as_i64(),
                family: family_name(&node["family"]),
                stage: node["stage"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                label: format!(
                    "{}: {}",
                    lang.t("day-plan-action"),
                    a["title"].as_str().unwrap_or_default()
                ),
                due,
                status: status.to_owned(),
            });
        }
    }
    items.sort_by_key(|i| i.due);
    let overdue: Vec<&Item> = items.iter().filter(|i| i.status == "OVERDUE").collect();
    let today: Vec<&Item> = items
        .iter()
        .filter(|i| i.status != "OVERDUE" && i.due < end_of_today)
        .collect();
    let coming: Vec<&Item> = items
        .iter()
        .filter(|i| i.status != "OVERDUE" && i.due >= end_of_today)
        .take(30)
        .collect();

    let body = html! {
        h1 { (lang.t("nav-day")) }
        p.muted { (lang.f("day-summary", &[("cases", (case_count as i64).into())])) }
        div.day-grid {
            section.panel.overdue aria-labelledby="day-overdue" {
                h2 #day-overdue { (lang.t("day-overdue")) " " span.count { (overdue.len()) } }
                (obligation_list(&org, lang, &overdue, &lang.t("day-nothing-overdue")))
            }
            section.panel.due aria-labelledby="day-today" {
                h2 #day-today { (lang.t("day-today")) " " span.count { (today.len()) } }
                (obligation_list(&org, lang, &today, &lang.t("day-nothing-today")))
            }
            section.panel aria-labelledby="day-coming" {
                h2 #day-coming { (lang.t("day-coming")) }
                (obligation_list(&org, lang, &coming, &lang.t("day-nothing-coming")))
            }
            @if let Some(signals) = &signals {
                section.panel aria-labelledby="day-signals" {
                    h2 #day-signals { (lang.t("day-signals")) }
                    (signal_list(&org, lang, signals))
                    p { a.button href=(org.path("/signals/new")) { (lang.t("signals-new")) } }
                }
            }
            @if let Some(unread) = &unread {
                section.panel aria-labelledby="day-notifications" {
                    h2 #day-notifications { (lang.t("day-notifications")) }
                    (notification_list(&web, &org, lang, unread))
                }
            }
        }
    };
    page(&web, Some(&org), Section::Day, &lang.t("nav-day"), body).into_response()
}

/// The family's name as the case file holds it.
pub fn family_name(family: &Value) -> String {
    for key in ["name", "surname", "family_name", "title"] {
        if let Some(name) = family.get(key).and_then(Value::as_str)
            && !name.trim().is_empty()
        {
            return name.to_owned();
        }
    }
    "—".into()
}

pub fn case_title(lang: Lang, number: Option<i64>, family: &str) -> String {
    match number {
        Some(n) => format!("{} {n} · {family}", lang.t("case-number-sign")),
        None => family.to_owned(),
    }
}

fn obligation_list(org: &Org, lang: Lang, items: &[&Item], empty: &str) -> Markup {
    html! {
        @if items.is_empty() {
            p.muted { (empty) }
        } @else {
            ul.obligations {
                @for item in items {
                    li class=(format!("ob {}", item.status.to_ascii_lowercase())) data-obligation=(item.key) {
                        a href=(org.path(&format!("/cases/{}", item.case_id))) {
                            strong { (case_title(lang, item.number, &item.family)) }
                        }
                        span.what { (item.label) }
                        span.when { (lang.t("due-by")) " " (pages::when(org, &item.due)) }
                        span.muted { (item.stage) }
                        span.badge { (lang.t(&format!("status-{}", item.status.to_ascii_lowercase()))) }
                    }
                }
            }
        }
    }
}

fn signal_list(org: &Org, lang: Lang, data: &Value) -> Markup {
    let signals = data["signals"].as_array().cloned().unwrap_or_default();
    html! {
        @if signals.is_empty() {
            p.muted { (lang.t("day-no-signals")) }
        } @else {
            ul.plain {
                @for s in &signals {
                    li {
                        a href=(org.path(&format!("/signals/{}", s["id"].as_str().unwrap_or_default()))) {
                            (family_name(&s["subject"]))
                        }
                        @if let Some(at) = parse_time(&s["receivedAt"]) {
                            " · " span.muted { (pages::when(org, &at)) }
                        }
                        @if let Some(band) = s["riskBand"].as_str() {
                            " " span class=(format!("badge risk-{band}")) { (lang.t(&format!("risk-{band}"))) }
                        }
                    }
                }
            }
        }
    }
}

fn notification_list(web: &Web, org: &Org, lang: Lang, data: &Value) -> Markup {
    let nodes: Vec<&Value> = data["notifications"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["node"])
        .collect();
    html! {
        @if nodes.is_empty() {
            p.muted { (lang.t("day-no-notifications")) }
        } @else {
            ul.plain {
                @for n in &nodes {
                    li {
                        @if let Some(case) = n["caseId"].as_str() {
                            a href=(org.path(&format!("/cases/{case}"))) { (n["title"].as_str().unwrap_or_default()) }
                        } @else {
                            (n["title"].as_str().unwrap_or_default())
                        }
                        br;
                        span.muted { (n["body"].as_str().unwrap_or_default()) }
                    }
                }
            }
            form method="post" action=(org.path("/notifications/read")) {
                (csrf_field(web))
                @for n in &nodes {
                    input type="hidden" name="id" value=(n["id"].as_str().unwrap_or_default());
                }
                button.small type="submit" { (lang.t("day-mark-read")) }
            }
        }
    }
}

pub async fn mark_read(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let ids = form.all("id");
    match web
        .gql(
            Some(&slug),
            "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }",
            json!({ "ids": ids }),
        )
        .await
    {
        Ok(_) => Redirect::to(&org.path("/day")).into_response(),
        Err(refusal) => pages::refused(&web, Some(&org), refusal),
    }
}

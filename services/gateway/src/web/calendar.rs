//! The organisation's production calendar for a year: the shipped holidays and transferred
//! working days with the act each comes from, the organisation's own days, and — for its
//! administrator — adding a holiday or a transferred working day and removing one of its own.
//! Deadlines computed after a change use it.

use super::form::Fields;
use super::gql::Refusal;
use super::pages::{self, Section, csrf_field, page};
use super::session::{Org, Web};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use maud::html;
use serde::Deserialize;
use serde_json::{Value, json};

const CALENDAR: &str = "query($y: Int!) { calendar(year: $y) { year region timeZone revision
  days { date kind name source removable }
  changes { revision date kind action name changedAt } } }";

#[derive(Deserialize)]
pub struct Year {
    year: Option<i32>,
}

pub async fn show(web: Web, Path(slug): Path<String>, Query(year): Query<Year>) -> Response {
    let org = match web.org(&slug).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let this_year = chrono::Utc::now().year();
    let year = year
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(this_year);
    render(&web, &org, year, &[], StatusCode::OK).await
}

async fn render(
    web: &Web,
    org: &Org,
    year: i32,
    reasons: &[String],
    status: StatusCode,
) -> Response {
    let lang = web.lang;
    let data = match web
        .gql(Some(&org.slug), CALENDAR, json!({ "y": year }))
        .await
    {
        Ok(data) => data,
        Err(refusal) => return pages::refused(web, Some(org), refusal),
    };
    let calendar = &data["calendar"];
    let admin = org.has(kurator_domain::Role::OrgAdmin);
    let days: Vec<&Value> = calendar["days"].as_array().into_iter().flatten().collect();
    let changes: Vec<&Value> = calendar["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let revision = calendar["revision"].as_i64().unwrap_or_default();
    let kind = |k: &Value| {
        if k == "HOLIDAY" {
            lang.t("calendar-holiday")
        } else {
            lang.t("calendar-working-day")
        }
    };
    let body = html! {
        h1 { (lang.f("calendar-title", &[("year", i64::from(year).into())])) }
        nav.actions {
            a.button href=(org.path(&format!("/admin/calendar?year={}", year - 1))) { "← " (year - 1) }
            a.button href=(org.path(&format!("/admin/calendar?year={}", year + 1))) { (year + 1) " →" }
        }
        p.muted { (lang.f("calendar-region", &[
            ("region", calendar["region"].as_str().unwrap_or_default().into()),
            ("zone", calendar["timeZone"].as_str().unwrap_or_default().into()),
        ])) }
        (pages::reasons(lang, reasons))
        table.list {
            thead { tr {
                th scope="col" { (lang.t("calendar-date")) }
                th scope="col" { (lang.t("calendar-kind")) }
                th scope="col" { (lang.t("calendar-name")) }
                th scope="col" { (lang.t("calendar-source")) }
            } }
            tbody { @for d in &days {
                tr {
                    th scope="row" { (d["date"].as_str().unwrap_or_default()) }
                    td { (kind(&d["kind"])) }
                    td { (d["name"].as_str().unwrap_or_default()) }
                    td {
                        (d["source"].as_str().unwrap_or_default())
                        @if admin && d["removable"] == true {
                            form.inline method="post" action=(org.path("/admin/calendar/remove")) {
                                (csrf_field(web))
                                input type="hidden" name="date" value=(d["date"].as_str().unwrap_or_default());
                                input type="hidden" name="revision" value=(revision);
                                button.small.link type="submit" { (lang.t("calendar-remove")) }
                            }
                        }
                    }
                }
            } }
        }
        @if admin {
            section aria-labelledby="calendar-add" {
                h2 #calendar-add { (lang.t("calendar-add")) }
                form method="post" action=(org.path("/admin/calendar/add")) {
                    (csrf_field(web))
                    input type="hidden" name="revision" value=(revision);
                    label for="calendar-date" { (lang.t("calendar-date")) }
                    input #calendar-date type="date" name="date" required;
                    label for="calendar-kind" { (lang.t("calendar-kind")) }
                    select #calendar-kind name="kind" {
                        option value="HOLIDAY" { (lang.t("calendar-holiday")) }
                        option value="WORKING_DAY" { (lang.t("calendar-working-day")) }
                    }
                    label for="calendar-name" { (lang.t("calendar-name")) }
                    input #calendar-name name="name" required;
                    button.primary type="submit" { (lang.t("calendar-add-submit")) }
                }
            }
        }
        @if !changes.is_empty() {
            section aria-labelledby="calendar-history" {
                h2 #calendar-history { (lang.t("calendar-history")) }
                ul {
                    @for c in &changes {
                        li {
                            (c["date"].as_str().unwrap_or_default()) " — " (kind(&c["kind"])) " «" (c["name"].as_str().unwrap_or_default()) "»: "
                            @if c["action"] == "REMOVED" { (lang.t("calendar-removed")) } @else { (lang.t("calendar-added")) }
                            @if let Some(at) = pages::parse_time(&c["changedAt"]) { " " span.muted { (pages::when(org, &at)) } }
                        }
                    }
                }
            }
        }
    };
    (
        status,
        page(
            web,
            Some(org),
            Section::Admin,
            &lang.f("calendar-title", &[("year", i64::from(year).into())]),
            body,
        ),
    )
        .into_response()
}

async fn finish(web: Web, org: Org, year: i32, answer: Result<Value, Refusal>) -> Response {
    match answer {
        Ok(_) => Redirect::to(&org.path(&format!("/admin/calendar?year={year}"))).into_response(),
        Err(refusal @ (Refusal::Rejected(_) | Refusal::Conflict { .. })) => {
            render(
                &web,
                &org,
                year,
                &refusal.messages(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(refusal) => pages::refused(&web, Some(&org), refusal),
    }
}

fn year_of(date: &str) -> i32 {
    date.get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or_else(|| chrono::Utc::now().year())
}

pub async fn add(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let date = form.text("date");
    let kind = if form.get("kind") == Some("WORKING_DAY") {
        "WORKING_DAY"
    } else {
        "HOLIDAY"
    };
    let answer = web
        .gql(
            Some(&slug),
            "mutation($d: NaiveDate!, $k: CalendarDayKind!, $n: String!, $r: Int!) {
                addCalendarDay(date: $d, kind: $k, name: $n, expectedRevision: $r) { revision } }",
            json!({ "d": date, "k": kind, "n": form.text("name"), "r": form.int("revision").unwrap_or_default() }),
        )
        .await;
    finish(web, org, year_of(&date), answer).await
}

pub async fn remove(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let date = form.text("date");
    let answer = web
        .gql(
            Some(&slug),
            "mutation($d: NaiveDate!, $r: Int!) { removeCalendarDay(date: $d, expectedRevision: $r) { revision } }",
            json!({ "d": date, "r": form.int("revision").unwrap_or_default() }),
        )
        .await;
    finish(web, org, year_of(&date), answer).await
}

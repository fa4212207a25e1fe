//! The plan editor: a new revision of the plan from the meeting with the family — actions with
//! deadline, responsible person or outside organisation, owner; earlier revisions are kept. Also
//! marking an action done with its result, and the plan's print view.

use super::card::{self, CaseView};
use super::form::{Fields, date_in, date_value};
use super::gql::Refusal;
use super::pages::{self, Section, csrf_field, page, parse_time};
use super::session::{Org, Web};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use serde_json::{Value, json};

/// Empty rows offered after the current plan's actions.
const BLANK_ROWS: usize = 3;

#[derive(Default, Clone)]
struct Row {
    title: String,
    deadline: String,
    responsible: String,
    organisation: String,
    owner: String,
}

pub async fn editor(web: Web, Path((slug, id)): Path<(String, String)>) -> Response {
    let (org, view) = match card::open(&web, &slug, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let zone = org.runtime.tenant().time_zone.clone();
    // The current revision's open actions are carried into the new one.
    let current = view.case["plan"]
        .as_array()
        .and_then(|revisions| revisions.iter().max_by_key(|r| r["number"].as_i64()))
        .cloned()
        .unwrap_or(Value::Null);
    let mut rows: Vec<Row> = current["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["doneAt"].is_null())
        .map(|a| Row {
            title: a["title"].as_str().unwrap_or_default().to_owned(),
            deadline: parse_time(&a["deadline"])
                .map(|d| date_value(d, &zone))
                .unwrap_or_default(),
            responsible: a["responsible"]["userId"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            organisation: a["responsible"]["organisation"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            owner: a["owner"].as_str().unwrap_or("organisation").to_owned(),
        })
        .collect();
    rows.extend(std::iter::repeat_n(Row::default(), BLANK_ROWS));
    let participants = current["participants"]
        .as_array()
        .map(|p| {
            p.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    render(
        &web,
        &org,
        &view,
        &date_value(Utc::now(), &zone),
        &participants,
        &rows,
        &[],
        StatusCode::OK,
    )
}

#[allow(clippy::too_many_arguments)]
fn render(
    web: &Web,
    org: &Org,
    view: &CaseView,
    meeting: &str,
    participants: &str,
    rows: &[Row],
    errors: &[String],
    status: StatusCode,
) -> Response {
    let lang = web.lang;
    let id = view.id();
    let staff: Vec<&(String, String, Vec<String>)> = view.colleagues.iter().collect();
    let body = html! {
        h1 { (lang.t("plan-editor-title")) }
        p { a href=(org.path(&format!("/cases/{id}"))) { (view.title(lang)) } }
        (pages::reasons(lang, errors))
        section aria-labelledby="plan-history" {
            h2 #plan-history { (lang.t("plan-history")) }
            (card::plan_view(web, org, view, false))
            p {
                a.button href=(org.path(&format!("/cases/{id}/plan/print"))) { (lang.t("card-print")) }
                " "
                a.button href=(org.path(&format!("/cases/{id}/plan.xlsx"))) { (lang.t("card-plan-xlsx")) }
            }
        }
        @if view.is_active() {
            section aria-labelledby="plan-new" {
                h2 #plan-new { (lang.t("plan-new-revision")) }
                form method="post" action=(org.path(&format!("/cases/{id}/plan"))) {
                    (csrf_field(web))
                    input type="hidden" name="version" value=(view.version());
                    div.field {
                        label for="plan-meeting" { (lang.t("plan-meeting-date")) }
                        input #plan-meeting type="date" name="meeting" value=(meeting) required;
                    }
                    div.field {
                        label for="plan-participants" { (lang.t("plan-participants")) }
                        input #plan-participants type="text" name="participants" value=(participants);
                        span.hint { (lang.t("plan-participants-hint")) }
                    }
                    table.plan-edit {
                        caption { (lang.t("plan-actions")) }
                        thead { tr {
                            th scope="col" { (lang.t("plan-action")) }
                            th scope="col" { (lang.t("plan-deadline")) }
                            th scope="col" { (lang.t("plan-responsible")) }
                            th scope="col" { (lang.t("plan-outside-organisation")) }
                            th scope="col" { (lang.t("plan-owner")) }
                        } }
                        tbody {
                            @for (i, row) in rows.iter().enumerate() {
                                tr {
                                    td {
                                        label.visually-hidden for=(format!("a{i}-title")) { (lang.t("plan-action")) " " (i + 1) }
                                        input id=(format!("a{i}-title")) type="text" name=(format!("a{i}.title")) value=(row.title);
                                    }
                                    td {
                                        label.visually-hidden for=(format!("a{i}-deadline")) { (lang.t("plan-deadline")) " " (i + 1) }
                                        input id=(format!("a{i}-deadline")) type="date" name=(format!("a{i}.deadline")) value=(row.deadline);
                                    }
                                    td {
                                        label.visually-hidden for=(format!("a{i}-responsible")) { (lang.t("plan-responsible")) " " (i + 1) }
                                        select id=(format!("a{i}-responsible")) name=(format!("a{i}.responsible")) {
                                            option value="" { "—" }
                                            @for (uid, name, _) in &staff {
                                                option value=(uid) selected[*uid == row.responsible] { (name) }
                                            }
                                        }
                                    }
                                    td {
                                        label.visually-hidden for=(format!("a{i}-organisation")) { (lang.t("plan-outside-organisation")) " " (i + 1) }
                                        input id=(format!("a{i}-organisation")) type="text" name=(format!("a{i}.organisation")) value=(row.organisation);
                                    }
                                    td {
                                        label.visually-hidden for=(format!("a{i}-owner")) { (lang.t("plan-owner")) " " (i + 1) }
                                        select id=(format!("a{i}-owner")) name=(format!("a{i}.owner")) {
                                            @for owner in ["organisation", "family"] {
                                                option value=(owner) selected[row.owner == owner] { (lang.t(&format!("owner-{owner}"))) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    button.primary type="submit" { (lang.t("plan-save-revision")) }
                }
            }
        }
    };
    (
        status,
        page(
            web,
            Some(org),
            Section::Cases,
            &lang.t("plan-editor-title"),
            body,
        ),
    )
        .into_response()
}

pub async fn revise(web: Web, Path((slug, id)): Path<(String, String)>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let zone = org.runtime.tenant().time_zone.clone();
    let mut rows = Vec::new();
    for i in 0..200 {
        let field = |name: &str| form.text(&format!("a{i}.{name}"));
        if form
            .0
            .iter()
            .all(|(k, _)| !k.starts_with(&format!("a{i}.")))
        {
            break;
        }
        rows.push(Row {
            title: field("title"),
            deadline: field("deadline"),
            responsible: field("responsible"),
            organisation: field("organisation"),
            owner: field("owner"),
        });
    }
    let meeting = form.text("meeting");
    let participants = form.text("participants");
    let mut problems = Vec::new();
    let meeting_at = date_in(&meeting, &zone);
    if meeting_at.is_none() {
        problems.push(web.lang.t("plan-meeting-date-required"));
    }
    let mut actions = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if row.title.is_empty() {
            continue;
        }
        let Some(deadline) = date_in(&row.deadline, &zone) else {
            problems.push(web.lang.f(
                "plan-deadline-required",
                &[
                    ("row", ((i + 1) as i64).into()),
                    ("title", row.title.clone().into()),
                ],
            ));
            continue;
        };
        actions.push(json!({
            "title": row.title,
            // The end of the day named.
            "deadline": deadline + chrono::Duration::hours(23) + chrono::Duration::minutes(59),
            "responsibleUserId": (!row.responsible.is_empty()).then_some(&row.responsible),
            "responsibleOrganisation": (row.responsible.is_empty() && !row.organisation.is_empty()).then_some(&row.organisation),
            "owner": if row.owner.is_empty() { "organisation" } else { row.owner.as_str() },
        }));
    }
    let typed = Typed {
        meeting: &meeting,
        participants: &participants,
        rows: &rows,
    };
    if !problems.is_empty() {
        return refused(&web, &org, &id, &typed, &problems).await;
    }
    let participants_list: Vec<String> = participants
        .split([',', '\n', ';'])
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    let answer = web
        .gql(
            Some(&slug),
            "mutation($id: ID!, $version: Int!, $input: PlanRevisionInput!) { revisePlan(caseId: $id, version: $version, input: $input) { id } }",
            json!({
                "id": id,
                "version": form.int("version").unwrap_or_default(),
                "input": { "meetingDate": meeting_at, "participants": participants_list, "actions": actions },
            }),
        )
        .await;
    match answer {
        Ok(_) => Redirect::to(&org.path(&format!("/cases/{id}"))).into_response(),
        Err(refusal @ (Refusal::Rejected(_) | Refusal::Conflict { .. })) => {
            refused(&web, &org, &id, &typed, &refusal.messages()).await
        }
        Err(refusal) => pages::refused(&web, Some(&org), refusal),
    }
}

/// What the editor's form held.
struct Typed<'a> {
    meeting: &'a str,
    participants: &'a str,
    rows: &'a [Row],
}

/// The editor again, with what was typed and every reason it was refused.
async fn refused(
    web: &Web,
    org: &Org,
    id: &str,
    typed: &Typed<'_>,
    problems: &[String],
) -> Response {
    let view = match card::load(web, org, id).await {
        Ok(view) => view,
        Err(refusal) => return pages::refused(web, Some(org), refusal),
    };
    render(
        web,
        org,
        &view,
        typed.meeting,
        typed.participants,
        typed.rows,
        problems,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}

pub async fn complete(
    web: Web,
    Path((slug, id, action)): Path<(String, String, String)>,
    form: Fields,
) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let answer = web
        .gql(
            Some(&slug),
            "mutation($action: ID!, $version: Int!, $done: DateTime!, $result: String) { completePlanAction(actionId: $action, version: $version, doneAt: $done, result: $result) { id } }",
            json!({ "action": action, "version": form.int("version").unwrap_or_default(), "done": Utc::now(), "result": form.get("result") }),
        )
        .await;
    match answer {
        Ok(_) => Redirect::to(&org.path(&format!("/cases/{id}"))).into_response(),
        Err(refusal @ (Refusal::Rejected(_) | Refusal::Conflict { .. })) => {
            card::rerender(&web, &org, &id, &refusal.messages()).await
        }
        Err(refusal) => pages::refused(&web, Some(&org), refusal),
    }
}

pub async fn print(web: Web, Path((slug, id)): Path<(String, String)>) -> Response {
    let (org, view) = match card::open(&web, &slug, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let lang = web.lang;
    let body = html! {
        div.print {
            p.muted { (org.name(lang)) }
            h1 { (lang.t("card-plan")) ": " (view.title(lang)) }
            (card::plan_view(&web, &org, &view, true))
        }
    };
    page(&web, Some(&org), Section::Cases, &lang.t("card-plan"), body).into_response()
}

//! Recording a home visit or another contact — also with no connection. The form works as a
//! plain form; with `kurator.js` an entry is first kept on the device (an outbox in
//! `localStorage`) and sent when the connection is there, each with its idempotency key, so a
//! retry never duplicates it. The page carries the stage and status the person saw: if the case
//! has changed since, the service refuses the entry and the person decides what to do with it.

use super::card::{self, CaseView};
use super::form::{Fields, datetime_in, datetime_value};
use super::gql::Refusal;
use super::pages::{self, Section, csrf_field, page};
use super::session::{CSRF_HEADER, Org, Web};
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use serde_json::{Value, json};

const RECORD: &str =
    "mutation($id: ID!, $input: RecordEntryInput!, $key: String, $seen: SeenCaseInput) {
  recordContact(caseId: $id, input: $input, idempotencyKey: $key, seen: $seen) { id at } }";

pub async fn form(web: Web, Path((slug, id)): Path<(String, String)>) -> Response {
    let (org, view) = match card::open(&web, &slug, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    render(&web, &org, &view, &Typed::default(), &[], StatusCode::OK)
}

/// What the person typed, kept when the entry is refused.
#[derive(Default)]
struct Typed {
    kind: String,
    at: String,
    participants: String,
    notes: String,
}

fn render(
    web: &Web,
    org: &Org,
    view: &CaseView,
    typed: &Typed,
    errors: &[String],
    status: StatusCode,
) -> Response {
    let lang = web.lang;
    let zone = org.runtime.tenant().time_zone.clone();
    let kinds = view
        .variant
        .as_ref()
        .map(|v| v.doc().contact_kinds.clone())
        .unwrap_or_default();
    let key = uuid::Uuid::new_v4().to_string();
    let at = if typed.at.is_empty() {
        datetime_value(Utc::now(), &zone)
    } else {
        typed.at.clone()
    };
    let id = view.id();
    let body = html! {
        h1 { (lang.t("visit-title")) }
        p { a href=(org.path(&format!("/cases/{id}"))) { (view.title(lang)) } }
        (pages::reasons(lang, errors))
        div #outbox aria-live="polite" {}
        form #visit-form method="post" action=(org.path(&format!("/cases/{id}/visit")))
            data-offline-endpoint=(org.path(&format!("/cases/{id}/contacts")))
            data-case-title=(view.title(lang))
            data-case-link=(org.path(&format!("/cases/{id}"))) {
            (csrf_field(web))
            input type="hidden" name="key" value=(key);
            input type="hidden" name="seen_stage" value=(view.case["stage"]["key"].as_str().unwrap_or_default());
            input type="hidden" name="seen_status" value=(view.status());
            div.field {
                label for="visit-kind" { (lang.t("visit-kind")) }
                select #visit-kind name="kind" required {
                    @for k in &kinds {
                        option value=(k.key) selected[k.key == typed.kind] { (lang.text(&k.name)) }
                    }
                }
            }
            div.field {
                label for="visit-at" { (lang.t("visit-at")) }
                input #visit-at type="datetime-local" name="at" value=(at) required;
            }
            div.field {
                label for="visit-participants" { (lang.t("visit-participants")) }
                input #visit-participants type="text" name="participants" value=(typed.participants);
            }
            div.field {
                label for="visit-notes" { (lang.t("visit-notes")) }
                textarea #visit-notes name="notes" rows="6" { (typed.notes) }
            }
            button.primary type="submit" { (lang.t("visit-save")) }
            p.muted { (lang.t("visit-offline-hint")) }
        }
    };
    (
        status,
        page(web, Some(org), Section::Cases, &lang.t("visit-title"), body),
    )
        .into_response()
}

fn entry(kind: &str, at: Option<chrono::DateTime<Utc>>, participants: &str, notes: &str) -> Value {
    let mut data = serde_json::Map::new();
    if !participants.trim().is_empty() {
        data.insert("participants".into(), json!(participants.trim()));
    }
    if !notes.trim().is_empty() {
        data.insert("notes".into(), json!(notes.trim()));
    }
    json!({ "kind": kind, "at": at, "data": data })
}

/// The plain form's submission (no script, or the script chose to post it).
pub async fn record_form(
    web: Web,
    Path((slug, id)): Path<(String, String)>,
    form: Fields,
) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let zone = org.runtime.tenant().time_zone.clone();
    let typed = Typed {
        kind: form.text("kind"),
        at: form.text("at"),
        participants: form.text("participants"),
        notes: form.text("notes"),
    };
    let at = datetime_in(&typed.at, &zone);
    let variables = json!({
        "id": id,
        "input": entry(&typed.kind, at, &typed.participants, &typed.notes),
        "key": form.get("key"),
        "seen": { "stage": form.get("seen_stage"), "status": form.get("seen_status") },
    });
    match web.gql(Some(&slug), RECORD, variables).await {
        Ok(_) => Redirect::to(&org.path(&format!("/cases/{id}"))).into_response(),
        Err(refusal @ (Refusal::Rejected(_) | Refusal::Conflict { .. })) => {
            let view = match card::load(&web, &org, &id).await {
                Ok(view) => view,
                Err(refusal) => return pages::refused(&web, Some(&org), refusal),
            };
            render(
                &web,
                &org,
                &view,
                &typed,
                &refusal.messages(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(refusal) => pages::refused(&web, Some(&org), refusal),
    }
}

/// An entry from the device's outbox.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxEntry {
    key: String,
    kind: String,
    /// As typed, in the organisation's time zone.
    at: String,
    #[serde(default)]
    participants: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    seen_stage: Option<String>,
    #[serde(default)]
    seen_status: Option<String>,
    /// The person chose to send it although the case changed meanwhile.
    #[serde(default)]
    send_anyway: bool,
}

/// The outbox's submission: JSON in, JSON out.
pub async fn record_json(
    web: Web,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = |status: StatusCode, value: Value| (status, Json(value)).into_response();
    if web.caller.is_none() {
        return answer(
            StatusCode::UNAUTHORIZED,
            json!({ "error": "UNAUTHENTICATED" }),
        );
    }
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    if !web.csrf_ok(sent) {
        return answer(StatusCode::FORBIDDEN, json!({ "error": "FORBIDDEN" }));
    }
    let org = match web.org(&slug).await {
        Ok(org) => org,
        Err(_) => return answer(StatusCode::NOT_FOUND, json!({ "error": "NOT_FOUND" })),
    };
    let entry_in: OutboxEntry = match serde_json::from_slice(&body) {
        Ok(e) if body.len() <= 64 * 1024 => e,
        _ => {
            return answer(
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({ "error": "BAD_USER_INPUT", "messages": [web.lang.t("outbox-malformed")] }),
            );
        }
    };
    let zone = org.runtime.tenant().time_zone.clone();
    let seen = if entry_in.send_anyway {
        Value::Null
    } else {
        json!({ "stage": entry_in.seen_stage, "status": entry_in.seen_status })
    };
    let variables = json!({
        "id": id,
        "input": entry(&entry_in.kind, datetime_in(&entry_in.at, &zone), &entry_in.participants, &entry_in.notes),
        "key": entry_in.key,
        "seen": seen,
    });
    match web.gql(Some(&slug), RECORD, variables).await {
        Ok(data) => answer(
            StatusCode::OK,
            json!({ "ok": true, "id": data["recordContact"]["id"] }),
        ),
        Err(Refusal::Rejected(reasons)) => {
            let conflict = reasons.iter().any(|r| r.code == "case_changed_meanwhile");
            let messages: Vec<String> = reasons.into_iter().map(|r| r.message).collect();
            let status = if conflict {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            answer(
                status,
                json!({ "conflict": conflict, "messages": messages }),
            )
        }
        Err(Refusal::Conflict { message, .. }) => answer(
            StatusCode::CONFLICT,
            json!({ "conflict": true, "messages": [message] }),
        ),
        Err(refusal) => {
            let status = match refusal {
                Refusal::Unauthenticated => StatusCode::UNAUTHORIZED,
                Refusal::NotFound => StatusCode::NOT_FOUND,
                Refusal::Forbidden(_) => StatusCode::FORBIDDEN,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            answer(status, json!({ "error": refusal.code() }))
        }
    }
}

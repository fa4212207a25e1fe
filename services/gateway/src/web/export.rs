//! XLSX exports, in the person's language: a case list with the list's filters, and a case's
//! plan with every revision. Written with `rust_xlsxwriter`.

use super::card::{self, responsible};
use super::cases::{LIST, filter_of};
use super::day::family_name;
use super::form::Fields;
use super::pages::{self, parse_time};
use super::session::Web;
use axum::extract::Path;
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde_json::json;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The most rows one export holds.
const MAX_ROWS: usize = 5000;

fn download(bytes: Vec<u8>, file: &'static str) -> Response {
    download_named(bytes, file)
}

/// An XLSX file to download as `file`.
pub(super) fn download_named(bytes: Vec<u8>, file: &str) -> Response {
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(XLSX)),
            (
                CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub(super) fn sheet(
    headers: &[String],
    rows: &[Vec<String>],
    name: &str,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    let bold = Format::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, c, h, &bold)?;
        sheet.set_column_width(c, 24)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, value) in row.iter().enumerate() {
            sheet.write_string(r, u16::try_from(c).unwrap_or(u16::MAX), value)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    workbook.save_to_buffer()
}

pub async fn cases_xlsx(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let lang = web.lang;
    let filter = filter_of(&org, &form);
    let mut rows = Vec::new();
    let mut after: Option<String> = None;
    let mut names: Vec<(String, String)> = Vec::new();
    loop {
        let data = match web
            .gql(
                Some(&slug),
                LIST,
                json!({ "filter": filter, "first": 100, "after": after }),
            )
            .await
        {
            Ok(data) => data,
            Err(refusal) => return pages::refused(&web, Some(&org), refusal),
        };
        if names.is_empty() {
            names = data["colleagues"]
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
        }
        let cases = &data["cases"];
        for e in cases["edges"].as_array().into_iter().flatten() {
            let n = &e["node"];
            let curator = n["curatorId"]
                .as_str()
                .and_then(|id| names.iter().find(|(i, _)| i == id))
                .map(|(_, name)| name.clone())
                .unwrap_or_default();
            rows.push(vec![
                n["number"]
                    .as_i64()
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                family_name(&n["family"]),
                n["stage"]["name"].as_str().unwrap_or_default().to_owned(),
                lang.t(&format!(
                    "case-status-{}",
                    n["status"].as_str().unwrap_or_default()
                )),
                curator,
                parse_time(&n["openedAt"])
                    .map(|d| pages::day(&org, &d))
                    .unwrap_or_default(),
                parse_time(&n["closedAt"])
                    .map(|d| pages::day(&org, &d))
                    .unwrap_or_default(),
                if n["overdue"].as_bool() == Some(true) {
                    lang.t("yes")
                } else {
                    lang.t("no")
                },
            ]);
        }
        let has_next = cases["pageInfo"]["hasNextPage"].as_bool() == Some(true);
        after = cases["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        if !has_next || rows.len() >= MAX_ROWS || after.is_none() {
            break;
        }
    }
    let headers: Vec<String> = [
        "xlsx-number",
        "xlsx-family",
        "cases-stage",
        "col-status",
        "card-curator",
        "card-opened",
        "card-closed",
        "status-overdue",
    ]
    .iter()
    .map(|k| lang.t(k))
    .collect();
    match sheet(&headers, &rows, &lang.t("nav-cases")) {
        Ok(bytes) => download(bytes, "cases.xlsx"),
        Err(err) => {
            tracing::error!(error = %err, "case list export failed");
            pages::failure(&web, Some(&org))
        }
    }
}

pub async fn plan_xlsx(web: Web, Path((slug, id)): Path<(String, String)>) -> Response {
    let (org, view) = match card::open(&web, &slug, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let lang = web.lang;
    let mut rows = Vec::new();
    for r in view.case["plan"].as_array().into_iter().flatten() {
        for a in r["actions"].as_array().into_iter().flatten() {
            rows.push(vec![
                r["number"].to_string(),
                parse_time(&r["meetingDate"])
                    .map(|d| pages::day(&org, &d))
                    .unwrap_or_default(),
                a["title"].as_str().unwrap_or_default().to_owned(),
                parse_time(&a["deadline"])
                    .map(|d| pages::day(&org, &d))
                    .unwrap_or_default(),
                responsible(&view, &a["responsible"]),
                lang.t(&format!(
                    "owner-{}",
                    a["owner"].as_str().unwrap_or_default()
                )),
                parse_time(&a["doneAt"])
                    .map(|d| pages::day(&org, &d))
                    .unwrap_or_default(),
                a["result"].as_str().unwrap_or_default().to_owned(),
            ]);
        }
    }
    let headers: Vec<String> = [
        "plan-revision",
        "plan-meeting-date",
        "plan-action",
        "plan-deadline",
        "plan-responsible",
        "plan-owner",
        "plan-done",
        "plan-result",
    ]
    .iter()
    .map(|k| lang.t(k))
    .collect();
    match sheet(&headers, &rows, &lang.t("card-plan")) {
        Ok(bytes) => download(bytes, "plan.xlsx"),
        Err(err) => {
            tracing::error!(error = %err, "plan export failed");
            pages::failure(&web, Some(&org))
        }
    }
}

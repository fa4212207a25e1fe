//! Comparing organisations, for methodologists of the platform: one indicator month by month for
//! every organisation that shares it, on published, disclosure-controlled figures — a table, a
//! chart drawn on the server (SVG) and the same as CSV and XLSX — with the pooled figure where
//! enough organisations contribute. And, on an organisation's indicators page, what the
//! organisation shares, chosen by its administrator.

use super::export;
use super::form::Fields;
use super::gql::Refusal;
use super::i18n::Lang;
use super::indicators::{named, percent};
use super::pages::{self, Section, csrf_field, page};
use super::session::{Org, Web};
use axum::extract::{Path, Query};
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

const CATALOGUE: &str = "query { comparableIndicators { key names { ru kk en } measure } }";

const COMPARISON: &str = "query($i: String!, $from: String!, $to: String!) {
  comparison(indicator: $i, from: $from, to: $to) {
    indicator { key names { ru kk en } measure numeratorRu numeratorEn denominatorRu denominatorEn }
    months years
    organisations { name variant dataAsOf stale
      months { month provisional revision figure { numerator denominator percent suppressed } }
      years { month provisional revision figure { numerator denominator percent suppressed } } }
    pooled { month organisations figure { numerator denominator percent suppressed } }
    pooledYears { month organisations figure { numerator denominator percent suppressed } }
  } }";

#[derive(Deserialize, Default)]
pub struct Choice {
    indicator: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The period asked, or the last twelve months.
fn period(choice: &Choice) -> (String, String) {
    let today = chrono::Utc::now().date_naive();
    let to = format!("{:04}-{:02}", today.year(), today.month());
    let back = today
        .checked_sub_months(chrono::Months::new(11))
        .unwrap_or(today);
    let from = format!("{:04}-{:02}", back.year(), back.month());
    (
        choice
            .from
            .clone()
            .filter(|f| !f.is_empty())
            .unwrap_or(from),
        choice.to.clone().filter(|t| !t.is_empty()).unwrap_or(to),
    )
}

/// The strings of a list the API gave.
fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// A published figure as a cell reads: the share (with its counts) or the count, or why it is
/// withheld.
fn figure_text(lang: Lang, figure: &Value) -> String {
    let count = |v: &Value| v.as_i64().map(|n| n.to_string());
    match (
        figure["percent"].as_f64(),
        count(&figure["numerator"]),
        count(&figure["denominator"]),
    ) {
        (Some(p), Some(n), Some(d)) => format!("{} ({n} / {d})", percent(lang, p)),
        (None, Some(n), Some(d)) => format!("{n} / {d}"),
        (_, Some(n), None) => n,
        _ => match figure["suppressed"].as_str() {
            Some("too_few_organisations") => lang.t("compare-too-few"),
            Some("rate_denominator_too_small") => lang.t("compare-small-denominator"),
            _ => lang.t("compare-small-count"),
        },
    }
}

/// The value a chart draws: the share for a share, the count otherwise.
fn plotted(figure: &Value) -> Option<f64> {
    figure["percent"].as_f64().or_else(|| {
        figure["numerator"]
            .as_f64()
            .filter(|_| figure["denominator"].is_null())
    })
}

const COLOURS: [&str; 8] = [
    "#1f5fa8", "#c0392b", "#27864a", "#8e44ad", "#d35400", "#2c3e50", "#b7950b", "#16a085",
];

/// A line chart of the organisations and the pooled figure, month by month, drawn on the server.
fn chart(lang: Lang, data: &Value) -> Markup {
    let months = strings(&data["months"]);
    let mut lines: Vec<(String, Vec<Option<f64>>, bool)> = data["organisations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            let values = o["months"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|m| plotted(&m["figure"]))
                .collect();
            (
                o["name"].as_str().unwrap_or_default().to_owned(),
                values,
                false,
            )
        })
        .collect();
    lines.push((
        lang.t("compare-pooled"),
        data["pooled"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| plotted(&p["figure"]))
            .collect(),
        true,
    ));
    let max = lines
        .iter()
        .flat_map(|(_, v, _)| v.iter().flatten())
        .fold(0.0_f64, |a, b| a.max(*b));
    // Shares run to 100 %; counts (rounded to 5 when published) to the next multiple of 10.
    let top = if data["indicator"]["measure"] == "share" {
        100.0
    } else {
        ((max / 10.0).ceil() * 10.0).max(10.0)
    };
    let (w, h, left, bottom, right, top_pad) = (720.0, 260.0, 48.0, 36.0, 16.0, 12.0);
    let x = |i: usize| {
        let n = months.len().max(2) - 1;
        left + (w - left - right) * (i as f64) / (n as f64)
    };
    let y = |v: f64| top_pad + (h - top_pad - bottom) * (1.0 - v / top);
    html! {
        figure.chart {
            svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {w} {h}")) role="img"
                aria-label=(lang.t("compare-chart")) {
                line x1=(left) y1=(y(0.0)) x2=(w - right) y2=(y(0.0)) stroke="#888" {}
                line x1=(left) y1=(y(top)) x2=(left) y2=(y(0.0)) stroke="#888" {}
                @for tick in [0.0, top / 2.0, top] {
                    text x=(left - 6.0) y=(y(tick) + 4.0) text-anchor="end" font-size="11" { (format!("{tick:.0}")) }
                }
                @for (i, m) in months.iter().enumerate() {
                    text x=(x(i)) y=(h - bottom + 16.0) text-anchor="middle" font-size="10" { (&m[2..]) }
                }
                @for (n, (name, values, pooled)) in lines.iter().enumerate() {
                    @let colour = if *pooled { "#000" } else { COLOURS[n % COLOURS.len()] };
                    @let points: Vec<String> = values.iter().enumerate()
                        .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v)))).collect();
                    polyline points=(points.join(" ")) fill="none" stroke=(colour) stroke-width="2"
                        stroke-dasharray=[pooled.then_some("6 4")] { title { (name) } }
                    @for (i, v) in values.iter().enumerate() {
                        @if let Some(v) = v {
                            circle cx=(format!("{:.1}", x(i))) cy=(format!("{:.1}", y(*v))) r="3" fill=(colour) {}
                        }
                    }
                }
            }
            figcaption {
                @for (n, (name, _, pooled)) in lines.iter().enumerate() {
                    @let colour = if *pooled { "#000" } else { COLOURS[n % COLOURS.len()] };
                    span.legend { span.swatch style=(format!("background:{colour}")) {} " " (name) } " "
                }
            }
        }
    }
}

fn methodologists_only(web: &Web) -> Option<Response> {
    match web.signed_in() {
        Err(response) => Some(response),
        Ok(caller) if !caller.user.is_platform_methodologist => {
            Some(pages::forbidden(web, None, &web.lang.t("compare-only")))
        }
        Ok(_) => None,
    }
}

async fn load(web: &Web, choice: &Choice) -> Result<(Value, Value, String, String), Response> {
    let catalogue = web
        .gql(None, CATALOGUE, json!({}))
        .await
        .map_err(|refusal| pages::refused(web, None, refusal))?;
    let indicator = choice
        .indicator
        .clone()
        .filter(|i| !i.is_empty())
        .unwrap_or_else(|| "cases_closed".to_owned());
    let (from, to) = period(choice);
    let comparison = web
        .gql(
            None,
            COMPARISON,
            json!({ "i": indicator, "from": from, "to": to }),
        )
        .await;
    let comparison = match comparison {
        Ok(data) => data["comparison"].clone(),
        Err(refusal @ Refusal::Rejected(_)) => json!({ "reasons": refusal.messages() }),
        Err(refusal) => return Err(pages::refused(web, None, refusal)),
    };
    Ok((catalogue, comparison, from, to))
}

pub async fn show(web: Web, Query(choice): Query<Choice>) -> Response {
    if let Some(refused) = methodologists_only(&web) {
        return refused;
    }
    let lang = web.lang;
    let (catalogue, data, from, to) = match load(&web, &choice).await {
        Ok(loaded) => loaded,
        Err(response) => return response,
    };
    let chosen = data["indicator"]["key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let reasons: Vec<String> = strings(&data["reasons"])
        .into_iter()
        .map(str::to_owned)
        .collect();
    let (months, years) = (strings(&data["months"]), strings(&data["years"]));
    let query = format!("indicator={chosen}&from={from}&to={to}");
    let title = lang.t("compare-title");
    let body = html! {
        h1 { (title) }
        p.muted { (lang.t("compare-explained")) }
        form.inline method="get" action="/analytics" {
            label for="compare-indicator" { (lang.t("compare-indicator")) }
            select #compare-indicator name="indicator" {
                @for i in catalogue["comparableIndicators"].as_array().into_iter().flatten() {
                    @let key = i["key"].as_str().unwrap_or_default();
                    option value=(key) selected[key == chosen] { (named(lang, &i["names"])) }
                }
            }
            label for="compare-from" { (lang.t("compare-from")) }
            input #compare-from name="from" type="month" value=(from);
            label for="compare-to" { (lang.t("compare-to")) }
            input #compare-to name="to" type="month" value=(to);
            button type="submit" { (lang.t("indicators-show")) }
        }
        (pages::reasons(lang, &reasons))
        @if reasons.is_empty() {
            @let indicator = &data["indicator"];
            h2 { (named(lang, &indicator["names"])) }
            @let (numerator, denominator) = if lang == Lang::En {
                (indicator["numeratorEn"].as_str(), indicator["denominatorEn"].as_str())
            } else {
                (indicator["numeratorRu"].as_str(), indicator["denominatorRu"].as_str())
            };
            p.muted {
                (lang.t("compare-numerator")) ": " (numerator.unwrap_or_default())
                @if let Some(d) = denominator {
                    br; (lang.t("compare-denominator")) ": " (d)
                }
            }
            (chart(lang, &data))
            p {
                a href=(format!("/analytics/export.csv?{query}")) download { (lang.t("compare-csv")) }
                " · "
                a href=(format!("/analytics/export.xlsx?{query}")) download { (lang.t("compare-xlsx")) }
            }
            // Wide tables scroll sideways; the region takes the keyboard's focus to scroll.
            div.table-scroll tabindex="0" role="region" aria-label=(title) {
                table.list.comparison {
                    thead { tr {
                        th scope="col" { (lang.t("compare-organisation")) }
                        @for m in &months { th scope="col" { (m) } }
                        @for y in &years { th.year scope="col" { (lang.f("compare-year", &[("year", y.to_string().into())])) } }
                    } }
                    tbody {
                        @for o in data["organisations"].as_array().into_iter().flatten() {
                            tr {
                                th scope="row" {
                                    (o["name"].as_str().unwrap_or_default())
                                    br; span.muted { (o["variant"].as_str().unwrap_or_default()) }
                                    br; span.muted {
                                        (lang.t("compare-data-as-of")) " "
                                        (pages::parse_time(&o["dataAsOf"]).map(|t| t.format("%d.%m.%Y %H:%M").to_string()).unwrap_or_else(|| "—".into()))
                                    }
                                    @if o["stale"] == true { br; span.badge { (lang.t("compare-stale")) } }
                                }
                                @for cell in o["months"].as_array().into_iter().flatten().chain(o["years"].as_array().into_iter().flatten()) {
                                    td {
                                        @if cell.is_null() { "—" } @else {
                                            (figure_text(lang, &cell["figure"]))
                                            @if cell["provisional"] == true { br; span.muted { (lang.t("compare-provisional")) } }
                                        }
                                    }
                                }
                            }
                        }
                        tr.pooled {
                            th scope="row" { (lang.t("compare-pooled")) }
                            @for p in data["pooled"].as_array().into_iter().flatten().chain(data["pooledYears"].as_array().into_iter().flatten()) {
                                td { (figure_text(lang, &p["figure"])) br; span.muted { (lang.f("compare-contributing", &[("n", p["organisations"].as_i64().unwrap_or(0).into())])) } }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&web, None, Section::None, &title, body).into_response()
}

/// The comparison as rows: organisation, its method, month, provisional, the counts, the share,
/// why withheld; the pooled figure last.
fn rows(lang: Lang, data: &Value) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = [
        "compare-organisation",
        "compare-variant",
        "compare-month",
        "compare-provisional",
        "compare-numerator",
        "compare-denominator",
        "compare-share",
        "compare-withheld",
        "compare-data-as-of",
    ]
    .iter()
    .map(|k| lang.t(k))
    .collect();
    let figure = |f: &Value| {
        let text = |v: &Value| v.as_i64().map(|n| n.to_string()).unwrap_or_default();
        vec![
            text(&f["numerator"]),
            text(&f["denominator"]),
            f["percent"]
                .as_f64()
                .map(|p| percent(lang, p))
                .unwrap_or_default(),
            f["suppressed"]
                .as_str()
                .map(|_| figure_text(lang, f))
                .unwrap_or_default(),
        ]
    };
    let mut out = Vec::new();
    for o in data["organisations"].as_array().into_iter().flatten() {
        let cells = o["months"].as_array().into_iter().flatten();
        for cell in cells.chain(o["years"].as_array().into_iter().flatten()) {
            if cell.is_null() {
                continue;
            }
            let mut row = vec![
                o["name"].as_str().unwrap_or_default().to_owned(),
                o["variant"].as_str().unwrap_or_default().to_owned(),
                cell["month"].as_str().unwrap_or_default().to_owned(),
                if cell["provisional"] == true {
                    lang.t("yes")
                } else {
                    lang.t("no")
                },
            ];
            row.extend(figure(&cell["figure"]));
            row.push(o["dataAsOf"].as_str().unwrap_or_default().to_owned());
            out.push(row);
        }
    }
    let pooled = data["pooled"].as_array().into_iter().flatten();
    for p in pooled.chain(data["pooledYears"].as_array().into_iter().flatten()) {
        let mut row = vec![
            lang.t("compare-pooled"),
            lang.f(
                "compare-contributing",
                &[("n", p["organisations"].as_i64().unwrap_or(0).into())],
            ),
            p["month"].as_str().unwrap_or_default().to_owned(),
            String::new(),
        ];
        row.extend(figure(&p["figure"]));
        row.push(String::new());
        out.push(row);
    }
    (headers, out)
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

pub async fn export_csv(web: Web, Query(choice): Query<Choice>) -> Response {
    export_as(web, choice, false).await
}

pub async fn export_xlsx(web: Web, Query(choice): Query<Choice>) -> Response {
    export_as(web, choice, true).await
}

async fn export_as(web: Web, choice: Choice, xlsx: bool) -> Response {
    if let Some(refused) = methodologists_only(&web) {
        return refused;
    }
    let (_, data, _, _) = match load(&web, &choice).await {
        Ok(loaded) => loaded,
        Err(response) => return response,
    };
    if data.get("reasons").is_some() {
        return Redirect::to("/analytics").into_response();
    }
    let (headers, rows) = rows(web.lang, &data);
    let key = data["indicator"]["key"].as_str().unwrap_or("indicator");
    if xlsx {
        return match export::sheet(&headers, &rows, "Сравнение") {
            Ok(bytes) => export::download_named(bytes, &format!("comparison-{key}.xlsx")),
            Err(err) => pages::refused(&web, None, Refusal::Internal(err.to_string())),
        };
    }
    // A byte-order mark, so that spreadsheet programs read the Cyrillic as UTF-8.
    let mut text = String::from("\u{feff}");
    for row in std::iter::once(&headers).chain(rows.iter()) {
        let line: Vec<String> = row.iter().map(|v| csv_field(v)).collect();
        text.push_str(&line.join(","));
        text.push_str("\r\n");
    }
    (
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"comparison-{key}.csv\""))
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        text,
    )
        .into_response()
}

const SHARING: &str = "query { indicatorSharing { share version
  choices { indicator { key names { ru kk en } } shareable comparable shared } } }";

/// What the organisation shares for comparison: a section of its indicators page; the
/// administrator changes it, the others read it.
pub async fn sharing_section(web: &Web, org: &Org) -> Markup {
    let lang = web.lang;
    let Ok(data) = web.gql(Some(&org.slug), SHARING, json!({})).await else {
        return html! {};
    };
    let sharing = &data["indicatorSharing"];
    let admin = org.has(kurator_domain::Role::OrgAdmin);
    html! {
        section #sharing aria-labelledby="sharing-title" {
            h2 #sharing-title { (lang.t("sharing-title")) }
            p.muted { (lang.t("sharing-explained")) }
            form method="post" action=(org.path("/indicators/sharing")) {
                (csrf_field(web))
                input type="hidden" name="version" value=(sharing["version"].as_i64().unwrap_or(0));
                label {
                    input type="checkbox" name="share" value="1" checked[sharing["share"] == true] disabled[!admin];
                    " " (lang.t("sharing-share"))
                }
                fieldset {
                    legend { (lang.t("sharing-indicators")) }
                    @for c in sharing["choices"].as_array().into_iter().flatten() {
                        @let key = c["indicator"]["key"].as_str().unwrap_or_default();
                        label {
                            input type="checkbox" name="indicator" value=(key)
                                checked[c["shared"] == true] disabled[!admin || c["shareable"] != true];
                            " " (named(lang, &c["indicator"]["names"]))
                            @if c["comparable"] != true { " " span.badge { (lang.t("indicators-not-comparable")) } }
                        }
                        br;
                    }
                }
                @if admin { button.primary type="submit" { (lang.t("sharing-save")) } }
            }
        }
    }
}

pub async fn save_sharing(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let version: i64 = form.text("version").parse().unwrap_or(0);
    let indicators: Vec<String> = form.all("indicator");
    let answer = web
        .gql(
            Some(&slug),
            "mutation($v: Int!, $s: Boolean!, $i: [String!]!) { setIndicatorSharing(expectedVersion: $v, share: $s, indicators: $i) { version } }",
            json!({ "v": version, "s": form.text("share") == "1", "i": indicators }),
        )
        .await;
    match answer {
        Ok(_) => Redirect::to(&org.path("/indicators#sharing")).into_response(),
        Err(refusal) => pages::refused(&web, Some(&org), refusal),
    }
}

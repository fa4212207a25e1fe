//! The organisation administrator's method pages: the published variant (to read and download),
//! the draft of the next version (edited as a file, every problem shown with its path), the
//! diff against the published version with each change safe or breaking, publishing, and moving
//! the open cases to a newer version — previewed case by case, downloaded, then applied.

use super::form::Fields;
use super::gql::{Reason, Refusal};
use super::pages::{self, Section, csrf_field, page};
use super::session::{Org, Web};
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kurator_method::Variant;
use maud::{Markup, html};
use serde_json::{Value, json};
use std::sync::Arc;

const DRAFT: &str = "query { variantDraft { version exists format source
    pendingPublication { draftVersion requestedBy requestedByName requestedAt } }
  variant { version publishedVersions toml }
  variantTemplates { key name { ru kk en } version } }";
const DIFF: &str = "query { variantDraftDiff { publishedVersion draftVersion breaking
  changes { path kind from to impact reason } vocabularyWarnings { path message } } }";
const REPORT: &str =
    "toVersion moved needsDecision staying cases { caseId number status fromVersion
  stageFrom stageTo needsDecision staysOnVersion decisionReasons { message keepsCase }
  requirementsNowUnmet { summary blocksNextMove }
  added { key label due } removed { key label due }
  moved { before { key label due } after { due } } overdueAtOnce { key label due } }";

/// What the draft form shows again after a refusal: what was typed, and why not.
struct Typed<'a> {
    source: &'a str,
    format: &'a str,
    reasons: &'a [Reason],
}

fn admin_only(web: &Web, org: &Org) -> Option<Response> {
    (!org.has(kurator_domain::Role::OrgAdmin))
        .then(|| pages::forbidden(web, Some(org), &web.lang.t("admin-only")))
}

pub async fn show(web: Web, Path(slug): Path<String>) -> Response {
    let org = match web.org(&slug).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    render(&web, &org, None, &[], StatusCode::OK).await
}

async fn render(
    web: &Web,
    org: &Org,
    typed: Option<Typed<'_>>,
    notes: &[String],
    status: StatusCode,
) -> Response {
    if let Some(refused) = admin_only(web, org) {
        return refused;
    }
    let lang = web.lang;
    let data = match web.gql(Some(&org.slug), DRAFT, json!({})).await {
        Ok(data) => data,
        Err(refusal) => return pages::refused(web, Some(org), refusal),
    };
    let draft = &data["variantDraft"];
    let published = &data["variant"];
    let diff = if draft["exists"] == true {
        web.gql(Some(&org.slug), DIFF, json!({})).await.ok()
    } else {
        None
    };
    let (source, format) = match &typed {
        Some(t) => (t.source.to_owned(), t.format.to_owned()),
        None if draft["exists"] == true => (
            draft["source"].as_str().unwrap_or_default().to_owned(),
            draft["format"].as_str().unwrap_or("TOML").to_owned(),
        ),
        None => (
            published["toml"].as_str().unwrap_or_default().to_owned(),
            "TOML".to_owned(),
        ),
    };
    let reasons = typed.as_ref().map(|t| t.reasons).unwrap_or_default();
    let versions: Vec<i64> = published["publishedVersions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .collect();
    let body = html! {
        h1 { (lang.t("variant-title")) }
        nav.actions {
            a.button href=(org.path("/admin")) { (lang.t("nav-admin")) }
            a.button href=(org.path("/admin/variant/published.toml")) download { (lang.t("variant-download")) }
            a.button href=(org.path("/admin/variant/migration")) { (lang.t("variant-migration")) }
        }
        @if !notes.is_empty() {
            div.notice role="status" { ul { @for n in notes { li { (n) } } } }
        }
        section aria-labelledby="variant-published" {
            h2 #variant-published { (lang.t("variant-published")) }
            p { (lang.f("variant-published-version", &[("version", published["version"].as_i64().unwrap_or_default().into())])) }
            p.muted { (lang.t("variant-versions")) ": " (versions.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")) }
        }
        @if let Some(pending) = draft["pendingPublication"].as_object() {
            section aria-labelledby="variant-pending" {
                h2 #variant-pending { (lang.t("variant-pending")) }
                p { (lang.f("variant-pending-by", &[
                    ("version", pending.get("draftVersion").and_then(Value::as_i64).unwrap_or_default().into()),
                    ("name", pending.get("requestedByName").and_then(Value::as_str).unwrap_or_default().into()),
                ])) }
                form method="post" action=(org.path("/admin/variant/approve")) {
                    (csrf_field(web))
                    input type="hidden" name="expected" value=(pending.get("draftVersion").and_then(Value::as_i64).unwrap_or_default());
                    button.primary type="submit" { (lang.t("variant-approve")) }
                }
            }
        }
        section aria-labelledby="variant-templates" {
            h2 #variant-templates { (lang.t("variant-templates")) }
            form method="post" action=(org.path("/admin/variant/template")) {
                (csrf_field(web))
                input type="hidden" name="expected" value=(draft["version"].as_i64().unwrap_or_default());
                input type="hidden" name="exists" value=(if draft["exists"] == true { "1" } else { "0" });
                label for="variant-template" { (lang.t("variant-template")) }
                select #variant-template name="key" {
                    @for t in data["variantTemplates"].as_array().into_iter().flatten() {
                        option value=(t["key"].as_str().unwrap_or_default()) { (lang.text_json(&t["name"])) " (" (t["key"].as_str().unwrap_or_default()) ")" }
                    }
                }
                button type="submit" { (lang.t("variant-template-load")) }
            }
            form method="post" action=(org.path("/admin/variant/import")) {
                (csrf_field(web))
                input type="hidden" name="expected" value=(draft["version"].as_i64().unwrap_or_default());
                input type="hidden" name="exists" value=(if draft["exists"] == true { "1" } else { "0" });
                label for="variant-import" { (lang.t("variant-import")) }
                textarea #variant-import name="document" rows="4" spellcheck="false" {}
                button type="submit" { (lang.t("variant-import-load")) }
            }
        }
        section aria-labelledby="variant-draft" {
            h2 #variant-draft { (lang.t("variant-draft")) }
            @if !reasons.is_empty() {
                div.refusal role="alert" {
                    p { (lang.t("variant-draft-refused")) }
                    ul { @for r in reasons {
                        li { @if let Some(field) = &r.field { code { (field) } ": " } (r.message) }
                    } }
                }
            }
            form method="post" action=(org.path("/admin/variant/draft")) {
                (csrf_field(web))
                input type="hidden" name="expected" value=(draft["version"].as_i64().unwrap_or_default());
                input type="hidden" name="exists" value=(if draft["exists"] == true { "1" } else { "0" });
                label for="variant-format" { (lang.t("variant-format")) }
                select #variant-format name="format" {
                    @for f in ["TOML", "JSON"] { option value=(f) selected[f == format] { (f) } }
                }
                label for="variant-source" { (lang.t("variant-source")) }
                textarea #variant-source name="document" rows="24" spellcheck="false" { (source) }
                button.primary type="submit" { (lang.t("variant-save")) }
            }
        }
        @if let Some(diff) = &diff {
            (diff_section(web, org, &diff["variantDraftDiff"]))
        }
    };
    (
        status,
        page(
            web,
            Some(org),
            Section::Admin,
            &lang.t("variant-title"),
            body,
        ),
    )
        .into_response()
}

fn diff_section(web: &Web, org: &Org, diff: &Value) -> Markup {
    let lang = web.lang;
    let changes: Vec<&Value> = diff["changes"].as_array().into_iter().flatten().collect();
    html! {
        section aria-labelledby="variant-diff" {
            h2 #variant-diff { (lang.t("variant-diff")) }
            @let warnings: Vec<&Value> = diff["vocabularyWarnings"].as_array().into_iter().flatten().collect();
            @if !warnings.is_empty() {
                div.refusal role="status" {
                    p { (lang.t("variant-vocabulary-warnings")) }
                    ul { @for w in &warnings { li { code { (w["path"].as_str().unwrap_or_default()) } ": " (w["message"].as_str().unwrap_or_default()) } } }
                }
            }
            @if changes.is_empty() {
                p { (lang.t("variant-diff-none")) }
            } @else {
                @if diff["breaking"] == true {
                    p.overdue { (lang.t("variant-diff-breaking")) }
                }
                table.list {
                    thead { tr {
                        th scope="col" { (lang.t("variant-change-path")) }
                        th scope="col" { (lang.t("variant-change-from")) }
                        th scope="col" { (lang.t("variant-change-to")) }
                        th scope="col" { (lang.t("variant-change-impact")) }
                    } }
                    tbody { @for c in &changes {
                        tr {
                            th scope="row" { code { (c["path"].as_str().unwrap_or_default()) } }
                            td { (c["from"].as_str().unwrap_or("—")) }
                            td { (c["to"].as_str().unwrap_or("—")) }
                            td {
                                @if c["impact"] == "BREAKING" { strong { (lang.t("variant-breaking")) } } @else { (lang.t("variant-safe")) }
                                " " span.muted { "(" (c["reason"].as_str().unwrap_or_default()) ")" }
                            }
                        }
                    } }
                }
                form method="post" action=(org.path("/admin/variant/publish")) {
                    (csrf_field(web))
                    input type="hidden" name="expected" value=(diff["draftVersion"].as_i64().unwrap_or_default());
                    button.primary type="submit" { (lang.t("variant-publish")) }
                }
            }
        }
    }
}

pub async fn save_draft(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let document = form.raw("document");
    let format = if form.get("format") == Some("JSON") {
        "JSON"
    } else {
        "TOML"
    };
    let expected = (form.get("exists") == Some("1")).then(|| form.int("expected"));
    let answer = web
        .gql(
            Some(&slug),
            "mutation($d: String!, $f: VariantFormat!, $v: Int) {
                saveVariantDraft(document: $d, format: $f, expectedVersion: $v) { version } }",
            json!({ "d": document, "f": format, "v": expected.flatten() }),
        )
        .await;
    match answer {
        Ok(_) => Redirect::to(&org.path("/admin/variant#variant-diff")).into_response(),
        Err(Refusal::Rejected(reasons)) => {
            let typed = Typed {
                source: &document,
                format,
                reasons: &reasons,
            };
            render(
                &web,
                &org,
                Some(typed),
                &[],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(refusal @ Refusal::Conflict { .. }) => {
            let reasons = vec![Reason {
                code: "conflict".into(),
                field: None,
                message: refusal.messages().join(" "),
            }];
            let typed = Typed {
                source: &document,
                format,
                reasons: &reasons,
            };
            render(&web, &org, Some(typed), &[], StatusCode::CONFLICT).await
        }
        Err(refusal) => pages::refused(&web, Some(&org), refusal),
    }
}

pub async fn publish(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    publication(web, slug, form, "publishVariantDraft").await
}

/// A second administrator approves the publication another one asked for.
pub async fn approve(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    publication(web, slug, form, "approveVariantPublication").await
}

/// Publishing the draft (`publishVariantDraft`), or approving the request to
/// (`approveVariantPublication`): the same answer either way.
async fn publication(web: Web, slug: String, form: Fields, mutation: &str) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let document = format!(
        "mutation($v: Int!) {{ {mutation}(expectedDraftVersion: $v) {{
            published version vocabularyWarnings {{ path message }} }} }}"
    );
    let answer = web
        .gql(
            Some(&slug),
            &document,
            json!({ "v": form.int("expected").unwrap_or_default() }),
        )
        .await;
    published_or_requested(web, org, answer, mutation).await
}

async fn published_or_requested(
    web: Web,
    org: Org,
    answer: Result<Value, Refusal>,
    field: &str,
) -> Response {
    match answer {
        Ok(data) => {
            let result = &data[field];
            let mut notes = vec![if result["published"] == true {
                web.lang.f(
                    "variant-published-now",
                    &[(
                        "version",
                        result["version"].as_i64().unwrap_or_default().into(),
                    )],
                )
            } else {
                web.lang.t("variant-publication-requested")
            }];
            for w in result["vocabularyWarnings"]
                .as_array()
                .into_iter()
                .flatten()
            {
                notes.push(format!(
                    "{}: {}",
                    w["path"].as_str().unwrap_or_default(),
                    w["message"].as_str().unwrap_or_default()
                ));
            }
            render(&web, &org, None, &notes, StatusCode::OK).await
        }
        Err(refusal @ (Refusal::Rejected(_) | Refusal::Conflict { .. })) => {
            render(
                &web,
                &org,
                None,
                &refusal.messages(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(refusal) => pages::refused(&web, Some(&org), refusal),
    }
}

/// A preset loaded as the draft (a template).
pub async fn load_template(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let expected = (form.get("exists") == Some("1")).then(|| form.int("expected"));
    let answer = web
        .gql(
            Some(&slug),
            "mutation($k: String!, $v: Int) { saveVariantDraftFromTemplate(key: $k, expectedVersion: $v) { version } }",
            json!({ "k": form.text("key"), "v": expected.flatten() }),
        )
        .await;
    draft_changed(web, org, answer).await
}

/// Another organisation's exported variant loaded as the draft.
pub async fn import(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let document = form.raw("document");
    let format = if document.trim_start().starts_with('{') {
        "JSON"
    } else {
        "TOML"
    };
    let expected = (form.get("exists") == Some("1")).then(|| form.int("expected"));
    let answer = web
        .gql(
            Some(&slug),
            "mutation($d: String!, $f: VariantFormat!, $v: Int) { importVariantDraft(document: $d, format: $f, expectedVersion: $v) { version } }",
            json!({ "d": document, "f": format, "v": expected.flatten() }),
        )
        .await;
    draft_changed(web, org, answer).await
}

async fn draft_changed(web: Web, org: Org, answer: Result<Value, Refusal>) -> Response {
    match answer {
        Ok(_) => Redirect::to(&org.path("/admin/variant#variant-diff")).into_response(),
        Err(refusal @ (Refusal::Rejected(_) | Refusal::Conflict { .. })) => {
            render(
                &web,
                &org,
                None,
                &refusal.messages(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(refusal) => pages::refused(&web, Some(&org), refusal),
    }
}

/// The published version as a file.
pub async fn published_file(web: Web, Path(slug): Path<String>) -> Response {
    let org = match web.org(&slug).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    if let Some(refused) = admin_only(&web, &org) {
        return refused;
    }
    match web
        .gql(
            Some(&slug),
            "query { variant { key version toml } }",
            json!({}),
        )
        .await
    {
        Ok(data) => {
            let variant = &data["variant"];
            let name = format!(
                "{}-v{}.toml",
                variant["key"].as_str().unwrap_or("variant"),
                variant["version"].as_i64().unwrap_or_default()
            );
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/toml; charset=utf-8".to_owned(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                ],
                variant["toml"].as_str().unwrap_or_default().to_owned(),
            )
                .into_response()
        }
        Err(refusal) => pages::refused(&web, Some(&org), refusal),
    }
}

/// A stage's name in the page's language, from whichever version has it.
fn stage_name(web: &Web, variants: &[Arc<Variant>], key: &str) -> String {
    variants
        .iter()
        .rev()
        .flat_map(|v| v.doc().stages.iter())
        .find(|s| s.key == key)
        .map_or_else(|| key.to_owned(), |s| web.lang.text(&s.name))
}

/// The migration page: the preview of moving the open cases to the newest version (or the one
/// chosen), the stage mapping for stages it lacks, and the buttons to download and apply.
pub async fn migration(web: Web, Path(slug): Path<String>) -> Response {
    let org = match web.org(&slug).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    if let Some(refused) = admin_only(&web, &org) {
        return refused;
    }
    let latest = org
        .runtime
        .published_versions()
        .last()
        .copied()
        .unwrap_or(1);
    run_migration(&web, &org, i64::from(latest), &[], "preview").await
}

pub async fn migration_posted(web: Web, Path(slug): Path<String>, form: Fields) -> Response {
    let org = match web.org_posting(&slug, &form).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let to = form.int("to").unwrap_or_default();
    let mapping: Vec<(String, String)> = form
        .with_prefix("map.")
        .filter(|(_, to)| !to.trim().is_empty())
        .map(|(from, to)| (from.to_owned(), to.trim().to_owned()))
        .collect();
    let action = match form.get("action") {
        Some("apply") => "apply",
        Some("csv") => "csv",
        Some("xlsx") => "xlsx",
        _ => "preview",
    };
    run_migration(&web, &org, to, &mapping, action).await
}

async fn run_migration(
    web: &Web,
    org: &Org,
    to: i64,
    mapping: &[(String, String)],
    action: &str,
) -> Response {
    let lang = web.lang;
    let field = if action == "apply" {
        "applyVariantMigration"
    } else {
        "variantMigrationPreview"
    };
    let operation = if action == "apply" {
        "mutation"
    } else {
        "query"
    };
    let document = format!(
        "{operation}($to: Int!, $map: [StageMappingInput!]) {{ {field}(toVersion: $to, stageMapping: $map) {{ {REPORT} {} }} }}",
        if action == "xlsx" { "xlsx" } else { "csv" }
    );
    let map: Vec<Value> = mapping
        .iter()
        .map(|(from, to)| json!({ "from": from, "to": to }))
        .collect();
    let answer = web
        .gql(Some(&org.slug), &document, json!({ "to": to, "map": map }))
        .await;
    let (report, reasons) = match answer {
        Ok(data) => (Some(data[field].clone()), Vec::new()),
        Err(refusal @ (Refusal::Rejected(_) | Refusal::Conflict { .. })) => {
            (None, refusal.messages())
        }
        Err(refusal) => return pages::refused(web, Some(org), refusal),
    };
    if action == "csv"
        && let Some(report) = &report
    {
        return (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"migration-v{to}.csv\""),
                ),
            ],
            report["csv"].as_str().unwrap_or_default().to_owned(),
        )
            .into_response();
    }
    if action == "xlsx"
        && let Some(report) = &report
    {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(report["xlsx"].as_str().unwrap_or_default())
            .unwrap_or_default();
        return (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"migration-v{to}.xlsx\""),
                ),
            ],
            bytes,
        )
            .into_response();
    }
    let versions = org.runtime.published_versions();
    let variants: Vec<Arc<Variant>> = versions
        .iter()
        .filter_map(|v| i32::try_from(*v).ok())
        .filter_map(|v| org.runtime.variant(v).ok().cloned())
        .collect();
    let target = i32::try_from(to)
        .ok()
        .and_then(|v| org.runtime.variant(v).ok().cloned());
    let cases: Vec<&Value> = report
        .as_ref()
        .and_then(|r| r["cases"].as_array())
        .into_iter()
        .flatten()
        .collect();
    // Stages of the cases' versions that the target lacks: each needs a stage to go to.
    let mut unmapped: Vec<String> = cases
        .iter()
        .filter(|c| c["staysOnVersion"] == true)
        .filter_map(|c| c["stageFrom"].as_str())
        .filter(|s| {
            target
                .as_ref()
                .is_some_and(|t| !t.doc().stages.iter().any(|st| st.key == *s))
        })
        .map(str::to_owned)
        .collect();
    for (from, _) in mapping {
        unmapped.push(from.clone());
    }
    unmapped.sort();
    unmapped.dedup();
    let chosen = |from: &str| {
        mapping
            .iter()
            .find(|(f, _)| f == from)
            .map(|(_, t)| t.as_str())
    };
    let due = |o: &Value| {
        pages::parse_time(&o["due"])
            .map(|at| pages::day(org, &at))
            .unwrap_or_default()
    };
    let body = html! {
        h1 { (lang.t("variant-migration")) }
        nav.actions {
            a.button href=(org.path("/admin/variant")) { (lang.t("variant-title")) }
        }
        (pages::reasons(lang, &reasons))
        @if action == "apply" && let Some(report) = &report {
            div.notice role="status" {
                (lang.f("variant-migration-applied", &[
                    ("moved", i64::try_from(report["moved"].as_array().map_or(0, Vec::len)).unwrap_or_default().into()),
                    ("left", i64::try_from(report["staying"].as_array().map_or(0, Vec::len)).unwrap_or_default().into()),
                ]))
            }
        }
        form method="post" action=(org.path("/admin/variant/migration")) {
            (csrf_field(web))
            label for="migration-to" { (lang.t("variant-migration-to")) }
            select #migration-to name="to" {
                @for v in &versions { option value=(v) selected[i64::from(*v) == to] { (v) } }
            }
            @if !unmapped.is_empty() {
                fieldset {
                    legend { (lang.t("variant-migration-mapping")) }
                    @for from in &unmapped {
                        label for=(format!("map-{from}")) { (stage_name(web, &variants, from)) " → " }
                        select id=(format!("map-{from}")) name=(format!("map.{from}")) {
                            option value="" { (lang.t("variant-migration-unmapped")) }
                            @if let Some(target) = &target {
                                @for s in &target.doc().stages {
                                    option value=(s.key) selected[chosen(from) == Some(s.key.as_str())] { (lang.text(&s.name)) }
                                }
                            }
                        }
                    }
                }
            }
            button type="submit" name="action" value="preview" { (lang.t("variant-migration-preview")) }
            button type="submit" name="action" value="csv" { (lang.t("variant-migration-csv")) }
            button type="submit" name="action" value="xlsx" { (lang.t("variant-migration-xlsx")) }
            button.primary type="submit" name="action" value="apply" { (lang.t("variant-migration-apply")) }
        }
        @if report.is_some() {
            @if cases.is_empty() {
                p { (lang.t("variant-migration-nothing")) }
            } @else {
                table.list {
                    caption { (lang.f("variant-migration-cases", &[("count", i64::try_from(cases.len()).unwrap_or_default().into())])) }
                    thead { tr {
                        th scope="col" { (lang.t("variant-migration-case")) }
                        th scope="col" { (lang.t("variant-migration-stage")) }
                        th scope="col" { (lang.t("variant-migration-deadlines")) }
                        th scope="col" { (lang.t("variant-migration-decision")) }
                    } }
                    tbody { @for c in &cases {
                        tr {
                            th scope="row" {
                                a href=(org.path(&format!("/cases/{}", c["caseId"].as_str().unwrap_or_default()))) {
                                    "№ " (c["number"].as_i64().map(|n| n.to_string()).unwrap_or_default())
                                }
                                br; span.muted { "v" (c["fromVersion"]) " → v" (to) }
                            }
                            td {
                                (stage_name(web, &variants, c["stageFrom"].as_str().unwrap_or_default()))
                                " → "
                                @match c["stageTo"].as_str() {
                                    Some(s) => (stage_name(web, &variants, s)),
                                    None => "?",
                                }
                            }
                            td {
                                ul.plain {
                                    @for o in c["added"].as_array().into_iter().flatten() {
                                        li { "+ " (o["label"].as_str().unwrap_or_default()) ", " (due(o)) }
                                    }
                                    @for o in c["removed"].as_array().into_iter().flatten() {
                                        li { "− " (o["label"].as_str().unwrap_or_default()) }
                                    }
                                    @for m in c["moved"].as_array().into_iter().flatten() {
                                        li { (m["before"]["label"].as_str().unwrap_or_default()) ": " (due(&m["before"])) " → " (due(&m["after"])) }
                                    }
                                    @for o in c["overdueAtOnce"].as_array().into_iter().flatten() {
                                        li.overdue { (lang.t("variant-migration-overdue")) ": " (o["label"].as_str().unwrap_or_default()) ", " (due(o)) }
                                    }
                                }
                            }
                            td {
                                @if c["staysOnVersion"] == true {
                                    strong { (lang.t("variant-migration-stays")) }
                                } @else if c["needsDecision"] == true {
                                    strong { (lang.t("variant-migration-needs-decision")) }
                                } @else {
                                    (lang.t("variant-migration-automatic"))
                                }
                                ul.plain {
                                    @for r in c["decisionReasons"].as_array().into_iter().flatten() {
                                        li { (r["message"].as_str().unwrap_or_default()) }
                                    }
                                    @for r in c["requirementsNowUnmet"].as_array().into_iter().flatten() {
                                        li { (lang.t("variant-migration-unmet")) ": " (r["summary"].as_str().unwrap_or_default()) }
                                    }
                                }
                            }
                        }
                    } }
                }
            }
        }
    };
    let status = if reasons.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (
        status,
        page(
            web,
            Some(org),
            Section::Admin,
            &lang.t("variant-migration"),
            body,
        ),
    )
        .into_response()
}

//! The supervisor's board: each curator's load against the variant's caps per category, overdue
//! cases, cases without a plan action for two weeks, curators with spare capacity.

use super::pages::{self, Section, page};
use super::session::Web;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use maud::html;
use serde_json::{Value, json};

const BOARD: &str = "query { board { curatorId activeCases postSupportCases overdueCases
  casesWithoutPlanAction casesAwaitingApproval
  nextCase { category decision reason spare } }
  colleagues { id displayName } }";

pub async fn show(web: Web, Path(slug): Path<String>) -> Response {
    let org = match web.org(&slug).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let lang = web.lang;
    let data = match web.gql(Some(&slug), BOARD, json!({})).await {
        Ok(data) => data,
        Err(refusal) => return pages::refused(&web, Some(&org), refusal),
    };
    let variant = org.runtime.current_variant().ok().cloned();
    let category_name = |key: &str| {
        variant
            .as_ref()
            .and_then(|v| {
                v.doc().classifications.iter().find_map(|c| {
                    c.values.iter().find(|x| x.key == key).map(|x| {
                        x.caseload_label
                            .clone()
                            .unwrap_or_else(|| lang.text(&x.name))
                    })
                })
            })
            .unwrap_or_else(|| key.to_owned())
    };
    let name_of = |id: &str| {
        data["colleagues"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["id"].as_str() == Some(id))
            .and_then(|c| c["displayName"].as_str())
            .unwrap_or("—")
            .to_owned()
    };
    let lines: Vec<&Value> = data["board"].as_array().into_iter().flatten().collect();
    let spare: Vec<&Value> = lines
        .iter()
        .copied()
        .filter(|l| {
            l["nextCase"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|n| n["decision"].as_str() != Some("refused"))
        })
        .collect();
    let body = html! {
        h1 { (lang.t("nav-board")) }
        table.list.board {
            caption { (lang.t("board-caption")) }
            thead { tr {
                th scope="col" { (lang.t("card-curator")) }
                th scope="col" { (lang.t("board-active")) }
                th scope="col" { (lang.t("board-post-support")) }
                th scope="col" { (lang.t("board-overdue")) }
                th scope="col" { (lang.t("board-without-plan-action")) }
                th scope="col" { (lang.t("board-awaiting-approval")) }
                th scope="col" { (lang.t("board-next-case")) }
            } }
            tbody {
                @for l in &lines {
                    @let id = l["curatorId"].as_str().unwrap_or_default();
                    tr data-curator=(id) {
                        th scope="row" { (name_of(id)) }
                        td { (l["activeCases"]) }
                        td { (l["postSupportCases"]) }
                        td class=(if l["overdueCases"].as_i64().unwrap_or_default() > 0 { "overdue" } else { "" }) { (l["overdueCases"]) }
                        td class=(if l["casesWithoutPlanAction"].as_i64().unwrap_or_default() > 0 { "due" } else { "" }) { (l["casesWithoutPlanAction"]) }
                        td { (l["casesAwaitingApproval"]) }
                        td {
                            ul.plain {
                                @for n in l["nextCase"].as_array().into_iter().flatten() {
                                    @let decision = n["decision"].as_str().unwrap_or_default();
                                    li class=(format!("cap {decision}")) {
                                        @if let Some(category) = n["category"].as_str() { strong { (category_name(category)) } ": " }
                                        span class=(format!("badge cap-{decision}")) { (lang.t(&format!("caseload-{decision}"))) }
                                        @if let Some(spare) = n["spare"].as_i64() { " · " (lang.f("board-spare", &[("count", spare.into())])) }
                                        @if let Some(reason) = n["reason"].as_str() { br; span.muted { (reason) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.panel aria-labelledby="board-spare" {
            h2 #board-spare { (lang.t("board-spare-capacity")) }
            @if spare.is_empty() {
                p.muted { (lang.t("board-no-spare")) }
            } @else {
                ul.plain {
                    @for l in spare {
                        li { (name_of(l["curatorId"].as_str().unwrap_or_default())) }
                    }
                }
            }
        }
    };
    page(&web, Some(&org), Section::Board, &lang.t("nav-board"), body).into_response()
}

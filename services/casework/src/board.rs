//! The supervisor's board (доска руководителя): each curator's load against the limits, overdue
//! counts, and cases with no plan action in two weeks.

use crate::actor::Actor;
use crate::case_file::{self, status};
use crate::cases::{CaseQuery, list};
use crate::deadlines;
use crate::error::CaseworkResult;
use crate::runtime::TenantRuntime;
use chrono::{DateTime, Utc};
use kurator_method::Variant;
use kurator_method::caseload::{self, CaseloadDecision, CuratorLoad, LoadCase, Proposed};
use kurator_method::schema::CaseloadPolicy;
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct CuratorLine {
    pub curator: Uuid,
    pub active_cases: usize,
    pub post_support_cases: usize,
    pub overdue_cases: usize,
    pub cases_without_plan_action: usize,
    /// Cases that went ahead in an emergency and await approvals.
    pub cases_awaiting_approval: usize,
    /// What the caseload policy says about one more case — per family category where the
    /// variant caps categories (category value, answer), otherwise one answer with no category.
    pub next_case: Vec<(Option<String>, CaseloadDecision)>,
    /// How many more cases the curator can take before the policy refuses, in the same order as
    /// `next_case` (per capped category, or once).
    pub spare: Vec<u32>,
}

/// How many more cases like `proposed` fit before the policy refuses one (counted up to 1 000).
fn spare(
    variant: &Variant,
    policy: Option<&CaseloadPolicy>,
    load: &CuratorLoad,
    proposed: &Proposed,
) -> u32 {
    let evaluate = |load: &CuratorLoad| match policy {
        Some(policy) => caseload::evaluate_policy(variant, policy, load, proposed),
        None => caseload::evaluate(variant, load, proposed),
    };
    let mut load = load.clone();
    let mut n = 0;
    while n < 1_000 && !matches!(evaluate(&load), CaseloadDecision::Refused(_)) {
        n += 1;
        load.active.push(proposed.case.clone());
    }
    n
}

/// The proposals the board answers for: one case of each capped category, or any one case.
fn proposals(policy: Option<&CaseloadPolicy>) -> Vec<(Option<String>, Proposed)> {
    match policy.and_then(|p| p.categories.as_ref()) {
        Some(caps) => caps
            .caps
            .iter()
            .map(|cap| {
                (
                    Some(cap.value.clone()),
                    Proposed {
                        case: LoadCase::with(&caps.classification, &cap.value),
                        post_support: false,
                    },
                )
            })
            .collect(),
        None => vec![(None, Proposed::default())],
    }
}

/// The answer for one more case, for each capped category or once.
fn next_case(
    variant: &Variant,
    policy: Option<&CaseloadPolicy>,
    load: &CuratorLoad,
) -> Vec<(Option<String>, CaseloadDecision)> {
    proposals(policy)
        .into_iter()
        .map(|(category, proposed)| {
            let decision = match policy {
                Some(policy) => caseload::evaluate_policy(variant, policy, load, &proposed),
                None => caseload::evaluate(variant, load, &proposed),
            };
            (category, decision)
        })
        .collect()
}

#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
/// Every curator of the organisation (`curators`, from its membership) gets a line, those with
/// no cases too, with their spare capacity.
pub async fn board(
    runtime: &TenantRuntime,
    actor: &Actor,
    now: DateTime<Utc>,
    curators: &[Uuid],
) -> CaseworkResult<Vec<CuratorLine>> {
    actor.require_lead()?;
    let files = list(
        runtime,
        actor,
        CaseQuery {
            statuses: vec![
                status::INTAKE.into(),
                status::OPEN.into(),
                status::POST_SUPPORT.into(),
            ],
            ..Default::default()
        },
    )
    .await?;
    let variant = runtime.current_variant()?;
    let settings = crate::settings::get(runtime, actor).await?;
    let policy = crate::settings::caseload_policy(variant, &settings.settings);
    let mut by_curator: BTreeMap<Uuid, Vec<&case_file::CaseFile>> =
        curators.iter().map(|c| (*c, Vec::new())).collect();
    for file in &files {
        if let Some(curator) = file.case.curator_id {
            by_curator.entry(curator).or_default().push(file);
        }
    }
    let mut lines = Vec::new();
    for (curator, files) in by_curator {
        let mut line = CuratorLine {
            curator,
            active_cases: 0,
            post_support_cases: 0,
            overdue_cases: 0,
            cases_without_plan_action: 0,
            cases_awaiting_approval: 0,
            next_case: Vec::new(),
            spare: Vec::new(),
        };
        let mut load = CuratorLoad::default();
        for file in files {
            let case_variant = runtime.variant(file.case.variant_version)?;
            let evaluation = deadlines::evaluate(case_variant, runtime.calendar(), file, now);
            if deadlines::is_overdue(&evaluation) {
                line.overdue_cases += 1;
            }
            if deadlines::without_plan_action(file, now, 14) {
                line.cases_without_plan_action += 1;
            }
            if !file.pending_approvals().is_empty() {
                line.cases_awaiting_approval += 1;
            }
            if file.case.status == status::POST_SUPPORT {
                line.post_support_cases += 1;
                load.post_support += 1;
            } else {
                line.active_cases += 1;
                load.active.push(LoadCase {
                    attributes: case_file::attributes(&file.case),
                });
            }
        }
        line.next_case = next_case(variant, policy.as_ref(), &load);
        line.spare = proposals(policy.as_ref())
            .iter()
            .map(|(_, proposed)| spare(variant, policy.as_ref(), &load, proposed))
            .collect();
        lines.push(line);
    }
    Ok(lines)
}

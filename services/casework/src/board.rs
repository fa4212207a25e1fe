//! The supervisor's board (доска руководителя): each curator's load against the limits, overdue
//! counts, and cases with no plan action in two weeks.

use crate::actor::Actor;
use crate::error::CaseworkResult;
use crate::runtime::TenantRuntime;
use chrono::{DateTime, Duration, Utc};
use kurator_method::Variant;
use kurator_method::caseload::{self, CaseloadDecision, CuratorLoad, LoadCase, Proposed};
use kurator_method::schema::CaseloadPolicy;
use kurator_store::tenant::cases;
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

/// Every curator of the organisation (`curators`, from its membership) gets a line, those with
/// no cases too, with their spare capacity. The counts come from one aggregate statement over the
/// stored obligations and the active cases, so the board costs the same however many closed
/// cases the organisation keeps.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn board(
    runtime: &TenantRuntime,
    actor: &Actor,
    now: DateTime<Utc>,
    curators: &[Uuid],
) -> CaseworkResult<Vec<CuratorLine>> {
    actor.require_lead()?;
    let variant = runtime.current_variant()?;
    let tx = runtime.read().await?;
    let settings = crate::settings::load(&tx).await?;
    let policy = crate::settings::caseload_policy(variant, &settings.settings);
    // What the caseload policy reads of each case: its category and its sub-limits' attributes.
    let mut keys: Vec<String> = Vec::new();
    if let Some(policy) = &policy {
        if let Some(categories) = &policy.categories {
            keys.push(categories.classification.clone());
        }
        for limit in &policy.sub_limits {
            if !keys.contains(&limit.attribute) {
                keys.push(limit.attribute.clone());
            }
        }
    }
    let groups = cases::board(&tx, now, now - Duration::days(14), &keys).await?;
    tx.commit().await?;

    let mut by_curator: BTreeMap<Uuid, (CuratorLine, CuratorLoad)> = BTreeMap::new();
    let blank = |curator: Uuid| {
        (
            CuratorLine {
                curator,
                active_cases: 0,
                post_support_cases: 0,
                overdue_cases: 0,
                cases_without_plan_action: 0,
                cases_awaiting_approval: 0,
                next_case: Vec::new(),
                spare: Vec::new(),
            },
            CuratorLoad::default(),
        )
    };
    for curator in curators {
        by_curator.insert(*curator, blank(*curator));
    }
    for group in groups {
        let (line, load) = by_curator
            .entry(group.curator)
            .or_insert_with(|| blank(group.curator));
        let n = usize::try_from(group.cases).unwrap_or(usize::MAX);
        line.overdue_cases += usize::try_from(group.overdue).unwrap_or(0);
        line.cases_without_plan_action += usize::try_from(group.without_plan_action).unwrap_or(0);
        line.cases_awaiting_approval += usize::try_from(group.awaiting_approval).unwrap_or(0);
        if group.post_support {
            line.post_support_cases += n;
            load.post_support += u32::try_from(n).unwrap_or(u32::MAX);
        } else {
            line.active_cases += n;
            let case = LoadCase {
                attributes: keys
                    .iter()
                    .zip(&group.attributes)
                    .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
                    .collect(),
            };
            load.active.extend(std::iter::repeat_n(case, n));
        }
    }
    Ok(by_curator
        .into_values()
        .map(|(mut line, load)| {
            line.next_case = next_case(variant, policy.as_ref(), &load);
            line.spare = proposals(policy.as_ref())
                .iter()
                .map(|(_, proposed)| spare(variant, policy.as_ref(), &load, proposed))
                .collect();
            line
        })
        .collect())
}

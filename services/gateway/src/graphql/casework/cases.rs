//! Cases over GraphQL: `case`, `cases` (Relay connection with filters), `board`,
//! `caseAuditTrail`; `openCase`, `assignCurator`, `addCaseMember`, `setCaseAttribute`.

use super::types::Case;
use super::{STAFF, parse_id, parse_user, personalData, require_staff, tenant_actor};
use crate::AppState;
use crate::graphql::error::{ApiError, ApiResult};
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SelectionField, SimpleObject};
use chrono::{DateTime, Utc};
use kurator_casework::board;
use kurator_casework::cases::{self, CaseQuery, Depth, OpenCase};
use kurator_domain::Role;
use kurator_method::caseload::CaseloadDecision;
use kurator_method::problem;
use kurator_store::control::repo;
use serde_json::Value;

#[derive(Default)]
pub struct CaseQueryRoot;

#[derive(Default)]
pub struct CaseMutation;

/// Filters for case lists; every set field narrows the list.
#[derive(InputObject, Default)]
pub struct CaseFilter {
    /// intake, open, post_support, closed, declined.
    pub status: Option<Vec<String>>,
    pub curator_id: Option<ID>,
    /// Only cases the caller curates or is on.
    #[graphql(default)]
    pub mine: bool,
    /// Classifications, scores and attributes the variant lets lists be filtered by (family
    /// category, risk level, complexity band, case type…), each `{ key, value }` as the variant
    /// names them; every one narrows the list.
    #[graphql(default)]
    pub attributes: Vec<AttributeFilter>,
    /// Only cases with an overdue obligation.
    #[graphql(default)]
    pub overdue: bool,
    /// Only cases with an obligation due within this many days.
    pub due_within_days: Option<i32>,
    /// Opened at or after this moment.
    pub opened_from: Option<DateTime<Utc>>,
    /// Opened at or before this moment.
    pub opened_to: Option<DateTime<Utc>>,
    /// Closed at or after this moment.
    pub closed_from: Option<DateTime<Utc>>,
    /// Closed at or before this moment.
    pub closed_to: Option<DateTime<Utc>>,
    /// A case number (`123`, `№ 123`) or the start of the family's surname; the search is kept in
    /// the audit trail.
    #[graphql(directive = personalData::apply())]
    pub search: Option<String>,
}

/// What a case list says about all of its cases, not only the page.
pub struct CaseListTotals {
    runtime: std::sync::Arc<kurator_casework::TenantRuntime>,
    filter: kurator_store::tenant::cases::CaseFilter,
}

#[Object]
impl CaseListTotals {
    /// How many cases match the filter in all (counted in SQL, only when asked for).
    async fn total_count(&self) -> async_graphql::Result<i64> {
        let total = cases::count(&self.runtime, &self.filter)
            .await
            .map_err(ApiError::from)?;
        Ok(i64::try_from(total).unwrap_or(i64::MAX))
    }
}

/// One attribute a list is narrowed by: the variant's key and a value of it.
#[derive(InputObject)]
pub struct AttributeFilter {
    pub key: String,
    pub value: String,
}

const MAX_PAGE: usize = 100;

#[derive(SimpleObject)]
pub struct CaseloadAnswer {
    /// The family category the answer is for, where the variant caps categories.
    pub category: Option<String>,
    /// allowed, allowed_with_warning, refused.
    pub decision: String,
    /// For a supervisor to read, e.g. «Куратор ведёт 6 семей в СОП из 6 допустимых».
    pub reason: Option<String>,
    /// On the board: how many more families (of this category) the curator can take before the
    /// policy refuses.
    pub spare: Option<i32>,
}

impl From<&CaseloadDecision> for CaseloadAnswer {
    fn from(decision: &CaseloadDecision) -> Self {
        let (decision, reason) = match decision {
            CaseloadDecision::Allowed => ("allowed", None),
            CaseloadDecision::AllowedWithWarning(reason) => {
                ("allowed_with_warning", Some(reason.clone()))
            }
            CaseloadDecision::Refused(reason) => ("refused", Some(reason.clone())),
        };
        Self {
            category: None,
            decision: decision.into(),
            reason,
            spare: None,
        }
    }
}

#[derive(SimpleObject)]
pub struct AssignCuratorPayload {
    pub case: Case,
    pub caseload: CaseloadAnswer,
}

#[derive(SimpleObject)]
pub struct CuratorLoadLine {
    pub curator_id: ID,
    pub active_cases: i32,
    pub post_support_cases: i32,
    pub overdue_cases: i32,
    /// Open cases with a plan and no completed plan action in two weeks.
    pub cases_without_plan_action: i32,
    /// Cases that went ahead in an emergency and await approvals (for the senior curator).
    pub cases_awaiting_approval: i32,
    /// What the caseload policy says about one more case (per family category where capped).
    pub next_case: Vec<CaseloadAnswer>,
}

#[derive(SimpleObject)]
pub struct AuditEntry {
    pub id: ID,
    pub at: DateTime<Utc>,
    pub actor_id: Option<ID>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<ID>,
    #[graphql(directive = personalData::apply())]
    pub before: Option<Json<Value>>,
    #[graphql(directive = personalData::apply())]
    pub after: Option<Json<Value>>,
}

#[derive(InputObject)]
pub struct OpenCaseInput {
    #[graphql(directive = personalData::apply())]
    pub family: Json<Value>,
    /// Case type, category, complexity, risk band, placement… as the variant names them.
    pub attributes: Option<Json<Value>>,
    pub opened_at: Option<DateTime<Utc>>,
    pub curator_id: Option<ID>,
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The fields of a case a list answers from its facts alone ([`Depth::Facts`]): the case's row,
/// its obligations, slip and overdue status as the engine computes them, its plan actions, and
/// spending (read by itself). Any other field — the record, the plan's revisions, the members,
/// the next actions — needs the whole file; a field added to `Case` later needs it too until it
/// is named here.
pub(crate) const FIELDS_FROM_FACTS: &[&str] = &[
    "__typename",
    "id",
    "number",
    "version",
    "status",
    "stage",
    "variantVersion",
    "curatorId",
    "family",
    "attributes",
    "openedAt",
    "closedAt",
    "postSupportUntil",
    "outcome",
    "parentCaseId",
    "obligations",
    "slipDays",
    "slipExceeded",
    "overdue",
    "planActions",
    "spending",
];

/// How much of each case a `cases` connection must load for what the query asks of its nodes.
fn list_depth(connection: &SelectionField<'_>) -> Depth {
    let mut nodes = Vec::new();
    for field in connection.selection_set() {
        match field.name() {
            "nodes" => nodes.push(field),
            "edges" => nodes.extend(field.selection_set().filter(|f| f.name() == "node")),
            _ => {}
        }
    }
    let whole = nodes.iter().any(|node| {
        node.selection_set()
            .any(|field| !FIELDS_FROM_FACTS.contains(&field.name()))
    });
    if whole { Depth::Whole } else { Depth::Facts }
}

#[Object]
impl CaseQueryRoot {
    /// A case card. Opening it is recorded in the audit trail.
    async fn case(
        &self,
        ctx: &Context<'_>,
        id: ID,
        as_of: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Case> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&id)?;
        let file = cases::card(&runtime, &actor, id)
            .await
            .map_err(ApiError::from)?;
        Ok(Case::new(runtime, file, as_of.unwrap_or_else(Utc::now)))
    }

    /// Cases in the caller's scope, newest first, as a Relay connection. The whole page — cases,
    /// obligations, plans — comes from a fixed number of SQL statements.
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] filter: CaseFilter,
        first: Option<i32>,
        after: Option<String>,
        as_of: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Connection<String, Case, CaseListTotals, EmptyFields>> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let as_of = as_of.unwrap_or_else(Utc::now);
        let first = match first {
            None => 20,
            Some(n) if (0..=MAX_PAGE as i32).contains(&n) => n as usize,
            Some(_) => {
                return Err(ApiError::bad_input(problem!(
                    at = "first",
                    "page_size_out_of_range",
                    "first: от 0 до {MAX_PAGE}",
                    "first: 0 to {MAX_PAGE}"
                ))
                .into());
            }
        };
        let attributes = filter
            .attributes
            .iter()
            .map(|a| (a.key.clone(), a.value.clone()))
            .collect();
        let curator = filter.curator_id.as_ref().map(parse_user).transpose()?;
        let query = CaseQuery {
            statuses: filter.status.clone().unwrap_or_default(),
            curator,
            mine: filter.mine,
            attributes,
            overdue: filter.overdue,
            due_within_days: filter.due_within_days.map(i64::from),
            opened_from: filter.opened_from,
            opened_to: filter.opened_to,
            closed_from: filter.closed_from,
            closed_to: filter.closed_to,
            search: filter.search.clone(),
            as_of: Some(as_of),
        };
        // Filtered, ordered and cut in SQL; only the page's cases are loaded.
        let after = match &after {
            Some(cursor) => Some(uuid::Uuid::parse_str(cursor).map_err(|_| {
                ApiError::bad_input(problem!(
                    at = "after",
                    "unknown_cursor",
                    "after: неизвестный курсор",
                    "after: unknown cursor"
                ))
            })?),
            None => None,
        };
        let depth = list_depth(&ctx.field());
        let page = cases::page(&runtime, &actor, query, first as u64, after, depth)
            .await
            .map_err(ApiError::from)?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            page.has_next,
            CaseListTotals {
                runtime: runtime.clone(),
                filter: page.filter,
            },
        );
        connection.edges.extend(page.files.into_iter().map(|f| {
            let case = Case::new(runtime.clone(), f, as_of);
            Edge::new(case.file.case.id.to_string(), case)
        }));
        Ok(connection)
    }

    /// The supervisor's board: each curator's load, overdue cases, cases with no plan action in
    /// two weeks.
    async fn board(
        &self,
        ctx: &Context<'_>,
        as_of: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Vec<CuratorLoadLine>> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        actor.require_lead().map_err(ApiError::from)?;
        let state = ctx
            .data::<AppState>()
            .map_err(|_| ApiError::unauthenticated())?;
        // Every curator of the organisation is on the board, those with no cases too.
        let curators: Vec<uuid::Uuid> =
            repo::members_of_tenant(&state.inner.control, runtime.tenant().id)
                .await?
                .into_iter()
                .filter(|(_, roles)| roles.contains(&Role::Curator))
                .map(|(user, _)| user.id.0)
                .collect();
        let lines = board::board(&runtime, &actor, as_of.unwrap_or_else(Utc::now), &curators)
            .await
            .map_err(ApiError::from)?;
        Ok(lines
            .into_iter()
            .map(|l| CuratorLoadLine {
                curator_id: ID(l.curator.to_string()),
                active_cases: count(l.active_cases),
                post_support_cases: count(l.post_support_cases),
                overdue_cases: count(l.overdue_cases),
                cases_without_plan_action: count(l.cases_without_plan_action),
                cases_awaiting_approval: count(l.cases_awaiting_approval),
                next_case: l
                    .next_case
                    .iter()
                    .zip(&l.spare)
                    .map(|((category, decision), spare)| CaseloadAnswer {
                        category: category.clone(),
                        spare: Some(i32::try_from(*spare).unwrap_or(i32::MAX)),
                        ..CaseloadAnswer::from(decision)
                    })
                    .collect(),
            })
            .collect())
    }

    /// Who did what to a case, with values before and after: organisation administrators only.
    async fn case_audit_trail(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        #[graphql(desc = "At most this many entries, oldest first (default and most: 500).")]
        first: Option<i64>,
        #[graphql(desc = "The id of the last entry the client has: the page continues behind it.")]
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<AuditEntry>> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&case_id)?;
        let after = after.as_ref().map(parse_id).transpose()?;
        let trail = cases::audit_trail(&runtime, &actor, id, first, after)
            .await
            .map_err(ApiError::from)?;
        Ok(trail.into_iter().map(AuditEntry::from).collect())
    }

    /// The organisation's whole audit trail — of one action (`case.search`, `case.view`…) when
    /// given — oldest first: organisation administrators only.
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        action: Option<String>,
        #[graphql(desc = "At most this many entries, oldest first (default and most: 500).")]
        first: Option<i64>,
        #[graphql(desc = "The id of the last entry the client has: the page continues behind it.")]
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<AuditEntry>> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let after = after.as_ref().map(parse_id).transpose()?;
        let log = cases::audit_log(&runtime, &actor, action.as_deref(), first, after)
            .await
            .map_err(ApiError::from)?;
        Ok(log.into_iter().map(AuditEntry::from).collect())
    }
}

impl From<kurator_store::tenant::audit::AuditEntry> for AuditEntry {
    fn from(e: kurator_store::tenant::audit::AuditEntry) -> Self {
        AuditEntry {
            id: ID(e.id.to_string()),
            at: e.at,
            actor_id: e.actor.map(|a| ID(a.to_string())),
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id.map(|i| ID(i.to_string())),
            before: e.before.map(Json),
            after: e.after.map(Json),
        }
    }
}

/// The case as it stands after a change, for mutation payloads (not audited as a card view).
pub async fn reload(ctx: &Context<'_>, id: uuid::Uuid) -> ApiResult<Case> {
    let (runtime, actor) = tenant_actor(ctx).await?;
    let file = cases::file(&runtime, &actor, id)
        .await
        .map_err(ApiError::from)?;
    Ok(Case::new(runtime, file, Utc::now()))
}

#[Object]
impl CaseMutation {
    /// Opens a case directly, without a signal, at the variant's first stage.
    async fn open_case(
        &self,
        ctx: &Context<'_>,
        input: OpenCaseInput,
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Case> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let key = super::idempotency_key(&idempotency_key)?.map(str::to_owned);
        let attributes = match input.attributes.map(|a| a.0) {
            None | Some(Value::Null) => serde_json::Map::new(),
            Some(Value::Object(map)) => map,
            Some(_) => {
                return Err(ApiError::bad_input(problem!(
                    at = "attributes",
                    "not_an_object",
                    "attributes: ожидается объект",
                    "attributes: an object is expected"
                ))
                .into());
            }
        };
        let curator = input.curator_id.as_ref().map(parse_user).transpose()?;
        if let Some(curator) = curator {
            actor.require_intake().map_err(ApiError::from)?;
            require_staff(ctx, &runtime, curator, &[Role::Curator]).await?;
        }
        let open = OpenCase {
            family: input.family.0,
            attributes,
            opened_at: input.opened_at.unwrap_or_else(Utc::now),
            curator,
        };
        let case = cases::open(&runtime, &actor, open, key.as_deref())
            .await
            .map_err(ApiError::from)?;
        Ok(reload(ctx, case.id).await?)
    }

    /// Assigns or reassigns the curator through the caseload policy: refused when a limit would be
    /// exceeded, with a reason a supervisor can read.
    async fn assign_curator(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        version: i32,
        curator_id: ID,
    ) -> async_graphql::Result<AssignCuratorPayload> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&case_id)?;
        let curator = parse_user(&curator_id)?;
        actor.require_lead().map_err(ApiError::from)?;
        require_staff(ctx, &runtime, curator, &[Role::Curator]).await?;
        let (case, decision) = cases::assign_curator(&runtime, &actor, id, version, curator)
            .await
            .map_err(ApiError::from)?;
        Ok(AssignCuratorPayload {
            case: reload(ctx, case.id).await?,
            caseload: CaseloadAnswer::from(&decision),
        })
    }

    /// Adds a specialist or a member of the first-visit team.
    async fn add_case_member(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        user_id: ID,
        #[graphql(default_with = "CaseMemberKind::Specialist")] kind: CaseMemberKind,
    ) -> async_graphql::Result<Case> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&case_id)?;
        let user = parse_user(&user_id)?;
        actor.case_scope().map_err(ApiError::from)?;
        require_staff(ctx, &runtime, user, &STAFF).await?;
        let kind = match kind {
            CaseMemberKind::Specialist => "specialist",
            CaseMemberKind::FirstVisit => "first_visit",
        };
        cases::add_member(&runtime, &actor, id, user, kind)
            .await
            .map_err(ApiError::from)?;
        Ok(reload(ctx, id).await?)
    }

    /// Takes a specialist or a first-visit team member off the case: from this moment they no
    /// longer see it. The membership keeps its start and end in the case's history.
    async fn remove_case_member(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        user_id: ID,
        #[graphql(default_with = "CaseMemberKind::Specialist")] kind: CaseMemberKind,
    ) -> async_graphql::Result<Case> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&case_id)?;
        let user = parse_user(&user_id)?;
        let kind = match kind {
            CaseMemberKind::Specialist => "specialist",
            CaseMemberKind::FirstVisit => "first_visit",
        };
        cases::remove_member(&runtime, &actor, id, user, kind)
            .await
            .map_err(ApiError::from)?;
        Ok(reload(ctx, id).await?)
    }

    /// Changes an attribute (type, category, complexity, risk band, readiness…), keeping history.
    async fn set_case_attribute(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        version: i32,
        key: String,
        value: String,
        at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Case> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&case_id)?;
        cases::set_attribute(
            &runtime,
            &actor,
            id,
            version,
            &key,
            &value,
            at.unwrap_or_else(Utc::now),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(reload(ctx, id).await?)
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum CaseMemberKind {
    Specialist,
    FirstVisit,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::FIELDS_FROM_FACTS;

    /// Every field a list answers from facts is a field of `Case`: a renamed field drops out of
    /// the list (and is answered from the whole file) rather than lingering under its old name.
    #[test]
    fn the_fields_answered_from_facts_are_fields_of_a_case() {
        let sdl = crate::graphql::build_schema(32, 10_000, false).sdl();
        let start = sdl.find("\ntype Case {").unwrap();
        let body = &sdl[start..start + sdl[start..].find("\n}").unwrap()];
        let fields: Vec<&str> = body
            .lines()
            .skip(2)
            .filter_map(|l| {
                let l = l.trim_start();
                (!l.starts_with('"') && !l.is_empty())
                    .then(|| l.split(['(', ':']).next().unwrap().trim())
            })
            .collect();
        for name in FIELDS_FROM_FACTS.iter().filter(|n| **n != "__typename") {
            assert!(
                fields.contains(name),
                "`Case` has no field {name}: {fields:?}"
            );
        }
        // The record, the plan and the members need the whole file.
        for whole in [
            "records",
            "plan",
            "members",
            "attributeHistory",
            "nextActions",
        ] {
            assert!(fields.contains(&whole), "{whole}");
            assert!(!FIELDS_FROM_FACTS.contains(&whole), "{whole}");
        }
    }
}

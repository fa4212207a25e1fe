//! GraphQL types of case work. Fields holding personal data carry `@personalData`.

use super::spending::CaseSpendingView;
use super::variant::Text;
use super::{personalData, tenant_actor};
use crate::graphql::error::ApiError;
use async_graphql::{ComplexObject, Context, Enum, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use kurator_casework::TenantRuntime;
use kurator_casework::case_file::{CaseFile, kind};
use kurator_casework::{deadlines, next_actions, spending};
use kurator_method::Variant;
use kurator_method::obligations::{Evaluation, ObligationKind, Status};
use kurator_store::tenant::cases::RecordRow;
use kurator_store::tenant::plans::{ActionRow, RevisionRow};
use kurator_store::tenant::signals::SignalRow;
use serde_json::Value;
use std::sync::Arc;

/// A signal or request (сигнал, обращение) in the intake journal.
#[derive(SimpleObject)]
pub struct Signal {
    pub id: ID,
    pub version: i32,
    pub received_at: DateTime<Utc>,
    pub source: String,
    pub channel: String,
    #[graphql(directive = personalData::apply())]
    pub requester: Json<Value>,
    /// The family or child concerned.
    #[graphql(directive = personalData::apply())]
    pub subject: Json<Value>,
    #[graphql(directive = personalData::apply())]
    pub parents: Json<Value>,
    #[graphql(directive = personalData::apply())]
    pub grounds: String,
    pub follow_up: String,
    pub taken_by: ID,
    /// Classification values and scores by the tenant's variant.
    pub triage: Option<Json<Value>>,
    /// The intake form as filled in, where the variant registers signals on one.
    #[graphql(directive = personalData::apply())]
    pub form: Option<Json<Value>>,
    /// Canonical risk band: none, low, medium, high.
    pub risk_band: Option<String>,
    /// new, accepted, refused, redirected, not_confirmed, one_time_help.
    pub status: String,
    pub decision: Option<Json<Value>>,
    pub case_id: Option<ID>,
}

impl From<SignalRow> for Signal {
    fn from(row: SignalRow) -> Self {
        Self {
            id: ID(row.id.to_string()),
            version: row.version,
            received_at: row.received_at,
            source: row.source,
            channel: row.channel,
            requester: Json(row.requester),
            subject: Json(row.subject),
            parents: Json(row.parents),
            grounds: row.grounds,
            follow_up: row.follow_up,
            taken_by: ID(row.taken_by.to_string()),
            triage: row.triage.map(Json),
            form: row.form.map(Json),
            risk_band: row.risk_band,
            status: row.status,
            decision: row.decision.map(Json),
            case_id: row.case_id.map(|c| ID(c.to_string())),
        }
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ObligationStatus {
    Upcoming,
    Due,
    Overdue,
    Met,
    MetLate,
}

impl From<Status> for ObligationStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Upcoming => ObligationStatus::Upcoming,
            Status::Due => ObligationStatus::Due,
            Status::Overdue => ObligationStatus::Overdue,
            Status::Met => ObligationStatus::Met,
            Status::MetLate => ObligationStatus::MetLate,
        }
    }
}

/// Something the case owes by a date (срок, обязательство).
#[derive(SimpleObject)]
pub struct Obligation {
    /// Stable key, e.g. `deadline:first_visit` or `recurring:monthly_home_visit#3`.
    pub key: String,
    /// What it is, in Russian.
    pub label: String,
    pub from: DateTime<Utc>,
    pub due: DateTime<Utc>,
    pub status: ObligationStatus,
    pub met_at: Option<DateTime<Utc>>,
}

pub(crate) fn label(variant: &Variant, kind: &ObligationKind) -> String {
    match kind {
        ObligationKind::Deadline { step } => variant
            .step(step)
            .map_or(step.clone(), |(_, s)| s.name.ru.clone()),
        ObligationKind::Recurring { key, n } => {
            let name = variant
                .recurring(key)
                .map_or(key.clone(), |r| r.name.ru.clone());
            format!("{name} (№{n})")
        }
        ObligationKind::StageLimit { stage, .. } => {
            let name = variant
                .stage(stage)
                .map_or(stage.clone(), |s| s.name.ru.clone());
            format!("Предельная длительность этапа «{name}»")
        }
        ObligationKind::CaseDuration => "Предельная длительность случая".into(),
    }
}

#[derive(SimpleObject)]
pub struct PlanAction {
    pub id: ID,
    pub version: i32,
    pub revision_id: ID,
    #[graphql(directive = personalData::apply())]
    pub title: String,
    pub deadline: DateTime<Utc>,
    /// A staff member (`{"userId": …}`) or an outside organisation (`{"organisation": …}`).
    pub responsible: Json<Value>,
    /// organisation or family.
    pub owner: String,
    pub done_at: Option<DateTime<Utc>>,
    #[graphql(directive = personalData::apply())]
    pub result: Option<String>,
}

impl From<&ActionRow> for PlanAction {
    fn from(row: &ActionRow) -> Self {
        Self {
            id: ID(row.id.to_string()),
            version: row.version,
            revision_id: ID(row.revision_id.to_string()),
            title: row.title.clone(),
            deadline: row.deadline,
            responsible: Json(row.responsible.clone()),
            owner: row.owner.clone(),
            done_at: row.done_at,
            result: row.result.clone(),
        }
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PlanRevision {
    pub id: ID,
    pub number: i32,
    pub meeting_date: DateTime<Utc>,
    #[graphql(directive = personalData::apply())]
    pub participants: Json<Value>,
    #[graphql(skip)]
    pub actions: Vec<PlanAction>,
}

#[ComplexObject]
impl PlanRevision {
    async fn actions(&self) -> &[PlanAction] {
        &self.actions
    }
}

fn revision(row: &RevisionRow, actions: &[ActionRow]) -> PlanRevision {
    PlanRevision {
        id: ID(row.id.to_string()),
        number: row.number,
        meeting_date: row.meeting_date,
        participants: Json(row.participants.clone()),
        actions: actions
            .iter()
            .filter(|a| a.revision_id == row.id)
            .map(PlanAction::from)
            .collect(),
    }
}

/// One entry of the case's record: a step, event, stage change, artefact, decision, contact,
/// monitoring, attribute change.
#[derive(SimpleObject)]
pub struct CaseRecord {
    pub id: ID,
    pub kind: String,
    pub key: String,
    pub at: DateTime<Utc>,
    #[graphql(directive = personalData::apply())]
    pub data: Json<Value>,
    pub actor_id: Option<ID>,
}

impl From<&RecordRow> for CaseRecord {
    fn from(row: &RecordRow) -> Self {
        Self {
            id: ID(row.id.to_string()),
            kind: row.kind.clone(),
            key: row.key.clone(),
            at: row.at,
            data: Json(row.data.clone()),
            actor_id: row.actor_id.map(|a| ID(a.to_string())),
        }
    }
}

#[derive(SimpleObject)]
pub struct Stage {
    pub key: String,
    pub name: String,
    /// Canonical phase: intake, assessment, planning, implementation, monitoring, closure,
    /// post_support.
    pub phase: Option<String>,
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum NextActionKind {
    /// A step of the current stage (`performStep`).
    Step,
    /// A move to another stage (`moveCase`).
    Transition,
}

/// Something that can be done next, and every requirement it still lacks.
#[derive(SimpleObject)]
pub struct NextAction {
    pub kind: NextActionKind,
    /// The step, or the stage the move goes to.
    pub action: String,
    /// The step's or the target stage's name.
    pub name: Text,
    /// Nothing is missing: it can be done now.
    pub ready: bool,
    pub missing: Vec<MissingRequirement>,
}

/// A requirement not yet met: a stable `code`, a sentence in Russian and the keys it is about.
/// Codes: `role_not_allowed` (role, allowedRoles), `prerequisite_missing` (step),
/// `missing_artefact` (artefact), `missing_consent` (consent), `missing_decision` (decision),
/// `wrong_decision_outcome` (decision, requiredOutcome, actualOutcome), `steps_not_done` (steps),
/// `stage_too_short` (stage, until), `case_too_short` (until), `condition_not_met` (attribute,
/// expectedValues), `not_applicable` (step, attribute), `already_done` (step),
/// `not_in_current_stage` (step, stage, currentStage), `no_transition` (currentStage, stage),
/// `unknown_step` (step), `unknown_stage` (stage), `closure_required` (stage: post-support is
/// reached only through `closeCase`).
#[derive(SimpleObject)]
pub struct MissingRequirement {
    pub code: String,
    /// In the language the client asks for (`Accept-Language`; Russian by default).
    pub message: String,
    pub step: Option<String>,
    pub stage: Option<String>,
    pub current_stage: Option<String>,
    pub role: Option<String>,
    pub allowed_roles: Vec<String>,
    pub artefact: Option<String>,
    pub consent: Option<String>,
    pub decision: Option<String>,
    pub required_outcome: Option<String>,
    pub actual_outcome: Option<String>,
    pub attribute: Option<String>,
    pub expected_values: Vec<String>,
    pub steps: Vec<String>,
    pub until: Option<DateTime<Utc>>,
}

impl From<next_actions::Requirement> for MissingRequirement {
    fn from(r: next_actions::Requirement) -> Self {
        Self {
            code: r.code.to_owned(),
            message: match crate::graphql::language::current() {
                kurator_method::problem::Language::En => r.message_en,
                kurator_method::problem::Language::Ru => r.message,
            },
            step: r.step,
            stage: r.stage,
            current_stage: r.current_stage,
            role: r.role,
            allowed_roles: r.allowed_roles,
            artefact: r.artefact,
            consent: r.consent,
            decision: r.decision,
            required_outcome: r.required_outcome,
            actual_outcome: r.actual_outcome,
            attribute: r.attribute,
            expected_values: r.expected_values,
            steps: r.steps,
            until: r.until,
        }
    }
}

impl From<next_actions::NextAction> for NextAction {
    fn from(a: next_actions::NextAction) -> Self {
        Self {
            kind: match a.kind {
                next_actions::ActionKind::Step => NextActionKind::Step,
                next_actions::ActionKind::Transition => NextActionKind::Transition,
            },
            action: a.key,
            name: (&a.name).into(),
            ready: a.missing.is_empty(),
            missing: a.missing.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(SimpleObject)]
pub struct CaseMember {
    pub user_id: ID,
    /// curator, specialist, first_visit or intake.
    pub kind: String,
    pub added_at: DateTime<Utc>,
    /// When the person left the case (reassigned, removed); empty while they are on it.
    pub ended_at: Option<DateTime<Utc>>,
}

/// A case (случай) as its card shows it, evaluated at a moment (`asOf`, default now).
pub struct Case {
    pub runtime: Arc<TenantRuntime>,
    pub file: CaseFile,
    pub as_of: DateTime<Utc>,
    evaluation: std::sync::OnceLock<Option<Evaluation>>,
}

impl Case {
    pub fn new(runtime: Arc<TenantRuntime>, file: CaseFile, as_of: DateTime<Utc>) -> Self {
        Self {
            runtime,
            file,
            as_of,
            evaluation: std::sync::OnceLock::new(),
        }
    }

    fn variant(&self) -> Option<&Arc<Variant>> {
        self.runtime.variant(self.file.case.variant_version).ok()
    }

    pub fn evaluation(&self) -> Option<&Evaluation> {
        self.evaluation
            .get_or_init(|| {
                self.variant().map(|variant| {
                    deadlines::evaluate(variant, &self.runtime.calendar(), &self.file, self.as_of)
                })
            })
            .as_ref()
    }
}

#[Object]
impl Case {
    async fn id(&self) -> ID {
        ID(self.file.case.id.to_string())
    }
    /// The case number people say and type (№ 1, 2, … in the organisation).
    async fn number(&self) -> Option<i64> {
        self.file.case.number
    }
    /// Send it back with every change; a stale one is refused with `CONFLICT`.
    async fn version(&self) -> i32 {
        self.file.case.version
    }
    /// intake, open, post_support, closed, declined.
    async fn status(&self) -> &str {
        &self.file.case.status
    }
    async fn stage(&self) -> Stage {
        let key = self.file.case.stage.clone();
        let stage = self.variant().and_then(|v| v.stage(&key));
        Stage {
            name: stage.map_or(key.clone(), |s| s.name.ru.clone()),
            phase: stage.and_then(|s| s.phase.clone()),
            key,
        }
    }
    /// The version of the method variant the case is pinned to.
    async fn variant_version(&self) -> i32 {
        self.file.case.variant_version
    }
    async fn curator_id(&self) -> Option<ID> {
        self.file.case.curator_id.map(|c| ID(c.to_string()))
    }
    /// Decisions an emergency went ahead without, awaiting approval afterwards (the case is
    /// flagged for the senior curator until they are recorded).
    async fn pending_approvals(&self) -> Vec<String> {
        self.file.pending_approvals()
    }
    async fn members(&self) -> Vec<CaseMember> {
        self.file
            .members
            .iter()
            .map(|m| CaseMember {
                user_id: ID(m.user_id.to_string()),
                kind: m.kind.clone(),
                added_at: m.added_at,
                ended_at: m.ended_at,
            })
            .collect()
    }
    /// The family and its members.
    #[graphql(directive = personalData::apply())]
    async fn family(&self) -> Json<Value> {
        Json(self.file.case.family.clone())
    }
    /// Case type, category, complexity, risk band, placement, readiness…
    async fn attributes(&self) -> Json<Value> {
        Json(self.file.case.attributes.clone())
    }
    /// Every change of one attribute, oldest first.
    async fn attribute_history(&self, key: String) -> Vec<CaseRecord> {
        self.file
            .records
            .iter()
            .filter(|r| r.kind == kind::ATTRIBUTE && r.key == key)
            .map(CaseRecord::from)
            .collect()
    }
    async fn opened_at(&self) -> DateTime<Utc> {
        self.file.case.opened_at
    }
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.file.case.closed_at
    }
    async fn post_support_until(&self) -> Option<DateTime<Utc>> {
        self.file.case.post_support_until
    }
    /// Closure checklist and outcome indicators.
    async fn outcome(&self) -> Option<Json<Value>> {
        self.file.case.outcome.clone().map(Json)
    }
    async fn parent_case_id(&self) -> Option<ID> {
        self.file.case.parent_case_id.map(|c| ID(c.to_string()))
    }
    /// Every obligation with its status at `asOf`.
    async fn obligations(&self) -> Vec<Obligation> {
        let (Some(evaluation), Some(variant)) = (self.evaluation(), self.variant()) else {
            return Vec::new();
        };
        evaluation
            .obligations
            .iter()
            .map(|o| Obligation {
                key: o.kind.to_string(),
                label: label(variant, &o.kind),
                from: o.from,
                due: o.due,
                status: o.status.into(),
                met_at: o.met_at,
            })
            .collect()
    }
    /// Accumulated deadline slip in days (the fund allows at most 10).
    async fn slip_days(&self) -> i64 {
        self.evaluation().map_or(0, |e| e.slip_days())
    }
    async fn slip_exceeded(&self) -> bool {
        self.evaluation().is_some_and(|e| e.slip_exceeded)
    }
    async fn overdue(&self) -> bool {
        self.evaluation().is_some_and(deadlines::is_overdue)
    }
    /// Every revision of the plan, first to last.
    async fn plan(&self) -> Vec<PlanRevision> {
        self.file
            .revisions
            .iter()
            .map(|r| revision(r, &self.file.actions))
            .collect()
    }
    /// Every plan action across revisions, by deadline.
    async fn plan_actions(&self) -> Vec<PlanAction> {
        self.file.actions.iter().map(PlanAction::from).collect()
    }
    /// The case's record, oldest first; `kind` narrows it (step, event, stage, artefact, consent,
    /// decision, contact, monitoring, attribute, curator, closure, reopened).
    async fn records(&self, kind: Option<String>) -> Vec<CaseRecord> {
        self.file
            .records
            .iter()
            .filter(|r| kind.as_ref().is_none_or(|k| &r.kind == k))
            .map(CaseRecord::from)
            .collect()
    }
    /// Spending on the case: every entry, and the totals of each case year (from the day the
    /// case was opened) against the variant's limit, with what is left.
    async fn spending(&self, ctx: &Context<'_>) -> async_graphql::Result<CaseSpendingView> {
        let (_, actor) = tenant_actor(ctx).await?;
        let spending = spending::of_case(&self.runtime, &actor, self.file.case.id)
            .await
            .map_err(ApiError::from)?;
        Ok(CaseSpendingView::new(
            self.variant().map(|v| &**v),
            spending,
        ))
    }
    /// Steps of the current stage and moves out of it, for someone acting as `actingAs` (a role
    /// of the case's variant), each with every requirement still missing. A closed or declined
    /// case has none.
    async fn next_actions(
        &self,
        ctx: &Context<'_>,
        acting_as: String,
    ) -> async_graphql::Result<Vec<NextAction>> {
        let (_, actor) = tenant_actor(ctx).await?;
        let next =
            next_actions::next_actions(&self.runtime, &actor, &self.file, &acting_as, self.as_of)
                .map_err(ApiError::from)?;
        Ok(next.into_iter().map(NextAction::from).collect())
    }
}

//! The work on a case over GraphQL: `performStep`, `moveCase`, `revisePlan`, `completePlanAction`,
//! `recordContact`, `recordMonitoring`, `closeCase`, `endPostSupport`, `reopenCase`.

use super::cases::reload;
use super::types::{Case, CaseRecord, PlanAction};
use super::{
    STAFF, idempotency_key as checked_key, parse_id, parse_user, personalData, require_staff,
    tenant_actor,
};
use crate::graphql::error::{ApiError, ApiResult};
use async_graphql::{Context, ID, InputObject, Json, Object};
use chrono::{DateTime, NaiveDate, Utc};
use kurator_casework::closure::{self, ClosureInput};
use kurator_casework::plans::{self, ActionInput, RevisionInput};
use kurator_casework::records::{self, RecordInput};
use kurator_casework::steps::{self, StepInput};
use kurator_method::decisions::{DecisionRecord, Participant, Vote};
use kurator_method::problem;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Default)]
pub struct WorkMutation;

#[derive(InputObject)]
pub struct ArtefactInput {
    /// The artefact key of the variant (report, assessment, consent form…).
    pub key: String,
    /// The form's sections and fields, as the variant defines them.
    #[graphql(directive = personalData::apply())]
    pub content: Json<Value>,
}

#[derive(InputObject)]
pub struct VoteInput {
    /// The variant role the person votes in; they must hold it.
    pub role: String,
    /// The voting member's user id.
    pub person: String,
    /// One of the decision's outcomes; empty for "no opinion" / pass it further up.
    pub choice: Option<String>,
}

/// Someone taking part in a decision: a member of the organisation in a role they hold (by user
/// id), or a representative of another organisation or the family (by name, with their
/// organisation) — recorded, never counted as a member.
#[derive(InputObject)]
pub struct ParticipantInput {
    /// The member's user id; for someone from outside, their name.
    #[graphql(directive = personalData::apply())]
    pub person: String,
    /// The variant role of a member of the organisation; for a representative of another
    /// organisation, their position.
    pub role: String,
    /// The other organisation or agency the participant represents (police, kindergarten,
    /// maternity home…); empty for the organisation's own people.
    pub organisation: Option<String>,
}

/// What was recorded about one decision: a single decider's choice or the team's votes, the
/// escalation chain's rulings, a conference's participants and recorded decision.
#[derive(InputObject)]
pub struct DecisionInput {
    pub key: String,
    #[graphql(default)]
    pub votes: Vec<VoteInput>,
    #[graphql(default)]
    pub rulings: Vec<VoteInput>,
    #[graphql(default)]
    pub participants: Vec<ParticipantInput>,
    pub recorded: Option<String>,
    /// The date the decision agreed for the next occurrence of an obligation — the clinic's
    /// review meeting sets the date of the next plan review — where the variant says it sets one.
    pub next_date: Option<NaiveDate>,
}

impl DecisionInput {
    /// The decision's key and what was recorded, in the method engine's terms.
    pub fn into_service(self) -> (String, DecisionRecord) {
        let record = DecisionRecord {
            votes: votes(self.votes),
            rulings: votes(self.rulings),
            participants: self
                .participants
                .into_iter()
                .map(|p| Participant {
                    person: p.person,
                    role: p.role,
                    organisation: p.organisation,
                })
                .collect(),
            recorded: self.recorded,
            next_date: self.next_date,
        };
        (self.key, record)
    }
}

fn votes(input: Vec<VoteInput>) -> Vec<Vote> {
    input
        .into_iter()
        .map(|v| Vote {
            role: v.role,
            person: v.person,
            choice: v.choice,
        })
        .collect()
}

#[derive(InputObject)]
pub struct StepActionInput {
    /// The variant role the person acts in (e.g. `senior_curator`, `case_manager`,
    /// `social_worker`); they must hold it.
    pub acting_as: String,
    #[graphql(default)]
    pub artefacts: Vec<ArtefactInput>,
    #[graphql(default)]
    pub consents: Vec<String>,
    #[graphql(default)]
    pub decisions: Vec<DecisionInput>,
    /// Norms (guidelines) acknowledged with this action: `case_duration` when a case moves to
    /// closure before the variant's minimum duration, by the role the variant names.
    #[graphql(default)]
    pub acknowledged: Vec<String>,
    #[graphql(directive = personalData::apply())]
    pub note: Option<String>,
    /// When it happened (default: now).
    pub at: Option<DateTime<Utc>>,
}

impl StepActionInput {
    fn into_service(self) -> ApiResult<StepInput> {
        if self.artefacts.len() > 50
            || self.decisions.len() > 20
            || self.consents.len() > 50
            || self.acknowledged.len() > 10
        {
            return Err(ApiError::bad_input(problem!(
                "too_many_inputs",
                "Слишком много документов, согласий или решений в одном действии",
                "Too many documents, consents or decisions in one action"
            )));
        }
        let mut artefacts = BTreeMap::new();
        for a in self.artefacts {
            artefacts.insert(a.key, a.content.0);
        }
        let mut decisions = BTreeMap::new();
        for d in self.decisions {
            let (key, record) = d.into_service();
            decisions.insert(key, record);
        }
        Ok(StepInput {
            acting_as: self.acting_as,
            artefacts,
            consents: self.consents,
            decisions,
            acknowledged: self.acknowledged,
            note: self.note,
            at: self.at.unwrap_or_else(Utc::now),
        })
    }
}

#[derive(InputObject)]
pub struct PlanActionInput {
    #[graphql(directive = personalData::apply())]
    pub title: String,
    pub deadline: DateTime<Utc>,
    /// A staff member responsible.
    pub responsible_user_id: Option<ID>,
    /// Or an outside organisation.
    pub responsible_organisation: Option<String>,
    /// organisation (the organisation's action) or family (the parents').
    pub owner: String,
}

#[derive(InputObject)]
pub struct PlanRevisionInput {
    pub meeting_date: DateTime<Utc>,
    #[graphql(directive = personalData::apply())]
    pub participants: Vec<String>,
    pub actions: Vec<PlanActionInput>,
}

#[derive(InputObject)]
pub struct RecordEntryInput {
    /// A contact kind of the variant (`variant { contactKinds }`: home visit, phone call…) or a
    /// monitoring kind it declares (`variant { monitoringKinds }`).
    pub kind: String,
    pub at: Option<DateTime<Utc>>,
    /// Notes, participants, findings.
    #[graphql(directive = personalData::apply())]
    pub data: Option<Json<Value>>,
}

impl RecordEntryInput {
    fn into_service(self) -> RecordInput {
        RecordInput {
            kind: self.kind,
            at: self.at.unwrap_or_else(Utc::now),
            data: self
                .data
                .map_or_else(|| Value::Object(Default::default()), |d| d.0),
        }
    }
}

/// What the person saw of a case when they began an entry.
#[derive(InputObject)]
pub struct SeenCaseInput {
    pub stage: Option<String>,
    pub status: Option<String>,
}

#[derive(InputObject)]
pub struct CloseCaseInput {
    /// Criteria of the variant's closure checklist the team confirms.
    #[graphql(default)]
    pub confirmed: Vec<String>,
    /// Outcome indicators reached (child lives safely in the family, parental rights restored,
    /// quality of life improved…).
    #[graphql(default)]
    pub outcomes: Vec<String>,
    /// Where the child's quality of life improved: domains the variant follows
    /// (`variant { qualityDomains }`).
    #[graphql(default)]
    pub improved_domains: Vec<String>,
    #[graphql(directive = personalData::apply())]
    pub note: Option<String>,
    /// The variant role the person closes the case in; they must hold it.
    pub acting_as: String,
    /// Norms acknowledged at closure: `case_duration` when the case closes before the variant's
    /// minimum duration, by the role the variant names (fund: the senior curator).
    #[graphql(default)]
    pub acknowledged: Vec<String>,
    /// How often to be in touch with the family during post-support, where the variant has it
    /// set at closure (fund).
    pub contact_every: Option<EverySpan>,
    pub at: Option<DateTime<Utc>>,
}

/// A length of time in calendar units, e.g. `{ weeks: 2 }` or `{ months: 1 }`.
#[derive(InputObject, Default)]
pub struct EverySpan {
    #[graphql(default)]
    pub months: u32,
    #[graphql(default)]
    pub weeks: u32,
    #[graphql(default)]
    pub days: u32,
}

impl From<EverySpan> for kurator_method::schema::Span {
    fn from(span: EverySpan) -> Self {
        kurator_method::schema::Span {
            months: span.months,
            weeks: span.weeks,
            calendar_days: span.days,
            ..Default::default()
        }
    }
}

#[Object]
impl WorkMutation {
    /// Performs a step the variant allows now, with its required artefacts, consents and
    /// decisions. Refused with every reason (`BAD_USER_INPUT`) otherwise; nothing is written.
    async fn perform_step(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        version: i32,
        step: String,
        input: StepActionInput,
    ) -> async_graphql::Result<Case> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&case_id)?;
        steps::perform(&runtime, &actor, id, version, &step, input.into_service()?)
            .await
            .map_err(ApiError::from)?;
        Ok(reload(ctx, id).await?)
    }

    /// Records afterwards the approvals an emergency went ahead without (the decisions awaiting
    /// approval on the case), each by the members holding the deciding roles.
    async fn record_approvals(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        version: i32,
        input: StepActionInput,
    ) -> async_graphql::Result<Case> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&case_id)?;
        steps::record_approvals(&runtime, &actor, id, version, input.into_service()?)
            .await
            .map_err(ApiError::from)?;
        Ok(reload(ctx, id).await?)
    }

    /// Moves the case to another stage, if the variant's transition allows it.
    async fn move_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        version: i32,
        to_stage: String,
        input: StepActionInput,
    ) -> async_graphql::Result<Case> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&case_id)?;
        steps::transition(
            &runtime,
            &actor,
            id,
            version,
            &to_stage,
            input.into_service()?,
        )
        .await
        .map_err(ApiError::from)?;
        Ok(reload(ctx, id).await?)
    }

    /// Creates the plan or adds a revision; every revision is kept.
    async fn revise_plan(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        version: i32,
        input: PlanRevisionInput,
    ) -> async_graphql::Result<Case> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&case_id)?;
        let mut actions = Vec::with_capacity(input.actions.len());
        for a in input.actions {
            let responsible = match (a.responsible_user_id, a.responsible_organisation) {
                (Some(user), None) => {
                    actor.case_scope().map_err(ApiError::from)?;
                    require_staff(ctx, &runtime, parse_user(&user)?, &STAFF).await?;
                    serde_json::json!({ "userId": user.as_str() })
                }
                (None, Some(org)) if !org.trim().is_empty() => {
                    serde_json::json!({ "organisation": org })
                }
                _ => Value::Null,
            };
            actions.push(ActionInput {
                title: a.title,
                deadline: a.deadline,
                responsible,
                owner: a.owner,
            });
        }
        let revision = RevisionInput {
            meeting_date: input.meeting_date,
            participants: input.participants,
            actions,
        };
        plans::revise(&runtime, &actor, id, version, revision)
            .await
            .map_err(ApiError::from)?;
        Ok(reload(ctx, id).await?)
    }

    /// Marks a plan action done (with its result) or not done.
    async fn complete_plan_action(
        &self,
        ctx: &Context<'_>,
        action_id: ID,
        version: i32,
        done_at: Option<DateTime<Utc>>,
        result: Option<String>,
    ) -> async_graphql::Result<PlanAction> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&action_id)?;
        let row = plans::complete_action(&runtime, &actor, id, version, done_at, result)
            .await
            .map_err(ApiError::from)?;
        Ok(PlanAction::from(&row))
    }

    /// Records a visit or contact with the family.
    async fn record_contact(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: RecordEntryInput,
        #[graphql(
            desc = "Sent again with the same key (a retry, an offline phone reconnecting), the entry the first attempt made is returned and nothing is added."
        )]
        idempotency_key: Option<String>,
        #[graphql(
            desc = "The case's stage and status when the person began the entry: if either has changed since, the entry is refused (`case_changed_meanwhile`) for the person to decide."
        )]
        seen: Option<SeenCaseInput>,
    ) -> async_graphql::Result<CaseRecord> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&case_id)?;
        let options = records::ContactOptions {
            idempotency_key: checked_key(&idempotency_key)?,
            seen: seen.map(|s| records::Seen {
                stage: s.stage,
                status: s.status,
            }),
        };
        let row = records::contact_with(&runtime, &actor, id, input.into_service(), options)
            .await
            .map_err(ApiError::from)?;
        Ok(CaseRecord::from(&row))
    }

    /// Records monitoring of a kind the variant uses.
    async fn record_monitoring(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: RecordEntryInput,
    ) -> async_graphql::Result<CaseRecord> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&case_id)?;
        let row = records::monitoring(&runtime, &actor, id, input.into_service())
            .await
            .map_err(ApiError::from)?;
        Ok(CaseRecord::from(&row))
    }

    /// Closes the case with the variant's criteria checklist and outcome indicators; where the
    /// variant has a post-closure period the case moves to post-support.
    async fn close_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        version: i32,
        input: CloseCaseInput,
    ) -> async_graphql::Result<Case> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&case_id)?;
        let closure = ClosureInput {
            confirmed: input.confirmed,
            outcomes: input.outcomes,
            improved_domains: input.improved_domains,
            note: input.note,
            acting_as: input.acting_as,
            acknowledged: input.acknowledged,
            contact_every: input.contact_every.map(Into::into),
            at: input.at.unwrap_or_else(Utc::now),
        };
        closure::close(&runtime, &actor, id, version, closure)
            .await
            .map_err(ApiError::from)?;
        Ok(reload(ctx, id).await?)
    }

    /// Declines a case still in intake (the decision after the first visit was not to take it):
    /// an informed refusal with the reasons and where else the family can get help.
    ///
    /// The decision to refuse, where the variant's refusal needs one and it is not recorded
    /// yet, comes in `decided` (the role the person records it in, and the decision).
    #[allow(clippy::too_many_arguments)]
    async fn decline_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        version: i32,
        reasons: String,
        alternatives: Vec<String>,
        at: Option<DateTime<Utc>>,
        decided: Option<StepActionInput>,
    ) -> async_graphql::Result<Case> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&case_id)?;
        let at = at.unwrap_or_else(Utc::now);
        let mut decided = match decided {
            Some(input) => input.into_service()?,
            None => StepInput::default(),
        };
        decided.at = at;
        closure::decline(
            &runtime,
            &actor,
            id,
            version,
            reasons,
            alternatives,
            decided,
        )
        .await
        .map_err(ApiError::from)?;
        Ok(reload(ctx, id).await?)
    }

    /// Ends the post-support or follow-up period.
    async fn end_post_support(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        version: i32,
        at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Case> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&case_id)?;
        closure::end_post_support(&runtime, &actor, id, version, at.unwrap_or_else(Utc::now))
            .await
            .map_err(ApiError::from)?;
        Ok(reload(ctx, id).await?)
    }

    /// Reopens after relapse, the way the variant says: a new case inheriting the family's
    /// documents, or the same case back through all steps. Returns the case that continues.
    async fn reopen_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        version: i32,
        at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Case> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&case_id)?;
        let case = closure::reopen(&runtime, &actor, id, version, at.unwrap_or_else(Utc::now))
            .await
            .map_err(ApiError::from)?;
        Ok(reload(ctx, case.id).await?)
    }
}

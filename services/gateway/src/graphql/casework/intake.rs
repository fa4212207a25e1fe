//! Intake over GraphQL: `registerSignal`, `decideSignal`, `signals` (the journals), `signal`.

use super::types::Signal;
use super::{idempotency_key, parse_id, personalData, tenant_actor};
use crate::graphql::error::{ApiError, ApiResult};
use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use kurator_casework::CaseworkError;
use kurator_casework::intake::{self, JournalQuery, SignalDecision};
use kurator_casework::triage::TriageInput as ServiceTriage;
use kurator_method::problem;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Default)]
pub struct IntakeQuery;

#[derive(Default)]
pub struct IntakeMutation;

#[derive(InputObject)]
pub struct ClassificationInput {
    /// Classification key, e.g. `risk`, `family_category`, `case_type`.
    pub key: String,
    pub value: String,
}

/// One criterion of a score table: its points, or — for a measured criterion such as the fund's
/// distance — the measured value in the criterion's unit, which the variant's levels turn into
/// points.
#[derive(InputObject)]
pub struct CriterionPoints {
    pub criterion: String,
    pub points: Option<i32>,
    /// The measured value in the criterion's unit (e.g. km).
    pub value: Option<f64>,
}

#[derive(InputObject)]
pub struct ScoreInput {
    /// Score table key, e.g. `complexity`.
    pub table: String,
    pub points: Vec<CriterionPoints>,
}

#[derive(InputObject, Default)]
pub struct TriageInput {
    #[graphql(default)]
    pub classifications: Vec<ClassificationInput>,
    #[graphql(default)]
    pub scores: Vec<ScoreInput>,
}

impl TriageInput {
    pub fn into_service(self) -> ApiResult<ServiceTriage> {
        let mut triage = ServiceTriage::default();
        for c in self.classifications {
            triage.classifications.insert(c.key, c.value);
        }
        for score in self.scores {
            let mut points = BTreeMap::new();
            let mut values = BTreeMap::new();
            for p in score.points {
                let field = format!("triage.scores.{}.{}", score.table, p.criterion);
                if p.points.is_none() && p.value.is_none() {
                    return Err(CaseworkError::rejected(problem!(
                        at = &field,
                        "points_missing",
                        "{field}: укажите баллы или измеренное значение",
                        "{field}: give points or a measured value"
                    ))
                    .into());
                }
                if let Some(given) = p.points {
                    let given = u32::try_from(given).map_err(|_| {
                        ApiError::bad_input(problem!(
                            at = &field,
                            "negative_points",
                            "{field}: баллы не могут быть отрицательными",
                            "{field}: points cannot be negative"
                        ))
                    })?;
                    points.insert(p.criterion.clone(), given);
                }
                if let Some(value) = p.value {
                    values.insert(p.criterion, value);
                }
            }
            if !values.is_empty() {
                triage.values.insert(score.table.clone(), values);
            }
            triage.scores.insert(score.table, points);
        }
        Ok(triage)
    }
}

/// The fields of the clinic's Appendix 1 and the fund's signal journal.
#[derive(InputObject)]
pub struct SignalInput {
    pub received_at: DateTime<Utc>,
    /// family, guardianship, school, neighbours, relatives, staff, other…
    pub source: String,
    /// call, messenger, email, in_person, written…
    pub channel: String,
    /// Name, position or status, contact, relation to the child.
    #[graphql(directive = personalData::apply())]
    pub requester: Json<Value>,
    /// The family or child: name, address or last known place, date of birth or approximate
    /// age, sex.
    #[graphql(directive = personalData::apply())]
    pub subject: Json<Value>,
    /// Mother's and father's names, whereabouts and occupation.
    #[graphql(directive = personalData::apply())]
    pub parents: Json<Value>,
    #[graphql(directive = personalData::apply())]
    pub grounds: String,
    #[graphql(default)]
    pub follow_up: String,
    #[graphql(default)]
    pub triage: TriageInput,
    /// The organisation's intake form as filled in — its sections and fields — where its variant
    /// registers signals on one (clinic: Appendix 1, `variant { intakeForm }`).
    #[graphql(directive = personalData::apply())]
    pub form: Option<Json<Value>>,
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum SignalDecisionKind {
    Accept,
    Refuse,
    Redirect,
    NotConfirmed,
    OneTimeHelp,
}

#[derive(InputObject)]
pub struct SignalDecisionInput {
    pub kind: SignalDecisionKind,
    /// accept: the family and its members.
    #[graphql(directive = personalData::apply())]
    pub family: Option<Json<Value>>,
    /// refuse, redirect, not confirmed.
    pub reasons: Option<String>,
    /// refuse: where else to get help.
    pub alternatives: Option<Vec<String>>,
    /// redirect: to whom.
    pub redirect_to: Option<String>,
    /// one-time help: what was given.
    pub help: Option<String>,
}

impl SignalDecisionInput {
    fn into_service(self) -> SignalDecision {
        let text = |v: Option<String>| v.unwrap_or_default();
        match self.kind {
            SignalDecisionKind::Accept => SignalDecision::Accept {
                family: self.family.map_or(Value::Null, |f| f.0),
            },
            SignalDecisionKind::Refuse => SignalDecision::Refuse {
                reasons: text(self.reasons),
                alternatives: self.alternatives.unwrap_or_default(),
            },
            SignalDecisionKind::Redirect => SignalDecision::Redirect {
                to: text(self.redirect_to),
                reasons: text(self.reasons),
            },
            SignalDecisionKind::NotConfirmed => SignalDecision::NotConfirmed {
                reasons: text(self.reasons),
            },
            SignalDecisionKind::OneTimeHelp => SignalDecision::OneTimeHelp {
                help: text(self.help),
            },
        }
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum Journal {
    /// Every signal and request.
    Signals,
    /// Unconfirmed requests (журнал неподтверждённых обращений).
    Unconfirmed,
    /// Visitors who got one-time help (журнал посетителей).
    Visitors,
}

#[derive(SimpleObject)]
pub struct DecideSignalPayload {
    pub signal: Signal,
    /// The case accepting the signal started.
    pub case_id: Option<ID>,
}

#[Object]
impl IntakeQuery {
    /// A journal of signals, newest first, filtered by status and reception time.
    #[allow(clippy::too_many_arguments)]
    async fn signals(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Journal::Signals")] journal: Journal,
        status: Option<Vec<String>>,
        received_from: Option<DateTime<Utc>>,
        received_to: Option<DateTime<Utc>>,
        #[graphql(desc = "At most this many entries, newest first (default 100, at most 500).")]
        first: Option<i64>,
        #[graphql(desc = "The id of the last entry the client has: the page continues behind it.")]
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<Signal>> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let journal = match journal {
            Journal::Signals => intake::Journal::Signals,
            Journal::Unconfirmed => intake::Journal::Unconfirmed,
            Journal::Visitors => intake::Journal::Visitors,
        };
        let query = JournalQuery {
            journal: Some(journal),
            statuses: status.unwrap_or_default(),
            received_from,
            received_to,
            first,
            after: after.as_ref().map(parse_id).transpose()?,
        };
        let rows = intake::journal(&runtime, &actor, query)
            .await
            .map_err(ApiError::from)?;
        Ok(rows.into_iter().map(Signal::from).collect())
    }

    async fn signal(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Signal> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&id)?;
        Ok(intake::get(&runtime, &actor, id)
            .await
            .map_err(ApiError::from)?
            .into())
    }
}

#[Object]
impl IntakeMutation {
    /// Registers a signal or request with its triage. With an `idempotencyKey`, a retried request
    /// returns the signal the first one registered.
    async fn register_signal(
        &self,
        ctx: &Context<'_>,
        input: SignalInput,
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Signal> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let key = idempotency_key_owned(&idempotency_key)?;
        let input = intake::SignalInput {
            received_at: input.received_at,
            source: input.source,
            channel: input.channel,
            requester: input.requester.0,
            subject: input.subject.0,
            parents: input.parents.0,
            grounds: input.grounds,
            follow_up: input.follow_up,
            triage: input.triage.into_service()?,
            form: input.form.map(|f| f.0),
        };
        let row = intake::register(&runtime, &actor, input, key.as_deref())
            .await
            .map_err(ApiError::from)?;
        Ok(row.into())
    }

    /// Accept, refuse (informed refusal), redirect, not confirmed, or one-time help.
    async fn decide_signal(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        decision: SignalDecisionInput,
        decided_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<DecideSignalPayload> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = parse_id(&id)?;
        let decided = intake::decide(
            &runtime,
            &actor,
            id,
            version,
            decision.into_service(),
            decided_at.unwrap_or_else(Utc::now),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(DecideSignalPayload {
            signal: decided.signal.into(),
            case_id: decided.case_id.map(|c| ID(c.to_string())),
        })
    }
}

fn idempotency_key_owned(key: &Option<String>) -> ApiResult<Option<String>> {
    Ok(idempotency_key(key)?.map(str::to_owned))
}

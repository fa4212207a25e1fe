//! The organisation's method variant («вариант технологии») over GraphQL: `variant(version)`
//! reads the published document — stages and steps with their guards and deadlines, transitions,
//! roles, decision procedures, forms, scales, norms, closure and reopening — as typed objects with
//! every label in Russian, Kazakh and English, and `document` as the raw JSON. Who may read it is
//! the casework service's decision ([`variant_view::published`]); these types only translate.

use crate::graphql::administration::CaseloadCapsMode;
use crate::graphql::casework::tenant_actor;
use crate::graphql::error::ApiError;
use async_graphql::{Context, Enum, Json, Object, SimpleObject};
use kurator_casework::variant_view::{self, PublishedVariant};
use kurator_method::schema as s;
use serde_json::Value;

#[derive(Default)]
pub struct VariantQuery;

#[Object]
impl VariantQuery {
    /// The organisation's method variant as published: the current version (new cases start
    /// under it), or `version` — an older one a case is pinned to (`Case.variantVersion`). Every
    /// member of the organisation may read it, methodologists included; an unpublished version is
    /// `NOT_FOUND`.
    async fn variant(
        &self,
        ctx: &Context<'_>,
        version: Option<i32>,
    ) -> async_graphql::Result<VariantView> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let published =
            variant_view::published(&runtime, &actor, version).map_err(ApiError::from)?;
        Ok(VariantView(published))
    }
}

fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn list<'a, S: 'a, T: From<&'a S>>(items: &'a [S]) -> Vec<T> {
    items.iter().map(T::from).collect()
}

/// A label in the interface languages: Russian always, Kazakh and English where translated.
#[derive(SimpleObject, Clone)]
pub struct Text {
    pub ru: String,
    pub kk: Option<String>,
    pub en: Option<String>,
}

impl From<&s::Text> for Text {
    fn from(t: &s::Text) -> Self {
        Self {
            ru: t.ru.clone(),
            kk: t.kk.clone(),
            en: t.en.clone(),
        }
    }
}

/// A length of time as a sum of parts («1 месяц и 15 календарных дней»), applied largest first.
#[derive(SimpleObject)]
pub struct Span {
    pub years: i32,
    pub months: i32,
    pub weeks: i32,
    pub calendar_days: i32,
    pub working_days: i32,
    pub hours: i32,
}

impl From<&s::Span> for Span {
    fn from(span: &s::Span) -> Self {
        Self {
            years: int(span.years),
            months: int(span.months),
            weeks: int(span.weeks),
            calendar_days: int(span.calendar_days),
            working_days: int(span.working_days),
            hours: int(span.hours),
        }
    }
}

/// Minimum and/or maximum length of a period, and where the rule comes from.
#[derive(SimpleObject)]
pub struct PeriodBounds {
    pub min: Option<Span>,
    pub max: Option<Span>,
    /// When set, the minimum is a guideline: a person in this role may acknowledge falling short
    /// of it (`acknowledged: ["case_duration"]`).
    pub acknowledged_by: Option<String>,
    pub source: Option<String>,
}

impl From<&s::PeriodBounds> for PeriodBounds {
    fn from(b: &s::PeriodBounds) -> Self {
        Self {
            min: b.min.as_ref().map(Span::from),
            max: b.max.as_ref().map(Span::from),
            acknowledged_by: b.acknowledged_by.clone(),
            source: b.source.clone(),
        }
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
#[graphql(remote = "kurator_method::schema::CaseSubject")]
pub enum CaseSubject {
    /// One case file per family (the fund, the state centre).
    Family,
    /// One case file per child (the clinic).
    Child,
}

/// A role of the method («старший куратор», «социальный работник»), which steps and decisions name.
#[derive(SimpleObject)]
pub struct VariantRole {
    pub key: String,
    pub name: Text,
}

impl From<&s::Role> for VariantRole {
    fn from(r: &s::Role) -> Self {
        Self {
            key: r.key.clone(),
            name: (&r.name).into(),
        }
    }
}

/// A named moment in a case that deadlines count from («сигнал получен»).
#[derive(SimpleObject)]
pub struct VariantEvent {
    pub key: String,
    pub name: Text,
}

impl From<&s::EventDef> for VariantEvent {
    fn from(e: &s::EventDef) -> Self {
        Self {
            key: e.key.clone(),
            name: (&e.name).into(),
        }
    }
}

/// A kind of contact with the family that recurring obligations count.
#[derive(SimpleObject)]
pub struct ContactKind {
    pub key: String,
    pub name: Text,
}

impl From<&s::ContactKind> for ContactKind {
    fn from(c: &s::ContactKind) -> Self {
        Self {
            key: c.key.clone(),
            name: (&c.name).into(),
        }
    }
}

#[derive(SimpleObject)]
pub struct NamedValue {
    pub key: String,
    pub name: Text,
}

impl From<&s::NamedValue> for NamedValue {
    fn from(v: &s::NamedValue) -> Self {
        Self {
            key: v.key.clone(),
            name: (&v.name).into(),
        }
    }
}

/// A case attribute with a closed list of values (e.g. where the child lives).
#[derive(SimpleObject)]
pub struct VariantAttribute {
    pub key: String,
    pub name: Text,
    pub values: Vec<NamedValue>,
}

impl From<&s::AttributeDef> for VariantAttribute {
    fn from(a: &s::AttributeDef) -> Self {
        Self {
            key: a.key.clone(),
            name: (&a.name).into(),
            values: list(&a.values),
        }
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
#[graphql(remote = "kurator_method::schema::ArtefactKind")]
pub enum ArtefactKind {
    Form,
    Report,
    Plan,
    Contract,
    Consent,
    Act,
    Protocol,
    Document,
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
#[graphql(remote = "kurator_method::schema::FieldKind")]
pub enum FieldKind {
    Text,
    LongText,
    Date,
    Time,
    Number,
    Boolean,
    Choice,
    Person,
    Signature,
    Table,
}

/// A field of a form.
#[derive(SimpleObject)]
pub struct FormField {
    pub key: String,
    pub name: Text,
    pub kind: FieldKind,
    pub required: bool,
}

impl From<&s::Field> for FormField {
    fn from(f: &s::Field) -> Self {
        Self {
            key: f.key.clone(),
            name: (&f.name).into(),
            kind: f.kind.into(),
            required: f.required,
        }
    }
}

/// A section of a form, with its fields.
#[derive(SimpleObject)]
pub struct FormSection {
    pub key: String,
    pub name: Text,
    pub fields: Vec<FormField>,
}

impl From<&s::Section> for FormSection {
    fn from(section: &s::Section) -> Self {
        Self {
            key: section.key.clone(),
            name: (&section.name).into(),
            fields: list(&section.fields),
        }
    }
}

/// A form or document a step needs or produces, with its layout where the variant gives one.
#[derive(SimpleObject)]
pub struct VariantArtefact {
    pub key: String,
    pub name: Text,
    pub kind: ArtefactKind,
    /// Reference into the source document, e.g. «Приложение 3».
    pub appendix: Option<String>,
    pub sections: Vec<FormSection>,
}

impl From<&s::Artefact> for VariantArtefact {
    fn from(a: &s::Artefact) -> Self {
        Self {
            key: a.key.clone(),
            name: (&a.name).into(),
            kind: a.kind.into(),
            appendix: a.appendix.clone(),
            sections: list(&a.sections),
        }
    }
}

/// An append-only register («журнал»).
#[derive(SimpleObject)]
pub struct VariantJournal {
    pub key: String,
    pub name: Text,
}

impl From<&s::Journal> for VariantJournal {
    fn from(j: &s::Journal) -> Self {
        Self {
            key: j.key.clone(),
            name: (&j.name).into(),
        }
    }
}

/// A condition on a case attribute, classification or score band.
#[derive(SimpleObject)]
pub struct Condition {
    pub attribute: String,
    /// The values that satisfy it.
    pub values: Vec<String>,
}

impl From<&s::Condition> for Condition {
    fn from(c: &s::Condition) -> Self {
        Self {
            attribute: c.attribute.clone(),
            values: c.any_of.clone(),
        }
    }
}

/// A decision a step or move needs, and the outcome it must have had (any when absent).
#[derive(SimpleObject)]
pub struct DecisionRequirement {
    pub decision: String,
    pub outcome: Option<String>,
}

impl From<&s::DecisionRequirement> for DecisionRequirement {
    fn from(d: &s::DecisionRequirement) -> Self {
        Self {
            decision: d.decision.clone(),
            outcome: d.outcome.clone(),
        }
    }
}

/// «Within `within` after event `after`».
#[derive(SimpleObject)]
pub struct StepDeadline {
    pub after: String,
    pub within: Span,
    pub source: Option<String>,
}

impl From<&s::Deadline> for StepDeadline {
    fn from(d: &s::Deadline) -> Self {
        Self {
            after: d.after.clone(),
            within: (&d.within).into(),
            source: d.source.clone(),
        }
    }
}

/// A step («шаг») of a stage: who may do it, what it needs, what it produces, by when.
#[derive(SimpleObject)]
pub struct VariantStep {
    pub key: String,
    pub name: Text,
    pub optional: bool,
    /// Roles that may do it; empty means any.
    pub roles: Vec<String>,
    /// Steps of the same stage to do first.
    pub after: Vec<String>,
    pub requires_artefacts: Vec<String>,
    pub requires_consents: Vec<String>,
    pub requires_decision: Option<DecisionRequirement>,
    pub produces: Vec<String>,
    /// The event doing it records (it meets the step's deadline).
    pub completes: Option<String>,
    pub journal: Option<String>,
    /// The step applies only to cases matching this.
    pub when: Option<Condition>,
    pub deadline: Option<StepDeadline>,
}

impl From<&s::Step> for VariantStep {
    fn from(step: &s::Step) -> Self {
        Self {
            key: step.key.clone(),
            name: (&step.name).into(),
            optional: step.optional,
            roles: step.roles.clone(),
            after: step.after.clone(),
            requires_artefacts: step.requires_artefacts.clone(),
            requires_consents: step.requires_consents.clone(),
            requires_decision: step.requires_decision.as_ref().map(Into::into),
            produces: step.produces.clone(),
            completes: step.completes.clone(),
            journal: step.journal.clone(),
            when: step.when.as_ref().map(Into::into),
            deadline: step.deadline.as_ref().map(Into::into),
        }
    }
}

/// A stage («этап») of the method, in order.
#[derive(SimpleObject)]
pub struct VariantStage {
    pub key: String,
    pub name: Text,
    /// Canonical phase: intake, assessment, planning, implementation, monitoring, closure,
    /// post_support.
    pub phase: Option<String>,
    /// Entering this stage opens the case («открытие случая»).
    pub opens_case: bool,
    pub duration: Option<PeriodBounds>,
    pub steps: Vec<VariantStep>,
}

impl From<&s::Stage> for VariantStage {
    fn from(stage: &s::Stage) -> Self {
        Self {
            key: stage.key.clone(),
            name: (&stage.name).into(),
            phase: stage.phase.clone(),
            opens_case: stage.opens_case,
            duration: stage.duration.as_ref().map(Into::into),
            steps: list(&stage.steps),
        }
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
#[graphql(remote = "kurator_method::schema::TransitionKind")]
pub enum TransitionKind {
    /// Along the main line.
    Forward,
    /// Going back, e.g. monitoring → plan correction.
    Loop,
    /// Leaving the main line, e.g. straight to closure when a family is referred elsewhere.
    Exit,
    /// Closing the case: taken only by `closeCase`, with the closure checklist or its ground.
    Closing,
    /// Informed refusal before the case opens: taken only by `declineCase`.
    Refusal,
}

/// A move between stages and its guards.
#[derive(SimpleObject)]
pub struct VariantTransition {
    pub from: String,
    pub to: String,
    pub kind: TransitionKind,
    /// Roles that may make the move; empty means any.
    pub roles: Vec<String>,
    pub requires_decision: Option<DecisionRequirement>,
    pub requires_artefacts: Vec<String>,
    pub requires_consents: Vec<String>,
    /// Whether every required step of `from` must be done first.
    pub requires_steps: bool,
    pub when: Option<Condition>,
    /// A closing move on an alternative ground of the closure checklist (e.g. the contract
    /// terminated), which must be confirmed and then replaces the criteria.
    pub ground: Option<String>,
}

impl From<&s::Transition> for VariantTransition {
    fn from(t: &s::Transition) -> Self {
        Self {
            from: t.from.clone(),
            to: t.to.clone(),
            kind: t.kind.into(),
            roles: t.roles.clone(),
            requires_decision: t.requires_decision.as_ref().map(Into::into),
            requires_artefacts: t.requires_artefacts.clone(),
            requires_consents: t.requires_consents.clone(),
            requires_steps: t.requires_steps,
            when: t.when.as_ref().map(Into::into),
            ground: t.ground.clone(),
        }
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
#[graphql(remote = "kurator_method::schema::Procedure")]
pub enum Procedure {
    /// One role decides.
    Single,
    /// The deciders vote; without consensus the question goes up the escalation chain.
    TeamVote,
    /// A conference («консилиум», «совещание») with recorded participants.
    Conference,
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
#[graphql(remote = "kurator_method::schema::VoteRule")]
pub enum VoteRule {
    Unanimous,
    Majority,
}

/// A decision procedure.
#[derive(SimpleObject)]
pub struct DecisionProcedure {
    pub key: String,
    pub name: Text,
    pub procedure: Procedure,
    /// Single: the deciding role. Team vote: the voters. Conference: who leads it.
    pub deciders: Vec<String>,
    pub rule: VoteRule,
    /// Roles the question goes to, in order, when a team vote reaches no consensus.
    pub escalation: Vec<String>,
    /// Conference: roles that must take part.
    pub required_participants: Vec<String>,
    pub min_participants: Option<i32>,
    pub outcomes: Vec<String>,
    /// Journals or artefacts the decision is written into.
    pub recorded_in: Vec<String>,
    pub source: Option<String>,
}

impl From<&s::DecisionDef> for DecisionProcedure {
    fn from(d: &s::DecisionDef) -> Self {
        Self {
            key: d.key.clone(),
            name: (&d.name).into(),
            procedure: d.procedure.into(),
            deciders: d.deciders.clone(),
            rule: d.rule.into(),
            escalation: d.escalation.clone(),
            required_participants: d.required_participants.clone(),
            min_participants: d.min_participants.map(int),
            outcomes: d.outcomes.clone(),
            recorded_in: d.recorded_in.clone(),
            source: d.source.clone(),
        }
    }
}

/// What meets a recurring obligation: a contact of one of the kinds, a completed plan action,
/// or an event.
#[derive(SimpleObject)]
pub struct Satisfier {
    pub contacts: Vec<String>,
    pub plan_actions: bool,
    pub event: Option<String>,
}

/// «Every `every`», until `until` after the start (open-ended when absent).
#[derive(SimpleObject)]
pub struct CadencePhase {
    pub every: Span,
    pub until: Option<Span>,
}

impl From<&s::CadencePhase> for CadencePhase {
    fn from(c: &s::CadencePhase) -> Self {
        Self {
            every: (&c.every).into(),
            until: c.until.as_ref().map(Into::into),
        }
    }
}

/// A recurring obligation: visits, contacts, monitoring, reviews.
#[derive(SimpleObject)]
pub struct RecurringObligation {
    pub key: String,
    pub name: Text,
    pub when: Option<Condition>,
    /// The event the cadence counts from.
    pub starts_after: String,
    pub stops_at: Vec<String>,
    pub satisfied_by: Satisfier,
    pub cadence: Vec<CadencePhase>,
    /// Goes on through post-support until it ends, instead of stopping at closure.
    pub through_post_support: bool,
    pub source: Option<String>,
}

impl From<&s::Recurring> for RecurringObligation {
    fn from(r: &s::Recurring) -> Self {
        Self {
            key: r.key.clone(),
            name: (&r.name).into(),
            when: r.when.as_ref().map(Into::into),
            starts_after: r.starts_after.clone(),
            stops_at: r.stops_at.clone(),
            satisfied_by: Satisfier {
                contacts: r.satisfied_by.contacts.clone(),
                plan_actions: r.satisfied_by.plan_actions,
                event: r.satisfied_by.event.clone(),
            },
            cadence: list(&r.cadence),
            through_post_support: r.through_post_support,
            source: r.source.clone(),
        }
    }
}

#[derive(SimpleObject)]
pub struct ScoreLevel {
    pub points: i32,
    pub name: Text,
}

impl From<&s::ScoreLevel> for ScoreLevel {
    fn from(l: &s::ScoreLevel) -> Self {
        Self {
            points: int(l.points),
            name: (&l.name).into(),
        }
    }
}

/// A criterion of a scoring table and the points it gives.
#[derive(SimpleObject)]
pub struct ScoreCriterion {
    pub key: String,
    pub name: Text,
    pub min: i32,
    pub max: i32,
    pub levels: Vec<ScoreLevel>,
}

impl From<&s::ScoreCriterion> for ScoreCriterion {
    fn from(c: &s::ScoreCriterion) -> Self {
        Self {
            key: c.key.clone(),
            name: (&c.name).into(),
            min: int(c.min),
            max: int(c.max),
            levels: list(&c.levels),
        }
    }
}

/// A closed range of total points, mapped onto a canonical band.
#[derive(SimpleObject)]
pub struct ScoreBand {
    pub key: String,
    pub name: Text,
    pub min: i32,
    pub max: i32,
    pub canonical: Option<String>,
}

impl From<&s::Band> for ScoreBand {
    fn from(b: &s::Band) -> Self {
        Self {
            key: b.key.clone(),
            name: (&b.name).into(),
            min: int(b.min),
            max: int(b.max),
            canonical: b.canonical.clone(),
        }
    }
}

/// A scoring table: criteria give points, the sum falls into a band.
#[derive(SimpleObject)]
pub struct ScoreTable {
    pub key: String,
    pub name: Text,
    pub criteria: Vec<ScoreCriterion>,
    pub bands: Vec<ScoreBand>,
    pub source: Option<String>,
}

impl From<&s::ScoreTable> for ScoreTable {
    fn from(t: &s::ScoreTable) -> Self {
        Self {
            key: t.key.clone(),
            name: (&t.name).into(),
            criteria: list(&t.criteria),
            bands: list(&t.bands),
            source: t.source.clone(),
        }
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
#[graphql(remote = "kurator_method::schema::ClassificationPurpose")]
pub enum ClassificationPurpose {
    /// A family or case category (СОП, ТЖС…).
    Category,
    /// A triage risk level chosen by criteria lists.
    Risk,
    /// A case type.
    CaseType,
    /// A parent's readiness to change.
    Readiness,
}

#[derive(SimpleObject)]
pub struct ClassificationValue {
    pub key: String,
    pub name: Text,
    pub canonical: Option<String>,
    /// How a caseload message names families of this value («в СОП»).
    pub caseload_label: Option<String>,
    /// The criteria that put a case into this value.
    pub criteria: Vec<String>,
}

impl From<&s::ClassValue> for ClassificationValue {
    fn from(v: &s::ClassValue) -> Self {
        Self {
            key: v.key.clone(),
            name: (&v.name).into(),
            canonical: v.canonical.clone(),
            caseload_label: v.caseload_label.clone(),
            criteria: v.criteria.clone(),
        }
    }
}

/// A closed list of values a case is put into: category, risk level, case type, readiness.
#[derive(SimpleObject)]
pub struct VariantClassification {
    pub key: String,
    pub name: Text,
    pub purpose: ClassificationPurpose,
    /// Whether changes are kept as history.
    pub tracked: bool,
    pub values: Vec<ClassificationValue>,
    pub source: Option<String>,
}

impl From<&s::Classification> for VariantClassification {
    fn from(c: &s::Classification) -> Self {
        Self {
            key: c.key.clone(),
            name: (&c.name).into(),
            purpose: c.purpose.into(),
            tracked: c.tracked,
            values: list(&c.values),
            source: c.source.clone(),
        }
    }
}

#[derive(SimpleObject)]
pub struct CategoryCap {
    pub value: String,
    pub max: i32,
}

/// Caps per value of a classification (the state centre: 6 СОП, 12 ТЖС, 24 needing support).
#[derive(SimpleObject)]
pub struct CategoryCaps {
    pub classification: String,
    /// As the variant writes it; the organisation's settings may read the caps otherwise.
    pub mode: CaseloadCapsMode,
    pub caps: Vec<CategoryCap>,
}

/// At most `max` active cases whose `attribute` is one of `values`.
#[derive(SimpleObject)]
pub struct SubLimit {
    pub attribute: String,
    pub values: Vec<String>,
    pub max: i32,
    pub label: String,
}

/// Caseload rules for one curator.
#[derive(SimpleObject)]
pub struct CaseloadPolicy {
    pub min_total: Option<i32>,
    pub max_total: Option<i32>,
    /// Above this an assignment is allowed with a warning.
    pub optimum: Option<i32>,
    /// Post-support cases held on top of the active ones.
    pub post_support_allowance: Option<i32>,
    pub categories: Option<CategoryCaps>,
    pub sub_limits: Vec<SubLimit>,
    pub source: Option<String>,
}

impl From<&s::CaseloadPolicy> for CaseloadPolicy {
    fn from(c: &s::CaseloadPolicy) -> Self {
        Self {
            min_total: c.min_total.map(int),
            max_total: c.max_total.map(int),
            optimum: c.optimum.map(int),
            post_support_allowance: c.post_support_allowance.map(int),
            categories: c.categories.as_ref().map(|cats| CategoryCaps {
                classification: cats.classification.clone(),
                mode: match cats.mode {
                    s::CapsMode::Independent => CaseloadCapsMode::Independent,
                    s::CapsMode::Weighted => CaseloadCapsMode::Weighted,
                },
                caps: cats
                    .caps
                    .iter()
                    .map(|cap| CategoryCap {
                        value: cap.value.clone(),
                        max: int(cap.max),
                    })
                    .collect(),
            }),
            sub_limits: c
                .sub_limits
                .iter()
                .map(|l| SubLimit {
                    attribute: l.attribute.clone(),
                    values: l.values.clone(),
                    max: int(l.max),
                    label: l.label.clone(),
                })
                .collect(),
            source: c.source.clone(),
        }
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
#[graphql(remote = "kurator_method::schema::ClosureMode")]
pub enum ClosureMode {
    /// Every criterion must be met, or one alternative ground.
    All,
    /// The criteria inform the decision; nothing is enforced.
    Advisory,
}

/// «No occurrence of `event` for at least `forAtLeast`», checked from the facts.
#[derive(SimpleObject)]
pub struct QuietPeriod {
    pub event: String,
    pub for_at_least: Span,
}

#[derive(SimpleObject)]
pub struct ClosureCriterion {
    pub key: String,
    pub name: Text,
    pub quiet: Option<QuietPeriod>,
}

impl From<&s::ClosureCriterion> for ClosureCriterion {
    fn from(c: &s::ClosureCriterion) -> Self {
        Self {
            key: c.key.clone(),
            name: (&c.name).into(),
            quiet: c.quiet.as_ref().map(|q| QuietPeriod {
                event: q.event.clone(),
                for_at_least: (&q.for_at_least).into(),
            }),
        }
    }
}

/// The closure criteria checklist.
#[derive(SimpleObject)]
pub struct ClosurePolicy {
    pub mode: ClosureMode,
    pub criteria: Vec<ClosureCriterion>,
    /// Grounds that allow closure on their own.
    pub alternatives: Vec<ClosureCriterion>,
    pub source: Option<String>,
}

impl From<&s::Closure> for ClosurePolicy {
    fn from(c: &s::Closure) -> Self {
        Self {
            mode: c.mode.into(),
            criteria: list(&c.criteria),
            alternatives: list(&c.alternatives),
            source: c.source.clone(),
        }
    }
}

#[derive(SimpleObject)]
pub struct VariantOutcome {
    pub key: String,
    pub name: Text,
    pub canonical: Option<String>,
}

impl From<&s::OutcomeDef> for VariantOutcome {
    fn from(o: &s::OutcomeDef) -> Self {
        Self {
            key: o.key.clone(),
            name: (&o.name).into(),
            canonical: o.canonical.clone(),
        }
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
#[graphql(remote = "kurator_method::schema::IndicatorUnit")]
pub enum IndicatorUnit {
    Families,
    Children,
}

/// Over whom a variant's indicator is counted.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
#[graphql(remote = "kurator_method::schema::IndicatorPopulation")]
pub enum IndicatorPopulation {
    /// The cases closed in the period, and their children.
    ClosedInPeriod,
    /// Every case supported on at least one day of the period, closed or not, and its children.
    SupportedInPeriod,
}

#[derive(SimpleObject)]
pub struct Baseline {
    pub year: i32,
    pub numerator: i32,
    pub denominator: i32,
}

/// A social-result indicator: share of cases closed in a year with an outcome.
#[derive(SimpleObject)]
pub struct Indicator {
    pub key: String,
    pub name: Text,
    pub outcome: String,
    pub unit: IndicatorUnit,
    pub population: IndicatorPopulation,
    pub baseline: Vec<Baseline>,
    pub source: Option<String>,
}

impl From<&s::Indicator> for Indicator {
    fn from(i: &s::Indicator) -> Self {
        Self {
            key: i.key.clone(),
            name: (&i.name).into(),
            outcome: i.outcome.clone(),
            unit: i.unit.into(),
            population: i.population.into(),
            baseline: i
                .baseline
                .iter()
                .map(|b| Baseline {
                    year: b.year,
                    numerator: int(b.numerator),
                    denominator: int(b.denominator),
                })
                .collect(),
            source: i.source.clone(),
        }
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
#[graphql(remote = "kurator_method::schema::ReopeningMode")]
pub enum ReopeningMode {
    /// A new case inherits every document the family has (the fund).
    NewCaseInheritsDocuments,
    /// The same case goes through all steps again (the clinic).
    SameCaseAllSteps,
}

/// How a case is reopened after relapse or regression.
#[derive(SimpleObject)]
pub struct Reopening {
    pub mode: ReopeningMode,
    /// The stage the reopened (or new) case starts in.
    pub restart_stage: String,
    pub source: Option<String>,
}

/// The limit on the accumulated deadline slip of one case.
#[derive(SimpleObject)]
pub struct SlipPolicy {
    pub max: Span,
    pub source: Option<String>,
}

/// Spending on a case and its limit per case per year (the case's year, from its opening day).
#[derive(SimpleObject)]
pub struct CostLimit {
    /// In minor units (kopecks, tiyn).
    pub max_minor_per_year: i64,
    pub currency: String,
    /// The categories spending is recorded under.
    pub categories: Vec<SpendingCategory>,
    /// The decision that allows spending above it.
    pub over_limit_decision: Option<String>,
    /// Its outcome that allows the spend; any other outcome refuses it.
    pub approving_outcome: String,
    /// Whose approval it is, in the Russian genitive («руководителя направления»).
    pub approval_by: Option<String>,
    pub source: Option<String>,
}

/// A category of spending on a case (material help, services, other).
#[derive(SimpleObject)]
pub struct SpendingCategory {
    pub key: String,
    pub name: Text,
    /// What belongs here and what does not.
    pub description: Option<Text>,
}

#[derive(SimpleObject)]
pub struct StaffNorms {
    pub training_hours_per_year: Option<i32>,
    pub supervisions_per_year: Option<i32>,
    pub vacation_days_per_year: Option<i32>,
    pub source: Option<String>,
}

/// A way of working with a family: one-time help, emergency, permanent support.
#[derive(SimpleObject)]
pub struct Scenario {
    pub key: String,
    pub name: Text,
    /// Whether a full case is opened.
    pub full_case: bool,
    /// Whether the curator may act without prior approvals.
    pub skips_approvals: bool,
}

impl From<&s::Scenario> for Scenario {
    fn from(sc: &s::Scenario) -> Self {
        Self {
            key: sc.key.clone(),
            name: (&sc.name).into(),
            full_case: sc.full_case,
            skips_approvals: sc.skips_approvals,
        }
    }
}

/// One published version of the organisation's method variant.
pub struct VariantView(pub PublishedVariant);

impl VariantView {
    fn doc(&self) -> &s::VariantDoc {
        self.0.variant.doc()
    }
}

#[Object(name = "Variant")]
impl VariantView {
    /// Stable identifier of the variant, e.g. `fund`.
    async fn key(&self) -> &str {
        &self.doc().key
    }
    async fn version(&self) -> i32 {
        int(self.doc().version)
    }
    /// Every version the organisation has published, oldest first.
    async fn published_versions(&self) -> Vec<i32> {
        self.0.published_versions.iter().copied().map(int).collect()
    }
    async fn name(&self) -> Text {
        (&self.doc().name).into()
    }
    async fn organisation(&self) -> Option<Text> {
        self.doc().organisation.as_ref().map(Into::into)
    }
    /// Where the rules come from (document, edition).
    async fn source(&self) -> Option<&str> {
        self.doc().source.as_deref()
    }
    /// IANA time zone name, e.g. `Europe/Moscow`.
    async fn time_zone(&self) -> &str {
        &self.doc().time_zone
    }
    /// Production calendar region: `ru` or `kz`.
    async fn calendar(&self) -> &str {
        &self.doc().calendar
    }
    async fn case_subject(&self) -> CaseSubject {
        self.doc().case_subject.into()
    }
    /// The event that marks the reception of a signal; deadlines counted from it start there.
    /// The form signals are registered on, where the organisation has one (an artefact key).
    async fn intake_form(&self) -> Option<&str> {
        self.doc().intake_form.as_deref()
    }
    /// The decisions the organisation takes on a signal (empty: all of them).
    async fn signal_decisions(&self) -> &[String] {
        &self.doc().signal_decisions
    }
    /// The kinds of monitoring the organisation records.
    async fn monitoring_kinds(&self) -> Vec<NamedValue> {
        self.doc()
            .monitoring_kinds
            .iter()
            .map(|m| NamedValue {
                key: m.key.clone(),
                name: (&m.name).into(),
            })
            .collect()
    }
    async fn intake_event(&self) -> Option<&str> {
        self.doc().intake_event.as_deref()
    }
    /// How long before a deadline it counts as due (24 hours when absent).
    async fn reminder_window(&self) -> Option<Span> {
        self.doc().reminder_window.as_ref().map(Into::into)
    }
    async fn roles(&self) -> Vec<VariantRole> {
        list(&self.doc().roles)
    }
    /// Declared events; every variant also has `case_opened`, `case_closed` and
    /// `post_support_started`.
    async fn events(&self) -> Vec<VariantEvent> {
        list(&self.doc().events)
    }
    async fn contact_kinds(&self) -> Vec<ContactKind> {
        list(&self.doc().contact_kinds)
    }
    async fn attributes(&self) -> Vec<VariantAttribute> {
        list(&self.doc().attributes)
    }
    /// Forms and documents, with their sections and fields.
    async fn artefacts(&self) -> Vec<VariantArtefact> {
        list(&self.doc().artefacts)
    }
    async fn journals(&self) -> Vec<VariantJournal> {
        list(&self.doc().journals)
    }
    /// Stages in order, each with its steps.
    async fn stages(&self) -> Vec<VariantStage> {
        list(&self.doc().stages)
    }
    async fn transitions(&self) -> Vec<VariantTransition> {
        list(&self.doc().transitions)
    }
    async fn decisions(&self) -> Vec<DecisionProcedure> {
        list(&self.doc().decisions)
    }
    async fn recurring(&self) -> Vec<RecurringObligation> {
        list(&self.doc().recurring)
    }
    async fn scoring(&self) -> Vec<ScoreTable> {
        list(&self.doc().scoring)
    }
    async fn classifications(&self) -> Vec<VariantClassification> {
        list(&self.doc().classifications)
    }
    async fn caseload(&self) -> Option<CaseloadPolicy> {
        self.doc().caseload.as_ref().map(Into::into)
    }
    async fn closure(&self) -> Option<ClosurePolicy> {
        self.doc().closure.as_ref().map(Into::into)
    }
    async fn outcomes(&self) -> Vec<VariantOutcome> {
        list(&self.doc().outcomes)
    }
    async fn indicators(&self) -> Vec<Indicator> {
        list(&self.doc().indicators)
    }
    /// From opening to closure.
    async fn case_duration(&self) -> Option<PeriodBounds> {
        self.doc().case_duration.as_ref().map(Into::into)
    }
    /// Post-closure follow-up («пост-сопровождение», «прослеживание»).
    async fn post_closure(&self) -> Option<PeriodBounds> {
        self.doc().post_closure.as_ref().map(Into::into)
    }
    async fn reopening(&self) -> Option<Reopening> {
        self.doc().reopening.as_ref().map(|r| Reopening {
            mode: r.mode.into(),
            restart_stage: r.restart_stage.clone(),
            source: r.source.clone(),
        })
    }
    async fn slip(&self) -> Option<SlipPolicy> {
        self.doc().slip.as_ref().map(|sl| SlipPolicy {
            max: (&sl.max).into(),
            source: sl.source.clone(),
        })
    }
    async fn cost_limit(&self) -> Option<CostLimit> {
        self.doc().cost_limit.as_ref().map(|c| CostLimit {
            max_minor_per_year: i64::try_from(c.max_minor_per_year).unwrap_or(i64::MAX),
            currency: c.currency.clone(),
            categories: c
                .categories
                .iter()
                .map(|k| SpendingCategory {
                    key: k.key.clone(),
                    name: (&k.name).into(),
                    description: k.description.as_ref().map(Into::into),
                })
                .collect(),
            over_limit_decision: c.over_limit_decision.clone(),
            approving_outcome: c.approving_outcome.clone(),
            approval_by: c.approval_by.clone(),
            source: c.source.clone(),
        })
    }
    async fn staff_norms(&self) -> Option<StaffNorms> {
        self.doc().staff_norms.as_ref().map(|n| StaffNorms {
            training_hours_per_year: n.training_hours_per_year.map(int),
            supervisions_per_year: n.supervisions_per_year.map(int),
            vacation_days_per_year: n.vacation_days_per_year.map(int),
            source: n.source.clone(),
        })
    }
    async fn scenarios(&self) -> Vec<Scenario> {
        list(&self.doc().scenarios)
    }
    /// Domains in which a child's quality of life is followed at closure (`improvedDomains`).
    async fn quality_domains(&self) -> Vec<NamedValue> {
        list(&self.doc().quality_domains)
    }
    /// The whole document as JSON, in the schema of the variant files (`snake_case` keys).
    async fn document(&self) -> async_graphql::Result<Json<Value>> {
        serde_json::to_value(self.doc())
            .map(Json)
            .map_err(|e| ApiError::internal(&e).into())
    }
    /// The whole document as a TOML variant file, to edit and save as a draft
    /// (`saveVariantDraft(format: TOML)`).
    async fn toml(&self) -> async_graphql::Result<String> {
        self.0
            .variant
            .to_toml()
            .map_err(|e| ApiError::internal(&e).into())
    }
}

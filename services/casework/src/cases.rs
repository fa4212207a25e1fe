//! Cases (случаи): opening one directly, reading case cards in the caller's scope, lists with
//! filters, curator assignment through the caseload policy, and attributes with their history.

use crate::actor::{Actor, CaseScope};
use crate::audit::{self, Audit};
use crate::case_file::{self, CaseFile, kind, status};
use crate::error::{CaseworkError, CaseworkResult, Language, Problem};
use crate::runtime::TenantRuntime;
use chrono::{DateTime, Utc};
use kurator_domain::UserId;
use kurator_method::caseload::{self, CaseloadDecision, CuratorLoad, LoadCase, Proposed};
use kurator_method::problem;
use kurator_method::schema::SCENARIO_ATTRIBUTE;
use kurator_store::TenantTx;
use kurator_store::tenant::cases::{self, CaseFilter, CaseRow, NewCase, NewRecord, Search};
use kurator_store::tenant::obligations::Kept;
use kurator_store::tenant::{idempotency, plans};
use serde_json::{Value, json};
use std::collections::HashMap;
use uuid::Uuid;

/// Loads the full files of `rows` in a fixed number of statements, whatever their count.
pub async fn load_files(tx: &TenantTx, rows: Vec<CaseRow>) -> CaseworkResult<Vec<CaseFile>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut records = group(cases::records(tx, &ids).await?, |r| r.case_id);
    let mut revisions = group(plans::revisions(tx, &ids).await?, |r| r.case_id);
    let mut actions = group(plans::actions(tx, &ids).await?, |r| r.case_id);
    let mut members = group(cases::members(tx, &ids).await?, |r| r.case_id);
    Ok(rows
        .into_iter()
        .map(|case| CaseFile {
            records: records.remove(&case.id).unwrap_or_default(),
            revisions: revisions.remove(&case.id).unwrap_or_default(),
            actions: actions.remove(&case.id).unwrap_or_default(),
            members: members.remove(&case.id).unwrap_or_default(),
            case,
        })
        .collect())
}

/// How much of each case a page loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// The whole file: every entry of the record with its data, the plan's revisions and
    /// actions, the members ([`load_files`]).
    Whole,
    /// What the case's obligations, slip and overdue status are computed from, and its plan
    /// actions ([`load_facts`]): a list row that shows no entry of the record costs the same
    /// however long the family's history.
    Facts,
}

/// The kinds of record [`CaseFile::facts`] reads whole (their data counts: a schedule's date, the
/// cadence set at closure); contacts count by their key and time alone.
const FACT_KINDS: &[&str] = &[kind::EVENT, kind::STAGE, kind::SCHEDULE];

/// The cases with what their obligations are computed from — the entries of their record that
/// are facts for the engine (events, stages, dates set by decisions, contacts) and, for the cases
/// in `with_actions`, their plan actions — in two statements whatever their number. Contacts
/// are most of a long case's record and are written most often: they are read as one row per
/// case and kind of contact ([`cases::entries_and_times`]), so a contact costs the same in the case's
/// fifth year as in its first week.
///
/// The files hold no revisions or members, and their record holds only those facts, contacts
/// without their id, data or author: never show it as the case's record.
pub async fn load_facts(
    tx: &TenantTx,
    rows: Vec<CaseRow>,
    with_actions: &[Uuid],
) -> Result<Vec<CaseFile>, kurator_store::StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let (entries, contacts) = cases::entries_and_times(tx, &ids, FACT_KINDS, kind::CONTACT).await?;
    facts_of(tx, rows, entries, contacts, with_actions).await
}

/// [`load_facts`], and what is stored of the cases' obligations, read in the same statement:
/// what the obligations keeper needs at every change of a case.
pub async fn load_facts_and_kept(
    tx: &TenantTx,
    rows: Vec<CaseRow>,
    with_actions: &[Uuid],
) -> Result<(Vec<CaseFile>, Kept), kurator_store::StoreError> {
    if rows.is_empty() {
        return Ok((Vec::new(), Kept::default()));
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let (entries, contacts, kept) =
        cases::entries_times_and_kept(tx, &ids, FACT_KINDS, kind::CONTACT).await?;
    Ok((
        facts_of(tx, rows, entries, contacts, with_actions).await?,
        kept,
    ))
}

async fn facts_of(
    tx: &TenantTx,
    rows: Vec<CaseRow>,
    entries: Vec<cases::RecordRow>,
    contacts: Vec<cases::KeyTimes>,
    with_actions: &[Uuid],
) -> Result<Vec<CaseFile>, kurator_store::StoreError> {
    let mut records = group(entries, |r| r.case_id);
    for times in contacts {
        let entries = records.entry(times.case_id).or_default();
        entries.extend(times.at.iter().map(|at| contact_fact(tx, &times, *at)));
    }
    let mut actions = if with_actions.is_empty() {
        HashMap::new()
    } else {
        group(plans::actions(tx, with_actions).await?, |r| r.case_id)
    };
    Ok(rows
        .into_iter()
        .map(|case| CaseFile {
            records: records.remove(&case.id).unwrap_or_default(),
            actions: actions.remove(&case.id).unwrap_or_default(),
            revisions: Vec::new(),
            members: Vec::new(),
            case,
        })
        .collect())
}

/// A contact as a fact for the engine: its case, key and time, which is all
/// [`CaseFile::facts`] reads of one. It is neither shown nor written: the entry's id, data and
/// author are not read.
fn contact_fact(tx: &TenantTx, times: &cases::KeyTimes, at: DateTime<Utc>) -> cases::RecordRow {
    cases::RecordRow {
        id: Uuid::nil(),
        tenant_id: tx.tenant_id().0,
        case_id: times.case_id,
        kind: kind::CONTACT.to_owned(),
        key: times.key.clone(),
        at,
        data: Value::Null,
        actor_id: None,
        created_at: at,
    }
}

fn group<T>(rows: Vec<T>, key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut map: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

/// The case, if it is in the caller's scope; `NOT_FOUND` otherwise — the same answer as for a
/// case that does not exist or belongs to another tenant.
pub async fn get_in_scope(tx: &TenantTx, actor: &Actor, id: Uuid) -> CaseworkResult<CaseRow> {
    let scope = actor.case_scope()?;
    let case = cases::get(tx, id).await?;
    match scope {
        CaseScope::Tenant => Ok(case),
        CaseScope::Own(user) if cases::is_on_case(tx, &case, user).await? => Ok(case),
        CaseScope::Own(_) => Err(CaseworkError::NotFound),
    }
}

/// Like [`get_in_scope`], for a change: the case row stays locked until the transaction ends
/// (on PostgreSQL), so that of two concurrent changes made from one version the second sees the
/// first one's new version and is refused as stale, whatever it checks in between.
pub async fn get_in_scope_for_update(
    tx: &TenantTx,
    actor: &Actor,
    id: Uuid,
) -> CaseworkResult<CaseRow> {
    let scope = actor.case_scope()?;
    let case = cases::get_for_update(tx, id).await?;
    match scope {
        CaseScope::Tenant => Ok(case),
        CaseScope::Own(user) if cases::is_on_case(tx, &case, user).await? => Ok(case),
        CaseScope::Own(_) => Err(CaseworkError::NotFound),
    }
}

/// Opens a case card: the full file, and a record in the audit trail that it was opened.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %id))]
pub async fn card(runtime: &TenantRuntime, actor: &Actor, id: Uuid) -> CaseworkResult<CaseFile> {
    let file = file(runtime, actor, id).await?;
    // Only a card the caller may see is recorded, and none is answered unrecorded.
    audit::viewed(runtime, actor, id).await?;
    Ok(file)
}

/// The full file of a case in the caller's scope, without recording a card view (used to answer
/// a mutation with the changed case).
pub async fn file(runtime: &TenantRuntime, actor: &Actor, id: Uuid) -> CaseworkResult<CaseFile> {
    let tx = runtime.read().await?;
    let case = get_in_scope(&tx, actor, id).await?;
    // A version another replica published is learnt here, before the card is rendered with it.
    runtime.variant_in(&tx, case.variant_version).await?;
    let file = load_files(&tx, vec![case])
        .await?
        .pop()
        .ok_or(CaseworkError::NotFound)?;
    tx.commit().await?;
    Ok(file)
}

#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    pub statuses: Vec<String>,
    pub curator: Option<UserId>,
    /// Only the caller's own cases, whatever their role.
    pub mine: bool,
    /// Attribute → value (category, risk band, complexity, case type…).
    pub attributes: Vec<(String, String)>,
    /// Only cases with an obligation overdue at `as_of`.
    pub overdue: bool,
    /// Only cases with an obligation falling due within this many days of `as_of`.
    pub due_within_days: Option<i64>,
    pub opened_from: Option<DateTime<Utc>>,
    pub opened_to: Option<DateTime<Utc>>,
    pub closed_from: Option<DateTime<Utc>>,
    pub closed_to: Option<DateTime<Utc>>,
    /// A case number (`123`, `№ 123`) or words of the family's names (each the start of a word).
    pub search: Option<String>,
    /// The moment deadlines are judged at (now, unless a client asks for another).
    pub as_of: Option<DateTime<Utc>>,
}

/// The longest horizon of «due within N days».
pub const MAX_DUE_WITHIN_DAYS: i64 = 366;

/// The store's filter for `query` in the caller's scope, once every value is checked.
fn case_filter(
    runtime: &TenantRuntime,
    actor: &Actor,
    query: CaseQuery,
) -> CaseworkResult<CaseFilter> {
    let scope = actor.case_scope()?;
    let mut problems = Vec::new();
    for status in &query.statuses {
        if !status::ALL.contains(&status.as_str()) {
            problems.push(problem!(
                at = "status",
                "unknown_status",
                "status: неизвестный статус «{status}»",
                "status: unknown status “{status}”"
            ));
        }
    }
    problems.extend(filter_problems(
        runtime.current_variant()?,
        &query.attributes,
    ));
    if let Some(days) = query.due_within_days
        && !(0..=MAX_DUE_WITHIN_DAYS).contains(&days)
    {
        problems.push(problem!(
            at = "dueWithinDays",
            "out_of_range",
            "dueWithinDays: от 0 до {MAX_DUE_WITHIN_DAYS}",
            "dueWithinDays: 0 to {MAX_DUE_WITHIN_DAYS}"
        ));
    }
    for (at, from, to) in [
        ("opened", query.opened_from, query.opened_to),
        ("closed", query.closed_from, query.closed_to),
    ] {
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            problems.push(problem!(
                at = at,
                "empty_range",
                "{at}: начало периода позже его конца",
                "{at}: the period starts after it ends"
            ));
        }
    }
    let search = match query.search.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match parse_search(text) {
            Some(search) => Some(search),
            None => {
                problems.push(problem!(
                    at = "search",
                    "search_too_short",
                    "search: номер случая или не менее двух букв фамилии",
                    "search: a case number or at least two letters of a surname"
                ));
                None
            }
        },
    };
    if !problems.is_empty() {
        return Err(CaseworkError::Rejected(problems));
    }
    let as_of = query.as_of.unwrap_or_else(Utc::now);
    let visible_to = match scope {
        CaseScope::Own(user) => Some(user),
        CaseScope::Tenant if query.mine => Some(actor.user),
        CaseScope::Tenant => None,
    };
    Ok(CaseFilter {
        statuses: query.statuses,
        curator: query.curator,
        visible_to,
        attribute_equals: query.attributes,
        ids: None,
        overdue_at: query.overdue.then_some(as_of),
        due_between: query
            .due_within_days
            .map(|days| (as_of, as_of + chrono::Duration::days(days))),
        opened_from: query.opened_from,
        opened_to: query.opened_to,
        closed_from: query.closed_from,
        closed_to: query.closed_to,
        search,
    })
}

/// A case number (`123`, `№123`, `№ 123`) or the words of a name (at most 5, each at least two
/// letters long).
fn parse_search(text: &str) -> Option<Search> {
    let number = text.trim_start_matches('№').trim_start_matches('#').trim();
    if let Ok(n) = number.parse::<i64>() {
        return (n > 0).then_some(Search::Number(n));
    }
    let words: Vec<String> = cases::words(text).into_iter().take(5).collect();
    (!words.is_empty()).then_some(Search::Words(words))
}

/// Every problem with attribute filters: lists are narrowed only by what the variant lets them
/// be — its classifications marked `filterable`, its score tables (by band) and its attributes
/// with closed lists — and only by their values.
fn filter_problems(
    variant: &kurator_method::Variant,
    filters: &[(String, String)],
) -> Vec<Problem> {
    let doc = variant.doc();
    let mut problems = Vec::new();
    for (key, value) in filters {
        let values: Option<Vec<&str>> = doc
            .classifications
            .iter()
            .find(|c| &c.key == key && c.filterable)
            .map(|c| c.values.iter().map(|v| v.key.as_str()).collect())
            .or_else(|| {
                doc.scoring
                    .iter()
                    .find(|t| &t.key == key)
                    .map(|t| t.bands.iter().map(|b| b.key.as_str()).collect())
            })
            .or_else(|| {
                doc.attributes
                    .iter()
                    .find(|a| &a.key == key)
                    .map(|a| a.values.iter().map(|v| v.key.as_str()).collect())
            });
        match values {
            None => problems.push(problem!(
                at = format!("attributes.{key}"),
                "not_filterable",
                "attributes.{key}: по этому признаку списки не фильтруются",
                "attributes.{key}: lists cannot be filtered by this attribute"
            )),
            Some(values) if !values.contains(&value.as_str()) => {
                let values = values.join(", ");
                problems.push(problem!(
                    at = format!("attributes.{key}"),
                    "unknown_value",
                    "attributes.{key}: ожидается одно из {values}",
                    "attributes.{key}: expected one of {values}"
                ))
            }
            Some(_) => {}
        }
    }
    problems
}

/// One page of a case list.
#[derive(Debug, Clone)]
pub struct CasePage {
    pub files: Vec<CaseFile>,
    /// More cases follow the page.
    pub has_next: bool,
    /// The list's filter in the caller's scope, to count it with [`count`] if the client asks.
    pub filter: CaseFilter,
}

/// How many cases match a page's filter in all: counted only when a client asks for it.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn count(runtime: &TenantRuntime, filter: &CaseFilter) -> CaseworkResult<u64> {
    let tx = runtime.read().await?;
    let total = cases::count(&tx, filter).await?;
    tx.commit().await?;
    Ok(total)
}

/// A page of the cases matching `query` in the caller's scope, newest first, behind the case
/// `after` — filtered, ordered, counted and cut in SQL, so a page costs the same however many
/// cases the organisation holds; only the page's cases are loaded, to `depth`.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, first))]
pub async fn page(
    runtime: &TenantRuntime,
    actor: &Actor,
    query: CaseQuery,
    first: u64,
    after: Option<Uuid>,
    depth: Depth,
) -> CaseworkResult<CasePage> {
    let search = query.search.clone();
    let filter = case_filter(runtime, actor, query)?;
    let tx = runtime.read().await?;
    let after = match after {
        Some(id) => {
            let seen = cases::get(&tx, id).await.map_err(|_| unknown_cursor())?;
            Some(seen)
        }
        None => None,
    };
    let (rows, has_next) = cases::page(&tx, &filter, after.as_ref(), first).await?;
    let shown: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let files = match depth {
        Depth::Whole => load_files(&tx, rows).await?,
        Depth::Facts => load_facts(&tx, rows, &shown).await?,
    };
    tx.commit().await?;
    if filter.search.is_some() {
        // Looking a family up by name reads personal data: who searched for what, and what they
        // were shown, is kept like the opening of a card — and nothing is answered unrecorded.
        let tx = runtime.begin().await?;
        audit::record(
            &tx,
            actor,
            Audit::searched(&json!({ "search": search, "shown": shown })),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(CasePage {
        files,
        has_next,
        filter,
    })
}

#[derive(Debug, Clone)]
pub struct OpenCase {
    pub family: Value,
    pub attributes: serde_json::Map<String, Value>,
    pub opened_at: DateTime<Utc>,
    pub curator: Option<UserId>,
}

/// Opens a case directly (without a signal) at the variant's first stage.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn open(
    runtime: &TenantRuntime,
    actor: &Actor,
    input: OpenCase,
    idempotency_key: Option<&str>,
) -> CaseworkResult<CaseRow> {
    actor.require_intake()?;
    // A curator takes a case onto themselves; only a lead puts it on someone else.
    if let Some(curator) = input.curator
        && curator != actor.user
        && !actor.is_lead()
    {
        return Err(CaseworkError::Forbidden);
    }
    if !input.family.is_object() {
        return Err(CaseworkError::rejected(problem!(
            at = "family",
            "family_not_object",
            "family: ожидается описание семьи",
            "family: a description of the family is expected"
        )));
    }
    let variant = runtime.current_variant()?;
    let mut problems = check_attributes(variant, &input.attributes);
    problems.extend(crate::intake::age_problem(
        variant,
        &input.family,
        "family",
        input.opened_at,
        true,
    ));
    if !problems.is_empty() {
        return Err(CaseworkError::Rejected(problems));
    }
    let first_stage = variant
        .stages()
        .first()
        .ok_or_else(|| CaseworkError::Variant("variant has no stages".into()))?;
    let _guard = runtime.assignment_lock.lock().await;
    let tx = runtime.begin().await?;
    if let Some(key) = idempotency_key
        && let Some(existing) = idempotency::find(&tx, actor.user, key, "open_case").await?
    {
        let case = cases::get(&tx, existing).await?;
        tx.rollback().await?;
        return Ok(case);
    }
    let case = cases::insert(
        &tx,
        NewCase {
            id: Uuid::now_v7(),
            signal_id: None,
            family: input.family,
            variant_key: variant.key().to_owned(),
            variant_version: i32::try_from(variant.version()).unwrap_or(1),
            status: crate::steps::initial_status(variant).into(),
            stage: first_stage.key.clone(),
            curator_id: None,
            attributes: Value::Object(input.attributes.clone()),
            opened_at: input.opened_at,
            parent_case_id: None,
        },
    )
    .await?;
    crate::attribute_events::record(
        &tx,
        variant,
        case.id,
        &Default::default(),
        &crate::attribute_events::strings(&input.attributes),
        input.opened_at,
        actor.user,
    )
    .await?;
    cases::append_record(
        &tx,
        NewRecord::new(
            case.id,
            kind::STAGE,
            first_stage.key.clone(),
            input.opened_at,
            actor.user,
        ),
    )
    .await?;
    if let Some(event) = &variant.doc().intake_event {
        cases::append_record(
            &tx,
            NewRecord::new(
                case.id,
                kind::EVENT,
                event.clone(),
                input.opened_at,
                actor.user,
            ),
        )
        .await?;
    }
    let case = match input.curator {
        Some(curator) => assign_in_tx(&tx, runtime, actor, case, curator).await?.0,
        None => case,
    };
    if !actor.is_lead() && case.curator_id != Some(actor.user.0) {
        // Whoever took the case in keeps access to it until a curator is assigned.
        cases::add_member(&tx, case.id, actor.user, "intake").await?;
    }
    if let Some(key) = idempotency_key {
        idempotency::remember(&tx, actor.user, key, "open_case", case.id).await?;
    }
    audit::record(
        &tx,
        actor,
        Audit::created("case.open", "case", case.id, &case),
    )
    .await?;
    tx.commit().await?;
    Ok(case)
}

/// Every problem with attribute values that the variant classifies or scores.
pub fn check_attributes(
    variant: &kurator_method::Variant,
    attributes: &serde_json::Map<String, Value>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (key, value) in attributes {
        let field = format!("attributes.{key}");
        let Some(value) = value.as_str() else {
            problems.push(problem!(
                at = &field,
                "not_a_string",
                "attributes.{key}: ожидается строка",
                "attributes.{key}: a string is expected"
            ));
            continue;
        };
        if value.chars().count() > 200 {
            problems.push(problem!(
                at = &field,
                "too_long",
                "attributes.{key}: не более 200 символов",
                "attributes.{key}: at most 200 characters"
            ));
        } else if key == SCENARIO_ATTRIBUTE {
            // The way of working with the family (§10 of the fund's guide): one of the variant's
            // scenarios, and one that opens a full case.
            match variant.doc().scenarios.iter().find(|s| s.key == value) {
                None => {
                    let known: Vec<&str> = variant
                        .doc()
                        .scenarios
                        .iter()
                        .map(|s| s.key.as_str())
                        .collect();
                    let known = known.join(", ");
                    problems.push(problem!(
                        at = &field,
                        "unknown_scenario",
                        "attributes.scenario: ожидается один из сценариев варианта: {known}",
                        "attributes.scenario: expected one of the variant's scenarios: {known}"
                    ));
                }
                Some(s) if !s.full_case => {
                    let (ru, en) = (&s.name.ru, s.name.in_language(Language::En));
                    problems.push(problem!(
                        at = &field,
                        "scenario_opens_no_case",
                        "attributes.scenario: «{ru}» не открывает полного случая — её записывают в журнал посетителей",
                        "attributes.scenario: “{en}” opens no full case — it is written in the visitors' log"
                    ))
                }
                Some(_) => {}
            }
        } else if variant.classification(key).is_some() {
            if let Err(err) = kurator_method::scoring::classify(variant, key, value) {
                problems.push(err.problem(&field));
            }
        } else if let Some(table) = variant.score_table(key)
            && !table.bands.iter().any(|b| b.key == value)
        {
            problems.push(problem!(
                at = &field,
                "unknown_band",
                "attributes.{key}: неизвестный уровень «{value}»",
                "attributes.{key}: unknown band “{value}”"
            ));
        }
    }
    problems
}

/// The outcome of an assignment: the case and what the caseload policy said.
pub type Assigned = (CaseRow, CaseloadDecision);

/// Assigns (or reassigns) the curator, if the caseload policy allows it. Concurrent assignments
/// are serialised per tenant in this process and per curator in PostgreSQL, so two of them can
/// never together exceed a limit.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn assign_curator(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    expected_version: i32,
    curator: UserId,
) -> CaseworkResult<Assigned> {
    actor.require_lead()?;
    let _guard = runtime.assignment_lock.lock().await;
    let tx = runtime.begin().await?;
    let case = cases::get_for_update(&tx, case_id).await?;
    if case.version != expected_version {
        return Err(CaseworkError::Stale {
            current: case.version,
        });
    }
    let (after, decision) = assign_in_tx(&tx, runtime, actor, case.clone(), curator).await?;
    audit::record(
        &tx,
        actor,
        Audit::changed("case.assign_curator", "case", case_id, &case, &after),
    )
    .await?;
    tx.commit().await?;
    Ok((after, decision))
}

async fn assign_in_tx(
    tx: &TenantTx,
    runtime: &TenantRuntime,
    actor: &Actor,
    case: CaseRow,
    curator: UserId,
) -> CaseworkResult<Assigned> {
    if case.curator_id == Some(curator.0) {
        return Ok((case, CaseloadDecision::Allowed));
    }
    let post_support = case.status == status::POST_SUPPORT;
    let decision = check_load(tx, runtime, curator, &case, post_support).await?;
    let previous = case.curator_id;
    let version = case.version;
    let mut changed = case;
    changed.curator_id = Some(curator.0);
    let after = cases::update(tx, changed, version).await?;
    // A curator who is reassigned away no longer sees the case from this moment.
    if let Some(previous) = previous {
        cases::end_member(tx, after.id, UserId(previous), None, Utc::now()).await?;
    }
    cases::add_member(tx, after.id, curator, "curator").await?;
    cases::append_record(
        tx,
        NewRecord::new(after.id, kind::CURATOR, "curator", Utc::now(), actor.user)
            .with(json!({ "from": previous, "to": curator, "caseload": decision })),
    )
    .await?;
    Ok((after, decision))
}

/// What the caseload policy says about `curator` holding `case` as it would be after a change
/// (new curator, new category or complexity, closure into post-support, reopening): their other
/// active cases are counted, this one as proposed. Takes the curator's lock for the rest of the
/// transaction, so two such changes can never together exceed a limit. A refusal reads like the
/// method and is returned as an error.
pub(crate) async fn check_load(
    tx: &TenantTx,
    runtime: &TenantRuntime,
    curator: UserId,
    case: &CaseRow,
    post_support: bool,
) -> CaseworkResult<CaseloadDecision> {
    cases::lock_curator(tx, curator).await?;
    let variant = runtime.variant_in(tx, case.variant_version).await?;
    let held: Vec<CaseRow> = cases::active_of_curator(tx, curator)
        .await?
        .into_iter()
        .filter(|c| c.id != case.id)
        .collect();
    let load = CuratorLoad {
        active: held
            .iter()
            .filter(|c| c.status != status::POST_SUPPORT)
            .map(|c| LoadCase {
                attributes: case_file::attributes(c),
            })
            .collect(),
        post_support: held
            .iter()
            .filter(|c| c.status == status::POST_SUPPORT)
            .count() as u32,
    };
    let proposed = Proposed {
        case: LoadCase {
            attributes: case_file::attributes(case),
        },
        post_support,
    };
    let settings = crate::settings::load(tx).await?;
    let Some(policy) = crate::settings::caseload_policy(variant, &settings.settings) else {
        return Ok(CaseloadDecision::Allowed);
    };
    let assessment = caseload::assess(variant, &policy, &load, &proposed);
    if !assessment.refusals.is_empty() {
        return Err(CaseworkError::Rejected(assessment.refusals));
    }
    Ok(assessment.decision())
}

/// Adds a specialist or a member of the first-visit team to a case.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn add_member(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    user: UserId,
    member_kind: &str,
) -> CaseworkResult<()> {
    if !["specialist", "first_visit"].contains(&member_kind) {
        return Err(CaseworkError::rejected(member_kind_problem()));
    }
    let tx = runtime.begin().await?;
    let case = get_in_scope(&tx, actor, case_id).await?;
    if !actor.may_close(case.curator_id.map(UserId)) {
        return Err(CaseworkError::Forbidden);
    }
    if cases::add_member(&tx, case_id, user, member_kind).await? {
        cases::append_record(
            &tx,
            NewRecord::new(case_id, kind::MEMBER, member_kind, Utc::now(), actor.user)
                .with(json!({ "user": user, "joined": true })),
        )
        .await?;
    }
    audit::record(
        &tx,
        actor,
        Audit::created(
            "case.add_member",
            "case",
            case_id,
            &json!({ "user": user, "kind": member_kind }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a specialist or a first-visit team member off a case (the case's curator or a lead).
/// From this moment they no longer see the case; the end is kept in the case's record.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn remove_member(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    user: UserId,
    member_kind: &str,
) -> CaseworkResult<()> {
    if !["specialist", "first_visit"].contains(&member_kind) {
        return Err(CaseworkError::rejected(member_kind_problem()));
    }
    let tx = runtime.begin().await?;
    let case = get_in_scope(&tx, actor, case_id).await?;
    if !actor.may_close(case.curator_id.map(UserId)) {
        return Err(CaseworkError::Forbidden);
    }
    let now = Utc::now();
    if cases::end_member(&tx, case_id, user, Some(member_kind), now).await? == 0 {
        return Err(CaseworkError::NotFound);
    }
    cases::append_record(
        &tx,
        NewRecord::new(case_id, kind::MEMBER, member_kind, now, actor.user)
            .with(json!({ "user": user, "left": true })),
    )
    .await?;
    audit::record(
        &tx,
        actor,
        Audit::changed(
            "case.remove_member",
            "case",
            case_id,
            &json!({ "user": user, "kind": member_kind }),
            &json!({ "user": user, "kind": member_kind, "ended_at": now }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes an attribute (type, category, complexity, risk band, readiness…); the change is kept
/// in the case's record, so every attribute has its history.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn set_attribute(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    expected_version: i32,
    key: &str,
    value: &str,
    at: DateTime<Utc>,
) -> CaseworkResult<CaseRow> {
    let variant = runtime.current_variant()?;
    let mut single = serde_json::Map::new();
    single.insert(key.to_owned(), Value::String(value.to_owned()));
    let problems = check_attributes(variant, &single);
    if !problems.is_empty() || key.is_empty() || key.len() > 64 {
        let mut problems = problems;
        if key.is_empty() || key.len() > 64 {
            problems.push(problem!(
                at = "key",
                "invalid_length",
                "key: от 1 до 64 символов",
                "key: 1 to 64 characters"
            ));
        }
        return Err(CaseworkError::Rejected(problems));
    }
    let _guard = runtime.assignment_lock.lock().await;
    let tx = runtime.begin().await?;
    let case = get_in_scope_for_update(&tx, actor, case_id).await?;
    if case.version != expected_version {
        return Err(CaseworkError::Stale {
            current: case.version,
        });
    }
    let previous = case.attributes.get(key).cloned();
    let mut changed = case.clone();
    if let Some(map) = changed.attributes.as_object_mut() {
        map.insert(key.to_owned(), Value::String(value.to_owned()));
    }
    // A new category or complexity changes the curator's load: the caseload policy decides.
    let counts =
        [status::INTAKE, status::OPEN, status::POST_SUPPORT].contains(&case.status.as_str());
    if let (Some(curator), true) = (case.curator_id, counts) {
        let post_support = case.status == status::POST_SUPPORT;
        check_load(&tx, runtime, UserId(curator), &changed, post_support).await?;
    }
    let after = cases::update(&tx, changed, expected_version).await?;
    crate::attribute_events::record(
        &tx,
        runtime.variant_in(&tx, case.variant_version).await?,
        case_id,
        &case_file::attributes(&case),
        &case_file::attributes(&after),
        at,
        actor.user,
    )
    .await?;
    cases::append_record(
        &tx,
        NewRecord {
            case_id,
            kind: kind::ATTRIBUTE,
            key: key.to_owned(),
            at,
            data: json!({ "from": previous, "to": value }),
            actor: Some(actor.user),
        },
    )
    .await?;
    audit::record(
        &tx,
        actor,
        Audit::changed("case.set_attribute", "case", case_id, &case, &after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The most entries one page of a journal or an audit trail holds.
pub const MAX_PAGE: u64 = 500;

/// A page of at most `first` entries (1 to [`MAX_PAGE`]).
pub fn page_size(first: Option<i64>, default: u64) -> CaseworkResult<u64> {
    page_size_up_to(first, default, MAX_PAGE)
}

/// A page of at most `first` entries, from 1 to `most`.
pub fn page_size_up_to(first: Option<i64>, default: u64, most: u64) -> CaseworkResult<u64> {
    match first {
        None => Ok(default),
        Some(n) if n >= 1 && n.unsigned_abs() <= most => Ok(n.unsigned_abs()),
        Some(_) => Err(CaseworkError::rejected(problem!(
            at = "first",
            "page_size_out_of_range",
            "first: от 1 до {most}",
            "first: 1 to {most}"
        ))),
    }
}

/// The position a page continues from is not one of the list's entries.
pub fn unknown_cursor() -> CaseworkError {
    CaseworkError::rejected(problem!(
        at = "after",
        "unknown_cursor",
        "after: такой записи в этом списке нет",
        "after: no such entry in this list"
    ))
}

/// A page of a case's audit trail, oldest first: organisation administrators only. `after` is the
/// id of the last entry the client has; the page continues behind it.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn audit_trail(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    first: Option<i64>,
    after: Option<Uuid>,
) -> CaseworkResult<Vec<kurator_store::tenant::audit::AuditEntry>> {
    actor.require_org_admin()?;
    let limit = page_size(first, MAX_PAGE)?;
    let tx = runtime.read().await?;
    cases::get(&tx, case_id).await?;
    let after = match after {
        Some(id) => {
            let at = kurator_store::tenant::audit::entry_at(&tx, Some(case_id), id)
                .await?
                .ok_or_else(unknown_cursor)?;
            Some((at, id))
        }
        None => None,
    };
    let trail = kurator_store::tenant::audit::trail_of(&tx, case_id, after, limit).await?;
    tx.commit().await?;
    Ok(trail)
}

/// A page of the organisation's whole audit trail (of one action, when given), oldest first:
/// organisation administrators only.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn audit_log(
    runtime: &TenantRuntime,
    actor: &Actor,
    action: Option<&str>,
    first: Option<i64>,
    after: Option<Uuid>,
) -> CaseworkResult<Vec<kurator_store::tenant::audit::AuditEntry>> {
    actor.require_org_admin()?;
    let limit = page_size(first, MAX_PAGE)?;
    let tx = runtime.begin().await?;
    let after = match after {
        Some(id) => {
            let at = kurator_store::tenant::audit::entry_at(&tx, None, id)
                .await?
                .ok_or_else(unknown_cursor)?;
            Some((at, id))
        }
        None => None,
    };
    let log = kurator_store::tenant::audit::log(&tx, action, after, limit).await?;
    tx.commit().await?;
    Ok(log)
}

fn member_kind_problem() -> Problem {
    problem!(
        at = "kind",
        "unknown_member_kind",
        "kind: ожидается specialist или first_visit",
        "kind: specialist or first_visit is expected"
    )
}

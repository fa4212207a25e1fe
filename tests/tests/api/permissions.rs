//! The permission matrix of `docs/permissions.md`, as one table driven against the real
//! application: every role × every query and mutation of the schema, with the outcome the
//! document promises — allowed, or the error code. The roles are the clinic's demo accounts; the
//! platform administrator calls with `X-Kurator-Tenant: clinic`.
//!
//! Scope is part of the matrix: "own" cells run twice, once on a case in the caller's scope (the
//! curator curates it, the specialist was added to it with `addCaseMember`) and once on a case
//! outside it (a colleague's; one the specialist is not on), where the answer is `NOT_FOUND` — the
//! same as for a case that does not exist.
//!
//! The module also holds the kit the other trust-boundary tests share (`kit`): the operations as
//! GraphQL documents, the clinic's shortest path to each case state, and `regression!`.

use kurator_tests::app::DEMO_PASSWORD;
use kurator_tests::casework::Worker;
use kurator_tests::{Backend, GqlResponse, TestApp, db_suites, spawn_app};
use serde_json::{Value, json};
use std::collections::HashMap;

db_suites!(
    every_role_gets_what_the_matrix_says_for_every_operation,
    a_curator_sees_and_changes_only_the_cases_they_curate,
    a_specialist_sees_only_the_cases_they_are_added_to,
    supervisors_and_org_admins_see_the_whole_tenant,
    a_curator_who_took_a_case_in_works_on_it_but_cannot_close_it,
    methodologists_and_the_platform_admin_see_no_case_data,
);

kit::regression!(
    methodologist_plan_action_oracle::a_role_without_case_data_gets_the_same_answer_for_any_plan_action,
    "regression (fixed): completePlanAction looks the action up before checking the role, so a methodologist gets \
     NOT_FOUND for a random id and FORBIDDEN for a real one"
);

/// The operations of the schema, as the matrix names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Op {
    Me,
    Tenants,
    Login,
    Logout,
    Signals,
    Signal,
    RegisterSignal,
    DecideSignal,
    Case,
    Cases,
    Board,
    CaseAuditTrail,
    SsoSettings,
    OpenCase,
    AssignCurator,
    AddCaseMember,
    SetCaseAttribute,
    PerformStep,
    MoveCase,
    RevisePlan,
    CompletePlanAction,
    RecordContact,
    RecordMonitoring,
    CloseCase,
    DeclineCase,
    EndPostSupport,
    ReopenCase,
}

/// One cell of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    /// Allowed (`A`).
    Allowed,
    /// Own cases only (`O`): allowed on a case in the caller's scope; `NOT_FOUND` for any other
    /// case (and absent from lists).
    Own,
    /// `FORBIDDEN` on a case in the caller's scope (the role may see it but not do this);
    /// `NOT_FOUND` for any other case (`OF`).
    OwnForbidden,
    /// `FORBIDDEN` (`F`).
    Forbidden,
}

const A: Cell = Cell::Allowed;
const O: Cell = Cell::Own;
const OF: Cell = Cell::OwnForbidden;
const F: Cell = Cell::Forbidden;

/// `docs/permissions.md`, English table, cell for cell. Columns: platform_admin, org_admin,
/// supervisor, curator, specialist, methodologist.
const MATRIX: [(Op, [Cell; 6]); 27] = [
    (Op::Me, [A, A, A, A, A, A]),
    (Op::Tenants, [A, A, A, A, A, A]),
    (Op::Login, [A, A, A, A, A, A]),
    (Op::Logout, [A, A, A, A, A, A]),
    (Op::Signals, [F, A, A, A, F, F]),
    (Op::Signal, [F, A, A, A, F, F]),
    (Op::RegisterSignal, [F, A, A, A, F, F]),
    (Op::DecideSignal, [F, A, A, A, F, F]),
    (Op::Case, [F, A, A, O, O, F]),
    (Op::Cases, [F, A, A, O, O, F]),
    (Op::Board, [F, A, A, F, F, F]),
    (Op::CaseAuditTrail, [F, A, F, F, F, F]),
    (Op::SsoSettings, [F, A, F, F, F, F]),
    (Op::OpenCase, [F, A, A, A, F, F]),
    (Op::AssignCurator, [F, A, A, F, F, F]),
    (Op::AddCaseMember, [F, A, A, O, OF, F]),
    (Op::SetCaseAttribute, [F, A, A, O, O, F]),
    (Op::PerformStep, [F, A, A, O, O, F]),
    (Op::MoveCase, [F, A, A, O, O, F]),
    (Op::RevisePlan, [F, A, A, O, O, F]),
    (Op::CompletePlanAction, [F, A, A, O, O, F]),
    (Op::RecordContact, [F, A, A, O, O, F]),
    (Op::RecordMonitoring, [F, A, A, O, O, F]),
    (Op::CloseCase, [F, A, A, O, OF, F]),
    (Op::DeclineCase, [F, A, A, O, OF, F]),
    (Op::EndPostSupport, [F, A, A, O, OF, F]),
    (Op::ReopenCase, [F, A, A, O, OF, F]),
];

const ROLES: [&str; 6] = [
    "platform_admin",
    "org_admin",
    "supervisor",
    "curator",
    "specialist",
    "methodologist",
];

/// Who calls, in which column, and whether the case they act on is in their scope.
struct Subject {
    login: &'static str,
    column: usize,
    in_scope: bool,
}

const SUBJECTS: [Subject; 8] = [
    Subject {
        login: "admin",
        column: 0,
        in_scope: true,
    },
    Subject {
        login: "clinic.admin",
        column: 1,
        in_scope: true,
    },
    Subject {
        login: "clinic.supervisor",
        column: 2,
        in_scope: true,
    },
    // The case is curated by clinic.curator …
    Subject {
        login: "clinic.curator",
        column: 3,
        in_scope: true,
    },
    // … and not by their colleague.
    Subject {
        login: "clinic.curator2",
        column: 3,
        in_scope: false,
    },
    // The specialist was added to the case with `addCaseMember` …
    Subject {
        login: "clinic.specialist",
        column: 4,
        in_scope: true,
    },
    // … or was not.
    Subject {
        login: "clinic.specialist",
        column: 4,
        in_scope: false,
    },
    Subject {
        login: "clinic.methodologist",
        column: 5,
        in_scope: true,
    },
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Forbidden,
    NotFound,
    Other(String),
}

fn expected(cell: Cell, in_scope: bool) -> Outcome {
    match (cell, in_scope) {
        (Cell::Allowed, _) | (Cell::Own, true) => Outcome::Allowed,
        (Cell::Forbidden, _) | (Cell::OwnForbidden, true) => Outcome::Forbidden,
        (Cell::Own | Cell::OwnForbidden, false) => Outcome::NotFound,
    }
}

fn outcome(response: &GqlResponse) -> Outcome {
    let errors = response.errors();
    if errors.is_empty() {
        return Outcome::Allowed;
    }
    match errors[0]["extensions"]["code"].as_str() {
        Some("FORBIDDEN") => Outcome::Forbidden,
        Some("NOT_FOUND") => Outcome::NotFound,
        _ => Outcome::Other(format!("{:#}", response.body["errors"])),
    }
}

/// The case state an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Needs {
    Nothing,
    /// A new signal.
    Signal,
    /// A case at the clinic's first stage.
    Registered,
    /// Registered and the registration step done: it can move on.
    Movable,
    /// A case at the stage where its plan is drawn up.
    PlanStage,
    /// A case with a plan of one action.
    WithPlan,
    /// A medium-risk case whose primary assessment did not confirm the concern: it can be
    /// declined (seed 004 §7, step 2).
    Declinable,
    /// A case at the closure stage, its file closed: it can be closed.
    Open,
    /// A closed case in follow-up (status `post_support`).
    PostSupport,
}

fn needs(op: Op) -> Needs {
    match op {
        Op::Me
        | Op::Tenants
        | Op::Login
        | Op::Logout
        | Op::Signals
        | Op::RegisterSignal
        | Op::Board
        | Op::SsoSettings
        | Op::OpenCase => Needs::Nothing,
        Op::Signal | Op::DecideSignal => Needs::Signal,
        Op::Case
        | Op::Cases
        | Op::CaseAuditTrail
        | Op::AssignCurator
        | Op::AddCaseMember
        | Op::SetCaseAttribute
        | Op::PerformStep
        | Op::RecordContact
        | Op::RecordMonitoring => Needs::Registered,
        Op::DeclineCase => Needs::Declinable,
        Op::MoveCase => Needs::Movable,
        Op::RevisePlan => Needs::PlanStage,
        Op::CompletePlanAction => Needs::WithPlan,
        Op::CloseCase => Needs::Open,
        Op::EndPostSupport | Op::ReopenCase => Needs::PostSupport,
    }
}

#[derive(Debug, Clone, Default)]
struct Fixture {
    case: String,
    signal: String,
    action: String,
}

/// The people of the clinic, signed in once.
struct People<'a> {
    by_login: HashMap<&'static str, Worker<'a>>,
    team: kit::ClinicTeam,
}

impl<'a> People<'a> {
    async fn sign_in(app: &'a TestApp) -> People<'a> {
        let team = kit::clinic_team(app).await;
        let mut by_login = HashMap::new();
        for subject in &SUBJECTS {
            if by_login.contains_key(subject.login) {
                continue;
            }
            let mut worker = Worker::sign_in(app, subject.login).await;
            // The platform administrator belongs to no organisation and names the clinic.
            worker.tenant = "clinic".into();
            by_login.insert(subject.login, worker);
        }
        People { by_login, team }
    }

    fn get(&self, login: &str) -> &Worker<'a> {
        &self.by_login[login]
    }
}

async fn build(people: &People<'_>, needs: Needs, with_specialist: bool) -> Fixture {
    let lead = people.get("clinic.supervisor");
    let curator = people.get("clinic.curator");
    let specialist = people.get("clinic.specialist");
    let mut fixture = Fixture::default();
    if needs == Needs::Nothing {
        return fixture;
    }
    if needs == Needs::Signal {
        fixture.signal = kit::register_signal(lead, None).await;
        return fixture;
    }
    let (case, mut v) = kit::open_case(lead, Some(&curator.user_id)).await;
    if with_specialist {
        kit::add_member(lead, &case, &specialist.user_id, "SPECIALIST").await;
    }
    match needs {
        Needs::Movable => {
            kit::step(lead, &case, v, "register_request", kit::register()).await;
        }
        Needs::WithPlan => {
            let (_, action, _) = kit::add_plan(lead, &case, v).await;
            fixture.action = action;
        }
        Needs::PlanStage => {
            kit::to_plan_stage(lead, &case, v).await;
        }
        Needs::Declinable => {
            kit::bring_to_primary_assessment(lead, &case, v, false).await;
        }
        Needs::Open => {
            v = kit::bring_to_open(lead, &case, v, &people.team.supervisor).await;
            kit::bring_to_closure(lead, lead, &case, v, &people.team).await;
        }
        Needs::PostSupport => {
            v = kit::bring_to_open(lead, &case, v, &people.team.supervisor).await;
            v = kit::bring_to_closure(lead, lead, &case, v, &people.team).await;
            kit::close(lead, &case, v).await;
        }
        _ => {}
    }
    fixture.case = case;
    fixture
}

/// Runs `op` as `who` against `fixture`; the lead reads the current versions first.
async fn attempt(
    app: &TestApp,
    op: Op,
    who: &Worker<'_>,
    login: &str,
    people: &People<'_>,
    fixture: &Fixture,
) -> Outcome {
    let lead = people.get("clinic.supervisor");
    let colleague = &people.get("clinic.curator2").user_id;
    let current = if fixture.case.is_empty() {
        Value::Null
    } else {
        kit::card(lead, &fixture.case).await
    };
    let v = current["version"].clone();
    let c = fixture.case.as_str();
    let response = match op {
        Op::Me => who.gql("{ me { id } }", json!({})).await,
        Op::Tenants => who.gql("{ tenants { slug } }", json!({})).await,
        Op::Login => app.try_login(login, DEMO_PASSWORD).await,
        Op::Logout => {
            let token = app.login(login).await;
            app.graphql_for_tenant(
                "mutation { logout }",
                json!({}),
                Some(&token),
                Some("clinic"),
            )
            .await
        }
        Op::Signals => who.gql(kit::SIGNALS, json!({})).await,
        Op::Signal => who.gql(kit::SIGNAL, json!({ "id": fixture.signal })).await,
        Op::RegisterSignal => {
            who.gql(
                kit::REGISTER_SIGNAL,
                json!({ "input": kit::request(), "key": null }),
            )
            .await
        }
        Op::DecideSignal => {
            who.gql(
                kit::DECIDE_SIGNAL,
                json!({ "id": fixture.signal, "v": 1, "d": kit::not_confirmed() }),
            )
            .await
        }
        Op::Case => who.gql(kit::CASE, json!({ "id": c })).await,
        Op::Cases => {
            let response = who.gql(kit::CASES, json!({})).await;
            if response.errors().is_empty() {
                // Out of scope, a case is simply not listed.
                return if kit::listed(&response, c) {
                    Outcome::Allowed
                } else {
                    Outcome::NotFound
                };
            }
            response
        }
        Op::Board => who.gql(kit::BOARD, json!({})).await,
        Op::SsoSettings => who.gql("{ ssoSettings { version } }", json!({})).await,
        Op::CaseAuditTrail => who.gql(kit::TRAIL, json!({ "id": c })).await,
        Op::OpenCase => {
            who.gql(
                kit::OPEN_CASE,
                json!({ "input": kit::open_input(None), "key": null }),
            )
            .await
        }
        Op::AssignCurator => {
            who.gql(kit::ASSIGN, json!({ "c": c, "v": v, "u": colleague }))
                .await
        }
        Op::AddCaseMember => {
            who.gql(
                kit::ADD_MEMBER,
                json!({ "c": c, "u": colleague, "k": "FIRST_VISIT" }),
            )
            .await
        }
        Op::SetCaseAttribute => {
            who.gql(
                kit::SET_ATTRIBUTE,
                json!({ "c": c, "v": v, "k": "placement", "val": "parents" }),
            )
            .await
        }
        Op::PerformStep => {
            who.gql(
                kit::STEP,
                json!({ "c": c, "v": v, "s": "register_request", "i": kit::register_as(login) }),
            )
            .await
        }
        Op::MoveCase => {
            who.gql(
                kit::MOVE,
                json!({ "c": c, "v": v, "t": "urgent_or_primary", "i": kit::act_as(login) }),
            )
            .await
        }
        Op::RevisePlan => {
            who.gql(
                kit::REVISE_PLAN,
                json!({ "c": c, "v": v, "i": kit::plan_input() }),
            )
            .await
        }
        Op::CompletePlanAction => {
            let action_version = current["planActions"][0]["version"].clone();
            who.gql(
                kit::COMPLETE_ACTION,
                json!({ "a": fixture.action, "v": action_version }),
            )
            .await
        }
        Op::RecordContact => {
            who.gql(
                kit::RECORD_CONTACT,
                json!({ "c": c, "i": { "kind": "home_visit", "data": { "notes": "Мать дома" } } }),
            )
            .await
        }
        Op::RecordMonitoring => {
            who.gql(
                kit::RECORD_MONITORING,
                json!({ "c": c, "i": { "kind": "current", "data": { "notes": "Без изменений" } } }),
            )
            .await
        }
        Op::CloseCase => {
            who.gql(
                kit::CLOSE,
                json!({ "c": c, "v": v, "i": kit::closure_input() }),
            )
            .await
        }
        Op::DeclineCase => {
            who.gql(
                kit::DECLINE,
                json!({ "c": c, "v": v, "r": kit::REFUSAL, "d": kit::not_confirmed_by(&who.user_id) }),
            )
            .await
        }
        Op::EndPostSupport => {
            who.gql(
                kit::END_POST_SUPPORT,
                json!({ "c": c, "v": v, "at": kit::after_follow_up() }),
            )
            .await
        }
        Op::ReopenCase => who.gql(kit::REOPEN, json!({ "c": c, "v": v })).await,
    };
    let result = outcome(&response);
    if result != Outcome::Allowed && !fixture.case.is_empty() {
        // A refusal writes nothing.
        let after = kit::card(lead, &fixture.case).await;
        if after["version"] != current["version"] || after["planActions"] != current["planActions"]
        {
            return Outcome::Other(format!(
                "{result:?}, but the case changed: {current:#} → {after:#}"
            ));
        }
    }
    result
}

async fn every_role_gets_what_the_matrix_says_for_every_operation(backend: Backend) {
    let app = spawn_app(backend).await;
    let people = People::sign_in(&app).await;
    // Refusals share one fixture per state (and scope); every allowed call gets a fresh one, as
    // it changes the case.
    let mut shared: HashMap<(Needs, bool), Fixture> = HashMap::new();
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for (op, cells) in MATRIX {
        for subject in &SUBJECTS {
            let want = expected(cells[subject.column], subject.in_scope);
            let need = needs(op);
            let fresh = want == Outcome::Allowed || op == Op::Cases;
            let fixture = if fresh {
                build(&people, need, subject.in_scope).await
            } else {
                match shared.get(&(need, subject.in_scope)) {
                    Some(fixture) => fixture.clone(),
                    None => {
                        let fixture = build(&people, need, subject.in_scope).await;
                        shared.insert((need, subject.in_scope), fixture.clone());
                        fixture
                    }
                }
            };
            let who = people.get(subject.login);
            let got = attempt(&app, op, who, subject.login, &people, &fixture).await;
            checked += 1;
            if got != want {
                mismatches.push(format!(
                    "{op:?} as {} ({}, {} scope): expected {want:?}, got {got:?}",
                    subject.login,
                    ROLES[subject.column],
                    if subject.in_scope { "in" } else { "out of" },
                ));
            }
        }
    }
    assert_eq!(checked, MATRIX.len() * SUBJECTS.len());
    assert!(
        mismatches.is_empty(),
        "{} of {checked} cells differ from docs/permissions.md:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

async fn a_curator_sees_and_changes_only_the_cases_they_curate(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let colleague = Worker::sign_in(&app, "clinic.curator2").await;
    let (mine, mine_v) = kit::open_case(&lead, Some(&curator.user_id)).await;
    let (theirs, theirs_v) = kit::open_case(&lead, Some(&colleague.user_id)).await;

    // The list holds the curator's own case and not the colleague's (the demo data may add
    // others, each of them one the curator is on).
    let listed = kit::listed_ids(&curator.gql(kit::CASES, json!({})).await);
    assert!(
        listed.contains(&mine) && !listed.contains(&theirs),
        "{listed:?}"
    );
    for id in &listed {
        let card = kit::card(&curator, id).await;
        assert!(kit::is_on(&card, &curator.user_id), "{card:#}");
    }
    let listed = kit::listed_ids(&colleague.gql(kit::CASES, json!({})).await);
    assert!(
        listed.contains(&theirs) && !listed.contains(&mine),
        "{listed:?}"
    );

    // Their own case: read and changed.
    assert!(
        curator
            .gql(kit::CASE, json!({ "id": mine }))
            .await
            .errors()
            .is_empty()
    );
    let changed = curator
        .gql(
            kit::SET_ATTRIBUTE,
            json!({ "c": mine, "v": mine_v, "k": "placement", "val": "parents" }),
        )
        .await;
    assert_eq!(
        changed.data()["setCaseAttribute"]["attributes"]["placement"],
        "parents"
    );

    // The colleague's case does not exist for them — the same answer as for no case at all.
    let random = kit::random_id();
    let read = curator.gql(kit::CASE, json!({ "id": theirs })).await;
    let nothing = curator.gql(kit::CASE, json!({ "id": random })).await;
    assert_eq!(read.error_code(), "NOT_FOUND");
    assert_eq!(read.errors(), nothing.errors());
    for (query, variables) in [
        (
            kit::SET_ATTRIBUTE,
            json!({ "c": theirs, "v": theirs_v, "k": "placement", "val": "parents" }),
        ),
        (
            kit::STEP,
            json!({ "c": theirs, "v": theirs_v, "s": "register_request", "i": kit::register() }),
        ),
        (
            kit::RECORD_CONTACT,
            json!({ "c": theirs, "i": { "kind": "home_visit" } }),
        ),
        (
            kit::REVISE_PLAN,
            json!({ "c": theirs, "v": theirs_v, "i": kit::plan_input() }),
        ),
        (
            kit::CLOSE,
            json!({ "c": theirs, "v": theirs_v, "i": kit::closure_input() }),
        ),
    ] {
        let refused = curator.gql(query, variables).await;
        assert_eq!(refused.error_code(), "NOT_FOUND", "{query}");
        assert_eq!(refused.error_message(), "Не найдено");
    }
    // Nothing happened to it.
    let theirs_now = kit::card(&lead, &theirs).await;
    assert_eq!(theirs_now["version"], theirs_v);
    assert_eq!(theirs_now["attributes"], json!({ "risk": "high" }));
    assert_eq!(kit::records_of(&theirs_now, "contact"), 0);
}

async fn a_specialist_sees_only_the_cases_they_are_added_to(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let specialist = Worker::sign_in(&app, "clinic.specialist").await;
    let (case, v) = kit::open_case(&lead, Some(&curator.user_id)).await;
    let (other, _) = kit::open_case(&lead, Some(&curator.user_id)).await;

    let before = specialist.gql(kit::CASES, json!({})).await;
    assert!(!kit::listed(&before, &case));
    assert_eq!(
        specialist
            .gql(kit::CASE, json!({ "id": case }))
            .await
            .error_code(),
        "NOT_FOUND"
    );

    // The curator adds the specialist to this one case.
    let added = curator
        .gql(
            kit::ADD_MEMBER,
            json!({ "c": case, "u": specialist.user_id, "k": "SPECIALIST" }),
        )
        .await;
    assert!(
        added.data()["addCaseMember"]["members"]
            .as_array()
            .unwrap()
            .contains(&json!({ "userId": specialist.user_id, "kind": "specialist" })),
        "{:#}",
        added.body
    );
    let after = kit::listed_ids(&specialist.gql(kit::CASES, json!({})).await);
    assert!(
        after.contains(&case) && !after.contains(&other),
        "{after:?}"
    );
    for id in &after {
        let card = kit::card(&specialist, id).await;
        assert!(kit::is_on(&card, &specialist.user_id), "{card:#}");
    }
    assert!(
        specialist
            .gql(kit::CASE, json!({ "id": case }))
            .await
            .errors()
            .is_empty()
    );
    // They work on it…
    let contact = specialist
        .gql(
            kit::RECORD_CONTACT,
            json!({ "c": case, "i": { "kind": "home_visit" } }),
        )
        .await;
    assert!(contact.errors().is_empty(), "{:#}", contact.body);
    // … in the method role they hold (the clinic's psychologist) …
    let as_social_worker = specialist
        .gql(
            kit::STEP,
            json!({ "c": case, "v": v, "s": "register_request", "i": kit::register() }),
        )
        .await;
    assert_eq!(as_social_worker.error_code(), "FORBIDDEN");
    let stepped = specialist
        .gql(
            kit::STEP,
            json!({ "c": case, "v": v, "s": "register_request", "i": kit::register_as("clinic.specialist") }),
        )
        .await;
    let v = kurator_tests::casework::version(&stepped, "performStep");
    // … but neither close it nor bring others onto it.
    let close = specialist
        .gql(
            kit::CLOSE,
            json!({ "c": case, "v": v, "i": kit::closure_input() }),
        )
        .await;
    assert_eq!(close.error_code(), "FORBIDDEN");
    let decline = specialist
        .gql(
            kit::DECLINE,
            json!({ "c": case, "v": v, "r": kit::REFUSAL }),
        )
        .await;
    assert_eq!(decline.error_code(), "FORBIDDEN");
    let member = specialist
        .gql(
            kit::ADD_MEMBER,
            json!({ "c": case, "u": specialist.user_id, "k": "FIRST_VISIT" }),
        )
        .await;
    assert_eq!(member.error_code(), "FORBIDDEN");
    // The journals are not theirs either.
    assert_eq!(
        specialist.gql(kit::SIGNALS, json!({})).await.error_code(),
        "FORBIDDEN"
    );

    // Access ends with the role on the case: the curator takes the specialist off it, and from
    // that moment they see it no more; the card keeps when they joined and when they left.
    let removed = curator
        .gql(
            "mutation($c: ID!, $u: ID!) { removeCaseMember(caseId: $c, userId: $u, kind: SPECIALIST) { members { userId kind addedAt endedAt } } }",
            json!({ "c": case, "u": specialist.user_id }),
        )
        .await;
    let members = kit::ok(&removed, "removeCaseMember")["removeCaseMember"]["members"].clone();
    let ended = members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["userId"] == specialist.user_id.as_str())
        .unwrap();
    assert!(
        ended["addedAt"].is_string() && ended["endedAt"].is_string(),
        "{members:#}"
    );
    for (query, variables) in [
        (kit::CASE, json!({ "id": case })),
        (
            kit::RECORD_CONTACT,
            json!({ "c": case, "i": { "kind": "home_visit" } }),
        ),
    ] {
        assert_eq!(
            specialist.gql(query, variables).await.error_code(),
            "NOT_FOUND",
            "{query}"
        );
    }
    assert!(!kit::listed(
        &specialist.gql(kit::CASES, json!({})).await,
        &case
    ));
}

async fn supervisors_and_org_admins_see_the_whole_tenant(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let colleague = Worker::sign_in(&app, "clinic.curator2").await;
    let (a, _) = kit::open_case(&lead, Some(&curator.user_id)).await;
    let (b, _) = kit::open_case(&lead, Some(&colleague.user_id)).await;
    let (c, _) = kit::open_case(&lead, None).await;
    // A case a curator took in themselves.
    let (d, _) = kit::open_case(&curator, None).await;
    for who in [&lead, &admin] {
        let listed = kit::listed_ids(&who.gql(kit::CASES, json!({})).await);
        for id in [&a, &b, &c, &d] {
            assert!(listed.contains(id), "{id} not in {listed:?}");
            assert!(
                who.gql(kit::CASE, json!({ "id": id }))
                    .await
                    .errors()
                    .is_empty()
            );
        }
        let board = who.gql(kit::BOARD, json!({})).await;
        let curators: Vec<_> = board.data()["board"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["curatorId"].as_str().unwrap().to_owned())
            .collect();
        assert!(curators.contains(&curator.user_id), "{curators:?}");
        assert!(curators.contains(&colleague.user_id), "{curators:?}");
    }
    // `mine` narrows a lead's list to the cases they are on (none of these).
    let mine = lead
        .gql(
            "{ cases(filter: { mine: true }) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let mine = kit::listed_ids(&mine);
    assert!(
        ![&a, &b, &c, &d].iter().any(|id| mine.contains(id)),
        "{mine:?}"
    );
}

async fn a_curator_who_took_a_case_in_works_on_it_but_cannot_close_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let colleague = Worker::sign_in(&app, "clinic.curator2").await;
    // A plain curator takes a case only onto themselves …
    let onto_colleague = curator
        .gql(
            kit::OPEN_CASE,
            json!({ "input": kit::open_input(Some(&colleague.user_id)), "key": null }),
        )
        .await;
    assert_eq!(onto_colleague.error_code(), "FORBIDDEN");
    // … so they open it with no curator and stay on it as intake; the supervisor assigns their
    // colleague.
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let (case, v) = kit::open_case(&curator, None).await;
    let assigned = lead
        .gql(
            kit::ASSIGN,
            json!({ "c": case, "v": v, "u": colleague.user_id }),
        )
        .await;
    let v = kit::ok(&assigned, "assignCurator")["assignCurator"]["case"]["version"]
        .as_i64()
        .unwrap();
    let card = kit::card(&curator, &case).await;
    assert_eq!(card["curatorId"], colleague.user_id.as_str());
    assert!(
        card["members"]
            .as_array()
            .unwrap()
            .contains(&json!({ "userId": curator.user_id, "kind": "intake" }))
    );
    let contact = curator
        .gql(
            kit::RECORD_CONTACT,
            json!({ "c": case, "i": { "kind": "phone_call" } }),
        )
        .await;
    assert!(contact.errors().is_empty(), "{:#}", contact.body);
    for (query, variables) in [
        (
            kit::CLOSE,
            json!({ "c": case, "v": v, "i": kit::closure_input() }),
        ),
        (kit::REOPEN, json!({ "c": case, "v": v })),
        (
            kit::DECLINE,
            json!({ "c": case, "v": v, "r": kit::REFUSAL }),
        ),
        (kit::END_POST_SUPPORT, json!({ "c": case, "v": v })),
        (
            kit::ADD_MEMBER,
            json!({ "c": case, "u": curator.user_id, "k": "SPECIALIST" }),
        ),
        (
            kit::ASSIGN,
            json!({ "c": case, "v": v, "u": curator.user_id }),
        ),
    ] {
        let refused = curator.gql(query, variables).await;
        assert_eq!(refused.error_code(), "FORBIDDEN", "{query}");
    }
    // The curator of the case may.
    let added = colleague
        .gql(
            kit::ADD_MEMBER,
            json!({ "c": case, "u": curator.user_id, "k": "FIRST_VISIT" }),
        )
        .await;
    assert!(added.errors().is_empty(), "{:#}", added.body);
}

async fn methodologists_and_the_platform_admin_see_no_case_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let methodologist = Worker::sign_in(&app, "clinic.methodologist").await;
    let mut platform = Worker::sign_in(&app, "admin").await;
    platform.tenant = "clinic".into();
    let signal = kit::register_signal(&lead, None).await;
    let (case, v) = kit::open_case(&lead, None).await;

    for who in [&methodologist, &platform] {
        for (query, variables) in kit::case_data_reads(&case, &signal) {
            let refused = who.gql(query, variables).await;
            assert_eq!(refused.error_code(), "FORBIDDEN", "{query}");
            assert_eq!(
                refused.error_message(),
                "Недостаточно прав для этого действия"
            );
            assert_eq!(refused.body["data"], Value::Null, "{query}");
        }
        for (query, variables) in
            kit::case_mutations(&case, v, "00000000-0000-0000-0000-000000000000")
        {
            if query == kit::COMPLETE_ACTION {
                continue;
            }
            let refused = who.gql(query, variables).await;
            assert_eq!(refused.error_code(), "FORBIDDEN", "{query}");
        }
    }
    // They still know who they are.
    let me = platform
        .gql("{ me { isPlatformAdmin memberships { role } } }", json!({}))
        .await;
    assert_eq!(
        me.data()["me"],
        json!({ "isPlatformAdmin": true, "memberships": [] })
    );
    let me = methodologist
        .gql("{ me { memberships { role } } }", json!({}))
        .await;
    assert_eq!(
        me.data()["me"]["memberships"],
        json!([{ "role": "methodologist" }])
    );
    // And nothing was written.
    assert_eq!(kit::card(&lead, &case).await["version"], v);
}

/// Every case read and mutation gives a role without case data the same FORBIDDEN, whether the
/// id exists or not: the answer must not tell which ids exist.
async fn a_role_without_case_data_gets_the_same_answer_for_any_plan_action(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let methodologist = Worker::sign_in(&app, "clinic.methodologist").await;
    let (case, v) = kit::open_case(&lead, None).await;
    let (_, action, _) = kit::add_plan(&lead, &case, v).await;
    let real = methodologist
        .gql(kit::COMPLETE_ACTION, json!({ "a": action, "v": 1 }))
        .await;
    let random = methodologist
        .gql(
            kit::COMPLETE_ACTION,
            json!({ "a": kit::random_id(), "v": 1 }),
        )
        .await;
    assert_eq!(real.error_code(), "FORBIDDEN");
    assert_eq!(random.errors(), real.errors());
}

/// What the trust-boundary tests share.
pub(crate) mod kit {
    use kurator_tests::casework::{Worker, version};
    use kurator_tests::{GqlResponse, TestApp};
    use serde_json::{Value, json};

    /// Declares `module::name` — an `async fn name(backend: Backend)` that keeps a server bug these
    /// tests once found fixed — as a test on each database, with the bug as its doc line.
    macro_rules! regression {
        ($module:ident :: $name:ident, $reason:literal) => {
            mod $module {
                mod embedded {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    #[doc = $reason]
                    async fn $name() {
                        super::super::$name(kurator_tests::Backend::embedded()).await
                    }
                }
                mod postgres {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    #[doc = $reason]
                    async fn $name() {
                        let Some(backend) = kurator_tests::Backend::postgres().await else {
                            return;
                        };
                        super::super::$name(backend).await
                    }
                }
            }
        };
        (embedded only: $module:ident :: $name:ident, $reason:literal) => {
            mod $module {
                mod embedded {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    #[doc = $reason]
                    async fn $name() {
                        super::super::$name(kurator_tests::Backend::embedded()).await
                    }
                }
                mod postgres {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let Some(backend) = kurator_tests::Backend::postgres().await else {
                            return;
                        };
                        super::super::$name(backend).await
                    }
                }
            }
        };
    }
    pub(crate) use regression;

    pub const SIGNALS: &str = "{ signals { id status } }";
    pub const SIGNAL: &str = "query($id: ID!) { signal(id: $id) { id status version } }";
    pub const REGISTER_SIGNAL: &str = "mutation($input: SignalInput!, $key: String) { \
        registerSignal(input: $input, idempotencyKey: $key) { id version status } }";
    pub const DECIDE_SIGNAL: &str = "mutation($id: ID!, $v: Int!, $d: SignalDecisionInput!) { \
        decideSignal(id: $id, version: $v, decision: $d) { signal { id status version } caseId } }";
    pub const CASE: &str = "query($id: ID!) { case(id: $id) { id version status curatorId } }";
    /// A case card with what the trust-boundary tests compare before and after.
    pub const CARD: &str = "query($id: ID!) { case(id: $id) { id version status stage { key } \
        curatorId attributes closedAt postSupportUntil members { userId kind } \
        plan { number } planActions { id version doneAt result } \
        records { kind key } } }";
    pub const CASES: &str = "{ cases(first: 100) { edges { node { id } } } }";
    pub const BOARD: &str = "{ board { curatorId activeCases } }";
    pub const TRAIL: &str = "query($id: ID!) { caseAuditTrail(caseId: $id) { \
        id at actorId action entity entityId before after } }";
    pub const OPEN_CASE: &str = "mutation($input: OpenCaseInput!, $key: String) { \
        openCase(input: $input, idempotencyKey: $key) { id version status curatorId } }";
    pub const ASSIGN: &str = "mutation($c: ID!, $v: Int!, $u: ID!) { \
        assignCurator(caseId: $c, version: $v, curatorId: $u) { case { id version curatorId } } }";
    pub const ADD_MEMBER: &str = "mutation($c: ID!, $u: ID!, $k: CaseMemberKind!) { \
        addCaseMember(caseId: $c, userId: $u, kind: $k) { id version members { userId kind } } }";
    pub const SET_ATTRIBUTE: &str = "mutation($c: ID!, $v: Int!, $k: String!, $val: String!) { \
        setCaseAttribute(caseId: $c, version: $v, key: $k, value: $val) { id version attributes } }";
    pub const STEP: &str = "mutation($c: ID!, $v: Int!, $s: String!, $i: StepActionInput!) { \
        performStep(caseId: $c, version: $v, step: $s, input: $i) { id version status stage { key } } }";
    pub const MOVE: &str = "mutation($c: ID!, $v: Int!, $t: String!, $i: StepActionInput!) { \
        moveCase(caseId: $c, version: $v, toStage: $t, input: $i) { id version status stage { key } } }";
    pub const REVISE_PLAN: &str = "mutation($c: ID!, $v: Int!, $i: PlanRevisionInput!) { \
        revisePlan(caseId: $c, version: $v, input: $i) { id version plan { number } \
        planActions { id version } } }";
    pub const COMPLETE_ACTION: &str = "mutation($a: ID!, $v: Int!) { \
        completePlanAction(actionId: $a, version: $v, doneAt: \"2026-04-10T05:00:00Z\", \
        result: \"Пособие оформлено\") { id version doneAt result } }";
    pub const RECORD_CONTACT: &str = "mutation($c: ID!, $i: RecordEntryInput!) { \
        recordContact(caseId: $c, input: $i) { id kind key } }";
    pub const RECORD_MONITORING: &str = "mutation($c: ID!, $i: RecordEntryInput!) { \
        recordMonitoring(caseId: $c, input: $i) { id kind key } }";
    pub const CLOSE: &str = "mutation($c: ID!, $v: Int!, $i: CloseCaseInput!) { \
        closeCase(caseId: $c, version: $v, input: $i) { id version status } }";
    pub const DECLINE: &str = "mutation($c: ID!, $v: Int!, $r: String!, $d: StepActionInput) { \
        declineCase(caseId: $c, version: $v, reasons: $r, \
        alternatives: [\"Центр социального обслуживания\"], decided: $d) { id version status stage { key } } }";
    /// Why a case is declined (the informed refusal's reasons).
    pub const REFUSAL: &str = "Семья отказалась от сопровождения после первичной оценки";
    pub const END_POST_SUPPORT: &str = "mutation($c: ID!, $v: Int!, $at: DateTime) { \
        endPostSupport(caseId: $c, version: $v, at: $at) { id version status } }";

    /// A moment after the clinic's follow-up has lasted its minimum of 3 months (seed 004 §7,
    /// step 4), for a case closed now.
    pub fn after_follow_up() -> String {
        (chrono::Utc::now() + chrono::Duration::days(200)).to_rfc3339()
    }
    pub const REOPEN: &str = "mutation($c: ID!, $v: Int!) { \
        reopenCase(caseId: $c, version: $v) { id version status stage { key } } }";

    pub fn random_id() -> String {
        uuid::Uuid::new_v4().to_string()
    }

    /// A request to the clinic (its Appendix 1), high risk.
    pub fn request() -> Value {
        json!({
            "receivedAt": "2026-04-06T04:00:00Z",
            "source": "medical_staff",
            "channel": "in_person",
            "requester": { "name": "Участковая медсестра", "relation": "специалист" },
            "subject": { "name": "Сейтов Алихан", "birthDate": "2023-01-15", "sex": "m" },
            "parents": { "mother": { "name": "Сейтова Айжан", "whereabouts": "неизвестно" } },
            "grounds": "Ребёнок оставлен без присмотра",
            "followUp": "Выезд социального работника",
            "triage": { "classifications": [{ "key": "risk", "value": "high" }] },
            "form": kurator_tests::casework::clinic_request_form()
        })
    }

    pub fn not_confirmed() -> Value {
        json!({ "kind": "NOT_CONFIRMED", "reasons": "При выезде угроза не подтвердилась" })
    }

    pub fn open_input(curator: Option<&str>) -> Value {
        json!({
            "family": { "child": "Сейтов Алихан", "birthDate": "2023-01-15", "mother": "Сейтова Айжан" },
            "attributes": { "risk": "high" },
            "curatorId": curator
        })
    }

    /// Acting as the clinic's social worker, now.
    pub fn act() -> Value {
        json!({ "actingAs": "social_worker" })
    }

    /// Registering a request, now, as the social worker with the form of Appendix 1.
    pub fn register() -> Value {
        let mut input = act();
        input["artefacts"] = json!([{
            "key": "request_form",
            "content": kurator_tests::casework::clinic_request_form()
        }]);
        input
    }

    /// Registering a request, now, in the method role `login` holds.
    pub fn register_as(login: &str) -> Value {
        let mut input = register();
        input["actingAs"] = act_as(login)["actingAs"].clone();
        input
    }

    /// Acting, now, in the method role `login` holds: the clinic's specialist is its
    /// psychologist, everyone else who works on cases acts as a social worker (the leads are
    /// given that role in [`clinic_team`]).
    pub fn act_as(login: &str) -> Value {
        if login == "clinic.specialist" {
            json!({ "actingAs": "psychologist" })
        } else {
            act()
        }
    }

    /// The clinic's people who take part in decisions, by user id.
    pub struct ClinicTeam {
        pub supervisor: String,
        pub social_worker: String,
        pub psychologist: String,
    }

    /// Signs in the clinic's administrator, who gives the supervisor and themselves the social
    /// worker's method role too, so that the leads can do the steps the tests need; the team.
    pub async fn clinic_team(app: &TestApp) -> ClinicTeam {
        let admin = Worker::sign_in(app, "clinic.admin").await;
        let supervisor = Worker::sign_in(app, "clinic.supervisor").await;
        let curator = Worker::sign_in(app, "clinic.curator").await;
        let specialist = Worker::sign_in(app, "clinic.specialist").await;
        admin
            .grant_method_role(&supervisor.user_id, "social_worker")
            .await;
        admin
            .grant_method_role(&admin.user_id, "social_worker")
            .await;
        ClinicTeam {
            supervisor: supervisor.user_id.clone(),
            social_worker: curator.user_id.clone(),
            psychologist: specialist.user_id.clone(),
        }
    }

    pub fn plan_input() -> Value {
        json!({
            "meetingDate": "2026-04-08T05:00:00Z",
            "participants": ["Касымова Д.", "Сейтова Айжан"],
            "actions": [{
                "title": "Оформить пособие",
                "deadline": "2026-05-08T05:00:00Z",
                "responsibleOrganisation": "Акимат",
                "owner": "organisation"
            }]
        })
    }

    /// Every closure criterion of the clinic confirmed.
    pub fn closure_input() -> Value {
        json!({
            "confirmed": [
                "risk_acceptable", "relative_stability", "basic_needs_met",
                "parental_capacity", "material_improved", "relationships_improved"
            ],
            "actingAs": "social_worker"
        })
    }

    /// Panics with the answer unless it succeeded.
    pub fn ok<'r>(response: &'r GqlResponse, what: &str) -> &'r Value {
        assert!(response.errors().is_empty(), "{what}: {:#}", response.body);
        &response.body["data"]
    }

    pub fn listed_ids(response: &GqlResponse) -> Vec<String> {
        ok(response, "cases")["cases"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect()
    }

    pub fn listed(response: &GqlResponse, id: &str) -> bool {
        listed_ids(response).iter().any(|i| i == id)
    }

    /// The case as `who`'s list shows it (a list is not a card view, so nothing is audited).
    async fn listed_case(who: &Worker<'_>, case: &str) -> Value {
        let list = who
            .gql(
                "{ cases(first: 100) { edges { node { id curatorId stage { key } plan { number } } } } }",
                json!({}),
            )
            .await;
        ok(&list, "cases")["cases"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .find(|n| n["id"] == case)
            .unwrap_or_else(|| panic!("case {case} is not in the list"))
    }

    /// A case still at registration brought to the stage where the clinic draws up its plan
    /// (seed 004 §7, step 3): registered, urgent protection agreed with the supervisor, the file
    /// opened — by its curator where they are `clinic.curator`, else by `who`. The new version.
    pub async fn to_plan_stage(who: &Worker<'_>, case: &str, v: i64) -> i64 {
        let listed = listed_case(who, case).await;
        if listed["stage"]["key"] != "registration" {
            return v;
        }
        let team = clinic_team(who.app).await;
        let curator = Worker::sign_in(who.app, "clinic.curator").await;
        let by = if listed["curatorId"] == curator.user_id.as_str() {
            &curator
        } else {
            who
        };
        bring_to_open(by, case, v, &team.supervisor).await
    }

    /// Whether the card shows `user` as the curator or a member.
    pub fn is_on(card: &Value, user: &str) -> bool {
        card["curatorId"] == user
            || card["members"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["userId"] == user))
    }

    pub fn records_of(card: &Value, kind: &str) -> usize {
        card["records"]
            .as_array()
            .map_or(0, |r| r.iter().filter(|r| r["kind"] == kind).count())
    }

    /// The case card (recorded as a view by whoever reads it).
    pub async fn card(who: &Worker<'_>, case: &str) -> Value {
        let response = who.gql(CARD, json!({ "id": case })).await;
        ok(&response, "case card")["case"].clone()
    }

    pub async fn register_signal(who: &Worker<'_>, key: Option<&str>) -> String {
        let response = who
            .gql(REGISTER_SIGNAL, json!({ "input": request(), "key": key }))
            .await;
        ok(&response, "registerSignal")["registerSignal"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Opens a high-risk case at the clinic's first stage; its id and version.
    pub async fn open_case(who: &Worker<'_>, curator: Option<&str>) -> (String, i64) {
        let response = who
            .gql(
                OPEN_CASE,
                json!({ "input": open_input(curator), "key": null }),
            )
            .await;
        let case = &ok(&response, "openCase")["openCase"];
        (
            case["id"].as_str().unwrap().to_owned(),
            case["version"].as_i64().unwrap(),
        )
    }

    pub async fn add_member(who: &Worker<'_>, case: &str, user: &str, kind: &str) {
        let response = who
            .gql(ADD_MEMBER, json!({ "c": case, "u": user, "k": kind }))
            .await;
        ok(&response, "addCaseMember");
    }

    /// Performs a step; the new version.
    pub async fn step(who: &Worker<'_>, case: &str, v: i64, step: &str, input: Value) -> i64 {
        let response = who
            .gql(STEP, json!({ "c": case, "v": v, "s": step, "i": input }))
            .await;
        ok(&response, step);
        version(&response, "performStep")
    }

    pub async fn move_to(who: &Worker<'_>, case: &str, v: i64, to: &str) -> i64 {
        let response = who
            .gql(MOVE, json!({ "c": case, "v": v, "t": to, "i": act() }))
            .await;
        ok(&response, to);
        version(&response, "moveCase")
    }

    /// From the first stage to an open case (seed 004 §7: a high-risk child gets urgent
    /// protection first, then the file is opened for the comprehensive assessment).
    pub async fn bring_to_open(who: &Worker<'_>, case: &str, v: i64, supervisor: &str) -> i64 {
        let v = step(who, case, v, "register_request", register()).await;
        let v = move_to(who, case, v, "urgent_or_primary").await;
        let mut urgent = act();
        urgent["decisions"] = json!([{
            "key": "urgent_measures_agreement",
            "votes": [{ "role": "supervisor", "person": supervisor, "choice": "agreed" }]
        }]);
        let v = step(who, case, v, "urgent_protection", urgent).await;
        move_to(who, case, v, "assessment_and_plan").await
    }

    /// A medium-risk case at the primary assessment (seed 004 §7, step 2), moved there by `who`
    /// as the social worker. A case opened directly is registered first; one from a signal
    /// already is.
    pub async fn bring_to_primary_assessment(
        who: &Worker<'_>,
        case: &str,
        v: i64,
        registered: bool,
    ) -> i64 {
        let set = who
            .gql(
                SET_ATTRIBUTE,
                json!({ "c": case, "v": v, "k": "risk", "val": "medium" }),
            )
            .await;
        let mut v = version(&set, "setCaseAttribute");
        if !registered {
            v = step(who, case, v, "register_request", register()).await;
        }
        move_to(who, case, v, "urgent_or_primary").await
    }

    /// The primary assessment by `who` as the social worker: the concern is not confirmed —
    /// given with `declineCase` it refuses the case into the unconfirmed journal.
    pub fn not_confirmed_by(who: &str) -> Value {
        json!({ "actingAs": "social_worker", "decisions": [{
            "key": "primary_assessment_result",
            "votes": [{ "role": "social_worker", "person": who, "choice": "not_confirmed" }]
        }] })
    }

    /// From an open case to the closure stage, the way the clinic's SOP goes (seed 004 §7,
    /// steps 3–4): the file, the comprehensive assessment, the plan, its implementation, the
    /// supervisor-led review meeting deciding to close, and the file closed. `who` acts as the
    /// social worker, `reviewer` leads the review meeting as the supervisor.
    pub async fn bring_to_closure(
        who: &Worker<'_>,
        reviewer: &Worker<'_>,
        case: &str,
        v: i64,
        team: &ClinicTeam,
    ) -> i64 {
        let v = step(who, case, v, "open_file", act()).await;
        let mut assess = act();
        assess["artefacts"] = json!([{
            "key": "comprehensive_assessment_report",
            "content": kurator_tests::casework::clinic_assessment()
        }]);
        let v = step(who, case, v, "comprehensive_assessment", assess).await;
        let listed = listed_case(who, case).await;
        let v = if listed["plan"].as_array().is_none_or(|p| p.is_empty()) {
            add_plan(who, case, v).await.0
        } else {
            v
        };
        let v = step(who, case, v, "draw_up_plan", act()).await;
        let v = move_to(who, case, v, "implementation").await;
        let v = step(who, case, v, "carry_out_plan", act()).await;
        let review = json!({
            "actingAs": "supervisor",
            "decisions": [{
                "key": "plan_review_meeting",
                "participants": [
                    { "person": team.supervisor, "role": "supervisor" },
                    { "person": team.social_worker, "role": "social_worker" },
                    { "person": team.psychologist, "role": "psychologist" }
                ],
                "recorded": "close"
            }]
        });
        let v = step(reviewer, case, v, "review_plan", review).await;
        let v = move_to(who, case, v, "closure").await;
        step(who, case, v, "close_file", act()).await
    }

    /// Closes a case at the closure stage; the clinic follows it up for 3–6 months (status
    /// `post_support`).
    pub async fn close(who: &Worker<'_>, case: &str, v: i64) -> i64 {
        let response = who
            .gql(CLOSE, json!({ "c": case, "v": v, "i": closure_input() }))
            .await;
        assert_eq!(
            ok(&response, "closeCase")["closeCase"]["status"],
            "post_support"
        );
        version(&response, "closeCase")
    }

    /// Adds a plan of one action: the case's new version, the action's id and version. A case
    /// still at registration is first brought to the stage where the clinic draws up its plan
    /// (seed 004 §7, step 3), the steps done by the clinic's social worker.
    pub async fn add_plan(who: &Worker<'_>, case: &str, v: i64) -> (i64, String, i64) {
        let v = to_plan_stage(who, case, v).await;
        let response = who
            .gql(REVISE_PLAN, json!({ "c": case, "v": v, "i": plan_input() }))
            .await;
        let revised = &ok(&response, "revisePlan")["revisePlan"];
        (
            revised["version"].as_i64().unwrap(),
            revised["planActions"][0]["id"].as_str().unwrap().to_owned(),
            revised["planActions"][0]["version"].as_i64().unwrap(),
        )
    }

    /// The queries that read case data, with their variables.
    pub fn case_data_reads(case: &str, signal: &str) -> Vec<(&'static str, Value)> {
        vec![
            (CASE, json!({ "id": case })),
            (CASES, json!({})),
            (BOARD, json!({})),
            (TRAIL, json!({ "id": case })),
            (SIGNALS, json!({})),
            (SIGNAL, json!({ "id": signal })),
        ]
    }

    /// Every mutation on a case, with valid input for a case at the clinic's first stage at
    /// version `v` and plan action `action`.
    pub fn case_mutations(case: &str, v: i64, action: &str) -> Vec<(&'static str, Value)> {
        let user = "00000000-0000-0000-0000-000000000001";
        vec![
            (ASSIGN, json!({ "c": case, "v": v, "u": user })),
            (
                ADD_MEMBER,
                json!({ "c": case, "u": user, "k": "SPECIALIST" }),
            ),
            (
                SET_ATTRIBUTE,
                json!({ "c": case, "v": v, "k": "placement", "val": "parents" }),
            ),
            (
                STEP,
                json!({ "c": case, "v": v, "s": "register_request", "i": register() }),
            ),
            (
                MOVE,
                json!({ "c": case, "v": v, "t": "urgent_or_primary", "i": act() }),
            ),
            (REVISE_PLAN, json!({ "c": case, "v": v, "i": plan_input() })),
            (COMPLETE_ACTION, json!({ "a": action, "v": 1 })),
            (
                RECORD_CONTACT,
                json!({ "c": case, "i": { "kind": "home_visit" } }),
            ),
            (
                RECORD_MONITORING,
                json!({ "c": case, "i": { "kind": "current" } }),
            ),
            (CLOSE, json!({ "c": case, "v": v, "i": closure_input() })),
            (DECLINE, json!({ "c": case, "v": v, "r": REFUSAL })),
            (END_POST_SUPPORT, json!({ "c": case, "v": v })),
            (REOPEN, json!({ "c": case, "v": v })),
        ]
    }
}

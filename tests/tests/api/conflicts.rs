//! Concurrent and repeated writes: a stale `version` is refused with `CONFLICT` and the current
//! version, and changes nothing; of two writers holding the same version exactly one wins; a
//! mutation refused halfway writes nothing; a creation retried with the same `idempotencyKey` —
//! one after another or ten at once — makes one row.

use crate::permissions::kit;
use kurator_tests::casework::{Worker, demo_family, version};
use kurator_tests::{Backend, GqlResponse, db_suites, spawn_app};
use serde_json::{Value, json};
use std::collections::BTreeSet;

db_suites!(
    a_stale_version_is_refused_with_the_current_one_and_changes_nothing,
    of_two_curator_assignments_with_one_version_exactly_one_wins,
    of_two_attribute_changes_with_one_version_exactly_one_wins,
    a_step_with_one_valid_and_one_invalid_artefact_writes_nothing,
    a_plan_revision_with_a_bad_action_writes_nothing,
    a_case_refused_by_the_caseload_policy_is_not_opened_at_all,
    a_retried_signal_registration_returns_the_first_signal,
    a_retried_case_opening_returns_the_first_case,
    ten_case_openings_at_once_with_one_key_make_one_case,
);

kit::regression!(
    embedded only: concurrent_registrations::ten_registrations_at_once_with_one_key_make_one_signal,
    "regression (fixed): on SQLite, concurrent registerSignal calls fail with INTERNAL (the deferred transaction \
     cannot upgrade to a writer: database is locked / busy snapshot)"
);

kit::regression!(
    embedded only: concurrent_writes::writes_to_different_cases_at_once_all_go_through,
    "regression (fixed): on SQLite, concurrent writes to different cases of one organisation fail with INTERNAL \
     (database is locked: a transaction that read first cannot become a writer)"
);

kit::regression!(
    embedded only: concurrent_steps::of_two_steps_with_one_version_exactly_one_wins,
    "regression (fixed): on SQLite, two concurrent performStep calls with the same version end in INTERNAL \
     instead of one success and one CONFLICT"
);

kit::regression!(
    concurrent_plans::of_two_plan_revisions_with_one_version_exactly_one_wins,
    "regression (fixed): two concurrent revisePlan calls with the same version: the loser gets INTERNAL on \
     SQLite, and on PostgreSQL a CONFLICT without extensions.details.currentVersion (the \
     revision number's unique index fires before the version check)"
);

const STALE: &str = "Запись уже изменена другим пользователем: обновите её и повторите";

/// Sends a request from its own task, so that several run on the server at the same time.
fn fire(
    who: &Worker<'_>,
    query: &'static str,
    variables: Value,
) -> tokio::task::JoinHandle<GqlResponse> {
    let request = who
        .app
        .client
        .post(format!("{}/graphql", who.app.address))
        .bearer_auth(&who.token)
        .header("X-Kurator-Tenant", &who.tenant)
        .json(&json!({ "query": query, "variables": variables }));
    tokio::spawn(async move { GqlResponse::from_response(request.send().await.unwrap()).await })
}

async fn all(handles: Vec<tokio::task::JoinHandle<GqlResponse>>) -> Vec<GqlResponse> {
    let mut responses = Vec::new();
    for handle in handles {
        responses.push(handle.await.unwrap());
    }
    responses
}

/// Asserts a stale-version refusal naming `current`.
fn stale(response: &GqlResponse, current: i64, what: &str) {
    assert_eq!(
        response.error_code(),
        "CONFLICT",
        "{what}: {:#}",
        response.body
    );
    assert_eq!(response.error_message(), STALE, "{what}");
    assert_eq!(
        response.errors()[0]["extensions"]["details"]["currentVersion"],
        current,
        "{what}: {:#}",
        response.body
    );
    assert_eq!(response.body["data"], Value::Null, "{what}");
}

/// Of concurrent writes with one version: exactly one went through, every other one is a
/// `CONFLICT` naming the version the winner wrote. Returns the winner's index.
fn one_winner(responses: &[GqlResponse], new_version: i64, what: &str) -> usize {
    let winners: Vec<usize> = (0..responses.len())
        .filter(|&i| responses[i].errors().is_empty())
        .collect();
    let answers: Vec<&Value> = responses.iter().map(|r| &r.body).collect();
    assert_eq!(winners.len(), 1, "{what}: {answers:#?}");
    for (i, response) in responses.iter().enumerate() {
        if i != winners[0] {
            stale(response, new_version, what);
        }
    }
    winners[0]
}

async fn a_stale_version_is_refused_with_the_current_one_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = kit::clinic_team(&app).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let colleague = Worker::sign_in(&app, "clinic.curator2").await;
    let (case, v) = kit::open_case(&lead, Some(&curator.user_id)).await;
    let (v, action, _) = kit::add_plan(&lead, &case, v).await;
    let done = curator
        .gql(kit::COMPLETE_ACTION, json!({ "a": action, "v": 1 }))
        .await;
    let action_v = kit::ok(&done, "completePlanAction")["completePlanAction"]["version"]
        .as_i64()
        .unwrap();
    let set = curator
        .gql(
            kit::SET_ATTRIBUTE,
            json!({ "c": case, "v": v, "k": "placement", "val": "parents" }),
        )
        .await;
    let v = version(&set, "setCaseAttribute");
    let old = v - 1;
    let before = kit::card(&lead, &case).await;

    for (query, variables) in [
        (
            kit::SET_ATTRIBUTE,
            json!({ "c": case, "v": old, "k": "placement", "val": "institution" }),
        ),
        (
            kit::ASSIGN,
            json!({ "c": case, "v": old, "u": colleague.user_id }),
        ),
        (
            kit::STEP,
            json!({ "c": case, "v": old, "s": "register_request", "i": kit::register() }),
        ),
        (
            kit::MOVE,
            json!({ "c": case, "v": old, "t": "urgent_or_primary", "i": kit::act() }),
        ),
        (
            kit::REVISE_PLAN,
            json!({ "c": case, "v": old, "i": kit::plan_input() }),
        ),
        (
            kit::CLOSE,
            json!({ "c": case, "v": old, "i": kit::closure_input() }),
        ),
        (kit::REOPEN, json!({ "c": case, "v": old })),
        (
            kit::DECLINE,
            json!({ "c": case, "v": old, "r": kit::REFUSAL }),
        ),
        // A version from the future is just as stale.
        (
            kit::SET_ATTRIBUTE,
            json!({ "c": case, "v": v + 5, "k": "placement", "val": "institution" }),
        ),
    ] {
        let who = if query == kit::ASSIGN {
            &lead
        } else {
            &curator
        };
        let refused = who.gql(query, variables).await;
        stale(&refused, v, query);
    }
    let refused = curator
        .gql(
            kit::COMPLETE_ACTION,
            json!({ "a": action, "v": action_v - 1 }),
        )
        .await;
    stale(&refused, action_v, "completePlanAction");
    assert_eq!(kit::card(&lead, &case).await, before);

    // A signal decided once is at version 2.
    let signal = kit::register_signal(&curator, None).await;
    let decided = curator
        .gql(
            kit::DECIDE_SIGNAL,
            json!({ "id": signal, "v": 1, "d": kit::not_confirmed() }),
        )
        .await;
    kit::ok(&decided, "decideSignal");
    let again = curator
        .gql(
            kit::DECIDE_SIGNAL,
            json!({ "id": signal, "v": 1, "d": { "kind": "ACCEPT", "family": {} } }),
        )
        .await;
    stale(&again, 2, "decideSignal");
    let now = curator.gql(kit::SIGNAL, json!({ "id": signal })).await;
    assert_eq!(
        now.data()["signal"],
        json!({ "id": signal, "status": "not_confirmed", "version": 2 })
    );

    // Ending the follow-up of a case in post-support.
    let (other, ov) = kit::open_case(&lead, Some(&curator.user_id)).await;
    let ov = kit::bring_to_open(&lead, &other, ov, &team.supervisor).await;
    let ov = kit::bring_to_closure(&lead, &lead, &other, ov, &team).await;
    let ov = kit::close(&lead, &other, ov).await;
    let before = kit::card(&lead, &other).await;
    let refused = curator
        .gql(kit::END_POST_SUPPORT, json!({ "c": other, "v": ov - 1 }))
        .await;
    stale(&refused, ov, "endPostSupport");
    let refused = curator
        .gql(kit::REOPEN, json!({ "c": other, "v": ov - 1 }))
        .await;
    stale(&refused, ov, "reopenCase");
    assert_eq!(kit::card(&lead, &other).await, before);
    assert_eq!(before["status"], "post_support");
}

async fn of_two_curator_assignments_with_one_version_exactly_one_wins(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let curators = [
        Worker::sign_in(&app, "clinic.curator").await.user_id,
        Worker::sign_in(&app, "clinic.curator2").await.user_id,
    ];
    for round in 0..5 {
        let (case, v) = kit::open_case(&lead, None).await;
        let responses = all(vec![
            fire(
                &lead,
                kit::ASSIGN,
                json!({ "c": case, "v": v, "u": curators[0] }),
            ),
            fire(
                &admin,
                kit::ASSIGN,
                json!({ "c": case, "v": v, "u": curators[1] }),
            ),
        ])
        .await;
        let winner = one_winner(&responses, v + 1, &format!("assignCurator, round {round}"));
        let card = kit::card(&lead, &case).await;
        assert_eq!(card["curatorId"], curators[winner].as_str());
        assert_eq!(card["version"], v + 1);
        assert_eq!(kit::records_of(&card, "curator"), 1);
        let loser = &curators[1 - winner];
        assert!(!kit::is_on(&card, loser), "{card:#}");
    }
}

async fn of_two_attribute_changes_with_one_version_exactly_one_wins(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let (case, mut v) = kit::open_case(&lead, Some(&curator.user_id)).await;
    let values = ["parents", "extended_family"];
    for round in 0..5 {
        let responses = all(vec![
            fire(
                &lead,
                kit::SET_ATTRIBUTE,
                json!({ "c": case, "v": v, "k": "placement", "val": values[0] }),
            ),
            fire(
                &curator,
                kit::SET_ATTRIBUTE,
                json!({ "c": case, "v": v, "k": "placement", "val": values[1] }),
            ),
        ])
        .await;
        let winner = one_winner(
            &responses,
            v + 1,
            &format!("setCaseAttribute, round {round}"),
        );
        v += 1;
        let card = kit::card(&lead, &case).await;
        assert_eq!(card["attributes"]["placement"], values[winner]);
        assert_eq!(card["version"], v);
        // One change recorded per round: the loser left no history.
        assert_eq!(kit::records_of(&card, "attribute"), round + 1);
    }
}

async fn writes_to_different_cases_at_once_all_go_through(backend: Backend) {
    let app = spawn_app(backend).await;
    // The supervisor also holds the social worker's method role here.
    kit::clinic_team(&app).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let mut cases = Vec::new();
    for _ in 0..5 {
        cases.push(kit::open_case(&lead, Some(&curator.user_id)).await);
    }
    // Five visits to five families, recorded at the same moment.
    let responses = all(cases
        .iter()
        .map(|(case, _)| {
            fire(
                &curator,
                kit::RECORD_CONTACT,
                json!({ "c": case, "i": { "kind": "home_visit" } }),
            )
        })
        .collect())
    .await;
    for response in &responses {
        kit::ok(response, "recordContact");
    }
    // Five registrations done at the same moment, by two people.
    let responses = all(cases
        .iter()
        .enumerate()
        .map(|(i, (case, v))| {
            fire(
                if i % 2 == 0 { &curator } else { &lead },
                kit::STEP,
                json!({ "c": case, "v": v, "s": "register_request", "i": kit::register() }),
            )
        })
        .collect())
    .await;
    for response in &responses {
        kit::ok(response, "performStep");
    }
    for (case, v) in &cases {
        let card = kit::card(&lead, case).await;
        assert_eq!(card["version"], v + 1);
        assert_eq!(kit::records_of(&card, "contact"), 1);
        assert_eq!(kit::records_of(&card, "step"), 1);
    }
}

async fn of_two_steps_with_one_version_exactly_one_wins(backend: Backend) {
    let app = spawn_app(backend).await;
    // The supervisor also holds the social worker's method role here.
    kit::clinic_team(&app).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    for round in 0..5 {
        let (case, v) = kit::open_case(&lead, Some(&curator.user_id)).await;
        let step = json!({ "c": case, "v": v, "s": "register_request", "i": kit::register() });
        let responses = all(vec![
            fire(&lead, kit::STEP, step.clone()),
            fire(&curator, kit::STEP, step),
        ])
        .await;
        one_winner(&responses, v + 1, &format!("performStep, round {round}"));
        let card = kit::card(&lead, &case).await;
        assert_eq!(card["version"], v + 1);
        assert_eq!(kit::records_of(&card, "step"), 1);
    }
}

async fn of_two_plan_revisions_with_one_version_exactly_one_wins(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    for round in 0..5 {
        let (case, v) = kit::open_case(&lead, Some(&curator.user_id)).await;
        let v = kit::to_plan_stage(&lead, &case, v).await;
        let plan = json!({ "c": case, "v": v, "i": kit::plan_input() });
        let responses = all(vec![
            fire(&lead, kit::REVISE_PLAN, plan.clone()),
            fire(&curator, kit::REVISE_PLAN, plan),
        ])
        .await;
        one_winner(&responses, v + 1, &format!("revisePlan, round {round}"));
        let card = kit::card(&lead, &case).await;
        assert_eq!(card["version"], v + 1);
        assert_eq!(card["plan"], json!([{ "number": 1 }]));
        assert_eq!(card["planActions"].as_array().unwrap().len(), 1);
    }
}

async fn a_step_with_one_valid_and_one_invalid_artefact_writes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let (case, v) = kit::open_case(&lead, Some(&curator.user_id)).await;
    let before = kit::card(&lead, &case).await;

    let mut input = kit::act();
    input["artefacts"] = json!([
        // The child's personal file has no set form: valid as it is.
        { "key": "personal_file", "content": { "opened": "2026-04-06" } },
        // The individual plan has required sections, none of them filled in.
        { "key": "individual_plan", "content": { "needs": {} } }
    ]);
    input["consents"] = json!(["data_processing"]);
    input["note"] = json!("Записано со слов медсестры");
    for (query, variables) in [
        (
            kit::STEP,
            json!({ "c": case, "v": v, "s": "register_request", "i": input }),
        ),
        (
            kit::MOVE,
            json!({ "c": case, "v": v, "t": "urgent_or_primary", "i": input }),
        ),
    ] {
        let refused = curator.gql(query, variables).await;
        assert_eq!(refused.error_code(), "BAD_USER_INPUT", "{:#}", refused.body);
        let reasons = refused.errors()[0]["extensions"]["details"]["reasons"]
            .as_array()
            .unwrap()
            .clone();
        assert!(!reasons.is_empty());
        assert!(
            reasons.iter().all(|r| r
                .as_str()
                .unwrap()
                .starts_with("artefacts.individual_plan.")),
            "{reasons:#?}"
        );
        // Not the valid artefact, not the consent, not the step: nothing.
        assert_eq!(kit::card(&lead, &case).await, before);
    }
    // The same step without the invalid artefact goes through, and records both.
    input["artefacts"] = json!([
        { "key": "personal_file", "content": { "opened": "2026-04-06" } },
        { "key": "request_form", "content": kurator_tests::casework::clinic_request_form() }
    ]);
    let v = kit::step(&curator, &case, v, "register_request", input).await;
    let card = kit::card(&lead, &case).await;
    assert_eq!(card["version"], v);
    assert_eq!(kit::records_of(&card, "step"), 1);
    assert_eq!(kit::records_of(&card, "consent"), 1);
}

async fn a_plan_revision_with_a_bad_action_writes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let (case, v) = kit::open_case(&lead, Some(&curator.user_id)).await;
    let (v, _, _) = kit::add_plan(&curator, &case, v).await;
    let before = kit::card(&lead, &case).await;

    let good = kit::plan_input()["actions"][0].clone();
    let mut wrong_owner = good.clone();
    wrong_owner["owner"] = json!("neighbours");
    let mut nobody_responsible = good.clone();
    nobody_responsible
        .as_object_mut()
        .unwrap()
        .remove("responsibleOrganisation");
    for (bad, reason) in [
        (wrong_owner, "actions[1].owner"),
        (nobody_responsible, "actions[1].responsible"),
    ] {
        let mut revision = kit::plan_input();
        revision["actions"] = json!([good, bad]);
        let refused = curator
            .gql(
                kit::REVISE_PLAN,
                json!({ "c": case, "v": v, "i": revision }),
            )
            .await;
        assert_eq!(refused.error_code(), "BAD_USER_INPUT", "{:#}", refused.body);
        assert!(
            refused.error_message().starts_with(reason),
            "{}",
            refused.error_message()
        );
        assert_eq!(kit::card(&lead, &case).await, before);
    }
    assert_eq!(before["plan"], json!([{ "number": 1 }]));
}

async fn a_case_refused_by_the_caseload_policy_is_not_opened_at_all(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "state_centre.supervisor").await;
    let curator = Worker::sign_in(&app, "state_centre.curator2").await;
    let open = |key: Option<&str>, curator: Option<&str>| {
        json!({ "input": {
            "family": demo_family("Петров"),
            "attributes": { "family_category": "sop" },
            "openedAt": "2026-04-06T07:00:00Z",
            "curatorId": curator
        }, "key": key })
    };
    // seed 003 §1.8: no more than 6 families in a socially dangerous situation per curator.
    let mut refused = None;
    for _ in 0..7 {
        let response = lead
            .gql(kit::OPEN_CASE, open(None, Some(&curator.user_id)))
            .await;
        if !response.errors().is_empty() {
            refused = Some(response);
            break;
        }
    }
    let refused = refused.expect("the seventh СОП family is refused");
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    let before = kit::listed_ids(&lead.gql(kit::CASES, json!({})).await);

    // Refused halfway — the case was inserted, then the assignment refused — it is not there.
    let again = lead
        .gql(
            kit::OPEN_CASE,
            open(Some("intake-7"), Some(&curator.user_id)),
        )
        .await;
    assert_eq!(again.error_code(), "BAD_USER_INPUT");
    assert_eq!(again.errors(), refused.errors());
    let after = kit::listed_ids(&lead.gql(kit::CASES, json!({})).await);
    assert_eq!(after, before);
    // Nor was the idempotency key spent on it: the same key opens the case without a curator.
    let opened = lead.gql(kit::OPEN_CASE, open(Some("intake-7"), None)).await;
    let id = kit::ok(&opened, "openCase")["openCase"]["id"].clone();
    assert_eq!(opened.data()["openCase"]["curatorId"], Value::Null);
    let after = kit::listed_ids(&lead.gql(kit::CASES, json!({})).await);
    assert_eq!(new_ids(&before, &after), [id.as_str().unwrap()]);
}

/// The ids in `after` that were not in `before`.
fn new_ids<'a>(before: &[String], after: &'a [String]) -> Vec<&'a str> {
    after
        .iter()
        .filter(|id| !before.contains(id))
        .map(String::as_str)
        .collect()
}

async fn a_retried_signal_registration_returns_the_first_signal(backend: Backend) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let colleague = Worker::sign_in(&app, "clinic.curator2").await;
    let journal = || async { signal_ids(&curator.gql(kit::SIGNALS, json!({})).await) };
    let before = journal().await;

    let first = kit::register_signal(&curator, Some("call-2026-04-06-0915")).await;
    let retried = kit::register_signal(&curator, Some("call-2026-04-06-0915")).await;
    assert_eq!(retried, first);
    let after = journal().await;
    assert_eq!(after.len(), before.len() + 1);
    assert!(after.contains(&first));

    // Another key is another signal; the key is the person's own, so a colleague's same key too.
    let other = kit::register_signal(&curator, Some("call-2026-04-06-0930")).await;
    let colleagues = kit::register_signal(&colleague, Some("call-2026-04-06-0915")).await;
    let distinct: BTreeSet<_> = [&first, &other, &colleagues].into_iter().collect();
    assert_eq!(distinct.len(), 3);
    assert_eq!(journal().await.len(), before.len() + 3);

    // A key used for a signal cannot open a case.
    let reused = curator
        .gql(
            kit::OPEN_CASE,
            json!({ "input": kit::open_input(None), "key": "call-2026-04-06-0915" }),
        )
        .await;
    assert_eq!(reused.error_code(), "CONFLICT", "{:#}", reused.body);
    // Keys are 1 to 128 characters.
    for key in [String::new(), "k".repeat(129)] {
        let refused = curator
            .gql(
                kit::REGISTER_SIGNAL,
                json!({ "input": kit::request(), "key": key }),
            )
            .await;
        assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    }
    assert_eq!(journal().await.len(), before.len() + 3);
}

fn signal_ids(response: &GqlResponse) -> Vec<String> {
    kit::ok(response, "signals")["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_retried_case_opening_returns_the_first_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let before = kit::listed_ids(&lead.gql(kit::CASES, json!({})).await);
    let open = json!({ "input": kit::open_input(Some(&curator.user_id)), "key": "family-seitov" });
    let first = lead.gql(kit::OPEN_CASE, open.clone()).await;
    let retried = lead.gql(kit::OPEN_CASE, open).await;
    assert_eq!(
        kit::ok(&retried, "openCase")["openCase"],
        kit::ok(&first, "openCase")["openCase"]
    );
    let after = kit::listed_ids(&lead.gql(kit::CASES, json!({})).await);
    let id = first.data()["openCase"]["id"].as_str().unwrap();
    assert_eq!(new_ids(&before, &after), [id]);
    // The curator's load counts the case once.
    let card = kit::card(&lead, id).await;
    assert_eq!(kit::records_of(&card, "curator"), 1);
}

async fn ten_registrations_at_once_with_one_key_make_one_signal(backend: Backend) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    for round in 0..3 {
        let key = format!("retry-storm-{round}");
        let before = signal_ids(&curator.gql(kit::SIGNALS, json!({})).await);
        let responses = all((0..10)
            .map(|_| {
                fire(
                    &curator,
                    kit::REGISTER_SIGNAL,
                    json!({ "input": kit::request(), "key": key }),
                )
            })
            .collect())
        .await;

        let after = signal_ids(&curator.gql(kit::SIGNALS, json!({})).await);
        let new: Vec<_> = after.iter().filter(|id| !before.contains(id)).collect();
        assert_eq!(new.len(), 1, "round {round}: {new:?}");
        let id = new[0].as_str();
        // Every answer is the signal, or a CONFLICT while the first one is being written; none
        // fails.
        for response in &responses {
            if response.errors().is_empty() {
                assert_eq!(response.data()["registerSignal"]["id"], id);
            } else {
                assert_eq!(
                    response.error_code(),
                    "CONFLICT",
                    "round {round}: {:#}",
                    response.body
                );
            }
        }
        assert!(responses.iter().any(|r| r.errors().is_empty()));
        // A retry afterwards gets it too.
        assert_eq!(kit::register_signal(&curator, Some(&key)).await, id);
    }
}

async fn ten_case_openings_at_once_with_one_key_make_one_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let before = kit::listed_ids(&lead.gql(kit::CASES, json!({})).await);
    let responses = all((0..10)
        .map(|_| {
            fire(
                &lead,
                kit::OPEN_CASE,
                json!({ "input": kit::open_input(None), "key": "family-seitov" }),
            )
        })
        .collect())
    .await;
    let after = kit::listed_ids(&lead.gql(kit::CASES, json!({})).await);
    let new = new_ids(&before, &after);
    assert_eq!(new.len(), 1, "{new:?}");
    for response in &responses {
        assert_eq!(kit::ok(response, "openCase")["openCase"]["id"], new[0]);
    }
}

//! Tenant isolation at the API: ids of one organisation are nothing in another, a tenant the
//! caller holds no role in is closed to them, and lists never carry another organisation's rows.
//!
//! Tenant A is the fund, tenant B the clinic; B's rows are created by B's own people. An id of B
//! used in A must be indistinguishable from an id that exists nowhere: the same `NOT_FOUND`, the
//! same message, the same shape — otherwise the answer tells that the id is real.

use crate::permissions::kit;
use kurator_tests::casework::{Worker, demo_family};
use kurator_tests::{Backend, GqlResponse, db_suites, spawn_app};
use serde_json::{Value, json};

db_suites!(
    ids_of_another_tenant_are_not_found_exactly_like_ids_that_do_not_exist,
    naming_a_tenant_without_a_role_there_is_forbidden,
    lists_never_hold_another_tenants_rows,
);

kit::regression!(
    foreign_people::people_of_another_tenant_cannot_be_put_on_a_case,
    "regression (fixed): assignCurator, addCaseMember, openCase(curatorId) and revisePlan(responsibleUserId) \
     accept any user id — of another organisation or of nobody — instead of NOT_FOUND"
);

/// What tenant B (the clinic) holds, made by its own people.
struct TenantB {
    signal: String,
    case: String,
    case_version: i64,
    action: String,
    curator: String,
    specialist: String,
}

async fn tenant_b(lead: &Worker<'_>, curator: &Worker<'_>, specialist: &Worker<'_>) -> TenantB {
    let signal = kit::register_signal(curator, None).await;
    let (case, v) = kit::open_case(lead, Some(&curator.user_id)).await;
    kit::add_member(lead, &case, &specialist.user_id, "SPECIALIST").await;
    let (case_version, action, _) = kit::add_plan(lead, &case, v).await;
    TenantB {
        signal,
        case,
        case_version,
        action,
        curator: curator.user_id.clone(),
        specialist: specialist.user_id.clone(),
    }
}

/// A fund signal (tenant A's own data).
fn fund_signal(grounds: &str) -> Value {
    json!({
        "receivedAt": "2026-04-06T07:00:00Z",
        "source": "school",
        "channel": "call",
        "requester": { "name": "Социальный педагог" },
        "subject": { "name": "Смирнов Егор" },
        "parents": { "mother": { "name": "Смирнова Ольга" } },
        "grounds": grounds,
        "triage": {}
    })
}

/// Every query and mutation that takes the id of a signal, a case or a plan action, with input
/// that is valid in tenant A (the fund), so that the id is the only thing that can fail.
fn by_id(signal: &str, case: &str, v: i64, action: &str, user: &str) -> Vec<(&'static str, Value)> {
    vec![
        (kit::SIGNAL, json!({ "id": signal })),
        (
            kit::DECIDE_SIGNAL,
            json!({ "id": signal, "v": 1, "d": kit::not_confirmed() }),
        ),
        (kit::CASE, json!({ "id": case })),
        (kit::TRAIL, json!({ "id": case })),
        (kit::ASSIGN, json!({ "c": case, "v": v, "u": user })),
        (
            kit::ADD_MEMBER,
            json!({ "c": case, "u": user, "k": "SPECIALIST" }),
        ),
        (
            kit::SET_ATTRIBUTE,
            json!({ "c": case, "v": v, "k": "placement", "val": "parents" }),
        ),
        (
            kit::STEP,
            json!({ "c": case, "v": v, "s": "receive_signal",
                    "i": { "actingAs": "curator", "artefacts": [{ "key": "signal_script", "content": {} }] } }),
        ),
        (
            kit::MOVE,
            json!({ "c": case, "v": v, "t": "first_visit", "i": { "actingAs": "senior_curator" } }),
        ),
        (
            kit::REVISE_PLAN,
            json!({ "c": case, "v": v, "i": kit::plan_input() }),
        ),
        (kit::COMPLETE_ACTION, json!({ "a": action, "v": 1 })),
        (
            kit::RECORD_CONTACT,
            json!({ "c": case, "i": { "kind": "home_visit" } }),
        ),
        (
            kit::RECORD_MONITORING,
            json!({ "c": case, "i": { "kind": "current" } }),
        ),
        (
            kit::CLOSE,
            json!({ "c": case, "v": v, "i": { "confirmed": [], "actingAs": "curator" } }),
        ),
        (
            kit::DECLINE,
            json!({ "c": case, "v": v, "r": kit::REFUSAL }),
        ),
        (kit::END_POST_SUPPORT, json!({ "c": case, "v": v })),
        (kit::REOPEN, json!({ "c": case, "v": v })),
    ]
}

/// The name of the (first) field a GraphQL document asks for.
fn operation(query: &str) -> &str {
    let body = query.split_once('{').map_or(query, |(_, rest)| rest);
    body.trim_start()
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or(query)
}

fn same_answer(what: &str, a: &GqlResponse, b: &GqlResponse) {
    assert_eq!(a.status, b.status, "{what}: HTTP status");
    assert_eq!(a.errors(), b.errors(), "{what}: errors");
    assert_eq!(a.body["data"], b.body["data"], "{what}: data");
}

async fn ids_of_another_tenant_are_not_found_exactly_like_ids_that_do_not_exist(backend: Backend) {
    let app = spawn_app(backend).await;
    let b = tenant_b(
        &Worker::sign_in(&app, "clinic.supervisor").await,
        &Worker::sign_in(&app, "clinic.curator").await,
        &Worker::sign_in(&app, "clinic.specialist").await,
    )
    .await;
    // The organisation administrator of A: every operation is open to them in A.
    let admin = Worker::sign_in(&app, "fund.admin").await;
    let fund_user = Worker::sign_in(&app, "fund.curator").await.user_id;
    let random = kit::random_id;

    let foreign = by_id(&b.signal, &b.case, b.case_version, &b.action, &fund_user);
    let nowhere = by_id(&random(), &random(), b.case_version, &random(), &fund_user);
    let malformed = by_id(
        "42",
        "not-a-uuid",
        b.case_version,
        "' OR 1=1 --",
        &fund_user,
    );
    assert_eq!(foreign.len(), 17);
    for ((query, foreign), ((_, nowhere), (_, malformed))) in
        foreign.into_iter().zip(nowhere.into_iter().zip(malformed))
    {
        let what = operation(query);
        let with_foreign = admin.gql(query, foreign).await;
        let with_random = admin.gql(query, nowhere).await;
        let with_malformed = admin.gql(query, malformed).await;
        assert_eq!(
            with_foreign.error_code(),
            "NOT_FOUND",
            "{what}: {:#}",
            with_foreign.body
        );
        assert_eq!(with_foreign.error_message(), "Не найдено", "{what}");
        assert_eq!(with_foreign.errors().len(), 1, "{what}");
        same_answer(what, &with_foreign, &with_random);
        same_answer(what, &with_foreign, &with_malformed);
    }

    // B's data is as B left it.
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let card = kit::card(&lead, &b.case).await;
    assert_eq!(card["version"], b.case_version);
    assert_eq!(card["planActions"][0]["version"], 1);
    assert_eq!(card["planActions"][0]["doneAt"], Value::Null);
    assert_eq!(kit::records_of(&card, "contact"), 0);
    let signal = lead.gql(kit::SIGNAL, json!({ "id": b.signal })).await;
    assert_eq!(signal.data()["signal"]["status"], "new");
    assert_eq!(signal.data()["signal"]["version"], 1);
}

async fn naming_a_tenant_without_a_role_there_is_forbidden(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead_b = Worker::sign_in(&app, "clinic.supervisor").await;
    let b = tenant_b(
        &lead_b,
        &Worker::sign_in(&app, "clinic.curator").await,
        &Worker::sign_in(&app, "clinic.specialist").await,
    )
    .await;
    let signals_before = lead_b.gql(kit::SIGNALS, json!({})).await;
    let cases_before = lead_b.gql(kit::CASES, json!({})).await;

    let mut operations: Vec<(&str, Value, Value)> = Vec::new();
    for ((query, real), (_, random)) in
        by_id(&b.signal, &b.case, b.case_version, &b.action, &b.curator)
            .into_iter()
            .zip(by_id(
                &kit::random_id(),
                &kit::random_id(),
                b.case_version,
                &kit::random_id(),
                &b.curator,
            ))
    {
        operations.push((query, real, random));
    }
    for (query, variables) in [
        (kit::SIGNALS, json!({})),
        (kit::CASES, json!({})),
        (kit::BOARD, json!({})),
        (
            kit::REGISTER_SIGNAL,
            json!({ "input": kit::request(), "key": null }),
        ),
        (
            kit::OPEN_CASE,
            json!({ "input": kit::open_input(Some(&b.specialist)), "key": null }),
        ),
    ] {
        operations.push((query, variables.clone(), variables));
    }
    assert_eq!(operations.len(), 22);

    // Every role of A, the organisation administrator included, is a stranger in B.
    for login in [
        "fund.admin",
        "fund.supervisor",
        "fund.curator",
        "fund.methodologist",
    ] {
        let stranger = Worker::sign_in(&app, login).await;
        for (query, real, random) in &operations {
            let what = format!("{} as {login}", operation(query));
            let with_real = stranger.gql_as_tenant("clinic", query, real.clone()).await;
            assert_eq!(
                with_real.error_code(),
                "FORBIDDEN",
                "{what}: {:#}",
                with_real.body
            );
            assert_eq!(
                with_real.error_message(),
                "Недостаточно прав для этого действия",
                "{what}"
            );
            // Whether the id exists in B or not, the answer is the same.
            let with_random = stranger
                .gql_as_tenant("clinic", query, random.clone())
                .await;
            same_answer(&what, &with_real, &with_random);
        }
        // A tenant that does not exist is not found.
        let unknown = stranger
            .gql_as_tenant("atlantis", kit::CASES, json!({}))
            .await;
        assert_eq!(unknown.error_code(), "NOT_FOUND", "{login}");
    }

    // Nothing was written in B.
    assert_eq!(
        lead_b.gql(kit::SIGNALS, json!({})).await.data(),
        signals_before.data()
    );
    assert_eq!(
        kit::listed_ids(&lead_b.gql(kit::CASES, json!({})).await),
        kit::listed_ids(&cases_before)
    );
    let card = kit::card(&lead_b, &b.case).await;
    assert_eq!(card["version"], b.case_version);
    assert_eq!(kit::records_of(&card, "contact"), 0);
}

async fn lists_never_hold_another_tenants_rows(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead_b = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator_b = Worker::sign_in(&app, "clinic.curator").await;
    let b = tenant_b(
        &lead_b,
        &curator_b,
        &Worker::sign_in(&app, "clinic.specialist").await,
    )
    .await;
    // B fills every journal: an unconfirmed request, a visitor with one-time help, an accepted
    // signal with its case.
    let mut b_signals = vec![b.signal.clone()];
    let mut b_cases = vec![b.case.clone()];
    for decision in [
        kit::not_confirmed(),
        json!({ "kind": "ONE_TIME_HELP", "help": "Консультация педиатра" }),
        json!({ "kind": "ACCEPT", "family": { "child": "Сейтов Алихан" } }),
    ] {
        let signal = kit::register_signal(&curator_b, None).await;
        let decided = curator_b
            .gql(
                kit::DECIDE_SIGNAL,
                json!({ "id": signal, "v": 1, "d": decision }),
            )
            .await;
        if let Some(case) = kit::ok(&decided, "decideSignal")["decideSignal"]["caseId"].as_str() {
            b_cases.push(case.to_owned());
        }
        b_signals.push(signal);
    }
    assert_eq!(b_cases.len(), 2);

    // A has its own rows.
    let lead_a = Worker::sign_in(&app, "fund.supervisor").await;
    let curator_a = Worker::sign_in(&app, "fund.curator").await;
    let a_signal = lead_a
        .register_signal(fund_signal("Ребёнок приходит в школу голодным"))
        .await;
    let a_signal = kit::ok(&a_signal, "registerSignal")["registerSignal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a_case = lead_a
        .open_case(
            demo_family("Смирнов"),
            json!({}),
            "2026-04-06T07:00:00Z",
            Some(&curator_a.user_id),
        )
        .await;
    let a_case = kit::ok(&a_case, "openCase")["openCase"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let journals = [
        "{ signals { id } }",
        "{ signals(journal: UNCONFIRMED) { id } }",
        "{ signals(journal: VISITORS) { id } }",
        "{ signals(status: [\"new\", \"accepted\", \"not_confirmed\", \"one_time_help\"]) { id } }",
    ];
    let case_lists = [
        kit::CASES,
        "{ cases(first: 100, filter: { status: [\"intake\", \"open\", \"post_support\", \"closed\", \"declined\"] }) { edges { node { id } } } }",
        "{ cases(first: 100, filter: { mine: true }) { edges { node { id } } } }",
    ];
    let signal_ids = |response: &GqlResponse| -> Vec<String> {
        kit::ok(response, "signals")["signals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect()
    };

    for login in ["fund.admin", "fund.supervisor", "fund.curator"] {
        let who = Worker::sign_in(&app, login).await;
        for journal in journals {
            let listed = signal_ids(&who.gql(journal, json!({})).await);
            assert!(
                !listed.iter().any(|id| b_signals.contains(id)),
                "{login}: {journal} holds the clinic's signals: {listed:?}"
            );
        }
        let all = signal_ids(&who.gql(journals[0], json!({})).await);
        assert!(all.contains(&a_signal), "{login}");
        for list in case_lists {
            let listed = kit::listed_ids(&who.gql(list, json!({})).await);
            assert!(
                !listed.iter().any(|id| b_cases.contains(id)),
                "{login}: {list} holds the clinic's cases: {listed:?}"
            );
        }
        let all = kit::listed_ids(&who.gql(kit::CASES, json!({})).await);
        assert!(all.contains(&a_case), "{login}");
        // Filtering by B's curator finds nothing in A.
        let by_b_curator = who
            .gql(
                "query($u: ID!) { cases(filter: { curatorId: $u }) { edges { node { id } } } }",
                json!({ "u": b.curator }),
            )
            .await;
        assert!(kit::listed_ids(&by_b_curator).is_empty(), "{login}");
    }
    let board = lead_a.gql(kit::BOARD, json!({})).await;
    let curators: Vec<_> = kit::ok(&board, "board")["board"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["curatorId"].clone())
        .collect();
    assert!(!curators.contains(&json!(b.curator)), "{curators:?}");
    assert!(curators.contains(&json!(curator_a.user_id)), "{curators:?}");

    // And the other way round.
    let b_all_signals = signal_ids(&lead_b.gql(journals[0], json!({})).await);
    assert!(!b_all_signals.contains(&a_signal));
    assert!(b_signals.iter().all(|id| b_all_signals.contains(id)));
    let b_all_cases = kit::listed_ids(&lead_b.gql(kit::CASES, json!({})).await);
    assert!(!b_all_cases.contains(&a_case));
    assert!(b_cases.iter().all(|id| b_all_cases.contains(id)));
}

/// A case of A can only get people of A: a curator, a member or a responsible person from B —
/// or an id of nobody — is not found, like any other id that is not A's.
async fn people_of_another_tenant_cannot_be_put_on_a_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "fund.supervisor").await;
    let b_curator = Worker::sign_in(&app, "clinic.curator").await.user_id;
    let b_specialist = Worker::sign_in(&app, "clinic.specialist").await.user_id;
    let opened = lead
        .open_case(
            demo_family("Смирнов"),
            json!({}),
            "2026-04-06T07:00:00Z",
            None,
        )
        .await;
    let case = kit::ok(&opened, "openCase")["openCase"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    for user in [b_curator, b_specialist, kit::random_id()] {
        let assigned = lead
            .gql(kit::ASSIGN, json!({ "c": case, "v": 1, "u": user }))
            .await;
        assert_eq!(
            assigned.error_code(),
            "NOT_FOUND",
            "assignCurator: {:#}",
            assigned.body
        );
        let added = lead
            .gql(
                kit::ADD_MEMBER,
                json!({ "c": case, "u": user, "k": "SPECIALIST" }),
            )
            .await;
        assert_eq!(
            added.error_code(),
            "NOT_FOUND",
            "addCaseMember: {:#}",
            added.body
        );
        let opened = lead
            .gql(
                kit::OPEN_CASE,
                json!({ "input": { "family": { "name": "Семья Орловых" }, "curatorId": user }, "key": null }),
            )
            .await;
        assert_eq!(
            opened.error_code(),
            "NOT_FOUND",
            "openCase: {:#}",
            opened.body
        );
        let mut plan = kit::plan_input();
        plan["actions"][0] = json!({
            "title": "Консультация", "deadline": "2026-05-08T05:00:00Z",
            "responsibleUserId": user, "owner": "organisation"
        });
        let revised = lead
            .gql(kit::REVISE_PLAN, json!({ "c": case, "v": 1, "i": plan }))
            .await;
        assert_eq!(
            revised.error_code(),
            "NOT_FOUND",
            "revisePlan: {:#}",
            revised.body
        );
    }
    let card = kit::card(&lead, &case).await;
    assert_eq!(card["curatorId"], Value::Null);
    assert_eq!(card["members"], json!([]));
}

//! Listing at scale: "my cases" with their obligations and plan actions comes from a fixed number
//! of SQL statements, however many cases the page holds (no N+1).

use kurator_tests::casework::{Worker, demo_family};
use kurator_tests::{Backend, db_suites, spawn_app};
use serde_json::{Value, json};

db_suites!(
    my_cases_cost_the_same_number_of_statements_for_5_and_50_cases,
    cases_page_with_relay_cursors,
    journals_and_the_audit_trail_come_in_pages,
    case_pages_are_cut_in_sql_with_their_total,
    a_family_is_found_by_surname_or_case_number_and_the_search_is_audited,
    bad_list_input_is_refused_with_a_code,
    a_list_row_reads_the_facts_of_a_case_not_its_whole_record,
);

const MY_CASES: &str = "query($first: Int!, $after: String) {
    cases(filter: { mine: true }, first: $first, after: $after, asOf: \"2026-06-01T00:00:00Z\") {
        pageInfo { hasNextPage hasPreviousPage }
        edges { cursor node {
            id status overdue slipDays
            obligations { key due status }
            planActions { id title deadline doneAt }
            members { userId kind }
        } }
    }
}";

/// Opens `n` clinic cases for the curator, each with a two-action plan.
async fn cases_with_plans(supervisor: &Worker<'_>, curator: &Worker<'_>, n: usize) {
    for i in 0..n {
        // seed 004 §3: the clinic works with children 0–5, and the case says the child's age.
        let mut family = demo_family(&format!("Ахметов{i}"));
        family["birthDate"] = json!("2023-01-15");
        let opened = supervisor
            .open_case(
                family,
                json!({ "placement": "parents", "risk": "high" }),
                "2026-04-06T04:00:00Z",
                Some(&curator.user_id),
            )
            .await;
        let case = opened.data()["openCase"].clone();
        let v = crate::permissions::kit::to_plan_stage(
            curator,
            case["id"].as_str().unwrap(),
            case["version"].as_i64().unwrap(),
        )
        .await;
        let revised = curator
            .gql(
                "mutation($c: ID!, $v: Int!) { revisePlan(caseId: $c, version: $v, input: {
                    meetingDate: \"2026-04-20T04:00:00Z\", participants: [\"Касымова Д.\", \"мать\"],
                    actions: [
                        { title: \"Оформить пособие\", deadline: \"2026-05-01T04:00:00Z\", responsibleOrganisation: \"Акимат\", owner: \"organisation\" },
                        { title: \"Посещать педиатра\", deadline: \"2026-05-15T04:00:00Z\", responsibleOrganisation: \"Семья\", owner: \"family\" }
                    ] }) { id } }",
                json!({ "c": case["id"], "v": v }),
            )
            .await;
        assert!(revised.errors().is_empty(), "{:#}", revised.body);
    }
}

async fn statements_for_page(
    app: &kurator_tests::TestApp,
    curator: &Worker<'_>,
    first: usize,
) -> (u64, usize) {
    let before = app.tenant_statements("clinic");
    let page = curator
        .ok(MY_CASES, json!({ "first": first, "after": null }))
        .await;
    let statements = app.tenant_statements("clinic") - before;
    let edges = page["cases"]["edges"].as_array().unwrap();
    for edge in edges {
        assert_eq!(edge["node"]["planActions"].as_array().unwrap().len(), 2);
        assert!(!edge["node"]["obligations"].as_array().unwrap().is_empty());
    }
    (statements, edges.len())
}

async fn my_cases_cost_the_same_number_of_statements_for_5_and_50_cases(backend: Backend) {
    let app = spawn_app(backend).await;
    let supervisor = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    cases_with_plans(&supervisor, &curator, 50).await;

    let (small, five) = statements_for_page(&app, &curator, 5).await;
    let (large, fifty) = statements_for_page(&app, &curator, 50).await;
    assert_eq!((five, fifty), (5, 50));
    // The case rows, their records, plan revisions, plan actions and members: one statement
    // each, plus the transaction around them — whatever the page size.
    assert_eq!(
        small, large,
        "5 cases cost {small} statements, 50 cost {large}"
    );
    assert!(large <= 8, "{large} statements for a page of 50");
}

async fn cases_page_with_relay_cursors(backend: Backend) {
    let app = spawn_app(backend).await;
    let supervisor = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    cases_with_plans(&supervisor, &curator, 7).await;

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = curator
            .ok(MY_CASES, json!({ "first": 3, "after": after }))
            .await;
        let edges = page["cases"]["edges"].as_array().unwrap().clone();
        seen.extend(
            edges
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap().to_owned()),
        );
        if !page["cases"]["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = edges
            .last()
            .map(|e| e["cursor"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen.len(), 7);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 7, "a case appeared on two pages");

    let bad = curator
        .gql(MY_CASES, json!({ "first": 1000, "after": null }))
        .await;
    assert_eq!(bad.error_code(), "BAD_USER_INPUT");
    let unknown = curator
        .gql(MY_CASES, json!({ "first": 3, "after": "not-a-cursor" }))
        .await;
    assert_eq!(unknown.error_code(), "BAD_USER_INPUT");
}

/// The fund's signal journal with `n` signals, received a minute apart from 6 April 2026, 10:00.
async fn signals_in_the_journal(curator: &Worker<'_>, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let registered = curator
            .register_signal(json!({
                "receivedAt": format!("2026-04-06T07:{i:02}:00Z"), "source": "school", "channel": "call",
                "requester": { "name": "Школа" }, "subject": { "name": format!("Семья {i}") },
                "parents": {}, "grounds": "Нет зимней одежды", "triage": {}
            }))
            .await;
        ids.push(
            registered.data()["registerSignal"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    ids
}

// The journals and the audit trail come in pages, in SQL: a keyset cursor (the last entry the
// client has) stays put while new entries arrive; a page too large or a cursor that is not an
// entry of the list is refused.
async fn journals_and_the_audit_trail_come_in_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "fund.curator").await;
    let ids = signals_in_the_journal(&curator, 5).await;
    let page = "query($first: Int, $after: ID) { signals(first: $first, after: $after) { id } }";
    let listed = |response: &kurator_tests::GqlResponse| -> Vec<String> {
        response.data()["signals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = curator.gql(page, json!({ "first": 2 })).await;
    assert_eq!(listed(&first), [ids[4].clone(), ids[3].clone()]);
    // A signal arrives between the pages: the next page goes on from where the first ended.
    let newer = curator
        .register_signal(json!({
            "receivedAt": "2026-04-06T09:00:00Z", "source": "school", "channel": "call",
            "requester": { "name": "Школа" }, "subject": { "name": "Семья поздняя" },
            "parents": {}, "grounds": "Нет зимней одежды", "triage": {}
        }))
        .await;
    assert!(newer.errors().is_empty(), "{:#}", newer.body);
    let second = curator
        .gql(page, json!({ "first": 2, "after": ids[3] }))
        .await;
    assert_eq!(listed(&second), [ids[2].clone(), ids[1].clone()]);
    let last = curator
        .gql(page, json!({ "first": 2, "after": ids[1] }))
        .await;
    assert_eq!(listed(&last), [ids[0].clone()]);
    for (variables, code) in [
        (json!({ "first": 0 }), "page_size_out_of_range"),
        (json!({ "first": 501 }), "page_size_out_of_range"),
        (
            json!({ "after": "00000000-0000-0000-0000-000000000001" }),
            "unknown_cursor",
        ),
    ] {
        let refused = curator.gql(page, variables).await;
        assert_eq!(refused.error_code(), "BAD_USER_INPUT");
        assert_eq!(
            refused.errors()[0]["extensions"]["details"]["problems"][0]["code"],
            code
        );
    }

    // The audit trail of a case, oldest first, two entries at a time.
    let admin = Worker::sign_in(&app, "fund.admin").await;
    let opened = admin
        .open_case(
            demo_family("Листов"),
            json!({}),
            "2026-04-06T07:00:00Z",
            None,
        )
        .await;
    let case = opened.data()["openCase"]["id"].as_str().unwrap().to_owned();
    for key in ["a", "b", "c"] {
        let card = admin
            .ok(
                "query($id: ID!) { case(id: $id) { version } }",
                json!({ "id": case }),
            )
            .await;
        let set = admin
            .gql(
                "mutation($c: ID!, $v: Int!, $x: String!) { setCaseAttribute(caseId: $c, version: $v, key: \"note_tag\", value: $x) { version } }",
                json!({ "c": case, "v": card["case"]["version"], "x": key }),
            )
            .await;
        assert!(set.errors().is_empty(), "{:#}", set.body);
    }
    let trail = "query($c: ID!, $first: Int, $after: ID) { caseAuditTrail(caseId: $c, first: $first, after: $after) { id action } }";
    let everything = admin.ok(trail, json!({ "c": case })).await;
    let all: Vec<Value> = everything["caseAuditTrail"].as_array().unwrap().clone();
    assert!(all.len() >= 5, "{all:#?}");
    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = admin
            .ok(trail, json!({ "c": case, "first": 2, "after": after }))
            .await;
        let entries = page["caseAuditTrail"].as_array().unwrap().clone();
        if entries.is_empty() {
            break;
        }
        after = entries.last().unwrap()["id"].as_str().map(str::to_owned);
        paged.extend(entries);
    }
    // Reading the pages adds no entries to the trail (a trail is not a case card).
    assert_eq!(paged[..all.len()], all[..]);
}

// A case list is filtered, ordered, counted and cut in SQL: a keyset cursor (the last case the
// client has) stays put while newer cases are opened, and the total counts every match.
async fn case_pages_are_cut_in_sql_with_their_total(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "fund.supervisor").await;
    let mut ids = Vec::new();
    for (day, complexity) in [
        (6, "low"),
        (7, "high"),
        (8, "low"),
        (9, "low"),
        (10, "high"),
    ] {
        let opened = lead
            .open_case(
                demo_family(&format!("Страничный{day}")),
                json!({ "complexity": complexity }),
                &format!("2026-04-{day:02}T07:00:00Z"),
                None,
            )
            .await;
        ids.push(opened.data()["openCase"]["id"].as_str().unwrap().to_owned());
    }
    let page = "query($first: Int, $after: String, $filter: CaseFilter! = {}) {
        cases(first: $first, after: $after, filter: $filter) {
            totalCount pageInfo { hasNextPage hasPreviousPage } edges { cursor node { id } }
        }
    }";
    let nodes = |data: &Value| -> Vec<String> {
        data["cases"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = lead.ok(page, json!({ "first": 2 })).await;
    assert_eq!(first["cases"]["totalCount"], 5);
    assert_eq!(first["cases"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(nodes(&first), [ids[4].clone(), ids[3].clone()]);
    // A newer case opens between the pages; the next page goes on behind the cursor.
    lead.open_case(
        demo_family("Новый"),
        json!({}),
        "2026-04-20T07:00:00Z",
        None,
    )
    .await;
    let cursor = first["cases"]["edges"][1]["cursor"].clone();
    let second = lead.ok(page, json!({ "first": 2, "after": cursor })).await;
    assert_eq!(nodes(&second), [ids[2].clone(), ids[1].clone()]);
    assert_eq!(second["cases"]["totalCount"], 6);
    let last = lead
        .ok(
            page,
            json!({ "first": 2, "after": second["cases"]["edges"][1]["cursor"] }),
        )
        .await;
    assert_eq!(nodes(&last), [ids[0].clone()]);
    assert_eq!(last["cases"]["pageInfo"]["hasNextPage"], false);
    // seed 000 §11: the complexity band filters in SQL too.
    let high = lead
        .ok(
            page,
            json!({ "first": 10, "filter": { "attributes": [{ "key": "complexity", "value": "high" }] } }),
        )
        .await;
    assert_eq!(high["cases"]["totalCount"], 2);
    assert_eq!(nodes(&high), [ids[4].clone(), ids[1].clone()]);
}

// A curator finds a family by the start of its surname or by the case number, only among the
// cases they may see; every search is kept in the audit trail with what it showed.
async fn a_family_is_found_by_surname_or_case_number_and_the_search_is_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "fund.supervisor").await;
    let curator = Worker::sign_in(&app, "fund.curator").await;
    let admin = Worker::sign_in(&app, "fund.admin").await;
    let mut opened = Vec::new();
    for (surname, curator_id) in [
        ("Ёлкин", Some(curator.user_id.as_str())),
        ("Елкинсон", None),
        ("Петров", Some(curator.user_id.as_str())),
    ] {
        let response = lead
            .open_case(
                demo_family(surname),
                json!({ "complexity": "low" }),
                "2026-04-06T07:00:00Z",
                curator_id,
            )
            .await;
        assert!(response.errors().is_empty(), "{:#}", response.body);
        opened.push(
            response.data()["openCase"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let search = "query($s: String!) { cases(filter: { search: $s }, first: 10) {
        edges { node { id number } }
    } }";
    let found = |data: &Value| -> Vec<String> {
        data["cases"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // «ёлк» and «ЕЛК» are the same start of a word; the supervisor sees both families.
    let all = lead.ok(search, json!({ "s": "ЕЛК" })).await;
    assert_eq!(found(&all).len(), 2);
    // The curator sees only their own family.
    let own = curator.ok(search, json!({ "s": "ёлк" })).await;
    assert_eq!(found(&own), [opened[0].clone()]);
    // By number: «№ N» or N.
    let number = all["cases"]["edges"][0]["node"]["number"].as_i64().unwrap();
    let by_number = lead.ok(search, json!({ "s": format!("№ {number}") })).await;
    assert_eq!(by_number["cases"]["edges"].as_array().unwrap().len(), 1);
    // Nothing to search by: a coded refusal, nothing read.
    let refused = lead.gql(search, json!({ "s": "а" })).await;
    assert_eq!(refused.errors()[0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        refused.errors()[0]["extensions"]["details"]["problems"][0]["code"],
        "search_too_short"
    );
    assert!(
        refused.errors()[0]["message"]
            .as_str()
            .unwrap()
            .contains("фамилии")
    );
    // The organisation's audit trail keeps who searched for what and which cases they saw.
    let trail = admin
        .ok(
            "{ auditLog(first: 100) { action actorId after } }",
            json!({}),
        )
        .await;
    let searches: Vec<&Value> = trail["auditLog"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "case.search")
        .collect();
    assert!(
        searches
            .iter()
            .any(|e| e["actorId"] == curator.user_id.as_str()
                && e["after"]["search"] == "ёлк"
                && e["after"]["shown"] == json!([opened[0]])),
        "{searches:#?}"
    );
}

// A malformed or foreign cursor, a page size out of range, an unknown filter value: each gets a
// coded, Russian-first error, and nothing is read.
async fn bad_list_input_is_refused_with_a_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "fund.supervisor").await;
    let other = Worker::sign_in(&app, "clinic.supervisor").await;
    let (foreign, _) = crate::permissions::kit::open_case(&other, None).await;
    let list = "query($first: Int, $after: String, $filter: CaseFilter! = {}) {
        cases(first: $first, after: $after, filter: $filter) { edges { node { id } } }
    }";
    for (variables, code) in [
        (json!({ "after": "not-a-cursor" }), "unknown_cursor"),
        (json!({ "after": foreign }), "unknown_cursor"),
        (json!({ "first": 100000 }), "page_size_out_of_range"),
        (json!({ "first": -1 }), "page_size_out_of_range"),
        (
            json!({ "filter": { "attributes": [{ "key": "complexity", "value": "extreme" }] } }),
            "unknown_value",
        ),
        (
            json!({ "filter": { "status": ["lost"] } }),
            "unknown_status",
        ),
        (
            json!({ "filter": { "dueWithinDays": 5000 } }),
            "out_of_range",
        ),
        (
            json!({ "filter": { "openedFrom": "2026-05-01T00:00:00Z", "openedTo": "2026-04-01T00:00:00Z" } }),
            "empty_range",
        ),
    ] {
        let before = app.tenant_statements("fund");
        let refused = lead.gql(list, variables.clone()).await;
        let error = &refused.errors()[0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{variables}");
        let codes: Vec<&str> = error["extensions"]["details"]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&code), "{variables}: {codes:?}");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| ('а'..='я').contains(&c)),
            "Russian first: {}",
            error["message"]
        );
        // A foreign cursor is looked up (and not found); every other refusal reads nothing.
        let read = app.tenant_statements("fund") - before;
        assert!(read <= 3, "{variables}: {read} statements");
    }
}

/// Rows the SELECT statements of one request return, run again once it has answered.
async fn rows_returned(app: &kurator_tests::TestApp, curator: &Worker<'_>, query: &str) -> usize {
    use sea_orm::ConnectionTrait;
    let runtime = app.tenant_runtime("clinic");
    runtime.statement_counter().start_recording();
    curator.ok(query, json!({})).await;
    let statements = runtime.statement_counter().stop_recording();
    let tx = runtime.read().await.unwrap();
    let mut rows = 0;
    for statement in statements
        .iter()
        .filter(|s| s.sql.trim_start().to_uppercase().starts_with("SELECT"))
        .filter(|s| !s.sql.contains("set_config"))
    {
        rows += tx
            .conn()
            .query_all_raw(statement.clone())
            .await
            .unwrap()
            .len();
    }
    tx.rollback().await.unwrap();
    rows
}

const ROWS: &str =
    "query { cases(filter: { mine: true }, first: 20, asOf: \"2026-07-01T00:00:00Z\") {
    edges { node { id status overdue slipDays slipExceeded obligations { key due status metAt }
        planActions { id doneAt } } } } }";

/// A list row shows the case's obligations, slip and plan actions: it reads what the engine
/// computes them from (events, stages, the times of contacts), not every entry of the family's
/// record with its notes — a case in its third year costs the list what it cost in its first
/// week. A list that asks for the record gets the whole of it.
async fn a_list_row_reads_the_facts_of_a_case_not_its_whole_record(backend: Backend) {
    let app = spawn_app(backend).await;
    let supervisor = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    cases_with_plans(&supervisor, &curator, 1).await;
    let page = curator.ok(ROWS, json!({})).await;
    let id = page["cases"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let contact = |day: usize, kind: &'static str| {
        let curator = &curator;
        let id = id.clone();
        async move {
            let at = format!("2026-{:02}-{:02}T06:00:00Z", 5 + day / 28, 1 + day % 28);
            let done = curator
                .gql(
                    "mutation($c: ID!, $i: RecordEntryInput!) { recordContact(caseId: $c, input: $i) { id } }",
                    json!({ "c": id, "i": { "kind": kind, "at": at,
                        "data": { "notes": "Мать дома, ребёнок осмотрен, условия удовлетворительные" } } }),
                )
                .await;
            assert!(done.errors().is_empty(), "{:#}", done.body);
        }
    };
    contact(0, "home_visit").await;
    contact(1, "phone_call").await;
    let few = rows_returned(&app, &curator, ROWS).await;
    for day in 2..40 {
        contact(
            day,
            if day % 2 == 0 {
                "home_visit"
            } else {
                "phone_call"
            },
        )
        .await;
    }
    let many = rows_returned(&app, &curator, ROWS).await;
    assert_eq!(
        few, many,
        "2 contacts: {few} rows read; 40 contacts: {many}"
    );

    // The row says what the card says.
    let row = curator.ok(ROWS, json!({})).await["cases"]["edges"][0]["node"].clone();
    let card = curator
        .ok(
            "query($id: ID!) { case(id: $id, asOf: \"2026-07-01T00:00:00Z\") { id status overdue
                slipDays slipExceeded obligations { key due status metAt } planActions { id doneAt } } }",
            json!({ "id": id }),
        )
        .await["case"]
        .clone();
    assert_eq!(row, card);
    assert!(
        !row["obligations"].as_array().unwrap().is_empty(),
        "{row:#}"
    );

    // Asked for, the record comes whole: every contact, with its id and notes.
    let listed = curator
        .ok(
            "query { cases(filter: { mine: true }, first: 20) { edges { node {
                id records(kind: \"contact\") { id data } } } } }",
            json!({}),
        )
        .await;
    let records = listed["cases"]["edges"][0]["node"]["records"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(records.len(), 40);
    for record in &records {
        assert_ne!(record["id"], json!(uuid::Uuid::nil().to_string()));
        assert!(record["data"]["notes"].is_string(), "{record:#}");
    }
}

//! The audit trail of a case (`caseAuditTrail`): every mutation with who did it, what it was and
//! the values before and after; every opening of a case card as `case.view`; nothing for what
//! failed; readable by the organisation administrator alone.

use crate::permissions::kit;
use kurator_tests::casework::{Worker, version};
use kurator_tests::fund::{self, FundTeam};
use kurator_tests::{Backend, db_suites, spawn_app};
use serde_json::{Value, json};

db_suites!(
    every_mutation_on_a_case_is_in_its_trail_with_who_and_what_changed,
    a_case_from_a_signal_and_its_refusal_are_in_its_trail,
    opening_a_case_card_is_recorded_as_a_view,
    cards_opened_at_once_are_each_answered_and_recorded_once,
    only_the_organisation_administrator_reads_the_trail,
    a_failed_mutation_adds_nothing_to_the_trail,
    a_contact_and_its_trail_line_are_one_write_holding_the_entry_as_stored,
);

kit::regression!(
    plan_action_trail::completing_a_plan_action_is_in_the_case_trail,
    "regression (fixed): completePlanAction is audited under the action's id (entity plan_action), so the \
     case's caseAuditTrail never shows it"
);

kit::regression!(
    reopen_as_new_trail::reopening_as_a_new_case_is_in_the_old_cases_trail,
    "regression (fixed): reopenCase in the fund (a new case inheriting documents) closes the old case without \
     an audit record on it; only case.reopen_as_new on the new case is written"
);

/// The trail as the organisation administrator reads it.
async fn trail(admin: &Worker<'_>, case: &str) -> Vec<Value> {
    let response = admin.gql(kit::TRAIL, json!({ "id": case })).await;
    kit::ok(&response, "caseAuditTrail")["caseAuditTrail"]
        .as_array()
        .unwrap()
        .clone()
}

fn actions(trail: &[Value]) -> Vec<(String, String)> {
    trail
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["actorId"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect()
}

fn entry<'t>(trail: &'t [Value], action: &str) -> &'t Value {
    trail
        .iter()
        .find(|e| e["action"] == action)
        .unwrap_or_else(|| panic!("no {action} in {:#}", Value::from(trail.to_vec())))
}

async fn every_mutation_on_a_case_is_in_its_trail_with_who_and_what_changed(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = kit::clinic_team(&app).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let specialist = Worker::sign_in(&app, "clinic.specialist").await;
    let (l, c, s) = (
        lead.user_id.as_str(),
        curator.user_id.as_str(),
        specialist.user_id.as_str(),
    );

    // The whole life of a case, each mutation once, without opening its card.
    let (case, v) = kit::open_case(&lead, None).await;
    let assigned = lead
        .gql(kit::ASSIGN, json!({ "c": case, "v": v, "u": c }))
        .await;
    let v = kit::ok(&assigned, "assignCurator")["assignCurator"]["case"]["version"]
        .as_i64()
        .unwrap();
    kit::add_member(&curator, &case, s, "SPECIALIST").await;
    let set = curator
        .gql(
            kit::SET_ATTRIBUTE,
            json!({ "c": case, "v": v, "k": "placement", "val": "parents" }),
        )
        .await;
    let v = version(&set, "setCaseAttribute");
    let v = kit::step(
        &specialist,
        &case,
        v,
        "register_request",
        kit::register_as("clinic.specialist"),
    )
    .await;
    let v = kit::move_to(&curator, &case, v, "urgent_or_primary").await;
    let mut urgent = kit::act();
    urgent["decisions"] = json!([{
        "key": "urgent_measures_agreement",
        "votes": [{ "role": "supervisor", "person": l, "choice": "agreed" }]
    }]);
    let v = kit::step(&curator, &case, v, "urgent_protection", urgent).await;
    let v = kit::move_to(&curator, &case, v, "assessment_and_plan").await;
    let (v, _, _) = kit::add_plan(&curator, &case, v).await;
    let contact = specialist
        .gql(
            kit::RECORD_CONTACT,
            json!({ "c": case, "i": { "kind": "home_visit", "data": { "notes": "Мать дома" } } }),
        )
        .await;
    kit::ok(&contact, "recordContact");
    let monitoring = curator
        .gql(
            kit::RECORD_MONITORING,
            json!({ "c": case, "i": { "kind": "current" } }),
        )
        .await;
    kit::ok(&monitoring, "recordMonitoring");
    // Closure the way the SOP goes: assessment, plan, review meeting, the file closed.
    let v = kit::bring_to_closure(&curator, &lead, &case, v, &team).await;
    let v = kit::close(&curator, &case, v).await;
    let ended = curator
        .gql(
            kit::END_POST_SUPPORT,
            json!({ "c": case, "v": v, "at": kit::after_follow_up() }),
        )
        .await;
    let v = version(&ended, "endPostSupport");
    let reopened = curator.gql(kit::REOPEN, json!({ "c": case, "v": v })).await;
    assert_eq!(
        kit::ok(&reopened, "reopenCase")["reopenCase"]["id"],
        case.as_str()
    );

    let trail = trail(&admin, &case).await;
    let expected = [
        ("case.open", l),
        ("case.assign_curator", l),
        ("case.add_member", c),
        ("case.set_attribute", c),
        ("case.perform_step", s),
        ("case.transition", c),
        ("case.perform_step", c),
        ("case.transition", c),
        ("plan.revise", c),
        ("case.contact", s),
        ("case.monitoring", c),
        ("case.perform_step", c),
        ("case.perform_step", c),
        ("case.perform_step", c),
        ("case.transition", c),
        ("case.perform_step", c),
        ("case.perform_step", l),
        ("case.transition", c),
        ("case.perform_step", c),
        ("case.close", c),
        ("case.end_post_support", c),
        ("case.reopen", c),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(a, who)| ((*a).to_owned(), (*who).to_owned()))
        .collect();
    // In order, one entry each; answering a mutation with the changed case is not a card view.
    assert_eq!(actions(&trail), expected);
    for e in &trail {
        assert_eq!(e["entity"], "case");
        assert_eq!(e["entityId"], case.as_str());
        assert!(e["after"].is_object(), "{e:#}");
    }
    let mut previous = String::new();
    for e in &trail {
        let at = e["at"].as_str().unwrap().to_owned();
        assert!(at >= previous, "{at} after {previous}");
        previous = at;
    }

    // What each one changed.
    let opened = entry(&trail, "case.open");
    assert_eq!(opened["before"], Value::Null);
    assert_eq!(opened["after"]["id"], case.as_str());
    assert_eq!(opened["after"]["status"], "intake");
    let assign = entry(&trail, "case.assign_curator");
    assert_eq!(assign["before"]["curator_id"], Value::Null);
    assert_eq!(assign["after"]["curator_id"], c);
    assert_eq!(
        assign["after"]["version"],
        assign["before"]["version"].as_i64().unwrap() + 1
    );
    let member = entry(&trail, "case.add_member");
    assert_eq!(member["after"], json!({ "user": s, "kind": "specialist" }));
    let attribute = entry(&trail, "case.set_attribute");
    assert_eq!(attribute["before"]["attributes"], json!({ "risk": "high" }));
    assert_eq!(
        attribute["after"]["attributes"],
        json!({ "risk": "high", "placement": "parents" })
    );
    let step = entry(&trail, "case.perform_step");
    assert_eq!(step["before"]["step"], "register_request");
    assert_eq!(
        step["after"]["version"],
        step["before"]["version"].as_i64().unwrap() + 1
    );
    let moved = entry(&trail, "case.transition");
    assert_eq!(moved["before"]["stage"], "registration");
    assert_eq!(moved["after"]["stage"], "urgent_or_primary");
    let plan = entry(&trail, "plan.revise");
    assert_eq!(plan["after"]["revision"]["number"], 1);
    assert_eq!(plan["after"]["actions"][0]["title"], "Оформить пособие");
    let contact = entry(&trail, "case.contact");
    assert_eq!(contact["after"]["kind"], "contact");
    assert_eq!(contact["after"]["key"], "home_visit");
    assert_eq!(contact["after"]["data"], json!({ "notes": "Мать дома" }));
    assert_eq!(entry(&trail, "case.monitoring")["after"]["key"], "current");
    let closed = entry(&trail, "case.close");
    assert_eq!(closed["before"]["status"], "open");
    assert_eq!(closed["after"]["status"], "post_support");
    assert!(closed["after"]["closed_at"].is_string());
    let ended = entry(&trail, "case.end_post_support");
    assert_eq!(ended["before"]["status"], "post_support");
    assert_eq!(ended["after"]["status"], "closed");
    let reopen = entry(&trail, "case.reopen");
    assert_eq!(reopen["before"]["status"], "closed");
    assert_eq!(reopen["after"]["status"], "intake");
    assert_eq!(reopen["after"]["stage"], "registration");
}

async fn a_case_from_a_signal_and_its_refusal_are_in_its_trail(backend: Backend) {
    let app = spawn_app(backend).await;
    // The supervisor also holds the social worker's method role here.
    kit::clinic_team(&app).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let signal = kit::register_signal(&curator, None).await;
    let decided = curator
        .gql(
            kit::DECIDE_SIGNAL,
            json!({ "id": signal, "v": 1, "d": { "kind": "ACCEPT", "family": { "child": "Сейтов Алихан" } } }),
        )
        .await;
    let case = kit::ok(&decided, "decideSignal")["decideSignal"]["caseId"]
        .as_str()
        .unwrap()
        .to_owned();
    // The primary assessment does not confirm the concern, and the supervisor declines the case:
    // an informed refusal (seed 004 §7, step 2).
    let v = kit::bring_to_primary_assessment(&curator, &case, 1, true).await;
    let declined = lead
        .gql(
            kit::DECLINE,
            json!({ "c": case, "v": v, "r": kit::REFUSAL, "d": kit::not_confirmed_by(&lead.user_id) }),
        )
        .await;
    assert_eq!(
        kit::ok(&declined, "declineCase")["declineCase"]["status"],
        "declined"
    );

    let trail = trail(&admin, &case).await;
    assert_eq!(
        actions(&trail),
        [
            ("case.open_from_signal".to_owned(), curator.user_id.clone()),
            ("case.set_attribute".to_owned(), curator.user_id.clone()),
            ("case.transition".to_owned(), curator.user_id.clone()),
            ("case.decline".to_owned(), lead.user_id.clone()),
        ]
    );
    assert_eq!(trail[0]["before"], Value::Null);
    assert_eq!(trail[0]["after"]["signal_id"], signal.as_str());
    assert_eq!(
        trail[0]["after"]["family"],
        json!({ "child": "Сейтов Алихан" })
    );
    let declined = entry(&trail, "case.decline");
    assert_eq!(declined["before"]["status"], "intake");
    assert_eq!(declined["after"]["status"], "declined");
    assert_eq!(declined["after"]["stage"], "not_confirmed");
    assert_eq!(
        declined["after"]["outcome"]["declined"]["reasons"],
        kit::REFUSAL
    );
}

async fn opening_a_case_card_is_recorded_as_a_view(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let (case, _) = kit::open_case(&lead, Some(&curator.user_id)).await;

    curator.gql(kit::CASE, json!({ "id": case })).await;
    curator.gql(kit::CASE, json!({ "id": case })).await;
    lead.gql(kit::CASE, json!({ "id": case })).await;
    // Lists are not card views.
    curator.gql(kit::CASES, json!({})).await;
    // A card the caller may not open is not a view either.
    Worker::sign_in(&app, "clinic.curator2")
        .await
        .gql(kit::CASE, json!({ "id": case }))
        .await;

    let trail = trail(&admin, &case).await;
    assert_eq!(
        actions(&trail),
        [
            ("case.open".to_owned(), lead.user_id.clone()),
            ("case.view".to_owned(), curator.user_id.clone()),
            ("case.view".to_owned(), curator.user_id.clone()),
            ("case.view".to_owned(), lead.user_id.clone()),
        ]
    );
    for view in &trail[1..] {
        assert_eq!(view["entity"], "case");
        assert_eq!(view["entityId"], case.as_str());
        assert_eq!(view["before"], Value::Null);
        assert_eq!(view["after"], Value::Null);
    }
    // The administrator's own look at the card is recorded as well.
    admin.gql(kit::CASE, json!({ "id": case })).await;
    let trail = self::trail(&admin, &case).await;
    assert_eq!(
        actions(&trail).last().unwrap(),
        &("case.view".to_owned(), admin.user_id.clone())
    );
}

/// Card views are written together when they come together; none is lost or doubled, and every
/// card is answered.
async fn cards_opened_at_once_are_each_answered_and_recorded_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let (case, _) = kit::open_case(&lead, Some(&curator.user_id)).await;

    let mut opened = Vec::new();
    for who in [&curator, &lead].repeat(6) {
        let request = app
            .client
            .post(format!("{}/graphql", app.address))
            .bearer_auth(&who.token)
            .header("X-Kurator-Tenant", &who.tenant)
            .json(&json!({ "query": kit::CASE, "variables": { "id": case } }));
        opened.push(tokio::spawn(async move {
            kurator_tests::GqlResponse::from_response(request.send().await.unwrap()).await
        }));
    }
    for card in opened {
        let card = card.await.unwrap();
        assert_eq!(card.data()["case"]["id"], case.as_str(), "{:#}", card.body);
    }

    let trail = trail(&admin, &case).await;
    let views = |user: &str| {
        actions(&trail)
            .iter()
            .filter(|(action, by)| action == "case.view" && by == user)
            .count()
    };
    assert_eq!(views(&curator.user_id), 6);
    assert_eq!(views(&lead.user_id), 6);
}

async fn only_the_organisation_administrator_reads_the_trail(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let specialist = Worker::sign_in(&app, "clinic.specialist").await;
    let (case, _) = kit::open_case(&lead, Some(&curator.user_id)).await;
    kit::add_member(&lead, &case, &specialist.user_id, "SPECIALIST").await;
    let before = trail(&admin, &case).await;

    let mut platform = Worker::sign_in(&app, "admin").await;
    platform.tenant = "clinic".into();
    for who in [
        &curator,
        &specialist,
        &lead,
        &Worker::sign_in(&app, "clinic.curator2").await,
        &Worker::sign_in(&app, "clinic.methodologist").await,
        &platform,
    ] {
        // Even the curator of the case.
        let refused = who.gql(kit::TRAIL, json!({ "id": case })).await;
        assert_eq!(refused.error_code(), "FORBIDDEN", "{:#}", refused.body);
        assert_eq!(refused.body["data"], Value::Null);
        // The same answer for a case that does not exist: nothing tells which ids are real.
        let random = who.gql(kit::TRAIL, json!({ "id": kit::random_id() })).await;
        assert_eq!(random.errors(), refused.errors());
    }
    // The administrator of another organisation is a stranger here.
    let other = Worker::sign_in(&app, "fund.admin").await;
    let refused = other
        .gql_as_tenant("clinic", kit::TRAIL, json!({ "id": case }))
        .await;
    assert_eq!(refused.error_code(), "FORBIDDEN");
    let not_theirs = other.gql(kit::TRAIL, json!({ "id": case })).await;
    assert_eq!(not_theirs.error_code(), "NOT_FOUND");

    // Reading the trail, or being refused it, adds nothing to it.
    assert_eq!(trail(&admin, &case).await, before);
    let missing = admin
        .gql(kit::TRAIL, json!({ "id": kit::random_id() }))
        .await;
    assert_eq!(missing.error_code(), "NOT_FOUND");
}

async fn a_failed_mutation_adds_nothing_to_the_trail(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let colleague = Worker::sign_in(&app, "clinic.curator2").await;
    let specialist = Worker::sign_in(&app, "clinic.specialist").await;
    let (case, v) = kit::open_case(&lead, Some(&curator.user_id)).await;
    kit::add_member(&lead, &case, &specialist.user_id, "SPECIALIST").await;
    let (v, action, _) = kit::add_plan(&lead, &case, v).await;
    let card_before = kit::card(&lead, &case).await;
    let before = trail(&admin, &case).await;

    let mut incomplete = kit::act();
    incomplete["artefacts"] = json!([{ "key": "comprehensive_assessment_report", "content": {} }]);
    let mut bad_plan = kit::plan_input();
    bad_plan["actions"][0]["owner"] = json!("neighbours");
    let refusals: [(&Worker<'_>, &str, Value, &str); 13] = [
        // The step belongs to a later stage.
        (
            &curator,
            kit::STEP,
            json!({ "c": case, "v": v, "s": "draw_up_plan", "i": kit::act() }),
            "BAD_USER_INPUT",
        ),
        // A form with its required fields missing.
        (
            &curator,
            kit::STEP,
            json!({ "c": case, "v": v, "s": "register_request", "i": incomplete }),
            "BAD_USER_INPUT",
        ),
        (
            &curator,
            kit::MOVE,
            json!({ "c": case, "v": v, "t": "closure", "i": kit::act() }),
            "BAD_USER_INPUT",
        ),
        (
            &curator,
            kit::REVISE_PLAN,
            json!({ "c": case, "v": v, "i": bad_plan }),
            "BAD_USER_INPUT",
        ),
        (
            &curator,
            kit::RECORD_CONTACT,
            json!({ "c": case, "i": { "kind": "telepathy" } }),
            "BAD_USER_INPUT",
        ),
        // Not open yet, so not closable; not closed, so not reopenable.
        (
            &curator,
            kit::CLOSE,
            json!({ "c": case, "v": v, "i": kit::closure_input() }),
            "BAD_USER_INPUT",
        ),
        (
            &curator,
            kit::REOPEN,
            json!({ "c": case, "v": v }),
            "BAD_USER_INPUT",
        ),
        // An informed refusal names where else to get help.
        (
            &curator,
            "mutation($c: ID!, $v: Int!) { declineCase(caseId: $c, version: $v, \
             reasons: \"Семья отказалась\", alternatives: []) { id } }",
            json!({ "c": case, "v": v }),
            "BAD_USER_INPUT",
        ),
        // A stale version.
        (
            &curator,
            kit::SET_ATTRIBUTE,
            json!({ "c": case, "v": v - 1, "k": "placement", "val": "parents" }),
            "CONFLICT",
        ),
        (
            &curator,
            kit::COMPLETE_ACTION,
            json!({ "a": action, "v": 7 }),
            "CONFLICT",
        ),
        // Not theirs to do.
        (
            &specialist,
            kit::CLOSE,
            json!({ "c": case, "v": v, "i": kit::closure_input() }),
            "FORBIDDEN",
        ),
        (
            &curator,
            kit::ASSIGN,
            json!({ "c": case, "v": v, "u": colleague.user_id }),
            "FORBIDDEN",
        ),
        (
            &colleague,
            kit::RECORD_CONTACT,
            json!({ "c": case, "i": { "kind": "home_visit" } }),
            "NOT_FOUND",
        ),
    ];
    for (who, query, variables, code) in refusals {
        let refused = who.gql(query, variables).await;
        assert_eq!(refused.error_code(), code, "{query}: {:#}", refused.body);
    }
    assert_eq!(trail(&admin, &case).await, before);
    // The refusals wrote nothing else either.
    let card = kit::card(&lead, &case).await;
    assert_eq!(card["version"], v);
    assert_eq!(card["attributes"], json!({ "risk": "high" }));
    assert_eq!(card["planActions"][0]["version"], 1);
    assert_eq!(card["plan"], json!([{ "number": 1 }]));
    for kind in ["contact", "step", "artefact", "stage", "decision"] {
        assert_eq!(
            kit::records_of(&card, kind),
            kit::records_of(&card_before, kind),
            "{kind}"
        );
    }
    assert_eq!(kit::records_of(&card, "contact"), 0);
}

async fn completing_a_plan_action_is_in_the_case_trail(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let (case, v) = kit::open_case(&lead, Some(&curator.user_id)).await;
    let (_, action, action_v) = kit::add_plan(&curator, &case, v).await;
    let done = curator
        .gql(kit::COMPLETE_ACTION, json!({ "a": action, "v": action_v }))
        .await;
    kit::ok(&done, "completePlanAction");

    let trail = trail(&admin, &case).await;
    let completed = entry(&trail, "plan.complete_action");
    assert_eq!(completed["actorId"], curator.user_id.as_str());
    assert_eq!(completed["before"]["done_at"], Value::Null);
    assert_eq!(completed["after"]["result"], "Пособие оформлено");
}

async fn reopening_as_a_new_case_is_in_the_old_cases_trail(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "fund.admin").await;
    let team = FundTeam::sign_in(&app).await;
    let (lead, curator) = (&team.supervisor, &team.curator);
    let (case, v) = team.case_carrying_out_its_plan("low").await;
    let v = team.to_closing_conference(&case, v).await;
    let closed = curator
        .gql(
            fund::CLOSE,
            json!({ "c": case, "v": v, "i": { "confirmed": fund::ALL_CRITERIA,
                "actingAs": "curator", "contactEvery": { "months": 1 }, "at": "2026-07-15T09:00:00Z" } }),
        )
        .await;
    assert_eq!(
        kit::ok(&closed, "closeCase")["closeCase"]["status"],
        "post_support"
    );
    let v = version(&closed, "closeCase");
    let reopened = curator.gql(kit::REOPEN, json!({ "c": case, "v": v })).await;
    let new_case = kit::ok(&reopened, "reopenCase")["reopenCase"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_case, case);
    // The new case starts its own trail …
    assert_eq!(
        actions(&trail(&admin, &new_case).await),
        [("case.reopen_as_new".to_owned(), curator.user_id.clone())]
    );
    // … and the old one, which the reopening closed, says so.
    let old = kit::card(lead, &case).await;
    assert_eq!(old["status"], "closed");
    let trail = trail(&admin, &case).await;
    let last = trail
        .iter()
        .rev()
        .find(|e| e["action"] != "case.view")
        .unwrap();
    assert!(
        last["action"].as_str().unwrap().starts_with("case.reopen"),
        "{:#}",
        Value::from(trail.clone())
    );
    assert_eq!(last["actorId"], curator.user_id.as_str());
    assert_eq!(last["before"]["status"], "post_support");
    assert_eq!(last["after"]["status"], "closed");
}

/// A curator's contact and its line in the trail go to the database together — a turn to it and
/// back fewer on the way of every visit — and the line holds the entry exactly as it is stored
/// and read back, whatever precision the phone sent its time in.
async fn a_contact_and_its_trail_line_are_one_write_holding_the_entry_as_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let (case, _) = kit::open_case(&lead, Some(&curator.user_id)).await;
    let runtime = app.tenant_runtime("clinic");
    runtime.statement_counter().start_recording();
    let recorded = curator
        .gql(
            "mutation($c: ID!, $i: RecordEntryInput!) { recordContact(caseId: $c, input: $i) { id at } }",
            json!({ "c": case, "i": {
                "kind": "home_visit",
                "at": "2026-04-10T05:00:00.123456789Z",
                "data": { "notes": "Мать дома" }
            } }),
        )
        .await;
    let statements = runtime.statement_counter().stop_recording();
    let recorded = kit::ok(&recorded, "recordContact")["recordContact"].clone();
    let writes: Vec<&str> = statements
        .iter()
        .map(|s| s.sql.as_str())
        .filter(|sql| {
            sql.contains("INSERT INTO case_records") || sql.contains("INSERT INTO \"case_records\"")
        })
        .collect();
    assert_eq!(writes.len(), 1, "{writes:#?}");
    assert!(writes[0].contains("INSERT INTO audit_log"), "{}", writes[0]);
    let trail_writes = statements
        .iter()
        .filter(|s| s.sql.contains("audit_log"))
        .count();
    assert_eq!(trail_writes, 1, "{statements:#?}");

    let instant = |v: &Value| {
        v.as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .unwrap_or_else(|| panic!("not an instant: {v}"))
    };
    let card = lead
        .ok(
            "query($id: ID!) { case(id: $id) { records(kind: \"contact\") { id at } } }",
            json!({ "id": case }),
        )
        .await;
    let stored = card["case"]["records"]
        .as_array()
        .and_then(|r| r.iter().find(|e| e["id"] == recorded["id"]))
        .unwrap_or_else(|| panic!("the contact is not on the card: {card:#}"))
        .clone();
    assert_eq!(instant(&recorded["at"]), instant(&stored["at"]));
    let line = trail(&admin, &case).await;
    let contact = entry(&line, "case.contact");
    assert_eq!(contact["after"]["id"], recorded["id"]);
    assert_eq!(instant(&contact["after"]["at"]), instant(&stored["at"]));
    assert_eq!(contact["after"]["data"], json!({ "notes": "Мать дома" }));
    assert_eq!(contact["actorId"], json!(curator.user_id));
}

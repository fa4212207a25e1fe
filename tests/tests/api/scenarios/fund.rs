//! Foundation «Дети наши», programme «Не разлей вода» (seed 000). Times are in Moscow (UTC+3).

use kurator_tests::casework::{CASE_FIELDS, Worker, demo_family, obligation, version};
use kurator_tests::fund::FundTeam;
use kurator_tests::{Backend, GqlResponse, db_suites, spawn_app};
use serde_json::{Value, json};

db_suites!(
    a_family_from_signal_through_a_late_plan_to_post_support_and_a_new_case,
    a_fund_curator_with_fifteen_cases_cannot_take_a_sixteenth,
    the_plan_correction_loop_can_be_walked_a_second_time,
    a_case_reaches_post_support_only_through_closure,
    the_distance_is_given_in_km_and_80_and_110_km_both_score_2,
);

fn signal(received_at: &str) -> Value {
    json!({
        "receivedAt": received_at,
        "source": "school",
        "channel": "call",
        "requester": { "name": "Социальный педагог школы", "relation": "педагог" },
        "subject": { "name": "Семья Ивановых", "address": "Смоленская обл., д. Ивановка" },
        "parents": { "mother": { "name": "Иванова Мария", "whereabouts": "дома", "occupation": "не работает" } },
        "grounds": "Семья в трудной ситуации, дети без зимней одежды",
        "followUp": "Первичный выезд команды фонда",
        "triage": { "scores": [{ "table": "complexity", "points": [
            { "criterion": "distance", "points": 2 },
            { "criterion": "guardianship_tension", "points": 2 },
            { "criterion": "resource_deficit", "points": 2 },
            { "criterion": "removal_risk", "points": 2 },
            { "criterion": "substance_use", "points": 1 }
        ] }] }
    })
}

/// What a person acting in a variant role brings to a step or a move.
fn act(role: &str, at: &str) -> Value {
    json!({ "actingAs": role, "at": at })
}

/// The first-visit report on the fund's set form, with the senior curator's resolution.
fn first_visit_report() -> Value {
    json!({
        "visit": {
            "date": "2026-04-08",
            "team": "Петрова А. (куратор), Орлова Е. (психолог)",
            "situation": "Мать одна с двумя детьми, нет зимней одежды, долги за свет"
        },
        "resolution": {
            "participants": "Петрова А., Ковалёва М., Орлова Е., Белова Т.; координатор",
            "decision": "принять в работу",
            "comment": "Без единого согласия — решение координатора"
        }
    })
}

fn reasons(response: &GqlResponse) -> Vec<String> {
    response.errors()[0]["extensions"]["details"]["reasons"]
        .as_array()
        .unwrap_or_else(|| panic!("no reasons in {:#}", response.body))
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect()
}

fn keys(case: &Value) -> Vec<String> {
    case["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["key"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_family_from_signal_through_a_late_plan_to_post_support_and_a_new_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let (curator, supervisor) = (&team.curator, &team.supervisor);

    // A school calls on Monday 6 April 2026, 10:00 in Moscow.
    let registered = curator
        .register_signal(signal("2026-04-06T07:00:00Z"))
        .await;
    let registered = registered.data()["registerSignal"].clone();
    // seed 000 §11: 2+2+2+2+1 = 9 points is medium complexity (8–12).
    assert_eq!(registered["riskBand"], "medium");
    let decided = supervisor
        .decide_signal(
            registered["id"].as_str().unwrap(),
            1,
            json!({ "kind": "ACCEPT", "family": demo_family("Иванов") }),
            "2026-04-06T07:30:00Z",
        )
        .await;
    let case_id = decided.data()["decideSignal"]["caseId"]
        .as_str()
        .unwrap()
        .to_owned();
    let case = supervisor.case(&case_id, "2026-04-06T07:45:00Z").await;
    assert_eq!(case["status"], "intake");
    assert_eq!(case["stage"]["key"], "signal_intake");
    assert_eq!(case["attributes"]["complexity"], "medium");

    // The senior curator accepts the signal; the first visit follows.
    let mut triage = act("senior_curator", "2026-04-06T08:00:00Z");
    triage["decisions"] = json!([{
        "key": "signal_triage",
        "votes": [team.vote("senior_curator", "accept")]
    }]);
    let done = supervisor
        .step(
            &case_id,
            case["version"].as_i64().unwrap(),
            "triage_signal",
            triage,
        )
        .await;
    let mut v = version(&done, "performStep");
    let moved = supervisor
        .move_case(
            &case_id,
            v,
            "first_visit",
            act("senior_curator", "2026-04-06T08:05:00Z"),
        )
        .await;
    assert_eq!(moved.data()["moveCase"]["stage"]["key"], "first_visit");

    let case = supervisor.case(&case_id, "2026-04-06T09:00:00Z").await;
    assert_eq!(case["status"], "intake");
    // Before the case opens only the intake deadlines are owed.
    assert_eq!(
        keys(&case),
        ["deadline:assign_visit_team", "deadline:visit_family"]
    );
    // seed 000 §6 table 1, «Назначение команды первичного выезда»: within 1 working day of the
    // signal — Tuesday 7 April.
    let visit_team = obligation(&case, "deadline:assign_visit_team");
    assert_eq!(visit_team["due"], "2026-04-07T20:59:59+00:00");
    assert_eq!(visit_team["status"], "UPCOMING");
    // seed 000 §6 table 1, «Выезд в семью»: within 3 working days of the signal — Thursday 9 April.
    assert_eq!(
        obligation(&case, "deadline:visit_family")["due"],
        "2026-04-09T20:59:59+00:00"
    );

    // The team: the future curator goes on the visit.
    let added = supervisor
        .gql(
            "mutation($c: ID!, $u: ID!) { addCaseMember(caseId: $c, userId: $u, kind: FIRST_VISIT) { version members { userId kind } } }",
            json!({ "c": case_id, "u": curator.user_id }),
        )
        .await;
    assert!(
        added.data()["addCaseMember"]["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["userId"] == curator.user_id.as_str() && m["kind"] == "first_visit"),
        "{:#}",
        added.body
    );
    v = added.data()["addCaseMember"]["version"].as_i64().unwrap();
    let done = supervisor
        .step(
            &case_id,
            v,
            "assign_visit_team",
            act("senior_curator", "2026-04-07T07:00:00Z"),
        )
        .await;
    v = version(&done, "performStep");
    // Wednesday 8 April, 11:00: the visit.
    let done = curator
        .step(
            &case_id,
            v,
            "visit_family",
            act("curator", "2026-04-08T08:00:00Z"),
        )
        .await;
    v = version(&done, "performStep");
    let case = curator.case(&case_id, "2026-04-08T09:00:00Z").await;
    assert_eq!(
        obligation(&case, "deadline:assign_visit_team")["status"],
        "MET"
    );
    assert_eq!(obligation(&case, "deadline:visit_family")["status"], "MET");
    // seed 000 §6 table 1, «Выезд в семью»: the report within 24 hours after the visit — to the
    // hour.
    let report = obligation(&case, "deadline:write_visit_report");
    assert_eq!(report["due"], "2026-04-09T08:00:00+00:00");
    assert_eq!(report["status"], "DUE");

    // The report on the set form: without it the step is refused.
    let bare = curator
        .step(
            &case_id,
            v,
            "write_visit_report",
            act("curator", "2026-04-09T07:00:00Z"),
        )
        .await;
    assert_eq!(
        reasons(&bare),
        [
            "artefacts.first_visit_report: шаг «Отчёт о первичном выезде» составляет форму «Отчёт о первичном выезде» — заполните её обязательные разделы"
        ]
    );
    let mut report = act("curator", "2026-04-09T07:00:00Z");
    report["artefacts"] = json!([{ "key": "first_visit_report", "content": first_visit_report() }]);
    let done = curator
        .step(&case_id, v, "write_visit_report", report)
        .await;
    v = version(&done, "performStep");
    let case = curator.case(&case_id, "2026-04-09T09:00:00Z").await;
    assert_eq!(
        obligation(&case, "deadline:write_visit_report")["status"],
        "MET"
    );
    // seed 000 §6 table 1, «Обсуждение решения о взятии случая в работу»: within 3 working days
    // after the report — Tuesday 14 April.
    assert_eq!(
        obligation(&case, "deadline:decide_on_case")["due"],
        "2026-04-14T20:59:59+00:00"
    );

    // seed 000 §6 table 1: the team has no consensus; the question escalates to the coordinator,
    // and without a ruling nothing is decided — the step is refused and the case stays in intake.
    let mut split = act("senior_curator", "2026-04-10T12:00:00Z");
    split["artefacts"] = json!([{ "key": "first_visit_report", "content": first_visit_report() }]);
    split["decisions"] = json!([{ "key": "take_case", "votes": team.take_case_votes("refuse") }]);
    let refused = supervisor
        .step(&case_id, v, "decide_on_case", split.clone())
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert_eq!(reasons(&refused), ["нет решения «take_case»"]);
    let refused = supervisor
        .move_case(&case_id, v, "case_opening", split)
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    let unchanged = supervisor.case(&case_id, "2026-04-10T12:00:00Z").await;
    assert_eq!(unchanged["version"], v);
    assert_eq!(unchanged["status"], "intake");
    assert_eq!(unchanged["stage"]["key"], "first_visit");

    // On Monday 13 April the coordinator rules: take the case.
    let mut ruled = act("senior_curator", "2026-04-13T07:00:00Z");
    ruled["artefacts"] = json!([{ "key": "first_visit_report", "content": first_visit_report() }]);
    ruled["decisions"] = json!([{
        "key": "take_case",
        "votes": team.take_case_votes("refuse"),
        "rulings": [team.vote("coordinator", "accept")]
    }]);
    let done = supervisor.step(&case_id, v, "decide_on_case", ruled).await;
    v = version(&done, "performStep");
    let decisions = supervisor
        .ok(
            "query($id: ID!) { case(id: $id) { records(kind: \"decision\") { key data } } }",
            json!({ "id": case_id }),
        )
        .await;
    let take = decisions["case"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "take_case")
        .unwrap()
        .clone();
    assert_eq!(take["data"]["outcome"], "accept");
    assert_eq!(take["data"]["status"]["by"], "coordinator");
    let case = supervisor.case(&case_id, "2026-04-13T07:30:00Z").await;
    assert_eq!(
        obligation(&case, "deadline:decide_on_case")["status"],
        "MET"
    );

    // Accepted: the case opens.
    let moved = supervisor
        .move_case(
            &case_id,
            v,
            "case_opening",
            act("senior_curator", "2026-04-13T08:00:00Z"),
        )
        .await;
    assert_eq!(moved.data()["moveCase"]["status"], "open");
    assert_eq!(
        moved.data()["moveCase"]["openedAt"],
        "2026-04-13T08:00:00+00:00"
    );
    v = version(&moved, "moveCase");

    let case = supervisor.case(&case_id, "2026-04-13T09:00:00Z").await;
    // seed 000 §6 table 1, «Создание электронной папки по случаю»: within 3 working days of
    // opening — Thursday 16 April.
    assert_eq!(
        obligation(&case, "deadline:create_case_folder")["due"],
        "2026-04-16T20:59:59+00:00"
    );
    // seed 000 §6 table 1, «Составление Плана»: no later than 1.5 months after opening —
    // 13 April + 1 month + 15 days = Thursday 28 May, end of day.
    let plan = obligation(&case, "deadline:draw_up_plan");
    assert_eq!(plan["due"], "2026-05-28T20:59:59+00:00");
    assert_eq!(plan["status"], "UPCOMING");
    // seed 000 §6 table 1, «Мониторинг результатов»: quarterly monitoring — by 13 July.
    assert_eq!(
        obligation(&case, "recurring:quarterly_monitoring#1")["due"],
        "2026-07-13T20:59:59+00:00"
    );
    // seed 000 §13: a case lasts at most 1.5 years.
    assert_eq!(
        obligation(&case, "case_duration")["due"],
        "2027-10-13T20:59:59+00:00"
    );

    // The team head assigns the visit's curator.
    let done = supervisor
        .step(
            &case_id,
            v,
            "assign_curator",
            act("team_head", "2026-04-13T09:00:00Z"),
        )
        .await;
    v = version(&done, "performStep");
    let assigned = supervisor
        .assign_curator(&case_id, v, &curator.user_id)
        .await;
    assert_eq!(
        assigned.data()["assignCurator"]["caseload"]["decision"],
        "allowed"
    );
    v = assigned.data()["assignCurator"]["case"]["version"]
        .as_i64()
        .unwrap();
    let done = curator
        .step(
            &case_id,
            v,
            "create_case_folder",
            act("curator", "2026-04-15T07:00:00Z"),
        )
        .await;
    v = version(&done, "performStep");
    let moved = curator
        .move_case(
            &case_id,
            v,
            "plan_development",
            act("curator", "2026-04-15T08:00:00Z"),
        )
        .await;
    v = version(&moved, "moveCase");
    // The document package is signed at the second meeting.
    let done = curator
        .step(
            &case_id,
            v,
            "sign_documents",
            act("curator", "2026-04-21T08:00:00Z"),
        )
        .await;
    v = version(&done, "performStep");

    let case = curator.case(&case_id, "2026-04-17T07:00:00Z").await;
    assert_eq!(
        obligation(&case, "deadline:create_case_folder")["status"],
        "MET"
    );
    // The plan is not agreed yet: due on 28 May, overdue on 29 May.
    let on_the_day = curator.case(&case_id, "2026-05-28T09:00:00Z").await;
    assert_eq!(
        obligation(&on_the_day, "deadline:draw_up_plan")["status"],
        "DUE"
    );
    assert_eq!(on_the_day["overdue"], false);
    let late = curator.case(&case_id, "2026-05-29T07:00:00Z").await;
    assert_eq!(
        obligation(&late, "deadline:draw_up_plan")["status"],
        "OVERDUE"
    );
    assert_eq!(late["overdue"], true);
    let overdue = curator
        .ok(
            "query($at: DateTime) { cases(filter: { overdue: true }, asOf: $at) { edges { node { id } } } }",
            json!({ "at": "2026-05-29T07:00:00Z" }),
        )
        .await;
    assert!(
        overdue["cases"]["edges"]
            .as_array()
            .unwrap()
            .contains(&json!({ "node": { "id": case_id } })),
        "{overdue:#}"
    );

    // Tuesday 2 June: the plan, without the signed consents, is refused with what is missing.
    let refused = curator
        .step(
            &case_id,
            v,
            "draw_up_plan",
            act("curator", "2026-06-02T07:00:00Z"),
        )
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        reasons(&refused),
        [
            "нет согласия «parent_data_consent»",
            "нет согласия «children_data_consent»"
        ]
    );
    let revised = curator
        .gql(
            &format!(
                "mutation($c: ID!, $v: Int!, $i: PlanRevisionInput!) {{ revisePlan(caseId: $c, version: $v, input: $i) {{ {CASE_FIELDS} }} }}"
            ),
            json!({ "c": case_id, "v": v, "i": {
                "meetingDate": "2026-06-02T07:00:00Z",
                "participants": ["Петрова А. (куратор)", "Иванова М. И. (мать)"],
                "actions": [
                    {
                        "title": "Передать семье зимнюю одежду для детей",
                        "deadline": "2026-06-10T20:59:59Z",
                        "responsibleUserId": curator.user_id,
                        "owner": "organisation"
                    },
                    {
                        "title": "Записать Артёма в детский сад",
                        "deadline": "2026-06-19T20:59:59Z",
                        "responsibleOrganisation": "Семья Ивановых",
                        "owner": "family"
                    }
                ]
            } }),
        )
        .await;
    let revised = revised.data()["revisePlan"].clone();
    v = revised["version"].as_i64().unwrap();
    let mut agreed = act("curator", "2026-06-02T07:00:00Z");
    agreed["consents"] = json!(["parent_data_consent", "children_data_consent"]);
    let done = curator.step(&case_id, v, "draw_up_plan", agreed).await;
    v = version(&done, "performStep");
    assert_eq!(revised["plan"].as_array().unwrap().len(), 1);
    assert_eq!(revised["plan"][0]["number"], 1);
    let actions = revised["plan"][0]["actions"].as_array().unwrap().clone();
    let owners: Vec<&str> = actions
        .iter()
        .map(|a| a["owner"].as_str().unwrap())
        .collect();
    // seed 000 §6 table 1, «Составление Плана»: actions of the foundation and of the parents.
    assert_eq!(owners, ["organisation", "family"]);

    let case = curator.case(&case_id, "2026-06-03T07:00:00Z").await;
    let plan = obligation(&case, "deadline:draw_up_plan");
    assert_eq!(plan["status"], "MET_LATE");
    assert_eq!(plan["metAt"], "2026-06-02T07:00:00+00:00");
    assert_eq!(case["overdue"], false);
    // seed 000 §13: at most 10 days of accumulated slip; the late plan slipped the case by 5.
    assert_eq!(case["slipDays"], 5);
    // seed 000 §13: at least one plan action every two weeks, from the plan's agreement.
    let every_two_weeks = obligation(&case, "recurring:plan_action_every_two_weeks#1");
    assert_eq!(every_two_weeks["due"], "2026-06-16T20:59:59+00:00");
    assert_eq!(every_two_weeks["status"], "UPCOMING");

    let winter_clothes = &actions[0];
    let completed = curator
        .gql(
            "mutation($a: ID!, $v: Int!) { completePlanAction(actionId: $a, version: $v, doneAt: \"2026-06-09T08:00:00Z\", result: \"Одежда передана, акт подписан\") { id doneAt result version } }",
            json!({ "a": winter_clothes["id"], "v": winter_clothes["version"] }),
        )
        .await;
    assert_eq!(
        completed.data()["completePlanAction"]["doneAt"],
        "2026-06-09T08:00:00+00:00"
    );
    let case = curator.case(&case_id, "2026-06-10T07:00:00Z").await;
    let first = obligation(&case, "recurring:plan_action_every_two_weeks#1");
    assert_eq!(first["status"], "MET");
    assert_eq!(first["metAt"], "2026-06-09T08:00:00+00:00");
    // The next one counts from the action: two weeks after 9 June.
    assert_eq!(
        obligation(&case, "recurring:plan_action_every_two_weeks#2")["due"],
        "2026-06-23T20:59:59+00:00"
    );

    let moved = curator
        .move_case(
            &case_id,
            v,
            "implementation",
            act("curator", "2026-06-02T08:00:00Z"),
        )
        .await;
    v = version(&moved, "moveCase");
    let done = curator
        .step(
            &case_id,
            v,
            "implement_plan",
            act("curator", "2026-06-03T07:00:00Z"),
        )
        .await;
    v = version(&done, "performStep");
    let moved = curator
        .move_case(
            &case_id,
            v,
            "monitoring",
            act("curator", "2026-06-29T07:00:00Z"),
        )
        .await;
    v = version(&moved, "moveCase");
    // seed 000 §13: a case lasts at least 3 months — before 13 July the curator is stopped; the
    // norm is a guideline only the senior curator may acknowledge.
    let early = curator
        .move_case(
            &case_id,
            v,
            "closure",
            act("curator", "2026-06-30T07:00:00Z"),
        )
        .await;
    assert_eq!(early.error_code(), "BAD_USER_INPUT");
    assert!(
        reasons(&early)[0].contains("подтвердит роль «senior_curator»"),
        "{:#}",
        early.body
    );

    let monitored = curator
        .gql(
            "mutation($c: ID!) { recordMonitoring(caseId: $c, input: { kind: \"quarterly\", at: \"2026-07-10T07:00:00Z\", data: { done: \"одежда, детский сад\", state: \"стабильно\" } }) { id kind key } }",
            json!({ "c": case_id }),
        )
        .await;
    assert!(monitored.errors().is_empty(), "{:#}", monitored.body);
    let case = curator.case(&case_id, "2026-07-13T07:00:00Z").await;
    assert_eq!(
        obligation(&case, "recurring:quarterly_monitoring#1")["status"],
        "MET"
    );

    let moved = curator
        .move_case(
            &case_id,
            v,
            "closure",
            act("curator", "2026-07-14T07:00:00Z"),
        )
        .await;
    v = version(&moved, "moveCase");
    let done = curator
        .step(
            &case_id,
            v,
            "exit_diagnostics",
            act("curator", "2026-07-14T08:00:00Z"),
        )
        .await;
    v = version(&done, "performStep");
    let mut conference = act("curator", "2026-07-15T07:00:00Z");
    conference["decisions"] = team.closing_conference();
    let done = curator
        .step(&case_id, v, "closing_conference", conference)
        .await;
    v = version(&done, "performStep");

    // seed 000 §6 table 1, «Закрытие случая»: every criterion must hold.
    let close = "mutation($c: ID!, $v: Int!, $i: CloseCaseInput!) { closeCase(caseId: $c, version: $v, input: $i) { id version status stage { key } closedAt postSupportUntil } }";
    let four = [
        "removal_risk_minimal",
        "no_unsolved_tasks",
        "help_supportive",
        "no_sharp_regression",
    ];
    let partial = curator
        .gql(
            close,
            json!({ "c": case_id, "v": v, "i": { "confirmed": four, "actingAs": "curator", "at": "2026-07-15T09:00:00Z" } }),
        )
        .await;
    assert_eq!(partial.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        reasons(&partial),
        ["критерий закрытия не подтверждён: Семья достаточно самостоятельна"]
    );
    let mut all = four.to_vec();
    all.push("family_self_reliant");
    let closed = curator
        .gql(
            close,
            json!({ "c": case_id, "v": v, "i": {
                "confirmed": all, "outcomes": ["closed_successfully"], "actingAs": "curator",
                "contactEvery": { "months": 1 }, "at": "2026-07-15T09:00:00Z"
            } }),
        )
        .await;
    let closed = closed.data()["closeCase"].clone();
    // seed 000 §6 table 1, «Пост-сопровождение»: half a year or more.
    assert_eq!(closed["status"], "post_support");
    assert_eq!(closed["closedAt"], "2026-07-15T09:00:00+00:00");
    assert_eq!(closed["postSupportUntil"], "2027-01-15T20:59:59+00:00");
    // Closing moves the case into the post-support stage through the variant's transition.
    assert_eq!(closed["stage"]["key"], "post_support");
    v = closed["version"].as_i64().unwrap();
    let done = curator
        .step(
            &case_id,
            v,
            "post_support_contacts",
            act("curator", "2026-08-14T07:00:00Z"),
        )
        .await;
    v = version(&done, "performStep");
    let case = curator.case(&case_id, "2026-08-14T08:00:00Z").await;
    assert_eq!(case["postSupportUntil"], "2027-01-15T20:59:59+00:00");
    // seed 000 §6 table 1, «Пост-сопровождение»: contacts at the frequency set at closure —
    // monthly here, the first by 15 August; a visit on 14 August meets it.
    let contacts = obligation(&case, "recurring:post_support_contacts#1");
    assert_eq!(contacts["due"], "2026-08-15T20:59:59+00:00");
    let visit = curator
        .gql(
            "mutation($c: ID!) { recordContact(caseId: $c, input: { kind: \"home_visit\", at: \"2026-08-14T09:00:00Z\" }) { id } }",
            json!({ "c": case_id }),
        )
        .await;
    assert!(visit.errors().is_empty(), "{:#}", visit.body);
    let case = curator.case(&case_id, "2026-08-20T08:00:00Z").await;
    assert_eq!(
        obligation(&case, "recurring:post_support_contacts#1")["status"],
        "MET"
    );
    assert_eq!(
        obligation(&case, "recurring:post_support_contacts#2")["due"],
        "2026-09-14T20:59:59+00:00"
    );

    // seed 000 §3: on regression the work restarts from signal intake; §6 table 1,
    // «Пост-сопровождение»: a new case opens and inherits every document the family has.
    let reopened = curator
        .gql(
            "mutation($c: ID!, $v: Int!) { reopenCase(caseId: $c, version: $v, at: \"2026-09-21T07:00:00Z\") { id status stage { key } parentCaseId curatorId openedAt records(kind: \"artefact\") { key data } } }",
            json!({ "c": case_id, "v": v }),
        )
        .await;
    let reopened = reopened.data()["reopenCase"].clone();
    let new_id = reopened["id"].as_str().unwrap().to_owned();
    assert_ne!(new_id, case_id);
    assert_eq!(reopened["parentCaseId"], case_id.as_str());
    assert_eq!(reopened["status"], "intake");
    assert_eq!(reopened["stage"]["key"], "signal_intake");
    assert_eq!(reopened["openedAt"], "2026-09-21T07:00:00+00:00");
    assert_eq!(reopened["curatorId"], curator.user_id.as_str());

    let old = curator
        .ok(
            "query($id: ID!) { case(id: $id) { status records(kind: \"artefact\") { key data } } }",
            json!({ "id": case_id }),
        )
        .await;
    assert_eq!(old["case"]["status"], "closed");
    let old_artefacts: Vec<&Value> = old["case"]["records"].as_array().unwrap().iter().collect();
    let inherited = reopened["records"].as_array().unwrap();
    let names = |list: &mut dyn Iterator<Item = &Value>| -> Vec<String> {
        let mut names: Vec<String> = list
            .map(|r| r["key"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    let old_names = names(&mut old_artefacts.iter().copied());
    assert_eq!(names(&mut inherited.iter()), old_names);
    for key in [
        "first_visit_report",
        "case_folder",
        "charity_contract",
        "plan",
        "exit_diagnostics",
    ] {
        assert!(old_names.iter().any(|n| n == key), "{key}: {old_names:?}");
    }
    assert!(
        inherited
            .iter()
            .all(|r| r["data"]["inherited_from"] == case_id.as_str()),
        "{inherited:#?}"
    );
    let report = inherited
        .iter()
        .find(|r| r["key"] == "first_visit_report" && r["data"]["content"].get("visit").is_some())
        .unwrap();
    assert_eq!(report["data"]["content"]["visit"]["date"], "2026-04-08");
    let new_case = curator.case(&new_id, "2026-09-21T08:00:00Z").await;
    // seed 000 §6 table 1: the new case's intake deadlines count from the new signal — the
    // first-visit team within 1 working day, Tuesday 22 September.
    assert_eq!(
        obligation(&new_case, "deadline:assign_visit_team")["due"],
        "2026-09-22T20:59:59+00:00"
    );
}

async fn a_fund_curator_with_fifteen_cases_cannot_take_a_sixteenth(backend: Backend) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "fund.curator2").await;
    let supervisor = Worker::sign_in(&app, "fund.supervisor").await;
    let low = json!({ "complexity": "low" });
    let open = |n: usize, with_curator: bool| {
        let supervisor = &supervisor;
        let low = low.clone();
        let curator_id = curator.user_id.clone();
        async move {
            let opened = supervisor
                .open_case(
                    demo_family(&format!("Сергеев{n}")),
                    low,
                    "2026-04-06T07:00:00Z",
                    with_curator.then_some(curator_id.as_str()),
                )
                .await;
            assert!(opened.errors().is_empty(), "family {n}: {:#}", opened.body);
            opened.data()["openCase"]["id"].as_str().unwrap().to_owned()
        }
    };
    for n in 1..=11 {
        open(n, true).await;
    }
    // seed 000 §13: optimally 12 cases per curator — the twelfth reaches it.
    let twelfth = open(12, false).await;
    let assigned = supervisor
        .assign_curator(&twelfth, 1, &curator.user_id)
        .await;
    assert_eq!(
        assigned.data()["assignCurator"]["caseload"],
        json!({ "decision": "allowed", "reason": null })
    );
    // seed 000 §13: above the optimum of 12 the assignment goes through with a warning.
    let thirteenth = open(13, false).await;
    let assigned = supervisor
        .assign_curator(&thirteenth, 1, &curator.user_id)
        .await;
    assert_eq!(
        assigned.data()["assignCurator"]["caseload"],
        json!({
            "decision": "allowed_with_warning",
            "reason": "После назначения у куратора будет 13 случаев — больше оптимальных 12"
        })
    );
    for n in 14..=15 {
        open(n, true).await;
    }

    // seed 000 §13: no more than 15 cases per curator.
    let sixteenth = open(16, false).await;
    let refused = supervisor
        .assign_curator(&sixteenth, 1, &curator.user_id)
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        refused.error_message(),
        "Куратор ведёт 15 случаев из 15 допустимых"
    );
    // Nothing was written: the case still has no curator.
    let case = supervisor.case(&sixteenth, "2026-04-07T07:00:00Z").await;
    assert_eq!(case["curatorId"], Value::Null);
    assert_eq!(case["version"], 1);
    // Opening a case straight onto the curator is refused the same way.
    let direct = supervisor
        .open_case(
            demo_family("Сергеев17"),
            low.clone(),
            "2026-04-06T07:00:00Z",
            Some(&curator.user_id),
        )
        .await;
    assert_eq!(direct.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        direct.error_message(),
        "Куратор ведёт 15 случаев из 15 допустимых"
    );
}

async fn the_plan_correction_loop_can_be_walked_a_second_time(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let curator = &team.curator;
    let (case_id, v) = team.case_carrying_out_its_plan("medium").await;
    // seed 000 §6 table 1, «Корректировка шагов плана»: after quarterly monitoring the plan is
    // corrected and carried out again — a second stay in «Реализация шагов плана».
    let v = team.walk(
        &case_id,
        v,
        vec![
            json!({ "do": ">monitoring", "actingAs": "curator", "at": "2026-06-29T07:00:00Z" }),
            json!({ "do": "quarterly_monitoring", "actingAs": "curator", "at": "2026-07-10T07:00:00Z" }),
            json!({ "do": ">plan_correction", "actingAs": "curator", "at": "2026-07-10T08:00:00Z" }),
            json!({ "do": "correct_plan", "actingAs": "curator", "at": "2026-07-13T07:00:00Z" }),
            json!({ "do": ">implementation", "actingAs": "curator", "at": "2026-07-13T08:00:00Z" }),
        ],
    )
    .await;
    // The earlier stay's step does not count in this one: the plan is carried out again.
    let again = curator
        .step(
            &case_id,
            v,
            "implement_plan",
            act("curator", "2026-07-14T07:00:00Z"),
        )
        .await;
    assert!(again.errors().is_empty(), "{:#}", again.body);
}

async fn a_case_reaches_post_support_only_through_closure(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let curator = &team.curator;
    let (case_id, v) = team.case_carrying_out_its_plan("medium").await;
    let v = team.walk(
        &case_id,
        v,
        vec![
            json!({ "do": ">monitoring", "actingAs": "curator", "at": "2026-06-29T07:00:00Z" }),
            json!({ "do": ">closure", "actingAs": "curator", "at": "2026-07-14T07:00:00Z" }),
            json!({ "do": "exit_diagnostics", "actingAs": "curator", "at": "2026-07-14T08:00:00Z" }),
            json!({ "do": "closing_conference", "actingAs": "curator", "at": "2026-07-15T07:00:00Z",
                "decisions": team.closing_conference() }),
        ],
    )
    .await;
    // seed 000 §6 table 1, «Закрытие случая» and «Пост-сопровождение»: post-support follows a
    // closure with every criterion confirmed (closeCase) and lasts half a year or more from it.
    // Moving into the post-support stage without closing must be refused: nothing is confirmed,
    // and the case could not be closed afterwards («закрыть можно только открытый случай»).
    let moved = curator
        .move_case(
            &case_id,
            v,
            "post_support",
            act("curator", "2026-07-15T08:00:00Z"),
        )
        .await;
    let case = curator.case(&case_id, "2026-07-15T09:00:00Z").await;
    assert_eq!(moved.error_code(), "BAD_USER_INPUT", "{case:#}");
    assert_eq!(case["status"], "open");
    assert_eq!(case["version"], v);
}

/// A signal whose complexity gives the distance from Smolensk in km and every other criterion 2.
fn signal_at_distance(km: Value) -> Value {
    let mut input = signal("2026-04-06T07:00:00Z");
    input["triage"] = json!({ "scores": [{ "table": "complexity", "points": [
        { "criterion": "distance", "value": km },
        { "criterion": "guardianship_tension", "points": 2 },
        { "criterion": "resource_deficit", "points": 2 },
        { "criterion": "removal_risk", "points": 2 },
        { "criterion": "substance_use", "points": 2 }
    ] }] });
    input
}

// seed 000 §11: distance «до 80 км пути» → 1, «от 80 до 110 км» → 2, «более 110 км» → 3. The
// bounds are the variant's levels; 80 and 110 km themselves score 2.
async fn the_distance_is_given_in_km_and_80_and_110_km_both_score_2(backend: Backend) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "fund.curator").await;
    for (km, distance_points, total) in [
        (json!(79.9), 1, 9),
        (json!(80), 2, 10),
        (json!(110), 2, 10),
        (json!(110.5), 3, 11),
    ] {
        let registered = curator
            .register_signal(signal_at_distance(km.clone()))
            .await;
        assert!(registered.errors().is_empty(), "{:#}", registered.body);
        let score = &registered.data()["registerSignal"]["triage"]["scores"][0];
        assert_eq!(score["points"]["distance"], distance_points, "{km} km");
        assert_eq!(score["values"]["distance"].as_f64(), km.as_f64(), "{km} km");
        assert_eq!(score["total"], total, "{km} km");
        assert_eq!(score["band"], "medium", "{km} km");
    }

    // A negative distance, or points and a distance for the same criterion, are refused with
    // the reason, and nothing is registered.
    let before = curator.ok("{ signals { id } }", json!({})).await["signals"]
        .as_array()
        .unwrap()
        .len();
    let negative = curator.register_signal(signal_at_distance(json!(-5))).await;
    assert_eq!(negative.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        reasons(&negative),
        [
            "triage.scores.complexity: критерий «distance»: измеренное значение должно быть неотрицательным числом"
        ]
    );
    let mut both = signal_at_distance(json!(95));
    both["triage"]["scores"][0]["points"][0]["points"] = json!(2);
    let both = curator.register_signal(both).await;
    assert_eq!(both.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        reasons(&both),
        [
            "triage.scores.complexity: критерий «distance»: укажите либо баллы, либо измеренное значение, но не то и другое"
        ]
    );
    let after = curator.ok("{ signals { id } }", json!({})).await["signals"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(after, before);
}

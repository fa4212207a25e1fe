//! Primary health-care clinic, Kazakhstan (seed 004). Times are in Almaty (UTC+5).

use kurator_tests::casework::{
    Worker, clinic_assessment, clinic_request_form, obligation, version,
};
use kurator_tests::{Backend, db_suites, spawn_app};
use serde_json::{Value, json};

db_suites!(
    a_high_risk_child_from_request_to_follow_up,
    an_unconfirmed_medium_risk_request_lands_in_its_journal_with_no_case,
    only_children_up_to_their_sixth_birthday_are_taken_in,
    a_risk_raised_to_high_later_gives_one_hour_from_then,
    a_change_of_placement_starts_the_weekly_contacts_again,
    the_review_meeting_sets_the_next_review_within_six_months_or_sooner_at_high_risk,
    a_request_the_primary_assessment_does_not_confirm_lands_in_the_unconfirmed_journal_whatever_the_path,
    a_complex_case_holds_an_inter_agency_review_whose_decisions_go_to_every_participant,
);

fn request(received_at: &str, risk: &str) -> Value {
    json!({
        "receivedAt": received_at,
        "source": "medical_staff",
        "channel": "in_person",
        "requester": { "name": "Участковая медсестра", "position": "медсестра", "relation": "специалист" },
        "subject": { "name": "Сейтов Алихан", "birthDate": "2023-01-15", "sex": "m", "address": "г. Алматы" },
        "parents": { "mother": { "name": "Сейтова Айжан", "whereabouts": "неизвестно", "occupation": "нет" } },
        "grounds": "Ребёнок оставлен без присмотра",
        "followUp": "Выезд социального работника",
        "triage": { "classifications": [{ "key": "risk", "value": risk }] },
        "form": clinic_request_form()
    })
}

/// A request about a child whose date of birth or approximate age the form gives as `age`.
fn request_about(received_at: &str, age: Value) -> Value {
    let mut input = request(received_at, "medium");
    input["subject"]["birthDate"] = age;
    input
}

fn reasons(response: &kurator_tests::GqlResponse) -> Vec<String> {
    response.errors()[0]["extensions"]["details"]["reasons"]
        .as_array()
        .unwrap_or_else(|| panic!("no reasons in {:#}", response.body))
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect()
}

async fn a_high_risk_child_from_request_to_follow_up(backend: Backend) {
    let app = spawn_app(backend).await;
    let worker = Worker::sign_in(&app, "clinic.curator").await;
    let supervisor = Worker::sign_in(&app, "clinic.supervisor").await;
    let psychologist = Worker::sign_in(&app, "clinic.specialist").await;

    // Monday 6 April 2026, 09:00 in Almaty.
    let registered = worker
        .register_signal(request("2026-04-06T04:00:00Z", "high"))
        .await;
    let signal = registered.data()["registerSignal"].clone();
    assert_eq!(signal["riskBand"], "high");
    let decided = worker
        .decide_signal(
            signal["id"].as_str().unwrap(),
            1,
            json!({ "kind": "ACCEPT", "family": { "child": "Сейтов Алихан" } }),
            "2026-04-06T04:05:00Z",
        )
        .await;
    let case_id = decided.data()["decideSignal"]["caseId"]
        .as_str()
        .unwrap()
        .to_owned();

    // seed 004 §7, step 1: urgent protective action within one hour of the request.
    let case = worker.case(&case_id, "2026-04-06T04:30:00Z").await;
    assert_eq!(case["status"], "intake");
    let urgent = obligation(&case, "deadline:urgent_protection");
    assert_eq!(urgent["due"], "2026-04-06T05:00:00+00:00");
    assert_eq!(urgent["status"], "DUE");
    let late = worker.case(&case_id, "2026-04-06T05:30:00Z").await;
    assert_eq!(
        obligation(&late, "deadline:urgent_protection")["status"],
        "OVERDUE"
    );

    let act = |at: &str| json!({ "actingAs": "social_worker", "at": at });
    let moved = worker
        .move_case(
            &case_id,
            case["version"].as_i64().unwrap(),
            "urgent_or_primary",
            act("2026-04-06T04:20:00Z"),
        )
        .await;
    let mut v = version(&moved, "moveCase");
    let mut urgent_action = act("2026-04-06T04:45:00Z");
    urgent_action["decisions"] = json!([{
        "key": "urgent_measures_agreement",
        "votes": [{ "role": "supervisor", "person": supervisor.user_id, "choice": "agreed" }]
    }]);
    let done = worker
        .step(&case_id, v, "urgent_protection", urgent_action)
        .await;
    v = version(&done, "performStep");
    let case = worker.case(&case_id, "2026-04-06T06:00:00Z").await;
    assert_eq!(
        obligation(&case, "deadline:urgent_protection")["status"],
        "MET"
    );

    // Opening the file for the comprehensive assessment opens the case.
    let moved = worker
        .move_case(
            &case_id,
            v,
            "assessment_and_plan",
            act("2026-04-07T04:00:00Z"),
        )
        .await;
    assert_eq!(moved.data()["moveCase"]["status"], "open");
    assert_eq!(
        moved.data()["moveCase"]["openedAt"],
        "2026-04-07T04:00:00+00:00"
    );
    v = version(&moved, "moveCase");
    let placed = worker
        .gql(
            "mutation($c: ID!, $v: Int!) { setCaseAttribute(caseId: $c, version: $v, key: \"placement\", value: \"parents\", at: \"2026-04-07T04:00:00Z\") { version } }",
            json!({ "c": case_id, "v": v }),
        )
        .await;
    v = version(&placed, "setCaseAttribute");
    let assigned = supervisor
        .assign_curator(&case_id, v, &worker.user_id)
        .await;
    v = assigned.data()["assignCurator"]["case"]["version"]
        .as_i64()
        .unwrap();

    let case = worker.case(&case_id, "2026-04-08T04:00:00Z").await;
    // seed 004 §7, step 3: the comprehensive assessment within 6 weeks — by 19 May.
    assert_eq!(
        obligation(&case, "deadline:comprehensive_assessment")["due"],
        "2026-05-19T18:59:59+00:00"
    );
    // seed 004 §7, step 3: with parents, weekly contact during the first month.
    assert_eq!(
        obligation(&case, "recurring:contact_with_parents#1")["due"],
        "2026-04-14T18:59:59+00:00"
    );

    let visit = worker
        .gql(
            "mutation($c: ID!) { recordContact(caseId: $c, input: { kind: \"home_visit\", at: \"2026-04-10T05:00:00Z\" }) { id } }",
            json!({ "c": case_id }),
        )
        .await;
    assert!(visit.errors().is_empty(), "{:#}", visit.body);
    let case = worker.case(&case_id, "2026-04-15T04:00:00Z").await;
    assert_eq!(
        obligation(&case, "recurring:contact_with_parents#1")["status"],
        "MET"
    );

    let done = worker
        .step(&case_id, v, "open_file", act("2026-04-07T05:00:00Z"))
        .await;
    v = version(&done, "performStep");
    // An assessment without the required sections is refused with every missing field.
    let mut incomplete = act("2026-05-05T04:00:00Z");
    incomplete["artefacts"] = json!([{ "key": "comprehensive_assessment_report", "content": {} }]);
    let refused = worker
        .step(&case_id, v, "comprehensive_assessment", incomplete)
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    let reasons = refused.errors()[0]["extensions"]["details"]["reasons"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(reasons, 14, "{:#}", refused.body);

    let mut assess = act("2026-05-05T04:00:00Z");
    assess["artefacts"] =
        json!([{ "key": "comprehensive_assessment_report", "content": clinic_assessment() }]);
    let done = worker
        .step(&case_id, v, "comprehensive_assessment", assess)
        .await;
    v = version(&done, "performStep");
    // seed 004 §7, step 3 and Appendix 4: the individual plan — needs, measures, responsible,
    // deadlines — recorded with its actions.
    let revised = worker
        .gql(
            "mutation($c: ID!, $v: Int!, $i: PlanRevisionInput!) { revisePlan(caseId: $c, version: $v, input: $i) { version } }",
            json!({ "c": case_id, "v": v, "i": {
                "meetingDate": "2026-05-06T03:00:00Z",
                "participants": ["Касымова Д.", "Сейтова Айжан"],
                "actions": [{
                    "title": "Оформить пособие", "deadline": "2026-06-06T05:00:00Z",
                    "responsibleOrganisation": "Акимат", "owner": "organisation"
                }]
            } }),
        )
        .await;
    v = version(&revised, "revisePlan");
    let done = worker
        .step(&case_id, v, "draw_up_plan", act("2026-05-06T04:00:00Z"))
        .await;
    v = version(&done, "performStep");
    let case = worker.case(&case_id, "2026-05-07T04:00:00Z").await;
    assert_eq!(
        obligation(&case, "deadline:comprehensive_assessment")["status"],
        "MET"
    );
    // seed 004 §7, step 3: the plan is reviewed every 6 months.
    assert_eq!(
        obligation(&case, "recurring:plan_review#1")["due"],
        "2026-11-06T18:59:59+00:00"
    );

    let moved = worker
        .move_case(&case_id, v, "implementation", act("2026-05-07T04:00:00Z"))
        .await;
    v = version(&moved, "moveCase");
    let done = worker
        .step(&case_id, v, "carry_out_plan", act("2026-05-08T04:00:00Z"))
        .await;
    v = version(&done, "performStep");
    let mut review = act("2026-10-07T04:00:00Z");
    review["actingAs"] = json!("supervisor");
    review["decisions"] = json!([{
        "key": "plan_review_meeting",
        "participants": [
            { "person": supervisor.user_id, "role": "supervisor" },
            { "person": worker.user_id, "role": "social_worker" },
            { "person": psychologist.user_id, "role": "psychologist" }
        ],
        "recorded": "close"
    }]);
    let done = supervisor
        .step(&case_id, v, "review_plan", review.clone())
        .await;
    v = version(&done, "performStep");
    let moved = worker
        .move_case(&case_id, v, "closure", act("2026-10-07T05:00:00Z"))
        .await;
    v = version(&moved, "moveCase");
    let done = worker
        .step(&case_id, v, "close_file", act("2026-10-08T04:00:00Z"))
        .await;
    v = version(&done, "performStep");

    // seed 004 §7, step 4: every closure criterion must hold.
    let close = "mutation($c: ID!, $v: Int!, $i: CloseCaseInput!) { closeCase(caseId: $c, version: $v, input: $i) { status closedAt postSupportUntil version } }";
    let partial = worker
        .gql(close, json!({ "c": case_id, "v": v, "i": { "confirmed": ["risk_acceptable"], "actingAs": "social_worker", "at": "2026-10-08T05:00:00Z" } }))
        .await;
    assert_eq!(partial.error_code(), "BAD_USER_INPUT");
    let all = [
        "risk_acceptable",
        "relative_stability",
        "basic_needs_met",
        "parental_capacity",
        "material_improved",
        "relationships_improved",
    ];
    let closed = worker
        .gql(
            close,
            json!({ "c": case_id, "v": v, "i": {
                "confirmed": all, "outcomes": [], "actingAs": "social_worker", "at": "2026-10-08T05:00:00Z"
            } }),
        )
        .await;
    let closed = &closed.data()["closeCase"];
    // seed 004 §7, step 4: follow-up for 3–6 months after closure.
    assert_eq!(closed["status"], "post_support");
    assert!(
        closed["postSupportUntil"]
            .as_str()
            .unwrap()
            .starts_with("2027-04-08"),
        "{closed}"
    );

    // The organisation's own indicators (catalogue: risk band at opening and at closure over
    // the canonical bands the clinic's risk level maps onto; closures of the month reopened
    // within 12 months): a high-risk child, opened in April and closed in October, not reopened.
    let figures = |all: &Value, key: &str, month: &str| -> Value {
        let indicator = all["organisationIndicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["key"] == key)
            .unwrap()
            .clone();
        let month = indicator["months"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["month"] == month)
            .unwrap()["figure"]
            .clone();
        let high = indicator["strata"][0]["categories"]
            .as_array()
            .map(|c| c.iter().find(|c| c["key"] == "high").unwrap()["year"].clone());
        json!({ "month": month, "high": high })
    };
    let indicators = "query { organisationIndicators(year: 2026) { key
        months { month figure { numerator denominator } }
        strata { categories { key year { numerator denominator } } } } }";
    let before = supervisor.ok(indicators, json!({})).await;
    assert_eq!(
        figures(&before, "risk_band_at_opening", "2026-04")["high"],
        json!({ "numerator": 1, "denominator": 1 })
    );
    assert_eq!(
        figures(&before, "risk_band_at_closure", "2026-10")["high"],
        json!({ "numerator": 1, "denominator": 1 })
    );
    assert_eq!(
        figures(&before, "reopened_within_12_months", "2026-10")["month"],
        json!({ "numerator": 0, "denominator": 1 })
    );

    // On relapse the same case goes through all steps again.
    let reopened = worker
        .gql(
            "mutation($c: ID!, $v: Int!) { reopenCase(caseId: $c, version: $v, at: \"2027-01-11T04:00:00Z\") { id status stage { key } } }",
            json!({ "c": case_id, "v": closed["version"] }),
        )
        .await;
    let reopened = &reopened.data()["reopenCase"];
    assert_eq!(reopened["id"], case_id.as_str());
    assert_eq!(reopened["stage"]["key"], "registration");
    assert_eq!(reopened["status"], "intake");
    // Reopened as the same case three months after closure: October's closure, kept in the
    // case's record though the case is open again, counts as reopened within 12 months.
    let after = supervisor.ok(indicators, json!({})).await;
    assert_eq!(
        figures(&after, "reopened_within_12_months", "2026-10")["month"],
        json!({ "numerator": 1, "denominator": 1 })
    );
    // The case is back in registration, but it was opened in April and closed in October: both
    // still count, the closure with the risk band it had then.
    assert_eq!(
        figures(&after, "cases_closed", "2026-10")["month"],
        json!({ "numerator": 1, "denominator": null })
    );
    assert_eq!(
        figures(&after, "cases_opened", "2026-04")["month"],
        json!({ "numerator": 1, "denominator": null })
    );
    assert_eq!(
        figures(&after, "risk_band_at_closure", "2026-10")["high"],
        json!({ "numerator": 1, "denominator": 1 })
    );
}

async fn an_unconfirmed_medium_risk_request_lands_in_its_journal_with_no_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let worker = Worker::sign_in(&app, "clinic.curator").await;
    let registered = worker
        .register_signal(request("2026-04-06T06:00:00Z", "medium"))
        .await;
    let signal = registered.data()["registerSignal"].clone();
    assert_eq!(signal["riskBand"], "medium");

    // seed 004 §7, step 2: a primary assessment that does not confirm the concern.
    let decided = worker
        .decide_signal(
            signal["id"].as_str().unwrap(),
            1,
            json!({ "kind": "NOT_CONFIRMED", "reasons": "При выезде угроза не подтвердилась" }),
            "2026-04-07T06:00:00Z",
        )
        .await;
    assert_eq!(decided.data()["decideSignal"]["caseId"], Value::Null);
    assert_eq!(
        decided.data()["decideSignal"]["signal"]["status"],
        "not_confirmed"
    );

    let journal = worker
        .ok(
            "{ signals(journal: UNCONFIRMED) { id caseId status } }",
            json!({}),
        )
        .await;
    assert_eq!(
        journal["signals"],
        json!([{ "id": signal["id"], "caseId": null, "status": "not_confirmed" }])
    );
    let cases = worker
        .ok("{ cases { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(cases["cases"]["edges"], json!([]));

    // Deciding twice is refused: the journal entry stands.
    let again = worker
        .decide_signal(
            signal["id"].as_str().unwrap(),
            2,
            json!({ "kind": "ACCEPT", "family": {} }),
            "2026-04-07T07:00:00Z",
        )
        .await;
    assert_eq!(again.error_code(), "BAD_USER_INPUT");
    let stale = worker
        .decide_signal(
            signal["id"].as_str().unwrap(),
            1,
            json!({ "kind": "ACCEPT", "family": {} }),
            "2026-04-07T07:00:00Z",
        )
        .await;
    assert_eq!(stale.error_code(), "CONFLICT");
}

/// Every signal of the organisation, oldest first.
async fn signal_count(worker: &Worker<'_>) -> usize {
    worker.ok("{ signals { id } }", json!({})).await["signals"]
        .as_array()
        .unwrap()
        .len()
}

// seed 004 §3: the SOP covers «детей в возрасте 0-5 лет»; the age comes from Appendix 1 «Дата
// рождения или приблизительный возраст». An age in years counts completed years, so a child is
// within 0–5 until the day before the 6th birthday. The range is the variant's `subject_age`.
async fn only_children_up_to_their_sixth_birthday_are_taken_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let worker = Worker::sign_in(&app, "clinic.curator").await;
    let supervisor = Worker::sign_in(&app, "clinic.supervisor").await;
    let out_of_scope = "signal.subject.birth_date: возраст — 6 лет: по варианту технологии работа \
        ведётся с детьми от 0 до 5 лет включительно (до исполнения 6 лет)";

    // Monday 6 April 2026, 01:00 in Almaty (still 5 April in UTC).
    let at = "2026-04-05T20:00:00Z";
    for age in [
        json!("2020-04-07"), // 5 years, the 6th birthday is tomorrow
        json!("07.04.2020"),
        json!("2026-04-06"), // born today
        json!("3 года"),
        json!("3"),
        json!(5),
        json!("1 год 2 мес."),
        json!("5 лет 11 месяцев"),
        json!("8 месяцев"),
    ] {
        let registered = worker.register_signal(request_about(at, age.clone())).await;
        assert!(
            registered.errors().is_empty(),
            "{age}: {:#}",
            registered.body
        );
    }
    let taken = signal_count(&worker).await;

    for (age, reason) in [
        // 6 on the local date in Almaty, though still 5 on the UTC date
        (json!("2020-04-06"), out_of_scope.to_owned()),
        (json!("6 лет"), out_of_scope.to_owned()),
        (json!(6), out_of_scope.to_owned()),
        (
            json!("около 7 лет"),
            out_of_scope.replace("6 лет:", "7 лет:"),
        ),
        (
            json!("2026-04-07"),
            "signal.subject.birth_date: дата рождения позже даты обращения".to_owned(),
        ),
        (
            json!("пятилетний"),
            "signal.subject.birth_date: ожидается дата рождения (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ) или \
             приблизительный возраст («3», «3 года», «8 месяцев»)"
                .to_owned(),
        ),
        (
            Value::Null,
            "signal.subject.birth_date: укажите дату рождения или приблизительный возраст: по \
             варианту технологии работа ведётся с детьми от 0 до 5 лет включительно (до \
             исполнения 6 лет)"
                .to_owned(),
        ),
    ] {
        let refused = worker.register_signal(request_about(at, age.clone())).await;
        assert_eq!(refused.error_code(), "BAD_USER_INPUT", "{age}");
        assert_eq!(reasons(&refused), [reason], "{age}");
    }
    assert_eq!(
        signal_count(&worker).await,
        taken,
        "a refused request writes nothing"
    );

    // A case opened without a request says the child's age too.
    let open = |age: Value| json!({ "child": "Сейтов Алихан", "mother": "Сейтова Айжан", "birthDate": age });
    let refused = supervisor
        .open_case(
            open(json!("2019-12-31")),
            json!({ "risk": "medium" }),
            "2026-04-06T04:00:00Z",
            None,
        )
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        reasons(&refused),
        [out_of_scope.replace("signal.subject.", "family.")]
    );
    let cases = supervisor
        .ok("{ cases { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(cases["cases"]["edges"], json!([]));
    let opened = supervisor
        .open_case(
            open(json!("4 года")),
            json!({ "risk": "medium" }),
            "2026-04-06T04:00:00Z",
            None,
        )
        .await;
    assert!(opened.errors().is_empty(), "{:#}", opened.body);

    // A request registered the day before the 6th birthday cannot open a case after it.
    let registered = worker
        .register_signal(request_about("2026-04-06T04:00:00Z", json!("2020-04-07")))
        .await;
    let signal = registered.data()["registerSignal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let late = worker
        .decide_signal(
            &signal,
            1,
            json!({ "kind": "ACCEPT", "family": { "child": "Сейтов Алихан" } }),
            "2026-04-07T04:00:00Z",
        )
        .await;
    assert_eq!(late.error_code(), "BAD_USER_INPUT");
    assert_eq!(reasons(&late), [out_of_scope]);
    let in_time = worker
        .decide_signal(
            &signal,
            1,
            json!({ "kind": "ACCEPT", "family": { "child": "Сейтов Алихан" } }),
            "2026-04-06T05:00:00Z",
        )
        .await;
    assert!(
        in_time.data()["decideSignal"]["caseId"].is_string(),
        "{:#}",
        in_time.body
    );
}

/// A medium-risk request of Monday 6 April 2026, 09:00 in Almaty, confirmed by the primary
/// assessment at 10:00; the file is opened at 11:00. The case id and version.
pub(crate) async fn confirmed_medium_risk_case(worker: &Worker<'_>) -> (String, i64) {
    let registered = worker
        .register_signal(request("2026-04-06T04:00:00Z", "medium"))
        .await;
    let signal = registered.data()["registerSignal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let decided = worker
        .decide_signal(
            &signal,
            1,
            json!({ "kind": "ACCEPT", "family": { "child": "Сейтов Алихан" } }),
            "2026-04-06T04:05:00Z",
        )
        .await;
    let case_id = decided.data()["decideSignal"]["caseId"]
        .as_str()
        .unwrap()
        .to_owned();
    let moved = worker
        .move_case(
            &case_id,
            1,
            "urgent_or_primary",
            json!({ "actingAs": "social_worker", "at": "2026-04-06T04:10:00Z" }),
        )
        .await;
    let v = version(&moved, "moveCase");
    let assessed = worker
        .step(
            &case_id,
            v,
            "primary_assessment",
            json!({ "actingAs": "social_worker", "at": "2026-04-06T05:00:00Z", "decisions": [{
                "key": "primary_assessment_result",
                "votes": [{ "role": "social_worker", "person": worker.user_id, "choice": "confirmed" }]
            }] }),
        )
        .await;
    let v = version(&assessed, "performStep");
    let opened = worker
        .move_case(
            &case_id,
            v,
            "assessment_and_plan",
            json!({ "actingAs": "social_worker", "at": "2026-04-06T06:00:00Z" }),
        )
        .await;
    assert_eq!(
        opened.data()["moveCase"]["status"],
        "open",
        "{:#}",
        opened.body
    );
    (case_id, version(&opened, "moveCase"))
}

const SET_ATTRIBUTE: &str =
    "mutation($c: ID!, $v: Int!, $k: String!, $x: String!, $at: DateTime!) {
    setCaseAttribute(caseId: $c, version: $v, key: $k, value: $x, at: $at) { version } }";

// seed 004 §7, 1-этап: «немедленные действия в течение одного часа» once the social worker finds
// high risk. A request triaged as medium whose risk is found high two days later gets its hour
// from then, not from the registration.
async fn a_risk_raised_to_high_later_gives_one_hour_from_then(backend: Backend) {
    let app = spawn_app(backend).await;
    let worker = Worker::sign_in(&app, "clinic.curator").await;
    let supervisor = Worker::sign_in(&app, "clinic.supervisor").await;
    let registered = worker
        .register_signal(request("2026-04-06T04:00:00Z", "medium"))
        .await;
    let signal = registered.data()["registerSignal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let decided = worker
        .decide_signal(
            &signal,
            1,
            json!({ "kind": "ACCEPT", "family": { "child": "Сейтов Алихан" } }),
            "2026-04-06T04:05:00Z",
        )
        .await;
    let case_id = decided.data()["decideSignal"]["caseId"]
        .as_str()
        .unwrap()
        .to_owned();
    let case = worker.case(&case_id, "2026-04-06T04:30:00Z").await;
    assert!(
        case["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["key"] != "deadline:urgent_protection"),
        "a medium risk has no one-hour deadline"
    );
    let moved = worker
        .move_case(
            &case_id,
            case["version"].as_i64().unwrap(),
            "urgent_or_primary",
            json!({ "actingAs": "social_worker", "at": "2026-04-06T05:00:00Z" }),
        )
        .await;
    let v = version(&moved, "moveCase");

    // Wednesday 8 April, 11:00 in Almaty: the primary assessment finds the child in danger.
    let raised = worker
        .gql(
            SET_ATTRIBUTE,
            json!({ "c": case_id, "v": v, "k": "risk", "x": "high", "at": "2026-04-08T06:00:00Z" }),
        )
        .await;
    let v = version(&raised, "setCaseAttribute");
    let case = worker.case(&case_id, "2026-04-08T06:30:00Z").await;
    let urgent = obligation(&case, "deadline:urgent_protection");
    assert_eq!(urgent["from"], "2026-04-08T06:00:00+00:00");
    assert_eq!(urgent["due"], "2026-04-08T07:00:00+00:00");
    assert_eq!(urgent["status"], "DUE");

    let mut urgent_action = json!({ "actingAs": "social_worker", "at": "2026-04-08T06:45:00Z" });
    urgent_action["decisions"] = json!([{
        "key": "urgent_measures_agreement",
        "votes": [{ "role": "supervisor", "person": supervisor.user_id, "choice": "agreed" }]
    }]);
    let done = worker
        .step(&case_id, v, "urgent_protection", urgent_action)
        .await;
    assert!(done.errors().is_empty(), "{:#}", done.body);
    let case = worker.case(&case_id, "2026-04-08T08:00:00Z").await;
    assert_eq!(
        obligation(&case, "deadline:urgent_protection")["status"],
        "MET"
    );
}

// seed 004 §7, 3-этап «Реализация индивидуального плана»: the contact cadence depends on where
// the child lives — with the parents weekly in the first month, then monthly; with the extended
// family monthly for three months. When the child moves, the cadence counts from the move.
async fn a_change_of_placement_starts_the_weekly_contacts_again(backend: Backend) {
    let app = spawn_app(backend).await;
    let worker = Worker::sign_in(&app, "clinic.curator").await;
    let (case_id, v) = confirmed_medium_risk_case(&worker).await;
    let placed = worker
        .gql(
            SET_ATTRIBUTE,
            json!({ "c": case_id, "v": v, "k": "placement", "x": "parents", "at": "2026-04-06T06:00:00Z" }),
        )
        .await;
    let mut v = version(&placed, "setCaseAttribute");
    let visit = |at: &'static str| {
        let worker = &worker;
        let case_id = case_id.clone();
        async move {
            let done = worker
                .gql(
                    "mutation($c: ID!, $at: DateTime!) { recordContact(caseId: $c, input: { kind: \"home_visit\", at: $at }) { id } }",
                    json!({ "c": case_id, "at": at }),
                )
                .await;
            assert!(done.errors().is_empty(), "{:#}", done.body);
        }
    };
    visit("2026-04-10T05:00:00Z").await;
    visit("2026-04-17T05:00:00Z").await;

    // Monday 4 May: the child goes to live with the grandmother.
    let moved = worker
        .gql(
            SET_ATTRIBUTE,
            json!({ "c": case_id, "v": v, "k": "placement", "x": "extended_family", "at": "2026-05-04T04:00:00Z" }),
        )
        .await;
    v = version(&moved, "setCaseAttribute");
    let case = worker.case(&case_id, "2026-05-05T04:00:00Z").await;
    let extended = obligation(&case, "recurring:contact_with_extended_family#1");
    assert_eq!(extended["from"], "2026-05-04T04:00:00+00:00");
    assert_eq!(extended["due"], "2026-06-04T18:59:59+00:00");
    visit("2026-05-20T05:00:00Z").await;

    // Monday 1 June: back with the mother — weekly visits again for a month.
    let back = worker
        .gql(
            SET_ATTRIBUTE,
            json!({ "c": case_id, "v": v, "k": "placement", "x": "parents", "at": "2026-06-01T04:00:00Z" }),
        )
        .await;
    assert!(back.errors().is_empty(), "{:#}", back.body);
    let case = worker.case(&case_id, "2026-06-02T04:00:00Z").await;
    let parents = obligation(&case, "recurring:contact_with_parents#1");
    assert_eq!(parents["from"], "2026-06-01T04:00:00+00:00");
    assert_eq!(parents["due"], "2026-06-08T18:59:59+00:00");
    assert_eq!(parents["status"], "UPCOMING");
    visit("2026-06-05T05:00:00Z").await;
    let case = worker.case(&case_id, "2026-06-09T04:00:00Z").await;
    assert_eq!(
        obligation(&case, "recurring:contact_with_parents#2")["due"],
        "2026-06-12T18:59:59+00:00",
        "still weekly in the first month after the move"
    );
}

/// From the opened case of [`confirmed_medium_risk_case`] to the plan in implementation: the
/// file, the assessment, the plan agreed on Monday 20 April 2026. The new version.
pub(crate) async fn plan_in_implementation(worker: &Worker<'_>, case_id: &str, v: i64) -> i64 {
    let act = |at: &str| json!({ "actingAs": "social_worker", "at": at });
    let done = worker
        .step(case_id, v, "open_file", act("2026-04-06T07:00:00Z"))
        .await;
    let v = version(&done, "performStep");
    let mut assess = act("2026-04-17T04:00:00Z");
    assess["artefacts"] =
        json!([{ "key": "comprehensive_assessment_report", "content": clinic_assessment() }]);
    let done = worker
        .step(case_id, v, "comprehensive_assessment", assess)
        .await;
    let v = version(&done, "performStep");
    let revised = worker
        .gql(
            "mutation($c: ID!, $v: Int!, $i: PlanRevisionInput!) { revisePlan(caseId: $c, version: $v, input: $i) { version } }",
            json!({ "c": case_id, "v": v, "i": {
                "meetingDate": "2026-04-20T03:00:00Z",
                "participants": ["Касымова Д.", "Сейтова Айжан"],
                "actions": [{
                    "title": "Оформить пособие", "deadline": "2026-05-20T05:00:00Z",
                    "responsibleOrganisation": "Акимат", "owner": "organisation"
                }]
            } }),
        )
        .await;
    let v = version(&revised, "revisePlan");
    let done = worker
        .step(case_id, v, "draw_up_plan", act("2026-04-20T04:00:00Z"))
        .await;
    let v = version(&done, "performStep");
    let moved = worker
        .move_case(case_id, v, "implementation", act("2026-04-21T04:00:00Z"))
        .await;
    let v = version(&moved, "moveCase");
    let done = worker
        .step(case_id, v, "carry_out_plan", act("2026-04-22T04:00:00Z"))
        .await;
    version(&done, "performStep")
}

// seed 004 §7, 3-этап «Пересмотр индивидуального плана»: reviewed «каждые шесть месяцев», «в
// ситуациях повышенного риска … в более ранние сроки», at a meeting that «согласует дату
// следующего пересмотра». The SOP names no number for «sooner»: the clinic variant says three
// months at high risk.
async fn the_review_meeting_sets_the_next_review_within_six_months_or_sooner_at_high_risk(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let worker = Worker::sign_in(&app, "clinic.curator").await;
    let supervisor = Worker::sign_in(&app, "clinic.supervisor").await;
    let psychologist = Worker::sign_in(&app, "clinic.specialist").await;
    let (case_id, v) = confirmed_medium_risk_case(&worker).await;
    let assigned = supervisor
        .assign_curator(&case_id, v, &worker.user_id)
        .await;
    let v = assigned.data()["assignCurator"]["case"]["version"]
        .as_i64()
        .unwrap();
    let mut v = plan_in_implementation(&worker, &case_id, v).await;
    let case = worker.case(&case_id, "2026-04-23T04:00:00Z").await;
    assert_eq!(
        obligation(&case, "recurring:plan_review#1")["due"],
        "2026-10-20T18:59:59+00:00"
    );

    let meeting = |at: &str, outcome: &str, next: Option<&str>| {
        json!({ "actingAs": "supervisor", "at": at, "decisions": [{
            "key": "plan_review_meeting",
            "participants": [
                { "person": supervisor.user_id, "role": "supervisor" },
                { "person": worker.user_id, "role": "social_worker" },
                { "person": psychologist.user_id, "role": "psychologist" }
            ],
            "recorded": outcome,
            "nextDate": next
        }] })
    };
    // Wednesday 1 July 2026, 09:00 in Almaty.
    let at = "2026-07-01T04:00:00Z";
    let review = |next: Option<&'static str>| {
        let supervisor = &supervisor;
        let case_id = case_id.clone();
        let input = meeting(at, "continue_with_corrections", next);
        async move { supervisor.step(&case_id, v, "review_plan", input).await }
    };
    let late = review(Some("2027-01-02")).await;
    assert_eq!(late.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        reasons(&late),
        [
            "decisions.plan_review_meeting.nextDate: 02.01.2027 позже допустимого: «Пересмотр \
          индивидуального плана: каждые шесть месяцев или к дате, назначенной совещанием» — не \
          позднее 01.01.2027 (6 мес. после решения)"
        ]
    );
    let missing = review(None).await;
    assert_eq!(missing.error_code(), "BAD_USER_INPUT");
    assert!(
        reasons(&missing)[0].starts_with("decisions.plan_review_meeting.nextDate: решение «Совещание по пересмотру индивидуального плана» назначает дату"),
        "{:#}",
        missing.body
    );
    let past = review(Some("2026-07-01")).await;
    assert_eq!(past.error_code(), "BAD_USER_INPUT");

    let done = review(Some("2026-12-15")).await;
    v = version(&done, "performStep");
    let case = worker.case(&case_id, "2026-07-02T04:00:00Z").await;
    assert_eq!(
        obligation(&case, "recurring:plan_review#1")["status"],
        "MET"
    );
    let next = obligation(&case, "recurring:plan_review#2");
    assert_eq!(
        next["due"], "2026-12-15T18:59:59+00:00",
        "the date the meeting set"
    );
    assert_eq!(next["status"], "UPCOMING");

    // In August the risk turns out high: the next meeting may set at most three months.
    let raised = worker
        .gql(
            SET_ATTRIBUTE,
            json!({ "c": case_id, "v": v, "k": "risk", "x": "high", "at": "2026-08-03T04:00:00Z" }),
        )
        .await;
    v = version(&raised, "setCaseAttribute");
    let at = "2026-09-01T04:00:00Z";
    // Held again, the review needs a meeting of its own.
    let no_meeting = supervisor
        .step(
            &case_id,
            v,
            "review_plan",
            json!({ "actingAs": "supervisor", "at": at }),
        )
        .await;
    assert_eq!(no_meeting.error_code(), "BAD_USER_INPUT");
    assert_eq!(reasons(&no_meeting), ["нет решения «plan_review_meeting»"]);
    let too_far = supervisor
        .step(
            &case_id,
            v,
            "review_plan",
            meeting(at, "continue_with_corrections", Some("2026-12-15")),
        )
        .await;
    assert_eq!(too_far.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        reasons(&too_far),
        [
            "decisions.plan_review_meeting.nextDate: 15.12.2026 позже допустимого: «Пересмотр \
          индивидуального плана: каждые шесть месяцев или к дате, назначенной совещанием» — не \
          позднее 01.12.2026 (3 мес. после решения, так как «Степень риска» — «Высокий риск: \
          ребёнок нуждается в немедленной защите»)"
        ]
    );
    // A meeting that closes the case sets no next review.
    let closing = supervisor
        .step(
            &case_id,
            v,
            "review_plan",
            meeting(at, "close", Some("2026-11-20")),
        )
        .await;
    assert_eq!(closing.error_code(), "BAD_USER_INPUT");
    // The review is held again in the same stage, and sets a date within three months.
    let done = supervisor
        .step(
            &case_id,
            v,
            "review_plan",
            meeting(at, "continue_with_corrections", Some("2026-11-20")),
        )
        .await;
    assert!(done.errors().is_empty(), "{:#}", done.body);
    let case = worker.case(&case_id, "2026-09-02T04:00:00Z").await;
    assert_eq!(
        obligation(&case, "recurring:plan_review#2")["status"],
        "MET"
    );
    assert_eq!(
        obligation(&case, "recurring:plan_review#3")["due"],
        "2026-11-20T18:59:59+00:00"
    );
}

// seed 004 §7, 2-этап «Первичная оценка»: «а) информация не подтвердилась, сопровождение семьи не
// осуществляется»; «Обращения за помощью, которые не подтвердились, будут регистрироваться … в
// журнале «Неподтвержденные обращения за помощью»». Whether the worker decides the request
// directly, or records the primary assessment on the case, the request ends up in that journal
// and the case goes no further.
async fn a_request_the_primary_assessment_does_not_confirm_lands_in_the_unconfirmed_journal_whatever_the_path(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let worker = Worker::sign_in(&app, "clinic.curator").await;
    let supervisor = Worker::sign_in(&app, "clinic.supervisor").await;
    let not_confirmed = |at: &str, note: Option<&str>| {
        json!({ "actingAs": "social_worker", "at": at, "note": note, "decisions": [{
            "key": "primary_assessment_result",
            "votes": [{ "role": "social_worker", "person": worker.user_id, "choice": "not_confirmed" }]
        }] })
    };

    // 1. decideSignal(NOT_CONFIRMED) on the request.
    let first = worker
        .register_signal(request("2026-04-06T04:00:00Z", "medium"))
        .await;
    let first = first.data()["registerSignal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let decided = worker
        .decide_signal(
            &first,
            1,
            json!({ "kind": "NOT_CONFIRMED", "reasons": "Угроза не подтвердилась" }),
            "2026-04-06T08:00:00Z",
        )
        .await;
    assert!(decided.errors().is_empty(), "{:#}", decided.body);

    // 2. The request was taken in and the primary assessment is recorded on its case.
    let second = worker
        .register_signal(request("2026-04-07T04:00:00Z", "low"))
        .await;
    let second = second.data()["registerSignal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let accepted = worker
        .decide_signal(
            &second,
            1,
            json!({ "kind": "ACCEPT", "family": { "child": "Сейтов Алихан" } }),
            "2026-04-07T04:05:00Z",
        )
        .await;
    let case_id = accepted.data()["decideSignal"]["caseId"]
        .as_str()
        .unwrap()
        .to_owned();
    let moved = worker
        .move_case(
            &case_id,
            1,
            "urgent_or_primary",
            json!({ "actingAs": "social_worker", "at": "2026-04-07T04:10:00Z" }),
        )
        .await;
    let v = version(&moved, "moveCase");
    // The outcome ends the work on the request: it needs its reasons, and a move cannot carry it.
    let bare = worker
        .step(
            &case_id,
            v,
            "primary_assessment",
            not_confirmed("2026-04-08T05:00:00Z", None),
        )
        .await;
    assert_eq!(bare.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        reasons(&bare),
        [
            "note: итог «not_confirmed» решения «Итог первичной оценки» завершает работу по обращению — укажите причины"
        ]
    );
    let by_move = worker
        .move_case(
            &case_id,
            v,
            "assessment_and_plan",
            not_confirmed("2026-04-08T05:00:00Z", Some("Не подтвердилось")),
        )
        .await;
    assert_eq!(by_move.error_code(), "BAD_USER_INPUT");
    let assessed = worker
        .step(
            &case_id,
            v,
            "primary_assessment",
            not_confirmed(
                "2026-04-08T05:00:00Z",
                Some("Мать устроилась на работу, ребёнок под присмотром"),
            ),
        )
        .await;
    assert!(assessed.errors().is_empty(), "{:#}", assessed.body);
    assert_eq!(assessed.data()["performStep"]["status"], "declined");
    let v = version(&assessed, "performStep");
    // No file, no support.
    let file = worker
        .step(
            &case_id,
            v,
            "open_file",
            json!({ "actingAs": "social_worker" }),
        )
        .await;
    assert_eq!(file.error_code(), "BAD_USER_INPUT");
    let onwards = worker
        .move_case(
            &case_id,
            v,
            "assessment_and_plan",
            json!({ "actingAs": "social_worker" }),
        )
        .await;
    assert_eq!(onwards.error_code(), "BAD_USER_INPUT");

    // 3. A case opened without a request: it gets its journal entry too.
    let opened = supervisor
        .open_case(
            json!({ "child": "Омаров Ислам", "birthDate": "2022-09-01" }),
            json!({ "risk": "medium" }),
            "2026-04-09T04:00:00Z",
            Some(&worker.user_id),
        )
        .await;
    let direct = opened.data()["openCase"]["id"].as_str().unwrap().to_owned();
    let v = opened.data()["openCase"]["version"].as_i64().unwrap();
    let registered = worker
        .step(
            &direct,
            v,
            "register_request",
            json!({ "actingAs": "social_worker", "at": "2026-04-09T04:00:00Z",
                "artefacts": [{ "key": "request_form", "content": clinic_request_form() }] }),
        )
        .await;
    let v = version(&registered, "performStep");
    let moved = worker
        .move_case(
            &direct,
            v,
            "urgent_or_primary",
            json!({ "actingAs": "social_worker", "at": "2026-04-09T04:10:00Z" }),
        )
        .await;
    let v = version(&moved, "moveCase");
    let assessed = worker
        .step(
            &direct,
            v,
            "primary_assessment",
            not_confirmed("2026-04-10T05:00:00Z", Some("Сведения не подтвердились")),
        )
        .await;
    assert!(assessed.errors().is_empty(), "{:#}", assessed.body);

    let journal = worker
        .ok(
            "{ signals(journal: UNCONFIRMED) { id caseId status source decision } }",
            json!({}),
        )
        .await;
    let entries = journal["signals"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{journal:#}");
    let of_case = |case: &str| {
        entries
            .iter()
            .find(|e| e["caseId"] == case)
            .unwrap_or_else(|| panic!("no entry for case {case} in {journal:#}"))
    };
    assert_eq!(of_case(&case_id)["id"], second.as_str());
    assert_eq!(of_case(&case_id)["status"], "not_confirmed");
    assert_eq!(
        of_case(&case_id)["decision"]["reasons"],
        "Мать устроилась на работу, ребёнок под присмотром"
    );
    assert_eq!(of_case(&direct)["source"], "case");
    assert!(entries.iter().any(|e| e["id"] == first.as_str()));
    let cases = worker
        .ok(
            "{ cases(filter: { status: [\"open\"] }) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        cases["cases"]["edges"],
        json!([]),
        "no case went on to a file"
    );
}

/// The record of an inter-agency review (the clinic's `inter_agency_record`).
fn inter_agency_record() -> Value {
    json!({
        "needs": { "needs": "Безопасность ребёнка дома; посещение детского сада; лечение у невролога" },
        "measures": { "rows": [
            { "measure": "Место в детском саду", "responsible": "Детский сад № 12", "deadline": "2026-05-01" },
            { "measure": "Профилактическая беседа с отцом", "responsible": "ОП Алатауского района", "deadline": "2026-04-24" }
        ] },
        "next_meeting": { "date": "2026-07-15" }
    })
}

// seed 004 §7, 3-этап «Разработка индивидуального плана»: «В сложных случаях … согласовать с
// вышестоящим менеджером или супервизором необходимость организации межведомственного
// рассмотрения дела»; representatives of agencies and organisations take part; «Запись решений …
// будет направлена всем участникам совещания, а копия будет приложена к личному делу ребенка».
async fn a_complex_case_holds_an_inter_agency_review_whose_decisions_go_to_every_participant(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let worker = Worker::sign_in(&app, "clinic.curator").await;
    let supervisor = Worker::sign_in(&app, "clinic.supervisor").await;
    let psychologist = Worker::sign_in(&app, "clinic.specialist").await;
    let (case_id, v) = confirmed_medium_risk_case(&worker).await;
    let done = worker
        .step(
            &case_id,
            v,
            "open_file",
            json!({ "actingAs": "social_worker", "at": "2026-04-06T07:00:00Z" }),
        )
        .await;
    let v = version(&done, "performStep");

    let staff = json!([
        { "person": worker.user_id, "role": "social_worker" },
        { "person": psychologist.user_id, "role": "psychologist" }
    ]);
    let mut everyone = staff.clone();
    everyone.as_array_mut().unwrap().extend([
        json!({ "person": "Жумабаева А. К.", "role": "инспектор по делам несовершеннолетних", "organisation": "ОП Алатауского района" }),
        json!({ "person": "Ким Е. В.", "role": "заведующая", "organisation": "Детский сад № 12" }),
    ]);
    let meeting = |at: &str, participants: &Value| {
        json!({ "actingAs": "social_worker", "at": at,
            "artefacts": [{ "key": "inter_agency_record", "content": inter_agency_record() }],
            "decisions": [{ "key": "inter_agency_meeting", "participants": participants, "recorded": "measures_agreed" }] })
    };

    // Not without the supervisor's agreement that the case needs it.
    let unagreed = worker
        .step(
            &case_id,
            v,
            "inter_agency_review",
            meeting("2026-04-15T05:00:00Z", &everyone),
        )
        .await;
    assert_eq!(unagreed.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        reasons(&unagreed),
        ["сначала нужно выполнить шаг «agree_inter_agency_review»"]
    );
    let agreed = supervisor
        .step(
            &case_id,
            v,
            "agree_inter_agency_review",
            json!({ "actingAs": "supervisor", "at": "2026-04-14T05:00:00Z", "decisions": [{
                "key": "inter_agency_review_agreement",
                "votes": [{ "role": "supervisor", "person": supervisor.user_id, "choice": "agreed" }]
            }] }),
        )
        .await;
    let v = version(&agreed, "performStep");

    // Only the clinic's own people is no inter-agency review.
    let internal = worker
        .step(
            &case_id,
            v,
            "inter_agency_review",
            meeting("2026-04-15T05:00:00Z", &staff),
        )
        .await;
    assert_eq!(internal.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        reasons(&internal),
        [
            "decisions.inter_agency_meeting: «Межведомственное рассмотрение дела»: представлено других организаций и ведомств: 0, нужно не менее 1"
        ]
    );

    let held = worker
        .step(
            &case_id,
            v,
            "inter_agency_review",
            meeting("2026-04-15T05:00:00Z", &everyone),
        )
        .await;
    let v = version(&held, "performStep");
    let records = "query($id: ID!) { case(id: $id) {
        sent: records(kind: \"minutes_sent\") { key at data actorId }
        steps: records(kind: \"step\") { key at }
        documents: records(kind: \"artefact\") { key data }
    } }";
    let case = worker.ok(records, json!({ "id": case_id })).await;
    let sent = case["case"]["sent"].as_array().unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["key"], "inter_agency_meeting");
    assert_eq!(sent[0]["at"], "2026-04-15T05:00:00+00:00");
    assert_eq!(sent[0]["actorId"], worker.user_id.as_str());
    assert_eq!(sent[0]["data"]["outcome"], "measures_agreed");
    assert_eq!(
        sent[0]["data"]["recipients"],
        json!([
            { "person": worker.user_id, "role": "social_worker", "organisation": null },
            { "person": psychologist.user_id, "role": "psychologist", "organisation": null },
            { "person": "Жумабаева А. К.", "role": "инспектор по делам несовершеннолетних", "organisation": "ОП Алатауского района" },
            { "person": "Ким Е. В.", "role": "заведующая", "organisation": "Детский сад № 12" }
        ])
    );
    assert!(
        case["case"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["key"] == "inter_agency_review" && s["at"] == "2026-04-15T05:00:00+00:00")
    );
    let copy = case["case"]["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == "inter_agency_record")
        .expect("the record's copy in the child's file");
    assert_eq!(
        copy["data"]["measures"]["rows"][1]["responsible"],
        "ОП Алатауского района"
    );

    // The case is reviewed again later: a new meeting needs its own decision and record.
    let mut bare = meeting("2026-05-20T05:00:00Z", &everyone);
    bare["decisions"] = json!([]);
    bare["artefacts"] = json!([]);
    let refused = worker.step(&case_id, v, "inter_agency_review", bare).await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        reasons(&refused),
        [
            "нет документа «inter_agency_record»",
            "нет решения «inter_agency_meeting»"
        ]
    );
    let again = worker
        .step(
            &case_id,
            v,
            "inter_agency_review",
            meeting("2026-05-20T05:00:00Z", &everyone),
        )
        .await;
    assert!(again.errors().is_empty(), "{:#}", again.body);
    let case = worker.ok(records, json!({ "id": case_id })).await;
    assert_eq!(case["case"]["sent"].as_array().unwrap().len(), 2);
}

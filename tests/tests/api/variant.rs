//! The method variant is readable over the API (issue 8, point 11): every member of an
//! organisation reads its published variant — stages, steps, deadlines, decisions, forms, scales,
//! norms — as the method documents write them; an older version a case is pinned to stays
//! readable; and a case's next actions name every requirement still missing, by code and key.

use kurator_tests::casework::{Worker, demo_family, version};
use kurator_tests::{Backend, db_suites, spawn_app};
use serde_json::{Value, json};

db_suites!(
    the_funds_variant_read_over_the_api_lists_the_first_visit_within_3_working_days,
    the_funds_take_case_vote_escalates_to_the_coordinator_then_the_head_of_direction,
    the_funds_norms_complexity_bands_closure_and_reopening_are_readable,
    the_clinics_variant_names_the_appendix_3_sections,
    the_clinics_urgent_protection_is_due_within_an_hour_for_high_risk_only,
    the_state_centres_caseload_caps_6_12_24_are_readable,
    every_member_reads_the_variant_methodologists_included_and_nobody_else,
    an_older_version_stays_readable_for_the_cases_pinned_to_it,
    next_actions_for_a_fund_case_at_signal_intake_name_the_missing_signal_triage_decision,
    next_actions_for_a_fund_case_at_first_visit_name_the_missing_take_case_decision,
    next_actions_for_a_high_risk_child_name_the_supervisors_agreement_to_urgent_measures,
    next_actions_name_who_may_act_when_the_role_may_not,
    next_actions_refuse_a_role_the_variant_does_not_have,
);

const TEXT: &str = "{ ru kk en }";

/// `variant(version:)` with the given selection.
async fn variant(who: &Worker<'_>, selection: &str) -> Value {
    let query = format!("{{ variant {{ {selection} }} }}");
    who.ok(&query, json!({})).await["variant"].clone()
}

/// The item with `key` in a list; panics when it is missing.
fn by_key<'v>(list: &'v Value, key: &str) -> &'v Value {
    by(list, "key", key)
}

fn by<'v>(list: &'v Value, field: &str, value: &str) -> &'v Value {
    list.as_array()
        .and_then(|items| items.iter().find(|i| i[field] == value))
        .unwrap_or_else(|| panic!("no {field} = {value} in {list:#}"))
}

fn keys(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect()
}

fn codes(action: &Value) -> Vec<&str> {
    action["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect()
}

const STEP_FIELDS: &str = "key name { ru en } optional roles after requiresArtefacts requiresConsents \
    requiresDecision { decision outcome } produces completes journal when { attribute values } \
    deadline { after within { years months weeks calendarDays workingDays hours } source }";

async fn the_funds_variant_read_over_the_api_lists_the_first_visit_within_3_working_days(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "fund.curator").await;
    let selection = format!(
        "key version publishedVersions name {TEXT} organisation {TEXT} source timeZone calendar caseSubject intakeEvent
         stages {{ key name {TEXT} phase opensCase duration {{ min {{ months }} }} steps {{ {STEP_FIELDS} }} }}
         transitions {{ from to kind roles requiresDecision {{ decision outcome }} requiresConsents requiresSteps }}
         roles {{ key name {TEXT} }}"
    );
    let v = variant(&curator, &selection).await;

    assert_eq!(v["key"], "fund");
    assert_eq!(v["version"], 1);
    assert_eq!(v["publishedVersions"], json!([1]));
    assert_eq!(
        v["name"]["ru"],
        "Технология работы со случаем (БФ «Дети наши»)"
    );
    assert_eq!(
        v["name"]["kk"],
        "Жағдаймен жұмыс технологиясы («Дети наши» қоры)"
    );
    assert_eq!(
        v["name"]["en"],
        "Case management technology (foundation «Deti nashi»)"
    );
    assert_eq!(v["organisation"]["kk"], Value::Null);
    assert_eq!(v["source"], "seed 000, 1st edition, Dec 2020");
    assert_eq!(v["timeZone"], "Europe/Moscow");
    assert_eq!(v["calendar"], "ru");
    assert_eq!(v["caseSubject"], "FAMILY");
    assert_eq!(v["intakeEvent"], "signal_received");

    // seed 000 §6 table 1: the stages in order; the case opens at «Открытие случая».
    assert_eq!(
        keys(&v["stages"]),
        [
            "signal_intake",
            "first_visit",
            "case_opening",
            "plan_development",
            "implementation",
            "monitoring",
            "plan_correction",
            "closure",
            "post_support",
            "declined",
            "terminated"
        ]
    );
    let first_visit = by_key(&v["stages"], "first_visit");
    assert_eq!(first_visit["name"]["ru"], "Первичный выезд");
    assert_eq!(first_visit["phase"], "assessment");
    assert_eq!(first_visit["opensCase"], false);
    assert_eq!(by_key(&v["stages"], "case_opening")["opensCase"], true);
    assert_eq!(
        keys(&first_visit["steps"]),
        [
            "assign_visit_team",
            "visit_family",
            "write_visit_report",
            "decide_on_case"
        ]
    );

    // «Выезд в семью»: within 3 working days after the signal, by the curator or the psychologist.
    let visit = by_key(&first_visit["steps"], "visit_family");
    assert_eq!(visit["name"]["ru"], "Выезд в семью");
    assert_eq!(visit["roles"], json!(["curator", "psychologist"]));
    assert_eq!(visit["after"], json!(["assign_visit_team"]));
    assert_eq!(visit["completes"], "first_visit_done");
    assert_eq!(visit["deadline"]["after"], "signal_received");
    assert_eq!(
        visit["deadline"]["within"],
        json!({ "years": 0, "months": 0, "weeks": 0, "calendarDays": 0, "workingDays": 3, "hours": 0 })
    );
    assert!(
        visit["deadline"]["source"]
            .as_str()
            .unwrap()
            .contains("в течение 3 рабочих дней после поступления сигнала")
    );
    // The report within 24 hours after the visit; the senior curator names the team in 1 working day.
    let report = by_key(&first_visit["steps"], "write_visit_report");
    assert_eq!(report["deadline"]["after"], "first_visit_done");
    assert_eq!(report["deadline"]["within"]["hours"], 24);
    assert_eq!(report["produces"], json!(["first_visit_report"]));
    let team = by_key(&first_visit["steps"], "assign_visit_team");
    assert_eq!(team["roles"], json!(["senior_curator"]));
    assert_eq!(team["deadline"]["within"]["workingDays"], 1);
    // «Обсуждение решения о взятии случая в работу» needs the report and the team's decision.
    let decide = by_key(&first_visit["steps"], "decide_on_case");
    assert_eq!(decide["requiresArtefacts"], json!(["first_visit_report"]));
    assert_eq!(
        decide["requiresDecision"],
        json!({ "decision": "take_case", "outcome": null })
    );
    assert_eq!(decide["journal"], "signal_journal");
    // «Составление Плана»: not more than 1.5 months after opening, after the signed consents.
    let plan = by_key(
        &by_key(&v["stages"], "plan_development")["steps"],
        "draw_up_plan",
    );
    assert_eq!(plan["deadline"]["after"], "case_opened");
    assert_eq!(plan["deadline"]["within"]["months"], 1);
    assert_eq!(plan["deadline"]["within"]["calendarDays"], 15);
    assert_eq!(
        plan["requiresConsents"],
        json!(["parent_data_consent", "children_data_consent"])
    );
    let team_discussion = by_key(
        &by_key(&v["stages"], "plan_development")["steps"],
        "team_plan_discussion",
    );
    assert_eq!(team_discussion["optional"], true);

    // Transitions: into the case only when the team accepted; monitoring may loop back.
    let opening = by(&v["transitions"], "to", "case_opening");
    assert_eq!(opening["from"], "first_visit");
    assert_eq!(opening["kind"], "FORWARD");
    assert_eq!(
        opening["requiresDecision"],
        json!({ "decision": "take_case", "outcome": "accept" })
    );
    assert_eq!(opening["requiresSteps"], true);
    let loops: Vec<_> = v["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "LOOP")
        .map(|t| {
            format!(
                "{}→{}",
                t["from"].as_str().unwrap(),
                t["to"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        loops,
        [
            "monitoring→plan_correction",
            "plan_correction→implementation",
            "monitoring→implementation"
        ]
    );
    // Closure: the closing conference leads into post-support; the terminated contract closes
    // the case from any stage of the work (§6 table 1, «Закрытие случая»); the refusal after the
    // first visit is its own move.
    let closing: Vec<String> = v["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "CLOSING")
        .map(|t| {
            format!(
                "{}→{}",
                t["from"].as_str().unwrap(),
                t["to"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        closing,
        [
            "closure→post_support",
            "closure→post_support",
            "plan_development→terminated",
            "implementation→terminated",
            "monitoring→terminated",
            "plan_correction→terminated",
            "closure→terminated"
        ]
    );
    let refusal = by(&v["transitions"], "kind", "REFUSAL");
    assert_eq!(
        (&refusal["from"], &refusal["to"]),
        (&json!("first_visit"), &json!("declined"))
    );
    assert_eq!(refusal["requiresDecision"]["outcome"], "refuse");

    // seed 000 §8: the roles, each with its name.
    assert_eq!(
        by_key(&v["roles"], "senior_curator")["name"]["ru"],
        "Старший куратор"
    );
    assert_eq!(
        by_key(&v["roles"], "curator")["name"]["en"],
        "Curator (social pedagogue)"
    );
    assert_eq!(v["roles"].as_array().unwrap().len(), 11);
}

async fn the_funds_take_case_vote_escalates_to_the_coordinator_then_the_head_of_direction(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let specialist = Worker::sign_in(&app, "fund.specialist").await;
    let v = variant(
        &specialist,
        &format!(
            "decisions {{ key name {TEXT} procedure deciders rule escalation requiredParticipants \
             minParticipants outcomes recordedIn source }}"
        ),
    )
    .await;
    // seed 000 §6 table 1, «Обсуждение решения о взятии случая в работу»: the team votes; without
    // unanimity the coordinator decides, then the head of direction.
    let take = by_key(&v["decisions"], "take_case");
    assert_eq!(take["name"]["ru"], "Решение о взятии случая в работу");
    assert_eq!(take["procedure"], "TEAM_VOTE");
    assert_eq!(take["rule"], "UNANIMOUS");
    assert_eq!(
        take["deciders"],
        json!([
            "curator",
            "senior_curator",
            "psychologist",
            "senior_psychologist"
        ])
    );
    assert_eq!(take["escalation"], json!(["coordinator", "project_head"]));
    assert_eq!(take["outcomes"], json!(["accept", "refuse"]));
    assert_eq!(
        take["recordedIn"],
        json!(["first_visit_report", "signal_journal"])
    );
    // «Консилиум по закрытию случая»: the curator and the senior curator among at least three.
    let closing = by_key(&v["decisions"], "closure_conference");
    assert_eq!(closing["procedure"], "CONFERENCE");
    assert_eq!(
        closing["requiredParticipants"],
        json!(["curator", "senior_curator"])
    );
    assert_eq!(closing["minParticipants"], 3);
    assert_eq!(closing["outcomes"], json!(["close", "continue"]));
    // seed 000 §13: spending above the limit needs a separate approval, by the head of
    // direction (§6 table 1, «Корректировка»).
    let cost = by_key(&v["decisions"], "cost_over_limit");
    assert_eq!(cost["procedure"], "SINGLE");
    assert_eq!(cost["deciders"], json!(["project_head"]));
    assert_eq!(cost["minParticipants"], Value::Null);
    assert!(cost["source"].as_str().unwrap().starts_with("seed 000 §13"));
}

async fn the_funds_norms_complexity_bands_closure_and_reopening_are_readable(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "fund.admin").await;
    let span = "{ years months weeks calendarDays workingDays hours }";
    let v = variant(
        &admin,
        &format!(
            "caseload {{ minTotal maxTotal optimum postSupportAllowance categories {{ classification }}
                         subLimits {{ attribute values max label }} source }}
             scoring {{ key name {TEXT} source criteria {{ key name {{ ru }} min max levels {{ points name {{ ru }} }} }}
                        bands {{ key name {{ ru }} min max canonical }} }}
             closure {{ mode criteria {{ key name {{ ru }} quiet {{ event }} }} alternatives {{ key name {{ ru }} }} source }}
             outcomes {{ key name {{ ru }} canonical }}
             caseDuration {{ min {span} max {span} source }}
             postClosure {{ min {span} max {span} }}
             reopening {{ mode restartStage source }}
             slip {{ max {span} }}
             costLimit {{ maxMinorPerYear currency overLimitDecision }}
             staffNorms {{ trainingHoursPerYear supervisionsPerYear vacationDaysPerYear }}
             scenarios {{ key name {{ ru }} fullCase skipsApprovals }}
             contactKinds {{ key name {{ ru }} }}
             journals {{ key name {{ ru }} }}
             events {{ key }}
             artefacts {{ key kind }}
             recurring {{ key startsAfter satisfiedBy {{ contacts planActions event }} cadence {{ every {span} until {span} }} }}"
        ),
    )
    .await;

    // seed 000 §13: 10 to 15 cases, optimum 12, up to 5 in post-support, at most 5 complex.
    let caseload = &v["caseload"];
    assert_eq!(caseload["minTotal"], 10);
    assert_eq!(caseload["maxTotal"], 15);
    assert_eq!(caseload["optimum"], 12);
    assert_eq!(caseload["postSupportAllowance"], 5);
    assert_eq!(caseload["categories"], Value::Null);
    assert_eq!(
        caseload["subLimits"],
        json!([{ "attribute": "complexity", "values": ["high"], "max": 5, "label": "сложных" }])
    );

    // seed 000 §11: five criteria of 1–3 points; 5–7 low, 8–12 medium, 13–15 high.
    let complexity = by_key(&v["scoring"], "complexity");
    assert_eq!(complexity["name"]["ru"], "Уровень сложности случая");
    assert_eq!(
        keys(&complexity["criteria"]),
        [
            "distance",
            "guardianship_tension",
            "resource_deficit",
            "removal_risk",
            "substance_use"
        ]
    );
    let distance = by_key(&complexity["criteria"], "distance");
    assert_eq!((&distance["min"], &distance["max"]), (&json!(1), &json!(3)));
    assert_eq!(
        distance["levels"][2],
        json!({ "points": 3, "name": { "ru": "более 110 км пути" } })
    );
    let bands: Vec<_> = complexity["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["key"].as_str().unwrap(),
                b["min"].as_i64().unwrap(),
                b["max"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(bands, [("low", 5, 7), ("medium", 8, 12), ("high", 13, 15)]);

    // seed 000 §6 table 1, «Закрытие случая»: all five criteria, or the contract terminated.
    let closure = &v["closure"];
    assert_eq!(closure["mode"], "ALL");
    assert_eq!(closure["criteria"].as_array().unwrap().len(), 5);
    assert_eq!(
        by_key(&closure["criteria"], "removal_risk_minimal")["name"]["ru"],
        "Риск отобрания отсутствует или минимален"
    );
    assert_eq!(keys(&closure["alternatives"]), ["contract_terminated"]);
    assert_eq!(
        by_key(&v["outcomes"], "child_removed")["canonical"],
        "child_placed_out_of_family"
    );

    // seed 000 §13: a case lasts 3 months to 1.5 years; post-support half a year or more.
    assert_eq!(v["caseDuration"]["min"]["months"], 3);
    assert_eq!(v["caseDuration"]["max"]["years"], 1);
    assert_eq!(v["caseDuration"]["max"]["months"], 6);
    assert_eq!(v["postClosure"]["min"]["months"], 6);
    assert_eq!(v["postClosure"]["max"], Value::Null);
    // Regression in post-support opens a new case that inherits every document, from signal
    // intake (§3).
    assert_eq!(v["reopening"]["mode"], "NEW_CASE_INHERITS_DOCUMENTS");
    assert_eq!(v["reopening"]["restartStage"], "signal_intake");
    // At most 10 days of accumulated slip; 500 000 roubles a year; 10 h training, 2 supervisions.
    assert_eq!(v["slip"]["max"]["calendarDays"], 10);
    assert_eq!(
        v["costLimit"],
        json!({ "maxMinorPerYear": 50_000_000, "currency": "RUB", "overLimitDecision": "cost_over_limit" })
    );
    assert_eq!(
        v["staffNorms"],
        json!({ "trainingHoursPerYear": 10, "supervisionsPerYear": 2, "vacationDaysPerYear": 28 })
    );

    // seed 000 §10: one-time help opens no full case; an emergency skips prior approvals.
    assert_eq!(
        keys(&v["scenarios"]),
        [
            "one_time_help",
            "planned_support",
            "emergency",
            "permanent_support"
        ]
    );
    assert_eq!(by_key(&v["scenarios"], "one_time_help")["fullCase"], false);
    assert_eq!(by_key(&v["scenarios"], "emergency")["skipsApprovals"], true);
    assert_eq!(by_key(&v["scenarios"], "planned_support")["fullCase"], true);

    assert_eq!(
        keys(&v["contactKinds"]),
        ["meeting", "home_visit", "phone_call"]
    );
    assert_eq!(
        by_key(&v["journals"], "signal_journal")["name"]["ru"],
        "Журнал приёма сигналов"
    );
    assert_eq!(v["events"].as_array().unwrap().len(), 12);
    assert_eq!(
        by_key(&v["artefacts"], "charity_contract")["kind"],
        "CONTRACT"
    );
    // seed 000 §13: at least one plan action every two weeks, counted from the agreed plan.
    let every_two_weeks = by_key(&v["recurring"], "plan_action_every_two_weeks");
    assert_eq!(every_two_weeks["startsAfter"], "plan_agreed");
    assert_eq!(every_two_weeks["satisfiedBy"]["planActions"], true);
    assert_eq!(every_two_weeks["cadence"][0]["every"]["weeks"], 2);
    assert_eq!(every_two_weeks["cadence"][0]["until"], Value::Null);
}

async fn the_clinics_variant_names_the_appendix_3_sections(backend: Backend) {
    let app = spawn_app(backend).await;
    let psychologist = Worker::sign_in(&app, "clinic.specialist").await;
    let v = variant(
        &psychologist,
        &format!(
            "key name {TEXT} timeZone calendar caseSubject reminderWindow {{ hours }}
             artefacts {{ key name {TEXT} kind appendix sections {{ key name {TEXT} fields {{ key name {TEXT} kind required }} }} }}"
        ),
    )
    .await;
    assert_eq!(v["key"], "clinic");
    assert_eq!(
        v["name"]["kk"],
        "МСАК әлеуметтік қызметкерінің кейс-менеджменті"
    );
    assert_eq!(v["timeZone"], "Asia/Almaty");
    assert_eq!(v["calendar"], "kz");
    // seed 004: one case file per child.
    assert_eq!(v["caseSubject"], "CHILD");
    assert_eq!(v["reminderWindow"]["hours"], 1);

    // seed 004, Appendix 3: the comprehensive assessment of the child's and family's needs.
    let report = by_key(&v["artefacts"], "comprehensive_assessment_report");
    assert_eq!(report["kind"], "REPORT");
    assert_eq!(
        report["appendix"],
        "Приложение 3 (приложение № 7 (б) к приказу 907 МЗ РК)"
    );
    assert_eq!(
        keys(&report["sections"]),
        [
            "family_data",
            "reason",
            "when_and_who",
            "history",
            "child_health_development",
            "parental_care",
            "housing_environment",
            "analysis",
            "recommendations",
            "family_comments"
        ]
    );
    let names: Vec<_> = report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"]["ru"].as_str().unwrap())
        .collect();
    assert_eq!(names[0], "Информация о ребёнке и семье");
    assert_eq!(names[4], "Здоровье и развитие ребёнка/детей");
    assert_eq!(names[7], "Анализ текущей ситуации");
    assert_eq!(names[9], "Подпись и комментарии семьи");
    // The analysis: seven required free-text fields, from strengths to the help needed.
    let analysis = by_key(&report["sections"], "analysis");
    assert_eq!(
        keys(&analysis["fields"]),
        [
            "strengths",
            "concerns",
            "likely_consequences",
            "parents_response",
            "safety_capacity",
            "change_capacity",
            "help_needed"
        ]
    );
    for field in analysis["fields"].as_array().unwrap() {
        assert_eq!(field["kind"], "LONG_TEXT", "{field:#}");
        assert_eq!(field["required"], true, "{field:#}");
    }
    let members = &by_key(&report["sections"], "family_data")["fields"][0];
    assert_eq!(members["kind"], "TABLE");
    assert_eq!(members["name"]["en"], "Household members");
    let family = by_key(&report["sections"], "family_comments");
    assert_eq!(by_key(&family["fields"], "signature")["kind"], "SIGNATURE");
    assert_eq!(by_key(&family["fields"], "signature")["required"], false);

    // Appendix 1, the request form, and Appendix 4, the individual plan.
    let request = by_key(&v["artefacts"], "request_form");
    assert_eq!(request["appendix"], "Приложение 1");
    let receiver = by_key(&request["sections"], "receiver");
    assert_eq!(
        keys(&receiver["fields"]),
        ["name", "date", "time", "signature"]
    );
    assert_eq!(by_key(&receiver["fields"], "time")["kind"], "TIME");
    let plan = by_key(&v["artefacts"], "individual_plan");
    assert!(
        plan["appendix"]
            .as_str()
            .unwrap()
            .starts_with("Приложение 4")
    );
    assert_eq!(keys(&plan["sections"]), ["needs", "actions", "reviews"]);
}

async fn the_clinics_urgent_protection_is_due_within_an_hour_for_high_risk_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let worker = Worker::sign_in(&app, "clinic.curator").await;
    let v = variant(
        &worker,
        &format!(
            "classifications {{ key name {{ ru }} purpose tracked source values {{ key name {{ ru }} canonical criteria }} }}
             stages {{ key steps {{ {STEP_FIELDS} }} }}
             decisions {{ key procedure deciders requiredParticipants minParticipants outcomes }}
             transitions {{ from to when {{ attribute values }} requiresDecision {{ decision outcome }} }}
             postClosure {{ min {{ months }} max {{ months }} source }}
             reopening {{ mode restartStage }}
             attributes {{ key name {{ ru }} values {{ key name {{ ru }} }} }}
             recurring {{ key when {{ attribute values }} cadence {{ every {{ weeks months }} until {{ months }} }} }}"
        ),
    )
    .await;

    // seed 004 §7, 1-этап: the risk level is chosen by criteria lists.
    let risk = by_key(&v["classifications"], "risk");
    assert_eq!(risk["purpose"], "RISK");
    assert_eq!(risk["tracked"], true);
    assert_eq!(keys(&risk["values"]), ["high", "medium", "low", "none"]);
    let high = by_key(&risk["values"], "high");
    assert_eq!(
        high["name"]["ru"],
        "Высокий риск: ребёнок нуждается в немедленной защите"
    );
    assert_eq!(high["criteria"].as_array().unwrap().len(), 5);
    assert_eq!(
        high["criteria"][3],
        "Физическое или сексуальное насилие в отношении ребёнка"
    );

    // Urgent protective action within one hour of the request, agreed with the supervisor, only
    // for a high risk; the primary assessment for medium and low.
    let urgent_stage = by_key(&v["stages"], "urgent_or_primary");
    let urgent = by_key(&urgent_stage["steps"], "urgent_protection");
    assert_eq!(
        urgent["when"],
        json!({ "attribute": "risk", "values": ["high"] })
    );
    // The hour counts from when high risk is found (seed 004 §7, step 1).
    assert_eq!(urgent["deadline"]["after"], "high_risk_identified");
    assert_eq!(urgent["deadline"]["within"]["hours"], 1);
    assert_eq!(urgent["deadline"]["within"]["workingDays"], 0);
    assert_eq!(
        urgent["requiresDecision"]["decision"],
        "urgent_measures_agreement"
    );
    assert_eq!(
        by_key(&urgent_stage["steps"], "primary_assessment")["when"]["values"],
        json!(["medium", "low"])
    );
    let agreement = by_key(&v["decisions"], "urgent_measures_agreement");
    assert_eq!(agreement["procedure"], "SINGLE");
    assert_eq!(agreement["deciders"], json!(["supervisor"]));
    // 3-этап: the plan is reviewed at a meeting the supervisor leads, with at least three people.
    let review = by_key(&v["decisions"], "plan_review_meeting");
    assert_eq!(review["procedure"], "CONFERENCE");
    assert_eq!(review["minParticipants"], 3);
    assert_eq!(
        review["outcomes"],
        json!([
            "continue_with_corrections",
            "extend_institution_stay",
            "separate_from_family",
            "close"
        ])
    );
    // Two ways into the comprehensive assessment: a high risk, or a confirmed primary assessment.
    let into_assessment: Vec<_> = v["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["to"] == "assessment_and_plan")
        .collect();
    assert_eq!(into_assessment.len(), 2);
    assert_eq!(into_assessment[0]["when"]["values"], json!(["high"]));
    assert_eq!(
        into_assessment[1]["requiresDecision"],
        json!({ "decision": "primary_assessment_result", "outcome": "confirmed" })
    );
    // 4-этап: follow-up for 3 to 6 months; a relapse reopens the same file from registration.
    assert_eq!(v["postClosure"]["min"]["months"], 3);
    assert_eq!(v["postClosure"]["max"]["months"], 6);
    assert_eq!(
        v["reopening"],
        json!({ "mode": "SAME_CASE_ALL_STEPS", "restartStage": "registration" })
    );
    // 3-этап: contact with a child at home weekly in the first month, then monthly.
    let placement = by_key(&v["attributes"], "placement");
    assert_eq!(
        keys(&placement["values"]),
        ["parents", "extended_family", "institution", "foster_family"]
    );
    let contact = by_key(&v["recurring"], "contact_with_parents");
    assert_eq!(contact["when"]["values"], json!(["parents"]));
    assert_eq!(
        contact["cadence"],
        json!([
            { "every": { "weeks": 1, "months": 0 }, "until": { "months": 1 } },
            { "every": { "weeks": 0, "months": 1 }, "until": null }
        ])
    );
}

async fn the_state_centres_caseload_caps_6_12_24_are_readable(backend: Backend) {
    let app = spawn_app(backend).await;
    let supervisor = Worker::sign_in(&app, "state_centre.supervisor").await;
    let v = variant(
        &supervisor,
        "key caseload { minTotal maxTotal optimum categories { classification mode caps { value max } } source }
         classifications { key purpose values { key name { ru } canonical caseloadLabel } }
         stages { key name { ru } duration { min { months } max { months years } source } steps { key deadline { within { workingDays } } } }
         closure { mode criteria { key quiet { event forAtLeast { months } } } }",
    )
    .await;
    assert_eq!(v["key"], "state_centre");
    // seed 003 §1.8: at most 6 СОП families, 12 ТЖС, 24 needing support, combined as one load.
    let caseload = &v["caseload"];
    assert_eq!(caseload["maxTotal"], Value::Null);
    assert_eq!(caseload["categories"]["classification"], "family_category");
    assert_eq!(caseload["categories"]["mode"], "WEIGHTED");
    assert_eq!(
        caseload["categories"]["caps"],
        json!([
            { "value": "sop", "max": 6 },
            { "value": "tzhs", "max": 12 },
            { "value": "needs_support", "max": 24 }
        ])
    );
    assert!(
        caseload["source"]
            .as_str()
            .unwrap()
            .starts_with("seed 003 §1.8")
    );
    let category = by_key(&v["classifications"], "family_category");
    assert_eq!(category["purpose"], "CATEGORY");
    let sop = by_key(&category["values"], "sop");
    assert_eq!(
        sop["name"]["ru"],
        "Семья в социально опасном положении (СОП)"
    );
    assert_eq!(sop["caseloadLabel"], "в СОП");
    assert_eq!(sop["canonical"], "high");

    // seed 003 §1.5.1–§1.5.5: five stages; the reflective one lasts 1 to 3 months, the activity
    // up to a year, the supporting one at most a month.
    assert_eq!(
        keys(&v["stages"]),
        [
            "diagnostic",
            "target",
            "activity",
            "reflective",
            "supporting",
            "closed"
        ]
    );
    let reflective = by_key(&v["stages"], "reflective");
    assert_eq!(reflective["duration"]["min"]["months"], 1);
    assert_eq!(reflective["duration"]["max"]["months"], 3);
    assert_eq!(
        by_key(&v["stages"], "activity")["duration"]["max"]["years"],
        1
    );
    assert_eq!(
        by_key(&v["stages"], "supporting")["duration"]["max"]["months"],
        1
    );
    // seed 003 §3.1: the working group informed within 5 working days, the draft in 10.
    let diagnostic = by_key(&v["stages"], "diagnostic");
    assert_eq!(
        by_key(&diagnostic["steps"], "inform_working_group")["deadline"]["within"]["workingDays"],
        5
    );
    assert_eq!(
        by_key(
            &by_key(&v["stages"], "target")["steps"],
            "present_draft_programme"
        )["deadline"]["within"]["workingDays"],
        10
    );
    // seed 003 §6.1.2: the criteria are advisory; «no antisocial behaviour for 3 months» is
    // checked from the facts.
    assert_eq!(v["closure"]["mode"], "ADVISORY");
    assert_eq!(
        by_key(&v["closure"]["criteria"], "no_antisocial_behaviour")["quiet"],
        json!({ "event": "antisocial_behaviour_fact", "forAtLeast": { "months": 3 } })
    );
}

async fn every_member_reads_the_variant_methodologists_included_and_nobody_else(backend: Backend) {
    let app = spawn_app(backend).await;
    let query = "{ variant { key version caseload { maxTotal } } }";
    // Methodologists see no case data, but the variant holds none: they read it.
    for login in [
        "fund.methodologist",
        "fund.admin",
        "fund.supervisor",
        "fund.curator",
        "fund.specialist",
    ] {
        let who = Worker::sign_in(&app, login).await;
        let answer = who.gql(query, json!({})).await;
        assert_eq!(answer.data()["variant"]["key"], "fund", "{login}");
        assert_eq!(
            answer.data()["variant"]["caseload"]["maxTotal"],
            15,
            "{login}"
        );
    }
    let methodologist = Worker::sign_in(&app, "fund.methodologist").await;
    let cases = methodologist
        .gql("{ cases { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(cases.error_code(), "FORBIDDEN");

    // Each organisation reads its own: seed 001 §2.7 — at most 15 families per case manager.
    let volunteers = Worker::sign_in(&app, "volunteers.specialist").await;
    let answer = volunteers.ok(query, json!({})).await;
    assert_eq!(answer["variant"]["key"], "volunteers");
    assert_eq!(answer["variant"]["caseload"]["maxTotal"], 15);
    // …and not another's.
    let curator = Worker::sign_in(&app, "fund.curator").await;
    let other = curator.gql_as_tenant("clinic", query, json!({})).await;
    assert_eq!(other.error_code(), "FORBIDDEN");
    let unknown = curator.gql_as_tenant("nowhere", query, json!({})).await;
    assert_eq!(unknown.error_code(), "NOT_FOUND");
    // The platform administrator belongs to no organisation.
    let admin = app.login("admin").await;
    let platform = app
        .graphql_for_tenant(query, json!({}), Some(&admin), Some("fund"))
        .await;
    assert_eq!(platform.error_code(), "FORBIDDEN");
    let anonymous = app
        .graphql_for_tenant(query, json!({}), None, Some("fund"))
        .await;
    assert_eq!(anonymous.error_code(), "UNAUTHENTICATED");
    let no_header = app.graphql(query, json!({}), Some(&curator.token)).await;
    assert_eq!(no_header.error_code(), "BAD_USER_INPUT");
}

async fn an_older_version_stays_readable_for_the_cases_pinned_to_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let (case_id, mut document) = {
        let supervisor = Worker::sign_in(&app, "fund.supervisor").await;
        let opened = supervisor
            .open_case(
                demo_family("Смирнов"),
                json!({}),
                "2026-04-06T07:00:00Z",
                None,
            )
            .await;
        let case_id = opened.data()["openCase"]["id"].as_str().unwrap().to_owned();
        let document =
            supervisor.ok("{ variant { document } }", json!({})).await["variant"]["document"]
                .clone();
        (case_id, document)
    };

    // The fund publishes version 2: the first visit within 2 working days instead of 3.
    assert_eq!(document["version"], 1);
    assert_eq!(
        document["stages"][1]["steps"][1]["deadline"]["within"],
        json!({ "working_days": 3 })
    );
    document["version"] = json!(2);
    document["stages"][1]["steps"][1]["deadline"]["within"] = json!({ "working_days": 2 });
    {
        let slug = kurator_domain::TenantSlug::parse("fund").unwrap();
        let runtime = app.state.inner.tenants.by_slug(&slug).unwrap();
        let tx = runtime.begin().await.unwrap();
        kurator_store::tenant::variants::publish(&tx, "fund", 2, document, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let app = spawn_app(app.stop().await).await;
    let supervisor = Worker::sign_in(&app, "fund.supervisor").await;

    let visit = "key version publishedVersions
        stages { key steps { key deadline { within { workingDays } } } }";
    let current = supervisor
        .ok(&format!("{{ variant {{ {visit} }} }}"), json!({}))
        .await["variant"]
        .clone();
    assert_eq!(current["version"], 2);
    assert_eq!(current["publishedVersions"], json!([1, 2]));
    let days = |v: &Value| {
        by_key(
            &by_key(&v["stages"], "first_visit")["steps"],
            "visit_family",
        )["deadline"]["within"]["workingDays"]
            .clone()
    };
    assert_eq!(days(&current), 2);

    // The case opened before stays pinned to version 1, and version 1 is still readable.
    let card = supervisor
        .ok(
            "query($id: ID!) { case(id: $id) { variantVersion } }",
            json!({ "id": case_id }),
        )
        .await;
    assert_eq!(card["case"]["variantVersion"], 1);
    let pinned = supervisor
        .ok(
            &format!("query($v: Int) {{ variant(version: $v) {{ {visit} }} }}"),
            json!({ "v": 1 }),
        )
        .await["variant"]
        .clone();
    assert_eq!(pinned["version"], 1);
    assert_eq!(days(&pinned), 3);
    let missing = supervisor
        .gql("{ variant(version: 3) { key } }", json!({}))
        .await;
    assert_eq!(missing.error_code(), "NOT_FOUND");
}

const NEXT: &str = "query($id: ID!, $as: String!, $at: DateTime) {
    case(id: $id, asOf: $at) {
        stage { key }
        nextActions(actingAs: $as) {
            kind action name { ru en } ready
            missing {
                code message step stage currentStage role allowedRoles artefact consent decision
                requiredOutcome actualOutcome attribute expectedValues steps until
            }
        }
    }
}";

async fn next_actions(who: &Worker<'_>, case_id: &str, acting_as: &str, at: &str) -> Value {
    let answer = who
        .ok(NEXT, json!({ "id": case_id, "as": acting_as, "at": at }))
        .await;
    answer["case"]["nextActions"].clone()
}

fn action<'v>(actions: &'v Value, key: &str) -> &'v Value {
    by(actions, "action", key)
}

fn missing<'v>(action: &'v Value, code: &str) -> &'v Value {
    by(&action["missing"], "code", code)
}

/// A fund family accepted at intake: the case waits at «Получение сигнала» for the senior
/// curator's triage.
async fn fund_case_at_signal_intake(
    curator: &Worker<'_>,
    supervisor: &Worker<'_>,
) -> (String, i64) {
    let registered = curator
        .register_signal(json!({
            "receivedAt": "2026-04-06T07:00:00Z",
            "source": "school",
            "channel": "call",
            "requester": { "name": "Социальный педагог школы", "relation": "педагог" },
            "subject": { "name": "Семья Ивановых", "address": "Смоленская обл., д. Ивановка" },
            "parents": { "mother": { "name": "Иванова Мария" } },
            "grounds": "Семья в трудной ситуации",
            "followUp": "Первичный выезд команды фонда"
        }))
        .await;
    let signal = registered.data()["registerSignal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let decided = supervisor
        .decide_signal(
            &signal,
            1,
            json!({ "kind": "ACCEPT", "family": demo_family("Иванов") }),
            "2026-04-06T07:30:00Z",
        )
        .await;
    let case_id = decided.data()["decideSignal"]["caseId"]
        .as_str()
        .unwrap()
        .to_owned();
    let card = supervisor.case(&case_id, "2026-04-06T07:45:00Z").await;
    assert_eq!(card["stage"]["key"], "signal_intake");
    (case_id, card["version"].as_i64().unwrap())
}

async fn next_actions_for_a_fund_case_at_signal_intake_name_the_missing_signal_triage_decision(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "fund.curator").await;
    let supervisor = Worker::sign_in(&app, "fund.supervisor").await;
    let (case_id, _) = fund_case_at_signal_intake(&curator, &supervisor).await;

    // seed 000 §6 table 1, «Принятие сигнала / отказ / перенаправление»: the senior curator's
    // decision is what the triage step and the move to the first visit wait for.
    let next = next_actions(
        &supervisor,
        &case_id,
        "senior_curator",
        "2026-04-06T08:00:00Z",
    )
    .await;
    let triage = action(&next, "triage_signal");
    assert_eq!(triage["kind"], "STEP");
    assert_eq!(
        triage["name"]["ru"],
        "Принятие сигнала / отказ / перенаправление"
    );
    assert_eq!(triage["ready"], false);
    assert_eq!(codes(triage), ["missing_decision"]);
    let decision = missing(triage, "missing_decision");
    assert_eq!(decision["decision"], "signal_triage");
    assert_eq!(
        decision["message"],
        "нет решения «Принятие сигнала / отказ / перенаправление»"
    );
    assert_eq!(decision["allowedRoles"], json!([]));
    assert_eq!(decision["step"], Value::Null);

    let to_visit = action(&next, "first_visit");
    assert_eq!(to_visit["kind"], "TRANSITION");
    assert_eq!(to_visit["name"]["ru"], "Первичный выезд");
    assert_eq!(to_visit["name"]["en"], "First visit");
    assert_eq!(to_visit["ready"], false);
    assert_eq!(codes(to_visit), ["missing_decision", "steps_not_done"]);
    assert_eq!(
        missing(to_visit, "missing_decision")["decision"],
        "signal_triage"
    );
    assert_eq!(
        missing(to_visit, "steps_not_done")["steps"],
        json!(["triage_signal"])
    );
    assert_eq!(
        missing(to_visit, "steps_not_done")["message"],
        "не выполнены обязательные шаги: «Принятие сигнала / отказ / перенаправление»"
    );
    // The signal was received when the case started: that step is not offered again.
    assert!(
        next.as_array()
            .unwrap()
            .iter()
            .all(|a| a["action"] != "receive_signal"),
        "{next:#}"
    );
}

async fn next_actions_for_a_fund_case_at_first_visit_name_the_missing_take_case_decision(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "fund.curator").await;
    let supervisor = Worker::sign_in(&app, "fund.supervisor").await;
    let (case_id, v) = fund_case_at_signal_intake(&curator, &supervisor).await;
    let triage = json!({
        "actingAs": "senior_curator",
        "at": "2026-04-06T08:00:00Z",
        "decisions": [{
            "key": "signal_triage",
            "votes": [{ "role": "senior_curator", "person": supervisor.user_id, "choice": "accept" }]
        }]
    });
    let done = supervisor.step(&case_id, v, "triage_signal", triage).await;
    let v = version(&done, "performStep");
    let moved = supervisor
        .move_case(
            &case_id,
            v,
            "first_visit",
            json!({ "actingAs": "senior_curator", "at": "2026-04-06T08:05:00Z" }),
        )
        .await;
    assert_eq!(moved.data()["moveCase"]["stage"]["key"], "first_visit");

    // seed 000 §6 table 1, «Обсуждение решения о взятии случая в работу»: before the visit, the
    // report and the team's vote, the senior curator's decision step lacks all three.
    let next = next_actions(
        &supervisor,
        &case_id,
        "senior_curator",
        "2026-04-06T09:00:00Z",
    )
    .await;
    let steps: Vec<_> = next
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "STEP")
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "assign_visit_team",
            "visit_family",
            "write_visit_report",
            "decide_on_case"
        ]
    );
    // Naming the visit team is the senior curator's and can be done now.
    let team = action(&next, "assign_visit_team");
    assert_eq!(team["ready"], true);
    assert_eq!(team["missing"], json!([]));

    let decide = action(&next, "decide_on_case");
    assert_eq!(decide["ready"], false);
    assert_eq!(
        codes(decide),
        [
            "prerequisite_missing",
            "missing_artefact",
            "missing_decision"
        ]
    );
    let first = missing(decide, "prerequisite_missing");
    assert_eq!(first["step"], "write_visit_report");
    assert_eq!(
        first["message"],
        "сначала нужно выполнить шаг «Отчёт о первичном выезде»"
    );
    let report = missing(decide, "missing_artefact");
    assert_eq!(report["artefact"], "first_visit_report");
    assert_eq!(
        report["message"],
        "нет документа «Отчёт о первичном выезде»"
    );
    let decision = missing(decide, "missing_decision");
    assert_eq!(decision["decision"], "take_case");
    assert_eq!(
        decision["message"],
        "нет решения «Решение о взятии случая в работу»"
    );

    // Opening the case needs the team's «accept» and every step of the first visit.
    let opening = action(&next, "case_opening");
    assert_eq!(opening["kind"], "TRANSITION");
    assert_eq!(codes(opening), ["missing_decision", "steps_not_done"]);
    assert_eq!(
        missing(opening, "missing_decision")["decision"],
        "take_case"
    );
    assert_eq!(
        missing(opening, "steps_not_done")["steps"],
        json!([
            "assign_visit_team",
            "visit_family",
            "write_visit_report",
            "decide_on_case"
        ])
    );
}

async fn next_actions_for_a_high_risk_child_name_the_supervisors_agreement_to_urgent_measures(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let worker = Worker::sign_in(&app, "clinic.curator").await;
    let registered = worker
        .register_signal(json!({
            "receivedAt": "2026-04-06T04:00:00Z",
            "source": "medical_staff",
            "channel": "in_person",
            "requester": { "name": "Участковая медсестра", "relation": "специалист" },
            "subject": { "name": "Сейтов Алихан", "birthDate": "2023-01-15" },
            "parents": { "mother": { "name": "Сейтова Айжан" } },
            "grounds": "Ребёнок оставлен без присмотра",
            "followUp": "Выезд социального работника",
            "triage": { "classifications": [{ "key": "risk", "value": "high" }] },
            "form": kurator_tests::casework::clinic_request_form()
        }))
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
    let card = worker.case(&case_id, "2026-04-06T04:10:00Z").await;
    let moved = worker
        .move_case(
            &case_id,
            card["version"].as_i64().unwrap(),
            "urgent_or_primary",
            json!({ "actingAs": "social_worker", "at": "2026-04-06T04:20:00Z" }),
        )
        .await;
    assert_eq!(
        moved.data()["moveCase"]["stage"]["key"],
        "urgent_or_primary"
    );

    // seed 004 §7, 1-этап: urgent measures are agreed with the supervisor; the primary
    // assessment is for medium and low risk and is not offered.
    let next = next_actions(&worker, &case_id, "social_worker", "2026-04-06T04:30:00Z").await;
    let urgent = action(&next, "urgent_protection");
    assert_eq!(codes(urgent), ["missing_decision"]);
    let agreement = missing(urgent, "missing_decision");
    assert_eq!(agreement["decision"], "urgent_measures_agreement");
    assert_eq!(
        agreement["message"],
        "нет решения «Согласование срочных мер с супервизором»"
    );
    assert!(
        next.as_array()
            .unwrap()
            .iter()
            .all(|a| a["action"] != "primary_assessment"),
        "{next:#}"
    );
    // A high risk opens the way to the comprehensive assessment once the urgent step is done.
    let onward = action(&next, "assessment_and_plan");
    assert_eq!(codes(onward), ["steps_not_done"]);
    assert_eq!(
        missing(onward, "steps_not_done")["steps"],
        json!(["urgent_protection"])
    );
}

async fn next_actions_name_who_may_act_when_the_role_may_not(backend: Backend) {
    let app = spawn_app(backend).await;
    let supervisor = Worker::sign_in(&app, "state_centre.supervisor").await;
    let opened = supervisor
        .open_case(
            demo_family("Фёдоров"),
            json!({ "family_category": "tzhs" }),
            "2026-04-06T07:00:00Z",
            None,
        )
        .await;
    let case_id = opened.data()["openCase"]["id"].as_str().unwrap().to_owned();

    // seed 003 §1.5.1: at the diagnostic stage the family curator registers the family and sets
    // its category; a member of the working group may not.
    let next = next_actions(
        &supervisor,
        &case_id,
        "working_group",
        "2026-04-06T08:00:00Z",
    )
    .await;
    let register = action(&next, "register_family");
    assert_eq!(codes(register), ["role_not_allowed"]);
    let role = missing(register, "role_not_allowed");
    assert_eq!(role["role"], "working_group");
    assert_eq!(role["allowedRoles"], json!(["family_curator"]));
    assert_eq!(
        role["message"],
        "роль «Рабочая группа» не может выполнить это действие; могут: Куратор семьи"
    );
    let inspect = action(&next, "inspect_housing");
    assert_eq!(
        missing(inspect, "role_not_allowed")["allowedRoles"],
        json!(["family_curator", "specialist"])
    );
    // The move to the target stage has no role of its own: only the three steps are missing.
    let target = action(&next, "target");
    assert_eq!(codes(target), ["steps_not_done"]);
    assert_eq!(
        missing(target, "steps_not_done")["steps"],
        json!(["register_family", "inspect_housing", "inform_working_group"])
    );

    // The family curator may do each step now.
    let next = next_actions(
        &supervisor,
        &case_id,
        "family_curator",
        "2026-04-06T08:00:00Z",
    )
    .await;
    for step in ["register_family", "inspect_housing", "inform_working_group"] {
        assert_eq!(action(&next, step)["ready"], true, "{next:#}");
    }
}

async fn next_actions_refuse_a_role_the_variant_does_not_have(backend: Backend) {
    let app = spawn_app(backend).await;
    let supervisor = Worker::sign_in(&app, "fund.supervisor").await;
    let opened = supervisor
        .open_case(
            demo_family("Козлов"),
            json!({}),
            "2026-04-06T07:00:00Z",
            None,
        )
        .await;
    let case_id = opened.data()["openCase"]["id"].as_str().unwrap().to_owned();
    // The clinic's social worker is not a role of the fund's variant.
    let answer = supervisor
        .gql(
            NEXT,
            json!({ "id": case_id, "as": "social_worker", "at": "2026-04-06T08:00:00Z" }),
        )
        .await;
    assert_eq!(answer.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        answer.error_message(),
        "actingAs: в варианте технологии нет роли «social_worker»"
    );
}

//! An organisation administrator changes the method variant over the API: saves a draft (every
//! problem with its path), reads the diff classed safe or breaking, publishes a new version that
//! new cases start under, previews what moving the open cases would do, and moves them case by
//! case — resumable after a crash, each move recorded, nothing half-applied on bad input.

use crate::scenarios::clinic::{confirmed_medium_risk_case, plan_in_implementation};
use kurator_tests::casework::{Worker, demo_family, version};
use kurator_tests::fund::FundTeam;
use kurator_tests::{Backend, GqlResponse, db_suites, spawn_app};
use serde_json::{Value, json};
use std::collections::BTreeSet;

db_suites!(
    the_state_centre_lengthens_informing_the_working_group_to_seven_working_days,
    the_fund_adds_a_step_to_plan_development_and_migrates_a_case_through_it,
    a_stage_removed_from_the_clinics_variant_needs_a_mapping_before_apply,
    a_migration_stopped_by_a_crash_resumes_without_moving_a_case_twice,
    bad_drafts_stale_versions_unknown_stages_and_older_targets_are_refused_and_change_nothing,
    a_shortened_deadline_falls_overdue_at_once_and_the_report_says_whose_in_csv_and_xlsx,
);

pub(crate) const DRAFT: &str = "{ variantDraft { version exists format } }";
pub(crate) const SAVE: &str = "mutation($d: String!, $f: VariantFormat!, $v: Int) {
    saveVariantDraft(document: $d, format: $f, expectedVersion: $v) { version exists format } }";
pub(crate) const DIFF: &str = "{ variantDraftDiff { publishedVersion draftVersion breaking
    changes { path kind from to impact reason }
    vocabularyWarnings { code item key path from to message } } }";
pub(crate) const PUBLISH: &str = "mutation($v: Int!) { publishVariantDraft(expectedDraftVersion: $v) {
    published version variant { version } pendingPublication { draftVersion requestedBy requestedAt }
    vocabularyWarnings { code path from to } } }";
const REPORT: &str = "toVersion moved needsDecision staying csv xlsx cases { caseId number status
    fromVersion stageFrom stageTo needsDecision staysOnVersion reason
    decisionReasons { code message keepsCase } added { key due } removed { key due }
    moved { before { key due status } after { key due status } }
    overdueAtOnce { key label due status responsibleIds supervisorsResponsible methodRoles }
    requirementsNowUnmet { kind key outcome forStep forMoveTo blocksNextMove summary } }";

/// A preset as shipped (a data file), for the administrator to edit.
pub(crate) fn preset(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/method/presets")
        .join(format!("{name}.toml"));
    std::fs::read_to_string(path).unwrap()
}

/// `text` with `from` replaced, which must occur exactly once.
pub(crate) fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from}");
    text.replacen(from, to, 1)
}

pub(crate) async fn save(admin: &Worker<'_>, toml: &str) -> GqlResponse {
    let draft = admin.ok(DRAFT, json!({})).await;
    admin
        .gql(
            SAVE,
            json!({ "d": toml, "f": "TOML", "v": draft["variantDraft"]["version"] }),
        )
        .await
}

/// Saves `toml` as the draft and publishes it; the new version.
pub(crate) async fn publish(admin: &Worker<'_>, toml: &str) -> i64 {
    let saved = save(admin, toml).await;
    assert!(saved.errors().is_empty(), "{:#}", saved.body);
    let published = admin
        .gql(PUBLISH, json!({ "v": version(&saved, "saveVariantDraft") }))
        .await;
    assert!(published.errors().is_empty(), "{:#}", published.body);
    published.data()["publishVariantDraft"]["version"]
        .as_i64()
        .unwrap()
}

async fn preview(admin: &Worker<'_>, to: i64, mapping: Value, at: &str) -> GqlResponse {
    admin
        .gql(
            &format!(
                "query($t: Int!, $m: [StageMappingInput!], $at: DateTime) {{
                    variantMigrationPreview(toVersion: $t, stageMapping: $m, asOf: $at) {{ {REPORT} }} }}"
            ),
            json!({ "t": to, "m": mapping, "at": at }),
        )
        .await
}

async fn apply(admin: &Worker<'_>, to: i64, mapping: Value, at: &str) -> GqlResponse {
    admin
        .gql(
            &format!(
                "mutation($t: Int!, $m: [StageMappingInput!], $at: DateTime) {{
                    applyVariantMigration(toVersion: $t, stageMapping: $m, asOf: $at) {{ {REPORT} }} }}"
            ),
            json!({ "t": to, "m": mapping, "at": at }),
        )
        .await
}

/// The report of one case in a preview or run.
fn case_report<'v>(report: &'v Value, case_id: &str) -> &'v Value {
    report["cases"]
        .as_array()
        .and_then(|cases| cases.iter().find(|c| c["caseId"] == case_id))
        .unwrap_or_else(|| panic!("no case {case_id} in {report:#}"))
}

fn ids(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

pub(crate) async fn card(worker: &Worker<'_>, case_id: &str) -> Value {
    worker
        .ok(
            "query($id: ID!) { case(id: $id) { id version variantVersion stage { key } } }",
            json!({ "id": case_id }),
        )
        .await["case"]
        .clone()
}

/// The problem codes and fields of a refusal.
pub(crate) fn problems(response: &GqlResponse) -> Vec<(String, Option<String>)> {
    response.errors()[0]["extensions"]["details"]["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems in {:#}", response.body))
        .iter()
        .map(|p| {
            (
                p["code"].as_str().unwrap().to_owned(),
                p["field"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// Information about a family reaches the state centre (seed 003) and is accepted.
pub(crate) async fn state_centre_case(
    curator: &Worker<'_>,
    supervisor: &Worker<'_>,
    surname: &str,
    received_at: &str,
) -> String {
    let registered = curator
        .register_signal(json!({
            "receivedAt": received_at,
            "source": "school",
            "channel": "call",
            "requester": { "name": "Социальный педагог школы №2", "relation": "педагог" },
            "subject": { "name": format!("{surname} Артём"), "birthDate": "2019-05-06", "sex": "m", "address": "г. Льгов" },
            "parents": { "mother": { "name": format!("{surname}а Мария"), "whereabouts": "г. Льгов", "occupation": "не работает" } },
            "grounds": "Ребёнок пропускает занятия",
            "followUp": "Посещение семьи специалистом центра",
            "triage": { "classifications": [{ "key": "family_category", "value": "tzhs" }] }
        }))
        .await;
    assert!(registered.errors().is_empty(), "{:#}", registered.body);
    let signal = registered.data()["registerSignal"]["id"].as_str().unwrap();
    let decided = supervisor
        .decide_signal(
            signal,
            1,
            json!({ "kind": "ACCEPT", "family": demo_family(surname) }),
            received_at,
        )
        .await;
    assert!(decided.errors().is_empty(), "{:#}", decided.body);
    decided.data()["decideSignal"]["caseId"]
        .as_str()
        .unwrap()
        .to_owned()
}

// seed 003 §3.1 (state_centre.toml, stage «diagnostic», step `inform_working_group`): «в течение
// 5 рабочих дней после поступления информации о семье». The centre makes it 7.
async fn the_state_centre_lengthens_informing_the_working_group_to_seven_working_days(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "state_centre.admin").await;
    let curator = Worker::sign_in(&app, "state_centre.curator").await;
    let supervisor = Worker::sign_in(&app, "state_centre.supervisor").await;

    // Three families reported on Monday 6 April 2026; the working group about the second one is
    // informed on Friday 10 April.
    let first = state_centre_case(&curator, &supervisor, "Иванов", "2026-04-06T07:00:00Z").await;
    let informed = state_centre_case(&curator, &supervisor, "Петров", "2026-04-06T07:00:00Z").await;
    let third = state_centre_case(&curator, &supervisor, "Сидоров", "2026-04-06T07:00:00Z").await;
    let v = card(&supervisor, &informed).await["version"]
        .as_i64()
        .unwrap();
    let assigned = supervisor
        .assign_curator(&informed, v, &curator.user_id)
        .await;
    let mut v = assigned.data()["assignCurator"]["case"]["version"]
        .as_i64()
        .unwrap();
    for (step, at) in [
        ("inspect_housing", "2026-04-08T07:00:00Z"),
        ("inform_working_group", "2026-04-10T07:00:00Z"),
    ] {
        let done = curator
            .step(
                &informed,
                v,
                step,
                json!({ "actingAs": "family_curator", "at": at }),
            )
            .await;
        assert!(done.errors().is_empty(), "{:#}", done.body);
        v = version(&done, "performStep");
    }

    let seven = edit(
        &preset("state_centre"),
        "within = { working_days = 5 }, source = \"seed 003 §3.1: в течение 5 рабочих дней",
        "within = { working_days = 7 }, source = \"seed 003 §3.1 (изменено центром): в течение 7 рабочих дней",
    );
    let saved = save(&admin, &seven).await;
    assert!(saved.errors().is_empty(), "{:#}", saved.body);
    let diff = admin.ok(DIFF, json!({})).await["variantDraftDiff"].clone();
    assert_eq!(diff["publishedVersion"], 1);
    assert_eq!(diff["breaking"], false, "{diff:#}");
    let deadline = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["path"]
                == "stages[diagnostic].steps[inform_working_group].deadline.within.working_days"
        })
        .unwrap_or_else(|| panic!("{diff:#}"));
    assert_eq!(deadline["kind"], "CHANGED");
    assert_eq!(
        (&deadline["from"], &deadline["to"]),
        (&json!("5"), &json!("7"))
    );
    assert_eq!(deadline["impact"], "SAFE");
    assert_eq!(deadline["reason"], "deadline_lengthened");

    let published = admin
        .gql(PUBLISH, json!({ "v": version(&saved, "saveVariantDraft") }))
        .await;
    assert_eq!(
        published.data()["publishVariantDraft"]["version"],
        2,
        "{:#}",
        published.body
    );
    // The draft is gone with its publication; the next version is 2 for new cases at once.
    assert_eq!(
        admin.ok(DRAFT, json!({})).await["variantDraft"]["exists"],
        false
    );
    let newcomer =
        state_centre_case(&curator, &supervisor, "Новиков", "2026-04-09T07:00:00Z").await;
    assert_eq!(card(&supervisor, &newcomer).await["variantVersion"], 2);
    assert_eq!(card(&supervisor, &first).await["variantVersion"], 1);

    // Saturday 11 April: the dry run lists the open cases on version 1; exactly the two whose
    // working group is not informed yet change, from Monday 13 April to Wednesday 15 April
    // (7 working days after Monday 6 April; 23:59:59 in Lgov, UTC+3).
    let report = preview(&admin, 2, json!(null), "2026-04-11T07:00:00Z").await;
    assert!(report.errors().is_empty(), "{:#}", report.body);
    let report = report.data()["variantMigrationPreview"].clone();
    let listed: BTreeSet<String> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["caseId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        listed,
        BTreeSet::from([first.clone(), informed.clone(), third.clone()])
    );
    let affected: BTreeSet<String> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            !c["moved"].as_array().unwrap().is_empty()
                || !c["added"].as_array().unwrap().is_empty()
                || !c["removed"].as_array().unwrap().is_empty()
        })
        .map(|c| c["caseId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(affected, BTreeSet::from([first.clone(), third.clone()]));
    for case_id in [&first, &third] {
        let case = case_report(&report, case_id);
        assert_eq!(case["stageFrom"], "diagnostic");
        assert_eq!(case["stageTo"], "diagnostic");
        assert_eq!(case["needsDecision"], false);
        let moved = case["moved"].as_array().unwrap();
        assert_eq!(moved.len(), 1, "{case:#}");
        assert_eq!(moved[0]["before"]["key"], "deadline:inform_working_group");
        assert_eq!(moved[0]["before"]["due"], "2026-04-13T20:59:59+00:00");
        assert_eq!(moved[0]["after"]["due"], "2026-04-15T20:59:59+00:00");
        assert!(case["overdueAtOnce"].as_array().unwrap().is_empty());
    }
    // The same report to download, one line per case.
    let csv = preview(&admin, 2, json!(null), "2026-04-11T07:00:00Z").await;
    let csv = csv.data()["variantMigrationPreview"]["csv"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .starts_with("case_number,case_id,status")
    );
    let line = csv.lines().find(|l| l.contains(&first)).unwrap();
    assert!(
        line.contains(
            "deadline:inform_working_group 2026-04-13T20:59:59+00:00 -> 2026-04-15T20:59:59+00:00"
        ),
        "{line}"
    );
    // The dry run wrote nothing.
    assert_eq!(card(&supervisor, &first).await["variantVersion"], 1);
}

// seed 000 §6 table 1 (fund.toml, stage «Разработка плана», `plan_development`): the fund adds a
// meeting with the family about the plan, and moves a case already developing its plan.
async fn the_fund_adds_a_step_to_plan_development_and_migrates_a_case_through_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let admin = Worker::sign_in(&app, "fund.admin").await;
    let opened = team
        .supervisor
        .open_case(
            demo_family("Васильев"),
            json!({ "complexity": "medium" }),
            "2026-04-06T07:00:00Z",
            Some(&team.curator.user_id),
        )
        .await;
    let case_id = opened.data()["openCase"]["id"].as_str().unwrap().to_owned();
    let v = team
        .walk(
            &case_id,
            version(&opened, "openCase"),
            vec![
                json!({ "do": "receive_signal", "actingAs": "curator", "at": "2026-04-06T07:30:00Z",
                    "artefacts": [{ "key": "signal_script", "content": {} }] }),
                json!({ "do": "triage_signal", "actingAs": "senior_curator", "at": "2026-04-06T08:00:00Z",
                    "decisions": [{ "key": "signal_triage", "votes": [team.vote("senior_curator", "accept")] }] }),
                json!({ "do": ">first_visit", "actingAs": "senior_curator", "at": "2026-04-06T08:05:00Z" }),
                json!({ "do": "assign_visit_team", "actingAs": "senior_curator", "at": "2026-04-07T07:00:00Z" }),
                json!({ "do": "visit_family", "actingAs": "curator", "at": "2026-04-08T08:00:00Z" }),
                json!({ "do": "write_visit_report", "actingAs": "curator", "at": "2026-04-09T07:00:00Z",
                    "artefacts": [{ "key": "first_visit_report", "content": kurator_tests::casework::fund_first_visit_report() }] }),
                json!({ "do": "decide_on_case", "actingAs": "senior_curator", "at": "2026-04-10T07:00:00Z",
                    "decisions": [{ "key": "take_case", "votes": team.take_case_votes("accept") }] }),
                json!({ "do": ">case_opening", "actingAs": "senior_curator", "at": "2026-04-13T08:00:00Z" }),
                json!({ "do": "assign_curator", "actingAs": "team_head", "at": "2026-04-13T09:00:00Z" }),
                json!({ "do": "create_case_folder", "actingAs": "curator", "at": "2026-04-15T07:00:00Z" }),
                json!({ "do": ">plan_development", "actingAs": "curator", "at": "2026-04-15T08:00:00Z" }),
            ],
        )
        .await;
    let meeting = json!({ "actingAs": "curator", "at": "2026-04-16T08:00:00Z" });
    // Under version 1 there is no such step.
    let unknown = team
        .curator
        .step(&case_id, v, "family_meeting", meeting.clone())
        .await;
    assert_eq!(unknown.error_code(), "BAD_USER_INPUT", "{:#}", unknown.body);

    // The administrator starts from the published version as a TOML file.
    let published_toml = admin.ok("{ variant { toml } }", json!({})).await["variant"]["toml"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(published_toml.contains("key = \"plan_development\""));
    let with_meeting = edit(
        &preset("fund"),
        "[[stages.steps]]\nkey = \"team_plan_discussion\"",
        "[[stages.steps]]\nkey = \"family_meeting\"\nname = { ru = \"Встреча с семьёй о плане\", en = \"Meeting the family about the plan\" }\nroles = [\"curator\"]\n\n[[stages.steps]]\nkey = \"team_plan_discussion\"",
    );
    let saved = save(&admin, &with_meeting).await;
    assert!(saved.errors().is_empty(), "{:#}", saved.body);
    let diff = admin.ok(DIFF, json!({})).await["variantDraftDiff"].clone();
    let added = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"] == "stages[plan_development].steps[family_meeting]")
        .unwrap_or_else(|| panic!("{diff:#}"));
    assert_eq!(added["kind"], "ADDED");
    // A step every open case must now do: breaking for open cases.
    assert_eq!(added["impact"], "BREAKING");
    assert_eq!(added["reason"], "required_step_added");
    assert_eq!(diff["breaking"], true);
    let published = admin
        .gql(PUBLISH, json!({ "v": version(&saved, "saveVariantDraft") }))
        .await;
    assert_eq!(
        published.data()["publishVariantDraft"]["version"],
        2,
        "{:#}",
        published.body
    );

    let report = preview(&admin, 2, json!(null), "2026-04-16T07:00:00Z").await;
    let case = case_report(&report.data()["variantMigrationPreview"], &case_id).clone();
    assert_eq!(case["stageFrom"], "plan_development");
    assert_eq!(case["stageTo"], "plan_development");
    // Version 2 requires a step the case has not done, and the plan cannot go ahead without it:
    // a person decides (the curator must meet the family), yet the case moves.
    assert_eq!(
        case["requirementsNowUnmet"],
        json!([{ "kind": "step", "key": "family_meeting", "outcome": null, "forStep": null,
            "forMoveTo": null, "blocksNextMove": true, "summary": "step:family_meeting" }]),
        "{case:#}"
    );
    assert_eq!(case["needsDecision"], true);
    assert_eq!(case["staysOnVersion"], false);
    let codes: Vec<&Value> = case["decisionReasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["code"])
        .collect();
    assert_eq!(codes, vec!["migration_requirement_blocks_move"], "{case:#}");
    let csv = report.data()["variantMigrationPreview"]["csv"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with("stays_on_version,decision_codes,requirements_now_unmet,curator"),
        "{csv}"
    );
    let line = csv.lines().find(|l| l.contains(&case_id)).unwrap();
    assert!(
        line.contains("step:family_meeting [blocks next move]"),
        "{line}"
    );
    let applied = apply(&admin, 2, json!(null), "2026-04-16T07:00:00Z").await;
    assert!(applied.errors().is_empty(), "{:#}", applied.body);
    assert!(ids(&applied.data()["applyVariantMigration"]["moved"]).contains(&case_id));
    let moved = card(&team.curator, &case_id).await;
    assert_eq!(moved["variantVersion"], 2);
    assert_eq!(moved["stage"]["key"], "plan_development");

    // The curator now meets the family, as version 2 asks.
    let done = team
        .curator
        .step(
            &case_id,
            moved["version"].as_i64().unwrap(),
            "family_meeting",
            meeting,
        )
        .await;
    assert!(done.errors().is_empty(), "{:#}", done.body);
    assert_eq!(
        done.data()["performStep"]["stage"]["key"],
        "plan_development"
    );
}

/// The clinic's variant (clinic.toml) without its stage «Реализация плана и пересмотр»
/// (`implementation`): its steps join the stage before it.
fn clinic_without_implementation() -> String {
    let text = edit(
        &preset("clinic"),
        "[[stages]]\nkey = \"implementation\"\nname = { ru = \"Реализация плана и пересмотр\", kk = \"Жоспарды іске асыру және қайта қарау\", en = \"Implementation and review\" }\nphase = \"implementation\"\n",
        "",
    );
    let text = edit(
        &text,
        "[[transitions]]\nfrom = \"assessment_and_plan\"\nto = \"implementation\"\n",
        "",
    );
    edit(
        &text,
        "from = \"implementation\"\nto = \"closure\"",
        "from = \"assessment_and_plan\"\nto = \"closure\"",
    )
}

// seed 004 §7: a case carrying out its plan, in a stage the clinic's new version no longer has.
async fn a_stage_removed_from_the_clinics_variant_needs_a_mapping_before_apply(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let worker = Worker::sign_in(&app, "clinic.curator").await;
    let (case_id, v) = confirmed_medium_risk_case(&worker).await;
    plan_in_implementation(&worker, &case_id, v).await;
    assert_eq!(
        card(&worker, &case_id).await["stage"]["key"],
        "implementation"
    );

    let saved = save(&admin, &clinic_without_implementation()).await;
    assert!(saved.errors().is_empty(), "{:#}", saved.body);
    let diff = admin.ok(DIFF, json!({})).await["variantDraftDiff"].clone();
    let removed = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"] == "stages[implementation]")
        .unwrap_or_else(|| panic!("{diff:#}"));
    assert_eq!(
        (&removed["kind"], &removed["impact"], &removed["reason"]),
        (
            &json!("REMOVED"),
            &json!("BREAKING"),
            &json!("stage_removed")
        )
    );
    let published = admin
        .gql(PUBLISH, json!({ "v": version(&saved, "saveVariantDraft") }))
        .await;
    assert!(published.errors().is_empty(), "{:#}", published.body);

    let report = preview(&admin, 2, json!(null), "2026-04-23T04:00:00Z").await;
    let report = report.data()["variantMigrationPreview"].clone();
    let case = case_report(&report, &case_id);
    assert_eq!(case["needsDecision"], true);
    assert_eq!(case["staysOnVersion"], true);
    assert_eq!(case["stageTo"], Value::Null);
    assert!(case["reason"].as_str().unwrap().contains("implementation"));
    assert_eq!(
        case["decisionReasons"][0]["code"], "migration_stage_unmapped",
        "{case:#}"
    );
    assert_eq!(case["decisionReasons"][0]["keepsCase"], true);
    // Without a stage to go to, there is nothing to check at it.
    assert_eq!(case["requirementsNowUnmet"], json!([]));

    // Without a mapping the case stays where it is, and is listed.
    let unmapped = apply(&admin, 2, json!(null), "2026-04-23T04:00:00Z").await;
    let run = unmapped.data()["applyVariantMigration"].clone();
    assert!(ids(&run["needsDecision"]).contains(&case_id), "{run:#}");
    assert!(ids(&run["staying"]).contains(&case_id), "{run:#}");
    assert!(!ids(&run["moved"]).contains(&case_id));
    let stayed = card(&worker, &case_id).await;
    assert_eq!(stayed["variantVersion"], 1);
    assert_eq!(stayed["stage"]["key"], "implementation");

    let mapping = json!([{ "from": "implementation", "to": "assessment_and_plan" }]);
    let report = preview(&admin, 2, mapping.clone(), "2026-04-23T04:00:00Z").await;
    let planned = case_report(&report.data()["variantMigrationPreview"], &case_id).clone();
    assert_eq!(planned["stageTo"], "assessment_and_plan");
    assert_eq!(planned["staysOnVersion"], false);
    // Entering the stage anew, the case owes its required steps again: listed, not blocking the
    // move itself.
    assert!(
        planned["decisionReasons"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["code"] != "migration_stage_unmapped" && r["keepsCase"] == false),
        "{planned:#}"
    );
    let mapped = apply(&admin, 2, mapping, "2026-04-23T04:00:00Z").await;
    assert!(mapped.errors().is_empty(), "{:#}", mapped.body);
    assert!(ids(&mapped.data()["applyVariantMigration"]["moved"]).contains(&case_id));
    let moved = card(&worker, &case_id).await;
    assert_eq!(moved["variantVersion"], 2);
    assert_eq!(moved["stage"]["key"], "assessment_and_plan");
    // The move is in the case's trail with the state before it.
    let trail = admin
        .ok(
            "query($id: ID!) { case(id: $id) { records { kind key data } } }",
            json!({ "id": case_id }),
        )
        .await;
    let entry = trail["case"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "variant_migration")
        .unwrap_or_else(|| panic!("{trail:#}"))
        .clone();
    assert_eq!(entry["data"]["stage_before"], "implementation");
    assert_eq!(entry["data"]["from_version"], 1);
}

// A run that dies after its first case is run again: the moved case is skipped, the others move,
// and none is moved twice.
async fn a_migration_stopped_by_a_crash_resumes_without_moving_a_case_twice(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "state_centre.admin").await;
    let supervisor = Worker::sign_in(&app, "state_centre.supervisor").await;
    let mut cases = Vec::new();
    for surname in ["Орлов", "Соколов", "Волков"] {
        let opened = supervisor
            .open_case(
                demo_family(surname),
                json!({ "family_category": "tzhs" }),
                "2026-04-06T07:00:00Z",
                None,
            )
            .await;
        assert!(opened.errors().is_empty(), "{:#}", opened.body);
        cases.push(opened.data()["openCase"]["id"].as_str().unwrap().to_owned());
    }
    let mut before = Vec::new();
    for case_id in &cases {
        before.push(
            card(&supervisor, case_id).await["version"]
                .as_i64()
                .unwrap(),
        );
    }
    let renamed = edit(
        &preset("state_centre"),
        "within = { working_days = 5 }",
        "within = { working_days = 7 }",
    );
    assert_eq!(publish(&admin, &renamed).await, 2);

    app.tenant_runtime("state_centre")
        .set_migration_failpoint(Some(1));
    let crashed = apply(&admin, 2, json!(null), "2026-04-07T07:00:00Z").await;
    assert_eq!(crashed.error_code(), "INTERNAL", "{:#}", crashed.body);
    let mut on_two = 0;
    for case_id in &cases {
        on_two += i32::from(card(&supervisor, case_id).await["variantVersion"] == 2);
    }
    assert_eq!(on_two, 1, "the run stopped after its first case");

    app.tenant_runtime("state_centre")
        .set_migration_failpoint(None);
    let resumed = apply(&admin, 2, json!(null), "2026-04-07T07:00:00Z").await;
    assert!(resumed.errors().is_empty(), "{:#}", resumed.body);
    assert_eq!(
        resumed.data()["applyVariantMigration"]["moved"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    for (case_id, was) in cases.iter().zip(before) {
        let case = card(&supervisor, case_id).await;
        assert_eq!(case["variantVersion"], 2);
        assert_eq!(case["version"], was + 1, "moved exactly once: {case:#}");
    }
    let again = apply(&admin, 2, json!(null), "2026-04-07T07:00:00Z").await;
    let again = &again.data()["applyVariantMigration"];
    assert!(again["moved"].as_array().unwrap().is_empty());
    assert!(again["cases"].as_array().unwrap().is_empty());
}

async fn bad_drafts_stale_versions_unknown_stages_and_older_targets_are_refused_and_change_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let worker = Worker::sign_in(&app, "clinic.curator").await;
    let (case_id, _) = confirmed_medium_risk_case(&worker).await;
    let case_before = card(&worker, &case_id).await;

    // Only the organisation's administrator drafts.
    let forbidden = worker
        .gql(
            SAVE,
            json!({ "d": preset("clinic"), "f": "TOML", "v": null }),
        )
        .await;
    assert_eq!(forbidden.error_code(), "FORBIDDEN", "{:#}", forbidden.body);
    let supervisor = Worker::sign_in(&app, "clinic.supervisor").await;
    for someone in [&worker, &supervisor] {
        for (query, variables) in [
            (DRAFT, json!({})),
            (DIFF, json!({})),
            (PUBLISH, json!({ "v": 0 })),
        ] {
            let refused = someone.gql(query, variables).await;
            assert_eq!(
                refused.error_code(),
                "FORBIDDEN",
                "{query}: {:#}",
                refused.body
            );
        }
        let refused = apply(someone, 2, json!(null), "2026-04-23T04:00:00Z").await;
        assert_eq!(refused.error_code(), "FORBIDDEN", "{:#}", refused.body);
        let refused = preview(someone, 2, json!(null), "2026-04-23T04:00:00Z").await;
        assert_eq!(refused.error_code(), "FORBIDDEN", "{:#}", refused.body);
    }

    // An invalid draft: every problem, each at its path in the document; nothing saved.
    let broken = edit(
        &preset("clinic"),
        "from = \"registration\"\nto = \"urgent_or_primary\"",
        "from = \"registration\"\nto = \"nowhere\"",
    );
    let broken = edit(
        &broken,
        "unconfirmed requests journal\" }\nphase = \"closure\"",
        "unconfirmed requests journal\" }\nphase = \"nonsense\"",
    );
    let refused = save(&admin, &broken).await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT", "{:#}", refused.body);
    let found = problems(&refused);
    assert!(found.len() >= 2, "{found:?}");
    assert!(
        found.iter().all(|(code, _)| code == "variant_invalid"),
        "{found:?}"
    );
    assert!(
        found.iter().any(|(_, field)| field
            .as_deref()
            .is_some_and(|f| f.starts_with("document.transitions["))),
        "{found:?}"
    );
    let draft = admin.ok(DRAFT, json!({})).await;
    assert_eq!(
        draft["variantDraft"],
        json!({ "version": 0, "exists": false, "format": null })
    );

    // Nothing to compare or publish yet.
    let nothing = admin.gql(DIFF, json!({})).await;
    assert_eq!(problems(&nothing)[0].0, "variant_draft_missing");

    // A stale draft version: CONFLICT with the current one, the draft unchanged.
    let saved = save(&admin, &clinic_without_implementation()).await;
    assert_eq!(version(&saved, "saveVariantDraft"), 1);
    let stale = admin
        .gql(SAVE, json!({ "d": preset("clinic"), "f": "TOML", "v": 0 }))
        .await;
    assert_eq!(stale.error_code(), "CONFLICT", "{:#}", stale.body);
    assert_eq!(
        stale.errors()[0]["extensions"]["details"]["currentVersion"],
        1
    );
    let stale = admin.gql(PUBLISH, json!({ "v": 0 })).await;
    assert_eq!(stale.error_code(), "CONFLICT", "{:#}", stale.body);
    assert_eq!(
        admin.ok(DRAFT, json!({})).await["variantDraft"]["version"],
        1
    );
    let published = admin.gql(PUBLISH, json!({ "v": 1 })).await;
    assert_eq!(
        published.data()["publishVariantDraft"]["version"],
        2,
        "{:#}",
        published.body
    );

    // A mapping to a stage version 2 does not have.
    let nowhere = apply(
        &admin,
        2,
        json!([{ "from": "implementation", "to": "nowhere" }]),
        "2026-04-23T04:00:00Z",
    )
    .await;
    assert_eq!(nowhere.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        problems(&nowhere),
        vec![(
            "migration_stage_unknown".to_owned(),
            Some("stageMapping[0].to".to_owned())
        )]
    );
    // A version not newer than any, and one never published.
    let older = apply(&admin, 1, json!(null), "2026-04-23T04:00:00Z").await;
    assert_eq!(problems(&older)[0].0, "migration_not_newer");
    let unknown = preview(&admin, 7, json!(null), "2026-04-23T04:00:00Z").await;
    assert_eq!(problems(&unknown)[0].0, "migration_version_unknown");

    let case_after = card(&worker, &case_id).await;
    assert_eq!(case_after, case_before, "no refusal moved the case");
}

/// The text of the XLSX workbook's sheet and shared strings, from its base64 download.
fn xlsx_text(base64_xlsx: &str) -> String {
    use base64::Engine;
    use std::io::Read;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64_xlsx)
        .unwrap();
    let mut workbook = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    for part in ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"] {
        if let Ok(mut file) = workbook.by_name(part) {
            file.read_to_string(&mut text).unwrap();
        }
    }
    assert!(text.contains("<sheetData>"), "no sheet in the workbook");
    text
}

// seed 003 §3.1 again: the centre shortens «в течение 5 рабочих дней» to one working day. A case
// whose working group is not informed yet is overdue the moment it moves; the report says so, and
// whose the obligation is — its curator, acting as family curator — in the API, the CSV and the
// XLSX. The case still moves: a person decides how to catch up.
async fn a_shortened_deadline_falls_overdue_at_once_and_the_report_says_whose_in_csv_and_xlsx(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "state_centre.admin").await;
    let curator = Worker::sign_in(&app, "state_centre.curator").await;
    let supervisor = Worker::sign_in(&app, "state_centre.supervisor").await;
    let late = state_centre_case(&curator, &supervisor, "Кузнецов", "2026-04-06T07:00:00Z").await;
    let other = state_centre_case(&curator, &supervisor, "Лебедев", "2026-04-06T07:00:00Z").await;
    let v = card(&supervisor, &late).await["version"].as_i64().unwrap();
    let assigned = supervisor.assign_curator(&late, v, &curator.user_id).await;
    assert!(assigned.errors().is_empty(), "{:#}", assigned.body);

    let one_day = edit(
        &preset("state_centre"),
        "within = { working_days = 5 }, source = \"seed 003 §3.1: в течение 5 рабочих дней",
        "within = { working_days = 1 }, source = \"seed 003 §3.1 (изменено центром): в течение 1 рабочего дня",
    );
    let saved = save(&admin, &one_day).await;
    assert!(saved.errors().is_empty(), "{:#}", saved.body);
    let published = admin
        .gql(PUBLISH, json!({ "v": version(&saved, "saveVariantDraft") }))
        .await;
    assert_eq!(published.data()["publishVariantDraft"]["version"], 2);

    // Thursday 9 April: under version 1 the working group is due on Monday 13 April; under
    // version 2 it was due at the end of Tuesday 7 April (Lgov, UTC+3).
    let report = preview(&admin, 2, json!(null), "2026-04-09T07:00:00Z").await;
    assert!(report.errors().is_empty(), "{:#}", report.body);
    let report = report.data()["variantMigrationPreview"].clone();
    let case = case_report(&report, &late);
    assert_eq!(
        case["overdueAtOnce"],
        json!([{
            "key": "deadline:inform_working_group",
            "label": "Информирование рабочей группы, предварительный этап мероприятий ПССС",
            "due": "2026-04-07T20:59:59+00:00",
            "status": "OVERDUE",
            "responsibleIds": [curator.user_id],
            "supervisorsResponsible": false,
            "methodRoles": ["family_curator"],
        }]),
        "{case:#}"
    );
    assert_eq!(case["needsDecision"], true);
    assert_eq!(case["staysOnVersion"], false);
    let reason = &case["decisionReasons"][0];
    assert_eq!(reason["code"], "migration_overdue_at_once");
    assert_eq!(reason["keepsCase"], false);
    assert!(
        reason["message"]
            .as_str()
            .unwrap()
            .contains("отвечает: куратор случая"),
        "{reason:#}"
    );
    assert!(ids(&report["needsDecision"]).contains(&late));
    assert!(ids(&report["staying"]).is_empty());
    // The other case is overdue too; nobody is its curator, so someone on it (or else the
    // supervisors) answers for it.
    let unassigned = &case_report(&report, &other)["overdueAtOnce"][0];
    assert!(
        !unassigned["responsibleIds"].as_array().unwrap().is_empty()
            || unassigned["supervisorsResponsible"] == true,
        "{unassigned:#}"
    );

    // The downloads hold the same, with the curator by name.
    let colleagues = admin
        .ok("{ colleagues { id displayName } }", json!({}))
        .await;
    let name = colleagues["colleagues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == curator.user_id.as_str())
        .unwrap()["displayName"]
        .as_str()
        .unwrap()
        .to_owned();
    let csv = report["csv"].as_str().unwrap();
    let line = csv.lines().find(|l| l.contains(&late)).unwrap();
    assert!(
        line.contains(&format!(
            "deadline:inform_working_group 2026-04-07T20:59:59+00:00 ({name}; роли: family_curator)"
        )),
        "{line}"
    );
    assert!(line.contains("migration_overdue_at_once"), "{line}");
    let sheet = xlsx_text(report["xlsx"].as_str().unwrap());
    for header in [
        "overdue_at_once",
        "decision_codes",
        "requirements_now_unmet",
    ] {
        assert!(sheet.contains(header), "{header}");
    }
    for case_id in [&late, &other] {
        assert!(sheet.contains(case_id.as_str()), "{case_id}");
        if let Some(number) = case_report(&report, case_id)["number"].as_i64() {
            assert!(
                sheet.contains(&format!("<v>{number}</v>")),
                "case №{number}"
            );
        }
    }
    assert!(sheet.contains(&name), "the curator by name");

    // Overdue at once does not keep a case: both move.
    let applied = apply(&admin, 2, json!(null), "2026-04-09T07:00:00Z").await;
    assert!(applied.errors().is_empty(), "{:#}", applied.body);
    let moved = ids(&applied.data()["applyVariantMigration"]["moved"]);
    assert_eq!(moved, BTreeSet::from([late.clone(), other.clone()]));
}

//! The organisation's own indicators, computed inside it from what its people recorded. The
//! volunteers' published social results are rebuilt family by family through the method — the
//! request, the first visit, the team's vote, the agreement, the plan, the support, the closing
//! conference and the closure with its outcomes — and the indicator query returns exactly the
//! figures seed 001 publishes (§2.4, §4.1): 2019 — 26 of 32 families, 65 and 61 of 81 children
//! (81 / 80 / 75 %); 2021 — 31 of 37 families, 67 and 61 of 89 children (83 / 75 / 68.5 %).

use kurator_tests::casework::{Worker, version};
use kurator_tests::fund::{self, FundTeam};
use kurator_tests::{Backend, GqlResponse, db_suites, spawn_app};
use serde_json::{Value, json};

db_suites!(
    the_volunteers_published_results_are_reproduced_from_their_families,
    an_indicator_the_variant_does_not_map_is_not_comparable_and_only_leads_see_figures,
    the_methodologist_reads_the_organisations_figures_on_its_page,
    the_funds_risk_bands_reopenings_and_caseloads_are_counted_from_its_cases,
    a_deadline_met_late_or_missed_counts_against_the_share_met_on_time,
    the_childrens_year_is_published_by_sex_and_age_band,
    the_families_supported_in_a_year_never_give_its_suppressed_openings_back,
);

const INDICATORS: &str = "query($y: Int!) { organisationIndicators(year: $y) {
    key version comparable missing names { ru kk en } unit
    year { numerator denominator percent }
    months { month provisional figure { numerator denominator percent } }
    strata { key names { ru } categories { key names { ru kk en } year { numerator denominator } } }
    median provisionalUntil
} }";

fn ok_version(response: &GqlResponse, field: &str) -> i64 {
    assert!(response.errors().is_empty(), "{:#}", response.body);
    version(response, field)
}

fn act(role: &str, at: String) -> Value {
    json!({ "actingAs": role, "at": at })
}

/// A family of the cohort: how many children, and what its closure records.
#[derive(Clone, Copy)]
struct Family {
    children: usize,
    safe: bool,
    improved: bool,
    rights_restored: bool,
}

fn family(surname: &str, children: usize) -> Value {
    let mut members = vec![
        json!({ "role": "mother", "name": format!("{surname}а Ольга"), "birthDate": "1988-03-01" }),
    ];
    for i in 0..children {
        members.push(json!({
            "role": "child",
            "name": format!("{surname} ребёнок {}", i + 1),
            "birthDate": format!("201{}-05-06", i % 10),
            "sex": if i % 2 == 0 { "f" } else { "m" }
        }));
    }
    json!({ "name": format!("Семья {surname}"), "address": "Московская обл., г. Серпухов", "members": members })
}

struct Team<'a> {
    manager: Worker<'a>,
    supervisor: Worker<'a>,
    specialist: Worker<'a>,
}

/// One family through the volunteers' method (seed 001 §1.6), within `year`, starting on
/// `day` of March; closed in November unless `close` is false.
async fn support(team: &Team<'_>, year: i32, day: u32, who: &str, f: Family, close: bool) {
    let at = |month: u32, hour: u32| format!("{year}-{month:02}-{day:02}T{hour:02}:00:00Z");
    let (manager, supervisor) = (&team.manager, &team.supervisor);
    let registered = manager
        .register_signal(json!({
            "receivedAt": at(3, 7),
            "source": "family",
            "channel": "call",
            "requester": { "name": "Мать", "relation": "мать" },
            "subject": { "name": format!("Семья {who}"), "address": "Московская обл." },
            "parents": { "mother": { "name": "Мать", "whereabouts": "дома", "occupation": "не работает" } },
            "grounds": "Мать просит помощи",
            "followUp": "Первичное посещение психологом"
        }))
        .await;
    assert!(registered.errors().is_empty(), "{:#}", registered.body);
    let decided = supervisor
        .decide_signal(
            registered.data()["registerSignal"]["id"].as_str().unwrap(),
            1,
            json!({ "kind": "ACCEPT", "family": family(who, f.children) }),
            &at(3, 8),
        )
        .await;
    assert!(decided.errors().is_empty(), "{:#}", decided.body);
    let case = decided.data()["decideSignal"]["caseId"]
        .as_str()
        .unwrap()
        .to_owned();
    let assigned = supervisor.assign_curator(&case, 1, &manager.user_id).await;
    assert!(assigned.errors().is_empty(), "{:#}", assigned.body);
    let mut v = assigned.data()["assignCurator"]["case"]["version"]
        .as_i64()
        .unwrap();
    v = ok_version(
        &manager
            .move_case(&case, v, "first_visit", act("case_manager", at(3, 9)))
            .await,
        "moveCase",
    );
    let mut visit = act("case_manager", at(3, 10));
    visit["artefacts"] = json!([{ "key": "first_visit_report", "content": { "situation": "Семья готова к работе" } }]);
    v = ok_version(&manager.step(&case, v, "visit", visit).await, "performStep");
    // seed 001 §1.6, §6.2: the team votes on the first-visit report; the case opens after.
    let mut vote = act("coordinator", at(4, 6));
    vote["decisions"] = json!([{ "key": "open_case_vote", "votes": [
        { "role": "case_manager", "person": manager.user_id, "choice": "open" },
        { "role": "team", "person": team.specialist.user_id, "choice": "open" },
        { "role": "coordinator", "person": supervisor.user_id, "choice": "open" }
    ] }]);
    v = ok_version(
        &supervisor.step(&case, v, "vote_to_open", vote).await,
        "performStep",
    );
    v = ok_version(
        &manager
            .move_case(&case, v, "assessment", act("case_manager", at(4, 7)))
            .await,
        "moveCase",
    );
    let mut agreement = act("case_manager", at(4, 8));
    agreement["consents"] = json!(["data_consent"]);
    v = ok_version(
        &manager.step(&case, v, "agreement", agreement).await,
        "performStep",
    );
    v = ok_version(
        &manager
            .move_case(&case, v, "planning", act("case_manager", at(4, 9)))
            .await,
        "moveCase",
    );
    let revised = manager
        .gql(
            "mutation($c: ID!, $v: Int!, $i: PlanRevisionInput!) { revisePlan(caseId: $c, version: $v, input: $i) { version } }",
            json!({ "c": case, "v": v, "i": {
                "meetingDate": at(4, 10),
                "participants": ["Кейс-менеджер", "Мать"],
                "actions": [{ "title": "Консультация юриста", "deadline": at(6, 20),
                              "responsibleUserId": manager.user_id, "owner": "organisation" }]
            } }),
        )
        .await;
    v = ok_version(&revised, "revisePlan");
    v = ok_version(
        &manager
            .step(&case, v, "draw_up_plan", act("case_manager", at(4, 11)))
            .await,
        "performStep",
    );
    v = ok_version(
        &manager
            .move_case(&case, v, "support", act("case_manager", at(4, 12)))
            .await,
        "moveCase",
    );
    for (step, month) in [("carry_out_plan", 5), ("update_analytical_report", 7)] {
        v = ok_version(
            &manager
                .step(&case, v, step, act("case_manager", at(month, 7)))
                .await,
            "performStep",
        );
    }
    if !close {
        return;
    }
    let mut conference = act("case_manager", at(11, 7));
    conference["decisions"] = json!([{
        "key": "case_conference",
        "participants": [
            { "person": manager.user_id, "role": "case_manager" },
            { "person": supervisor.user_id, "role": "supervisor" }
        ],
        "recorded": "close"
    }]);
    v = ok_version(
        &manager.move_case(&case, v, "closure", conference).await,
        "moveCase",
    );
    v = ok_version(
        &manager
            .step(
                &case,
                v,
                "closing_conference",
                act("case_manager", at(11, 8)),
            )
            .await,
        "performStep",
    );
    let mut outcomes = Vec::new();
    let mut confirmed = Vec::new();
    if f.safe {
        outcomes.push("child_safe_in_family");
        confirmed.push("child_safe");
    }
    if f.improved {
        outcomes.push("quality_of_life_improved");
        confirmed.push("quality_of_life");
    }
    if f.rights_restored {
        outcomes.push("rights_restored");
    }
    let improved: Vec<&str> = if f.improved {
        vec!["material_wellbeing"]
    } else {
        Vec::new()
    };
    let closed = manager
        .gql(
            "mutation($c: ID!, $v: Int!, $i: CloseCaseInput!) { closeCase(caseId: $c, version: $v, input: $i) { status } }",
            json!({ "c": case, "v": v, "i": {
                "confirmed": confirmed, "outcomes": outcomes, "improvedDomains": improved,
                "actingAs": "case_manager", "at": at(11, 9)
            } }),
        )
        .await;
    assert!(closed.errors().is_empty(), "{:#}", closed.body);
    assert_eq!(closed.data()["closeCase"]["status"], "closed");
}

/// `count` families of `children` children each, recording what `f` says.
fn families(count: usize, children: usize, safe: bool, improved: bool) -> Vec<Family> {
    vec![
        Family {
            children,
            safe,
            improved,
            rights_restored: false,
        };
        count
    ]
}

async fn year_of(worker: &Worker<'_>, year: i32) -> Vec<Value> {
    worker.ok(INDICATORS, json!({ "y": year })).await["organisationIndicators"]
        .as_array()
        .unwrap()
        .clone()
}

/// The element of the list `list` whose `key` is `key`.
fn keyed(list: &Value, key: &str) -> Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("{key} in {list:#}"))
        .clone()
}

fn indicator<'v>(all: &'v [Value], key: &str) -> &'v Value {
    all.iter()
        .find(|i| i["key"] == key)
        .unwrap_or_else(|| panic!("{key} in {all:#?}"))
}

async fn the_volunteers_published_results_are_reproduced_from_their_families(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = Team {
        manager: Worker::sign_in(&app, "volunteers.curator").await,
        supervisor: Worker::sign_in(&app, "volunteers.supervisor").await,
        specialist: Worker::sign_in(&app, "volunteers.specialist").await,
    };
    let methodologist = Worker::sign_in(&app, "volunteers.methodologist").await;

    // seed 001 §4.1, 2019: 32 families closed, 26 of them with the child safe in the family;
    // 81 children, 65 safe, 61 with a better quality of life.
    let mut cohort_2019 = Vec::new();
    cohort_2019.extend(families(13, 3, true, true)); // 39 children
    cohort_2019.extend(families(11, 2, true, true)); // 22
    cohort_2019.extend(families(2, 2, true, false)); // 4: safe, quality of life not improved
    cohort_2019.extend(families(4, 3, false, false)); // 12
    cohort_2019.extend(families(2, 2, false, false)); // 4
    // Three of the families had their parental rights restored.
    for f in cohort_2019.iter_mut().take(3) {
        f.rights_restored = true;
    }
    for (i, f) in cohort_2019.iter().enumerate() {
        let day = 1 + (i % 28) as u32;
        support(&team, 2019, day, &format!("Первых{i}"), *f, true).await;
    }
    // One more family supported in 2019 and not closed that year.
    support(
        &team,
        2019,
        5,
        "Продолжающих",
        Family {
            children: 2,
            safe: false,
            improved: false,
            rights_restored: false,
        },
        false,
    )
    .await;

    // 2021: 37 families, 31 safe; 89 children, 67 safe, 61 improved.
    let mut cohort_2021 = Vec::new();
    cohort_2021.extend(families(5, 3, true, true)); // 15
    cohort_2021.extend(families(23, 2, true, true)); // 46
    cohort_2021.extend(families(3, 2, true, false)); // 6
    cohort_2021.extend(families(4, 4, false, false)); // 16
    cohort_2021.extend(families(2, 3, false, false)); // 6
    for (i, f) in cohort_2021.iter().enumerate() {
        let day = 1 + (i % 28) as u32;
        support(&team, 2021, day, &format!("Третьих{i}"), *f, true).await;
    }

    let expect = |all: &[Value], key: &str, n: i64, d: i64, percent: f64| {
        let year = &indicator(all, key)["year"];
        assert_eq!(
            (&year["numerator"], &year["denominator"]),
            (&json!(n), &json!(d)),
            "{key}"
        );
        assert_eq!(year["percent"], json!(percent), "{key}");
    };
    let y2019 = year_of(&methodologist, 2019).await;
    // seed 001 §4.1: 81 / 80 / 75 % (26/32, 65/81, 61/81).
    expect(&y2019, "closed_child_safe_in_family", 26, 32, 81.3);
    expect(&y2019, "children_safe_in_family", 65, 81, 80.2);
    expect(&y2019, "children_quality_of_life_improved", 61, 81, 75.3);
    // seed 001 §2.4, indicator 2: over every family supported in the year, closed or not.
    expect(&y2019, "parental_rights_restored", 3, 33, 9.1);
    let opened = &indicator(&y2019, "cases_opened")["year"];
    assert_eq!(opened["numerator"], 33);
    assert_eq!(opened["denominator"], Value::Null);
    assert_eq!(indicator(&y2019, "cases_closed")["year"]["numerator"], 32);
    // The months of the year: every family closed in November.
    let months = indicator(&y2019, "closed_child_safe_in_family")["months"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(months.len(), 12);
    assert_eq!(months[10]["month"], "2019-11");
    assert_eq!(
        months[10]["figure"],
        json!({ "numerator": 26, "denominator": 32, "percent": 81.3 })
    );
    assert_eq!(months[2]["figure"]["denominator"], 0);
    assert_eq!(months[2]["figure"]["percent"], Value::Null);

    // Children by sex and by age band at closure (the catalogue's strata): the categories add
    // up to the total. Every second child of a family is a girl, and in November 2019 the
    // children (born 2010–2012) were 7 to 9 years old.
    let safe = indicator(&y2019, "children_safe_in_family");
    let stratum = |key: &str| keyed(&safe["strata"], key);
    let cell = |stratum: &Value, category: &str| {
        let found = keyed(&stratum["categories"], category);
        (
            found["year"]["numerator"].as_i64().unwrap(),
            found["year"]["denominator"].as_i64().unwrap(),
        )
    };
    let (sex, age) = (stratum("sex"), stratum("age_band"));
    assert_eq!(sex["names"]["ru"], "Пол ребёнка");
    assert_eq!(cell(&sex, "female"), (39, 49));
    assert_eq!(cell(&sex, "male"), (26, 32));
    assert_eq!(cell(&sex, "unknown"), (0, 0));
    assert_eq!(cell(&age, "7_10"), (65, 81));
    for band in ["0_2", "3_6", "11_14", "15_17", "unknown"] {
        assert_eq!(cell(&age, band), (0, 0), "{band}");
    }
    // Family-level counts are not broken down by the children's strata.
    assert_eq!(
        indicator(&y2019, "closed_child_safe_in_family")["strata"],
        json!([])
    );

    // Every family was supported from April to November: seven completed months.
    let length = indicator(&y2019, "median_length_of_support");
    assert_eq!(length["median"], "6_12_months");
    assert_eq!(length["year"]["numerator"], 32);
    let bands = &length["strata"][0];
    assert_eq!(bands["key"], "length_of_support");
    assert_eq!(cell(bands, "6_12_months"), (32, 32));
    assert_eq!(cell(bands, "under_3_months"), (0, 32));

    let y2021 = year_of(&methodologist, 2021).await;
    // seed 001 §4.1: 83 / 75 / 68.5 % (31/37, 67/89, 61/89).
    expect(&y2021, "closed_child_safe_in_family", 31, 37, 83.8);
    expect(&y2021, "children_safe_in_family", 67, 89, 75.3);
    expect(&y2021, "children_quality_of_life_improved", 61, 89, 68.5);
    // The family of 2019 still supported in 2021 counts among the supported.
    expect(&y2021, "parental_rights_restored", 0, 38, 0.0);

    // The same figures through the variant's own indicators (`[[indicators]]` of the
    // volunteers' preset), each beside what the practice published for the year (seed 001
    // §4.1), and parental rights over every family supported in the year (§2.4).
    let variant_year = |year: i32| {
        let methodologist = &methodologist;
        async move {
            methodologist
                .ok(VARIANT_INDICATORS, json!({ "y": year }))
                .await["variantIndicators"]
                .as_array()
                .unwrap()
                .clone()
        }
    };
    let own = |all: &[Value], key: &str, n: i64, d: i64, published: Option<(i64, i64)>| {
        let found = indicator(all, key);
        assert_eq!(
            (&found["year"]["numerator"], &found["year"]["denominator"]),
            (&json!(n), &json!(d)),
            "{key}"
        );
        let shown = published.map(|(n, d)| json!({ "numerator": n, "denominator": d }));
        let published = &found["published"];
        assert_eq!(
            published
                .is_object()
                .then(|| json!({ "numerator": published["numerator"], "denominator": published["denominator"] })),
            shown,
            "{key}"
        );
    };
    let v2019 = variant_year(2019).await;
    own(&v2019, "families_child_safe", 26, 32, Some((26, 32)));
    own(&v2019, "children_child_safe", 65, 81, Some((65, 81)));
    own(&v2019, "children_quality_of_life", 61, 81, Some((61, 81)));
    assert_eq!(
        indicator(&v2019, "families_child_safe")["year"]["percent"],
        81.3
    );
    assert_eq!(
        indicator(&v2019, "families_child_safe")["population"],
        "CLOSED_IN_PERIOD"
    );
    // 3 families of 3 children restored, of the 33 families (83 children) supported in 2019.
    own(&v2019, "families_rights_restored", 3, 33, None);
    own(&v2019, "children_rights_restored", 9, 83, None);
    let rights = indicator(&v2019, "families_rights_restored");
    assert_eq!(rights["population"], "SUPPORTED_IN_PERIOD");
    assert_eq!(rights["source"], "seed 001 §2.4");
    assert_eq!(rights["year"]["percent"], 9.1);
    let v2021 = variant_year(2021).await;
    own(&v2021, "families_child_safe", 31, 37, Some((31, 37)));
    own(&v2021, "children_child_safe", 67, 89, Some((67, 89)));
    own(&v2021, "children_quality_of_life", 61, 89, Some((61, 89)));
    own(&v2021, "families_rights_restored", 0, 38, None);
    own(&v2021, "children_rights_restored", 0, 91, None);
    assert_eq!(
        indicator(&v2021, "children_quality_of_life")["year"]["percent"],
        68.5
    );
    // November 2021 holds every closure of the year.
    assert_eq!(
        indicator(&v2021, "families_child_safe")["months"][10],
        json!({ "month": "2021-11", "figure": { "numerator": 31, "denominator": 37, "percent": 83.8 } })
    );
    // A curator does not see the organisation's figures.
    let refused = team
        .manager
        .gql(VARIANT_INDICATORS, json!({ "y": 2019 }))
        .await;
    assert_eq!(refused.error_code(), "FORBIDDEN");
}

const VARIANT_INDICATORS: &str = "query($y: Int!) { variantIndicators(year: $y) {
    key name { ru en } source unit population
    year { numerator denominator percent }
    months { month figure { numerator denominator percent } }
    published { numerator denominator }
} }";

async fn an_indicator_the_variant_does_not_map_is_not_comparable_and_only_leads_see_figures(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let supervisor = Worker::sign_in(&app, "fund.supervisor").await;
    let fund = year_of(&supervisor, 2026).await;
    // The fund's variant records no outcome mapped onto «the child lives safely in the family»:
    // not comparable, and no figure at all — never 0.
    let safe = indicator(&fund, "closed_child_safe_in_family");
    assert_eq!(safe["comparable"], false);
    assert_eq!(safe["year"], Value::Null);
    assert_eq!(safe["months"], json!([]));
    assert!(!safe["missing"].as_array().unwrap().is_empty(), "{safe:#}");
    assert_eq!(
        safe["names"]["ru"],
        "Доля закрытых случаев, в которых ребёнок живёт в кровной семье в безопасности"
    );
    assert!(safe["names"]["kk"].as_str().unwrap().len() > 10);
    let opened = indicator(&fund, "cases_opened");
    assert_eq!(opened["comparable"], true);
    assert_eq!(opened["months"].as_array().unwrap().len(), 12);

    for login in ["fund.admin", "fund.methodologist"] {
        let worker = Worker::sign_in(&app, login).await;
        assert_eq!(year_of(&worker, 2026).await.len(), fund.len(), "{login}");
    }
    for login in ["fund.curator", "fund.specialist"] {
        let worker = Worker::sign_in(&app, login).await;
        let refused = worker.gql(INDICATORS, json!({ "y": 2026 })).await;
        assert_eq!(refused.error_code(), "FORBIDDEN", "{login}");
    }
    // The volunteers' variant has no reopening and no risk scale (seed 001); the clinic's no
    // caseload cap per curator (seed 004): «not comparable» there, with no figures.
    let lead = Worker::sign_in(&app, "volunteers.supervisor").await;
    let volunteers = year_of(&lead, 2026).await;
    for key in [
        "deadlines_met_on_time",
        "reopened_within_12_months",
        "risk_band_at_opening",
        "risk_band_at_closure",
    ] {
        let not = indicator(&volunteers, key);
        assert_eq!(not["comparable"], false, "{key}");
        assert_eq!(not["year"], Value::Null, "{key}");
        assert_eq!(not["months"], json!([]), "{key}");
    }
    assert_eq!(
        indicator(&volunteers, "reopened_within_12_months")["missing"],
        json!(["reopening"])
    );
    assert_eq!(
        indicator(&volunteers, "deadlines_met_on_time")["missing"],
        json!(["deadlines"])
    );
    assert_eq!(
        indicator(&volunteers, "curators_within_caseload_cap")["comparable"],
        true
    );
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let clinic = year_of(&lead, 2026).await;
    let cap = indicator(&clinic, "curators_within_caseload_cap");
    assert_eq!(cap["comparable"], false);
    assert_eq!(cap["missing"], json!(["caseload_cap"]));
    assert_eq!(cap["year"], Value::Null);

    let bad = supervisor.gql(INDICATORS, json!({ "y": 1900 })).await;
    assert_eq!(bad.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        bad.errors()[0]["extensions"]["details"]["problems"][0]["code"],
        "invalid_year"
    );
}

async fn the_methodologist_reads_the_organisations_figures_on_its_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let page = |client: reqwest::Client, path: &'static str| {
        let url = format!("{}{path}", app.address);
        async move {
            let answer = client.get(url).send().await.unwrap();
            (answer.status().as_u16(), answer.text().await.unwrap())
        }
    };
    let methodologist = app.web_session("fund.methodologist").await;
    let (status, html) = page(methodologist.clone(), "/o/fund/indicators?year=2026").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Показатели организации"), "{html}");
    assert!(html.contains("Показатели за 2026 год"), "{html}");
    // The navigation leads the methodologist here.
    assert!(html.contains("href=\"/o/fund/indicators\""), "{html}");
    assert!(html.contains("data-indicator=\"cases_opened\""), "{html}");
    // The fund's variant maps no «child safe in the family» outcome.
    assert!(
        !html.contains(" %<"),
        "shares are written with a decimal comma: {html}"
    );
    assert!(html.contains("не сопоставимо"), "{html}");
    // The fund's variant declares no indicators of its own.
    assert!(!html.contains("Показатели варианта"), "{html}");
    // The volunteers' variant does: each with what it is counted over and, for the years the
    // practice published, its published figure (seed 001 §4.1: 31 of 37 families in 2021).
    let volunteers = app.web_session("volunteers.methodologist").await;
    let (status, html) = page(volunteers, "/o/volunteers/indicators?year=2021").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("Показатели варианта организации за 2021 год"),
        "{html}"
    );
    assert!(
        html.contains("data-indicator=\"families_rights_restored\""),
        "{html}"
    );
    assert!(
        html.contains("всех семей, которым оказывали поддержку в году"),
        "{html}"
    );
    assert!(html.contains("31 / 37 (83,8 %)"), "{html}");
    // A year out of range falls back to this one; curators do not see the page.
    let (status, _) = page(methodologist, "/o/fund/indicators?year=1700").await;
    assert_eq!(status, 200);
    let curator = app.web_session("fund.curator").await;
    let (status, html) = page(curator, "/o/fund/indicators").await;
    assert_eq!(status, 403, "{html}");
    assert!(!html.contains("data-indicator"), "{html}");
}

const SET_ATTRIBUTE: &str = "mutation($c: ID!, $v: Int!, $k: String!, $x: String!, $at: DateTime) {
    setCaseAttribute(caseId: $c, version: $v, key: $k, value: $x, at: $at) { version } }";

/// A fund case of `complexity` walked by its team (seed 000 §6 table 1) from the signal on 6 April
/// 2026 through opening on 13 April to its closing conference on 15 July, its complexity
/// re-scored `rescored` on 1 July when given, closed into post-support on 15 July.
async fn fund_case_closed(
    team: &FundTeam<'_>,
    complexity: &str,
    rescored: Option<&str>,
) -> (String, i64) {
    let (case, mut v) = team.case_carrying_out_its_plan(complexity).await;
    if let Some(band) = rescored {
        let set = team
            .curator
            .gql(
                SET_ATTRIBUTE,
                json!({ "c": case, "v": v, "k": "complexity", "x": band, "at": "2026-07-01T07:00:00Z" }),
            )
            .await;
        v = ok_version(&set, "setCaseAttribute");
    }
    let v = team.to_closing_conference(&case, v).await;
    let closed = team
        .curator
        .gql(
            fund::CLOSE,
            json!({ "c": case, "v": v, "i": {
                "confirmed": fund::ALL_CRITERIA, "actingAs": "curator",
                "at": "2026-07-15T09:00:00Z", "contactEvery": { "months": 1 } } }),
        )
        .await;
    assert_eq!(
        closed.data()["closeCase"]["status"],
        "post_support",
        "{:#}",
        closed.body
    );
    (case, ok_version(&closed, "closeCase"))
}

fn month<'v>(indicator: &'v Value, month: &str) -> &'v Value {
    indicator["months"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == month)
        .unwrap()
}

fn category(indicator: &Value, key: &str) -> Value {
    indicator["strata"][0]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key)
        .unwrap()["year"]
        .clone()
}

// Catalogue (services/analytics/catalogue/indicators.toml): risk band at opening and at closure
// over the canonical bands the fund's complexity score maps onto (seed 000 §11: 5–7 low, 8–12
// medium, 13–15 high); cases closed in a month reopened within 12 months (seed 000 §3: work
// restarts with a new case); curators within the caseload cap at the month's end (seed 000 §13:
// at most 15 cases, 5 of high complexity, 5 families in post-support).
async fn the_funds_risk_bands_reopenings_and_caseloads_are_counted_from_its_cases(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    // A: high complexity at opening, low by the closure; B: medium throughout.
    let (a, v) = fund_case_closed(&team, "high", Some("low")).await;
    fund_case_closed(&team, "medium", None).await;
    // A's family regresses in September: work restarts with a new case for the same curator.
    let reopened = team
        .curator
        .gql(
            "mutation($c: ID!, $v: Int!) { reopenCase(caseId: $c, version: $v, at: \"2026-09-21T07:00:00Z\") { id status } }",
            json!({ "c": a, "v": v }),
        )
        .await;
    assert!(reopened.errors().is_empty(), "{:#}", reopened.body);
    assert_ne!(reopened.data()["reopenCase"]["id"], json!(a));

    let year = year_of(&team.supervisor, 2026).await;
    let figure = |n: u64, d: u64| json!({ "numerator": n, "denominator": d });
    let pick = |v: &Value| json!({ "numerator": v["numerator"], "denominator": v["denominator"] });

    let opening = indicator(&year, "risk_band_at_opening");
    assert_eq!(opening["comparable"], true);
    assert_eq!(opening["year"]["numerator"], 2, "{opening:#}");
    assert_eq!(month(opening, "2026-04")["figure"]["numerator"], 2);
    assert_eq!(opening["strata"][0]["key"], "risk_band");
    assert_eq!(category(opening, "high"), figure(1, 2));
    assert_eq!(category(opening, "medium"), figure(1, 2));
    assert_eq!(category(opening, "low"), figure(0, 2));
    assert_eq!(category(opening, "none"), figure(0, 2));

    let closure = indicator(&year, "risk_band_at_closure");
    assert_eq!(closure["year"]["numerator"], 2, "{closure:#}");
    assert_eq!(month(closure, "2026-07")["figure"]["numerator"], 2);
    assert_eq!(category(closure, "low"), figure(1, 2));
    assert_eq!(category(closure, "medium"), figure(1, 2));
    assert_eq!(category(closure, "high"), figure(0, 2));

    let again = indicator(&year, "reopened_within_12_months");
    assert_eq!(again["comparable"], true);
    assert_eq!(pick(&again["year"]), figure(1, 2), "{again:#}");
    assert_eq!(again["year"]["percent"], 50.0);
    assert_eq!(pick(&month(again, "2026-07")["figure"]), figure(1, 2));
    assert_eq!(pick(&month(again, "2026-06")["figure"]), figure(0, 0));
    // Followed for 12 months after the month's end: July 2026 is final from 1 August 2027.
    let today = chrono::Utc::now().date_naive();
    let august_2027 = chrono::NaiveDate::from_ymd_opt(2027, 8, 1).unwrap();
    assert_eq!(month(again, "2026-07")["provisional"], today < august_2027);
    let year_end_followed = chrono::NaiveDate::from_ymd_opt(2028, 1, 1).unwrap();
    if today < year_end_followed {
        assert_eq!(again["provisionalUntil"], "2028-01-01");
    }
    assert_eq!(indicator(&year, "cases_closed")["year"]["numerator"], 2);

    // Only the curator holds cases: two carried out from April, in post-support from July;
    // from 21 September the restarted case and B's post-support — within the caps throughout.
    let cap = indicator(&year, "curators_within_caseload_cap");
    assert_eq!(cap["comparable"], true);
    assert_eq!(pick(&month(cap, "2026-03")["figure"]), figure(0, 0));
    for m in ["2026-04", "2026-07", "2026-09", "2026-12"] {
        assert_eq!(pick(&month(cap, m)["figure"]), figure(1, 1), "{m}");
    }
    // A month-end snapshot: the year is the state at its end, not a sum of months.
    assert_eq!(pick(&cap["year"]), figure(1, 1));
}

// Catalogue: step deadlines and recurring obligations due in the month, met by their due time.
// Seed 000 §6 table 1: the first-visit team within 1 working day of the signal, the visit within
// 3 working days, its report within 24 hours, the team's decision within 3 working days of the
// report. The team is named on time, the visit is a day late, the report is on time and the
// decision is never taken: 2 of the 4 deadlines of April were met on time.
async fn a_deadline_met_late_or_missed_counts_against_the_share_met_on_time(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let opened = team
        .supervisor
        .open_case(
            kurator_tests::casework::demo_family("Зуев"),
            json!({ "complexity": "low" }),
            "2026-04-06T07:00:00Z",
            Some(&team.curator.user_id),
        )
        .await;
    assert!(opened.errors().is_empty(), "{:#}", opened.body);
    let case = opened.data()["openCase"]["id"].as_str().unwrap().to_owned();
    team.walk(
        &case,
        version(&opened, "openCase"),
        vec![
            json!({ "do": "receive_signal", "actingAs": "curator", "at": "2026-04-06T07:30:00Z",
                "artefacts": [{ "key": "signal_script", "content": {} }] }),
            json!({ "do": "triage_signal", "actingAs": "senior_curator", "at": "2026-04-06T08:00:00Z",
                "decisions": [{ "key": "signal_triage", "votes": [team.vote("senior_curator", "accept")] }] }),
            json!({ "do": ">first_visit", "actingAs": "senior_curator", "at": "2026-04-06T08:05:00Z" }),
            json!({ "do": "assign_visit_team", "actingAs": "senior_curator", "at": "2026-04-07T07:00:00Z" }),
            // Friday: a day after the third working day.
            json!({ "do": "visit_family", "actingAs": "curator", "at": "2026-04-10T08:00:00Z" }),
            json!({ "do": "write_visit_report", "actingAs": "curator", "at": "2026-04-10T12:00:00Z",
                "artefacts": [{ "key": "first_visit_report", "content": kurator_tests::casework::fund_first_visit_report() }] }),
        ],
    )
    .await;

    let year = year_of(&team.supervisor, 2026).await;
    let met = indicator(&year, "deadlines_met_on_time");
    assert_eq!(met["comparable"], true);
    assert_eq!(met["unit"], "obligations");
    let pick = |v: &Value| json!({ "numerator": v["numerator"], "denominator": v["denominator"] });
    assert_eq!(
        pick(&month(met, "2026-04")["figure"]),
        json!({ "numerator": 2, "denominator": 4 }),
        "{met:#}"
    );
    assert_eq!(month(met, "2026-04")["figure"]["percent"], 50.0);
    assert_eq!(
        pick(&month(met, "2026-05")["figure"]),
        json!({ "numerator": 0, "denominator": 0 })
    );
    assert_eq!(
        pick(&met["year"]),
        json!({ "numerator": 2, "denominator": 4 })
    );
}

/// What leaves the organisation is broken down by the catalogue's strata too (issue 12 §2): the
/// year of children living safely, by sex and by age band, protected with the year's months.
async fn the_childrens_year_is_published_by_sex_and_age_band(backend: Backend) {
    use super::comparison::{organisation, publish_all, share};
    let app = spawn_app(backend).await;
    let team = Team {
        manager: Worker::sign_in(&app, "volunteers.curator").await,
        supervisor: Worker::sign_in(&app, "volunteers.supervisor").await,
        specialist: Worker::sign_in(&app, "volunteers.specialist").await,
    };
    // 8 families of 3 children (girl, boy, girl; born 2010, 2011, 2012), supported from March
    // and closed in November 2026 with the child safe: 24 children, 16 girls and 8 boys; on the
    // day of closure 16 of them are 15 to 17 years old and 8 are 11 to 14.
    for (i, f) in families(8, 3, true, true).into_iter().enumerate() {
        support(&team, 2026, 2 + i as u32, &format!("Нынешних{i}"), f, true).await;
    }
    let shared = share(&app, "volunteers.admin", true, &["children_safe_in_family"]).await;
    assert_eq!(shared["share"], true, "{shared:#}");
    publish_all(&app, "2026-11-25T21:00:00Z".parse().unwrap()).await;
    let token = app.login("methodologist").await;
    let answer = app
        .graphql(
            "query { comparison(indicator: \"children_safe_in_family\", from: \"2026-01\", to: \"2026-11\") {
                organisations { name months { month figure { numerator denominator suppressed } } years { month figure { numerator denominator }
                  strata { key categories { key figure { numerator denominator suppressed } } } } } } }",
            json!({}),
            Some(&token),
        )
        .await;
    assert!(answer.errors().is_empty(), "{:#}", answer.body);
    let volunteers = organisation(&answer.data()["comparison"], "Волонтеры");
    let year = &volunteers["years"][0];
    assert_eq!(year["month"], "2026");
    // 24 of 24, rounded to 5.
    assert_eq!(
        year["figure"],
        json!({ "numerator": 25, "denominator": 25 }),
        "{year:#}"
    );
    let stratum = |key: &str| keyed(&year["strata"], key);
    let cell = |stratum: &Value, key: &str| keyed(&stratum["categories"], key)["figure"].clone();
    let sex = stratum("sex");
    // 16 girls → 15, 8 boys → 10 (rounded on their own); nobody of unknown sex.
    assert_eq!(cell(&sex, "female")["numerator"], 15, "{sex:#}");
    assert_eq!(cell(&sex, "male")["numerator"], 10, "{sex:#}");
    assert_eq!(cell(&sex, "unknown")["numerator"], 0, "{sex:#}");
    let age = stratum("age_band");
    assert_eq!(cell(&age, "15_17")["numerator"], 15, "{age:#}");
    assert_eq!(cell(&age, "11_14")["numerator"], 10, "{age:#}");
    assert_eq!(cell(&age, "0_2")["numerator"], 0, "{age:#}");
}

/// Parental rights restored counts over every family supported in the year (seed 001 §2.4),
/// and the families supported in a year are those carried in plus those opened in it (issue 12
/// §3). The volunteers open 10 families in April 2025 — their first year — and close 7 of them in
/// November; they open 3 more in April 2026: a year of openings too small to publish. Published,
/// the 6 families supported in 2026 would give the 3 back as 6 − (10 opened − 7 closed in 2025);
/// so the year is withheld. Once 8 are opened in 2026, the openings are published and so is the
/// year supported.
async fn the_families_supported_in_a_year_never_give_its_suppressed_openings_back(
    backend: Backend,
) {
    use super::comparison::{organisation, publish_all, share};
    let app = spawn_app(backend).await;
    let team = Team {
        manager: Worker::sign_in(&app, "volunteers.curator").await,
        supervisor: Worker::sign_in(&app, "volunteers.supervisor").await,
        specialist: Worker::sign_in(&app, "volunteers.specialist").await,
    };
    for (i, f) in families(10, 1, true, true).into_iter().enumerate() {
        let close = i < 7;
        support(&team, 2025, 2 + i as u32, &format!("Прежних{i}"), f, close).await;
    }
    for (i, f) in families(3, 1, true, true).into_iter().enumerate() {
        support(&team, 2026, 2 + i as u32, &format!("Новых{i}"), f, false).await;
    }
    let shared = share(
        &app,
        "volunteers.admin",
        true,
        &["cases_opened", "cases_closed", "parental_rights_restored"],
    )
    .await;
    assert_eq!(shared["share"], true, "{shared:#}");
    let token = app.login("methodologist").await;
    let read = |indicator: &'static str| {
        let token = token.clone();
        let app = &app;
        async move {
            let answer = app
                .graphql(
                    "query($i: String!) { comparison(indicator: $i, from: \"2026-01\", to: \"2026-06\") {
                        organisations { name months { month figure { numerator denominator suppressed } }
                          years { month figure { numerator denominator suppressed } } } } }",
                    json!({ "i": indicator }),
                    Some(&token),
                )
                .await;
            assert!(answer.errors().is_empty(), "{:#}", answer.body);
            organisation(&answer.data()["comparison"], "Волонтеры").clone()
        }
    };

    publish_all(&app, "2026-06-15T21:00:00Z".parse().unwrap()).await;
    let opened = read("cases_opened").await;
    assert_eq!(opened["years"][0]["month"], "2026", "{opened:#}");
    assert_eq!(
        opened["years"][0]["figure"]["suppressed"], "small_count",
        "{opened:#}"
    );
    let supported = read("parental_rights_restored").await;
    let year = &supported["years"][0];
    assert_eq!(year["month"], "2026", "{supported:#}");
    assert_eq!(year["figure"]["suppressed"], "small_count", "{supported:#}");
    assert_eq!(year["figure"]["denominator"], Value::Null, "{supported:#}");
    // Never month by month: a month would tie suppressed months together the same way.
    assert!(
        supported["months"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["figure"].is_null() || m["figure"]["denominator"].is_null()),
        "{supported:#}"
    );

    for (i, f) in families(5, 1, true, true).into_iter().enumerate() {
        support(&team, 2026, 10 + i as u32, &format!("Ещё{i}"), f, false).await;
    }
    publish_all(&app, "2026-06-16T21:00:00Z".parse().unwrap()).await;
    let opened = read("cases_opened").await;
    // 8 opened in April 2026, rounded to 10.
    assert_eq!(opened["years"][0]["figure"]["numerator"], 10, "{opened:#}");
    let supported = read("parental_rights_restored").await;
    // 11 families supported, none with rights restored: the counts are published (rounded),
    // the share is not over fewer than 20.
    assert_eq!(
        supported["years"][0]["figure"]["denominator"], 10,
        "{supported:#}"
    );
    assert_eq!(
        supported["years"][0]["figure"]["numerator"], 0,
        "{supported:#}"
    );
}

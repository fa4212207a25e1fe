//! Methodologists of the platform compare organisations on what each published (issue 12): the
//! organisations' administrators choose what leaves; each organisation computes its figures
//! inside and publishes only protected tables into the analytics store (small counts withheld,
//! counts rounded to 5, pooled figures over at least 3 organisations); a closed month keeps
//! every revision; nobody but the organisation sees its exact figures.

use chrono::{DateTime, Utc};
use kurator_tests::casework::{Worker, demo_family};
use kurator_tests::{Backend, TestApp, db_suites, spawn_app};
use serde_json::{Value, json};

db_suites!(
    a_methodologist_compares_the_organisations_that_share_on_protected_figures,
    the_comparison_page_draws_the_table_and_chart_and_exports_them,
    a_month_suppressed_in_one_table_is_suppressed_in_every_table_counted_over_it,
);

const COMPARISON: &str = "query($i: String!, $from: String!, $to: String!) {
  comparison(indicator: $i, from: $from, to: $to) {
    indicator { key version }
    months years
    organisations { name variant dataAsOf stale
      months { month provisional revision figure { numerator denominator percent suppressed } }
      years { month provisional revision figure { numerator denominator percent suppressed } } }
    pooled { month organisations figure { numerator denominator percent suppressed } }
    pooledYears { month organisations figure { numerator denominator percent suppressed } }
  } }";

/// The night the tests publish at: mid-June 2026, so April has closed (on 10 May) and June is
/// provisional.
fn night() -> DateTime<Utc> {
    "2026-06-15T21:00:00Z".parse().unwrap()
}

/// `n` cases opened on 6 April 2026 by `who` (a supervisor or administrator of `tenant`).
async fn open_cases(app: &TestApp, who: &str, n: usize) {
    open_cases_on(app, who, n, "2026-04-06T07:00:00Z").await;
}

/// `n` cases opened at `at` by `who`.
async fn open_cases_on(app: &TestApp, who: &str, n: usize, at: &str) {
    let lead = Worker::sign_in(app, who).await;
    for i in 0..n {
        let opened = lead
            .open_case(
                demo_family(&format!("Семья{at}{i}")),
                json!({ "family_category": "sop" }),
                at,
                None,
            )
            .await;
        assert!(opened.errors().is_empty(), "{who}: {:#}", opened.body);
    }
}

/// An organisation the platform administrator makes on the state centre's method (seed 003),
/// whose first administrator is `{slug}.head`.
async fn organisation_on_the_state_centres_method(app: &TestApp, slug: &str, name: &str) {
    let admin = app.login("admin").await;
    let created = app
        .graphql(
            "mutation($input: NewOrganisationInput!) { createOrganisation(input: $input) { organisation { slug } } }",
            json!({ "input": {
                "slug": slug,
                "names": { "ru": name, "kk": name, "en": name },
                "variant": { "template": "state_centre" },
                "firstAdmin": { "login": format!("{slug}.head"), "displayName": "Руководитель", "password": "kurator-demo" }
            } }),
            Some(&admin),
        )
        .await;
    assert!(created.errors().is_empty(), "{:#}", created.body);
}

/// The organisation's administrator opts in (or out) with the indicators named.
pub(crate) async fn share(app: &TestApp, admin: &str, on: bool, indicators: &[&str]) -> Value {
    let admin = Worker::sign_in(app, admin).await;
    let version = admin
        .ok("query { indicatorSharing { version } }", json!({}))
        .await["indicatorSharing"]["version"]
        .as_i64()
        .unwrap();
    admin
        .ok(
            "mutation($v: Int!, $s: Boolean!, $i: [String!]!) { setIndicatorSharing(expectedVersion: $v, share: $s, indicators: $i) { share version choices { indicator { key } shared shareable } } }",
            json!({ "v": version, "s": on, "i": indicators }),
        )
        .await["setIndicatorSharing"]
        .clone()
}

/// Every organisation publishes, as the worker does at night.
pub(crate) async fn publish_all(app: &TestApp, at: DateTime<Utc>) {
    let services = &app.state.inner;
    for runtime in services.tenants.all() {
        kurator_casework::publication::publish(
            &runtime,
            &services.analytics,
            &services.settings.analytics,
            at,
        )
        .await
        .unwrap();
    }
}

async fn compare(app: &TestApp, token: &str, from: &str, to: &str) -> kurator_tests::GqlResponse {
    app.graphql(
        COMPARISON,
        json!({ "i": "cases_opened", "from": from, "to": to }),
        Some(token),
    )
    .await
}

pub(crate) fn organisation<'v>(comparison: &'v Value, name_part: &str) -> &'v Value {
    comparison["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"].as_str().unwrap().contains(name_part))
        .unwrap_or_else(|| panic!("{name_part}: {comparison:#}"))
}

/// Five organisations share «cases opened». Their April, as opened: the state centre 6, «Второй»
/// 8, «Третий» 7, «Четвёртый» 2, the fund none (its cases open after the first visit; none did).
async fn five_organisations_share(app: &TestApp) {
    for (slug, name) in [
        ("sixth", "Центр «Второй»"),
        ("seventh", "Центр «Третий»"),
        ("taken", "Центр «Четвёртый»"),
    ] {
        organisation_on_the_state_centres_method(app, slug, name).await;
    }
    for (who, n) in [
        ("state_centre.supervisor", 6),
        ("sixth.head", 8),
        ("seventh.head", 7),
        ("taken.head", 2),
    ] {
        open_cases(app, who, n).await;
    }
    for admin in [
        "state_centre.admin",
        "sixth.head",
        "seventh.head",
        "taken.head",
        "fund.admin",
    ] {
        let shared = share(app, admin, true, &["cases_opened"]).await;
        assert_eq!(shared["share"], true, "{shared:#}");
    }
}

async fn a_methodologist_compares_the_organisations_that_share_on_protected_figures(
    backend: Backend,
) {
    let app = spawn_app(backend).await;

    // The administrator may choose only what the catalogue has and the variant makes
    // comparable; nothing is written otherwise.
    let admin = Worker::sign_in(&app, "fund.admin").await;
    let refused = admin
        .gql(
            "mutation { setIndicatorSharing(expectedVersion: 0, share: true, indicators: [\"cases_opened\", \"no_such\", \"closed_child_safe_in_family\"]) { version } }",
            json!({}),
        )
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT", "{:#}", refused.body);
    let errors = refused.errors();
    let codes: Vec<&str> = errors[0]["extensions"]["details"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["unknown_indicator", "indicator_not_shareable"]);
    let unchanged = admin
        .ok("query { indicatorSharing { share version } }", json!({}))
        .await;
    assert_eq!(
        unchanged["indicatorSharing"],
        json!({ "share": false, "version": 0 })
    );
    // Only the administrator changes it; a stale version is refused.
    let supervisor = Worker::sign_in(&app, "fund.supervisor").await;
    let forbidden = supervisor
        .gql(
            "mutation { setIndicatorSharing(expectedVersion: 0, share: true, indicators: []) { version } }",
            json!({}),
        )
        .await;
    assert_eq!(forbidden.error_code(), "FORBIDDEN");

    five_organisations_share(&app).await;
    let stale = admin
        .gql(
            "mutation { setIndicatorSharing(expectedVersion: 0, share: false, indicators: []) { version } }",
            json!({}),
        )
        .await;
    assert_eq!(stale.error_code(), "CONFLICT", "{:#}", stale.body);

    // The worker publishes at night: April closed, May and June provisional.
    publish_all(&app, night()).await;

    // The platform's methodologist compares; nobody else does.
    let methodologist = app.login("methodologist").await;
    for login in ["admin", "fund.admin", "fund.methodologist"] {
        let token = app.login(login).await;
        let refused = compare(&app, &token, "2026-04", "2026-06").await;
        assert_eq!(refused.error_code(), "FORBIDDEN", "{login}");
    }
    let answer = compare(&app, &methodologist, "2026-04", "2026-06").await;
    assert!(answer.errors().is_empty(), "{:#}", answer.body);
    let comparison = answer.data()["comparison"].clone();
    assert_eq!(
        comparison["months"],
        json!(["2026-04", "2026-05", "2026-06"])
    );
    assert_eq!(comparison["organisations"].as_array().unwrap().len(), 5);
    // The volunteers and the clinic did not opt in.
    for absent in ["Волонтеры", "Поликлиника"] {
        assert!(!comparison.to_string().contains(absent));
    }

    // Counts rounded to 5 (6 → 5, 8 → 10, 7 → 5); 2 is a small count, withheld; zero is 0.
    let april = |name: &str| organisation(&comparison, name)["months"][0].clone();
    assert_eq!(april("Доверие")["figure"]["numerator"], 5, "{comparison:#}");
    assert_eq!(april("Второй")["figure"]["numerator"], 10);
    assert_eq!(april("Третий")["figure"]["numerator"], 5);
    assert_eq!(april("Дети наши")["figure"]["numerator"], 0);
    let small = april("Четвёртый");
    assert_eq!(small["figure"]["numerator"], Value::Null);
    assert_eq!(small["figure"]["suppressed"], "small_count");
    assert_eq!(
        organisation(&comparison, "Четвёртый")["months"][1]["figure"]["numerator"],
        0
    );
    assert_eq!(april("Доверие")["provisional"], false);
    assert_eq!(april("Доверие")["revision"], 1);
    let june = &organisation(&comparison, "Доверие")["months"][2];
    assert_eq!(june["provisional"], true);
    assert_eq!(june["revision"], 0);
    assert!(organisation(&comparison, "Доверие")["dataAsOf"].is_string());
    assert_eq!(organisation(&comparison, "Доверие")["stale"], false);
    // Nothing exact anywhere in the answer: 6, 8, 7 and 2 are not published.
    for (name, exact) in [("Доверие", 6), ("Второй", 8), ("Третий", 7)] {
        assert_ne!(april(name)["figure"]["numerator"], exact);
    }

    // The pooled April: the three organisations whose figure is published and not empty (the
    // small one is withheld and left out, the fund's 0 adds nothing), 5 + 10 + 5 = 20.
    let pooled = &comparison["pooled"][0];
    assert_eq!(pooled["organisations"], 3, "{pooled:#}");
    assert_eq!(pooled["figure"]["numerator"], 20);

    // The year is protected together with its months, as one table: the year is published
    // where no withheld month could be worked out from it — «Четвёртый»'s year would be its
    // withheld April, so it is withheld too. Provisional until December closes.
    assert_eq!(comparison["years"], json!(["2026"]));
    let year = |name: &str| organisation(&comparison, name)["years"][0].clone();
    assert_eq!(year("Доверие")["figure"]["numerator"], 5);
    assert_eq!(year("Второй")["figure"]["numerator"], 10);
    assert_eq!(year("Доверие")["provisional"], true);
    assert_eq!(year("Четвёртый")["figure"]["suppressed"], "small_count");
    assert_eq!(comparison["pooledYears"][0]["organisations"], 3);
    assert_eq!(comparison["pooledYears"][0]["figure"]["numerator"], 20);

    // A closed month that changes gets a new revision; the earlier one is kept.
    open_cases(&app, "state_centre.supervisor", 2).await;
    publish_all(&app, night()).await;
    let centre_id = app
        .state
        .inner
        .tenants
        .all()
        .into_iter()
        .find(|r| r.tenant().slug.as_str() == "state_centre")
        .unwrap()
        .tenant()
        .id
        .0;
    let revisions = app
        .state
        .inner
        .analytics
        .revisions(centre_id, "cases_opened", "2026-04")
        .await
        .unwrap();
    let numbers: Vec<(u32, Option<u32>)> = revisions
        .iter()
        .map(|r| (r.revision, r.publication.total.numerator.value()))
        .collect();
    assert_eq!(numbers, [(1, Some(5)), (2, Some(10))]);
    // Publishing again with nothing changed makes no revision.
    publish_all(&app, night()).await;
    let again = app
        .state
        .inner
        .analytics
        .revisions(centre_id, "cases_opened", "2026-04")
        .await
        .unwrap();
    assert_eq!(again.len(), 2);

    // «Второй» withdraws: its figures go at the next publication, and the pooled April has two
    // organisations left — too few.
    share(&app, "sixth.head", false, &[]).await;
    publish_all(&app, night()).await;
    let answer = compare(&app, &methodologist, "2026-04", "2026-04").await;
    let comparison = answer.data()["comparison"].clone();
    assert_eq!(comparison["organisations"].as_array().unwrap().len(), 4);
    assert_eq!(
        comparison["pooled"][0]["figure"]["suppressed"],
        "too_few_organisations"
    );

    // A computation that fails leaves the last good figures, marked stale.
    app.state
        .inner
        .analytics
        .mark_stale(centre_id, "", "", night())
        .await
        .unwrap();
    let answer = compare(&app, &methodologist, "2026-04", "2026-04").await;
    let centre = organisation(&answer.data()["comparison"], "Доверие").clone();
    assert_eq!(centre["stale"], true);
    assert_eq!(centre["months"][0]["figure"]["numerator"], 10);

    // Bad periods and indicators are refused with codes.
    for (from, to) in [
        ("2026-06", "2026-04"),
        ("2026-13", "2026-12"),
        ("2020-01", "2026-01"),
    ] {
        let refused = compare(&app, &methodologist, from, to).await;
        assert_eq!(refused.error_code(), "BAD_USER_INPUT");
        assert_eq!(
            refused.errors()[0]["extensions"]["details"]["problems"][0]["code"],
            "invalid_period"
        );
    }
}

async fn the_comparison_page_draws_the_table_and_chart_and_exports_them(backend: Backend) {
    let app = spawn_app(backend).await;
    five_organisations_share(&app).await;
    // The worker publishes each organisation at its first run.
    let services = &app.state.inner;
    let worker = kurator_casework::worker::DeadlineWorker::new(
        services.tenants.clone(),
        services.control.clone(),
        kurator_gateway::app::leases(&services.settings)
            .await
            .unwrap(),
        services.settings.worker.clone(),
        &services.settings.smtp,
        "https://kurator.example".into(),
    )
    .unwrap()
    .with_analytics(Some(kurator_casework::worker::Analytics {
        store: services.analytics.clone(),
        settings: services.settings.analytics.clone(),
    }));
    let report = worker.run_once(night()).await.unwrap();
    let published = |slug: &str| {
        report
            .iter()
            .find(|(tenant, _)| tenant == slug)
            .map(|(_, run)| run.published)
            .unwrap_or_else(|| panic!("{slug}: {report:?}"))
    };
    // «Cases opened» for those who share, nothing for those who do not: the 13 months from July
    // 2025 to June 2026 fall in two years, each published whole with its months — 12 months and
    // the year 2025, 6 months and the year 2026.
    assert_eq!(published("state_centre"), 20);
    assert_eq!(published("volunteers"), 0);

    let get = |client: reqwest::Client, path: String| {
        let url = format!("{}{path}", app.address);
        async move {
            let answer = client.get(url).send().await.unwrap();
            let status = answer.status().as_u16();
            let kind = answer
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            (status, kind, answer.bytes().await.unwrap().to_vec())
        }
    };
    let query = "indicator=cases_opened&from=2026-04&to=2026-06";
    let methodologist = app.web_session("methodologist").await;
    let (status, _, html) = get(methodologist.clone(), format!("/analytics?{query}")).await;
    let html = String::from_utf8(html).unwrap();
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Сравнение организаций"), "{html}");
    assert!(html.contains("<svg"), "{html}");
    assert!(html.contains("<polyline"), "{html}");
    assert!(html.contains("Все организации вместе"), "{html}");
    assert!(html.contains("малое число"), "{html}");
    assert!(html.contains("предварительно"), "{html}");
    assert!(html.contains("данные на"), "{html}");
    assert!(html.contains("2026 год"), "{html}");

    let (status, kind, csv) = get(
        methodologist.clone(),
        format!("/analytics/export.csv?{query}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/csv"), "{kind}");
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("Организация,Технология,Месяц"), "{csv}");
    assert!(csv.contains("2026-04"), "{csv}");
    let (status, kind, xlsx) = get(methodologist, format!("/analytics/export.xlsx?{query}")).await;
    assert_eq!(status, 200);
    assert!(kind.contains("spreadsheetml"), "{kind}");
    assert!(xlsx.starts_with(b"PK"), "an XLSX file is a zip archive");

    // An organisation's own people do not compare; their administrator chooses what is shared
    // on the indicators page.
    let admin = app.web_session("fund.admin").await;
    let (status, _, _) = get(admin.clone(), format!("/analytics?{query}")).await;
    assert_eq!(status, 403);
    let (status, _, html) = get(admin, "/o/fund/indicators".into()).await;
    let html = String::from_utf8(html).unwrap();
    assert_eq!(status, 200);
    assert!(html.contains("Публикация для сравнения"), "{html}");
    assert!(html.contains("value=\"cases_opened\" checked"), "{html}");

    // The platform administrator makes the fund's methodologist a methodologist of the
    // platform too; from then on the comparison opens for them.
    let fund_methodologist = app.web_session("fund.methodologist").await;
    let (status, _, _) = get(fund_methodologist.clone(), format!("/analytics?{query}")).await;
    assert_eq!(status, 403);
    let platform = app.web_session("admin").await;
    let (_, _, page) = get(platform.clone(), "/platform".into()).await;
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("Методисты платформы"), "{page}");
    let granted = platform
        .post(format!("{}/platform/methodologists", app.address))
        .form(&[
            ("_csrf", kurator_tests::app::form_token(&page).as_str()),
            ("login", "fund.methodologist"),
            ("methodologist", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(granted.status().as_u16(), 303);
    let (status, _, _) = get(fund_methodologist, format!("/analytics?{query}")).await;
    assert_eq!(status, 200);
}

/// Cases opened and the risk band at opening count the same cases: the state centre opens 3 in
/// April (a small count) and 8 in May. Cases opened suppresses April, and May as its complement;
/// May's risk bands, protected apart, would publish their total — 8 — and April would be the
/// year (11) minus it. Protected together, May's risk bands are withheld whole.
async fn a_month_suppressed_in_one_table_is_suppressed_in_every_table_counted_over_it(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    open_cases_on(&app, "state_centre.supervisor", 3, "2026-04-06T07:00:00Z").await;
    open_cases_on(&app, "state_centre.supervisor", 8, "2026-05-06T07:00:00Z").await;
    let shared = share(
        &app,
        "state_centre.admin",
        true,
        &["cases_opened", "risk_band_at_opening"],
    )
    .await;
    assert_eq!(shared["share"], true, "{shared:#}");
    publish_all(&app, night()).await;
    let token = app.login("methodologist").await;
    let query = "query($i: String!) { comparison(indicator: $i, from: \"2026-04\", to: \"2026-05\") {
        organisations { name
          months { month figure { numerator suppressed } categories { key figure { numerator suppressed } } }
          years { month figure { numerator suppressed } } } } }";
    let read = |indicator: &'static str| {
        let token = token.clone();
        let app = &app;
        async move {
            let answer = app
                .graphql(query, json!({ "i": indicator }), Some(&token))
                .await;
            assert!(answer.errors().is_empty(), "{:#}", answer.body);
            organisation(&answer.data()["comparison"], "Льгов").clone()
        }
    };
    let opened = read("cases_opened").await;
    for month in 0..2 {
        assert_eq!(
            opened["months"][month]["figure"]["suppressed"], "small_count",
            "{opened:#}"
        );
    }
    // The year, 11: the two suppressed months differ, so it is published (rounded).
    assert_eq!(opened["years"][0]["figure"]["numerator"], 10, "{opened:#}");
    let bands = read("risk_band_at_opening").await;
    for month in 0..2 {
        let cell = &bands["months"][month];
        assert_eq!(cell["figure"]["suppressed"], "small_count", "{bands:#}");
        let categories = cell["categories"].as_array().unwrap();
        assert!(!categories.is_empty(), "{bands:#}");
        // Not even a zero is said of a month whose count is suppressed.
        for category in categories {
            assert_eq!(category["figure"]["suppressed"], "small_count", "{bands:#}");
        }
    }
}

//! The web interface in a real browser (Chromium through WebDriver), on the demo organisations,
//! in Russian. Every screen a scenario passes is checked with axe-core (no serious or critical
//! violation) and photographed into `target/browser-screenshots/<test>/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, NaiveDateTime};
use kurator_tests::app::spawn_app_with;
use kurator_tests::browser::Browser;
use kurator_tests::casework::{Worker, demo_family};
use kurator_tests::{Backend, TestApp};
use serde_json::json;

/// The application with the demo organisations' year of work, and a browser on it.
async fn start(name: &str) -> Option<(TestApp, Browser)> {
    let app = spawn_app_with(
        Backend::embedded(),
        json!({ "demo": { "example_cases": true } }),
    )
    .await;
    let browser = Browser::start(name, &app.address).await?;
    Some((app, browser))
}

/// A fund curator's day: «Мой день» shows an overdue case; the curator opens it, records a home
/// visit, revises the plan and marks an action done, and the plan obligation becomes met.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fund_curators_day() {
    let Some((_app, browser)) = start("a_fund_curators_day").await else {
        return;
    };
    browser.sign_in("fund.curator").await;
    assert_eq!(browser.path().await, "/o/fund/day");
    let day = browser.text().await;
    assert!(
        day.contains("Мой день") && day.contains("Просрочено"),
        "{day}"
    );
    browser.check("my-day").await;

    // The overdue biweekly plan obligation (fund method §«План»: at least one plan action every
    // two weeks) is on the day's list; its case opens from there.
    browser
        .click("section.overdue li.ob.overdue[data-obligation^='recurring:plan_action_every_two_weeks'] a")
        .await;
    let card = browser.wait_for_text("Что дальше", 10).await;
    assert!(card.contains("Сроки и обязательства"), "{card}");
    let plan_row = "tr.ob[data-key^='recurring:plan_action_every_two_weeks']";
    let overdue_rows = browser
        .client
        .find_all(fantoccini::Locator::Css(&format!("{plan_row}.overdue")))
        .await
        .unwrap();
    assert!(!overdue_rows.is_empty(), "the plan obligation is overdue");
    browser.check("case-card").await;
    let case_path = browser.path().await;

    // A home visit, recorded on the visit form.
    browser.click_text("Записать визит").await;
    browser.wait_for_text("Вид контакта", 10).await;
    browser.check("visit-form").await;
    browser.set("#visit-kind", "home_visit").await;
    browser
        .fill(
            "#visit-notes",
            "Семья дома, дети в школе, холодильник полон",
        )
        .await;
    browser.click("#visit-form button[type=submit]").await;
    browser.wait_for_text("Что дальше", 10).await;
    assert_eq!(browser.path().await, case_path);
    let card = browser.wait_for_text("Контакт: Выезд в семью", 10).await;
    assert!(card.contains("Контакт: Выезд в семью"), "{card}");

    // A new revision of the plan with one more action.
    browser.click("nav.actions a[href$='/plan']").await;
    browser.wait_for_text("Новая редакция плана", 10).await;
    browser.check("plan-editor").await;
    let row = browser
        .client
        .execute(
            "const inputs = [...document.querySelectorAll('input[name$=\".title\"]')];
             const free = inputs.find(i => i.value === '');
             return free.name.split('.')[0];",
            Vec::new(),
        )
        .await
        .unwrap();
    let row = row.as_str().unwrap().to_owned();
    browser
        .fill(
            &format!("#{row}-title"),
            "Записать ребёнка в спортивную секцию",
        )
        .await;
    let deadline = (chrono::Utc::now() + Duration::days(20))
        .format("%Y-%m-%d")
        .to_string();
    browser.set(&format!("#{row}-deadline"), &deadline).await;
    // The fund's plan holds the parents' own actions too (the method refuses one without).
    browser.fill(&format!("#{row}-organisation"), "Семья").await;
    browser.set(&format!("#{row}-owner"), "family").await;
    browser.click_text("Сохранить редакцию").await;
    let card = browser
        .wait_for_text("Записать ребёнка в спортивную секцию", 10)
        .await;
    assert!(card.contains("действующая"), "{card}");

    // The action is done: the plan obligation is met.
    browser
        .fill(
            "details[open] form.inline input[name=result]",
            "Записан, ходит два раза в неделю",
        )
        .await;
    browser
        .click("details[open] form.inline button[type=submit]")
        .await;
    browser
        .wait_for_text("Записан, ходит два раза в неделю", 10)
        .await;
    let met = browser
        .client
        .find_all(fantoccini::Locator::Css(&format!("{plan_row}.met")))
        .await
        .unwrap();
    assert!(
        !met.is_empty(),
        "the plan obligation is met after the action"
    );
    browser.check("case-card-after").await;
    browser.stop().await;
}

/// A clinic social worker registers a high-risk request and sees the one-hour deadline
/// (seed 004 §7, stage 1: at high risk, immediate action within one hour).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clinic_social_worker_registers_a_high_risk_request() {
    let Some((_app, browser)) = start("a_clinic_social_worker_registers_a_high_risk_request").await
    else {
        return;
    };
    browser.sign_in("clinic.curator").await;
    browser.goto("/o/clinic/signals/new").await;
    browser.wait_for_text("Новое обращение", 10).await;
    browser.check("intake-form").await;
    let received = browser
        .client
        .execute(
            "return document.querySelector('#received_at').value;",
            Vec::new(),
        )
        .await
        .unwrap();
    let received =
        NaiveDateTime::parse_from_str(received.as_str().unwrap(), "%Y-%m-%dT%H:%M").unwrap();
    browser.fill("#subject_name", "Ахметов Арман").await;
    browser.set("#subject_birth_date", "2023-05-01").await;
    browser
        .fill("#grounds", "Ребёнок двух лет один дома, мать не отвечает")
        .await;
    browser
        .fill("#form-subject-full_name", "Ахметов Арман")
        .await;
    browser.set("#form-subject-birth_date", "2023-05-01").await;
    browser
        .fill("#form-requester-name", "Участковая медсестра")
        .await;
    browser
        .fill(
            "#form-grounds-summary",
            "Ребёнок двух лет один дома, мать не отвечает",
        )
        .await;
    browser
        .fill("#form-receiver-name", "Социальный работник")
        .await;
    browser
        .set(
            "#form-receiver-date",
            &received.format("%Y-%m-%d").to_string(),
        )
        .await;
    browser
        .set("#form-receiver-time", &received.format("%H:%M").to_string())
        .await;
    browser.fill("#form-receiver-signature", "подписано").await;
    // A child of eleven is outside the clinic's method (seed 004 §3: children 0–5): the reason
    // stands next to the date of birth, and what was typed is kept.
    browser.set("#subject_birth_date", "2015-05-01").await;
    browser.click_text("Зарегистрировать").await;
    browser.wait_for_text("Действие не выполнено", 10).await;
    let error = browser
        .client
        .find(fantoccini::Locator::Css("#subject_birth_date-error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(error.contains("от 0 до 5 лет"), "{error}");
    let kept = browser
        .client
        .execute(
            "return document.querySelector('#grounds').value;",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(kept, json!("Ребёнок двух лет один дома, мать не отвечает"));
    browser.check("intake-refused").await;
    browser.set("#subject_birth_date", "2023-05-01").await;
    // Triage shows the band as soon as it is chosen.
    browser.set("#class-risk", "high").await;
    browser.wait_for_text("высокий риск", 10).await;
    browser.check("intake-triaged").await;
    browser.click_text("Зарегистрировать").await;
    browser.wait_for_text("Решение по обращению", 10).await;
    browser.check("signal").await;
    browser.click_text("Принять решение").await;
    let card = browser.wait_for_text("Сроки и обязательства", 10).await;
    let due = (received + Duration::hours(1))
        .format("%d.%m.%Y %H:%M")
        .to_string();
    let row = browser
        .client
        .find(fantoccini::Locator::Css(
            "tr.ob[data-key='deadline:urgent_protection']",
        ))
        .await
        .unwrap_or_else(|_| panic!("no urgent protection deadline on the card:\n{card}"))
        .text()
        .await
        .unwrap();
    assert!(row.contains("Срочные меры"), "{row}");
    assert!(
        row.contains(&due),
        "due one hour after the request ({due}): {row}"
    );
    browser.check("clinic-case-card").await;
    browser.stop().await;
}

/// A state-centre supervisor sees a curator at the СОП cap on the board, and the assignment of
/// another СОП family is refused in the method's words (seed 003 §1.8: at most 6 СОП families).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_centre_supervisor_meets_the_sop_cap() {
    let Some((app, browser)) = start("a_state_centre_supervisor_meets_the_sop_cap").await else {
        return;
    };
    let supervisor = Worker::sign_in(&app, "state_centre.supervisor").await;
    let curator = Worker::sign_in(&app, "state_centre.curator").await;
    let sop = json!({ "family_category": "sop" });
    let opened_at = chrono::Utc::now().to_rfc3339();
    // The curator takes СОП families until the method refuses one more.
    let mut waiting = None;
    for n in 0..8 {
        let family = demo_family(&format!("Сорокин{n}"));
        let opened = supervisor
            .open_case(
                family.clone(),
                sop.clone(),
                &opened_at,
                Some(&curator.user_id),
            )
            .await;
        if !opened.errors().is_empty() {
            let spare = supervisor
                .open_case(family, sop.clone(), &opened_at, None)
                .await;
            waiting = Some(spare.data()["openCase"]["id"].as_str().unwrap().to_owned());
            break;
        }
    }
    let waiting = waiting.expect("the СОП cap refuses a seventh family");

    browser.sign_in("state_centre.supervisor").await;
    browser.goto("/o/state_centre/board").await;
    browser.wait_for_text("Нагрузка кураторов", 10).await;
    let line = browser
        .client
        .find(fantoccini::Locator::Css(&format!(
            "tr[data-curator='{}']",
            curator.user_id
        )))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(line.contains("СОП") && line.contains("нельзя"), "{line}");
    browser.check("board").await;

    browser
        .goto(&format!("/o/state_centre/cases/{waiting}"))
        .await;
    browser.wait_for_text("Назначить куратора", 10).await;
    browser.set("#assign-curator", &curator.user_id).await;
    browser.click_text("Назначить").await;
    let refused = browser.wait_for_text("Действие не выполнено", 10).await;
    assert!(
        refused.contains("СОП"),
        "the refusal names the category: {refused}"
    );
    assert!(
        refused.contains("6"),
        "the refusal names the cap: {refused}"
    );
    browser.check("assignment-refused").await;
    browser.stop().await;
}

/// A visit recorded with the network switched off is kept on the phone and arrives once when
/// the network returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_recorded_offline_arrives_once() {
    let Some((app, browser)) = start("a_visit_recorded_offline_arrives_once").await else {
        return;
    };
    let curator = Worker::sign_in(&app, "fund.curator").await;
    browser.phone_sized().await;
    browser.sign_in("fund.curator").await;
    browser.goto("/o/fund/cases").await;
    browser.click("#case-list tbody tr a").await;
    browser.wait_for_text("Что дальше", 10).await;
    let case_id = browser.path().await.rsplit('/').next().unwrap().to_owned();
    browser.click_text("Записать визит").await;
    browser.wait_for_text("Вид контакта", 10).await;

    browser.offline(true).await;
    browser.set("#visit-kind", "home_visit").await;
    let note = format!("Визит без связи {}", uuid::Uuid::new_v4().simple());
    browser.fill("#visit-notes", &note).await;
    browser.click("#visit-form button[type=submit]").await;
    browser
        .wait_for_text("Запись сохранена на устройстве", 10)
        .await;
    browser.wait_for_text("Ждут отправки: 1", 10).await;
    browser.screenshot("saved-offline").await;
    let contacts = |case: serde_json::Value| {
        case["records"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["kind"] == "contact" && r["data"]["notes"] == note.as_str())
            .count()
    };
    let read = || async {
        curator
            .ok(
                "query($id: ID!) { case(id: $id) { records { kind data } } }",
                json!({ "id": case_id }),
            )
            .await["case"]
            .clone()
    };
    assert_eq!(contacts(read().await), 0, "nothing arrives while offline");

    browser.offline(false).await;
    browser.wait_for_text("Записи отправлены", 20).await;
    browser.screenshot("sent").await;
    assert_eq!(contacts(read().await), 1);
    assert_eq!(
        browser
            .client
            .execute("return localStorage.getItem('kurator-outbox');", Vec::new())
            .await
            .unwrap(),
        json!("[]")
    );
    browser.stop().await;
}

/// A person of another organisation cannot open a case by its address: the same «не найдено»
/// page as for a case that does not exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_organisations_case_is_not_found_by_url() {
    let Some((app, browser)) = start("another_organisations_case_is_not_found_by_url").await else {
        return;
    };
    let fund = Worker::sign_in(&app, "fund.supervisor").await;
    let cases = fund
        .ok("{ cases(first: 1) { edges { node { id } } } }", json!({}))
        .await;
    let fund_case = cases["cases"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    browser.sign_in("clinic.curator").await;
    let mut pages = Vec::new();
    for path in [
        format!("/o/fund/cases/{fund_case}"),
        format!("/o/clinic/cases/{fund_case}"),
        format!("/o/clinic/cases/{}", uuid::Uuid::new_v4()),
        format!("/o/fund/cases/{fund_case}/visit"),
    ] {
        browser.goto(&path).await;
        let text = browser.text().await;
        assert!(text.contains("Не найдено"), "{path}: {text}");
        assert!(!text.contains("Что дальше"), "{path}: {text}");
        pages.push(
            browser
                .client
                .find(fantoccini::Locator::Css("main"))
                .await
                .unwrap()
                .html(true)
                .await
                .unwrap(),
        );
    }
    assert!(
        pages.windows(2).all(|w| w[0] == w[1]),
        "one page for all: {pages:#?}"
    );
    browser.check("not-found").await;
    // Over HTTP too: the same status for another organisation's case and a missing one.
    let answer = app
        .client
        .get(format!("{}/o/fund/cases/{fund_case}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.url().path(),
        "/login",
        "not signed in: to the sign-in page"
    );
    browser.stop().await;
}

/// Every screen, in each demo organisation, as its administrator and supervisor: no serious or
/// critical accessibility violation, a screenshot of each, and the language switch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_screen_of_every_organisation() {
    let Some((app, browser)) = start("every_screen_of_every_organisation").await else {
        return;
    };
    browser.goto("/login").await;
    browser.check("sign-in").await;
    for org in ["fund", "volunteers", "state_centre", "clinic"] {
        browser.sign_in(&format!("{org}.supervisor")).await;
        for (screen, path) in [
            ("day", "/day"),
            ("signals", "/signals"),
            ("signal-new", "/signals/new"),
            ("cases", "/cases"),
            ("board", "/board"),
            ("indicators", "/indicators"),
        ] {
            browser.goto(&format!("/o/{org}{path}")).await;
            browser.check(&format!("{org}-{screen}")).await;
        }
        browser.goto(&format!("/o/{org}/cases")).await;
        browser.click("#case-list tbody tr a").await;
        browser.wait_for_text("Что дальше", 10).await;
        let case = browser.path().await;
        browser.check(&format!("{org}-case")).await;
        for (screen, rest) in [
            ("plan", "/plan"),
            ("visit", "/visit"),
            ("print", "/print"),
            ("plan-print", "/plan/print"),
        ] {
            browser.goto(&format!("{case}{rest}")).await;
            browser.check(&format!("{org}-{screen}")).await;
        }
        // The first step form «Что дальше» offers.
        let step = browser
            .client
            .execute(
                "return fetch(arguments[0]).then(r => r.text()).then(t => {
                   const d = new DOMParser().parseFromString(t, 'text/html');
                   const a = d.querySelector('ul.next a.button');
                   return a ? a.getAttribute('href') : null; });",
                vec![json!(case)],
            )
            .await
            .unwrap();
        if let Some(step) = step.as_str() {
            browser.goto(step).await;
            browser.check(&format!("{org}-step-form")).await;
        }
        browser.click("form[action='/logout'] button").await;
        browser.sign_in(&format!("{org}.admin")).await;
        browser.goto(&format!("/o/{org}/admin")).await;
        browser.check(&format!("{org}-admin")).await;
        browser.goto(&format!("/o/{org}/admin/sso")).await;
        browser.check(&format!("{org}-admin-sso")).await;
        browser.click("form[action='/logout'] button").await;
    }
    // The methodologist of the platform compares what the demo organisations published.
    let services = &app.state.inner;
    for runtime in services.tenants.all() {
        kurator_casework::publication::publish(
            &runtime,
            &services.analytics,
            &services.settings.analytics,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    }
    // A person of the platform, not of an organisation: signed in, they land on the comparison.
    browser.goto("/login").await;
    browser.fill("#login", "methodologist").await;
    browser
        .fill("#password", kurator_tests::app::DEMO_PASSWORD)
        .await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.wait_for_text("Сравнение организаций", 10).await;
    browser.goto("/analytics?indicator=cases_closed").await;
    browser.wait_for_text("Все организации вместе", 10).await;
    browser.check("analytics").await;
    browser.click("form[action='/logout'] button").await;
    // The language switch is remembered: Kazakh, then English, then back to Russian.
    browser.sign_in("clinic.curator").await;
    for (lang, word) in [("kk", "Менің күнім"), ("en", "My day"), ("ru", "Мой день")]
    {
        browser.set("#lang-select", lang).await;
        browser.wait_for_text(word, 10).await;
        browser.goto("/o/clinic/day").await;
        browser.wait_for_text(word, 10).await;
        browser.check(&format!("day-{lang}")).await;
    }
    browser.phone_sized().await;
    browser.goto("/o/clinic/day").await;
    browser.check("day-on-a-phone").await;
    browser.stop().await;
}

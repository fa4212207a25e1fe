//! The administrators' screens over plain HTTP, as a browser submits them: the organisation
//! administrator edits the method as a file (problems shown with their paths, what was typed
//! kept), reads the diff, publishes, previews and downloads the move of open cases; the platform
//! administrator creates an organisation and suspends it.

use kurator_tests::app::{DEMO_PASSWORD, form_token};
use kurator_tests::{Backend, TestApp, spawn_app, suites};

suites!(
    the_organisation_administrator_edits_publishes_and_previews_the_move_of_cases,
    the_platform_administrator_creates_and_suspends_an_organisation_on_its_page,
);

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let answer = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(format!("{}{path}", app.address))
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// The text of a `<textarea>` as the page shows it, unescaped.
fn textarea(page: &str, id: &str) -> String {
    let start = page.find(&format!("id=\"{id}\"")).unwrap();
    let open = start + page[start..].find('>').unwrap() + 1;
    let close = open + page[open..].find("</textarea>").unwrap();
    page[open..close]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

async fn the_organisation_administrator_edits_publishes_and_previews_the_move_of_cases(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.web_session("state_centre.admin").await;
    let (status, shown) = page(&app, &admin, "/o/state_centre/admin/variant").await;
    assert_eq!(status, 200);
    let published = textarea(&shown, "variant-source");
    assert!(published.contains("key = \"state_centre\""), "{published}");
    let token = form_token(&shown);

    // A broken draft: refused with the path of every problem, and what was typed is kept.
    let broken = published.replacen(
        "time_zone = \"Europe/Moscow\"",
        "time_zone = \"Europe/Nowhere\"",
        1,
    );
    assert_ne!(broken, published);
    let answer = post(
        &app,
        &admin,
        "/o/state_centre/admin/variant/draft",
        &[
            ("_csrf", &token),
            ("format", "TOML"),
            ("exists", "0"),
            ("document", &broken),
        ],
    )
    .await;
    assert_eq!(answer.status(), 422);
    let refused = answer.text().await.unwrap();
    assert!(
        refused.contains("<code>document.time_zone</code>"),
        "{refused}"
    );
    assert!(textarea(&refused, "variant-source").contains("Europe/Nowhere"));

    // seed 003 §3.1: «в течение 5 рабочих дней» — the centre makes it 7.
    let seven = published.replacen("working_days = 5", "working_days = 7", 1);
    assert_ne!(seven, published);
    let answer = post(
        &app,
        &admin,
        "/o/state_centre/admin/variant/draft",
        &[
            ("_csrf", &token),
            ("format", "TOML"),
            ("exists", "0"),
            ("document", &seven),
        ],
    )
    .await;
    assert_eq!(answer.status(), 303);
    let (_, shown) = page(&app, &admin, "/o/state_centre/admin/variant").await;
    assert!(
        shown.contains("working_days"),
        "the diff names the deadline"
    );
    let expected = {
        let start = shown.find("admin/variant/publish").unwrap();
        let marker = "name=\"expected\" value=\"";
        let at = start + shown[start..].find(marker).unwrap() + marker.len();
        shown[at..at + shown[at..].find('"').unwrap()].to_owned()
    };
    let answer = post(
        &app,
        &admin,
        "/o/state_centre/admin/variant/publish",
        &[("_csrf", &token), ("expected", &expected)],
    )
    .await;
    assert_eq!(answer.status(), 200);
    let published_now = answer.text().await.unwrap();
    assert!(
        published_now.contains("Опубликована версия 2"),
        "{published_now}"
    );

    // The move of open cases: previewed on the page, downloaded as CSV.
    let (status, preview) = page(&app, &admin, "/o/state_centre/admin/variant/migration").await;
    assert_eq!(status, 200);
    assert!(preview.contains("Перевести случаи"));
    let answer = post(
        &app,
        &admin,
        "/o/state_centre/admin/variant/migration",
        &[("_csrf", &token), ("to", "2"), ("action", "csv")],
    )
    .await;
    assert_eq!(answer.status(), 200);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(answer.text().await.unwrap().starts_with("case_number,"));
    let answer = post(
        &app,
        &admin,
        "/o/state_centre/admin/variant/migration",
        &[("_csrf", &token), ("to", "2"), ("action", "xlsx")],
    )
    .await;
    assert_eq!(answer.status(), 200);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    assert!(
        answer.bytes().await.unwrap().starts_with(b"PK"),
        "an XLSX file is a zip"
    );

    // The production calendar: shipped days with their act, and a transferred working day added.
    let (status, calendar) = page(&app, &admin, "/o/state_centre/admin/calendar?year=2026").await;
    assert_eq!(status, 200);
    assert!(calendar.contains("Производственный календарь на 2026 год"));
    assert!(calendar.contains("Новогодние каникулы"));
    let answer = post(
        &app,
        &admin,
        "/o/state_centre/admin/calendar/add",
        &[
            ("_csrf", &token),
            ("revision", "0"),
            ("date", "2026-10-03"),
            ("kind", "WORKING_DAY"),
            ("name", "Рабочая суббота центра"),
        ],
    )
    .await;
    assert_eq!(answer.status(), 303);
    let (_, calendar) = page(&app, &admin, "/o/state_centre/admin/calendar?year=2026").await;
    assert!(calendar.contains("Рабочая суббота центра"), "{calendar}");
    // The same form again with the revision it was read at: someone changed it meanwhile.
    let answer = post(
        &app,
        &admin,
        "/o/state_centre/admin/calendar/add",
        &[
            ("_csrf", &token),
            ("revision", "0"),
            ("date", "2026-10-10"),
            ("kind", "WORKING_DAY"),
            ("name", "Ещё одна суббота"),
        ],
    )
    .await;
    assert_eq!(answer.status(), 422);
    let file = admin
        .get(format!(
            "{}/o/state_centre/admin/variant/published.toml",
            app.address
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(file.contains("working_days = 7"));

    // A curator has none of it.
    let curator = app.web_session("state_centre.curator").await;
    let (status, _) = page(&app, &curator, "/o/state_centre/admin/variant").await;
    assert_eq!(status, 403);
    // The calendar they may read, not change.
    let (status, calendar) = page(&app, &curator, "/o/state_centre/admin/calendar?year=2026").await;
    assert_eq!(status, 200);
    assert!(calendar.contains("Рабочая суббота центра"));
    assert!(!calendar.contains("admin/calendar/add"));
}

async fn the_platform_administrator_creates_and_suspends_an_organisation_on_its_page(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.web_session("admin").await;
    let home = admin.get(format!("{}/", app.address)).send().await.unwrap();
    assert_eq!(home.headers()["location"], "/platform");
    let (status, shown) = page(&app, &admin, "/platform").await;
    assert_eq!(status, 200);
    let token = form_token(&shown);
    let fields = [
        ("_csrf", token.as_str()),
        ("slug", "sixth"),
        ("name_ru", "Центр «Шестой»"),
        ("name_kk", "«Алтыншы» орталығы"),
        ("name_en", "Centre Six"),
        ("template", "volunteers"),
        ("document", ""),
        ("time_zone", ""),
        ("calendar", ""),
        ("placement", "default"),
        ("admin_login", "sixth.head"),
        ("admin_name", "Ирина Шестакова"),
        ("admin_password", DEMO_PASSWORD),
    ];
    // Refused first (a slug that exists): the reasons, and what was typed stays.
    let mut taken = fields;
    taken[1] = ("slug", "fund");
    let answer = post(&app, &admin, "/platform/organisations", &taken).await;
    assert_eq!(answer.status(), 422);
    let refused = answer.text().await.unwrap();
    assert!(refused.contains("уже есть"), "{refused}");
    assert!(refused.contains("Ирина Шестакова"));

    let answer = post(&app, &admin, "/platform/organisations", &fields).await;
    assert_eq!(answer.status(), 303);
    let (_, listed) = page(&app, &admin, "/platform").await;
    assert!(listed.contains("Центр «Шестой»"), "{listed}");

    // Its head works there at once.
    let head = app.web_session("sixth.head").await;
    let (status, _) = page(&app, &head, "/o/sixth/day").await;
    assert_eq!(status, 200);

    let answer = post(
        &app,
        &admin,
        "/platform/organisations/sixth/suspend",
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(answer.status(), 303);
    let (status, _) = page(&app, &head, "/o/sixth/day").await;
    assert_eq!(status, 404);
    let (_, listed) = page(&app, &admin, "/platform").await;
    assert!(listed.contains("приостановлена"));

    // Nobody else has this page.
    let curator = app.web_session("fund.curator").await;
    let (status, _) = page(&app, &curator, "/platform").await;
    assert_eq!(status, 403);
}

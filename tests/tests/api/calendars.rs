//! An organisation administrator keeps the organisation's production calendar over the API: reads
//! a year (the shipped days with the act they come from, the organisation's own days marked as
//! its own), adds a public holiday or a transferred working day against the revision they read,
//! removes one of the organisation's own days. Deadlines computed after a change use it — on this
//! replica and on another one of the same organisation — and a stale revision, a bad day or a
//! curator is refused with nothing written.

use crate::variant_admin::{edit, preset, problems, publish, state_centre_case};
use chrono::{DateTime, Utc};
use kurator_casework::TenantRuntime;
use kurator_store::tenant::obligations;
use kurator_tests::backend::APP_LOGIN;
use kurator_tests::casework::{Worker, clinic_request_form, obligation, version};
use kurator_tests::{Backend, GqlResponse, TestApp, db_suites, spawn_app};
use serde_json::{Value, json};

db_suites!(
    the_kazakh_clinic_confirms_kurban_ait_2027_and_an_assessment_deadline_set_after_it_ends_a_working_day_later,
    a_state_centre_administrator_adds_a_transferred_working_day_and_five_working_days_end_a_day_sooner,
    stale_revisions_bad_days_and_curators_are_refused_and_nothing_is_written,
    a_removed_day_stays_in_the_history_and_both_changes_are_in_the_audit_trail,
    the_calendar_changes_table_is_tenant_scoped_and_append_only,
);

const YEAR_FIELDS: &str = "year region timeZone revision
    days { date kind name source removable addedBy addedAt revision }
    changes { revision date kind action name changedBy }";

async fn calendar(worker: &Worker<'_>, year: i32) -> Value {
    worker
        .ok(
            &format!("query($y: Int!) {{ calendar(year: $y) {{ {YEAR_FIELDS} }} }}"),
            json!({ "y": year }),
        )
        .await["calendar"]
        .clone()
}

async fn add(
    admin: &Worker<'_>,
    date: &str,
    kind: &str,
    name: &str,
    expected_revision: i64,
) -> GqlResponse {
    admin
        .gql(
            &format!(
                "mutation($d: NaiveDate!, $k: CalendarDayKind!, $n: String!, $r: Int!) {{
                    addCalendarDay(date: $d, kind: $k, name: $n, expectedRevision: $r) {{ {YEAR_FIELDS} }} }}"
            ),
            json!({ "d": date, "k": kind, "n": name, "r": expected_revision }),
        )
        .await
}

async fn remove(admin: &Worker<'_>, date: &str, expected_revision: i64) -> GqlResponse {
    admin
        .gql(
            &format!(
                "mutation($d: NaiveDate!, $r: Int!) {{
                    removeCalendarDay(date: $d, expectedRevision: $r) {{ {YEAR_FIELDS} }} }}"
            ),
            json!({ "d": date, "r": expected_revision }),
        )
        .await
}

/// The listed day of a calendar year on `date`, if any.
fn day<'v>(year: &'v Value, date: &str) -> Option<&'v Value> {
    year["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == date)
}

/// The organisation's audit trail entries of one action.
async fn audit(admin: &Worker<'_>, action: &str) -> Vec<Value> {
    admin
        .ok(
            "query($a: String) { auditLog(action: $a) { action entity entityId actorId before after } }",
            json!({ "a": action }),
        )
        .await["auditLog"]
        .as_array()
        .unwrap()
        .clone()
}

/// The open obligations stored for a case (what lists, the board and the deadline worker read),
/// as `runtime` reads them.
async fn stored_due(runtime: &TenantRuntime, case: &str, key: &str) -> DateTime<Utc> {
    let tx = runtime.read().await.unwrap();
    let rows = obligations::of_case(&tx, case.parse().unwrap())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    rows.into_iter()
        .find(|o| o.key == key)
        .unwrap_or_else(|| panic!("no stored {key} for {case}"))
        .due_at
}

/// Another replica of the organisation: its own runtime over the same database, as a second
/// gateway process would open it.
async fn second_replica(app: &TestApp, slug: &str) -> TenantRuntime {
    let tenant = app.tenant_runtime(slug).tenant().clone();
    TenantRuntime::open(tenant, 2, Some(&(APP_LOGIN.to_owned(), None)), true)
        .await
        .unwrap()
}

/// A request about a young child reaches the clinic on `day` at 09:00 Almaty, is confirmed by
/// the primary assessment, and the case opens at 11:00 (seed 004 §7, stages 1–2).
async fn clinic_case_opened_on(curator: &Worker<'_>, day: &str) -> String {
    let at = |time: &str| format!("{day}T{time}:00Z");
    let registered = curator
        .register_signal(json!({
            "receivedAt": at("04:00"),
            "source": "medical_staff",
            "channel": "in_person",
            "requester": { "name": "Участковая медсестра", "position": "медсестра", "relation": "специалист" },
            "subject": { "name": "Сейтов Алихан", "birthDate": "2023-01-15", "sex": "m", "address": "г. Алматы" },
            "parents": { "mother": { "name": "Сейтова Айжан", "whereabouts": "г. Алматы", "occupation": "нет" } },
            "grounds": "Ребёнок оставлен без присмотра",
            "followUp": "Выезд социального работника",
            "triage": { "classifications": [{ "key": "risk", "value": "medium" }] },
            "form": clinic_request_form()
        }))
        .await;
    assert!(registered.errors().is_empty(), "{:#}", registered.body);
    let signal = registered.data()["registerSignal"]["id"].as_str().unwrap();
    let decided = curator
        .decide_signal(
            signal,
            1,
            json!({ "kind": "ACCEPT", "family": { "child": "Сейтов Алихан" } }),
            &at("04:05"),
        )
        .await;
    assert!(decided.errors().is_empty(), "{:#}", decided.body);
    let case_id = decided.data()["decideSignal"]["caseId"]
        .as_str()
        .unwrap()
        .to_owned();
    let act = |time: &str| json!({ "actingAs": "social_worker", "at": at(time) });
    let moved = curator
        .move_case(&case_id, 1, "urgent_or_primary", act("04:10"))
        .await;
    let mut assessed = act("05:00");
    assessed["decisions"] = json!([{
        "key": "primary_assessment_result",
        "votes": [{ "role": "social_worker", "person": curator.user_id, "choice": "confirmed" }]
    }]);
    let assessed = curator
        .step(
            &case_id,
            version(&moved, "moveCase"),
            "primary_assessment",
            assessed,
        )
        .await;
    let opened = curator
        .move_case(
            &case_id,
            version(&assessed, "performStep"),
            "assessment_and_plan",
            act("06:00"),
        )
        .await;
    assert_eq!(
        opened.data()["moveCase"]["status"],
        "open",
        "{:#}",
        opened.body
    );
    case_id
}

const ASSESSMENT: &str = "deadline:comprehensive_assessment";

// The shipped Kazakh calendar estimates Kurban ait 2027 on Sunday 16 May (the date is set each
// year by the Spiritual Administration of Muslims). Suppose the clinic learns it is Monday 17 May
// — the test's assumption, not a statement of the decision — and confirms it in its calendar.
// The clinic counts its comprehensive assessment in working days (30 instead of 6 weeks, seed
// 004 §7 stage 3): a case opened on Tuesday 11 May 2027 is due on Tuesday 22 June before the
// change and on Wednesday 23 June after it.
async fn the_kazakh_clinic_confirms_kurban_ait_2027_and_an_assessment_deadline_set_after_it_ends_a_working_day_later(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let supervisor = Worker::sign_in(&app, "clinic.supervisor").await;
    let in_working_days = edit(
        &preset("clinic"),
        "within = { weeks = 6 }",
        "within = { working_days = 30 }",
    );
    publish(&admin, &in_working_days).await;
    let replica = second_replica(&app, "clinic").await;

    let before = clinic_case_opened_on(&curator, "2027-05-11").await;
    let card = curator.case(&before, "2027-05-12T04:00:00Z").await;
    assert_eq!(
        obligation(&card, ASSESSMENT)["due"],
        "2027-06-22T18:59:59+00:00"
    );

    // Supervisors and curators read the calendar; the shipped estimate names its act.
    let year = calendar(&supervisor, 2027).await;
    assert_eq!(
        (&year["region"], &year["timeZone"], &year["revision"]),
        (&json!("kz"), &json!("Asia/Almaty"), &json!(0))
    );
    let estimate = day(&year, "2027-05-16").unwrap();
    assert_eq!(estimate["kind"], "HOLIDAY");
    assert!(
        estimate["source"].as_str().unwrap().contains("№ 267-II"),
        "{estimate:#}"
    );
    assert_eq!(estimate["removable"], false);
    assert!(day(&year, "2027-05-17").is_none());
    assert_eq!(calendar(&curator, 2027).await, year);

    // The estimate itself is already a holiday.
    let again = add(&admin, "2027-05-16", "HOLIDAY", "Курбан айт", 0).await;
    assert_eq!(again.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        problems(&again),
        [("calendar_already_holiday".into(), Some("date".into()))]
    );

    let confirmed = add(&admin, "2027-05-17", "HOLIDAY", "Құрбан айт", 0).await;
    assert!(confirmed.errors().is_empty(), "{:#}", confirmed.body);
    let year = &confirmed.data()["addCalendarDay"];
    assert_eq!(year["revision"], 1);
    let added = day(year, "2027-05-17").unwrap();
    assert_eq!(
        (
            &added["kind"],
            &added["name"],
            &added["source"],
            &added["removable"],
            &added["addedBy"],
            &added["revision"]
        ),
        (
            &json!("HOLIDAY"),
            &json!("Құрбан айт"),
            &json!("добавлено организацией"),
            &json!(true),
            &json!(admin.user_id),
            &json!(1)
        )
    );
    assert_eq!(calendar(&curator, 2027).await, *year);

    // A case opened after the change, on the same day at the same hour, is due a working day
    // later. (Its stored obligations are checked in the state centre's scenario below: the
    // engine stores what is open at the real clock's now, and May 2027 has not come yet.)
    let after = clinic_case_opened_on(&curator, "2027-05-11").await;
    let card = curator.case(&after, "2027-05-12T04:00:00Z").await;
    assert_eq!(
        obligation(&card, ASSESSMENT)["due"],
        "2027-06-23T18:59:59+00:00"
    );

    // The second replica opened before the change; the first case it writes brings it up to
    // the stored calendar revision.
    let kurban_ait = "2027-05-17".parse().unwrap();
    assert!(
        replica.calendar().is_working_day(kurban_ait),
        "the replica has not looked yet"
    );
    let tx = replica.begin().await.unwrap();
    tx.touch(before.parse().unwrap());
    tx.commit().await.unwrap();
    assert!(!replica.calendar().is_working_day(kurban_ait));
}

// A region moves a day off: Saturday 3 October 2026 is worked at the state centre. Informing the
// working group is due within 5 working days of the information (seed 003 §3.1): information of
// Friday 2 October is due by the end of Friday 9 October before the change, and by the end of
// Thursday 8 October after it.
async fn a_state_centre_administrator_adds_a_transferred_working_day_and_five_working_days_end_a_day_sooner(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "state_centre.admin").await;
    let curator = Worker::sign_in(&app, "state_centre.curator").await;
    let supervisor = Worker::sign_in(&app, "state_centre.supervisor").await;
    let key = "deadline:inform_working_group";
    let replica = second_replica(&app, "state_centre").await;

    let before = state_centre_case(&curator, &supervisor, "Иванов", "2026-10-02T07:00:00Z").await;
    let card = supervisor.case(&before, "2026-10-02T08:00:00Z").await;
    assert_eq!(obligation(&card, key)["due"], "2026-10-09T20:59:59+00:00");

    let year = calendar(&admin, 2026).await;
    assert_eq!(
        (&year["region"], &year["timeZone"], &year["revision"]),
        (&json!("ru"), &json!("Europe/Moscow"), &json!(0))
    );
    let unity_day = day(&year, "2026-11-04").unwrap();
    assert!(
        unity_day["source"]
            .as_str()
            .unwrap()
            .contains("Трудовой кодекс РФ, ст. 112"),
        "{unity_day:#}"
    );

    let worked = add(
        &admin,
        "2026-10-03",
        "WORKING_DAY",
        "Рабочий день (перенос выходного по решению области)",
        0,
    )
    .await;
    assert!(worked.errors().is_empty(), "{:#}", worked.body);
    let year = &worked.data()["addCalendarDay"];
    assert_eq!(year["revision"], 1);
    assert_eq!(
        day(year, "2026-10-03").unwrap()["kind"],
        "WORKING_DAY",
        "{year:#}"
    );

    // A case taken in after the change is due a day sooner: on its card and in what is stored
    // for lists, the board and the deadline worker.
    let after = state_centre_case(&curator, &supervisor, "Петров", "2026-10-02T07:00:00Z").await;
    let card = supervisor.case(&after, "2026-10-02T08:00:00Z").await;
    assert_eq!(obligation(&card, key)["due"], "2026-10-08T20:59:59+00:00");
    let runtime = app.tenant_runtime("state_centre");
    assert_eq!(
        stored_due(&runtime, &after, key).await.to_rfc3339(),
        "2026-10-08T20:59:59+00:00"
    );
    // What was stored for the earlier case stays until the case next changes…
    assert_eq!(
        stored_due(&runtime, &before, key).await.to_rfc3339(),
        "2026-10-09T20:59:59+00:00"
    );
    // …on whichever replica: one opened before the change computes it with the calendar as
    // stored now.
    let tx = replica.begin().await.unwrap();
    tx.touch(before.parse().unwrap());
    tx.commit().await.unwrap();
    assert_eq!(
        stored_due(&replica, &before, key).await.to_rfc3339(),
        "2026-10-08T20:59:59+00:00"
    );
}

async fn stale_revisions_bad_days_and_curators_are_refused_and_nothing_is_written(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "state_centre.admin").await;
    let curator = Worker::sign_in(&app, "state_centre.curator").await;

    let added = add(&admin, "2026-09-03", "HOLIDAY", "Региональный праздник", 0).await;
    assert!(added.errors().is_empty(), "{:#}", added.body);
    let at_one = calendar(&admin, 2026).await;
    assert_eq!(at_one["revision"], 1);

    // Someone else's change came first: the revision read before it is stale.
    let stale = add(&admin, "2026-09-04", "HOLIDAY", "Ещё один праздник", 0).await;
    assert_eq!(stale.error_code(), "CONFLICT");
    assert_eq!(
        stale.errors()[0]["extensions"]["details"]["currentVersion"],
        1
    );
    let stale = remove(&admin, "2026-09-03", 0).await;
    assert_eq!(stale.error_code(), "CONFLICT");

    for (date, kind, name, expected) in [
        (
            "1999-12-31",
            "HOLIDAY",
            "Канун",
            vec![("calendar_date_out_of_range", "date")],
        ),
        (
            "2101-01-01",
            "HOLIDAY",
            " ",
            vec![
                ("calendar_date_out_of_range", "date"),
                ("calendar_name_empty", "name"),
            ],
        ),
        (
            "2026-10-05",
            "WORKING_DAY",
            "Понедельник",
            vec![("calendar_working_day_not_weekend", "date")],
        ),
        (
            "2026-11-04",
            "HOLIDAY",
            "День народного единства",
            vec![("calendar_already_holiday", "date")],
        ),
        (
            "2027-02-20",
            "WORKING_DAY",
            "Суббота",
            vec![("calendar_already_working_day", "date")],
        ),
        (
            "2026-09-03",
            "WORKING_DAY",
            "Четверг",
            vec![("calendar_day_already_listed", "date")],
        ),
    ] {
        let refused = add(&admin, date, kind, name, 1).await;
        assert_eq!(refused.error_code(), "BAD_USER_INPUT", "{date} {kind}");
        let expected: Vec<(String, Option<String>)> = expected
            .into_iter()
            .map(|(code, field)| (code.to_owned(), Some(field.to_owned())))
            .collect();
        assert_eq!(problems(&refused), expected, "{date} {kind}");
    }
    let long = add(&admin, "2026-09-04", "HOLIDAY", &"я".repeat(201), 1).await;
    assert_eq!(problems(&long), [("too_long".into(), Some("name".into()))]);
    let shipped = remove(&admin, "2026-11-04", 1).await;
    assert_eq!(
        problems(&shipped),
        [("calendar_day_not_own".into(), Some("date".into()))]
    );
    let nothing = remove(&admin, "2026-09-10", 1).await;
    assert_eq!(
        problems(&nothing),
        [("calendar_day_not_own".into(), Some("date".into()))]
    );
    let out_of_range = admin
        .gql("{ calendar(year: 1999) { revision } }", json!({}))
        .await;
    assert_eq!(
        problems(&out_of_range),
        [("calendar_year_out_of_range".into(), Some("year".into()))]
    );

    // A curator reads the calendar but changes nothing.
    assert_eq!(calendar(&curator, 2026).await, at_one);
    let forbidden = add(&curator, "2026-09-04", "HOLIDAY", "Праздник куратора", 1).await;
    assert_eq!(forbidden.error_code(), "FORBIDDEN");
    let forbidden = remove(&curator, "2026-09-03", 1).await;
    assert_eq!(forbidden.error_code(), "FORBIDDEN");

    // Nothing of all that was written: the same calendar, one change, one audit record.
    assert_eq!(calendar(&admin, 2026).await, at_one);
    assert_eq!(audit(&admin, "calendar.day.add").await.len(), 1);
    assert!(audit(&admin, "calendar.day.remove").await.is_empty());
}

async fn a_removed_day_stays_in_the_history_and_both_changes_are_in_the_audit_trail(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;

    let added = add(&admin, "2027-05-17", "HOLIDAY", "Құрбан айт", 0).await;
    assert!(added.errors().is_empty(), "{:#}", added.body);
    let removed = remove(&admin, "2027-05-17", 1).await;
    assert!(removed.errors().is_empty(), "{:#}", removed.body);
    let year = &removed.data()["removeCalendarDay"];
    assert_eq!(year["revision"], 2);
    assert!(day(year, "2027-05-17").is_none());
    assert_eq!(
        year["changes"],
        json!([
            { "revision": 1, "date": "2027-05-17", "kind": "HOLIDAY", "action": "ADDED",
              "name": "Құрбан айт", "changedBy": admin.user_id },
            { "revision": 2, "date": "2027-05-17", "kind": "HOLIDAY", "action": "REMOVED",
              "name": "Құрбан айт", "changedBy": admin.user_id },
        ])
    );
    assert!(
        app.tenant_runtime("clinic")
            .calendar()
            .is_working_day("2027-05-17".parse().unwrap()),
        "the shipped calendar applies again"
    );

    let add_trail = audit(&admin, "calendar.day.add").await;
    assert_eq!(add_trail.len(), 1);
    assert_eq!(add_trail[0]["entity"], "calendar_change");
    assert_eq!(add_trail[0]["actorId"], admin.user_id);
    assert_eq!(add_trail[0]["after"]["day"], "2027-05-17");
    assert_eq!(add_trail[0]["after"]["kind"], "holiday");
    assert_eq!(add_trail[0]["after"]["action"], "add");
    assert_eq!(add_trail[0]["after"]["revision"], 1);
    let remove_trail = audit(&admin, "calendar.day.remove").await;
    assert_eq!(remove_trail.len(), 1);
    assert_eq!(remove_trail[0]["before"]["name"], "Құрбан айт");
    assert_eq!(remove_trail[0]["before"]["revision"], 1);
    assert_eq!(remove_trail[0]["after"]["action"], "remove");
    assert_eq!(remove_trail[0]["after"]["revision"], 2);

    // The same day may be listed again, as the next revision.
    let again = add(&admin, "2027-05-17", "HOLIDAY", "Құрбан айт", 2).await;
    assert_eq!(
        again.data()["addCalendarDay"]["revision"],
        3,
        "{:#}",
        again.body
    );
}

// On PostgreSQL the application's role sees the calendar changes only for the tenant set on the
// transaction, and may add rows but never change or remove them: the history cannot be rewritten.
async fn the_calendar_changes_table_is_tenant_scoped_and_append_only(backend: Backend) {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let app = spawn_app(backend.clone()).await;
    let admin = Worker::sign_in(&app, "fund.admin").await;
    let added = add(&admin, "2026-09-03", "HOLIDAY", "Региональный праздник", 0).await;
    assert!(added.errors().is_empty(), "{:#}", added.body);
    let Some(postgres) = backend.postgres.as_ref() else {
        return;
    };
    let url = postgres.url_for("fund").replacen(
        "postgres://postgres@",
        &format!("postgres://{APP_LOGIN}@"),
        1,
    );
    let db = Database::connect(url).await.unwrap();
    let rows = db
        .query_one_raw(Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT count(*) AS n FROM calendar_changes",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(
        rows, 0,
        "calendar_changes rows visible without app.tenant_id"
    );
    for statement in [
        "UPDATE calendar_changes SET name = 'x'",
        "DELETE FROM calendar_changes",
    ] {
        let message = db
            .execute_unprepared(statement)
            .await
            .expect_err(statement)
            .to_string();
        assert!(
            message.contains("permission denied"),
            "{statement}: {message}"
        );
    }
}

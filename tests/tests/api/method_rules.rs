//! Every rule of the method holds end to end: closure runs through the variant, people act only
//! in the method roles they hold, the caseload is checked on every path that changes a load, and
//! access to a case ends with the role on it. Each test names the section of the method document
//! it comes from.

use crate::permissions::kit;
use kurator_tests::casework::{Worker, demo_family, fund_first_visit_report, obligation, version};
use kurator_tests::fund::{self, FundTeam};
use kurator_tests::{Backend, GqlResponse, db_suites, spawn_app};
use serde_json::{Value, json};

db_suites!(
    a_fund_case_closes_only_from_the_closure_stage_after_its_conference,
    a_terminated_contract_closes_the_case_without_post_support,
    a_high_complexity_case_needs_a_case_conference_before_closure,
    closing_before_three_months_needs_the_senior_curators_acknowledgement,
    a_person_acts_only_in_a_method_role_they_hold,
    votes_name_members_who_hold_the_role_and_each_votes_once,
    the_organisation_administrator_assigns_method_roles,
    a_sixth_family_cannot_enter_a_curators_post_support,
    a_complexity_change_cannot_give_a_curator_a_sixth_complex_case,
    a_category_change_cannot_give_a_curator_a_seventh_sop_family,
    reopening_counts_against_the_curators_caseload,
    a_reassigned_curator_no_longer_sees_the_case,
    the_board_shows_every_curator_with_their_spare_capacity,
    the_clinics_follow_up_lasts_at_least_three_months,
    lists_are_filtered_by_what_the_variant_offers,
    one_time_help_opens_no_case,
    in_an_emergency_the_curator_acts_first_and_approvals_follow,
    permanent_support_is_never_overdue_for_its_duration,
    each_organisation_takes_its_own_decisions_on_a_signal,
    plans_follow_the_variant,
    signals_are_registered_on_the_organisations_own_form,
);

fn reasons(response: &GqlResponse) -> Vec<String> {
    response.errors()[0]["extensions"]["details"]["reasons"]
        .as_array()
        .unwrap_or_else(|| panic!("no reasons in {:#}", response.body))
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect()
}

/// Closure as the fund's curator gives it: the criteria, the role, the moment, and how often to be
/// in touch during post-support (seed 000 §6 table 1, «Пост-сопровождение»).
fn close_input(confirmed: &[&str], acting_as: &str, at: &str) -> Value {
    json!({ "confirmed": confirmed, "actingAs": acting_as, "at": at, "contactEvery": { "months": 1 } })
}

async fn close(who: &Worker<'_>, case: &str, v: i64, input: Value) -> GqlResponse {
    who.gql(fund::CLOSE, json!({ "c": case, "v": v, "i": input }))
        .await
}

/// A fund case walked to post-support by its team: closed on 15 July 2026.
async fn fund_case_in_post_support(team: &FundTeam<'_>) -> (String, i64) {
    let (case, v) = team.case_carrying_out_its_plan("low").await;
    let v = team.to_closing_conference(&case, v).await;
    let closed = close(
        &team.curator,
        &case,
        v,
        close_input(&fund::ALL_CRITERIA, "curator", "2026-07-15T09:00:00Z"),
    )
    .await;
    assert_eq!(
        closed.data()["closeCase"]["status"],
        "post_support",
        "{:#}",
        closed.body
    );
    (case, version(&closed, "closeCase"))
}

// seed 000 §6 table 1, stage «Закрытие случая»: the curator gathers a conference with the exit
// diagnostics; then post-support, half a year or more (stage «Пост-сопровождение»).
async fn a_fund_case_closes_only_from_the_closure_stage_after_its_conference(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let curator = &team.curator;
    let (case, v) = team.case_carrying_out_its_plan("low").await;

    // Still carrying out the plan: every criterion ticked, and still refused — nothing written.
    let early = close(
        curator,
        &case,
        v,
        close_input(&fund::ALL_CRITERIA, "curator", "2026-07-20T07:00:00Z"),
    )
    .await;
    assert_eq!(early.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        reasons(&early),
        [
            "с этапа «Реализация шагов плана» случай закрывается только по основанию: \
             «Родители систематически нарушают договор — договор расторгнут» (contract_terminated); \
             обычное закрытие — с этапа: Закрытие случая"
        ]
    );
    let unchanged = curator.case(&case, "2026-07-20T07:00:00Z").await;
    assert_eq!(unchanged["version"], v);
    assert_eq!(unchanged["status"], "open");

    // At the closure stage, but without the exit diagnostics and the conference.
    let v = team
        .walk(
            &case,
            v,
            vec![
                json!({ "do": ">monitoring", "actingAs": "curator", "at": "2026-06-29T07:00:00Z" }),
                json!({ "do": ">closure", "actingAs": "curator", "at": "2026-07-14T07:00:00Z" }),
            ],
        )
        .await;
    let refused = close(
        curator,
        &case,
        v,
        close_input(&fund::ALL_CRITERIA, "curator", "2026-07-14T09:00:00Z"),
    )
    .await;
    assert_eq!(
        reasons(&refused),
        ["не выполнены обязательные шаги: exit_diagnostics, closing_conference"]
    );
    let v = team
        .walk(
            &case,
            v,
            vec![json!({ "do": "exit_diagnostics", "actingAs": "curator", "at": "2026-07-14T08:00:00Z" })],
        )
        .await;
    // A conference of two members and the mother: outside people are recorded, not counted.
    let small = curator
        .step(
            &case,
            v,
            "closing_conference",
            json!({ "actingAs": "curator", "at": "2026-07-15T07:00:00Z", "decisions": [{
                "key": "closure_conference",
                "participants": [
                    team.participant("curator"),
                    team.participant("senior_curator"),
                    { "person": "Васильева Е.", "role": "мать", "organisation": "семья" }
                ],
                "recorded": "close"
            }] }),
        )
        .await;
    assert_eq!(
        reasons(&small),
        [
            "decisions.closure_conference: на консилиуме «Консилиум по закрытию случая» записано участников из организации: 2, нужно не менее 3"
        ]
    );
    let done = curator
        .step(
            &case,
            v,
            "closing_conference",
            json!({ "actingAs": "curator", "at": "2026-07-15T07:00:00Z", "decisions": team.closing_conference() }),
        )
        .await;
    let v = version(&done, "performStep");
    // Post-support contacts run at a frequency set at closure: it must be set.
    let mut unset = close_input(&fund::ALL_CRITERIA, "curator", "2026-07-15T09:00:00Z");
    unset.as_object_mut().unwrap().remove("contactEvery");
    let refused = close(curator, &case, v, unset).await;
    assert_eq!(
        reasons(&refused),
        ["contactEvery: укажите, как часто быть на связи с семьёй на пост-сопровождении"]
    );
    let closed = close(
        curator,
        &case,
        v,
        close_input(&fund::ALL_CRITERIA, "curator", "2026-07-15T09:00:00Z"),
    )
    .await;
    let closed = &closed.data()["closeCase"];
    assert_eq!(closed["status"], "post_support");
    assert_eq!(closed["stage"]["key"], "post_support");
    let v = closed["version"].as_i64().unwrap();

    // seed 000 §6 table 1, «Пост-сопровождение»: half a year or more — not over in December.
    let end = "mutation($c: ID!, $v: Int!, $at: DateTime) { endPostSupport(caseId: $c, version: $v, at: $at) { status } }";
    let too_soon = curator
        .gql(
            end,
            json!({ "c": case, "v": v, "at": "2026-12-01T07:00:00Z" }),
        )
        .await;
    assert_eq!(
        too_soon.error_message(),
        "пост-сопровождение длится не менее 6 месяцев: до 15.01.2027"
    );
    let ended = curator
        .gql(
            end,
            json!({ "c": case, "v": v, "at": "2027-01-16T07:00:00Z" }),
        )
        .await;
    assert_eq!(ended.data()["endPostSupport"]["status"], "closed");
}

// seed 000 §6 table 1, criteria of closure: «родители систематически нарушают условия договора,
// он расторгается» — a closing path of its own, from any stage of the work, without post-support.
async fn a_terminated_contract_closes_the_case_without_post_support(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let (case, v) = team.case_carrying_out_its_plan("medium").await;
    let closed = close(
        &team.curator,
        &case,
        v,
        close_input(&["contract_terminated"], "curator", "2026-05-20T07:00:00Z"),
    )
    .await;
    let closed = &closed.data()["closeCase"];
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["stage"]["key"], "terminated");
    assert_eq!(closed["postSupportUntil"], Value::Null);
    assert_eq!(closed["outcome"]["ground"], "contract_terminated");
}

// seed 000 §6 table 1, stage «Реализация шагов плана»: «по сложным случаям хотя бы раз за время
// ведения случая собирается консилиум».
async fn a_high_complexity_case_needs_a_case_conference_before_closure(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let curator = &team.curator;

    let (without, v) = team.case_carrying_out_its_plan("high").await;
    let v = team.to_closing_conference(&without, v).await;
    let refused = close(
        curator,
        &without,
        v,
        close_input(&fund::ALL_CRITERIA, "curator", "2026-07-15T09:00:00Z"),
    )
    .await;
    assert_eq!(reasons(&refused), ["нет решения «case_conference»"]);

    let (with, v) = team.case_carrying_out_its_plan("high").await;
    let v = team
        .walk(
            &with,
            v,
            vec![json!({ "do": "conference_supervision", "actingAs": "curator", "at": "2026-05-20T07:00:00Z",
                "decisions": team.conference("case_conference", "continue") })],
        )
        .await;
    let v = team.to_closing_conference(&with, v).await;
    let closed = close(
        curator,
        &with,
        v,
        close_input(&fund::ALL_CRITERIA, "curator", "2026-07-15T09:00:00Z"),
    )
    .await;
    assert_eq!(
        closed.data()["closeCase"]["status"],
        "post_support",
        "{:#}",
        closed.body
    );
}

// seed 000 §13: a case lasts 3 months to 1.5 years — norms the document calls guidelines
// («ориентиры»); the fund's variant lets the senior curator acknowledge an earlier closure.
async fn closing_before_three_months_needs_the_senior_curators_acknowledgement(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let (curator, senior) = (&team.curator, &team.supervisor);
    let (case, v) = team.case_carrying_out_its_plan("low").await;
    let v = team
        .walk(
            &case,
            v,
            vec![
                json!({ "do": ">monitoring", "actingAs": "curator", "at": "2026-06-29T07:00:00Z" }),
            ],
        )
        .await;
    // Opened on 13 April: before 13 July the curator is stopped …
    let refused = curator
        .move_case(
            &case,
            v,
            "closure",
            json!({ "actingAs": "curator", "at": "2026-07-01T07:00:00Z" }),
        )
        .await;
    assert_eq!(
        reasons(&refused),
        [
            "норматив «case_duration» не выполнен (до 2026-07-13 20:59:59 UTC): продолжить можно, если это подтвердит роль «senior_curator»"
        ]
    );
    // … and cannot acknowledge it in their own name.
    let own = curator
        .move_case(
            &case,
            v,
            "closure",
            json!({ "actingAs": "curator", "acknowledged": ["case_duration"], "at": "2026-07-01T07:00:00Z" }),
        )
        .await;
    assert_eq!(own.error_code(), "BAD_USER_INPUT");
    // The senior curator acknowledges it; the case closes early, and the record says who did.
    let moved = senior
        .move_case(
            &case,
            v,
            "closure",
            json!({ "actingAs": "senior_curator", "acknowledged": ["case_duration"], "at": "2026-07-01T07:00:00Z" }),
        )
        .await;
    let v = version(&moved, "moveCase");
    let v = team
        .walk(
            &case,
            v,
            vec![
                json!({ "do": "exit_diagnostics", "actingAs": "curator", "at": "2026-07-01T08:00:00Z" }),
                json!({ "do": "closing_conference", "actingAs": "curator", "at": "2026-07-02T07:00:00Z",
                    "decisions": team.closing_conference() }),
            ],
        )
        .await;
    let closed = close(
        curator,
        &case,
        v,
        close_input(&fund::ALL_CRITERIA, "curator", "2026-07-02T09:00:00Z"),
    )
    .await;
    assert_eq!(closed.data()["closeCase"]["status"], "post_support");
    let records = senior
        .ok(
            "query($id: ID!) { case(id: $id) { records(kind: \"acknowledgement\") { key actorId data } } }",
            json!({ "id": case }),
        )
        .await;
    assert_eq!(
        records["case"]["records"],
        json!([{ "key": "case_duration", "actorId": senior.user_id, "data": { "acting_as": "senior_curator" } }])
    );
}

// seed 000 §6 table 1, stage «Получение сигнала»: the senior curator accepts, refuses or redirects
// the signal — not a curator who says they are one.
async fn a_person_acts_only_in_a_method_role_they_hold(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let (curator, senior) = (&team.curator, &team.supervisor);
    let opened = senior
        .open_case(
            demo_family("Смирнов"),
            json!({ "complexity": "low" }),
            "2026-04-06T07:00:00Z",
            Some(&curator.user_id),
        )
        .await;
    let case = opened.data()["openCase"]["id"].as_str().unwrap().to_owned();
    let v = version(&opened, "openCase");
    let v = team
        .walk(
            &case,
            v,
            vec![
                json!({ "do": "receive_signal", "actingAs": "curator", "at": "2026-04-06T07:30:00Z",
                "artefacts": [{ "key": "signal_script", "content": {} }] }),
            ],
        )
        .await;
    let triage = json!({ "actingAs": "senior_curator", "at": "2026-04-06T08:00:00Z",
        "decisions": [{ "key": "signal_triage", "votes": [team.vote("senior_curator", "accept")] }] });
    let posing = curator
        .step(&case, v, "triage_signal", triage.clone())
        .await;
    assert_eq!(posing.error_code(), "FORBIDDEN");
    let moving = curator
        .move_case(
            &case,
            v,
            "first_visit",
            json!({ "actingAs": "senior_curator" }),
        )
        .await;
    assert_eq!(moving.error_code(), "FORBIDDEN");
    // A role the variant does not have at all is bad input.
    let unknown = curator
        .step(&case, v, "triage_signal", json!({ "actingAs": "director" }))
        .await;
    assert_eq!(unknown.error_code(), "BAD_USER_INPUT");
    let unchanged = senior.case(&case, "2026-04-06T09:00:00Z").await;
    assert_eq!(unchanged["version"], v);
    // The senior curator does it, and the record shows who really acted.
    let done = senior.step(&case, v, "triage_signal", triage).await;
    assert!(done.errors().is_empty(), "{:#}", done.body);
    let steps = senior
        .ok(
            "query($id: ID!) { case(id: $id) { records(kind: \"step\") { key actorId data } } }",
            json!({ "id": case }),
        )
        .await;
    let triaged = steps["case"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "triage_signal")
        .unwrap()
        .clone();
    assert_eq!(triaged["actorId"], senior.user_id.as_str());
    assert_eq!(triaged["data"]["acting_as"], "senior_curator");
}

// seed 000 §6 table 1, «Обсуждение решения о взятии случая в работу»: the curator, the senior
// curator, the visit psychologist and the senior psychologist decide — each a member in that role.
async fn votes_name_members_who_hold_the_role_and_each_votes_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let senior = &team.supervisor;
    let (case, _) = team.case_carrying_out_its_plan("low").await;
    // A fresh case at the decision on taking it.
    let opened = senior
        .open_case(
            demo_family("Орлов"),
            json!({ "complexity": "low" }),
            "2026-04-06T07:00:00Z",
            Some(&team.curator.user_id),
        )
        .await;
    assert_ne!(opened.data()["openCase"]["id"], case.as_str());
    let case = opened.data()["openCase"]["id"].as_str().unwrap().to_owned();
    let v = team
        .walk(
            &case,
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
                    "artefacts": [{ "key": "first_visit_report", "content": fund_first_visit_report() }] }),
            ],
        )
        .await;
    let decide = |votes: Value| {
        json!({ "actingAs": "senior_curator", "at": "2026-04-10T07:00:00Z",
        "decisions": [{ "key": "take_case", "votes": votes }] })
    };
    // The curator cannot vote as the psychologist; a name is not a member.
    let mut votes = team.take_case_votes("accept");
    votes[2]["person"] = json!(team.curator.user_id);
    votes[3]["person"] = json!("Белова Т.");
    let refused = senior.step(&case, v, "decide_on_case", decide(votes)).await;
    assert_eq!(
        reasons(&refused),
        [
            "decisions.take_case: «Белова Т.» — не сотрудник организации; укажите id сотрудника, а для представителя другой организации — его организацию (organisation)".to_owned(),
            format!(
                "decisions.take_case: сотрудник {} не назначен на роль «psychologist»",
                team.curator.user_id
            ),
        ]
    );
    // One person holding two of the roles still votes once.
    let admin = &team.head;
    admin
        .grant_method_role(&senior.user_id, "psychologist")
        .await;
    let mut twice = team.take_case_votes("accept");
    twice[2]["person"] = json!(senior.user_id);
    let refused = senior.step(&case, v, "decide_on_case", decide(twice)).await;
    assert_eq!(
        reasons(&refused),
        [
            "decisions.take_case: в голосовании «Решение о взятии случая в работу» один человек голосует один раз"
        ]
    );
    let unchanged = senior.case(&case, "2026-04-10T08:00:00Z").await;
    assert_eq!(unchanged["version"], v);
    let done = senior
        .step(
            &case,
            v,
            "decide_on_case",
            decide(team.take_case_votes("accept")),
        )
        .await;
    assert!(done.errors().is_empty(), "{:#}", done.body);
}

// seed 000 §8: the foundation's roles are held by its people; the organisation's administrator
// says who holds which.
async fn the_organisation_administrator_assigns_method_roles(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "fund.admin").await;
    let senior = Worker::sign_in(&app, "fund.supervisor").await;
    let colleague = Worker::sign_in(&app, "fund.curator2").await;
    let stranger = Worker::sign_in(&app, "clinic.curator").await;
    let grant = "mutation($u: ID!, $r: String!) { grantMethodRole(userId: $u, role: $r) }";
    let revoke = "mutation($u: ID!, $r: String!) { revokeMethodRole(userId: $u, role: $r) }";

    let mine = colleague.ok("{ myMethodRoles }", json!({})).await;
    assert_eq!(mine["myMethodRoles"], json!(["curator"]));
    let granted = admin
        .gql(
            grant,
            json!({ "u": colleague.user_id, "r": "senior_curator" }),
        )
        .await;
    assert_eq!(
        granted.data()["grantMethodRole"],
        json!(["curator", "senior_curator"])
    );
    let members = admin
        .ok("{ members { login methodRoles } }", json!({}))
        .await;
    assert!(
        members["members"].as_array().unwrap().contains(
            &json!({ "login": "fund.curator2", "methodRoles": ["curator", "senior_curator"] })
        ),
        "{members:#}"
    );

    // Now the colleague triages a signal as senior curator on their own case.
    let opened = senior
        .open_case(
            demo_family("Павлов"),
            json!({ "complexity": "low" }),
            "2026-04-06T07:00:00Z",
            Some(&colleague.user_id),
        )
        .await;
    let case = opened.data()["openCase"]["id"].as_str().unwrap().to_owned();
    let mut v = version(&opened, "openCase");
    let received = colleague
        .step(
            &case,
            v,
            "receive_signal",
            json!({ "actingAs": "curator", "artefacts": [{ "key": "signal_script", "content": {} }] }),
        )
        .await;
    v = version(&received, "performStep");
    let triage = json!({ "actingAs": "senior_curator", "decisions": [{ "key": "signal_triage",
        "votes": [{ "role": "senior_curator", "person": colleague.user_id, "choice": "accept" }] }] });
    let revoked = admin
        .gql(
            revoke,
            json!({ "u": colleague.user_id, "r": "senior_curator" }),
        )
        .await;
    assert_eq!(revoked.data()["revokeMethodRole"], json!(["curator"]));
    let forbidden = colleague
        .step(&case, v, "triage_signal", triage.clone())
        .await;
    assert_eq!(forbidden.error_code(), "FORBIDDEN");
    admin
        .grant_method_role(&colleague.user_id, "senior_curator")
        .await;
    let done = colleague.step(&case, v, "triage_signal", triage).await;
    assert!(done.errors().is_empty(), "{:#}", done.body);

    // Only the administrator assigns; only the variant's roles; only the organisation's people.
    let by_lead = senior
        .gql(grant, json!({ "u": colleague.user_id, "r": "coordinator" }))
        .await;
    assert_eq!(by_lead.error_code(), "FORBIDDEN");
    let unknown = admin
        .gql(grant, json!({ "u": colleague.user_id, "r": "director" }))
        .await;
    assert_eq!(unknown.error_code(), "BAD_USER_INPUT");
    let foreign = admin
        .gql(grant, json!({ "u": stranger.user_id, "r": "curator" }))
        .await;
    assert_eq!(foreign.error_code(), "NOT_FOUND");
}

// seed 000 §13: «до 5 семей на пост-сопровождении» besides the active cases.
async fn a_sixth_family_cannot_enter_a_curators_post_support(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    for _ in 0..5 {
        fund_case_in_post_support(&team).await;
    }
    let (case, v) = team.case_carrying_out_its_plan("low").await;
    let v = team.to_closing_conference(&case, v).await;
    let refused = close(
        &team.curator,
        &case,
        v,
        close_input(&fund::ALL_CRITERIA, "curator", "2026-07-15T09:00:00Z"),
    )
    .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        refused.error_message(),
        "Куратор ведёт 5 случаев на пост-сопровождении из 5 допустимых"
    );
    let unchanged = team.curator.case(&case, "2026-07-15T10:00:00Z").await;
    assert_eq!(unchanged["version"], v);
    assert_eq!(unchanged["status"], "open");
    assert_eq!(unchanged["stage"]["key"], "closure");
}

// seed 000 §13: «не более 5 сложных случаев» — a change of complexity counts as much as an
// assignment.
async fn a_complexity_change_cannot_give_a_curator_a_sixth_complex_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let senior = Worker::sign_in(&app, "fund.supervisor").await;
    let curator = Worker::sign_in(&app, "fund.curator2").await;
    let mut last = None;
    for (n, complexity) in ["high", "high", "high", "high", "high", "medium"]
        .into_iter()
        .enumerate()
    {
        let opened = senior
            .open_case(
                demo_family(&format!("Зайцев{n}")),
                json!({ "complexity": complexity }),
                "2026-04-06T07:00:00Z",
                Some(&curator.user_id),
            )
            .await;
        assert!(opened.errors().is_empty(), "{:#}", opened.body);
        last = Some(opened.data()["openCase"].clone());
    }
    let medium = last.unwrap();
    let set = senior
        .gql(
            kit::SET_ATTRIBUTE,
            json!({ "c": medium["id"], "v": medium["version"], "k": "complexity", "val": "high" }),
        )
        .await;
    assert_eq!(set.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        set.error_message(),
        "Куратор ведёт 5 сложных случаев из 5 допустимых"
    );
    let unchanged = senior
        .case(medium["id"].as_str().unwrap(), "2026-04-07T07:00:00Z")
        .await;
    assert_eq!(unchanged["attributes"]["complexity"], "medium");
    assert_eq!(unchanged["version"], medium["version"]);
}

// seed 003 §1.8: at most 6 families in a socially dangerous situation (СОП); read here as
// independent caps per category (the organisation's setting).
async fn a_category_change_cannot_give_a_curator_a_seventh_sop_family(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "state_centre.admin").await;
    let senior = Worker::sign_in(&app, "state_centre.supervisor").await;
    let curator = Worker::sign_in(&app, "state_centre.curator2").await;
    let settings = admin
        .ok("{ organisationSettings { version } }", json!({}))
        .await;
    let changed = admin
        .gql(
            "mutation($v: Int!) { updateOrganisationSettings(version: $v, caseloadCapsMode: INDEPENDENT) { version } }",
            json!({ "v": settings["organisationSettings"]["version"] }),
        )
        .await;
    assert!(changed.errors().is_empty(), "{:#}", changed.body);
    let mut last = None;
    for (n, category) in ["sop", "sop", "sop", "sop", "sop", "sop", "tzhs"]
        .into_iter()
        .enumerate()
    {
        let opened = senior
            .open_case(
                demo_family(&format!("Ершов{n}")),
                json!({ "family_category": category }),
                "2026-04-06T07:00:00Z",
                Some(&curator.user_id),
            )
            .await;
        assert!(opened.errors().is_empty(), "{n}: {:#}", opened.body);
        last = Some(opened.data()["openCase"].clone());
    }
    let tzhs = last.unwrap();
    let set = senior
        .gql(
            kit::SET_ATTRIBUTE,
            json!({ "c": tzhs["id"], "v": tzhs["version"], "k": "family_category", "val": "sop" }),
        )
        .await;
    assert_eq!(set.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        set.error_message(),
        "Куратор ведёт 6 семей в СОП из 6 допустимых"
    );
}

// seed 000 §3: on regression the work restarts with a new case — which its curator takes on, so
// it counts against their caseload (§13: at most 15).
async fn reopening_counts_against_the_curators_caseload(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let (case, v) = fund_case_in_post_support(&team).await;
    for n in 0..15 {
        let opened = team
            .supervisor
            .open_case(
                demo_family(&format!("Белов{n}")),
                json!({ "complexity": "low" }),
                "2026-08-03T07:00:00Z",
                Some(&team.curator.user_id),
            )
            .await;
        assert!(opened.errors().is_empty(), "{n}: {:#}", opened.body);
    }
    let reopened = team
        .curator
        .gql(
            "mutation($c: ID!, $v: Int!) { reopenCase(caseId: $c, version: $v, at: \"2026-09-21T07:00:00Z\") { id } }",
            json!({ "c": case, "v": v }),
        )
        .await;
    assert_eq!(reopened.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        reopened.error_message(),
        "Куратор ведёт 15 случаев из 15 допустимых"
    );
    let unchanged = team.curator.case(&case, "2026-09-21T08:00:00Z").await;
    assert_eq!(unchanged["status"], "post_support");
    assert_eq!(unchanged["version"], v);
}

async fn a_reassigned_curator_no_longer_sees_the_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let colleague = Worker::sign_in(&app, "clinic.curator2").await;
    let (case, v) = kit::open_case(&lead, Some(&curator.user_id)).await;
    assert!(
        curator
            .gql(kit::CASE, json!({ "id": case }))
            .await
            .errors()
            .is_empty()
    );
    let reassigned = lead
        .gql(
            kit::ASSIGN,
            json!({ "c": case, "v": v, "u": colleague.user_id }),
        )
        .await;
    kit::ok(&reassigned, "assignCurator");
    for (query, variables) in [
        (kit::CASE, json!({ "id": case })),
        (
            kit::RECORD_CONTACT,
            json!({ "c": case, "i": { "kind": "home_visit" } }),
        ),
    ] {
        assert_eq!(
            curator.gql(query, variables).await.error_code(),
            "NOT_FOUND",
            "{query}"
        );
    }
    assert!(!kit::listed(
        &curator.gql(kit::CASES, json!({})).await,
        &case
    ));
    assert!(kit::listed(
        &colleague.gql(kit::CASES, json!({})).await,
        &case
    ));
    // The card keeps the first curator's time on the case, with its end.
    let card = lead
        .ok(
            "query($id: ID!) { case(id: $id) { members { userId kind addedAt endedAt } } }",
            json!({ "id": case }),
        )
        .await;
    let members = card["case"]["members"].as_array().unwrap();
    let first = members
        .iter()
        .find(|m| m["userId"] == curator.user_id.as_str())
        .unwrap();
    assert!(first["endedAt"].is_string(), "{members:#?}");
    let now = members
        .iter()
        .find(|m| m["userId"] == colleague.user_id.as_str())
        .unwrap();
    assert_eq!(now["endedAt"], Value::Null);
}

// seed 000 §13 (15 cases a curator) and seed 003 §1.8 (6 СОП, 12 ТЖС, 24 needing support): the
// board shows every curator, those with no cases too, and how many more they can take.
async fn the_board_shows_every_curator_with_their_spare_capacity(backend: Backend) {
    let app = spawn_app(backend).await;
    let board = "{ board { curatorId activeCases nextCase { category decision spare } } }";
    let senior = Worker::sign_in(&app, "fund.supervisor").await;
    let curator = Worker::sign_in(&app, "fund.curator2").await;
    let line = |lines: &Value, id: &str| {
        lines["board"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["curatorId"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} not on the board: {lines:#}"))
    };
    let before = line(&senior.ok(board, json!({})).await, &curator.user_id);
    assert_eq!(before["activeCases"], 0);
    assert_eq!(
        before["nextCase"],
        json!([{ "category": null, "decision": "allowed", "spare": 15 }])
    );
    for n in 0..3 {
        senior
            .open_case(
                demo_family(&format!("Карпов{n}")),
                json!({ "complexity": "low" }),
                "2026-04-06T07:00:00Z",
                Some(&curator.user_id),
            )
            .await;
    }
    let after = line(&senior.ok(board, json!({})).await, &curator.user_id);
    assert_eq!(after["activeCases"], 3);
    assert_eq!(after["nextCase"][0]["spare"], 12);

    let centre = Worker::sign_in(&app, "state_centre.supervisor").await;
    let family_curator = Worker::sign_in(&app, "state_centre.curator2").await;
    let empty = line(&centre.ok(board, json!({})).await, &family_curator.user_id);
    assert_eq!(
        empty["nextCase"],
        json!([
            { "category": "sop", "decision": "allowed", "spare": 6 },
            { "category": "tzhs", "decision": "allowed", "spare": 12 },
            { "category": "needs_support", "decision": "allowed", "spare": 24 }
        ])
    );
}

// seed 004 §7, step 4: the family is followed for 3–6 months after the file is closed.
async fn the_clinics_follow_up_lasts_at_least_three_months(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = kit::clinic_team(&app).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let (case, v) = kit::open_case(&lead, None).await;
    let v = kit::bring_to_open(&lead, &case, v, &team.supervisor).await;
    let v = kit::bring_to_closure(&lead, &lead, &case, v, &team).await;
    let closed = lead
        .gql(
            kit::CLOSE,
            json!({ "c": case, "v": v, "i": { "confirmed": [
                "risk_acceptable", "relative_stability", "basic_needs_met",
                "parental_capacity", "material_improved", "relationships_improved"
            ], "actingAs": "social_worker" } }),
        )
        .await;
    let v = version(&closed, "closeCase");
    let end = "mutation($c: ID!, $v: Int!, $at: DateTime) { endPostSupport(caseId: $c, version: $v, at: $at) { status } }";
    let in_a_month = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let early = lead
        .gql(end, json!({ "c": case, "v": v, "at": in_a_month }))
        .await;
    assert!(
        early
            .error_message()
            .starts_with("пост-сопровождение длится не менее 3 месяцев: до "),
        "{:#}",
        early.body
    );
    let ended = lead
        .gql(
            end,
            json!({ "c": case, "v": v, "at": kit::after_follow_up() }),
        )
        .await;
    assert_eq!(ended.data()["endPostSupport"]["status"], "closed");
}

// seed 003 §1.8: lists are narrowed by the state centre's family category, which its variant
// marks filterable; a key the variant does not offer is refused, not ignored.
async fn lists_are_filtered_by_what_the_variant_offers(backend: Backend) {
    let app = spawn_app(backend).await;
    let senior = Worker::sign_in(&app, "state_centre.supervisor").await;
    for (n, category) in ["sop", "tzhs", "tzhs"].into_iter().enumerate() {
        let opened = senior
            .open_case(
                demo_family(&format!("Фомин{n}")),
                json!({ "family_category": category }),
                "2026-04-06T07:00:00Z",
                None,
            )
            .await;
        assert!(opened.errors().is_empty(), "{:#}", opened.body);
    }
    let list = "query($k: String!, $v: String!) { cases(filter: { attributes: [{ key: $k, value: $v }] }, first: 100) { edges { node { id } } } }";
    let tzhs = senior
        .ok(list, json!({ "k": "family_category", "v": "tzhs" }))
        .await;
    assert_eq!(tzhs["cases"]["edges"].as_array().unwrap().len(), 2);
    let unknown = senior
        .gql(list, json!({ "k": "placement", "v": "parents" }))
        .await;
    assert_eq!(
        reasons(&unknown),
        ["attributes.placement: по этому признаку списки не фильтруются"]
    );
    let bad_value = senior
        .gql(list, json!({ "k": "family_category", "v": "rich" }))
        .await;
    assert_eq!(
        reasons(&bad_value),
        ["attributes.family_category: ожидается одно из sop, tzhs, needs_support"]
    );
}

/// A fund case opened for the curator on Monday 6 April 2026 under `scenario`.
async fn fund_case_under(team: &FundTeam<'_>, scenario: &str) -> GqlResponse {
    team.supervisor
        .open_case(
            demo_family("Соколов"),
            json!({ "complexity": "low", "scenario": scenario }),
            "2026-04-06T07:00:00Z",
            Some(&team.curator.user_id),
        )
        .await
}

// seed 000 §10: one-time help opens no full case — it is noted in the visitors' journal.
async fn one_time_help_opens_no_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let once = fund_case_under(&team, "one_time_help").await;
    assert_eq!(
        reasons(&once),
        [
            "attributes.scenario: «Разовая помощь» не открывает полного случая — её записывают в журнал посетителей"
        ]
    );
    let unknown = fund_case_under(&team, "miracle").await;
    assert_eq!(
        reasons(&unknown),
        [
            "attributes.scenario: ожидается один из сценариев варианта: one_time_help, planned_support, emergency, permanent_support"
        ]
    );
    let planned = fund_case_under(&team, "planned_support").await;
    let case = planned.data()["openCase"].clone();
    let changed = team
        .supervisor
        .gql(
            kit::SET_ATTRIBUTE,
            json!({ "c": case["id"], "v": case["version"], "k": "scenario", "val": "one_time_help" }),
        )
        .await;
    assert_eq!(changed.error_code(), "BAD_USER_INPUT");
}

// seed 000 §10: in an emergency the curator acts without prior approvals; the approvals are
// recorded afterwards, and until then the case is flagged for the senior curator.
async fn in_an_emergency_the_curator_acts_first_and_approvals_follow(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let (curator, senior) = (&team.curator, &team.supervisor);
    let receive = json!({ "do": "receive_signal", "actingAs": "curator", "at": "2026-04-06T07:30:00Z",
        "artefacts": [{ "key": "signal_script", "content": {} }] });

    // Planned support: the senior curator triages the signal; the curator may not.
    let planned = fund_case_under(&team, "planned_support").await;
    let planned_id = planned.data()["openCase"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let v = team
        .walk(
            &planned_id,
            version(&planned, "openCase"),
            vec![receive.clone()],
        )
        .await;
    let refused = curator
        .step(
            &planned_id,
            v,
            "triage_signal",
            json!({ "actingAs": "curator" }),
        )
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");

    // An emergency: the curator takes the signal and goes on to the visit at once.
    let emergency = fund_case_under(&team, "emergency").await;
    let case = emergency.data()["openCase"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let v = team
        .walk(&case, version(&emergency, "openCase"), vec![receive])
        .await;
    let done = curator
        .step(
            &case,
            v,
            "triage_signal",
            json!({ "actingAs": "curator", "at": "2026-04-06T08:00:00Z" }),
        )
        .await;
    let v = version(&done, "performStep");
    let moved = curator
        .move_case(
            &case,
            v,
            "first_visit",
            json!({ "actingAs": "curator", "at": "2026-04-06T08:10:00Z" }),
        )
        .await;
    let v = version(&moved, "moveCase");
    let card = senior
        .ok(
            "query($id: ID!) { case(id: $id) { stage { key } pendingApprovals } }",
            json!({ "id": case }),
        )
        .await;
    assert_eq!(
        card["case"],
        json!({ "stage": { "key": "first_visit" }, "pendingApprovals": ["signal_triage"] })
    );
    let board = senior
        .ok("{ board { curatorId casesAwaitingApproval } }", json!({}))
        .await;
    assert!(
        board["board"]
            .as_array()
            .unwrap()
            .contains(&json!({ "curatorId": curator.user_id, "casesAwaitingApproval": 1 })),
        "{board:#}"
    );
    // The senior curator records the approval afterwards, in their own role.
    let approval = |person: &str| {
        json!({ "actingAs": "senior_curator", "at": "2026-04-06T12:00:00Z", "decisions": [{
            "key": "signal_triage",
            "votes": [{ "role": "senior_curator", "person": person, "choice": "accept" }]
        }] })
    };
    let record = "mutation($c: ID!, $v: Int!, $i: StepActionInput!) { recordApprovals(caseId: $c, version: $v, input: $i) { version pendingApprovals } }";
    let by_curator = curator
        .gql(
            record,
            json!({ "c": case, "v": v, "i": approval(&curator.user_id) }),
        )
        .await;
    assert_eq!(by_curator.error_code(), "FORBIDDEN");
    let approved = senior
        .gql(
            record,
            json!({ "c": case, "v": v, "i": approval(&senior.user_id) }),
        )
        .await;
    assert_eq!(
        approved.data()["recordApprovals"]["pendingApprovals"],
        json!([])
    );
    let again = senior
        .gql(
            record,
            json!({ "c": case, "v": v + 1, "i": approval(&senior.user_id) }),
        )
        .await;
    assert_eq!(
        reasons(&again),
        ["decisions.signal_triage: это решение не ожидает согласования"]
    );
}

// seed 000 §10 and §13: permanent support lasts until the youngest child comes of age — the
// 1.5-year guideline does not make it overdue.
async fn permanent_support_is_never_overdue_for_its_duration(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let keys = |card: &Value| -> Vec<String> {
        card["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["key"].as_str().unwrap().to_owned())
            .collect()
    };
    // Two open cases carrying out their plans; one is then marked permanent support.
    let (planned, _) = team.case_carrying_out_its_plan("low").await;
    let (permanent, v) = team.case_carrying_out_its_plan("low").await;
    let marked = team
        .supervisor
        .gql(
            kit::SET_ATTRIBUTE,
            json!({ "c": permanent, "v": v, "k": "scenario", "val": "permanent_support" }),
        )
        .await;
    assert!(marked.errors().is_empty(), "{:#}", marked.body);
    let planned = team.supervisor.case(&planned, "2028-01-10T07:00:00Z").await;
    let permanent = team
        .supervisor
        .case(&permanent, "2028-01-10T07:00:00Z")
        .await;
    assert_eq!(obligation(&planned, "case_duration")["status"], "OVERDUE");
    assert!(
        keys(&planned).contains(&"case_duration".to_owned()),
        "{planned:#}"
    );
    assert!(
        !keys(&permanent).contains(&"case_duration".to_owned()),
        "{permanent:#}"
    );
}

// seed 000 §6 table 1, «Получение сигнала»: the fund accepts, refuses or redirects a signal (and
// gives one-time help, §10); seed 004 §7: the clinic accepts, finds it not confirmed, or helps
// once. Each takes only its own decisions.
async fn each_organisation_takes_its_own_decisions_on_a_signal(backend: Backend) {
    let app = spawn_app(backend).await;
    let fund = Worker::sign_in(&app, "fund.supervisor").await;
    let clinic = Worker::sign_in(&app, "clinic.supervisor").await;
    let fund_signal = fund
        .register_signal(json!({
            "receivedAt": "2026-04-06T07:00:00Z", "source": "school", "channel": "call",
            "requester": { "name": "Школа" }, "subject": { "name": "Семья" }, "parents": {},
            "grounds": "Нет зимней одежды", "followUp": "", "triage": {}
        }))
        .await;
    let id = fund_signal.data()["registerSignal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = fund
        .decide_signal(
            &id,
            1,
            json!({ "kind": "NOT_CONFIRMED", "reasons": "Не подтвердилось" }),
            "2026-04-06T08:00:00Z",
        )
        .await;
    assert_eq!(
        reasons(&refused),
        [
            "decision.kind: такого решения по сигналу вариант технологии не предусматривает; возможны: accept, refuse, redirect, one_time_help"
        ]
    );
    let clinic_signal = kit::register_signal(&clinic, None).await;
    let refused = clinic
        .decide_signal(
            &clinic_signal,
            1,
            json!({ "kind": "REDIRECT", "redirectTo": "Другая поликлиника", "reasons": "По адресу" }),
            "2026-04-06T08:00:00Z",
        )
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    let redirected = fund
        .decide_signal(
            &id,
            1,
            json!({ "kind": "REDIRECT", "redirectTo": "Центр соцобслуживания", "reasons": "Другой район" }),
            "2026-04-06T08:00:00Z",
        )
        .await;
    assert_eq!(
        redirected.data()["decideSignal"]["signal"]["status"],
        "redirected"
    );
}

// seed 000 §6 table 1, «Составление Плана»: the plan always holds actions of the foundation and of
// the parents; seed 004 §7, step 3: the clinic draws up its plan after the comprehensive
// assessment's stage begins, not at registration.
async fn plans_follow_the_variant(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let revise = "mutation($c: ID!, $v: Int!, $i: PlanRevisionInput!) { revisePlan(caseId: $c, version: $v, input: $i) { version } }";
    let (case, v) = team.case_carrying_out_its_plan("low").await;
    let one_sided = team
        .curator
        .gql(
            revise,
            json!({ "c": case, "v": v, "i": {
                "meetingDate": "2026-05-20T07:00:00Z", "participants": ["Куратор", "Мать"],
                "actions": [{ "title": "Купить продукты", "deadline": "2026-05-30T07:00:00Z",
                    "responsibleUserId": team.curator.user_id, "owner": "organisation" }]
            } }),
        )
        .await;
    assert_eq!(
        reasons(&one_sided),
        ["actions: в плане должны быть действия семьи (родителей), не только организации"]
    );
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let (clinic_case, v) = kit::open_case(&lead, None).await;
    let early = lead
        .gql(
            revise,
            json!({ "c": clinic_case, "v": v, "i": kit::plan_input() }),
        )
        .await;
    assert_eq!(
        reasons(&early),
        [
            "план составляется на этапе «Комплексная оценка, индивидуальный план и его реализация»; случай на этапе «Регистрация обращения и определение степени риска»"
        ]
    );
}

// seed 004 §7, step 1 and Appendix 1: the clinic registers a request on its form, with the
// fields the form requires; the fund keeps its signal journal without one. The form becomes the
// case's first document.
async fn signals_are_registered_on_the_organisations_own_form(backend: Backend) {
    let app = spawn_app(backend).await;
    let clinic = Worker::sign_in(&app, "clinic.curator").await;
    let fund = Worker::sign_in(&app, "fund.curator").await;
    let mut request = kit::request();
    request.as_object_mut().unwrap().remove("form");
    let without = clinic.register_signal(request.clone()).await;
    assert_eq!(
        reasons(&without),
        [
            "signal.form: обращение регистрируется по форме «Форма обращения за помощью» — заполните её"
        ]
    );
    request["form"] = json!({ "subject": { "full_name": "Сейтов Алихан" } });
    let incomplete = clinic.register_signal(request).await;
    let missing = reasons(&incomplete);
    assert!(
        missing.contains(
            &"artefacts.request_form.subject.birth_date: обязательное поле «Дата рождения или приблизительный возраст» не заполнено".to_owned()
        ),
        "{missing:#?}"
    );
    let registered = clinic.register_signal(kit::request()).await;
    let signal = registered.data()["registerSignal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let decided = clinic
        .decide_signal(
            &signal,
            1,
            json!({ "kind": "ACCEPT", "family": { "child": "Сейтов Алихан" } }),
            "2026-04-06T04:10:00Z",
        )
        .await;
    let case = decided.data()["decideSignal"]["caseId"]
        .as_str()
        .unwrap()
        .to_owned();
    let artefacts = clinic
        .ok(
            "query($id: ID!) { case(id: $id) { records(kind: \"artefact\") { key data } } }",
            json!({ "id": case }),
        )
        .await;
    assert_eq!(
        artefacts["case"]["records"][0],
        json!({ "key": "request_form", "data": kurator_tests::casework::clinic_request_form() })
    );
    let with_form = fund
        .register_signal(json!({
            "receivedAt": "2026-04-06T07:00:00Z", "source": "school", "channel": "call",
            "requester": { "name": "Школа" }, "subject": { "name": "Семья" }, "parents": {},
            "grounds": "Нет зимней одежды", "triage": {}, "form": { "x": {} }
        }))
        .await;
    assert_eq!(
        reasons(&with_form),
        ["signal.form: вариант технологии не предусматривает формы обращения"]
    );
}

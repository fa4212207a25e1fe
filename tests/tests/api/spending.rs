//! Spending on a case (расходы по случаю), seed 000 §13: «Эквивалент затрат на один случай — не
//! более 500 000 рублей в год (с учетом стоимости услуг специалистов, оказанной материальной
//! помощи и других расходов). При превышении требуется отдельное согласование»; §6 table 1, stage
//! «Корректировка»: additional money is discussed with the head of direction («руководитель
//! направления»), whom the fund's variant makes the decider of `cost_over_limit`. Every case here
//! is opened by the senior curator for the curator and walked to carrying out its plan: opened on
//! 13 April 2026, so its first year runs to 12 April 2027.

use kurator_tests::casework::{Worker, demo_family};
use kurator_tests::fund::FundTeam;
use kurator_tests::{Backend, GqlResponse, db_suites, spawn_app};
use serde_json::{Value, json};

db_suites!(
    spending_up_to_500_000_roubles_a_year_passes_and_the_spend_past_it_is_refused_writing_nothing,
    with_the_head_of_directions_approval_a_spend_past_the_limit_is_recorded,
    an_approval_by_someone_not_holding_the_head_of_directions_role_is_refused,
    categories_and_the_currency_come_from_the_variant,
    spending_is_recorded_on_the_curators_own_open_case_only,
    two_spends_at_once_cannot_together_pass_the_limit,
    the_spending_table_is_tenant_scoped_and_append_only,
);

const RECORD: &str = "mutation($c: ID!, $i: SpendingInput!, $k: String) {
    recordSpending(caseId: $c, input: $i, idempotencyKey: $k) {
        entry { id amountMinor currency category categoryName spentOn caseYear note recordedBy approvalRecordId }
        case { id version }
    }
}";

const SPENDING: &str = "query($id: ID!) { case(id: $id) {
    spending {
        currency limitMinorPerYear
        entries { id amountMinor category spentOn caseYear approvalRecordId }
        years { year firstDay lastDay spentMinor limitMinor leftMinor overMinor
                byCategory { category name spentMinor } }
    }
    records(kind: \"decision\") { id key data }
} }";

/// The refusal the curator gets with 480 000 ₽ spent in the year and 30 000 ₽ more asked for.
const OVER_LIMIT: &str = "Расходы по случаю за год с 13.04.2026 по 12.04.2027 превысят норматив \
     500 000 ₽: уже 480 000 ₽, запрошено 30 000 ₽ — нужно отдельное согласование руководителя направления";

fn spend(amount: &str, category: &str, on: &str) -> Value {
    json!({ "amountMinor": amount, "currency": "RUB", "category": category, "spentOn": on,
            "note": "Акт приёма-передачи № 7" })
}

fn with_approval(mut input: Value, votes: Value) -> Value {
    input["approval"] = json!({ "key": "cost_over_limit", "votes": votes });
    input
}

async fn record(who: &Worker<'_>, case: &str, input: Value) -> GqlResponse {
    who.gql(RECORD, json!({ "c": case, "i": input, "k": null }))
        .await
}

async fn recorded(who: &Worker<'_>, case: &str, input: Value) -> Value {
    let response = record(who, case, input).await;
    assert!(response.errors().is_empty(), "{:#}", response.body);
    response.data()["recordSpending"]["entry"].clone()
}

async fn spending(who: &Worker<'_>, case: &str) -> Value {
    who.ok(SPENDING, json!({ "id": case })).await["case"].clone()
}

fn reasons(response: &GqlResponse) -> Vec<String> {
    assert_eq!(
        response.error_code(),
        "BAD_USER_INPUT",
        "{:#}",
        response.body
    );
    response.errors()[0]["extensions"]["details"]["reasons"]
        .as_array()
        .unwrap_or_else(|| panic!("no reasons in {:#}", response.body))
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect()
}

/// The audit actions recorded on the case, as its organisation administrator reads them.
async fn audited(admin: &Worker<'_>, case: &str, action: &str) -> usize {
    let trail = admin
        .ok(
            "query($c: ID!) { caseAuditTrail(caseId: $c) { action } }",
            json!({ "c": case }),
        )
        .await;
    trail["caseAuditTrail"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action)
        .count()
}

/// The case's spending, its decision records and its audit trail are as they were.
async fn nothing_written(team: &FundTeam<'_>, case: &str, before: &Value, audits: usize) {
    assert_eq!(&spending(&team.curator, case).await, before);
    assert_eq!(
        audited(&team.head, case, "case.record_spending").await,
        audits
    );
}

/// 300 000 ₽ of material help and 180 000 ₽ of services: 480 000 ₽ of the year's 500 000 ₽.
async fn case_with_480_000_spent(team: &FundTeam<'_>) -> String {
    let (case, _) = team.case_carrying_out_its_plan("low").await;
    recorded(
        &team.curator,
        &case,
        spend("30000000", "material_help", "2026-05-14"),
    )
    .await;
    recorded(
        &team.curator,
        &case,
        spend("18000000", "services", "2026-06-01"),
    )
    .await;
    case
}

// seed 000 §13: not more than 500 000 RUB per case per year; past it, a separate approval.
async fn spending_up_to_500_000_roubles_a_year_passes_and_the_spend_past_it_is_refused_writing_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let (case, _) = team.case_carrying_out_its_plan("low").await;

    // Material help (goods, §9) and services: each entry in kopecks, in the case's first year.
    let first = recorded(
        &team.curator,
        &case,
        spend("30000000", "material_help", "2026-05-14"),
    )
    .await;
    assert_eq!(first["amountMinor"], "30000000");
    assert_eq!(first["currency"], "RUB");
    assert_eq!(first["categoryName"], "Материальная помощь");
    assert_eq!(first["spentOn"], "2026-05-14");
    assert_eq!(first["caseYear"], 1);
    assert_eq!(first["note"], "Акт приёма-передачи № 7");
    assert_eq!(first["recordedBy"], team.curator.user_id.as_str());
    assert_eq!(first["approvalRecordId"], Value::Null);
    // A retry with the same idempotency key records nothing more.
    let retried = |key: &'static str| json!({ "c": case, "i": spend("18000000", "services", "2026-06-01"), "k": key });
    let once = team.curator.ok(RECORD, retried("services-june")).await;
    let twice = team.curator.ok(RECORD, retried("services-june")).await;
    assert_eq!(
        once["recordSpending"]["entry"]["id"],
        twice["recordSpending"]["entry"]["id"]
    );

    let before = spending(&team.curator, &case).await;
    assert_eq!(before["spending"]["currency"], "RUB");
    assert_eq!(before["spending"]["limitMinorPerYear"], "50000000");
    assert_eq!(before["spending"]["entries"].as_array().unwrap().len(), 2);
    assert_eq!(
        before["spending"]["years"],
        json!([{
            "year": 1, "firstDay": "2026-04-13", "lastDay": "2027-04-12",
            "spentMinor": "48000000", "limitMinor": "50000000", "leftMinor": "2000000", "overMinor": "0",
            "byCategory": [
                { "category": "material_help", "name": "Материальная помощь", "spentMinor": "30000000" },
                { "category": "services", "name": "Услуги", "spentMinor": "18000000" }
            ]
        }])
    );

    // 30 000 ₽ more would make 510 000 ₽: refused with the sums, and nothing is written.
    let refused = record(
        &team.curator,
        &case,
        spend("3000000", "other", "2026-07-01"),
    )
    .await;
    assert_eq!(reasons(&refused), [OVER_LIMIT]);
    nothing_written(&team, &case, &before, 2).await;

    // Exactly up to the limit passes; then not a kopeck more.
    recorded(
        &team.curator,
        &case,
        spend("2000000", "other", "2026-07-01"),
    )
    .await;
    let at_limit = spending(&team.curator, &case).await;
    assert_eq!(at_limit["spending"]["years"][0]["spentMinor"], "50000000");
    assert_eq!(at_limit["spending"]["years"][0]["leftMinor"], "0");
    let kopeck = record(&team.curator, &case, spend("1", "other", "2026-07-02")).await;
    assert_eq!(
        reasons(&kopeck),
        [
            "Расходы по случаю за год с 13.04.2026 по 12.04.2027 превысят норматив 500 000 ₽: \
             уже 500 000 ₽, запрошено 0,01 ₽ — нужно отдельное согласование руководителя направления"
        ]
    );
    nothing_written(&team, &case, &at_limit, 3).await;
}

// seed 000 §13 and §6 table 1, stage «Корректировка»: the head of direction approves spending past
// the limit; the approval is a decision in the case record, and the spend refers to it.
async fn with_the_head_of_directions_approval_a_spend_past_the_limit_is_recorded(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let case = case_with_480_000_spent(&team).await;

    // The head of direction turns it down: refused, nothing written.
    let before = spending(&team.curator, &case).await;
    let rejected = record(
        &team.curator,
        &case,
        with_approval(
            spend("3000000", "other", "2026-07-01"),
            json!([team.vote("project_head", "reject")]),
        ),
    )
    .await;
    assert_eq!(
        reasons(&rejected),
        [
            "approval: расход не согласован — «Отдельное согласование расходов сверх норматива»: reject"
        ]
    );
    nothing_written(&team, &case, &before, 2).await;

    // The head of direction (fund.admin, holding project_head) approves: the curator records it.
    let entry = recorded(
        &team.curator,
        &case,
        with_approval(
            spend("3000000", "other", "2026-07-01"),
            json!([team.vote("project_head", "approve")]),
        ),
    )
    .await;
    let after = spending(&team.curator, &case).await;
    let decisions: Vec<&Value> = after["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["key"] == "cost_over_limit")
        .collect();
    assert_eq!(decisions.len(), 1, "{decisions:#?}");
    let decision = decisions[0];
    assert_eq!(entry["approvalRecordId"], decision["id"]);
    assert_eq!(decision["data"]["outcome"], "approve");
    assert_eq!(
        decision["data"]["record"]["votes"][0]["person"],
        team.head.user_id.as_str()
    );
    assert_eq!(decision["data"]["spending"]["amount_minor"], 3_000_000);
    assert_eq!(
        decision["data"]["spending"]["spent_in_year_minor"],
        48_000_000
    );
    let year = &after["spending"]["years"][0];
    assert_eq!(year["spentMinor"], "51000000");
    assert_eq!(year["leftMinor"], "0");
    assert_eq!(year["overMinor"], "1000000");
    assert_eq!(audited(&team.head, &case, "case.record_spending").await, 3);

    // Each further spend needs its own approval; the head of direction may record one himself.
    let further = record(&team.curator, &case, spend("100000", "other", "2026-07-03")).await;
    assert!(
        reasons(&further)[0].contains("уже 510 000 ₽, запрошено 1 000 ₽"),
        "{:#}",
        further.body
    );
    let by_head = recorded(
        &team.head,
        &case,
        with_approval(
            spend("100000", "services", "2026-07-03"),
            json!([team.vote("project_head", "approve")]),
        ),
    )
    .await;
    assert_ne!(by_head["approvalRecordId"], Value::Null);
    assert_eq!(by_head["recordedBy"], team.head.user_id.as_str());
}

// seed 000 §8 and the variant's `cost_over_limit`: only the head of direction decides it, and the
// vote must name a member who holds that role.
async fn an_approval_by_someone_not_holding_the_head_of_directions_role_is_refused(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let case = case_with_480_000_spent(&team).await;
    let before = spending(&team.curator, &case).await;
    let over = || spend("3000000", "other", "2026-07-01");

    // The senior curator's id recorded as the head of direction's vote.
    let impostor = record(
        &team.curator,
        &case,
        with_approval(
            over(),
            json!([{ "role": "project_head", "person": team.supervisor.user_id, "choice": "approve" }]),
        ),
    )
    .await;
    assert_eq!(
        reasons(&impostor),
        [format!(
            "approval: сотрудник {} не назначен на роль «project_head»",
            team.supervisor.user_id
        )]
    );

    // The senior curator voting in a role they hold, but not the deciding one.
    let senior_curator = record(
        &team.curator,
        &case,
        with_approval(over(), json!([team.vote("senior_curator", "approve")])),
    )
    .await;
    assert_eq!(
        reasons(&senior_curator),
        [
            "approval: решение «Отдельное согласование расходов сверх норматива» принимает project_head, а не senior_curator"
        ]
    );

    // Someone from outside the organisation named by name.
    let outsider = record(
        &team.curator,
        &case,
        with_approval(
            over(),
            json!([{ "role": "project_head", "person": "Иванов И. И.", "choice": "approve" }]),
        ),
    )
    .await;
    assert_eq!(reasons(&outsider).len(), 1);

    // Another decision of the variant does not approve spending.
    let mut wrong_key = with_approval(over(), json!([team.vote("project_head", "approve")]));
    wrong_key["approval"]["key"] = json!("annual_review");
    assert_eq!(
        reasons(&record(&team.curator, &case, wrong_key).await),
        ["approval.key: ожидается решение «cost_over_limit», а не «annual_review»"]
    );
    nothing_written(&team, &case, &before, 2).await;
}

// seed 000 §13 and §9: the categories — material help (goods, never money), services, other —
// and the currency are the variant's, not the program's.
async fn categories_and_the_currency_come_from_the_variant(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let (case, _) = team.case_carrying_out_its_plan("low").await;

    let categories = team
        .curator
        .ok(
            "{ variant { costLimit { currency categories { key name { ru } description { ru } } } } }",
            json!({}),
        )
        .await;
    let limit = &categories["variant"]["costLimit"];
    assert_eq!(limit["currency"], "RUB");
    let keys: Vec<&str> = limit["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["material_help", "services", "other"]);
    assert!(
        limit["categories"][0]["description"]["ru"]
            .as_str()
            .unwrap()
            .contains("не передаёт семье деньги")
    );

    let cash = record(&team.curator, &case, spend("500000", "cash", "2026-05-14")).await;
    assert_eq!(
        reasons(&cash),
        [
            "category: категории расходов «cash» нет в варианте технологии; есть: \
          material_help (Материальная помощь), services (Услуги), other (Прочее)"
        ]
    );
    let mut dollars = spend("500000", "material_help", "2026-05-14");
    dollars["currency"] = json!("USD");
    assert_eq!(
        reasons(&record(&team.curator, &case, dollars).await),
        ["currency: расходы по случаю записываются в RUB, а не в «USD»"]
    );

    // Every problem at once.
    let mut all_wrong = spend("0", "cash", "2026-04-01");
    all_wrong["currency"] = json!("EUR");
    assert_eq!(
        reasons(&record(&team.curator, &case, all_wrong).await),
        [
            "amountMinor: сумма расхода должна быть больше нуля",
            "currency: расходы по случаю записываются в RUB, а не в «EUR»",
            "category: категории расходов «cash» нет в варианте технологии; есть: \
             material_help (Материальная помощь), services (Услуги), other (Прочее)",
            "spentOn: 01.04.2026 — раньше открытия случая (13.04.2026)",
        ]
    );
    // An amount that is not a whole number of kopecks is refused by the schema.
    for amount in [json!("300 000"), json!("1.5"), json!(1.5), json!("")] {
        let mut odd = spend("0", "other", "2026-05-14");
        odd["amountMinor"] = amount.clone();
        let answer = record(&team.curator, &case, odd).await;
        assert_eq!(answer.error_code(), "BAD_USER_INPUT", "{amount}");
    }
    // A 64-bit amount travels intact, and is refused as beyond any single spend.
    let huge = record(
        &team.curator,
        &case,
        spend("9000000000000000000", "other", "2026-05-14"),
    )
    .await;
    assert_eq!(
        reasons(&huge),
        ["amountMinor: не более 1 000 000 000 ₽ за один расход"]
    );
    // Nothing was recorded.
    let after = spending(&team.curator, &case).await;
    assert_eq!(after["spending"]["entries"], json!([]));
    assert_eq!(after["spending"]["years"][0]["spentMinor"], "0");
}

// Who records spending: the case's curator or a lead, on a case that is open or in post-support.
async fn spending_is_recorded_on_the_curators_own_open_case_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let (case, _) = team.case_carrying_out_its_plan("low").await;
    let input = || spend("500000", "material_help", "2026-05-14");

    // Another curator's case does not exist for a curator.
    let colleague = Worker::sign_in(&app, "fund.curator2").await;
    assert_eq!(
        record(&colleague, &case, input()).await.error_code(),
        "NOT_FOUND"
    );
    let unknown = record(
        &team.curator,
        "019a0000-0000-7000-8000-000000000000",
        input(),
    )
    .await;
    assert_eq!(unknown.error_code(), "NOT_FOUND");
    // Methodologists see no case data at all.
    let methodologist = Worker::sign_in(&app, "fund.methodologist").await;
    assert_eq!(
        record(&methodologist, &case, input()).await.error_code(),
        "FORBIDDEN"
    );
    // A specialist on the case sees its spending but does not record it.
    let added = team
        .supervisor
        .gql(
            "mutation($c: ID!, $u: ID!) { addCaseMember(caseId: $c, userId: $u) { id } }",
            json!({ "c": case, "u": team.psychologist.user_id }),
        )
        .await;
    assert!(added.errors().is_empty(), "{:#}", added.body);
    assert_eq!(
        record(&team.psychologist, &case, input())
            .await
            .error_code(),
        "FORBIDDEN"
    );
    recorded(&team.curator, &case, input()).await;
    recorded(&team.supervisor, &case, input()).await;
    let seen = spending(&team.psychologist, &case).await;
    assert_eq!(seen["spending"]["years"][0]["spentMinor"], "1000000");
    let hidden = colleague.gql(SPENDING, json!({ "id": case })).await;
    assert_eq!(hidden.error_code(), "NOT_FOUND");

    // A case still at signal intake is not open yet.
    let opened = team
        .supervisor
        .open_case(
            demo_family("Кузнецов"),
            json!({}),
            "2026-04-06T07:00:00Z",
            Some(&team.curator.user_id),
        )
        .await;
    let intake = opened.data()["openCase"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        reasons(&record(&team.curator, &intake, input()).await),
        ["случай ещё не открыт: расходы записываются по открытому случаю и на пост-сопровождении"]
    );
}

// seed 000 §13: the curator and the senior curator each record 15 000 ₽ at the same moment with
// 480 000 ₽ already spent: one passes, the other sees it and is refused.
async fn two_spends_at_once_cannot_together_pass_the_limit(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = FundTeam::sign_in(&app).await;
    let case = case_with_480_000_spent(&team).await;
    for round in 0..3 {
        let day = format!("2026-07-0{}", round + 1);
        let (a, b) = tokio::join!(
            record(&team.curator, &case, spend("1500000", "other", &day)),
            record(&team.supervisor, &case, spend("1500000", "services", &day)),
        );
        let passed = [&a, &b].iter().filter(|r| r.errors().is_empty()).count();
        let expected = if round == 0 { 1 } else { 0 };
        assert_eq!(
            passed, expected,
            "round {round}: {:#}\n{:#}",
            a.body, b.body
        );
        for refused in [&a, &b].into_iter().filter(|r| !r.errors().is_empty()) {
            assert!(
                reasons(refused)[0].starts_with("Расходы по случаю за год"),
                "{:#}",
                refused.body
            );
        }
    }
    let after = spending(&team.curator, &case).await;
    assert_eq!(after["spending"]["years"][0]["spentMinor"], "49500000");
}

// The table holds money and notes on families: on PostgreSQL the application's role sees its rows
// only for the tenant set on the transaction, and may add rows but never change or remove them.
async fn the_spending_table_is_tenant_scoped_and_append_only(backend: Backend) {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let app = spawn_app(backend.clone()).await;
    let team = FundTeam::sign_in(&app).await;
    let (case, _) = team.case_carrying_out_its_plan("low").await;
    recorded(
        &team.curator,
        &case,
        spend("500000", "material_help", "2026-05-14"),
    )
    .await;
    let Some(postgres) = backend.postgres.as_ref() else {
        return;
    };
    let url = postgres.url_for("fund").replacen(
        "postgres://postgres@",
        &format!("postgres://{}@", kurator_tests::backend::APP_LOGIN),
        1,
    );
    let db = Database::connect(url).await.unwrap();
    let rows = db
        .query_one_raw(Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT count(*) AS n FROM case_spending",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(rows, 0, "case_spending rows visible without app.tenant_id");
    for statement in [
        "UPDATE case_spending SET amount_minor = 1",
        "DELETE FROM case_spending",
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

//! Helpers for case-work tests: a signed-in person working in one tenant, and the GraphQL
//! operations scenarios use again and again.

use crate::{GqlResponse, TestApp};
use serde_json::{Value, json};

/// The fields a case card query asks for.
pub const CASE_FIELDS: &str = "id version status stage { key phase } curatorId attributes openedAt closedAt \
    postSupportUntil variantVersion slipDays overdue \
    obligations { key label from due status metAt } \
    plan { number meetingDate actions { id version title deadline doneAt owner } } \
    members { userId kind }";

/// A person signed in to one organisation.
pub struct Worker<'a> {
    pub app: &'a TestApp,
    pub token: String,
    pub tenant: String,
    pub user_id: String,
}

impl<'a> Worker<'a> {
    pub async fn sign_in(app: &'a TestApp, login: &str) -> Worker<'a> {
        let token = app.login(login).await;
        let me = app
            .graphql(
                "{ me { id memberships { tenant { slug } } } }",
                json!({}),
                Some(&token),
            )
            .await;
        let me = me.data()["me"].clone();
        let tenant = me["memberships"][0]["tenant"]["slug"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let user_id = me["id"].as_str().unwrap_or_default().to_owned();
        Worker {
            app,
            token,
            tenant,
            user_id,
        }
    }

    /// As the organisation's administrator: gives `user` one of the method variant's roles.
    pub async fn grant_method_role(&self, user: &str, role: &str) {
        let granted = self
            .gql(
                "mutation($u: ID!, $r: String!) { grantMethodRole(userId: $u, role: $r) }",
                json!({ "u": user, "r": role }),
            )
            .await;
        assert!(
            granted.errors().is_empty(),
            "grantMethodRole {role}: {:#}",
            granted.body
        );
    }

    pub async fn gql(&self, query: &str, variables: Value) -> GqlResponse {
        self.app
            .graphql_for_tenant(query, variables, Some(&self.token), Some(&self.tenant))
            .await
    }

    /// Like [`Worker::gql`], asking for messages in `accept_language` (`Accept-Language`).
    pub async fn gql_in(
        &self,
        accept_language: &str,
        query: &str,
        variables: Value,
    ) -> GqlResponse {
        self.app
            .graphql_with_headers(
                query,
                variables,
                Some(&self.token),
                Some(&self.tenant),
                &[("Accept-Language", accept_language)],
            )
            .await
    }

    /// Like [`Worker::gql`], for another tenant's header.
    pub async fn gql_as_tenant(&self, tenant: &str, query: &str, variables: Value) -> GqlResponse {
        self.app
            .graphql_for_tenant(query, variables, Some(&self.token), Some(tenant))
            .await
    }

    /// The `data` of a successful answer; panics with the errors otherwise.
    pub async fn ok(&self, query: &str, variables: Value) -> Value {
        self.gql(query, variables).await.data().clone()
    }

    pub async fn register_signal(&self, input: Value) -> GqlResponse {
        self.gql(
            "mutation($input: SignalInput!, $key: String) {
                registerSignal(input: $input, idempotencyKey: $key) { id version status riskBand triage }
            }",
            json!({ "input": input, "key": null }),
        )
        .await
    }

    pub async fn decide_signal(
        &self,
        id: &str,
        version: i64,
        decision: Value,
        at: &str,
    ) -> GqlResponse {
        self.gql(
            "mutation($id: ID!, $version: Int!, $decision: SignalDecisionInput!, $at: DateTime) {
                decideSignal(id: $id, version: $version, decision: $decision, decidedAt: $at) {
                    signal { id status version } caseId
                }
            }",
            json!({ "id": id, "version": version, "decision": decision, "at": at }),
        )
        .await
    }

    pub async fn case(&self, id: &str, as_of: &str) -> Value {
        let query = format!(
            "query($id: ID!, $asOf: DateTime) {{ case(id: $id, asOf: $asOf) {{ {CASE_FIELDS} }} }}"
        );
        self.ok(&query, json!({ "id": id, "asOf": as_of })).await["case"].clone()
    }

    pub async fn open_case(
        &self,
        family: Value,
        attributes: Value,
        opened_at: &str,
        curator: Option<&str>,
    ) -> GqlResponse {
        self.gql(
            "mutation($input: OpenCaseInput!) { openCase(input: $input) { id version status stage { key } } }",
            json!({ "input": { "family": family, "attributes": attributes, "openedAt": opened_at, "curatorId": curator } }),
        )
        .await
    }

    pub async fn assign_curator(&self, case_id: &str, version: i64, curator: &str) -> GqlResponse {
        self.gql(
            "mutation($c: ID!, $v: Int!, $u: ID!) {
                assignCurator(caseId: $c, version: $v, curatorId: $u) {
                    case { id version curatorId } caseload { decision reason }
                }
            }",
            json!({ "c": case_id, "v": version, "u": curator }),
        )
        .await
    }

    /// Performs a step; `input` is a `StepActionInput`.
    pub async fn step(&self, case_id: &str, version: i64, step: &str, input: Value) -> GqlResponse {
        self.gql(
            "mutation($c: ID!, $v: Int!, $s: String!, $i: StepActionInput!) {
                performStep(caseId: $c, version: $v, step: $s, input: $i) { id version status stage { key } }
            }",
            json!({ "c": case_id, "v": version, "s": step, "i": input }),
        )
        .await
    }

    pub async fn move_case(
        &self,
        case_id: &str,
        version: i64,
        to: &str,
        input: Value,
    ) -> GqlResponse {
        self.gql(
            "mutation($c: ID!, $v: Int!, $t: String!, $i: StepActionInput!) {
                moveCase(caseId: $c, version: $v, toStage: $t, input: $i) { id version status stage { key } openedAt }
            }",
            json!({ "c": case_id, "v": version, "t": to, "i": input }),
        )
        .await
    }
}

/// The obligation with `key` in a case card; panics when it is missing.
pub fn obligation<'v>(case: &'v Value, key: &str) -> &'v Value {
    case["obligations"]
        .as_array()
        .and_then(|list| list.iter().find(|o| o["key"] == key))
        .unwrap_or_else(|| panic!("no obligation {key} in {:#}", case["obligations"]))
}

/// The version in a mutation's answer under `field`.
pub fn version(response: &GqlResponse, field: &str) -> i64 {
    response.data()[field]["version"]
        .as_i64()
        .unwrap_or_else(|| panic!("no version in {:#}", response.body))
}

/// A family as the forms describe it; the names are the demo family's.
pub fn demo_family(surname: &str) -> Value {
    json!({
        "name": format!("Семья {surname}"),
        "address": "г. Льгов, ул. Примерная, д. 1",
        "members": [
            { "role": "mother", "name": format!("{surname}а Мария Ивановна"), "birthDate": "1990-02-03" },
            { "role": "child", "name": format!("{surname} Артём"), "birthDate": "2019-05-06", "sex": "m" }
        ]
    })
}

/// The clinic's comprehensive assessment report with the sections of its Appendix 3 (seed 004).
pub fn clinic_assessment() -> Value {
    let text = "Заполнено по итогам встреч с семьёй";
    json!({
        "family_data": { "members": [{ "name": "Сейтова Айжан", "role": "мать" }] },
        "reason": { "reason": text },
        "when_and_who": { "dates": "07.04–05.05.2026" },
        "child_health_development": { "description": text },
        "parental_care": { "capacity": text },
        "housing_environment": { "description": text },
        "analysis": {
            "strengths": text, "concerns": text, "likely_consequences": text, "parents_response": text,
            "safety_capacity": text, "change_capacity": text, "help_needed": text
        },
        "recommendations": { "text": text }
    })
}

/// The clinic's request form (its Appendix 1) as the social worker fills it in (seed 004).
pub fn clinic_request_form() -> Value {
    json!({
        "subject": { "full_name": "Сейтов Алихан", "birth_date": "2023-01-15", "sex": "м" },
        "requester": { "name": "Участковая медсестра", "relation": "специалист" },
        "grounds": { "summary": "Ребёнок оставлен без присмотра" },
        "receiver": { "name": "Касымова Д.", "date": "2026-04-06", "time": "09:00", "signature": "Касымова" }
    })
}

/// The fund's first-visit report on its set form, with the senior curator's resolution
/// (seed 000 §6 table 1, «Выезд в семью»).
pub fn fund_first_visit_report() -> Value {
    json!({
        "visit": {
            "date": "2026-04-08",
            "team": "Петрова А. (куратор), Орлова Е. (психолог)",
            "situation": "Мать одна с двумя детьми, нет зимней одежды, долги за свет"
        },
        "resolution": {
            "participants": "Петрова А., Ковалёва М., Орлова Е., Белова Т.; координатор",
            "decision": "принять в работу"
        }
    })
}

/// A plan revision of two actions — one the organisation's, one the family's.
pub fn two_sided_plan(meeting: &str, responsible: &str) -> Value {
    json!({
        "meetingDate": meeting,
        "participants": ["Куратор", "Мать"],
        "actions": [
            { "title": "Передать семье зимнюю одежду", "deadline": "2026-12-31T20:59:59Z",
              "responsibleUserId": responsible, "owner": "organisation" },
            { "title": "Записать ребёнка в детский сад", "deadline": "2026-12-31T20:59:59Z",
              "responsibleOrganisation": "Семья", "owner": "family" }
        ]
    })
}

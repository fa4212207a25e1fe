//! A person signed in to the state centre over GraphQL, and the operations the benchmark
//! measures, written as a client would send them.

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// The organisation the benchmark works in: the «Центр социальной помощи семье и детям» variant.
pub const TENANT: &str = "state_centre";
pub const SUPERVISOR: &str = "state_centre.supervisor";
pub const CURATOR: &str = "state_centre.curator";
/// The password every demo account gets (`demo.password` of the default configuration).
pub const DEMO_PASSWORD: &str = "kurator-demo";

/// The fields of a case in a list row.
const LIST_FIELDS: &str = "id status stage { key } curatorId attributes openedAt overdue slipDays \
    obligations { key due status }";

/// A curator's first page of their own cases.
pub const MY_FIRST_PAGE: &str = "query { cases(filter: { mine: true }, first: 50) { totalCount \
    pageInfo { hasNextPage } edges { cursor node { LIST } } } }";

/// A supervisor's first page of overdue cases.
pub const OVERDUE_FIRST_PAGE: &str = "query { cases(filter: { overdue: true }, first: 50) { \
    totalCount pageInfo { hasNextPage } edges { cursor node { LIST } } } }";

/// A case card, with the fields the case-card tests ask for.
pub const CASE_CARD: &str = "query($id: ID!) { case(id: $id) { id version status stage { key phase } \
    curatorId attributes openedAt closedAt postSupportUntil variantVersion slipDays overdue \
    obligations { key label from due status metAt } \
    plan { number meetingDate actions { id version title deadline doneAt owner } } \
    members { userId kind } } }";

pub const BOARD: &str = "query { board { curatorId activeCases postSupportCases overdueCases \
    casesWithoutPlanAction casesAwaitingApproval nextCase { category decision reason spare } } }";

pub const RECORD_CONTACT: &str = "mutation($c: ID!, $at: DateTime) { recordContact(caseId: $c, \
    input: { kind: \"home_visit\", at: $at, data: { note: \"Посещение по месту жительства\" } }) { id } }";

pub const REGISTER_SIGNAL: &str =
    "mutation($input: SignalInput!) { registerSignal(input: $input) { id status } }";

pub const TYPENAME: &str = "{ __typename }";
/// What the answer to [`TYPENAME`] holds.
pub const TYPENAME_ANSWER: &str = r#""__typename":"Query""#;

pub fn list_query(template: &str) -> String {
    template.replace("LIST", LIST_FIELDS)
}

#[derive(Clone)]
pub struct Session {
    http: reqwest::Client,
    address: String,
    token: String,
    pub user_id: String,
}

impl Session {
    pub async fn sign_in(address: &str, login: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(32)
            .build()
            .context("building the HTTP client")?;
        let mut session = Self {
            http,
            address: address.to_owned(),
            token: String::new(),
            user_id: String::new(),
        };
        let signed_in = session
            .post(
                "mutation($l: String!, $p: String!) { login(login: $l, password: $p) { token } }",
                json!({ "l": login, "p": DEMO_PASSWORD }),
                false,
            )
            .await
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("signing in as {login}"))?;
        session.token = signed_in["login"]["token"]
            .as_str()
            .context("login answered without a token")?
            .to_owned();
        let me = session
            .gql("{ me { id } }", json!({}))
            .await
            .map_err(anyhow::Error::msg)?;
        session.user_id = me["me"]["id"]
            .as_str()
            .context("`me` answered without an id")?
            .to_owned();
        Ok(session)
    }

    /// A copy with its own connection pool, as another client would have.
    pub fn another_client(&self) -> Self {
        Self {
            http: reqwest::Client::new(),
            ..self.clone()
        }
    }

    /// An authenticated request in the tenant; `data` or every error message.
    pub async fn gql(&self, query: &str, variables: Value) -> Result<Value, String> {
        self.post(query, variables, true).await
    }

    async fn post(&self, query: &str, variables: Value, signed_in: bool) -> Result<Value, String> {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if signed_in {
            request = request
                .bearer_auth(&self.token)
                .header("X-Kurator-Tenant", TENANT);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .map_err(|e| format!("HTTP {status}: {e}"))?;
        if let Some(errors) = body.get("errors").and_then(Value::as_array)
            && !errors.is_empty()
        {
            let codes: Vec<String> = errors
                .iter()
                .map(|e| {
                    let code = e["extensions"]["code"].as_str().unwrap_or("?");
                    let message = e["message"].as_str().unwrap_or_default();
                    format!("{code}: {message}")
                })
                .collect();
            return Err(codes.join("; "));
        }
        if !status.is_success() {
            return Err(format!("HTTP {status}"));
        }
        Ok(body.get("data").cloned().unwrap_or(Value::Null))
    }

    /// `query` as a request prepared once and sent as often as measured, so that a throughput
    /// figure holds the server's work and as little of this client's as can be: the body is
    /// written once, and the answer is checked for `expect` without being parsed.
    pub fn prepared(&self, query: &str, expect: &'static str) -> Prepared {
        let body = json!({ "query": query, "variables": {} }).to_string();
        Prepared {
            session: self.clone(),
            body,
            expect,
        }
    }

    /// `/health/live`, unauthenticated, as a load balancer asks it.
    pub async fn live(&self) -> Result<(), String> {
        let response = self
            .http
            .get(format!("{}/health/live", self.address))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        response.bytes().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {status}"))
        }
    }
}

/// A GraphQL request written once (see [`Session::prepared`]).
#[derive(Clone)]
pub struct Prepared {
    session: Session,
    body: String,
    expect: &'static str,
}

impl Prepared {
    pub async fn send(&self) -> Result<(), String> {
        let s = &self.session;
        let response = s
            .http
            .post(format!("{}/graphql", s.address))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .bearer_auth(&s.token)
            .header("X-Kurator-Tenant", TENANT)
            .body(self.body.clone())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        let answered = body
            .windows(self.expect.len())
            .any(|w| w == self.expect.as_bytes());
        if status.is_success() && answered {
            Ok(())
        } else {
            Err(format!(
                "HTTP {status}: {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(200)
                    .collect::<String>()
            ))
        }
    }
}

/// A request from a school about a family, as an intake worker registers it.
pub fn signal_input(n: u32) -> Value {
    json!({
        "receivedAt": chrono::Utc::now(),
        "source": "school",
        "channel": "call",
        "requester": { "name": "Социальный педагог школы № 2", "contact": "8 (47140) 2-00-00" },
        "subject": { "name": format!("Семья Сидоровых-{n}"), "address": "г. Льгов, ул. Советская, д. 5" },
        "parents": { "mother": "не работает" },
        "grounds": "Ребёнок пропускает занятия, в семье конфликты",
        "followUp": "Обследование условий проживания",
        "triage": { "classifications": [{ "key": "family_category", "value": "tzhs" }] }
    })
}

/// Checks an answer has the field an operation must produce.
pub fn require(data: &Value, pointer: &str) -> Result<(), String> {
    if data.pointer(pointer).is_some_and(|v| !v.is_null()) {
        Ok(())
    } else {
        Err(format!("the answer has no {pointer}"))
    }
}

/// The ids of a list page.
pub fn listed_ids(data: &Value) -> anyhow::Result<Vec<String>> {
    let Some(edges) = data["cases"]["edges"].as_array() else {
        bail!("the list answered without edges: {data}");
    };
    Ok(edges
        .iter()
        .filter_map(|e| e["node"]["id"].as_str().map(str::to_owned))
        .collect())
}

//! The foundation «Дети наши» (seed 000) as its people work a case: who holds which method role,
//! their votes and conferences, and the walk of a case through the stages of §6 table 1.

use crate::TestApp;
use crate::casework::{Worker, demo_family, fund_first_visit_report, two_sided_plan, version};
use serde_json::{Value, json};

/// The foundation's people, signed in, each acting in the method roles they hold (the demo
/// organisation's administrator assigned them): the curator, the supervisor as senior curator,
/// team head and coordinator, the psychologists, and the head of direction.
pub struct FundTeam<'a> {
    pub curator: Worker<'a>,
    pub supervisor: Worker<'a>,
    pub psychologist: Worker<'a>,
    pub senior_psychologist: Worker<'a>,
    pub head: Worker<'a>,
}

impl<'a> FundTeam<'a> {
    pub async fn sign_in(app: &'a TestApp) -> FundTeam<'a> {
        FundTeam {
            curator: Worker::sign_in(app, "fund.curator").await,
            supervisor: Worker::sign_in(app, "fund.supervisor").await,
            psychologist: Worker::sign_in(app, "fund.specialist").await,
            senior_psychologist: Worker::sign_in(app, "fund.specialist2").await,
            head: Worker::sign_in(app, "fund.admin").await,
        }
    }

    /// The person who acts in `role`.
    pub fn by_role(&self, role: &str) -> &Worker<'a> {
        match role {
            "curator" => &self.curator,
            "psychologist" => &self.psychologist,
            "senior_psychologist" => &self.senior_psychologist,
            "project_head" | "programme_director" => &self.head,
            _ => &self.supervisor,
        }
    }

    /// A vote by the member holding `role`.
    pub fn vote(&self, role: &str, choice: &str) -> Value {
        json!({ "role": role, "person": self.by_role(role).user_id, "choice": choice })
    }

    pub fn participant(&self, role: &str) -> Value {
        json!({ "role": role, "person": self.by_role(role).user_id })
    }

    /// The team's votes on taking the case (seed 000 §6 table 1), each by the member holding the
    /// role; the senior psychologist votes `senior_psychologist`.
    pub fn take_case_votes(&self, senior_psychologist: &str) -> Value {
        json!([
            self.vote("curator", "accept"),
            self.vote("senior_curator", "accept"),
            self.vote("psychologist", "accept"),
            self.vote("senior_psychologist", senior_psychologist)
        ])
    }

    /// A conference of the curator, the senior curator and the psychologist recording `recorded`.
    pub fn conference(&self, key: &str, recorded: &str) -> Value {
        json!([{
            "key": key,
            "participants": [
                self.participant("curator"),
                self.participant("senior_curator"),
                self.participant("psychologist")
            ],
            "recorded": recorded
        }])
    }

    /// The closing conference deciding to close (seed 000 §6 table 1, «Закрытие случая»).
    pub fn closing_conference(&self) -> Value {
        self.conference("closure_conference", "close")
    }

    /// Does each action in turn, by the member holding the role it is done in: `"do"` names a
    /// step, or with a leading `>` a stage to move to, or is `+plan` for a plan revision of the
    /// foundation's and the parents' actions; the rest is the step's input. Returns the case's
    /// version after the last one.
    pub async fn walk(&self, case_id: &str, mut v: i64, actions: Vec<Value>) -> i64 {
        for mut input in actions {
            let action = input["do"].as_str().unwrap().to_owned();
            input.as_object_mut().unwrap().remove("do");
            let worker = self.by_role(input["actingAs"].as_str().unwrap());
            if action == "+plan" {
                // The plan with the family: the foundation's and the parents' actions.
                let plan = two_sided_plan(input["at"].as_str().unwrap(), &self.curator.user_id);
                let revised = worker
                    .gql(
                        "mutation($c: ID!, $v: Int!, $i: PlanRevisionInput!) { revisePlan(caseId: $c, version: $v, input: $i) { version } }",
                        json!({ "c": case_id, "v": v, "i": plan }),
                    )
                    .await;
                assert!(revised.errors().is_empty(), "{action}: {:#}", revised.body);
                v = version(&revised, "revisePlan");
                continue;
            }
            v = match action.strip_prefix('>') {
                Some(stage) => {
                    let moved = worker.move_case(case_id, v, stage, input).await;
                    assert!(moved.errors().is_empty(), "{action}: {:#}", moved.body);
                    version(&moved, "moveCase")
                }
                None => {
                    let done = worker.step(case_id, v, &action, input).await;
                    assert!(done.errors().is_empty(), "{action}: {:#}", done.body);
                    version(&done, "performStep")
                }
            };
        }
        v
    }

    /// Opens a case of the given complexity for the curator on Monday 6 April 2026 and walks it
    /// from the signal to the first steps of its plan, every deadline met (opened on 13 April).
    /// Returns the case and its version.
    pub async fn case_carrying_out_its_plan(&self, complexity: &str) -> (String, i64) {
        let opened = self
            .supervisor
            .open_case(
                demo_family("Васильев"),
                json!({ "complexity": complexity }),
                "2026-04-06T07:00:00Z",
                Some(&self.curator.user_id),
            )
            .await;
        assert!(opened.errors().is_empty(), "{:#}", opened.body);
        let case_id = opened.data()["openCase"]["id"].as_str().unwrap().to_owned();
        let v = self
            .walk(
                &case_id,
                version(&opened, "openCase"),
                vec![
                    json!({ "do": "receive_signal", "actingAs": "curator", "at": "2026-04-06T07:30:00Z",
                        "artefacts": [{ "key": "signal_script", "content": {} }] }),
                    json!({ "do": "triage_signal", "actingAs": "senior_curator", "at": "2026-04-06T08:00:00Z",
                        "decisions": [{ "key": "signal_triage", "votes": [self.vote("senior_curator", "accept")] }] }),
                    json!({ "do": ">first_visit", "actingAs": "senior_curator", "at": "2026-04-06T08:05:00Z" }),
                    json!({ "do": "assign_visit_team", "actingAs": "senior_curator", "at": "2026-04-07T07:00:00Z" }),
                    json!({ "do": "visit_family", "actingAs": "curator", "at": "2026-04-08T08:00:00Z" }),
                    json!({ "do": "write_visit_report", "actingAs": "curator", "at": "2026-04-09T07:00:00Z",
                        "artefacts": [{ "key": "first_visit_report", "content": fund_first_visit_report() }] }),
                    json!({ "do": "decide_on_case", "actingAs": "senior_curator", "at": "2026-04-10T07:00:00Z",
                        "decisions": [{ "key": "take_case", "votes": self.take_case_votes("accept") }] }),
                    json!({ "do": ">case_opening", "actingAs": "senior_curator", "at": "2026-04-13T08:00:00Z" }),
                    json!({ "do": "assign_curator", "actingAs": "team_head", "at": "2026-04-13T09:00:00Z" }),
                    json!({ "do": "create_case_folder", "actingAs": "curator", "at": "2026-04-15T07:00:00Z" }),
                    json!({ "do": ">plan_development", "actingAs": "curator", "at": "2026-04-15T08:00:00Z" }),
                    json!({ "do": "sign_documents", "actingAs": "curator", "at": "2026-04-21T08:00:00Z",
                        "consents": ["parent_data_consent", "children_data_consent"] }),
                    json!({ "do": "+plan", "actingAs": "curator", "at": "2026-05-12T06:00:00Z" }),
                    json!({ "do": "draw_up_plan", "actingAs": "curator", "at": "2026-05-12T07:00:00Z" }),
                    json!({ "do": ">implementation", "actingAs": "curator", "at": "2026-05-12T08:00:00Z" }),
                    json!({ "do": "implement_plan", "actingAs": "curator", "at": "2026-05-13T07:00:00Z" }),
                ],
            )
            .await;
        (case_id, v)
    }

    /// From carrying out the plan to the closure stage with its exit diagnostics and closing
    /// conference done, after the 3-month minimum (§13): monitoring on 29 June, closure on
    /// 14 July, the conference on 15 July.
    pub async fn to_closing_conference(&self, case_id: &str, v: i64) -> i64 {
        self.walk(
            case_id,
            v,
            vec![
                json!({ "do": ">monitoring", "actingAs": "curator", "at": "2026-06-29T07:00:00Z" }),
                json!({ "do": ">closure", "actingAs": "curator", "at": "2026-07-14T07:00:00Z" }),
                json!({ "do": "exit_diagnostics", "actingAs": "curator", "at": "2026-07-14T08:00:00Z" }),
                json!({ "do": "closing_conference", "actingAs": "curator", "at": "2026-07-15T07:00:00Z",
                    "decisions": self.closing_conference() }),
            ],
        )
        .await
    }
}

/// Every criterion of the fund's closure checklist (seed 000 §6 table 1, «Закрытие случая»).
pub const ALL_CRITERIA: [&str; 5] = [
    "removal_risk_minimal",
    "no_unsolved_tasks",
    "help_supportive",
    "no_sharp_regression",
    "family_self_reliant",
];

/// The `closeCase` mutation with the fields the fund's tests read.
pub const CLOSE: &str = "mutation($c: ID!, $v: Int!, $i: CloseCaseInput!) { closeCase(caseId: $c, version: $v, input: $i) { id version status stage { key } closedAt postSupportUntil outcome } }";

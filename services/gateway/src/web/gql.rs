//! Pages read and write through the public GraphQL schema, executed in-process: the same
//! resolvers, hence the same service functions, permission checks, method rules and audit trail
//! as any API client. The web layer decides nothing of its own.

use super::session::Web;
use crate::graphql::context::RequestContext;
use crate::graphql::language;
use async_graphql::Variables;
use kurator_domain::TenantSlug;
use serde_json::Value;

/// Why the schema refused, in the terms a page needs.
#[derive(Debug, Clone)]
pub enum Refusal {
    Unauthenticated,
    /// Not found, or not the person's to see: one answer for both.
    NotFound,
    Forbidden(String),
    /// Bad input or a method rule: every reason, with the field it is about where known.
    Rejected(Vec<Reason>),
    /// Someone changed the record meanwhile.
    Conflict {
        message: String,
        current_version: Option<i64>,
    },
    Internal(String),
}

/// One reason a change was refused.
#[derive(Debug, Clone)]
pub struct Reason {
    pub code: String,
    pub field: Option<String>,
    pub message: String,
}

impl Refusal {
    /// Every reason, as sentences.
    pub fn messages(&self) -> Vec<String> {
        match self {
            Refusal::Rejected(reasons) => reasons.iter().map(|r| r.message.clone()).collect(),
            Refusal::Forbidden(m) | Refusal::Internal(m) => vec![m.clone()],
            Refusal::Conflict { message, .. } => vec![message.clone()],
            Refusal::NotFound | Refusal::Unauthenticated => Vec::new(),
        }
    }

    /// Every reason with the field it is about, where known.
    pub fn reasons(&self) -> Vec<Reason> {
        match self {
            Refusal::Rejected(reasons) => reasons.clone(),
            other => other
                .messages()
                .into_iter()
                .map(|message| Reason {
                    code: other.code().to_owned(),
                    field: None,
                    message,
                })
                .collect(),
        }
    }

    pub fn code(&self) -> &str {
        match self {
            Refusal::Unauthenticated => "UNAUTHENTICATED",
            Refusal::NotFound => "NOT_FOUND",
            Refusal::Forbidden(_) => "FORBIDDEN",
            Refusal::Rejected(_) => "BAD_USER_INPUT",
            Refusal::Conflict { .. } => "CONFLICT",
            Refusal::Internal(_) => "INTERNAL",
        }
    }
}

impl Web {
    /// Runs `document` with `variables` as the signed-in person, in the organisation `tenant`,
    /// and returns its `data`.
    pub async fn gql(
        &self,
        tenant: Option<&str>,
        document: &str,
        variables: Value,
    ) -> Result<Value, Refusal> {
        let context = RequestContext {
            request_id: self.request_id.clone(),
            caller: self.caller.clone(),
            tenant: tenant.and_then(|t| TenantSlug::parse(t).ok()),
        };
        let request = async_graphql::Request::new(document)
            .variables(Variables::from_json(variables))
            .data(context)
            .data(self.state.clone());
        let response =
            language::scope(self.lang.messages(), self.state.schema.execute(request)).await;
        if let Some(error) = response.errors.first() {
            return Err(refusal(error));
        }
        response
            .data
            .into_json()
            .map_err(|err| Refusal::Internal(err.to_string()))
    }
}

fn refusal(error: &async_graphql::ServerError) -> Refusal {
    let extensions = error.extensions.as_ref();
    let code = extensions
        .and_then(|e| e.get("code"))
        .and_then(|v| match v {
            async_graphql::Value::String(s) => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let details = extensions
        .and_then(|e| e.get("details"))
        .and_then(|v| v.clone().into_json().ok())
        .unwrap_or(Value::Null);
    match code.as_str() {
        // A sign-in held back after too many failed attempts says so.
        "UNAUTHENTICATED"
            if details
                .pointer("/problems/0/code")
                .is_some_and(|c| c == "too_many_attempts") =>
        {
            Refusal::Rejected(vec![Reason {
                code: "too_many_attempts".into(),
                field: None,
                message: error.message.clone(),
            }])
        }
        "UNAUTHENTICATED" => Refusal::Unauthenticated,
        "NOT_FOUND" => Refusal::NotFound,
        "FORBIDDEN" => Refusal::Forbidden(error.message.clone()),
        "CONFLICT" => Refusal::Conflict {
            message: error.message.clone(),
            current_version: details.get("currentVersion").and_then(Value::as_i64),
        },
        "INTERNAL" => Refusal::Internal(error.message.clone()),
        _ => {
            let reasons: Vec<Reason> = details
                .get("problems")
                .and_then(Value::as_array)
                .map(|problems| {
                    problems
                        .iter()
                        .map(|p| Reason {
                            code: p["code"].as_str().unwrap_or_default().to_owned(),
                            field: p["field"].as_str().map(str::to_owned),
                            message: p["message"].as_str().unwrap_or_default().to_owned(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            if reasons.is_empty() {
                // A schema-level refusal (a malformed value): the engine's message.
                Refusal::Rejected(vec![Reason {
                    code: "bad_input".into(),
                    field: None,
                    message: error.message.clone(),
                }])
            } else {
                Refusal::Rejected(reasons)
            }
        }
    }
}

/// The reasons about the field at `path` (as the service names it, e.g.
/// `artefacts.request_form.subject.full_name`).
pub fn about<'a>(reasons: &'a [Reason], path: &str) -> Vec<&'a str> {
    reasons
        .iter()
        .filter(|r| r.field.as_deref() == Some(path))
        .map(|r| r.message.as_str())
        .collect()
}

//! The one public GraphQL schema and its HTTP handler.

pub mod account;
pub mod administration;
pub mod api_tokens;
pub mod casework;
pub mod comparison;
pub mod context;
pub mod documents;
pub mod error;
pub mod indicators;
pub mod language;
pub mod limits;
pub mod notifications;
pub mod platform;
pub mod sso;

use crate::AppState;
use crate::graphql::context::{Caller, RequestContext};
use crate::graphql::error::{ApiError, ErrorCode, Problem};
use async_graphql::http::GraphiQLSource;
use async_graphql::{EmptySubscription, MergedObject, Schema};
use async_graphql_axum::GraphQLResponse;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::Response;
use axum::response::{Html, IntoResponse};
use futures::StreamExt;
use kurator_auth::SessionToken;
use kurator_casework::api_tokens as token_service;
use kurator_domain::TenantSlug;
use kurator_method::problem;

#[derive(MergedObject, Default)]
pub struct Query(
    account::AccountQuery,
    administration::AdministrationQuery,
    api_tokens::ApiTokenQuery,
    casework::intake::IntakeQuery,
    casework::cases::CaseQueryRoot,
    casework::variant::VariantQuery,
    casework::variant_admin::VariantAdminQuery,
    casework::variant_migration::VariantMigrationQuery,
    casework::variant_templates::VariantTemplateQuery,
    casework::calendar::CalendarQuery,
    comparison::ComparisonQuery,
    indicators::IndicatorsQuery,
    notifications::NotificationQuery,
    platform::PlatformQuery,
    sso::SsoQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    account::AccountMutation,
    administration::AdministrationMutation,
    api_tokens::ApiTokenMutation,
    casework::intake::IntakeMutation,
    casework::cases::CaseMutation,
    casework::work::WorkMutation,
    casework::spending::SpendingMutation,
    casework::variant_admin::VariantAdminMutation,
    casework::variant_migration::VariantMigrationMutation,
    casework::variant_templates::VariantTemplateMutation,
    casework::calendar::CalendarMutation,
    comparison::ComparisonMutation,
    notifications::NotificationMutation,
    platform::PlatformMutation,
    sso::SsoMutation,
);

pub type KuratorSchema = Schema<Query, Mutation, EmptySubscription>;

pub const TENANT_HEADER: &str = "x-kurator-tenant";
pub const REQUEST_ID_HEADER: &str = "x-request-id";

pub fn build_schema(max_depth: usize, max_complexity: usize, production: bool) -> KuratorSchema {
    let builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(max_depth)
        .limit_complexity(max_complexity)
        .limit_recursive_depth(max_depth * 2)
        .limit_directives(16);
    let builder = if production {
        builder.disable_introspection()
    } else {
        builder
    };
    builder.finish()
}

/// GraphiQL, for exploring the schema outside production.
pub async fn graphiql() -> impl IntoResponse {
    // GraphiQL loads its scripts and styles from a CDN; the page's policy allows that, and the
    // edge's policy for data (nothing may load) applies everywhere else.
    (
        [(
            axum::http::header::CONTENT_SECURITY_POLICY,
            "default-src 'self' https: data: 'unsafe-inline' 'unsafe-eval'; frame-ancestors 'none'",
        )],
        Html(GraphiQLSource::build().endpoint("/graphql").finish()),
    )
}

#[tracing::instrument(name = "graphql", skip_all, fields(request_id))]
pub async fn graphql_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let language = language::from_accept_language(
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    language::scope(language, serve(state, headers, body)).await
}

/// Serves one request, in the language already chosen for it.
async fn serve(state: AppState, headers: HeaderMap, body: Body) -> Response {
    let request_id = headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    tracing::Span::current().record("request_id", request_id.as_str());

    // The body is read under the configured size limit, then parsed; every failure is a coded
    // GraphQL error.
    let body = match read_body(body, state.inner.settings.graphql.max_body_bytes).await {
        Ok(body) => body,
        Err(status) => {
            let problem = if status == StatusCode::PAYLOAD_TOO_LARGE {
                problem!(
                    "request_too_large",
                    "Запрос слишком велик",
                    "The request is too large"
                )
            } else {
                problem!(
                    "body_unreadable",
                    "Некорректный запрос: тело запроса не прочитано",
                    "Malformed request: the body could not be read"
                )
            };
            return (status, finish(refusal(problem), &request_id)).into_response();
        }
    };
    let mut request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            let problem = problem!(
                "not_graphql_json",
                "Некорректный запрос: ожидается JSON с полем query ({err})",
                "Malformed request: JSON with a query field is expected ({err})"
            );
            return finish(refusal(problem), &request_id).into_response();
        }
    };
    // Parsed once, or taken from the documents parsed before: the engine executes the document
    // given here. One that does not parse is left to the engine, which reports the syntax error.
    if let Some(parsed) = state.documents.parse(&request.query) {
        if parsed.expanded_selections > limits::MAX_EXPANDED_SELECTIONS {
            let problem = problem!(
                "query_too_large",
                "Запрос слишком сложен: слишком много полей после подстановки фрагментов",
                "The query is too complex: too many fields once fragments are spread"
            );
            return finish(refusal(problem), &request_id).into_response();
        }
        request.set_parsed_query(parsed.document.clone());
    }

    let caller = match Box::pin(resolve_caller(&state, &headers)).await {
        Ok(caller) => caller,
        Err(err) => {
            let error = async_graphql::Error::from(err).into_server_error(Default::default());
            let response = async_graphql::Response::from_errors(vec![error]);
            return finish(response, &request_id).into_response();
        }
    };
    let tenant = headers
        .get(TENANT_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| TenantSlug::parse(v).ok());
    let context = RequestContext {
        request_id: request_id.clone(),
        caller,
        tenant,
    };
    // Boxed: the engine's future is large, and a future holding it inline is copied each time
    // axum and tower move the handler's future (that copying was about 6 % of a request).
    let response = Box::pin(
        state
            .schema
            .execute(request.data(context).data(state.clone())),
    )
    .await;
    finish(response, &request_id).into_response()
}

/// How much of an oversized body is still read (and thrown away) before answering, so that the
/// client, still sending, gets the answer instead of a broken connection.
const DRAIN_LIMIT: usize = 32 * 1024 * 1024;

/// Reads the request body if it fits in `limit` bytes; `413` if it does not.
async fn read_body(body: Body, limit: usize) -> Result<Vec<u8>, StatusCode> {
    let mut stream = body.into_data_stream();
    let mut buffer = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| StatusCode::BAD_REQUEST)?;
        total = total.saturating_add(chunk.len());
        if total > DRAIN_LIMIT {
            break;
        }
        if total <= limit {
            buffer.extend_from_slice(&chunk);
        }
    }
    if total > limit {
        Err(StatusCode::PAYLOAD_TOO_LARGE)
    } else {
        Ok(buffer)
    }
}

fn refusal(problem: Problem) -> async_graphql::Response {
    let error = async_graphql::Error::from(ApiError::bad_input(problem));
    async_graphql::Response::from_errors(vec![error.into_server_error(Default::default())])
}

/// The engine's own limit refusals, as problems: the engine words them in English only.
fn engine_problem(message: &str) -> Option<Problem> {
    match message {
        "Query is too complex." => Some(problem!(
            "query_too_complex",
            "Запрос слишком сложен",
            "The query is too complex"
        )),
        "Query is nested too deep." => Some(problem!(
            "query_too_deep",
            "Запрос слишком глубоко вложен",
            "The query is nested too deep"
        )),
        _ => None,
    }
}

/// Gives every error a code (parse, validation and limit errors come from the GraphQL engine
/// without one: they are the client's mistake; its limit refusals are translated) and adds the
/// request id.
fn finish(mut response: async_graphql::Response, request_id: &str) -> GraphQLResponse {
    for error in &mut response.errors {
        if error.extensions.is_none()
            && let Some(problem) = engine_problem(&error.message)
        {
            let translated = async_graphql::Error::from(ApiError::bad_input(problem));
            error.message = translated.message;
            error.extensions = translated.extensions;
        }
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", ErrorCode::BadUserInput.as_str());
        }
    }
    response
        .extensions
        .insert("requestId".into(), async_graphql::Value::from(request_id));
    response.into()
}

/// The signed-in person behind the bearer token, if any. A missing, malformed, unknown or expired
/// token means an anonymous caller; resolvers that need one answer `UNAUTHENTICATED`.
pub async fn resolve_caller(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Caller>, ApiError> {
    let Some(bearer) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return Ok(None);
    };
    if bearer.starts_with(token_service::PREFIX) {
        return api_token_caller(state, headers, bearer).await;
    }
    let Some(token) = SessionToken::parse(bearer) else {
        return Ok(None);
    };
    state.inner.callers.resolve(token).await
}

/// An integration behind an API token: the service checks the token and records its use; the
/// caller then holds the token's one role in its one organisation.
async fn api_token_caller(
    state: &AppState,
    headers: &HeaderMap,
    secret: &str,
) -> Result<Option<Caller>, ApiError> {
    let request_id = headers.get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok());
    let Some(authenticated) = token_service::authenticate(
        &state.inner.control,
        &state.inner.tenants,
        secret,
        request_id,
    )
    .await?
    else {
        return Ok(None);
    };
    let mut user = authenticated.on_behalf_of;
    user.is_platform_admin = false;
    Ok(Some(Caller {
        user: std::sync::Arc::new(user),
        memberships: std::sync::Arc::new(vec![kurator_store::control::MembershipRow {
            tenant_id: authenticated.tenant,
            role: authenticated.token.role,
        }]),
        session: None,
        api_token: Some(authenticated.token.id),
    }))
}

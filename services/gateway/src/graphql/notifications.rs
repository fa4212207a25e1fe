//! Notifications over GraphQL: a person's own in-app notifications (`notifications`,
//! `unreadNotificationCount`, `markNotificationsRead`), their choices for messages
//! (`notificationPreferences`, `setNotificationPreferences`), and the organisation's webhooks and
//! delivery log for its administrator. Resolvers translate; the casework service decides.

use crate::AppState;
use crate::graphql::casework::tenant_actor;
use crate::graphql::context::RequestContext;
use crate::graphql::error::{ApiError, ApiResult};
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use kurator_casework::notifications::{self, Page};
use kurator_method::problem;
use kurator_store::tenant::notifications::{NotificationRow, WebhookAttemptRow, WebhookRow};
use uuid::Uuid;

#[derive(Default)]
pub struct NotificationQuery;

#[derive(Default)]
pub struct NotificationMutation;

/// An in-app notification: a reminder, an escalation or a digest. It names a case only by its
/// number and a link.
#[derive(SimpleObject)]
pub struct Notification {
    pub id: ID,
    /// `due`, `overdue`, `escalation` or `digest`.
    pub kind: String,
    pub case_id: Option<ID>,
    pub case_number: Option<i64>,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl From<NotificationRow> for Notification {
    fn from(row: NotificationRow) -> Self {
        Self {
            id: ID(row.id.to_string()),
            kind: row.kind,
            case_id: row.case_id.map(|c| ID(c.to_string())),
            case_number: row.case_number,
            title: row.title,
            body: row.body,
            link: row.link,
            created_at: row.created_at,
            read_at: row.read_at,
        }
    }
}

#[derive(SimpleObject)]
pub struct NotificationEdge {
    pub cursor: String,
    pub node: Notification,
}

use async_graphql::connection::PageInfo;

#[derive(SimpleObject)]
pub struct NotificationConnection {
    pub edges: Vec<NotificationEdge>,
    pub page_info: PageInfo,
}

/// What a person chose for the messages Kurator sends them.
#[derive(SimpleObject)]
pub struct NotificationPreferences {
    /// `ru` (default), `kk` or `en`.
    pub language: String,
    /// Where reminders and digests are e-mailed; none means in-app only.
    pub email: Option<String>,
}

/// An outbound webhook of the organisation. The secret is never shown.
#[derive(SimpleObject)]
pub struct Webhook {
    pub id: ID,
    pub url: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<WebhookRow> for Webhook {
    fn from(row: WebhookRow) -> Self {
        Self {
            id: ID(row.id.to_string()),
            url: row.url,
            active: row.active,
            created_at: row.created_at,
        }
    }
}

/// One attempt to deliver a message to a webhook.
#[derive(SimpleObject)]
pub struct WebhookDelivery {
    pub id: ID,
    pub webhook_id: ID,
    /// The message; the same on every retry (the `X-Kurator-Delivery` header).
    pub delivery_id: ID,
    pub attempt: i32,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub ok: bool,
    pub error: Option<String>,
}

impl From<WebhookAttemptRow> for WebhookDelivery {
    fn from(row: WebhookAttemptRow) -> Self {
        Self {
            id: ID(row.id.to_string()),
            webhook_id: ID(row.webhook_id.to_string()),
            delivery_id: ID(row.outbox_id.to_string()),
            attempt: row.attempt,
            attempted_at: row.attempted_at,
            status_code: row.status_code,
            ok: row.ok,
            error: row.error,
        }
    }
}

#[derive(SimpleObject)]
pub struct WebhookDeliveryConnection {
    pub nodes: Vec<WebhookDelivery>,
    pub page_info: PageInfo,
}

fn page_info<T>(page: &Page<T>, id: impl Fn(&T) -> Uuid) -> PageInfo {
    PageInfo {
        has_previous_page: false,
        has_next_page: page.has_next,
        start_cursor: page.items.first().map(|i| id(i).to_string()),
        end_cursor: page.items.last().map(|i| id(i).to_string()),
    }
}

fn preferences_of(p: notifications::Preferences) -> NotificationPreferences {
    NotificationPreferences {
        language: p.language.as_str().to_owned(),
        email: p.email,
    }
}

#[Object]
impl NotificationQuery {
    /// The caller's own notifications in the organisation, newest first.
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i64,
        after: Option<String>,
        #[graphql(default = false)] unread_only: bool,
    ) -> ApiResult<NotificationConnection> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let page = notifications::of_caller(&runtime, &actor, first, after.as_deref(), unread_only)
            .await?;
        let page_info = page_info(&page, |n| n.id);
        Ok(NotificationConnection {
            edges: page
                .items
                .into_iter()
                .map(|row| NotificationEdge {
                    cursor: row.id.to_string(),
                    node: row.into(),
                })
                .collect(),
            page_info,
        })
    }

    /// How many of the caller's notifications in the organisation are unread.
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let count = notifications::unread_count(&runtime, &actor).await?;
        Ok(i64::try_from(count).unwrap_or(i64::MAX))
    }

    /// The caller's own choices for messages.
    async fn notification_preferences(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<NotificationPreferences> {
        let (state, user) = caller(ctx)?;
        Ok(preferences_of(
            notifications::preferences(&state.inner.control, user).await?,
        ))
    }

    /// The organisation's webhooks (its administrator only).
    async fn webhooks(&self, ctx: &Context<'_>) -> ApiResult<Vec<Webhook>> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        Ok(notifications::webhooks(&runtime, &actor)
            .await?
            .into_iter()
            .map(Webhook::from)
            .collect())
    }

    /// Every attempt to deliver to the organisation's webhooks, newest first (its administrator
    /// only).
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i64,
        after: Option<String>,
    ) -> ApiResult<WebhookDeliveryConnection> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let page = notifications::deliveries(&runtime, &actor, first, after.as_deref()).await?;
        let page_info = page_info(&page, |a| a.id);
        Ok(WebhookDeliveryConnection {
            nodes: page.items.into_iter().map(WebhookDelivery::from).collect(),
            page_info,
        })
    }
}

fn caller<'c>(ctx: &Context<'c>) -> ApiResult<(&'c AppState, kurator_domain::UserId)> {
    let request = ctx
        .data::<RequestContext>()
        .map_err(|_| ApiError::unauthenticated())?;
    let state = ctx
        .data::<AppState>()
        .map_err(|_| ApiError::unauthenticated())?;
    Ok((state, request.caller()?.user.id))
}

fn parse_notification_ids(ids: &[ID]) -> ApiResult<Vec<Uuid>> {
    ids.iter()
        .map(|id| {
            Uuid::parse_str(id.as_str()).map_err(|_| {
                let id = id.as_str().chars().take(64).collect::<String>();
                ApiError::bad_input(problem!(
                    at = "ids",
                    "invalid_notification_id",
                    "ids: «{id}» — не идентификатор уведомления",
                    "ids: “{id}” is not a notification id"
                ))
            })
        })
        .collect()
}

#[Object]
impl NotificationMutation {
    /// Marks the caller's own notifications read; ids of others' notifications are ignored.
    /// Returns how many were unread and are read now.
    async fn mark_notifications_read(&self, ctx: &Context<'_>, ids: Vec<ID>) -> ApiResult<i64> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let ids = parse_notification_ids(&ids)?;
        let marked = notifications::mark_read(&runtime, &actor, &ids).await?;
        Ok(i64::try_from(marked).unwrap_or(i64::MAX))
    }

    /// Sets the caller's own language (`ru`, `kk`, `en`) and e-mail for messages.
    async fn set_notification_preferences(
        &self,
        ctx: &Context<'_>,
        language: String,
        email: Option<String>,
    ) -> ApiResult<NotificationPreferences> {
        let (state, user) = caller(ctx)?;
        Ok(preferences_of(
            notifications::set_preferences(&state.inner.control, user, &language, email.as_deref())
                .await?,
        ))
    }

    /// Adds an outbound webhook: every reminder, escalation and overdue notice of the
    /// organisation is POSTed to `url` as JSON, signed with HMAC-SHA256 under `secret` in the
    /// `X-Kurator-Signature` header (`sha256=<hex>`). Its administrator only.
    async fn add_webhook(
        &self,
        ctx: &Context<'_>,
        url: String,
        secret: String,
    ) -> ApiResult<Webhook> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        Ok(notifications::add_webhook(&runtime, &actor, &url, &secret)
            .await?
            .into())
    }

    /// Removes a webhook. Its administrator only.
    async fn remove_webhook(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let id = Uuid::parse_str(id.as_str()).map_err(|_| ApiError::not_found())?;
        notifications::remove_webhook(&runtime, &actor, id).await?;
        Ok(true)
    }
}

//! What people read of the deadline worker's messages (уведомления): each person their own in-app
//! notifications, newest first, a page at a time; and what the organisation's administrator
//! configures: outbound webhooks (URL and signing secret) and their delivery log.

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::error::{CaseworkError, CaseworkResult};
use crate::runtime::TenantRuntime;
use crate::worker::messages::MessageLanguage;
use chrono::Utc;
use kurator_method::problem;
use kurator_store::tenant::notifications::{
    self as store, NotificationRow, WebhookAttemptRow, WebhookRow,
};
use serde_json::json;
use uuid::Uuid;

/// The largest page of notifications or delivery attempts.
pub const MAX_PAGE: u64 = 100;
/// The most notifications marked read in one call.
pub const MAX_MARKED: usize = 500;

/// A page, newest first, and whether more follow.
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
}

fn page_size(first: i64) -> CaseworkResult<u64> {
    match u64::try_from(first) {
        Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        _ => Err(CaseworkError::rejected(problem!(
            at = "first",
            "page_size_out_of_range",
            "first: размер страницы — от 1 до {MAX_PAGE}",
            "first: the page size is 1 to {MAX_PAGE}"
        ))),
    }
}

/// A cursor is the id of the last item of the previous page.
pub fn parse_cursor(after: Option<&str>) -> CaseworkResult<Option<Uuid>> {
    after
        .map(|c| {
            Uuid::parse_str(c).map_err(|_| {
                CaseworkError::rejected(problem!(
                    at = "after",
                    "unknown_cursor",
                    "after: курсор не распознан — возьмите endCursor предыдущей страницы",
                    "after: the cursor is not recognised — use the previous page's endCursor"
                ))
            })
        })
        .transpose()
}

fn split<T>(mut rows: Vec<T>, size: u64) -> Page<T> {
    let has_next = rows.len() as u64 > size;
    rows.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    Page {
        items: rows,
        has_next,
    }
}

/// Whoever works in the organisation reads their own notifications; nobody reads another's.
fn require_member(actor: &Actor) -> CaseworkResult<()> {
    if actor.roles.is_empty() {
        Err(CaseworkError::Forbidden)
    } else {
        Ok(())
    }
}

/// The caller's own notifications, newest first, behind `after`.
pub async fn of_caller(
    runtime: &TenantRuntime,
    actor: &Actor,
    first: i64,
    after: Option<&str>,
    unread_only: bool,
) -> CaseworkResult<Page<NotificationRow>> {
    require_member(actor)?;
    let size = page_size(first)?;
    let after = parse_cursor(after)?;
    let tx = runtime.begin().await?;
    let rows = store::of_person(&tx, actor.user.0, after, unread_only, size + 1).await?;
    tx.commit().await?;
    Ok(split(rows, size))
}

pub async fn unread_count(runtime: &TenantRuntime, actor: &Actor) -> CaseworkResult<u64> {
    require_member(actor)?;
    let tx = runtime.begin().await?;
    let count = store::unread_count(&tx, actor.user.0).await?;
    tx.commit().await?;
    Ok(count)
}

/// Marks the caller's notifications among `ids` read; others' ids are ignored as unknown.
/// Returns how many were unread and are read now.
pub async fn mark_read(
    runtime: &TenantRuntime,
    actor: &Actor,
    ids: &[Uuid],
) -> CaseworkResult<u64> {
    require_member(actor)?;
    if ids.len() > MAX_MARKED {
        return Err(CaseworkError::rejected(problem!(
            at = "ids",
            "too_many_notifications",
            "ids: не больше {MAX_MARKED} уведомлений за раз",
            "ids: at most {MAX_MARKED} notifications at a time"
        )));
    }
    let tx = runtime.begin().await?;
    let marked = store::mark_read(&tx, actor.user.0, ids, Utc::now()).await?;
    tx.commit().await?;
    Ok(marked)
}

/// A language for messages: `ru`, `kk` or `en`.
pub fn parse_language(value: &str) -> CaseworkResult<MessageLanguage> {
    MessageLanguage::parse(value).ok_or_else(|| {
        CaseworkError::rejected(problem!(
            at = "language",
            "unknown_language",
            "language: ожидается ru, kk или en, а не «{value}»",
            "language: expected ru, kk or en, not “{value}”"
        ))
    })
}

/// An e-mail address, roughly: one `@`, something on both sides, a dot in the domain, no spaces,
/// at most 254 characters. The SMTP server has the last word.
pub fn parse_email(value: &str) -> CaseworkResult<String> {
    let value = value.trim();
    let ok = value.len() <= 254
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        });
    if ok {
        Ok(value.to_owned())
    } else {
        Err(CaseworkError::rejected(problem!(
            at = "email",
            "email_invalid",
            "email: это не адрес электронной почты",
            "email: this is not an e-mail address"
        )))
    }
}

const MIN_SECRET: usize = 16;

fn check_webhook(url: &str, secret: &str) -> CaseworkResult<()> {
    let mut problems = Vec::new();
    let parsed = url::Url::parse(url).ok();
    let url_ok = url.len() <= 2000
        && parsed
            .as_ref()
            .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    if !url_ok {
        problems.push(problem!(
            at = "url",
            "webhook_url_invalid",
            "url: ожидается адрес http:// или https:// не длиннее 2000 символов",
            "url: expected an http:// or https:// address of at most 2000 characters"
        ));
    }
    if secret.chars().count() < MIN_SECRET || secret.len() > 200 {
        problems.push(problem!(
            at = "secret",
            "webhook_secret_too_short",
            "secret: секрет подписи — от {MIN_SECRET} до 200 символов",
            "secret: the signing secret is {MIN_SECRET} to 200 characters"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CaseworkError::Rejected(problems))
    }
}

/// The organisation's webhooks: its administrator only.
pub async fn webhooks(runtime: &TenantRuntime, actor: &Actor) -> CaseworkResult<Vec<WebhookRow>> {
    actor.require_org_admin()?;
    let tx = runtime.begin().await?;
    let rows = store::webhooks(&tx).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Adds a webhook; audited (without the secret).
pub async fn add_webhook(
    runtime: &TenantRuntime,
    actor: &Actor,
    url: &str,
    secret: &str,
) -> CaseworkResult<WebhookRow> {
    actor.require_org_admin()?;
    check_webhook(url, secret)?;
    let tx = runtime.begin().await?;
    let row = store::add_webhook(&tx, url, secret, actor.user.0).await?;
    audit::record(
        &tx,
        actor,
        Audit::created("webhook.add", "webhook", row.id, &json!({ "url": url })),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Removes a webhook; `NOT_FOUND` when the organisation has none by that id.
pub async fn remove_webhook(
    runtime: &TenantRuntime,
    actor: &Actor,
    id: Uuid,
) -> CaseworkResult<()> {
    actor.require_org_admin()?;
    let tx = runtime.begin().await?;
    let Some(before) = store::webhook_by_id(&tx, id).await? else {
        return Err(CaseworkError::NotFound);
    };
    store::remove_webhook(&tx, id).await?;
    audit::record(
        &tx,
        actor,
        Audit::changed(
            "webhook.remove",
            "webhook",
            id,
            &json!({ "url": before.url }),
            &serde_json::Value::Null,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The delivery log of the organisation's webhooks, newest first.
pub async fn deliveries(
    runtime: &TenantRuntime,
    actor: &Actor,
    first: i64,
    after: Option<&str>,
) -> CaseworkResult<Page<WebhookAttemptRow>> {
    actor.require_org_admin()?;
    let size = page_size(first)?;
    let after = parse_cursor(after)?;
    let tx = runtime.begin().await?;
    let rows = store::attempts(&tx, after, size + 1).await?;
    tx.commit().await?;
    Ok(split(rows, size))
}

/// What a person chose for their messages.
pub struct Preferences {
    pub language: MessageLanguage,
    pub email: Option<String>,
}

/// The caller's own choices (Russian and no e-mail until they choose).
pub async fn preferences(
    control: &sea_orm::DatabaseConnection,
    user: kurator_domain::UserId,
) -> CaseworkResult<Preferences> {
    let row = kurator_store::control::preferences::get(control, user).await?;
    Ok(Preferences {
        language: row
            .as_ref()
            .and_then(|r| MessageLanguage::parse(&r.language))
            .unwrap_or_default(),
        email: row.and_then(|r| r.email),
    })
}

/// Sets the caller's own language and e-mail for messages (each person only their own).
pub async fn set_preferences(
    control: &sea_orm::DatabaseConnection,
    user: kurator_domain::UserId,
    language: &str,
    email: Option<&str>,
) -> CaseworkResult<Preferences> {
    let language = parse_language(language);
    let email = email
        .filter(|e| !e.trim().is_empty())
        .map(parse_email)
        .transpose();
    let (language, email) = match (language, email) {
        (Ok(l), Ok(e)) => (l, e),
        (Err(CaseworkError::Rejected(mut a)), Err(CaseworkError::Rejected(b))) => {
            a.extend(b);
            return Err(CaseworkError::Rejected(a));
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    kurator_store::control::preferences::set(control, user, language.as_str(), email.as_deref())
        .await?;
    Ok(Preferences { language, email })
}

//! What the deadline worker writes and people read: marks of what was already planned, in-app
//! notifications, the outbox for e-mail and webhooks, the organisation's webhooks and their
//! delivery attempts (see the migration `m20261129_000400_notifications`).

use crate::tenant::entities::case_obligation;
use crate::{StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{ExprTrait, OnConflict, Query};
use sea_orm::{Condition, QueryOrder, QuerySelect};

pub use entities::{notification, notification_mark, outbox, webhook, webhook_attempt};
pub use notification::Model as NotificationRow;
pub use outbox::Model as OutboxRow;
pub use webhook::Model as WebhookRow;
pub use webhook_attempt::Model as WebhookAttemptRow;

pub mod entities {
    macro_rules! no_relations {
        () => {
            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}
            impl ActiveModelBehavior for ActiveModel {}
        };
    }

    /// Something the worker has already planned messages for.
    pub mod notification_mark {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "notification_marks")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub tenant_id: Uuid,
            /// The case (obligations, escalations) or the person (digests).
            #[sea_orm(primary_key, auto_increment = false)]
            pub subject_id: Uuid,
            #[sea_orm(primary_key, auto_increment = false)]
            pub key: String,
            #[sea_orm(primary_key, auto_increment = false)]
            pub status: String,
            /// The period: the obligation's due instant, the digest's day.
            #[sea_orm(primary_key, auto_increment = false)]
            pub at: DateTimeUtc,
            pub created_at: DateTimeUtc,
        }
        no_relations!();
    }

    /// An in-app notification (уведомление) for one person.
    pub mod notification {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "notifications")]
        pub struct Model {
            pub tenant_id: Uuid,
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub user_id: Uuid,
            pub kind: String,
            pub case_id: Option<Uuid>,
            pub case_number: Option<i64>,
            pub title: String,
            pub body: String,
            pub link: String,
            pub dedup_key: String,
            pub created_at: DateTimeUtc,
            pub read_at: Option<DateTimeUtc>,
        }
        no_relations!();
    }

    /// A message for a channel outside the database (e-mail, webhook).
    pub mod outbox {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "notification_outbox")]
        pub struct Model {
            pub tenant_id: Uuid,
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub dedup_key: String,
            pub channel: String,
            /// The e-mail address, or the webhook's id.
            pub recipient: String,
            pub user_id: Option<Uuid>,
            pub kind: String,
            pub subject: String,
            pub body: String,
            pub payload: Json,
            pub status: String,
            pub attempts: i32,
            pub next_attempt_at: DateTimeUtc,
            pub claimed_by: Option<String>,
            pub last_error: Option<String>,
            pub created_at: DateTimeUtc,
            pub sent_at: Option<DateTimeUtc>,
        }
        no_relations!();
    }

    /// An outbound webhook of the organisation.
    pub mod webhook {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "webhooks")]
        pub struct Model {
            pub tenant_id: Uuid,
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub url: String,
            /// The HMAC-SHA256 key deliveries are signed with. Never shown after it is set.
            pub secret: String,
            pub active: bool,
            pub created_by: Uuid,
            pub created_at: DateTimeUtc,
        }
        no_relations!();
    }

    /// One attempt to deliver a message to a webhook.
    pub mod webhook_attempt {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "webhook_attempts")]
        pub struct Model {
            pub tenant_id: Uuid,
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub outbox_id: Uuid,
            pub webhook_id: Uuid,
            pub attempt: i32,
            pub attempted_at: DateTimeUtc,
            pub status_code: Option<i32>,
            pub ok: bool,
            pub error: Option<String>,
        }
        no_relations!();
    }
}

/// Statuses of an outbox row.
pub mod outbox_status {
    pub const PENDING: &str = "pending";
    /// Claimed by a worker, being sent.
    pub const SENDING: &str = "sending";
    pub const SENT: &str = "sent";
    /// Given up after the last attempt.
    pub const FAILED: &str = "failed";
}

/// Open obligations in `due` or `overdue` for whose status and due instant no messages were
/// planned yet, earliest first.
#[tracing::instrument(skip_all, fields(limit))]
pub async fn unmarked_obligations(
    tx: &TenantTx,
    limit: u64,
) -> Result<Vec<case_obligation::Model>, StoreError> {
    use case_obligation::Column as O;
    use notification_mark::Column as M;
    let mark_col = |c: M| Expr::col((notification_mark::Entity, c));
    let obligation_col = |c: O| (case_obligation::Entity, c);
    let marked = Query::select()
        .expr(Expr::val(1))
        .from(notification_mark::Entity)
        .and_where(ExprTrait::eq(mark_col(M::TenantId), tx.tenant_id().0))
        .and_where(mark_col(M::SubjectId).equals(obligation_col(O::CaseId)))
        .and_where(mark_col(M::Key).equals(obligation_col(O::Key)))
        .and_where(mark_col(M::Status).equals(obligation_col(O::Status)))
        .and_where(mark_col(M::At).equals(obligation_col(O::DueAt)))
        .to_owned();
    Ok(case_obligation::Entity::find()
        .filter(O::TenantId.eq(tx.tenant_id().0))
        .filter(O::Status.is_in(["due", "overdue"]))
        .filter(Condition::all().add(ExprTrait::not(Expr::exists(marked))))
        .order_by_asc(O::DueAt)
        .order_by_asc(O::CaseId)
        .order_by_asc(O::Key)
        .limit(limit)
        .all(tx.conn())
        .await?)
}

/// Cases with an overdue step deadline, after `after`, at most `limit` — where the accumulated
/// slip may be growing.
#[tracing::instrument(skip_all, fields(limit))]
pub async fn cases_with_overdue_deadlines(
    tx: &TenantTx,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Uuid>, StoreError> {
    use case_obligation::Column as O;
    let mut query = case_obligation::Entity::find()
        .select_only()
        .column(O::CaseId)
        .distinct()
        .filter(O::TenantId.eq(tx.tenant_id().0))
        .filter(O::Status.eq("overdue"))
        .filter(O::Kind.eq("deadline"));
    if let Some(after) = after {
        query = query.filter(O::CaseId.gt(after));
    }
    Ok(query
        .order_by_asc(O::CaseId)
        .limit(limit)
        .into_tuple::<Uuid>()
        .all(tx.conn())
        .await?)
}

/// Open obligations of the tenant in `statuses`, for digests, at most `limit`.
#[tracing::instrument(skip_all, fields(limit))]
pub async fn obligations_in(
    tx: &TenantTx,
    statuses: &[&str],
    limit: u64,
) -> Result<Vec<case_obligation::Model>, StoreError> {
    use case_obligation::Column as O;
    Ok(case_obligation::Entity::find()
        .filter(O::TenantId.eq(tx.tenant_id().0))
        .filter(O::Status.is_in(statuses.iter().copied()))
        .order_by_asc(O::DueAt)
        .order_by_asc(O::CaseId)
        .limit(limit)
        .all(tx.conn())
        .await?)
}

/// Notes that messages were planned for (`subject`, `key`, `status`, `at`); `false` when they
/// already were (another worker, an earlier run).
pub async fn mark(
    tx: &TenantTx,
    subject: Uuid,
    key: &str,
    status: &str,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    use notification_mark::Column as M;
    let model = notification_mark::ActiveModel {
        tenant_id: Set(tx.tenant_id().0),
        subject_id: Set(subject),
        key: Set(key.to_owned()),
        status: Set(status.to_owned()),
        at: Set(at),
        created_at: Set(Utc::now()),
    };
    let inserted = notification_mark::Entity::insert(model)
        .on_conflict(
            OnConflict::columns([M::TenantId, M::SubjectId, M::Key, M::Status, M::At])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(tx.conn())
        .await?;
    Ok(inserted > 0)
}

/// A new in-app notification.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub user_id: Uuid,
    pub kind: String,
    pub case_id: Option<Uuid>,
    pub case_number: Option<i64>,
    pub title: String,
    pub body: String,
    pub link: String,
    pub dedup_key: String,
}

/// Adds an in-app notification unless one with its key exists; `true` when added.
pub async fn notify(tx: &TenantTx, new: NewNotification) -> Result<bool, StoreError> {
    use notification::Column as N;
    let model = notification::ActiveModel {
        tenant_id: Set(tx.tenant_id().0),
        id: Set(Uuid::now_v7()),
        user_id: Set(new.user_id),
        kind: Set(new.kind),
        case_id: Set(new.case_id),
        case_number: Set(new.case_number),
        title: Set(new.title),
        body: Set(new.body),
        link: Set(new.link),
        dedup_key: Set(new.dedup_key),
        created_at: Set(Utc::now()),
        read_at: Set(None),
    };
    let inserted = notification::Entity::insert(model)
        .on_conflict(
            OnConflict::columns([N::TenantId, N::DedupKey])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(tx.conn())
        .await?;
    Ok(inserted > 0)
}

/// A person's notifications, newest first, behind `before` (an id), at most `limit`.
#[tracing::instrument(skip_all, fields(limit))]
pub async fn of_person(
    tx: &TenantTx,
    user: Uuid,
    before: Option<Uuid>,
    unread_only: bool,
    limit: u64,
) -> Result<Vec<NotificationRow>, StoreError> {
    use notification::Column as N;
    let mut query = notification::Entity::find()
        .filter(N::TenantId.eq(tx.tenant_id().0))
        .filter(N::UserId.eq(user));
    if let Some(before) = before {
        query = query.filter(N::Id.lt(before));
    }
    if unread_only {
        query = query.filter(N::ReadAt.is_null());
    }
    Ok(query
        .order_by_desc(N::Id)
        .limit(limit)
        .all(tx.conn())
        .await?)
}

/// One notification of a person, if it is theirs.
pub async fn get_of_person(
    tx: &TenantTx,
    user: Uuid,
    id: Uuid,
) -> Result<Option<NotificationRow>, StoreError> {
    use notification::Column as N;
    Ok(notification::Entity::find()
        .filter(N::TenantId.eq(tx.tenant_id().0))
        .filter(N::UserId.eq(user))
        .filter(N::Id.eq(id))
        .one(tx.conn())
        .await?)
}

/// How many of a person's notifications are unread.
pub async fn unread_count(tx: &TenantTx, user: Uuid) -> Result<u64, StoreError> {
    use notification::Column as N;
    Ok(notification::Entity::find()
        .filter(N::TenantId.eq(tx.tenant_id().0))
        .filter(N::UserId.eq(user))
        .filter(N::ReadAt.is_null())
        .count(tx.conn())
        .await?)
}

/// Marks those of `ids` that are the person's and unread as read; returns how many.
pub async fn mark_read(
    tx: &TenantTx,
    user: Uuid,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    use notification::Column as N;
    Ok(notification::Entity::update_many()
        .col_expr(N::ReadAt, Expr::value(now))
        .filter(N::TenantId.eq(tx.tenant_id().0))
        .filter(N::UserId.eq(user))
        .filter(N::Id.is_in(ids.iter().copied()))
        .filter(N::ReadAt.is_null())
        .exec(tx.conn())
        .await?
        .rows_affected)
}

/// A new message for an outside channel.
#[derive(Debug, Clone)]
pub struct NewOutbox {
    pub dedup_key: String,
    pub channel: String,
    pub recipient: String,
    pub user_id: Option<Uuid>,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub payload: serde_json::Value,
}

/// Adds a message to the outbox unless one with its key exists; `true` when added.
pub async fn enqueue(
    tx: &TenantTx,
    new: NewOutbox,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    use outbox::Column as X;
    let model = outbox::ActiveModel {
        tenant_id: Set(tx.tenant_id().0),
        id: Set(Uuid::now_v7()),
        dedup_key: Set(new.dedup_key),
        channel: Set(new.channel),
        recipient: Set(new.recipient),
        user_id: Set(new.user_id),
        kind: Set(new.kind),
        subject: Set(new.subject),
        body: Set(new.body),
        payload: Set(new.payload),
        status: Set(outbox_status::PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_by: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
    };
    let inserted = outbox::Entity::insert(model)
        .on_conflict(
            OnConflict::columns([X::TenantId, X::DedupKey])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(tx.conn())
        .await?;
    Ok(inserted > 0)
}

/// Gives back messages whose claim ran out (their worker stopped mid-send): they are pending
/// again. Returns how many.
pub async fn release_stale_claims(tx: &TenantTx, now: DateTime<Utc>) -> Result<u64, StoreError> {
    use outbox::Column as X;
    Ok(outbox::Entity::update_many()
        .col_expr(X::Status, Expr::value(outbox_status::PENDING))
        .col_expr(X::ClaimedBy, Expr::value(Option::<String>::None))
        .filter(X::TenantId.eq(tx.tenant_id().0))
        .filter(X::Status.eq(outbox_status::SENDING))
        .filter(X::NextAttemptAt.lt(now))
        .exec(tx.conn())
        .await?
        .rows_affected)
}

/// Pending messages whose time has come, oldest first.
pub async fn ready(
    tx: &TenantTx,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<OutboxRow>, StoreError> {
    use outbox::Column as X;
    Ok(outbox::Entity::find()
        .filter(X::TenantId.eq(tx.tenant_id().0))
        .filter(X::Status.eq(outbox_status::PENDING))
        .filter(X::NextAttemptAt.lte(now))
        .order_by_asc(X::NextAttemptAt)
        .order_by_asc(X::Id)
        .limit(limit)
        .all(tx.conn())
        .await?)
}

/// Claims a pending message for `holder` until `until`; `false` when another worker has it.
pub async fn claim(
    tx: &TenantTx,
    id: Uuid,
    holder: &str,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    use outbox::Column as X;
    let claimed = outbox::Entity::update_many()
        .col_expr(X::Status, Expr::value(outbox_status::SENDING))
        .col_expr(X::ClaimedBy, Expr::value(holder))
        .col_expr(X::NextAttemptAt, Expr::value(until))
        .filter(X::TenantId.eq(tx.tenant_id().0))
        .filter(X::Id.eq(id))
        .filter(X::Status.eq(outbox_status::PENDING))
        .exec(tx.conn())
        .await?
        .rows_affected;
    Ok(claimed == 1)
}

/// Records the outcome of one attempt: sent, or to be retried at `retry_at` (`None`: given up).
pub async fn settle(
    tx: &TenantTx,
    id: Uuid,
    holder: &str,
    now: DateTime<Utc>,
    outcome: Result<(), (String, Option<DateTime<Utc>>)>,
) -> Result<(), StoreError> {
    use outbox::Column as X;
    let mut update = outbox::Entity::update_many()
        .col_expr(X::Attempts, Expr::col(X::Attempts).add(1))
        .col_expr(X::ClaimedBy, Expr::value(Option::<String>::None));
    update = match outcome {
        Ok(()) => update
            .col_expr(X::Status, Expr::value(outbox_status::SENT))
            .col_expr(X::SentAt, Expr::value(now)),
        Err((error, Some(retry_at))) => update
            .col_expr(X::Status, Expr::value(outbox_status::PENDING))
            .col_expr(X::NextAttemptAt, Expr::value(retry_at))
            .col_expr(X::LastError, Expr::value(error)),
        Err((error, None)) => update
            .col_expr(X::Status, Expr::value(outbox_status::FAILED))
            .col_expr(X::LastError, Expr::value(error)),
    };
    update
        .filter(X::TenantId.eq(tx.tenant_id().0))
        .filter(X::Id.eq(id))
        .filter(X::ClaimedBy.eq(holder))
        .exec(tx.conn())
        .await?;
    Ok(())
}

/// Every outbox row (tests and the administrator's view), oldest first, at most `limit`.
pub async fn outbox_rows(tx: &TenantTx, limit: u64) -> Result<Vec<OutboxRow>, StoreError> {
    use outbox::Column as X;
    Ok(outbox::Entity::find()
        .filter(X::TenantId.eq(tx.tenant_id().0))
        .order_by_asc(X::Id)
        .limit(limit)
        .all(tx.conn())
        .await?)
}

/// The organisation's webhooks, oldest first.
pub async fn webhooks(tx: &TenantTx) -> Result<Vec<WebhookRow>, StoreError> {
    use webhook::Column as W;
    Ok(webhook::Entity::find()
        .filter(W::TenantId.eq(tx.tenant_id().0))
        .order_by_asc(W::CreatedAt)
        .order_by_asc(W::Id)
        .all(tx.conn())
        .await?)
}

pub async fn webhook_by_id(tx: &TenantTx, id: Uuid) -> Result<Option<WebhookRow>, StoreError> {
    use webhook::Column as W;
    Ok(webhook::Entity::find()
        .filter(W::TenantId.eq(tx.tenant_id().0))
        .filter(W::Id.eq(id))
        .one(tx.conn())
        .await?)
}

pub async fn add_webhook(
    tx: &TenantTx,
    url: &str,
    secret: &str,
    by: Uuid,
) -> Result<WebhookRow, StoreError> {
    let model = webhook::ActiveModel {
        tenant_id: Set(tx.tenant_id().0),
        id: Set(Uuid::now_v7()),
        url: Set(url.to_owned()),
        secret: Set(secret.to_owned()),
        active: Set(true),
        created_by: Set(by),
        created_at: Set(Utc::now()),
    };
    Ok(webhook::Entity::insert(model)
        .exec_with_returning(tx.conn())
        .await?)
}

/// Removes a webhook; `false` when there was none.
pub async fn remove_webhook(tx: &TenantTx, id: Uuid) -> Result<bool, StoreError> {
    use webhook::Column as W;
    Ok(webhook::Entity::delete_many()
        .filter(W::TenantId.eq(tx.tenant_id().0))
        .filter(W::Id.eq(id))
        .exec(tx.conn())
        .await?
        .rows_affected
        > 0)
}

pub async fn record_attempt(
    tx: &TenantTx,
    outbox_id: Uuid,
    webhook_id: Uuid,
    attempt: i32,
    status_code: Option<i32>,
    error: Option<String>,
) -> Result<(), StoreError> {
    let model = webhook_attempt::ActiveModel {
        tenant_id: Set(tx.tenant_id().0),
        id: Set(Uuid::now_v7()),
        outbox_id: Set(outbox_id),
        webhook_id: Set(webhook_id),
        attempt: Set(attempt),
        attempted_at: Set(Utc::now()),
        status_code: Set(status_code),
        ok: Set(error.is_none()),
        error: Set(error),
    };
    webhook_attempt::Entity::insert(model)
        .exec_without_returning(tx.conn())
        .await?;
    Ok(())
}

/// Delivery attempts to the organisation's webhooks, newest first, behind `before`.
pub async fn attempts(
    tx: &TenantTx,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<WebhookAttemptRow>, StoreError> {
    use webhook_attempt::Column as A;
    let mut query = webhook_attempt::Entity::find().filter(A::TenantId.eq(tx.tenant_id().0));
    if let Some(before) = before {
        query = query.filter(A::Id.lt(before));
    }
    Ok(query
        .order_by_desc(A::Id)
        .limit(limit)
        .all(tx.conn())
        .await?)
}

//! API tokens of an organisation's integrations, by the SHA-256 of their secret (the secret itself
//! is never stored).

use crate::StoreError;
use chrono::{DateTime, Utc};
use kurator_domain::{TenantId, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::{QueryOrder, sea_query::Expr};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub tenant_id: Uuid,
        pub name: String,
        /// The organisation role the token acts in (`curator`, `org_admin`, …).
        pub role: String,
        /// Hex SHA-256 of the secret.
        pub secret_hash: String,
        pub created_by: Uuid,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
        pub last_used_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
        pub revoked_by: Option<Uuid>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub use entity::Model as ApiTokenRow;
use entity::{Column as C, Entity as E};

pub struct NewApiToken<'a> {
    pub id: Uuid,
    pub tenant: TenantId,
    pub name: &'a str,
    pub role: &'a str,
    pub secret_hash: &'a str,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewApiToken<'_>,
) -> Result<ApiTokenRow, StoreError> {
    let model = entity::ActiveModel {
        id: Set(new.id),
        tenant_id: Set(new.tenant.0),
        name: Set(new.name.to_owned()),
        role: Set(new.role.to_owned()),
        secret_hash: Set(new.secret_hash.to_owned()),
        created_by: Set(new.created_by.0),
        created_at: Set(new.created_at),
        expires_at: Set(new.expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
        revoked_by: Set(None),
    };
    E::insert(model).exec_without_returning(db).await?;
    E::find_by_id(new.id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The organisation's tokens, newest first, revoked and expired ones included.
pub async fn of_tenant(
    db: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Vec<ApiTokenRow>, StoreError> {
    Ok(E::find()
        .filter(C::TenantId.eq(tenant.0))
        .order_by_desc(C::CreatedAt)
        .order_by_asc(C::Id)
        .all(db)
        .await?)
}

pub async fn find_in_tenant(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<ApiTokenRow>, StoreError> {
    Ok(E::find_by_id(id)
        .filter(C::TenantId.eq(tenant.0))
        .one(db)
        .await?)
}

pub async fn find_by_hash(
    db: &impl ConnectionTrait,
    secret_hash: &str,
) -> Result<Option<ApiTokenRow>, StoreError> {
    Ok(E::find()
        .filter(C::SecretHash.eq(secret_hash))
        .one(db)
        .await?)
}

/// Marks the token revoked unless it already is; whether this call revoked it.
pub async fn revoke(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = E::update_many()
        .col_expr(C::RevokedAt, Expr::value(at))
        .col_expr(C::RevokedBy, Expr::value(by.0))
        .filter(C::Id.eq(id))
        .filter(C::TenantId.eq(tenant.0))
        .filter(C::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Records a use; at most once per `every`, so that a busy integration does not write on every
/// request.
pub async fn touch(
    db: &impl ConnectionTrait,
    id: Uuid,
    at: DateTime<Utc>,
    every: chrono::Duration,
) -> Result<(), StoreError> {
    E::update_many()
        .col_expr(C::LastUsedAt, Expr::value(at))
        .filter(C::Id.eq(id))
        .filter(
            sea_orm::Condition::any()
                .add(C::LastUsedAt.is_null())
                .add(C::LastUsedAt.lt(at - every)),
        )
        .exec(db)
        .await?;
    Ok(())
}

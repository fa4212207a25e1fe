//! Reads and writes on the control plane, returning domain-typed rows.

use super::{membership, tenant, user};
use crate::StoreError;
use chrono::{DateTime, Utc};
use kurator_domain::{LoginName, Role, TenantId, TenantSlug, UserId};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct TenantRow {
    pub id: TenantId,
    pub slug: TenantSlug,
    pub name_ru: String,
    pub name_kk: String,
    pub name_en: String,
    pub preset: String,
    pub database_url: String,
    pub time_zone: String,
    pub created_at: DateTime<Utc>,
    /// Where its data lives: a placement named in the platform's configuration.
    pub placement: String,
    pub suspended_at: Option<DateTime<Utc>>,
}

impl TenantRow {
    pub fn is_suspended(&self) -> bool {
        self.suspended_at.is_some()
    }
}

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: UserId,
    pub login: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub is_platform_admin: bool,
    /// Compares organisations on their published figures; a member of none.
    pub is_platform_methodologist: bool,
    pub is_active: bool,
    /// Recorded when the person was invited (lower-case).
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipRow {
    pub tenant_id: TenantId,
    pub role: Role,
}

pub struct NewTenant<'a> {
    pub id: TenantId,
    pub slug: &'a TenantSlug,
    pub name_ru: &'a str,
    pub name_kk: &'a str,
    pub name_en: &'a str,
    pub preset: &'a str,
    pub database_url: &'a str,
    pub time_zone: &'a str,
    pub placement: &'a str,
}

pub struct NewUser<'a> {
    pub login: &'a LoginName,
    pub display_name: &'a str,
    pub password_hash: Option<&'a str>,
    pub is_platform_admin: bool,
    /// Lower-case; see [`UserRow::email`].
    pub email: Option<&'a str>,
}

fn tenant_row(model: tenant::Model) -> Result<TenantRow, StoreError> {
    let slug = TenantSlug::parse(&model.slug)
        .map_err(|e| StoreError::Conflict(format!("stored tenant slug is invalid: {e}")))?;
    Ok(TenantRow {
        id: TenantId(model.id),
        slug,
        name_ru: model.name_ru,
        name_kk: model.name_kk,
        name_en: model.name_en,
        preset: model.preset,
        database_url: model.database_url,
        time_zone: model.time_zone,
        created_at: model.created_at,
        placement: model.placement,
        suspended_at: model.suspended_at,
    })
}

fn user_row(model: user::Model) -> UserRow {
    UserRow {
        id: UserId(model.id),
        login: model.login,
        display_name: model.display_name,
        password_hash: model.password_hash,
        is_platform_admin: model.is_platform_admin,
        is_platform_methodologist: model.is_platform_methodologist,
        is_active: model.is_active,
        email: model.email,
    }
}

#[tracing::instrument(skip_all)]
pub async fn list_tenants(db: &impl ConnectionTrait) -> Result<Vec<TenantRow>, StoreError> {
    tenant::Entity::find()
        .order_by_asc(tenant::Column::Slug)
        .all(db)
        .await?
        .into_iter()
        .map(tenant_row)
        .collect()
}

#[tracing::instrument(skip_all, fields(tenant = %slug))]
pub async fn find_tenant_by_slug(
    db: &impl ConnectionTrait,
    slug: &TenantSlug,
) -> Result<Option<TenantRow>, StoreError> {
    tenant::Entity::find()
        .filter(tenant::Column::Slug.eq(slug.as_str()))
        .one(db)
        .await?
        .map(tenant_row)
        .transpose()
}

#[tracing::instrument(skip_all, fields(tenant = %new.slug))]
pub async fn insert_tenant(
    db: &impl ConnectionTrait,
    new: NewTenant<'_>,
) -> Result<TenantRow, StoreError> {
    let model = tenant::ActiveModel {
        id: Set(new.id.0),
        slug: Set(new.slug.as_str().to_owned()),
        name_ru: Set(new.name_ru.to_owned()),
        name_kk: Set(new.name_kk.to_owned()),
        name_en: Set(new.name_en.to_owned()),
        preset: Set(new.preset.to_owned()),
        database_url: Set(new.database_url.to_owned()),
        time_zone: Set(new.time_zone.to_owned()),
        created_at: Set(Utc::now()),
        placement: Set(new.placement.to_owned()),
        suspended_at: Set(None),
    };
    tenant_row(
        tenant::Entity::insert(model)
            .exec_with_returning(db)
            .await?,
    )
}

#[tracing::instrument(skip_all, fields(tenant = %id))]
pub async fn find_tenant(
    db: &impl ConnectionTrait,
    id: TenantId,
) -> Result<Option<TenantRow>, StoreError> {
    tenant::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .map(tenant_row)
        .transpose()
}

/// Suspends (`Some(at)`) or resumes (`None`) an organisation; the row as it is now.
#[tracing::instrument(skip_all, fields(tenant = %id))]
pub async fn set_tenant_suspended(
    db: &impl ConnectionTrait,
    id: TenantId,
    at: Option<DateTime<Utc>>,
) -> Result<Option<TenantRow>, StoreError> {
    tenant::Entity::update_many()
        .col_expr(
            tenant::Column::SuspendedAt,
            sea_orm::sea_query::Expr::value(at),
        )
        .filter(tenant::Column::Id.eq(id.0))
        .exec(db)
        .await?;
    find_tenant(db, id).await
}

#[tracing::instrument(skip_all)]
pub async fn find_user_by_login(
    db: &impl ConnectionTrait,
    login: &LoginName,
) -> Result<Option<UserRow>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::Login.eq(login.as_str()))
        .one(db)
        .await?
        .map(user_row))
}

#[tracing::instrument(skip_all, fields(user = %id))]
pub async fn find_user(
    db: &impl ConnectionTrait,
    id: UserId,
) -> Result<Option<UserRow>, StoreError> {
    Ok(user::Entity::find_by_id(id.0).one(db).await?.map(user_row))
}

/// The logins of the people `ids` (those that exist), by id.
#[tracing::instrument(skip_all, fields(count = ids.len()))]
pub async fn logins_of(
    db: &impl ConnectionTrait,
    ids: &[UserId],
) -> Result<HashMap<UserId, String>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().map(|id| id.0)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (UserId(u.id), u.login))
        .collect())
}

#[tracing::instrument(skip_all)]
pub async fn insert_user(
    db: &impl ConnectionTrait,
    new: NewUser<'_>,
) -> Result<UserRow, StoreError> {
    let model = user::ActiveModel {
        id: Set(UserId::new().0),
        login: Set(new.login.as_str().to_owned()),
        display_name: Set(new.display_name.to_owned()),
        password_hash: Set(new.password_hash.map(str::to_owned)),
        is_platform_admin: Set(new.is_platform_admin),
        is_platform_methodologist: Set(false),
        email: Set(new.email.map(str::to_owned)),
        is_active: Set(true),
        version: Set(1),
        created_at: Set(Utc::now()),
    };
    Ok(user_row(
        user::Entity::insert(model).exec_with_returning(db).await?,
    ))
}

/// Makes a person a methodologist of the platform, or no longer one.
#[tracing::instrument(skip_all, fields(user = %id))]
pub async fn set_platform_methodologist(
    db: &impl ConnectionTrait,
    id: UserId,
    methodologist: bool,
) -> Result<(), StoreError> {
    user::Entity::update_many()
        .col_expr(
            user::Column::IsPlatformMethodologist,
            sea_orm::sea_query::Expr::value(methodologist),
        )
        .filter(user::Column::Id.eq(id.0))
        .exec(db)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(user = %user_id, tenant = %tenant_id, role = %role))]
pub async fn insert_membership(
    db: &impl ConnectionTrait,
    user_id: UserId,
    tenant_id: TenantId,
    role: Role,
) -> Result<(), StoreError> {
    let model = membership::ActiveModel {
        user_id: Set(user_id.0),
        tenant_id: Set(tenant_id.0),
        role: Set(role.as_str().to_owned()),
        created_at: Set(Utc::now()),
    };
    membership::Entity::insert(model)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(user = %user_id))]
pub async fn memberships_of(
    db: &impl ConnectionTrait,
    user_id: UserId,
) -> Result<Vec<MembershipRow>, StoreError> {
    // A suspended organisation's roles reach nobody while it stays suspended.
    let suspended = sea_orm::sea_query::Query::select()
        .column(tenant::Column::Id)
        .from(tenant::Entity)
        .and_where(tenant::Column::SuspendedAt.is_not_null())
        .to_owned();
    let rows = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id.0))
        .filter(membership::Column::TenantId.not_in_subquery(suspended))
        .order_by_asc(membership::Column::TenantId)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|row| {
            let role = Role::parse(&row.role)
                .map_err(|e| StoreError::Conflict(format!("stored role is invalid: {e}")))?;
            Ok(MembershipRow {
                tenant_id: TenantId(row.tenant_id),
                role,
            })
        })
        .collect()
}

/// Users who hold any role in `tenant_id`, with their roles.
#[tracing::instrument(skip_all, fields(tenant = %tenant_id))]
pub async fn members_of_tenant(
    db: &impl ConnectionTrait,
    tenant_id: TenantId,
) -> Result<Vec<(UserRow, Vec<Role>)>, StoreError> {
    let rows = membership::Entity::find()
        .filter(membership::Column::TenantId.eq(tenant_id.0))
        .all(db)
        .await?;
    let mut roles: HashMap<uuid::Uuid, Vec<Role>> = HashMap::new();
    for row in rows {
        if let Ok(role) = Role::parse(&row.role) {
            roles.entry(row.user_id).or_default().push(role);
        }
    }
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(roles.keys().copied()))
        .order_by_asc(user::Column::Login)
        .all(db)
        .await?;
    Ok(users
        .into_iter()
        .map(|u| {
            let r = roles.remove(&u.id).unwrap_or_default();
            (user_row(u), r)
        })
        .collect())
}

#[tracing::instrument(skip_all, fields(user = %user_id, tenant = %tenant_id, role = %role))]
pub async fn delete_membership(
    db: &impl ConnectionTrait,
    user_id: UserId,
    tenant_id: TenantId,
    role: Role,
) -> Result<bool, StoreError> {
    let deleted = membership::Entity::delete_many()
        .filter(membership::Column::UserId.eq(user_id.0))
        .filter(membership::Column::TenantId.eq(tenant_id.0))
        .filter(membership::Column::Role.eq(role.as_str()))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected > 0)
}

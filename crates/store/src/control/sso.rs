//! Single sign-on in the control plane: each organisation's provider settings and the accounts
//! bound to a provider's (issuer, subject).

use crate::StoreError;
use chrono::{DateTime, Utc};
use kurator_domain::{TenantId, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ConnectionTrait, QueryFilter};

pub mod organisation_sso {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "organisation_sso")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        pub label: String,
        pub issuer: String,
        pub client_id: String,
        pub client_secret_sealed: String,
        pub email_claim: String,
        pub name_claim: String,
        pub allowed_domains: String,
        pub password_roles: String,
        pub address_allowlist: String,
        pub metadata: String,
        pub jwks: String,
        pub discovered_at: DateTimeUtc,
        pub version: i32,
        pub updated_by: Uuid,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod sso_identity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sso_identities")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub issuer: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub subject: String,
        pub user_id: Uuid,
        pub tenant_id: Uuid,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

/// An organisation's provider settings as stored; lists are JSON arrays of strings.
#[derive(Debug, Clone)]
pub struct SsoRow {
    pub tenant_id: TenantId,
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret_sealed: String,
    pub email_claim: String,
    pub name_claim: String,
    pub allowed_domains: Vec<String>,
    pub password_roles: Vec<String>,
    pub address_allowlist: Vec<String>,
    pub metadata: String,
    pub jwks: String,
    pub discovered_at: DateTime<Utc>,
    pub version: i32,
    pub updated_by: UserId,
    pub updated_at: DateTime<Utc>,
}

fn list(value: &str) -> Vec<String> {
    serde_json::from_str(value).unwrap_or_default()
}

fn json_list(values: &[String]) -> String {
    serde_json::Value::from(values.to_vec()).to_string()
}

fn row(model: organisation_sso::Model) -> SsoRow {
    SsoRow {
        tenant_id: TenantId(model.tenant_id),
        allowed_domains: list(&model.allowed_domains),
        password_roles: list(&model.password_roles),
        address_allowlist: list(&model.address_allowlist),
        label: model.label,
        issuer: model.issuer,
        client_id: model.client_id,
        client_secret_sealed: model.client_secret_sealed,
        email_claim: model.email_claim,
        name_claim: model.name_claim,
        metadata: model.metadata,
        jwks: model.jwks,
        discovered_at: model.discovered_at,
        version: model.version,
        updated_by: UserId(model.updated_by),
        updated_at: model.updated_at,
    }
}

/// The organisation's provider settings, if it has single sign-on.
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub async fn settings_of(
    db: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Option<SsoRow>, StoreError> {
    Ok(organisation_sso::Entity::find_by_id(tenant.0)
        .one(db)
        .await?
        .map(row))
}

/// The provider settings of each of `tenants` that has single sign-on.
#[tracing::instrument(skip_all)]
pub async fn settings_of_many(
    db: &impl ConnectionTrait,
    tenants: &[TenantId],
) -> Result<Vec<SsoRow>, StoreError> {
    Ok(organisation_sso::Entity::find()
        .filter(organisation_sso::Column::TenantId.is_in(tenants.iter().map(|t| t.0)))
        .all(db)
        .await?
        .into_iter()
        .map(row)
        .collect())
}

/// Writes the settings when `expected_version` is the stored one (`0`: none stored yet); the
/// saved row carries the next version. A stale version is [`StoreError::Stale`].
#[tracing::instrument(skip_all, fields(tenant = %new.tenant_id))]
pub async fn save(
    db: &impl ConnectionTrait,
    new: &SsoRow,
    expected_version: i32,
) -> Result<SsoRow, StoreError> {
    use organisation_sso::Column as C;
    let current = settings_of(db, new.tenant_id).await?;
    let current_version = current.as_ref().map_or(0, |c| c.version);
    if current_version != expected_version {
        return Err(StoreError::Stale {
            current: current_version,
        });
    }
    let model = organisation_sso::ActiveModel {
        tenant_id: Set(new.tenant_id.0),
        label: Set(new.label.clone()),
        issuer: Set(new.issuer.clone()),
        client_id: Set(new.client_id.clone()),
        client_secret_sealed: Set(new.client_secret_sealed.clone()),
        email_claim: Set(new.email_claim.clone()),
        name_claim: Set(new.name_claim.clone()),
        allowed_domains: Set(json_list(&new.allowed_domains)),
        password_roles: Set(json_list(&new.password_roles)),
        address_allowlist: Set(json_list(&new.address_allowlist)),
        metadata: Set(new.metadata.clone()),
        jwks: Set(new.jwks.clone()),
        discovered_at: Set(new.discovered_at),
        version: Set(expected_version + 1),
        updated_by: Set(new.updated_by.0),
        updated_at: Set(new.updated_at),
    };
    if current.is_none() {
        organisation_sso::Entity::insert(model)
            .exec_without_returning(db)
            .await?;
    } else {
        let updated = organisation_sso::Entity::update_many()
            .set(model)
            .filter(C::TenantId.eq(new.tenant_id.0))
            .filter(C::Version.eq(expected_version))
            .exec(db)
            .await?;
        if updated.rows_affected == 0 {
            return Err(StoreError::Stale {
                current: current_version,
            });
        }
    }
    settings_of(db, new.tenant_id)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Turns single sign-on off for the organisation (the bound accounts stay bound).
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub async fn remove(db: &impl ConnectionTrait, tenant: TenantId) -> Result<bool, StoreError> {
    let deleted = organisation_sso::Entity::delete_many()
        .filter(organisation_sso::Column::TenantId.eq(tenant.0))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected > 0)
}

/// The account bound to `(issuer, subject)`, and the organisation it was bound through.
#[tracing::instrument(skip_all)]
pub async fn bound_account(
    db: &impl ConnectionTrait,
    issuer: &str,
    subject: &str,
) -> Result<Option<(UserId, TenantId)>, StoreError> {
    Ok(
        sso_identity::Entity::find_by_id((issuer.to_owned(), subject.to_owned()))
            .one(db)
            .await?
            .map(|m| (UserId(m.user_id), TenantId(m.tenant_id))),
    )
}

/// Binds `(issuer, subject)` to `user`; a binding that exists already is left as it is.
#[tracing::instrument(skip_all, fields(user = %user))]
pub async fn bind(
    db: &impl ConnectionTrait,
    issuer: &str,
    subject: &str,
    user: UserId,
    tenant: TenantId,
) -> Result<(), StoreError> {
    use sso_identity::Column as C;
    let model = sso_identity::ActiveModel {
        issuer: Set(issuer.to_owned()),
        subject: Set(subject.to_owned()),
        user_id: Set(user.0),
        tenant_id: Set(tenant.0),
        created_at: Set(Utc::now()),
    };
    sso_identity::Entity::insert(model)
        .on_conflict(
            OnConflict::columns([C::Issuer, C::Subject])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The members of `tenant` whose recorded e-mail is `email` (lower-case).
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub async fn members_with_email(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    email: &str,
) -> Result<Vec<UserId>, StoreError> {
    use super::{membership, user};
    let members = sea_orm::sea_query::Query::select()
        .column(membership::Column::UserId)
        .from(membership::Entity)
        .and_where(membership::Column::TenantId.eq(tenant.0))
        .to_owned();
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .filter(user::Column::Id.in_subquery(members))
        .all(db)
        .await?
        .into_iter()
        .map(|u| UserId(u.id))
        .collect())
}

/// Records the e-mail an administrator invited a person with (lower-case; `None` clears it).
#[tracing::instrument(skip_all, fields(user = %user))]
pub async fn set_email(
    db: &impl ConnectionTrait,
    user: UserId,
    email: Option<&str>,
) -> Result<(), StoreError> {
    use super::user as u;
    u::Entity::update_many()
        .col_expr(u::Column::Email, Expr::value(email.map(str::to_owned)))
        .filter(u::Column::Id.eq(user.0))
        .exec(db)
        .await?;
    Ok(())
}

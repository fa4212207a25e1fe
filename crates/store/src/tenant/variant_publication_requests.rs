//! A pending request to publish the organisation's variant draft, under the four-eyes rule: read,
//! and replaced by the next request. Whether it still holds (its draft version is the current one)
//! is the casework service's to decide.

use crate::tenant::entities::variant_publication_request;
use crate::{StoreError, TenantTx};
use chrono::Utc;
use kurator_domain::UserId;
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;

pub use variant_publication_request::Model as PublicationRequestRow;

/// The latest request, if one was ever made.
#[tracing::instrument(skip_all)]
pub async fn get(tx: &TenantTx) -> Result<Option<PublicationRequestRow>, StoreError> {
    Ok(
        variant_publication_request::Entity::find_by_id(tx.tenant_id().0)
            .filter(variant_publication_request::Column::TenantId.eq(tx.tenant_id().0))
            .one(tx.conn())
            .await?,
    )
}

/// Records that `by` asks to publish draft version `draft_version`, replacing any earlier request.
#[tracing::instrument(skip_all)]
pub async fn put(
    tx: &TenantTx,
    draft_version: i32,
    by: UserId,
) -> Result<PublicationRequestRow, StoreError> {
    let model = variant_publication_request::ActiveModel {
        tenant_id: Set(tx.tenant_id().0),
        draft_version: Set(draft_version),
        requested_by: Set(by.0),
        requested_at: Set(Utc::now()),
    };
    if get(tx).await?.is_some() {
        variant_publication_request::Entity::update_many()
            .set(model)
            .filter(variant_publication_request::Column::TenantId.eq(tx.tenant_id().0))
            .exec(tx.conn())
            .await?;
    } else {
        variant_publication_request::Entity::insert(model)
            .exec_without_returning(tx.conn())
            .await?;
    }
    get(tx).await?.ok_or(StoreError::NotFound)
}

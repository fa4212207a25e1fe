//! What a person chose for the messages Kurator sends them: language and e-mail.

use crate::StoreError;
use chrono::Utc;
use kurator_domain::UserId;
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;

pub mod user_preference {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "user_preferences")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        /// `ru`, `kk` or `en`.
        pub language: String,
        pub email: Option<String>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub use user_preference::Model as PreferenceRow;

/// The preferences of the given people (those who never chose have none).
pub async fn of_users(
    db: &impl ConnectionTrait,
    users: &[Uuid],
) -> Result<Vec<PreferenceRow>, StoreError> {
    Ok(user_preference::Entity::find()
        .filter(user_preference::Column::UserId.is_in(users.iter().copied()))
        .all(db)
        .await?)
}

pub async fn get(
    db: &impl ConnectionTrait,
    user: UserId,
) -> Result<Option<PreferenceRow>, StoreError> {
    Ok(user_preference::Entity::find_by_id(user.0).one(db).await?)
}

/// Sets a person's language and e-mail.
pub async fn set(
    db: &impl ConnectionTrait,
    user: UserId,
    language: &str,
    email: Option<&str>,
) -> Result<PreferenceRow, StoreError> {
    use user_preference::Column as P;
    let model = user_preference::ActiveModel {
        user_id: Set(user.0),
        language: Set(language.to_owned()),
        email: Set(email.map(str::to_owned)),
        updated_at: Set(Utc::now()),
    };
    user_preference::Entity::insert(model)
        .on_conflict(
            OnConflict::column(P::UserId)
                .update_columns([P::Language, P::Email, P::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    get(db, user).await?.ok_or(StoreError::NotFound)
}

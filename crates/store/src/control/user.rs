//! A person who signs in.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub login: String,
    pub display_name: String,
    /// Argon2id PHC string; `None` for accounts that sign in only through single sign-on.
    pub password_hash: Option<String>,
    pub is_platform_admin: bool,
    /// A methodologist of the platform: compares organisations on their published figures,
    /// belongs to none of them.
    pub is_platform_methodologist: bool,
    /// The e-mail an administrator recorded when inviting the person: a first single sign-on is
    /// linked to this account by it (lower-case).
    pub email: Option<String>,
    pub is_active: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

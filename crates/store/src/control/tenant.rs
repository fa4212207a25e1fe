//! A row of the tenant registry: one organisation and where its database lives.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name_ru: String,
    pub name_kk: String,
    pub name_en: String,
    /// The method variant preset the tenant started from (`fund`, `clinic`, …).
    pub preset: String,
    /// A secret: may carry credentials. Never logged.
    pub database_url: String,
    pub time_zone: String,
    pub created_at: DateTimeUtc,
    /// The configured placement (database server or region) the tenant's database was made on.
    pub placement: String,
    /// Set while the organisation is suspended: its data is kept and nobody reaches it.
    pub suspended_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

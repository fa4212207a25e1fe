//! Methodologists of the platform («методист платформы»): people who compare organisations on
//! their published, disclosure-controlled figures. They belong to no organisation — a
//! methodologist working across organisations is not a member of each — and see no case data.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    IsPlatformMethodologist,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(boolean(Users::IsPlatformMethodologist).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::IsPlatformMethodologist)
                    .to_owned(),
            )
            .await
    }
}

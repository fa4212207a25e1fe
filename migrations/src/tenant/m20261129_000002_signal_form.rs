//! The intake form a signal is registered with, where the organisation's variant names one
//! (the clinic's Appendix 1 «Форма обращения за помощью»): its sections and fields as filled in.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Signals {
    Table,
    Form,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Signals::Table)
                    .add_column(json_binary_null(Signals::Form))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Signals::Table)
                    .drop_column(Signals::Form)
                    .to_owned(),
            )
            .await
    }
}

//! What a person chose for the messages Kurator sends them: the language (Russian by default,
//! Kazakh or English) and an e-mail address for reminders and digests (none: in-app only).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UserPreferences {
    Table,
    UserId,
    Language,
    Email,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UserPreferences::Table)
                    .col(uuid(UserPreferences::UserId).primary_key())
                    .col(string_len(UserPreferences::Language, 8).default("ru"))
                    .col(string_len_null(UserPreferences::Email, 254))
                    .col(timestamp_with_time_zone(UserPreferences::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserPreferences::Table, UserPreferences::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UserPreferences::Table).to_owned())
            .await
    }
}

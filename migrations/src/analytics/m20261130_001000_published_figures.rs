//! The analytics store's tables: the organisations that publish, the indicators each shares,
//! and the published tables with their revisions.

use crate::rls::{ensure_app_role, grant_to_app};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AnalyticsOrganisations {
    Table,
    OrganisationId,
    /// The organisation's name as methodologists see it.
    Name,
    /// The method variant it works by (its name), so a reader knows whose method a figure follows.
    Variant,
    /// Whether the organisation shares its figures at all (its administrator's consent).
    Sharing,
    /// When its figures were last computed without error: «данные на …».
    DataAsOf,
    LastAttemptAt,
    /// The last computation failed: the figures shown are the last good ones.
    Stale,
}

#[derive(DeriveIden)]
enum AnalyticsSharedIndicators {
    Table,
    OrganisationId,
    Indicator,
}

#[derive(DeriveIden)]
enum AnalyticsTables {
    Table,
    Id,
    OrganisationId,
    Indicator,
    Version,
    /// `YYYY-MM`, the organisation's calendar month.
    Month,
    /// The stratification the table is broken down by (`none`: the total alone).
    Stratum,
    /// 0 while the month is provisional (replaced every night); from 1 once it closed, each
    /// change a new revision beside the earlier ones.
    Revision,
    Provisional,
    /// The protected table as published (`kurator_analytics::disclosure::Publication`, JSON).
    Publication,
    ComputedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AnalyticsOrganisations::Table)
                    .if_not_exists()
                    .col(uuid(AnalyticsOrganisations::OrganisationId).primary_key())
                    .col(string(AnalyticsOrganisations::Name))
                    .col(string(AnalyticsOrganisations::Variant))
                    .col(boolean(AnalyticsOrganisations::Sharing).default(false))
                    .col(timestamp_with_time_zone_null(
                        AnalyticsOrganisations::DataAsOf,
                    ))
                    .col(timestamp_with_time_zone_null(
                        AnalyticsOrganisations::LastAttemptAt,
                    ))
                    .col(boolean(AnalyticsOrganisations::Stale).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AnalyticsSharedIndicators::Table)
                    .if_not_exists()
                    .col(uuid(AnalyticsSharedIndicators::OrganisationId))
                    .col(string(AnalyticsSharedIndicators::Indicator))
                    .primary_key(
                        Index::create()
                            .col(AnalyticsSharedIndicators::OrganisationId)
                            .col(AnalyticsSharedIndicators::Indicator),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AnalyticsTables::Table)
                    .if_not_exists()
                    .col(uuid(AnalyticsTables::Id).primary_key())
                    .col(uuid(AnalyticsTables::OrganisationId))
                    .col(string(AnalyticsTables::Indicator))
                    .col(integer(AnalyticsTables::Version))
                    .col(string_len(AnalyticsTables::Month, 7))
                    .col(string(AnalyticsTables::Stratum))
                    .col(integer(AnalyticsTables::Revision))
                    .col(boolean(AnalyticsTables::Provisional))
                    .col(json(AnalyticsTables::Publication))
                    .col(timestamp_with_time_zone(AnalyticsTables::ComputedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("analytics_tables_revision")
                    .table(AnalyticsTables::Table)
                    .col(AnalyticsTables::OrganisationId)
                    .col(AnalyticsTables::Indicator)
                    .col(AnalyticsTables::Version)
                    .col(AnalyticsTables::Month)
                    .col(AnalyticsTables::Revision)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("analytics_tables_by_indicator")
                    .table(AnalyticsTables::Table)
                    .col(AnalyticsTables::Indicator)
                    .col(AnalyticsTables::Month)
                    .to_owned(),
            )
            .await?;
        ensure_app_role(manager).await?;
        for table in [
            "analytics_organisations",
            "analytics_shared_indicators",
            "analytics_tables",
        ] {
            grant_to_app(manager, table, "SELECT, INSERT, UPDATE, DELETE").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AnalyticsTables::Table.into_iden(),
            AnalyticsSharedIndicators::Table.into_iden(),
            AnalyticsOrganisations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

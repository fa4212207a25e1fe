//! A published table is one per organisation, indicator version, period **and stratum**: a year
//! is published by its months and, beside them, broken down by the children's sex and age band,
//! each with its own revisions.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AnalyticsTables {
    Table,
    OrganisationId,
    Indicator,
    Version,
    Month,
    Stratum,
    Revision,
}

fn revision_index(name: &str, stratum: bool) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(name)
        .table(AnalyticsTables::Table)
        .col(AnalyticsTables::OrganisationId)
        .col(AnalyticsTables::Indicator)
        .col(AnalyticsTables::Version)
        .col(AnalyticsTables::Month);
    if stratum {
        index.col(AnalyticsTables::Stratum);
    }
    index.col(AnalyticsTables::Revision).unique().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("analytics_tables_revision")
                    .table(AnalyticsTables::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(revision_index("analytics_tables_stratum_revision", true))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("analytics_tables_stratum_revision")
                    .table(AnalyticsTables::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(revision_index("analytics_tables_revision", false))
            .await
    }
}

//! Migrations of the analytics store («хранилище аналитики»): a database of its own, holding
//! only what organisations published through disclosure control — per organisation, indicator
//! version, month and stratum, the protected table — and each organisation's consent and
//! freshness. It holds no identifier of a person, no date finer than a month, no free text.

use sea_orm_migration::prelude::*;

mod m20261130_001000_published_figures;
mod m20261201_001000_revisions_per_stratum;

pub struct AnalyticsMigrator;

#[async_trait::async_trait]
impl MigratorTrait for AnalyticsMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261130_001000_published_figures::Migration),
            Box::new(m20261201_001000_revisions_per_stratum::Migration),
        ]
    }
}

//! The analytics store («хранилище аналитики»): a database of its own that keeps only what
//! organisations published through disclosure control — per organisation, indicator version,
//! month and stratum, the protected table ([`Publication`]) — with each organisation's consent
//! and freshness. The store never connects to an organisation's database: organisations push
//! their publications into it ([`AnalyticsStore::publish`]); methodologists read it.
//!
//! **Revisions.** A month is provisional until it closes on the 10th of the next month; its
//! table is replaced every night (revision 0). Once closed, the first publication is revision 1
//! and every later change a new revision beside the earlier ones — all revisions are kept, and
//! readers take the latest.
//!
//! **Consent.** What an organisation does not share is not kept: withdrawing an indicator (or
//! sharing altogether) removes its tables at the next publication.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, Condition, DatabaseConnection, QueryOrder, TransactionTrait};
use std::collections::BTreeSet;
use uuid::Uuid;

use crate::disclosure::Publication;

pub mod organisation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "analytics_organisations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub organisation_id: Uuid,
        pub name: String,
        pub variant: String,
        pub sharing: bool,
        pub data_as_of: Option<DateTimeUtc>,
        pub last_attempt_at: Option<DateTimeUtc>,
        pub stale: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod shared_indicator {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "analytics_shared_indicators")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub organisation_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub indicator: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod table {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "analytics_tables")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organisation_id: Uuid,
        pub indicator: String,
        pub version: i32,
        pub month: String,
        pub stratum: String,
        pub revision: i32,
        pub provisional: bool,
        pub publication: Json,
        pub computed_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The store could not be read or written, or holds what it should not.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error("a stored publication cannot be read: {0}")]
    Malformed(String),
}

/// One table an organisation publishes.
#[derive(Debug, Clone)]
pub struct NewTable {
    pub indicator: String,
    pub version: u32,
    /// `YYYY-MM`.
    pub month: String,
    pub stratum: String,
    /// Whether the month has closed (the 10th of the next month has passed in the
    /// organisation's time zone).
    pub closed: bool,
    pub publication: Publication,
}

/// Everything an organisation publishes in one run.
#[derive(Debug, Clone)]
pub struct Batch {
    pub organisation_id: Uuid,
    pub name: String,
    pub variant: String,
    /// The administrator's consent to share at all.
    pub sharing: bool,
    /// The indicators the administrator chose to share (ignored without `sharing`).
    pub shared: Vec<String>,
    /// The tables of the shared indicators.
    pub tables: Vec<NewTable>,
    pub at: DateTime<Utc>,
}

/// What one publication changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Published {
    /// Provisional months replaced.
    pub provisional: usize,
    /// Closed months given a new revision (the first included).
    pub revisions: usize,
    /// Closed months whose latest revision already says the same.
    pub unchanged: usize,
    /// Tables removed because their indicator is no longer shared.
    pub withdrawn: u64,
}

/// An organisation as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
    pub variant: String,
    pub sharing: bool,
    pub shared: BTreeSet<String>,
    /// «данные на …»: when its figures were last computed without error.
    pub data_as_of: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The last computation failed; the figures kept are the last good ones.
    pub stale: bool,
}

/// A stored table.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTable {
    pub organisation_id: Uuid,
    pub indicator: String,
    pub version: u32,
    pub month: String,
    pub stratum: String,
    pub revision: u32,
    pub provisional: bool,
    pub publication: Publication,
    pub computed_at: DateTime<Utc>,
}

fn stored(model: table::Model) -> Result<StoredTable, StoreError> {
    let publication = serde_json::from_value(model.publication)
        .map_err(|e| StoreError::Malformed(e.to_string()))?;
    Ok(StoredTable {
        organisation_id: model.organisation_id,
        indicator: model.indicator,
        version: u32::try_from(model.version).unwrap_or(0),
        month: model.month,
        stratum: model.stratum,
        revision: u32::try_from(model.revision).unwrap_or(0),
        provisional: model.provisional,
        publication,
        computed_at: model.computed_at,
    })
}

fn as_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The analytics store over its own database connection.
#[derive(Debug, Clone)]
pub struct AnalyticsStore {
    db: DatabaseConnection,
}

impl AnalyticsStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Writes one organisation's publication in one transaction: its consent, its freshness,
    /// the removal of what it no longer shares, and each table — a provisional month replaced,
    /// a closed month given a new revision when it changed.
    #[tracing::instrument(skip_all, fields(organisation = %batch.organisation_id))]
    pub async fn publish(&self, batch: &Batch) -> Result<Published, StoreError> {
        let org = batch.organisation_id;
        let shared: BTreeSet<&str> = if batch.sharing {
            batch.shared.iter().map(String::as_str).collect()
        } else {
            BTreeSet::new()
        };
        let tx = self.db.begin().await?;
        upsert_organisation(&tx, batch, true).await?;
        shared_indicator::Entity::delete_many()
            .filter(shared_indicator::Column::OrganisationId.eq(org))
            .exec(&tx)
            .await?;
        for indicator in &shared {
            shared_indicator::Entity::insert(shared_indicator::ActiveModel {
                organisation_id: Set(org),
                indicator: Set((*indicator).to_owned()),
            })
            .exec_without_returning(&tx)
            .await?;
        }
        let mut published = Published {
            withdrawn: table::Entity::delete_many()
                .filter(table::Column::OrganisationId.eq(org))
                .filter(table::Column::Indicator.is_not_in(shared.iter().copied()))
                .exec(&tx)
                .await?
                .rows_affected,
            ..Published::default()
        };
        for new in batch
            .tables
            .iter()
            .filter(|t| shared.contains(t.indicator.as_str()))
        {
            let same_month = Condition::all()
                .add(table::Column::OrganisationId.eq(org))
                .add(table::Column::Indicator.eq(new.indicator.as_str()))
                .add(table::Column::Version.eq(as_i32(new.version)))
                .add(table::Column::Month.eq(new.month.as_str()))
                .add(table::Column::Stratum.eq(new.stratum.as_str()));
            let publication = serde_json::to_value(&new.publication)
                .map_err(|e| StoreError::Malformed(e.to_string()))?;
            let row = |revision: i32, provisional: bool| table::ActiveModel {
                id: Set(Uuid::new_v4()),
                organisation_id: Set(org),
                indicator: Set(new.indicator.clone()),
                version: Set(as_i32(new.version)),
                month: Set(new.month.clone()),
                stratum: Set(new.stratum.clone()),
                revision: Set(revision),
                provisional: Set(provisional),
                publication: Set(publication.clone()),
                computed_at: Set(batch.at),
            };
            // The provisional table goes either way: replaced, or superseded by a revision.
            table::Entity::delete_many()
                .filter(same_month.clone())
                .filter(table::Column::Revision.eq(0))
                .exec(&tx)
                .await?;
            if !new.closed {
                table::Entity::insert(row(0, true))
                    .exec_without_returning(&tx)
                    .await?;
                published.provisional += 1;
                continue;
            }
            let latest = table::Entity::find()
                .filter(same_month)
                .order_by_desc(table::Column::Revision)
                .one(&tx)
                .await?;
            match latest {
                Some(latest) if latest.publication == publication => published.unchanged += 1,
                latest => {
                    let revision = latest.map_or(1, |l| l.revision + 1);
                    table::Entity::insert(row(revision, false))
                        .exec_without_returning(&tx)
                        .await?;
                    published.revisions += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(published)
    }

    /// Records that an organisation's computation failed at `at`: its last good figures stay,
    /// marked stale.
    #[tracing::instrument(skip_all, fields(organisation = %organisation_id))]
    pub async fn mark_stale(
        &self,
        organisation_id: Uuid,
        name: &str,
        variant: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let exists = organisation::Entity::find_by_id(organisation_id)
            .one(&self.db)
            .await?
            .is_some();
        if exists {
            organisation::Entity::update_many()
                .col_expr(organisation::Column::Stale, Expr::value(true))
                .col_expr(organisation::Column::LastAttemptAt, Expr::value(at))
                .filter(organisation::Column::OrganisationId.eq(organisation_id))
                .exec(&self.db)
                .await?;
        } else {
            organisation::Entity::insert(organisation::ActiveModel {
                organisation_id: Set(organisation_id),
                name: Set(name.to_owned()),
                variant: Set(variant.to_owned()),
                sharing: Set(false),
                data_as_of: Set(None),
                last_attempt_at: Set(Some(at)),
                stale: Set(true),
            })
            .exec_without_returning(&self.db)
            .await?;
        }
        Ok(())
    }

    /// Every organisation that ever published, by name.
    #[tracing::instrument(skip_all)]
    pub async fn organisations(&self) -> Result<Vec<Organisation>, StoreError> {
        let shared = shared_indicator::Entity::find().all(&self.db).await?;
        Ok(organisation::Entity::find()
            .order_by_asc(organisation::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|o| Organisation {
                shared: shared
                    .iter()
                    .filter(|s| s.organisation_id == o.organisation_id)
                    .map(|s| s.indicator.clone())
                    .collect(),
                id: o.organisation_id,
                name: o.name,
                variant: o.variant,
                sharing: o.sharing,
                data_as_of: o.data_as_of,
                last_attempt_at: o.last_attempt_at,
                stale: o.stale,
            })
            .collect())
    }

    /// The latest revision of every table of `indicator` (every version) for the months from
    /// `first` to `last` (`YYYY-MM`), of the organisations that share it.
    #[tracing::instrument(skip_all, fields(indicator))]
    pub async fn latest_tables(
        &self,
        indicator: &str,
        first: &str,
        last: &str,
    ) -> Result<Vec<StoredTable>, StoreError> {
        let sharing: BTreeSet<Uuid> = shared_indicator::Entity::find()
            .filter(shared_indicator::Column::Indicator.eq(indicator))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| s.organisation_id)
            .collect();
        let rows = table::Entity::find()
            .filter(table::Column::Indicator.eq(indicator))
            .filter(table::Column::Month.gte(first))
            .filter(table::Column::Month.lte(last))
            .filter(table::Column::OrganisationId.is_in(sharing.iter().copied()))
            .order_by_asc(table::Column::OrganisationId)
            .order_by_asc(table::Column::Version)
            .order_by_asc(table::Column::Month)
            .order_by_asc(table::Column::Stratum)
            .order_by_desc(table::Column::Revision)
            .all(&self.db)
            .await?;
        let mut latest: Vec<StoredTable> = Vec::new();
        for row in rows {
            let same = latest.last().is_some_and(|l| {
                l.organisation_id == row.organisation_id
                    && as_i32(l.version) == row.version
                    && l.month == row.month
                    && l.stratum == row.stratum
            });
            if !same {
                latest.push(stored(row)?);
            }
        }
        Ok(latest)
    }

    /// Every revision of one organisation's tables of `indicator` for `month`, by stratum,
    /// oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn revisions(
        &self,
        organisation_id: Uuid,
        indicator: &str,
        month: &str,
    ) -> Result<Vec<StoredTable>, StoreError> {
        table::Entity::find()
            .filter(table::Column::OrganisationId.eq(organisation_id))
            .filter(table::Column::Indicator.eq(indicator))
            .filter(table::Column::Month.eq(month))
            .order_by_asc(table::Column::Version)
            .order_by_asc(table::Column::Stratum)
            .order_by_asc(table::Column::Revision)
            .all(&self.db)
            .await?
            .into_iter()
            .map(stored)
            .collect()
    }
}

async fn upsert_organisation(
    tx: &sea_orm::DatabaseTransaction,
    batch: &Batch,
    good: bool,
) -> Result<(), DbErr> {
    let model = organisation::ActiveModel {
        organisation_id: Set(batch.organisation_id),
        name: Set(batch.name.clone()),
        variant: Set(batch.variant.clone()),
        sharing: Set(batch.sharing),
        data_as_of: Set(good.then_some(batch.at)),
        last_attempt_at: Set(Some(batch.at)),
        stale: Set(!good),
    };
    let exists = organisation::Entity::find_by_id(batch.organisation_id)
        .one(tx)
        .await?
        .is_some();
    if exists {
        organisation::Entity::update(model).exec(tx).await?;
    } else {
        organisation::Entity::insert(model)
            .exec_without_returning(tx)
            .await?;
    }
    Ok(())
}

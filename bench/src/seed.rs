//! Seeding the state centre straight into its database with bulk multi-row inserts in large
//! transactions, in the real schema: signals, cases (with their numbers), records, plan revisions
//! and actions, members, extra curators in the control plane and their method role — and each
//! case's open obligations in `case_obligations` and `cases.next_due_at`, and the results of those
//! that fell due or were met in `case_obligation_results`, computed with the method engine exactly
//! as the application keeps them ([`kurator_casework::obligations::open_obligations`] and
//! [`kurator_casework::obligations::fallen_due_results`] over
//! [`kurator_casework::deadlines::evaluate_and_fallen_due`]). The tenant grows in place while the
//! server runs.

use crate::history::{self, People, SeededCase};
use anyhow::{Context, bail};
use chrono::Utc;
use kurator_casework::{deadlines, obligations};
use kurator_method::Variant;
use kurator_method::calendar::Calendar;
use kurator_store::SqliteStatistics;
use kurator_store::control::{membership, tenant, user};
use kurator_store::tenant::entities::{
    case, case_member, case_number, case_obligation, case_obligation_result, case_record,
    case_search_term, plan_action, plan_revision, signal, staff_role, variant,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, TransactionTrait,
};
use std::time::Instant;
use uuid::Uuid;

/// Bind variables one statement may carry on both backends (SQLite allows 32 766).
const BINDS_PER_STATEMENT: usize = 30_000;
/// Cases written per transaction.
const CASES_PER_TRANSACTION: usize = 5_000;
/// Open cases the demo curator holds at every size (within the state centre's weighted caps:
/// 2 of 6 СОП, 4 of 12 ТЖС, 6 of 24 needing support) and closed ones behind them.
const DEMO_CURATOR_OPEN: [(&str, usize); 3] = [("sop", 2), ("tzhs", 4), ("needs_support", 6)];
const DEMO_CURATOR_CLOSED: usize = 8;
/// Open cases each other curator holds at most: about a full weighted load of the state centre
/// (6 СОП, 12 ТЖС or 24 needing support, mixed).
const ACTIVE_PER_CURATOR: usize = 9;
/// Families that wait for a curator at any moment.
const WAITING_FOR_A_CURATOR: usize = 30;

pub struct Seeder {
    control: DatabaseConnection,
    db: DatabaseConnection,
    /// Where the state centre's database is, for [`Seeder::tenant_writer`].
    tenant_url: String,
    people: People,
    variant: Variant,
    calendar: Calendar,
    demo_curator: Uuid,
    /// Curators the rest of the cases go to, in turn.
    curators: Vec<Uuid>,
    rng: StdRng,
    next_number: i64,
    /// Open cases held so far per curator (`None`: waiting for one).
    active_held: std::collections::HashMap<Option<Uuid>, usize>,
    pub seeded: usize,
    /// Every seeded case id, for case cards.
    pub case_ids: Vec<Uuid>,
    /// The organisation's cases not closed (its work in progress), for `recordContact`.
    pub active: Vec<Uuid>,
    pub obligations_written: usize,
    /// Results of obligations that fell due or were met, written so far.
    pub results_written: usize,
    pub records_written: usize,
}

/// What one growth step did.
pub struct Growth {
    pub cases: usize,
    pub records: usize,
    pub obligations: usize,
    pub results: usize,
    pub seconds: f64,
}

async fn user_id(control: &DatabaseConnection, login: &str) -> anyhow::Result<Uuid> {
    Ok(user::Entity::find()
        .filter(user::Column::Login.eq(login))
        .one(control)
        .await?
        .with_context(|| format!("the demo account {login} is missing"))?
        .id)
}

impl Seeder {
    /// Connects to the control plane (`control_url`) and the state centre's database, and adds
    /// `extra_curators` curators with the variant's family-curator role.
    pub async fn open(control_url: &str, extra_curators: usize) -> anyhow::Result<Self> {
        let control = kurator_store::connect(control_url, 2)
            .await
            .context("connecting to the control plane")?;
        let tenant = tenant::Entity::find()
            .filter(tenant::Column::Slug.eq(crate::client::TENANT))
            .one(&control)
            .await?
            .context("the state_centre organisation is missing (demo data not seeded?)")?;
        let tenant_url = tenant.database_url.clone();
        let db = kurator_store::connect(&tenant.database_url, 2)
            .await
            .context("connecting to the state centre's database")?;
        let published = variant::Entity::find()
            .filter(variant::Column::TenantId.eq(tenant.id))
            .order_by_desc(variant::Column::Version)
            .one(&db)
            .await?
            .context("the state centre has no published variant")?;
        let variant = Variant::from_json_str(&published.document.to_string())
            .map_err(|e| anyhow::anyhow!("the published variant does not load: {e}"))?;
        let calendar = Calendar::for_variant(&variant)
            .map_err(|e| anyhow::anyhow!("the variant's calendar: {e}"))?;
        let people = People {
            tenant_id: tenant.id,
            specialist: user_id(&control, "state_centre.specialist").await?,
            supervisor: user_id(&control, crate::client::SUPERVISOR).await?,
        };
        let demo_curator = user_id(&control, crate::client::CURATOR).await?;
        let mut curators = vec![user_id(&control, "state_centre.curator2").await?];
        curators.extend(add_curators(&control, &db, tenant.id, extra_curators).await?);
        let next_number = case_number::Entity::find_by_id(tenant.id)
            .one(&db)
            .await?
            .map_or(1, |row| row.last + 1);
        Ok(Self {
            control,
            db,
            tenant_url,
            people,
            variant,
            calendar,
            demo_curator,
            curators,
            rng: StdRng::seed_from_u64(20_261_129),
            next_number,
            active_held: std::collections::HashMap::new(),
            seeded: 0,
            case_ids: Vec::new(),
            active: Vec::new(),
            obligations_written: 0,
            results_written: 0,
            records_written: 0,
        })
    }

    /// Adds cases until the organisation holds `target` seeded cases.
    pub async fn grow_to(&mut self, target: usize) -> anyhow::Result<Growth> {
        let started = Instant::now();
        let (records_before, obligations_before, results_before) = (
            self.records_written,
            self.obligations_written,
            self.results_written,
        );
        let adding = target.saturating_sub(self.seeded);
        let mut left = adding;
        while left > 0 {
            let batch = left.min(CASES_PER_TRANSACTION);
            let cases = self.draw(batch);
            self.write(cases).await?;
            left -= batch;
        }
        // What PostgreSQL's autovacuum does after a bulk load, and what SQLite's `PRAGMA optimize`
        // does: the planner's statistics describe the data it plans for. On PostgreSQL the
        // vacuum is done here, before measuring, rather than by autovacuum in the middle of it,
        // and so is the checkpoint that writes the load's pages out: spread over the minutes
        // after it (`checkpoint_completion_target`), it would weigh on whatever is measured then.
        match self.db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                self.db.execute_unprepared("VACUUM ANALYZE").await?;
                self.db.execute_unprepared("CHECKPOINT").await?;
            }
            _ => {
                kurator_store::refresh_sqlite_statistics(&self.db, SqliteStatistics::All).await?;
            }
        }
        Ok(Growth {
            cases: adding,
            records: self.records_written - records_before,
            obligations: self.obligations_written - obligations_before,
            results: self.results_written - results_before,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// The next `count` cases. The first ones are the demo curator's fixed caseload.
    fn draw(&mut self, count: usize) -> Vec<SeededCase> {
        let now = Utc::now();
        let stages = self.variant.stages().len();
        let activity = self
            .variant
            .stages()
            .iter()
            .position(|s| s.key == "activity")
            .unwrap_or(0);
        let mut demo: Vec<history::Shape> = Vec::new();
        if self.seeded == 0 {
            for (category, n) in DEMO_CURATOR_OPEN {
                for i in 0..n {
                    demo.push(history::Shape {
                        stage: (i % (stages - 1).max(1)).min(activity + 1),
                        neglected: i % 3 == 0,
                        category,
                    });
                }
            }
            for i in 0..DEMO_CURATOR_CLOSED {
                demo.push(history::Shape {
                    stage: stages - 1,
                    neglected: false,
                    category: ["sop", "tzhs", "needs_support"][i % 3],
                });
            }
        }
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let number = self.next_number;
            self.next_number += 1;
            let (shape, curator) = match demo.get(i) {
                Some(shape) => (*shape, Some(self.demo_curator)),
                None => {
                    let mut shape = history::draw_shape(&mut self.rng, stages);
                    // A few new families wait for a curator.
                    let curator = (!(shape.stage == 0 && number % 3 == 0)).then(|| {
                        self.curators[usize::try_from(number).unwrap_or(0) % self.curators.len()]
                    });
                    // Work in progress is bounded by the caseload policy, as the application
                    // keeps it: each curator holds at most a full load of open cases, a few
                    // families wait for one; every other case of a large organisation's history
                    // is closed.
                    let active = shape.stage + 1 < stages;
                    let held = self.active_held.entry(curator).or_insert(0);
                    let quota = if curator.is_some() {
                        ACTIVE_PER_CURATOR
                    } else {
                        WAITING_FOR_A_CURATOR
                    };
                    if active && *held >= quota {
                        shape.stage = stages - 1;
                    } else if active {
                        *held += 1;
                    }
                    (shape, curator)
                }
            };
            let seeded = history::build(
                &mut self.rng,
                &self.variant,
                &self.calendar,
                &self.people,
                shape,
                curator,
                number,
                now,
            );
            if seeded.file.case.closed_at.is_none() {
                self.active.push(seeded.file.case.id);
            }
            self.case_ids.push(seeded.file.case.id);
            out.push(seeded);
        }
        self.seeded += count;
        out
    }

    /// Writes cases in one transaction, with their obligations as the engine computes them now.
    async fn write(&mut self, mut cases: Vec<SeededCase>) -> anyhow::Result<()> {
        let now = Utc::now();
        let mut obligation_rows = Vec::new();
        let mut result_rows = Vec::new();
        for seeded in &mut cases {
            let (evaluation, fallen_due) = deadlines::evaluate_and_fallen_due(
                &self.variant,
                &self.calendar,
                &seeded.file,
                now,
            );
            for r in obligations::fallen_due_results(fallen_due) {
                result_rows.push(case_obligation_result::Model {
                    tenant_id: self.people.tenant_id,
                    case_id: seeded.file.case.id,
                    key: r.key,
                    kind: r.kind,
                    due_at: r.due_at,
                    met_at: r.met_at,
                });
            }
            let open = obligations::open_obligations(&self.variant, &evaluation);
            seeded.file.case.next_due_at = open.iter().map(|o| o.due_at).min();
            for o in open {
                obligation_rows.push(case_obligation::Model {
                    tenant_id: self.people.tenant_id,
                    case_id: seeded.file.case.id,
                    key: o.key,
                    kind: o.kind,
                    subject: o.subject,
                    from_at: o.from_at,
                    due_at: o.due_at,
                    remind_at: o.remind_at,
                    status: o.status,
                    updated_at: now,
                });
            }
        }
        let last_number = cases
            .iter()
            .filter_map(|c| c.file.case.number)
            .max()
            .unwrap_or(0);
        let mut signals = Vec::with_capacity(cases.len());
        let mut rows = Vec::with_capacity(cases.len());
        let mut records = Vec::new();
        let mut revisions = Vec::new();
        let mut actions = Vec::new();
        let mut members = Vec::new();
        let mut terms = Vec::new();
        for seeded in cases {
            for term in kurator_store::tenant::cases::search_terms(&seeded.file.case.family) {
                terms.push(case_search_term::Model {
                    tenant_id: self.people.tenant_id,
                    term,
                    case_id: seeded.file.case.id,
                });
            }
            signals.push(seeded.signal);
            rows.push(seeded.file.case);
            records.extend(seeded.file.records);
            revisions.extend(seeded.file.revisions);
            actions.extend(seeded.file.actions);
            members.extend(seeded.file.members);
        }
        self.records_written += records.len();
        self.obligations_written += obligation_rows.len();
        self.results_written += result_rows.len();

        let tx = self.db.begin().await?;
        insert_all::<signal::Entity>(&tx, signals).await?;
        insert_all::<case::Entity>(&tx, rows).await?;
        insert_all::<case_record::Entity>(&tx, records).await?;
        insert_all::<plan_revision::Entity>(&tx, revisions).await?;
        insert_all::<plan_action::Entity>(&tx, actions).await?;
        insert_all::<case_member::Entity>(&tx, members).await?;
        insert_all::<case_obligation::Entity>(&tx, obligation_rows).await?;
        insert_all::<case_obligation_result::Entity>(&tx, result_rows).await?;
        insert_all::<case_search_term::Entity>(&tx, terms).await?;
        case_number::Entity::insert(
            case_number::Model {
                tenant_id: self.people.tenant_id,
                last: last_number,
            }
            .into_active_model()
            .reset_all(),
        )
        .on_conflict(
            OnConflict::column(case_number::Column::TenantId)
                .update_column(case_number::Column::Last)
                .to_owned(),
        )
        .exec_without_returning(&tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The seeded tenant's database, for the raw-insert reference.
    pub fn tenant_db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// A connection that writes to the seeded tenant's database as the server's writes do: on
    /// SQLite one connection of its own with the writers' checkpoint threshold
    /// ([`kurator_store::connect_sqlite_writer`]), on PostgreSQL the pool.
    pub async fn tenant_writer(&self) -> anyhow::Result<DatabaseConnection> {
        match self.db.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => {
                Ok(kurator_store::connect_sqlite_writer(&self.tenant_url).await?)
            }
            _ => Ok(self.db.clone()),
        }
    }

    pub async fn close(self) {
        let _ = self.control.close().await;
        let _ = self.db.close().await;
    }
}

/// Inserts `models` with as many rows per statement as the bind limit allows.
async fn insert_all<E>(tx: &DatabaseTransaction, models: Vec<E::Model>) -> anyhow::Result<()>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    use sea_orm::Iterable;
    let columns = E::Column::iter().count().max(1);
    let per_statement = (BINDS_PER_STATEMENT / columns).max(1);
    let mut models = models.into_iter().peekable();
    while models.peek().is_some() {
        let chunk: Vec<E::ActiveModel> = models
            .by_ref()
            .take(per_statement)
            .map(|m| m.into_active_model().reset_all())
            .collect();
        E::insert_many(chunk).exec_without_returning(tx).await?;
    }
    Ok(())
}

/// Adds `count` curators to the organisation: accounts (no password: they never sign in here),
/// memberships, and the variant's family-curator role in the tenant database.
async fn add_curators(
    control: &DatabaseConnection,
    db: &DatabaseConnection,
    tenant_id: Uuid,
    count: usize,
) -> anyhow::Result<Vec<Uuid>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let now = Utc::now();
    let ids: Vec<Uuid> = (0..count).map(|_| Uuid::now_v7()).collect();
    let users = ids.iter().enumerate().map(|(i, id)| user::Model {
        id: *id,
        login: format!("state_centre.bench_curator{}", i + 1),
        display_name: format!("Куратор {}", i + 1),
        password_hash: None,
        is_platform_admin: false,
        is_platform_methodologist: false,
        email: None,
        is_active: true,
        version: 1,
        created_at: now,
    });
    let memberships = ids.iter().map(|id| membership::Model {
        user_id: *id,
        tenant_id,
        role: "curator".to_owned(),
        created_at: now,
    });
    let roles = ids.iter().map(|id| staff_role::Model {
        tenant_id,
        user_id: *id,
        role_key: "family_curator".to_owned(),
        granted_at: now,
        granted_by: None,
    });
    let tx = control.begin().await?;
    insert_all::<user::Entity>(&tx, users.collect()).await?;
    insert_all::<membership::Entity>(&tx, memberships.collect()).await?;
    tx.commit().await?;
    let tx = db.begin().await?;
    insert_all::<staff_role::Entity>(&tx, roles.collect()).await?;
    tx.commit().await?;
    if ids.len() != count {
        bail!("added {} curators of {count}", ids.len());
    }
    Ok(ids)
}

//! The deadline worker (обработчик сроков): as time passes it moves stored obligations into their
//! reminder window and past their due instant, plans the reminders, the escalations the variant
//! declares and the day's digests, and delivers them — in-app, by e-mail, to the organisation's
//! webhooks.
//!
//! **One worker per tenant.** Before touching a tenant a worker takes the tenant's lease
//! ([`kurator_platform::lease`]: Redis in production, in-process in the embedded default) and
//! renews it every run; another replica skips the tenant while the lease is held.
//!
//! **Once per obligation and period.** Planning is one transaction: advance the statuses, then for
//! every obligation in `due`/`overdue` with no mark for (case, key, status, due instant) write the
//! mark, the in-app notifications and the outbox rows for e-mail and webhooks (each with a unique
//! key per what, period, channel and recipient). A crash before the commit plans nothing; after
//! it, nothing is planned again. Delivery then claims each outbox row (a conditional update, so
//! two workers never send the same row), sends it, and settles it: sent, retried later with
//! exponential backoff, or given up. Only a crash between the send and the settle can repeat a
//! message once its claim runs out; e-mails carry a stable `Message-ID` and webhooks a stable
//! `X-Kurator-Delivery` id, so receivers can drop such a repeat.

pub mod deliver;
pub mod messages;
pub mod plan;

use crate::TenantRegistry;
use crate::error::CaseworkResult;
use crate::runtime::TenantRuntime;
use chrono::{DateTime, Utc};
use kurator_platform::config::{SmtpSettings, WorkerSettings};
use kurator_platform::lease::SharedLeases;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// Where a test stops the worker, as if the process had died there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failpoint {
    /// After the planning transaction committed, before anything is delivered.
    AfterPlanning,
    /// After the first outside message was sent and settled.
    AfterFirstDelivery,
    /// After the first outside message was sent, before it is settled.
    BeforeSettle,
}

impl Failpoint {
    /// `after_planning`, `after_first_delivery`, `before_settle` (the `KURATOR_WORKER_FAILPOINT`
    /// variable of `kurator worker`, for crash tests).
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "after_planning" => Some(Self::AfterPlanning),
            "after_first_delivery" => Some(Self::AfterFirstDelivery),
            "before_settle" => Some(Self::BeforeSettle),
            _ => None,
        }
    }
}

/// What stopped a run early.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("stopped at failpoint {0:?}")]
    Crashed(Failpoint),
    #[error(transparent)]
    Casework(#[from] crate::CaseworkError),
    #[error("lease: {0}")]
    Lease(String),
}

impl From<kurator_store::StoreError> for WorkerError {
    fn from(err: kurator_store::StoreError) -> Self {
        WorkerError::Casework(err.into())
    }
}

/// What one run did for one tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantRun {
    /// `false` when another worker held the tenant's lease.
    pub leased: bool,
    pub advanced: usize,
    pub notifications: usize,
    pub queued: usize,
    pub delivered: usize,
    pub failed_attempts: usize,
    /// Administrative audit records delivered from the control plane's outbox.
    pub audited: usize,
    /// Indicator tables published into the analytics store (provisional months replaced and
    /// new revisions), when the night's publication ran.
    pub published: usize,
    /// The night's publication failed; the analytics store keeps the last good figures, stale.
    pub publication_failed: bool,
}

/// The nightly publication of indicators for comparison: the analytics store and its settings.
#[derive(Debug, Clone)]
pub struct Analytics {
    pub store: kurator_analytics::store::AnalyticsStore,
    pub settings: kurator_platform::config::AnalyticsSettings,
}

pub struct DeadlineWorker {
    tenants: TenantRegistry,
    control: DatabaseConnection,
    leases: SharedLeases,
    settings: WorkerSettings,
    channels: deliver::Channels,
    /// This worker's name in leases and claims.
    holder: String,
    /// Where links in messages point: the public address of the web interface.
    link_base: String,
    failpoint: Option<Failpoint>,
    /// When each tenant's slip was last checked.
    slip_checked: Mutex<HashMap<uuid::Uuid, DateTime<Utc>>>,
    /// The last local day whose digests this worker planned, per tenant: later runs that day
    /// skip the digest step (the marks would stop a repeat anyway).
    digested: Mutex<HashMap<uuid::Uuid, chrono::NaiveDate>>,
    analytics: Option<Analytics>,
    /// The last local day each tenant's indicators were published by this worker.
    published: Mutex<HashMap<uuid::Uuid, chrono::NaiveDate>>,
}

impl DeadlineWorker {
    pub fn new(
        tenants: TenantRegistry,
        control: DatabaseConnection,
        leases: SharedLeases,
        settings: WorkerSettings,
        smtp: &SmtpSettings,
        link_base: String,
    ) -> CaseworkResult<Self> {
        Ok(Self {
            tenants,
            control,
            leases,
            channels: deliver::Channels::new(smtp)?,
            settings,
            holder: format!("worker-{}", uuid::Uuid::new_v4().simple()),
            link_base: link_base.trim_end_matches('/').to_owned(),
            failpoint: None,
            slip_checked: Mutex::new(HashMap::new()),
            digested: Mutex::new(HashMap::new()),
            analytics: None,
            published: Mutex::new(HashMap::new()),
        })
    }

    /// Publishes each tenant's indicators into the analytics store every night (and at the first
    /// run after the worker starts).
    pub fn with_analytics(mut self, analytics: Option<Analytics>) -> Self {
        self.analytics = analytics.filter(|a| a.settings.enabled);
        self
    }

    /// Stops every run at `failpoint` (crash tests).
    pub fn with_failpoint(mut self, failpoint: Option<Failpoint>) -> Self {
        self.failpoint = failpoint;
        self
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    fn lease_name(runtime: &TenantRuntime) -> String {
        format!("deadline-worker:{}", runtime.tenant().id.0)
    }

    /// One run over every tenant at `now`; a tenant whose lease another worker holds is skipped.
    pub async fn run_once(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, TenantRun)>, WorkerError> {
        let mut report = Vec::new();
        // Organisations created or resumed since the last run are opened; suspended ones are
        // closed and get nothing sent. A control plane that cannot be read now leaves the
        // organisations as they were.
        if let Err(err) = self.tenants.refresh().await {
            tracing::warn!(error = %err, "organisations not refreshed");
        }
        for runtime in self.tenants.all() {
            let run = self.run_tenant(&runtime, now).await?;
            report.push((runtime.tenant().slug.to_string(), run));
        }
        Ok(report)
    }

    /// One run for one tenant, under its lease.
    #[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
    pub async fn run_tenant(
        &self,
        runtime: &Arc<TenantRuntime>,
        now: DateTime<Utc>,
    ) -> Result<TenantRun, WorkerError> {
        let lease = Self::lease_name(runtime);
        let ttl = Duration::from_secs(self.settings.lease_seconds.max(1));
        let leased = self
            .leases
            .acquire(&lease, &self.holder, ttl)
            .await
            .map_err(|e| WorkerError::Lease(e.to_string()))?;
        if !leased {
            return Ok(TenantRun::default());
        }
        let mut run = TenantRun {
            leased: true,
            ..TenantRun::default()
        };
        // Administrative records that could not reach the trail when their change was made.
        match crate::audit::deliver_outbox(runtime, &self.control).await {
            Ok(written) => run.audited = written,
            Err(err) => tracing::warn!(error = %err, "audit outbox not delivered"),
        }
        let planner = plan::Planner::load(self, runtime).await?;
        planner.reminders(now, &mut run).await?;
        if self.slip_due(runtime, now).await {
            planner.slip_escalations(now, &mut run).await?;
        }
        let id = runtime.tenant().id.0;
        let today = planner.local_day(now);
        let done = self.digested.lock().await.get(&id) == Some(&today);
        if !done && let Some(day) = planner.digests(now, &mut run).await? {
            self.digested.lock().await.insert(id, day);
        }
        if self.failpoint == Some(Failpoint::AfterPlanning) {
            return Err(WorkerError::Crashed(Failpoint::AfterPlanning));
        }
        deliver::deliver(self, runtime, now, &mut run).await?;
        self.publish(runtime, now, &mut run).await;
        Ok(run)
    }

    /// The night's publication of the tenant's indicators: once per local day from
    /// `analytics.publish_hour`, and at this worker's first run whatever the hour. A failure is
    /// recorded in the store (the figures go stale) and does not stop the run.
    async fn publish(&self, runtime: &Arc<TenantRuntime>, now: DateTime<Utc>, run: &mut TenantRun) {
        let Some(analytics) = &self.analytics else {
            return;
        };
        let id = runtime.tenant().id.0;
        let Ok(variant) = runtime.current_variant() else {
            return;
        };
        let local = now.with_timezone(&variant.time_zone());
        let today = local.date_naive();
        let last = self.published.lock().await.get(&id).copied();
        let due = match last {
            None => true,
            Some(day) => {
                day < today && chrono::Timelike::hour(&local) >= analytics.settings.publish_hour
            }
        };
        if !due {
            return;
        }
        match crate::publication::publish(runtime, &analytics.store, &analytics.settings, now).await
        {
            Ok(published) => run.published = published.provisional + published.revisions,
            Err(err) => {
                tracing::warn!(error = %err, "indicators not published");
                run.publication_failed = true;
            }
        }
        self.published.lock().await.insert(id, today);
    }

    /// Renews the tenant's lease in a long run; `false` when it was lost (the run then stops,
    /// and the claims keep the other worker from sending what this one has in hand).
    pub(crate) async fn renew(&self, runtime: &TenantRuntime) -> Result<bool, WorkerError> {
        let ttl = Duration::from_secs(self.settings.lease_seconds.max(1));
        self.leases
            .acquire(&Self::lease_name(runtime), &self.holder, ttl)
            .await
            .map_err(|e| WorkerError::Lease(e.to_string()))
    }

    /// The accumulated slip is checked at most every quarter of an hour per tenant.
    async fn slip_due(&self, runtime: &TenantRuntime, now: DateTime<Utc>) -> bool {
        let mut checked = self.slip_checked.lock().await;
        let id = runtime.tenant().id.0;
        let due = checked
            .get(&id)
            .is_none_or(|last| now < *last || now - *last >= chrono::Duration::minutes(15));
        if due {
            checked.insert(id, now);
        }
        due
    }

    /// Gives up every lease this worker holds (on shutdown).
    pub async fn release(&self) {
        for runtime in self.tenants.all() {
            let _ = self
                .leases
                .release(&Self::lease_name(&runtime), &self.holder)
                .await;
        }
    }

    /// Runs until `shutdown` resolves, every `interval_ms`.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) {
        let interval = Duration::from_millis(self.settings.interval_ms.max(10));
        tokio::pin!(shutdown);
        loop {
            match self.run_once(Utc::now()).await {
                Ok(report) => {
                    for (tenant, run) in report.iter().filter(|(_, r)| *r != TenantRun::default()) {
                        tracing::debug!(%tenant, ?run, "deadline worker run");
                    }
                }
                Err(err) => tracing::warn!(error = %err, "deadline worker run failed"),
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(interval) => {}
            }
        }
        self.release().await;
    }
}

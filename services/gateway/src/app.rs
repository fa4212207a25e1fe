//! Building and running the application: connect, migrate, seed, open tenant runtimes, bind.

use crate::callers::Callers;
use crate::edge::headers::SecurityHeaders;
use crate::edge::rate_limit::RateLimits;
use crate::graphql::{self, REQUEST_ID_HEADER};
use crate::state::{AppState, Services};
use crate::{demo, edge, http};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::routing::get;
use kurator_analytics::store::AnalyticsStore;
use kurator_auth::oidc::{SecretBox, SsoLogin};
use kurator_auth::{LoginThrottle, PasswordLogin, SessionStore};
use kurator_casework::TenantRegistry;
use kurator_casework::worker::{Analytics, DeadlineWorker};
use kurator_platform::Settings;
use kurator_platform::cache::{InProcessCache, RedisCache, SharedCache};
use kurator_platform::lease::{InProcessLeases, RedisLeases, SharedLeases};
use kurator_store::StatementCounter;
use kurator_store::control::repo;
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    port: u16,
    /// The in-process deadline worker (`worker.enabled`), started with the server.
    worker: Option<DeadlineWorker>,
}

/// Aborts the task when dropped: the in-process worker stops with the server.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The leases that keep one deadline worker per tenant: Redis when configured, else in-process.
pub async fn leases(settings: &Settings) -> anyhow::Result<SharedLeases> {
    Ok(match &settings.redis.url {
        Some(url) => {
            Arc::new(RedisLeases::connect(url.expose_secret(), &settings.redis.key_prefix).await?)
        }
        None => Arc::new(InProcessLeases::new()),
    })
}

/// A deadline worker over `tenants`, configured from `settings`; with `analytics` it publishes
/// the organisations' indicators every night.
pub async fn deadline_worker(
    settings: &Settings,
    control: sea_orm::DatabaseConnection,
    tenants: TenantRegistry,
    analytics: Option<AnalyticsStore>,
    link_base: String,
) -> anyhow::Result<DeadlineWorker> {
    Ok(DeadlineWorker::new(
        tenants,
        control,
        leases(settings).await?,
        settings.worker.clone(),
        &settings.smtp,
        link_base,
    )?
    .with_analytics(analytics.map(|store| Analytics {
        store,
        settings: settings.analytics.clone(),
    })))
}

/// Opens the analytics store (`database.analytics_url`): migrated at start when replicas
/// migrate, otherwise required to be up to date; on PostgreSQL used as the application's role
/// once migrated. Refuses disclosure rules below their defaults.
pub async fn open_analytics(settings: &Settings) -> anyhow::Result<AnalyticsStore> {
    kurator_casework::publication::rules(&settings.analytics).map_err(anyhow::Error::msg)?;
    let url = settings.analytics_database_url();
    let db = kurator_store::connect(&url, settings.database.max_connections.max(2)).await?;
    if settings.database.migrate_at_start {
        kurator_store::migrate_analytics(&db).await?;
    } else {
        let pending = kurator_store::pending_analytics(&db).await?;
        if pending > 0 {
            anyhow::bail!(
                "the analytics store has {pending} pending migrations: run `kurator migrate` first"
            );
        }
    }
    let db = as_application(settings, &url, db).await?;
    Ok(AnalyticsStore::new(db))
}

/// Migrates the control plane at start (`database.migrate_at_start`), or makes sure nothing is
/// pending.
async fn control_plane_ready(
    settings: &Settings,
    control: &sea_orm::DatabaseConnection,
) -> anyhow::Result<()> {
    if settings.database.migrate_at_start {
        kurator_store::migrate_control_plane(control).await?;
        return Ok(());
    }
    match kurator_store::pending_control_plane(control).await? {
        0 => Ok(()),
        pending => anyhow::bail!(
            "the control plane has {pending} pending migrations: run `kurator migrate` first"
        ),
    }
}

/// On PostgreSQL with `database.app_user` set, the control plane is read and written as the
/// application's role — which owns nothing — once it is migrated (and the demo organisations are
/// registered): the owner's connection is closed and replaced. As it is otherwise.
async fn control_as_application(
    settings: &Settings,
    control: sea_orm::DatabaseConnection,
) -> anyhow::Result<sea_orm::DatabaseConnection> {
    as_application(settings, &settings.control_database_url(), control).await
}

/// `db` (reached at `url` as the owner) replaced by a connection as the application's role, on
/// PostgreSQL with `database.app_user` set; as it is otherwise.
async fn as_application(
    settings: &Settings,
    url: &str,
    db: sea_orm::DatabaseConnection,
) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let Some((user, password)) = settings.tenant_app_login() else {
        return Ok(db);
    };
    if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return Ok(db);
    }
    let url = kurator_store::with_user(url, &user, password.as_deref())?;
    let application = kurator_store::connect(&url, settings.database.max_connections).await?;
    db.close().await?;
    Ok(application)
}

/// `kurator migrate`: migrates the control plane and every organisation's database, each under
/// its database's migration lock, so that running it twice at once (or beside replicas that
/// migrate at start) is safe. With `demo.seed` on, it registers the demo organisations first, so
/// that their databases are migrated too. Answers the organisations migrated.
pub async fn migrate(settings: &Settings) -> anyhow::Result<Vec<String>> {
    let control = kurator_store::connect(
        &settings.control_database_url(),
        settings.database.max_connections.max(2),
    )
    .await?;
    kurator_store::migrate_control_plane(&control).await?;
    if settings.seed_demo() {
        demo::seed(&control, settings).await?;
    }
    let analytics = kurator_store::connect(&settings.analytics_database_url(), 2).await?;
    kurator_store::migrate_analytics(&analytics).await?;
    analytics.close().await?;
    let mut migrated = Vec::new();
    for tenant in repo::list_tenants(&control).await? {
        let db = kurator_store::connect(&tenant.database_url, 2).await?;
        kurator_store::migrate_tenant(&db).await?;
        db.close().await?;
        migrated.push(tenant.slug.to_string());
    }
    control.close().await?;
    Ok(migrated)
}

/// `kurator worker`: connects to the control plane and every tenant (migrating them), and
/// returns the deadline worker, without serving HTTP.
pub async fn build_worker(settings: &Settings) -> anyhow::Result<DeadlineWorker> {
    let control = kurator_store::connect(
        &settings.control_database_url(),
        settings.database.max_connections,
    )
    .await?;
    control_plane_ready(settings, &control).await?;
    let control = control_as_application(settings, control).await?;
    let tenants = TenantRegistry::open_all(
        control.clone(),
        settings.database.max_connections,
        settings.tenant_app_login().as_ref(),
        settings.database.migrate_at_start,
    )
    .await?;
    let server = &settings.server;
    let link_base = server
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}:{}", server.host, server.port));
    let analytics = open_analytics(settings).await?;
    deadline_worker(settings, control, tenants, Some(analytics), link_base).await
}

impl Application {
    #[tracing::instrument(name = "startup", skip_all)]
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let cache: SharedCache = match &settings.redis.url {
            Some(url) => Arc::new(
                RedisCache::connect(url.expose_secret(), &settings.redis.key_prefix).await?,
            ),
            None => Arc::new(InProcessCache::new()),
        };

        let control = kurator_store::connect(
            &settings.control_database_url(),
            settings.database.max_connections,
        )
        .await?;
        control_plane_ready(&settings, &control).await?;
        if settings.seed_demo() {
            let created = demo::seed(&control, &settings).await?;
            if created > 0 {
                tracing::info!(accounts = created, "seeded demo organisations and accounts");
            }
        }
        let mut control = control_as_application(&settings, control).await?;
        let control_statements = StatementCounter::default();
        control_statements.attach(&mut control);
        let tenants = TenantRegistry::open_all(
            control.clone(),
            settings.database.max_connections,
            settings.tenant_app_login().as_ref(),
            settings.database.migrate_at_start,
        )
        .await?;

        if settings.seed_demo() {
            match demo::seed_cases(&control, &tenants, settings.demo.example_cases).await {
                Ok(0) => {}
                Ok(seeded) => tracing::info!(signals = seeded, "seeded demo case work"),
                Err(err) => tracing::warn!(error = %err, "demo case work not seeded"),
            }
        }

        let auth = &settings.auth;
        let sessions = SessionStore::new(
            cache.clone(),
            Duration::from_secs(auth.session_ttl_minutes * 60),
        );
        let throttle = LoginThrottle::new(
            cache.clone(),
            auth.throttle_free_attempts,
            Duration::from_secs(auth.throttle_window_seconds),
        );
        let password_login = PasswordLogin::new(control.clone(), sessions.clone(), throttle)?;
        let callers = Callers::new(sessions.clone(), control.clone());

        // Bound before the services are made: the providers send people back to this address.
        let server = &settings.server;
        let listener = TcpListener::bind((server.host.as_str(), server.port)).await?;
        let port = listener.local_addr()?.port();
        let public_url = server
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}:{port}", server.host));
        let sso_login = SsoLogin::new(
            control.clone(),
            cache.clone(),
            sessions.clone(),
            SecretBox::from_settings(&settings)?,
            format!("{}/login/sso/callback", public_url.trim_end_matches('/')),
            Duration::from_secs(auth.sso_timeout_seconds.max(1)),
        );

        let analytics = open_analytics(&settings).await?;

        let schema = graphql::build_schema(
            settings.graphql.max_depth,
            settings.graphql.max_complexity,
            settings.is_production(),
        );
        let state = AppState {
            inner: Arc::new(Services {
                settings,
                control,
                control_statements,
                tenants,
                cache,
                sessions,
                callers,
                password_login,
                sso_login,
                analytics,
            }),
            schema,
            documents: Arc::default(),
        };
        let router = router(state.clone())?;

        let settings = &state.inner.settings;
        let worker = if settings.worker.enabled {
            let link_base = settings
                .server
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}:{port}", settings.server.host));
            Some(
                deadline_worker(
                    settings,
                    state.inner.control.clone(),
                    state.inner.tenants.clone(),
                    Some(state.inner.analytics.clone()),
                    link_base,
                )
                .await?,
            )
        } else {
            None
        };
        Ok(Self {
            listener,
            router,
            state,
            port,
            worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The address people open.
    pub fn url(&self) -> String {
        let server = &self.state.inner.settings.server;
        server
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}:{}", server.host, self.port))
    }

    /// What the run command prints: where to open Kurator and, with demo data, how to sign in.
    pub fn banner(&self) -> String {
        let settings = &self.state.inner.settings;
        let mut text = format!(
            "Kurator работает / is running: {url}/\n  GraphQL: {url}/graphql\n  готовность / readiness: {url}/health/ready\n",
            url = self.url()
        );
        if settings.seed_demo()
            && let Ok(data) = demo::demo_data()
        {
            text.push_str(&format!(
                "\nДемо-учётные записи / demo accounts (пароль / password: {}):\n",
                settings.demo.password
            ));
            text.push_str(&format!(
                "  {:<28} platform_admin\n",
                data.platform_admin.login
            ));
            text.push_str(&format!(
                "  {:<28} platform_methodologist (/analytics)\n",
                data.platform_methodologist.login
            ));
            for tenant in &data.tenant {
                for account in &tenant.accounts {
                    let role = account.role.as_deref().unwrap_or_default();
                    text.push_str(&format!(
                        "  {:<28} {role:<14} {}\n",
                        account.login, tenant.slug
                    ));
                }
            }
        }
        text
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let _worker = self
            .worker
            .map(|worker| AbortOnDrop(tokio::spawn(worker.run_until(std::future::pending()))));
        // The peer address of every connection goes with its requests: the rate limits count
        // per client address.
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
    }
}

/// CORS: closed unless the configuration names the origins allowed to call the API from a
/// browser; then only those, only the API's methods and headers.
fn cors(origins: &[String]) -> anyhow::Result<Option<tower_http::cors::CorsLayer>> {
    use axum::http::{HeaderValue, Method, header};
    if origins.is_empty() {
        return Ok(None);
    }
    let origins = origins
        .iter()
        .map(|o| {
            HeaderValue::from_str(o.trim_end_matches('/'))
                .map_err(|_| anyhow::anyhow!("server.cors_allowed_origins: invalid origin {o:?}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Some(
        tower_http::cors::CorsLayer::new()
            .allow_origin(tower_http::cors::AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT_LANGUAGE,
                HeaderName::from_static("x-kurator-tenant"),
            ])
            .max_age(Duration::from_secs(600)),
    ))
}

fn router(state: AppState) -> anyhow::Result<Router> {
    let production = state.inner.settings.is_production();
    let server = &state.inner.settings.server;
    let cors = cors(&server.cors_allowed_origins)?;
    let timeout = Duration::from_secs(server.request_timeout_seconds.max(1));
    let concurrency = server.max_concurrent_requests.max(1);
    let body_limit = state.inner.settings.graphql.max_body_bytes;
    let shared_counts = state
        .inner
        .settings
        .redis
        .url
        .is_some()
        .then_some(&state.inner.cache);
    let rate_limits = Arc::new(RateLimits::new(server, body_limit, shared_counts));
    let security_headers = SecurityHeaders::from_public_url(server.public_url.as_deref());
    let graphql_route = if production {
        axum::routing::post(graphql::graphql_post)
    } else {
        get(graphql::graphiql).post(graphql::graphql_post)
    };
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    let router = Router::new()
        .merge(crate::web::router())
        .route("/graphql", graphql_route)
        .route("/health/live", get(http::health::live))
        .route("/health/ready", get(http::health::ready))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CatchPanicLayer::new())
        // Inside the timeout and the concurrency limit: telling a sign-in reads the body, and a
        // body sent slowly must not hold the edge past the timeout.
        .layer(axum::middleware::from_fn_with_state(
            rate_limits,
            edge::rate_limit::limit,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(concurrency));
    let router = match cors {
        Some(cors) => router.layer(cors),
        None => router,
    };
    Ok(router
        .layer(axum::middleware::from_fn_with_state(
            security_headers,
            edge::headers::add,
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let request_id = request
                    .headers()
                    .get(REQUEST_ID_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!(
                    "request",
                    method = %request.method(),
                    path = %request.uri().path(),
                    request_id = %request_id,
                )
            }),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

//! What every request handler can reach.

use crate::callers::Callers;
use crate::graphql::KuratorSchema;
use kurator_auth::oidc::SsoLogin;
use kurator_auth::{PasswordLogin, SessionStore};
use kurator_casework::TenantRegistry;
use kurator_platform::Settings;
use kurator_platform::cache::SharedCache;
use kurator_store::StatementCounter;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub inner: Arc<Services>,
    pub schema: KuratorSchema,
    /// Queries parsed before, by their text.
    pub documents: Arc<crate::graphql::documents::Documents>,
}

impl Services {
    pub fn control_statements(&self) -> u64 {
        self.control_statements.get()
    }
}

pub struct Services {
    pub settings: Settings,
    pub control: DatabaseConnection,
    /// Statements run on the control plane: a metric, and how tests show that a request from a
    /// known caller runs none.
    pub control_statements: StatementCounter,
    pub tenants: TenantRegistry,
    pub cache: SharedCache,
    pub sessions: SessionStore,
    /// Callers already resolved, so that a request needs no control-plane query.
    pub callers: Callers,
    pub password_login: PasswordLogin,
    /// Single sign-on through organisations' OpenID Connect providers.
    pub sso_login: SsoLogin,
    /// What organisations published for comparison (its own database).
    pub analytics: kurator_analytics::store::AnalyticsStore,
}

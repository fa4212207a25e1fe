//! What every request handler can reach.

use crate::graphql::KuratorSchema;
use kurator_auth::{PasswordLogin, SessionStore};
use kurator_casework::TenantRegistry;
use kurator_platform::Settings;
use kurator_platform::cache::SharedCache;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub inner: Arc<Services>,
    pub schema: KuratorSchema,
}

pub struct Services {
    pub settings: Settings,
    pub control: DatabaseConnection,
    pub tenants: TenantRegistry,
    pub cache: SharedCache,
    pub sessions: SessionStore,
    pub password_login: PasswordLogin,
}

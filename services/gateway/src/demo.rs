//! Demo data for the embedded default: four organisations, one per method-variant preset, and an
//! account for every role in each. Seeding is idempotent: what exists is left alone, so restarting
//! never duplicates anything.

use kurator_auth::password::hash_password;
use kurator_domain::{LoginName, Role, TenantSlug};
use kurator_platform::Settings;
use kurator_store::StoreError;
use kurator_store::control::{NewTenant, NewUser, repo};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::Deserialize;

const DEMO_DATA: &str = include_str!("../demo/tenants.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoData {
    pub platform_admin: DemoAccount,
    pub tenant: Vec<DemoTenant>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoTenant {
    pub slug: String,
    pub name_ru: String,
    pub name_kk: String,
    pub name_en: String,
    pub preset: String,
    pub time_zone: String,
    pub accounts: Vec<DemoAccount>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoAccount {
    pub login: String,
    pub display_name: String,
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("demo data file is invalid: {0}")]
    Data(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

pub fn demo_data() -> Result<DemoData, SeedError> {
    toml::from_str(DEMO_DATA).map_err(|e| SeedError::Data(e.to_string()))
}

/// Creates the demo tenants and accounts that do not exist yet. Returns how many accounts it made.
#[tracing::instrument(skip_all)]
pub async fn seed(control: &DatabaseConnection, settings: &Settings) -> Result<usize, SeedError> {
    let data = demo_data()?;
    let hash =
        hash_password(&settings.demo.password).map_err(|e| SeedError::Data(e.to_string()))?;
    let tx = control.begin().await?;
    let mut created = 0;

    let admin_login = parse_login(&data.platform_admin.login)?;
    if repo::find_user_by_login(&tx, &admin_login).await?.is_none() {
        repo::insert_user(
            &tx,
            NewUser {
                login: &admin_login,
                display_name: &data.platform_admin.display_name,
                password_hash: Some(&hash),
                is_platform_admin: true,
            },
        )
        .await?;
        created += 1;
    }

    for demo in &data.tenant {
        let slug = TenantSlug::parse(&demo.slug).map_err(|e| SeedError::Data(e.to_string()))?;
        let tenant = match repo::find_tenant_by_slug(&tx, &slug).await? {
            Some(tenant) => tenant,
            None => {
                let url = settings.tenant_database_url(slug.as_str());
                repo::insert_tenant(
                    &tx,
                    NewTenant {
                        slug: &slug,
                        name_ru: &demo.name_ru,
                        name_kk: &demo.name_kk,
                        name_en: &demo.name_en,
                        preset: &demo.preset,
                        database_url: &url,
                        time_zone: &demo.time_zone,
                    },
                )
                .await?
            }
        };
        for account in &demo.accounts {
            let login = parse_login(&account.login)?;
            if repo::find_user_by_login(&tx, &login).await?.is_some() {
                continue;
            }
            let role_name = account.role.as_deref().unwrap_or_default();
            let role = Role::parse(role_name).map_err(|e| SeedError::Data(e.to_string()))?;
            let user = repo::insert_user(
                &tx,
                NewUser {
                    login: &login,
                    display_name: &account.display_name,
                    password_hash: Some(&hash),
                    is_platform_admin: false,
                },
            )
            .await?;
            repo::insert_membership(&tx, user.id, tenant.id, role).await?;
            created += 1;
        }
    }
    tx.commit().await?;
    Ok(created)
}

fn parse_login(value: &str) -> Result<LoginName, SeedError> {
    LoginName::parse(value).map_err(|e| SeedError::Data(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_has_the_four_presets_and_every_tenant_role() {
        let data = demo_data().unwrap();
        let slugs: Vec<_> = data.tenant.iter().map(|t| t.slug.as_str()).collect();
        assert_eq!(slugs, ["fund", "volunteers", "state_centre", "clinic"]);
        for tenant in &data.tenant {
            for role in [
                Role::OrgAdmin,
                Role::Supervisor,
                Role::Curator,
                Role::Specialist,
                Role::Methodologist,
            ] {
                assert!(
                    tenant
                        .accounts
                        .iter()
                        .any(|a| a.role.as_deref() == Some(role.as_str())),
                    "{} lacks {role}",
                    tenant.slug
                );
            }
        }
    }
}
